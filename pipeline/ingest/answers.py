"""One respondent's answers as read from a form or a survey row, before they are written."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pipeline.assessment import (
    applicable_items,
    items_by_id,
)
from pipeline.errors import WARNING, Problem
from pipeline.sheets.dates import parse_written_date
from pipeline.yamlfile import FieldPath, YamlDocument, read_yaml

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
    warnings: int = 0  # warnings about this respondent's answers, shown before the summary

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
    wording: list = field(default_factory=list)  # WordingUpdate of each edited document, in order


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


def agency_facts(profile: Path) -> tuple[str | None, str | None]:
    """The agency's type and country code, if its profile says; the counts are only a summary
    and the country only settles how dates are read, so no more is checked."""
    document, _ = read_yaml(profile, str(profile))
    agency = document.data.get("agency") if document and isinstance(document.data, dict) else None
    agency = agency if isinstance(agency, dict) else {}
    address = agency.get("address") if isinstance(agency.get("address"), dict) else {}
    country = address.get("country")
    agency_type = agency.get("type")
    return (
        agency_type if isinstance(agency_type, str) else None,
        country.upper() if isinstance(country, str) else None,
    )


def few_answers(found: AnswerSet) -> list[Problem]:
    """A warning for a survey respondent who answered fewer than half of the items that apply
    (a form shows the respondent every item; an export may hold only some of them)."""
    if not found.row or not found.applicable or found.answered * 2 >= found.applicable:
        return []
    message = (
        f"only {found.answered} of the {found.applicable} items that apply were answered "
        "(fewer than half); check that the form or the export holds all of this respondent's "
        "answers"
    )
    return [Problem(found.file, found.line, 1, found.row, message, WARNING)]


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
