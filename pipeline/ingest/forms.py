"""Filled Word forms (.docx) and PDF forms (.pdf): their fields into one answer set."""

from __future__ import annotations

import zipfile
from pathlib import Path
from typing import Any

from pipeline import schema
from pipeline.assessment import (
    check_answers,
)
from pipeline.errors import WARNING, Problem
from pipeline.forms import REFERENCE_TAG, form_reference
from pipeline.ingest.answers import (
    AnswerSet,
    SourceDocument,
    answer_set,
    field_label,
    normalise_respondent,
)
from pipeline.ingest.places import pdf_places, read_places, word_places
from pipeline.sheets import check_supplied
from pipeline.yamlfile import CONTROL_CHARACTERS, CONTROL_MESSAGE, FieldPath

# Tag values in the forms -> the answer words of assessment files.
FORM_ANSWERS = {"yes": "yes", "no": "no", "na": "n/a"}


def read_word_form(
    path: Path, display: str
) -> tuple[dict[str, bool | str], list[Problem], list[str]]:
    """Tag -> ticked (checkboxes) or typed text (text fields) of a filled Word form, what was
    found besides (pipeline/ingest/places.py), and notes."""
    from docx import Document
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    problems = check_supplied(path, display, "a zip package", "a Word document (.docx)")
    if problems:
        return {}, problems, []
    try:
        document = Document(path)
    except (zipfile.BadZipFile, EOFError) as error:
        return {}, [Problem(display, 1, 1, "", f"the file is damaged or incomplete: {error}")], []
    except (PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as error:
        message = f"not a Word document that can be read: {error}"
        return {}, [Problem(display, 1, 1, "", message)], []
    places, strays, notes = word_places(document)
    if not any(place.found for place in places.values()):
        return {}, [Problem(display, 1, 1, "", NO_FIELDS.format(kind="Word document"))], []
    values, problems = read_places(places, strays, display)
    return values, problems, [f"{display}: {note}" for note in notes]


NO_FIELDS = (
    "this {kind} has no form fields to read: fill in the form `packet forms` wrote (in Word or "
    "LibreOffice for the .docx; in a PDF reader for the .pdf). Editors such as Google Docs, "
    "and printing to PDF, drop the fields"
)


def read_pdf_form(
    path: Path, display: str
) -> tuple[dict[str, bool | str], list[Problem], list[str]]:
    """Field name -> ticked (checkboxes) or typed text of a filled PDF form, and what was found
    besides (pipeline/ingest/places.py)."""
    from pypdf import PdfReader
    from pypdf.errors import FileNotDecryptedError, PyPdfError

    problems = check_supplied(path, display, "a PDF document", "a PDF form (.pdf)")
    if problems:
        return {}, problems, []
    locked = "the PDF is password-protected; save it again without a password"
    try:
        reader = PdfReader(path)
        if reader.is_encrypted and not reader.decrypt(""):
            return {}, [Problem(display, 1, 1, "", locked)], []
        places, strays = pdf_places(reader)
    except FileNotDecryptedError:
        return {}, [Problem(display, 1, 1, "", locked)], []
    except (
        PyPdfError,
        ValueError,
        KeyError,
        TypeError,
        AttributeError,
        OSError,
        RecursionError,
    ) as error:
        message = f"the PDF is damaged or incomplete and cannot be read: {error}"
        return {}, [Problem(display, 1, 1, "", message)], []
    if not places:
        return {}, [Problem(display, 1, 1, "", NO_FIELDS.format(kind="PDF"))], []
    values, problems = read_places(places, strays, display)
    return values, problems, []


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
        if CONTROL_CHARACTERS.search(text):
            problems.append(Problem(display, 1, 1, label, CONTROL_MESSAGE))
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
