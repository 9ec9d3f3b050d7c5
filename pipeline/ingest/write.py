"""Respondent files: a name for each answer set, never one file for two respondents."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path
from typing import Any

from pipeline.assessment import (
    normalise_answer,
    normalise_rating,
    rated_domains,
)
from pipeline.errors import WARNING, Problem, counted, one_line
from pipeline.ingest.answers import AnswerSet
from pipeline.yamlfile import dump_yaml, read_yaml


def respondent_slug(data: dict[str, Any]) -> str:
    """`Dr. Rosa Delgado` -> `dr-rosa-delgado`; the role when no name was given."""
    text = data["respondent"].get("name") or data["respondent"]["role"]
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-")
    return slug or "respondent"


def drop_repeats(answer_sets: list[AnswerSet]) -> tuple[list[AnswerSet], list[Problem]]:
    """The answer sets with each repeat of an earlier one from another file (the same file
    named twice, a form or an export saved twice) left out, and a warning for each: one
    respondent is never counted twice. Two rows of one export alike are two submissions."""
    kept: list[AnswerSet] = []
    warnings = []
    for found in answer_sets:
        first = next(
            (
                seen
                for seen in kept
                if (seen.file != found.file or not found.row)
                and same_answers(seen.data, found.data)
            ),
            None,
        )
        if first is None:
            kept.append(found)
            continue
        message = f"the same respondent and answers as {one_line(first.source)}; read once"
        warnings.append(Problem(found.file, found.line, 1, found.row, message, WARNING))
    return kept, warnings


def plan_targets(answer_sets: list[AnswerSet], folder: Path, replace: bool) -> list[Problem]:
    """Choose each respondent's file; problems for files that exist with other answers."""
    problems = []
    taken: set[str] = set()
    for found in answer_sets:
        # Ana, Ana and Ana 2 become ana, ana-2 and ana-2-2: never one file for two respondents.
        base = name = respondent_slug(found.data)
        number = 1
        while name in taken:
            number += 1
            name = f"{base}-{number}"
        taken.add(name)
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


def respondent_texts(answer_sets: list[AnswerSet]) -> dict[Path, str]:
    """The respondent files to write: every answer set not already in its file."""
    return {
        found.target: respondent_yaml(found)
        for found in answer_sets
        if found.outcome != "unchanged"
    }


def respondent_yaml(found: AnswerSet) -> str:
    body = dump_yaml(found.data)
    return (
        f"# Service assessment answers of one respondent, read by `packet ingest` from\n"
        f"# {one_line(found.origin)}.\n{body}"
    )


def summary_line(found: AnswerSet) -> str:
    """`forms/ana.pdf: 80 of 82 items answered, 11 ratings, 2 comments -> ... (new)`, and how
    many warnings were given about the answers (`, 2 warnings above`)."""
    ratings = len(found.data["ratings"])
    comments = len(found.data.get("comments", {}))
    warned = f", {counted(found.warnings, 'warning')} above" if found.warnings else ""
    return (
        f"{found.source}: {found.answered} of {found.applicable} items answered, "
        f"{ratings} of {len(rated_domains())} domains rated, "
        f"{counted(comments, 'comment')}{warned} "
        f"-> {found.target} ({found.outcome})"
    )
