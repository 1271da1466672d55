"""Why a creator gets no new offers: the rules of matching and invitations, as the creator
reads them on their own profile (``GET /api/v1/creators/me`` ``offer_eligibility``).

Each reason names its rule (the same names as ``collaborations.guardrails``) and says in
plain words what to do or until when. Shown to the creator only, never to brands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, func, select
from sqlalchemy.orm import Session

from accounts.models import Creator
from collaborations.authenticity import (
    DEFAULT_WINDOW_DAYS,
    ShareOutlook,
    share_outlook,
    sponsored_posts_between,
)
from collaborations.guardrails import OfferRules, live_offer_filter
from collaborations.models import OPEN_SPONSORSHIP_STATES, Offer, Sponsorship
from core.db import UTCDateTime, in_values


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
class Figures:
    """The creator's figures the rules read."""

    in_progress: int
    live_offers: int
    offers_this_week: int
    sponsored_posts: int


def figures_columns(creator_id: Any) -> tuple[Any, ...]:
    """The figures as four scalar subqueries for ``creator_id`` (a bound parameter, or the
    creators table's id to correlate in a larger read): the same predicates as
    ``guardrails.creator_room`` (work in progress, live offers), the weekly offer cap
    (``matching.adapter.week_bounds``) and ``authenticity.sponsored_posts_filter``. Bind
    :func:`figures_params`."""
    now = bindparam("figures_now", type_=UTCDateTime())

    def count(model: Any, *where: Any) -> Any:
        return select(func.count(model.id)).where(model.creator_id == creator_id, *where)

    week = (
        Offer.created_at >= bindparam("week_start", type_=UTCDateTime()),
        Offer.created_at < bindparam("week_end", type_=UTCDateTime()),
    )
    window_start = bindparam("share_window_start", type_=UTCDateTime())
    return (
        count(
            Sponsorship, in_values(Sponsorship.status, OPEN_SPONSORSHIP_STATES)
        ).scalar_subquery(),
        count(Offer, *live_offer_filter(now)).scalar_subquery(),
        count(Offer, *week).scalar_subquery(),
        count(Sponsorship, *sponsored_posts_between(window_start, now)).scalar_subquery(),
    )


def figures_params(now: datetime, window_days: int) -> dict[str, Any]:
    """The values :func:`figures_columns` binds, as of ``now``."""
    from matching.adapter import week_bounds

    start, end = week_bounds(now.date())
    return {
        "figures_now": now,
        "week_start": start,
        "week_end": end,
        "share_window_start": now - timedelta(days=window_days),
    }


def figures_from(values: Any) -> Figures:
    """:class:`Figures` from the values of :func:`figures_columns`, in order."""
    return Figures(*(int(n or 0) for n in values))


_FIGURES = select(*figures_columns(bindparam("creator_id")))


def _figures(session: Session, creator_id: int, now: datetime, window_days: int) -> Figures:
    """The figures in one statement."""
    params = {"creator_id": creator_id, **figures_params(now, window_days)}
    return figures_from(session.execute(_FIGURES, params).one())


def offer_eligibility(
    session: Session,
    creator: Creator,
    *,
    now: datetime,
    rules: OfferRules,
    window_days: int = DEFAULT_WINDOW_DAYS,
    figures: Figures | None = None,
) -> OfferEligibility:
    """Every rule that keeps new offers (matched or invited) from ``creator`` now.

    ``figures``: the creator's :class:`Figures` when the caller read them already (in the
    same statement as the creator); otherwise one query reads them."""
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
    counts = figures or _figures(session, creator.id, now, window_days)
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
