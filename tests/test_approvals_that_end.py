"""Approvals that end, in ledger mode through the API, the jobs and the CLI: a post nobody
reviews is approved and paid once after AUTO_APPROVE_DAYS (even with the job run twice and a
brand approving at the same moment), a post rejected more than MAX_REJECTIONS times goes to
the operators' dispute queue, where an operator approves (pays) or cancels (refunds), and an
operator can reverse a paid sponsorship. The books balance after each step."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from collaborations.approval_jobs import auto_approve_job
from collaborations.models import Sponsorship, SponsorshipStatus
from core.db import utcnow
from notifications.models import Notification
from payments.models import CampaignRefund, Payout, PayoutStatus, RefundStatus
from tests.conftest import operator_user
from tests.factories import fresh, open_up, update_row
from tests.helpers import MISSING_ID, assert_error, count_rows
from tests.payments_fixtures import (
    accept,
    assert_ledger_ok,
    campaign_money,
    concurrently,
    deliver,
    http_post,
    ledger_kinds,
    live_server,
)

PRICE = 45_000


@pytest.fixture
def settings() -> dict[str, Any]:
    """App settings for this module's app (a test parametrizes it to change one)."""
    return {}


@pytest.fixture
def app(make_app, settings):
    return make_app(**settings)


@pytest.fixture
def deal(make_brand, make_creator, make_campaign, make_offer):
    """``make()``: a brand's published campaign and a creator who accepted an offer on it."""

    def make(price: int = PRICE) -> tuple[Any, Any, dict[str, Any], dict[str, Any]]:
        brand = make_brand("Glow Labs")
        creator = make_creator()
        open_up(creator)
        campaign = make_campaign(brand, state="published")
        sponsorship = accept(creator, make_offer(campaign, creator, price_amount=price).id)
        return brand, creator, campaign, sponsorship

    return make


@pytest.fixture
def operator(app, client):
    return operator_user(app, client)


def delivered_days_ago(session, creator, sponsorship_id: int, days: float) -> None:
    """Deliver through the API, then move the delivery back in time (the clock moves on)."""
    deliver(creator, sponsorship_id)
    update_row(session, Sponsorship, sponsorship_id, delivered_at=utcnow() - timedelta(days=days))


def my_sponsorship(creator, sponsorship_id: int) -> dict[str, Any]:
    items = creator.get("/api/v1/creators/me/sponsorships").get_json()["items"]
    [item] = [s for s in items if s["id"] == sponsorship_id]
    return item


def notices(session, account_id: int, kind: str | None = None) -> list[Notification]:
    session.rollback()
    query = select(Notification).where(Notification.account_id == account_id)
    if kind:
        query = query.where(Notification.kind == kind)
    rows = list(session.scalars(query.order_by(Notification.id)))
    session.rollback()
    return rows


def payouts_for(session, sponsorship_id: int) -> list[Payout]:
    session.rollback()
    rows = list(session.scalars(select(Payout).where(Payout.sponsorship_id == sponsorship_id)))
    session.rollback()
    return rows


def run_auto_approve(app) -> str:
    result = app.test_cli_runner().invoke(args=["jobs", "auto-approve"])
    assert result.exit_code == 0, result.output
    return result.output


def reject(brand, sponsorship_id: int, reason: str) -> Any:
    return brand.post(f"/api/v1/sponsorships/{sponsorship_id}/reject", json={"reason": reason})


def reject_into_dispute(brand, creator, sponsorship_id: int, times: int = 3) -> dict[str, Any]:
    """Deliver and reject ``times`` times (redelivering in between); the last answer."""
    body: dict[str, Any] = {}
    for n in range(1, times + 1):
        deliver(creator, sponsorship_id)
        r = reject(brand, sponsorship_id, f"Reason number {n}: the serum is not shown.")
        assert r.status_code == 200, r.get_json()
        body = r.get_json()
    return body


# --- automatic approval ----------------------------------------------------------------------


def test_a_post_unreviewed_for_15_days_is_approved_and_paid_once_with_notices(app, session, deal):
    brand, creator, campaign, sponsorship = deal()
    sid = sponsorship["id"]
    delivered_days_ago(session, creator, sid, 15)

    assert "1 posts approved automatically." in run_auto_approve(app)
    assert "0 posts approved automatically." in run_auto_approve(app)  # a retry: nothing more

    row = fresh(session, Sponsorship, sid)
    assert (row.status, row.auto_approved) == (SponsorshipStatus.APPROVED, True)
    [payout] = payouts_for(session, sid)
    assert (payout.status, payout.amount) == (PayoutStatus.PAID, PRICE)
    kinds = ledger_kinds(session, campaign["id"])
    assert (kinds["payout"], kinds["transfer"]) == (1, 1)
    m = campaign_money(session, campaign["id"])
    assert (m.paid, m.committed) == (PRICE, 0)
    assert_ledger_ok(app, session)

    mine = my_sponsorship(creator, sid)
    assert (mine["status"], mine["auto_approved"], mine["auto_approve_on"]) == (
        "approved",
        True,
        None,
    )
    assert creator.get("/api/v1/creators/me/payouts").get_json()["total"] == 1

    [to_brand] = notices(session, brand.account_id, "sponsorship.auto_approved")
    assert "approved automatically after 14 days without review" in to_brand.body
    [to_creator] = notices(session, creator.account_id, "sponsorship.auto_approved")
    assert "you are paid €450.00" in to_creator.subject + to_creator.body


def test_not_before_the_days_have_passed_and_the_date_is_shown(app, session, deal):
    _brand, creator, _campaign, sponsorship = deal()
    sid = sponsorship["id"]
    delivered_days_ago(session, creator, sid, 13.9)
    assert "0 posts approved automatically." in run_auto_approve(app)
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.DELIVERED
    assert payouts_for(session, sid) == []
    delivered_at = fresh(session, Sponsorship, sid).delivered_at
    mine = my_sponsorship(creator, sid)
    assert mine["auto_approve_on"] == (delivered_at + timedelta(days=14)).date().isoformat()
    assert mine["rejections_left"] == 2


def test_the_days_count_from_the_latest_delivery(app, session, deal):
    brand, creator, _campaign, sponsorship = deal()
    sid = sponsorship["id"]
    delivered_days_ago(session, creator, sid, 20)
    assert reject(brand, sid, "Please show the label.").status_code == 200
    deliver(creator, sid)  # delivered again just now: a new fortnight for the brand
    assert "0 posts approved automatically." in run_auto_approve(app)
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.DELIVERED


@pytest.mark.parametrize("settings", [{"AUTO_APPROVE_DAYS": 3}])
def test_auto_approve_days_is_a_setting(app, session, deal, settings):
    _brand, creator, _campaign, sponsorship = deal()
    sid = sponsorship["id"]
    delivered_days_ago(session, creator, sid, 2.9)
    assert "0 posts approved automatically." in run_auto_approve(app)
    update_row(session, Sponsorship, sid, delivered_at=utcnow() - timedelta(days=3.1))
    assert "1 posts approved automatically." in run_auto_approve(app)
    assert fresh(session, Sponsorship, sid).auto_approved is True


@pytest.mark.parametrize("job_runs", [2, 4])
def test_the_job_racing_the_brands_approval_pays_once(app, session, deal, job_runs):
    brand, creator, campaign, sponsorship = deal()
    sid = sponsorship["id"]
    delivered_days_ago(session, creator, sid, 15)

    def job() -> Any:
        with app.app_context():
            return ("job", auto_approve_job())

    with live_server(app) as base:
        url = f"{base}/api/v1/sponsorships/{sid}/approve"
        calls = [lambda: http_post(url, headers=brand.headers) for _ in range(2)]
        results = concurrently([*calls, *([job] * job_runs)])
    approvals = [r for r in results if not isinstance(r, tuple)]
    jobs = [r[1] for r in results if isinstance(r, tuple)]
    brand_won = sum(r.status_code == 200 for r in approvals)
    assert Counter(r.status_code for r in approvals)[409] == 2 - brand_won
    assert brand_won + sum(jobs) == 1, ([r.text for r in approvals], jobs)

    row = fresh(session, Sponsorship, sid)
    assert row.status is SponsorshipStatus.APPROVED
    assert row.auto_approved is (brand_won == 0)
    assert [p.status for p in payouts_for(session, sid)] == [PayoutStatus.PAID]
    kinds = ledger_kinds(session, campaign["id"])
    assert (kinds["payout"], kinds["transfer"]) == (1, 1)
    told = notices(session, creator.account_id, "sponsorship.auto_approved")
    assert len(told) == (0 if brand_won else 1)
    assert_ledger_ok(app, session)


# --- the rejection limit -----------------------------------------------------------------------


def test_the_third_rejection_opens_a_dispute_and_the_creator_cannot_redeliver(
    app, session, deal, operator
):
    brand, creator, campaign, sponsorship = deal()
    sid = sponsorship["id"]
    lefts = []
    for n in (1, 2):
        deliver(creator, sid)
        r = reject(brand, sid, f"Reason number {n}: the serum is not shown.")
        assert r.status_code == 200
        body = r.get_json()
        assert body["status"] == "rejected"
        lefts.append(body["rejections_left"])
        assert my_sponsorship(creator, sid)["rejections_left"] == body["rejections_left"]
    assert lefts == [1, 0]  # with MAX_REJECTIONS = 2: two rejections send the post back

    deliver(creator, sid)
    r = reject(brand, sid, "Reason number 3: still not the brief.")
    assert r.status_code == 200
    body = r.get_json()
    assert (body["status"], body["rejections"], body["rejections_left"]) == ("disputed", 3, 0)
    assert body["disputed_at"] is not None and body["auto_approve_on"] is None

    again = creator.post(
        f"/api/v1/sponsorships/{sid}/deliverable",
        json={"url": "https://www.xiaohongshu.com/explore/x", "disclosure": True},
    )
    assert "disputed" in assert_error(again, 409)["message"]
    assert_error(reject(brand, sid, "A fourth time."), 409)
    assert_error(brand.post(f"/api/v1/sponsorships/{sid}/approve"), 409)

    # Money and capacity stay held; nothing is paid or refunded yet.
    m = campaign_money(session, campaign["id"])
    assert (m.committed, m.paid, m.refunded) == (PRICE, 0, 0)
    assert count_rows(session, Payout) == 0
    assert "0 posts approved automatically." in run_auto_approve(app)  # not the job's to decide
    assert_ledger_ok(app, session)

    assert len(notices(session, brand.account_id, "sponsorship.disputed")) == 1
    assert len(notices(session, creator.account_id, "sponsorship.disputed")) == 1
    assert len(notices(session, creator.account_id, "sponsorship.rejected")) == 3

    queue = operator.get("/api/v1/disputes").get_json()
    assert queue["total"] == 1
    [item] = queue["items"]
    assert item["sponsorship"]["id"] == sid
    assert item["sponsorship"]["post_url"].startswith("https://")
    assert item["sponsorship"]["campaign"]["brief"] == campaign["brief"]
    assert item["sponsorship"]["price"] == {"amount": PRICE, "currency": "EUR"}
    assert item["brand"]["name"] == "Glow Labs"
    assert [h["reason"][:15] for h in item["rejection_history"]] == [
        "Reason number 1",
        "Reason number 2",
        "Reason number 3",
    ]


@pytest.mark.parametrize("settings", [{"MAX_REJECTIONS": 0}])
def test_max_rejections_is_a_setting(app, session, deal, settings):
    brand, creator, _campaign, sponsorship = deal()
    deliver(creator, sponsorship["id"])
    assert my_sponsorship(creator, sponsorship["id"])["rejections_left"] == 0
    body = reject(brand, sponsorship["id"], "Not the brief.").get_json()
    assert (body["status"], body["rejections"]) == ("disputed", 1)


# --- the operator decides ----------------------------------------------------------------------


def test_operator_approves_a_dispute_and_the_creator_is_paid_once(app, session, deal, operator):
    brand, creator, campaign, sponsorship = deal()
    sid = sponsorship["id"]
    reject_into_dispute(brand, creator, sid)
    note = {"note": "The post follows the brief and is labelled."}
    r = operator.post(f"/api/v1/disputes/{sid}/approve", json=note)
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert (body["status"], body["dispute_resolution"]) == ("approved", note["note"])
    assert (
        "already decided"
        in assert_error(operator.post(f"/api/v1/disputes/{sid}/approve", json=note), 409)["message"]
    )
    assert_error(operator.post(f"/api/v1/disputes/{sid}/cancel", json=note), 409)

    [payout] = payouts_for(session, sid)
    assert (payout.status, payout.amount) == (PayoutStatus.PAID, PRICE)
    m = campaign_money(session, campaign["id"])
    assert (m.paid, m.committed, m.refunded) == (PRICE, 0, 0)
    assert_ledger_ok(app, session)
    assert operator.get("/api/v1/disputes").get_json()["total"] == 0
    decided = operator.get(f"/api/v1/disputes/{sid}").get_json()
    assert decided["sponsorship"]["status"] == "approved"
    assert len(notices(session, brand.account_id, "sponsorship.dispute_approved")) == 1
    assert len(notices(session, creator.account_id, "sponsorship.dispute_approved")) == 1


def test_operator_cancels_a_dispute_and_the_brand_is_refunded_the_price(
    app, session, deal, operator
):
    brand, creator, campaign, sponsorship = deal()
    sid = sponsorship["id"]
    reject_into_dispute(brand, creator, sid)
    before = campaign_money(session, campaign["id"])
    r = operator.post(
        f"/api/v1/disputes/{sid}/cancel", json={"note": "The post is for another brand."}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "cancelled"
    assert count_rows(session, Payout) == 0

    session.rollback()
    [refund] = session.scalars(
        select(CampaignRefund).where(CampaignRefund.campaign_id == campaign["id"])
    ).all()
    # Just this price and the fee on it: the campaign goes on with the rest of its budget.
    assert (refund.status, refund.budget_part, refund.fee_part) == (
        RefundStatus.SUCCEEDED,
        PRICE,
        PRICE // 10,
    )
    session.rollback()
    m = campaign_money(session, campaign["id"])
    assert (m.committed, m.paid, m.refunded) == (0, 0, PRICE)
    assert m.remaining == before.remaining  # released, then refunded
    assert_ledger_ok(app, session)
    # The creator's capacity is free again; the brand can end the campaign as usual.
    assert brand.post(f"/api/v1/campaigns/{campaign['id']}/cancel").status_code == 200
    m = campaign_money(session, campaign["id"])
    assert (m.remaining, m.refunded, m.fees) == (0, 500_000, 0)
    assert_ledger_ok(app, session)
    assert len(notices(session, brand.account_id, "sponsorship.dispute_cancelled")) == 1


def test_operator_reverses_a_paid_sponsorship_once_and_the_brand_is_refunded(
    app, session, deal, operator
):
    brand, creator, campaign, sponsorship = deal()
    sid = sponsorship["id"]
    deliver(creator, sid)
    assert brand.post(f"/api/v1/sponsorships/{sid}/approve").status_code == 200
    reason = {"reason": "The post was deleted a day after approval."}
    r = operator.post(f"/api/v1/sponsorships/{sid}/reverse", json=reason)
    assert r.status_code == 200, r.get_json()
    assert (r.get_json()["status"], r.get_json()["dispute_resolution"]) == (
        "cancelled",
        reason["reason"],
    )
    assert (
        "Only approved"
        in assert_error(operator.post(f"/api/v1/sponsorships/{sid}/reverse", json=reason), 409)[
            "message"
        ]
    )
    [payout] = payouts_for(session, sid)
    assert payout.status is PayoutStatus.REVERSED
    kinds = ledger_kinds(session, campaign["id"])
    assert (kinds["reversal"], kinds["refund"]) == (1, 1)
    m = campaign_money(session, campaign["id"])
    assert (m.paid, m.refunded, m.committed) == (0, PRICE, 0)
    assert_ledger_ok(app, session)
    assert len(notices(session, creator.account_id, "sponsorship.reversed")) == 1


def test_a_disputed_or_unpaid_sponsorship_cannot_be_reversed(app, session, deal, operator):
    brand, creator, _campaign, sponsorship = deal()
    sid = sponsorship["id"]
    reason = {"reason": "Fraud suspected."}
    assert_error(operator.post(f"/api/v1/sponsorships/{sid}/reverse", json=reason), 409)
    assert_error(operator.post(f"/api/v1/sponsorships/{MISSING_ID}/reverse", json=reason), 404)
    assert_error(operator.post(f"/api/v1/disputes/{sid}/approve", json={"note": "x" * 5}), 404)
    assert_error(operator.post(f"/api/v1/disputes/{sid}/cancel", json={}), 422, "note")


# --- tenant walls ------------------------------------------------------------------------------


def test_only_operators_reach_the_dispute_queue(app, session, deal, operator):
    brand, creator, _campaign, sponsorship = deal()
    sid = sponsorship["id"]
    reject_into_dispute(brand, creator, sid)
    note = {"note": "I decide myself."}
    for who in (brand, creator):
        assert_error(who.get("/api/v1/disputes"), 403)
        assert_error(who.get(f"/api/v1/disputes/{sid}"), 403)
        assert_error(who.post(f"/api/v1/disputes/{sid}/approve", json=note), 403)
        assert_error(who.post(f"/api/v1/disputes/{sid}/cancel", json=note), 403)
        assert_error(who.post(f"/api/v1/sponsorships/{sid}/reverse", json={"reason": "x" * 5}), 403)
    assert_error(app.test_client().get("/api/v1/disputes"), 401)
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.DISPUTED
    assert count_rows(session, Payout) == 0


# --- the command line --------------------------------------------------------------------------


def test_disputes_from_the_command_line(app, session, deal):
    brand, creator, campaign, sponsorship = deal()
    sid = sponsorship["id"]
    reject_into_dispute(brand, creator, sid)
    _, creator2, campaign2, sponsorship2 = deal(price=30_000)
    reject_into_dispute(_, creator2, sponsorship2["id"])
    cli = app.test_cli_runner()

    listed = cli.invoke(args=["disputes", "list"])
    assert listed.exit_code == 0, listed.output
    assert "2 dispute(s) waiting" in listed.output
    assert f"#{sid} Glow Labs / '{campaign['title']}'" in listed.output
    assert "rejection 3" in listed.output and "Reason number 2" in listed.output

    approved = cli.invoke(args=["disputes", "approve", str(sid), "--note", "Fine post."])
    assert approved.exit_code == 0, approved.output
    assert "€450.00 is paid" in approved.output
    again = cli.invoke(args=["disputes", "approve", str(sid), "--note", "Fine post."])
    assert again.exit_code == 1 and "already decided" in again.output
    cancelled = cli.invoke(
        args=["disputes", "cancel", str(sponsorship2["id"]), "--note", "Off brief."]
    )
    assert cancelled.exit_code == 0, cancelled.output
    assert "refunded to the brand" in cancelled.output
    assert "No disputes waiting." in cli.invoke(args=["disputes", "list"]).output

    reversed_ = cli.invoke(args=["sponsorships", "reverse", str(sid), "--reason", "Fraud."])
    assert reversed_.exit_code == 0, reversed_.output
    assert [p.status for p in payouts_for(session, sid)] == [PayoutStatus.REVERSED]
    assert fresh(session, Sponsorship, sid).dispute_resolution == "Fraud."
    assert_ledger_ok(app, session)
