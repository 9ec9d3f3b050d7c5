"""Answers from the people who have them: filled forms and survey exports into respondent files.

Each filled Word form (.docx), filled PDF form (.pdf) or survey export row (.csv, .xlsx, .xls,
.ods) becomes one respondent's answer set, checked by the same rules as a hand-written
`assessment/<respondent>.yaml`; an edited packet document (.docx that is not a form) becomes the
agency's wording (`wording.yaml`). Files are written only when every file of the run is free of
errors, and then all of them or none, even when the run is killed (pipeline/journal.py).
"""

from __future__ import annotations

from pathlib import Path

from pipeline.errors import InputError, Problem, errors_and_warnings, one_line
from pipeline.ingest.answers import (
    AnswerSet,
    IngestReport,
    agency_facts,
    count_answers,
    few_answers,
)
from pipeline.ingest.document import is_packet_form, read_edited, wording_text
from pipeline.ingest.facts import updated_inputs
from pipeline.ingest.forms import answers_from_form, read_pdf_form, read_word_form
from pipeline.ingest.survey import read_survey
from pipeline.ingest.write import drop_repeats, plan_targets, respondent_texts, summary_line
from pipeline.journal import finish, write_files
from pipeline.load import ASSESSMENT_FOLDER, PROFILE, agency_folder, load_agency, not_own_files
from pipeline.publish import sha256

__all__ = ["ingest", "summary_line"]

FORM_SUFFIXES = (".docx", ".pdf")
SURVEY_SUFFIXES = (".csv", ".xlsx", ".xlsm", ".xls", ".ods")


def ingest(
    folder: Path, files: list[Path], replace: bool = False, update_inputs: bool = False
) -> IngestReport:
    """Read every file, check every answer set and edited document, then write respondent
    files, the agency's wording and (with `update_inputs`) the edited values (or nothing)."""
    folder = agency_folder(folder)
    files, repeated = distinct_files(files)
    foreign = not_own_files(folder)  # a linked assessment folder would lead the writes out
    if foreign:
        raise InputError(foreign)
    finish(folder)  # what a killed ingest left, completed or rolled back, before reading
    report = IngestReport(notes=repeated)
    profile = folder / PROFILE
    agency_type, country = agency_facts(profile) if profile.is_file() else (None, None)
    documents = [
        path for path in files if path.suffix.lower() == ".docx" and not is_packet_form(path)
    ]
    problems = read_documents(folder, documents, report, update_inputs)
    inputs_texts: dict[Path, str] = {}
    if update_inputs and not problems and report.wording:
        facts = [fact for update in report.wording for fact in update.facts]
        inputs_texts, fact_problems = updated_inputs(folder, facts)
        problems += fact_problems
    for path in files:
        if path in documents:
            continue
        found, file_problems, notes = read_answers(path, folder.name, country)
        errors, warnings = errors_and_warnings(file_problems)
        problems += errors
        report.warnings += warnings
        report.notes += notes
        if not errors:
            count_warnings(found, warnings)
            report.answer_sets += found
    report.answer_sets, repeats = drop_repeats(report.answer_sets)
    report.warnings += repeats
    if not problems:
        problems += plan_targets(report.answer_sets, folder / ASSESSMENT_FOLDER, replace)
    if problems:
        raise InputError(problems)
    for found in report.answer_sets:
        count_answers(found, agency_type)
        few = few_answers(found)
        report.warnings += few
        found.warnings += len(few)
    texts = respondent_texts(report.answer_sets)
    if report.wording:
        texts[report.wording[-1].target] = wording_text(report.wording[-1])
    write_files(folder, {**texts, **inputs_texts})
    report.notes += [f"updated {path}" for path in inputs_texts]
    return report


def distinct_files(files: list[Path]) -> tuple[list[Path], list[str]]:
    """The files, each content once (a file named twice, or a copy of one, is read once), and
    a note for each left out."""
    seen: dict[str, Path] = {}
    notes = []
    for path in files:
        try:
            digest = sha256(path)
        except OSError:
            digest = str(path)  # unreadable: its reader says so
        if digest in seen:
            notes.append(
                f"{one_line(str(path))}: the same file as {one_line(str(seen[digest]))}; read once"
            )
        else:
            seen[digest] = path
    return list(seen.values()), notes


def read_documents(
    folder: Path, paths: list[Path], report: IngestReport, update_inputs: bool = False
) -> list[Problem]:
    """Edited documents, one after the other on the agency's wording; the errors found."""
    if not paths:
        return []
    inputs = load_agency(folder)
    changes = inputs.wording.changes
    errors: list[Problem] = []
    for path in paths:
        update, problems = read_edited(path, inputs, changes, update_inputs)
        found_errors, warnings = errors_and_warnings(problems)
        errors += found_errors
        report.warnings += warnings
        if update is not None and not found_errors:
            report.wording.append(update)
            changes = update.changes
    return errors


def count_warnings(answer_sets: list[AnswerSet], warnings: list[Problem]) -> None:
    """Each answer set's warnings: all of a form's, or those on a survey row's line."""
    for found in answer_sets:
        found.warnings = len([w for w in warnings if len(answer_sets) == 1 or w.line == found.line])


def read_answers(
    path: Path, slug: str, country: str | None = None
) -> tuple[list[AnswerSet], list[Problem], list[str]]:
    """Answer sets of one file, its problems, and notes about what was ignored."""
    display = str(path)
    suffix = path.suffix.lower()
    if suffix == ".docx":
        values, problems, notes = read_word_form(path, display)
    elif suffix == ".pdf":
        values, problems, notes = read_pdf_form(path, display)
    elif suffix in SURVEY_SUFFIXES:
        return read_survey(path, display, country)
    else:
        expected = ", ".join(FORM_SUFFIXES + SURVEY_SUFFIXES)
        message = f"expected a filled form or a survey export ({expected})"
        return [], [Problem(display, 1, 1, "", message)], []
    if not values:
        return [], problems, notes
    answer_set, found = answers_from_form(values, display, slug)
    return ([answer_set] if answer_set else []), problems + found, notes
