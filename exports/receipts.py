"""Receipts a brand can print: one for each funding of a campaign and one for each refund."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from campaigns.models import Campaign
from core.errors import NotFound
from core.money import Money
from payments.models import CampaignFunding, CampaignRefund, FundingStatus, RefundStatus


@dataclass(frozen=True)
class Receipt:
    """What a receipt shows; amounts in the campaign's currency."""

    kind: str  # "funding" | "refund"
    number: str  # e.g. ``F-12`` / ``R-3``: stable, from our own row
    campaign: Campaign
    brand_name: str
    at: datetime
    budget: Money  # the budget paid in, or the budget part refunded
    fee: Money  # the platform fee charged, or the fee part refunded
    fee_bps: int | None  # the fee rate (fundings only)
    total: Money
    provider: str
    provider_reference: str | None  # Stripe's charge (or PaymentIntent) or refund id
    ledger_reference: str  # our ledger transaction's reference, in every mode

    @property
    def title(self) -> str:
        return "Payment receipt" if self.kind == "funding" else "Refund receipt"


def funding_receipt(session: Session, campaign: Campaign) -> Receipt:
    """The receipt of the campaign's funding; 404 until the payment has gone through."""
    funding = session.scalar(
        select(CampaignFunding).where(
            CampaignFunding.campaign_id == campaign.id,
            CampaignFunding.status == FundingStatus.SUCCEEDED,
        )
    )
    if funding is None:
        raise NotFound("This campaign has no payment to show a receipt for.")
    cur = funding.currency
    return Receipt(
        kind="funding",
        number=f"F-{funding.id}",
        campaign=campaign,
        brand_name=campaign.brand.name,
        at=funding.succeeded_at or funding.created_at,
        budget=Money(funding.budget, cur),
        fee=Money(funding.fee, cur),
        fee_bps=funding.fee_bps,
        total=Money(funding.total, cur),
        provider=funding.provider,
        provider_reference=funding.charge_id or funding.payment_intent_id,
        ledger_reference=f"campaign:{campaign.id}:funding",
    )


def settled_refunds(session: Session, campaign: Campaign) -> list[CampaignRefund]:
    """The campaign's refunds that have reached the brand, oldest first."""
    return list(
        session.scalars(
            select(CampaignRefund)
            .where(
                CampaignRefund.campaign_id == campaign.id,
                CampaignRefund.status == RefundStatus.SUCCEEDED,
            )
            .order_by(CampaignRefund.id)
        )
    )


def refund_receipt(session: Session, campaign: Campaign, refund_id: int) -> Receipt:
    """The receipt of one settled refund of the campaign; another campaign's refund is a 404."""
    refund = session.scalar(
        select(CampaignRefund).where(
            CampaignRefund.id == refund_id,
            CampaignRefund.campaign_id == campaign.id,
            CampaignRefund.status == RefundStatus.SUCCEEDED,
        )
    )
    if refund is None:
        raise NotFound("Refund not found.")
    cur = refund.currency
    return Receipt(
        kind="refund",
        number=f"R-{refund.id}",
        campaign=campaign,
        brand_name=campaign.brand.name,
        at=refund.settled_at or refund.created_at,
        budget=Money(refund.budget_part, cur),
        fee=Money(refund.fee_part, cur),
        fee_bps=None,
        total=Money(refund.total, cur),
        provider=_provider_of(session, campaign),
        provider_reference=refund.provider_reference,
        ledger_reference=f"refund:{refund.id}",
    )


def _provider_of(session: Session, campaign: Campaign) -> str:
    provider = session.scalar(
        select(CampaignFunding.provider).where(CampaignFunding.campaign_id == campaign.id)
    )
    return provider or "ledger"
