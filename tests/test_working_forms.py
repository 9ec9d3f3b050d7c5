"""The working forms staff fill in (pipeline/forms/working.py): referral and consent to share,
the confidential documentation record and the safety plan, as Word forms and fillable PDFs."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.blank import build_blank
from pipeline.build import build_packet
from pipeline.content import content
from pipeline.errors import InputError
from pipeline.forms.working import field_description, working_forms
from pipeline.ingest import ingest
from tests.conftest import ROOT
from tests.helpers import (
    docx_text,
    fill_pdf_form,
    fill_pdf_form_with_mupdf,
    resaved_by_libreoffice,
)

FORMS = [document["id"] for document in working_forms(content("documents")["documents"])]
PREFIXES = {
    "referral_consent": "referral/",
    "documentation_record": "record/",
    "safety_plan": "plan/",
}
SAMPLES = ROOT / "inputs"


def word_tags(path: Path) -> list[str]:
    """The tags of a Word file's content controls, in document order."""
    body = Document(path).element.body
    return [tag.get(qn("w:val")) for tag in body.iter(qn("w:tag"))]


@pytest.fixture(scope="module")
def clinic(tmp_path_factory) -> Path:
    """The sample clinic's packet, with PDFs."""
    return build_packet(SAMPLES / "harbor-family-health", tmp_path_factory.mktemp("clinic")).out


@pytest.fixture(scope="module")
def word_only(tmp_path_factory) -> dict[str, Path]:
    """The English shelter's packet and a blank school packet, Word files only."""
    out = tmp_path_factory.mktemp("word")
    shelter = build_packet(SAMPLES / "northgate-youth-shelter", out / "shelter", pdf=False)
    return {"shelter": shelter.out, "school": build_blank("school", out / "school", pdf=False).out}


def test_the_forms_close_the_packet_in_order():
    ids = [document["id"] for document in content("documents")["documents"]]
    assert ids[-3:] == ["referral_consent", "documentation_record", "safety_plan"] == FORMS


@pytest.mark.parametrize("form", FORMS)
def test_the_word_form_has_tagged_content_controls(clinic, form):
    tags = word_tags(clinic / f"{form}.docx")
    assert len(tags) >= 20
    assert len(set(tags)) == len(tags)
    assert all(tag.startswith(PREFIXES[form]) for tag in tags)


def test_labelled_fields_are_lines_of_text_and_grids_are_tables_with_headings(word_only):
    """A label and its field are a paragraph, the field at a tab stop, not a table without
    headings; what may be shared is a table whose first row is a repeated header."""
    document = Document(word_only["shelter"] / "referral_consent.docx")
    name = next(p for p in document.paragraphs if p.text.startswith("Record number"))
    assert name.paragraph_format.tab_stops[0].position > 0
    assert name._p.xpath(".//w:sdt/w:sdtPr/w:tag[@w:val='referral/person/record_number']")
    shared = next(t for t in document.tables if t.rows[0].cells[0].text == "Information")
    assert shared.rows[0]._tr.xpath("./w:trPr/w:tblHeader")


@pytest.mark.pdf
@pytest.mark.parametrize("form", FORMS)
def test_the_pdf_fields_are_named_by_the_word_forms_tags(clinic, form):
    fields = PdfReader(clinic / f"{form}.pdf").get_fields()
    assert set(fields) == set(word_tags(clinic / f"{form}.docx"))


@pytest.mark.pdf
@pytest.mark.parametrize("form", FORMS)
def test_the_pdf_fields_start_empty(clinic, form):
    for name, field in PdfReader(clinic / f"{form}.pdf").get_fields().items():
        expected = "/Off" if field.get("/FT") == "/Btn" else ""
        assert field.get("/V") == expected, name


@pytest.mark.pdf
@pytest.mark.parametrize("form", FORMS)
def test_no_two_fields_overlap(clinic, form):
    """Text fields are widened to their cell: up to the next field on their line, no further."""
    for page in PdfReader(clinic / f"{form}.pdf").pages:
        rects = [
            [float(value) for value in annotation.get_object()["/Rect"]]
            for annotation in page.get("/Annots", [])
        ]
        for index, (left, bottom, right, top) in enumerate(rects):
            for other_left, other_bottom, other_right, other_top in rects[index + 1 :]:
                apart = (
                    right <= other_left
                    or other_right <= left
                    or top <= other_bottom
                    or other_top <= bottom
                )
                assert apart, (left, bottom, right, top)


def some_values(path: Path) -> dict[str, bool | str]:
    """A tick in every third box and a few words in every text field."""
    fields = PdfReader(path).get_fields()
    boxes = [name for name, field in fields.items() if field.get("/FT") == "/Btn"]
    texts = [name for name, field in fields.items() if field.get("/FT") == "/Tx"]
    return {**{name: True for name in boxes[::3]}, **{name: f"Filled {name}" for name in texts}}


@pytest.mark.pdf
@pytest.mark.parametrize("filler", [fill_pdf_form, fill_pdf_form_with_mupdf])
@pytest.mark.parametrize("form", FORMS)
def test_a_filled_form_saves_and_reads_back(clinic, form, filler, tmp_path):
    values = some_values(clinic / f"{form}.pdf")
    filled = filler(clinic / f"{form}.pdf", tmp_path / f"{form}.pdf", values)
    fields = PdfReader(filled).get_fields()
    for name, value in values.items():
        assert fields[name].get("/V") == ("/Yes" if value is True else value), name


@pytest.mark.pdf
def test_the_bundle_prints_the_forms_on_paper_without_fields(clinic):
    reader = PdfReader(clinic / "bundle.pdf")
    assert not reader.get_fields()
    text = "".join(page.extract_text() for page in reader.pages[-8:])
    assert "Safety Plan" in text and "Reports made" in text


@pytest.mark.pdf
def test_each_form_pdf_is_titled_and_a_few_pages_long(clinic):
    for document in working_forms(content("documents")["documents"]):
        reader = PdfReader(clinic / f"{document['id']}.pdf")
        assert reader.metadata.title == document["title"]
        assert 1 <= len(reader.pages) <= 3


def test_the_cover_lists_the_forms(clinic):
    cover = docx_text(clinic / "bundle.docx").split("Contents")[0]
    for document in working_forms(content("documents")["documents"]):
        assert document["title"] in cover


def test_the_referral_form_gives_the_reports_the_law_requires(clinic):
    text = docx_text(clinic / "referral_consent.docx")
    assert "Marin Vista County Child Welfare Services hotline, (555) 010-7700" in text
    assert "Written report within 36 hours" in text
    assert "Marin Vista County Adult Protective Services" in text
    assert "Call 911." in text
    assert "I may withdraw this consent at any time" in text


def test_a_form_in_england_has_its_countrys_numbers_and_the_agency_types_words(word_only):
    plan = docx_text(word_only["shelter"] / "safety_plan.docx")
    assert "999" in plan and "Modern Slavery" in plan
    assert "911" not in plan and "1-888-373-7888" not in plan
    referral = docx_text(word_only["shelter"] / "referral_consent.docx")
    assert "safeguarding referral" in referral.lower()
    assert "The resident decides item by item" in referral


def test_the_safety_plan_gives_the_emergency_number_and_the_national_hotline(clinic):
    plan = docx_text(clinic / "safety_plan.docx")
    assert "911" in plan
    assert "National Human Trafficking Hotline" in plan and "1-888-373-7888" in plan


def indicator_texts(group: str) -> list[str]:
    (found,) = (g for g in content("toolkit_lists")["indicators"]["groups"] if g["id"] == group)
    return [item["text"] for item in found["items"]]


def test_a_clinics_record_offers_every_indicator_of_table_3_verbatim(clinic):
    text = docx_text(clinic / "documentation_record.docx")
    for group in ("initial_presentation", "personal_history", "physical_exam"):
        for indicator in indicator_texts(group):
            assert indicator in text


def test_a_schools_record_leaves_out_the_physical_exam_and_notes_why(word_only):
    text = docx_text(word_only["school"] / "documentation_record.docx")
    for indicator in indicator_texts("initial_presentation"):
        assert indicator in text
    assert "Signs/symptoms of exposure to extreme heat/cold" not in text
    assert not any(
        "physical_exam" in tag
        for tag in word_tags(word_only["school"] / "documentation_record.docx")
    )
    notes = (word_only["school"] / "drafting-notes.md").read_text()
    assert "“Physical exam” are left out of this record" in notes


def test_the_record_says_where_it_is_kept(clinic):
    text = docx_text(clinic / "documentation_record.docx")
    assert (
        "kept in the confidential behavioral health section of the electronic health record" in text
    )


def test_tooltips_say_what_a_field_is():
    assert field_description("plan/contact/1/how") == "Safety plan: contact 1, how"
    assert field_description("referral/share/health/yes") == (
        "Referral and consent: share, health, yes"
    )
    assert field_description("record/indicator/initial_presentation/4-1") == (
        "Indicator observed: Aggressive"
    )


@pytest.mark.pdf
@pytest.mark.parametrize("form", FORMS)
def test_every_pdf_field_has_a_spoken_name_other_than_its_tag(clinic, form):
    reader = PdfReader(clinic / f"{form}.pdf")
    spoken = [
        str(annotation.get_object()["/TU"])
        for page in reader.pages
        for annotation in page.get("/Annots", [])
    ]
    assert all(spoken) and not set(spoken) & set(reader.get_fields())


@pytest.mark.pdf
def test_libreoffice_resaves_the_word_form_with_its_controls(clinic, tmp_path):
    source = tmp_path / "referral_consent.docx"
    shutil.copy(clinic / "referral_consent.docx", source)
    resaved = resaved_by_libreoffice(source, tmp_path)
    assert set(word_tags(resaved)) == set(word_tags(source))


def test_an_edit_of_a_forms_wording_in_the_bundle_is_read_back(clinic, tmp_path):
    agency = tmp_path / "inputs" / "harbor-family-health"
    shutil.copytree(SAMPLES / "harbor-family-health", agency)
    document = Document(clinic / "bundle.docx")
    (paragraph,) = [p for p in document.paragraphs if p.text.startswith("Tick what you want")]
    paragraph.runs[0].text = "Tick what you want to keep safe, and write where you keep it."
    for run in paragraph.runs[1:]:
        run.text = ""
    document.save(tmp_path / "bundle.docx")
    ingest(agency, [tmp_path / "bundle.docx"])
    rebuilt = build_packet(agency, tmp_path / "rebuilt", pdf=False).out
    assert "write where you keep it." in docx_text(rebuilt / "safety_plan.docx")


@pytest.mark.parametrize("agency_type", ["hospital", "nonprofit", "task_force"])
def test_blank_packets_hold_the_forms_in_the_types_words(agency_type, tmp_path):
    out = build_blank(agency_type, tmp_path / "blank", pdf=False).out
    words = content("policy")["agency_types"][agency_type]
    for form in FORMS:
        assert word_tags(out / f"{form}.docx")
    assert f"The {words['client']} decides item by item" in docx_text(out / "referral_consent.docx")


def test_a_change_of_wording_may_not_replace_a_line_that_holds_a_field(tmp_path):
    """A labelled field is a line of text the wording could reach; replacing it would lose the
    field, so the change is refused (a paragraph may still be added after it)."""
    agency = tmp_path / "inputs" / "harbor-family-health"
    shutil.copytree(SAMPLES / "harbor-family-health", agency)
    reference = "referral_consent/referral-and-consent-to-share-information"
    (agency / "wording.yaml").write_text(
        "changes:\n"
        f"  - replace: {reference}/3\n"
        "    standard: '**Record number** Record or case number'\n"
        "    text: Chart number\n"
        f"  - after: {reference}/3\n"
        "    add: [Write the chart number the clinic gives.]\n"
    )
    with pytest.raises(InputError) as raised:
        build_packet(agency, tmp_path / "out", pdf=False)
    (problem,) = raised.value.problems
    assert problem.message.startswith("it holds fields of the form")
