"""A sheet as read, whatever its format: text cells by row, and the header row found in it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time

from pipeline.errors import WARNING, Problem

# A header is looked for in the first rows only: titles, notes and a logo row come first.
HEADER_SCAN_ROWS = 30
# The starter workbooks keep their drop-down lists on a hidden sheet of this name.
STARTER_LISTS_SHEET = "Lists"
UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f]")


def shown(text: str, limit: int = 60) -> str:
    """Text from a file as one line of a message: line breaks and control characters escaped
    (`\\n`), cut to `limit` characters."""
    text = UNPRINTABLE.sub(lambda found: repr(found.group())[1:-1], text)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class Grid:
    """One sheet's cells as text, as read from a CSV file or a workbook, before its header is
    known. `numeric` holds the (line, column) of cells a workbook stored as plain numbers."""

    display: str
    rows: list[tuple[int, list[str]]]
    sheet_name: str | None = None
    numeric: frozenset[tuple[int, int]] = frozenset()
    warnings: list[Problem] = field(default_factory=list)
    padded: bool = True  # a workbook's rows are as wide as its header; a CSV's rows as written

    def place(self, row: int) -> str:
        """`sheet 'Entries', row 4` (no sheet for a CSV file)."""
        parts = [f"sheet '{shown(self.sheet_name)}'"] if self.sheet_name else []
        return ", ".join([*parts, f"row {row}"])


@dataclass
class Sheet:
    """One table as text cells: a header row and the numbered rows below it."""

    display: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    sheet_name: str | None = None
    warnings: list[Problem] = field(default_factory=list)
    header_line: int = 1
    numeric: frozenset[tuple[int, int]] = frozenset()

    def where(self, row: int, column: int | str | None = None) -> str:
        """`sheet 'Entries', row 4, column 'phones'`: a column by its number or its header."""
        parts = [f"sheet '{shown(self.sheet_name)}'"] if self.sheet_name else []
        parts.append(f"row {row}")
        if isinstance(column, int):
            column = self.header[column - 1] if column <= len(self.header) else None
        if column:
            parts.append(f"column '{shown(column)}'")
        return ", ".join(parts)

    def is_number(self, line: int, column: int) -> bool:
        """True for a cell the workbook stored as a plain number (a phone typed into Excel)."""
        return (line, column) in self.numeric


def choose_sheet(names: list[tuple[str, bool]], prefer: tuple[str, ...]) -> int | None:
    """The sheet a person sees: a visible sheet named for what it holds (`Directory`), else the
    first visible one. `names` are (name, hidden) in the workbook's order."""
    visible = [index for index, (_, hidden) in enumerate(names) if not hidden]
    for index in visible:
        words = re.sub(r"[^a-z]+", " ", names[index][0].lower()).split()
        if any(word in words for word in prefer):
            return index
    return visible[0] if visible else None


def sheet_note(display: str, names: list[tuple[str, bool]], chosen: int) -> list[Problem]:
    """A warning saying which sheet was read, when the workbook has others a person kept."""
    others = [
        f"'{shown(name)}'" + (" (hidden)" if hidden else "")
        for index, (name, hidden) in enumerate(names)
        if index != chosen and not (hidden and name == STARTER_LISTS_SHEET)
    ]
    if not others:
        return []
    name = shown(names[chosen][0])
    message = (
        f"read sheet '{name}' (the first visible sheet, or the one named for what it holds); "
        f"not read: {', '.join(others)}"
    )
    return [Problem(display, 1, 1, f"sheet '{name}'", message, WARNING)]


def find_header(
    grid: Grid, is_column: Callable[[str], bool], expected: str
) -> tuple[Sheet | None, list[Problem]]:
    """The sheet below its header row: the first of the top rows holding at least two known
    column names (or one, for a table that has one), found below any title and note rows."""
    candidates = [(line, cells) for line, cells in grid.rows[:HEADER_SCAN_ROWS] if any(cells)]
    if not candidates:
        where = f"sheet '{shown(grid.sheet_name)}'" if grid.sheet_name else ""
        return None, [
            Problem(grid.display, 1, 1, where, f"the sheet is empty; expected {expected}")
        ]
    found = next(
        (
            (position, line, cells)
            for position, (line, cells) in enumerate(candidates)
            if sum(1 for cell in cells if cell.strip() and is_column(cell)) >= 2
        ),
        None,
    )
    if found is None:
        line, cells = candidates[0]
        if sum(1 for cell in cells if cell.strip() and is_column(cell)) != 1:
            where = grid.place(line).rsplit(", ", 1)[0] if grid.sheet_name else ""
            message = (
                f"no header row found in the first {HEADER_SCAN_ROWS} rows; expected {expected}"
            )
            return None, [Problem(grid.display, line, 1, where, message)]
        found = (0, line, cells)
    position, line, cells = found
    header = [cell.strip() for cell in cells]
    while header and not header[-1]:
        header.pop()
    rows = [(number, row) for number, row in grid.rows if number > line]
    if grid.padded:
        width = len(header)
        rows = [(number, (row + [""] * width)[:width]) for number, row in rows]
    warnings = list(grid.warnings)
    if position:
        above = shown(next(cell for cell in candidates[0][1] if cell.strip()), 80)
        message = f"row {line} taken as the header row; the rows above it ('{above}') are not read"
        warnings.append(Problem(grid.display, line, 1, grid.place(line), message, WARNING))
    sheet = Sheet(grid.display, header, rows, grid.sheet_name, warnings, line, grid.numeric)
    return sheet, []


def cell_text(value: object) -> str:
    """A workbook cell as the text a CSV export would hold: dates as YYYY-MM-DD, 2.0 as 2."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
