"""The agency's wording as text a person can type: **bold**, *italic*, [a link](https://...),
and {governance.champion.name} for a value that comes from the inputs.

A backslash keeps the next character as it is (`\\*`, `\\{`). Nothing here is a template
language: a `{...}` names one input field and is replaced by its printed value, nothing else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

SPECIAL = "\\*[]{}"
TOKEN = re.compile(
    r"\\(?P<escaped>.)"
    r"|\*\*(?P<bold>.+?)\*\*(?!\*)"
    r"|\*(?P<italic>[^*]+?)\*"
    r"|\[(?P<label>[^\]]+)\]\((?P<url>[^)\s]+)\)"
    r"|\{(?P<value>[^{}]*)\}",
    re.DOTALL,
)
LINK_SCHEMES = ("https://", "http://", "mailto:", "tel:")


@dataclass(frozen=True)
class Segment:
    """A stretch of text of one look. `value` names an input field in place of the text."""

    text: str
    bold: bool = False
    italic: bool = False
    link: str = ""
    value: str = ""


def escape(text: str) -> str:
    return "".join(f"\\{char}" if char in SPECIAL else char for char in text)


def segments_markup(segments: list[Segment]) -> str:
    """Runs as one line of markup; neighbouring runs of one look are joined first."""
    joined: list[Segment] = []
    for segment in segments:
        last = joined[-1] if joined else None
        if last and (last.bold, last.italic, last.link) == (
            segment.bold,
            segment.italic,
            segment.link,
        ):
            joined[-1] = Segment(last.text + segment.text, last.bold, last.italic, last.link)
        else:
            joined.append(segment)
    return " ".join("".join(decorate(segment) for segment in joined).split())


def decorate(segment: Segment) -> str:
    """One run's markup; spaces at its ends stay outside the marks (`** bold**` is no mark)."""
    text = segment.text
    core = text.strip()
    if not core or not (segment.bold or segment.italic or segment.link):
        return escape(text)
    lead = text[: len(text) - len(text.lstrip())]
    tail = text[len(text.rstrip()) :]
    marked = escape(core)
    if segment.italic:
        marked = f"*{marked}*"
    if segment.bold:
        marked = f"**{marked}**"
    if segment.link:
        marked = f"[{marked}]({segment.link})"
    return f"{lead}{marked}{tail}"


def parse(markup: str) -> list[Segment]:
    """Markup -> segments; `{path}` becomes a segment naming the value."""
    return list(_parse(markup, False, False, ""))


def _parse(markup: str, bold: bool, italic: bool, link: str):
    position = 0
    for match in TOKEN.finditer(markup):
        if match.start() > position:
            yield Segment(markup[position : match.start()], bold, italic, link)
        position = match.end()
        if match.group("escaped") is not None:
            yield Segment(match.group("escaped"), bold, italic, link)
        elif match.group("bold") is not None:
            yield from _parse(match.group("bold"), True, italic, link)
        elif match.group("italic") is not None:
            yield from _parse(match.group("italic"), bold, True, link)
        elif match.group("label") is not None:
            yield from _parse(match.group("label"), bold, italic, match.group("url"))
        else:
            yield Segment("", bold, italic, link, value=match.group("value").strip())
    if position < len(markup):
        yield Segment(markup[position:], bold, italic, link)


def value_names(markup: str) -> list[str]:
    """The input fields a line of markup names, in order."""
    return [segment.value for segment in parse(markup) if segment.value]


def plain(markup: str, values: dict[str, str] | None = None) -> str:
    """The text a line of markup prints, values filled in (or left as `{path}`)."""
    values = values or {}
    return "".join(
        values.get(segment.value, f"{{{segment.value}}}") if segment.value else segment.text
        for segment in parse(markup)
    )


def bad_links(markup: str) -> list[str]:
    return [
        segment.link
        for segment in parse(markup)
        if segment.link and not segment.link.startswith(LINK_SCHEMES)
    ]
