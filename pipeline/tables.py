"""Reading spreadsheets (CSV, workbooks) into the same shape, and with the same locations, as YAML.

A problem in a table names its cell the way a person finds it: the sheet, the row, and the
column's header as typed, with the column's position (`directory.xlsx:3:2: sheet 'Resources',
row 3, column 'name': missing; every entry needs a name`).
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.errors import WARNING, Problem
from pipeline.schema import ISO_DATE, REQUIRED_MESSAGE
from pipeline.sheets import Sheet, find_header, read_grid, shown
from pipeline.sheets.dates import column_order, parse_written_date
from pipeline.sheets.numbers import phone_as_typed, phone_shape
from pipeline.yamlfile import CONTROL_CHARACTERS, CONTROL_MESSAGE, FieldPath, YamlDocument

LIST_SEPARATOR = ";"
TRUE_WORDS = {"yes", "true", "y", "1"}
FALSE_WORDS = {"no", "false", "n", "0"}
LOST_ZERO = (
    "the phone number {stored} was stored as a number, which drops its leading zero; read as "
    "{read}: format the column as Text (Format Cells > Text) and type the numbers again"
)

Row = tuple[int, dict[str, Any], dict[str, int]]


@dataclass(frozen=True)
class Columns:
    """The header a table must have, and how to read each kind of cell."""

    names: tuple[str, ...]
    lists: frozenset[str] = frozenset()
    flags: frozenset[str] = frozenset()
    numbers: frozenset[str] = frozenset()
    phones: frozenset[str] = frozenset()
    dates: frozenset[str] = frozenset()
    required: tuple[str, ...] = ()  # columns the header must have
    noun: str = "row"  # what a row is: "every entry needs a name"
    sheet_words: tuple[str, ...] = ()  # a workbook's sheet named with one of these is read
    # A row whose first column holds this word is a starter workbook's sample row: never read.
    example_word: str = "example"

    def name_of(self, header: str) -> str | None:
        """The column a header names, as people type it: `Last verified`, `Phone`, `Name *`."""
        plain = re.sub(r"[\s\-]+", "_", header.strip().rstrip("*:").strip().lower())
        for name in (plain, f"{plain}s"):
            if name in self.names:
                return name
        return None

    def expected(self) -> str:
        required = ", ".join(self.required)
        others = ", ".join(name for name in self.names if name not in self.required)
        return f"a header row with the columns {required} (required) and any of {others}"

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
    """A table whose problems are named by sheet, row and column rather than by field path."""

    def __init__(
        self,
        path: Path,
        display: str,
        data: Any,
        locations,
        cells,
        sheet: Sheet | None = None,
        noun: str = "row",
        nouns: dict[str, str] | None = None,
    ) -> None:
        super().__init__(path, display, data, locations)
        self.cells: dict[FieldPath, tuple[int, str]] = cells
        self.sheet = sheet
        self.noun = noun
        self.nouns = nouns or {}  # what a row is, by the list it went to: {"staff": "person"}
        if sheet:
            self.warnings = list(sheet.warnings)

    def problem(self, field_path: FieldPath, message: str) -> Problem:
        line, column = self.where(field_path)
        for length in range(len(field_path), 0, -1):
            if field_path[:length] in self.cells:
                row, name = self.cells[field_path[:length]]
                if message == REQUIRED_MESSAGE and name:
                    noun = self.nouns.get(str(field_path[0]), self.noun)
                    article = "an" if name[:1].lower() in "aeiou" else "a"
                    message = f"missing; every {noun} needs {article} {shown(name)}"
                sheet = self.sheet or Sheet(self.display, [], [])
                return Problem(self.display, line, column, sheet.where(row, name), message)
        return Problem(self.display, line, column, "", message)


def read_rows(
    path: Path, display: str, columns: Columns, country: str | None = None
) -> tuple[list[Row], list[Problem], Sheet | None]:
    """Rows as (line, values, column number per name) from a .csv file or a workbook's sheet;
    problems for the header and ragged rows; and the sheet read (its name, header, warnings).

    `country` (the agency's) tells how a phone number a workbook stored as a number was typed.
    """
    grid, problems = read_grid(path, display, columns.sheet_words)
    if grid is None:
        return [], problems, None
    sheet, problems = find_header(
        grid, lambda text: columns.name_of(text) is not None, columns.expected()
    )
    if sheet is None:
        return [], problems, None
    positions, problems = header_columns(sheet, columns)
    if any(name not in positions for name in columns.required):
        return [], problems, sheet  # one problem for the header rather than one per row
    rows = []
    for line, cells in sheet.rows:
        if not any(cell.strip() for cell in cells) or is_example(sheet, cells, columns, positions):
            continue
        if len(cells) != len(sheet.header):
            message = f"expected {len(sheet.header)} columns as in the header, got {len(cells)}"
            problems.append(Problem(display, line, 1, sheet.where(line), message))
            continue
        for number, cell in enumerate(cells, start=1):
            if CONTROL_CHARACTERS.search(cell):
                where = sheet.where(line, number)
                problems.append(Problem(display, line, number, where, CONTROL_MESSAGE))
        values = {
            name: columns.cell(name, cells[number - 1])
            for name, number in positions.items()
            if cells[number - 1].strip()
        }
        rows.append((line, values, positions))
    problems += phones_as_typed(sheet, rows, columns, country)
    dates_as_written(sheet, rows, columns, country)
    return rows, problems, sheet


def header_columns(sheet: Sheet, columns: Columns) -> tuple[dict[str, int], list[Problem]]:
    """Column number per name; problems for unknown, repeated and missing required columns."""
    problems, positions = [], {}
    field = f"{sheet.where(sheet.header_line)}, header" if sheet.sheet_name else "header"
    for number, header in enumerate(sheet.header, start=1):
        if not header:
            continue
        name = columns.name_of(header)
        if name is None:
            close = difflib.get_close_matches(header.lower(), columns.names, n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            message = f"unknown column '{shown(header)}'{hint}"
            problems.append(Problem(sheet.display, sheet.header_line, number, field, message))
        elif name in positions:
            first = sheet.header[positions[name] - 1]
            message = f"a second column for {name} (the first is '{shown(first)}'); keep one"
            problems.append(Problem(sheet.display, sheet.header_line, number, field, message))
        else:
            positions[name] = number
    for name in columns.required:
        if name not in positions:
            message = (
                f"no column '{name}'; every {columns.noun} needs one, so the header needs it "
                f"(expected {columns.expected()})"
            )
            problems.append(Problem(sheet.display, sheet.header_line, 1, field, message))
    return positions, problems


def is_example(sheet: Sheet, cells: list[str], columns: Columns, positions: dict) -> bool:
    """The starter workbook's sample row (`example` in the first column of the format)."""
    position = positions.get(columns.names[0])
    if position is None or position > len(cells):
        return False
    return cells[position - 1].strip().lower() == columns.example_word


def phones_as_typed(
    sheet: Sheet, rows: list[Row], columns: Columns, country: str | None
) -> list[Problem]:
    """Phone numbers stored as bare digits, written as the agency's other numbers are (a US
    `5550104190` as `(555) 010-4190`); a warning for each that surely lost a leading zero."""
    shapes = Counter(
        (sum(char.isdigit() for char in phone), phone_shape(phone))
        for _, values, _ in rows
        for name in columns.phones
        for phone in values.get(name, [])
        if not phone.isdigit()
    )
    by_length: dict[int, str] = {}
    for (length, shape), _ in shapes.most_common():
        by_length.setdefault(length, shape)
    warnings = []
    for line, values, positions in rows:
        for name in columns.phones:
            phones = values.get(name)
            if not phones:
                continue
            for index, phone in enumerate(phones):
                if not phone.isdigit():
                    continue
                typed, lost_zero = phone_as_typed(phone, country, by_length)
                phones[index] = typed
                if lost_zero:
                    message = LOST_ZERO.format(stored=phone, read=typed)
                    where = sheet.where(line, positions[name])
                    column = positions[name]
                    warnings.append(Problem(sheet.display, line, column, where, message, WARNING))
    return warnings


def dates_as_written(sheet: Sheet, rows: list[Row], columns: Columns, country: str | None) -> None:
    """Dates a spreadsheet wrote with numbers (Excel's CSV writes `9/1/2026` in the US) or
    spelled out, as YYYY-MM-DD; a date that cannot be read is left for the schema to name."""
    for name in columns.dates:
        texts = [values[name] for _, values, _ in rows if isinstance(values.get(name), str)]
        if not texts or all(ISO_DATE.match(text) for text in texts):
            continue
        header = sheet.header[rows[0][2][name] - 1] if name in rows[0][2] else name
        order = column_order(texts, country, header)
        for _, values, _ in rows:
            text = values.get(name)
            if isinstance(text, str) and not ISO_DATE.match(text):
                day = parse_written_date(text, order)
                values[name] = day.isoformat() if day else text


def table_document(
    path: Path,
    display: str,
    key: str,
    rows: list[Row],
    sheet: Sheet | None = None,
    noun: str = "row",
) -> TableDocument:
    """Rows as the list `key` of a document, each cell located at its line and column, the
    empty ones too (a missing value is reported where it should be)."""
    locations: dict[FieldPath, tuple[int, int]] = {(): (1, 1), (key,): (1, 1)}
    cells: dict[FieldPath, tuple[int, str]] = {}
    for index, (line, _, positions) in enumerate(rows):
        locate(locations, cells, (key, index), line, positions, sheet)
    data = {key: [values for _, values, _ in rows]}
    return TableDocument(path, display, data, locations, cells, sheet, noun)


def locate(
    locations: dict,
    cells: dict,
    at: FieldPath,
    line: int,
    positions: dict[str, int],
    sheet: Sheet | None,
    fields: dict[str, str] | None = None,
) -> None:
    """Record where the row `at` and each of its fields are: `fields` maps a field to its column
    when they differ (a person's `id` is the `staff_id` column)."""
    locations[at] = (line, 1)
    cells[at] = (line, "")
    mapping = fields or {name: name for name in positions}
    for field_name, column_name in mapping.items():
        if column_name not in positions:
            continue
        number = positions[column_name]
        locations[(*at, field_name)] = (line, number)
        header = sheet.header[number - 1] if sheet and number <= len(sheet.header) else column_name
        cells[(*at, field_name)] = (line, header)
