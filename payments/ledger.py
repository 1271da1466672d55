"""The double-entry ledger: every movement is a balanced set of entries in minor units.

Accounts (codes; one currency each):
- ``provider:clearing``          money held at the payment provider for Dandelion (asset)
- ``campaign:<id>:available``    a brand's funds not yet committed to any creator (liability)
- ``campaign:<id>:committed``    funds promised to creators through accepted offers (liability)
- ``creator:<id>:payable``       approved work not yet transferred to the creator (liability)
- ``platform:revenue``           the platform fee (income)
- ``campaign:<id>:refunded`` / ``campaign:<id>:paid`` are not accounts: they are derived from
  transaction kinds, so a campaign's funding = paid + committed + remaining + refunded holds by
  construction and is checked by ``check_ledger``.

Sign convention: debits positive, credits negative; each transaction sums to zero per currency.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from campaigns.models import Campaign, CampaignStatus
from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction

CLEARING = "provider:clearing"
REVENUE = "platform:revenue"


def available(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:available"


def committed(campaign_id: int) -> str:
    return f"campaign:{campaign_id}:committed"


def payable(creator_id: int) -> str:
    return f"creator:{creator_id}:payable"


class UnbalancedTransaction(ValueError):
    """The legs of a transaction do not sum to zero."""


def _account(session: Session, code: str, currency: str) -> LedgerAccount:
    account = session.scalar(
        select(LedgerAccount).where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    )
    if account is None:
        try:
            with session.begin_nested():
                account = LedgerAccount(code=code, currency=currency)
                session.add(account)
        except IntegrityError:  # created concurrently: use that one
            account = session.scalar(
                select(LedgerAccount).where(
                    LedgerAccount.code == code, LedgerAccount.currency == currency
                )
            )
            assert account is not None
    return account


def post(
    session: Session,
    *,
    reference: str,
    kind: str,
    currency: str,
    legs: list[tuple[str, int]],
    campaign_id: int | None = None,
    sponsorship_id: int | None = None,
    memo: dict[str, Any] | None = None,
) -> LedgerTransaction:
    """Post a balanced transaction once: a second post with the same ``reference`` is a no-op.

    ``legs`` are ``(account code, amount)`` with debits positive and credits negative.
    """
    existing = session.scalar(
        select(LedgerTransaction).where(LedgerTransaction.reference == reference)
    )
    if existing is not None:
        return existing
    if sum(amount for _, amount in legs) != 0:
        raise UnbalancedTransaction(f"{reference}: legs sum to {sum(a for _, a in legs)}")
    if any(isinstance(a, bool) or not isinstance(a, int) for _, a in legs):
        raise TypeError("ledger amounts are integers in minor units")
    txn = LedgerTransaction(
        reference=reference,
        kind=kind,
        campaign_id=campaign_id,
        sponsorship_id=sponsorship_id,
        memo=memo or {},
    )
    session.add(txn)
    for code, amount in legs:
        if amount:
            session.add(
                LedgerEntry(
                    transaction=txn,
                    account=_account(session, code, currency),
                    amount=amount,
                    currency=currency,
                )
            )
    session.flush()
    return txn


def balance(session: Session, code: str, currency: str) -> int:
    """The balance of account ``code`` (debits positive)."""
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount), 0))
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerAccount.code == code, LedgerAccount.currency == currency)
    )
    return int(total or 0)


@dataclass
class CampaignMoney:
    """A campaign's money in its currency's minor units, straight from the ledger."""

    funded: int = 0  # budget received (the fee is the platform's, not the campaign's)
    committed: int = 0
    paid: int = 0  # moved to creators (payable or transferred)
    refunded: int = 0
    remaining: int = 0
    fees: int = 0  # platform fee kept (fee charged minus fee refunded)
    fee_charged: int = 0  # the platform fee the brand paid with the funding
    fee_refunded: int = 0  # the part of that fee returned with refunds
    series: list[dict[str, Any]] = field(default_factory=list)


# Per transaction kind: which movement of a campaign's money it is.
FUNDING, COMMIT, RELEASE, PAYOUT, REFUND, REVERSAL, TRANSFER = (
    "funding", "commit", "release", "payout", "refund", "reversal", "transfer",
)  # fmt: skip


def campaign_money(session: Session, campaign: Campaign) -> CampaignMoney:
    """Funded, committed, paid, refunded, remaining and fees for ``campaign``, with a time series."""
    money = CampaignMoney()
    rows = session.execute(
        select(
            LedgerTransaction.id,
            LedgerTransaction.kind,
            LedgerTransaction.created_at,
            LedgerAccount.code,
            LedgerEntry.amount,
        )
        .join(LedgerEntry, LedgerEntry.transaction_id == LedgerTransaction.id)
        .join(LedgerAccount, LedgerAccount.id == LedgerEntry.account_id)
        .where(LedgerTransaction.campaign_id == campaign.id)
        .order_by(LedgerTransaction.created_at, LedgerTransaction.id)
    ).all()
    avail, comm = available(campaign.id), committed(campaign.id)
    point_of: int | None = None  # the transaction the last point of the series stands for
    for txn_id, kind, created_at, code, amount in rows:
        if code == avail:
            money.remaining -= amount  # liabilities grow with credits
            if kind == FUNDING:
                money.funded -= amount
            elif kind == REFUND:
                money.refunded += amount
            elif kind == REVERSAL:  # a paid creator's transfer came back to the campaign
                money.paid += amount
        elif code == comm:
            money.committed -= amount
            if kind == PAYOUT:
                money.paid += amount
        elif code == REVENUE:
            money.fees -= amount
            if kind == FUNDING:
                money.fee_charged -= amount
            elif kind == REFUND:
                money.fee_refunded += amount
        if code in (avail, comm):
            point = {
                "at": created_at,
                "funded": money.funded,
                "committed": money.committed,
                "paid": money.paid,
                "refunded": money.refunded,
            }
            # One point per transaction, after all its legs (a commit moves money between two
            # of the campaign's accounts: half of it is not a state worth plotting).
            if money.series and point_of == txn_id:
                money.series[-1] = point
            else:
                money.series.append(point)
            point_of = txn_id
    return money


@dataclass
class LedgerReport:
    """What ``check_ledger`` found: empty ``breaches`` means the books balance."""

    transactions: int
    entries: int
    campaigns: int
    breaches: list[str]

    @property
    def ok(self) -> bool:
        return not self.breaches


# a campaign in one of these states (or ever funded) must have its funding in the ledger
FUNDED_STATES = (CampaignStatus.FUNDED, CampaignStatus.PUBLISHED, CampaignStatus.COMPLETED)


def check_ledger(session: Session) -> LedgerReport:
    """Prove the books: every transaction balances, the ledger sums to zero per currency, each
    campaign's funding = paid + committed + remaining + refunded with no negative part, and every
    funded, published or completed campaign has its funding entry."""
    breaches: list[str] = []
    per_txn: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_currency: dict[str, int] = defaultdict(int)
    entries = 0
    for txn_id, currency, amount in session.execute(
        select(LedgerEntry.transaction_id, LedgerEntry.currency, LedgerEntry.amount)
    ):
        per_txn[txn_id][currency] += amount
        per_currency[currency] += amount
        entries += 1
    for txn_id, sums in per_txn.items():
        for currency, total in sums.items():
            if total != 0:
                breaches.append(f"transaction {txn_id} is unbalanced by {total} {currency}")
    for currency, total in per_currency.items():
        if total != 0:
            breaches.append(f"the ledger does not sum to zero in {currency}: {total}")
    campaign_ids = session.scalars(
        select(LedgerTransaction.campaign_id)
        .where(LedgerTransaction.campaign_id.is_not(None))
        .distinct()
    ).all()
    for campaign in session.scalars(select(Campaign).where(Campaign.id.in_(campaign_ids))):
        m = campaign_money(session, campaign)
        if m.funded != m.paid + m.committed + m.remaining + m.refunded:
            breaches.append(
                f"campaign {campaign.id}: funded {m.funded} != paid {m.paid} + committed "
                f"{m.committed} + remaining {m.remaining} + refunded {m.refunded}"
            )
        for name in ("committed", "remaining", "paid", "refunded"):
            if getattr(m, name) < 0:
                breaches.append(f"campaign {campaign.id}: {name} is negative ({getattr(m, name)})")
        if m.funded > campaign.budget_amount:
            breaches.append(f"campaign {campaign.id}: funded {m.funded} exceeds its budget")
    funded_ids = set(
        session.scalars(
            select(LedgerTransaction.campaign_id)
            .where(LedgerTransaction.kind == FUNDING)
            .distinct()
        )
    )
    for campaign_id, status in session.execute(
        select(Campaign.id, Campaign.status)
        .where(Campaign.status.in_(FUNDED_STATES) | Campaign.funded_at.is_not(None))
        .order_by(Campaign.id)
    ):
        if campaign_id not in funded_ids:
            breaches.append(
                f"campaign {campaign_id} is {status.value} but has no funding entry in the ledger"
            )
    transactions = session.scalar(select(func.count(LedgerTransaction.id))) or 0
    return LedgerReport(transactions, entries, len(campaign_ids), breaches)
