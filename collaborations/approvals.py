"""Approvals that end: automatic approval of posts nobody reviewed, the dispute queue of posts
rejected too often, and an operator's reversal of a paid sponsorship.

Every path that pays goes through :func:`collaborations.services.approve_and_pay` (one
conditional update, so a brand's approval, the job and an operator racing each other pay
once). Services flush; the caller (route, command or job) commits.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from campaigns.models import Campaign, CampaignStatus
from collaborations import review_notices
from collaborations.models import Sponsorship, SponsorshipStatus
from collaborations.services import approve_and_pay
from core.db import utcnow
from core.errors import Conflict, NotFound
from core.pagination import Page, paginate
from payments import service as payments
from payments.models import Payout, PayoutStatus
from payments.providers import PaymentProvider

# --- what both sides see while a post waits --------------------------------------------------


def auto_approve_at(sponsorship: Sponsorship, days: int) -> datetime | None:
    """When a delivered post is approved if nobody reviews it (counted from its delivery)."""
    if sponsorship.status is not SponsorshipStatus.DELIVERED or sponsorship.delivered_at is None:
        return None
    return sponsorship.delivered_at + timedelta(days=days)


def auto_approve_on(sponsorship: Sponsorship, days: int) -> date | None:
    """The day (UTC) :func:`auto_approve_at` falls on, for people to read."""
    at = auto_approve_at(sponsorship, days)
    return at.date() if at else None


def rejections_left(sponsorship: Sponsorship, max_rejections: int) -> int:
    """How many more times the brand may send the post back before a rejection opens a
    dispute: with ``max_rejections`` = 2, the first two rejections return the post to the
    creator and the third goes to an operator (0 here means: the next rejection disputes)."""
    return max(0, max_rejections - sponsorship.rejections)


# --- automatic approval ----------------------------------------------------------------------


def due_for_auto_approval(session: Session, *, days: int, now: datetime | None = None) -> list[int]:
    """Delivered posts whose latest delivery is ``days`` old or more, oldest first."""
    cutoff = (now or utcnow()) - timedelta(days=days)
    return list(
        session.scalars(
            select(Sponsorship.id)
            .where(
                Sponsorship.status == SponsorshipStatus.DELIVERED,
                Sponsorship.delivered_at <= cutoff,
            )
            .order_by(Sponsorship.delivered_at, Sponsorship.id)
        )
    )


def auto_approve(
    session: Session,
    sponsorship_id: int,
    *,
    provider: PaymentProvider,
    days: int,
    now: datetime | None = None,
) -> bool:
    """Approve and pay one unreviewed post if it is still delivered and due; tell both sides.

    Safe to call any number of times and concurrently with the brand's own review: the
    conditional update lets one approval through; the losers do nothing (returns False).
    """
    now = now or utcnow()
    sponsorship = session.get(Sponsorship, sponsorship_id)
    if sponsorship is None:
        return False
    due = auto_approve_at(sponsorship, days)
    if due is None or due > now:  # reviewed meanwhile, or delivered again since
        return False
    cutoff = now - timedelta(days=days)
    if not approve_and_pay(
        session, sponsorship, provider=provider, now=now, auto=True, delivered_by=cutoff
    ):
        return False
    review_notices.auto_approved(session, sponsorship, days)
    session.flush()
    return True


# --- the dispute queue -----------------------------------------------------------------------


def list_disputes(session: Session, *, page: int = 1, page_size: int = 20) -> Page[Sponsorship]:
    """Sponsorships waiting for an operator's decision, the longest waiting first."""
    query = (
        select(Sponsorship)
        .where(Sponsorship.status == SponsorshipStatus.DISPUTED)
        .options(
            joinedload(Sponsorship.creator),
            joinedload(Sponsorship.campaign).joinedload(Campaign.brand),
        )
        .order_by(Sponsorship.disputed_at, Sponsorship.id)
    )
    return paginate(session, query, page, page_size)


def _locked(session: Session, sponsorship_id: int) -> Sponsorship:
    sponsorship = session.scalar(
        select(Sponsorship)
        .where(Sponsorship.id == sponsorship_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if sponsorship is None:
        raise NotFound("Sponsorship not found.")
    return sponsorship


def get_dispute(session: Session, sponsorship_id: int, *, lock: bool = False) -> Sponsorship:
    """A sponsorship in the dispute queue; anything else answers 404 (it is not a dispute)."""
    sponsorship = (
        _locked(session, sponsorship_id) if lock else session.get(Sponsorship, sponsorship_id)
    )
    if sponsorship is None or sponsorship.disputed_at is None:
        raise NotFound("Dispute not found.")
    return sponsorship


def _require_disputed(sponsorship: Sponsorship) -> None:
    if sponsorship.status is not SponsorshipStatus.DISPUTED:
        raise Conflict(
            f"This dispute was already decided: the sponsorship is {sponsorship.status.value}."
        )


def _undecided_dispute(session: Session, sponsorship_id: int) -> Sponsorship:
    """The disputed sponsorship, locked; ``Conflict`` once the dispute was decided."""
    sponsorship = get_dispute(session, sponsorship_id, lock=True)
    _require_disputed(sponsorship)
    return sponsorship


def approve_dispute(
    session: Session,
    sponsorship_id: int,
    note: str,
    *,
    provider: PaymentProvider,
    now: datetime | None = None,
) -> Sponsorship:
    """The operator sides with the creator: the post is approved and the creator paid, once."""
    sponsorship = _undecided_dispute(session, sponsorship_id)
    if not approve_and_pay(
        session, sponsorship, provider=provider, now=now, from_status=SponsorshipStatus.DISPUTED
    ):
        _require_disputed(sponsorship)  # refreshed: says what it became
    sponsorship.dispute_resolution = note
    review_notices.resolved(session, sponsorship, approved=True, note=note)
    session.flush()
    return sponsorship


def _give_back(session: Session, sponsorship: Sponsorship, provider: PaymentProvider) -> None:
    """Refund the sponsorship's price (now in the campaign's available funds) to the brand:
    just that price while the campaign goes on, everything left once it has closed."""
    campaign = session.get(Campaign, sponsorship.campaign_id, with_for_update=True)
    assert campaign is not None
    closed = campaign.status in (CampaignStatus.CANCELLED, CampaignStatus.COMPLETED)
    payments.start_refund(
        session, campaign, provider, up_to=None if closed else sponsorship.price_amount
    )


def cancel_dispute(
    session: Session,
    sponsorship_id: int,
    note: str,
    *,
    provider: PaymentProvider,
    now: datetime | None = None,
) -> Sponsorship:
    """The operator sides with the brand: the sponsorship is cancelled, its committed price
    released and refunded to the brand; the creator's capacity is free again."""
    sponsorship = _undecided_dispute(session, sponsorship_id)
    sponsorship.status = SponsorshipStatus.CANCELLED
    sponsorship.reviewed_at = now or utcnow()
    sponsorship.dispute_resolution = note
    payments.release_funds(session, sponsorship)
    session.flush()
    _give_back(session, sponsorship, provider)
    review_notices.resolved(session, sponsorship, approved=False, note=note)
    session.flush()
    return sponsorship


def reverse_sponsorship(
    session: Session,
    sponsorship_id: int,
    reason: str,
    *,
    provider: PaymentProvider,
    now: datetime | None = None,
) -> Sponsorship:
    """An operator calls off an approved, paid sponsorship (fraud, a post taken down, a
    dispute decided late): the creator's transfer is reversed, once, and the price refunded
    to the brand. The reason is kept as the sponsorship's ``dispute_resolution``.

    A payout still being made is refused (reverse it once it is paid): taking it back while a
    worker transfers it would race the transfer.
    """
    sponsorship = _locked(session, sponsorship_id)
    if sponsorship.status is not SponsorshipStatus.APPROVED:
        raise Conflict(
            f"Only approved, paid sponsorships can be reversed; this one is "
            f"{sponsorship.status.value}."
        )
    payout = session.scalar(select(Payout).where(Payout.sponsorship_id == sponsorship.id))
    if payout is None or payout.status is not PayoutStatus.PAID:
        state = payout.status.value if payout else "missing"
        raise Conflict(
            f"The creator's payout is {state}; only a paid transfer can be reversed (a pending "
            "one can be reversed once it is paid)."
        )
    payments.reverse_payout(session, sponsorship.id, provider)
    sponsorship.status = SponsorshipStatus.CANCELLED
    sponsorship.reviewed_at = now or utcnow()
    sponsorship.dispute_resolution = reason
    session.flush()
    _give_back(session, sponsorship, provider)
    review_notices.reversed_payout(session, sponsorship, reason)
    session.flush()
    return sponsorship
