"""Respondent forms: every answer a box or field with a stable tag, in Word and fillable PDF."""

from __future__ import annotations

from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from pypdf import PdfReader

from pipeline.assessment import answerable, items_by_id, rated_domains
from pipeline.content import content
from pipeline.forms import FORM_DOCX, FORM_PDF, build_forms, field_description
from tests.helpers import W14, docx_text


def expected_tags(slug: str) -> set[str]:
    """Every tag the issue names: answers, ratings, comments, respondent, and the reference."""
    tags = {f"respondent/{name}" for name in ("name", "role", "date")}
    tags |= {
        f"answer/{item_id}/{choice}"
        for item_id, item in items_by_id().items()
        if answerable(item)
        for choice in ("yes", "no", "na")
    }
    for domain in rated_domains():
        tags |= {f"rating/{domain['number']}/{value}" for value in ("1", "2", "3", "4", "5", "na")}
    tags |= {f"comment/{domain['number']}" for domain in content("assessment")["domains"]}
    return tags | {"form/agency"}


def word_controls(path: Path) -> dict[str, object]:
    return {
        control.find(qn("w:sdtPr")).find(qn("w:tag")).get(qn("w:val")): control
        for control in Document(path).element.body.iter(qn("w:sdt"))
    }


@pytest.fixture(scope="module")
def word_form(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("forms") / "forms"
    root = Path(__file__).resolve().parent.parent
    build_forms(root / "inputs" / "harbor-family-health", out, pdf=False)
    return out / FORM_DOCX


def test_word_form_has_one_control_per_tag(word_form):
    controls = word_controls(word_form)
    assert set(controls) == expected_tags("harbor-family-health")


def test_answer_and_rating_controls_are_unticked_checkboxes(word_form):
    for tag, control in word_controls(word_form).items():
        box = control.find(qn("w:sdtPr")).find(f"{{{W14}}}checkbox")
        assert (box is not None) == tag.startswith(("answer/", "rating/")), tag
        if box is not None:
            assert box.find(f"{{{W14}}}checked").get(f"{{{W14}}}val") == "0"


def test_text_fields_show_placeholders_and_the_reference_is_locked(word_form):
    controls = word_controls(word_form)
    for tag in ("respondent/role", "comment/3"):
        assert controls[tag].find(qn("w:sdtPr")).find(qn("w:showingPlcHdr")) is not None
    reference = controls["form/agency"]
    assert reference.find(qn("w:sdtPr")).find(qn("w:lock")).get(qn("w:val")) == "sdtContentLocked"
    assert [t.text for t in reference.iter(qn("w:t"))] == ["harbor-family-health"]


def test_form_names_the_agency_and_explains_ticking_and_conditions(word_form):
    text = docx_text(word_form)
    assert "Harbor Family Health Center" in text
    assert "click a box to tick it" in text
    assert "IF YES (1.5)" in text
    assert "IF YES (1.5): Was the protocol developed in consultation" in text
    assert "If “No” (10.6)" in text


def test_form_properties_carry_the_agency_not_the_machine(word_form):
    properties = Document(word_form).core_properties
    assert properties.author == properties.last_modified_by == "Harbor Family Health Center"
    assert properties.title.startswith("Service Assessment: respondent form")


def test_tooltips_say_what_a_field_answers():
    assert field_description("answer/5.5.a/na") == "Item 5.5.a: N/A"
    assert field_description("rating/3/na") == "Domain 3 rating: N/A (don’t know)"
    assert field_description("comment/12") == "Comments on domain 12"


@pytest.fixture(scope="module")
def pdf_form(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("pdf-forms") / "forms"
    root = Path(__file__).resolve().parent.parent
    build_forms(root / "inputs" / "harbor-family-health", out)
    return out / FORM_PDF


@pytest.mark.pdf
def test_pdf_form_fields_are_named_by_the_same_tags(pdf_form):
    fields = PdfReader(pdf_form).get_fields()
    terminal = {name for name, found in fields.items() if "/FT" in found}
    assert terminal == expected_tags("harbor-family-health")


@pytest.mark.pdf
def test_pdf_checkboxes_tick_as_yes_and_start_off(pdf_form):
    fields = PdfReader(pdf_form).get_fields()
    box = fields["answer/5.5.a/na"]
    assert box["/FT"] == "/Btn" and box["/V"] == "/Off"
    assert set(box["/_States_"]) == {"/Off", "/Yes"}
    assert box["/TU"] == "Item 5.5.a: N/A"


@pytest.mark.pdf
def test_pdf_text_fields_start_empty_and_the_reference_is_read_only(pdf_form):
    fields = PdfReader(pdf_form).get_fields()
    assert fields["respondent/role"]["/V"] == ""
    assert fields["comment/1"]["/V"] == ""
    assert int(fields["comment/1"]["/Ff"]) & 4096  # several lines
    assert fields["form/agency"]["/V"] == "harbor-family-health"
    assert int(fields["form/agency"]["/Ff"]) & 1  # read-only


@pytest.mark.pdf
def test_pdf_field_names_hold_no_period_of_their_own(pdf_form):
    reader = PdfReader(pdf_form)
    for page in reader.pages:
        for annotation in page.get("/Annots", []):
            assert "." not in str(annotation.get_object()["/T"])


@pytest.fixture(scope="module")
def school_form(tmp_path_factory) -> Path:
    root = Path(__file__).resolve().parent / "fixtures"
    work = tmp_path_factory.mktemp("school-form")
    folder = work / "inputs" / "school-district"
    import shutil

    shutil.copytree(root / "minimal-clinic", folder)
    shutil.copytree(root / "school-district", folder, dirs_exist_ok=True)
    build_forms(folder, work / "forms", pdf=False)
    return work / "forms" / FORM_DOCX


def test_a_schools_form_keeps_every_control_and_tag(school_form):
    assert set(word_controls(school_form)) == expected_tags("school-district")


def test_a_schools_form_marks_an_item_not_applicable_to_a_school(school_form):
    assert "Not applicable to a school. Answer it only if" in docx_text(school_form)


def test_a_schools_form_says_how_a_school_uses_the_assessment(school_form):
    assert "How a school uses this assessment" in docx_text(school_form)
