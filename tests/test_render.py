"""Rendering: each sample's documents carry its facts, and no tag or placeholder survives."""

from __future__ import annotations

import re
import shutil
import zipfile
from pathlib import Path

import pytest
import yaml
from docx import Document
from docx.opc.constants import CONTENT_TYPE as CT
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.opc.packuri import PackURI
from docx.opc.part import Part
from docx.oxml.ns import qn

from pipeline import build
from pipeline.blank import build_blank
from pipeline.build import build_packet
from pipeline.content import content
from pipeline.errors import RenderError
from pipeline.locales import reporting_terms
from pipeline.render import TEMPLATE_DIR, render_revised, set_document_properties
from tests.conftest import SAMPLES
from tests.helpers import LEFTOVERS, docx_text


@pytest.fixture(scope="module")
def packets(tmp_path_factory) -> dict[str, Path]:
    root = Path(__file__).resolve().parent.parent / "inputs"
    out = tmp_path_factory.mktemp("outputs")
    return {slug: build_packet(root / slug, out / slug, pdf=False).out for slug in SAMPLES}


def policy_text(packets, slug: str) -> str:
    return docx_text(packets[slug] / "policy.docx")


@pytest.mark.parametrize("slug", SAMPLES)
def test_policy_states_the_agencys_facts(packets, sample, slug):
    from pipeline.load import load_agency

    profile = load_agency(sample(slug)).profile
    text = policy_text(packets, slug)
    assert profile["agency"]["legal_name"] in text
    assert profile["governance"]["policy_number"] in text
    assert profile["governance"]["champion"]["name"] in text
    assert profile["mandatory_reporting"]["child_abuse_agency"]["name"] in text
    for person in profile["key_personnel"]:
        assert person["name"] in text
    terms = reporting_terms(profile["agency"]["address"]["country"])
    for topic in content("policy")["annual_training_topics"]:
        # England's packet names the reporting topic as safeguarding referrals and duties.
        title = terms["topic"] if topic["id"] == "mandatory_reporting" else topic["title"]
        assert title in text


@pytest.mark.parametrize("slug", SAMPLES)
def test_no_tags_placeholders_or_fill_ins_survive(packets, slug):
    text = policy_text(packets, slug)
    for leftover in LEFTOVERS:
        assert leftover not in text
    assert "[Fill in" not in text


@pytest.mark.parametrize("slug", SAMPLES)
def test_no_empty_headings(packets, slug):
    document = Document(packets[slug] / "policy.docx")
    headings = [p for p in document.paragraphs if p.style.name.startswith("Heading")]
    assert headings
    assert all(heading.text.strip() for heading in headings)


def test_missing_optional_facts_are_visible_fill_ins(scenario, tmp_path):
    out = build_packet(scenario("minimal-clinic"), tmp_path / "out", pdf=False).out
    text = docx_text(out / "policy.docx")
    assert "[Fill in: statute citation]" in text
    assert "[Fill in: local police or sheriff, and the FBI field office" in text
    assert "[Fill in: who staff call for security, and how]" in text
    fill_in_runs = [
        run
        for paragraph in Document(out / "policy.docx").paragraphs
        for run in paragraph.runs
        if run.text.startswith("[Fill in")
    ]
    assert fill_in_runs and all(run.style.name == "Fill In" for run in fill_in_runs)


def test_user_text_is_shown_literally_never_evaluated(scenario, tmp_path):
    out = build_packet(scenario("tricky-names"), tmp_path / "out", pdf=False).out
    text = docx_text(out / "policy.docx")
    assert "Smith & Jones <Health> {{ 7*7 }}" in text
    assert "S&J {% if true %}x{% endif %}" in text
    assert "49" not in text


def test_us_agency_gets_the_hotline_and_its_reporting_note(packets):
    text = policy_text(packets, "harbor-family-health")
    assert "1-888-373-7888" in text and "233733" in text
    assert "Contacting the Hotline will not fulfill mandatory reporting requirements" in text
    assert "California" in text


def test_agency_outside_the_us_gets_no_us_numbers(packets):
    text = policy_text(packets, "northgate-youth-shelter")
    for resource in content("national_resources")["countries"]["US"]["resources"]:
        for phone in resource["phones"]:
            assert phone not in text
    assert "National Human Trafficking Hotline at" not in text


def test_wording_follows_the_agency_type(packets):
    assert "clinic visit" in policy_text(packets, "harbor-family-health")
    shelter = policy_text(packets, "northgate-youth-shelter")
    assert "shelter intake" in shelter and "resident" in shelter
    # Only the note that marks the adaptation quotes the Title X template's "clinic visit".
    own = [line for line in shelter.splitlines() if not line.startswith("Adapted.")]
    assert "clinic visit" not in "\n".join(own)


def test_task_force_policy_answers_the_eight_questions(packets, sample):
    from pipeline.load import load_agency

    answers = load_agency(sample("river-valley-task-force")).questionnaire["task_force"]
    text = policy_text(packets, "river-valley-task-force")
    assert "Task force operational protocol" in text
    for item in content("policy")["operational_questions"]:
        assert item["question"] in text
        assert answers["operational_protocol"][item["key"]].strip() in text
    for other in ("harbor-family-health", "northgate-youth-shelter"):
        assert "Task force operational protocol" not in policy_text(packets, other)


@pytest.mark.parametrize("slug", SAMPLES)
def test_tables_draw_their_own_grid_without_a_table_style(packets, slug):
    """A table style makes LibreOffice's import much slower for long tables; borders are direct."""
    for path in sorted(packets[slug].glob("*.docx")):
        tables = Document(path).element.body.xpath(".//w:tbl")
        assert tables, path.name
        for table in tables:
            assert not table.xpath("./w:tblPr/w:tblStyle"), path.name
            lines = table.xpath("./w:tblPr/w:tblBorders/*")
            assert [line.get(qn("w:val")) for line in lines] == ["single"] * 6, path.name


def runs_on(table) -> bool:
    """The training log's sessions: long rows that may run on to the next page."""
    return "Understanding checked" in "".join(table.xpath("./w:tr[1]//w:t/text()"))


def leading_rows(table) -> list:
    """A table's rows through its first that is neither a repeated header row nor kept with the
    next: rows that may break across a page, in LibreOffice's stead (render.py)."""
    rows = table.xpath("./w:tr")
    for count, row in enumerate(rows, 1):
        if not row.xpath("./w:trPr/w:tblHeader") and not row.xpath(".//w:keepNext"):
            return rows[:count]
    return []


@pytest.mark.parametrize("slug", SAMPLES)
def test_table_rows_are_never_split_across_pages(packets, slug):
    """Except the training sessions' rows, which may run on under their repeated header row,
    and a table's leading rows, which keep their lines together instead."""
    for path in sorted(packets[slug].glob("*.docx")):
        tables = Document(path).element.body.xpath(".//w:tbl")
        kept = [t for t in tables if not runs_on(t)]
        leading = [row for table in kept for row in leading_rows(table)]
        rows = [row for table in kept for row in table.xpath("./w:tr") if row not in leading]
        assert rows, path.name
        loose = [row for row in rows if not row.xpath("./w:trPr/w:cantSplit")]
        assert not loose, f"{path.name}: {len(loose)} of {len(rows)} rows may split"
        for row in leading:
            assert not row.xpath("./w:trPr/w:cantSplit"), path.name
            assert all(p.xpath("./w:pPr/w:keepLines") for p in row.xpath(".//w:p")), path.name
        for table in filter(runs_on, tables):
            assert table.xpath("./w:tr[1]/w:trPr/w:tblHeader")


def test_a_long_training_log_rendered_in_a_second_process_gives_the_same_packet(
    sample, monkeypatch, tmp_path
):
    folder = sample("harbor-family-health")
    alone = build_packet(folder, tmp_path / "alone", pdf=False).out
    monkeypatch.setattr(build, "ASIDE_PEOPLE", 1)  # the sample's log counts as long
    context = build.build_context(build.load_agency(folder))
    assert build.worth_a_process("training.docx", context)
    helped = build_packet(folder, tmp_path / "helped", pdf=False).out
    for path in sorted(alone.glob("*.docx")):
        assert (helped / path.name).read_bytes() == path.read_bytes(), path.name


def render_all_but_the_training_log(template, context, target):
    """Stands in for render_revised; module-level, so the second process can be handed it."""
    if template == "training.docx":
        raise RenderError("templates/training.docx could not be filled: test")
    return render_revised(template, context, target)


def test_a_failure_in_the_second_process_fails_the_build_and_writes_nothing(
    sample, monkeypatch, tmp_path
):
    monkeypatch.setattr(build, "ASIDE_PEOPLE", 1)
    monkeypatch.setattr(build, "render_revised", render_all_but_the_training_log)
    with pytest.raises(RenderError, match="training.docx"):
        build_packet(sample("harbor-family-health"), tmp_path / "out", pdf=False)
    assert not (tmp_path / "out").exists()


TEMPLATE_PARTS = {"docProps/app.xml", "docProps/custom.xml", "docProps/thumbnail.jpeg"}
SENSITIVITY_LABEL = (
    '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties"'
    ' xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
    '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="MSIP_Label_Owner">'
    "<vt:lpwstr>jane.consultant@example.org</vt:lpwstr></property></Properties>"
)


def test_a_document_keeps_nothing_of_whoever_last_saved_its_template(tmp_path):
    """Word writes its user's name, company, labels and a first-page preview into what it saves."""
    template = Document(TEMPLATE_DIR / "policy.docx")
    properties = template.core_properties
    properties.author = properties.last_modified_by = "Jane Consultant"
    properties.comments = "C:\\Users\\jane\\Documents\\agency templates"
    package = template.part.package
    label = SENSITIVITY_LABEL.encode()
    labels = Part(PackURI("/docProps/custom.xml"), CT.OFC_CUSTOM_PROPERTIES, label)
    package.relate_to(labels, RT.CUSTOM_PROPERTIES)
    context = {
        "agency": {"legal_name": "Test Agency"},
        "packet": {"date": "2026-07-01"},
        "documents": [{"template": "policy.docx", "title": "Policy"}],
    }
    set_document_properties(template, context, "policy.docx")
    template.save(tmp_path / "policy.docx")

    with zipfile.ZipFile(tmp_path / "policy.docx") as saved:
        assert TEMPLATE_PARTS & set(saved.namelist()) == set()
    saved = Document(tmp_path / "policy.docx").core_properties
    assert (saved.title, saved.author, saved.last_modified_by, saved.comments) == (
        "Policy",
        "Test Agency",
        "Test Agency",
        "",
    )


@pytest.mark.parametrize("slug", SAMPLES)
def test_every_document_is_authored_by_the_agency_on_the_packet_date(packets, sample, slug):
    from pipeline.load import load_agency

    inputs = load_agency(sample(slug))
    for path in sorted(packets[slug].glob("*.docx")):
        properties = Document(path).core_properties
        assert properties.author == inputs.profile["agency"]["legal_name"], path.name
        assert properties.modified.date() == inputs.packet_date, path.name


def test_the_logo_carries_its_description_as_alternative_text(packets):
    body = Document(packets["harbor-family-health"] / "bundle.docx").element.body
    # The cover's logo, then the quick reference's flowchart, which describes itself.
    logo, flowchart = body.iter(qn("wp:docPr"))
    assert logo.get("descr") == "Harbor Family Health logo, a white H in a dark blue circle"
    assert flowchart.get("descr").startswith("Flowchart of Harbor Family Health")


@pytest.mark.parametrize("slug", SAMPLES)
def test_every_picture_has_alternative_text(packets, slug):
    pictures = [
        picture
        for path in sorted(packets[slug].glob("*.docx"))
        for picture in Document(path).element.body.iter(qn("wp:docPr"))
    ]
    assert all(picture.get("descr") for picture in pictures)


def document_language(path: Path) -> str:
    (language,) = Document(path).styles.element.xpath("./w:docDefaults/w:rPrDefault/w:rPr/w:lang")
    return language.get(qn("w:val"))


def test_a_uk_agencys_documents_are_in_british_english(packets):
    assert document_language(packets["northgate-youth-shelter"] / "bundle.docx") == "en-GB"


def test_a_us_agencys_documents_are_in_american_english(packets):
    assert document_language(packets["harbor-family-health"] / "bundle.docx") == "en-US"


def test_a_uk_policy_names_the_uk_helpline_among_its_relationships(packets):
    text = policy_text(packets, "northgate-youth-shelter")
    assert "The Modern Slavery & Exploitation Helpline (08000 121 700, 24/7)" in text


def test_a_uk_policy_says_to_call_the_uk_helpline(packets):
    text = policy_text(packets, "northgate-youth-shelter")
    assert "Call the Modern Slavery & Exploitation Helpline at 08000 121 700" in text


def test_a_uk_directory_gives_the_uk_emergency_number(packets):
    text = docx_text(packets["northgate-youth-shelter"] / "directory.docx")
    assert "In an emergency in the United Kingdom, call 999." in text


def test_a_canadian_policy_names_canadas_hotline(scenario, tmp_path):
    out = build_packet(scenario("canada-clinic"), tmp_path / "o", pdf=False).out
    text = docx_text(out / "policy.docx")
    assert "The Canadian Human Trafficking Hotline (1-833-900-1010" in text


def test_a_policy_without_a_national_set_names_no_helpline(scenario, tmp_path):
    out = build_packet(scenario("country-without-national-resources"), tmp_path / "o", pdf=False)
    text = docx_text(out.out / "policy.docx")
    assert content("policy")["national_helpline_unknown"] in text


def test_a_hospitals_policy_takes_an_before_emergency_department(tmp_path):
    out = build_blank("hospital", tmp_path / "hospital", pdf=False).out
    assert "during an emergency department or hospital visit" in docx_text(out / "policy.docx")


def test_directory_dates_are_written_like_every_other_date(packets):
    text = docx_text(packets["northgate-youth-shelter"] / "directory.docx")
    assert not re.search(r"\b20\d\d-\d\d-\d\d\b", text)


def test_a_logo_without_a_description_is_described_by_the_agencys_name(scenario, tmp_path):
    """What a screen reader says when the profile gives no description (validate warns)."""
    folder = scenario("minimal-clinic")
    logo = Path(__file__).resolve().parent.parent / "inputs" / "harbor-family-health" / "logo.png"
    shutil.copy(logo, folder / "logo.png")
    profile = folder / "profile.yaml"
    lines = profile.read_text().splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("  languages:"))
    profile.write_text("\n".join([*lines[:at], "  logo: logo.png", *lines[at:]]) + "\n")
    out = build_packet(folder, tmp_path / "out", pdf=False).out
    name = yaml.safe_load(profile.read_text())["agency"]["legal_name"]
    logo_picture = next(Document(out / "bundle.docx").element.body.iter(qn("wp:docPr")))
    assert logo_picture.get("descr") == name
