"""Respondent forms: the service assessment as a Word form and a fillable PDF for one agency.

Every box and text field is a Word content control whose tag names what it answers
(`answer/1.5/yes`, `rating/3/na`, `comment/3`, `respondent/role`); `make_fillable` (fillable.py)
turns LibreOffice's export into a PDF whose fields carry those names. The Word form keeps a
record of its own text, against which `packet ingest` finds text a respondent typed outside the
fields.
"""

from __future__ import annotations

from contextlib import nullcontext
from pathlib import Path
from typing import Any

from pipeline.assessment import answerable
from pipeline.bundle import freeze_docx
from pipeline.content import content
from pipeline.context import build_context
from pipeline.convert import Converter, PdfJob
from pipeline.forms.fillable import FieldLayout, make_fillable, row_height
from pipeline.load import load_agency
from pipeline.publish import MARKER, publish, staging_area
from pipeline.render import render_document
from pipeline.style import apply_style, is_default

FORM_TEMPLATE = "form.docx"
FORM_DOCX = "assessment-form.docx"
FORM_PDF = "assessment-form.pdf"
REFERENCE_TAG = "form/agency"
# Comment fields take the height of their row (templates/source/form.txt), so that a few lines fit.
COMMENT_FIELD_HEIGHT = row_height(0.85)


def form_reference(slug: str) -> str:
    """What the form's locked reference field holds: the agency it was made for."""
    return slug


def build_forms(folder: Path, out: Path, pdf: bool = True) -> list[Path]:
    """Write the agency's respondent form (Word, and fillable PDF) into `out`, replacing it."""
    inputs = load_agency(folder)
    context = {
        **build_context(inputs, blank_assessment=True),
        "form": {"reference": form_reference(inputs.slug)},
    }
    context["properties"] = {FORM_TEMPLATE: form_properties(context)}
    with (
        staging_area(out, inputs.slug, kind="forms") as work,
        Converter() if pdf else nullcontext() as converter,
    ):
        staging = work / "forms"
        staging.mkdir()
        form = render_document(FORM_TEMPLATE, context, staging / FORM_DOCX)
        if not is_default(inputs.style):
            apply_style(form, inputs.style)
        record_form_text(form)
        freeze_docx(form, context["packet"]["date"])
        if converter:
            exported = work / "exported.pdf"
            converter.convert([PdfJob(form, exported, form=True)])
            make_fillable(exported, staging / FORM_PDF, form_title(context), FORM_LAYOUT)
        publish(staging, out, kind="forms")
    return sorted(path for path in out.iterdir() if path.name != MARKER)


def form_tags() -> list[str]:
    """Every field's tag, in the form's order (templates/source/form.txt)."""
    tags = [f"respondent/{name}" for name in RESPONDENT_FIELDS]
    for domain in content("assessment")["domains"]:
        number = domain["number"]
        tags += [
            f"answer/{item['id']}/{choice}"
            for item in domain["items"]
            if answerable(item)
            for choice in ANSWER_WORDS
        ]
        if domain.get("rating_prompt"):
            tags += [f"rating/{number}/{value}" for value in RATING_VALUES]
        tags.append(f"comment/{number}")
    return [*tags, REFERENCE_TAG]


RESPONDENT_FIELDS = ("role", "name", "date")
RATING_VALUES = ("1", "2", "3", "4", "5", "na")


# The form's own text (all but its fields), kept in the .docx as a custom XML part, which Word
# and LibreOffice keep when they save: `packet ingest` compares a returned form with it to find
# text a respondent typed outside the fields.
FORM_TEXT_NAMESPACE = "urn:protocol-packet-builder:form-text"
CUSTOM_XML = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/customXml"


def record_form_text(path: Path) -> None:
    """Keep the form's own text inside it, one element per paragraph."""
    from docx import Document
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part
    from lxml import etree

    document = Document(path)
    root = etree.Element(f"{{{FORM_TEXT_NAMESPACE}}}form", nsmap={None: FORM_TEXT_NAMESPACE})
    for text in form_text(document.element.body):
        etree.SubElement(root, f"{{{FORM_TEXT_NAMESPACE}}}p").text = text
    taken = {str(part.partname) for part in document.part.package.iter_parts()}
    number = next(n for n in range(1, 1000) if f"/customXml/item{n}.xml" not in taken)
    blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)
    part = Part(
        PackURI(f"/customXml/item{number}.xml"), "application/xml", blob, document.part.package
    )
    document.part.relate_to(part, CUSTOM_XML)
    document.save(path)


def recorded_form_text(document) -> list[str] | None:
    """The form's own text as `packet forms` recorded it, or None when the file lost it."""
    from lxml import etree

    for relationship in document.part.rels.values():
        if relationship.reltype != CUSTOM_XML or relationship.is_external:
            continue
        blob = relationship.target_part.blob
        if FORM_TEXT_NAMESPACE.encode() not in blob:
            continue
        try:
            root = etree.fromstring(blob, etree.XMLParser(resolve_entities=False))
        except etree.XMLSyntaxError:
            return None
        return [element.text or "" for element in root.iter(f"{{{FORM_TEXT_NAMESPACE}}}p")]
    return None


def form_text(body) -> list[str]:
    """The text of every paragraph outside the fields, spaces evened, empty ones left out."""
    from docx.oxml.ns import qn

    return [text for text in map(paragraph_text, body.iter(qn("w:p"))) if text]


def paragraph_text(paragraph) -> str:
    """A paragraph's text outside content controls, its runs of spaces made one space."""
    from docx.oxml.ns import qn

    sdt = qn("w:sdt")
    pieces = [
        node.text or ""
        for node in paragraph.iter(qn("w:t"))
        if not any(True for _ in node.iterancestors(sdt))
    ]
    return " ".join("".join(pieces).split())


def form_title(context: dict[str, Any]) -> str:
    return f"Service Assessment: respondent form for {context['agency']['legal_name']}"


def form_properties(context: dict[str, Any]) -> dict[str, str]:
    """The form's title, subject and keywords (its author and dates are set as every
    document's are, by rendering)."""
    return {
        "title": form_title(context),
        "subject": "Service assessment (ICMEC toolkit), one respondent",
        "keywords": "human trafficking; service assessment; respondent form",
    }


def field_description(tag: str) -> str:
    """The tooltip a PDF reader shows for a field: `answer/1.5/na` -> `Item 1.5: N/A`."""
    kind, _, rest = tag.partition("/")
    if kind == "answer":
        item, _, answer = rest.rpartition("/")
        return f"Item {item}: {ANSWER_WORDS.get(answer, answer)}"
    if kind == "rating":
        domain, _, value = rest.partition("/")
        return f"Domain {domain} rating: {'N/A (don’t know)' if value == 'na' else value}"
    if kind == "comment":
        return f"Comments on domain {rest}"
    if kind == "respondent":
        return f"Your {rest}"
    return "Form reference"


ANSWER_WORDS = {"yes": "Yes", "no": "No", "na": "N/A"}


FORM_LAYOUT = FieldLayout(
    describe=field_description,
    heights={"comment/": COMMENT_FIELD_HEIGHT},
    locked=frozenset({REFERENCE_TAG}),
)
