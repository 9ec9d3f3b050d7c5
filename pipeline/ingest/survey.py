"""Survey exports (.csv, .xlsx): one answer set per respondent row."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline import schema
from pipeline.assessment import (
    check_answers,
    items_by_id,
    rated_domains,
)
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
    normalise_respondent,
)
from pipeline.sheets import Sheet, read_sheet
from pipeline.yamlfile import FieldPath

ITEM_HEADER = re.compile(r"^\s*(\d{1,2}\.\d{1,2}(?:\.[a-z])?)(?=$|[\s.:)\-–—])", re.IGNORECASE)
RATING_HEADER = re.compile(
    r"^\s*(?:rating\s*(?:of\s*)?(?:domain\s*)?(\d{1,2})|(?:domain\s*)?(\d{1,2})\s*rating)\b",
    re.IGNORECASE,
)
COMMENT_HEADER = re.compile(
    r"^\s*(?:comments?\s*(?:on\s*)?(?:domain\s*)?(\d{1,2})|(?:domain\s*)?(\d{1,2})\s*comments?)\b",
    re.IGNORECASE,
)
RESPONDENT_HEADERS = {
    "role": ("role", "your role", "respondent role", "job title", "position"),
    "name": ("name", "your name", "respondent name", "respondent", "full name"),
    "date": ("date", "respondent date", "date completed"),
}
QUALTRICS_IMPORT_ROW = '{"importid"'


@dataclass(frozen=True)
class Column:
    """What a survey column holds: (answers, 1.5), (ratings, 3) or (respondent, role)."""

    section: str
    key: str
    number: int
    header: str


def survey_columns(sheet: Sheet) -> tuple[list[Column], list[Problem], list[str]]:
    """The columns the assessment reads; problems for unknown items; the ignored headers."""
    known = items_by_id()
    rated = {str(domain["number"]) for domain in rated_domains()}
    domains = {str(domain["number"]) for domain in content("assessment")["domains"]}
    columns, problems, ignored = [], [], []
    seen: dict[tuple[str, str], str] = {}
    for number, header in enumerate(sheet.header, start=1):
        column, message = classify_header(header, known, rated, domains)
        where = f"{sheet.where(1)}, column '{header}'" if sheet.sheet_name else f"column '{header}'"
        if message:
            problems.append(Problem(sheet.display, 1, number, where, message))
            continue
        if column is None:
            if header:
                ignored.append(header)
            continue
        column = Column(column[0], column[1], number, header)
        if (column.section, column.key) in seen:
            message = f"a second column for {field_label((column.section, column.key))}"
            problems.append(
                Problem(
                    sheet.display,
                    1,
                    number,
                    where,
                    f"{message} (the first is '{seen[(column.section, column.key)]}'); keep one",
                )
            )
            continue
        seen[(column.section, column.key)] = header
        columns.append(column)
    if not any(column.section == "respondent" and column.key == "role" for column in columns):
        problems.append(
            Problem(
                sheet.display,
                1,
                1,
                "header",
                "no 'Role' column; the assessment names "
                "each respondent by role, so the survey must ask for it",
            )
        )
    return columns, problems, ignored


def classify_header(
    header: str, known: dict, rated: set[str], domains: set[str]
) -> tuple[tuple[str, str] | None, str | None]:
    """(section, key) for a header the assessment reads, or an error message, or neither."""
    plain = header.strip().rstrip(":?").strip().lower()
    for key, names in RESPONDENT_HEADERS.items():
        if plain in names:
            return ("respondent", key), None
    if match := ITEM_HEADER.match(header):
        item_id = match.group(1).lower()
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
    if match := RATING_HEADER.match(header):
        domain = match.group(1) or match.group(2)
        if domain not in rated:
            return None, f"domain {domain} has no 1-5 rating; ratings are for domains 1 to 11"
        return ("ratings", domain), None
    if match := COMMENT_HEADER.match(header):
        domain = match.group(1) or match.group(2)
        if domain not in domains:
            return None, f"there is no domain {domain}; comments are for domains 1 to 12"
        return ("comments", domain), None
    return None, None


def read_survey(path: Path, display: str) -> tuple[list[AnswerSet], list[Problem], list[str]]:
    """One answer set per respondent row of a survey export (Microsoft Forms, Google Forms,
    Qualtrics ... as .csv or .xlsx)."""
    sheet, problems = read_sheet(path, display)
    if sheet is None:
        return [], problems, []
    columns, problems, ignored = survey_columns(sheet)
    notes = []
    if ignored:
        notes.append(
            f"{display}: ignored {len(ignored)} columns the assessment does not use "
            f"(their contents are not copied): {', '.join(ignored)}"
        )
    if problems:
        return [], problems + sheet.warnings, notes
    answer_sets, warnings = [], list(sheet.warnings)
    for line, cells in survey_rows(sheet):
        found, row_problems = survey_answer_set(sheet, line, cells, columns)
        problems += row_problems
        if found is None and not row_problems:
            message = "no answers in this row; skipped"
            warnings.append(Problem(display, line, 1, sheet.where(line), message, WARNING))
        elif found:
            answer_sets.append(found)
    if not answer_sets and not problems:
        problems.append(Problem(display, 1, 1, "", "no respondent rows with answers"))
    return answer_sets, problems + warnings, notes


def survey_rows(sheet: Sheet) -> list[tuple[int, list[str]]]:
    """Respondent rows: not blank, and not Qualtrics' two extra header rows (question text, and
    the `{"ImportId": ...}` row)."""
    rows = [(line, cells) for line, cells in sheet.rows if any(cell.strip() for cell in cells)]
    for index, (_, cells) in enumerate(rows[:2]):
        if any(cell.strip().lower().startswith(QUALTRICS_IMPORT_ROW) for cell in cells):
            return rows[index + 1 :]
    return rows


def survey_answer_set(
    sheet: Sheet, line: int, cells: list[str], columns: list[Column]
) -> tuple[AnswerSet | None, list[Problem]]:
    """One row's answer set (None for a row with nothing to read) and its problems."""
    data: dict[str, Any] = {"respondent": {}, "answers": {}, "ratings": {}}
    places: dict[FieldPath, tuple[int, int, str]] = {}
    problems: list[Problem] = []
    for column in columns:
        text = cells[column.number - 1].strip() if column.number <= len(cells) else ""
        if not text:
            continue
        where = f"{sheet.where(line)}, {field_label((column.section, column.key))}"
        places[(column.section, column.key)] = (line, column.number, where)
        value, message = survey_value(column, text)
        if message:
            problems.append(Problem(sheet.display, line, column.number, where, message))
        else:
            data.setdefault(column.section, {})[column.key] = value
    if not data["answers"] and not data["ratings"] and not data.get("comments"):
        return None, problems
    problems += normalise_respondent(data, sheet.display, (line, 1), f"{sheet.where(line)}, ")
    if problems:
        return None, problems
    document = SourceDocument(sheet.display, data, places)
    found = schema.check(document, "assessment") + check_answers(document)
    if found:
        return None, found
    return answer_set(sheet.display, data, document, sheet.where(line), line), []


def survey_value(column: Column, text: str) -> tuple[Any, str | None]:
    """A cell's value as an assessment file holds it, or the message for a value that is not."""
    if column.section == "answers":
        return item_answer(text)
    if column.section == "ratings":
        return rating_value(text)
    return text, None


def plain_words(text: str) -> str:
    """Lower case, straight apostrophes, single spaces: `Don’t  Know` -> `don't know`."""
    text = unicodedata.normalize("NFKC", text).replace("’", "'").replace("‘", "'")
    return " ".join(text.lower().split()).rstrip(".")


def item_answer(text: str) -> tuple[str | None, str | None]:
    choices = [plain_words(part) for part in MULTIPLE_CHOICES.split(text) if part.strip()]
    answers = [ANSWER_WORDS.get(choice) for choice in choices]
    if None in answers:
        return None, f"expected Yes, No or N/A (or Y, N, NA, Don't know), got {text!r}"
    if len(set(answers)) > 1:
        return None, f"two answers ({text}) for one item; give one"
    return answers[0], None


def rating_value(text: str) -> tuple[int | str | None, str | None]:
    """1-5, a label of the scale ('Somewhat strong'), both ('4 - Somewhat strong'), or N/A."""
    words = plain_words(text)
    if words in NOT_KNOWN:
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
