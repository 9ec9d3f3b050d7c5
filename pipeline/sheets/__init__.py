"""Reading what people's own tools write: CSV in UTF-8 or Excel's Windows-1252, and the workbooks
of Excel (.xlsx, .xls) and LibreOffice (.ods), bounded, with the sheet a person sees and the
header row found below any title rows.

Every file an agency or a respondent supplies is checked before it is parsed (its size, whether
it is empty, what its bytes really are), so that each gets a sentence naming the file instead of
a traceback. One module per format; `grid` holds what they share.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from pipeline.errors import Problem
from pipeline.sheets.files import MAX_SUPPLIED_BYTES, check_supplied, file_kind, read_text
from pipeline.sheets.grid import Grid, Sheet, cell_text, find_header, shown
from pipeline.sheets.limits import MAX_CELLS, MAX_COLUMNS, MAX_ROWS, too_far, too_many_cells
from pipeline.sheets.starter import write_starter_workbook

__all__ = [
    "MAX_SUPPLIED_BYTES",
    "SAVE_AS",
    "SHEET_SUFFIXES",
    "Grid",
    "Sheet",
    "cell_text",
    "check_supplied",
    "csv_safe",
    "file_kind",
    "find_header",
    "read_grid",
    "read_text",
    "refused_format",
    "shown",
    "write_starter_workbook",
]

SHEET_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".ods")
# Formats people keep tables in that are not read, and how to save them as one that is.
SAVE_AS = {
    ".xlsb": "Excel's binary workbook (.xlsb) is not read; in Excel, File > Save As > "
    "'Excel Workbook (.xlsx)'",
    ".numbers": "Apple Numbers files are not read; in Numbers, File > Export To > Excel "
    "(.xlsx) or CSV",
    ".gsheet": "this is a Google Drive shortcut, not the sheet; in Google Sheets, File > "
    "Download > Microsoft Excel (.xlsx) or Comma-separated values (.csv)",
    ".fods": "flat OpenDocument spreadsheets (.fods) are not read; in LibreOffice Calc, File > "
    "Save As > 'ODF Spreadsheet (.ods)' or 'Excel 2007-365 (.xlsx)'",
    ".tsv": "tab-separated files are not read; save it as .csv (comma-separated) or .xlsx",
    ".txt": "text files are not read as tables; save it as .csv (comma-separated) or .xlsx",
    ".xltx": "an Excel template is not read; save it as an Excel Workbook (.xlsx)",
    ".ots": "a LibreOffice template is not read; save it as an ODF Spreadsheet (.ods)",
}


def refused_format(path: Path) -> str | None:
    """Why a file in a table format that is not read is refused, and how to save it instead."""
    return SAVE_AS.get(path.suffix.lower())


def read_grid(
    path: Path, display: str, prefer: tuple[str, ...] = ()
) -> tuple[Grid | None, list[Problem]]:
    """The cells of a .csv file, or of the sheet a person sees in a workbook: the first
    visible sheet, or one whose name holds a word of `prefer` (`Directory`)."""
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        from pipeline.sheets.xlsx import read_xlsx

        return read_xlsx(path, display, prefer)
    if suffix == ".ods":
        from pipeline.sheets.ods import read_ods

        return read_ods(path, display, prefer)
    if suffix == ".xls":
        from pipeline.sheets.xls import read_xls

        return read_xls(path, display, prefer)
    if reason := refused_format(path):
        return None, [Problem(display, 1, 1, "", reason)]
    return read_csv(path, display)


def read_csv(path: Path, display: str) -> tuple[Grid | None, list[Problem]]:
    problems = check_supplied(path, display, "text", "a CSV text file")
    if problems:
        return None, problems
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    filled = 0
    try:
        for cells in reader:
            width = len(cells)
            while width and not cells[width - 1].strip():
                width -= 1
            filled += width
            if width and (len(rows) >= MAX_ROWS or width > MAX_COLUMNS):
                row = min(len(rows) + 1, MAX_ROWS + 1)
                column = MAX_COLUMNS + 1 if width > MAX_COLUMNS else 1
                return None, [too_far(display, "", row, column)]
            if filled > MAX_CELLS:
                return None, [too_many_cells(display, "", reader.line_num)]
            rows.append((reader.line_num, cells))
    except csv.Error as error:
        line = reader.line_num
        return None, [Problem(display, line, 1, f"row {line}", f"not readable as CSV: {error}")]
    if not rows:
        return None, [Problem(display, 1, 1, "", "the file is empty; expected a header row")]
    return Grid(display, rows, warnings=problems, padded=False), []


# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """A value to write into a CSV file that a spreadsheet will open: text that would start a
    formula gets a leading apostrophe, which spreadsheets show as text and do not run."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value
