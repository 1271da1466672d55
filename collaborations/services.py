"""Offer and sponsorship services for creators and brands. They flush; the caller commits."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, contains_eager, joinedload, selectinload

from accounts.models import Brand, Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations import offer_notices, review_notices
from collaborations import reliability_counters as counters
from collaborations.authenticity import DEFAULT_WINDOW_DAYS, recompute_sponsored_share
from collaborations.exclusivity import work_clash
from collaborations.models import (
    OPEN_OFFER_STATES,
    OPEN_SPONSORSHIP_STATES,
    BrandBlock,
    Offer,
    OfferSource,
    OfferStatus,
    Sponsorship,
    SponsorshipStatus,
    TurnKind,
    new_tracking_code,
)
from collaborations.turns import ensure_first_turn, record_turn
from collaborations.visibility import visible_creator
from core.db import in_values, utcnow
from core.errors import Conflict, InvalidInput, NotFound
from core.pagination import Page, paginate
from payments import ledger
from payments import service as payments
from payments.providers import PaymentProvider

# Sponsorships that count against a campaign's budget and slots: everything not called off.
# The config's AUTO_APPROVE_DAYS default; the API and pages pass the configured value.
DEFAULT_AUTO_APPROVE_DAYS = 14

COMMITTED_STATES = (*OPEN_SPONSORSHIP_STATES, SponsorshipStatus.APPROVED)


# --- creators: offers ---------------------------------------------------------------------


def _offers_of(creator: Creator) -> Select[tuple[Offer]]:
    return (
        select(Offer)
        .where(Offer.creator_id == creator.id)
        .options(
            joinedload(Offer.campaign).joinedload(Campaign.brand),
            selectinload(Offer.turns),  # the negotiation history, one query per page
        )
    )


def with_status(query: Select[Any], status: OfferStatus | None, now: Any) -> Select[Any]:
    """Filter offers by the status a reader sees: a proposal (or a counter) past its turn's
    expiry reads as expired. ``now``: a datetime, or a bound parameter (statements built once;
    the statuses are written into the SQL, see ``core.db.in_values``)."""
    if status in OPEN_OFFER_STATES:
        return query.where(in_values(Offer.status, (status,)), Offer.expires_at > now)
    if status is OfferStatus.EXPIRED:
        return query.where(
            or_(
                in_values(Offer.status, (OfferStatus.EXPIRED,)),
                and_(in_values(Offer.status, OPEN_OFFER_STATES), Offer.expires_at <= now),
            )
        )
    if status is not None:
        return query.where(in_values(Offer.status, (status,)))
    return query


def list_offers(
    session: Session,
    creator: Creator,
    *,
    status: OfferStatus | None = None,
    page: int = 1,
    page_size: int = 20,
    now: datetime | None = None,
) -> Page[Offer]:
    """The creator's offers, newest first; ``status`` follows expiry even before the job runs."""
    query = with_status(_offers_of(creator), status, now or utcnow())
    return paginate(session, query.order_by(Offer.id.desc()), page, page_size)


def get_creator_offer(session: Session, creator: Creator, offer_id: int) -> Offer:
    """One of the creator's offers, with its campaign, brand and turns (no lock: for reading);
    another creator's offer is not found."""
    offer = session.scalar(_offers_of(creator).where(Offer.id == offer_id))
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


def _own_offer(session: Session, creator: Creator, offer_id: int) -> Offer:
    offer = session.scalar(
        select(Offer).where(Offer.id == offer_id, Offer.creator_id == creator.id).with_for_update()
    )
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


def _require_proposed(offer: Offer, now: datetime, *, or_countered: bool = False) -> None:
    """The offer awaits the creator's answer (``or_countered``: or the brand's, to a counter)."""
    status = offer.effective_status(now)
    if status is OfferStatus.EXPIRED:
        raise Conflict("This offer has expired.")
    if status is OfferStatus.WITHDRAWN:
        raise Conflict("The brand withdrew this offer; it can no longer be answered.")
    if status is OfferStatus.COUNTERED and not or_countered:
        raise Conflict(
            "You countered this offer; the brand answers your price first (until "
            f"{offer.expires_at:%d %b %Y %H:%M} UTC)."
        )
    if status not in OPEN_OFFER_STATES:
        raise Conflict(f"This offer was already {status.value}.")


def open_sponsorship_count(session: Session, creator_id: int) -> int:
    """Sponsorships still in progress for the creator: they use weekly capacity."""
    return (
        session.scalar(
            select(func.count(Sponsorship.id)).where(
                Sponsorship.creator_id == creator_id,
                Sponsorship.status.in_(OPEN_SPONSORSHIP_STATES),
            )
        )
        or 0
    )


def campaign_commitments(session: Session, campaign_id: int) -> tuple[int, int]:
    """(amount committed, slots taken) by the campaign's sponsorships that were not called off."""
    amount, count = session.execute(
        select(
            func.coalesce(func.sum(Sponsorship.price_amount), 0), func.count(Sponsorship.id)
        ).where(Sponsorship.campaign_id == campaign_id, Sponsorship.status.in_(COMMITTED_STATES))
    ).one()
    return int(amount), int(count)


def _check_exclusivity(session: Session, creator: Creator, campaign: Campaign) -> None:
    """Refuse work in a group where the creator has tying work (``collaborations.exclusivity``:
    the one definition runs and invitations use too)."""
    clash = work_clash(session, creator.id, campaign)
    if clash is not None:
        raise Conflict(
            f"You already work with a competing brand in '{campaign.competitor_group}' "
            f"(campaign '{clash}'); brands in one group get exclusive creators."
        )


def _lock_creator(session: Session, creator: Creator) -> Creator:
    """``SELECT ... FOR UPDATE`` the creator's row, refreshed (capacity as committed now)."""
    locked = session.scalar(
        select(Creator)
        .where(Creator.id == creator.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert locked is not None
    return locked


def accept_offer(
    session: Session,
    creator: Creator,
    offer_id: int,
    *,
    provider: PaymentProvider,
    now: datetime | None = None,
) -> Sponsorship:
    """Accept a live proposal: checks capacity, exclusivity, budget and slots, then commits work."""
    now = now or utcnow()
    offer = _own_offer(session, creator, offer_id)
    _require_proposed(offer, now)
    ensure_first_turn(session, offer)
    sponsorship = commit_offer(session, offer, creator, provider=provider, now=now)
    record_turn(session, offer, "creator", TurnKind.ACCEPT, offer.price_amount, None, now=now)
    if not offer_notices.is_open_call_offer(offer):  # the brand selected it: no news to it
        offer_notices.offer_accepted(session, offer, sponsorship)
    return sponsorship


def commit_offer(
    session: Session,
    offer: Offer,
    creator: Creator,
    *,
    provider: PaymentProvider,
    now: datetime,
    price_amount: int | None = None,
    for_brand: bool = False,
) -> Sponsorship:
    """Turn a live offer both sides agreed to into a sponsorship and commit its price.

    The one path for the creator accepting a proposal and the brand accepting a counter:
    the campaign must be published; capacity, exclusivity, budget and slots are checked
    under the campaign's then the creator's row lock; the ledger commits ``price_amount``
    (default: the offer's price), which becomes the offer's agreed price.
    The caller locked ``offer`` and checked it is open; ``for_brand`` words refusals to the
    brand (it is accepting a counter) instead of the creator.
    """
    price = offer.price_amount if price_amount is None else price_amount
    campaign = session.scalar(
        select(Campaign).where(Campaign.id == offer.campaign_id).with_for_update()
    )
    assert campaign is not None
    if campaign.status is not CampaignStatus.PUBLISHED:
        raise Conflict(f"This campaign is {campaign.status.value} and no longer takes creators.")
    # Capacity and exclusivity are the creator's: concurrent accepts of one creator's offers
    # (other campaigns, so the campaign lock does not order them) queue on the creator row.
    # Lock order as in matching.runs.lock_market_rows: the campaign, then the creator.
    creator = _lock_creator(session, creator)
    if open_sponsorship_count(session, creator.id) >= creator.weekly_capacity:
        if for_brand:
            raise Conflict(
                f"@{creator.handle} is at their weekly capacity ({creator.weekly_capacity}) "
                "with other work now; the counter cannot be accepted until a post is delivered."
            )
        raise Conflict(
            f"You are at your weekly capacity ({creator.weekly_capacity}); deliver a post or raise "
            "your capacity first."
        )
    try:
        _check_exclusivity(session, creator, campaign)
    except Conflict:
        if not for_brand:
            raise
        raise Conflict(
            f"@{creator.handle} now works with a competing brand in "
            f"'{campaign.competitor_group}'; brands in one group get exclusive creators."
        ) from None
    committed, taken = campaign_commitments(session, campaign.id)
    if taken >= campaign.slots or committed + price > campaign.budget_amount:
        raise Conflict("This campaign has no budget or slot left for this offer.")
    if not creator.payouts_enabled and provider.needs_onboarding:
        notice = "Payouts wait until you finish payout onboarding (POST /api/v1/creators/me/payout-account)."
        offer.explanation = {**(offer.explanation or {}), "payout_notice": notice}
    offer.status = OfferStatus.ACCEPTED
    offer.price_amount = price
    # The creator's first answer stays the reply time (a counter is an answer).
    offer.responded_at = offer.responded_at or now
    sponsorship = Sponsorship(
        offer=offer,
        campaign_id=campaign.id,
        creator_id=creator.id,
        price_amount=price,
        currency=offer.currency,
        status=SponsorshipStatus.ACTIVE,
        due_on=campaign.ends_on,
        created_at=now,
        tracking_code=new_tracking_code(),
        forecast_engaged=round(creator.followers * creator.engagement_rate),
    )
    session.add(sponsorship)
    session.flush()
    payments.commit_funds(session, campaign, sponsorship)
    return sponsorship


def decline_offer(
    session: Session,
    creator: Creator,
    offer_id: int,
    reason: str | None = None,
    now: datetime | None = None,
) -> Offer:
    """Decline a live proposal (or walk away from one's own counter), optionally saying why
    (brands see the reason)."""
    now = now or utcnow()
    offer = _own_offer(session, creator, offer_id)
    _require_proposed(offer, now, or_countered=True)
    ensure_first_turn(session, offer)
    offer.status = OfferStatus.DECLINED
    offer.responded_at = offer.responded_at or now
    offer.decline_reason = reason
    offer.counter_price_amount = None
    record_turn(session, offer, "creator", TurnKind.DECLINE, None, reason, now=now)
    offer_notices.offer_declined(session, offer, reason)
    return offer


def expire_offers(session: Session, now: datetime | None = None) -> int:
    """Mark proposals and counters past their turn's expiry as expired; returns how many
    (frees budget, slots and the creator's capacity)."""
    now = now or utcnow()
    offers = session.scalars(
        select(Offer).where(Offer.status.in_(OPEN_OFFER_STATES), Offer.expires_at <= now)
    ).all()
    for offer in offers:
        offer.status = OfferStatus.EXPIRED
    session.flush()
    return len(offers)


# --- creators: sponsorships ---------------------------------------------------------------


def _sponsorship_page(
    session: Session,
    where: ColumnElement[bool],
    status: SponsorshipStatus | None,
    page: int,
    page_size: int,
    order: tuple[ColumnElement[Any], ...],
) -> Page[Sponsorship]:
    query = (
        select(Sponsorship)
        .where(where)
        .options(
            joinedload(Sponsorship.creator),
            joinedload(Sponsorship.campaign).joinedload(Campaign.brand),
        )
    )
    if status is not None:
        query = query.where(Sponsorship.status == status)
    return paginate(session, query.order_by(*order), page, page_size)


def list_sponsorships(
    session: Session,
    creator: Creator,
    *,
    status: SponsorshipStatus | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[Sponsorship]:
    """The creator's sponsorships, newest first."""
    newest_first = (Sponsorship.id.desc(),)
    mine = Sponsorship.creator_id == creator.id
    return _sponsorship_page(session, mine, status, page, page_size, newest_first)


def submit_deliverable(
    session: Session,
    creator: Creator,
    sponsorship_id: int,
    *,
    url: str,
    disclosure: bool,
    now: datetime | None = None,
    share_window_days: int = DEFAULT_WINDOW_DAYS,
    auto_approve_days: int = DEFAULT_AUTO_APPROVE_DAYS,
) -> Sponsorship:
    """Hand in the published post for review; sponsored posts must be labelled. The brand is
    told, with the time ``auto_approve_days`` after delivery when silence approves the post.

    The post counts in the creator's ``sponsored_share`` (recomputed here, over the last
    ``share_window_days``: ``collaborations.authenticity``)."""
    now = now or utcnow()
    sponsorship = session.scalar(
        select(Sponsorship)
        .where(Sponsorship.id == sponsorship_id, Sponsorship.creator_id == creator.id)
        .with_for_update()
    )
    if sponsorship is None:
        raise NotFound("Sponsorship not found.")
    if not disclosure:
        raise InvalidInput(
            "Sponsored posts must be labelled.",
            {
                "disclosure": [
                    "Label the post as a paid partnership (e.g. the platform's sponsored tag or "
                    "#ad), then send disclosure: true."
                ]
            },
        )
    if sponsorship.status not in (SponsorshipStatus.ACTIVE, SponsorshipStatus.REJECTED):
        raise Conflict(f"This sponsorship is {sponsorship.status.value}; nothing to deliver.")
    sponsorship.post_url = url
    sponsorship.disclosure = True
    sponsorship.status = SponsorshipStatus.DELIVERED
    sponsorship.delivered_at = now
    sponsorship.first_delivered_at = sponsorship.first_delivered_at or now
    session.flush()
    recompute_sponsored_share(session, creator.id, now=now, window_days=share_window_days)
    offer_notices.post_delivered(session, sponsorship, auto_approve_days)
    return sponsorship


# --- brands: review -------------------------------------------------------------------------


def get_brand_sponsorship(
    session: Session, brand: Brand, sponsorship_id: int, *, lock: bool = False
) -> Sponsorship:
    """A sponsorship on one of the brand's campaigns; others answer like missing ones."""
    query = (
        select(Sponsorship)
        .join(Campaign, Campaign.id == Sponsorship.campaign_id)
        .where(Sponsorship.id == sponsorship_id, Campaign.brand_id == brand.id)
    )
    if lock:
        query = query.with_for_update(of=Sponsorship)
    sponsorship = session.scalar(query)
    if sponsorship is None:
        raise NotFound("Sponsorship not found.")
    return sponsorship


def approve_sponsorship(
    session: Session,
    brand: Brand,
    sponsorship_id: int,
    *,
    provider: PaymentProvider,
    now: datetime | None = None,
) -> Sponsorship:
    """Approve a delivered post and pay the creator the agreed price, once.

    The state change is a conditional update (delivered → approved), so of any number of
    concurrent approvals exactly one proceeds to the payout; the payout's unique sponsorship
    and idempotency key back this up.
    """
    sponsorship = get_brand_sponsorship(session, brand, sponsorship_id)
    if not approve_and_pay(session, sponsorship, provider=provider, now=now):
        raise Conflict(
            f"Only delivered posts can be approved; this one is {sponsorship.status.value}."
        )
    offer_notices.post_approved(session, sponsorship)
    return sponsorship


def approve_and_pay(
    session: Session,
    sponsorship: Sponsorship,
    *,
    provider: PaymentProvider,
    now: datetime | None = None,
    from_status: SponsorshipStatus = SponsorshipStatus.DELIVERED,
    auto: bool = False,
    delivered_by: datetime | None = None,
) -> bool:
    """Move ``from_status → approved`` with a conditional update and, if this call won, pay.

    The one approval path (the brand's, the auto-approval job's, an operator's on a dispute):
    of any number of concurrent callers exactly one sees its update match and proceeds to the
    payout. ``delivered_by`` approves only a delivery made by then (the job's cutoff, so a
    post delivered again a moment ago is not caught). Returns whether this call approved;
    ``sponsorship`` is refreshed either way.
    """
    conditions = [Sponsorship.id == sponsorship.id, Sponsorship.status == from_status]
    if delivered_by is not None:
        conditions.append(Sponsorship.delivered_at <= delivered_by)
    approved = session.execute(
        update(Sponsorship)
        .where(*conditions)
        .values(status=SponsorshipStatus.APPROVED, reviewed_at=now or utcnow(), auto_approved=auto)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(sponsorship)
    if approved != 1:
        return False
    counters.count_completed(session, sponsorship.creator_id)
    payments.start_payout(session, sponsorship, provider)
    return True


def withdraw_campaign_work(session: Session, campaign: Campaign) -> None:
    """A campaign closes: open proposals expire and work not yet delivered is called off.

    Delivered posts stay for the brand to review: the creator did the work.
    """
    for offer in session.scalars(
        select(Offer).where(Offer.campaign_id == campaign.id, Offer.status.in_(OPEN_OFFER_STATES))
    ):
        offer.status = OfferStatus.EXPIRED
    for sponsorship in session.scalars(
        select(Sponsorship).where(
            Sponsorship.campaign_id == campaign.id,
            Sponsorship.status.in_((SponsorshipStatus.ACTIVE, SponsorshipStatus.REJECTED)),
        )
    ):
        sponsorship.status = SponsorshipStatus.CANCELLED
        payments.release_funds(session, sponsorship)
    session.flush()


def reject_deliverable(
    session: Session,
    brand: Brand,
    sponsorship_id: int,
    reason: str,
    *,
    provider: PaymentProvider,
    max_rejections: int,
    now: datetime | None = None,
) -> Sponsorship:
    """Send a delivered post back with a reason; the creator may deliver again.

    A brand may send a post back ``max_rejections`` times; the rejection after that opens a
    dispute instead (status ``disputed``): the money and the creator's capacity stay held,
    the creator cannot deliver again, and an operator approves (pays) or cancels (refunds).
    On a campaign that has closed meanwhile there is no again: the sponsorship is called off,
    its price released and refunded to the brand with the rest.
    """
    now = now or utcnow()
    sponsorship = get_brand_sponsorship(session, brand, sponsorship_id, lock=True)
    if sponsorship.status is not SponsorshipStatus.DELIVERED:
        raise Conflict(
            f"Only delivered posts can be rejected; this one is {sponsorship.status.value}."
        )
    sponsorship.rejection_reason = reason
    sponsorship.reviewed_at = now
    sponsorship.rejections += 1
    review_notices.rejected(session, sponsorship, reason)
    if sponsorship.rejections > max_rejections:
        sponsorship.status = SponsorshipStatus.DISPUTED
        sponsorship.disputed_at = now
        review_notices.disputed(session, sponsorship, max_rejections)
    elif sponsorship.campaign.status in (CampaignStatus.CANCELLED, CampaignStatus.COMPLETED):
        sponsorship.status = SponsorshipStatus.CANCELLED
        payments.release_funds(session, sponsorship)
        session.flush()
        payments.start_refund(session, sponsorship.campaign, provider)
    else:
        sponsorship.status = SponsorshipStatus.REJECTED
    session.flush()
    return sponsorship


# --- reliability ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Reliability:
    """What the platform measures about a creator; shown read-only."""

    offers_received: int
    reply_rate_48h: float | None
    acceptance_rate: float | None
    on_time_delivery_rate: float | None


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def reliability_from(counts: counters.Counts) -> Reliability:
    """The published figures from the counters (the definition is in ``reliability_counters``)."""
    return Reliability(
        offers_received=counts.offers_received,
        reply_rate_48h=_ratio(counts.replies_in_time, counts.replies_due),
        acceptance_rate=_ratio(counts.offers_accepted, counts.offers_answered),
        on_time_delivery_rate=_ratio(counts.deliveries_on_time, counts.deliveries_due),
    )


def reliability(session: Session, creator_id: int, now: datetime | None = None) -> Reliability:
    """Reply rate within 48 h, acceptance rate and on-time delivery, from counters kept up to
    date as offers and sponsorships change: one query, whatever the length of the history."""
    return reliability_from(counters.read_counts(session, creator_id, now))


# --- brands: a campaign's offers and sponsorships --------------------------------------------


def list_campaign_offers(
    session: Session,
    campaign: Campaign,
    *,
    status: OfferStatus | None = None,
    source: OfferSource | None = None,
    page: int = 1,
    page_size: int = 20,
    now: datetime | None = None,
) -> Page[Offer]:
    """Every offer of a campaign, from every run and channel, newest first.

    The caller checked the campaign is the brand's. ``status`` follows expiry like the
    creator's inbox (a lapsed proposal is ``expired``); ``source`` is match, invite or open call.
    """
    query = (
        select(Offer)
        .where(Offer.campaign_id == campaign.id)
        .options(joinedload(Offer.creator), selectinload(Offer.turns))
    )
    query = with_status(query, status, now or utcnow())
    if source is not None:
        query = query.where(Offer.source == source)
    return paginate(
        session, query.order_by(Offer.created_at.desc(), Offer.id.desc()), page, page_size
    )


def list_campaign_sponsorships(
    session: Session,
    campaign: Campaign,
    *,
    status: SponsorshipStatus | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[Sponsorship]:
    """A campaign's sponsorships, those waiting for review first."""
    waiting_first = (Sponsorship.status != SponsorshipStatus.DELIVERED, Sponsorship.id.desc())
    of_campaign = Sponsorship.campaign_id == campaign.id
    return _sponsorship_page(session, of_campaign, status, page, page_size, waiting_first)


@dataclass(frozen=True)
class CampaignReport:
    """Money and progress of one campaign, in its currency's minor units (money from the ledger)."""

    campaign: Campaign
    budget: int
    funded: int  # budget received (the platform fee is separate)
    committed: int  # accepted, not yet approved
    paid: int  # approved posts, paid or being paid to creators
    refunded: int
    remaining: int  # funded and still free for new offers
    fees: int  # platform fee kept
    sponsorships: dict[str, int]
    offers: dict[str, int]
    engaged_reach: int  # followers × engagement of creators whose posts were approved
    series: list[dict[str, Any]]
    fee_charged: int = 0  # the platform fee paid with the funding
    fee_refunded: int = 0  # the part of it returned with refunds

    @property
    def forecast_engaged_reach(self) -> int:
        """``engaged_reach`` under its honest name: it is computed from the followers and
        engagement rates creators report, not measured on the posts."""
        return self.engaged_reach


def campaign_report(session: Session, campaign: Campaign) -> CampaignReport:
    """Spend, commitments, refunds and fees from the ledger; sponsorships, offers and reach."""
    money = ledger.campaign_money(session, campaign)
    rows = session.execute(
        select(Sponsorship.status, Creator.followers, Creator.engagement_rate)
        .join(Creator, Creator.id == Sponsorship.creator_id)
        .where(Sponsorship.campaign_id == campaign.id)
    ).all()
    by_status: dict[str, int] = {s.value: 0 for s in SponsorshipStatus}
    reach = 0
    for status, followers, engagement in rows:
        by_status[status.value] += 1
        if status is SponsorshipStatus.APPROVED:
            reach += round(followers * engagement)
    offers = dict.fromkeys((s.value for s in OfferStatus), 0)
    for status, count in session.execute(
        select(Offer.status, func.count(Offer.id))
        .where(Offer.campaign_id == campaign.id)
        .group_by(Offer.status)
    ):
        offers[status.value] = count
    return CampaignReport(
        campaign=campaign,
        budget=campaign.budget_amount,
        funded=money.funded,
        committed=money.committed,
        paid=money.paid,
        refunded=money.refunded,
        remaining=money.remaining,
        fees=money.fees,
        fee_charged=money.fee_charged,
        fee_refunded=money.fee_refunded,
        sponsorships=by_status,
        offers=offers,
        engaged_reach=reach,
        series=money.series,
    )


# --- brands: withdrawals and the block list ---------------------------------------------------

BLOCKED_REASON = "blocked"


def get_brand_offer(session: Session, brand: Brand, offer_id: int, *, lock: bool = False) -> Offer:
    """An offer on one of the brand's campaigns; others answer like missing ones."""
    query = (
        select(Offer)
        .join(Campaign, Campaign.id == Offer.campaign_id)
        .where(Offer.id == offer_id, Campaign.brand_id == brand.id)
    )
    if lock:
        query = query.with_for_update(of=Offer)
    offer = session.scalar(query)
    if offer is None:
        raise NotFound("Offer not found.")
    return offer


def _withdraw(offer: Offer, reason: str | None, now: datetime) -> None:
    offer.status = OfferStatus.WITHDRAWN
    offer.withdraw_reason = reason
    # A creator who countered did answer: their reply time stays (reliability reads it).
    offer.responded_at = offer.responded_at or now


def withdraw_offer(
    session: Session,
    brand: Brand,
    offer_id: int,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> Offer:
    """Withdraw a proposal the creator has not answered: "not for this campaign".

    A proposal commits no money, so nothing moves in the ledger; the campaign's slot and
    budget are free again for the next run (which counts only live proposals), and the
    creator is never offered this campaign again (runs skip every pair offered before).

    Parameters: ``reason`` is kept on the offer for the brand's own records.
    Returns the withdrawn offer. Raises ``NotFound`` for another brand's offer and
    ``Conflict`` for one that is no longer awaiting the creator's reply.
    """
    now = now or utcnow()
    offer = get_brand_offer(session, brand, offer_id, lock=True)
    status = offer.effective_status(now)
    if status not in OPEN_OFFER_STATES:  # a countered offer may be withdrawn too
        answered = {
            OfferStatus.EXPIRED: "it has expired",
            OfferStatus.ACCEPTED: "the creator already accepted it (it is a sponsorship now)",
            OfferStatus.DECLINED: "the creator already declined it",
            OfferStatus.WITHDRAWN: "it was already withdrawn",
        }.get(status, f"it is {status.value}")
        raise Conflict(f"Only offers awaiting the creator's reply can be withdrawn; {answered}.")
    _withdraw(offer, reason, now)
    offer_notices.offer_withdrawn(session, offer)
    session.flush()
    return offer


@dataclass(frozen=True)
class BlockResult:
    """A block, whether this call created it, and the live proposals it withdrew."""

    block: BrandBlock
    created: bool
    withdrawn: list[Offer]


def get_blockable_creator(session: Session, brand: Brand, creator_id: int) -> Creator:
    """A creator the brand may know of: visible to it (see
    :func:`collaborations.visibility.visible_creator`) or blocked by it already. Anyone else
    answers like a missing creator, as their public profile does."""
    creator = visible_creator(session, brand, creator_id, today=utcnow().date(), or_blocked=True)
    if creator is None:
        raise NotFound("Creator not found.")
    return creator


def live_proposals_to(
    session: Session, brand: Brand, creator_id: int, *, now: datetime, lock: bool = False
) -> list[Offer]:
    """The brand's proposals to a creator still awaiting the creator's reply."""
    query = (
        select(Offer)
        .join(Campaign, Campaign.id == Offer.campaign_id)
        .where(
            Campaign.brand_id == brand.id,
            Offer.creator_id == creator_id,
            Offer.status.in_(OPEN_OFFER_STATES),  # a counter awaiting the brand is live too
            Offer.expires_at > now,
        )
        .options(contains_eager(Offer.campaign))  # the block page lists their titles
        .order_by(Offer.id)
    )
    if lock:
        query = query.with_for_update(of=Offer)
    return list(session.scalars(query))


def block_creator(
    session: Session,
    brand: Brand,
    creator_id: int,
    reason: str | None = None,
    *,
    now: datetime | None = None,
) -> BlockResult:
    """Put a creator on the brand's block list: never offered to any of its campaigns.

    Idempotent: blocking twice returns the same block (``created`` False; the first reason
    stays). The brand's live proposals to the creator are withdrawn with the reason
    "blocked"; accepted work is not touched (it is a sponsorship with money committed).
    Raises ``NotFound`` for an unknown creator (or one the brand cannot see).
    """
    now = now or utcnow()
    creator = get_blockable_creator(session, brand, creator_id)
    block = find_block(session, brand, creator.id)
    created = block is None
    if block is None:
        block = BrandBlock(brand_id=brand.id, creator_id=creator.id, reason=reason, created_at=now)
        try:
            with session.begin_nested():  # a concurrent block of the same pair wins: reuse it
                session.add(block)
        except IntegrityError:
            block = find_block(session, brand, creator.id)
            created = False
            if block is None:  # pragma: no cover - the unique pair was violated by nothing
                raise
    withdrawn = live_proposals_to(session, brand, creator.id, now=now, lock=True)
    for offer in withdrawn:
        _withdraw(offer, BLOCKED_REASON, now)
        offer_notices.offer_withdrawn(session, offer)  # the block itself is not named
    session.flush()
    return BlockResult(block=block, created=created, withdrawn=withdrawn)


def find_block(session: Session, brand: Brand, creator_id: int) -> BrandBlock | None:
    """The brand's block of a creator, if any."""
    return session.scalar(
        select(BrandBlock)
        .where(BrandBlock.brand_id == brand.id, BrandBlock.creator_id == creator_id)
        .options(joinedload(BrandBlock.creator))
    )


def unblock_creator(session: Session, brand: Brand, creator_id: int) -> None:
    """Take a creator off the brand's block list (withdrawn offers stay withdrawn).

    Raises ``NotFound`` when the brand has no block on that creator.
    """
    block = find_block(session, brand, creator_id)
    if block is None:
        raise NotFound("This creator is not on your block list.")
    session.delete(block)
    session.flush()


def list_blocks(
    session: Session, brand: Brand, *, page: int = 1, page_size: int = 20
) -> Page[BrandBlock]:
    """The brand's block list, newest first."""
    query = (
        select(BrandBlock)
        .where(BrandBlock.brand_id == brand.id)
        .options(joinedload(BrandBlock.creator))
        .order_by(BrandBlock.created_at.desc(), BrandBlock.id.desc())
    )
    return paginate(session, query, page, page_size)


def blocked_creator_ids(session: Session, brand: Brand) -> set[int]:
    """Ids of the creators on the brand's block list."""
    return set(
        session.scalars(select(BrandBlock.creator_id).where(BrandBlock.brand_id == brand.id))
    )
