"""The quick reference's flowchart: shapes and arrows Word can edit, drawn from a table.

The template writes the flowchart's words as a table after a `⟪flowchart⟫` paragraph: each row
names a box (its first column) and gives one line of it, the first line of a box being its
heading; rows named `yes` and `no` give the words beside a decision's arrows. docxtpl fills the
table like any other, so the words stay in the template and the agency's values stay data. This
module then replaces the paragraph and the table by one drawing: a group (DrawingML `wpg`) of
shapes with text boxes (`wps`) and arrows, which Word edits as shapes and LibreOffice prints as
vectors. Texts go into the XML as element text, so lxml escapes them; nothing here is a
template.

The boxes are laid out here, in a fixed order (the response's path); a box the table leaves
out (no rows) is not drawn. Heights follow the text: each box is as tall as its lines need at
the type size, and the type gets smaller, down to a floor, only when the chart would not fit
on its page.
"""

from __future__ import annotations

import re
import textwrap
import zipfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm

from pipeline.locales import PAPER_MM
from pipeline.render import FILL_IN_OPEN

MARKER = "⟪flowchart⟫"
EMU = 914400  # per inch
WIDTH = 6.4  # inches: the narrower of the Letter and A4 text widths of the reference document
COLUMN = 3.0  # the main path's boxes and the branches beside them
GAP = 0.28  # between boxes, for an arrow
# Inches of the chart's page that the document's heading takes above it.
ABOVE_CHART = 0.8
# A decision's text sits in the diamond's middle half: one line of its heading fits this height;
# its step number stands in the corner outside the diamond.
DIAMOND_HEIGHT = 0.8
NUMBER_HYPHEN = re.compile(r"(?<=\d)-(?=\d)")
STEP_NUMBER = re.compile(r"^(\d+\.)\s+(.+)$")
EM_SHARE = 0.48  # Carlito's average character, as a share of the type size (a little over)
LINE_HEIGHT = 1.22  # single spacing, as a multiple of the type size
SIZES = ((12, 13), (11, 12.5), (10.5, 12))  # (text, heading) type sizes in points, largest first
INSET = 0.06
LINE_PT = 1.5  # of every outline and arrow
ALERT_LINE_PT = 3.0  # the emergency box stands out in black and white
# The main path, top to bottom; `beside` boxes hang off a decision on its right. A branch
# rejoins the path below its decision (`emergency`) or drops into the next full-width box
# (`report`, beside the adult's box).
PATH = ("notice", "private", "danger", "child", "adult", "document", "follow_up")
DECISIONS = {"danger": "emergency", "child": "report"}
SHAPES = {"notice": "roundRect", "danger": "diamond", "child": "diamond"}
RETURNING = ("emergency",)  # back to the main path; other branches drop into a full-width box
FULL_WIDTH = ("notice", "private", "document", "follow_up")
ALERT = ("emergency",)
# Rows of the table that name the answers written beside a decision's arrows, not boxes.
ANSWERS = ("yes", "no")
FIRST_SHAPE_ID = 1001


@dataclass
class Box:
    name: str
    lines: list[str]
    x: float = 0.0
    y: float = 0.0
    width: float = COLUMN
    height: float = 0.0
    shape: str = "rect"
    beside: Box | None = None

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def middle(self) -> float:
        return self.y + self.height / 2

    @property
    def centre(self) -> float:
        return self.x + self.width / 2


def draw_flowcharts(document, paper: str | None = None) -> None:
    """Replace each `⟪flowchart⟫` paragraph and the table after it by the drawing, as large
    as fits on a page of `paper` (the document's own paper size when None)."""
    section = document.sections[0]
    page = Mm(PAPER_MM[paper][1]) if paper in PAPER_MM else section.page_height
    room = (page - section.top_margin - section.bottom_margin) / EMU - ABOVE_CHART
    for paragraph in list(document.paragraphs):
        if not paragraph.text.startswith(MARKER):
            continue
        table = paragraph._p.getnext()
        if table is None or table.tag != qn("w:tbl"):
            continue
        description = paragraph.text.removeprefix(MARKER).strip()
        after = table.getnext()  # the templates' spacer after a table, not wanted here
        if after is not None and after.tag == qn("w:p") and not "".join(after.itertext()):
            after.getparent().remove(after)
        lines = table_lines(table)
        answers = {name: " ".join(lines.pop(name, [])) for name in ANSWERS}
        drawing = flowchart_paragraph(lines, answers, description, room)
        table.getparent().remove(table)
        paragraph._p.addprevious(drawing)
        paragraph._p.getparent().remove(paragraph._p)


def table_lines(table) -> dict[str, list[str]]:
    """Box name -> its lines, from the rendered table (empty lines left out)."""
    lines: dict[str, list[str]] = {}
    for row in table.iter(qn("w:tr")):
        cells = [
            " ".join("".join(t.text or "" for t in cell.iter(qn("w:t"))).split())
            for cell in row.iter(qn("w:tc"))
        ]
        if len(cells) >= 2 and cells[0] and cells[1]:
            lines.setdefault(cells[0], []).append(cells[1])
    return lines


def flowchart_paragraph(
    lines: dict[str, list[str]], answers: dict[str, str], description: str, room: float
):
    """One paragraph holding the whole chart, inline, in the largest type that fits `room`
    inches (the smallest type when none does); `answers` label the decisions' arrows."""
    for sizes in SIZES:
        boxes, height = layout(lines, sizes)
        if height <= room:
            break
    return drawing_paragraph(boxes, answers, height, sizes, description)


def layout(lines: dict[str, list[str]], sizes: tuple[float, float]) -> tuple[list[Box], float]:
    """The boxes with their places; the chart's height (inches)."""
    path = [Box(name, lines[name]) for name in PATH if name in lines]
    for box in path:
        box.shape = SHAPES.get(box.name, "rect")
        box.width = WIDTH if box.name in FULL_WIDTH else COLUMN
        box.height = box_height(box, sizes)
        if (branch := DECISIONS.get(box.name)) in lines:
            box.beside = Box(branch, lines[branch], x=WIDTH - COLUMN)
            box.beside.height = box_height(box.beside, sizes)
    y = 0.0
    for index, box in enumerate(path):
        for earlier in path[:index]:
            branch = earlier.beside
            if branch is None:
                continue
            returning = branch.name in RETURNING and path[index - 1] is earlier
            column_needed = box.width == WIDTH or box.beside is not None
            if returning or column_needed:
                y = max(y, branch.bottom + GAP)
        box.y = y
        if box.beside is not None:
            shorter = box.beside.height < box.height
            box.beside.y = box.middle - box.beside.height / 2 if shorter else box.y
        y = box.bottom + GAP
    bottoms = [box.bottom for box in path] + [b.beside.bottom for b in path if b.beside]
    return path, max(bottoms, default=0.0)


def box_height(box: Box, sizes: tuple[float, float]) -> float:
    """Inches for the box's lines at these sizes (wrapped by an estimate of the type's width)."""
    text_pt, heading_pt = sizes
    if box.shape == "diamond":
        return DIAMOND_HEIGHT
    inner = (box.width - 2 * INSET) * 72
    total = 0.0
    for index, line in enumerate(box.lines):
        size = heading_pt if index == 0 else text_pt
        per_line = max(8, int(inner / (size * EM_SHARE)))
        count = len(textwrap.wrap(line, per_line)) or 1
        total += count * size * LINE_HEIGHT / 72
    return round(total + 2 * INSET + 0.04, 3)


def emu(inches: float) -> int:
    return int(round(inches * EMU))


WPS = "http://schemas.microsoft.com/office/word/2010/wordprocessingShape"
WPG = "http://schemas.microsoft.com/office/word/2010/wordprocessingGroup"
NAMESPACES = f'{nsdecls("w", "wp", "a")} xmlns:wps="{WPS}" xmlns:wpg="{WPG}"'


def q(name: str) -> str:
    """qn for the drawing's prefixes too (python-docx knows neither wps nor wpg)."""
    prefix, local = name.split(":")
    return f"{{{WPS if prefix == 'wps' else WPG}}}{local}" if prefix in ("wps", "wpg") else qn(name)


def drawing_paragraph(
    boxes: list[Box], answers: dict[str, str], height: float, sizes: tuple[float, float], alt: str
):
    """The chart as an inline group of shapes in a paragraph of its own."""
    cx, cy = emu(WIDTH), emu(height)
    paragraph = parse_xml(
        f"<w:p {NAMESPACES}><w:pPr><w:spacing w:before='0' w:after='120'/>"
        "<w:jc w:val='center'/></w:pPr><w:r><w:drawing>"
        f"<wp:inline distT='0' distB='0' distL='0' distR='0'><wp:extent cx='{cx}' cy='{cy}'/>"
        "<wp:effectExtent l='0' t='0' r='0' b='0'/>"
        "<wp:docPr id='1' name='Flowchart'/><wp:cNvGraphicFramePr/>"
        "<a:graphic><a:graphicData "
        f"uri='{WPG}'><wpg:wgp>"
        "<wpg:cNvGrpSpPr/><wpg:grpSpPr><a:xfrm><a:off x='0' y='0'/>"
        f"<a:ext cx='{cx}' cy='{cy}'/><a:chOff x='0' y='0'/><a:chExt cx='{cx}' cy='{cy}'/>"
        "</a:xfrm></wpg:grpSpPr></wpg:wgp></a:graphicData></a:graphic></wp:inline>"
        "</w:drawing></w:r></w:p>"
    )
    paragraph.find(f".//{qn('wp:docPr')}").set("descr", alt)
    group = paragraph.find(f".//{q('wpg:wgp')}")
    shapes = list(chart_shapes(boxes, answers, sizes))
    # Shape ids apart from the drawings' own ids (pipeline.bundle numbers those 1, 2, ...).
    for number, shape in enumerate(shapes, start=FIRST_SHAPE_ID):
        shape.find(q("wps:cNvPr")).set("id", str(number))
        group.append(shape)
    return paragraph


def chart_shapes(boxes: list[Box], answers: dict[str, str], sizes: tuple[float, float]):
    """Boxes, then the arrows and their Yes/No labels between them."""
    for box in boxes:
        yield box_shape(box, sizes)
        if box.shape == "diamond" and (numbered := STEP_NUMBER.match(box.lines[0])):
            yield label(numbered.group(1), box.x + 0.1, box.y + 0.02, sizes[1])
        if box.beside is not None:
            yield box_shape(box.beside, sizes)
    for above, below in zip(boxes, boxes[1:], strict=False):
        x = COLUMN / 2
        yield arrow(x, above.bottom, x, below.y)
        if above.shape == "diamond" and answers["no"]:
            yield label(answers["no"], x + 0.08, above.bottom, sizes[0])
    for box in boxes:
        branch = box.beside
        if branch is None:
            continue
        yield arrow(box.x + box.width, box.middle, branch.x, box.middle)
        if answers["yes"]:
            yield label(answers["yes"], box.x + box.width + 0.02, box.middle - 0.3, sizes[0])
        below = boxes[boxes.index(box) + 1 :]
        if branch.name not in RETURNING:
            target = next((b for b in below if b.width == WIDTH), None)
            if target is not None:
                yield arrow(branch.centre, branch.bottom, branch.centre, target.y)
        elif below:
            # Back to the main path, above the next box: down, then left to its arrow.
            level = below[0].y - GAP / 2
            yield line(branch.centre, branch.bottom, branch.centre, level)
            yield arrow(branch.centre, level, COLUMN / 2, level)


def box_shape(box: Box, sizes: tuple[float, float]):
    text_pt, heading_pt = sizes
    weight = ALERT_LINE_PT if box.name in ALERT else LINE_PT
    diamond = box.shape == "diamond"
    inset = 0 if diamond else emu(INSET)
    shape = parse_xml(
        f"<wps:wsp {NAMESPACES}><wps:cNvPr id='0' name='{box.name}'/><wps:cNvSpPr/>"
        f"<wps:spPr><a:xfrm><a:off x='{emu(box.x)}' y='{emu(box.y)}'/>"
        f"<a:ext cx='{emu(box.width)}' cy='{emu(box.height)}'/></a:xfrm>"
        f"<a:prstGeom prst='{box.shape}'><a:avLst/></a:prstGeom>"
        "<a:solidFill><a:srgbClr val='FFFFFF'/></a:solidFill>"
        f"<a:ln w='{int(weight * 12700)}'><a:solidFill><a:srgbClr val='000000'/></a:solidFill>"
        "</a:ln></wps:spPr><wps:txbx><w:txbxContent/></wps:txbx>"
        "<wps:bodyPr rot='0' vert='horz' wrap='square' "
        f"lIns='{inset}' tIns='{inset}' rIns='{inset}' bIns='{inset}' "
        "anchor='ctr' anchorCtr='0'><a:noAutofit/></wps:bodyPr></wps:wsp>"
    )
    content = shape.find(f".//{qn('w:txbxContent')}")
    lines = list(box.lines)
    if diamond and (numbered := STEP_NUMBER.match(lines[0])):
        lines[0] = numbered.group(2)
    for index, text in enumerate(lines):
        heading = index == 0
        content.append(
            text_paragraph(text, heading_pt if heading else text_pt, heading, heading or diamond)
        )
    return shape


def text_paragraph(text: str, size: float, bold: bool, centred: bool):
    half_points = int(round(size * 2))
    paragraph = parse_xml(
        f"<w:p {NAMESPACES}><w:pPr><w:spacing w:before='0' w:after='0' w:line='240' "
        f"w:lineRule='auto'/><w:jc w:val='{'center' if centred else 'left'}'/></w:pPr>"
        f"<w:r><w:rPr>{'<w:b/>' if bold else ''}<w:color w:val='000000'/>"
        f"<w:sz w:val='{half_points}'/><w:szCs w:val='{half_points}'/></w:rPr>"
        "</w:r></w:p>"
    )
    run = paragraph.find(qn("w:r"))
    # A phone number stays on one line: its hyphens do not break, nor the space after "(555)".
    # (Not in a line with a blank packet's fill-in field, whose run is split to highlight it.)
    pieces = [text] if FILL_IN_OPEN in text else NUMBER_HYPHEN.split(text.replace(") ", ")\u00a0"))
    for index, piece in enumerate(pieces):
        if index:
            run.append(parse_xml(f"<w:noBreakHyphen {nsdecls('w')}/>"))
        element = parse_xml(f"<w:t {nsdecls('w')} xml:space='preserve'/>")
        element.text = piece  # element text: escaped by lxml
        run.append(element)
    return paragraph


def line_text(paragraph) -> str:
    """A line of a box as it reads (non-breaking hyphens and spaces as plain ones)."""
    pieces = [
        "-" if node.tag == qn("w:noBreakHyphen") else node.text or ""
        for node in paragraph.iter(qn("w:t"), qn("w:noBreakHyphen"))
    ]
    return "".join(pieces).replace("\u00a0", " ")


def connector(x1: float, y1: float, x2: float, y2: float, arrowhead: bool):
    """A straight line from (x1, y1) to (x2, y2), its arrowhead (if any) at the second point."""
    flip = (" flipH='1'" if x2 < x1 else "") + (" flipV='1'" if y2 < y1 else "")
    end = "<a:tailEnd type='triangle' w='med' len='med'/>" if arrowhead else ""
    return parse_xml(
        f"<wps:wsp {NAMESPACES}><wps:cNvPr id='0' name='Arrow'/><wps:cNvCnPr/>"
        f"<wps:spPr><a:xfrm{flip}><a:off x='{emu(min(x1, x2))}' y='{emu(min(y1, y2))}'/>"
        f"<a:ext cx='{emu(abs(x2 - x1))}' cy='{emu(abs(y2 - y1))}'/></a:xfrm>"
        "<a:prstGeom prst='straightConnector1'><a:avLst/></a:prstGeom><a:noFill/>"
        f"<a:ln w='{int(LINE_PT * 12700)}'><a:solidFill><a:srgbClr val='000000'/></a:solidFill>"
        f"{end}</a:ln></wps:spPr><wps:bodyPr/></wps:wsp>"
    )


def arrow(x1: float, y1: float, x2: float, y2: float):
    return connector(x1, y1, x2, y2, arrowhead=True)


def line(x1: float, y1: float, x2: float, y2: float):
    return connector(x1, y1, x2, y2, arrowhead=False)


def label(text: str, x: float, y: float, size: float):
    """A word beside an arrow, in a text box without outline or fill."""
    shape = parse_xml(
        f"<wps:wsp {NAMESPACES}><wps:cNvPr id='0' name='Label'/><wps:cNvSpPr txBox='1'/>"
        f"<wps:spPr><a:xfrm><a:off x='{emu(x)}' y='{emu(y)}'/>"
        f"<a:ext cx='{emu(0.45)}' cy='{emu(0.28)}'/></a:xfrm>"
        "<a:prstGeom prst='rect'><a:avLst/></a:prstGeom><a:noFill/><a:ln><a:noFill/></a:ln>"
        "</wps:spPr><wps:txbx><w:txbxContent/></wps:txbx>"
        "<wps:bodyPr rot='0' vert='horz' wrap='none' lIns='0' tIns='0' rIns='0' bIns='0' "
        "anchor='t'><a:noAutofit/></wps:bodyPr></wps:wsp>"
    )
    shape.find(f".//{qn('w:txbxContent')}").append(text_paragraph(text, size, True, False))
    return shape


def chart_texts(element) -> list[str]:
    """The lines of the charts' boxes under `element` (a document body), in order; the copy
    for older readers that LibreOffice adds on saving (`mc:Fallback`) left out."""
    return [
        line_text(paragraph)
        for box in element.iter(qn("w:txbxContent"))
        if not any(parent.tag == FALLBACK for parent in box.iterancestors())
        for paragraph in box.iter(qn("w:p"))
    ]


FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"


@cache
def has_chart(template: Path) -> bool:
    """True when the template draws a flowchart."""
    with zipfile.ZipFile(template) as package:
        return MARKER.encode() in package.read("word/document.xml")
