"""Authenticity from our own data: the share of a creator's recent posts that were sponsored.

``sponsored_share`` = sponsored posts delivered through Dandelion in the last
``window_days`` ÷ all the creator's posts in that window. A sponsored post is a
sponsorship whose post was first handed in (``first_delivered_at``) within the window and
that was not called off: ``delivered``, ``approved``, ``rejected`` (the post is up, the
brand asked for changes) or ``disputed``. A ``cancelled`` sponsorship does not count: the
brand refused the post and nobody paid for it (it is usually taken down). All posts come
from the creator's reported ``recent_posts_30d`` (scaled to the window when the window is
not 30 days) and are never fewer than the sponsored ones, so a creator who reports nothing
has a share of 1 as soon as one sponsored post is in the window; no posts at all is 0.

The share is stored on the creator (``creators.sponsored_share``, read-only to them) and
recomputed when a deliverable is handed in, when the creator reports ``recent_posts_30d``,
and by a daily job (the window slides: a post ages out without anything else happening).
Matching and the guardrails of invitations read the stored value.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from accounts.models import Creator
from collaborations.models import Sponsorship, SponsorshipStatus
from core.db import in_values

DEFAULT_WINDOW_DAYS = 30
REPORTED_DAYS = 30  # ``recent_posts_30d`` counts this many days
MAX_RECENT_POSTS = 1_000  # more than 30 a day for a month: not a creator's feed
SPONSORED_POST_STATES = (
    SponsorshipStatus.DELIVERED,
    SponsorshipStatus.APPROVED,
    SponsorshipStatus.REJECTED,
    SponsorshipStatus.DISPUTED,
)
PRECISION = 4  # decimals kept (a share of 3 of 7 is 0.4286)


def _window_start(now: datetime, window_days: int) -> datetime:
    return now - timedelta(days=window_days)


def sponsored_posts_filter(now: datetime, window_days: int) -> tuple[ColumnElement[bool], ...]:
    """The sponsorships that count as sponsored posts in the window ending at ``now``."""
    return sponsored_posts_between(_window_start(now, window_days), now)


def sponsored_posts_between(start: Any, end: Any) -> tuple[ColumnElement[bool], ...]:
    """:func:`sponsored_posts_filter` for the window (``start``, ``end``]: datetimes, or bound
    parameters in statements built once."""
    return (
        in_values(Sponsorship.status, SPONSORED_POST_STATES),
        Sponsorship.first_delivered_at.is_not(None),
        Sponsorship.first_delivered_at > start,
        Sponsorship.first_delivered_at <= end,
    )


def reported_posts_in_window(recent_posts_30d: int | None, window_days: int) -> int:
    """The creator's reported posts, as a count for ``window_days`` (0 when not reported)."""
    if not recent_posts_30d:
        return 0
    return round(recent_posts_30d * window_days / REPORTED_DAYS)


def share_of(sponsored: int, reported: int) -> float:
    """Sponsored ÷ all posts, where all posts are never fewer than the sponsored ones."""
    posts = max(reported, sponsored)
    return round(sponsored / posts, PRECISION) if posts else 0.0


def sponsored_post_times(
    session: Session, creator_id: int, now: datetime, window_days: int
) -> list[datetime]:
    """When each sponsored post in the window was first handed in, oldest first."""
    return list(
        session.scalars(
            select(Sponsorship.first_delivered_at)
            .where(Sponsorship.creator_id == creator_id, *sponsored_posts_filter(now, window_days))
            .order_by(Sponsorship.first_delivered_at)
        )
    )


def recompute_sponsored_share(
    session: Session, creator_id: int, *, now: datetime, window_days: int = DEFAULT_WINDOW_DAYS
) -> float:
    """Store and return the creator's ``sponsored_share`` as of ``now``."""
    sponsored = session.scalar(
        select(func.count(Sponsorship.id)).where(
            Sponsorship.creator_id == creator_id, *sponsored_posts_filter(now, window_days)
        )
    )
    creator = session.get(Creator, creator_id)
    if creator is None:
        raise ValueError(f"no creator {creator_id}")
    creator.sponsored_share = share_of(
        int(sponsored or 0), reported_posts_in_window(creator.recent_posts_30d, window_days)
    )
    session.flush()
    return creator.sponsored_share


def recompute_sponsored_shares(
    session: Session, *, now: datetime, window_days: int = DEFAULT_WINDOW_DAYS
) -> int:
    """The daily pass: recompute every creator's share; returns how many changed.

    Two reads (the sponsored posts per creator, then each creator's reported posts and
    stored share) and one executemany update of the creators whose share moved.
    """
    sponsored = dict(
        session.execute(
            select(Sponsorship.creator_id, func.count(Sponsorship.id))
            .where(*sponsored_posts_filter(now, window_days))
            .group_by(Sponsorship.creator_id)
        ).all()
    )
    changed = []
    for creator_id, reported, stored in session.execute(
        select(Creator.id, Creator.recent_posts_30d, Creator.sponsored_share)
    ):
        share = share_of(
            int(sponsored.get(creator_id, 0)), reported_posts_in_window(reported, window_days)
        )
        if share != stored:
            changed.append({"id": creator_id, "sponsored_share": share})
    if changed:
        session.execute(update(Creator), changed)
    session.flush()
    return len(changed)


@dataclass(frozen=True)
class ShareOutlook:
    """Where a creator's share stands against the cap, and how it gets back under."""

    share: float
    sponsored_posts: int
    posts: int  # the denominator: reported posts in the window, never fewer than sponsored
    window_days: int
    cap: float
    over_cap: bool
    under_cap_on: date | None  # when posts ageing out bring it under (reports unchanged)
    posts_needed: int | None  # reported posts that would bring it under the cap now


def share_outlook(
    session: Session,
    creator: Creator,
    *,
    now: datetime,
    cap: float,
    window_days: int = DEFAULT_WINDOW_DAYS,
    sponsored_posts: int | None = None,
) -> ShareOutlook:
    """The stored share against ``cap``; for a creator over it, when and how it falls under.

    ``sponsored_posts`` (the count in the window), when the caller has it, saves a query for
    a creator under the cap."""
    reported = reported_posts_in_window(creator.recent_posts_30d, window_days)
    over = creator.sponsored_share > cap
    under_on = needed = None
    times: list[datetime] = []
    if over or sponsored_posts is None:
        times = sponsored_post_times(session, creator.id, now, window_days)
        sponsored_posts = len(times)
    if over:
        # The stored share is at most a day old (the daily job): if the posts in the window
        # are already under the cap, the next recompute says so.
        ages_out = [now - timedelta(days=window_days), *times]
        for aged_out, delivered in enumerate(ages_out):
            if share_of(len(times) - aged_out, reported) <= cap:
                under_on = (delivered + timedelta(days=window_days)).date()
                break
        if cap > 0 and times:
            needed = math.ceil(len(times) / cap - 1e-9)
            needed = math.ceil(needed * REPORTED_DAYS / window_days)  # as ``recent_posts_30d``
    return ShareOutlook(
        share=creator.sponsored_share,
        sponsored_posts=sponsored_posts,
        posts=max(reported, sponsored_posts),
        window_days=window_days,
        cap=cap,
        over_cap=over,
        under_cap_on=under_on,
        posts_needed=needed,
    )
