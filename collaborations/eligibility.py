"""Why a creator gets no new offers: the rules of matching and invitations, as the creator
reads them on their own profile (``GET /api/v1/creators/me`` ``offer_eligibility``).

Each reason names its rule (the same names as ``collaborations.guardrails``) and says in
plain words what to do or until when. Shown to the creator only, never to brands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Creator
from collaborations.authenticity import (
    DEFAULT_WINDOW_DAYS,
    ShareOutlook,
    share_outlook,
    sponsored_posts_filter,
)
from collaborations.guardrails import OfferRules, live_offer_filter
from collaborations.models import OPEN_SPONSORSHIP_STATES, Offer, Sponsorship


@dataclass(frozen=True)
class Reason:
    """One rule that keeps new offers away, and what it means for the creator."""

    rule: str
    message: str


@dataclass(frozen=True)
class OfferEligibility:
    """Whether the creator can receive new offers now, and if not, every reason why."""

    eligible: bool
    reasons: list[Reason]
    sponsored_share: ShareOutlook


def _percent(share: float) -> str:
    return f"{round(share * 100)} %"


def sponsored_share_message(outlook: ShareOutlook, reported: int | None) -> str:
    """The over-cap explanation: the figures, the cap, and the two ways back under it."""
    days = outlook.window_days
    text = (
        f"{_percent(outlook.share)} of your posts in the last {days} days were sponsored "
        f"({outlook.sponsored_posts} of {outlook.posts}); above {_percent(outlook.cap)} you "
        "get no new offers, so your audience keeps seeing your own content."
    )
    if reported is None:
        text += (
            f" You have not reported how many posts you published in the last {days} days "
            "(recent_posts_30d on your profile), so only your Dandelion posts count."
        )
    ways = []
    if outlook.under_cap_on is not None:
        ways.append(
            f"on {outlook.under_cap_on.isoformat()}, as your sponsored posts leave the "
            f"{days}-day window"
        )
    if outlook.posts_needed is not None:
        ways.append(
            f"as soon as you report {outlook.posts_needed} or more posts in the last 30 days "
            "(recent_posts_30d), counting your organic ones"
        )
    if ways:
        text += " You are under the cap again " + ", or ".join(ways) + "."
    return text


@dataclass(frozen=True)
class _Counts:
    in_progress: int
    live_offers: int
    offers_this_week: int
    sponsored_posts: int


def _counts(session: Session, creator_id: int, now: datetime, window_days: int) -> _Counts:
    """The creator's figures the rules read, in one statement: the same predicates as
    ``guardrails.creator_room`` (work in progress, live offers), the weekly offer cap
    (``matching.adapter.week_bounds``) and ``authenticity.sponsored_posts_filter``."""
    from matching.adapter import week_bounds

    start, end = week_bounds(now.date())

    def count(model: Any, *where: Any) -> Any:
        return select(func.count(model.id)).where(model.creator_id == creator_id, *where)

    row = session.execute(
        select(
            count(Sponsorship, Sponsorship.status.in_(OPEN_SPONSORSHIP_STATES)).scalar_subquery(),
            count(Offer, *live_offer_filter(now)).scalar_subquery(),
            count(Offer, Offer.created_at >= start, Offer.created_at < end).scalar_subquery(),
            count(Sponsorship, *sponsored_posts_filter(now, window_days)).scalar_subquery(),
        )
    ).one()
    return _Counts(*(int(n or 0) for n in row))


def offer_eligibility(
    session: Session,
    creator: Creator,
    *,
    now: datetime,
    rules: OfferRules,
    window_days: int = DEFAULT_WINDOW_DAYS,
) -> OfferEligibility:
    """Every rule that keeps new offers (matched or invited) from ``creator`` now."""
    from accounts.profiles import missing_for_matching
    from matching.adapter import week_bounds

    today = now.date()
    reasons: list[Reason] = []
    missing = missing_for_matching(creator)
    if missing:
        reasons.append(
            Reason(
                "incomplete_profile",
                f"Complete your profile to be matched: {', '.join(missing)}.",
            )
        )
    if not creator.is_open_on(today):
        if creator.is_open and creator.open_until is not None:
            text = (
                f"Your opt-in ended on {creator.open_until.isoformat()}; open yourself to paid "
                "work again (PUT /api/v1/creators/me/availability)."
            )
        else:
            text = (
                "You are not open to paid work; open yourself with the categories you accept "
                "(PUT /api/v1/creators/me/availability)."
            )
        reasons.append(Reason("creator_closed", text))
    elif not creator.open_categories:
        reasons.append(Reason("category", "Name at least one category you accept."))
    counts = _counts(session, creator.id, now, window_days)
    outlook = share_outlook(
        session,
        creator,
        now=now,
        cap=rules.max_sponsored_share,
        window_days=window_days,
        sponsored_posts=counts.sponsored_posts,
    )
    if outlook.over_cap:
        reasons.append(
            Reason("sponsored_share", sponsored_share_message(outlook, creator.recent_posts_30d))
        )
    if creator.weekly_capacity - counts.in_progress - counts.live_offers <= 0:
        reasons.append(
            Reason(
                "capacity",
                f"Your weekly capacity ({creator.weekly_capacity}) is used by work in progress "
                "and offers awaiting your answer; deliver, answer offers or raise your capacity.",
            )
        )
    received = counts.offers_this_week
    if received >= rules.max_offers_per_week:
        monday = week_bounds(today)[1].date()
        reasons.append(
            Reason(
                "offer_cap",
                f"You received {received} offers this week, the most anyone gets in a week; "
                f"new offers can come again from {monday.isoformat()}.",
            )
        )
    return OfferEligibility(eligible=not reasons, reasons=reasons, sponsored_share=outlook)
