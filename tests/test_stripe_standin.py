"""The Stripe stand-in, driven through the real ``stripe`` SDK over real HTTP on 127.0.0.1."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import stripe

from stripe_standin import StripeError, StripeStandin, sign_payload
from stripe_standin.encoding import decode_form

OTHER_KEY = "sk_test_other_key_of_the_same_account"
WEBHOOK_SECRET = "whsec_test_standin"
MakeClient = Callable[..., stripe.StripeClient]


@pytest.fixture
def standin() -> Iterator[StripeStandin]:
    with StripeStandin(extra_api_keys=(OTHER_KEY,)) as running:
        yield running


@pytest.fixture
def make_client(standin: StripeStandin) -> Iterator[MakeClient]:
    """Build SDK clients against the stand-in; their HTTP sessions are closed afterwards."""
    http_clients: list[stripe.RequestsClient] = []

    def make(
        api_key: str | None = None, *, timeout: float = 5.0, retries: int = 0
    ) -> stripe.StripeClient:
        http = stripe.RequestsClient(timeout=timeout)
        http_clients.append(http)
        return stripe.StripeClient(
            api_key or standin.api_key,
            base_addresses={"api": standin.base_url},
            max_network_retries=retries,
            http_client=http,
        )

    yield make
    for http in http_clients:
        http.close()


@pytest.fixture
def client(make_client: MakeClient) -> stripe.StripeClient:
    return make_client()


def onboarded_account(client: stripe.StripeClient, standin: StripeStandin) -> str:
    account = client.v1.accounts.create(
        {"type": "express", "capabilities": {"transfers": {"requested": True}}}
    )
    standin.complete_onboarding(account.id)
    return account.id


def paid_charge(client: stripe.StripeClient, amount: int = 10_000, group: str = "c1") -> str:
    intent = client.v1.payment_intents.create(
        {"amount": amount, "currency": "usd", "transfer_group": group}
    )
    intent = client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert intent.status == "succeeded"
    assert isinstance(intent.latest_charge, str)
    return intent.latest_charge


def raw_call(
    standin: StripeStandin,
    method: str,
    path: str,
    data: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, dict[str, Any], dict[str, str]]:
    """A plain urllib call, to look at the wire format itself."""
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(
        standin.base_url + path, data=body, method=method, headers=headers or {}
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read()), dict(response.headers)
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, json.loads(exc.read()), dict(exc.headers)


def bearer(standin: StripeStandin) -> dict[str, str]:
    return {"Authorization": f"Bearer {standin.api_key}"}


# -- wire format ---------------------------------------------------------------------------------


def test_decode_form_handles_stripe_bracket_syntax() -> None:
    raw = urllib.parse.urlencode(
        [
            ("amount", "100"),
            ("metadata[sponsorship]", "42"),
            ("metadata[note]", ""),
            ("capabilities[transfers][requested]", "true"),
            ("expand[]", "a"),
            ("expand[]", "b"),
            ("items[0][price]", "p1"),
            ("items[1][price]", "p2"),
        ]
    )
    assert decode_form(raw) == {
        "amount": "100",
        "metadata": {"sponsorship": "42", "note": ""},
        "capabilities": {"transfers": {"requested": "true"}},
        "expand": ["a", "b"],
        "items": [{"price": "p1"}, {"price": "p2"}],
    }


def test_raw_wire_shapes_ids_and_errors(standin: StripeStandin) -> None:
    status, body, headers = raw_call(
        standin,
        "POST",
        "/v1/accounts",
        {"type": "express", "capabilities[transfers][requested]": "true", "metadata[k]": "v"},
        bearer(standin),
    )
    assert status == 200
    assert body["id"].startswith("acct_") and body["object"] == "account"
    assert body["livemode"] is False and isinstance(body["created"], int)
    assert body["metadata"] == {"k": "v"}
    assert headers["Request-Id"].startswith("req_")

    status, body, _ = raw_call(standin, "GET", "/v1/transfers/tr_missing", headers=bearer(standin))
    assert status == 404
    assert body["error"]["type"] == "invalid_request_error"
    assert body["error"]["code"] == "resource_missing"
    assert body["error"]["param"] == "id"
    assert body["error"]["message"] == "No such transfer: 'tr_missing'"

    status, body, _ = raw_call(standin, "GET", "/v1/nothing_here", headers=bearer(standin))
    assert status == 404 and "Unrecognized request URL" in body["error"]["message"]

    status, body, _ = raw_call(standin, "GET", "/v1/balance")
    assert status == 401 and "did not provide an API key" in body["error"]["message"]


def test_basic_auth_is_accepted_and_wrong_keys_are_refused(
    standin: StripeStandin, make_client: MakeClient
) -> None:
    import base64

    token = base64.b64encode(f"{standin.api_key}:".encode()).decode()
    status, body, _ = raw_call(
        standin, "GET", "/v1/balance", headers={"Authorization": f"Basic {token}"}
    )
    assert status == 200 and body["object"] == "balance"

    with pytest.raises(stripe.AuthenticationError) as caught:
        make_client("sk_test_wrong_key_1234").v1.balance.retrieve()
    assert caught.value.http_status == 401
    assert "Invalid API Key provided: sk_test_" in str(caught.value.user_message)
    assert "1234" in str(caught.value.user_message)


def test_unknown_and_missing_parameters_are_rejected(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(
            {"amount": 100, "currency": "usd", "destination": "acct_x", "colour": "red"}  # type: ignore[typeddict-unknown-key]
        )
    assert caught.value.code == "parameter_unknown" and caught.value.param == "colour"

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create({"currency": "usd"})  # type: ignore[typeddict-item]
    assert caught.value.code == "parameter_missing" and caught.value.param == "amount"


# -- accounts and onboarding ---------------------------------------------------------------------


def test_express_account_onboarding_via_link_and_helper(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    account = client.v1.accounts.create(
        {
            "type": "express",
            "email": "creator@example.com",
            "capabilities": {"transfers": {"requested": True}},
            "metadata": {"creator_id": "7"},
        }
    )
    assert account.id.startswith("acct_")
    assert (account.charges_enabled, account.payouts_enabled, account.details_submitted) == (
        False,
        False,
        False,
    )
    assert account.capabilities is not None
    assert account.capabilities.transfers == "inactive"

    link = client.v1.account_links.create(
        {
            "account": account.id,
            "type": "account_onboarding",
            "refresh_url": "https://app.example/refresh",
            "return_url": "https://app.example/return",
        }
    )
    assert link.object == "account_link" and link.url.startswith(standin.base_url)

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: Any, **kwargs: Any) -> None:
            return None

    opener = urllib.request.build_opener(NoRedirect)
    with pytest.raises(urllib.error.HTTPError) as visit:
        opener.open(link.url, timeout=5)
    with visit.value:
        assert visit.value.code == 302
        assert visit.value.headers["Location"] == "https://app.example/return"

    account = client.v1.accounts.retrieve(account.id)
    assert account.charges_enabled and account.payouts_enabled and account.details_submitted
    assert account.capabilities is not None and account.capabilities.transfers == "active"

    updated = standin.events("account.updated")
    assert len(updated) == 1
    assert updated[0]["account"] == account.id
    assert updated[0]["data"]["previous_attributes"]["payouts_enabled"] is False

    # The test helper endpoint does the same through the API (and an update emits an event).
    second = client.v1.accounts.create(
        {"type": "custom", "capabilities": {"transfers": {"requested": True}}}
    )
    response = client.raw_request(
        "post", f"/v1/test_helpers/accounts/{second.id}/complete_onboarding"
    )
    assert client.deserialize(response, api_mode="V1").payouts_enabled is True
    client.v1.accounts.update(second.id, {"metadata": {"tier": "gold"}})
    assert client.v1.accounts.retrieve(second.id).metadata.to_dict() == {"tier": "gold"}
    assert len(standin.events("account.updated")) == 3


def test_express_account_requires_a_capability(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.accounts.create({"type": "express"})
    assert caught.value.param == "capabilities"


# -- payment intents, charges --------------------------------------------------------------------


def test_payment_intent_confirm_creates_charge_and_balance_transaction(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    intent = client.v1.payment_intents.create(
        {
            "amount": 11_000,
            "currency": "usd",
            "transfer_group": "campaign:1",
            "metadata": {"campaign_id": "1"},
            "automatic_payment_methods": {"enabled": True},
        }
    )
    assert intent.id.startswith("pi_") and intent.status == "requires_payment_method"
    assert intent.client_secret.startswith(intent.id + "_secret_")

    confirmed = client.v1.payment_intents.confirm(
        intent.id,
        {"payment_method": "pm_card_visa", "expand": ["latest_charge.balance_transaction"]},
    )
    assert confirmed.status == "succeeded" and confirmed.amount_received == 11_000
    charge = confirmed.latest_charge
    assert isinstance(charge, stripe.Charge)
    assert charge.id.startswith("ch_") and charge.paid and charge.transfer_group == "campaign:1"
    assert charge.metadata.to_dict() == {"campaign_id": "1"}
    txn = charge.balance_transaction
    assert isinstance(txn, stripe.BalanceTransaction)
    fee = (11_000 * 290 + 5000) // 10_000 + 30
    assert (txn.type, txn.amount, txn.fee, txn.net, txn.source) == (
        "charge",
        11_000,
        fee,
        11_000 - fee,
        charge.id,
    )

    assert client.v1.charges.retrieve(charge.id).payment_intent == intent.id
    listed = client.v1.payment_intents.list({"limit": 5})
    assert [pi.id for pi in listed.data] == [intent.id]
    assert [e["type"] for e in standin.events()] == [
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    assert standin.balance() == 11_000 - fee


def test_declined_card_raises_card_error_and_emits_payment_failed(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    intent = client.v1.payment_intents.create({"amount": 5000, "currency": "usd"})
    with pytest.raises(stripe.CardError) as caught:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_chargeDeclined"})
    error = caught.value
    assert error.http_status == 402 and error.code == "card_declined"
    assert error.json_body is not None
    assert error.json_body["error"]["decline_code"] == "generic_decline"
    assert error.json_body["error"]["payment_intent"]["id"] == intent.id

    again = client.v1.payment_intents.retrieve(intent.id)
    assert again.status == "requires_payment_method"
    assert again.last_payment_error is not None
    assert [e["type"] for e in standin.events()][-2:] == [
        "charge.failed",
        "payment_intent.payment_failed",
    ]
    assert standin.balance_transactions() == []

    # A retry with a good card succeeds (the card holder tries again).
    paid = client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert paid.status == "succeeded"
    with pytest.raises(stripe.InvalidRequestError) as caught_state:
        client.v1.payment_intents.confirm(intent.id, {"payment_method": "pm_card_visa"})
    assert caught_state.value.code == "payment_intent_unexpected_state"


def test_confirm_payment_intent_helper_plays_the_customer(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    intent = client.v1.payment_intents.create({"amount": 2500, "currency": "eur"})
    declined = standin.confirm_payment_intent(intent.id, "pm_card_chargeDeclinedInsufficientFunds")
    assert declined["status"] == "requires_payment_method"
    assert declined["last_payment_error"]["decline_code"] == "insufficient_funds"
    paid = standin.confirm_payment_intent(intent.id)
    assert paid["status"] == "succeeded"
    assert client.v1.payment_intents.retrieve(intent.id).status == "succeeded"
    with pytest.raises(StripeError):
        standin.confirm_payment_intent(intent.id)


def test_amount_below_minimum_is_rejected(client: stripe.StripeClient) -> None:
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.payment_intents.create({"amount": 10, "currency": "usd"})
    assert caught.value.code == "amount_too_small"


# -- transfers and reversals ---------------------------------------------------------------------


def test_transfer_with_source_transaction_is_validated_and_listed_by_group(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    charge_id = paid_charge(client, 10_000, group="campaign:9")
    pending = client.v1.accounts.create(
        {"type": "express", "capabilities": {"transfers": {"requested": True}}}
    )
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create({"amount": 1000, "currency": "usd", "destination": pending.id})
    assert caught.value.code == "insufficient_capabilities_for_transfer"
    assert caught.value.param == "destination"

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create({"amount": 1000, "currency": "usd", "destination": "acct_nope"})
    assert caught.value.code == "resource_missing" and caught.value.param == "destination"
    assert caught.value.http_status == 400

    creator = onboarded_account(client, standin)
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create(
            {
                "amount": 1000,
                "currency": "usd",
                "destination": creator,
                "source_transaction": "ch_x",
            }
        )
    assert caught.value.param == "source_transaction"

    params: dict[str, Any] = {
        "currency": "usd",
        "destination": creator,
        "transfer_group": "campaign:9",
        "source_transaction": charge_id,
    }
    first = client.v1.transfers.create({**params, "amount": 6000, "metadata": {"sponsorship": "1"}})
    assert first.id.startswith("tr_") and first.destination == creator
    assert first.source_transaction == charge_id and first.metadata.to_dict() == {
        "sponsorship": "1"
    }
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create({**params, "amount": 4001})
    assert caught.value.code == "insufficient_funds" and caught.value.param == "amount"
    second = client.v1.transfers.create({**params, "amount": 4000})

    # Without a source transaction the platform balance must cover the transfer.
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.transfers.create({"amount": 1_000_000, "currency": "usd", "destination": creator})
    assert caught.value.code == "balance_insufficient"

    listed = client.v1.transfers.list({"transfer_group": "campaign:9"})
    assert [t.id for t in listed.data] == [second.id, first.id]
    assert client.v1.transfers.list({"transfer_group": "other"}).data == []
    assert client.v1.transfers.retrieve(first.id).amount == 6000
    assert [t["id"] for t in standin.transfers()] == [first.id, second.id]
    txns = standin.balance_transactions("transfer")
    assert [(t["amount"], t["source"]) for t in txns] == [(-6000, first.id), (-4000, second.id)]


def test_transfer_reversals_partial_then_full(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    creator = onboarded_account(client, standin)
    charge_id = paid_charge(client, 10_000)
    transfer = client.v1.transfers.create(
        {"amount": 5000, "currency": "usd", "destination": creator, "source_transaction": charge_id}
    )
    partial = client.v1.transfers.reversals.create(transfer.id, {"amount": 2000})
    assert partial.id.startswith("trr_") and partial.object == "transfer_reversal"
    assert partial.transfer == transfer.id
    rest = client.v1.transfers.reversals.create(transfer.id)
    assert rest.amount == 3000

    refreshed = client.v1.transfers.retrieve(transfer.id)
    assert refreshed.amount_reversed == 5000 and refreshed.reversed is True
    assert refreshed.reversals.total_count == 2
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.reversals.create(transfer.id, {"amount": 1})
    listed = client.v1.transfers.reversals.list(transfer.id)
    assert [r.id for r in listed.data] == [rest.id, partial.id]
    assert client.v1.transfers.reversals.retrieve(transfer.id, partial.id).amount == 2000
    assert [t["amount"] for t in standin.balance_transactions("transfer_refund")] == [2000, 3000]
    assert len(standin.events("transfer.reversed")) == 2
    # A reversed amount can be transferred again from the same charge.
    again = client.v1.transfers.create(
        {
            "amount": 10_000,
            "currency": "usd",
            "destination": creator,
            "source_transaction": charge_id,
        }
    )
    assert again.amount == 10_000


# -- refunds -------------------------------------------------------------------------------------


def test_refunds_partial_full_and_over_refund(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    intent = client.v1.payment_intents.create(
        {"amount": 8000, "currency": "usd", "payment_method": "pm_card_visa", "confirm": True}
    )
    assert intent.status == "succeeded"
    assert isinstance(intent.latest_charge, str)
    partial = client.v1.refunds.create({"payment_intent": intent.id, "amount": 3000})
    assert partial.id.startswith("re_") and partial.status == "succeeded"
    assert partial.charge == intent.latest_charge

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create({"charge": intent.latest_charge, "amount": 5001})
    assert caught.value.code == "amount_too_large" and caught.value.param == "amount"

    rest = client.v1.refunds.create({"charge": intent.latest_charge})
    assert rest.amount == 5000
    charge = client.v1.charges.retrieve(intent.latest_charge)
    assert charge.amount_refunded == 8000 and charge.refunded is True
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.refunds.create({"payment_intent": intent.id})
    assert caught.value.code == "charge_already_refunded"

    refunded_events = standin.events("charge.refunded")
    assert [e["data"]["object"]["amount_refunded"] for e in refunded_events] == [3000, 8000]
    assert [t["amount"] for t in standin.balance_transactions("refund")] == [-3000, -5000]
    assert [r.id for r in client.v1.refunds.list({"payment_intent": intent.id}).data] == [
        rest.id,
        partial.id,
    ]

    unpaid = client.v1.payment_intents.create({"amount": 8000, "currency": "usd"})
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.refunds.create({"payment_intent": unpaid.id})


# -- balance transactions and lists --------------------------------------------------------------


def test_balance_transactions_filter_and_paginate(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    creator = onboarded_account(client, standin)
    charges = [paid_charge(client, 1000 * (i + 1)) for i in range(3)]
    for charge_id in charges:
        client.v1.transfers.create(
            {
                "amount": 500,
                "currency": "usd",
                "destination": creator,
                "source_transaction": charge_id,
            }
        )
    client.v1.refunds.create({"charge": charges[0], "amount": 100})

    only_charges = client.v1.balance_transactions.list({"type": "charge"})
    assert [t.source for t in only_charges.data] == list(reversed(charges))

    page = client.v1.balance_transactions.list({"limit": 3})
    assert len(page.data) == 3 and page.has_more is True and page.url == "/v1/balance_transactions"
    next_page = client.v1.balance_transactions.list(
        {"limit": 3, "starting_after": page.data[-1].id}
    )
    assert len(next_page.data) == 3 and next_page.has_more is True
    back = client.v1.balance_transactions.list({"limit": 3, "ending_before": next_page.data[0].id})
    assert [t.id for t in back.data] == [t.id for t in page.data]

    every = list(client.v1.balance_transactions.list({"limit": 2}).auto_paging_iter())
    assert len(every) == 7
    assert [t.id for t in every] == [t["id"] for t in reversed(standin.balance_transactions())]
    assert sum(t.net for t in every) == standin.balance()
    one = client.v1.balance_transactions.retrieve(every[0].id)
    assert one.type == "refund"

    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.balance_transactions.list({"limit": 101})
    assert caught.value.param == "limit"
    with pytest.raises(stripe.InvalidRequestError) as caught:
        client.v1.balance_transactions.list({"starting_after": "txn_missing"})
    assert caught.value.param == "starting_after"


def test_events_list_filter_and_retrieve(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    paid_charge(client)
    paid_charge(client)
    succeeded = client.v1.events.list({"type": "payment_intent.succeeded"})
    assert len(succeeded.data) == 2
    assert all(e.id.startswith("evt_") for e in succeeded.data)
    wildcard = client.v1.events.list({"type": "charge.*"})
    assert {e.type for e in wildcard.data} == {"charge.succeeded"}
    event = client.v1.events.retrieve(succeeded.data[0].id)
    assert event.data.object["object"] == "payment_intent"
    assert event.request is not None and event.request.idempotency_key
    assert len(client.v1.events.list({"limit": 100}).data) == len(standin.events()) == 6


# -- idempotency ---------------------------------------------------------------------------------


def test_idempotency_replay_mismatch_and_scope(
    client: stripe.StripeClient, make_client: MakeClient, standin: StripeStandin
) -> None:
    creator = onboarded_account(client, standin)
    charge_id = paid_charge(client)
    params: dict[str, Any] = {
        "amount": 1000,
        "currency": "usd",
        "destination": creator,
        "source_transaction": charge_id,
        "metadata": {"sponsorship": "42"},
    }
    key = {"idempotency_key": "sponsorship:42:transfer"}
    first = client.v1.transfers.create(params, key)
    second = client.v1.transfers.create(params, key)
    assert second.id == first.id
    assert first.last_response is not None and second.last_response is not None
    assert "Idempotent-Replayed" not in first.last_response.headers
    assert second.last_response.headers["Idempotent-Replayed"] == "true"
    assert second.last_response.headers["Original-Request"] == first.last_response.request_id
    assert len(standin.transfers()) == 1

    with pytest.raises(stripe.IdempotencyError) as caught:
        client.v1.transfers.create({**params, "amount": 2000}, key)
    assert "sponsorship:42:transfer" in str(caught.value.user_message)
    assert len(standin.transfers()) == 1

    # Keys are scoped per API key: another key with the same idempotency key is a new request.
    other = make_client(OTHER_KEY).v1.transfers.create(params, key)
    assert other.id != first.id
    assert len(standin.transfers()) == 2

    # Validation errors are not stored: fixing the request and reusing the key works.
    bad_key = {"idempotency_key": "sponsorship:43:transfer"}
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.transfers.create({**params, "amount": 999_999}, bad_key)
    assert client.v1.transfers.create({**params, "amount": 500}, bad_key).amount == 500

    # Keys expire (Stripe keeps them 24h): after that the same key creates again.
    standin.forget_idempotency_keys()
    assert client.v1.transfers.create(params, key).id != first.id


def test_card_decline_is_stored_under_its_idempotency_key(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    params: dict[str, Any] = {
        "amount": 5000,
        "currency": "usd",
        "payment_method": "pm_card_chargeDeclined",
        "confirm": True,
    }
    for _ in range(2):
        with pytest.raises(stripe.CardError):
            client.v1.payment_intents.create(params, {"idempotency_key": "fund:1"})
    assert len(standin.payment_intents()) == 1
    assert [r.replayed for r in standin.requests()] == [False, True]


def test_concurrent_requests_are_serialised(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    creator = onboarded_account(client, standin)
    charge_id = paid_charge(client, 10_000)

    def transfer(i: int, key: str) -> str | None:
        try:
            return client.v1.transfers.create(
                {
                    "amount": 3000,
                    "currency": "usd",
                    "destination": creator,
                    "source_transaction": charge_id,
                },
                {"idempotency_key": key},
            ).id
        except stripe.InvalidRequestError:
            return None

    with ThreadPoolExecutor(max_workers=10) as pool:
        same_key = list(pool.map(lambda i: transfer(i, "one-key"), range(10)))
    assert len(set(same_key)) == 1 and len(standin.transfers()) == 1

    with ThreadPoolExecutor(max_workers=10) as pool:
        distinct = list(pool.map(lambda i: transfer(i, f"key-{i}"), range(10)))
    # The first transfer left 7 000 of the charge: room for exactly two more of 3 000.
    assert sum(1 for t in distinct if t) == 2
    assert sum(t["amount"] for t in standin.transfers()) == 9000


# -- faults --------------------------------------------------------------------------------------


def test_timeout_after_effect_then_retry_with_same_key_gives_one_transfer(
    make_client: MakeClient, standin: StripeStandin
) -> None:
    client = make_client(timeout=0.3)
    creator = onboarded_account(client, standin)
    charge_id = paid_charge(client)
    params: dict[str, Any] = {
        "amount": 1000,
        "currency": "usd",
        "destination": creator,
        "source_transaction": charge_id,
    }
    key = {"idempotency_key": "sponsorship:7:transfer"}
    standin.inject_fault("/v1/transfers", "timeout_after_effect", delay=1.0)
    started = time.monotonic()
    with pytest.raises(stripe.APIConnectionError):
        client.v1.transfers.create(params, key)
    assert time.monotonic() - started < 1.0
    assert len(standin.transfers()) == 1  # the effect happened; only the answer was lost

    replayed = client.v1.transfers.create(params, key)
    assert replayed.id == standin.transfers()[0]["id"]
    assert len(standin.transfers()) == 1
    transfer_calls = [r for r in standin.requests() if r.path == "/v1/transfers"]
    assert [(r.status, r.fault, r.replayed) for r in transfer_calls] == [
        (None, "timeout_after_effect", False),
        (200, None, True),
    ]


def test_faults_before_effect_leave_no_trace(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    creator = onboarded_account(client, standin)
    charge_id = paid_charge(client)
    params: dict[str, Any] = {
        "amount": 1000,
        "currency": "usd",
        "destination": creator,
        "source_transaction": charge_id,
    }
    key = {"idempotency_key": "sponsorship:8:transfer"}
    standin.inject_fault("/v1/transfers", "error_before_effect")
    with pytest.raises(stripe.APIError) as caught:
        client.v1.transfers.create(params, key)
    assert caught.value.http_status == 500
    standin.inject_fault("/v1/transfers", "disconnect_before_effect")
    with pytest.raises(stripe.APIConnectionError):
        client.v1.transfers.create(params, key)
    assert standin.transfers() == []
    created = client.v1.transfers.create(params, key)
    assert [t["id"] for t in standin.transfers()] == [created.id]

    # GET calls are untouched unless the fault says so.
    standin.inject_fault("/v1/transfers", "error_before_effect", method="GET")
    client.v1.transfers.create({**params, "amount": 10}, {"idempotency_key": "x"})
    with pytest.raises(stripe.APIError):
        client.v1.transfers.list()
    client.v1.transfers.list()


def test_sdk_retries_reuse_the_key_and_get_the_stored_result(
    make_client: MakeClient, standin: StripeStandin
) -> None:
    client = make_client(retries=2)
    creator = onboarded_account(client, standin)
    charge_id = paid_charge(client)
    standin.inject_fault("/v1/transfers", "disconnect_after_effect")
    transfer = client.v1.transfers.create(
        {"amount": 1000, "currency": "usd", "destination": creator, "source_transaction": charge_id}
    )
    assert [t["id"] for t in standin.transfers()] == [transfer.id]
    calls = [r for r in standin.requests() if r.path == "/v1/transfers"]
    assert len(calls) == 2 and calls[0].idempotency_key == calls[1].idempotency_key
    assert calls[1].replayed


def test_inject_fault_rejects_unknown_modes(standin: StripeStandin) -> None:
    with pytest.raises(ValueError):
        standin.inject_fault("/v1/transfers", "explode")  # type: ignore[arg-type]


# -- webhooks ------------------------------------------------------------------------------------


class _Receiver:
    """A local webhook endpoint that records what it is sent."""

    def __init__(self) -> None:
        self.received: list[tuple[bytes, str]] = []
        received = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                received.append((body, self.headers["Stripe-Signature"]))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhooks/stripe"
        self.thread = threading.Thread(target=self.server.serve_forever)

    def __enter__(self) -> _Receiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join()


def test_webhooks_are_delivered_in_order_and_verify_with_the_sdk(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    with _Receiver() as receiver:
        standin.configure_webhooks(receiver.url, WEBHOOK_SECRET)
        creator = onboarded_account(client, standin)
        paid_charge(client)
        assert standin.wait_for_webhooks(timeout=5)
        standin.configure_webhooks(None, enabled=False)
        paid_charge(client)
        assert standin.wait_for_webhooks(timeout=5)

    events = [
        stripe.Webhook.construct_event(body, signature, WEBHOOK_SECRET)
        for body, signature in receiver.received
    ]
    assert [e.type for e in events] == [
        "account.updated",
        "payment_intent.created",
        "charge.succeeded",
        "payment_intent.succeeded",
    ]
    assert events[0].account == creator and events[0].pending_webhooks == 1
    assert [d.status for d in standin.webhook_deliveries()] == [200] * 4

    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            receiver.received[0][0] + b" ", receiver.received[0][1], WEBHOOK_SECRET
        )


def test_sign_payload_and_signed_event_match_stripe(
    client: stripe.StripeClient, standin: StripeStandin
) -> None:
    payload = b'{"id": "evt_1", "object": "event", "type": "ping", "data": {"object": {}}}'
    header = sign_payload(payload, WEBHOOK_SECRET)
    assert stripe.Webhook.construct_event(payload, header, WEBHOOK_SECRET).id == "evt_1"
    assert header == stripe.WebhookSignature.generate_signature_header(
        payload.decode(), WEBHOOK_SECRET, timestamp=int(header[2:].split(",")[0])
    )
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(
            payload, sign_payload(payload, "whsec_other"), WEBHOOK_SECRET
        )
    stale = sign_payload(payload, WEBHOOK_SECRET, timestamp=int(time.time()) - 3600)
    with pytest.raises(stripe.SignatureVerificationError):
        stripe.Webhook.construct_event(payload, stale, WEBHOOK_SECRET)

    paid_charge(client)
    event_id = standin.events("payment_intent.succeeded")[0]["id"]
    body, headers = standin.signed_event(event_id, secret=WEBHOOK_SECRET)
    event = stripe.Webhook.construct_event(body, headers["Stripe-Signature"], WEBHOOK_SECRET)
    assert event.id == event_id and event.data.object["status"] == "succeeded"
    assert standin.webhook_deliveries() == []  # no endpoint configured: nothing was posted


# -- lifecycle -----------------------------------------------------------------------------------


def test_reset_forgets_everything(client: stripe.StripeClient, standin: StripeStandin) -> None:
    paid_charge(client)
    standin.inject_fault("/v1/transfers", "error_before_effect")
    standin.reset()
    assert standin.charges() == [] and standin.events() == [] and standin.requests() == []
    assert client.v1.balance.retrieve().available[0].amount == 0


def test_module_runs_standalone() -> None:
    root = Path(__file__).resolve().parents[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "stripe_standin",
            "--port",
            "0",
            "--api-key",
            "sk_test_cli",
            "--quiet",
        ],
        cwd=root,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "listening on http://127.0.0.1:" in line
        url = line.rsplit(" ", 1)[1].strip()
        http = stripe.RequestsClient(timeout=5)
        try:
            cli_client = stripe.StripeClient(
                "sk_test_cli", base_addresses={"api": url}, max_network_retries=0, http_client=http
            )
            assert cli_client.v1.balance.retrieve().object == "balance"
        finally:
            http.close()
    finally:
        process.terminate()
        process.communicate(timeout=10)
