"""LibreOffice Calc spreadsheets (.ods), read with odfpy after a bounded scan of their XML."""

from __future__ import annotations

import zipfile
from pathlib import Path
from xml.sax import SAXException

from lxml import etree

from pipeline.errors import Problem
from pipeline.sheets.files import check_supplied
from pipeline.sheets.grid import Grid, cell_text, choose_sheet, sheet_note, shown
from pipeline.sheets.limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_ROWS,
    inflated_size_problem,
    too_far,
    too_many_cells,
)

TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
TABLE, ROW = f"{{{TABLE_NS}}}table", f"{{{TABLE_NS}}}table-row"
CELL, COVERED = f"{{{TABLE_NS}}}table-cell", f"{{{TABLE_NS}}}covered-table-cell"
KIND = "a LibreOffice Calc spreadsheet (.ods)"
MAX_SCANNED = 2_000_000


class _Stop(Exception):
    def __init__(self, problem: Problem):
        self.problem = problem


def read_ods(path: Path, display: str, prefer: tuple[str, ...]) -> tuple[Grid | None, list]:
    """The sheet a person sees of an .ods spreadsheet, as text cells, within the limits."""
    problems = check_supplied(path, display, "a zip package", KIND)
    if problems:
        return None, problems
    try:
        with zipfile.ZipFile(path) as archive:
            if problem := inflated_size_problem(archive, display):
                return None, [problem]
            with archive.open("content.xml") as source:
                extents = scan(source, display)
    except _Stop as stop:
        return None, [stop.problem]
    except (zipfile.BadZipFile, EOFError, OSError, KeyError) as error:
        message = f"not a LibreOffice spreadsheet that can be read: {error}"
        return None, [Problem(display, 1, 1, "", shown(message, 300))]
    from odf.opendocument import load  # here: most builds read no spreadsheet at all

    try:
        document = load(str(path))
    except (SAXException, ValueError, KeyError, AttributeError, zipfile.BadZipFile) as error:
        message = f"not a LibreOffice spreadsheet that can be read: {error}"
        return None, [Problem(display, 1, 1, "", shown(message, 300))]
    tables = [
        element
        for element in document.spreadsheet.childNodes
        if element.qname == (TABLE_NS, "table")
    ]
    hidden = hidden_styles(document)
    names = [
        (table.getAttrNS(TABLE_NS, "name") or "", table.getAttrNS(TABLE_NS, "style-name") in hidden)
        for table in tables
    ]
    chosen = choose_sheet(names, prefer)
    if chosen is None:
        return None, [Problem(display, 1, 1, "", "the spreadsheet has no visible sheet")]
    last_row, last_column = extents.get(chosen, (0, 0))
    rows, numeric = table_rows(tables[chosen], last_row, last_column)
    warnings = sheet_note(display, names, chosen)
    return Grid(display, rows, names[chosen][0], frozenset(numeric), warnings), []


def hidden_styles(document) -> set[str]:
    """Names of the table styles that hide a sheet (`table:display="false"`)."""
    found = set()
    for style in document.automaticstyles.childNodes:
        for properties in style.childNodes:
            if properties.getAttrNS(TABLE_NS, "display") == "false":
                found.add(
                    style.getAttrNS("urn:oasis:names:tc:opendocument:xmlns:style:1.0", "name")
                )
    return found


def repeated(element, name: str) -> int:
    value = element.get(f"{{{TABLE_NS}}}{name}")
    return int(value) if value and value.isdigit() else 1


def scan(source, display: str) -> dict[int, tuple[int, int]]:
    """Per sheet (by its place), the last row and column holding a value; raises _Stop for a
    filled cell past the limits or too many cells (a repeated cell counts as many)."""
    extents: dict[int, tuple[int, int]] = {}
    table, where = -1, ""
    row_number = rows_here = column = filled = scanned = last_row = last_column = 0
    parser = etree.iterparse(
        source,
        events=("start", "end"),
        tag=(TABLE, ROW, CELL, COVERED),
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
    )
    try:
        for event, element in parser:
            scanned += 1
            if scanned > MAX_SCANNED:
                raise _Stop(too_many_cells(display, where, row_number))
            if element.tag == TABLE:
                if event == "start":
                    table += 1
                    where = f"sheet '{shown(element.get(f'{{{TABLE_NS}}}name') or '')}'"
                    row_number = last_row = last_column = 0
                else:
                    extents[table] = (last_row, last_column)
                    element.clear()
            elif element.tag == ROW:
                if event == "start":
                    rows_here, column = repeated(element, "number-rows-repeated"), 0
                else:
                    row_number += rows_here
                    element.clear()
            elif event == "end":
                columns = repeated(element, "number-columns-repeated")
                first, column = column + 1, column + columns
                if element.tag == CELL and has_value(element):
                    top, bottom = row_number + 1, row_number + rows_here
                    if bottom > MAX_ROWS or column > MAX_COLUMNS:
                        row = top if bottom <= MAX_ROWS else max(top, MAX_ROWS + 1)
                        place = column if column <= MAX_COLUMNS else max(first, MAX_COLUMNS + 1)
                        raise _Stop(too_far(display, where, row, place))
                    filled += columns * rows_here
                    if filled > MAX_CELLS:
                        raise _Stop(too_many_cells(display, where, top))
                    last_row, last_column = max(last_row, bottom), max(last_column, column)
                element.clear()
    except etree.XMLSyntaxError as error:
        message = shown(f"the spreadsheet's XML is damaged: {error}", 300)
        raise _Stop(Problem(display, 1, 1, "", message)) from error
    return extents


def has_value(element) -> bool:
    if element.get(f"{{{OFFICE_NS}}}value-type"):
        return True
    return any((paragraph.text or len(paragraph)) for paragraph in element)


def table_rows(table, last_row: int, last_column: int) -> tuple[list, set]:
    """The sheet's rows up to its last filled cell, as text, with repeats expanded."""
    from odf.table import TableRow

    rows: list[tuple[int, list[str]]] = []
    numeric: set[tuple[int, int]] = set()
    line = 0
    for row in table.getElementsByType(TableRow):
        if line >= last_row:
            break
        cells = row_cells(row, last_column)
        for _ in range(repeated_attr(row, "number-rows-repeated")):
            line += 1
            if line > last_row:
                break
            texts = []
            for column, (text, plain_number) in enumerate(cells, start=1):
                texts.append(text)
                if plain_number:
                    numeric.add((line, column))
            rows.append((line, texts))
    return rows, numeric


def repeated_attr(element, name: str) -> int:
    value = element.getAttrNS(TABLE_NS, name)
    return int(value) if value and value.isdigit() else 1


def row_cells(row, last_column: int) -> list[tuple[str, bool]]:
    cells: list[tuple[str, bool]] = []
    for cell in row.childNodes:
        if cell.qname not in ((TABLE_NS, "table-cell"), (TABLE_NS, "covered-table-cell")):
            continue
        value = cell_value(cell) if cell.qname[1] == "table-cell" else ("", False)
        for _ in range(repeated_attr(cell, "number-columns-repeated")):
            if len(cells) >= last_column:
                return cells
            cells.append(value)
    return cells


def cell_value(cell) -> tuple[str, bool]:
    """The cell as the person saw it: text as typed, a date as YYYY-MM-DD, a number as shown
    when what is shown is its digits with a pattern (`(555) 010-4190`, `02134`)."""
    from odf import teletype
    from odf.text import P

    kind = cell.getAttrNS(OFFICE_NS, "value-type")
    text = "\n".join(teletype.extractText(paragraph) for paragraph in cell.getElementsByType(P))
    if kind == "float":
        number = float(cell.getAttrNS(OFFICE_NS, "value") or "nan")
        if number.is_integer() and abs(number) < 1e15:
            digits = str(int(number))
            if text != digits and "".join(ch for ch in text if ch.isdigit()).lstrip("0") == digits:
                return text, False
            return digits, True
        return cell_text(number), True
    if kind == "date":
        value = cell.getAttrNS(OFFICE_NS, "date-value") or text
        if value.endswith("T00:00:00"):
            return value[:10], False
        return value.replace("T", " "), False  # as cell_text writes a date with a time
    if kind == "boolean":
        return ("yes" if cell.getAttrNS(OFFICE_NS, "boolean-value") == "true" else "no"), False
    return text, False
