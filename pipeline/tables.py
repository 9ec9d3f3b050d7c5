"""Reading spreadsheet exports (CSV) into the same shape, and with the same locations, as YAML."""

from __future__ import annotations

import csv
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import Problem
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

    def __init__(self, path: Path, display: str, data: Any, locations, cells) -> None:
        super().__init__(path, display, data, locations)
        self.cells: dict[FieldPath, tuple[int, str]] = cells

    def problem(self, field_path: FieldPath, message: str) -> Problem:
        line, column = self.where(field_path)
        for length in range(len(field_path), 0, -1):
            if field_path[:length] in self.cells:
                row, name = self.cells[field_path[:length]]
                field = f"row {row}, column '{name}'" if name else f"row {row}"
                return Problem(self.display, line, column, field, message)
        return Problem(self.display, line, column, "", message)


def read_rows(
    path: Path, display: str, columns: Columns
) -> tuple[list[tuple[int, dict[str, Any], dict[str, int]]], list[Problem]]:
    """Rows as (line, values, column number per name); problems for the header and ragged rows."""
    problems: list[Problem] = []
    rows = []
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.reader(stream)
        try:
            header = [name.strip() for name in next(reader)]
        except StopIteration:
            return [], [Problem(display, 1, 1, "", "the file is empty; expected a header row")]
        except csv.Error as error:
            return [], [Problem(display, 1, 1, "", f"not a readable CSV file: {error}")]
        for number, name in enumerate(header, start=1):
            if name not in columns.names:
                close = difflib.get_close_matches(name, columns.names, n=1)
                hint = f"; did you mean '{close[0]}'?" if close else ""
                problems.append(
                    Problem(display, 1, number, "header", f"unknown column '{name}'{hint}")
                )
        positions = {name: number for number, name in enumerate(header, start=1)}
        try:
            for cells in reader:
                line = reader.line_num
                if not any(cell.strip() for cell in cells):
                    continue
                if len(cells) != len(header):
                    problems.append(
                        Problem(
                            display,
                            line,
                            1,
                            f"row {line}",
                            f"expected {len(header)} columns as in the header, got {len(cells)}",
                        )
                    )
                    continue
                for number, cell in enumerate(cells, start=1):
                    if CONTROL_CHARACTERS.search(cell):
                        problems.append(
                            Problem(display, line, number, f"row {line}", CONTROL_MESSAGE)
                        )
                values = {
                    name: columns.cell(name, text)
                    for name, text in zip(header, cells, strict=True)
                    if name in columns.names and text.strip()
                }
                rows.append((line, values, positions))
        except csv.Error as error:
            problems.append(
                Problem(
                    display, reader.line_num, 1, f"row {reader.line_num}", f"not readable: {error}"
                )
            )
    return rows, problems


def table_document(
    path: Path, display: str, key: str, rows: list[tuple[int, dict[str, Any], dict[str, int]]]
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
    return TableDocument(path, display, data, locations, cells)
