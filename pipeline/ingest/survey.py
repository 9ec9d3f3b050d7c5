"""Survey exports (.csv, .xlsx, .xls, .ods): one answer set per respondent row.

The layouts of the services' exports are in `layouts`; this module reads what each column
holds and checks every row, naming the row and the column (its header and position) of
every problem.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import schema
from pipeline.assessment import check_answers, items_by_id, rated_domains
from pipeline.content import content
from pipeline.errors import WARNING, Problem
from pipeline.ingest.answers import (
    ANSWER_WORDS,
    MULTIPLE_CHOICES,
    NOT_KNOWN,
    AnswerSet,
    SourceDocument,
    answer_set,
    field_label,
)
from pipeline.ingest.layouts import (
    NOT_A_NAME,
    Export,
    ExportColumn,
    export_layout,
    item_id_in,
    looks_like_item,
    plain,
)
from pipeline.sheets import Grid, read_grid, shown
from pipeline.sheets.dates import column_order, numeric_date, parse_written_date
from pipeline.yamlfile import CONTROL_CHARACTERS, CONTROL_MESSAGE, FieldPath

RATING_HEADER = re.compile(
    r"^\s*(?:rating\s*(?:of\s*)?(?:domain\s*)?(\d{1,2})|(?:domain\s*)?(\d{1,2})\s*rating)\b",
    re.IGNORECASE,
)
# A rating asked in a grid or with the domain's name: `Rate each domain [Domain 3: ...]`.
RATING_OF_DOMAIN = re.compile(r"\brat(?:e|ing)\b.*?\bdomain\s*(\d{1,2})\b", re.IGNORECASE)
COMMENT_HEADER = re.compile(
    r"^\s*(?:comments?\s*(?:on\s*)?(?:domain\s*)?(\d{1,2})|(?:domain\s*)?(\d{1,2})\s*comments?)\b",
    re.IGNORECASE,
)
RESPONDENT_HEADERS = {
    "role": re.compile(
        r"^(?:what is )?(?:your |respondent )?(?:role|job title|position)(?: at .*)?$"
    ),
    "name": re.compile(r"^(?:what is )?(?:your |respondent )?(?:full )?name$|^respondent$"),
    "date": re.compile(
        r"^(?:respondent |today'?s )?date(?: completed| of (?:the )?assessment| answered)?$"
        r"|^date completed$"
    ),
}
# `Your name (optional)`, `Date (MM/DD/YYYY)`, `Role *`: what follows the question's words.
PARENTHESES = re.compile(r"\s*\([^)]*\)\s*$|\s*\*\s*$")
# How to export answers as their words rather than codes, by service.
CHOICE_TEXT_ADVICE = {
    "Qualtrics": "export the responses again with 'Use choice text' (Data & Analysis > Export & "
    "Import > Export data > CSV or Excel > Use choice text), not 'Use numeric values'",
    "REDCap": "export the report with 'CSV / Microsoft Excel (labels)', not '(raw data)', with "
    "each field's label starting with its item id",
    "SurveyMonkey": "export 'All responses data' with 'Actual answer text', not 'Numerical value'",
}
GENERAL_ADVICE = "export the answers as their text (Yes, No, N/A), not as numeric codes"
ITEM_PLACES = (
    "an item column's header starts with its item id ('1.1 Have staff...'), holds it in "
    "brackets ('Domain 1 [1.1 Have staff...]'), after ' - ' ('Domain 1 - 1.1 ...'), or in "
    "the second header row (SurveyMonkey)"
)


@dataclass(frozen=True)
class Column:
    """What a survey column holds: (answers, 1.5), (ratings, 3) or (respondent, role)."""

    section: str
    key: str
    number: int
    header: str
    members: tuple[int, ...] = ()

    def text_in(self, cells: list[str]) -> str:
        """This column's answer in a row (see ExportColumn.text_in)."""
        return ExportColumn(self.number, self.header, [], self.members).text_in(cells)


def classify_header(
    header: str, known: dict, rated: set[str], domains: set[str]
) -> tuple[tuple[str, str] | None, str | None]:
    """(section, key) for a header the assessment reads, or an error message, or neither."""
    return classify_texts([header], known, rated, domains)


def classify_texts(
    texts: list[str], known: dict, rated: set[str], domains: set[str]
) -> tuple[tuple[str, str] | None, str | None]:
    """(section, key) for a column read by any of its texts (its row label, its question and
    row, its header), or an error message, or neither."""
    for text in texts:
        words = PARENTHESES.sub("", plain(text).rstrip(":?").strip()).rstrip(":?").strip()
        for key, pattern in RESPONDENT_HEADERS.items():
            if pattern.match(words):
                return ("respondent", key), None
    for text in texts:
        if item_id := item_id_in(text):
            if item_id not in known:
                return (
                    None,
                    f"unknown item '{item_id}'; the item ids are those of the assessment "
                    "(pipeline/content/assessment.yaml), such as 1.5 or 5.5.a",
                )
            if known[item_id].get("stem"):
                return (
                    None,
                    f"'{item_id}' is a heading; give columns for its sub-items "
                    f"{item_id}.a, {item_id}.b, ...",
                )
            return ("answers", item_id), None
    for text in texts:
        if match := COMMENT_HEADER.match(text):
            domain = match.group(1) or match.group(2)
            if domain not in domains:
                return None, f"there is no domain {domain}; comments are for domains 1 to 12"
            return ("comments", domain), None
    for text in texts:
        if match := RATING_HEADER.match(text) or RATING_OF_DOMAIN.search(text):
            domain = next(group for group in match.groups() if group)
            if domain not in rated:
                return None, f"domain {domain} has no 1-5 rating; ratings are for domains 1 to 11"
            return ("ratings", domain), None
    return None, None


@dataclass
class Columns:
    """The columns of an export the assessment reads, the ignored ones, and their problems."""

    read: list[Column]
    ignored: list[ExportColumn]
    problems: list[Problem]


def survey_columns(export: Export, grid: Grid) -> Columns:
    """The columns the assessment reads; problems for unknown items; the ignored columns."""
    known = items_by_id()
    rated = {str(domain["number"]) for domain in rated_domains()}
    domains = {str(domain["number"]) for domain in content("assessment")["domains"]}
    found = Columns([], [], [])
    seen: dict[tuple[str, str], Column] = {}
    line = export.header_line
    for column in export.columns:
        where = column_place(grid, line, column.header)
        if (line, column.number) in grid.numeric and looks_like_item(column.header):
            message = NUMBER_HEADER.format(column.header)
            found.problems.append(Problem(grid.display, line, column.number, where, message))
            continue
        kind, message = classify_texts(column.texts, known, rated, domains)
        if message:
            found.problems.append(Problem(grid.display, line, column.number, where, message))
            continue
        if kind is None or column.number in export.account_columns:
            if column.header:
                found.ignored.append(column)
            continue
        read = Column(kind[0], kind[1], column.number, column.header, column.members)
        if kind in seen:
            first = seen[kind].header
            message = f"a second column for {field_label(kind)} (the first is '{shown(first)}')"
            found.problems.append(
                Problem(grid.display, line, column.number, where, f"{message}; keep one")
            )
            continue
        seen[kind] = read
        found.read.append(read)
    name = account_name(export, seen)
    found.read += name
    found.ignored = [c for c in found.ignored if c.number not in {n.number for n in name}]
    return found


def account_name(export: Export, seen: dict) -> list[Column]:
    """The service's account name (Microsoft Forms' `Name`) as the respondent's name, when the
    survey did not ask for one."""
    if ("respondent", "name") in seen or not export.account_columns:
        return []
    column = next(c for c in export.columns if c.number in sorted(export.account_columns))
    return [Column("respondent", "name", column.number, column.header, column.members)]


def column_place(grid: Grid, line: int, header: str) -> str:
    """`sheet 'Form1', row 1, column 'Your role'` (no sheet for a CSV file)."""
    return f"{grid.place(line)}, column '{shown(header, 120)}'"


# Excel stores a header typed as 1.10 as the number 1.1: the item it named cannot be known.
NUMBER_HEADER = (
    "the header {} is a number, so Excel may have changed it (1.10 becomes 1.1); start the "
    "header with the item id followed by its question, such as '1.10 Is there a system...'"
)


def read_survey(
    path: Path, display: str, country: str | None = None
) -> tuple[list[AnswerSet], list[Problem], list[str]]:
    """One answer set per respondent row of a survey export (Google Forms, Microsoft Forms,
    SurveyMonkey, Qualtrics, REDCap's labels export, a spreadsheet); `country` (the agency's)
    says how dates written with numbers are read."""
    grid, problems = read_grid(path, display, ("responses", "form", "data"))
    if grid is None:
        return [], problems, []
    known = items_by_id()
    rated = {str(domain["number"]) for domain in rated_domains()}
    domains = {str(domain["number"]) for domain in content("assessment")["domains"]}

    def section_of(text: str) -> str | None:
        kind, message = classify_texts([text], known, rated, domains)
        return kind[0] if kind else ("answers" if message else None)

    export = export_layout(grid, section_of)
    columns = survey_columns(export, grid)
    notes = []
    if columns.ignored:
        headers = ", ".join(shown(column.header) for column in columns.ignored)
        notes.append(
            f"{display}: ignored {len(columns.ignored)} columns the assessment does not use "
            f"(their contents are not copied): {headers}"
        )
    problems = columns.problems + header_problems(export, columns, grid)
    if problems:
        return [], problems + grid.warnings, notes
    rows = [(line, cells) for line, cells in export.rows]
    problems = coded_answers(export, columns, grid, rows)
    if problems:
        return [], problems + grid.warnings, notes
    orders = date_orders(columns, rows, country)
    answer_sets, warnings, empty = [], list(grid.warnings), []
    for line, cells in rows:
        found, row_problems = survey_answer_set(grid, export, line, cells, columns.read, orders)
        problems += row_problems
        answered = found is not None and found.data["answers"]
        if not row_problems and not answered and item_like(columns):
            empty.append(line)
        elif found is None and not row_problems:
            message = "no answers in this row; skipped"
            warnings.append(Problem(display, line, 1, grid.place(line), message, WARNING))
        elif found:
            answer_sets.append(found)
    if empty:
        problems.append(unread_items(grid, export, columns, empty))
    if not answer_sets and not problems:
        problems.append(Problem(display, 1, 1, "", "no respondent rows with answers"))
    return answer_sets, problems + warnings, notes


def item_like(columns: Columns) -> list[ExportColumn]:
    """Ignored columns whose header holds an item id: answers the survey may hold unread."""
    return [column for column in columns.ignored if looks_like_item(column.header)]


def unread_items(grid: Grid, export: Export, columns: Columns, lines: list[int]) -> Problem:
    """Rows with no item answered while columns that look like items were not read."""
    unread = item_like(columns)
    names = ", ".join(f"'{shown(column.header)}'" for column in unread[:3])
    more = f" and {len(unread) - 3} more" if len(unread) > 3 else ""
    rows = ", ".join(str(line) for line in lines[:10]) + (" ..." if len(lines) > 10 else "")
    message = (
        f"no item answered in row(s) {rows}, while {len(unread)} columns that look like items "
        f"were not read: {names}{more}; {ITEM_PLACES}. Nothing was written"
    )
    first = unread[0]
    where = column_place(grid, export.header_line, first.header)
    return Problem(grid.display, export.header_line, first.number, where, message)


def header_problems(export: Export, columns: Columns, grid: Grid) -> list[Problem]:
    """One problem for an export in which no column is an item, a rating or a comment (a
    coded export, say), and one for a survey that does not ask the respondent's role."""
    sections = {column.section for column in columns.read}
    line = export.header_line
    if not sections & {"answers", "ratings", "comments"}:
        advice = CHOICE_TEXT_ADVICE.get(export.service, "")
        whose = f"this {export.service} export" if export.service else "this export"
        message = f"no column of {whose} was recognised as an assessment item, rating or comment; "
        message += f"{advice}; " if advice else ""
        return [Problem(grid.display, line, 1, "header", message + ITEM_PLACES)]
    if "respondent" not in sections or not any(c.key == "role" for c in columns.read):
        message = (
            "no 'Role' column; the assessment names each respondent by role, so the survey "
            "must ask for it (a question 'Your role')"
        )
        return [Problem(grid.display, line, 1, "header", message)]
    return []


def coded_answers(
    export: Export, columns: Columns, grid: Grid, rows: list[tuple[int, list[str]]]
) -> list[Problem]:
    """One problem for an export whose item answers are numeric codes (Qualtrics' 'numeric
    values', REDCap's raw data) rather than the words chosen."""
    items = [column for column in columns.read if column.section == "answers"]
    values = [value for _, cells in rows for column in items if (value := column.text_in(cells))]
    if not values or not all(value.isdigit() for value in values):
        return []
    advice = CHOICE_TEXT_ADVICE.get(export.service, GENERAL_ADVICE)
    codes = ", ".join(sorted(set(values))[:5])
    first = items[0]
    where = column_place(grid, export.header_line, first.header)
    message = f"the item answers are numeric codes ({codes}), not Yes, No or N/A; {advice}"
    return [Problem(grid.display, export.header_line, first.number, where, message)]


def date_orders(
    columns: Columns, rows: list[tuple[int, list[str]]], country: str | None
) -> dict[int, str | None]:
    """How each date column writes dates with numbers (see sheets.dates.column_order)."""
    return {
        column.number: column_order(
            (column.text_in(cells) for _, cells in rows), country, column.header
        )
        for column in columns.read
        if column.key == "date"
    }


def survey_answer_set(
    grid: Grid,
    export: Export,
    line: int,
    cells: list[str],
    columns: list[Column],
    orders: dict[int, str | None],
) -> tuple[AnswerSet | None, list[Problem]]:
    """One row's answer set (None for a row with nothing to read) and its problems."""
    data: dict[str, Any] = {"respondent": {}, "answers": {}, "ratings": {}}
    places: dict[FieldPath, tuple[int, int, str]] = {}
    problems: list[Problem] = []
    for column in columns:
        text = column.text_in(cells)
        label = field_label((column.section, column.key))
        where = f"{column_place(grid, line, column.header)} ({label})"
        places[(column.section, column.key)] = (line, column.number, where)
        if not text:
            continue
        if CONTROL_CHARACTERS.search(text):
            problems.append(Problem(grid.display, line, column.number, where, CONTROL_MESSAGE))
            continue
        value, message = survey_value(column, text, orders.get(column.number))
        if message:
            problems.append(Problem(grid.display, line, column.number, where, message))
        elif value is not None:
            data.setdefault(column.section, {})[column.key] = value
    if not data["answers"] and not data["ratings"] and not data.get("comments"):
        return None, problems
    if not data["respondent"].get("role"):
        line_, number, where = places.get(("respondent", "role"), (line, 1, grid.place(line)))
        message = (
            "empty; the respondent's role is needed (the assessment names respondents by role)"
        )
        problems.append(Problem(grid.display, line_, number, where, message))
    if problems:
        return None, problems
    document = SourceDocument(grid.display, data, places)
    found = schema.check(document, "assessment") + check_answers(document)
    if found:
        return None, found
    return answer_set(grid.display, data, document, grid.place(line), line), []


def survey_value(column: Column, text: str, order: str | None) -> tuple[Any, str | None]:
    """A cell's value as an assessment file holds it, or the message for a value that is not."""
    if column.section == "answers":
        return item_answer(text)
    if column.section == "ratings":
        return rating_value(text)
    if column.section == "respondent" and column.key == "name":
        return (None if plain(text) in NOT_A_NAME else text), None
    if column.section == "respondent" and column.key == "date":
        day = parse_written_date(text, order)
        if day is None:
            return None, date_message(text, order)
        return day.isoformat(), None
    return text, None


def date_message(text: str, order: str | None) -> str:
    numbers = numeric_date(text)
    if numbers and order is None and numbers[0] <= 12 and numbers[1] <= 12:
        return (
            f"{text!r} could be either day (month/day or day/month) and the agency's country "
            "does not say which; write it as 2026-10-12 or October 12, 2026"
        )
    written = {"mdy": "month/day/year", "dmy": "day/month/year"}.get(order, "")
    expected = f"a {written} date or " if written else ""
    return f"expected {expected}a date such as 2026-10-12 or October 12, 2026, got {text!r}"


def plain_words(text: str) -> str:
    """Lower case, straight apostrophes, single spaces: `Don’t  Know` -> `don't know`."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.lower().split()).rstrip(".")


# `N/A - Don't know`, `N/A | Don't know`: the scale's own wording of "not known".
NOT_KNOWN_PARTS = re.compile(r"\s*(?:\s[-–—]\s|[|/]\s|\s/|[;(),])\s*")


def not_known(words: str) -> bool:
    if words in NOT_KNOWN:
        return True
    parts = [part.strip() for part in NOT_KNOWN_PARTS.split(words) if part.strip()]
    return bool(parts) and all(part in NOT_KNOWN or part == "n/a" for part in parts)


def item_answer(text: str) -> tuple[str | None, str | None]:
    if not_known(plain_words(text)):
        return "n/a", None
    choices = [plain_words(part) for part in MULTIPLE_CHOICES.split(text) if part.strip()]
    answers = [
        ANSWER_WORDS.get(choice) or ("n/a" if not_known(choice) else None) for choice in choices
    ]
    if None in answers:
        return None, f"expected Yes, No or N/A (or Y, N, NA, Don't know), got {text!r}"
    if len(set(answers)) > 1:
        return None, f"two answers ({text}) for one item; give one"
    return answers[0], None


def rating_value(text: str) -> tuple[int | str | None, str | None]:
    """1-5, a label of the scale ('Somewhat strong'), both ('4 - Somewhat strong'), or N/A
    in the scale's words ('N/A - Don't know')."""
    words = plain_words(text)
    if not_known(words):
        return "N/A", None
    labels = {
        plain_words(option["label"]): option["value"]
        for option in content("assessment")["rating_scale"]
    }
    found = re.search(r"\b(\d+)(?:\.0+)?\b", words)
    number = int(found.group(1)) if found else None
    label = " ".join(re.sub(r"\d+(?:\.0+)?|[-–:=()]", " ", words).split())
    if label and label not in labels:
        message = "expected a rating from 1 to 5, a label such as 'Somewhat strong', or N/A"
        return None, f"{message}, got {text!r}"
    if number is not None and number not in range(1, 6):
        return None, f"expected a rating from 1 to 5 or N/A, got {text!r}"
    if number is not None and label and labels[label] != number:
        return None, f"the number and the label disagree in {text!r}"
    return (number if number is not None else labels[label]), None
