"""The rules every new offer obeys, whichever way it came about (DESIGN.md §3b).

Matching enforces them on the whole market at once (``matching.adapter.snapshot_market``);
an invitation or a selected application is one pair, checked here with the same
definitions: the campaign is open, in its window and has budget and a slot left (live
proposals hold theirs), the creator is open today, accepts the category, is under the
sponsored-share cap, has capacity (work in progress and live proposals use it), has
received fewer than the weekly offer cap (every channel counts), and is not tied to a
competitor of the brand. Each refusal says which rule and why.

Callers lock the rows first (:func:`lock_pair`: the campaign, then the creator, the same
order as a run's write and as accepting), so two brands inviting the last unit of one
creator's capacity at once are serialised and the second is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import (
    OPEN_OFFER_STATES,
    BrandBlock,
    Offer,
    OfferSource,
    OfferStatus,
    OfferTurn,
    TurnKind,
)
from core.db import in_values
from core.errors import Conflict, NotFound
from payments.service import remaining_funds


@dataclass(frozen=True)
class OfferRules:
    """The settings the rules read (the same ones matching reads)."""

    max_offers_per_week: int = 3
    max_sponsored_share: float = 0.5
    offer_ttl_days: int = 7

    @classmethod
    def from_config(cls, config: Any) -> OfferRules:
        """From a Flask config (or any mapping with the ``MATCH_*`` / ``OFFER_TTL_DAYS`` keys)."""
        return cls(
            max_offers_per_week=int(config["MATCH_MAX_OFFERS_PER_WEEK"]),
            max_sponsored_share=float(config["MATCH_MAX_SPONSORED_SHARE"]),
            offer_ttl_days=int(config["OFFER_TTL_DAYS"]),
        )


class GuardrailRefused(Conflict):
    """A rule refused the offer; ``rule`` names it (e.g. ``capacity``) for clients."""

    def __init__(self, rule: str, message: str) -> None:
        # The rule rides in the one error shape, as ``errors: {"rule": ["capacity"]}``.
        super().__init__(message, {"rule": [rule]})
        self.rule = rule


def lock_pair(session: Session, campaign_id: int, creator_id: int) -> tuple[Campaign, Creator]:
    """``SELECT ... FOR UPDATE`` the campaign, then the creator, both refreshed."""
    campaign = session.scalar(
        select(Campaign)
        .where(Campaign.id == campaign_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    creator = session.scalar(
        select(Creator)
        .where(Creator.id == creator_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if campaign is None:
        raise NotFound("Campaign not found.")
    if creator is None:
        raise NotFound("Creator not found.")
    return campaign, creator


def _week_start(day: date) -> datetime:
    from matching.adapter import week_bounds  # the one definition of "this week"

    return week_bounds(day)[0]


def live_offer_filter(now: datetime) -> tuple[Any, ...]:
    """Offers still awaiting an answer (a proposal or a counter, not past its turn's expiry)."""
    return (in_values(Offer.status, OPEN_OFFER_STATES), Offer.expires_at > now)


def campaign_room(session: Session, campaign: Campaign, now: datetime) -> tuple[int, int]:
    """(budget, slots) the campaign can still promise: funds not committed minus live
    proposals, and slots minus committed sponsorships and live proposals."""
    from collaborations.services import campaign_commitments

    pending_amount, pending_count = session.execute(
        select(func.coalesce(func.sum(Offer.price_amount), 0), func.count(Offer.id)).where(
            Offer.campaign_id == campaign.id, *live_offer_filter(now)
        )
    ).one()
    _, taken = campaign_commitments(session, campaign.id)
    return (
        remaining_funds(session, campaign) - int(pending_amount),
        campaign.slots - taken - int(pending_count),
    )


def creator_room(session: Session, creator: Creator, now: datetime) -> int:
    """Units of capacity the creator can still be offered: weekly capacity minus work in
    progress and live proposals."""
    from collaborations.services import open_sponsorship_count

    live = session.scalar(
        select(func.count(Offer.id)).where(Offer.creator_id == creator.id, *live_offer_filter(now))
    )
    return creator.weekly_capacity - open_sponsorship_count(session, creator.id) - int(live or 0)


def competitor_clash(
    session: Session, creator: Creator, campaign: Campaign, now: datetime
) -> str | None:
    """Title of a campaign in ``campaign``'s competitor group that the creator is tied to (a
    live proposal, or work as in ``matching.adapter.competitor_ties``), else None."""
    if campaign.competitor_group is None:
        return None
    from matching.adapter import competitor_ties

    for creator_id, group, campaign_id in competitor_ties(session, now, creator_ids={creator.id}):
        if (creator_id, group) == (creator.id, campaign.competitor_group) and (
            campaign_id != campaign.id
        ):
            return session.scalar(select(Campaign.title).where(Campaign.id == campaign_id))
    return None


def check_new_offer(
    session: Session,
    campaign: Campaign,
    creator: Creator,
    price_amount: int,
    rules: OfferRules,
    *,
    now: datetime,
    allow_existing_live: bool = False,
    room: tuple[int, int] | None = None,
) -> None:
    """Raise :class:`GuardrailRefused` naming the first rule a new offer would break.

    The rows should be locked (:func:`lock_pair`). ``allow_existing_live`` skips the
    "already has an offer for this campaign" rule (for answering an existing offer).
    ``room``: the campaign's :func:`campaign_room`, when the caller already read it (screening
    many creators for one campaign at once).
    """
    today = now.date()
    if campaign.status is not CampaignStatus.PUBLISHED or campaign.ends_on < today:
        raise GuardrailRefused(
            "campaign_closed",
            f"The campaign is {campaign.status.value if campaign.ends_on >= today else 'over'}"
            " and takes no new creators; publish it (with its dates ahead) first.",
        )
    if session.scalar(
        select(BrandBlock.id).where(
            BrandBlock.brand_id == campaign.brand_id, BrandBlock.creator_id == creator.id
        )
    ):
        raise GuardrailRefused("blocked", "This creator is on your block list; unblock them first.")
    if not allow_existing_live:
        earlier = session.scalar(
            select(Offer.status).where(
                Offer.campaign_id == campaign.id, Offer.creator_id == creator.id
            )
        )
        if earlier is not None:
            raise GuardrailRefused(
                "already_offered",
                f"This creator already has an offer for this campaign (it is {earlier.value}); "
                "a campaign makes one offer per creator.",
            )
    if not creator.is_open_on(today):
        raise GuardrailRefused("creator_closed", "This creator is not open to paid work now.")
    if campaign.category not in (creator.open_categories or ()):
        raise GuardrailRefused(
            "category", f"This creator does not take '{campaign.category}' collaborations."
        )
    if creator.rate_currency is not None and creator.rate_currency != campaign.currency:
        raise GuardrailRefused(
            "currency",
            f"This creator is paid in {creator.rate_currency}; the campaign is in "
            f"{campaign.currency}.",
        )
    if creator.sponsored_share > rules.max_sponsored_share:
        raise GuardrailRefused(
            "sponsored_share",
            f"{round(creator.sponsored_share * 100)} % of this creator's recent posts were "
            f"sponsored, above the platform's {round(rules.max_sponsored_share * 100)} % cap: "
            "their audience needs organic posts before more ads.",
        )
    if creator_room(session, creator, now) <= 0:
        raise GuardrailRefused(
            "capacity",
            "This creator has no capacity left this week (work in progress and offers awaiting "
            "their answer use it).",
        )
    received = session.scalar(
        select(func.count(Offer.id)).where(
            Offer.creator_id == creator.id, Offer.created_at >= _week_start(today)
        )
    )
    if int(received or 0) >= rules.max_offers_per_week:
        raise GuardrailRefused(
            "offer_cap",
            f"This creator already received {received} offers this week, the most the platform "
            "sends anyone in a week (matching, invitations and open calls together).",
        )
    clash = competitor_clash(session, creator, campaign, now)
    if clash is not None:
        raise GuardrailRefused(
            "exclusivity",
            f"This creator works with, or has an offer from, a competing brand in "
            f"'{campaign.competitor_group}' (campaign '{clash}').",
        )
    budget, slots = room if room is not None else campaign_room(session, campaign, now)
    if slots <= 0:
        raise GuardrailRefused(
            "slots",
            "Every slot of the campaign is taken or promised to offers awaiting an answer.",
        )
    if price_amount > budget:
        raise GuardrailRefused(
            "budget",
            f"The price is more than the campaign's remaining budget ({max(budget, 0)} in minor "
            f"units of {campaign.currency}, after offers awaiting an answer).",
        )


def create_offer(
    session: Session,
    campaign: Campaign,
    creator: Creator,
    price_amount: int,
    rules: OfferRules,
    *,
    source: OfferSource,
    now: datetime,
    message: str | None = None,
    explanation: dict[str, Any] | None = None,
    fit_score: float = 0.0,
    value: float = 0.0,
    status: OfferStatus = OfferStatus.PROPOSED,
) -> Offer:
    """A new offer after :func:`check_new_offer`, with its first turn in the history."""
    offer = Offer(
        campaign_id=campaign.id,
        creator_id=creator.id,
        price_amount=price_amount,
        currency=campaign.currency,
        fit_score=fit_score,
        value=value,
        explanation=explanation or {},
        status=status,
        source=source,
        message=message,
        expires_at=now + timedelta(days=rules.offer_ttl_days),
        created_at=now,
    )
    session.add(offer)
    session.flush()
    add_turn(session, offer, "brand", TurnKind.OFFER, price_amount, message, now=now)
    return offer


def add_turn(
    session: Session,
    offer: Offer,
    actor: str,
    kind: TurnKind,
    price_amount: int | None,
    message: str | None,
    *,
    now: datetime,
) -> OfferTurn:
    """Record one step of the offer's negotiation."""
    turn = OfferTurn(
        offer_id=offer.id,
        actor=actor,
        kind=kind,
        price_amount=price_amount,
        currency=offer.currency if price_amount is not None else None,
        message=message,
        expires_at=offer.expires_at if kind in (TurnKind.OFFER, TurnKind.COUNTER) else None,
        created_at=now,
    )
    session.add(turn)
    session.flush()
    return turn
