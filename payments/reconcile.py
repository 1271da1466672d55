"""Reconciliation: our ledger against the provider's balance transactions."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from payments.models import (
    CampaignFunding,
    CampaignRefund,
    FundingStatus,
    Payout,
    PayoutStatus,
    RefundStatus,
)
from payments.providers import PaymentProvider

# Stripe books some non-card payments (bank debits) as ``payment`` and their refunds as
# ``payment_refund``; to us they are a charge and a refund like any other.
BOOKED_AS = {"payment": "charge", "payment_refund": "refund"}


@dataclass
class Reconciliation:
    """Every difference between what we booked and what the provider moved."""

    provider: str
    checked: int = 0
    differences: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.differences


def reconcile(session: Session, provider: PaymentProvider) -> Reconciliation:
    """Match each provider balance transaction to our funding, refund, payout or reversal,
    and each of ours to the provider's, comparing amounts and currencies."""
    report = Reconciliation(provider.name)
    if provider.name == "ledger":
        return report  # money moves only in our books: nothing outside to compare with
    expected: dict[tuple[str, str], tuple[int, str, str]] = {}
    for f in session.scalars(
        select(CampaignFunding).where(CampaignFunding.status == FundingStatus.SUCCEEDED)
    ):
        expected[("charge", f.charge_id or "?")] = (
            f.total,
            f.currency,
            f"funding of campaign {f.campaign_id}",
        )
    for r in session.scalars(
        select(CampaignRefund).where(CampaignRefund.status == RefundStatus.SUCCEEDED)
    ):
        expected[("refund", r.provider_reference or "?")] = (
            -r.total,
            r.currency,
            f"refund {r.id} of campaign {r.campaign_id}",
        )
    for p in session.scalars(
        select(Payout).where(Payout.status.in_((PayoutStatus.PAID, PayoutStatus.REVERSED)))
    ):
        expected[("transfer", p.provider_reference or "?")] = (
            -p.amount,
            p.currency,
            f"payout for sponsorship {p.sponsorship_id}",
        )
        if p.status is PayoutStatus.REVERSED:
            # Stripe's balance transaction type for a transfer reversal is ``transfer_refund``.
            expected[("transfer_refund", p.reversal_reference or "?")] = (
                p.amount,
                p.currency,
                f"reversal for sponsorship {p.sponsorship_id}",
            )
    seen: set[tuple[str, str]] = set()
    for line in provider.balance_lines():
        report.checked += 1
        key = (BOOKED_AS.get(line.type, line.type), line.source or "?")
        if key not in expected:
            report.differences.append(
                f"{line.type} {line.source} ({line.amount} {line.currency}) at the provider is not in our ledger"
            )
            continue
        seen.add(key)
        amount, currency, what = expected[key]
        if (amount, currency) != (line.amount, line.currency):
            report.differences.append(
                f"{what}: we booked {amount} {currency}, the provider moved {line.amount} {line.currency}"
            )
    for key in expected.keys() - seen:
        amount, currency, what = expected[key]
        report.differences.append(
            f"{what} ({amount} {currency}, {key[0]} {key[1]}) is missing at the provider"
        )
    report.differences.sort()
    return report
