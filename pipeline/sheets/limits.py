"""How much of a supplied workbook is read: enough for any directory, training log or survey,
and a problem line, in well under a second, for anything larger (a stray cell in the sheet's
last row, rows thousands of columns wide, a part that inflates a hundredfold)."""

from __future__ import annotations

import zipfile

from pipeline.errors import Problem
from pipeline.sheets.grid import shown

MAX_ROWS = 20_000
MAX_COLUMNS = 500
MAX_CELLS = 150_000
# A workbook's parts are compressed XML: each part, and all of them together, inflate to at
# most this (a 5,000-row training log is about 3 MB, a survey of 500 respondents about 4 MB).
MAX_PART_BYTES = 12_000_000
MAX_INFLATED_BYTES = 40_000_000


def too_far(display: str, where: str, row: int, column: int) -> Problem:
    """A filled cell past the rows or columns read."""
    from openpyxl.utils import get_column_letter  # here: openpyxl takes a tenth of a second

    cell = f"{get_column_letter(min(column, 18_278))}{row}"
    message = (
        f"a cell is filled at {cell}, past the {MAX_ROWS:,} rows and {MAX_COLUMNS} columns read; "
        "delete the rows and columns after your table (select them, right-click > Delete) "
        "and save again"
    )
    return Problem(display, min(row, 1_048_576), min(column, 16_384), where, message)


def too_many_cells(display: str, where: str, line: int) -> Problem:
    message = f"the sheet has more than {MAX_CELLS:,} filled cells; keep one table per file"
    return Problem(display, line, 1, where, message)


def inflated_size_problem(archive: zipfile.ZipFile, display: str) -> Problem | None:
    """A package whose parts inflate past the limits, refused before any part is parsed (the
    sizes a zip declares are the most it yields: a part that lies fails its check)."""
    total = 0
    for member in archive.infolist():
        total += member.file_size
        if member.file_size > MAX_PART_BYTES or total > MAX_INFLATED_BYTES:
            megabytes = max(member.file_size, total) // 1_000_000
            message = (
                f"the workbook's part {shown(member.filename)} inflates to {megabytes} MB or "
                "more, far more than a directory, training log or survey holds; refused"
            )
            return Problem(display, 1, 1, "", message)
    return None
