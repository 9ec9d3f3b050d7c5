"""Excel 97-2003 workbooks (.xls), read with xlrd."""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import Problem
from pipeline.sheets.files import check_supplied
from pipeline.sheets.grid import Grid, cell_text, choose_sheet, sheet_note, shown
from pipeline.sheets.limits import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, too_far, too_many_cells
from pipeline.sheets.numbers import formatted_integer

KIND = "an Excel 97-2003 workbook (.xls)"
# The old format holds at most 65,536 rows of 256 columns; a file this size is far more than a
# directory, training log or survey, and xlrd reads it whole.
MAX_XLS_BYTES = 10_000_000


def read_xls(path: Path, display: str, prefer: tuple[str, ...]) -> tuple[Grid | None, list]:
    """The sheet a person sees of an .xls workbook, as text cells, within the limits."""
    problems = check_supplied(path, display, "an OLE compound file", KIND)
    if problems:
        return None, problems
    if path.stat().st_size > MAX_XLS_BYTES:
        message = (
            f"an .xls workbook larger than {MAX_XLS_BYTES // 1_000_000} MB is refused; "
            "keep one table per file, or save it as .xlsx"
        )
        return None, [Problem(display, 1, 1, "", message)]
    import xlrd  # here: most builds read no workbook at all

    try:
        book = xlrd.open_workbook(str(path), formatting_info=True)
    except (xlrd.XLRDError, xlrd.compdoc.CompDocError, ValueError, IndexError, KeyError) as error:
        message = (
            f"not an Excel 97-2003 workbook (.xls) that can be read: {error}; if it has a "
            "password, remove it (File > Info > Protect Workbook) and save it as .xlsx"
        )
        return None, [Problem(display, 1, 1, "", shown(message, 300))]
    sheets = book.sheets()
    names = [(sheet.name, sheet.visibility != 0) for sheet in sheets]
    chosen = choose_sheet(names, prefer)
    if chosen is None:
        return None, [Problem(display, 1, 1, "", "the workbook has no visible sheet")]
    sheet = sheets[chosen]
    where = f"sheet '{shown(sheet.name)}'"
    rows, numeric, filled = [], set(), 0
    for index in range(sheet.nrows):
        texts = []
        for column in range(sheet.row_len(index)):
            text, plain_number = cell_value(book, sheet, index, column)
            if text:
                filled += 1
                if index >= MAX_ROWS or column >= MAX_COLUMNS:
                    return None, [too_far(display, where, index + 1, column + 1)]
                if filled > MAX_CELLS:
                    return None, [too_many_cells(display, where, index + 1)]
            texts.append(text)
            if plain_number:
                numeric.add((index + 1, column + 1))
        while texts and not texts[-1]:
            texts.pop()
        rows.append((index + 1, texts))
    while rows and not rows[-1][1]:
        rows.pop()
    warnings = sheet_note(display, names, chosen)
    return Grid(display, rows, sheet.name, frozenset(numeric), warnings), []


def cell_value(book, sheet, row: int, column: int) -> tuple[str, bool]:
    """A cell as the person saw it, and whether it is a plain number (see xlsx.cell_value)."""
    import xlrd

    cell = sheet.cell(row, column)
    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)), False
        except (ValueError, OverflowError, xlrd.xldate.XLDateError):
            return cell_text(cell.value), False
    if cell.ctype == xlrd.XL_CELL_BOOLEAN:
        return ("yes" if cell.value else "no"), False
    if cell.ctype == xlrd.XL_CELL_ERROR:
        return xlrd.error_text_from_code.get(cell.value, "#ERROR"), False
    if cell.ctype != xlrd.XL_CELL_NUMBER:
        return cell_text(cell.value), False
    value = cell.value
    if not (value.is_integer() and abs(value) < 1e15):
        return cell_text(value), True
    number_format = None
    format_key = book.xf_list[sheet.cell_xf_index(row, column)].format_key
    if format_key in book.format_map:
        number_format = book.format_map[format_key].format_str
    shown_as = formatted_integer(int(value), number_format)
    return (shown_as, False) if shown_as is not None else (str(int(value)), True)
