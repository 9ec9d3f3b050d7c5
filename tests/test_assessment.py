"""The service assessment tool: every item, blank with tickable boxes, or completed and scored."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from pypdf import PdfReader

from pipeline.assessment import Respondent, items_by_id, summarize
from pipeline.assessment import item_rows as assessment_rows
from pipeline.blank import agency_types, build_blank
from pipeline.build import build_packet
from pipeline.content import content
from pipeline.convert import Converter, PdfJob
from pipeline.errors import InputError
from pipeline.load import load_agency
from tests.conftest import SAMPLES
from tests.helpers import LEFTOVERS, cell_text, docx_text, item_rows, pdf_text

# Yes/No/N/A entries per domain in the toolkit's Section II (5.5 and its three sub-items count
# as four entries, 10.6.a as one); domain 12 is scored per facility instead.
TOOLKIT_ITEMS = {1: 11, 2: 5, 3: 13, 4: 4, 5: 10, 6: 8, 7: 8, 8: 7, 9: 5, 10: 8, 11: 4, 12: 0}
W14 = "{http://schemas.microsoft.com/office/word/2010/wordml}"


@pytest.fixture(scope="module")
def blank(tmp_path_factory) -> Path:
    root = Path(__file__).resolve().parent / "fixtures"
    work = tmp_path_factory.mktemp("blank")
    folder = work / "inputs" / "blank-clinic"
    import shutil

    shutil.copytree(root / "minimal-clinic", folder)
    return build_packet(folder, work / "out", pdf=False).out / "assessment.docx"


@pytest.fixture
def completed(scenario, tmp_path) -> Path:
    folder = scenario("two-respondents")
    return build_packet(folder, tmp_path / "out", pdf=False).out / "assessment.docx"


def test_content_matches_the_toolkit_counts():
    counts = {d["number"]: len(d["items"]) for d in content("assessment")["domains"]}
    assert counts == TOOLKIT_ITEMS


def test_every_item_of_every_domain_is_in_the_document(blank):
    rows = item_rows(blank)
    for domain in content("assessment")["domains"]:
        found = [item for item in domain["items"] if item["id"] in rows]
        assert len(found) == TOOLKIT_ITEMS[domain["number"]]
        for item in domain["items"]:
            assert item["text"] in rows[item["id"]][1]


def test_grouped_and_conditional_items_keep_their_stems(blank):
    text = docx_text(blank)
    assert "Have staff received training on:" in text
    assert "Do staff members routinely:" in text
    rows = item_rows(blank)
    assert rows["1.6"][1].startswith("IF YES:")
    assert rows["10.6.a"][1].startswith("If “No”:")


def test_an_item_stays_on_the_page_of_its_parts(blank):
    """5.5 ("Are interpreters trained on") above 5.5.a to 5.5.c, 10.6 above 10.6.a."""
    rows = {cell_text(row.cells[0]): row for table in Document(blank).tables for row in table.rows}
    for stem in ("5.5", "10.6"):
        paragraphs = rows[stem]._tr.xpath(".//w:p")
        assert all(p.xpath("./w:pPr/w:keepNext") for p in paragraphs), stem
    assert not rows["5.6"]._tr.xpath(".//w:keepNext")


def test_rating_scales_and_aaaq_table(blank):
    document = Document(blank)
    text = docx_text(blank)
    labels = [option["label"] for option in content("assessment")["rating_scale"]]
    rated = [d for d in content("assessment")["domains"] if d.get("rating_prompt")]
    for domain in rated:
        assert domain["rating_prompt"] in text
    scale_rows = [
        t for t in document.tables if [c.text for c in t.rows[0].cells][0] == f"1 {labels[0]}"
    ]
    assert len(scale_rows) == len(rated)
    aaaq = content("assessment")["aaaq"]
    for option in aaaq["scale"]:
        assert option["label"] in text
    assert aaaq["facility_table"]["heading"] in text
    assert "Availability" in text and "Acceptability" in text
    for service in aaaq["mental_health_services"]:
        assert service in text


def test_blank_tool_has_tickable_unticked_checkboxes(blank):
    body = Document(blank).element.body
    boxes = body.findall(f".//{W14}checkbox")
    answerable = sum(count for count in TOOLKIT_ITEMS.values()) - 1  # 5.5 is a heading
    assert len(boxes) >= answerable * 3 + 11 * 6
    states = {box.find(f"{W14}checked").get(f"{W14}val") for box in boxes}
    assert states == {"0"}
    assert "☐" in docx_text(blank) and "☒" not in docx_text(blank)
    assert "Improvement plan" not in docx_text(blank)


def test_completed_tool_ticks_answers_and_counts_respondents(completed):
    rows = item_rows(completed)
    assert rows["1.1"][2] == "☒ 2" and rows["1.1"][3] == "☐"
    assert rows["1.2"][2] == "☐ 1" and rows["1.2"][3] == "☐ 1"
    assert rows["1.2"][5] == "Respondents disagree"
    assert rows["2.1"][3] == "☒ 2"
    assert rows["5.5.a"][5] == "Respondents disagree"
    assert rows["3.1"][5] == "Unanswered"
    body = Document(completed).element.body
    ticked = [
        box
        for box in body.findall(f".//{W14}checkbox")
        if box.find(f"{W14}checked").get(f"{W14}val") == "1"
    ]
    assert ticked


def test_if_yes_items_do_not_apply_when_their_condition_was_answered_no(completed):
    rows = item_rows(completed)  # both respondents answered 1.5 No
    for item_id in ("1.6", "1.7", "1.8", "1.9", "1.10"):
        assert rows[item_id][5] == "Not applicable (1.5 answered No)"
        assert rows[item_id][2:5] == ["☐", "☐", "☐"]


def test_if_yes_items_left_blank_after_a_yes_are_unanswered(scenario, tmp_path):
    folder = scenario("two-respondents")
    for path in (folder / "assessment").iterdir():
        path.write_text(path.read_text().replace('"1.5": no', '"1.5": yes'))
    out = build_packet(folder, tmp_path / "out", pdf=False).out
    rows = item_rows(out / "assessment.docx")
    assert rows["1.5"][2] == "☒ 2"
    assert rows["1.6"][5] == "Unanswered"
    warnings = [w.message for w in load_agency(folder).warnings if "unanswered" in w.message]
    assert all("1.6" in message for message in warnings)


def test_not_applicable_items_count_neither_as_gaps_nor_as_applicable(scenario):
    from pipeline.assessment import summarize

    inputs = load_agency(scenario("two-respondents"))
    summary = summarize(inputs.respondents, {})
    domain = summary["domains"][0]
    not_applicable = [row["id"] for row in domain["item_rows"] if row["not_applicable"]]
    assert not_applicable == ["1.6", "1.7", "1.8", "1.9", "1.10"]
    unanswered = [row["id"] for row in domain["item_rows"] if row["unanswered"]]
    assert unanswered == ["1.3", "1.4", "1.11"]
    assert domain["applicable_count"] == 2  # 1.1 (Yes) and 1.5 (No); 1.2 is a tie


def test_completed_summary_figures(completed):
    document = Document(completed)
    summary = next(t for t in document.tables if t.rows[0].cells[0].text == "Domain")
    by_domain = {row.cells[0].text: [c.text for c in row.cells] for row in summary.rows[1:]}
    protocol = by_domain["1. Protocol & Community Network"]
    assert protocol[1] == "1.5 ▼" and protocol[3] == "1–2 (2)"
    assert protocol[4] == "1 / 2" and protocol[5] == "1" and protocol[6] == "1"
    privacy = by_domain["2. Privacy/Confidentiality"]
    assert privacy[1] == "4.5" and privacy[5] == "1"
    assert by_domain["3. Staff Communication"][1] == "not rated"


def test_rating_bars_fill_their_share_of_the_cell(completed):
    """Each domain's bar is a shaded paragraph indented from the right by what is not filled."""
    summary = next(t for t in Document(completed).tables if t.rows[0].cells[0].text == "Domain")
    bars = {}
    for row in summary.rows[1:-1]:  # the last row, domain 12's, is scored by facility
        properties = row.cells[2].paragraphs[0]._p.pPr
        shading = properties.find(qn("w:shd")).get(qn("w:fill"))
        indent = int(properties.find(qn("w:ind")).get(qn("w:right")))
        bars[row.cells[0].text.split(".")[0]] = (shading, indent)
    content_width = bars["3"][1]  # not rated: nothing filled, the whole cell is indent
    assert bars["3"][0] == "auto"
    assert bars["1"] == ("C0392B", round(content_width * (1 - 1.5 / 5)))  # low: red
    assert bars["2"] == ("1B4F72", round(content_width * (1 - 4.5 / 5)))


def test_improvement_plan_covers_low_or_no_domains(completed):
    document = Document(completed)
    paragraphs = [p.text for p in document.paragraphs]
    start = paragraphs.index("Improvement plan")
    end = paragraphs.index("Guidance and resources by domain")
    plan = document.paragraphs[start:end]
    plan_headings = [p.text for p in plan if p.style.name == "Heading 3"]
    assert plan_headings == [
        "Domain 1: Protocol & Community Network",
        "Domain 2: Privacy/Confidentiality",
    ]
    text = docx_text(completed)
    assert "Train every clinician on the protocol" in text
    assert "Plan-Do-Study-Act" in text
    assert "Guidance on Protocols and Community Network" in text
    assert "Director: “No protocol yet.”" in text
    for leftover in LEFTOVERS:
        assert leftover not in text


def test_threshold_is_configurable(scenario, tmp_path):
    folder = scenario("two-respondents")
    questionnaire = folder / "questionnaire.yaml"
    questionnaire.write_text(questionnaire.read_text().replace("threshold: 2", "threshold: 5"))
    inputs = load_agency(folder)
    from pipeline.context import build_context

    flagged = [d["number"] for d in build_context(inputs)["assessment"]["flagged_domains"]]
    assert flagged == [1, 2]  # domain 2's mean 4.5 is now under the threshold, and had a No
    assert build_context(inputs)["assessment"]["domains"][1]["low_rating"]


def test_bad_answers_are_reported_like_other_input_errors(scenario):
    with pytest.raises(InputError) as caught:
        load_agency(scenario("assessment-bad-answers"))
    messages = [str(problem) for problem in caught.value.problems]
    expected = [
        'assessment/bad.yaml:4:3: answers["1.6"]: answered, but it only applies when 1.5 is '
        "'yes' and 1.5 was answered 'no'",
        "assessment/bad.yaml:5:3: answers[\"1.99\"]: unknown item id '1.99'",
        "assessment/bad.yaml:6:3: answers[\"5.5\"]: '5.5' is a heading",
        "assessment/bad.yaml:7:3: answers[\"2.1\"]: expected yes, no or n/a, got 'maybe'",
        "assessment/bad.yaml:9:3: answers[\"2.2\"]: key '2.2' appears twice",
        "assessment/bad.yaml:11:3: ratings.3: expected a rating 1 (very weak) to 5 (very strong)",
        "assessment/bad.yaml:12:3: ratings.12: expected a domain number from 1 to 11",
        "questionnaire.yaml:24:35: assessment.facilities[0].aaaq: expected an AAAQ score",
        "questionnaire.yaml:24:62: assessment.facilities[0].health_services[0]: expected a "
        "service number from 1 to 8, or a part of service 1 from 1a to 1m, got 99",
    ]
    for message in expected:
        assert any(message in line for line in messages), message
    assert len(messages) == len(expected)


def test_unanswered_items_are_warnings(scenario):
    inputs = load_agency(scenario("two-respondents"))
    unanswered = [w for w in inputs.warnings if "items unanswered" in w.message]
    assert len(unanswered) == 2
    assert "1.3, 1.4, 1.11" in unanswered[0].message
    assert "1.6" not in unanswered[0].message  # 1.5 was answered No, so 1.6-1.10 do not apply


def test_blank_option_ignores_answers(scenario, tmp_path):
    out = build_packet(
        scenario("two-respondents"), tmp_path / "o", pdf=False, blank_assessment=True
    )
    text = docx_text(out.out / "assessment.docx")
    assert "Improvement plan" not in text and "☒" not in text


# How each agency type uses the tool (pipeline/content/applicability.yaml): the toolkit's items
# stay as written; those that do not apply to the type are marked, greyed, and still answerable.


def rows_for(agency_type: str, respondents: list | None = None) -> dict[str, dict]:
    summary = summarize(respondents or [], {}, agency_type)
    return {row["id"]: row for domain in summary["domains"] for row in domain["item_rows"]}


def marked(agency_type: str) -> list[str]:
    return [item_id for item_id, row in rows_for(agency_type).items() if row["type_not_applicable"]]


@pytest.fixture(scope="module")
def school_blank(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("school") / "blank-school"
    return build_blank("school", out, pdf=False).out / "assessment.docx"


def row_of(path: Path, item_id: str):
    return next(
        row
        for table in Document(path).tables
        for row in table.rows
        if cell_text(row.cells[0]) == item_id
    )


def test_a_schools_clinical_care_items_are_marked_not_applicable():
    assert marked("school") == ["3.6", "3.10", "6.6", "6.7"]


def test_a_shelter_keeps_the_cost_of_care_item():
    assert "3.10" not in marked("shelter")


@pytest.mark.parametrize("agency_type", ["health_clinic", "hospital", "task_force"])
def test_health_care_settings_and_task_forces_mark_no_item(agency_type):
    assert marked(agency_type) == []


@pytest.mark.parametrize("agency_type", agency_types())
def test_no_item_is_dropped_for_any_agency_type(agency_type):
    assert list(rows_for(agency_type)) == list(items_by_id())


def test_an_item_not_applicable_to_a_school_keeps_the_toolkits_wording():
    assert rows_for("school")["6.6"]["text"] == items_by_id()["6.6"]["text"]


@pytest.mark.parametrize("agency_type", agency_types())
def test_every_type_says_the_toolkit_was_written_for_health_care(agency_type):
    introduction = content("applicability")["agency_types"][agency_type]["introduction"]
    assert "written for health-care settings" in introduction[0]


@pytest.mark.parametrize("agency_type", agency_types())
def test_every_marked_item_is_an_answerable_item_of_the_tool(agency_type):
    rules = content("applicability")["agency_types"][agency_type]["not_applicable"]
    ids = [item_id for rule in rules for item_id in rule["items"]]
    assert all(item_id in items_by_id() and "stem" not in items_by_id()[item_id] for item_id in ids)


def test_answers_to_items_not_applicable_to_the_type_are_accepted(scenario):
    inputs = load_agency(scenario("school-district"))
    assert inputs.respondents[0].answers["6.6"] == "yes"


def test_an_answer_to_an_item_not_applicable_to_the_type_counts(scenario):
    inputs = load_agency(scenario("school-district"))
    assert rows_for("school", inputs.respondents)["6.6"]["consensus"] == "yes"


def test_items_not_applicable_to_the_type_are_not_warned_as_unanswered(scenario):
    inputs = load_agency(scenario("school-district"))
    (warning,) = [w for w in inputs.warnings if "items unanswered" in w.message]
    unanswered = warning.message.split(": ", 1)[1].split(", ")
    assert not {"3.6", "3.10", "6.7"} & set(unanswered)


def test_items_not_applicable_to_the_type_are_not_shown_unanswered(scenario):
    inputs = load_agency(scenario("school-district"))
    assert rows_for("school", inputs.respondents)["6.7"]["unanswered"] is False


def test_the_type_marking_composes_with_a_conditional_item():
    answered_no = Respondent("a.yaml", "Director", None, None, {"1.5": "no"}, {}, {})
    domain = content("assessment")["domains"][0]
    rows = {r["id"]: r for r in assessment_rows(domain["items"], [answered_no], {"1.7": "x"})}
    assert (rows["1.7"]["not_applicable"], rows["1.7"]["type_not_applicable"]) == (True, True)


def test_blank_school_tool_marks_an_item_not_applicable_to_a_school(school_blank):
    assert item_rows(school_blank)["6.6"][-1] == "Not applicable to a school"


def test_blank_school_tool_says_when_the_item_applies_all_the_same(school_blank):
    assert "Answer it if the school’s health office" in item_rows(school_blank)["6.6"][1]


def test_blank_school_tool_keeps_the_boxes_of_an_item_not_applicable(school_blank):
    assert item_rows(school_blank)["6.6"][2:5] == ["☐", "☐", "☐"]


def test_blank_school_tool_greys_an_item_not_applicable(school_blank):
    fills = {
        cell._tc.tcPr.find(qn("w:shd")).get(qn("w:fill"))
        for cell in row_of(school_blank, "6.6").cells
    }
    assert fills == {"E7E7E7"}


def test_blank_school_tool_does_not_grey_an_item_that_applies(school_blank):
    shading = [cell._tc.tcPr.find(qn("w:shd")) for cell in row_of(school_blank, "6.5").cells]
    assert {s.get(qn("w:fill")) for s in shading if s is not None} <= {"auto"}


def test_blank_school_tool_opens_with_how_a_school_uses_it(school_blank):
    assert "How a school uses this tool" in docx_text(school_blank)


def date_warnings(folder) -> dict[str, str]:
    """Respondent file -> its warning about the date of the answers."""
    warnings = load_agency(folder).warnings
    return {w.path.rsplit("/", 1)[-1]: w.message for w in warnings if w.field == "respondent.date"}


def test_answers_dated_after_the_packet_date_are_a_warning(scenario):
    message = date_warnings(scenario("dates-after-packet"))["late.yaml"]
    assert message.startswith("answered 2026-12-05, after the packet date 2026-11-23")


def test_answers_more_than_12_months_old_are_a_warning(scenario):
    message = date_warnings(scenario("dates-after-packet"))["old.yaml"]
    assert message.startswith("answered 2025-10-01, more than 12 months before")


def test_answers_of_the_last_12_months_are_not_warned_about(scenario):
    assert date_warnings(scenario("two-respondents")) == {}


# Every row of the tool in its PDF. LibreOffice 25.2 lays out none of a table's rows after its
# first one when that row may not break and ends at the foot of a page to within half a point
# (river valley's domain 5 in the bundle lost rows 5.2 to 5.7 so); render.py lets a table's
# leading rows break (let_leading_rows_run_on).


def items_missing_from(text: str, domains: set[int] | None = None) -> list[str]:
    """The tool's items (of `domains`, or all) whose row is not in a PDF's text: a row's text
    starts a line with the item's number (which may wrap in its narrow column) and soon has the
    item's first words."""
    missing = []
    for domain in content("assessment")["domains"]:
        for item in domain["items"] if domains is None or domain["number"] in domains else []:
            number = r"\.\s*".join(map(re.escape, item["id"].split(".")))
            opening = r"\s+".join(map(re.escape, item["text"].split()[:2]))
            if not re.search(rf"^{number}\s[\s\S]{{0,40}}?{opening}", text, re.MULTILINE):
                missing.append(item["id"])
    return missing


@pytest.mark.pdf
@pytest.mark.parametrize("name", ["assessment", "bundle"])
@pytest.mark.parametrize("slug", SAMPLES)
def test_every_item_of_every_domain_is_in_the_pdf(sample_packets, slug, name):
    assert items_missing_from(pdf_text(sample_packets[slug] / f"{name}.pdf")) == []


def domain_alone(tool: Path, number: int, spacer: float, target: Path) -> PdfJob:
    """The tool cut to domain `number` (its heading to the next domain's), below a paragraph
    `spacer` points high that moves the domain down its page; the job that converts it."""
    document = Document(tool)
    body = document.element.body
    headings = [
        element
        for element in body.iterchildren(qn("w:p"))
        if element.xpath("./w:pPr/w:pStyle[starts-with(@w:val, 'Heading')]")
        and "".join(element.itertext()).startswith("Domain ")
    ]
    start = next(h for h in headings if "".join(h.itertext()).startswith(f"Domain {number}:"))
    end = headings[headings.index(start) + 1]
    children = list(body.iterchildren())
    for element in children[: children.index(start)] + children[children.index(end) : -1]:
        body.remove(element)  # the last child, the section's properties, stays
    paragraph = document.add_paragraph()
    paragraph.paragraph_format.space_before = Pt(spacer)
    paragraph.paragraph_format.line_spacing = Pt(1)
    start.addprevious(paragraph._p)
    document.save(target)
    return PdfJob(target, target.with_suffix(".pdf"))


@pytest.mark.pdf
@pytest.mark.parametrize("number", [1, 5])  # domain 1 opens with a group's heading row
def test_a_domain_starting_at_a_pages_foot_keeps_every_row(blank, tmp_path, number):
    """The domain is moved down its page until its first item leaves the page; in the last
    32 points before that place, in quarter points, its first rows end at the page's foot."""
    first = next(d for d in content("assessment")["domains"] if d["number"] == number)["items"][0]

    def on_first_page(job: PdfJob) -> bool:
        text = PdfReader(job.target).pages[0].extract_text()
        return re.search(rf"^{re.escape(first['id'])}\s", text, re.MULTILINE) is not None

    with Converter() as converter:
        low, high = 0.0, 720.0  # points: the first item on the first page, and past it
        while high - low > 0.2:
            middle = (low + high) / 2
            job = domain_alone(blank, number, middle, tmp_path / "search.docx")
            converter.convert([job])
            low, high = (middle, high) if on_first_page(job) else (low, middle)
        spacers = [low - step / 4 for step in range(128)]
        jobs = [
            domain_alone(blank, number, spacer, tmp_path / f"{spacer:.2f}.docx")
            for spacer in spacers
        ]
        converter.convert(jobs)
    lost = {
        f"{spacer:.2f} pt": missing
        for spacer, job in zip(spacers, jobs, strict=True)
        if (missing := items_missing_from(pdf_text(job.target), {number}))
    }
    assert low > 0 and lost == {}
