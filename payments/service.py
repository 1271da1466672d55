"""Payment services: funding, commitments, payouts, refunds and reversals, booked in the ledger.

Money-moving provider calls follow one pattern: our row (with a deterministic idempotency key)
is written and committed first, the provider is called with that key, and the provider's id is
recorded on the row; a retry finds the row and repeats the call with the same key, or finds the
provider's object, so nothing is paid twice. These functions flush; callers commit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import CursorResult, func, select, update
from sqlalchemy.orm import Session

from accounts.models import Creator
from campaigns.models import Campaign
from collaborations.models import Sponsorship
from core.db import utcnow
from core.errors import Conflict
from core.jobs import defer_job
from core.money import fee_on
from core.pagination import Page, paginate
from payments import ledger, notices
from payments.models import (
    CampaignFunding,
    CampaignRefund,
    FundingStatus,
    Payout,
    PayoutStatus,
    RefundStatus,
)
from payments.providers import PaymentProvider, ProviderError

# --- funding ------------------------------------------------------------------------------


def start_funding(
    session: Session, campaign: Campaign, provider: PaymentProvider, *, fee_bps: int
) -> CampaignFunding:
    """Ask the brand for budget + fee. Ledger mode settles at once; Stripe settles on the
    ``payment_intent.succeeded`` webhook. Calling it again returns the same funding."""
    funding = session.scalar(
        select(CampaignFunding).where(CampaignFunding.campaign_id == campaign.id)
    )
    if funding is not None:
        if funding.status is FundingStatus.SUCCEEDED:
            raise Conflict("This campaign is already funded.")
        if (
            funding.status is FundingStatus.REQUIRES_PAYMENT
            and funding.budget == campaign.budget_amount
        ):
            return funding
        session.delete(funding)  # a failed payment or a changed budget: start again
        session.flush()
    fee = fee_on(campaign.budget_amount, fee_bps)
    funding = CampaignFunding(
        campaign_id=campaign.id,
        provider=provider.name,
        budget=campaign.budget_amount,
        fee=fee,
        fee_bps=fee_bps,
        currency=campaign.currency,
        status=FundingStatus.REQUIRES_PAYMENT,
        created_at=utcnow(),
    )
    session.add(funding)
    session.flush()
    started = provider.start_funding(
        amount=funding.total,
        currency=funding.currency,
        campaign_id=campaign.id,
        idempotency_key=funding_idempotency_key(funding),
    )
    funding.payment_intent_id = started.payment_intent_id
    funding.client_secret = started.client_secret
    if started.succeeded:
        record_funding_succeeded(session, funding, charge_id=started.charge_id)
    session.flush()
    return funding


def funding_idempotency_key(funding: CampaignFunding) -> str:
    """The key of one funding attempt: the campaign and the attempt's creation time, to the
    microsecond. Not the row's id: SQLite hands a rolled-back or deleted row's id to the next
    row, so a retry after a lost answer (or after a changed budget) would send an old key with
    new parameters, which Stripe refuses or answers with the old PaymentIntent. A timestamp is
    never handed out twice for one campaign (its fundings are created one after the other)."""
    return f"campaign:{funding.campaign_id}:funding:{funding.created_at:%Y%m%dT%H%M%S.%f}"


def record_funding_succeeded(
    session: Session, funding: CampaignFunding, *, charge_id: str | None
) -> None:
    """Book the brand's money and mark the campaign funded (idempotent)."""
    if funding.status is FundingStatus.SUCCEEDED:
        return
    campaign = session.get(Campaign, funding.campaign_id, with_for_update=True)
    assert campaign is not None
    funding.status = FundingStatus.SUCCEEDED
    funding.charge_id = charge_id
    funding.succeeded_at = utcnow()
    ledger.post(
        session,
        reference=f"campaign:{campaign.id}:funding",
        kind=ledger.FUNDING,
        currency=funding.currency,
        campaign_id=campaign.id,
        legs=[
            (ledger.CLEARING, funding.total),
            (ledger.available(campaign.id), -funding.budget),
            (ledger.REVENUE, -funding.fee),
        ],
        memo={"payment_intent": funding.payment_intent_id, "charge": charge_id},
    )
    campaign.mark_funded()
    notices.campaign_funded(session, funding)
    session.flush()


def record_funding_failed(session: Session, funding: CampaignFunding) -> None:
    """The brand's payment failed; the campaign stays a draft and can be funded again."""
    if funding.status is FundingStatus.REQUIRES_PAYMENT:
        funding.status = FundingStatus.FAILED
        session.flush()


# --- commitments ----------------------------------------------------------------------------


def remaining_funds(session: Session, campaign: Campaign) -> int:
    """Money of the campaign not yet committed, paid or refunded."""
    return -ledger.balance(session, ledger.available(campaign.id), campaign.currency)


def _move_price(
    session: Session, sponsorship: Sponsorship, kind: str, source: str, target: str
) -> None:
    """Book the sponsorship's price moving from ``source`` to ``target`` (once per kind)."""
    ledger.post(
        session,
        reference=f"sponsorship:{sponsorship.id}:{kind}",
        kind=kind,
        currency=sponsorship.currency,
        campaign_id=sponsorship.campaign_id,
        sponsorship_id=sponsorship.id,
        legs=[(source, sponsorship.price_amount), (target, -sponsorship.price_amount)],
    )


def commit_funds(session: Session, campaign: Campaign, sponsorship: Sponsorship) -> None:
    """Reserve the sponsorship's price from the campaign's available funds."""
    if remaining_funds(session, campaign) < sponsorship.price_amount:
        raise Conflict("This campaign has no budget left for this offer.")
    _move_price(
        session,
        sponsorship,
        ledger.COMMIT,
        ledger.available(campaign.id),
        ledger.committed(campaign.id),
    )


def release_funds(session: Session, sponsorship: Sponsorship) -> None:
    """Give a called-off sponsorship's price back to the campaign's available funds."""
    cid = sponsorship.campaign_id
    _move_price(session, sponsorship, ledger.RELEASE, ledger.committed(cid), ledger.available(cid))


# --- payouts ----------------------------------------------------------------------------------


def start_payout(session: Session, sponsorship: Sponsorship, provider: PaymentProvider) -> Payout:
    """Book an approved sponsorship's price as owed to the creator and schedule the transfer."""
    payout = Payout(
        sponsorship_id=sponsorship.id,
        creator_id=sponsorship.creator_id,
        amount=sponsorship.price_amount,
        currency=sponsorship.currency,
        status=PayoutStatus.PENDING,
        provider=provider.name,
        idempotency_key=f"sponsorship:{sponsorship.id}:transfer",
    )
    session.add(payout)
    owed = ledger.payable(sponsorship.creator_id)
    _move_price(
        session, sponsorship, ledger.PAYOUT, ledger.committed(sponsorship.campaign_id), owed
    )
    session.flush()
    defer_job(session, "payments.jobs.execute_payout_job", payout.id, job_id=f"payout:{payout.id}")
    return payout


@dataclass(frozen=True)
class PayoutOutcome:
    """What one attempt at a payout did; ``retry`` asks the job runner to try again later."""

    status: PayoutStatus
    retry: bool = False
    message: str = ""


def execute_payout(
    session: Session, payout_id: int, provider: PaymentProvider, now: datetime | None = None
) -> PayoutOutcome:
    """Make the transfer for a pending payout, exactly once.

    Claims the payout with a conditional update (one worker at a time), looks for a transfer
    an earlier attempt may have made (its response lost), then creates one with the payout's
    idempotency key, and books it.
    """
    payout = session.get(Payout, payout_id, with_for_update=True)
    if payout is None or payout.status is not PayoutStatus.PENDING:
        return PayoutOutcome(payout.status if payout else PayoutStatus.FAILED)
    creator = session.get(Creator, payout.creator_id)
    assert creator is not None
    if provider.needs_onboarding and not creator.payouts_enabled:
        payout.last_error = "Waiting for the creator to finish payout onboarding."
        session.flush()
        return PayoutOutcome(PayoutStatus.PENDING, message=payout.last_error)
    claim = session.execute(
        update(Payout)
        .where(Payout.id == payout.id, Payout.attempts == payout.attempts)
        .values(attempts=Payout.attempts + 1)
    )
    claimed = cast("CursorResult[Any]", claim).rowcount  # an UPDATE answers a CursorResult
    if claimed != 1:  # another worker is on it
        return PayoutOutcome(PayoutStatus.PENDING)
    session.refresh(payout)
    sponsorship = session.get(Sponsorship, payout.sponsorship_id)
    assert sponsorship is not None  # payouts.sponsorship_id is a non-null foreign key
    funding = session.scalar(
        select(CampaignFunding).where(CampaignFunding.campaign_id == sponsorship.campaign_id)
    )
    group = f"sponsorship_{payout.sponsorship_id}"
    try:
        reference = payout.provider_reference or provider.find_transfer(group)
        if reference is None:
            reference = provider.transfer(
                amount=payout.amount,
                currency=payout.currency,
                destination=creator.stripe_account_id,
                source_charge=funding.charge_id if funding else None,
                transfer_group=group,
                idempotency_key=payout.idempotency_key,
            )
    except ProviderError as exc:
        payout.last_error = str(exc)[:500]
        if not exc.retryable:
            payout.status = PayoutStatus.FAILED
            notices.payout_failed(session, payout)
        session.flush()
        return PayoutOutcome(payout.status, retry=exc.retryable, message=str(exc))
    payout.provider_reference = reference
    payout.status = PayoutStatus.PAID
    payout.paid_at = now or utcnow()
    payout.last_error = None
    ledger.post(
        session,
        reference=f"sponsorship:{payout.sponsorship_id}:transfer",
        kind=ledger.TRANSFER,
        currency=payout.currency,
        campaign_id=sponsorship.campaign_id,
        sponsorship_id=payout.sponsorship_id,
        legs=[
            (ledger.payable(payout.creator_id), payout.amount),
            (ledger.CLEARING, -payout.amount),
        ],
        memo={"transfer": reference},
    )
    notices.payout_sent(session, payout)
    session.flush()
    return PayoutOutcome(PayoutStatus.PAID)


def pending_payout_ids(session: Session, creator_id: int | None = None) -> list[int]:
    """Payouts still waiting for their transfer (all creators, or one)."""
    query = select(Payout.id).where(Payout.status == PayoutStatus.PENDING)
    if creator_id is not None:
        query = query.where(Payout.creator_id == creator_id)
    return list(session.scalars(query.order_by(Payout.id)))


def reverse_payout(session: Session, sponsorship_id: int, provider: PaymentProvider) -> Payout:
    """Take back a paid creator's transfer (a refund after payout); the money returns to the
    campaign's available funds, from where the campaign's refund sends it to the brand.

    The provider call carries ``sponsorship:<id>:reversal`` as its key, and the provider looks
    for a reversal made with that key before creating one: if an earlier attempt's answer was
    lost (its transaction rolled back, the payout still reads paid), calling this again finds
    that reversal instead of reversing twice."""
    payout = session.scalar(
        select(Payout).where(Payout.sponsorship_id == sponsorship_id).with_for_update()
    )
    if payout is None or payout.status is not PayoutStatus.PAID:
        raise Conflict("Only a paid payout can be reversed.")
    sponsorship = session.get(Sponsorship, sponsorship_id)
    assert sponsorship is not None and payout.provider_reference is not None
    payout.reversal_reference = provider.reverse_transfer(
        payout.provider_reference,
        amount=payout.amount,
        idempotency_key=f"sponsorship:{sponsorship_id}:reversal",
    )
    payout.status = PayoutStatus.REVERSED
    ledger.post(
        session,
        reference=f"sponsorship:{sponsorship_id}:reversal",
        kind=ledger.REVERSAL,
        currency=payout.currency,
        campaign_id=sponsorship.campaign_id,
        sponsorship_id=sponsorship_id,
        legs=[
            (ledger.CLEARING, payout.amount),
            (ledger.available(sponsorship.campaign_id), -payout.amount),
        ],
        memo={"reversal": payout.reversal_reference},
    )
    session.flush()
    return payout


def list_payouts(
    session: Session, creator: Creator, *, page: int = 1, page_size: int = 20
) -> Page[Payout]:
    """The creator's payouts, newest first."""
    query = select(Payout).where(Payout.creator_id == creator.id).order_by(Payout.id.desc())
    return paginate(session, query, page, page_size)


def payout_totals(session: Session, creator: Creator) -> dict[str, dict[str, int]]:
    """The creator's payouts summed by status and currency, over all of them (not a page):
    ``{"paid": {"EUR": 40000}, "pending": {...}}``."""
    totals: dict[str, dict[str, int]] = {}
    for status, currency, amount in session.execute(
        select(Payout.status, Payout.currency, func.sum(Payout.amount))
        .where(Payout.creator_id == creator.id)
        .group_by(Payout.status, Payout.currency)
    ):
        totals.setdefault(str(getattr(status, "value", status)), {})[currency] = int(amount)
    return totals


# --- refunds ----------------------------------------------------------------------------------


def start_refund(
    session: Session, campaign: Campaign, provider: PaymentProvider, *, up_to: int | None = None
) -> CampaignRefund | None:
    """Send the campaign's uncommitted money back to the brand, with the fee on it.

    ``up_to`` refunds at most that much of it (one cancelled sponsorship's price on a campaign
    that goes on). The fee kept is always the fee on what was spent (or is still available),
    so refunds in several steps add up to the same fee as one refund at the end.
    """
    funding = session.scalar(
        select(CampaignFunding).where(
            CampaignFunding.campaign_id == campaign.id,
            CampaignFunding.status == FundingStatus.SUCCEEDED,
        )
    )
    if funding is None:
        return None
    pending = session.scalar(
        select(func.coalesce(func.sum(CampaignRefund.budget_part), 0)).where(
            CampaignRefund.campaign_id == campaign.id, CampaignRefund.status == RefundStatus.PENDING
        )
    )
    amount = remaining_funds(session, campaign) - int(pending or 0)
    if up_to is not None:
        amount = min(amount, up_to)
    if amount <= 0:
        return None
    money = ledger.campaign_money(session, campaign)
    spent_after = money.funded - money.refunded - int(pending or 0) - amount
    fee_kept_after = fee_on(spent_after, funding.fee_bps)
    already_refunded_fee = funding.fee - money.fees
    fee_part = max(0, funding.fee - already_refunded_fee - fee_kept_after)
    count = (
        session.scalar(
            select(func.count(CampaignRefund.id)).where(CampaignRefund.campaign_id == campaign.id)
        )
        or 0
    )
    refund = CampaignRefund(
        campaign_id=campaign.id,
        budget_part=amount,
        fee_part=fee_part,
        currency=campaign.currency,
        status=RefundStatus.PENDING,
        idempotency_key=f"campaign:{campaign.id}:refund:{count + 1}",
    )
    session.add(refund)
    session.flush()
    defer_job(session, "payments.jobs.execute_refund_job", refund.id, job_id=f"refund:{refund.id}")
    return refund


def pending_refund_ids(session: Session) -> list[int]:
    """Refunds still waiting for the provider."""
    query = select(CampaignRefund.id).where(CampaignRefund.status == RefundStatus.PENDING)
    return list(session.scalars(query.order_by(CampaignRefund.id)))


def requeue_lost_payment_jobs(
    session: Session, missing_jobs: Callable[[list[str]], set[str]]
) -> list[str]:
    """The orphan sweep for money: a pending payout or refund whose job is gone from RQ
    (``missing_jobs(keys)`` says which; lost with Redis, or never dispatched) gets it again,
    with the same job id. The job itself claims its payout, so money moves at most once.
    Returns the job keys queued again."""
    jobs = {
        f"payout:{i}": ("payments.jobs.execute_payout_job", i) for i in pending_payout_ids(session)
    }
    for refund_id in pending_refund_ids(session):
        jobs[f"refund:{refund_id}"] = ("payments.jobs.execute_refund_job", refund_id)
    if not jobs:
        return []
    lost = sorted(missing_jobs(list(jobs)))
    for key in lost:
        func, ident = jobs[key]
        defer_job(session, func, ident, job_id=key)
    return lost


def execute_refund(session: Session, refund_id: int, provider: PaymentProvider) -> bool:
    """Make a pending refund at the provider and book it; returns whether to retry later."""
    refund = session.get(CampaignRefund, refund_id, with_for_update=True)
    if refund is None or refund.status is not RefundStatus.PENDING:
        return False
    funding = session.scalar(
        select(CampaignFunding).where(CampaignFunding.campaign_id == refund.campaign_id)
    )
    refund.attempts += 1
    try:
        refund.provider_reference = provider.refund(
            payment_intent_id=funding.payment_intent_id if funding else None,
            amount=refund.total,
            idempotency_key=refund.idempotency_key,
        )
    except ProviderError as exc:
        refund.last_error = str(exc)[:500]
        if not exc.retryable:
            refund.status = RefundStatus.FAILED
        session.flush()
        return exc.retryable
    refund.status = RefundStatus.SUCCEEDED
    refund.settled_at = utcnow()
    ledger.post(
        session,
        reference=f"refund:{refund.id}",
        kind=ledger.REFUND,
        currency=refund.currency,
        campaign_id=refund.campaign_id,
        legs=[
            (ledger.available(refund.campaign_id), refund.budget_part),
            (ledger.REVENUE, refund.fee_part),
            (ledger.CLEARING, -refund.total),
        ],
        memo={"refund": refund.provider_reference},
    )
    notices.campaign_refunded(session, refund)
    session.flush()
    return False
