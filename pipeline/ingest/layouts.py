"""Survey exports as the services write them: which rows are headers, what each column asks.

- Google Forms: one header row; `Timestamp` and `Email Address` first; a grid question's
  columns are `Question [Row]`; checkbox answers joined by `, `.
- Microsoft Forms (.xlsx): `ID`, `Start time`, `Completion time`, `Email`, `Name` (the
  signed-in account, or `anonymous`) first; a Likert question is one column per statement.
- SurveyMonkey: two header rows, the question over the first column of each matrix and the
  row labels (or `Response`, `Open-Ended Response`) under it; respondent metadata first.
- Qualtrics: three header rows (export tags, question text `Question - Statement`, and
  `{"ImportId": ...}`); respondent metadata first.
- REDCap: `record_id` and variable names; only its "labels" export names the items.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from pipeline.sheets import Grid

# What a service's own columns look like, to know whose export it is.
SERVICES = (
    ("Qualtrics", {"responseid", "startdate", "recordeddate"}),
    ("SurveyMonkey", {"respondent id", "collector id"}),
    ("Microsoft Forms", {"start time", "completion time"}),
    ("Google Forms", {"timestamp"}),
    ("REDCap", {"record_id", "record id", "redcap_survey_identifier"}),
)
# The account a service records, which is not what the respondent gave as their name.
ACCOUNT_NAME_COLUMNS = {"Microsoft Forms": ("name",)}
NOT_A_NAME = {"anonymous", "anonymous user", "anon"}
UNDER_SINGLE_QUESTION = {"response", "open-ended response", ""}
# Where an item id stands in a header: at its start, inside its brackets (Google Forms'
# `Domain 1 [1.1 Have staff...]`), after ` - ` (Qualtrics' `Domain 1 - 1.1 Have staff...`),
# after a colon, or right after a question title and its period (`Domain 1.1.1 Have staff`).
ITEM_ID_PLACE = re.compile(
    r"(?:^|\[|\s[-–—]\s|:\s|[A-Za-z)]\.)\s*(\d{1,2}\.\d{1,2}(?:\.[a-z])?)(?=$|[\s.:)\]\-–—])",
    re.IGNORECASE,
)
ANY_ITEM_ID = re.compile(r"(?<![\d.])\d{1,2}\.\d{1,2}(?:\.[a-z])?(?![\d])", re.IGNORECASE)
GRID_HEADER = re.compile(r"^(.*?)\s*\[(.+)\]\s*$", re.DOTALL)


@dataclass
class ExportColumn:
    """One column: its number, its header as a person sees it, and the texts to read it by.
    `members` are the columns of one answer an export spreads over several (SurveyMonkey's
    expanded export gives each choice of a question its own column)."""

    number: int
    header: str
    texts: list[str]
    members: tuple[int, ...] = ()

    def text_in(self, cells: list[str]) -> str:
        """This column's answer in a row: its cell, or the filled cells of its members."""
        numbers = self.members or (self.number,)
        return ", ".join(
            cells[number - 1].strip()
            for number in numbers
            if number <= len(cells) and cells[number - 1].strip()
        )


@dataclass
class Export:
    """A survey export's layout: the service, the columns, and the respondent rows."""

    service: str
    columns: list[ExportColumn]
    rows: list[tuple[int, list[str]]]
    header_line: int = 1
    header_rows: int = 1
    account_columns: set[int] = field(default_factory=set)


def plain(text: str) -> str:
    return " ".join(text.strip().lower().split())


def service_of(header: list[str]) -> str:
    names = {plain(cell) for cell in header}
    for service, marks in SERVICES:
        if names & marks:
            return service
    if any(name.endswith("_complete") for name in names):
        return "REDCap"
    return ""


def export_layout(grid: Grid, classify) -> Export:
    """The layout of a survey export: its header rows found (below any title rows of a
    hand-made sheet), and each column's texts from every header row. `classify(text)` says
    what a header names: "answers", "respondent", "ratings", "comments" or None."""
    rows = [(line, cells) for line, cells in grid.rows if any(cell.strip() for cell in cells)]
    if not rows:
        return Export("", [], [], 1)
    start = next(
        (
            index
            for index, (_, cells) in enumerate(rows[:30])
            if service_of(cells) or any(classify(cell) for cell in cells if cell.strip())
        ),
        0,
    )
    header_line, header = rows[start]
    service = service_of(header)
    below = [cells for _, cells in rows[start + 1 : start + 3]]
    if service == "Qualtrics" or (below and is_import_row(below[-1])):
        return qualtrics(header_line, header, rows[start + 1 :], service or "Qualtrics")
    if service == "SurveyMonkey" and below:
        return surveymonkey(header_line, header, below[0], rows[start + 2 :], classify)
    columns = [
        ExportColumn(number, cell.strip(), grid_texts(cell))
        for number, cell in enumerate(header, start=1)
    ]
    export = Export(service, columns, rows[start + 1 :], header_line)
    export.account_columns = account_columns(export)
    return export


def grid_texts(header: str) -> list[str]:
    """`Domain 1 [1.1 Have staff...]` is read by its row label, then by question and row."""
    found = GRID_HEADER.match(header.strip())
    if not found:
        return [header.strip()]
    question, row = found.group(1).strip(), found.group(2).strip()
    return [row, f"{question} {row}", header.strip()]


def is_import_row(cells: list[str]) -> bool:
    """Qualtrics' third header row: `{"ImportId":"QID2_1"}` in its cells."""
    for cell in cells:
        text = cell.strip()
        if text.startswith("{") and "importid" in text.lower():
            try:
                return isinstance(json.loads(text), dict)
            except ValueError:
                return True
    return False


def qualtrics(header_line: int, tags: list[str], rest: list, service: str) -> Export:
    """Export tags, then the question text (`Domain 1 - 1.1 Have staff...`), then the
    ImportId row; older exports have no ImportId row."""
    texts = rest[0][1] if rest and not is_import_row(rest[0][1]) else []
    skip = 1 if texts else 0
    if len(rest) > skip and is_import_row(rest[skip][1]):
        skip += 1
    columns = []
    for number, tag in enumerate(tags, start=1):
        text = texts[number - 1].strip() if number <= len(texts) else ""
        shown = text or tag.strip()
        columns.append(ExportColumn(number, shown, [t for t in (tag.strip(), text) if t]))
    return Export(service, columns, rest[skip:], header_line, 1 + skip)


def surveymonkey(header_line: int, top: list[str], sub: list[str], rest: list, classify) -> Export:
    """The question over the first column of each matrix or choice list, the row labels or
    choices under it (`Response` under a question of one column). A matrix's rows are items;
    the choices of one question (the expanded export) are one answer."""
    width = max(len(top), len(sub))
    cell = lambda cells, number: cells[number - 1].strip() if number <= len(cells) else ""  # noqa: E731
    groups: list[list[int]] = []
    for number in range(1, width + 1):
        if cell(top, number) or not groups or not cell(sub, number):
            groups.append([number])
        else:
            groups[-1].append(number)
    columns = []
    for group in groups:
        question = cell(top, group[0])
        unders = [cell(sub, number) for number in group]
        single = len(group) == 1 and unders[0].lower() in UNDER_SINGLE_QUESTION
        if single or not question:
            header = question or unders[0]
            columns.append(ExportColumn(group[0], header, [header]))
        elif classify(question) in ("respondent", "ratings", "comments"):
            columns.append(ExportColumn(group[0], question, [question], tuple(group)))
        else:
            for number, under in zip(group, unders, strict=True):
                texts = [under, f"{question} {under}"]
                columns.append(ExportColumn(number, f"{question} [{under}]", texts))
    return Export("SurveyMonkey", columns, rest, header_line, 2)


def account_columns(export: Export) -> set[int]:
    """Columns where the service records the signed-in account, which are not the
    respondent's answer: Microsoft Forms' `Name`, right after its `Email` column."""
    names = ACCOUNT_NAME_COLUMNS.get(export.service, ())
    headers = [plain(column.header) for column in export.columns[:6]]
    if "email" not in headers:
        return set()
    after = headers.index("email") + 1
    if after < len(headers) and headers[after] in names:
        return {export.columns[after].number}
    return set()


def item_id_in(text: str) -> str | None:
    """The item id a header names where ids stand (start, brackets, after ` - `)."""
    found = ITEM_ID_PLACE.search(text)
    return found.group(1).lower() if found else None


def looks_like_item(header: str) -> bool:
    """A header with an item id anywhere in it (a column the respondent may have answered)."""
    return bool(ANY_ITEM_ID.search(header))
