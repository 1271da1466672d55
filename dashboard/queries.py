"""Read-only queries the pages need that the domain services do not offer (yet).

Everything here reads; nothing writes. Each function is scoped by the caller to an object it
already checked belongs to the logged-in brand (``campaigns.services.get_campaign``).
"""

from __future__ import annotations

import heapq
import threading
from collections import OrderedDict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, case, func, not_, select
from sqlalchemy.orm import Session, defer, joinedload, selectinload

from accounts.models import Brand, Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import (
    OPEN_OFFER_STATES,
    Offer,
    OfferStatus,
    Sponsorship,
    SponsorshipStatus,
)
from core.audience import PARTS
from core.db import utcnow
from core.pagination import Page, paginate
from core.weeks import week_of
from matching.models import MatchRun, MatchRunKind, MatchRunStatus
from payments import ledger
from payments.ledger import CampaignMoney
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, Payout


def status_counts(session: Session, brand: Brand) -> dict[str, int]:
    """How many of the brand's campaigns are in each state (and ``all``)."""
    counts = dict.fromkeys((s.value for s in CampaignStatus), 0)
    for status, n in session.execute(
        select(Campaign.status, func.count(Campaign.id))
        .where(Campaign.brand_id == brand.id)
        .group_by(Campaign.status)
    ):
        counts[status.value] = n
    counts["all"] = sum(counts.values())
    return counts


def offer_counts(
    session: Session, campaign_ids: Iterable[int], now: datetime | None = None
) -> dict[int, dict[str, int]]:
    """Offers per campaign and status; a proposal past its expiry counts as expired."""
    now = now or utcnow()
    ids = list(campaign_ids)
    result = {cid: dict.fromkeys((s.value for s in OfferStatus), 0) for cid in ids}
    if not ids:
        return result
    lapsed = func.sum(case((Offer.expires_at <= now, 1), else_=0))
    rows = session.execute(
        select(Offer.campaign_id, Offer.status, func.count(Offer.id), lapsed)
        .where(Offer.campaign_id.in_(ids))
        .group_by(Offer.campaign_id, Offer.status)
    )
    for campaign_id, status, n, n_lapsed in rows:
        counts = result[campaign_id]
        if status in OPEN_OFFER_STATES:  # a proposal or a counter past its turn's expiry
            counts[OfferStatus.EXPIRED.value] += int(n_lapsed or 0)
            counts[status.value] += n - int(n_lapsed or 0)
        else:
            counts[status.value] += n
    return result


def waiting_review_counts(session: Session, campaign_ids: Iterable[int]) -> dict[int, int]:
    """Delivered posts waiting for the brand's review, per campaign."""
    ids = list(campaign_ids)
    if not ids:
        return {}
    return dict(
        session.execute(
            select(Sponsorship.campaign_id, func.count(Sponsorship.id))
            .where(
                Sponsorship.campaign_id.in_(ids),
                Sponsorship.status == SponsorshipStatus.DELIVERED,
            )
            .group_by(Sponsorship.campaign_id)
        ).all()
    )


def waiting_reviews(
    session: Session, brand: Brand, page: int = 1, page_size: int = 20
) -> Page[Sponsorship]:
    """The brand's delivered posts waiting for review, oldest delivery first."""
    query = (
        select(Sponsorship)
        .join(Campaign, Campaign.id == Sponsorship.campaign_id)
        .where(Campaign.brand_id == brand.id, Sponsorship.status == SponsorshipStatus.DELIVERED)
        .options(joinedload(Sponsorship.creator), joinedload(Sponsorship.campaign))
        .order_by(Sponsorship.delivered_at, Sponsorship.id)
    )
    return paginate(session, query, page, page_size)


def waiting_review_total(session: Session, brand: Brand) -> int:
    """How many of the brand's delivered posts wait for review (the navigation badge)."""
    return (
        session.scalar(
            select(func.count(Sponsorship.id))
            .join(Campaign, Campaign.id == Sponsorship.campaign_id)
            .where(Campaign.brand_id == brand.id, Sponsorship.status == SponsorshipStatus.DELIVERED)
        )
        or 0
    )


def payouts_for(session: Session, sponsorship_ids: Iterable[int]) -> dict[int, Payout]:
    """The payout of each approved sponsorship, by sponsorship id."""
    ids = list(sponsorship_ids)
    if not ids:
        return {}
    return {
        p.sponsorship_id: p
        for p in session.scalars(select(Payout).where(Payout.sponsorship_id.in_(ids)))
    }


@dataclass(frozen=True)
class CampaignRun:
    """The last match run that considered a campaign, and what it said about it."""

    id: int
    week: str
    finished_at: datetime | None
    summary: dict[str, Any]
    kind: str = MatchRunKind.WEEKLY.value


# A finished run's details never change (``matching.runs.write_results`` writes them once), and
# a run over 10,000 campaigns keeps megabytes of them: each process parses a run's details once
# and keeps the few newest. The key holds the database and the finish time, so a new database
# (or a run id reused after a reset) is never served stale details.
_DETAILS_CACHE: OrderedDict[tuple[str, int, datetime | None], dict[str, Any]] = OrderedDict()
_DETAILS_CACHE_SIZE = 4
_DETAILS_LOCK = threading.Lock()
RUNS_CHECKED = 8  # weekly runs: a campaign published long ago finds its last one among these
# Incremental runs are many a week but small (one campaign or one creator): look further back.
INCREMENTAL_RUNS_CHECKED = 64


def run_campaign_details(
    session: Session, run_id: int, finished_at: datetime | None
) -> dict[str, Any]:
    """A finished run's per-campaign outcomes, ``{campaign id: entry}`` (parsed once per process)."""
    key = (str(session.get_bind().url), run_id, finished_at)
    with _DETAILS_LOCK:
        cached = _DETAILS_CACHE.get(key)
        if cached is not None:
            _DETAILS_CACHE.move_to_end(key)
            return cached
    details = session.scalar(select(MatchRun.details).where(MatchRun.id == run_id)) or {}
    campaigns = details.get("campaigns") or {}
    with _DETAILS_LOCK:
        _DETAILS_CACHE[key] = campaigns
        while len(_DETAILS_CACHE) > _DETAILS_CACHE_SIZE:
            _DETAILS_CACHE.popitem(last=False)
    return campaigns


def last_run_for(session: Session, campaign: Campaign) -> CampaignRun | None:
    """The newest finished match run whose details mention ``campaign`` (None if none did)."""
    if campaign.published_at is None:
        return None  # only published campaigns are matched
    found = []
    for kind, limit in (
        (MatchRunKind.WEEKLY, RUNS_CHECKED),
        (MatchRunKind.INCREMENTAL, INCREMENTAL_RUNS_CHECKED),
    ):
        runs = session.execute(
            select(MatchRun.id, MatchRun.week, MatchRun.finished_at)
            .where(
                MatchRun.status == MatchRunStatus.SUCCEEDED,
                MatchRun.kind == kind,
                MatchRun.finished_at >= campaign.published_at,
            )
            .order_by(MatchRun.id.desc())
            .limit(limit)
        ).all()
        for run_id, week, finished_at in runs:
            entry = run_campaign_details(session, run_id, finished_at).get(str(campaign.id))
            if isinstance(entry, dict):
                found.append(
                    CampaignRun(
                        id=run_id,
                        week=week,
                        finished_at=finished_at,
                        summary=entry,
                        kind=kind.value,
                    )
                )
                break
    return max(found, key=lambda r: r.id, default=None)


def list_runs(session: Session, page: int, page_size: int = 20) -> Page[MatchRun]:
    """Match runs, newest first (the details JSON is not loaded for the list)."""
    query = select(MatchRun).options(defer(MatchRun.details)).order_by(MatchRun.id.desc())
    return paginate(session, query, page, page_size)


def run_without_details(session: Session, run_id: int) -> MatchRun | None:
    """A run's figures; its details (one entry per campaign: megabytes) stay unloaded."""
    return session.scalar(
        select(MatchRun).where(MatchRun.id == run_id).options(defer(MatchRun.details))
    )


def run_campaign_outcomes(
    session: Session, run: MatchRun, limit: int = 100
) -> tuple[int, list[dict[str, Any]]]:
    """How many campaigns a run considered, and those with the most empty slots first."""
    if run.finished_at is None:
        return 0, []
    outcomes = list(run_campaign_details(session, run.id, run.finished_at).values())
    worst = heapq.nsmallest(
        limit, outcomes, key=lambda c: (-int(c.get("unfilled_slots") or 0), str(c.get("campaign")))
    )
    return len(outcomes), worst


def money_by_campaign(session: Session, campaigns: Iterable[Campaign]) -> dict[int, CampaignMoney]:
    """Funded, committed, paid, refunded and remaining of several campaigns in one query.

    The totals of ``payments.ledger.campaign_money`` (same accounts, same transaction kinds,
    summed in SQL instead of folded row by row), without its time series: the list pages
    need a row per campaign, not a query per campaign.
    """
    ids = [c.id for c in campaigns]
    result = {cid: CampaignMoney() for cid in ids}
    if not ids:
        return result
    rows = session.execute(
        select(
            LedgerTransaction.campaign_id,
            LedgerTransaction.kind,
            LedgerAccount.code,
            func.sum(LedgerEntry.amount),
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.campaign_id.in_(ids))
        .group_by(LedgerTransaction.campaign_id, LedgerTransaction.kind, LedgerAccount.code)
    )
    for campaign_id, kind, code, total in rows:
        money, amount = result[campaign_id], int(total or 0)
        if code == ledger.available(campaign_id):
            money.remaining -= amount
            if kind == ledger.FUNDING:
                money.funded -= amount
            elif kind == ledger.REFUND:
                money.refunded += amount
            elif kind == ledger.REVERSAL:
                money.paid += amount
        elif code == ledger.committed(campaign_id):
            money.committed -= amount
            if kind == ledger.PAYOUT:
                money.paid += amount
        elif code == ledger.REVENUE:
            money.fees -= amount
    return result


@dataclass
class Reach:
    """Who a campaign's creators reach: audience mix weighted by engaged followers."""

    creators: int = 0
    engaged: float = 0.0  # followers × engagement rate, summed
    engaged_target: float = 0.0  # the same × audience fit: engaged people of the target audience
    spend: int = 0
    mix: dict[str, dict[str, float]] = field(default_factory=dict)


def reach_of(session: Session, campaign: Campaign, states: tuple[SponsorshipStatus, ...]) -> Reach:
    """The engaged audience of the campaign's sponsorships in ``states``."""
    rows = session.execute(
        select(
            Creator.followers,
            Creator.engagement_rate,
            Creator.audience,
            Offer.fit_score,
            Sponsorship.price_amount,
        )
        .join(Creator, Creator.id == Sponsorship.creator_id)
        .join(Offer, Offer.id == Sponsorship.offer_id)
        .where(Sponsorship.campaign_id == campaign.id, Sponsorship.status.in_(states))
    ).all()
    reach = Reach()
    sums: dict[str, dict[str, float]] = {part: {} for part in PARTS}
    for followers, engagement, audience, fit, price in rows:
        engaged = float(followers or 0) * float(engagement or 0)
        reach.creators += 1
        reach.engaged += engaged
        reach.engaged_target += engaged * float(fit or 0)
        reach.spend += int(price)
        for part in PARTS:
            for key, share in ((audience or {}).get(part) or {}).items():
                sums[part][key] = sums[part].get(key, 0.0) + engaged * float(share)
    if reach.engaged > 0:
        reach.mix = {
            part: {k: v / reach.engaged for k, v in shares.items()} for part, shares in sums.items()
        }
    return reach


# --- a campaign's offers, every run and channel (the matches page) ---------------------------

# The matches page's groups: what the brand waits for, what became work, what is over.
OFFER_GROUPS: dict[str, tuple[str, tuple[OfferStatus, ...]]] = {
    "awaiting": ("Awaiting reply", (OfferStatus.PROPOSED,)),
    "countered": ("Counter-offers for you", (OfferStatus.COUNTERED,)),
    "accepted": ("Accepted", (OfferStatus.ACCEPTED,)),
    "closed": (
        "Declined, expired or withdrawn",
        (OfferStatus.DECLINED, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN),
    ),
}


def _offer_group(group: str, now: datetime) -> ColumnElement[bool]:
    live = and_(Offer.status.in_(OPEN_OFFER_STATES), Offer.expires_at > now)
    if group == "awaiting":
        return and_(live, Offer.status == OfferStatus.PROPOSED)
    if group == "countered":
        return and_(live, Offer.status == OfferStatus.COUNTERED)
    if group == "accepted":
        return Offer.status == OfferStatus.ACCEPTED
    return and_(Offer.status != OfferStatus.ACCEPTED, not_(live))


def offer_group_counts(
    session: Session, campaign: Campaign, now: datetime | None = None
) -> dict[str, int]:
    """How many of the campaign's offers are in each group of the matches page (and ``all``)."""
    counts = offer_counts(session, [campaign.id], now)[campaign.id]
    result = {
        group: sum(counts.get(s.value, 0) for s in statuses)
        for group, (_label, statuses) in OFFER_GROUPS.items()
    }
    result["all"] = sum(counts.values())
    return result


def campaign_offers_page(
    session: Session,
    campaign: Campaign,
    *,
    group: str | None = None,
    page: int = 1,
    page_size: int = 20,
    now: datetime | None = None,
) -> Page[Offer]:
    """Every offer of the campaign, from every run and channel, newest first; ``group`` is
    one of ``OFFER_GROUPS`` (a lapsed proposal belongs to ``closed``)."""
    now = now or utcnow()
    query = (
        select(Offer)
        .where(Offer.campaign_id == campaign.id)
        .options(joinedload(Offer.creator), selectinload(Offer.turns))
    )
    if group in OFFER_GROUPS:
        query = query.where(_offer_group(group, now))
    return paginate(
        session, query.order_by(Offer.created_at.desc(), Offer.id.desc()), page, page_size
    )


def run_labels(session: Session, run_ids: Iterable[int | None]) -> dict[int, str]:
    """``{run id: "Weekly match, week of 30 Nov"}`` for the runs that made some offers."""
    ids = {i for i in run_ids if i is not None}
    if not ids:
        return {}
    rows = session.execute(
        select(MatchRun.id, MatchRun.week, MatchRun.kind).where(MatchRun.id.in_(ids))
    )
    return {
        run_id: f"{'Weekly' if kind is MatchRunKind.WEEKLY else 'Instant'} match, {week_of(week)}"
        for run_id, week, kind in rows
    }


@dataclass
class Names:
    """Campaign titles (with their brand) and creator handles by id, for operator pages."""

    campaigns: dict[int, str] = field(default_factory=dict)
    creators: dict[int, str] = field(default_factory=dict)

    def campaign(self, raw_id: Any) -> str:
        """``“Spring skincare” (Lumen)``; the id when the campaign is gone."""
        cid = _as_id(raw_id)
        return self.campaigns.get(cid, f"campaign {raw_id}") if cid else f"campaign {raw_id}"

    def creator(self, raw_id: Any) -> str:
        cid = _as_id(raw_id)
        return self.creators.get(cid, f"creator {raw_id}") if cid else f"creator {raw_id}"


def _as_id(raw: Any) -> int | None:
    text = str(raw)
    return int(text) if text.isdigit() and len(text) < 10 else None


def names_for(
    session: Session, campaign_ids: Iterable[Any] = (), creator_ids: Iterable[Any] = ()
) -> Names:
    """Titles and handles of the ids an operator page mentions, in two queries at most."""
    names = Names()
    cids = {i for i in map(_as_id, campaign_ids) if i}
    if cids:
        rows = session.execute(
            select(Campaign.id, Campaign.title, Brand.name)
            .join(Brand, Brand.id == Campaign.brand_id)
            .where(Campaign.id.in_(cids))
        )
        names.campaigns = {cid: f"“{title}” ({brand})" for cid, title, brand in rows}
    kids = {i for i in map(_as_id, creator_ids) if i}
    if kids:
        rows = session.execute(select(Creator.id, Creator.handle).where(Creator.id.in_(kids)))
        names.creators = {kid: f"@{handle}" for kid, handle in rows}
    return names
