"""Transfers to connected accounts and their reversals."""

from __future__ import annotations

import copy
from typing import Any

from ..encoding import merge_metadata
from ..errors import invalid_request
from ..state import Request, State, new_id, now
from .ledger import record_balance_transaction


def create_transfer(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("amount", "currency", "destination", "transfer_group", "source_transaction",
            "description", "metadata", "source_type")  # fmt: skip
    amount = p.positive_int("amount", required=True)
    currency = p.currency(required=True)
    destination = p.str("destination", required=True)
    source_id = p.str("source_transaction")
    metadata = p.metadata() or {}
    assert amount is not None and currency is not None
    account = state.get(destination, "account", param="destination")
    if account["capabilities"].get("transfers") != "active":
        raise invalid_request(
            "Your destination account needs to have at least one of the following capabilities "
            "enabled: transfers, crypto_transfers, legacy_payments",
            param="destination",
            code="insufficient_capabilities_for_transfer",
        )
    if source_id:
        _check_source_transaction(state, source_id, amount, currency)
    elif amount > state.balance(currency):
        raise invalid_request(
            "You have insufficient available funds in your Stripe account. Try adding funds "
            "directly to your available balance by creating Charges using the 4000000000000077 "
            "test card.",
            code="balance_insufficient",
        )
    transfer_id = new_id("tr")
    txn = record_balance_transaction(state, "transfer", -amount, currency, transfer_id)
    transfer = {
        "id": transfer_id,
        "object": "transfer",
        "amount": amount,
        "amount_reversed": 0,
        "balance_transaction": txn["id"],
        "created": now(),
        "currency": currency,
        "description": p.str("description"),
        "destination": account["id"],
        "destination_payment": new_id("py"),
        "livemode": False,
        "metadata": metadata,
        "reversals": {
            "object": "list",
            "data": [],
            "has_more": False,
            "total_count": 0,
            "url": f"/v1/transfers/{transfer_id}/reversals",
        },
        "reversed": False,
        "source_transaction": source_id,
        "source_type": "card",
        "transfer_group": p.str("transfer_group"),
    }
    state.add(transfer)
    state.emit("transfer.created", transfer, req)
    return transfer


def transferable_amount(state: State, charge: dict[str, Any]) -> int:
    """What is left of a charge for transfers: amount - refunded - (transferred - reversed)."""
    transferred = sum(
        t["amount"] - t["amount_reversed"]
        for t in state.all("transfer")
        if t["source_transaction"] == charge["id"]
    )
    return charge["amount"] - charge["amount_refunded"] - transferred


def _check_source_transaction(state: State, source_id: str, amount: int, currency: str) -> None:
    charge = state.get(source_id, "charge", param="source_transaction")
    if charge["status"] != "succeeded":
        raise invalid_request(
            f"The source_transaction {source_id} has not succeeded.", param="source_transaction"
        )
    if charge["currency"] != currency:
        raise invalid_request(
            f"The currency of source_transaction's balance transaction ({charge['currency']}) "
            f"must be the same as the transfer currency ({currency})",
            param="currency",
        )
    available = transferable_amount(state, charge)
    if amount > available:
        raise invalid_request(
            f"The transfer amount ({amount}) exceeds the amount available from the "
            f"source_transaction {source_id} ({available}).",
            param="amount",
            code="insufficient_funds",
        )


def retrieve_transfer(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    return state.get(req.path_args["id"], "transfer")


def update_transfer(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("description", "metadata")
    transfer = state.get(req.path_args["id"], "transfer")
    metadata = p.metadata()
    previous = copy.deepcopy(transfer)
    if metadata is not None:
        transfer["metadata"] = merge_metadata(transfer["metadata"], metadata)
    if p.str("description") is not None:
        transfer["description"] = p.str("description")
    changed = {k: v for k, v in previous.items() if transfer.get(k) != v}
    if changed:
        state.emit("transfer.updated", transfer, req, previous=changed)
    return transfer


def list_transfers(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("limit", "starting_after", "ending_before", "created", "destination", "transfer_group")
    filters = {k: p.str(k) for k in ("destination", "transfer_group")}
    items = [
        t
        for t in state.all("transfer")
        if all(value is None or t[key] == value for key, value in filters.items())
    ]
    return state.paginate(items, p, "/v1/transfers")


# -- reversals -----------------------------------------------------------------------------------


def create_reversal(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("amount", "description", "metadata", "refund_application_fee")
    transfer = state.get(req.path_args["id"], "transfer")
    amount = p.positive_int("amount")
    metadata = p.metadata() or {}
    remaining = transfer["amount"] - transfer["amount_reversed"]
    if remaining <= 0:
        raise invalid_request(
            f"Transfer {transfer['id']} has already been fully reversed.",
            code="transfer_already_reversed",
        )
    amount = remaining if amount is None else amount
    if amount > remaining:
        raise invalid_request(
            f"Reversal amount ({amount}) is greater than the unreversed amount on the transfer "
            f"({remaining}).",
            param="amount",
            code="amount_too_large",
        )
    reversal_id = new_id("trr")
    txn = record_balance_transaction(
        state, "transfer_refund", amount, transfer["currency"], reversal_id
    )
    reversal = {
        "id": reversal_id,
        "object": "transfer_reversal",
        "amount": amount,
        "balance_transaction": txn["id"],
        "created": now(),
        "currency": transfer["currency"],
        "destination_payment_refund": new_id("pyr"),
        "metadata": metadata,
        "source_refund": None,
        "transfer": transfer["id"],
    }
    state.add(reversal)
    previous = {
        "amount_reversed": transfer["amount_reversed"],
        "reversed": transfer["reversed"],
        "reversals": copy.deepcopy(transfer["reversals"]),
    }
    transfer["amount_reversed"] += amount
    transfer["reversed"] = transfer["amount_reversed"] == transfer["amount"]
    transfer["reversals"]["data"].insert(0, copy.deepcopy(reversal))
    transfer["reversals"]["total_count"] += 1
    state.emit("transfer.reversed", transfer, req, previous=previous)
    return reversal


def list_reversals(state: State, req: Request) -> dict[str, Any]:
    req.params.allow("limit", "starting_after", "ending_before")
    transfer = state.get(req.path_args["id"], "transfer")
    items = [r for r in state.all("transfer_reversal") if r["transfer"] == transfer["id"]]
    return state.paginate(items, req.params, f"/v1/transfers/{transfer['id']}/reversals")


def retrieve_reversal(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    transfer = state.get(req.path_args["id"], "transfer")
    reversal = state.get(req.path_args["reversal"], "transfer_reversal")
    if reversal["transfer"] != transfer["id"]:
        raise invalid_request(
            f"No such transfer_reversal: '{reversal['id']}'", code="resource_missing", status=404
        )
    return reversal
