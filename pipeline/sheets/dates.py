"""Dates as people write them in their spreadsheets and surveys: ISO, spelled-out months, and
with numbers in the order of the agency's country (or of the column's own dates)."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from datetime import date, datetime

DATE_FORMATS = ("%Y-%m-%d", "%B %d, %Y", "%b %d, %Y", "%d %B %Y", "%d %b %Y", "%Y/%m/%d")


def parse_written_date(text: str, order: str | None = None) -> date | None:
    """`2026-10-12`, `October 12, 2026`, `12 Oct 2026`; `10/12/2026` only in a known `order`
    (`mdy` or `dmy`), or when one of its numbers cannot be a month (`11/20/2026`)."""
    text = text.strip()
    for pattern in DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    numbers = numeric_date(text)
    if numbers is None:
        return None
    first, second, year = numbers
    readings = {"mdy": (first, second), "dmy": (second, first)}
    possible = {name: valid_day(year, *pair) for name, pair in readings.items()}
    possible = {name: day for name, day in possible.items() if day}
    if order in possible:
        return possible[order]
    if len(possible) == 1 and order is None:
        return next(iter(possible.values()))
    return None


SLASHED_DATE = re.compile(
    r"^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:\s+\d{1,2}:\d{2}(?::\d{2})?)?$"
)
# Who writes the month first: the United States (and the territories that follow it). Canada
# writes both ways, so its slashed dates are read only when one number cannot be a month.
MONTH_FIRST = {"US", "PR", "GU", "VI", "AS", "MP"}
EITHER_WAY = {"CA"}


def numeric_date(text: str) -> tuple[int, int, int] | None:
    """`11/20/2026` -> (11, 20, 2026); `20.11.26` -> (20, 11, 2026); None for other text."""
    found = SLASHED_DATE.match(text.strip())
    if not found:
        return None
    first, second, year = (int(part) for part in found.groups())
    return first, second, year + 2000 if year < 100 else year


def valid_day(year: int, month: int, day: int) -> date | None:
    try:
        return date(year, month, day)
    except ValueError:
        return None


def date_order(country: str | None) -> str | None:
    """How the agency's country writes dates with numbers: `mdy`, `dmy`, or None (unknown)."""
    if not country or country in EITHER_WAY:
        return None
    return "mdy" if country in MONTH_FIRST else "dmy"


def column_order(texts: Iterable[str], country: str | None, header: str = "") -> str | None:
    """How a column writes dates with numbers: its header (`Date (DD/MM/YYYY)`) or its own
    dates say when only one order fits them all (`11/20/2026` is month first), else the
    agency's country does."""
    evidence: Counter[str] = Counter()
    hint = "".join(header.lower().split())
    for order, marks in (("mdy", ("mm/dd", "m/d/")), ("dmy", ("dd/mm", "d/m/"))):
        if any(mark in hint for mark in marks):
            evidence[order] += 1
    for text in texts:
        numbers = numeric_date(text)
        if numbers and numbers[0] <= 12 < numbers[1]:
            evidence["mdy"] += 1
        elif numbers and numbers[1] <= 12 < numbers[0]:
            evidence["dmy"] += 1
    return next(iter(evidence)) if len(evidence) == 1 else date_order(country)
