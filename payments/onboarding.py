"""Creators' payout onboarding (Stripe Connect connected accounts)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from accounts.models import Creator
from core.errors import Conflict
from payments.providers import PaymentProvider


@dataclass(frozen=True)
class PayoutAccount:
    """Where a creator stands with payouts, and the link to finish onboarding."""

    provider: str
    account_id: str | None
    payouts_enabled: bool
    onboarding_url: str | None


def payout_account(creator: Creator, provider: PaymentProvider) -> PayoutAccount:
    """The creator's payout status without creating anything."""
    return PayoutAccount(provider.name, creator.stripe_account_id, creator.payouts_enabled, None)


def start_onboarding(
    session: Session,
    creator: Creator,
    provider: PaymentProvider,
    *,
    return_url: str,
    refresh_url: str,
) -> PayoutAccount:
    """Create the creator's connected account once and hand out a fresh onboarding link."""
    if not provider.needs_onboarding:
        raise Conflict("Payouts are settled outside Dandelion on this installation.")
    if creator.stripe_account_id is None:
        creator.stripe_account_id = provider.create_connected_account(
            creator_id=creator.id,
            email=creator.account.email,
            idempotency_key=f"creator:{creator.id}:account",
        )
        session.flush()
    url = provider.onboarding_link(
        creator.stripe_account_id, return_url=return_url, refresh_url=refresh_url
    )
    return PayoutAccount(provider.name, creator.stripe_account_id, creator.payouts_enabled, url)
