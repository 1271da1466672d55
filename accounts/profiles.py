"""Creator profile and opt-in services. They flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy.orm import Session

from accounts.models import Creator
from collaborations.authenticity import DEFAULT_WINDOW_DAYS, recompute_sponsored_share
from core.db import utcnow
from core.errors import InvalidInput
from matching.runs import request_incremental_run


@dataclass(frozen=True)
class Availability:
    """The opt-in as the creator sees it: a lapsed opt-in reads as closed."""

    open: bool
    until: date | None
    categories: list[str]
    lapsed: bool


def is_open_on(creator: Creator, day: date) -> bool:
    """Whether the creator takes paid work on ``day`` (open, and ``until`` not passed)."""
    return creator.is_open_on(day)


def missing_for_matching(creator: Creator) -> list[str]:
    """Profile fields a creator must fill before opting in."""
    missing = []
    if not creator.audience:
        missing.append("audience")
    if creator.rate_amount is None:
        missing.append("rate")
    if creator.followers <= 0:
        missing.append("followers")
    return missing


def update_profile(
    session: Session,
    creator: Creator,
    changes: dict[str, Any],
    *,
    share_window_days: int = DEFAULT_WINDOW_DAYS,
) -> Creator:
    """Apply validated profile ``changes`` (rate arrives as ``rate_amount`` + ``rate_currency``).

    A reported ``recent_posts_30d`` recomputes the creator's ``sponsored_share`` (over the
    last ``share_window_days``)."""
    for name, value in changes.items():
        setattr(creator, name, value)
    if "recent_posts_30d" in changes:
        session.flush()
        recompute_sponsored_share(session, creator.id, now=utcnow(), window_days=share_window_days)
    if creator.is_open and missing_for_matching(creator):
        raise InvalidInput(
            "An open creator needs a complete profile.",
            {
                name: ["Required while you are open to offers."]
                for name in missing_for_matching(creator)
            },
        )
    session.flush()
    return creator


def get_availability(creator: Creator, today: date | None = None) -> Availability:
    """The creator's opt-in, with a lapsed ``until`` shown as closed."""
    today = today or date.today()
    lapsed = creator.is_open and creator.open_until is not None and creator.open_until < today
    return Availability(
        open=is_open_on(creator, today),
        until=creator.open_until,
        categories=list(creator.open_categories or []),
        lapsed=lapsed,
    )


def set_availability(
    session: Session,
    creator: Creator,
    *,
    open: bool,
    until: date | None,
    categories: list[str],
    today: date | None = None,
    match_now: bool = True,
) -> Availability:
    """Open or close the creator to offers; closing leaves accepted work untouched.

    With ``match_now``, opting in (or opening more categories) starts an incremental run
    that matches the creator against the campaigns already published, once this commits.
    """
    today = today or date.today()
    errors: dict[str, list[str]] = {}
    if open:
        if until is not None and until < today:
            errors["until"] = ["Must be today or later (or null for no end)."]
        if not categories:
            errors["categories"] = ["Name at least one category you accept while open."]
        missing = missing_for_matching(creator)
        if missing:
            errors["open"] = [f"Complete your profile first: {', '.join(missing)}."]
    if errors:
        raise InvalidInput("The opt-in cannot be saved.", errors)
    was_open = is_open_on(creator, today)
    had = set(creator.open_categories or ())
    creator.is_open = open
    creator.open_until = until
    creator.open_categories = sorted(set(categories))
    session.flush()
    if match_now and open and (not was_open or not set(categories) <= had):
        # Opted in, or open to more categories: match them against the campaigns already
        # published, now, instead of at the next weekly run.
        request_incremental_run(session, creator_id=creator.id)
    return get_availability(creator, today)
