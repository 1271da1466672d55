"""The database side of matching: snapshot the market into the pure core's records, and
write a solved run back as offers. The core (``matching.market``, ``matching.solver``) knows
nothing of this module."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date, datetime

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import OPEN_SPONSORSHIP_STATES, Offer, OfferStatus, Sponsorship
from collaborations.services import COMMITTED_STATES
from matching.market.build import PairDetails
from matching.market.records import MarketCampaign, MarketCreator
from matching.solver import Instance
from payments.service import remaining_funds

# Longer id lists are filtered in Python: databases cap bound parameters (SQLite 32,766,
# PostgreSQL 65,535).
MAX_SQL_IN = 10_000


@dataclass
class MarketSnapshot:
    """One currency's market at the start of a run, as plain records for the core."""

    currency: str
    creators: list[MarketCreator]
    campaigns: list[MarketCampaign]
    creator_ids: dict[str, int]  # instance id (the handle) -> creators.id
    offered: set[tuple[str, str]]  # (handle, campaign id) pairs offered in earlier runs


def _outstanding(
    session: Session, now: datetime
) -> tuple[dict[int, tuple[int, int]], dict[int, int]]:
    """Live proposals: (amount, count) per campaign and count per creator."""
    per_campaign: dict[int, tuple[int, int]] = {}
    per_creator: dict[int, int] = defaultdict(int)
    live = (Offer.status == OfferStatus.PROPOSED, Offer.expires_at > now)
    for campaign_id, amount, count in session.execute(
        select(Offer.campaign_id, func.sum(Offer.price_amount), func.count(Offer.id))
        .where(*live)
        .group_by(Offer.campaign_id)
    ):
        per_campaign[campaign_id] = (int(amount), int(count))
    for creator_id, count in session.execute(
        select(Offer.creator_id, func.count(Offer.id)).where(*live).group_by(Offer.creator_id)
    ):
        per_creator[creator_id] = int(count)
    return per_campaign, per_creator


def snapshot_market(
    session: Session,
    *,
    today: date,
    now: datetime,
    campaign_ids: set[int] | None = None,
    creator_handles: set[str] | None = None,
) -> list[MarketSnapshot]:
    """Every published campaign with budget and slots left, and every open creator, by currency.

    Budget left = funds not yet committed minus live proposals; slots left = slots minus
    sponsorships and live proposals; a creator's capacity = weekly capacity minus work in
    progress and live proposals. So accepted and pending offers are respected by later runs.
    """
    proposals_by_campaign, proposals_by_creator = _outstanding(session, now)
    taken = dict(
        session.execute(
            select(Sponsorship.campaign_id, func.count(Sponsorship.id))
            .where(Sponsorship.status.in_(COMMITTED_STATES))
            .group_by(Sponsorship.campaign_id)
        ).all()
    )
    in_progress = dict(
        session.execute(
            select(Sponsorship.creator_id, func.count(Sponsorship.id))
            .where(Sponsorship.status.in_(OPEN_SPONSORSHIP_STATES))
            .group_by(Sponsorship.creator_id)
        ).all()
    )
    markets: dict[str, MarketSnapshot] = {}

    def market(currency: str) -> MarketSnapshot:
        return markets.setdefault(currency, MarketSnapshot(currency, [], [], {}, set()))

    campaign_query = select(Campaign).where(
        Campaign.status == CampaignStatus.PUBLISHED, Campaign.ends_on >= today
    )
    if campaign_ids is not None:
        campaign_query = campaign_query.where(Campaign.id.in_(campaign_ids))
    for c in session.scalars(campaign_query.order_by(Campaign.id)):
        pending_amount, pending_count = proposals_by_campaign.get(c.id, (0, 0))
        budget = remaining_funds(session, c) - pending_amount
        slots = c.slots - taken.get(c.id, 0) - pending_count
        if budget <= 0 or slots <= 0:
            continue
        market(c.currency).campaigns.append(
            MarketCampaign(
                id=str(c.id),
                category=c.category,
                budget=budget,
                slots=slots,
                target_audience=c.target_audience,
                currency=c.currency,
                min_creators=max(0, c.min_creators - taken.get(c.id, 0)),
                competitor_group=c.competitor_group,
                min_followers=c.min_followers,
                max_followers=c.max_followers,
            )
        )
    creator_query = select(Creator).where(
        Creator.is_open.is_(True),
        Creator.audience.is_not(None),
        Creator.rate_amount.is_not(None),
        Creator.followers > 0,
    )
    if creator_handles is not None and len(creator_handles) <= MAX_SQL_IN:
        creator_query = creator_query.where(Creator.handle.in_(creator_handles))
    for k in session.scalars(creator_query.order_by(Creator.id)):
        if creator_handles is not None and k.handle not in creator_handles:
            continue
        capacity = k.weekly_capacity - in_progress.get(k.id, 0) - proposals_by_creator.get(k.id, 0)
        if capacity <= 0 or k.rate_currency not in markets:
            continue
        m = market(k.rate_currency)  # type: ignore[arg-type]
        m.creator_ids[k.handle] = k.id
        m.creators.append(
            MarketCreator(
                id=k.handle,
                followers=k.followers,
                engagement_rate=k.engagement_rate,
                audience=k.audience or {},
                rate=int(k.rate_amount or 0),
                currency=k.rate_currency or "",
                capacity=capacity,
                open=k.is_open,
                until=k.open_until,
                categories=frozenset(k.open_categories or ()),
                sponsored_share=k.sponsored_share,
            )
        )
    market_of = {cid: m for m in markets.values() for cid in m.creator_ids.values()}
    handle_of = {cid: h for m in markets.values() for h, cid in m.creator_ids.items()}
    for creator_id, campaign_id in session.execute(
        select(Offer.creator_id, Offer.campaign_id).distinct()
    ):
        if creator_id in market_of:
            market_of[creator_id].offered.add((handle_of[creator_id], str(campaign_id)))
    return [m for _, m in sorted(markets.items()) if m.campaigns and m.creators]


def drop_offered_pairs(
    instance: Instance, details: PairDetails, offered: set[tuple[str, str]]
) -> tuple[Instance, PairDetails]:
    """Remove pairs already offered in an earlier run: a creator is asked once per campaign."""
    if not offered:
        return instance, details
    keep = np.array(
        [
            (instance.creator_ids[i], instance.campaign_ids[j]) not in offered
            for i, j in zip(
                instance.pair_creator.tolist(), instance.pair_campaign.tolist(), strict=True
            )
        ],
        dtype=bool,
    )
    if keep.all():
        return instance, details
    return instance.restrict_pairs(keep), replace(
        details,
        fit=details.fit[keep],
        components={part: values[keep] for part, values in details.components.items()},
        followers=details.followers[keep],
        engagement_rate=details.engagement_rate[keep],
    )
