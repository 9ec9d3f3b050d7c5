"""Date arithmetic in calendar months, as people count due dates."""

from __future__ import annotations

import calendar
from datetime import date


def add_months(day: date, months: int) -> date:
    """The same day `months` later (or earlier), or the month's last day if it has no such day.

    A training on 29 February 2024 is due again on 28 February 2025.
    """
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last_day = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last_day))


def parse_date(value: object) -> date | None:
    """A YYYY-MM-DD text as a date, or None if it is not one (already reported elsewhere)."""
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None
