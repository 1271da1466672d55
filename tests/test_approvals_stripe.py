"""Approvals that end in Stripe mode: the real ``stripe`` SDK over real HTTP against the
stand-in. The auto-approval job and an operator's dispute decisions move money at Stripe once;
an operator's reversal takes a transfer back once, even when Stripe's answer to the reversal
is lost and the operator tries again (the same day, or after Stripe forgot the key)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from collaborations.models import Sponsorship, SponsorshipStatus
from core.db import utcnow
from payments.models import CampaignRefund, Payout, PayoutStatus, RefundStatus
from stripe_standin import StripeStandin
from tests.conftest import operator_user
from tests.factories import fresh, update_row
from tests.helpers import assert_error
from tests.payments_fixtures import (
    accept,
    approve,
    assert_ledger_ok,
    campaign_money,
    creator_with_profile,
    deliver,
    fund_with_stripe,
    ledger_kinds,
    onboard,
    stripe_config,
)

PRICE = 120_000


@pytest.fixture
def app(make_app, stripe_standin):
    return make_app(**stripe_config(stripe_standin))


@pytest.fixture
def deal(make_brand, make_campaign, make_creator, make_offer, client, stripe_standin):
    """A brand's campaign paid through Stripe and an onboarded creator's sponsorship on it."""
    brand = make_brand()
    campaign = make_campaign(brand)
    payment = fund_with_stripe(brand, client, stripe_standin, campaign["id"])
    creator = creator_with_profile(make_creator)
    onboard(creator, client, stripe_standin)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=PRICE).id)
    return brand, creator, campaign, payment, sponsorship


@pytest.fixture
def operator(app, client):
    return operator_user(app, client)


def reconciles(app) -> None:
    result = app.test_cli_runner().invoke(args=["payments", "reconcile"])
    assert result.exit_code == 0, result.output
    assert "No differences." in result.output


def payout_of(session, sponsorship_id: int) -> Payout:
    session.rollback()
    session.expire_all()
    payout = session.scalar(select(Payout).where(Payout.sponsorship_id == sponsorship_id))
    assert payout is not None
    session.rollback()
    return payout


def reversal_posts(standin: StripeStandin) -> list:
    return [r for r in standin.requests() if r.method == "POST" and r.path.endswith("/reversals")]


def test_the_auto_approval_job_transfers_once_at_stripe(app, session, stripe_standin, deal):
    _brand, creator, campaign, _payment, sponsorship = deal
    sid = sponsorship["id"]
    deliver(creator, sid)
    update_row(session, Sponsorship, sid, delivered_at=utcnow() - timedelta(days=15))
    for _ in range(2):
        result = app.test_cli_runner().invoke(args=["jobs", "auto-approve"])
        assert result.exit_code == 0, result.output
    [transfer] = stripe_standin.transfers()
    assert (transfer["amount"], transfer["transfer_group"]) == (PRICE, f"sponsorship_{sid}")
    assert payout_of(session, sid).provider_reference == transfer["id"]
    assert fresh(session, Sponsorship, sid).auto_approved is True
    assert_ledger_ok(app, session)
    reconciles(app)


def dispute(brand, creator, sid: int) -> None:
    for n in range(3):
        deliver(creator, sid)
        r = brand.post(f"/api/v1/sponsorships/{sid}/reject", json={"reason": f"No. {n}"})
        assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "disputed"


def test_a_dispute_approved_transfers_and_one_cancelled_refunds_at_stripe(
    app, session, stripe_standin, deal, operator, make_creator, make_offer, client
):
    brand, creator, campaign, payment, sponsorship = deal
    other = creator_with_profile(make_creator)
    onboard(other, client, stripe_standin)
    second = accept(other, make_offer(campaign, other, price_amount=80_000).id)
    dispute(brand, creator, sponsorship["id"])
    dispute(brand, other, second["id"])

    note = {"note": "Decided after watching the post."}
    assert operator.post(f"/api/v1/disputes/{sponsorship['id']}/approve", json=note).status_code
    assert operator.post(f"/api/v1/disputes/{second['id']}/cancel", json=note).status_code == 200

    [transfer] = stripe_standin.transfers()
    assert transfer["amount"] == PRICE
    [refund] = stripe_standin.refunds()
    assert refund["amount"] == 80_000 + 8_000  # the cancelled price and the fee on it
    assert refund["payment_intent"] == payment["payment_intent_id"]
    session.rollback()
    [row] = session.scalars(
        select(CampaignRefund).where(CampaignRefund.campaign_id == campaign["id"])
    ).all()
    assert (row.status, row.provider_reference) == (RefundStatus.SUCCEEDED, refund["id"])
    session.rollback()
    m = campaign_money(session, campaign["id"])
    assert (m.paid, m.refunded, m.committed) == (PRICE, 80_000, 0)
    assert_ledger_ok(app, session)
    reconciles(app)


def test_reversing_a_paid_sponsorship_takes_the_transfer_back_once(
    app, session, stripe_standin, deal, operator
):
    brand, creator, campaign, payment, sponsorship = deal
    sid = sponsorship["id"]
    deliver(creator, sid)
    approve(brand, sid)
    [transfer] = stripe_standin.transfers()

    reason = {"reason": "The creator deleted the post."}
    r = operator.post(f"/api/v1/sponsorships/{sid}/reverse", json=reason)
    assert r.status_code == 200, r.get_json()
    [reversal] = stripe_standin.reversals()
    assert (reversal["transfer"], reversal["amount"]) == (transfer["id"], PRICE)
    assert reversal["metadata"] == {"idempotency_key": f"sponsorship:{sid}:reversal"}
    [post] = reversal_posts(stripe_standin)
    assert post.idempotency_key == f"sponsorship:{sid}:reversal"
    payout = payout_of(session, sid)
    assert (payout.status, payout.reversal_reference) == (PayoutStatus.REVERSED, reversal["id"])
    [refund] = stripe_standin.refunds()
    assert refund["amount"] == PRICE + PRICE // 10
    assert refund["payment_intent"] == payment["payment_intent_id"]

    assert_error(operator.post(f"/api/v1/sponsorships/{sid}/reverse", json=reason), 409)
    assert len(stripe_standin.reversals()) == 1
    m = campaign_money(session, campaign["id"])
    assert (m.paid, m.refunded) == (0, PRICE)
    assert_ledger_ok(app, session)
    reconciles(app)


@pytest.mark.parametrize("days_later", [False, True], ids=["same-day", "days-later"])
@pytest.mark.parametrize("mode", ["timeout_after_effect", "disconnect_after_effect"])
def test_a_reversal_whose_answer_was_lost_is_found_on_retry_not_made_twice(
    app, session, stripe_standin, deal, operator, mode, days_later
):
    brand, creator, campaign, _payment, sponsorship = deal
    sid = sponsorship["id"]
    deliver(creator, sid)
    approve(brand, sid)
    [transfer] = stripe_standin.transfers()
    stripe_standin.inject_fault(f"/v1/transfers/{transfer['id']}/reversals", mode, delay=3.0)

    reason = {"reason": "Fraud: the account was bought."}
    lost = operator.post(f"/api/v1/sponsorships/{sid}/reverse", json=reason)
    assert "payment provider" in assert_error(lost, 503)["message"]
    [reversal] = stripe_standin.reversals()  # Stripe made it; we never heard
    # Nothing changed on our side: the request rolled back.
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.APPROVED
    assert payout_of(session, sid).status is PayoutStatus.PAID
    assert "reversal" not in ledger_kinds(session, campaign["id"])
    assert stripe_standin.refunds() == []
    assert_ledger_ok(app, session)

    if days_later:
        stripe_standin.forget_idempotency_keys()
    r = operator.post(f"/api/v1/sponsorships/{sid}/reverse", json=reason)
    assert r.status_code == 200, r.get_json()
    assert [x["id"] for x in stripe_standin.reversals()] == [reversal["id"]]
    assert len(reversal_posts(stripe_standin)) == 1  # the retry found it: no second create
    assert payout_of(session, sid).reversal_reference == reversal["id"]
    assert ledger_kinds(session, campaign["id"])["reversal"] == 1
    [refund] = stripe_standin.refunds()
    assert refund["amount"] == PRICE + PRICE // 10
    assert_ledger_ok(app, session)
    reconciles(app)
