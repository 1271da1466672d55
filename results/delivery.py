"""A creator's "delivers what was forecast": actual engagements ÷ forecast engaged people over
their last ``DELIVERY_WINDOW`` measured sponsorships, stored on the creator row.

- forecast engaged people of a sponsorship: followers × engagement rate when the offer was
  accepted (``Sponsorship.forecast_engaged``); the engaged *target* audience the brand was
  shown is that × the offer's fit, so the ratio is the same for both;
- actual engagements: likes + comments + saves + shares of the post's latest unflagged
  snapshot, counted only once that snapshot is at least ``MIN_AGE`` after delivery (a 24 h
  figure would make every creator look short);
- the ratio: Σ actual ÷ Σ forecast over the window (so bigger posts weigh more).

It is recomputed when a snapshot is stored (a bounded read of at most the window's rows) and
kept in ``creators.delivery_ratio`` / ``delivery_sponsorships``: reads never scan history.
Matching discounts a creator's value by ``min(1, ratio)`` (``matching.market.build``).
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts.models import Creator
from collaborations.models import Sponsorship
from results.models import PostMetric

DELIVERY_WINDOW = 10
MIN_AGE = timedelta(days=7)
_SCAN = 5 * DELIVERY_WINDOW  # recent sponsorships looked at to find the window's measured ones


def update_delivery_ratio(session: Session, creator_id: int) -> float | None:
    """Recompute and store the creator's ratio over their last measured sponsorships; flushes.

    Returns the ratio (None while no sponsorship has a snapshot old enough)."""
    recent = session.execute(
        select(Sponsorship.id, Sponsorship.forecast_engaged, Sponsorship.first_delivered_at)
        .where(
            Sponsorship.creator_id == creator_id,
            Sponsorship.first_delivered_at.is_not(None),
            Sponsorship.forecast_engaged > 0,
        )
        .order_by(Sponsorship.first_delivered_at.desc(), Sponsorship.id.desc())
        .limit(_SCAN)
    ).all()
    latest: dict[int, PostMetric] = {}
    if recent:
        for m in session.scalars(
            select(PostMetric)
            .where(
                PostMetric.sponsorship_id.in_([r.id for r in recent]),
                PostMetric.flagged.is_(False),
            )
            .order_by(PostMetric.measured_at)
        ):
            latest[m.sponsorship_id] = m
    actual = forecast = counted = 0
    for r in recent:
        m = latest.get(r.id)
        if m is None or m.measured_at - r.first_delivered_at < MIN_AGE:
            continue
        actual += m.engagements
        forecast += int(r.forecast_engaged)
        counted += 1
        if counted == DELIVERY_WINDOW:
            break
    ratio = round(actual / forecast, 4) if forecast else None
    c = Creator.__table__.c
    session.execute(
        update(Creator.__table__)
        .where(c.id == creator_id)
        .values(delivery_ratio=ratio, delivery_sponsorships=counted, updated_at=c.updated_at)
    )
    session.flush()
    return ratio
