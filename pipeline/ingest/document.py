"""Edited documents (.docx): a policy.docx or bundle.docx changed in Word or LibreOffice, read
back into the agency's wording file, `inputs/<slug>/wording.yaml`.

The document is compared with what the packet builder writes for the agency today (its current
wording applied); every difference becomes a change of the standard text. Tracked changes are
taken as accepted; comments are listed, not stored.
"""

from __future__ import annotations

import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from docx import Document
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn
from lxml import etree

from pipeline.build import packet_context
from pipeline.errors import WARNING, Problem, counted
from pipeline.flowchart import chart_texts, has_chart
from pipeline.forms import FORM_TEXT_NAMESPACE, REFERENCE_TAG
from pipeline.ingest.outside import outside_edits
from pipeline.load import AgencyInputs
from pipeline.render import TEMPLATE_DIR, fill_template
from pipeline.sheets import check_supplied
from pipeline.wording.base import BaseBlock, document_base
from pipeline.wording.blocks import HEADING, read_blocks
from pipeline.wording.changes import (
    AFTER,
    REMOVE,
    REPLACE,
    WORDING,
    Change,
    Wording,
    wording_yaml,
)
from pipeline.wording.readback import FactEdit, Readback, normal, read_back
from pipeline.yamlfile import read_yaml

TRACKED = (qn("w:ins"), qn("w:del"), qn("w:moveFrom"), qn("w:moveTo"))


@dataclass
class WordingUpdate:
    """What one edited document changes in the agency's wording, before it is written."""

    file: str
    documents: list[str]  # ids of the packet's documents it holds
    changes: list[Change]  # the agency's whole wording after it
    counts: Counter = field(default_factory=Counter)
    tracked: int = 0
    comments: list[str] = field(default_factory=list)
    target: Path | None = None
    facts: list[FactEdit] = field(default_factory=list)  # values edited, held by the inputs


def is_packet_form(path: Path) -> bool:
    """True for a respondent form of `packet forms`: its controls carry the agency tag, or it
    keeps the form's own text (a form whose fields were all deleted is still a form)."""
    try:
        with zipfile.ZipFile(path) as package:
            with package.open("word/document.xml") as stream:
                head = stream.read(4_000_000)
            if f'w:val="{REFERENCE_TAG}"'.encode() in head or b'w:val="answer/' in head:
                return True
            for name in package.namelist():
                if name.startswith("customXml/item") and name.endswith(".xml"):
                    with package.open(name) as stream:
                        if FORM_TEXT_NAMESPACE.encode() in stream.read(1_000_000):
                            return True
    except (OSError, KeyError, zipfile.BadZipFile):
        return True  # not a readable Word file: the form reader says what is wrong
    return False


def read_edited(
    path: Path, inputs: AgencyInputs, changes: list[Change], update_inputs: bool = False
) -> tuple[WordingUpdate | None, list[Problem]]:
    """An edited document's changes on top of `changes`, and what could not be taken."""
    display = str(path)
    problems = check_supplied(path, display, "a zip package", "a Word document (.docx)")
    if problems:
        return None, problems
    try:
        edited_document = Document(path)
    except Exception as error:  # python-docx raises many kinds for a damaged package
        message = f"not a Word document that can be read: {error}"
        return None, [Problem(display, 1, 1, "", message)]
    context = packet_context(inputs)
    context["wording"] = Wording(changes, inputs.wording.document)
    values = inputs.values
    edited = read_blocks(edited_document, "edited")
    titles = {normal(entry["title"]): entry for entry in context["documents"]}
    covered = [
        titles[normal(block.text)]
        for block in edited
        if block.kind == HEADING and normal(block.text) in titles
    ]
    if not covered:
        names = ", ".join(f"{entry['id']}.docx" for entry in context["documents"])
        message = (
            "this Word document has no form fields to read and none of the packet's documents "
            "is in it (no heading reads as one of their titles): give a respondent form filled "
            "in Word or LibreOffice (editors such as Google Docs drop the fields), or an edited "
            f"{names} or bundle.docx of {inputs.slug}"
        )
        return None, [Problem(display, 1, 1, "", message)]
    base: list[BaseBlock] = []
    order: list[str] = []
    filled = []
    for entry in context["documents"]:
        if entry in covered:
            blocks, refs, found, document = document_base(entry, context, values)
            base += blocks
            order += refs
            problems += found
            filled.append(document)
    first = next(
        index
        for index, block in enumerate(edited)
        if block.kind == HEADING and normal(block.text) in titles
    )
    readback = read_back(base, edited[first:], changes, values, order)
    problems += outside_edits(display, edited_document, edited[:first], context, filled)
    ids = [entry["id"] for entry in covered]
    kept = [change for change in changes if change.document not in ids]
    update = WordingUpdate(
        file=display,
        documents=ids,
        changes=kept + readback.changes,
        counts=counted_edits(changes, readback.changes, ids),
        tracked=sum(1 for _ in edited_document.element.body.iter(*TRACKED)),
        comments=comments(edited_document),
        target=inputs.folder / WORDING,
        facts=readback.facts,
    )
    problems += chart_edits(display, edited_document, covered, context)
    return update, problems + not_taken(display, readback, inputs, update_inputs)


def chart_edits(display: str, edited, covered: list[dict], context: dict) -> list[Problem]:
    """A warning when the words of a flowchart (the quick reference's) were edited: the chart
    is drawn from the inputs on every build, so such an edit is not kept."""
    found = chart_texts(edited.element.body)
    if not found:
        return []
    standard = [
        text
        for entry in covered
        if has_chart(TEMPLATE_DIR / entry["template"])
        for text in chart_texts(fill_template(entry["template"], context).docx.element.body)
    ]
    if found == standard:
        return []
    message = (
        "the words in the quick reference's flowchart were edited; the chart is drawn from "
        "the inputs on every build, so the edit is not kept: change the input that holds the "
        "value, or the steps in words below the chart, which are kept as wording"
    )
    return [Problem(display, 1, 1, "", message, WARNING)]


def counted_edits(old: list[Change], new: list[Change], ids: list[str]) -> Counter:
    """How many paragraphs the edit replaced, added and removed, and sections it added."""
    before = [change for change in old if change.document in ids]
    counts: Counter = Counter()
    old_texts = {(change.action, change.ref, change.text) for change in before}
    old_added = Counter(
        (change.ref, item) for change in before if change.action == AFTER for item in change.add
    )
    for change in new:
        slot = (change.action, change.ref, change.text)
        if change.action in (REPLACE, REMOVE) and slot not in old_texts:
            counts["replaced" if change.action == REPLACE else "removed"] += 1
        for item in change.add:
            if old_added[(change.ref, item)]:
                old_added[(change.ref, item)] -= 1
                continue
            counts["added"] += 1
            counts["sections added"] += item.kind == HEADING
    new_slots = {(change.action, change.ref, change.text) for change in new}
    counts["undone"] = len(
        [
            change
            for change in before
            if change.action != AFTER and (change.action, change.ref, change.text) not in new_slots
        ]
    )
    return counts


def not_taken(
    display: str, readback: Readback, inputs: AgencyInputs, update_inputs: bool
) -> list[Problem]:
    """Warnings for edited values (naming the input that holds each) and refused edits."""
    problems = []
    files = {}
    for fact in readback.facts:
        path = inputs.folder / fact.value.file
        if fact.value.file not in files:
            files[fact.value.file], _ = read_yaml(path, str(path))
        document = files[fact.value.file]
        line, column = document.where(fact.value.field_path) if document else (1, 1)
        advice = (
            "--update-inputs writes the new value here"
            if update_inputs
            else "change it here and the documents follow (or ingest with --update-inputs)"
        )
        message = (
            f"{display} changes {fact.value.printed!r} to {fact.now!r}: this value comes from "
            f"the inputs and is not stored as wording; {advice}"
        )
        problems.append(Problem(str(path), line, column, fact.value.name, message, WARNING))
    for refusal in readback.refused:
        text = refusal.text if len(refusal.text) <= 70 else f"{refusal.text[:67]}..."
        message = f"not taken: {text!r}: {refusal.reason}"
        problems.append(Problem(display, 1, 1, "", " ".join(message.split()), WARNING))
    return problems


def comments(document) -> list[str]:
    """`Ana Ruiz: check with legal` for each comment of the document."""
    found = []
    for relationship in document.part.rels.values():
        if relationship.reltype != RT.COMMENTS:
            continue
        parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
        root = etree.fromstring(relationship.target_part.blob, parser)
        for comment in root.iter(qn("w:comment")):
            text = " ".join("".join(node.text or "" for node in comment.iter(qn("w:t"))).split())
            author = comment.get(qn("w:author")) or "someone"
            found.append(f"{author}: {text}")
    return found


def wording_text(update: WordingUpdate) -> str:
    """wording.yaml as an edited document leaves it (ingest writes it with the other files)."""
    return wording_yaml(update.changes)


def wording_summary(update: WordingUpdate) -> list[str]:
    """The lines `packet ingest` prints for an edited document."""
    counts = update.counts
    parts = [
        f"{counted(counts['replaced'], 'paragraph')} replaced",
        f"{counts['added']} added",
        f"{counts['removed']} removed",
        f"{counted(counts['sections added'], 'section')} added",
    ]
    if counts["undone"]:
        parts.append(f"{counted(counts['undone'], 'earlier change')} undone")
    lines = [
        f"{update.file} ({', '.join(update.documents)}): {', '.join(parts)} -> {update.target}"
    ]
    if update.tracked:
        lines.append(f"  tracked changes were taken as accepted ({update.tracked} marked)")
    for comment in update.comments:
        lines.append(f"  comment, not stored: {comment}")
    return lines
