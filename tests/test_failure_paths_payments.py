"""Payments when the provider fails: the real ``stripe`` SDK over real HTTP against the stand-in,
with its fault injection. Payouts and refunds Stripe refuses for good end FAILED (and are not
retried), a reversal that fails changes nothing, funding whose PaymentIntent call times out
answers 503 and can be retried (with a key never used before, on SQLite too), a non-retryable
refusal answers 502, webhooks whose look-up fails roll back so Stripe redelivers, events about
objects that are not ours change nothing, and reconciliation finds mismatched amounts and
currencies, reads every page, and knows Stripe's ``payment`` balance transactions."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select, text

from campaigns.models import Campaign, CampaignStatus
from core.db import session_scope
from extensions import db, payment_provider
from notifications.models import Notification
from payments import ledger
from payments import service as payments
from payments.jobs import execute_payout_job, retry_pending_refunds_job
from payments.models import (
    CampaignFunding,
    FundingStatus,
    PayoutStatus,
    RefundStatus,
    StripeEvent,
)
from payments.providers import ProviderError
from stripe_standin import StripeStandin
from tests.factories import fresh, update_row
from tests.helpers import assert_error, count_rows
from tests.payments_fixtures import (
    accept,
    approve,
    assert_ledger_ok,
    balance,
    campaign_money,
    creator_with_profile,
    deliver,
    event_for,
    fund_with_stripe,
    ledger_kinds,
    onboard,
    payout_of,
    post_event,
    refund_rows,
    stripe_config,
    stripe_sdk,
)


@pytest.fixture
def app(make_app, stripe_standin):
    return make_app(**stripe_config(stripe_standin))


@pytest.fixture
def sdk(stripe_standin):
    with stripe_sdk(stripe_standin) as client:
        yield client


@pytest.fixture
def funded(make_brand, make_campaign, client, stripe_standin, session):
    """A brand and its published campaign (budget 500 000 EUR + 50 000 fee), paid through Stripe."""
    brand = make_brand()
    campaign = make_campaign(brand)
    payment = fund_with_stripe(brand, client, stripe_standin, campaign["id"])
    return brand, campaign, payment


def fundings(session, campaign_id: int) -> list[CampaignFunding]:
    session.rollback()
    session.expire_all()
    rows = list(
        session.scalars(select(CampaignFunding).where(CampaignFunding.campaign_id == campaign_id))
    )
    session.rollback()
    return rows


def posts(standin: StripeStandin, path: str) -> list[Any]:
    return [r for r in standin.requests() if (r.method, r.path) == ("POST", path)]


def reconcile_cli(app) -> Any:
    return app.test_cli_runner().invoke(args=["payments", "reconcile"])


def paid_sponsorship(client, stripe_standin, funded, make_creator, make_offer, price: int) -> int:
    brand, campaign, _ = funded
    creator = creator_with_profile(make_creator)
    onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=price).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    return sponsorship["id"]


# --- payouts and refunds that Stripe refuses for good ----------------------------------------------


def test_a_payout_stripe_refuses_ends_failed_and_is_not_retried(
    app, client, session, stripe_standin, funded, make_creator, make_offer, sdk
):
    brand, campaign, _ = funded
    creator = creator_with_profile(make_creator)
    account_id = onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=90_000).id)
    deliver(creator, sponsorship["id"])
    sdk.v1.accounts.delete(account_id)  # the account is closed at Stripe; we were not told

    approve(brand, sponsorship["id"])  # the approval stands; the transfer is refused (400)
    payout = payout_of(session, sponsorship["id"])
    assert payout.status is PayoutStatus.FAILED
    assert (payout.attempts, payout.provider_reference) == (1, None)
    assert "Stripe refused" in payout.last_error and "No such destination" in payout.last_error
    assert stripe_standin.transfers() == []
    assert len(posts(stripe_standin, "/v1/transfers")) == 1
    # The creator hears it failed (once), and is not told it was sent.
    told = count_kinds(session, creator.account_id)
    assert (told.get("payout.failed"), told.get("payout.sent")) == (1, None)
    # Still owed to the creator in the books (an operator settles it), nothing transferred.
    assert balance(session, ledger.payable(creator.id)) == -90_000
    assert "transfer" not in ledger_kinds(session)

    # Not retried: the sweep skips it and the job itself answers "failed" without RetryLater.
    result = app.test_cli_runner().invoke(args=["payments", "retry"])
    assert "0 pending payouts tried." in result.output, result.output
    with app.app_context():
        assert execute_payout_job(payout.id) == "failed"
    assert len(posts(stripe_standin, "/v1/transfers")) == 1
    assert payout_of(session, sponsorship["id"]).attempts == 1
    assert count_kinds(session, creator.account_id).get("payout.failed") == 1
    assert_ledger_ok(app, session)


def count_kinds(session, account_id: int) -> dict[str, int]:
    session.rollback()
    rows = session.scalars(select(Notification.kind).where(Notification.account_id == account_id))
    counts: dict[str, int] = {}
    for kind in rows:
        counts[kind] = counts.get(kind, 0) + 1
    session.rollback()
    return counts


def test_a_refund_stripe_refuses_ends_failed_and_is_not_retried(
    app, session, stripe_standin, funded, sdk
):
    brand, campaign, payment = funded
    cid = campaign["id"]
    # Someone refunds the whole charge from the Stripe dashboard: ours can no longer be made.
    sdk.v1.refunds.create({"payment_intent": payment["payment_intent_id"]})

    assert brand.post(f"/api/v1/campaigns/{cid}/cancel").status_code == 200
    [row] = refund_rows(session, cid)
    assert (row.status, row.attempts, row.provider_reference) == (RefundStatus.FAILED, 1, None)
    assert "Stripe refused" in row.last_error and "already been refunded" in row.last_error
    assert len(stripe_standin.refunds()) == 1  # only the dashboard's
    assert "refund" not in ledger_kinds(session)
    assert campaign_money(session, cid).refunded == 0

    with app.app_context():
        assert retry_pending_refunds_job() == 0
    assert len(posts(stripe_standin, "/v1/refunds")) == 2  # the dashboard's and our one try
    assert_ledger_ok(app, session)


def test_a_reversal_that_fails_changes_nothing_and_a_second_try_reverses_once(
    app, client, session, stripe_standin, funded, make_creator, make_offer
):
    sid = paid_sponsorship(client, stripe_standin, funded, make_creator, make_offer, 200_000)
    [transfer] = stripe_standin.transfers()
    stripe_standin.inject_fault(f"/v1/transfers/{transfer['id']}/reversals", "error_before_effect")

    with (
        app.app_context(),
        pytest.raises(ProviderError) as failed,
        session_scope(db.session_factory) as s,
    ):
        payments.reverse_payout(s, sid, payment_provider())
    assert failed.value.retryable is True
    payout = payout_of(session, sid)
    assert (payout.status, payout.reversal_reference) == (PayoutStatus.PAID, None)
    assert stripe_standin.reversals() == []
    assert "reversal" not in ledger_kinds(session)
    assert campaign_money(session, funded[1]["id"]).paid == 200_000
    assert_ledger_ok(app, session)

    with app.app_context(), session_scope(db.session_factory) as s:
        payments.reverse_payout(s, sid, payment_provider())
    [reversal] = stripe_standin.reversals()
    payout = payout_of(session, sid)
    assert (payout.status, payout.reversal_reference) == (PayoutStatus.REVERSED, reversal["id"])
    assert ledger_kinds(session)["reversal"] == 1
    assert_ledger_ok(app, session)


def test_the_refund_lookup_reads_every_page_of_refunds(
    app, session, stripe_standin, funded, make_creator, make_offer, sdk
):
    """Our refund's answer is lost; Stripe then lists 120 newer refunds of the same charge
    before ours (newest first), and has forgotten the key: only paging finds ours."""
    brand, campaign, payment = funded
    cid = campaign["id"]
    creator = creator_with_profile(make_creator)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=100_000).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])  # spent (the payout waits for onboarding)
    stripe_standin.inject_fault("/v1/refunds", "disconnect_after_effect")
    assert brand.post(f"/api/v1/campaigns/{cid}/cancel").status_code == 200
    [ours] = stripe_standin.refunds()
    assert ours["amount"] == 400_000 + 40_000
    for _ in range(120):  # small goodwill refunds from the dashboard
        sdk.v1.refunds.create({"payment_intent": payment["payment_intent_id"], "amount": 1})
    stripe_standin.forget_idempotency_keys()

    with app.app_context():
        assert retry_pending_refunds_job() == 1
    [row] = refund_rows(session, cid)
    assert (row.status, row.provider_reference) == (RefundStatus.SUCCEEDED, ours["id"])
    assert len(stripe_standin.refunds()) == 121  # no second refund of ours
    pages = [r for r in stripe_standin.requests() if (r.method, r.path) == ("GET", "/v1/refunds")]
    assert len(pages) >= 3  # the first try's look-up, then two pages on the retry
    assert campaign_money(session, cid).refunded == 400_000
    assert_ledger_ok(app, session)


# --- funding when the PaymentIntent call fails -----------------------------------------------------


@pytest.mark.parametrize("mode", ["timeout_before_effect", "timeout_after_effect"])
def test_funding_whose_payment_intent_call_times_out_answers_503_and_can_be_retried(
    app, client, session, stripe_standin, make_brand, make_campaign, mode
):
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    stripe_standin.inject_fault("/v1/payment_intents", mode, delay=2.5)  # client timeout: 1 s

    r = brand.post(f"/api/v1/campaigns/{cid}/fund")
    body = assert_error(r, 503)
    assert "could not be reached" in body["message"]
    assert fundings(session, cid) == []  # nothing kept: the brand simply tries again
    assert fresh(session, Campaign, cid).status is CampaignStatus.DRAFT

    r = brand.post(f"/api/v1/campaigns/{cid}/fund")
    assert r.status_code == 200, r.get_json()
    payment = r.get_json()["payment"]
    assert stripe_standin.get(payment["payment_intent_id"])["amount"] == 550_000
    stripe_standin.confirm_payment_intent(payment["payment_intent_id"])
    event = event_for(stripe_standin, "payment_intent.succeeded", payment["payment_intent_id"])
    assert post_event(client, stripe_standin, event["id"]).status_code == 200
    assert fresh(session, Campaign, cid).status is CampaignStatus.FUNDED
    assert campaign_money(session, cid).funded == 500_000
    assert_ledger_ok(app, session)


def test_a_retry_after_a_lost_answer_and_a_budget_change_never_reuses_the_old_key(
    app, client, session, stripe_standin, make_brand, make_campaign
):
    """The first PaymentIntent is made but its answer is lost (the funding row rolls back);
    the brand lowers the budget and funds again. SQLite gives the new row the lost row's id:
    a key built from the id would be sent again with a new amount, and Stripe refuses that.
    PostgreSQL's sequence does not hand an id out twice by itself, but a restored backup or a
    reset sequence does: the test sets it back, so both databases give the lost row's id."""
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    stripe_standin.inject_fault("/v1/payment_intents", "disconnect_after_effect")
    assert_error(brand.post(f"/api/v1/campaigns/{cid}/fund"), 503)
    [lost] = stripe_standin.payment_intents()
    if session.bind.dialect.name == "postgresql":
        session.execute(
            text(
                "SELECT setval(pg_get_serial_sequence('campaign_fundings', 'id'), last_value,"
                " false) FROM campaign_fundings_id_seq"
            )
        )
        session.commit()
    r = brand.patch(
        f"/api/v1/campaigns/{cid}", json={"budget": {"amount": 300_000, "currency": "EUR"}}
    )
    assert r.status_code == 200, r.get_json()

    r = brand.post(f"/api/v1/campaigns/{cid}/fund")
    assert r.status_code == 200, r.get_json()
    payment = r.get_json()["payment"]
    assert payment["payment_intent_id"] != lost["id"]
    assert stripe_standin.get(payment["payment_intent_id"])["amount"] == 330_000
    first, second = posts(stripe_standin, "/v1/payment_intents")
    assert first.idempotency_key != second.idempotency_key
    assert second.idempotency_key.startswith(f"campaign:{cid}:funding:")
    [row] = fundings(session, cid)
    assert second.idempotency_key == payments.funding_idempotency_key(row)
    stripe_standin.confirm_payment_intent(payment["payment_intent_id"])
    event = event_for(stripe_standin, "payment_intent.succeeded", payment["payment_intent_id"])
    assert post_event(client, stripe_standin, event["id"]).status_code == 200
    assert (campaign_money(session, cid).funded, campaign_money(session, cid).fees) == (
        300_000,
        30_000,
    )
    assert_ledger_ok(app, session)


def test_funding_stripe_refuses_answers_502_and_writes_nothing(
    app, session, stripe_standin, make_brand, make_campaign
):
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    stripe_standin.inject_fault("/v1/payment_intents", "error_before_effect", status=400)
    body = assert_error(brand.post(f"/api/v1/campaigns/{cid}/fund"), 502)
    assert body["message"].startswith("The payment provider did not complete this: Stripe refused")
    assert fundings(session, cid) == []
    assert stripe_standin.payment_intents() == []
    assert fresh(session, Campaign, cid).status is CampaignStatus.DRAFT


# --- webhooks --------------------------------------------------------------------------------------


def test_a_webhook_whose_provider_lookup_fails_rolls_back_so_stripe_redelivers(
    app, client, session, stripe_standin, make_brand, make_campaign
):
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    payment = brand.post(f"/api/v1/campaigns/{cid}/fund").get_json()["payment"]
    intent_id = payment["payment_intent_id"]
    stripe_standin.confirm_payment_intent(intent_id)
    event = event_for(stripe_standin, "payment_intent.succeeded", intent_id)
    stripe_standin.inject_fault(
        f"/v1/payment_intents/{intent_id}", "error_before_effect", method="GET"
    )

    r = post_event(client, stripe_standin, event["id"])
    assert_error(r, 503)  # a 5xx: Stripe delivers the event again later
    assert count_rows(session, StripeEvent) == 0  # the event row rolled back with the effect
    [row] = fundings(session, cid)
    assert row.status is FundingStatus.REQUIRES_PAYMENT
    assert fresh(session, Campaign, cid).status is CampaignStatus.DRAFT

    r = post_event(client, stripe_standin, event["id"])  # Stripe's redelivery
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["result"] == "processed"
    assert fresh(session, Campaign, cid).status is CampaignStatus.FUNDED
    assert count_rows(session, StripeEvent) == 1
    assert post_event(client, stripe_standin, event["id"]).get_json()["result"] == "duplicate"
    assert_ledger_ok(app, session)


def test_events_about_an_intent_or_account_that_is_not_ours_change_nothing(
    app, client, session, stripe_standin, funded, sdk
):
    # A PaymentIntent and a connected account made at Stripe by someone else (another app).
    intent = sdk.v1.payment_intents.create({"amount": 1_000, "currency": "eur"})
    stripe_standin.confirm_payment_intent(intent.id)
    account = sdk.v1.accounts.create(
        {"type": "express", "capabilities": {"transfers": {"requested": True}}}
    )
    stripe_standin.complete_onboarding(account.id)
    before = ledger_kinds(session)

    for event in (
        event_for(stripe_standin, "payment_intent.succeeded", intent.id),
        event_for(stripe_standin, "account.updated", account.id),
    ):
        r = post_event(client, stripe_standin, event["id"])
        assert r.status_code == 200, r.get_json()
        assert r.get_json()["result"] == "processed"
    assert count_rows(session, StripeEvent) == 2 + 1  # these two and the funding's
    assert ledger_kinds(session) == before
    looked_up = {r.path for r in stripe_standin.requests() if r.method == "GET"}
    assert f"/v1/payment_intents/{intent.id}" not in looked_up  # matched nothing: no look-up
    assert f"/v1/accounts/{account.id}" not in looked_up
    assert fresh(session, Campaign, funded[1]["id"]).status is CampaignStatus.PUBLISHED
    assert_ledger_ok(app, session)


# --- reconciliation --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "booked"),
    [({"fee": 50_001}, "550001 EUR"), ({"currency": "USD"}, "550000 USD")],
    ids=["amount", "currency"],
)
def test_reconcile_reports_an_amount_or_currency_that_differs(app, session, funded, change, booked):
    _, campaign, _ = funded
    assert reconcile_cli(app).exit_code == 0
    [row] = fundings(session, campaign["id"])
    update_row(session, CampaignFunding, row.id, **change)

    result = reconcile_cli(app)
    assert result.exit_code == 1, result.output
    assert (
        f"DIFFERENCE: funding of campaign {campaign['id']}: we booked {booked}, "
        "the provider moved 550000 EUR"
    ) in result.output


def test_reconcile_reads_every_page_of_balance_transactions(app, session, funded, sdk):
    """Our funding's charge is the oldest of 121 balance transactions: on the second page."""
    _, campaign, payment = funded
    extra = [
        sdk.v1.refunds.create({"payment_intent": payment["payment_intent_id"], "amount": 1}).id
        for _ in range(120)
    ]
    with app.app_context():
        from payments.reconcile import reconcile

        with session_scope(db.session_factory) as s:
            report = reconcile(s, payment_provider())
    assert report.checked == 121
    assert len(report.differences) == 120
    assert all("at the provider is not in our ledger" in d for d in report.differences)
    assert {d.split()[1] for d in report.differences} == set(extra)
    assert not any(f"campaign {campaign['id']}" in d for d in report.differences)


def test_payments_stripe_books_as_payment_are_no_difference(
    app, client, session, stripe_standin, make_brand, make_campaign
):
    """A bank debit: Stripe books its charge as a ``payment`` and its refund as a
    ``payment_refund`` balance transaction; both are ours."""
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    payment = brand.post(f"/api/v1/campaigns/{cid}/fund").get_json()["payment"]
    stripe_standin.confirm_payment_intent(payment["payment_intent_id"], "pm_sepaDebit")
    event = event_for(stripe_standin, "payment_intent.succeeded", payment["payment_intent_id"])
    assert post_event(client, stripe_standin, event["id"]).status_code == 200
    assert brand.post(f"/api/v1/campaigns/{cid}/publish").status_code == 200
    assert [t["type"] for t in stripe_standin.balance_transactions()] == ["payment"]

    result = reconcile_cli(app)
    assert result.exit_code == 0, result.output
    assert "No differences." in result.output

    assert brand.post(f"/api/v1/campaigns/{cid}/cancel").status_code == 200
    assert [t["type"] for t in stripe_standin.balance_transactions()] == [
        "payment",
        "payment_refund",
    ]
    result = reconcile_cli(app)
    assert result.exit_code == 0, result.output
    assert "2 balance transactions checked" in result.output
    assert "No differences." in result.output
    assert_ledger_ok(app, session)
