"""Payment intents, charges and refunds."""

from __future__ import annotations

import copy
import secrets
from dataclasses import dataclass
from typing import Any

from ..encoding import merge_metadata, parse_bool
from ..errors import StripeError, invalid_request
from ..state import Request, State, new_id, now
from .ledger import record_balance_transaction

MINIMUM_AMOUNT = 50
CONFIRMABLE = ("requires_payment_method", "requires_confirmation")
CANCELABLE = (*CONFIRMABLE, "requires_action", "requires_capture", "processing")
REFUND_REASONS = ("duplicate", "fraudulent", "requested_by_customer")


@dataclass(frozen=True)
class CardBehaviour:
    """What a test payment method does when confirmed."""

    brand: str
    last4: str
    decline_code: str | None = None
    error_code: str = "card_declined"
    message: str = "Your card was declined."
    # How the platform's balance books it: ``charge`` for cards; Stripe books some non-card
    # payments (bank debits) as ``payment`` (their charges are ``py_...``, their refunds
    # ``payment_refund``).
    balance_type: str = "charge"


TEST_PAYMENT_METHODS: dict[str, CardBehaviour] = {
    "pm_card_visa": CardBehaviour("visa", "4242"),
    "pm_card_mastercard": CardBehaviour("mastercard", "4444"),
    "pm_card_amex": CardBehaviour("amex", "8431"),
    "pm_card_chargeDeclined": CardBehaviour("visa", "0002", "generic_decline"),
    "pm_sepaDebit": CardBehaviour("sepa_debit", "3000", balance_type="payment"),
    "pm_card_chargeDeclinedInsufficientFunds": CardBehaviour(
        "visa", "9995", "insufficient_funds", message="Your card has insufficient funds."
    ),
    "pm_card_chargeDeclinedFraudulent": CardBehaviour("visa", "0019", "fraudulent"),
    "pm_card_chargeDeclinedExpiredCard": CardBehaviour(
        "visa", "0069", "expired_card", "expired_card", "Your card has expired."
    ),
}


# -- payment intents -----------------------------------------------------------------------------


def create_payment_intent(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow(
        "amount", "currency", "transfer_group", "metadata", "automatic_payment_methods",
        "payment_method", "payment_method_types", "confirm", "description", "receipt_email",
        "customer", "statement_descriptor", "statement_descriptor_suffix", "on_behalf_of",
        "capture_method", "setup_future_usage", "return_url", "off_session",
        "application_fee_amount", "transfer_data",
    )  # fmt: skip
    amount = _amount(p.int("amount", required=True))
    currency = p.currency(required=True)
    payment_method = p.str("payment_method")
    if payment_method:
        _test_card(payment_method)
    automatic = p.dict("automatic_payment_methods")
    pi_id = new_id("pi")
    intent = {
        "id": pi_id,
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": 0,
        "amount_received": 0,
        "application_fee_amount": p.int("application_fee_amount"),
        "automatic_payment_methods": (
            {
                "enabled": parse_bool(
                    automatic.get("enabled", "false"), "automatic_payment_methods"
                ),
                "allow_redirects": automatic.get("allow_redirects", "always"),
            }
            if automatic
            else None
        ),
        "canceled_at": None,
        "cancellation_reason": None,
        "capture_method": p.str("capture_method") or "automatic_async",
        "client_secret": f"{pi_id}_secret_{secrets.token_urlsafe(18)}",
        "confirmation_method": "automatic",
        "created": now(),
        "currency": currency,
        "customer": p.str("customer"),
        "description": p.str("description"),
        "last_payment_error": None,
        "latest_charge": None,
        "livemode": False,
        "metadata": p.metadata() or {},
        "next_action": None,
        "on_behalf_of": p.str("on_behalf_of"),
        "payment_method": payment_method,
        "payment_method_types": p.list("payment_method_types") or ["card"],
        "receipt_email": p.str("receipt_email"),
        "setup_future_usage": p.str("setup_future_usage"),
        "statement_descriptor": p.str("statement_descriptor"),
        "statement_descriptor_suffix": p.str("statement_descriptor_suffix"),
        "status": "requires_confirmation" if payment_method else "requires_payment_method",
        "transfer_data": p.dict("transfer_data"),
        "transfer_group": p.str("transfer_group"),
    }
    confirm = p.bool("confirm")
    if confirm and not payment_method:
        raise _missing_payment_method()
    state.add(intent)
    state.emit("payment_intent.created", intent, req)
    if confirm:
        assert payment_method is not None
        return confirm_intent(state, req, intent, payment_method)
    return intent


def retrieve_payment_intent(state: State, req: Request) -> dict[str, Any]:
    req.params.allow("client_secret")
    return state.get(req.path_args["id"], "payment_intent")


def update_payment_intent(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("amount", "currency", "metadata", "description", "transfer_group", "payment_method",
            "receipt_email")  # fmt: skip
    intent = state.get(req.path_args["id"], "payment_intent")
    amount = p.int("amount")
    currency = p.currency()
    payment_method = p.str("payment_method")
    metadata = p.metadata()
    if (amount is not None or currency or payment_method) and intent["status"] not in CONFIRMABLE:
        raise _unexpected_state(intent, "update")
    if payment_method:
        _test_card(payment_method)
    previous = copy.deepcopy(intent)
    if amount is not None:
        intent["amount"] = _amount(amount)
    if currency:
        intent["currency"] = currency
    if payment_method:
        intent["payment_method"] = payment_method
        intent["status"] = "requires_confirmation"
    if metadata is not None:
        intent["metadata"] = merge_metadata(intent["metadata"], metadata)
    for name in ("description", "transfer_group", "receipt_email"):
        if p.str(name) is not None:
            intent[name] = p.str(name)
    changed = {k: v for k, v in previous.items() if intent.get(k) != v}
    if changed:
        state.emit("payment_intent.updated", intent, req, previous=changed)
    return intent


def confirm_payment_intent(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("payment_method", "return_url", "off_session", "receipt_email", "setup_future_usage",
            "payment_method_types", "error_on_requires_action", "mandate_data", "capture_method",
            "use_stripe_sdk", "client_secret")  # fmt: skip
    intent = state.get(req.path_args["id"], "payment_intent")
    payment_method = p.str("payment_method") or intent["payment_method"]
    if intent["status"] not in CONFIRMABLE:
        raise _unexpected_state(intent, "confirm")
    if not payment_method:
        raise _missing_payment_method()
    return confirm_intent(state, req, intent, payment_method)


def confirm_intent(
    state: State, req: Request | None, intent: dict[str, Any], payment_method: str
) -> dict[str, Any]:
    """Charge the test card: success creates a paid charge, a decline raises a 402 card error."""
    card = _test_card(payment_method)
    intent["payment_method"] = payment_method
    charge = _new_charge(state, intent, card, payment_method)
    intent["latest_charge"] = charge["id"]
    if card.decline_code:
        error = {
            "type": "card_error",
            "code": card.error_code,
            "decline_code": card.decline_code,
            "message": card.message,
            "charge": charge["id"],
            "payment_method": {"id": payment_method, "object": "payment_method", "type": "card"},
        }
        intent["status"] = "requires_payment_method"
        intent["payment_method"] = None
        intent["last_payment_error"] = error
        state.emit("charge.failed", charge, req)
        state.emit("payment_intent.payment_failed", intent, req)
        raise StripeError(
            402,
            "card_error",
            card.message,
            code=card.error_code,
            extra={
                "decline_code": card.decline_code,
                "charge": charge["id"],
                "payment_intent": copy.deepcopy(intent),
                "payment_method": error["payment_method"],
            },
        )
    txn = record_balance_transaction(
        state, card.balance_type, charge["amount"], charge["currency"], charge["id"],
        fee=state.fee_for(charge["amount"]), description=intent["description"],
    )  # fmt: skip
    charge["balance_transaction"] = txn["id"]
    intent["status"] = "succeeded"
    intent["amount_received"] = intent["amount"]
    intent["last_payment_error"] = None
    state.emit("charge.succeeded", charge, req)
    state.emit("payment_intent.succeeded", intent, req)
    return intent


def cancel_payment_intent(state: State, req: Request) -> dict[str, Any]:
    req.params.allow("cancellation_reason")
    reason = req.params.choice(
        "cancellation_reason", ("duplicate", "fraudulent", "requested_by_customer", "abandoned")
    )
    intent = state.get(req.path_args["id"], "payment_intent")
    if intent["status"] not in CANCELABLE:
        raise _unexpected_state(intent, "cancel")
    intent["status"] = "canceled"
    intent["canceled_at"] = now()
    intent["cancellation_reason"] = reason
    state.emit("payment_intent.canceled", intent, req)
    return intent


def list_payment_intents(state: State, req: Request) -> dict[str, Any]:
    req.params.allow("limit", "starting_after", "ending_before", "created", "customer")
    customer = req.params.str("customer")
    items = [i for i in state.all("payment_intent") if not customer or i["customer"] == customer]
    return state.paginate(items, req.params, "/v1/payment_intents")


def _amount(amount: int | None) -> int:
    assert amount is not None
    if amount < MINIMUM_AMOUNT:
        raise invalid_request(
            f"Amount must be at least {MINIMUM_AMOUNT} cents",
            param="amount",
            code="amount_too_small",
        )
    return amount


def _test_card(payment_method: str) -> CardBehaviour:
    card = TEST_PAYMENT_METHODS.get(payment_method)
    if card is None:
        raise invalid_request(
            f"No such PaymentMethod: '{payment_method}'",
            param="payment_method",
            code="resource_missing",
        )
    return card


def _unexpected_state(intent: dict[str, Any], action: str) -> StripeError:
    return invalid_request(
        f"This PaymentIntent's {action} could not be performed because it has a status of "
        f"{intent['status']}.",
        code="payment_intent_unexpected_state",
    )


def _missing_payment_method() -> StripeError:
    return invalid_request(
        "You cannot confirm this PaymentIntent because it's missing a payment method. "
        "Update the PaymentIntent with a payment method and then confirm it again.",
        code="payment_intent_unexpected_state",
    )


# -- charges -------------------------------------------------------------------------------------


def _new_charge(
    state: State, intent: dict[str, Any], card: CardBehaviour, payment_method: str
) -> dict[str, Any]:
    failed = card.decline_code is not None
    charge = {
        "id": new_id("py" if card.balance_type == "payment" else "ch"),
        "object": "charge",
        "amount": intent["amount"],
        "amount_captured": 0 if failed else intent["amount"],
        "amount_refunded": 0,
        "application_fee_amount": intent["application_fee_amount"],
        "balance_transaction": None,
        "billing_details": {"address": None, "email": None, "name": None, "phone": None},
        "captured": not failed,
        "created": now(),
        "currency": intent["currency"],
        "customer": intent["customer"],
        "description": intent["description"],
        "failure_code": card.error_code if failed else None,
        "failure_message": card.message if failed else None,
        "livemode": False,
        "metadata": dict(intent["metadata"]),
        "on_behalf_of": intent["on_behalf_of"],
        "outcome": {
            "network_status": "declined_by_network" if failed else "approved_by_network",
            "reason": card.decline_code,
            "risk_level": "normal",
            "seller_message": "The bank did not return any further details with this decline."
            if failed
            else "Payment complete.",
            "type": "issuer_declined" if failed else "authorized",
        },
        "paid": not failed,
        "payment_intent": intent["id"],
        "payment_method": payment_method,
        "payment_method_details": {
            "type": "card",
            "card": {"brand": card.brand, "last4": card.last4, "exp_month": 12, "exp_year": 2034},
        },
        "receipt_email": intent["receipt_email"],
        "refunded": False,
        "status": "failed" if failed else "succeeded",
        "transfer_data": intent["transfer_data"],
        "transfer_group": intent["transfer_group"],
    }
    return state.add(charge)


def retrieve_charge(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    return state.get(req.path_args["id"], "charge")


def list_charges(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("limit", "starting_after", "ending_before", "created", "payment_intent",
            "transfer_group", "customer")  # fmt: skip
    filters = {k: p.str(k) for k in ("payment_intent", "transfer_group", "customer")}
    items = [
        c
        for c in state.all("charge")
        if all(value is None or c[key] == value for key, value in filters.items())
    ]
    return state.paginate(items, p, "/v1/charges")


# -- refunds -------------------------------------------------------------------------------------


def create_refund(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("charge", "payment_intent", "amount", "reason", "metadata", "reverse_transfer",
            "refund_application_fee", "instructions_email")  # fmt: skip
    charge = _refundable_charge(state, p.str("charge"), p.str("payment_intent"))
    amount = p.positive_int("amount")
    reason = p.choice("reason", REFUND_REASONS)
    metadata = p.metadata() or {}
    remaining = charge["amount"] - charge["amount_refunded"]
    if remaining <= 0:
        raise invalid_request(
            f"Charge {charge['id']} has already been refunded.",
            param="charge",
            code="charge_already_refunded",
        )
    amount = remaining if amount is None else amount
    if amount > remaining:
        raise invalid_request(
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({remaining})",
            param="amount",
            code="amount_too_large",
        )
    refund_id = new_id("re")
    refund_type = "payment_refund" if charge["id"].startswith("py_") else "refund"
    txn = record_balance_transaction(state, refund_type, -amount, charge["currency"], refund_id)
    refund = {
        "id": refund_id,
        "object": "refund",
        "amount": amount,
        "balance_transaction": txn["id"],
        "charge": charge["id"],
        "created": now(),
        "currency": charge["currency"],
        "metadata": metadata,
        "payment_intent": charge["payment_intent"],
        "reason": reason,
        "receipt_number": None,
        "source_transfer_reversal": None,
        "status": "succeeded",
        "transfer_reversal": None,
    }
    state.add(refund)
    previous = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
    charge["amount_refunded"] += amount
    charge["refunded"] = charge["amount_refunded"] == charge["amount"]
    state.emit("refund.created", refund, req)
    state.emit("charge.refunded", charge, req, previous=previous)
    return refund


def _refundable_charge(
    state: State, charge_id: str | None, intent_id: str | None
) -> dict[str, Any]:
    if not charge_id and not intent_id:
        raise invalid_request(
            "One of the following params should be provided for this request: charge or "
            "payment_intent.",
            code="parameter_missing",
        )
    if intent_id:
        intent = state.get(intent_id, "payment_intent", param="payment_intent")
        if intent["status"] != "succeeded":
            raise invalid_request(
                f"This PaymentIntent ({intent_id}) does not have a successful charge to refund.",
                param="payment_intent",
                code="payment_intent_unexpected_state",
            )
        if charge_id and charge_id != intent["latest_charge"]:
            raise invalid_request(
                "The charge does not belong to the given payment_intent.", param="charge"
            )
        charge_id = intent["latest_charge"]
    charge = state.get(charge_id, "charge", param="charge")
    if charge["status"] != "succeeded":
        raise invalid_request(
            f"Charge {charge['id']} has not succeeded and cannot be refunded.", param="charge"
        )
    return charge


def retrieve_refund(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    return state.get(req.path_args["id"], "refund")


def list_refunds(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("limit", "starting_after", "ending_before", "created", "charge", "payment_intent")
    filters = {k: p.str(k) for k in ("charge", "payment_intent")}
    items = [
        r
        for r in state.all("refund")
        if all(value is None or r[key] == value for key, value in filters.items())
    ]
    return state.paginate(items, p, "/v1/refunds")
