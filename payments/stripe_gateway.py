"""Stripe Connect through the official SDK: the only module that imports ``stripe``."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import stripe

from payments.providers import (
    AccountState,
    BalanceLine,
    FundingStart,
    PaymentIntentState,
    ProviderError,
)

T = TypeVar("T")


def _call(fn: Callable[[], T]) -> T:
    """Run one SDK call, turning Stripe's errors into ``ProviderError``."""
    try:
        return fn()
    except (stripe.APIConnectionError, stripe.RateLimitError) as exc:
        raise ProviderError(
            f"Stripe could not be reached: {exc.user_message or exc}", retryable=True
        ) from exc
    except stripe.APIError as exc:
        raise ProviderError(f"Stripe failed: {exc.user_message or exc}", retryable=True) from exc
    except stripe.StripeError as exc:
        raise ProviderError(f"Stripe refused: {exc.user_message or exc}", retryable=False) from exc


def _every(list_page: Callable[[dict[str, Any]], Any], params: dict[str, Any]) -> Iterator[Any]:
    """Every object of a Stripe list, reading page after page only as far as the caller goes
    (``params`` ask for the first page)."""
    while True:
        page = _call(lambda: list_page(params))  # noqa: B023
        yield from page.data
        if not page.has_more or not page.data:
            return
        params = {**params, "starting_after": page.data[-1].id}


def _made_with(objects: Iterator[Any], idempotency_key: str) -> str | None:
    """The id of the first object whose metadata carries ``idempotency_key``, if any."""
    for made in objects:
        if made.metadata and made.metadata.to_dict().get("idempotency_key") == idempotency_key:
            return str(made.id)
    return None


class StripeProvider:
    """Separate charges and transfers: the platform charges the brand, then transfers each
    creator's price from that charge (``source_transaction``) when the brand approves."""

    name = "stripe"
    needs_onboarding = True

    def __init__(
        self, *, api_key: str, api_base: str, max_network_retries: int = 2, timeout_s: float = 30
    ) -> None:
        self.client = stripe.StripeClient(
            api_key,
            base_addresses={"api": api_base.rstrip("/")},
            max_network_retries=max_network_retries,
            http_client=stripe.RequestsClient(timeout=timeout_s),
        )

    def start_funding(
        self, *, amount: int, currency: str, campaign_id: int, idempotency_key: str
    ) -> FundingStart:
        intent = _call(
            lambda: self.client.v1.payment_intents.create(
                {
                    "amount": amount,
                    "currency": currency.lower(),
                    "transfer_group": f"campaign_{campaign_id}",
                    "metadata": {"campaign_id": str(campaign_id)},
                    "automatic_payment_methods": {"enabled": True},
                },
                {"idempotency_key": idempotency_key},
            )
        )
        return FundingStart(
            succeeded=intent.status == "succeeded",
            payment_intent_id=intent.id,
            client_secret=intent.client_secret,
            charge_id=_charge_id(intent),
        )

    def payment_intent(self, payment_intent_id: str) -> PaymentIntentState:
        intent = _call(lambda: self.client.v1.payment_intents.retrieve(payment_intent_id))
        return PaymentIntentState(
            id=intent.id,
            status=intent.status,
            charge_id=_charge_id(intent),
            amount=intent.amount,
            currency=intent.currency.upper(),
        )

    def transfer(
        self,
        *,
        amount: int,
        currency: str,
        destination: str | None,
        source_charge: str | None,
        transfer_group: str,
        idempotency_key: str,
    ) -> str:
        if destination is None:
            raise ProviderError("the creator has no connected account yet", retryable=False)
        params: dict[str, Any] = {
            "amount": amount,
            "currency": currency.lower(),
            "destination": destination,
            "transfer_group": transfer_group,
        }
        if source_charge:
            params["source_transaction"] = source_charge

        def create() -> Any:
            try:
                return self.client.v1.transfers.create(params, {"idempotency_key": idempotency_key})  # type: ignore[arg-type]
            except stripe.InvalidRequestError as exc:
                if exc.code != "insufficient_capabilities_for_transfer":
                    raise
                # The account cannot take transfers (not yet, or not any more): the payout
                # waits, as for onboarding, instead of failing for good.
                raise ProviderError(
                    f"The creator's payout account cannot receive transfers yet: "
                    f"{exc.user_message or exc}",
                    retryable=True,
                ) from exc

        transfer = _call(create)
        return str(transfer.id)

    def find_transfer(self, transfer_group: str) -> str | None:
        found = _call(
            lambda: self.client.v1.transfers.list({"transfer_group": transfer_group, "limit": 1})
        )
        return str(found.data[0].id) if found.data else None

    def reverse_transfer(self, transfer_id: str, *, amount: int, idempotency_key: str) -> str:
        # Look before creating, as for refunds: a retry after Stripe forgot the key (24 h) must
        # find the reversal an earlier attempt made (its answer lost) instead of reversing again.
        earlier = self.find_reversal(transfer_id, idempotency_key)
        if earlier is not None:
            return earlier
        reversal = _call(
            lambda: self.client.v1.transfers.reversals.create(
                transfer_id,
                {"amount": amount, "metadata": {"idempotency_key": idempotency_key}},
                {"idempotency_key": idempotency_key},
            )
        )
        return str(reversal.id)

    def find_reversal(self, transfer_id: str, idempotency_key: str) -> str | None:
        """The transfer's reversal made with ``idempotency_key`` (in its metadata), if any."""
        reversals = _every(
            lambda params: self.client.v1.transfers.reversals.list(transfer_id, params),  # type: ignore[arg-type]
            {"limit": 100},
        )
        return _made_with(reversals, idempotency_key)

    def refund(self, *, payment_intent_id: str | None, amount: int, idempotency_key: str) -> str:
        if payment_intent_id is None:
            raise ProviderError("nothing was charged, so nothing can be refunded", retryable=False)
        # Look before creating: a retry after Stripe forgot the key (24 h) must find the refund
        # an earlier attempt made (its answer lost) instead of refunding again.
        earlier = self.find_refund(payment_intent_id, idempotency_key)
        if earlier is not None:
            return earlier
        refund = _call(
            lambda: self.client.v1.refunds.create(
                {
                    "payment_intent": payment_intent_id,
                    "amount": amount,
                    "metadata": {"idempotency_key": idempotency_key},
                },
                {"idempotency_key": idempotency_key},
            )
        )
        return str(refund.id)

    def find_refund(self, payment_intent_id: str, idempotency_key: str) -> str | None:
        """The intent's refund made with ``idempotency_key`` (in its metadata), if any; reads
        every page (a campaign refunded in many steps has more than one)."""
        refunds = _every(
            lambda params: self.client.v1.refunds.list(params),  # type: ignore[arg-type]
            {"payment_intent": payment_intent_id, "limit": 100},
        )
        return _made_with(refunds, idempotency_key)

    def create_connected_account(self, *, creator_id: int, email: str, idempotency_key: str) -> str:
        account = _call(
            lambda: self.client.v1.accounts.create(
                {
                    "type": "express",
                    "email": email,
                    "capabilities": {"transfers": {"requested": True}},
                    "metadata": {"creator_id": str(creator_id)},
                },
                {"idempotency_key": idempotency_key},
            )
        )
        return str(account.id)

    def onboarding_link(self, account_id: str, *, return_url: str, refresh_url: str) -> str:
        link = _call(
            lambda: self.client.v1.account_links.create(
                {
                    "account": account_id,
                    "type": "account_onboarding",
                    "return_url": return_url,
                    "refresh_url": refresh_url,
                }
            )
        )
        return str(link.url)

    def account(self, account_id: str) -> AccountState:
        account = _call(lambda: self.client.v1.accounts.retrieve(account_id))
        return AccountState(id=account.id, payouts_enabled=bool(account.payouts_enabled))

    def balance_lines(self) -> list[BalanceLine]:
        lines: list[BalanceLine] = []
        transactions = _every(
            lambda params: self.client.v1.balance_transactions.list(params),  # type: ignore[arg-type]
            {"limit": 100},
        )
        for bt in transactions:
            source = bt.source if isinstance(bt.source, str) or bt.source is None else bt.source.id
            lines.append(BalanceLine(bt.id, bt.type, bt.amount, bt.currency.upper(), source))
        return lines


WEBHOOK_TOLERANCE_S = stripe.Webhook.DEFAULT_TOLERANCE  # 5 minutes, either way


def verify_webhook(payload: bytes, signature: str | None, secret: str) -> Any:
    """Verify a webhook's signature on the raw body; raises ``ValueError`` when it fails.

    The SDK refuses a signature older than the tolerance; one dated further ahead than the
    tolerance (a replay signed with a clock set forward, or a forged date) is refused here.
    """
    try:
        stripe.WebhookSignature.verify_header(payload, signature, secret, WEBHOOK_TOLERANCE_S)
        if not isinstance(json.loads(payload), dict):  # the SDK would crash on a list or string
            raise ValueError("the event is not a JSON object")
        event = stripe.Webhook.construct_event(
            payload, signature, secret, tolerance=WEBHOOK_TOLERANCE_S
        )
    except stripe.SignatureVerificationError as exc:
        raise ValueError(f"bad signature: {exc.user_message or exc}") from exc
    except ValueError as exc:
        raise ValueError(f"malformed event: {exc}") from exc
    # construct_event has read the header the same way: its first ``t=`` is an integer.
    items = (item.partition("=") for item in (signature or "").split(","))
    timestamp = next(int(value) for key, _, value in items if key == "t")
    if timestamp > time.time() + WEBHOOK_TOLERANCE_S:
        raise ValueError(f"bad signature: timestamp {timestamp} is in the future")
    return event


def _charge_id(intent: Any) -> str | None:
    charge = getattr(intent, "latest_charge", None)
    if charge is None or isinstance(charge, str):
        return charge
    return str(charge.id)
