"""The standard text of an agency's documents, paragraph by paragraph, and the agency's wording
checked against it without building anything."""

from __future__ import annotations

from pipeline.build import packet_context
from pipeline.errors import Problem
from pipeline.load import AgencyInputs
from pipeline.render import fill_template, revise_document
from pipeline.wording.apply import standard_markup
from pipeline.wording.blocks import TABLE, Block, read_blocks


def standard_blocks(inputs: AgencyInputs, document_ids: list[str] | None = None) -> list[Block]:
    """Every block of the agency's documents as the standard text has them, in packet order."""
    context = packet_context(inputs)
    blocks = []
    for entry in context["documents"]:
        if document_ids is None or entry["id"] in document_ids:
            blocks += read_blocks(fill_template(entry["template"], context).docx, entry["id"])
    return blocks


def wording_problems(inputs: AgencyInputs) -> list[Problem]:
    """What the build would say of the agency's wording: references gone, standard texts
    changed, required elements removed."""
    if not inputs.wording.changes:
        return []
    context = packet_context(inputs)
    changed = {change.document for change in inputs.wording.changes}
    problems = []
    for entry in context["documents"]:
        if entry["id"] in changed:
            template = fill_template(entry["template"], context)
            problems += revise_document(template.docx, entry["template"], context)
    return problems


def listing_lines(inputs: AgencyInputs, document_ids: list[str] | None = None) -> list[str]:
    """`policy/safety/2  Do not confront...`, one line per block; `*` marks a changed one."""
    changed = {change.ref for change in inputs.wording.changes}
    lines = []
    for block in standard_blocks(inputs, document_ids):
        if block.kind == TABLE:
            lines.append(f"  {'(table: from the inputs)':<56} {block.text[:60]}")
            continue
        text = standard_markup(block, inputs.values)
        text = text if len(text) <= 90 else f"{text[:87]}..."
        mark = "*" if block.ref in changed else " "
        lines.append(f"{mark} {block.ref:<56} {text}")
    return lines
