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

import pikepdf
from pikepdf import Array, Dictionary, Name, Stream, String

from pipeline.convert import DAMAGED_PDF, install_hint
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
    try:
        pdf = pikepdf.open(exported)
    except pikepdf.PdfError as error:
        message = f"{exported.name}: {DAMAGED_PDF} ({error}); nothing was published"
        raise ConversionError(message) from error
    with pdf:
        form = pdf.Root.get("/AcroForm")
        widgets = [
            (number, annotation)
            for number, page in enumerate(pdf.pages)
            for annotation in page.obj.get("/Annots", Array())
            if annotation.get("/Subtype") == Name.Widget
        ]
        if not widgets or form is None:
            raise ConversionError(
                f"LibreOffice wrote the form without fillable fields; {install_hint()}"
            )
        declare_fonts(pdf, form)
        top_level = Array()
        parents: dict[tuple[str, ...], Dictionary] = {}
        edges = right_edges(pdf, widgets)
        for _, widget in widgets:
            tag = str(widget.get("/TU", ""))
            if not tag:
                raise ConversionError(f"{exported}: a form field carries no tag")
            if "/DR" in widget:
                del widget["/DR"]  # the form's resources (declare_fonts) serve every field
            if widget.get("/FT") == Name.Btn:
                normalise_checkbox(pdf, widget)
            elif tag in layout.locked:
                widget.Ff = int(widget.get("/Ff", 0)) | 1  # read-only
            else:
                normalise_text_field(pdf, widget, edges[widget.objgen], layout.height(tag))
            widget.TU = String(layout.describe(tag))
            place_in_hierarchy(pdf, widget, tag, parents, top_level)
        form.Fields = top_level
        separate_field_text(pdf)
        # Every field carries its appearance, so each reader draws what the file holds instead
        # of making its own (which is how poppler came to need an undeclared ZapfDingbats).
        if "/NeedAppearances" in form:
            del form["/NeedAppearances"]
        pdf.docinfo["/Title"] = String(title)
        pdf.save(target, deterministic_id=True)


def right_edges(pdf: pikepdf.Pdf, widgets: list) -> dict[tuple[int, int], float]:
    """Where each widget's cell ends: before the next widget on its line and page (less both
    cells' padding), or at the text column's right edge."""
    boxes = [(number, [float(value) for value in widget.Rect]) for number, widget in widgets]
    edges = {}
    for (number, widget), (_, (left, _, _, top)) in zip(widgets, boxes, strict=True):
        after = [
            other[0]
            for other_number, other in boxes
            if other_number == number and abs(other[3] - top) < SAME_LINE and other[0] > left + 1
        ]
        column_edge = float(pdf.pages[number].mediabox[2]) - RIGHT_EDGE_FROM_PAGE_EDGE
        edges[widget.objgen] = min(after) - 2 * CELL_PADDING if after else column_edge
    return edges


def separate_field_text(pdf: pikepdf.Pdf) -> None:
    """A Form structure element holds its field's widget and nothing else (PDF/UA-1); the text
    LibreOffice draws under a field (its box, its placeholder) and tags with it becomes a Span
    beside it, and the parent tree says so."""
    root = pdf.Root.get("/StructTreeRoot")
    if root is None:
        return
    numbers = root.ParentTree.get("/Nums", Array())
    marked_by_key = {int(numbers[n]): numbers[n + 1] for n in range(0, len(numbers), 2)}
    for form, parent in form_elements(root):
        kids = form.K if isinstance(form.K, Array) else Array([form.K])
        widgets = [kid for kid in kids if is_object_reference(kid)]
        text = [kid for kid in kids if not is_object_reference(kid)]
        if not text or len(widgets) != 1:
            continue
        span = Dictionary(Type=Name.StructElem, S=Name.Span, P=form.P, K=Array(text))
        if "/Pg" in form:
            span.Pg = form.Pg
        span = pdf.make_indirect(span)
        form.K = widgets[0]
        siblings = parent.K
        place = next(n for n, kid in enumerate(siblings) if same(kid, form))
        siblings.insert(place, span)
        for kid in text:
            page = (kid.get("/Pg") if not isinstance(kid, int) else None) or form.Pg
            mcid = kid if isinstance(kid, int) else kid.MCID
            marked = marked_by_key.get(int(page.StructParents))
            if marked is not None and int(mcid) < len(marked):
                marked[int(mcid)] = span


def same(first, second) -> bool:
    """True when two handles name the same indirect object."""
    return isinstance(first, Dictionary) and first.is_indirect and first.objgen == second.objgen


def form_elements(element, parent=None):
    """Every Form structure element under `element` with its parent, whose /K is an array."""
    kids = element.get("/K")
    for kid in kids if isinstance(kids, Array) else [kids] if kids is not None else []:
        if not isinstance(kid, Dictionary) or "/S" not in kid:
            continue
        if Name.Form == kid.S and isinstance(element.get("/K"), Array):
            yield kid, element
        yield from form_elements(kid, element)


def is_object_reference(kid) -> bool:
    return isinstance(kid, Dictionary) and kid.get("/Type") == Name.OBJR


def declare_fonts(pdf: pikepdf.Pdf, form: Dictionary) -> None:
    """The fonts the fields' default appearances name, in the form's resources (PDF 12.7.3.3):
    Helvetica for typed text, ZapfDingbats for the tick of a reader that redraws a box."""
    resources = form.get("/DR")
    resources = Dictionary() if resources is None else resources
    fonts = resources.get("/Font")
    fonts = Dictionary() if fonts is None else Dictionary(dict(fonts.items()))
    for name, base_font in STANDARD_FONTS.items():
        font = Dictionary(Type=Name.Font, Subtype=Name.Type1, BaseFont=Name(base_font))
        if name == TEXT_FONT:
            font.Encoding = Name.WinAnsiEncoding
        fonts[name] = pdf.make_indirect(font)
    resources.Font = pdf.make_indirect(fonts)
    form.DR = resources
    form.DA = String(TEXT_FIELD_LOOK)


def place_in_hierarchy(
    pdf: pikepdf.Pdf, widget: Dictionary, tag: str, parents: dict, top_level: Array
) -> None:
    """Name the field after its tag. A field's own name may not hold a period (PDF 12.7.3.2), so
    `answer/5.5.a/na` becomes a field `a/na` under `5` under `answer/5`: its fully qualified
    name, which PDF readers and pypdf show, is the tag itself."""
    parts = tag.split(".")
    widget.T = String(parts[-1])
    if len(parts) == 1:
        top_level.append(widget)
        return
    parent = None
    for depth in range(1, len(parts)):
        key = tuple(parts[:depth])
        if key not in parents:
            node = pdf.make_indirect(Dictionary(T=String(parts[depth - 1]), Kids=Array()))
            if parent is None:
                top_level.append(node)
            else:
                node.Parent = parent
                parent.Kids.append(node)
            parents[key] = node
        parent = parents[key]
    widget.Parent = parent
    parent.Kids.append(widget)


def normalise_checkbox(pdf: pikepdf.Pdf, widget: Dictionary) -> None:
    """States `/Yes` and `/Off` (LibreOffice names them after its glyphs), the tick drawn as
    lines (no font to find), and a default look naming a declared font for readers that redraw
    the box themselves."""
    left, bottom, right, top = (float(value) for value in widget.Rect)
    width, height = right - left, top - bottom
    states = Dictionary()
    states["/Off"] = appearance(pdf, width, height, b"")
    states[ON_STATE] = appearance(pdf, width, height, tick(width, height))
    widget.AP = Dictionary(N=states)
    widget.V = widget.AS = widget.DV = Name.Off
    widget.DA = String(BOX_LOOK)
    widget.MK = Dictionary(CA=String(ZAPF_CHECK))


def tick(width: float, height: float) -> bytes:
    """A check mark in a box of this size, as a stroked path."""
    points = [(width * x, height * y) for x, y in TICK_POINTS]
    (x0, y0), (x1, y1), (x2, y2) = points
    return (
        f"q {TICK_COLOUR} RG {width * 0.12:.2f} w 1 J 1 j "
        f"{x0:.2f} {y0:.2f} m {x1:.2f} {y1:.2f} l {x2:.2f} {y2:.2f} l S Q"
    ).encode()


def normalise_text_field(
    pdf: pikepdf.Pdf, widget: Dictionary, right: float, height: float | None
) -> None:
    """Empty (LibreOffice stores the placeholder as the value), black text, room to write: as
    wide as its cell, and as high as `height` when it is given."""
    widget.V = widget.DV = String("")
    widget.DA = String(TEXT_FIELD_LOOK)
    left, bottom, _, top = (float(value) for value in widget.Rect)
    if height:
        bottom = top - height
    widget.Rect = Array([left, bottom, right, top])
    # Empty, so that no reader shows the placeholder LibreOffice drew.
    widget.AP = Dictionary(N=appearance(pdf, right - left, top - bottom, b"/Tx BMC EMC"))


def appearance(pdf: pikepdf.Pdf, width: float, height: float, drawing: bytes) -> Stream:
    """An appearance stream of this size, as an object of its own: a stream may not sit inside
    a dictionary (PDF 7.3.8), which is what made MuPDF and qpdf refuse the form."""
    stream = Stream(pdf, drawing)
    stream.Type = Name.XObject
    stream.Subtype = Name.Form
    stream.BBox = Array([0, 0, width, height])
    stream.Resources = Dictionary()
    return pdf.make_indirect(stream)
