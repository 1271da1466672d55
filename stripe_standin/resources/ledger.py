"""The platform balance: balance transactions and ``GET /v1/balance``."""

from __future__ import annotations

from typing import Any

from ..state import Request, State, new_id, now

REPORTING_CATEGORY = {
    "charge": "charge",
    "payment": "charge",
    "refund": "refund",
    "payment_refund": "refund",
    "transfer": "transfer",
    "transfer_refund": "transfer_reversal",
}


def record_balance_transaction(
    state: State,
    txn_type: str,
    amount: int,
    currency: str,
    source: str,
    *,
    fee: int = 0,
    description: str | None = None,
) -> dict[str, Any]:
    """One movement of the platform balance (available at once: the stand-in has no payouts)."""
    created = now()
    txn = {
        "id": new_id("txn"),
        "object": "balance_transaction",
        "amount": amount,
        "available_on": created,
        "balance_type": "payments",
        "created": created,
        "currency": currency,
        "description": description,
        "exchange_rate": None,
        "fee": fee,
        "fee_details": (
            [
                {
                    "amount": fee,
                    "application": None,
                    "currency": currency,
                    "description": "Stripe processing fees",
                    "type": "stripe_fee",
                }
            ]
            if fee
            else []
        ),
        "net": amount - fee,
        "reporting_category": REPORTING_CATEGORY.get(txn_type, txn_type),
        "source": source,
        "status": "available",
        "type": txn_type,
    }
    return state.add(txn)


def list_balance_transactions(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("limit", "starting_after", "ending_before", "created", "type", "source", "currency",
            "payout")  # fmt: skip
    filters = {k: p.str(k) for k in ("type", "source", "currency")}
    items = [
        t
        for t in state.all("balance_transaction")
        if all(value is None or t[key] == value for key, value in filters.items())
    ]
    return state.paginate(items, p, "/v1/balance_transactions")


def retrieve_balance_transaction(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    return state.get(req.path_args["id"], "balance_transaction")


def retrieve_balance(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    currencies = sorted({t["currency"] for t in state.all("balance_transaction")}) or ["usd"]
    return {
        "object": "balance",
        "available": [
            {"amount": state.balance(c), "currency": c, "source_types": {"card": state.balance(c)}}
            for c in currencies
        ],
        "pending": [{"amount": 0, "currency": c, "source_types": {"card": 0}} for c in currencies],
        "livemode": False,
    }
