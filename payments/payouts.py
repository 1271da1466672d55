"""Approving a delivered post pays the creator: one payout per sponsorship, never two."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Brand, Creator
from collaborations.models import Sponsorship, SponsorshipStatus
from collaborations.services import get_brand_sponsorship
from core.db import utcnow
from core.errors import Conflict
from core.pagination import Page, paginate
from payments.models import Payout, PayoutStatus


def approve_sponsorship(
    session: Session,
    brand: Brand,
    sponsorship_id: int,
    *,
    provider: str,
    now: datetime | None = None,
) -> Sponsorship:
    """Approve a delivered post and pay the agreed price to the creator.

    The sponsorship row is locked and its state checked before any payout is made, so
    concurrent approvals produce exactly one payout; the unique ``sponsorship_id`` on payouts
    backs this up.
    """
    now = now or utcnow()
    sponsorship = get_brand_sponsorship(session, brand, sponsorship_id, lock=True)
    if sponsorship.status is not SponsorshipStatus.DELIVERED:
        raise Conflict(
            f"Only delivered posts can be approved; this one is {sponsorship.status.value}."
        )
    if provider != "ledger":
        raise ValueError(f"payment provider {provider!r} is not available")
    # Ledger mode: the brand's funds held by Dandelion are paid out outside the platform.
    session.add(
        Payout(
            sponsorship_id=sponsorship.id,
            creator_id=sponsorship.creator_id,
            amount=sponsorship.price_amount,
            currency=sponsorship.currency,
            status=PayoutStatus.PAID,
            provider=provider,
            paid_at=now,
        )
    )
    sponsorship.status = SponsorshipStatus.APPROVED
    sponsorship.reviewed_at = now
    session.flush()
    return sponsorship


def payout_for(session: Session, sponsorship_id: int) -> Payout | None:
    """The payout of a sponsorship, if it has one."""
    return session.scalar(select(Payout).where(Payout.sponsorship_id == sponsorship_id))


def list_payouts(
    session: Session, creator: Creator, *, page: int = 1, page_size: int = 20
) -> Page[Payout]:
    """The creator's payouts, newest first."""
    query = select(Payout).where(Payout.creator_id == creator.id).order_by(Payout.id.desc())
    return paginate(session, query, page, page_size)
