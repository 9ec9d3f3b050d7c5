"""Fillable PDFs from LibreOffice's export of a Word form whose content controls carry tags.

LibreOffice (7.5 and later) exports the controls as PDF form fields but names them `Widget`,
`_2`, ..., puts the control's alias in the tooltip and names checkbox states after their glyphs;
the packet's forms make each alias its tag, so `make_fillable` renames every field after its tag,
names the ticked state `/Yes`, clears the placeholders LibreOffice stored as values, gives text
fields room to write, and gives every field an appearance every reader draws alike (streams of
their own, ticks drawn as lines, fonts declared). What differs between forms (which fields are
several lines high, which are locked, what a tooltip says) is the form's `FieldLayout`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.convert import install_hint, read_written_pdf
from pipeline.errors import ConversionError

ON_STATE = "/Yes"
# The forms' page layout (templates/source/build.py): 0.9 inch side margins, and table cells
# with 0.075 inch padding. A text field is widened to its cell's right edge: the next field on
# its line, less the two cells' padding, or else the text column's right edge.
CELL_PADDING = 0.075 * 72
RIGHT_EDGE_FROM_PAGE_EDGE = 0.9 * 72 + CELL_PADDING
# What fields look like, in fonts every PDF reader has (the standard 14, declared in the form).
TEXT_FONT = "/Helv"
STANDARD_FONTS = {TEXT_FONT: "/Helvetica", "/ZaDb": "/ZapfDingbats"}
TEXT_FIELD_LOOK = "/Helv 10 Tf 0 g"
TICK_COLOUR = "0.12 0.16 0.22"  # the forms' text colour
BOX_LOOK = f"/ZaDb 0 Tf {TICK_COLOUR} rg"
ZAPF_CHECK = "4"  # ZapfDingbats' check mark, for readers that draw the tick themselves
TICK_POINTS = ((0.22, 0.52), (0.42, 0.27), (0.80, 0.78))  # of the box's width and height
SAME_LINE = 6.0  # points: widgets whose tops are this close sit on one line


def row_height(inches: float) -> float:
    """A multi-line field's height in points: its table row's (the template's `rows=`), less
    the cell's padding above and below."""
    return inches * 72 - 8


@dataclass(frozen=True)
class FieldLayout:
    """What one form's fields need beyond what LibreOffice exports."""

    describe: Callable[[str], str]  # the tooltip a reader shows (and speaks) for a tag
    # Multi-line fields: tag prefix -> the field's height in points (its row's, less padding).
    heights: dict[str, float] = field(default_factory=dict)
    locked: frozenset[str] = frozenset()  # tags of read-only fields, which keep their value

    def height(self, tag: str) -> float | None:
        return next((h for prefix, h in self.heights.items() if tag.startswith(prefix)), None)


def make_fillable(exported: Path, target: Path, title: str, layout: FieldLayout) -> None:
    """Turn LibreOffice's exported form into one whose fields are named by their tags."""
    from pypdf import PdfWriter
    from pypdf.generic import ArrayObject, NameObject, NumberObject, TextStringObject

    reader = read_written_pdf(exported, strict=False)
    writer = PdfWriter(clone_from=reader)
    writer.pdf_header = reader.pdf_header  # LibreOffice's 1.7; pypdf would write 1.3
    form = writer._root_object.get("/AcroForm")
    widgets = [
        (page, annotation.get_object())
        for page in writer.pages
        for annotation in page.get("/Annots", [])
        if annotation.get_object().get("/Subtype") == "/Widget"
    ]
    if not widgets or form is None:
        raise ConversionError(
            f"LibreOffice wrote the form without fillable fields; {install_hint()}"
        )
    declare_fonts(writer, form)
    top_level = ArrayObject()
    parents: dict[tuple[str, ...], Any] = {}
    edges = right_edges(widgets)
    for _, widget in widgets:
        tag = str(widget.get("/TU", ""))
        if not tag:
            raise ConversionError(f"{exported}: a form field carries no tag")
        if "/DR" in widget:
            del widget["/DR"]  # the form's resources (declare_fonts) serve every field
        if widget["/FT"] == "/Btn":
            normalise_checkbox(writer, widget)
        elif tag in layout.locked:
            widget[NameObject("/Ff")] = NumberObject(int(widget.get("/Ff", 0)) | 1)  # read-only
        else:
            normalise_text_field(writer, widget, edges[id(widget)], layout.height(tag))
        widget[NameObject("/TU")] = TextStringObject(layout.describe(tag))
        place_in_hierarchy(writer, widget, tag, parents, top_level)
    form[NameObject("/Fields")] = top_level
    separate_field_text(writer)
    # Every field carries its appearance, so each reader draws what the file holds instead of
    # making its own (which is how poppler came to need an undeclared ZapfDingbats).
    form.pop("/NeedAppearances", None)
    writer.add_metadata({"/Title": title})
    with target.open("wb") as stream:
        writer.write(stream)


def right_edges(widgets: list) -> dict[int, float]:
    """Where each widget's cell ends: before the next widget on its line and page (less both
    cells' padding), or at the text column's right edge."""
    edges = {}
    for page, widget in widgets:
        left, _, _, top = (float(value) for value in widget["/Rect"])
        after = [
            float(other["/Rect"][0])
            for other_page, other in widgets
            if other_page is page
            and abs(float(other["/Rect"][3]) - top) < SAME_LINE
            and float(other["/Rect"][0]) > left + 1
        ]
        column_edge = float(page.mediabox.right) - RIGHT_EDGE_FROM_PAGE_EDGE
        edges[id(widget)] = min(after) - 2 * CELL_PADDING if after else column_edge
    return edges


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


def normalise_text_field(writer, widget, right: float, height: float | None) -> None:
    """Empty (LibreOffice stores the placeholder as the value), black text, room to write: as
    wide as its cell, and as high as `height` when it is given."""
    from pypdf.generic import (
        ArrayObject,
        DictionaryObject,
        FloatObject,
        NameObject,
        TextStringObject,
    )

    for key in ("/V", "/DV"):
        widget[NameObject(key)] = TextStringObject("")
    widget[NameObject("/DA")] = TextStringObject(TEXT_FIELD_LOOK)
    left, bottom, _, top = (float(value) for value in widget["/Rect"])
    if height:
        bottom = top - height
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
