"""Excel workbooks (.xlsx), read with openpyxl after a bounded scan of the sheet's XML."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path
from xml.etree.ElementTree import ParseError

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
from pipeline.sheets.numbers import formatted_integer

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
CELL, VALUE, INLINE, FORMULA = (f"{MAIN}{tag}" for tag in ("c", "v", "is", "f"))
CELL_REFERENCE = re.compile(r"^([A-Z]{1,3})(\d+)$")
# `[1]Sheet1!A2`: a formula that takes its value from another workbook (Excel numbers them).
OTHER_WORKBOOK = re.compile(r"\[\d+\]")
# Besides the filled cells, this many cell and row elements at most are scanned (styled but
# empty cells, rows with only a height).
MAX_SCANNED = 2_000_000
KIND = "an Excel workbook (.xlsx)"
# What openpyxl raises for a package it cannot make sense of, besides its own error.
UNREADABLE = (KeyError, ValueError, OSError, AttributeError, IndexError, TypeError, ParseError)


class _Stop(Exception):
    """The scan found a problem: stop reading the sheet."""

    def __init__(self, problem: Problem):
        self.problem = problem


def read_xlsx(path: Path, display: str, prefer: tuple[str, ...]) -> tuple[Grid | None, list]:
    """The sheet a person sees of an .xlsx workbook, as text cells, within the limits."""
    problems = check_supplied(path, display, "a zip package", KIND)
    if problems:
        return None, problems
    from openpyxl.utils.exceptions import InvalidFileException  # here: most builds read none

    try:
        with zipfile.ZipFile(path) as archive:
            if problem := inflated_size_problem(archive, display):
                return None, [problem]
            names, parts = sheet_parts(path)
            chosen = choose_sheet(names, prefer)
            if chosen is None:
                return None, [Problem(display, 1, 1, "", "the workbook has no visible sheet")]
            where = f"sheet '{shown(names[chosen][0])}'"
            with archive.open(parts[chosen]) as source:
                last_row, last_column = scan(source, display, where)
        rows, numeric = read_cells(path, chosen, last_row, last_column)
    except _Stop as stop:
        return None, [stop.problem]
    except (zipfile.BadZipFile, EOFError) as error:
        return None, [damaged(display, error)]
    except (InvalidFileException, *UNREADABLE) as error:
        message = f"not an Excel workbook (.xlsx) that can be read: {shown(str(error), 200)}"
        return None, [Problem(display, 1, 1, "", message)]
    warnings = sheet_note(display, names, chosen)
    return Grid(display, rows, names[chosen][0], frozenset(numeric), warnings), []


def sheet_parts(path: Path) -> tuple[list[tuple[str, bool]], list[str]]:
    """The worksheets' (name, hidden) and their parts in the package, as openpyxl finds them,
    before any sheet is opened (openpyxl's loading reads every sheet's size)."""
    from openpyxl.reader.excel import ExcelReader

    reader = ExcelReader(str(path), read_only=True, keep_links=False, data_only=True)
    try:
        reader.read_manifest()
        reader.read_workbook()
        found = [
            (sheet, rel)
            for sheet, rel in reader.parser.find_sheets()
            if rel.target in reader.valid_files and "chartsheet" not in rel.Type
        ]
    finally:
        reader.archive.close()
    names = [(sheet.name, (sheet.state or "visible") != "visible") for sheet, _ in found]
    return names, [rel.target for _, rel in found]


def read_cells(path: Path, chosen: int, last_row: int, last_column: int):
    """The chosen sheet's rows up to its last filled cell, and its cells stored as numbers."""
    from openpyxl import load_workbook

    rows, numeric = [], set()
    if not last_row:
        return rows, numeric
    # keep_links=False: links to other workbooks are neither followed nor kept.
    workbook = load_workbook(path, read_only=True, data_only=True, keep_links=False)
    try:
        worksheet = workbook.worksheets[chosen]
        worksheet.reset_dimensions()  # the dimensions a sheet declares may be wrong
        cells = worksheet.iter_rows(max_row=last_row, max_col=last_column)
        for line, row in enumerate(cells, start=1):
            texts = []
            for column, cell in enumerate(row, start=1):
                text, plain_number = cell_value(cell)
                texts.append(text)
                if plain_number:
                    numeric.add((line, column))
            rows.append((line, texts))
    finally:
        workbook.close()
    return rows, numeric


def damaged(display: str, error: Exception) -> Problem:
    message = f"the workbook is damaged or incomplete (a download cut short?): {error}"
    return Problem(display, 1, 1, "", shown(message, 300))


def cell_value(cell) -> tuple[str, bool]:
    """A cell's text as the person saw it, and whether it is a number shown plainly (General)
    that may have been typed as text (a phone number, a postal code)."""
    value = getattr(cell, "value", None)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        shown_as = formatted_integer(value, cell.number_format)
        return (shown_as, False) if shown_as is not None else (str(value), True)
    return cell_text(value), isinstance(value, float)


# The fast scan reads the sheet's XML as bytes: every cell element that is not empty
# (`<c r="B7" t="s"><v>3</v></c>`, not `<c r="B7" s="2"/>`), and formulas naming another
# workbook. Cells without a reference (some writers leave it out) take the slower way.
FILLED_CELL = re.compile(
    rb"<(?:[A-Za-z_][\w.-]*:)?c\s[^>]*?\br=[\"']([A-Z]{1,3})(\d{1,7})[\"'][^>]*(?<!/)>"
)
CELL_WITHOUT_REFERENCE = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c(?:\s(?![^>]*\br=)[^>]*)?/?>")
OTHER_WORKBOOK_FORMULA = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?f\b[^>]*>([^<]*\[\d+\][^<]*)<")
CELL_BEFORE = re.compile(rb"\br=[\"']([A-Z]{1,3})(\d{1,7})[\"']")


def scan(source, display: str, where: str) -> tuple[int, int]:
    """The last row and column that hold a value, after checking the sheet's XML against the
    limits; raises _Stop with the problem found (a cell too far, too many cells, a formula
    that reads another workbook)."""
    data = source.read()
    if b"<!DOCTYPE" in data[:4000]:  # entities can make a few bytes into gigabytes
        raise _Stop(Problem(display, 1, 1, where, "the sheet's XML declares a DTD; refused"))
    if CELL_WITHOUT_REFERENCE.search(data):
        return scan_elements(io.BytesIO(data), display, where)
    cells = FILLED_CELL.findall(data)
    if len(cells) > MAX_CELLS:
        raise _Stop(too_many_cells(display, where, int(cells[MAX_CELLS][1])))
    if not cells:
        return 0, 0
    last_row = max(int(row) for _, row in cells)
    widest = max((letters for letters, _ in cells), key=lambda letters: (len(letters), letters))
    last_column = column_index(widest)
    if last_row > MAX_ROWS or last_column > MAX_COLUMNS:
        letters, row = next(
            (letters, row)
            for letters, row in cells
            if int(row) > MAX_ROWS or column_index(letters) > MAX_COLUMNS
        )
        raise _Stop(too_far(display, where, int(row), column_index(letters)))
    if found := OTHER_WORKBOOK_FORMULA.search(data):
        before = CELL_BEFORE.findall(data, max(0, found.start() - 400), found.start())
        letters, row = before[-1] if before else (b"A", b"1")
        formula = found.group(1).decode("utf-8", "replace")
        raise _Stop(other_workbook(display, where, int(row), column_index(letters), formula))
    return last_row, last_column


def scan_elements(source, display: str, where: str) -> tuple[int, int]:
    """The scan, cell element by cell element: for sheets whose cells have no references."""
    last_row = last_column = filled = scanned = 0
    row_element, row_number, column_number = None, 0, 0
    parser = etree.iterparse(
        source,
        events=("end",),
        tag=CELL,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        huge_tree=False,
    )
    try:
        for _, element in parser:
            scanned += 1
            reference = CELL_REFERENCE.match(element.get("r") or "")
            if reference:
                row_number = int(reference.group(2))
                column_number = column_index(reference.group(1))
            else:  # a writer that leaves out references: count, as openpyxl does
                parent = element.getparent()
                if parent is not row_element:
                    row_element, column_number = parent, 0
                    number = parent.get("r") if parent is not None else None
                    row_number = int(number) if number and number.isdigit() else row_number + 1
                column_number += 1
            if len(element):  # a value, an inline string or a formula
                filled += 1
                if row_number > MAX_ROWS or column_number > MAX_COLUMNS:
                    raise _Stop(too_far(display, where, row_number, column_number))
                if filled > MAX_CELLS:
                    raise _Stop(too_many_cells(display, where, row_number))
                formula = element.findtext(FORMULA) or ""
                if OTHER_WORKBOOK.search(formula):
                    raise _Stop(other_workbook(display, where, row_number, column_number, formula))
                if has_value(element):
                    last_row = max(last_row, row_number)
                    last_column = max(last_column, column_number)
            elif scanned > MAX_SCANNED:
                raise _Stop(too_many_cells(display, where, row_number))
            element.clear()
            while element.getprevious() is not None:
                del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        problem = Problem(display, 1, 1, where, shown(f"the sheet's XML is damaged: {error}", 300))
        raise _Stop(problem) from error
    return last_row, last_column


def column_index(letters: str | bytes) -> int:
    """`XFD` -> 16384."""
    number = 0
    for letter in letters.decode() if isinstance(letters, bytes) else letters:
        number = number * 26 + ord(letter) - ord("A") + 1
    return number


def has_value(element) -> bool:
    value = element.find(VALUE)
    return (value is not None and bool(value.text)) or element.find(INLINE) is not None


def other_workbook(display: str, where: str, row: int, column: int, formula: str) -> Problem:
    from openpyxl.utils import get_column_letter

    cell = f"{get_column_letter(min(column, 18_278))}{row}"
    message = (
        f"cell {cell} takes its value from another workbook (={shown(formula)}), which is "
        "not read; copy the cells and paste them back as values (Paste Special > Values)"
    )
    return Problem(display, row, column, f"{where}, row {row}", message)
