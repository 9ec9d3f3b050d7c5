"""Rebuild with the agency's wording: its changes applied to a freshly rendered document.

The standard document is rendered first, its blocks get their references, then each change
finds its paragraph (by reference, or by the standard text it was made against when the
paragraph has moved), and only then is the document changed, so no change moves another's
paragraph. Like a three-way merge: when only the agency changed a paragraph its wording is
applied quietly; when the standard text has changed too, its wording is kept and the build
warns with both texts; when the paragraph is gone, that is an error, never a silent drop.
"""

from __future__ import annotations

import difflib
from copy import deepcopy
from dataclasses import dataclass
from fnmatch import fnmatch

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from pipeline.content import content
from pipeline.errors import WARNING, Problem
from pipeline.wording.blocks import (
    BULLET,
    CALLOUT,
    HEADING,
    NUMBER,
    TABLE,
    Block,
    read_blocks,
    style_names,
)
from pipeline.wording.changes import AFTER, REMOVE, REPLACE, Addition, Change, Wording
from pipeline.wording.markup import Segment, parse, plain
from pipeline.wording.values import InputValue, values_in, with_value_names

# Marks the blocks a change wrote, on documents that are read back and never saved (ingest).
ORIGIN = "{urn:protocol-packet-builder:wording}origin"
LEADING = {qn("w:rStyle"), qn("w:rFonts")}
STYLE_OF_KIND = {BULLET: "list bullet", NUMBER: "list number", CALLOUT: "callout"}


@dataclass
class Placed:
    """A change and the block of the standard document it applies to."""

    change: Change
    block: Block


def revise(
    document,
    document_id: str,
    wording: Wording,
    values: dict[str, InputValue],
    mark: bool = False,
) -> list[Problem]:
    """Apply the agency's changes of one document in place; the problems found.

    With `mark`, every block a change wrote carries its origin (the change's index), for
    ingest to read back.
    """
    changes = wording.for_document(document_id)
    if not changes:
        return []
    blocks = read_blocks(document, document_id)
    placed, problems = place_changes(changes, blocks, wording, values)
    printed = {name: value.printed for name, value in values.items()}
    writer = Writer(document, printed)
    for item in placed:
        change, block = item.change, item.block
        if change.action == AFTER:
            writer.insert_after(block, change.add, origin(change, mark))
    for item in placed:
        change, block = item.change, item.block
        if change.action == REPLACE:
            writer.rewrite(block.element, change.text)
            if mark:
                block.element.set(ORIGIN, origin(change, True))
        elif change.action == REMOVE:
            block.element.getparent().remove(block.element)
    return problems + fidelity_warnings(placed, wording)


def origin(change: Change, mark: bool) -> str:
    return str(change.index) if mark else ""


def standard_markup(block: Block, values: dict[str, InputValue]) -> str:
    """A block's text as the wording file keeps it: values as `{names}`."""
    return with_value_names(block.markup, values, values_in(block.text, values))


def same_text(markup: str, other: str) -> bool:
    return " ".join(plain(markup).split()) == " ".join(plain(other).split())


def place_changes(
    changes: list[Change], blocks: list[Block], wording: Wording, values: dict[str, InputValue]
) -> tuple[list[Placed], list[Problem]]:
    by_ref = {block.ref: block for block in blocks if block.ref}
    placed, problems = [], []
    for change in changes:
        block, found = place(change, blocks, by_ref, wording, values)
        problems += found
        if block is not None:
            refusal = refused(change, block)
            if refusal:
                problems.append(wording.problem(change, refusal))
            else:
                placed.append(Placed(change, block))
    return placed, problems


def place(
    change: Change,
    blocks: list[Block],
    by_ref: dict[str, Block],
    wording: Wording,
    values: dict[str, InputValue],
) -> tuple[Block | None, list[Problem]]:
    """The block a change applies to, and a warning or error about the standard text."""
    block = by_ref.get(change.ref)
    if block is not None and (
        change.standard is None or same_text(standard_markup(block, values), change.standard)
    ):
        return block, []
    if change.standard is not None:
        moved = [
            other
            for other in blocks
            if other.ref and same_text(standard_markup(other, values), change.standard)
        ]
        if len(moved) == 1:
            return moved[0], []
    if block is not None:
        kept = "the agency's wording is kept" if change.action == REPLACE else "the change is kept"
        message = (
            f"the standard text of {change.ref} has changed since this change was made; {kept}. "
            f"Standard text then: {plain(change.standard)!r}. Standard text now: "
            f"{plain(standard_markup(block, values))!r}. Review it, then set `standard:` to the "
            "new text (or ingest the reviewed document again)"
        )
        return block, [wording.problem(change, message, WARNING)]
    refs = [other.ref for other in blocks if other.ref]
    close = difflib.get_close_matches(change.ref, refs, n=1, cutoff=0.6)
    hint = f"; did you mean {close[0]}?" if close else ""
    message = (
        f"no paragraph {change.ref} in this agency's {change.document}{hint} "
        f"(`packet wording` lists them); the change is not applied"
    )
    return None, [wording.problem(change, message)]


def refused(change: Change, block: Block) -> str:
    """Why a change may not touch this block ('' when it may)."""
    rules = content("wording")["documents"].get(block.document, {})
    if block.kind == TABLE:
        return rules.get("tables", "tables are built from the inputs")
    if change.action != AFTER and any(True for _ in block.element.iter(qn("w:tag"))):
        # A working form's labelled field or checkbox, laid out as a line of text: its
        # control is the fillable PDF's field, named by its tag, which `packet ingest` reads.
        return "it holds fields of the form (a box to tick or a field to fill in), named by tags"
    section = block.section.partition("/")[2]
    fixed = rules.get("fixed_sections", [])
    if any(fnmatch(section, f"{prefix}*") for prefix in fixed):
        return rules["fixed"]
    return ""


def fidelity_warnings(placed: list[Placed], wording: Wording) -> list[Problem]:
    """A warning for each required element a change removes or rewrites without its key words."""
    warnings = []
    for item in placed:
        change, block = item.change, item.block
        if change.action == AFTER:
            continue
        for element in content("wording")["required"]:
            if block.document not in element["documents"] or not holds(element, block):
                continue
            kept = (
                change.action == REPLACE
                and all(
                    word.lower() in plain(change.text).lower() for word in element.get("keep", [])
                )
                and "sections" not in element
            )
            if not kept:
                verb = "removes" if change.action == REMOVE else "rewrites"
                requires = " ".join(element["requires"].split())
                message = f"this change {verb} {element['element']}: {requires}"
                warnings.append(wording.problem(change, message, WARNING))
    return warnings


def holds(element: dict, block: Block) -> bool:
    section = block.section.partition("/")[2]
    if any(
        section == name or section.startswith(f"{name}/") for name in element.get("sections", [])
    ):
        return True
    return any(word.lower() in block.text.lower() for word in element.get("words", []))


class Writer:
    """Writes the agency's paragraphs into a document, in the document's own styles."""

    def __init__(self, document, printed: dict[str, str]):
        self.document = document
        self.printed = printed
        self.style_ids = {name: style_id for style_id, name in style_names(document).items()}

    def insert_after(self, block: Block, additions: list[Addition], mark: str) -> None:
        anchor = block.element
        for addition in additions:
            paragraph = self.new_paragraph(addition)
            if mark:
                paragraph.set(ORIGIN, mark)
            anchor.addnext(paragraph)
            anchor = paragraph

    def new_paragraph(self, addition: Addition):
        paragraph = OxmlElement("w:p")
        name = (
            f"heading {addition.level}"
            if addition.kind == HEADING
            else STYLE_OF_KIND.get(addition.kind)
        )
        style_id = self.style_ids.get(name) if name else None
        if style_id:
            properties = OxmlElement("w:pPr")
            style = OxmlElement("w:pStyle")
            style.set(qn("w:val"), style_id)
            properties.append(style)
            paragraph.append(properties)
        self.write_runs(paragraph, addition.text, None)
        return paragraph

    def rewrite(self, paragraph, markup: str) -> None:
        """The paragraph's text replaced, its paragraph style and first run's look kept."""
        first_run = paragraph.find(f".//{qn('w:r')}")
        look = first_run.find(qn("w:rPr")) if first_run is not None else None
        for child in list(paragraph):
            if child.tag != qn("w:pPr"):
                paragraph.remove(child)
        self.write_runs(paragraph, markup, look)

    def write_runs(self, paragraph, markup: str, look) -> None:
        for segment in parse(markup):
            text = (
                self.printed.get(segment.value, f"{{{segment.value}}}")
                if segment.value
                else segment.text
            )
            if text:
                paragraph.append(self.run(segment, text, look))

    def run(self, segment: Segment, text: str, look):
        run = OxmlElement("w:r")
        properties = deepcopy(look) if look is not None else OxmlElement("w:rPr")
        for tag in ("w:b", "w:i", "w:rStyle"):
            for old in properties.findall(qn(tag)):
                properties.remove(old)
        if segment.link and "hyperlink" in self.style_ids:
            style = OxmlElement("w:rStyle")
            style.set(qn("w:val"), self.style_ids["hyperlink"])
            properties.insert(0, style)
        # Schema order: rStyle, rFonts, then b and i before the rest of the look.
        place_at = len([child for child in properties if child.tag in LEADING])
        for wanted, tag in ((segment.italic, "w:i"), (segment.bold, "w:b")):
            if wanted:
                properties.insert(place_at, OxmlElement(tag))
        if len(properties):
            run.append(properties)
        node = OxmlElement("w:t")
        node.set(qn("xml:space"), "preserve")
        node.text = text
        run.append(node)
        if not segment.link:
            return run
        link = OxmlElement("w:hyperlink")
        link.set(
            qn("r:id"), self.document.part.relate_to(segment.link, RT.HYPERLINK, is_external=True)
        )
        link.append(run)
        return link
