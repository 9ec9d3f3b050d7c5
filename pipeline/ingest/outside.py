"""Edits an agency made where the packet builder keeps no wording: the cover and the contents
of a bundle, and the headers and footers of every page. They are written from the inputs at
every build, so `packet ingest` names each such edit instead of dropping it without a word.
"""

from __future__ import annotations

import re
from typing import Any

from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml.ns import qn

from pipeline.errors import WARNING, Problem
from pipeline.render import fill_template
from pipeline.wording.blocks import Block, read_blocks
from pipeline.wording.readback import normal

# Page numbers, counts and dates differ from build to build; an edit is a change of the words.
NUMBERS = re.compile(r"\d+")
SHOWN = 70  # the longest text a warning quotes


def outside_edits(
    display: str,
    edited_document,
    before_first: list[Block],
    context: dict[str, Any],
    documents: list,
) -> list[Problem]:
    """A warning for each paragraph of the cover, the contents or a header or footer that the
    packet builder did not write: it is not kept, and the warning says where it comes from.
    `documents` are the edited file's documents as a build writes them (wording applied)."""
    cover = fill_template("cover.docx", context).docx
    margins = {key(text) for document in [cover, *documents] for text in margin_texts(document)}
    front = {key(block.text) for block in read_blocks(cover, "cover")}
    front |= {key(entry["title"]) for entry in context["documents"]}
    front |= {key(text) for document in documents for text in heading_texts(document)}
    problems = []
    for text in dict.fromkeys(margin_texts(edited_document)):
        if key(text) not in margins:
            problems.append(warning(display, text, MARGIN_ADVICE))
    for block in before_first:
        if block.text.strip() and key(block.text) not in front:
            problems.append(warning(display, block.text, COVER_ADVICE))
    return problems


MARGIN_ADVICE = (
    "headers and footers are written from the inputs at every build (agency.short_name, "
    "agency.legal_name, governance.policy_number and the packet's version), so this edit is "
    "not kept: change those fields, or a house style's reference document for the look"
)
COVER_ADVICE = (
    "the cover and the contents are written from the inputs at every build, so this edit is "
    "not kept: change profile.yaml, or add the words to a document's own text"
)


def warning(display: str, text: str, advice: str) -> Problem:
    text = " ".join(text.split())
    shown = text if len(text) <= SHOWN else f"{text[: SHOWN - 3]}..."
    return Problem(display, 1, 1, "", f"not taken: {shown!r}: {advice}", WARNING)


def key(text: str) -> str:
    return normal(NUMBERS.sub("", text))


def margin_texts(document) -> list[str]:
    """The text of every paragraph of the document's headers and footers."""
    texts = []
    for relationship in document.part.rels.values():
        if relationship.reltype not in (RT.HEADER, RT.FOOTER) or relationship.is_external:
            continue
        for paragraph in relationship.target_part.element.iter(qn("w:p")):
            text = "".join(node.text or "" for node in paragraph.iter(qn("w:t")))
            if text.strip():
                texts.append(text)
    return texts


def heading_texts(document) -> list[str]:
    """The headings of a document, which the bundle's contents lists."""
    return [
        paragraph.text
        for paragraph in document.paragraphs
        if paragraph.style is not None and paragraph.style.name.startswith("Heading")
    ]
