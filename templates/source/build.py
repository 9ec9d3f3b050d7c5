"""Builds the docxtpl templates in pipeline/templates/ from the plain-text sources beside this file.

The sources hold the templates' wording, reviewable in a diff; the look comes from one reference
document, pipeline/templates/reference.docx (styles, page size and margins, header and footer
styles), which the builder starts every template from and never changes. Restyle the reference
in Word, not the built templates: `make templates` rebuilds them from the sources. A packet can
also take another reference at build time (`packet bundle --style FILE.docx`).

Source syntax, one block per line:
  # / ## / ###  heading 1-3          - / "  -"  bullet, nested bullet     1.  numbered item
  > text        callout box
  | a | b |     table row (the first row is the header)
  !title / !subtitle / !small text   !pagebreak   !toc   !header text   !footer text
  !table widths=2,3,3 [noheader]  (before a table)
  !landscape / !portrait          (start a new section)
  {%p ... %} / {%tr ... %} / {%tc ... %}  docxtpl tags, kept as they are
Inline: **bold**, [[fill-in text]] (highlighted, for facts the agency must still supply),
        [x{expr}] a Word checkbox ticked when the Jinja expression is true.
Form controls, each named by a tag (Jinja allowed) that `packet ingest` reads back:
        [box{tag}] an empty checkbox, [text{tag}{placeholder}] a one-line text field,
        [textarea{tag}{placeholder}] a text field of several lines, [ref{tag}{expr}] a locked
        field holding the Jinja expression's value (the form's reference).
Text in another language: [lang{code}{text}] the Jinja expression `text` (**text** for bold) in
        a run of the language the expression `code` gives (BCP 47, such as es), when it gives one.
Links within the document: [mark{expr}] a bookmark, where `expr` has `name` and `id` (ids unique
        in the document); [link{name}{text}] the text, linked to the bookmark the Jinja
        expression `name` names (Word and LibreOffice's PDF export both follow it).
!table options: `text` lays the rows out as text, not as a table: one boxed paragraph a row, its
        cells at tab stops (labelled fields, lists of checkboxes: a screen reader reads a table
        as data, by its header row, and PDF/UA-1 gives every table header cells); `noheader`
        (only for a table that is not read as data, outside the forms), `rows=0.9` for rows
        at least 0.9 inch high (room to write), `keep` to keep the table on one page with the
        paragraph before it and the one after it, `split` to let a long row run on to the next
        page (rows are otherwise kept whole).
A table cell of its own: [bar{fraction}{alert}] a bar filling `fraction` (0 to 1) of the cell,
        red when `alert` is true (paragraph shading, so Word and LibreOffice draw it as text).
"""

from __future__ import annotations

import re
import sys
import zipfile
from datetime import date
from pathlib import Path

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Inches

SOURCE_DIR = Path(__file__).parent
TEMPLATE_DATE = "2026-01-01"
TEMPLATE_DIR = SOURCE_DIR.parent.parent / "pipeline" / "templates"

# Every style (fonts, sizes, colours, spacing, the callout's box), the page size, the margins and
# the look of headers and footers come from the reference document; only these fills of table
# cells and rating bars are not styles, and stay here.
REFERENCE = TEMPLATE_DIR / "reference.docx"
# pipeline/style.py checks a reference document's text colours against HEADER_FILL too
# (tests/test_style.py keeps the two equal); all three meet WCAG AA contrast.
HEADER_FILL = "DCE6F0"
BAR_HEX = "1B4F72"
ALERT_HEX = "C0392B"
INLINE = re.compile(
    r"(\*\*.+?\*\*|\[\[.+?\]\]|\[x\{.+?\}\]|\[box\{.+?\}\]|\[mark\{.+?\}\]"
    r"|\[(?:text|textarea|ref|link|lang)\{.+?\}\{.+?\}\])"
)
LANGUAGE = re.compile(r"^\[lang\{(.+?)\}\{(.+)\}\]$")
CONTROL = re.compile(r"^\[(text|textarea|ref)\{(.+?)\}\{(.+)\}\]$")
LINK = re.compile(r"^\[link\{(.+?)\}\{(.+)\}\]$")
PLACEHOLDER_HEX = "6B7280"
BAR = re.compile(r"^\[bar\{(.+?)\}\{(.+?)\}\]$")
CELL_MARGINS_TWIPS = 216  # the default (Normal Table) left and right cell margins together
GRID_LINES = ("top", "left", "bottom", "right", "insideH", "insideV")
# Rows laid out as text: each row boxed by paragraph borders (points between line and text;
# the `between` line keeps LibreOffice from joining the rows' boxes into one), the text inset
# from the box's sides as a table cell's is.
TEXT_ROW_LINES = (("top", 1), ("left", 4), ("bottom", 1), ("right", 4), ("between", 1))
TEXT_ROW_INSET = 108


def add_field(paragraph, instruction: str, placeholder: str = "") -> None:
    """A Word field (PAGE, NUMPAGES, TOC ...) with a cached placeholder result."""

    def fld(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            element.set(qn("w:dirty"), "true")
        run._r.append(element)

    fld("begin")
    run = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    run._r.append(text)
    fld("separate")
    paragraph.add_run(placeholder)
    fld("end")


def add_checkbox(paragraph, expression: str) -> None:
    """A content-control checkbox Word can tick; ticked at render time when `expression` is true."""
    checked = f"{{{{ 1 if ({expression}) else 0 }}}}"
    glyph = f"{{{{ '\u2612' if ({expression}) else '\u2610' }}}}"
    xml = (
        f'<w:sdt {nsdecls("w")} xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml">'
        "<w:sdtPr><w14:checkbox>"
        f'<w14:checked w14:val="{checked}"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
        "</w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:rPr>"
        '<w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" '
        'w:hint="eastAsia"/>'
        f'<w:sz w:val="22"/></w:rPr><w:t>{glyph}</w:t></w:r></w:sdtContent></w:sdt>'
    )
    paragraph._p.append(parse_xml(xml))


def add_form_checkbox(paragraph, tag: str) -> None:
    """An empty checkbox named by `tag` (its alias too: LibreOffice names PDF fields by alias)."""
    xml = (
        f'<w:sdt {nsdecls("w")} xmlns:w14="http://schemas.microsoft.com/office/word/2010/wordml">'
        f'<w:sdtPr><w:alias w:val="{tag}"/><w:tag w:val="{tag}"/><w14:checkbox>'
        '<w14:checked w14:val="0"/>'
        '<w14:checkedState w14:val="2612" w14:font="MS Gothic"/>'
        '<w14:uncheckedState w14:val="2610" w14:font="MS Gothic"/>'
        "</w14:checkbox></w:sdtPr><w:sdtContent><w:r><w:rPr>"
        '<w:rFonts w:ascii="MS Gothic" w:eastAsia="MS Gothic" w:hAnsi="MS Gothic" '
        'w:hint="eastAsia"/>'
        '<w:sz w:val="24"/></w:rPr><w:t>\u2610</w:t></w:r></w:sdtContent></w:sdt>'
    )
    paragraph._p.append(parse_xml(xml))


def add_text_control(paragraph, kind: str, tag: str, text: str) -> None:
    """A plain-text field named by `tag`: empty with a grey placeholder, or locked with a value."""
    if kind == "ref":
        state, content = '<w:lock w:val="sdtContentLocked"/>', f"{{{{ {text} }}}}"
        look = ""
    else:
        state, content = "<w:showingPlcHdr/>", text
        look = f'<w:color w:val="{PLACEHOLDER_HEX}"/>'
    lines = ' w:multiLine="1"' if kind == "textarea" else ""
    xml = (
        f'<w:sdt {nsdecls("w")}><w:sdtPr><w:alias w:val="{tag}"/><w:tag w:val="{tag}"/>'
        f"{state}<w:text{lines}/></w:sdtPr><w:sdtContent>"
        f'<w:r><w:rPr>{look}</w:rPr><w:t xml:space="preserve">{content}</w:t></w:r>'
        "</w:sdtContent></w:sdt>"
    )
    paragraph._p.append(parse_xml(xml))


def add_bookmark(paragraph, expression: str) -> None:
    """A bookmark at this point, named and numbered by the Jinja expression's `name` and `id`."""
    number, name = f"{{{{ ({expression}).id }}}}", f"{{{{ ({expression}).name }}}}"
    paragraph._p.append(
        parse_xml(f'<w:bookmarkStart {nsdecls("w")} w:id="{number}" w:name="{name}"/>')
    )
    paragraph._p.append(parse_xml(f'<w:bookmarkEnd {nsdecls("w")} w:id="{number}"/>'))


def add_link(paragraph, target: str, text: str) -> None:
    """`text` linked to the bookmark named by `target` (both Jinja expressions)."""
    xml = (
        f'<w:hyperlink {nsdecls("w")} w:anchor="{{{{ {target} }}}}" w:history="1"><w:r><w:rPr>'
        '<w:rStyle w:val="Hyperlink"/></w:rPr>'
        f'<w:t xml:space="preserve">{{{{ {text} }}}}</w:t></w:r></w:hyperlink>'
    )
    paragraph._p.append(parse_xml(xml))


def add_language_run(paragraph, language: str, text: str) -> None:
    """The Jinja expression `text` (bold when written **text**) in a run whose language is the
    expression `language`'s when it has one (a Spanish description in an English packet):
    Word's w:lang, which LibreOffice's PDF export writes as the text's /Lang."""
    bold = text.startswith("**") and text.endswith("**")
    expression = text[2:-2] if bold else text
    xml = (
        f"<w:r {nsdecls('w')}><w:rPr>{'<w:b/>' if bold else ''}"
        f'{{% if {language} %}}<w:lang w:val="{{{{ {language} }}}}"/>{{% endif %}}</w:rPr>'
        f'<w:t xml:space="preserve">{{{{ {expression} }}}}</w:t></w:r>'
    )
    paragraph._p.append(parse_xml(xml))


def add_bar(paragraph, fraction: str, alert: str, width: float) -> None:
    """A horizontal bar: a shaded paragraph, indented from the right by the share not filled."""
    twips = int(width * 1440) - CELL_MARGINS_TWIPS
    fill = f"{{% if ({alert}) %}}{ALERT_HEX}{{% else %}}{BAR_HEX}{{% endif %}}"
    shading = f"{{% if ({fraction}) %}}{fill}{{% else %}}auto{{% endif %}}"
    indent = f"{{{{ ((1 - ({fraction})) * {twips})|round|int }}}}"
    properties = paragraph._p.get_or_add_pPr()
    properties.append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{shading}"/>')
    )
    properties.append(parse_xml(f'<w:ind {nsdecls("w")} w:left="0" w:right="{indent}"/>'))


def add_inline(paragraph, text: str) -> None:
    for piece in INLINE.split(text):
        if not piece:
            continue
        if piece.startswith("**"):
            paragraph.add_run(piece[2:-2]).bold = True
        elif piece.startswith("[["):
            paragraph.add_run(f"[{piece[2:-2]}]", style="Fill In")
        elif piece.startswith("[x{"):
            add_checkbox(paragraph, piece[3:-2])
        elif piece.startswith("[box{"):
            add_form_checkbox(paragraph, piece[5:-2])
        elif piece.startswith("[mark{"):
            add_bookmark(paragraph, piece[6:-2])
        elif link := LINK.match(piece):
            add_link(paragraph, *link.groups())
        elif language := LANGUAGE.match(piece):
            add_language_run(paragraph, *language.groups())
        elif control := CONTROL.match(piece):
            add_text_control(paragraph, *control.groups())
        else:
            paragraph.add_run(piece)


def shade(cell, fill: str) -> None:
    cell._tc.get_or_add_tcPr().append(
        parse_xml(f'<w:shd {nsdecls("w")} w:val="clear" w:color="auto" w:fill="{fill}"/>')
    )


def draw_grid(table) -> None:
    """Thin lines around and between cells, as the table's own formatting, not a table style.

    LibreOffice applies a table style cell by cell as it imports a document: that was half of its
    import time for a bundle with a 2,000-entry directory. The page looks the same either way.
    """
    lines = "".join(
        f'<w:{line} w:val="single" w:sz="4" w:space="0" w:color="auto"/>' for line in GRID_LINES
    )
    borders = parse_xml(f"<w:tblBorders {nsdecls('w')}>{lines}</w:tblBorders>")
    table._tbl.tblPr.insert_element_before(
        borders, "w:shd", "w:tblLayout", "w:tblCellMar", "w:tblLook", "w:tblCaption"
    )


def repeat_header(row) -> None:
    row._tr.get_or_add_trPr().append(parse_xml(f"<w:tblHeader {nsdecls('w')}/>"))


def keep_row_together(row) -> None:
    """A row moves to the next page whole: no entry starts on one page and ends on the next."""
    row._tr.get_or_add_trPr().append(parse_xml(f"<w:cantSplit {nsdecls('w')}/>"))


def usable_width(document) -> float:
    section = document.sections[-1]
    return (section.page_width - section.left_margin - section.right_margin) / 914400


def table_cells(line: str) -> list[str]:
    """Split `| a | {{ x|filter }} |` on the pipes outside Jinja tags."""
    text = line.strip()[1:-1]
    cells, current, depth, position = [], "", 0, 0
    while position < len(text):
        pair = text[position : position + 2]
        if pair in ("{{", "{%", "}}", "%}"):
            # A pair is read once: in `{{ x }}}` the third brace closes a form control's tag.
            depth += 1 if pair[0] == "{" else -1
            current += pair
            position += 2
            continue
        if text[position] == "|" and depth == 0:
            cells.append(current.strip())
            current = ""
        else:
            current += text[position]
        position += 1
    return [*cells, current.strip()]


def keep_introduction(document) -> None:
    """The paragraph that introduces a table stays on the table's page ("Who is called, and
    when:"), and so do the template tags and small notes between them."""
    for paragraph in reversed(document.paragraphs):
        if paragraph.style.name == "Table Text":
            return  # rows laid out as text end here: a loop would repeat what its last row keeps
        paragraph.paragraph_format.keep_with_next = True
        between = paragraph.text.startswith("{%p") or paragraph.style.name == "Small"
        if not between:
            return


def add_table(
    document,
    rows: list[list[str]],
    widths: list[float] | None,
    header: bool,
    row_inches: float | None = None,
    keep: bool = False,
    split: bool = False,
) -> None:
    columns = max(len(row) for row in rows)
    keep_introduction(document)
    table = document.add_table(rows=0, cols=columns)
    draw_grid(table)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    weights = widths or [1.0] * columns
    total = usable_width(document)
    inches = [total * w / sum(weights) for w in weights]
    for index, cells in enumerate(rows):
        row = table.add_row()
        if not split:
            keep_row_together(row)
        if len(cells) == 1 and columns > 1:
            row.cells[0].merge(row.cells[-1])
        for position, text in enumerate(cells):
            paragraph = row.cells[position].paragraphs[0]
            paragraph.style = document.styles["Table Text"]
            if keep:  # Word keeps a row with the next one, the last row with what follows
                paragraph.paragraph_format.keep_with_next = True
            if bar := BAR.match(text):
                add_bar(paragraph, *bar.groups(), inches[position])
            else:
                add_inline(paragraph, text)
            if index == 0 and header:
                shade(row.cells[position], HEADER_FILL)
                for run in paragraph.runs:
                    run.bold = True
                # Never alone at the foot of a page: there it would be read once, and its
                # repetition on the next page, above the rows, is an artifact readers skip.
                paragraph.paragraph_format.keep_with_next = True
        if index == 0 and header:
            repeat_header(row)
        if len(cells) == 1 and columns > 1:  # a group's heading row stays with its first row
            row.cells[0].paragraphs[0].paragraph_format.keep_with_next = True
        if not any(cells):
            row.height = Inches(0.36)  # an empty row is a line to write on
        elif row_inches and not (index == 0 and header):
            row.height = Inches(row_inches)
    # LibreOffice lays columns out from the grid, Word from the cells: set both.
    table.autofit = False
    for column, width in zip(table._tbl.tblGrid.gridCol_lst, inches, strict=False):
        column.w = Inches(width)
    for row in table.rows:
        for position, cell in enumerate(row.cells[: len(inches)]):
            cell.width = Inches(inches[position])
    document.add_paragraph(style="Small")


def add_text_rows(
    document, rows: list[list[str]], widths: list[float], row_inches: float | None, keep: bool
) -> None:
    """Rows laid out as text (the `text` option): a paragraph a row, its cells at tab stops at
    the columns' left edges and its last cell's lines aligned under its first, the block boxed
    with lines between rows as the table was. A row of one cell in bold is a group's heading;
    a row holding only a template tag (`{%tr for ... %}`) becomes a paragraph's tag."""
    keep_introduction(document)
    total = usable_width(document)
    edges = [total * sum(widths[:i]) / sum(widths) for i in range(1, len(widths))]
    for cells in rows:
        if len(cells) == 1 and cells[0].startswith("{%tr"):
            document.add_paragraph("{%p" + cells[0].removeprefix("{%tr"))
            continue
        paragraph = document.add_paragraph(style="Table Text")
        paragraph.paragraph_format.keep_together = True
        if keep or len(cells) == 1:
            paragraph.paragraph_format.keep_with_next = True
        add_inline(paragraph, "\t".join(cells))
        properties = paragraph._p.get_or_add_pPr()
        hang = int(edges[len(cells) - 2] * 1440) if len(cells) > 1 else 0
        stops = "".join(  # from the text column's edge, as Word and LibreOffice count them
            f'<w:tab w:val="left" w:pos="{int(edge * 1440) + TEXT_ROW_INSET}"/>'
            for edge in edges[: len(cells) - 1]
        )
        lines = "".join(
            f'<w:{side} w:val="single" w:sz="4" w:space="{space}" w:color="auto"/>'
            for side, space in TEXT_ROW_LINES
        )
        height = int((row_inches or 0) * 1440)
        spacing = f'<w:spacing w:before="0" w:after="0" w:line="{height}" w:lineRule="atLeast"/>'
        layout = parse_xml(
            f"<w:pPr {nsdecls('w')}><w:pBdr>{lines}</w:pBdr>"
            f"{'<w:tabs>' + stops + '</w:tabs>' if stops else ''}{spacing}"
            f'<w:ind w:left="{hang + TEXT_ROW_INSET}" w:right="{TEXT_ROW_INSET}" '
            f'w:hanging="{hang}"/></w:pPr>'
        )
        properties.extend(list(layout))
    document.add_paragraph(style="Small")


def header_footer(section, header: str, footer: str) -> None:
    section.different_first_page_header_footer = header.startswith("cover:")
    header = header.removeprefix("cover:")
    add_inline(section.header.paragraphs[0], header)
    paragraph = section.footer.paragraphs[0]
    add_inline(paragraph, f"{footer}    Page ")
    add_field(paragraph, "PAGE", "1")
    paragraph.add_run(" of ")
    add_field(paragraph, "NUMPAGES", "1")


def new_section(document, landscape: bool) -> None:
    """A new section, or the first one turned if nothing has been written yet."""
    section = document.add_section() if document.paragraphs else document.sections[0]
    width, height = sorted((section.page_width, section.page_height), reverse=landscape)
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = width, height


def start_from_reference():
    """The reference document emptied: its styles, page setup and header/footer parts, no text."""
    document = Document(REFERENCE)
    body = document.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    for part in (document.sections[0].header, document.sections[0].footer):
        for paragraph in part.paragraphs[1:]:
            paragraph._p.getparent().remove(paragraph._p)
        for child in list(part.paragraphs[0]._p):
            if child.tag != qn("w:pPr"):
                part.paragraphs[0]._p.remove(child)
    return document


def build(source: Path, target: Path) -> None:
    document = start_from_reference()
    lines = source.read_text(encoding="utf-8").splitlines()
    header = footer = ""
    table: list[list[str]] = []
    widths: list[float] | None = None
    table_header = True
    row_inches: float | None = None
    keep_table = split_rows = as_text = False
    for line in lines + [""]:
        if table and not line.startswith("|") and as_text:
            add_text_rows(document, table, widths or [1.0], row_inches, keep_table)
        elif table and not line.startswith("|"):
            add_table(document, table, widths, table_header, row_inches, keep_table, split_rows)
        if table and not line.startswith("|"):
            table, widths, table_header, row_inches = [], None, True, None
            keep_table = split_rows = as_text = False
        if not line.strip() or line.startswith("//"):
            continue
        if line.startswith("|"):
            table.append(table_cells(line))
        elif line.startswith("!table"):
            options = line.split()[1:]
            table_header = "noheader" not in options
            heights = [o.removeprefix("rows=") for o in options if o.startswith("rows=")]
            row_inches = float(heights[0]) if heights else None
            keep_table = "keep" in options
            split_rows = "split" in options
            as_text = "text" in options
            widths = [float(w) for w in options[0].removeprefix("widths=").split(",")]
        elif line.startswith("!header "):
            header = line[8:]
        elif line.startswith("!footer "):
            footer = line[8:]
        elif line.startswith("!pagebreak"):
            document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        elif line.startswith("!toc"):
            add_field(
                document.add_paragraph(),
                'TOC \\o "1-2" \\h \\z \\u',
                "Right-click and choose Update Field to list the contents.",
            )
        elif line.startswith(("!landscape", "!portrait")):
            new_section(document, line.startswith("!landscape"))
        elif line.startswith(("!title ", "!subtitle ", "!small ")):
            name, text = line[1:].split(" ", 1)
            add_inline(
                document.add_paragraph(
                    style={"title": "Title", "subtitle": "Subtitle", "small": "Small"}[name]
                ),
                text,
            )
        elif line.startswith("#"):
            level = len(line) - len(line.lstrip("#"))
            add_inline(document.add_paragraph(style=f"Heading {level}"), line[level:].strip())
        elif line.startswith("  - "):
            add_inline(document.add_paragraph(style="List Bullet 2"), line[4:])
        elif line.startswith("- "):
            add_inline(document.add_paragraph(style="List Bullet"), line[2:])
        elif re.match(r"^\d+\. ", line):
            add_inline(document.add_paragraph(style="List Number"), line.split(" ", 1)[1])
        elif line.startswith("> "):
            add_inline(document.add_paragraph(style="Callout"), line[2:])
        else:
            add_inline(document.add_paragraph(), line)
    if header or footer:
        # Later sections inherit the first section's header and footer.
        header_footer(document.sections[0], header, footer)
    document.save(target)
    freeze(target)


def freeze(path: Path) -> None:
    """Fixed zip timestamps: rebuilding unchanged sources gives unchanged files."""
    stamp = (*date.fromisoformat(TEMPLATE_DATE).timetuple()[:3], 12, 0, 0)
    with zipfile.ZipFile(path) as source:
        entries = [(info.filename, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in entries:
            entry = zipfile.ZipInfo(name, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            target.writestr(entry, data)


def main(arguments: list[str]) -> None:
    """`build.py [--out DIR] [NAME ...]`: every template, or the named ones, into DIR."""
    out = TEMPLATE_DIR
    if arguments[:1] == ["--out"]:
        out, arguments = Path(arguments[1]), arguments[2:]
    sources = [SOURCE_DIR / f"{name}.txt" for name in arguments] or sorted(SOURCE_DIR.glob("*.txt"))
    for source in sources:
        target = out / f"{source.stem}.docx"
        build(source, target)
        print(f"built {target}")


if __name__ == "__main__":
    main(sys.argv[1:])
