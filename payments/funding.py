"""Funding a campaign through the configured payment provider.

The seam between campaigns and payments: campaigns ask for funding and learn whether it is
complete (ledger mode) or awaits the brand's payment (a provider that confirms later).
"""

from __future__ import annotations

from dataclasses import dataclass

from campaigns.models import Campaign
from core.money import fee_on


@dataclass(frozen=True)
class FundingResult:
    """What the brand owes and whether the money is already in."""

    provider: str
    status: str  # "succeeded" or "requires_payment"
    amount: int  # budget + platform fee, minor units
    fee: int
    currency: str
    client_secret: str | None = None


def start_funding(campaign: Campaign, *, provider: str, fee_bps: int) -> FundingResult:
    """Ask ``provider`` to collect the campaign's budget plus the platform fee."""
    fee = fee_on(campaign.budget_amount, fee_bps)
    if provider != "ledger":
        raise ValueError(f"payment provider {provider!r} is not available")
    # Ledger mode: the brand pays outside Dandelion; the money counts as received at once.
    return FundingResult(
        provider="ledger",
        status="succeeded",
        amount=campaign.budget_amount + fee,
        fee=fee,
        currency=campaign.currency,
    )
