"""Payment providers behind one interface: ``ledger`` (money moves only in our books) and
``stripe`` (Stripe Connect, separate charges and transfers; see ``payments.stripe_gateway``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol


class ProviderError(Exception):
    """The provider refused or could not be reached; ``retryable`` says if trying again may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True)
class FundingStart:
    """The provider's answer to a funding request."""

    succeeded: bool
    payment_intent_id: str | None = None
    client_secret: str | None = None
    charge_id: str | None = None


@dataclass(frozen=True)
class PaymentIntentState:
    """A payment intent as the provider sees it now."""

    id: str
    status: str
    charge_id: str | None
    amount: int
    currency: str


@dataclass(frozen=True)
class AccountState:
    """A creator's connected account as the provider sees it now."""

    id: str
    payouts_enabled: bool


@dataclass(frozen=True)
class BalanceLine:
    """One balance transaction at the provider, for reconciliation."""

    id: str
    type: str  # charge, refund, transfer, transfer_refund (a reversal): Stripe's names
    amount: int  # signed, minor units, as the provider reports it
    currency: str
    source: str | None  # the charge / refund / transfer / reversal id


class PaymentProvider(Protocol):
    """What the payment services need from a provider. Every money-moving call takes a
    deterministic idempotency key derived from our own row."""

    name: str
    needs_onboarding: bool

    def start_funding(
        self, *, amount: int, currency: str, campaign_id: int, idempotency_key: str
    ) -> FundingStart: ...

    def payment_intent(self, payment_intent_id: str) -> PaymentIntentState: ...

    def transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str | None,
        source_charge: str | None,
        transfer_group: str,
        idempotency_key: str,
    ) -> str: ...

    def find_transfer(self, transfer_group: str) -> str | None: ...

    def reverse_transfer(self, transfer_id: str, *, amount: int, idempotency_key: str) -> str: ...

    def refund(
        self, *, payment_intent_id: str | None, amount: int, idempotency_key: str
    ) -> str: ...

    def create_connected_account(
        self, *, creator_id: int, email: str, idempotency_key: str
    ) -> str: ...

    def onboarding_link(self, account_id: str, *, return_url: str, refresh_url: str) -> str: ...

    def account(self, account_id: str) -> AccountState: ...

    def balance_lines(self) -> list[BalanceLine]: ...


class LedgerProvider:
    """Embedded default: the brand and creators settle outside Dandelion; every call succeeds
    at once and the ledger is the only record."""

    name = "ledger"
    needs_onboarding = False

    def start_funding(self, **_: Any) -> FundingStart:
        return FundingStart(succeeded=True)

    def payment_intent(self, payment_intent_id: str) -> PaymentIntentState:
        raise ProviderError("the ledger provider has no payment intents", retryable=False)

    def transfer(self, *, idempotency_key: str, **_: Any) -> str:
        return f"ledger:{idempotency_key}"

    def find_transfer(self, transfer_group: str) -> str | None:
        return None

    def reverse_transfer(self, transfer_id: str, *, idempotency_key: str, **_: Any) -> str:
        return f"ledger:{idempotency_key}"

    def refund(self, *, idempotency_key: str, **_: Any) -> str:
        return f"ledger:{idempotency_key}"

    def create_connected_account(self, **_: Any) -> str:
        raise ProviderError("payouts happen outside Dandelion in ledger mode", retryable=False)

    def onboarding_link(self, account_id: str, **_: Any) -> str:
        raise ProviderError("payouts happen outside Dandelion in ledger mode", retryable=False)

    def account(self, account_id: str) -> AccountState:
        raise ProviderError("payouts happen outside Dandelion in ledger mode", retryable=False)

    def balance_lines(self) -> list[BalanceLine]:
        return []


def build_provider(config: dict[str, Any]) -> PaymentProvider:
    """The provider named by ``PAYMENTS_PROVIDER`` in ``config``."""
    if config["PAYMENTS_PROVIDER"] == "stripe":
        from payments.stripe_gateway import StripeProvider

        return StripeProvider(
            api_key=config["STRIPE_SECRET_KEY"],
            api_base=config["STRIPE_API_BASE"],
            max_network_retries=config["STRIPE_MAX_NETWORK_RETRIES"],
            timeout_s=config["STRIPE_TIMEOUT_S"],
        )
    return LedgerProvider()
