"""Helpers for the payment tests: the Stripe stand-in, a live server, the ledger check after
every scenario, and the steps of a sponsorship (offer, accept, deliver, approve) and of Stripe
(funding through a signed webhook, creator onboarding).

Like ``tests.factories`` this module holds plain functions and context managers rather than
fixtures (an imported fixture used as an argument reads as a redefinition to the linter); each
test module wraps the ones it needs in a two-line fixture.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

import requests
import stripe
from flask import Flask
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

from campaigns.models import Campaign
from payments import ledger
from payments.ledger import CampaignMoney, LedgerReport, check_ledger
from payments.models import CampaignRefund, LedgerTransaction, Payout
from stripe_standin import StripeStandin
from tests.factories import open_up

WEBHOOK_SECRET = "whsec_test"
WEBHOOK_PATH = "/api/v1/webhooks/stripe"
POST_URL = "https://www.xiaohongshu.com/explore/paid-post"


def stripe_config(standin: StripeStandin) -> dict[str, Any]:
    """App settings for the Stripe provider against the stand-in (no SDK retries: the tests
    see every failure and decide on retries themselves)."""
    return {
        "PAYMENTS_PROVIDER": "stripe",
        "STRIPE_SECRET_KEY": standin.api_key,
        "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
        "STRIPE_API_BASE": standin.base_url,
        "STRIPE_TIMEOUT_S": 1,
        "STRIPE_MAX_NETWORK_RETRIES": 0,
    }


@contextmanager
def stripe_sdk(standin: StripeStandin) -> Iterator[stripe.StripeClient]:
    """An SDK client of the test's own, to act at "Stripe" behind the application's back."""
    http = stripe.RequestsClient(timeout=5)
    try:
        yield stripe.StripeClient(
            standin.api_key,
            base_addresses={"api": standin.base_url},
            max_network_retries=0,
            http_client=http,
        )
    finally:
        http.close()


@contextmanager
def live_server(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 (a free port) from a thread, one thread per request."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


def concurrently(calls: list[Callable[[], requests.Response]]) -> list[requests.Response]:
    """Run the calls from one thread each, released together by a barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[], requests.Response]) -> requests.Response:
        barrier.wait(timeout=10)
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def http_post(url: str, **kwargs: Any) -> requests.Response:
    """One POST on its own connection (closed afterwards: no socket is left for the GC)."""
    with requests.Session() as http:
        response = http.post(url, timeout=30, **kwargs)
        response.close()
        return response


# --- the books ---------------------------------------------------------------------------------


def assert_ledger_ok(app: Flask, session: Session) -> LedgerReport:
    """``check_ledger`` and ``flask ledger check`` both find the books balanced."""
    session.rollback()  # see every commit so far
    report = check_ledger(session)
    session.rollback()
    assert report.ok, report.breaches
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 0, result.output
    assert "The ledger balances." in result.output
    return report


def campaign_money(session: Session, campaign_id: int) -> CampaignMoney:
    session.rollback()
    campaign = session.get(Campaign, campaign_id)
    assert campaign is not None
    money = ledger.campaign_money(session, campaign)
    session.rollback()
    return money


def balance(session: Session, code: str, currency: str = "EUR") -> int:
    session.rollback()
    value = ledger.balance(session, code, currency)
    session.rollback()
    return value


def ledger_kinds(session: Session, campaign_id: int | None = None) -> dict[str, int]:
    """How many ledger transactions of each kind (for one campaign, or all)."""
    session.rollback()
    query = select(LedgerTransaction.kind, func.count(LedgerTransaction.id)).group_by(
        LedgerTransaction.kind
    )
    if campaign_id is not None:
        query = query.where(LedgerTransaction.campaign_id == campaign_id)
    kinds = {kind: count for kind, count in session.execute(query)}
    session.rollback()
    return kinds


def payout_of(session: Session, sponsorship_id: int) -> Payout:
    """The sponsorship's payout row, read afresh."""
    session.rollback()
    session.expire_all()
    payout = session.scalar(select(Payout).where(Payout.sponsorship_id == sponsorship_id))
    assert payout is not None
    return payout


def refund_rows(session: Session, campaign_id: int) -> list[CampaignRefund]:
    """The campaign's refund rows, read afresh."""
    session.rollback()
    session.expire_all()
    rows = list(
        session.scalars(select(CampaignRefund).where(CampaignRefund.campaign_id == campaign_id))
    )
    session.rollback()
    return rows


# --- a sponsorship's steps through the API -----------------------------------------------------


def creator_with_profile(make_creator: Callable[..., Any]) -> Any:
    creator = make_creator()
    open_up(creator)
    return creator


def accept(creator: Any, offer_id: int) -> dict[str, Any]:
    r = creator.post(f"/api/v1/offers/{offer_id}/accept")
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def deliver(creator: Any, sponsorship_id: int) -> dict[str, Any]:
    r = creator.post(
        f"/api/v1/sponsorships/{sponsorship_id}/deliverable",
        json={"url": POST_URL, "disclosure": True},
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def approve(brand: Any, sponsorship_id: int) -> dict[str, Any]:
    r = brand.post(f"/api/v1/sponsorships/{sponsorship_id}/approve")
    assert r.status_code == 200, r.get_json()
    return r.get_json()


# --- Stripe ------------------------------------------------------------------------------------


def event_for(standin: StripeStandin, event_type: str, object_id: str) -> dict[str, Any]:
    """The newest event of ``event_type`` about the object ``object_id``."""
    matching = [e for e in standin.events(event_type) if e["data"]["object"]["id"] == object_id]
    assert matching, f"no {event_type} event for {object_id}"
    return matching[-1]


def post_event(client: Any, standin: StripeStandin, event_id: str, **sign: Any) -> Any:
    """Deliver a stand-in event, signed, through the real route (Flask's test client)."""
    body, headers = standin.signed_event(
        event_id, secret=sign.pop("secret", WEBHOOK_SECRET), **sign
    )
    return client.post(WEBHOOK_PATH, data=body, headers=headers)


def fund_with_stripe(
    brand: Any, client: Any, standin: StripeStandin, campaign_id: int, *, publish: bool = True
) -> dict[str, Any]:
    """Fund a draft: PaymentIntent, the brand pays, ``payment_intent.succeeded`` arrives."""
    r = brand.post(f"/api/v1/campaigns/{campaign_id}/fund")
    assert r.status_code == 200, r.get_json()
    payment = r.get_json()["payment"]
    standin.confirm_payment_intent(payment["payment_intent_id"])
    event = event_for(standin, "payment_intent.succeeded", payment["payment_intent_id"])
    delivered = post_event(client, standin, event["id"])
    assert delivered.status_code == 200, delivered.get_json()
    assert delivered.get_json()["result"] == "processed"
    if publish:
        r = brand.post(f"/api/v1/campaigns/{campaign_id}/publish")
        assert r.status_code == 200, r.get_json()
    return payment


def onboard(creator: Any, client: Any, standin: StripeStandin) -> str:
    """The creator starts onboarding, finishes it at Stripe, and ``account.updated`` arrives."""
    r = creator.post("/api/v1/creators/me/payout-account")
    assert r.status_code == 200, r.get_json()
    account_id = r.get_json()["account_id"]
    standin.complete_onboarding(account_id)
    delivered = post_event(client, standin, event_for(standin, "account.updated", account_id)["id"])
    assert delivered.status_code == 200, delivered.get_json()
    assert creator.get("/api/v1/creators/me/payout-account").get_json()["payouts_enabled"] is True
    return account_id
