"""Respondent forms: the service assessment as a Word form and a fillable PDF for one agency.

Every box and text field is a Word content control whose tag names what it answers
(`answer/1.5/yes`, `rating/3/na`, `comment/3`, `respondent/role`). LibreOffice (7.5 and later)
exports the controls as PDF form fields but names them `Widget`, `_2`, ..., puts the control's
alias in the tooltip and names checkbox states after their glyphs; the form's aliases are its
tags, so `make_fillable` renames every field after its tag, names the ticked state `/Yes`, clears
the placeholders LibreOffice stored as values and gives text fields room to write.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

from pipeline.build import publish, staging_area
from pipeline.bundle import freeze_docx
from pipeline.context import build_context
from pipeline.convert import Converter, PdfJob, install_hint
from pipeline.errors import ConversionError
from pipeline.load import load_agency
from pipeline.render import render_document
from pipeline.style import apply_style, is_default

FORM_TEMPLATE = "form.docx"
FORM_DOCX = "assessment-form.docx"
FORM_PDF = "assessment-form.pdf"
REFERENCE_TAG = "form/agency"
ON_STATE = "/Yes"
# The form's page layout (templates/source/build.py): 0.9 inch side margins, and table cells
# with 0.075 inch padding. Text fields are widened to the cell's right edge, and comment fields
# take the height of their row (0.85 inch) so that a few lines fit.
RIGHT_EDGE_FROM_PAGE_EDGE = (0.9 + 0.075) * 72
COMMENT_FIELD_HEIGHT = 0.85 * 72 - 8
TEXT_FIELD_LOOK = "0 0 0 rg /{font} 10 Tf"


def form_reference(slug: str) -> str:
    """What the form's locked reference field holds: the agency it was made for."""
    return slug


def build_forms(folder: Path, out: Path, pdf: bool = True) -> list[Path]:
    """Write the agency's respondent form (Word, and fillable PDF) into `out`, replacing it."""
    inputs = load_agency(folder)
    context = {
        **build_context(inputs, blank_assessment=True),
        "form": {"reference": form_reference(inputs.slug)},
    }
    context["properties"] = {FORM_TEMPLATE: form_properties(context)}
    with (
        staging_area(out, inputs.slug) as work,
        Converter() if pdf else nullcontext() as converter,
    ):
        staging = work / "forms"
        staging.mkdir()
        form = render_document(FORM_TEMPLATE, context, staging / FORM_DOCX)
        if not is_default(inputs.style):
            apply_style(form, inputs.style)
        freeze_docx(form, context["packet"]["date"])
        if converter:
            exported = work / "exported.pdf"
            converter.convert([PdfJob(form, exported, form=True)])
            make_fillable(exported, staging / FORM_PDF, title=form_title(context))
        publish(staging, out)
    return sorted(out.iterdir())


def form_title(context: dict[str, Any]) -> str:
    return f"Service Assessment: respondent form for {context['agency']['legal_name']}"


def form_properties(context: dict[str, Any]) -> dict[str, str]:
    """The form's title, subject and keywords (its author and dates are set as every
    document's are, by rendering)."""
    return {
        "title": form_title(context),
        "subject": "Service assessment (ICMEC toolkit), one respondent",
        "keywords": "human trafficking; service assessment; respondent form",
    }


def make_fillable(exported: Path, target: Path, title: str) -> None:
    """Turn LibreOffice's exported form into one whose fields are named by their tags."""
    from pypdf import PdfReader, PdfWriter
    from pypdf.generic import ArrayObject, BooleanObject, NameObject, TextStringObject

    writer = PdfWriter(clone_from=PdfReader(exported))
    form = writer._root_object["/AcroForm"]
    widgets = [
        (page, annotation.get_object())
        for page in writer.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Widget"
    ]
    if not widgets:
        raise ConversionError(
            f"LibreOffice wrote the form without fillable fields; {install_hint()}"
        )
    top_level = ArrayObject()
    parents: dict[tuple[str, ...], Any] = {}
    for page, widget in widgets:
        tag = str(widget.get("/TU", ""))
        if not tag:
            raise ConversionError(f"{exported}: a form field carries no tag")
        if widget["/FT"] == "/Btn":
            normalise_checkbox(widget)
        else:
            normalise_text_field(widget, page, tag)
        widget[NameObject("/TU")] = TextStringObject(field_description(tag))
        place_in_hierarchy(writer, widget, tag, parents, top_level)
    form[NameObject("/Fields")] = top_level
    form[NameObject("/NeedAppearances")] = BooleanObject(True)
    writer.add_metadata({"/Title": title})
    with target.open("wb") as stream:
        writer.write(stream)


def place_in_hierarchy(writer, widget, tag: str, parents: dict, top_level) -> None:
    """Name the field after its tag. A field's own name may not hold a period (PDF 12.7.3.2), so
    `answer/5.5.a/na` becomes a field `a/na` under `5` under `answer/5`: its fully qualified
    name, which PDF readers and pypdf show, is the tag itself."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject, TextStringObject

    parts = tag.split(".")
    widget[NameObject("/T")] = TextStringObject(parts[-1])
    if len(parts) == 1:
        top_level.append(widget.indirect_reference)
        return
    parent = None
    for depth in range(1, len(parts)):
        key = tuple(parts[:depth])
        if key not in parents:
            node = DictionaryObject(
                {
                    NameObject("/T"): TextStringObject(parts[depth - 1]),
                    NameObject("/Kids"): ArrayObject(),
                }
            )
            reference = writer._add_object(node)
            if parent is None:
                top_level.append(reference)
            else:
                node[NameObject("/Parent")] = parent.indirect_reference
                parent["/Kids"].append(reference)
            parents[key] = reference.get_object()
        parent = parents[key]
    widget[NameObject("/Parent")] = parent.indirect_reference
    parent["/Kids"].append(widget.indirect_reference)


def normalise_checkbox(widget) -> None:
    """Appearance states named `/Yes` and `/Off` (LibreOffice names them after the glyphs)."""
    from pypdf.generic import DictionaryObject, NameObject

    for kind in ("/N", "/D"):
        states = widget.get("/AP", {}).get(kind)
        if states is None:
            continue
        states = states.get_object()
        renamed = DictionaryObject()
        for name, stream in states.items():
            renamed[NameObject("/Off" if name == "/☐" or name == "/Off" else ON_STATE)] = stream
        widget["/AP"][NameObject(kind)] = renamed
    widget[NameObject("/V")] = widget[NameObject("/AS")] = NameObject("/Off")
    widget[NameObject("/DV")] = NameObject("/Off")


def normalise_text_field(widget, page, tag: str) -> None:
    """Empty (LibreOffice stores the placeholder as the value), black text, room to write."""
    from pypdf.generic import ArrayObject, FloatObject, NameObject, NumberObject, TextStringObject

    if tag == REFERENCE_TAG:
        widget[NameObject("/Ff")] = NumberObject(int(widget.get("/Ff", 0)) | 1)  # read-only
        return
    for key in ("/V", "/DV"):
        widget[NameObject(key)] = TextStringObject("")
    font = str(widget.get("/DA", "/Helv")).split("/")[1].split()[0]
    widget[NameObject("/DA")] = TextStringObject(TEXT_FIELD_LOOK.format(font=font))
    left, bottom, right, top = (float(value) for value in widget["/Rect"])
    right = float(page.mediabox.right) - RIGHT_EDGE_FROM_PAGE_EDGE
    if tag.startswith("comment/"):
        bottom = top - COMMENT_FIELD_HEIGHT
    widget[NameObject("/Rect")] = ArrayObject(FloatObject(v) for v in (left, bottom, right, top))
    blank_appearance(widget, right - left, top - bottom)


def blank_appearance(widget, width: float, height: float) -> None:
    """An empty appearance, so that no reader shows the placeholder LibreOffice drew."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject

    stream = StreamObject()
    stream.set_data(b"/Tx BMC EMC")
    stream.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
            ),
        }
    )
    widget[NameObject("/AP")] = DictionaryObject({NameObject("/N"): stream})


def field_description(tag: str) -> str:
    """The tooltip a PDF reader shows for a field: `answer/1.5/na` -> `Item 1.5: N/A`."""
    kind, _, rest = tag.partition("/")
    if kind == "answer":
        item, _, answer = rest.rpartition("/")
        return f"Item {item}: {ANSWER_WORDS.get(answer, answer)}"
    if kind == "rating":
        domain, _, value = rest.partition("/")
        return f"Domain {domain} rating: {'N/A (don’t know)' if value == 'na' else value}"
    if kind == "comment":
        return f"Comments on domain {rest}"
    if kind == "respondent":
        return f"Your {rest}"
    return "Form reference"


ANSWER_WORDS = {"yes": "Yes", "no": "No", "na": "N/A"}
