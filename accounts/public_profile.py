"""A creator's public profile, as a brand sees it before deciding. Reads only; no flush needed.

A brand may look at a creator who is open to paid work today, or one its own campaigns have
made an offer to (any status, any channel). Anyone else, and an unknown id, answers the same
404: a closed creator's existence is not the brand's business. What a brand sees is the public
part of the profile (never the email, the payout account or the sponsored-share internals), the
reliability figures the platform measures from its own data, and, for one of the brand's
campaigns, the audience fit by the model matching uses.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, cast

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from accounts.models import Brand, Creator
from accounts.profiles import is_open_on
from campaigns.models import Campaign
from campaigns.services import get_campaign
from collaborations import visibility
from collaborations.models import Offer
from collaborations.reliability_counters import read_counts
from collaborations.services import reliability_from
from core.db import utcnow
from core.errors import NotFound
from core.money import Money
from matching.market.fit import PARTS, AudienceError, fit_breakdown


@dataclass(frozen=True)
class PublicReliability:
    """What the platform measured about the creator on Dandelion (None: no history yet)."""

    reply_rate_48h: float | None  # offers answered within 48 h ÷ offers due an answer
    on_time_delivery_rate: float | None  # delivered by the due date ÷ sponsorships due
    completed_sponsorships: int  # approved (paid) sponsorships
    # "Delivers what was forecast" (results/delivery.py): actual engagements ÷ forecast engaged
    # people over the last measured sponsorships (None: none measured yet), and how many.
    delivery_ratio: float | None = None
    measured_sponsorships: int = 0

    @property
    def is_new(self) -> bool:
        """No history at all on Dandelion: nothing to answer, deliver or complete yet."""
        return (
            self.reply_rate_48h is None
            and self.on_time_delivery_rate is None
            and not self.completed_sponsorships
        )


@dataclass(frozen=True)
class CampaignFit:
    """How the creator's audience fits one campaign's target, by the matching's fit model."""

    campaign: Campaign
    fit: float
    relevance: float
    demographics: float
    parts: dict[str, float]
    expected_value: int  # engaged people of the target audience per post

    @property
    def campaign_id(self) -> int:
        return self.campaign.id


class CreatorFacts:
    """The creator's public figures, read from ``self.creator``, for the views of a creator
    that a brand sees (the profile page, a search result)."""

    creator: Creator

    @property
    def id(self) -> int:
        return self.creator.id

    @property
    def handle(self) -> str:
        return self.creator.handle

    @property
    def display_name(self) -> str:
        return self.creator.display_name

    @property
    def followers(self) -> int:
        return self.creator.followers

    @property
    def engagement_rate(self) -> float:
        return self.creator.engagement_rate

    @property
    def audience(self) -> dict[str, Any] | None:
        return self.creator.audience

    @property
    def verified(self) -> bool:
        return self.creator.verified

    @property
    def rate(self) -> Money | None:
        c = self.creator
        if c.rate_amount is None or c.rate_currency is None:
            return None
        return Money(c.rate_amount, c.rate_currency)


@dataclass(frozen=True)
class PublicProfile(CreatorFacts):
    """The public part of a creator's profile, reliability, and the fit to a campaign if asked."""

    creator: Creator
    open: bool
    reliability: PublicReliability
    campaign: Campaign | None = None
    fit: CampaignFit | None = None

    @property
    def categories(self) -> list[str]:
        """The categories the creator takes paid work in now (none while closed)."""
        return sorted(self.creator.open_categories or []) if self.open else []


def visible_creator(
    session: Session, brand: Brand, creator_id: int, *, today: date | None = None
) -> Creator:
    """The creator, if ``brand`` may see their profile (the rule lives in
    :func:`collaborations.visibility.visible_creator`); ``NotFound`` otherwise, exactly as for
    an unknown id."""
    creator = visibility.visible_creator(session, brand, creator_id, today=today or date.today())
    if creator is None:
        raise NotFound("Creator not found.")
    return creator


def public_reliability(
    session: Session, creator_id: int, now: datetime | None = None
) -> PublicReliability:
    """The reliability figures a brand sees: the creator's own ones (one definition, in
    ``collaborations.services.reliability``) plus the sponsorships completed on Dandelion."""
    counts = read_counts(session, creator_id, now)
    own = reliability_from(counts)
    creator = session.get(Creator, creator_id)  # usually in the session already: no query
    return PublicReliability(
        reply_rate_48h=own.reply_rate_48h,
        on_time_delivery_rate=own.on_time_delivery_rate,
        completed_sponsorships=counts.sponsorships_completed,
        delivery_ratio=creator.delivery_ratio if creator else None,
        measured_sponsorships=creator.delivery_sponsorships if creator else 0,
    )


def campaign_fit(creator: Creator, campaign: Campaign) -> CampaignFit | None:
    """The creator's fit to ``campaign`` (None when either audience is missing or malformed).

    ``expected_value`` is the engaged target audience a post should reach:
    followers × engagement rate × fit, in people.
    """
    if not creator.audience or not campaign.target_audience:
        return None
    try:
        breakdown = fit_breakdown(creator.audience, campaign.target_audience)
    except AudienceError:
        return None
    fit = float(cast(float, breakdown["fit"]))
    parts = cast(dict[str, float], breakdown["parts"])
    return CampaignFit(
        campaign=campaign,
        fit=round(fit, 4),
        relevance=round(float(cast(float, breakdown["relevance"])), 4),
        demographics=round(float(cast(float, breakdown["demographics"])), 4),
        parts={part: round(float(parts[part]), 4) for part in PARTS},
        expected_value=round(creator.followers * creator.engagement_rate * fit),
    )


def get_public_profile(
    session: Session,
    brand: Brand,
    creator_id: int,
    *,
    campaign_id: int | None = None,
    now: datetime | None = None,
) -> PublicProfile:
    """A creator's public profile for ``brand``, with the fit to ``campaign_id`` if given.

    Parameters: ``campaign_id`` must be one of the brand's own campaigns.
    Returns the profile. Raises ``NotFound`` for a creator the brand may not see (see
    :func:`visible_creator`) and for another brand's (or a missing) campaign.
    """
    now = now or utcnow()
    creator = visible_creator(session, brand, creator_id, today=now.date())
    campaign = get_campaign(session, brand, campaign_id) if campaign_id is not None else None
    return PublicProfile(
        creator=creator,
        open=is_open_on(creator, now.date()),
        reliability=public_reliability(session, creator.id, now),
        campaign=campaign,
        fit=campaign_fit(creator, campaign) if campaign is not None else None,
    )


def brand_offers_to(session: Session, brand: Brand, creator_id: int) -> list[Offer]:
    """The offers ``brand``'s campaigns made to the creator, newest first (never another
    brand's)."""
    return list(
        session.scalars(
            select(Offer)
            .join(Campaign, Campaign.id == Offer.campaign_id)
            .where(Campaign.brand_id == brand.id, Offer.creator_id == creator_id)
            .options(joinedload(Offer.campaign))
            .order_by(Offer.created_at.desc(), Offer.id.desc())
        )
    )
