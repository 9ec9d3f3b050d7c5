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
from pipeline.sheets import check_supplied
from pipeline.yamlfile import FieldPath

# Tag values in the forms -> the answer words of assessment files.
FORM_ANSWERS = {"yes": "yes", "no": "no", "na": "n/a"}
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"


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
