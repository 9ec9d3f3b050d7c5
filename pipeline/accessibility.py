"""What only the inputs can make accessible, checked as they are read: warnings for `packet
validate` and every build (the house style's contrast is pipeline/style.py's low_contrast).

- The logo's alternative text: what it shows (profile agency.logo_description), not only the
  agency's name, and never a file name or "Picture 3".
- Text in another language than the packet's: a directory entry whose name and services read
  as one of the agency's languages (a few hundred common words, pipeline/content/languages.yaml)
  needs its `language`, which the directory sets on that text (w:lang, the PDF's /Lang).
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from pipeline.content import content
from pipeline.errors import Problem
from pipeline.yamlfile import YamlDocument

# Alternative text that says nothing of a picture: empty, a file name, Word's "Picture 3".
MEANINGLESS_ALT = re.compile(
    r"^\s*((picture|image|img|logo|graphic|figure|photo)\s*\d*"
    r"|.*\.(png|jpe?g|gif|bmp|tiff?|svg))?\s*$",
    re.IGNORECASE,
)
WORD = re.compile(r"[^\W\d_]+(?:['’][^\W\d_]+)?")
# An entry's text "reads as" a language when at least this many of its common words are that
# language's, and more than are English ("Los Angeles LGBT Center" has one).
MIN_HITS = 2
SCRIPT_SHARE = 0.3  # of the text's letters, for a language known by its script
ENTRY_TEXT = ("name", "services")  # the text the directory marks with the entry's language


def logo_warnings(profile: YamlDocument) -> list[Problem]:
    """A warning when the logo's alternative text would be only the agency's name, or says
    nothing of what the logo shows."""
    agency = profile.data.get("agency") or {}
    if not agency.get("logo"):
        return []
    description = agency.get("logo_description")
    if description is None:
        return [
            profile.warning(
                ("agency", "logo"),
                "the logo has no description, so a screen reader says only the agency's name "
                "in its place; add agency.logo_description, what the logo shows (e.g. "
                f"{agency.get('short_name', 'the agency')} logo: a lighthouse over three waves)",
            )
        ]
    if MEANINGLESS_ALT.match(str(description)):
        return [
            profile.warning(
                ("agency", "logo_description"),
                f"{description!r} says nothing of what the logo shows; describe it in a few "
                "words, as you would on the phone",
            )
        ]
    return []


def language_warnings(listing: YamlDocument, agency_languages: list[str]) -> list[Problem]:
    """A warning for each directory entry whose text reads as another of the agency's
    languages than the packet's and has no `language`."""
    candidates = [known for known in map(known_language, agency_languages) if known]
    packet = languages()[content("languages")["packet"]]
    candidates = [known for known in candidates if known["code"] != packet["code"]]
    warnings = []
    for index, entry in enumerate(listing.data.get("entries") or []):
        if not isinstance(entry, dict) or entry.get("language"):
            continue
        text = " ".join(str(entry[key]) for key in ENTRY_TEXT if entry.get(key))
        found = reads_as(text, candidates, packet)
        if found:
            warnings.append(
                listing.warning(
                    ("entries", index),
                    f"'{entry.get('name')}' reads as {found['names'][0]}, but has no language, "
                    "so a screen reader pronounces it as English; add "
                    f"language: {found['code']} (or the tag of its language)",
                )
            )
    return warnings


@cache
def languages() -> dict[str, dict[str, Any]]:
    """The recognisable languages, each with its common words less those English shares."""
    table = content("languages")
    english = set(table["languages"][table["packet"]]["words"])
    found = {}
    for key, language in table["languages"].items():
        words = set(language.get("words", []))
        found[key] = {**language, "words": words if key == table["packet"] else words - english}
    return found


def known_language(name: str) -> dict[str, Any] | None:
    """The language an agency names (`Spanish`, `Haitian Creole`, `español`), if on file."""
    wanted = str(name).strip().casefold()
    for language in languages().values():
        names = [known.casefold() for known in language["names"]]
        if wanted in names or wanted == language["code"] or wanted.split(" (")[0] in names:
            return language
    return None


def reads_as(
    text: str, candidates: list[dict[str, Any]], packet: dict[str, Any]
) -> dict[str, Any] | None:
    """The candidate language `text` reads as, if any."""
    words = [word.casefold() for word in WORD.findall(text)]
    letters = sum(character.isalpha() for character in text)
    english = sum(word in packet["words"] for word in words)
    best, best_hits = None, 0
    for language in candidates:
        if "script" in language:
            share = len(re.findall(f"[{language['script']}]", text)) / max(letters, 1)
            if share >= SCRIPT_SHARE:
                return language
            continue
        hits = sum(word in language["words"] for word in words)
        if hits >= MIN_HITS and hits > english and hits > best_hits:
            best, best_hits = language, hits
    return best
