"""Payments in Stripe mode: the real ``stripe`` SDK over real HTTP against the stand-in on
127.0.0.1. Funding through a PaymentIntent and its signed webhook, creator onboarding,
transfers from the campaign's charge, refunds, reversals, reconciliation, and a provider that
times out in the middle of a transfer."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from accounts.models import Creator
from campaigns.models import Campaign, CampaignStatus
from core.db import session_scope
from extensions import db, payment_provider
from payments import ledger
from payments import service as payments
from payments.models import (
    CampaignFunding,
    CampaignRefund,
    FundingStatus,
    Payout,
    PayoutStatus,
    RefundStatus,
)
from payments.providers import ProviderError
from stripe_standin import StripeStandin
from tests.factories import fresh
from tests.helpers import assert_error
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


def funding_of(session, campaign_id: int) -> CampaignFunding:
    session.rollback()
    session.expire_all()
    funding = session.scalar(
        select(CampaignFunding).where(CampaignFunding.campaign_id == campaign_id)
    )
    assert funding is not None
    return funding


def transfer_posts(standin: StripeStandin) -> list[Any]:
    return [r for r in standin.requests() if (r.method, r.path) == ("POST", "/v1/transfers")]


@pytest.fixture
def funded(make_brand, make_campaign, client, stripe_standin, session):
    """A brand and its published campaign (budget 500 000 EUR), paid through Stripe."""
    brand = make_brand()
    campaign = make_campaign(brand)
    payment = fund_with_stripe(brand, client, stripe_standin, campaign["id"])
    return brand, campaign, payment


def reconcile_cli(app) -> Any:
    return app.test_cli_runner().invoke(args=["payments", "reconcile"])


# --- funding ---------------------------------------------------------------------------------------


def test_funding_waits_for_the_signed_payment_intent_succeeded_webhook(
    app, client, session, stripe_standin, make_brand, make_campaign
):
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    r = brand.post(f"/api/v1/campaigns/{cid}/fund")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    payment = body["payment"]
    assert body["campaign"]["status"] == "draft"
    assert (payment["provider"], payment["status"]) == ("stripe", "requires_payment")
    assert (payment["budget"], payment["fee"], payment["amount"]) == (500_000, 50_000, 550_000)
    [intent] = stripe_standin.payment_intents()
    assert intent["id"] == payment["payment_intent_id"]
    assert intent["client_secret"] == payment["client_secret"]
    assert (intent["amount"], intent["currency"], intent["status"]) == (
        550_000,
        "eur",
        "requires_payment_method",
    )
    assert intent["transfer_group"] == f"campaign_{cid}"
    assert intent["metadata"] == {"campaign_id": str(cid)}
    [create] = [r for r in stripe_standin.requests() if r.path == "/v1/payment_intents"]
    assert create.idempotency_key and create.idempotency_key.startswith(f"campaign:{cid}:funding:")

    # Asking again hands out the same PaymentIntent; nothing is funded or booked yet.
    again = brand.post(f"/api/v1/campaigns/{cid}/fund").get_json()["payment"]
    assert again["payment_intent_id"] == payment["payment_intent_id"]
    assert len(stripe_standin.payment_intents()) == 1
    assert_error(brand.post(f"/api/v1/campaigns/{cid}/publish"), 409)
    assert ledger_kinds(session) == {}
    report = brand.get(f"/api/v1/campaigns/{cid}/report").get_json()
    assert (report["funded"], report["fees"], report["remaining"]) == (0, 0, 0)

    # The brand pays; until the webhook arrives we still know nothing.
    stripe_standin.confirm_payment_intent(payment["payment_intent_id"])
    assert fresh(session, Campaign, cid).status is CampaignStatus.DRAFT
    created = event_for(stripe_standin, "payment_intent.created", payment["payment_intent_id"])
    r = post_event(client, stripe_standin, created["id"])
    assert (r.status_code, r.get_json()["result"]) == (200, "ignored")
    assert fresh(session, Campaign, cid).status is CampaignStatus.DRAFT

    succeeded = event_for(stripe_standin, "payment_intent.succeeded", payment["payment_intent_id"])
    r = post_event(client, stripe_standin, succeeded["id"])
    assert (r.status_code, r.get_json()) == (200, {"received": True, "result": "processed"})
    assert fresh(session, Campaign, cid).status is CampaignStatus.FUNDED
    funding = funding_of(session, cid)
    [charge] = stripe_standin.charges()
    assert (funding.status, funding.charge_id) == (FundingStatus.SUCCEEDED, charge["id"])
    m = campaign_money(session, cid)
    assert (m.funded, m.remaining, m.fees) == (500_000, 500_000, 50_000)
    assert balance(session, ledger.CLEARING) == 550_000
    report = brand.get(f"/api/v1/campaigns/{cid}/report").get_json()
    assert (report["funded"], report["fees"], report["remaining"]) == (500_000, 50_000, 500_000)
    assert brand.post(f"/api/v1/campaigns/{cid}/publish").status_code == 200
    assert_ledger_ok(app, session)


def test_a_declined_payment_leaves_the_campaign_a_draft_that_can_be_paid_again(
    app, client, session, stripe_standin, make_brand, make_campaign
):
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    payment = brand.post(f"/api/v1/campaigns/{cid}/fund").get_json()["payment"]
    pi = payment["payment_intent_id"]
    declined = stripe_standin.confirm_payment_intent(pi, "pm_card_chargeDeclined")
    assert declined["status"] == "requires_payment_method"
    r = post_event(
        client, stripe_standin, event_for(stripe_standin, "payment_intent.payment_failed", pi)["id"]
    )
    assert r.status_code == 200
    assert funding_of(session, cid).status is FundingStatus.FAILED
    assert fresh(session, Campaign, cid).status is CampaignStatus.DRAFT
    assert ledger_kinds(session) == {}

    # Funding again asks for the payment again, and this time it succeeds.
    retry = brand.post(f"/api/v1/campaigns/{cid}/fund").get_json()["payment"]
    assert (retry["status"], retry["amount"]) == ("requires_payment", 550_000)
    assert stripe_standin.get(retry["payment_intent_id"])["amount"] == 550_000
    stripe_standin.confirm_payment_intent(retry["payment_intent_id"])
    event = event_for(stripe_standin, "payment_intent.succeeded", retry["payment_intent_id"])
    assert post_event(client, stripe_standin, event["id"]).status_code == 200
    assert fresh(session, Campaign, cid).status is CampaignStatus.FUNDED
    assert ledger_kinds(session) == {"funding": 1}
    assert_ledger_ok(app, session)


def test_funding_again_after_the_budget_changed_asks_for_the_new_amount(
    app, client, session, stripe_standin, make_brand, make_campaign
):
    brand = make_brand()
    cid = make_campaign(brand)["id"]
    first = brand.post(f"/api/v1/campaigns/{cid}/fund").get_json()["payment"]
    r = brand.patch(
        f"/api/v1/campaigns/{cid}", json={"budget": {"amount": 300_000, "currency": "EUR"}}
    )
    assert r.status_code == 200, r.get_json()
    r = brand.post(f"/api/v1/campaigns/{cid}/fund")
    assert r.status_code == 200, r.get_json()
    second = r.get_json()["payment"]
    assert (second["budget"], second["fee"], second["amount"]) == (300_000, 30_000, 330_000)
    assert second["payment_intent_id"] != first["payment_intent_id"]
    assert stripe_standin.get(second["payment_intent_id"])["amount"] == 330_000
    stripe_standin.confirm_payment_intent(second["payment_intent_id"])
    event = event_for(stripe_standin, "payment_intent.succeeded", second["payment_intent_id"])
    assert post_event(client, stripe_standin, event["id"]).status_code == 200
    m = campaign_money(session, cid)
    assert (m.funded, m.fees) == (300_000, 30_000)
    assert_ledger_ok(app, session)


# --- onboarding ------------------------------------------------------------------------------------


def test_creator_onboarding_through_account_link_and_account_updated(
    app, client, session, stripe_standin, make_creator
):
    creator = make_creator()
    before = creator.get("/api/v1/creators/me/payout-account").get_json()
    assert before == {
        "provider": "stripe",
        "account_id": None,
        "payouts_enabled": False,
        "onboarding_url": None,
    }
    r = creator.post("/api/v1/creators/me/payout-account")
    assert r.status_code == 200, r.get_json()
    started = r.get_json()
    [account] = stripe_standin.accounts()
    assert started["account_id"] == account["id"]
    assert started["payouts_enabled"] is False
    assert started["onboarding_url"].startswith(stripe_standin.base_url)
    assert account["type"] == "express"
    assert account["metadata"] == {"creator_id": str(creator.id)}
    assert account["capabilities"] == {"transfers": "inactive"}

    # A second visit hands out a fresh link for the same account.
    again = creator.post("/api/v1/creators/me/payout-account").get_json()
    assert again["account_id"] == account["id"] and len(stripe_standin.accounts()) == 1

    stripe_standin.complete_onboarding(account["id"])
    assert fresh(session, Creator, creator.id).payouts_enabled is False  # not until told
    r = post_event(
        client, stripe_standin, event_for(stripe_standin, "account.updated", account["id"])["id"]
    )
    assert (r.status_code, r.get_json()["result"]) == (200, "processed")
    assert fresh(session, Creator, creator.id).payouts_enabled is True
    after = creator.get("/api/v1/creators/me/payout-account").get_json()
    assert (after["account_id"], after["payouts_enabled"]) == (account["id"], True)
    assert ledger_kinds(session) == {}
    assert_ledger_ok(app, session)


def test_creator_who_has_not_onboarded_accepts_and_is_paid_once_onboarded(
    app, client, session, stripe_standin, funded, make_creator, make_offer
):
    brand, campaign, _payment = funded
    creator = creator_with_profile(make_creator)
    offer = make_offer(campaign, creator, price_amount=120_000)
    sponsorship = accept(creator, offer.id)
    [listed] = creator.get(
        "/api/v1/creators/me/offers", query_string={"status": "accepted"}
    ).get_json()["items"]
    assert listed["id"] == offer.id
    assert "payout onboarding" in listed["payout_notice"]
    assert "Payouts wait" in listed["payout_notice"]

    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    payout = payout_of(session, sponsorship["id"])
    assert payout.status is PayoutStatus.PENDING
    assert "onboarding" in payout.last_error
    assert stripe_standin.transfers() == [] and transfer_posts(stripe_standin) == []
    [shown] = creator.get("/api/v1/creators/me/payouts").get_json()["items"]
    assert (shown["status"], shown["amount"]["amount"]) == ("pending", 120_000)
    assert balance(session, ledger.payable(creator.id)) == -120_000  # owed
    assert_ledger_ok(app, session)

    # A retry sweep before onboarding still pays nothing.
    result = app.test_cli_runner().invoke(args=["payments", "retry"])
    assert result.exit_code == 0, result.output
    assert payout_of(session, sponsorship["id"]).status is PayoutStatus.PENDING
    assert stripe_standin.transfers() == []

    account_id = onboard(creator, client, stripe_standin)  # the webhook queues the payout
    payout = payout_of(session, sponsorship["id"])
    [transfer] = stripe_standin.transfers()
    assert (payout.status, payout.provider_reference) == (PayoutStatus.PAID, transfer["id"])
    assert (transfer["amount"], transfer["currency"], transfer["destination"]) == (
        120_000,
        "eur",
        account_id,
    )
    assert transfer["transfer_group"] == f"sponsorship_{sponsorship['id']}"
    assert transfer["source_transaction"] == funding_of(session, campaign["id"]).charge_id
    [shown] = creator.get("/api/v1/creators/me/payouts").get_json()["items"]
    assert shown["status"] == "paid"
    assert balance(session, ledger.payable(creator.id)) == 0
    assert_ledger_ok(app, session)


# --- payouts, refunds, reversals ---------------------------------------------------------------------


def test_approval_transfers_the_agreed_price_from_the_campaigns_charge(
    app, client, session, stripe_standin, funded, make_creator, make_offer
):
    brand, campaign, payment = funded
    creator = creator_with_profile(make_creator)
    account_id = onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=123_456).id)
    deliver(creator, sponsorship["id"])
    assert stripe_standin.transfers() == []
    approve(brand, sponsorship["id"])

    [transfer] = stripe_standin.transfers()
    [charge] = stripe_standin.charges()
    assert charge["payment_intent"] == payment["payment_intent_id"]
    assert (transfer["amount"], transfer["currency"]) == (123_456, "eur")
    assert transfer["destination"] == account_id
    assert transfer["source_transaction"] == charge["id"]
    assert transfer["transfer_group"] == f"sponsorship_{sponsorship['id']}"
    [post] = transfer_posts(stripe_standin)
    assert post.idempotency_key == f"sponsorship:{sponsorship['id']}:transfer"
    payout = payout_of(session, sponsorship["id"])
    assert (payout.status, payout.provider_reference, payout.attempts) == (
        PayoutStatus.PAID,
        transfer["id"],
        1,
    )
    m = campaign_money(session, campaign["id"])
    assert (m.paid, m.committed, m.remaining) == (123_456, 0, 500_000 - 123_456)
    assert balance(session, ledger.CLEARING) == 550_000 - 123_456
    assert_ledger_ok(app, session)
    result = reconcile_cli(app)
    assert result.exit_code == 0, result.output
    assert "No differences." in result.output


def test_cancellation_refunds_the_uncommitted_rest_and_its_fee_at_stripe(
    app, client, session, stripe_standin, funded, make_creator, make_offer
):
    brand, campaign, payment = funded
    cid = campaign["id"]
    paid, waiting = creator_with_profile(make_creator), creator_with_profile(make_creator)
    onboard(paid, client, stripe_standin)
    s1 = accept(paid, make_offer(campaign, paid, price_amount=150_000).id)
    s2 = accept(waiting, make_offer(campaign, waiting, price_amount=50_000).id)
    deliver(paid, s1["id"])
    approve(brand, s1["id"])
    deliver(waiting, s2["id"])  # delivered, not reviewed: stays committed

    assert brand.post(f"/api/v1/campaigns/{cid}/cancel").status_code == 200
    [refund] = stripe_standin.refunds()
    # 500 000 - 150 000 paid - 50 000 committed, plus the fee on it (the fee on 200 000 stays).
    assert refund["amount"] == 300_000 + 30_000
    assert refund["payment_intent"] == payment["payment_intent_id"]
    assert refund["currency"] == "eur"
    session.rollback()
    [row] = session.scalars(select(CampaignRefund).where(CampaignRefund.campaign_id == cid)).all()
    assert (row.status, row.provider_reference, row.budget_part, row.fee_part) == (
        RefundStatus.SUCCEEDED,
        refund["id"],
        300_000,
        30_000,
    )
    [post] = [r for r in stripe_standin.requests() if (r.method, r.path) == ("POST", "/v1/refunds")]
    assert post.idempotency_key == f"campaign:{cid}:refund:1"
    m = campaign_money(session, cid)
    assert (m.refunded, m.committed, m.paid, m.remaining, m.fees) == (
        300_000,
        50_000,
        150_000,
        0,
        20_000,
    )
    assert_ledger_ok(app, session)
    result = reconcile_cli(app)
    assert result.exit_code == 0, result.output


def test_a_refund_after_payout_reverses_the_transfer(
    app, client, session, stripe_standin, funded, make_creator, make_offer
):
    brand, campaign, payment = funded
    cid = campaign["id"]
    creator = creator_with_profile(make_creator)
    onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=200_000).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    [transfer] = stripe_standin.transfers()

    with app.app_context(), session_scope(db.session_factory) as s:
        payments.reverse_payout(s, sponsorship["id"], payment_provider())
    [reversal] = stripe_standin.reversals()
    assert (reversal["transfer"], reversal["amount"]) == (transfer["id"], 200_000)
    assert stripe_standin.get(transfer["id"])["reversed"] is True
    # The lookup (GET) first, then the one create (POST) with our key.
    [post] = [
        r
        for r in stripe_standin.requests()
        if (r.method, r.path) == ("POST", f"/v1/transfers/{transfer['id']}/reversals")
    ]
    assert post.idempotency_key == f"sponsorship:{sponsorship['id']}:reversal"
    payout = payout_of(session, sponsorship["id"])
    assert (payout.status, payout.reversal_reference) == (PayoutStatus.REVERSED, reversal["id"])
    m = campaign_money(session, cid)
    assert (m.paid, m.remaining) == (0, 500_000)  # the money is the campaign's again
    assert_ledger_ok(app, session)

    # Only a paid payout can be reversed, and only once.
    with app.app_context(), session_scope(db.session_factory) as s, pytest.raises(Exception) as err:
        payments.reverse_payout(s, sponsorship["id"], payment_provider())
    assert "Only a paid payout" in str(err.value)
    assert len(stripe_standin.reversals()) == 1

    # The brand gets everything back, fee included: nothing was spent in the end.
    assert brand.post(f"/api/v1/campaigns/{cid}/cancel").status_code == 200
    [refund] = stripe_standin.refunds()
    assert refund["amount"] == 550_000
    assert refund["payment_intent"] == payment["payment_intent_id"]
    m = campaign_money(session, cid)
    assert (m.refunded, m.fees, m.remaining) == (500_000, 0, 0)
    assert balance(session, ledger.CLEARING) == 0
    assert_ledger_ok(app, session)
    result = reconcile_cli(app)
    assert result.exit_code == 0, result.output
    assert "No differences." in result.output


# --- reconciliation --------------------------------------------------------------------------------


def test_reconcile_finds_no_difference_then_a_transfer_we_do_not_know(
    app, client, session, stripe_standin, funded, make_creator, make_offer, sdk
):
    brand, campaign, _payment = funded
    creator = creator_with_profile(make_creator)
    account_id = onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=100_000).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    assert brand.post(f"/api/v1/campaigns/{campaign['id']}/complete").status_code == 200

    result = reconcile_cli(app)
    assert result.exit_code == 0, result.output
    # A charge, a transfer and a refund were matched one to one.
    assert "3 balance transactions checked" in result.output
    assert "No differences." in result.output

    # Someone pays a creator from the Stripe dashboard, behind our back.
    charge_id = funding_of(session, campaign["id"]).charge_id
    rogue = sdk.v1.transfers.create(
        {
            "amount": 777,
            "currency": "eur",
            "destination": account_id,
            "source_transaction": charge_id,
        }
    )
    result = reconcile_cli(app)
    assert result.exit_code == 1, result.output
    assert f"DIFFERENCE: transfer {rogue.id} (-777 EUR) at the provider is not in our ledger" in (
        result.output
    )
    assert "No differences." not in result.output
    assert_ledger_ok(app, session)  # our books are consistent; they just miss that transfer


def test_reconcile_reports_a_transfer_we_booked_that_stripe_does_not_have(
    app, client, session, stripe_standin, funded, make_creator, make_offer
):
    brand, campaign, _payment = funded
    creator = creator_with_profile(make_creator)
    onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=100_000).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    session.rollback()
    payout = session.scalar(select(Payout).where(Payout.sponsorship_id == sponsorship["id"]))
    payout.provider_reference = "tr_1NotAtStripe"
    session.commit()
    result = reconcile_cli(app)
    assert result.exit_code == 1
    assert (
        f"payout for sponsorship {sponsorship['id']} (-100000 EUR, transfer tr_1NotAtStripe)"
        in (result.output)
    )
    assert "is missing at the provider" in result.output
    assert_ledger_ok(app, session)  # the books agree with themselves, not with Stripe


# --- a provider timeout in the middle of a transfer ----------------------------------------------


@pytest.mark.parametrize("mode", ["timeout_after_effect", "disconnect_after_effect"])
def test_transfer_answer_lost_then_retry_makes_one_transfer(
    app, client, session, stripe_standin, funded, make_creator, make_offer, mode
):
    brand, campaign, _payment = funded
    creator = creator_with_profile(make_creator)
    onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=90_000).id)
    deliver(creator, sponsorship["id"])
    stripe_standin.inject_fault("/v1/transfers", mode, delay=3.0)

    approve(brand, sponsorship["id"])  # the approval stands; the transfer's answer was lost
    [transfer] = stripe_standin.transfers()  # ...but Stripe made it
    payout = payout_of(session, sponsorship["id"])
    assert payout.status is PayoutStatus.PENDING
    assert payout.provider_reference is None
    assert payout.attempts == 1
    assert "could not be reached" in payout.last_error
    assert balance(session, ledger.payable(creator.id)) == -90_000
    assert "transfer" not in ledger_kinds(session)
    assert_ledger_ok(app, session)

    result = app.test_cli_runner().invoke(args=["payments", "retry"])
    assert result.exit_code == 0, result.output
    assert "1 pending payouts tried." in result.output
    payout = payout_of(session, sponsorship["id"])
    assert (payout.status, payout.provider_reference, payout.last_error) == (
        PayoutStatus.PAID,
        transfer["id"],
        None,
    )
    assert len(stripe_standin.transfers()) == 1
    assert balance(session, ledger.payable(creator.id)) == 0
    assert ledger_kinds(session)["transfer"] == 1

    # Another sweep finds nothing to do.
    again = app.test_cli_runner().invoke(args=["payments", "retry"])
    assert "0 pending payouts tried." in again.output
    assert len(stripe_standin.transfers()) == 1
    assert_ledger_ok(app, session)
    assert reconcile_cli(app).exit_code == 0


def test_a_retry_days_later_finds_the_transfer_instead_of_paying_twice(
    app, client, session, stripe_standin, funded, make_creator, make_offer
):
    brand, campaign, _payment = funded
    creator = creator_with_profile(make_creator)
    onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=90_000).id)
    deliver(creator, sponsorship["id"])
    stripe_standin.inject_fault("/v1/transfers", "disconnect_after_effect")
    approve(brand, sponsorship["id"])
    [transfer] = stripe_standin.transfers()
    assert payout_of(session, sponsorship["id"]).status is PayoutStatus.PENDING

    # Days pass: Stripe has forgotten the idempotency key, so only a lookup can save us.
    stripe_standin.forget_idempotency_keys()
    with app.app_context():
        from payments.jobs import pay_pending_payouts_job

        assert pay_pending_payouts_job() == 1
    payout = payout_of(session, sponsorship["id"])
    assert (payout.status, payout.provider_reference) == (PayoutStatus.PAID, transfer["id"])
    assert len(stripe_standin.transfers()) == 1
    assert len(transfer_posts(stripe_standin)) == 1  # no second create was even attempted
    assert_ledger_ok(app, session)
    assert reconcile_cli(app).exit_code == 0


@pytest.mark.parametrize("days_later", [False, True], ids=["same-day", "days-later"])
def test_refund_answer_lost_then_retry_makes_one_refund(
    app, session, stripe_standin, funded, days_later
):
    brand, campaign, payment = funded
    cid = campaign["id"]
    stripe_standin.inject_fault("/v1/refunds", "disconnect_after_effect")
    assert brand.post(f"/api/v1/campaigns/{cid}/cancel").status_code == 200
    [refund] = stripe_standin.refunds()  # made at Stripe; the answer was lost
    [row] = refund_rows(session, cid)
    assert (row.status, row.provider_reference, row.attempts) == (RefundStatus.PENDING, None, 1)
    assert "refund" not in ledger_kinds(session)
    assert_ledger_ok(app, session)

    if days_later:
        stripe_standin.forget_idempotency_keys()
    with app.app_context():
        from payments.jobs import retry_pending_refunds_job

        assert retry_pending_refunds_job() == 1
    [row] = refund_rows(session, cid)
    assert (row.status, row.provider_reference) == (RefundStatus.SUCCEEDED, refund["id"])
    assert [r["id"] for r in stripe_standin.refunds()] == [refund["id"]]
    assert refund["amount"] == 550_000 and refund["payment_intent"] == payment["payment_intent_id"]
    m = campaign_money(session, cid)
    assert (m.refunded, m.remaining, m.fees) == (500_000, 0, 0)
    assert_ledger_ok(app, session)
    assert reconcile_cli(app).exit_code == 0


def test_an_account_that_lost_its_transfers_capability_gets_paid_once_it_is_back(
    app, client, session, stripe_standin, funded, make_creator, make_offer
):
    brand, campaign, _payment = funded
    creator = creator_with_profile(make_creator)
    account_id = onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=90_000).id)
    deliver(creator, sponsorship["id"])
    # The connected account is restricted at Stripe before we hear about it.
    stripe_standin.set_account_status(account_id, payouts_enabled=False)
    approve(brand, sponsorship["id"])
    payout = payout_of(session, sponsorship["id"])
    assert payout.status is PayoutStatus.PENDING  # waits; a failure would never be retried
    assert "cannot receive transfers" in payout.last_error
    assert stripe_standin.transfers() == []
    assert "transfer" not in ledger_kinds(session)
    assert balance(session, ledger.payable(creator.id)) == -90_000  # still owed
    assert_ledger_ok(app, session)

    disabled = event_for(stripe_standin, "account.updated", account_id)
    assert post_event(client, stripe_standin, disabled["id"]).status_code == 200
    assert fresh(session, Creator, creator.id).payouts_enabled is False
    stripe_standin.complete_onboarding(account_id)
    enabled = event_for(stripe_standin, "account.updated", account_id)
    assert post_event(client, stripe_standin, enabled["id"]).status_code == 200
    [transfer] = stripe_standin.transfers()
    payout = payout_of(session, sponsorship["id"])
    assert (payout.status, payout.provider_reference) == (PayoutStatus.PAID, transfer["id"])
    assert transfer["amount"] == 90_000
    assert balance(session, ledger.payable(creator.id)) == 0
    assert_ledger_ok(app, session)


def test_provider_errors_are_classified_for_retry(stripe_standin, app, session):
    stripe_standin.inject_fault("/v1/transfers", "error_before_effect")
    with app.app_context():
        provider = payment_provider()
        with pytest.raises(ProviderError) as unreachable:
            provider.transfer(
                amount=100,
                currency="EUR",
                destination="acct_x",
                source_charge=None,
                transfer_group="g",
                idempotency_key="k1",
            )
        assert unreachable.value.retryable is True
        with pytest.raises(ProviderError) as refused:
            provider.transfer(
                amount=100,
                currency="EUR",
                destination="acct_missing",
                source_charge=None,
                transfer_group="g",
                idempotency_key="k2",
            )
        assert refused.value.retryable is False
        assert "acct_missing" in str(refused.value)
    assert stripe_standin.transfers() == []
    assert_ledger_ok(app, session)
