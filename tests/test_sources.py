"""The packet carries its sources: guidance and resources reachable, adaptations marked."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.blank import agency_types
from pipeline.build import build_packet
from pipeline.bundle import link_target
from pipeline.content import content
from pipeline.directory import national_set
from pipeline.errors import InputError
from pipeline.forms import build_forms
from pipeline.load import load_agency
from pipeline.render import long_date
from tests.helpers import cell_text, docx_text

ROOT = Path(__file__).resolve().parent.parent
TOOL = content("assessment")
QUOTED = re.compile(r"“([^”]+)”")
ADAPTED = "Adapted"
# The domains for which the toolkit's Section IV gives no resource list at all.
WITHOUT_RESOURCES = (7, 8, 10, 11)


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("sources")
    return {
        slug: build_packet(ROOT / "inputs" / slug, out / slug, pdf=False).out
        for slug in ("harbor-family-health", "northgate-youth-shelter")
    }


def assessments(samples, blank_packets) -> dict[str, Path]:
    """A completed assessment, a blank one for an agency and blank packets of two types."""
    return {
        "completed": samples["harbor-family-health"] / "assessment.docx",
        "blank": samples["northgate-youth-shelter"] / "assessment.docx",
        "school": blank_packets["school"] / "assessment.docx",
        "task_force": blank_packets["task_force"] / "assessment.docx",
    }


KINDS = ("completed", "blank", "school", "task_force")


def paragraph_text(paragraph) -> str:
    return "".join(t.text or "" for t in paragraph.iter(qn("w:t")))


def bookmarked(body) -> dict[str, str]:
    """Bookmark name -> the text of the paragraph it marks."""
    return {
        mark.get(qn("w:name")): paragraph_text(mark.getparent())
        for mark in body.iter(qn("w:bookmarkStart"))
    }


def links(paragraph) -> dict[str, str]:
    """Linked text -> the bookmark it links to, in one paragraph."""
    return {
        paragraph_text(link): link.get(qn("w:anchor")) for link in paragraph.iter(qn("w:hyperlink"))
    }


def please_see(body) -> list:
    return [p for p in body.iter(qn("w:p")) if paragraph_text(p).startswith("Please see “")]


@pytest.mark.parametrize("kind", KINDS)
def test_every_please_see_points_to_something_printed_in_the_assessment(
    samples, blank_packets, kind
):
    body = Document(assessments(samples, blank_packets)[kind]).element.body
    marks = bookmarked(body)
    references = please_see(body)
    expected = sum(
        1
        for domain in TOOL["domains"]
        for block in domain["guidance"]
        if block.get("text", "").startswith("Please see “")
    )
    assert len(references) == expected == 14
    for paragraph in references:
        linked = links(paragraph)
        for name in QUOTED.findall(paragraph_text(paragraph)):
            target = linked[f"“{name}”"]
            assert target in marks, (name, target)
            printed = marks[target]
            if name == "General Resources":
                assert printed == "General Resources"
            else:
                assert printed.startswith("Resources for"), (name, printed)


@pytest.mark.parametrize("kind", KINDS)
def test_every_link_in_the_assessment_has_its_bookmark(samples, blank_packets, kind):
    body = Document(assessments(samples, blank_packets)[kind]).element.body
    marks = bookmarked(body)
    anchors = [link.get(qn("w:anchor")) for link in body.iter(qn("w:hyperlink"))]
    assert len(anchors) > 60
    assert set(anchors) <= set(marks)
    ids = [mark.get(qn("w:id")) for mark in body.iter(qn("w:bookmarkStart"))]
    assert len(ids) == len(set(ids)) == len(marks)


@pytest.mark.parametrize("kind", KINDS)
def test_the_general_resources_are_printed(samples, blank_packets, kind):
    text = docx_text(assessments(samples, blank_packets)[kind])
    assert (
        "General Resources"
        in bookmarked(Document(assessments(samples, blank_packets)[kind]).element.body).values()
    )
    for paragraph in TOOL["general_resources_intro"]:
        assert paragraph in text
    for resource in TOOL["general_resources"]:
        assert resource.get("citation", resource.get("url")) in text


@pytest.mark.parametrize("kind", KINDS)
def test_guidance_and_resources_of_all_twelve_domains_are_printed(samples, blank_packets, kind):
    path = assessments(samples, blank_packets)[kind]
    text = docx_text(path)
    marks = bookmarked(Document(path).element.body)
    for domain in TOOL["domains"]:
        number = domain["number"]
        assert marks[f"Domain{number}_Guidance"] == f"Domain {number}: {domain['title']}"
        assert domain["guidance_title"] in text
        for block in domain["guidance"]:
            for line in block.get("items", [block.get("text")]):
                assert (line if isinstance(line, str) else line["text"]) in text
        for resource in domain["resources"]:
            assert resource["citation"] in text
    assert len([n for n in marks if n.startswith("Domain") and n.endswith("_Guidance")]) == 12


def test_domains_without_resources_say_so_plainly(samples):
    body = Document(samples["harbor-family-health"] / "assessment.docx").element.body
    paragraphs = [paragraph_text(p) for p in body.iter(qn("w:p"))]
    marks = bookmarked(body)
    for number in WITHOUT_RESOURCES:
        title = marks[f"Domain{number}_Resources"]
        following = paragraphs[paragraphs.index(title) + 1]
        assert following.startswith("The ICMEC toolkit lists no resources under this heading.")
    for number in (9, 12):  # the toolkit prints these headings; no entry survives in its copy
        title = marks[f"Domain{number}_Resources"]
        assert "no entry under it survives" in " ".join(
            paragraphs[paragraphs.index(title) : paragraphs.index(title) + 3]
        )


def test_the_improvement_plan_links_to_the_guidance_instead_of_repeating_it(samples):
    document = Document(samples["harbor-family-health"] / "assessment.docx")
    paragraphs = document.paragraphs
    texts = [p.text for p in paragraphs]
    plan = paragraphs[
        texts.index("Improvement plan") : texts.index("Guidance and resources by domain")
    ]
    plan_text = "\n".join(p.text for p in plan)
    first_guidance = TOOL["domains"][0]["guidance"][0]["text"]
    assert first_guidance not in plan_text
    targets = {anchor for p in plan for anchor in links(p._p).values()}
    assert "Domain1_Guidance" in targets and "Domain1_Resources" in targets
    assert "Guidance_and_Resources" in targets


def test_each_domain_of_the_tool_links_to_its_guidance(samples):
    body = Document(samples["northgate-youth-shelter"] / "assessment.docx").element.body
    pointers = [
        p
        for p in body.iter(qn("w:p"))
        if paragraph_text(p).startswith("Guidance and resources for")
    ]
    assert len(pointers) == 12
    for number, pointer in enumerate(pointers, start=1):
        assert f"Domain{number}_Guidance" in links(pointer).values()
        assert f"Domain{number}_Resources" in links(pointer).values()


def test_links_and_bookmarks_survive_the_merge_into_the_bundle(samples):
    bundle = Document(samples["harbor-family-health"] / "bundle.docx")
    body = bundle.element.body
    marks = bookmarked(body)
    anchors = {link_target(link, bundle.part) for link in body.iter(qn("w:hyperlink"))}
    assert {"General_Resources", "Domain12_Guidance", "Domain7_Resources"} <= anchors
    assert anchors <= set(marks)
    ids = [mark.get(qn("w:id")) for mark in body.iter(qn("w:bookmarkStart"))]
    assert len(ids) == len(set(ids))


@pytest.mark.pdf
def test_links_lead_to_the_sections_they_name_in_the_pdf(tmp_path):
    out = build_packet(ROOT / "inputs" / "northgate-youth-shelter", tmp_path / "out").out
    reader = PdfReader(out / "bundle.pdf")
    texts = [page.extract_text() for page in reader.pages]
    general = next(n for n, text in enumerate(texts) if "This section begins with a list" in text)
    destinations = []
    for page in reader.pages:
        for annotation in page.get("/Annots", []) or []:
            annotation = annotation.get_object()
            if annotation.get("/Subtype") == "/Link" and "/Dest" in annotation:
                destinations.append(reader.get_page_number(annotation["/Dest"][0].get_object()))
    # Each “Please see” names the General Resources, and so does every resource list's note.
    # (a link may point at the foot of the page before, where the heading's paragraph starts)
    assert sum(1 for page in destinations if page in (general - 1, general)) >= 15
    domain_7 = next(
        n for n, t in enumerate(texts) if "Guidance on Issues Related to Gender Roles" in t
    )
    assert any(abs(d - domain_7) <= 1 for d in destinations)


def test_the_domain_11_prompt_is_marked_as_adapted_in_the_tool_and_the_form(samples, tmp_path):
    domain = TOOL["domains"][10]
    assert domain["rating_prompt_source"] == TOOL["domains"][9]["rating_prompt"]
    written = build_forms(ROOT / "inputs" / "harbor-family-health", tmp_path / "forms", pdf=False)
    [form] = [path for path in written if path.suffix == ".docx"]
    for path in (samples["harbor-family-health"] / "assessment.docx", form):
        texts = [p.text for p in Document(path).paragraphs]
        [prompt] = [n for n, t in enumerate(texts) if t.endswith(domain["rating_prompt"])]
        assert texts[prompt + 1].startswith(ADAPTED)
        assert domain["rating_prompt_source"] in texts[prompt + 1]
        notes = [t for t in texts if t.startswith(ADAPTED)]
        assert len(notes) == 1  # domain 10's prompt, the toolkit's own, carries none


@pytest.mark.parametrize("agency_type", agency_types())
def test_wording_per_agency_type_is_marked_as_adapted(blank_packets, agency_type):
    texts = drafting_notes(blank_packets[agency_type])
    words = content("policy")["agency_types"][agency_type]
    [note] = [t for t in texts if t.startswith(f"{ADAPTED}. The Title X template is written for")]
    assert "“clinic visit”" in note and words["encounter"] in note and words["client"] in note


def test_generalised_title_x_sentences_are_marked_as_adapted(samples):
    # The notes are the consultant's: in the packet's drafting notes, not on the policy's pages.
    us = drafting_notes(samples["harbor-family-health"])
    abroad = drafting_notes(samples["northgate-youth-shelter"])
    assert any(t.startswith(f"{ADAPTED}. The Title X template’s sentence ends at") for t in us)
    assert any(t.startswith(f"{ADAPTED}. The Title X template says that the Hotline") for t in us)
    assert any(t.startswith(f"{ADAPTED} for an agency outside the United States") for t in abroad)
    assert not any(t.startswith(f"{ADAPTED} for an agency outside") for t in us)


def drafting_notes(folder: Path) -> list[str]:
    """The notes of a packet's drafting-notes.md, one per bullet."""
    lines = (folder / "drafting-notes.md").read_text(encoding="utf-8").splitlines()
    return [line.removeprefix("- ") for line in lines if line.startswith("- ")]


def test_the_reference_lists_the_adaptations():
    section = (ROOT / "docs" / "reference" / "adaptations.md").read_text(encoding="utf-8")
    for subject in ("domain 11", "agency type", "consent", "outside the US", "1a", "Hotline"):
        assert subject in section


def policy_paragraphs(path: Path) -> str:
    return "\n".join(p.text for p in Document(path / "policy.docx").paragraphs)


@pytest.mark.parametrize("slug", ["harbor-family-health", "northgate-youth-shelter"])
def test_the_policy_carries_protective_factors_audit_and_buy_in(samples, slug):
    text = policy_paragraphs(samples[slug])
    assert "Protective factors and resilience" in text
    for factor in content("policy")["protective_factors"]:
        assert factor in text
    assert "Resilience is the process of adapting well" in text
    assert "Developing and reviewing this protocol" in text
    assert "Audit the organi" in text  # organization, or organisation in England
    assert "secure their buy-in" in text
    assert "little such expertise" in docx_text(samples[slug] / "policy.docx")


def test_us_policy_names_federal_and_state_rules_and_the_hotlines_database(samples):
    text = docx_text(samples["harbor-family-health"] / "policy.docx")
    assert "Review all federal and state mandatory reporting requirements" in text
    assert "Federal reporting requirements can apply as well as the state’s" in text
    assert "National Human Trafficking Referral Directory" in text
    assert "when federal or state reporting rules change" in text


def test_policy_outside_the_us_names_national_and_regional_rules(samples):
    text = docx_text(samples["northgate-youth-shelter"] / "policy.docx")
    assert "Review all national and regional reporting duties and safeguarding requirements" in text
    assert "National and regional reporting requirements can both apply" in text
    assert "when national or regional reporting rules change" in text
    assert "federal" not in text.replace("trafficking as a federal crime", "")
    assert "Referral Directory" not in text


def health_service_rows(path: Path) -> dict[str, list[str]]:
    """Service id (1, 1a ... 8) -> the texts of its row in domain 12's health services table."""
    document = Document(path)
    [table] = [t for t in document.tables if t.rows[0].cells[0].text == "Health service"]
    caption = table._tbl.getprevious()
    assert "".join(caption.itertext(qn("w:t"))) == TOOL["aaaq"]["health_services_title"]
    rows = {}
    for row in table.rows[1:]:
        cells = [cell_text(cell) for cell in row.cells]
        rows[cells[0].split(".")[0].strip()] = cells
    return rows


def test_the_initial_evaluation_has_a_row_per_part_in_the_blank_tool(samples):
    rows = health_service_rows(samples["northgate-youth-shelter"] / "assessment.docx")
    parts = TOOL["aaaq"]["health_services"][0]["items"]
    assert list(rows) == [
        "1",
        *[f"1{letter}" for letter in "abcdefghijklm"],
        *map(str, range(2, 9)),
    ]
    assert rows["1"][1:] == ["", "", "", "", ""]  # the heading row has no boxes
    for letter, part in zip("abcdefghijklm", parts, strict=True):
        assert part in rows[f"1{letter}"][0]
        assert rows[f"1{letter}"][1:] == ["☐"] * 5


def test_each_part_is_marked_per_facility(scenario, tmp_path):
    folder = scenario("two-respondents")
    questionnaire = folder / "questionnaire.yaml"
    text = questionnaire.read_text().replace("health_services: [1, 3]", "health_services: [1c, 3]")
    questionnaire.write_text(
        text.replace(
            "{name: Test Hospital, aaaq: N/A}",
            "{name: Test Hospital, aaaq: 3, health_services: [1]}",
        )
    )
    rows = health_service_rows(
        build_packet(folder, tmp_path / "out", pdf=False).out / "assessment.docx"
    )
    assert rows["1c"][1:3] == ["☒", "☒"]
    assert rows["1a"][1:3] == ["☐", "☒"]  # the hospital offers the whole evaluation
    assert rows["3"][1:3] == ["☒", "☐"]


def test_parts_of_a_service_without_parts_are_refused(scenario):
    folder = scenario("two-respondents")
    questionnaire = folder / "questionnaire.yaml"
    questionnaire.write_text(
        questionnaire.read_text().replace("health_services: [1, 3]", "health_services: [1n, 2a]")
    )
    with pytest.raises(InputError) as caught:
        load_agency(folder)
    messages = [str(problem) for problem in caught.value.problems]
    assert any(
        "health_services[0]: expected a service number from 1 to 8, or a part of service 1 "
        "from 1a to 1m, got '1n'" in m
        for m in messages
    )
    assert any("health_services[1]:" in m and "got '2a'" in m for m in messages)
    assert len(messages) == 2


def test_national_entries_show_when_and_against_what_they_were_checked(samples):
    text = docx_text(samples["harbor-family-health"] / "directory.docx")
    for resource in national_set("US")["resources"]:
        site = resource["sources"][0].split("/")[2].removeprefix("www.")
        assert f"Checked on {long_date(resource['checked'])} against {site}" in text
