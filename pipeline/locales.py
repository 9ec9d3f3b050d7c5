"""How the packet's own text is written in the agency's language: spelling, dates and paper
(pipeline/content/locales.yaml)."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from docx.shared import Mm

from pipeline.content import content

# Column of each language in the spelling table (the table's words are en-US).
SPELLING_COLUMNS = {"en-GB": 0, "en-CA": 1, "en-AU": 2}
PAPER_MM = {"letter": (215.9, 279.4), "a4": (210.0, 297.0)}
# In a template's XML, what is not its own text: tags, and Jinja's expressions and statements.
NOT_TEXT = re.compile(r"(<[^>]*>|\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\})", re.DOTALL)


def conventions(language: str | None) -> dict[str, Any]:
    """Dates and paper of a language (en-GB's for a language not on file)."""
    table = content("locales")
    languages = table["languages"]
    return {"language": language, **(languages.get(language or "") or languages[table["fallback"]])}


def reporting_terms(country: str) -> dict[str, str]:
    """The words the policy uses for the duty to report: mandatory reporting, or safeguarding."""
    table = content("locales")
    frame = table["reporting_frame_by_country"].get(country, "mandatory")
    return {"frame": frame, **table["reporting_frames"][frame]}


@cache
def spelling_pattern(language: str) -> tuple[re.Pattern[str], dict[str, str]] | None:
    """The regular expression of the words the language spells otherwise, and their spellings."""
    table = content("locales")["spelling"]
    if language == "en-US":  # text quoted from non-US sources, back to US spelling
        words = {spelt[SPELLING_COLUMNS["en-GB"]]: us for us, spelt in table.items()}
    elif language in SPELLING_COLUMNS:
        words = {us: spelt[SPELLING_COLUMNS[language]] for us, spelt in table.items()}
    else:
        return None
    words = {given: spelt for given, spelt in words.items() if given != spelt}
    alternatives = "|".join(sorted(map(re.escape, words), key=len, reverse=True))
    return re.compile(rf"\b({alternatives})\b", re.IGNORECASE), words


def respell(text: str, language: str | None) -> str:
    """Text in US spelling as the language writes it ("labor" -> "labour" in en-GB); for en-US,
    text in British spelling as US English writes it."""
    found = spelling_pattern(language) if language else None
    if not found:
        return text
    pattern, words = found

    def spelt(match: re.Match[str]) -> str:
        word = match.group(0)
        other = words[word.lower()]
        if word.isupper() and len(word) > 1:
            return other.upper()
        return other[:1].upper() + other[1:] if word[:1].isupper() else other

    return pattern.sub(spelt, text)


def respell_data(data: Any, language: str | None, kept: frozenset[str] | set[str] = frozenset()):
    """Content data (dicts, lists, strings) respelt, the top-level keys in `kept` as they are."""
    if not language or language not in SPELLING_COLUMNS:
        return data
    if isinstance(data, dict):
        return {
            key: value if key in kept else respell_data(value, language)
            for key, value in data.items()
        }
    if isinstance(data, list):
        return [respell_data(item, language) for item in data]
    return respell(data, language) if isinstance(data, str) else data


def respell_template(source: str, language: str | None) -> str:
    """A template's XML with its own text respelt; tags and Jinja code left alone."""
    if not language or language not in SPELLING_COLUMNS:
        return source
    pieces = NOT_TEXT.split(source)
    return "".join(
        piece if index % 2 else respell(piece, language) for index, piece in enumerate(pieces)
    )


def set_paper(document, paper: str | None) -> None:
    """Every section on the language's paper (A4 or Letter), keeping its orientation."""
    if paper not in PAPER_MM:
        return
    short, long = (Mm(side) for side in PAPER_MM[paper])
    for section in document.sections:
        landscape = section.page_width > section.page_height
        section.page_width, section.page_height = (long, short) if landscape else (short, long)
