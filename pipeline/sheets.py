"""Reading what people's own tools write: text in UTF-8 or Excel's Windows-1252, CSV and XLSX.

Every file an agency or a respondent supplies is checked here before it is parsed: its size,
whether it is empty, and what its bytes really are (a PDF renamed .xlsx, a workbook saved with a
password), so that each gets a sentence naming the file instead of a traceback.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path

from pipeline.errors import WARNING, Problem

MAX_SUPPLIED_BYTES = 50_000_000
UTF8_ADVICE = (
    "to avoid this, save it as UTF-8 (Excel: Save As > 'CSV UTF-8 (Comma delimited)'; "
    "Notepad: Save As > Encoding: UTF-8)"
)
# What the first bytes of a file say it is, whatever its name.
SIGNATURES = (
    (b"%PDF-", "a PDF document"),
    (b"PK\x03\x04", "a zip package"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE compound file"),
    (b"\x89PNG", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
)
OLE_ADVICE = (
    "it is password-protected, or saved in an old Office format (.xls or .doc); open it, "
    "remove the password (File > Info > Protect) and save it again as {kind}"
)


def file_kind(path: Path) -> str:
    """What the file's first bytes say it is: 'a PDF document', 'a zip package', 'text', ..."""
    with path.open("rb") as stream:
        head = stream.read(2048)
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    if not head:
        return "empty"
    if b"\x00" in head and not head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "binary data"
    return "text"


def check_supplied(path: Path, display: str, expected: str, kind_name: str) -> list[Problem]:
    """Problems that stop a supplied file before it is parsed: missing, empty, too large, or
    bytes of another kind than `expected` (one of SIGNATURES' kinds, or 'text')."""
    if not path.is_file():
        return [Problem(display, 1, 1, "", "no such file")]
    size = path.stat().st_size
    if size == 0:
        return [Problem(display, 1, 1, "", f"the file is empty; expected {kind_name}")]
    if size > MAX_SUPPLIED_BYTES:
        megabytes = MAX_SUPPLIED_BYTES // 1_000_000
        return [Problem(display, 1, 1, "", f"the file is larger than {megabytes} MB; refused")]
    found = file_kind(path)
    if found == expected:
        return []
    if found == "an OLE compound file":
        return [Problem(display, 1, 1, "", OLE_ADVICE.format(kind=kind_name))]
    return [Problem(display, 1, 1, "", f"expected {kind_name}, but the file is {found}")]


def read_text(path: Path, display: str) -> tuple[str | None, list[Problem]]:
    """A text file's contents (None if it cannot be read) and its problems.

    UTF-8 (with or without a byte-order mark) is read silently. Anything else is read as
    Windows-1252, which is what Excel's "CSV (Comma delimited)" and Notepad's "ANSI" write, with
    a warning saying how to save as UTF-8; bytes that Windows-1252 does not define either are
    refused rather than shown as the wrong letters.
    """
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16"), []
        except UnicodeDecodeError:
            pass
    try:
        return data.decode("utf-8-sig"), []
    except UnicodeDecodeError as error:
        line = data[: error.start].count(b"\n") + 1
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        message = f"is not UTF-8 text and not Windows-1252 either; refused: {UTF8_ADVICE}"
        return None, [Problem(display, line, 1, "", message)]
    warning = (
        f"not UTF-8; read as Windows-1252 (Excel's 'CSV (Comma delimited)'), "
        f"first such character on this line; {UTF8_ADVICE}"
    )
    return text, [Problem(display, line, 1, "", warning, WARNING)]


@dataclass
class Sheet:
    """One table as text cells: a header row and numbered rows, from a CSV file or a workbook."""

    display: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    sheet_name: str | None = None
    warnings: list[Problem] = field(default_factory=list)

    def where(self, row: int, column_name: str | None = None) -> str:
        """`sheet 'Entries', row 4, column 'phones'` (no sheet for a CSV file)."""
        parts = [f"sheet '{self.sheet_name}'"] if self.sheet_name else []
        parts.append(f"row {row}")
        if column_name:
            parts.append(f"column '{column_name}'")
        return ", ".join(parts)


def read_sheet(path: Path, display: str) -> tuple[Sheet | None, list[Problem]]:
    """The first sheet of an .xlsx workbook, or a .csv file, as text cells."""
    if path.suffix.lower() == ".xlsx":
        problems = check_supplied(path, display, "a zip package", "an Excel workbook (.xlsx)")
        return (None, problems) if problems else _read_workbook(path, display)
    problems = check_supplied(path, display, "text", "a CSV text file")
    if problems:
        return None, problems
    text, problems = read_text(path, display)
    if text is None:
        return None, problems
    sheet, found = _read_csv_text(text, display)
    if sheet:
        sheet.warnings = problems  # the encoding's, which the sheet's document carries
    return sheet, found


def _read_csv_text(text: str, display: str) -> tuple[Sheet | None, list[Problem]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
        rows = [(reader.line_num, cells) for cells in reader]
    except StopIteration:
        return None, [Problem(display, 1, 1, "", "the file is empty; expected a header row")]
    except csv.Error as error:
        line = reader.line_num
        return None, [Problem(display, line, 1, f"row {line}", f"not readable as CSV: {error}")]
    return Sheet(display, [name.strip() for name in header], rows), []


def _read_workbook(path: Path, display: str) -> tuple[Sheet | None, list[Problem]]:
    from openpyxl import load_workbook  # here: most builds read no workbook at all
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, EOFError) as error:
        message = f"the workbook is damaged or incomplete (a download cut short?): {error}"
        return None, [Problem(display, 1, 1, "", message)]
    except (InvalidFileException, KeyError, ValueError, OSError) as error:
        message = f"not an Excel workbook (.xlsx) that can be read: {error}"
        return None, [Problem(display, 1, 1, "", message)]
    try:
        worksheet = workbook.worksheets[0]
        raw = list(worksheet.iter_rows(values_only=True))
        values = [
            (number, [cell_text(value) for value in row]) for number, row in enumerate(raw, 1)
        ]
    except (zipfile.BadZipFile, EOFError, KeyError, ValueError) as error:
        message = f"the workbook is damaged or incomplete: {error}"
        return None, [Problem(display, 1, 1, "", message)]
    finally:
        workbook.close()
    name = worksheet.title
    if not values or not any(values[0][1]):
        return None, [
            Problem(display, 1, 1, f"sheet '{name}'", "the sheet is empty; expected a header row")
        ]
    header = [text.strip() for text in values[0][1]]
    while header and not header[-1]:
        header.pop()
    numbers = [
        Problem(
            display, 1, column, f"sheet '{name}', header", NUMBER_HEADER.format(cell_text(cell))
        )
        for column, cell in enumerate(raw[0][: len(header)], start=1)
        if isinstance(cell, float)
    ]
    if numbers:
        return None, numbers
    width = len(header)
    rows = [(number, (cells + [""] * width)[:width]) for number, cells in values[1:]]
    return Sheet(display, header, rows, sheet_name=name), []


# Excel stores a header typed as 1.10 as the number 1.1: the item it named cannot be known.
NUMBER_HEADER = (
    "the header {} is a number, so Excel may have changed it (1.10 becomes 1.1); start the "
    "header with the item id followed by its question, such as '1.10 Is there a system...'"
)


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


def write_starter_workbook(
    path: Path, sheet_name: str, columns: tuple[str, ...], example: dict, lists: dict
) -> None:
    """A workbook with the format's header row, a sample row and drop-down lists per column.

    `lists` maps a column to the values offered; `open` columns accept other values too.
    Long lists live on a hidden sheet (an in-cell list holds at most 255 characters).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    sheet.append(list(columns))
    sheet.append([example.get(name, "") for name in columns])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DCE6F0")
    for cell in sheet[2]:
        cell.font = Font(italic=True, color="6B7280")
    sheet.freeze_panes = "A2"
    choices = workbook.create_sheet("Lists")
    choices.sheet_state = "hidden"
    for number, (name, offered) in enumerate(lists.items(), start=1):
        letter = get_column_letter(number)
        choices.cell(1, number, name)
        for row, value in enumerate(offered["values"], start=2):
            choices.cell(row, number, value)
        last = len(offered["values"]) + 1
        validation = DataValidation(
            type="list",
            formula1=f"Lists!${letter}$2:${letter}${last}",
            allow_blank=True,
            errorStyle="information" if offered.get("open") else "stop",
            showErrorMessage=True,
            error=offered.get("hint", f"Choose a value from the list for {name}."),
        )
        column = get_column_letter(columns.index(name) + 1)
        validation.add(f"{column}2:{column}2000")
        sheet.add_data_validation(validation)
    for number, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(number)].width = max(14, len(name) + 4)
    workbook.properties.creator = "protocol packet builder"
    workbook.save(path)
