"""The database side of matching: snapshot the market into the pure core's records, and
write a solved run back as offers. The core (``matching.market``, ``matching.solver``) knows
nothing of this module."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations.exclusivity import competitor_ties
from collaborations.models import (
    OPEN_OFFER_STATES,
    OPEN_SPONSORSHIP_STATES,
    BrandBlock,
    Offer,
    Sponsorship,
)
from collaborations.services import COMMITTED_STATES
from matching.market.records import MarketCampaign, MarketCreator
from payments.service import remaining_funds
from taxonomy.services import load_taxonomy

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
    # (handle, campaign id) pairs that may not be offered: the brand blocked the creator, or
    # the creator already has a live proposal or work with a competitor in the campaign's group.
    excluded: set[tuple[str, str]] = field(default_factory=set)
    # The taxonomy's interest tags (active and retired): the fit's audience space spans them.
    interest_tags: tuple[str, ...] = ()

    def unavailable(self) -> set[tuple[str, str]]:
        """Every pair the run must not offer: offered before, or excluded."""
        return self.offered | self.excluded


def week_bounds(day: date) -> tuple[datetime, datetime]:
    """The ISO week of ``day`` as [Monday 00:00 UTC, next Monday 00:00 UTC)."""
    monday = day - timedelta(days=day.weekday())
    start = datetime.combine(monday, time.min, tzinfo=UTC)
    return start, start + timedelta(days=7)


def offers_this_week(
    session: Session, day: date, creator_ids: set[int] | None = None
) -> dict[int, int]:
    """Offers created to each creator in ``day``'s ISO week: every run, every source, any status."""
    start, end = week_bounds(day)
    query = select(Offer.creator_id, func.count(Offer.id)).where(
        Offer.created_at >= start, Offer.created_at < end
    )
    if creator_ids is not None:
        query = query.where(Offer.creator_id.in_(creator_ids))
    return {k: int(n) for k, n in session.execute(query.group_by(Offer.creator_id))}


def _outstanding(
    session: Session, now: datetime
) -> tuple[dict[int, tuple[int, int]], dict[int, int]]:
    """Live proposals: (amount, count) per campaign and count per creator."""
    per_campaign: dict[int, tuple[int, int]] = {}
    per_creator: dict[int, int] = defaultdict(int)
    live = (Offer.status.in_(OPEN_OFFER_STATES), Offer.expires_at > now)
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
    creator_ids: set[int] | None = None,
    max_offers_per_week: int | None = None,
    keep_campaigns_without_creators: bool = False,
) -> list[MarketSnapshot]:
    """Every published campaign with budget and slots left, and every open creator, by currency.

    Budget left = funds not yet committed minus live proposals; slots left = slots minus
    sponsorships and live proposals; a creator's capacity = weekly capacity minus work in
    progress and live proposals, and at most ``max_offers_per_week`` minus the offers the
    creator already received this ISO week (any run, any source). So accepted and pending
    offers, and earlier runs of the week, are respected by later runs. Pairs a brand blocked
    or a competitor group forbids are in each market's ``excluded``.
    ``campaign_ids``, ``creator_handles`` and ``creator_ids`` restrict the snapshot; a market
    with campaigns but no creator left is kept with ``keep_campaigns_without_creators``.
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
    tags = load_taxonomy(session).all_tags

    def market(currency: str) -> MarketSnapshot:
        return markets.setdefault(
            currency, MarketSnapshot(currency, [], [], {}, set(), interest_tags=tags)
        )

    campaign_query = select(Campaign).where(
        Campaign.status == CampaignStatus.PUBLISHED, Campaign.ends_on >= today
    )
    if campaign_ids is not None:
        campaign_query = campaign_query.where(Campaign.id.in_(campaign_ids))
    brand_of: dict[str, int] = {}
    group_of: dict[str, str] = {}
    for c in session.scalars(campaign_query.order_by(Campaign.id)):
        pending_amount, pending_count = proposals_by_campaign.get(c.id, (0, 0))
        budget = remaining_funds(session, c) - pending_amount
        slots = c.slots - taken.get(c.id, 0) - pending_count
        if budget <= 0 or slots <= 0:
            continue
        brand_of[str(c.id)] = c.brand_id
        if c.competitor_group is not None:
            group_of[str(c.id)] = c.competitor_group
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
    if creator_ids is not None and len(creator_ids) <= MAX_SQL_IN:
        creator_query = creator_query.where(Creator.id.in_(creator_ids))
    this_week = offers_this_week(session, today) if max_offers_per_week is not None else {}
    for k in session.scalars(creator_query.order_by(Creator.id)):
        if creator_handles is not None and k.handle not in creator_handles:
            continue
        if creator_ids is not None and k.id not in creator_ids:
            continue
        capacity = k.weekly_capacity - in_progress.get(k.id, 0) - proposals_by_creator.get(k.id, 0)
        if max_offers_per_week is not None:
            capacity = min(capacity, max_offers_per_week - this_week.get(k.id, 0))
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
                delivery_ratio=k.delivery_ratio,
            )
        )
    market_of = {cid: m for m in markets.values() for cid in m.creator_ids.values()}
    handle_of = {cid: h for m in markets.values() for h, cid in m.creator_ids.items()}
    for creator_id, campaign_id in session.execute(
        select(Offer.creator_id, Offer.campaign_id).distinct()
    ):
        if creator_id in market_of:
            market_of[creator_id].offered.add((handle_of[creator_id], str(campaign_id)))
    campaigns_of_brand: dict[int, list[str]] = defaultdict(list)
    for cid, brand_id in brand_of.items():
        campaigns_of_brand[brand_id].append(cid)
    for brand_id, creator_id in session.execute(select(BrandBlock.brand_id, BrandBlock.creator_id)):
        if creator_id in market_of and brand_id in campaigns_of_brand:
            handle = handle_of[creator_id]
            market_of[creator_id].excluded.update((handle, c) for c in campaigns_of_brand[brand_id])
    if group_of:
        campaigns_of_group: dict[str, list[str]] = defaultdict(list)
        for cid, group in group_of.items():
            campaigns_of_group[group].append(cid)
        for creator_id, group, tied_to in competitor_ties(session, now):
            if creator_id in market_of:
                handle = handle_of[creator_id]
                market_of[creator_id].excluded.update(
                    (handle, c) for c in campaigns_of_group.get(group, ()) if c != str(tied_to)
                )
    return [
        m
        for _, m in sorted(markets.items())
        if m.campaigns and (m.creators or keep_campaigns_without_creators)
    ]
