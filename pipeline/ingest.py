"""Answers from the people who have them: filled forms and survey exports into respondent files.

Each filled Word form (.docx), filled PDF form (.pdf) or survey export row (.csv, .xlsx) becomes
one respondent's answer set, checked by the same rules as a hand-written
`assessment/<respondent>.yaml`, and written as such a file only when every file of the run is
free of errors.
"""

from __future__ import annotations

import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from pipeline import schema
from pipeline.assessment import (
    applicable_items,
    check_answers,
    items_by_id,
    normalise_answer,
    normalise_rating,
    rated_domains,
)
from pipeline.content import content
from pipeline.errors import WARNING, InputError, Problem, errors_and_warnings
from pipeline.forms import REFERENCE_TAG, form_reference
from pipeline.load import ASSESSMENT_FOLDER, PROFILE, agency_folder
from pipeline.sheets import Sheet, check_supplied, read_sheet
from pipeline.yamlfile import FieldPath, YamlDocument, read_yaml

FORM_SUFFIXES = (".docx", ".pdf")
SURVEY_SUFFIXES = (".csv", ".xlsx")
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
# Tag values in the forms -> the answer words of assessment files.
FORM_ANSWERS = {"yes": "yes", "no": "no", "na": "n/a"}
ANSWER_WORDS = {
    "yes": "yes",
    "y": "yes",
    "no": "no",
    "n": "no",
    "n/a": "n/a",
    "na": "n/a",
    "n.a": "n/a",
    "not applicable": "n/a",
    "don't know": "n/a",
    "dont know": "n/a",
}
NOT_KNOWN = {"n/a", "na", "n.a", "don't know", "dont know", "not applicable"}
MULTIPLE_CHOICES = re.compile(r"\s*[;,|]\s*")
DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")


@dataclass
class AnswerSet:
    """One respondent's answers as read from a form or a survey row, not yet written."""

    file: str  # the file as the user named it
    row: str  # "" for a form, "row 3" or "sheet 'Form1', row 3" for a survey
    line: int
    data: dict[str, Any]
    document: YamlDocument
    answered: int = 0
    applicable: int = 0
    target: Path | None = None
    outcome: str = ""

    @property
    def source(self) -> str:
        """`forms/ana.pdf`, or `survey.csv, row 3`."""
        return ", ".join(filter(None, [self.file, self.row]))

    @property
    def origin(self) -> str:
        """The source without the folders it was in (they may name a person or a place)."""
        return ", ".join(filter(None, [Path(self.file).name, self.row]))


@dataclass
class IngestReport:
    """What a run read and wrote, per respondent, and the run's warnings."""

    answer_sets: list[AnswerSet] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class SourceDocument(YamlDocument):
    """Answers read from a form or a survey row; problems name the item, not a YAML line."""

    def __init__(self, display: str, data: Any, places: dict[FieldPath, tuple[int, int, str]]):
        super().__init__(Path(display), display, data)
        self.places = places

    def problem(self, field_path: FieldPath, message: str) -> Problem:
        for length in range(len(field_path), -1, -1):
            if field_path[:length] in self.places:
                line, column, label = self.places[field_path[:length]]
                return Problem(self.display, line, column, label, message)
        return Problem(self.display, 1, 1, field_label(field_path), message)


def field_label(field_path: FieldPath) -> str:
    """How a respondent would name a field: `item 1.5`, `rating of domain 3`, `your role`."""
    if len(field_path) < 2:
        return ".".join(str(part) for part in field_path)
    section, key = field_path[0], field_path[1]
    return {
        "answers": f"item {key}",
        "ratings": f"rating of domain {key}",
        "comments": f"comment on domain {key}",
        "respondent": f"respondent {key}",
    }.get(section, f"{section} {key}")


def ingest(folder: Path, files: list[Path], replace: bool = False) -> IngestReport:
    """Read every file, check every answer set, then write respondent files (or nothing)."""
    folder = agency_folder(folder)
    report = IngestReport()
    problems: list[Problem] = []
    for path in files:
        found, file_problems, notes = read_answers(path, folder.name)
        errors, warnings = errors_and_warnings(file_problems)
        problems += errors
        report.warnings += warnings
        report.notes += notes
        if not errors:
            report.answer_sets += found
    if not problems:
        problems += plan_targets(report.answer_sets, folder / ASSESSMENT_FOLDER, replace)
    if problems:
        raise InputError(problems)
    agency_type = agency_type_of(folder) if (folder / PROFILE).is_file() else None
    for found in report.answer_sets:
        count_answers(found, agency_type)
    write_targets(report.answer_sets)
    return report


def read_answers(path: Path, slug: str) -> tuple[list[AnswerSet], list[Problem], list[str]]:
    """Answer sets of one file, its problems, and notes about what was ignored."""
    display = str(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        values, problems = read_word_form(path, display)
    elif suffix == ".pdf":
        values, problems = read_pdf_form(path, display)
    elif suffix in SURVEY_SUFFIXES:
        return read_survey(path, display)
    else:
        expected = ", ".join(FORM_SUFFIXES + SURVEY_SUFFIXES)
        message = f"expected a filled form or a survey export ({expected})"
        return [], [Problem(display, 1, 1, "", message)], []
    if problems:
        return [], problems, []
    answer_set, problems = answers_from_form(values, display, slug)
    return ([answer_set] if answer_set else []), problems, []


# Forms -------------------------------------------------------------------------------------


def read_word_form(path: Path, display: str) -> tuple[dict[str, bool | str], list[Problem]]:
    """Tag -> ticked (checkboxes) or typed text (text fields) of a filled Word form."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from docx.oxml.ns import qn
    from lxml.etree import XMLSyntaxError

    problems = check_supplied(path, display, "a zip package", "a Word document (.docx)")
    if problems:
        return {}, problems
    try:
        body = Document(path).element.body
    except (zipfile.BadZipFile, EOFError) as error:
        return {}, [Problem(display, 1, 1, "", f"the file is damaged or incomplete: {error}")]
    except (PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as error:
        return {}, [Problem(display, 1, 1, "", f"not a Word document that can be read: {error}")]
    values: dict[str, bool | str] = {}
    for control in body.iter(qn("w:sdt")):
        properties = control.find(qn("w:sdtPr"))
        tag = properties.find(qn("w:tag")) if properties is not None else None
        if tag is None:
            continue
        name = tag.get(qn("w:val"), "")
        box = properties.find(f"{{{W14}}}checkbox")
        if box is not None:
            checked = box.find(f"{{{W14}}}checked")
            state = checked.get(f"{{{W14}}}val", "0") if checked is not None else "0"
            values[name] = state.lower() in ("1", "true")
        elif properties.find(qn("w:showingPlcHdr")) is not None:
            values[name] = ""
        else:
            values[name] = control_text(control.find(qn("w:sdtContent")))
    if not values:
        return {}, [Problem(display, 1, 1, "", NO_FIELDS.format(kind="Word document"))]
    return values, []


NO_FIELDS = (
    "this {kind} has no form fields to read: fill in the form `packet forms` wrote (in Word or "
    "LibreOffice for the .docx; in a PDF reader for the .pdf). Editors such as Google Docs, "
    "and printing to PDF, drop the fields"
)


def control_text(content) -> str:
    """A text control's typed text, its paragraphs and line breaks kept as lines."""
    from docx.oxml.ns import qn

    if content is None:
        return ""
    lines = []
    for paragraph in content.iter(qn("w:p")) if content.find(qn("w:p")) is not None else [content]:
        text = ""
        for node in paragraph.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
            text += node.text or "" if node.tag == qn("w:t") else "\n" if "br" in node.tag else "\t"
        lines.append(text)
    return "\n".join(lines).strip()


def read_pdf_form(path: Path, display: str) -> tuple[dict[str, bool | str], list[Problem]]:
    """Field name -> ticked (checkboxes) or typed text of a filled PDF form."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PdfReadError

    problems = check_supplied(path, display, "a PDF document", "a PDF form (.pdf)")
    if problems:
        return {}, problems
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            message = "the PDF is password-protected; save it again without a password"
            return {}, [Problem(display, 1, 1, "", message)]
        fields = reader.get_fields() or {}
    except FileNotDecryptedError:
        message = "the PDF is password-protected; save it again without a password"
        return {}, [Problem(display, 1, 1, "", message)]
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as error:
        message = f"the PDF is damaged or incomplete and cannot be read: {error}"
        return {}, [Problem(display, 1, 1, "", message)]
    values: dict[str, bool | str] = {}
    for name, found in fields.items():
        kind, value = found.get("/FT"), found.get("/V")
        if kind == "/Btn":
            values[name] = value is not None and str(value) not in ("/Off", "", "Off")
        elif kind == "/Tx":
            values[name] = str(value).strip() if value is not None else ""
    if not values:
        return {}, [Problem(display, 1, 1, "", NO_FIELDS.format(kind="PDF"))]
    return values, []


def answers_from_form(
    values: dict[str, bool | str], display: str, slug: str
) -> tuple[AnswerSet | None, list[Problem]]:
    """One respondent's answer set from a form's tags; problems for what no form could mean."""
    problems = reference_problems(values.get(REFERENCE_TAG), display, slug)
    if any(not problem.is_warning for problem in problems):
        return None, problems
    ticked, texts, unknown = sorted_fields(values)
    problems += [
        Problem(display, 1, 1, tag, "a field this tool did not make; ignored", WARNING)
        for tag in unknown
    ]
    data: dict[str, Any] = {"respondent": {}, "answers": {}, "ratings": {}}
    places: dict[FieldPath, tuple[int, int, str]] = {}
    for (kind, key), choices in ticked.items():
        section = "answers" if kind == "answer" else "ratings"
        places[(section, key)] = (1, 1, field_label((section, key)))
        if len(choices) > 1:
            words = " and ".join(CHOICE_WORDS.get(choice, choice) for choice in choices)
            message = f"{words} are both ticked; tick one box"
            problems.append(Problem(display, 1, 1, field_label((section, key)), message))
        else:
            data[section][key] = form_choice(kind, choices[0])
    for (kind, key), text in texts.items():
        section = "respondent" if kind == "respondent" else "comments"
        data.setdefault(section, {})[key] = text
        label = f"your {key}" if kind == "respondent" else field_label((section, key))
        places[(section, key)] = (1, 1, label)
    problems += normalise_respondent(data, display, (1, 1))
    if any(not problem.is_warning for problem in problems):
        return None, problems
    document = SourceDocument(display, data, places)
    found = schema.check(document, "assessment") + check_answers(document)
    if found:
        return None, found + problems
    return answer_set(display, data, document), problems


def reference_problems(reference: object, display: str, slug: str) -> list[Problem]:
    """An error for a form made for another agency; a warning for one that does not say."""
    if reference is None:
        message = f"the form carries no agency reference; could not check it was made for {slug}"
        return [Problem(display, 1, 1, "", message, WARNING)]
    if reference != form_reference(slug):
        message = (
            f"this form was made for the agency '{reference}', not '{slug}'; send this "
            f"respondent the form from `packet forms inputs/{slug}`"
        )
        return [Problem(display, 1, 1, REFERENCE_TAG, message)]
    return []


def sorted_fields(
    values: dict[str, bool | str],
) -> tuple[dict[tuple[str, str], list[str]], dict[tuple[str, str], str], list[str]]:
    """The ticked choices per answer or rating, the typed texts, and tags no form of ours has."""
    ticked: dict[tuple[str, str], list[str]] = {}
    texts: dict[tuple[str, str], str] = {}
    unknown = []
    for tag, value in values.items():
        kind, _, rest = tag.partition("/")
        if kind in ("answer", "rating"):
            key, _, choice = rest.rpartition("/")
            if value is True:
                ticked.setdefault((kind, key), []).append(choice)
        elif kind in ("comment", "respondent"):
            if value:
                texts[(kind, rest)] = str(value)
        elif kind != "form":
            unknown.append(tag)
    return ticked, texts, unknown


CHOICE_WORDS = {"yes": "Yes", "no": "No", "na": "N/A"}


def form_choice(kind: str, choice: str) -> str | int:
    """A ticked box's tag value as an assessment file writes it."""
    if kind == "answer":
        return FORM_ANSWERS.get(choice, choice)
    return "N/A" if choice == "na" else int(choice) if choice.isdigit() else choice


def normalise_respondent(
    data: dict[str, Any], display: str, where: tuple[int, int], prefix: str = ""
) -> list[Problem]:
    """The date as YYYY-MM-DD from the ways people write it; a role is required."""
    respondent = data["respondent"]
    problems = []
    if not respondent.get("role"):
        problems.append(
            Problem(
                display,
                *where,
                f"{prefix}your role",
                "empty; the respondent's role is needed (the assessment names respondents by role)",
            )
        )
    if respondent.get("date"):
        day = parse_written_date(respondent["date"])
        if day is None:
            problems.append(
                Problem(
                    display,
                    *where,
                    f"{prefix}date",
                    f"expected a date such as 2026-10-12 "
                    f"or October 12, 2026, got {respondent['date']!r}",
                )
            )
        else:
            respondent["date"] = day.isoformat()
    return problems


def parse_written_date(text: str) -> date | None:
    """`2026-10-12`, `October 12, 2026`, `12 Oct 2026`; not `10/12/2026` (which day is it?)."""
    text = text.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def answer_set(
    file: str, data: dict[str, Any], document: YamlDocument, row: str = "", line: int = 1
) -> AnswerSet:
    return AnswerSet(file=file, row=row, line=line, data=ordered(data), document=document)


def count_answers(found: AnswerSet, agency_type: str | None) -> None:
    """How many of the items that apply (to these answers and this agency type) were answered."""
    answers = {key: str(value) for key, value in found.data["answers"].items()}
    applicable = applicable_items(answers, agency_type)
    found.answered = len([item for item in applicable if item in answers])
    found.applicable = len(applicable)


def agency_type_of(folder: Path) -> str | None:
    """The agency's type, if its profile says; the counts are only a summary, so no more."""
    document, _ = read_yaml(folder / PROFILE, str(folder / PROFILE))
    agency = document.data.get("agency") if document and isinstance(document.data, dict) else None
    return agency.get("type") if isinstance(agency, dict) else None


def ordered(data: dict[str, Any]) -> dict[str, Any]:
    """Fields in the order of a hand-written file: respondent, answers in the tool's order..."""
    order = list(items_by_id())
    respondent = {
        key: data["respondent"][key]
        for key in ("role", "name", "date")
        if data["respondent"].get(key)
    }
    result = {
        "respondent": respondent,
        "answers": {key: data["answers"][key] for key in order if key in data["answers"]},
        "ratings": {key: data["ratings"][key] for key in sorted(data["ratings"], key=int)},
    }
    if data.get("comments"):
        result["comments"] = {
            key: data["comments"][key] for key in sorted(data["comments"], key=int)
        }
    return result


# Survey exports -----------------------------------------------------------------------------

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


# Writing -------------------------------------------------------------------------------------


def respondent_slug(data: dict[str, Any]) -> str:
    """`Dr. Rosa Delgado` -> `dr-rosa-delgado`; the role when no name was given."""
    text = data["respondent"].get("name") or data["respondent"]["role"]
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return slug or "respondent"


def plan_targets(answer_sets: list[AnswerSet], folder: Path, replace: bool) -> list[Problem]:
    """Choose each respondent's file; problems for files that exist with other answers."""
    problems = []
    taken: Counter[str] = Counter()
    for found in answer_sets:
        base = respondent_slug(found.data)
        taken[base] += 1
        name = base if taken[base] == 1 else f"{base}-{taken[base]}"
        found.target = folder / f"{name}.yaml"
        if not found.target.exists():
            found.outcome = "new"
            continue
        existing, _ = read_yaml(found.target, str(found.target))
        if existing is not None and same_answers(existing.data, found.data):
            found.outcome = "unchanged"
        elif replace:
            found.outcome = "replaced"
        else:
            problems.append(
                Problem(
                    found.file,
                    found.line,
                    1,
                    found.row,
                    f"{found.target} already exists with other answers; "
                    "give --replace to overwrite it, or check that this is not another "
                    "respondent with the same name or role",
                )
            )
    return problems


def same_answers(written: Any, read: dict[str, Any]) -> bool:
    """True when an existing respondent file says what was read (`yes` and `'yes'` alike)."""
    if not isinstance(written, dict):
        return False

    def normal(data: dict[str, Any]) -> dict[str, Any]:
        answers = data.get("answers") or {}
        ratings = data.get("ratings") or {}
        return {
            "respondent": data.get("respondent"),
            "answers": {key: normalise_answer(value) for key, value in answers.items()},
            "ratings": {key: normalise_rating(value) for key, value in ratings.items()},
            "comments": data.get("comments") or {},
        }

    try:
        return normal(written) == normal(read)
    except (AttributeError, TypeError):
        return False


def write_targets(answer_sets: list[AnswerSet]) -> None:
    for found in answer_sets:
        if found.outcome == "unchanged":
            continue
        found.target.parent.mkdir(parents=True, exist_ok=True)
        staging = found.target.with_name(f".{found.target.name}.tmp")
        staging.write_text(respondent_yaml(found), encoding="utf-8")
        staging.replace(found.target)


def respondent_yaml(found: AnswerSet) -> str:
    body = yaml.safe_dump(found.data, sort_keys=False, allow_unicode=True, width=100)
    return (
        f"# Service assessment answers of one respondent, read by `packet ingest` from\n"
        f"# {found.origin}.\n{body}"
    )


def summary_line(found: AnswerSet) -> str:
    """`forms/ana.pdf: 80 of 82 items answered, 11 ratings, 2 comments -> ... (new)`."""
    ratings = len(found.data["ratings"])
    comments = len(found.data.get("comments", {}))
    return (
        f"{found.source}: {found.answered} of {found.applicable} items answered, "
        f"{ratings} of {len(rated_domains())} domains rated, "
        f"{comments} comment{'' if comments == 1 else 's'} "
        f"-> {found.target} ({found.outcome})"
    )
