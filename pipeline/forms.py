"""Respondent forms: the service assessment as a Word form and a fillable PDF for one agency.

Every box and text field is a Word content control whose tag names what it answers
(`answer/1.5/yes`, `rating/3/na`, `comment/3`, `respondent/role`). LibreOffice (7.5 and later)
exports the controls as PDF form fields but names them `Widget`, `_2`, ..., puts the control's
alias in the tooltip and names checkbox states after their glyphs; the form's aliases are its
tags, so `make_fillable` renames every field after its tag, names the ticked state `/Yes`, clears
the placeholders LibreOffice stored as values, gives text fields room to write, and gives every
field an appearance every reader draws alike (streams of their own, ticks drawn as lines, fonts
declared). The Word form keeps a record of its own text, against which `packet ingest` finds
text a respondent typed outside the fields.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

from pipeline.assessment import answerable
from pipeline.bundle import freeze_docx
from pipeline.content import content
from pipeline.context import build_context
from pipeline.convert import Converter, PdfJob, install_hint, read_written_pdf
from pipeline.errors import ConversionError
from pipeline.load import load_agency
from pipeline.publish import MARKER, publish, staging_area
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
# What fields look like, in fonts every PDF reader has (the standard 14, declared in the form).
TEXT_FONT = "/Helv"
STANDARD_FONTS = {TEXT_FONT: "/Helvetica", "/ZaDb": "/ZapfDingbats"}
TEXT_FIELD_LOOK = "/Helv 10 Tf 0 g"
TICK_COLOUR = "0.12 0.16 0.22"  # the form's text colour
BOX_LOOK = f"/ZaDb 0 Tf {TICK_COLOUR} rg"
ZAPF_CHECK = "4"  # ZapfDingbats' check mark, for readers that draw the tick themselves
TICK_POINTS = ((0.22, 0.52), (0.42, 0.27), (0.80, 0.78))  # of the box's width and height


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
        staging_area(out, inputs.slug, kind="forms") as work,
        Converter() if pdf else nullcontext() as converter,
    ):
        staging = work / "forms"
        staging.mkdir()
        form = render_document(FORM_TEMPLATE, context, staging / FORM_DOCX)
        if not is_default(inputs.style):
            apply_style(form, inputs.style)
        record_form_text(form)
        freeze_docx(form, context["packet"]["date"])
        if converter:
            exported = work / "exported.pdf"
            converter.convert([PdfJob(form, exported, form=True)])
            make_fillable(exported, staging / FORM_PDF, title=form_title(context))
        publish(staging, out, kind="forms")
    return sorted(path for path in out.iterdir() if path.name != MARKER)


def form_tags() -> list[str]:
    """Every field's tag, in the form's order (templates/source/form.txt)."""
    tags = [f"respondent/{name}" for name in RESPONDENT_FIELDS]
    for domain in content("assessment")["domains"]:
        number = domain["number"]
        tags += [
            f"answer/{item['id']}/{choice}"
            for item in domain["items"]
            if answerable(item)
            for choice in ANSWER_WORDS
        ]
        if domain.get("rating_prompt"):
            tags += [f"rating/{number}/{value}" for value in RATING_VALUES]
        tags.append(f"comment/{number}")
    return [*tags, REFERENCE_TAG]


RESPONDENT_FIELDS = ("role", "name", "date")
RATING_VALUES = ("1", "2", "3", "4", "5", "na")


# The form's own text (all but its fields), kept in the .docx as a custom XML part, which Word
# and LibreOffice keep when they save: `packet ingest` compares a returned form with it to find
# text a respondent typed outside the fields.
FORM_TEXT_NAMESPACE = "urn:protocol-packet-builder:form-text"
CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"


def record_form_text(path: Path) -> None:
    """Keep the form's own text inside it, one element per paragraph."""
    from docx import Document
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    document = Document(path)
    root = etree.Element(f"{{{FORM_TEXT_NAMESPACE}}}form", nsmap={None: FORM_TEXT_NAMESPACE})
    for text in form_text(document.element.body):
        etree.SubElement(root, f"{{{FORM_TEXT_NAMESPACE}}}p").text = text
    taken = {str(part.partname) for part in document.part.package.iter_parts()}
    number = next(n for n in range(1, 1000) if f"/customXml/item{n}.xml" not in taken)
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    part = Part(
        PackURI(f"/customXml/item{number}.xml"), "application/xml", blob, document.part.package
    )
    document.part.relate_to(part, CUSTOM_XML)
    document.save(path)


def recorded_form_text(document) -> list[str] | None:
    """The form's own text as `packet forms` recorded it, or None when the file lost it."""
    from lxml import etree

    for relationship in document.part.rels.values():
        if relationship.reltype != CUSTOM_XML or relationship.is_external:
            continue
        blob = relationship.target_part.blob
        if FORM_TEXT_NAMESPACE.encode() not in blob:
            continue
        try:
            root = etree.fromstring(blob, etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            return None
        return [element.text or "" for element in root.iter(f"{{{FORM_TEXT_NAMESPACE}}}p")]
    return None


def form_text(body) -> list[str]:
    """The text of every paragraph outside the fields, spaces evened, empty ones left out."""
    from docx.oxml.ns import qn

    return [text for text in map(paragraph_text, body.iter(qn("w:p"))) if text]


def paragraph_text(paragraph) -> str:
    """A paragraph's text outside content controls, its runs of spaces made one space."""
    from docx.oxml.ns import qn

    sdt = qn("w:sdt")
    pieces = [
        node.text or ""
        for node in paragraph.iter(qn("w:t"))
        if not any(True for _ in node.iterancestors(sdt))
    ]
    return " ".join("".join(pieces).split())


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
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject, TextStringObject

    reader = read_written_pdf(exported, strict=False)
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # LibreOffice's 1.7; pypdf would write 1.3
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
    declare_fonts(writer, form)
    top_level = ArrayObject()
    parents: dict[tuple[str, ...], Any] = {}
    for page, widget in widgets:
        tag = str(widget.get("/TU", ""))
        if not tag:
            raise ConversionError(f"{exported}: a form field carries no tag")
        if "/DR" in widget:
            del widget["/DR"]  # the form's resources (declare_fonts) serve every field
        if widget["/FT"] == "/Btn":
            normalise_checkbox(writer, widget)
        else:
            normalise_text_field(writer, widget, page, tag)
        widget[NameObject("/TU")] = TextStringObject(field_description(tag))
        place_in_hierarchy(writer, widget, tag, parents, top_level)
    form[NameObject("/Fields")] = top_level
    separate_field_text(writer)
    # Every field carries its appearance, so each reader draws what the file holds instead of
    # making its own (which is how poppler came to need an undeclared ZapfDingbats).
    form.pop("/NeedAppearances", None)
    writer.add_metadata({"/Title": title})
    with target.open("wb") as stream:
        writer.write(stream)


def separate_field_text(writer) -> None:
    """A Form structure element holds its field's widget and nothing else (PDF/UA-1); the text
    LibreOffice draws under a field (its box, its placeholder) and tags with it becomes a Span
    beside it, and the parent tree says so."""
    from pypdf.generic import ArrayObject, DictionaryObject, NameObject

    root = writer._root_object.get("/StructTreeRoot")
    if root is None:
        return
    numbers = root.get_object()["/ParentTree"].get_object().get("/Nums", ArrayObject())
    marked_by_key = {
        int(numbers[n]): numbers[n + 1].get_object() for n in range(0, len(numbers), 2)
    }
    for form, parent in form_elements(root.get_object()):
        kids = form["/K"] if isinstance(form["/K"], list) else ArrayObject([form["/K"]])
        widgets = [kid for kid in kids if is_object_reference(kid)]
        text = [kid for kid in kids if not is_object_reference(kid)]
        if not text or len(widgets) != 1:
            continue
        span = DictionaryObject({NameObject("/Type"): NameObject("/StructElem")})
        span[NameObject("/S")] = NameObject("/Span")
        span[NameObject("/P")] = form.raw_get("/P")
        span[NameObject("/K")] = ArrayObject(text)
        if "/Pg" in form:
            span[NameObject("/Pg")] = form.raw_get("/Pg")
        reference = writer._add_object(span)
        form[NameObject("/K")] = widgets[0]
        siblings = parent["/K"]
        siblings.insert(
            next(n for n, kid in enumerate(siblings) if kid.get_object() is form), reference
        )
        for kid in text:
            page = (kid.get_object().get("/Pg") if not isinstance(kid, int) else None) or form[
                "/Pg"
            ]
            mcid = kid if isinstance(kid, int) else kid.get_object()["/MCID"]
            marked = marked_by_key.get(int(page.get_object()["/StructParents"]))
            if marked is not None and int(mcid) < len(marked):
                marked[int(mcid)] = reference


def form_elements(element, parent=None):
    """Every Form structure element under `element` with its parent, whose /K is an array."""
    kids = element.get("/K")
    for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
        if isinstance(kid, int):
            continue
        node = kid.get_object()
        if not isinstance(node, dict) or "/S" not in node:
            continue
        if node["/S"] == "/Form" and isinstance(element.get("/K"), list):
            yield node, element
        yield from form_elements(node, element)


def is_object_reference(kid) -> bool:
    return not isinstance(kid, int) and kid.get_object().get("/Type") == "/OBJR"


def declare_fonts(writer, form) -> None:
    """The fonts the fields' default appearances name, in the form's resources (PDF 12.7.3.3):
    Helvetica for typed text, ZapfDingbats for the tick of a reader that redraws a box."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    resources = form.get("/DR")
    resources = DictionaryObject() if resources is None else resources.get_object()
    fonts = resources.get("/Font")
    fonts = DictionaryObject() if fonts is None else DictionaryObject(fonts.get_object())
    for name, base_font in STANDARD_FONTS.items():
        font = DictionaryObject(
            {
                NameObject("/Type"): NameObject("/Font"),
                NameObject("/Subtype"): NameObject("/Type1"),
                NameObject("/BaseFont"): NameObject(base_font),
            }
        )
        if name == TEXT_FONT:
            font[NameObject("/Encoding")] = NameObject("/WinAnsiEncoding")
        fonts[NameObject(name)] = writer._add_object(font)
    resources[NameObject("/Font")] = writer._add_object(fonts)
    form[NameObject("/DR")] = resources
    form[NameObject("/DA")] = TextStringObject(TEXT_FIELD_LOOK)


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


def normalise_checkbox(writer, widget) -> None:
    """States `/Yes` and `/Off` (LibreOffice names them after its glyphs), the tick drawn as
    lines (no font to find), and a default look naming a declared font for readers that redraw
    the box themselves."""
    from pypdf.generic import DictionaryObject, NameObject, TextStringObject

    left, bottom, right, top = (float(value) for value in widget["/Rect"])
    width, height = right - left, top - bottom
    widget[NameObject("/AP")] = DictionaryObject(
        {
            NameObject("/N"): DictionaryObject(
                {
                    NameObject("/Off"): appearance(writer, width, height, b""),
                    NameObject(ON_STATE): appearance(writer, width, height, tick(width, height)),
                }
            )
        }
    )
    widget[NameObject("/V")] = widget[NameObject("/AS")] = NameObject("/Off")
    widget[NameObject("/DV")] = NameObject("/Off")
    widget[NameObject("/DA")] = TextStringObject(BOX_LOOK)
    widget[NameObject("/MK")] = DictionaryObject({NameObject("/CA"): TextStringObject(ZAPF_CHECK)})


def tick(width: float, height: float) -> bytes:
    """A check mark in a box of this size, as a stroked path."""
    points = [(width * x, height * y) for x, y in TICK_POINTS]
    (x0, y0), (x1, y1), (x2, y2) = points
    return (
        f"q {TICK_COLOUR} RG {width * 0.12:.2f} w 1 J 1 j "
        f"{x0:.2f} {y0:.2f} m {x1:.2f} {y1:.2f} l {x2:.2f} {y2:.2f} l S Q"
    ).encode()


def normalise_text_field(writer, widget, page, tag: str) -> None:
    """Empty (LibreOffice stores the placeholder as the value), black text, room to write."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        NumberObject,
        TextStringObject,
    )

    if tag == REFERENCE_TAG:
        widget[NameObject("/Ff")] = NumberObject(int(widget.get("/Ff", 0)) | 1)  # read-only
        return
    for key in ("/V", "/DV"):
        widget[NameObject(key)] = TextStringObject("")
    widget[NameObject("/DA")] = TextStringObject(TEXT_FIELD_LOOK)
    left, bottom, right, top = (float(value) for value in widget["/Rect"])
    right = float(page.mediabox.right) - RIGHT_EDGE_FROM_PAGE_EDGE
    if tag.startswith("comment/"):
        bottom = top - COMMENT_FIELD_HEIGHT
    widget[NameObject("/Rect")] = ArrayObject(FloatObject(v) for v in (left, bottom, right, top))
    # Empty, so that no reader shows the placeholder LibreOffice drew.
    blank = appearance(writer, right - left, top - bottom, b"/Tx BMC EMC")
    widget[NameObject("/AP")] = DictionaryObject({NameObject("/N"): blank})


def appearance(writer, width: float, height: float, drawing: bytes):
    """An appearance stream of this size, as an object of its own: a stream may not sit inside
    a dictionary (PDF 7.3.8), which is what made MuPDF and qpdf refuse the form."""
    from pypdf.generic import ArrayObject, DictionaryObject, FloatObject, NameObject, StreamObject

    stream = StreamObject()
    stream.set_data(drawing)
    stream.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Form"),
            NameObject("/BBox"): ArrayObject(
                [FloatObject(0), FloatObject(0), FloatObject(width), FloatObject(height)]
            ),
            NameObject("/Resources"): DictionaryObject(),
        }
    )
    return writer._add_object(stream)


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
