"""What the packet builder writes for an agency today, block by block, with where each block
comes from: a paragraph of the standard text (its reference) or one of the agency's changes.

An edited document is read against this base: what is the same was left alone, what differs
is the agency's edit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.render import fill_template, revise_document
from pipeline.wording.apply import ORIGIN, standard_markup
from pipeline.wording.blocks import Block, read_blocks
from pipeline.wording.values import InputValue


@dataclass
class BaseBlock:
    """A block of the document as built, and its origin."""

    block: Block
    ref: str  # the standard paragraph it is (or replaces); "" for an added paragraph or a table
    standard: str  # that paragraph's standard text, values as {names} ("" when none)
    change: int | None  # index of the agency's change that wrote it, if one did


def document_base(
    entry: dict[str, Any], context: dict[str, Any], values: dict[str, InputValue]
) -> tuple[list[BaseBlock], list[str], list, Any]:
    """One document as a build writes it (the agency's wording applied), the references of its
    standard text in order, the wording's problems, and the filled document itself."""
    template = fill_template(entry["template"], context)
    standard = {
        block.element: block for block in read_blocks(template.docx, entry["id"]) if block.ref
    }
    order = [block.ref for block in standard.values()]
    problems = revise_document(template.docx, entry["template"], context, mark=True)
    blocks = []
    for block in read_blocks(template.docx, entry["id"]):
        mark = block.element.get(ORIGIN)
        original = standard.get(block.element)
        blocks.append(
            BaseBlock(
                block=block,
                ref=original.ref if original else "",
                standard=standard_markup(original, values) if original else "",
                change=int(mark) if mark else None,
            )
        )
    return blocks, order, problems, template.docx
