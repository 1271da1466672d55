"""Stripe webhooks through the real route: signatures checked on the raw body, each event
applied once however often and however concurrently it arrives, and in any order."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest
from sqlalchemy import func, select

from accounts.models import Creator
from campaigns.models import Campaign, CampaignStatus
from payments.models import CampaignFunding, FundingStatus, LedgerTransaction, StripeEvent
from stripe_standin import sign_payload
from tests.factories import fresh
from tests.helpers import assert_error, count_rows
from tests.payments_fixtures import (
    WEBHOOK_PATH,
    WEBHOOK_SECRET,
    assert_ledger_ok,
    concurrently,
    event_for,
    http_post,
    ledger_kinds,
    live_server,
    post_event,
    stripe_config,
)


@pytest.fixture
def app(make_app, stripe_standin):
    return make_app(**stripe_config(stripe_standin))


@pytest.fixture
def paid_intent(make_brand, make_campaign, stripe_standin):
    """A draft campaign whose brand has just paid at Stripe: the webhook is still to come."""
    brand = make_brand()
    campaign = make_campaign(brand)
    payment = brand.post(f"/api/v1/campaigns/{campaign['id']}/fund").get_json()["payment"]
    stripe_standin.confirm_payment_intent(payment["payment_intent_id"])
    event = event_for(stripe_standin, "payment_intent.succeeded", payment["payment_intent_id"])
    return campaign["id"], event


def nothing_written(session, campaign_id: int) -> None:
    assert count_rows(session, StripeEvent) == 0
    assert count_rows(session, LedgerTransaction) == 0
    assert fresh(session, Campaign, campaign_id).status is CampaignStatus.DRAFT
    session.rollback()
    funding = session.scalar(
        select(CampaignFunding).where(CampaignFunding.campaign_id == campaign_id)
    )
    assert (funding.status, funding.charge_id) == (FundingStatus.REQUIRES_PAYMENT, None)
    session.rollback()


# --- signatures ------------------------------------------------------------------------------------


def test_bad_signatures_are_refused_and_write_nothing(
    app, client, session, stripe_standin, paid_intent
):
    campaign_id, event = paid_intent
    body, headers = stripe_standin.signed_event(event["id"], secret=WEBHOOK_SECRET)
    signature = headers["Stripe-Signature"]
    tampered = body.replace(b'"status": "succeeded"', b'"status": "succeeded" ', 1)
    assert tampered != body
    stale = sign_payload(body, WEBHOOK_SECRET, timestamp=int(time.time()) - 301 - 60)
    cases = {
        "tampered body": (tampered, {"Stripe-Signature": signature}),
        "stale timestamp": (body, {"Stripe-Signature": stale}),
        "missing signature": (body, {}),
        "empty signature": (body, {"Stripe-Signature": ""}),
        "wrong secret": (body, {"Stripe-Signature": sign_payload(body, "whsec_someone_else")}),
        "garbled header": (body, {"Stripe-Signature": "t=soon,v1=abc"}),
        "other scheme": (body, {"Stripe-Signature": signature.replace("v1=", "v0=")}),
    }
    for name, (payload, extra) in cases.items():
        r = client.post(
            WEBHOOK_PATH, data=payload, headers={"Content-Type": "application/json", **extra}
        )
        body_json = assert_error(r, 400)
        assert "Webhook refused" in body_json["message"], name
        nothing_written(session, campaign_id)

    # The untouched delivery is accepted: the refusals above were about the signature alone.
    r = client.post(WEBHOOK_PATH, data=body, headers=headers)
    assert (r.status_code, r.get_json()["result"]) == (200, "processed")
    assert fresh(session, Campaign, campaign_id).status is CampaignStatus.FUNDED
    assert count_rows(session, StripeEvent) == 1
    assert_ledger_ok(app, session)


def test_a_validly_signed_body_that_is_not_json_is_refused(app, client, session, paid_intent):
    campaign_id, _event = paid_intent
    payload = b"not json at all"
    r = client.post(
        WEBHOOK_PATH,
        data=payload,
        headers={"Stripe-Signature": sign_payload(payload, WEBHOOK_SECRET)},
    )
    assert_error(r, 400)
    nothing_written(session, campaign_id)
    assert_ledger_ok(app, session)


def test_the_route_is_off_in_ledger_mode(make_app, session, stripe_standin):
    ledger_app = make_app()
    payload = json.dumps({"id": "evt_1", "type": "account.updated"}).encode()
    r = ledger_app.test_client().post(
        WEBHOOK_PATH, data=payload, headers={"Stripe-Signature": sign_payload(payload, "x")}
    )
    assert_error(r, 404)
    assert count_rows(session, StripeEvent) == 0
    assert_ledger_ok(ledger_app, session)


# --- duplicates ------------------------------------------------------------------------------------


def test_the_same_event_25_times_20_at_once_has_one_effect(
    app, client, session, stripe_standin, paid_intent
):
    campaign_id, event = paid_intent
    with live_server(app) as base:

        def deliver() -> object:
            # Signed per delivery, like Stripe's retries: the body is the same, the time moves.
            body, headers = stripe_standin.signed_event(event["id"], secret=WEBHOOK_SECRET)
            return http_post(base + WEBHOOK_PATH, data=body, headers=headers)

        at_once = concurrently([deliver] * 20)
    one_by_one = [post_event(client, stripe_standin, event["id"]) for _ in range(5)]

    assert [r.status_code for r in at_once] == [200] * 20
    assert [r.status_code for r in one_by_one] == [200] * 5
    # The effect came from the concurrent burst; every later delivery is a duplicate.
    assert Counter(r.json()["result"] for r in at_once) == {"processed": 1, "duplicate": 19}
    assert [r.get_json()["result"] for r in one_by_one] == ["duplicate"] * 5
    assert count_rows(session, StripeEvent) == 1
    assert ledger_kinds(session) == {"funding": 1}
    session.rollback()
    assert session.scalar(select(func.count()).select_from(CampaignFunding)) == 1
    session.rollback()
    assert fresh(session, Campaign, campaign_id).status is CampaignStatus.FUNDED
    assert_ledger_ok(app, session)


def test_a_second_event_for_the_same_payment_does_not_book_it_twice(
    app, client, session, stripe_standin, paid_intent
):
    campaign_id, succeeded = paid_intent
    assert post_event(client, stripe_standin, succeeded["id"]).get_json()["result"] == "processed"
    # charge.succeeded is not ours to act on; payment_intent.created re-reads a paid intent.
    pi = succeeded["data"]["object"]["id"]
    created = event_for(stripe_standin, "payment_intent.created", pi)
    assert post_event(client, stripe_standin, created["id"]).get_json()["result"] == "ignored"
    charge = stripe_standin.events("charge.succeeded")[-1]
    assert post_event(client, stripe_standin, charge["id"]).get_json()["result"] == "ignored"
    assert count_rows(session, StripeEvent) == 3  # each id stored once, effects once
    assert ledger_kinds(session) == {"funding": 1}
    assert fresh(session, Campaign, campaign_id).status is CampaignStatus.FUNDED
    assert_ledger_ok(app, session)


# --- delivery order ----------------------------------------------------------------------------


def test_an_old_account_update_delivered_late_does_not_undo_a_newer_one(
    app, client, session, stripe_standin, make_creator
):
    creator = make_creator()
    account_id = creator.post("/api/v1/creators/me/payout-account").get_json()["account_id"]
    # At Stripe: details submitted but payouts still off (old), then onboarding completes (new).
    stripe_standin.set_account_status(account_id, details_submitted=True, payouts_enabled=False)
    old = event_for(stripe_standin, "account.updated", account_id)
    stripe_standin.complete_onboarding(account_id)
    new = event_for(stripe_standin, "account.updated", account_id)
    assert old["id"] != new["id"]
    assert old["data"]["object"]["payouts_enabled"] is False
    assert new["data"]["object"]["payouts_enabled"] is True

    assert post_event(client, stripe_standin, new["id"]).get_json()["result"] == "processed"
    assert fresh(session, Creator, creator.id).payouts_enabled is True
    assert post_event(client, stripe_standin, old["id"]).get_json()["result"] == "processed"
    assert fresh(session, Creator, creator.id).payouts_enabled is True  # not undone

    # A genuinely newer change is followed, in whichever order its event arrives.
    stripe_standin.set_account_status(account_id, payouts_enabled=False)
    newest = event_for(stripe_standin, "account.updated", account_id)
    assert post_event(client, stripe_standin, newest["id"]).status_code == 200
    assert fresh(session, Creator, creator.id).payouts_enabled is False
    assert count_rows(session, StripeEvent) == 3
    assert_ledger_ok(app, session)


def test_a_late_payment_failure_does_not_unfund_a_paid_campaign(
    app, client, session, stripe_standin, make_brand, make_campaign
):
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    pi = brand.post(f"/api/v1/campaigns/{cid}/fund").get_json()["payment"]["payment_intent_id"]
    stripe_standin.confirm_payment_intent(pi, "pm_card_chargeDeclined")  # first card declined
    failed = event_for(stripe_standin, "payment_intent.payment_failed", pi)
    stripe_standin.confirm_payment_intent(pi)  # second card works
    succeeded = event_for(stripe_standin, "payment_intent.succeeded", pi)

    assert post_event(client, stripe_standin, succeeded["id"]).status_code == 200
    assert post_event(client, stripe_standin, failed["id"]).status_code == 200
    assert fresh(session, Campaign, cid).status is CampaignStatus.FUNDED
    session.rollback()
    funding = session.scalar(select(CampaignFunding).where(CampaignFunding.campaign_id == cid))
    assert funding.status is FundingStatus.SUCCEEDED
    session.rollback()
    assert ledger_kinds(session) == {"funding": 1}
    assert_ledger_ok(app, session)


def test_stand_in_delivers_to_a_live_server_in_order(
    app, session, stripe_standin, make_brand, make_campaign, make_creator
):
    """The stand-in posts its events itself, to the app on a real socket."""
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    creator = make_creator()
    account_id = creator.post("/api/v1/creators/me/payout-account").get_json()["account_id"]
    pi = brand.post(f"/api/v1/campaigns/{cid}/fund").get_json()["payment"]["payment_intent_id"]
    with live_server(app) as base:
        stripe_standin.configure_webhooks(base + WEBHOOK_PATH, WEBHOOK_SECRET)
        stripe_standin.confirm_payment_intent(pi)
        stripe_standin.complete_onboarding(account_id)
        assert stripe_standin.wait_for_webhooks(timeout=20)
        stripe_standin.configure_webhooks(None, enabled=False)
    deliveries = stripe_standin.webhook_deliveries()
    assert [d.event_type for d in deliveries] == [
        "charge.succeeded",
        "payment_intent.succeeded",
        "account.updated",
    ]
    assert [d.status for d in deliveries] == [200, 200, 200]
    assert fresh(session, Campaign, cid).status is CampaignStatus.FUNDED
    assert fresh(session, Creator, creator.id).payouts_enabled is True
    assert count_rows(session, StripeEvent) == 3
    assert_ledger_ok(app, session)


def test_a_signature_dated_ahead_beyond_the_tolerance_is_refused(
    app, client, session, stripe_standin, paid_intent
):
    campaign_id, event = paid_intent
    body, headers = stripe_standin.signed_event(event["id"], secret=WEBHOOK_SECRET)
    now = int(time.time())
    for ahead in (3600, 301 + 60):  # an hour ahead, and just past the five minutes' tolerance
        future = sign_payload(body, WEBHOOK_SECRET, timestamp=now + ahead)
        r = client.post(
            WEBHOOK_PATH,
            data=body,
            headers={"Content-Type": "application/json", "Stripe-Signature": future},
        )
        body_json = assert_error(r, 400)
        assert "Webhook refused" in body_json["message"] and "future" in body_json["message"]
        nothing_written(session, campaign_id)
    # A small clock skew, either way, is fine: the same event signed 2 minutes ahead applies.
    skewed = sign_payload(body, WEBHOOK_SECRET, timestamp=now + 120)
    r = client.post(
        WEBHOOK_PATH,
        data=body,
        headers={"Content-Type": "application/json", "Stripe-Signature": skewed},
    )
    assert (r.status_code, r.get_json()["result"]) == (200, "processed")
    assert fresh(session, Campaign, campaign_id).status is CampaignStatus.FUNDED
    assert_ledger_ok(app, session)


@pytest.mark.parametrize(
    "event",
    [
        {"id": "evt_no_data", "type": "payment_intent.succeeded"},
        {"id": "evt_no_object", "type": "payment_intent.succeeded", "data": {}},
        {"id": "evt_null_object", "type": "account.updated", "data": {"object": None}},
        {"id": "evt_str_object", "type": "account.updated", "data": {"object": "acct_1"}},
        {"id": "evt_no_obj_id", "type": "payment_intent.succeeded", "data": {"object": {}}},
        {"id": "evt_other_type", "type": "charge.refunded", "data": []},
        {"type": "account.updated", "data": {"object": {"id": "acct_1"}}},
        {"id": "evt_no_type", "data": {"object": {"id": "acct_1"}}},
        [],
        "an event",
    ],
)
def test_a_signed_event_without_data_object_is_400_not_500(
    app, client, session, paid_intent, event, caplog
):
    campaign_id, _event = paid_intent
    payload = json.dumps(event).encode()
    r = client.post(
        WEBHOOK_PATH,
        data=payload,
        headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign_payload(payload, WEBHOOK_SECRET),
        },
    )
    body = assert_error(r, 400)  # Stripe stops retrying on a 4xx; a 500 it retries for days
    assert body["message"].startswith("Webhook refused: malformed event"), body
    nothing_written(session, campaign_id)
    assert_ledger_ok(app, session)
