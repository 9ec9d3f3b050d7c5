"""The quick reference: a flowchart of the agency's response, its steps in words, on two pages."""

from __future__ import annotations

import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.blank import build_blank
from pipeline.build import build_packet
from pipeline.content import agency_types, content
from pipeline.context import quick_reference
from pipeline.flowchart import DECISIONS, PATH, WPS, line_text, q
from pipeline.ingest import ingest
from pipeline.load import load_agency
from pipeline.render import DRAFTING_NOTES
from tests.conftest import FIXTURES, ROOT, SAMPLES
from tests.helpers import outline_titles

TITLE = content("documents")["documents"][0]["title"]
PHONE = re.compile(r"\+?\(?\d[\d ()\-]{5,}\d")
# The step of the numbered list that each box of the chart belongs to.
STEP = {"emergency": "danger", "report": "child"}


def squeezed(text: str) -> str:
    return " ".join(text.split())


@pytest.fixture(scope="module")
def packets(sample_packets, tmp_path_factory) -> dict[str, Path]:
    """Every sample agency (the run's) and every blank packet type, built with PDFs once for
    the module."""
    out = tmp_path_factory.mktemp("quickref")
    built = dict(sample_packets)
    for agency_type in agency_types():
        folder = out / f"blank-{agency_type}"
        built[f"blank-{agency_type}"] = build_blank(
            agency_type, folder, today=date(2026, 11, 23)
        ).out
    return built


def expected_facts(name: str) -> list[str]:
    """The emergency number, the child-protection contact and the national hotline."""
    if name.startswith("blank-"):
        return ["[911]", "[Child-abuse reporting agency]", "[Hotline]", "1-888-373-7888"]
    inputs = load_agency(ROOT / "inputs" / name)
    reporting = inputs.profile["mandatory_reporting"]["child_abuse_agency"]
    national = content("national_resources")["countries"][
        inputs.profile["agency"]["address"]["country"]
    ]
    hotline = next(r for r in national["resources"] if r["id"] == national["helpline"])
    emergency = inputs.questionnaire["response"]["safety"]["emergency_number"]
    return [emergency, reporting["name"], reporting["phone"], hotline["phones"][0]]


def boxes(path: Path) -> dict[str, str]:
    """The chart's shapes with a name from the layout, and their text."""
    drawing = Document(path).element.body.find(f".//{qn('w:drawing')}")
    found = {}
    for shape in drawing.iter(q("wps:wsp")):
        name = shape.find(q("wps:cNvPr")).get("name")
        text = " ".join(line_text(p) for p in shape.iter(qn("w:p")))
        if name in (*PATH, *STEP):
            found[name] = squeezed(text)
    return found


def numbered_steps(path: Path) -> list[str]:
    """The numbered list after the chart: the text alternative."""
    document = Document(path)
    return [
        squeezed(paragraph.text)
        for paragraph in document.paragraphs
        if paragraph.style.name == "List Number"
    ]


NAMES = [*SAMPLES, *(f"blank-{agency_type}" for agency_type in agency_types())]


@pytest.mark.pdf
@pytest.mark.parametrize("name", NAMES)
def test_quick_reference_fits_on_two_pages(packets, name):
    assert len(PdfReader(packets[name] / "quickref.pdf").pages) <= 2


@pytest.mark.pdf
@pytest.mark.parametrize("name", NAMES)
def test_the_chart_is_on_the_first_page_under_the_title(packets, name):
    first = squeezed(PdfReader(packets[name] / "quickref.pdf").pages[0].extract_text())
    assert TITLE in first
    assert "Immediate danger?" in first
    assert "7. Follow up" in first


@pytest.mark.pdf
@pytest.mark.parametrize("name", NAMES)
def test_quick_reference_holds_the_numbers_staff_call(packets, name):
    text = squeezed(
        " ".join(page.extract_text() for page in PdfReader(packets[name] / "quickref.pdf").pages)
    )
    for fact in expected_facts(name):
        assert fact in text


@pytest.mark.pdf
@pytest.mark.parametrize("name", SAMPLES)
def test_the_bundle_opens_with_the_quick_reference(packets, name):
    assert outline_titles(packets[name] / "bundle.pdf")[0] == TITLE


@pytest.mark.pdf
@pytest.mark.parametrize("name", NAMES)
def test_the_chart_is_a_drawing_with_alternative_text(packets, name):
    drawing = Document(packets[name] / "quickref.docx").element.body.find(f".//{qn('w:drawing')}")
    assert drawing is not None
    assert len(list(drawing.iter(f"{{{WPS}}}wsp"))) >= 15  # boxes, arrows and labels
    assert "numbered list" in drawing.find(f".//{qn('wp:docPr')}").get("descr")


@pytest.mark.pdf
@pytest.mark.parametrize("name", NAMES)
def test_the_steps_in_words_follow_the_chart_in_order(packets, name):
    chart, steps = (
        boxes(packets[name] / "quickref.docx"),
        numbered_steps(packets[name] / "quickref.docx"),
    )
    main = [box for box in PATH if box in chart]
    assert len(steps) == len(main) == 7
    for number, box in enumerate(main, start=1):
        if box in DECISIONS:  # the question in the diamond, its number beside it
            assert chart[box].lower() in steps[number - 1].lower()
        else:
            assert chart[box].startswith(f"{number}.")
        shown = " ".join(chart[name] for name in chart if STEP.get(name, name) == box)
        for phone in PHONE.findall(shown):
            assert phone.strip() in steps[number - 1], (box, phone)


@pytest.mark.pdf
@pytest.mark.parametrize("name", NAMES)
def test_no_box_of_the_chart_overlaps_another(packets, name):
    drawing = Document(packets[name] / "quickref.docx").element.body.find(f".//{qn('w:drawing')}")
    rectangles = []
    for shape in drawing.iter(q("wps:wsp")):
        if shape.find(q("wps:cNvPr")).get("name") not in (*PATH, *STEP):
            continue
        offset, extent = shape.find(f".//{qn('a:off')}"), shape.find(f".//{qn('a:ext')}")
        x, y = int(offset.get("x")), int(offset.get("y"))
        rectangles.append((x, y, x + int(extent.get("cx")), y + int(extent.get("cy"))))
    for index, (x1, y1, x2, y2) in enumerate(rectangles):
        for a1, b1, a2, b2 in rectangles[index + 1 :]:
            assert x2 <= a1 or a2 <= x1 or y2 <= b1 or b2 <= y1


def test_a_task_forces_chart_follows_its_operational_protocol(tmp_path):
    out = build_packet(ROOT / "inputs" / "river-valley-task-force", tmp_path / "tf", pdf=False).out
    chart = boxes(out / "quickref.docx")
    assert (
        "Law enforcement refers to: Open Door Survivor Services, (555) 013-4400" in chart["adult"]
    )
    assert "Ready to talk to law enforcement: Ashford County Sheriff" in chart["adult"]
    assert "operational questions 1 and 2" in (out / DRAFTING_NOTES).read_text()


def test_agency_values_in_the_chart_are_text_never_template_code(scenario, tmp_path):
    folder = scenario("minimal-clinic")
    questionnaire = folder / "questionnaire.yaml"
    hostile = "A & B <Interpreting> {{ 7 * 7 }} {% if true %}x{% endif %}"
    questionnaire.write_text(questionnaire.read_text().replace("Test Interpreting", f'"{hostile}"'))
    out = build_packet(folder, tmp_path / "out", pdf=False).out
    assert f"Interpreter: {hostile}" in boxes(out / "quickref.docx")["private"]


def test_every_sign_the_quick_reference_names_is_a_table_3_item():
    table = content("toolkit_lists")["indicators"]["groups"]
    items = {item["text"] for group in table for item in group["items"]}
    subs = {sub for group in table for item in group["items"] for sub in item.get("sub", [])}
    choice = content("quickref")["indicators"]
    named = choice["common"] + [text for texts in choice["by_type"].values() for text in texts]
    assert set(named) <= items
    assert set(choice["companion"]) <= subs


def test_a_school_gets_no_physical_exam_signs_and_the_notes_say_so(tmp_path):
    exam = next(
        group
        for group in content("toolkit_lists")["indicators"]["groups"]
        if group["id"] == "physical_exam"
    )
    signs = {sign["text"] for sign in quick_reference("school")["signs"]}
    assert not signs & {item["text"] for item in exam["items"]}
    out = build_blank("school", tmp_path / "school", pdf=False, today=date(2026, 11, 23)).out
    assert "none of the physical exam items" in (out / DRAFTING_NOTES).read_text()


COUNTRY_SCENARIOS = [
    "canada-clinic",
    "uk-clinic",
    "australia",
    "country-without-national-resources",
]


@pytest.fixture(scope="module")
def country_packets(tmp_path_factory) -> dict[str, Path]:
    """A clinic in each country with national facts on file (Australia: Canada's fixture moved
    to New South Wales), and one in a country without; with PDFs."""
    root = tmp_path_factory.mktemp("countries")
    built = {}
    for name in COUNTRY_SCENARIOS:
        folder = root / "inputs" / name
        shutil.copytree(FIXTURES / "minimal-clinic", folder)
        overlay = "canada-clinic" if name == "australia" else name
        shutil.copytree(FIXTURES / overlay, folder, dirs_exist_ok=True)
        if name == "australia":
            profile = folder / "profile.yaml"
            profile.write_text(
                profile.read_text()
                .replace("country: CA", "country: AU")
                .replace("jurisdiction: Ontario", "jurisdiction: New South Wales")
                .replace("postal_code: K0A 0A0", 'postal_code: "2000"')
            )
        built[name] = build_packet(folder, root / "out" / name).out
    return built


@pytest.mark.pdf
@pytest.mark.parametrize("name", COUNTRY_SCENARIOS)
def test_each_countrys_quick_reference_fits_and_names_its_helpline(country_packets, name):
    pdf = PdfReader(country_packets[name] / "quickref.pdf")
    assert len(pdf.pages) <= 2
    assert "Immediate danger?" in pdf.pages[0].extract_text()
    country = load_agency(country_packets[name].parent.parent / "inputs" / name).profile
    national = content("national_resources")["countries"].get(
        country["agency"]["address"]["country"]
    )
    helpline = national and next(
        (r for r in national["resources"] if r["id"] == national["helpline"]), None
    )
    expected = helpline["phones"][0] if helpline else content("policy")["national_helpline_unknown"]
    text = squeezed(" ".join(page.extract_text() for page in pdf.pages))
    assert squeezed(expected) in text


@pytest.fixture
def clinic_packet(tmp_path) -> tuple[Path, Path]:
    """A copy of the sample clinic's inputs and its Word files."""
    folder = tmp_path / "inputs" / "harbor-family-health"
    shutil.copytree(ROOT / "inputs" / "harbor-family-health", folder)
    return folder, build_packet(folder, tmp_path / "out", pdf=False).out


def test_an_unedited_quick_reference_reads_back_as_no_change(clinic_packet):
    folder, out = clinic_packet
    report = ingest(folder, [out / "bundle.docx"])
    assert sum(report.wording[0].counts.values()) == 0
    assert not report.warnings


def test_an_edited_step_in_words_is_kept_and_the_chart_drawn_again(clinic_packet, tmp_path):
    folder, out = clinic_packet
    document = Document(out / "quickref.docx")
    step = next(p for p in document.paragraphs if p.text.startswith("Document in"))
    step.runs[-1].text += " Tell the Medical Director the same day."
    document.save(tmp_path / "edited.docx")
    ingest(folder, [tmp_path / "edited.docx"])
    rebuilt = build_packet(folder, tmp_path / "rebuilt", pdf=False).out / "quickref.docx"
    assert any("Medical Director the same day" in step for step in numbered_steps(rebuilt))
    assert boxes(rebuilt) == boxes(out / "quickref.docx")


def test_an_edit_inside_the_chart_is_reported_as_not_kept(clinic_packet, tmp_path):
    folder, out = clinic_packet
    document = Document(out / "quickref.docx")
    line = next(t for t in document.element.body.iter(qn("w:t")) if t.text == "6. Document")
    line.text = "6. Write it down"
    document.save(tmp_path / "edited.docx")
    report = ingest(folder, [tmp_path / "edited.docx"])
    (warning,) = report.warnings
    assert "flowchart were edited" in warning.message
    assert sum(report.wording[0].counts.values()) == 0
