"""Reading spreadsheet exports (CSV) into the same shape, and with the same locations, as YAML."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import Problem
from pipeline.sheets import Sheet, read_sheet
from pipeline.yamlfile import CONTROL_CHARACTERS, CONTROL_MESSAGE, FieldPath, YamlDocument

LIST_SEPARATOR = ";"
TRUE_WORDS = {"yes", "true", "y", "1"}
FALSE_WORDS = {"no", "false", "n", "0"}


@dataclass(frozen=True)
class Columns:
    """The header a CSV file must have, and how to read each kind of cell."""

    names: tuple[str, ...]
    lists: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    # A row whose first column holds this word is a starter workbook's sample row: never read.
    example_word: str = "example"

    def cell(self, name: str, text: str) -> Any:
        text = text.strip()
        if name in self.lists:
            return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
        if name in self.flags and text.lower() in TRUE_WORDS | FALSE_WORDS:
            return text.lower() in TRUE_WORDS
        if name in self.numbers:
            try:
                return float(text)
            except ValueError:
                return text
        return text


class TableDocument(YamlDocument):
    """A CSV file whose problems are named by row and column rather than by field path."""

    def __init__(
        self, path: Path, display: str, data: Any, locations, cells, sheet: Sheet | None = None
    ) -> None:
        super().__init__(path, display, data, locations)
        self.cells: dict[FieldPath, tuple[int, str]] = cells
        self.sheet = sheet
        if sheet:
            self.warnings = list(sheet.warnings)

    def problem(self, field_path: FieldPath, message: str) -> Problem:
        line, column = self.where(field_path)
        for length in range(len(field_path), 0, -1):
            if field_path[:length] in self.cells:
                row, name = self.cells[field_path[:length]]
                sheet = self.sheet or Sheet(self.display, [], [])
                return Problem(self.display, line, column, sheet.where(row, name), message)
        return Problem(self.display, line, column, "", message)


def read_rows(
    path: Path, display: str, columns: Columns
) -> tuple[list[tuple[int, dict[str, Any], dict[str, int]]], list[Problem], Sheet | None]:
    """Rows as (line, values, column number per name), from a .csv or .xlsx file; problems for
    the header and ragged rows; and the sheet read (for its name and warnings)."""
    sheet, problems = read_sheet(path, display)
    if sheet is None:
        return [], problems, None
    for number, name in enumerate(sheet.header, start=1):
        if name not in columns.names:
            close = difflib.get_close_matches(name, columns.names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            field = f"{sheet.where(1)}, header" if sheet.sheet_name else "header"
            problems.append(Problem(display, 1, number, field, f"unknown column '{name}'{hint}"))
    positions = {name: number for number, name in enumerate(sheet.header, start=1)}
    rows = []
    for line, cells in sheet.rows:
        if not any(cell.strip() for cell in cells) or is_example(sheet, cells, columns):
            continue
        if len(cells) != len(sheet.header):
            message = f"expected {len(sheet.header)} columns as in the header, got {len(cells)}"
            problems.append(Problem(display, line, 1, sheet.where(line), message))
            continue
        for number, cell in enumerate(cells, start=1):
            if CONTROL_CHARACTERS.search(cell):
                problems.append(Problem(display, line, number, sheet.where(line), CONTROL_MESSAGE))
        values = {
            name: columns.cell(name, text)
            for name, text in zip(sheet.header, cells, strict=True)
            if name in columns.names and text.strip()
        }
        rows.append((line, values, positions))
    return rows, problems, sheet


def is_example(sheet: Sheet, cells: list[str], columns: Columns) -> bool:
    """The starter workbook's sample row (`example` in the first column of the format)."""
    first = columns.names[0]
    if first not in sheet.header:
        return False
    position = sheet.header.index(first)
    return position < len(cells) and cells[position].strip().lower() == columns.example_word


def table_document(
    path: Path,
    display: str,
    key: str,
    rows: list[tuple[int, dict[str, Any], dict[str, int]]],
    sheet: Sheet | None = None,
) -> TableDocument:
    """Rows as the list `key` of a document, each cell located at its line and column."""
    locations: dict[FieldPath, tuple[int, int]] = {(): (1, 1), (key,): (1, 1)}
    cells: dict[FieldPath, tuple[int, str]] = {}
    for index, (line, values, positions) in enumerate(rows):
        locations[(key, index)] = (line, 1)
        cells[(key, index)] = (line, "")
        for name in values:
            locations[(key, index, name)] = (line, positions[name])
            cells[(key, index, name)] = (line, name)
    data = {key: [values for _, values, _ in rows]}
    return TableDocument(path, display, data, locations, cells, sheet)
