"""Facts stay facts: the values of the agency's inputs as they are printed, by field name.

The agency's wording names a value (`{governance.champion.name}`) instead of repeating it, so
that its own paragraphs follow the inputs: after the champion changes in profile.yaml, every
paragraph the agency rewrote shows the new name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from pipeline.render import long_date
from pipeline.wording.markup import escape
from pipeline.yamlfile import FieldPath, dotted

# How the inputs write dates; the packet prints them long (`December 1, 2026`).
ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
SHORTEST = 4  # shorter values ("CA", "yes", "36") are too common in prose to be told apart
SKIPPED = {"sample", "type", "country", "state", "style", "logo", "title_x", "version"}
SKIPPED_SECTIONS = {"assessment", "training"}  # answers and settings, not printed as words


@dataclass(frozen=True)
class InputValue:
    """One field of an input file and the words the packet prints for it."""

    name: str  # governance.champion.phone
    printed: str
    file: str  # profile.yaml
    field_path: FieldPath


def input_values(
    files: list[tuple[str, dict[str, Any]]], day_first: bool = False
) -> dict[str, InputValue]:
    """Every printable value of the input files (name, data), by dotted field name; dates as
    the packet prints them (day first outside the US)."""
    found: dict[str, InputValue] = {}
    for file, data in files:
        for field_path, value in leaves(data, ()):
            if field_path[0] in SKIPPED_SECTIONS:
                continue
            printed = printed_value(value, day_first)
            if printed:
                name = dotted(field_path)
                found[name] = InputValue(name, printed, file, field_path)
    return found


def leaves(data: Any, field_path: FieldPath):
    """(field path, value) of every scalar under dicts and lists of dicts."""
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and key not in SKIPPED:
                yield from leaves(value, (*field_path, key))
    elif isinstance(data, list):
        if all(isinstance(item, dict) for item in data):
            for index, item in enumerate(data):
                yield from leaves(item, (*field_path, index))
    elif field_path:
        yield field_path, data


def printed_value(value: Any, day_first: bool = False) -> str:
    if isinstance(value, bool) or not isinstance(value, str | date):
        return ""
    if isinstance(value, str) and ISO_DATE.fullmatch(value):
        value = parse_iso(value) or value
    text = long_date(value, day_first) if isinstance(value, date) else " ".join(value.split())
    return text if len(text) >= SHORTEST and re.search(r"\w", text) else ""


def parse_iso(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def with_value_names(markup: str, values: dict[str, InputValue], names: list[str]) -> str:
    """Markup with each printed value among `names` replaced by `{name}`, longest first."""
    chosen = sorted(
        (values[name] for name in dict.fromkeys(names) if name in values),
        key=lambda value: -len(value.printed),
    )
    taken: list[tuple[int, int, str]] = []
    for value in chosen:
        pattern = re.compile(rf"(?<!\w){re.escape(escape(value.printed))}(?!\w)")
        for match in pattern.finditer(markup):
            span = match.span()
            if not any(span[0] < end and start < span[1] for start, end, _ in taken):
                taken.append((*span, value.name))
    for start, end, name in sorted(taken, reverse=True):
        markup = f"{markup[:start]}{{{name}}}{markup[end:]}"
    return markup


def values_in(text: str, values: dict[str, InputValue]) -> list[str]:
    """Names of the values whose printed words appear in `text`, first by field order."""
    return [name for name, value in values.items() if value.printed in text]


def printed_values(values: dict[str, InputValue]) -> dict[str, str]:
    return {name: value.printed for name, value in values.items()}
