"""Answers from the people who have them: filled forms and survey exports into respondent files.

Each filled Word form (.docx), filled PDF form (.pdf) or survey export row (.csv, .xlsx) becomes
one respondent's answer set, checked by the same rules as a hand-written
`assessment/<respondent>.yaml`, and written as such a file only when every file of the run is
free of errors.
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import InputError, Problem, errors_and_warnings
from pipeline.ingest.answers import AnswerSet, IngestReport, agency_type_of, count_answers
from pipeline.ingest.forms import answers_from_form, read_pdf_form, read_word_form
from pipeline.ingest.survey import read_survey
from pipeline.ingest.write import plan_targets, summary_line, write_targets
from pipeline.load import ASSESSMENT_FOLDER, PROFILE, agency_folder

__all__ = ["ingest", "summary_line"]

FORM_SUFFIXES = (".docx", ".pdf")
SURVEY_SUFFIXES = (".csv", ".xlsx")


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
