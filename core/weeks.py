"""ISO weeks as people read them: ``2026-W49`` is the "week of 30 Nov"."""

from __future__ import annotations

import re
from datetime import date

_ISO_WEEK = re.compile(r"^(\d{4})-W(\d{2})$")


def week_start(week: str) -> date | None:
    """The Monday of ISO week ``week`` (``2026-W49`` → 2026-11-30); None if it is not one."""
    m = _ISO_WEEK.match(week or "")
    if not m:
        return None
    try:
        return date.fromisocalendar(int(m.group(1)), int(m.group(2)), 1)
    except ValueError:
        return None


def week_of(week: str | None, today: date | None = None) -> str:
    """``week of 30 Nov`` (the year is added when it is not this year's); anything that is
    not an ISO week is returned as it is."""
    monday = week_start(week or "")
    if monday is None:
        return week or ""
    this_year = (today or date.today()).year
    text = f"week of {monday.day} {monday:%b}"
    return text if monday.year == this_year else f"{text} {monday.year}"
