"""An edited document read back as the agency's wording.

The edited blocks are aligned with the blocks the packet builder wrote (by their text, in
order, as a sequence alignment: Word's ids and runs mean nothing), then each standard paragraph
is found again: the same, rewritten (a `replace`), or gone (a `remove`), and whatever stands
between two standard paragraphs is the agency's own (an `after` with what it adds). Values of
the inputs are never frozen into the wording: an edit of a value is reported with the input
field that holds it, and the wording names the field instead.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from pipeline.wording.apply import refused
from pipeline.wording.base import BaseBlock
from pipeline.wording.blocks import ADDABLE, HEADING, PARAGRAPH, TABLE, Block
from pipeline.wording.changes import AFTER, REMOVE, REPLACE, Addition, Change
from pipeline.wording.markup import escape, plain
from pipeline.wording.values import InputValue, values_in, with_value_names

SIMILAR = 0.5  # two paragraphs at least this alike are one paragraph rewritten


@dataclass
class FactEdit:
    """An edit of a value that comes from the inputs: where it is, what it became."""

    value: InputValue
    now: str


@dataclass
class Refusal:
    """An edit the wording cannot hold, with the reason."""

    text: str
    reason: str


@dataclass
class Readback:
    """The agency's changes for the documents the edited file holds, and what was not taken."""

    changes: list[Change] = field(default_factory=list)
    facts: list[FactEdit] = field(default_factory=list)
    refused: list[Refusal] = field(default_factory=list)


def normal(text: str) -> str:
    return " ".join(
        text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"').split()
    )


def align(base: list[BaseBlock], edited: list[Block]) -> tuple[dict[int, int], set[int]]:
    """edited index -> base index for the blocks that are one another; the base indexes left."""
    matcher = difflib.SequenceMatcher(
        None,
        [normal(item.block.text) for item in base],
        [normal(block.text) for block in edited],
        autojunk=False,
    )
    pairs: dict[int, int] = {}
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs.update({j1 + k: i1 + k for k in range(i2 - i1)})
        elif tag == "replace":
            pairs.update(pair_similar(base, edited, range(i1, i2), range(j1, j2)))
    left = set(range(len(base))) - set(pairs.values())
    return pairs, left


def pair_similar(
    base: list[BaseBlock], edited: list[Block], base_range: range, edited_range: range
) -> dict[int, int]:
    """Rewritten paragraphs in a stretch that differs: pairs in order, alike enough."""
    pairs: dict[int, int] = {}
    start = base_range.start
    for j in edited_range:
        best, best_ratio = None, SIMILAR
        for i in range(start, base_range.stop):
            if base[i].block.kind == TABLE and edited[j].kind != TABLE:
                continue
            ratio = difflib.SequenceMatcher(
                None, normal(base[i].block.text), normal(edited[j].text), autojunk=False
            ).ratio()
            if ratio > best_ratio:
                best, best_ratio = i, ratio
        if best is not None:
            pairs[j] = best
            start = best + 1
    return pairs


def read_back(
    base: list[BaseBlock],
    edited: list[Block],
    old: list[Change],
    values: dict[str, InputValue],
    order: list[str],
) -> Readback:
    """The changes that make the documents of `base` read as `edited`, in the order of the
    standard text (`order`, its references)."""
    pairs, left = align(base, edited)
    result = Readback()
    old_by_slot = {(slot(change), change.ref): change for change in old}
    additions: dict[str, list[Addition]] = {}
    anchor = base[0].ref if base else ""
    replaced: dict[str, Change] = {}
    for j, block in enumerate(edited):
        i = pairs.get(j)
        item = base[i] if i is not None else None
        if item is not None and item.ref:
            anchor = item.ref
            change = rewrite(item, block, values, result)
            if change is not None:
                reason = refused(change, item.block)
                if reason:
                    result.refused.append(Refusal(block.text, reason))
                else:
                    kept = old_by_slot.get((REPLACE, item.ref))
                    replaced[item.ref] = kept if kept and same(kept.text, change.text) else change
            continue
        if item is not None and item.block.kind == TABLE:
            table_edits(item, block, values, result)
            continue
        if block.kind == TABLE:
            result.refused.append(
                Refusal(
                    block.text[:80],
                    "a table cannot be added as wording; the packet's tables come from the inputs",
                )
            )
            continue
        addition = added(block, values)
        owner = next((b for b in base if b.ref == anchor), None)
        reason = refused(Change(AFTER, anchor), owner.block) if owner else ""
        if reason:
            result.refused.append(Refusal(block.text, reason))
        else:
            additions.setdefault(anchor, []).append(addition)
    for i in sorted(left):
        item = base[i]
        if item.block.kind == TABLE:
            result.refused.append(Refusal(item.block.text[:80], table_reason(item)))
        elif item.ref:
            reason = refused(Change(REMOVE, item.ref), item.block)
            if reason:
                result.refused.append(Refusal(item.block.text, reason))
            else:
                replaced[item.ref] = Change(REMOVE, item.ref, item.standard)
    refs = [item.ref for item in base if item.ref]
    for ref in refs:
        if ref in replaced:
            result.changes.append(replaced[ref])
        if ref in additions:
            kept = old_by_slot.get((AFTER, ref))
            if kept and kept.add == additions[ref]:
                result.changes.append(kept)
            else:
                note = kept.note if kept else ""
                standard = next(item.standard for item in base if item.ref == ref)
                result.changes.append(Change(AFTER, ref, standard, add=additions[ref], note=note))
    done = {change.ref for change in result.changes if change.action != AFTER}
    result.changes += [
        change for change in old if change.action == REMOVE and change.ref not in done
    ]
    place = {ref: index for index, ref in enumerate(order)}
    result.changes.sort(key=lambda change: (place.get(change.ref, len(place)), slot(change)))
    return result


def slot(change: Change) -> str:
    return AFTER if change.action == AFTER else REPLACE


def same(markup: str, other: str) -> bool:
    return normal(plain(markup)) == normal(plain(other)) and normal(markup) == normal(other)


def rewrite(
    item: BaseBlock, block: Block, values: dict[str, InputValue], result: Readback
) -> Change | None:
    """The `replace` an edited paragraph makes of its base paragraph (None when it makes none)."""
    if normal(block.markup) == normal(item.block.markup):
        if item.change is not None:
            return Change(
                REPLACE, item.ref, item.standard, text=with_names(item, block, values, result)
            )
        return None
    text = with_names(item, block, values, result)
    if normal(text) == normal(item.standard):
        return None  # only values were edited (reported), or the standard text was restored
    return Change(REPLACE, item.ref, item.standard, text=text)


def with_names(
    item: BaseBlock, block: Block, values: dict[str, InputValue], result: Readback
) -> str:
    """The edited paragraph's markup with every value of the inputs named, never frozen.

    A value of the base paragraph that the edit changed is reported and named as before (the
    input holds it); values left as they were, and values of the inputs typed anew, are named.
    """
    before, after = item.block.markup, block.markup
    names = values_in(item.block.text, values)
    opcodes = difflib.SequenceMatcher(None, before, after, autojunk=False).get_opcodes()
    spans = []
    for name in sorted(names, key=lambda n: -len(values[n].printed)):
        pattern = re.compile(rf"(?<!\w){re.escape(escape(values[name].printed))}(?!\w)")
        for match in pattern.finditer(before):
            start, end = match.span()
            if any(start < e and s < end for s, e, _ in spans):
                continue
            if touched(opcodes, start, end):
                spans.append((start, end, name))
    for start, end, name in sorted(spans, reverse=True):
        j_start, j_end = mapped(opcodes, start, True), mapped(opcodes, end, False)
        now = plain(after[j_start:j_end])
        if normal(now):
            result.facts.append(FactEdit(values[name], now))
        after = f"{after[:j_start]}{{{name}}}{after[j_end:]}"
    return with_value_names(after, values, [*names, *typed_values(plain(after), values)])


def touched(opcodes, start: int, end: int) -> bool:
    """True when the edit changed anything inside before[start:end]."""
    for tag, i1, i2, _, _ in opcodes:
        if tag == "equal":
            continue
        if (i1 < end and start < i2) or (i1 == i2 and start < i1 < end):
            return True
    return False


def mapped(opcodes, position: int, is_start: bool) -> int:
    """Where a position of the base text falls in the edited text."""
    for tag, i1, i2, j1, j2 in opcodes:
        if i1 <= position < i2 or (position == i2 and not is_start and i1 < i2):
            if tag == "equal":
                return j1 + (position - i1)
            return j1 if is_start else j2
    return opcodes[-1][4] if opcodes else position


def typed_values(text: str, values: dict[str, InputValue]) -> list[str]:
    """Values of the inputs typed in new text: fields of their own (the agency's name, the
    champion's phone), not an entry of a list, whose place in the list says nothing."""
    return [name for name in values_in(text, values) if "[" not in name]


def added(block: Block, values: dict[str, InputValue]) -> Addition:
    text = with_value_names(block.markup, values, typed_values(block.text, values))
    kind = block.kind if block.kind in ADDABLE else PARAGRAPH
    return Addition(kind, text, max(2, min(block.level, 4)) if kind == HEADING else 0)


def table_reason(item: BaseBlock) -> str:
    from pipeline.content import content

    rules = content("wording")["documents"].get(item.block.document, {})
    return rules.get("tables", "tables are built from the inputs")


def table_edits(
    item: BaseBlock, block: Block, values: dict[str, InputValue], result: Readback
) -> None:
    """An edited table's cells: a value of the inputs is reported with its field, the rest is
    refused with where the table's rows come from."""
    before, after = item.block.text.split(" | "), block.text.split(" | ")
    if len(before) != len(after):
        result.refused.append(Refusal(block.text[:80], table_reason(item)))
        return
    for old, new in zip(before, after, strict=True):
        if normal(old) == normal(new):
            continue
        names = [name for name in values_in(old, values) if values[name].printed not in new]
        if names:
            result.facts.append(FactEdit(values[names[0]], new))
        else:
            result.refused.append(Refusal(f"{old} -> {new}", table_reason(item)))
