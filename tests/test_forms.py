"""Respondent forms: every answer a box or field with a stable tag, in Word and fillable PDF."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pikepdf
import pytest
from docx import Document
from docx.oxml.ns import qn
from PIL import Image
from pypdf import PdfReader

from pipeline.assessment import answerable, items_by_id, rated_domains
from pipeline.content import content
from pipeline.forms import (
    FORM_DOCX,
    FORM_PDF,
    build_forms,
    field_description,
    form_tags,
    form_text,
    recorded_form_text,
)
from pipeline.ingest.places import qualified_name
from tests.helpers import W14, docx_text, fill_pdf_form, fill_pdf_form_with_mupdf


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


def test_ingest_knows_every_field_of_the_form_in_its_order(word_form):
    assert list(word_controls(word_form)) == form_tags()


def test_the_form_keeps_a_record_of_its_own_text(word_form):
    document = Document(word_form)
    recorded = recorded_form_text(document)
    assert recorded == form_text(document.element.body)
    assert "Thank you. Return the filled form to the person who sent it to you." in recorded


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


# The fillable PDF is valid PDF, accessible, and shows a ticked box as ticked in every common
# reader: poppler (Evince, Okular, most Linux and e-mail previewers), MuPDF (SumatraPDF, many phone
# apps) and PDFium (Chrome's and Edge's viewers).


@pytest.mark.pdf
def test_pdf_form_passes_qpdfs_strict_check(pdf_form):
    with pikepdf.open(pdf_form) as document:
        assert document.check_pdf_syntax() == []
        assert document.get_warnings() == []


@pytest.mark.pdf
def test_pdf_form_keeps_the_version_its_features_need(pdf_form):
    assert PdfReader(pdf_form).pdf_header == "%PDF-1.7"


@pytest.mark.pdf
def test_every_pdf_field_has_a_spoken_name(pdf_form):
    """A screen reader speaks a field's /TU: `Item 1.1: Yes`, never its tag or nothing."""
    for tag, (_, widget) in fields_by_name(pdf_form).items():
        assert widget["/TU"] == field_description(tag) != tag


@pytest.mark.pdf
def test_tab_order_follows_the_structure_on_every_page(pdf_form):
    assert {str(page.get("/Tabs")) for page in PdfReader(pdf_form).pages} == {"/S"}


@pytest.mark.pdf
def test_every_pdf_field_is_a_form_element_of_the_structure(pdf_form):
    reader = PdfReader(pdf_form)
    numbers = reader.trailer["/Root"]["/StructTreeRoot"]["/ParentTree"]["/Nums"]
    elements = {int(numbers[i]): numbers[i + 1].get_object() for i in range(0, len(numbers), 2)}
    for widget in form_widgets(pdf_form):
        assert elements[int(widget["/StructParent"])]["/S"] == "/Form", widget["/T"]


@pytest.mark.pdf
def test_field_appearances_name_only_declared_fonts(pdf_form):
    reader = PdfReader(pdf_form)
    declared = set(reader.trailer["/Root"]["/AcroForm"]["/DR"]["/Font"])
    for widget in form_widgets(pdf_form):
        assert set(FONT_IN_LOOK.findall(str(widget["/DA"]))) <= declared, widget["/T"]


FONT_IN_LOOK = re.compile(r"(/\S+)\s+[\d.]+\s+Tf")


@pytest.mark.pdf
def test_boxes_name_a_declared_zapfdingbats_for_readers_that_redraw_them(pdf_form):
    fonts = PdfReader(pdf_form).trailer["/Root"]["/AcroForm"]["/DR"]["/Font"]
    assert fonts["/ZaDb"]["/BaseFont"] == "/ZapfDingbats"
    boxes = [widget for widget in form_widgets(pdf_form) if widget["/FT"] == "/Btn"]
    assert {FONT_IN_LOOK.findall(str(box["/DA"]))[0] for box in boxes} == {"/ZaDb"}


@pytest.mark.pdf
def test_readers_draw_the_appearances_the_form_holds(pdf_form):
    assert "/NeedAppearances" not in PdfReader(pdf_form).trailer["/Root"]["/AcroForm"]


@pytest.mark.pdf
def test_ticks_are_drawn_as_lines_not_glyphs(pdf_form):
    for widget in form_widgets(pdf_form):
        if widget["/FT"] == "/Btn":
            drawing = widget["/AP"]["/N"]["/Yes"].get_object().get_data()
            assert b"Tf" not in drawing and drawing.endswith(b"S Q"), widget["/T"]


def form_widgets(path: Path) -> list:
    return [widget for _, widget in fields_by_name(path).values()]


def fields_by_name(path: Path) -> dict[str, tuple[int, object]]:
    """Full field name -> the page it is on and its widget."""
    return {
        qualified_name(annotation.get_object()): (number, annotation.get_object())
        for number, page in enumerate(PdfReader(path).pages, start=1)
        for annotation in page.get("/Annots", [])
        if annotation.get_object()["/Subtype"] == "/Widget"
    }


TICKED, UNTICKED = "answer/1.1/yes", "answer/1.1/no"


@pytest.fixture(scope="module")
def ticked_forms(pdf_form, tmp_path_factory) -> dict[str, Path]:
    """The form with one box ticked, saved by pypdf and by PyMuPDF (each draws fields its way)."""
    folder = tmp_path_factory.mktemp("ticked")
    values = {TICKED: True, "respondent/role": "Nurse"}
    return {
        "pypdf": fill_pdf_form(pdf_form, folder / "pypdf.pdf", values),
        "pymupdf": fill_pdf_form_with_mupdf(pdf_form, folder / "pymupdf.pdf", values),
    }


RESOLUTION = 144  # pixels per inch: a 12-point box is 24 pixels wide


def render_with_poppler(path: Path, page: int, folder: Path) -> Image.Image:
    result = subprocess.run(
        ["pdftoppm", "-r", str(RESOLUTION), "-f", str(page), "-l", str(page), "-png"]
        + ["-singlefile", str(path), str(folder / "page")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert result.stderr == ""  # no "Unknown font tag 'ZaDb'", no syntax error
    return Image.open(folder / "page.png").convert("L")


def render_with_mupdf(path: Path, page: int, folder: Path) -> Image.Image:
    import pymupdf

    pixmap = pymupdf.open(path)[page - 1].get_pixmap(dpi=RESOLUTION)
    return Image.frombytes("RGB", (pixmap.width, pixmap.height), pixmap.samples).convert("L")


def render_with_pdfium(path: Path, page: int, folder: Path) -> Image.Image:
    import pypdfium2

    document = pypdfium2.PdfDocument(path)
    document.init_forms()
    bitmap = document[page - 1].render(scale=RESOLUTION / 72, may_draw_forms=True)
    return bitmap.to_pil().convert("L")


RENDERERS = {
    "poppler": render_with_poppler,
    "mupdf": render_with_mupdf,
    "pdfium": render_with_pdfium,
}


def ink_inside(image: Image.Image, widget, page_height: float) -> float:
    """The share of dark pixels inside a box, its border left out."""
    left, bottom, right, top = (float(value) for value in widget["/Rect"])
    scale, inset = RESOLUTION / 72, 2.5
    area = image.crop(
        (
            round((left + inset) * scale),
            round((page_height - top + inset) * scale),
            round((right - inset) * scale),
            round((page_height - bottom - inset) * scale),
        )
    )
    histogram = area.histogram()
    return sum(histogram[:128]) / sum(histogram)


@pytest.mark.pdf
@pytest.mark.parametrize("renderer", sorted(RENDERERS))
@pytest.mark.parametrize("filler", ["pypdf", "pymupdf"])
def test_a_ticked_box_shows_its_tick(ticked_forms, renderer, filler, tmp_path):
    form = ticked_forms[filler]
    fields = fields_by_name(form)
    number, ticked = fields[TICKED]
    image = RENDERERS[renderer](form, number, tmp_path)
    height = float(PdfReader(form).pages[number - 1].mediabox.top)
    ink = {box: ink_inside(image, fields[box][1], height) for box in (TICKED, UNTICKED)}
    assert ink[UNTICKED] < 0.02 and ink[TICKED] > 0.08, ink
