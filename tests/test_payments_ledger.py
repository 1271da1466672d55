"""Payments in ledger mode (the embedded default) end to end through the API, the double-entry
books after every step, fee rounding over partial refunds, and a corrupted ledger caught by
``check_ledger`` and ``flask ledger check``."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from collaborations.models import Sponsorship, SponsorshipStatus
from core.db import session_scope
from core.money import fee_on
from extensions import db, payment_provider
from payments import ledger
from payments import service as payments
from payments.ledger import check_ledger
from payments.models import (
    CampaignFunding,
    CampaignRefund,
    FundingStatus,
    LedgerAccount,
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutStatus,
    RefundStatus,
)
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
    ledger_kinds,
)


def refunds_of(session, campaign_id: int) -> list[CampaignRefund]:
    session.rollback()
    session.expire_all()
    rows = session.scalars(
        select(CampaignRefund)
        .where(CampaignRefund.campaign_id == campaign_id)
        .order_by(CampaignRefund.id)
    ).all()
    session.rollback()
    return list(rows)


def payout_of(session, sponsorship_id: int) -> Payout | None:
    session.rollback()
    session.expire_all()
    return session.scalar(select(Payout).where(Payout.sponsorship_id == sponsorship_id))


def money_tuple(session, campaign_id: int) -> tuple[int, int, int, int, int, int]:
    m = campaign_money(session, campaign_id)
    return (m.funded, m.committed, m.paid, m.remaining, m.refunded, m.fees)


def reported(brand, campaign_id: int) -> tuple[int, int, int, int, int, int]:
    """The same figures as the brand's campaign report shows them."""
    r = brand.get(f"/api/v1/campaigns/{campaign_id}/report")
    assert r.status_code == 200, r.get_json()
    report = r.get_json()
    names = ("funded", "committed", "paid", "remaining", "refunded", "fees")
    return tuple(report[name] for name in names)


# --- end to end -------------------------------------------------------------------------------------


def test_fund_accept_deliver_approve_cancel_books_every_step(
    app, session, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand()
    campaign = make_campaign(brand, state="draft")
    cid = campaign["id"]

    # Fund: ledger mode settles at once, budget + 10 % fee.
    r = brand.post(f"/api/v1/campaigns/{cid}/fund")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["campaign"]["status"] == "funded"
    assert body["payment"]["provider"] == "ledger"
    assert body["payment"]["status"] == "succeeded"
    assert (body["payment"]["budget"], body["payment"]["fee"], body["payment"]["amount"]) == (
        500_000,
        50_000,
        550_000,
    )
    assert money_tuple(session, cid) == (500_000, 0, 0, 500_000, 0, 50_000)
    assert reported(brand, cid) == (500_000, 0, 0, 500_000, 0, 50_000)
    assert balance(session, ledger.CLEARING) == 550_000
    assert balance(session, ledger.REVENUE) == -50_000
    assert_ledger_ok(app, session)
    assert_error(brand.post(f"/api/v1/campaigns/{cid}/fund"), 409)  # funded once only
    assert ledger_kinds(session, cid) == {"funding": 1}
    assert brand.post(f"/api/v1/campaigns/{cid}/publish").status_code == 200

    # Accept: three creators commit 250 000 of the budget.
    a, b, c = (creator_with_profile(make_creator) for _ in range(3))
    sa = accept(a, make_offer(campaign, a, price_amount=120_000).id)
    sb = accept(b, make_offer(campaign, b, price_amount=80_000).id)
    sc = accept(c, make_offer(campaign, c, price_amount=50_000).id)
    assert money_tuple(session, cid) == (500_000, 250_000, 0, 250_000, 0, 50_000)
    assert reported(brand, cid) == (500_000, 250_000, 0, 250_000, 0, 50_000)
    assert_ledger_ok(app, session)

    # Deliver and approve A: the payout is made and booked.
    deliver(a, sa["id"])
    assert_ledger_ok(app, session)
    assert approve(brand, sa["id"])["status"] == "approved"
    payout = payout_of(session, sa["id"])
    assert payout is not None
    assert (payout.status, payout.amount, payout.currency, payout.provider) == (
        PayoutStatus.PAID,
        120_000,
        "EUR",
        "ledger",
    )
    assert payout.idempotency_key == f"sponsorship:{sa['id']}:transfer"
    assert payout.provider_reference == f"ledger:sponsorship:{sa['id']}:transfer"
    assert payout.paid_at is not None
    listed = a.get("/api/v1/creators/me/payouts").get_json()
    assert [(p["sponsorship_id"], p["status"], p["amount"]["amount"]) for p in listed["items"]] == [
        (sa["id"], "paid", 120_000)
    ]
    assert money_tuple(session, cid) == (500_000, 130_000, 120_000, 250_000, 0, 50_000)
    assert balance(session, ledger.payable(a.id)) == 0  # owed, then transferred
    assert balance(session, ledger.CLEARING) == 550_000 - 120_000
    assert reported(brand, cid) == (500_000, 130_000, 120_000, 250_000, 0, 50_000)
    assert_ledger_ok(app, session)

    # B delivers but is not reviewed yet; C is still working. Cancel the campaign.
    deliver(b, sb["id"])
    r = brand.post(f"/api/v1/campaigns/{cid}/cancel")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "cancelled"
    assert fresh(session, Sponsorship, sc["id"]).status is SponsorshipStatus.CANCELLED
    assert fresh(session, Sponsorship, sb["id"]).status is SponsorshipStatus.DELIVERED
    # C's price went back; B's delivered post stays committed; the rest is refunded with the fee
    # on it: the platform keeps the fee on what is spent or committed (200 000), i.e. 20 000.
    [refund] = refunds_of(session, cid)
    assert (refund.budget_part, refund.fee_part, refund.status) == (
        300_000,
        30_000,
        RefundStatus.SUCCEEDED,
    )
    assert refund.idempotency_key == f"campaign:{cid}:refund:1"
    assert money_tuple(session, cid) == (500_000, 80_000, 120_000, 0, 300_000, 20_000)
    assert reported(brand, cid) == (500_000, 80_000, 120_000, 0, 300_000, 20_000)
    assert balance(session, ledger.REVENUE) == -20_000
    assert_ledger_ok(app, session)
    assert_error(brand.post(f"/api/v1/campaigns/{cid}/cancel"), 409)
    assert len(refunds_of(session, cid)) == 1

    # The delivered post can still be approved: the creator did the work.
    approve(brand, sb["id"])
    assert payout_of(session, sb["id"]).status is PayoutStatus.PAID
    assert money_tuple(session, cid) == (500_000, 0, 200_000, 0, 300_000, 20_000)
    assert reported(brand, cid) == (500_000, 0, 200_000, 0, 300_000, 20_000)
    # Everything left at the provider is the platform's fee.
    assert balance(session, ledger.CLEARING) == 20_000
    assert balance(session, ledger.REVENUE) == -20_000
    assert all(balance(session, ledger.payable(x.id)) == 0 for x in (a, b, c))
    assert ledger_kinds(session, cid) == {
        "funding": 1,
        "commit": 3,
        "payout": 2,
        "transfer": 2,
        "release": 1,
        "refund": 1,
    }
    assert_ledger_ok(app, session)


def test_complete_refunds_the_unspent_rest_once(
    app, session, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand()
    campaign = make_campaign(
        brand, state="published", budget={"amount": 300_000, "currency": "EUR"}
    )
    cid = campaign["id"]
    a, b = creator_with_profile(make_creator), creator_with_profile(make_creator)
    sa = accept(a, make_offer(campaign, a, price_amount=100_000).id)
    accept(b, make_offer(campaign, b, price_amount=70_000).id)
    deliver(a, sa["id"])
    approve(brand, sa["id"])
    assert_ledger_ok(app, session)

    r = brand.post(f"/api/v1/campaigns/{cid}/complete")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "completed"
    [refund] = refunds_of(session, cid)
    # 300 000 - 100 000 paid (B's work was called off); the fee on 100 000 is kept.
    assert (refund.budget_part, refund.fee_part, refund.status) == (
        200_000,
        20_000,
        RefundStatus.SUCCEEDED,
    )
    assert money_tuple(session, cid) == (300_000, 0, 100_000, 0, 200_000, 10_000)
    assert reported(brand, cid) == (300_000, 0, 100_000, 0, 200_000, 10_000)
    assert balance(session, ledger.CLEARING) == 10_000
    assert_ledger_ok(app, session)

    assert_error(brand.post(f"/api/v1/campaigns/{cid}/complete"), 409)
    assert_error(brand.post(f"/api/v1/campaigns/{cid}/cancel"), 409)
    assert len(refunds_of(session, cid)) == 1
    assert_ledger_ok(app, session)


def test_cancelling_an_unfunded_draft_moves_no_money(app, session, make_brand, make_campaign):
    brand = make_brand()
    campaign = make_campaign(brand, state="draft")
    assert brand.post(f"/api/v1/campaigns/{campaign['id']}/cancel").status_code == 200
    assert refunds_of(session, campaign["id"]) == []
    assert ledger_kinds(session) == {}
    assert_ledger_ok(app, session)


def test_campaign_report_shows_funded_refunded_and_fees(
    app, session, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand()
    campaign = make_campaign(brand, state="published")
    cid = campaign["id"]
    creator = creator_with_profile(make_creator)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=100_000).id)
    report = brand.get(f"/api/v1/campaigns/{cid}/report").get_json()
    assert (report["funded"], report["fees"], report["remaining"]) == (500_000, 50_000, 400_000)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    brand.post(f"/api/v1/campaigns/{cid}/cancel")
    report = brand.get(f"/api/v1/campaigns/{cid}/report").get_json()
    assert (report["refunded"], report["fees"], report["remaining"]) == (400_000, 10_000, 0)
    assert (report["paid"], report["committed"], report["sponsorships"]["approved"]) == (
        100_000,
        0,
        1,
    )
    # The series tells the story step by step: funded, committed, paid, refunded.
    assert [(p["funded"], p["committed"], p["paid"], p["refunded"]) for p in report["series"]] == [
        (500_000, 0, 0, 0),
        (500_000, 100_000, 0, 0),
        (500_000, 0, 100_000, 0),
        (500_000, 0, 100_000, 400_000),
    ]


# --- fee rounding over partial refunds ------------------------------------------------------------


def _call_off_and_refund(app, sponsorship_id: int) -> None:
    """A sponsorship is called off (its price goes back) and the campaign refunds what is free,
    as the service does on closing, in one committed transaction (the refund job runs after)."""
    with app.app_context(), session_scope(db.session_factory) as s:
        sponsorship = s.get(Sponsorship, sponsorship_id)
        sponsorship.status = SponsorshipStatus.CANCELLED
        payments.release_funds(s, sponsorship)
        payments.start_refund(s, sponsorship.campaign, payment_provider())


@pytest.mark.parametrize(
    ("budget", "prices", "approved"),
    [
        # Three refunds of 3 335: the fee on each alone is 334, three times 1 002 > the 1 001
        # charged; refunding the fee on what is left keeps the total at exactly 1 001.
        pytest.param(10_005, [3_335, 3_335, 3_335], 0, id="nothing-spent"),
        pytest.param(10_007, [3_333, 3_337, 3_337], 1, id="one-approved"),
        pytest.param(99_999, [33_333, 33_333, 33_333], 2, id="two-approved"),
    ],
)
def test_partial_refunds_add_up_to_the_fee_on_what_was_spent(
    app, session, make_brand, make_creator, make_campaign, make_offer, budget, prices, approved
):
    brand = make_brand()
    campaign = make_campaign(
        brand, state="published", budget={"amount": budget, "currency": "EUR"}, slots=len(prices)
    )
    cid = campaign["id"]
    fee = fee_on(budget, app.config["PLATFORM_FEE_BPS"])
    deals = []
    for price in prices:
        creator = creator_with_profile(make_creator)
        deals.append(
            (creator, accept(creator, make_offer(campaign, creator, price_amount=price).id))
        )
    assert campaign_money(session, cid).remaining == budget - sum(prices)
    spent = 0
    for creator, sponsorship in deals[:approved]:
        deliver(creator, sponsorship["id"])
        approve(brand, sponsorship["id"])
        spent += sponsorship["price"]["amount"]
    for _creator, sponsorship in deals[approved:]:
        _call_off_and_refund(app, sponsorship["id"])
        assert_ledger_ok(app, session)
    brand.post(f"/api/v1/campaigns/{cid}/complete")  # anything left over goes back too

    refunds = refunds_of(session, cid)
    assert len(refunds) >= len(prices) - approved
    assert all(r.status is RefundStatus.SUCCEEDED for r in refunds)
    assert sum(r.budget_part for r in refunds) == budget - spent
    assert sum(r.fee_part for r in refunds) == fee - fee_on(spent, 1000)
    m = campaign_money(session, cid)
    assert (m.paid, m.refunded, m.remaining, m.committed) == (spent, budget - spent, 0, 0)
    assert m.fees == fee_on(spent, 1000) == -balance(session, ledger.REVENUE)
    assert balance(session, ledger.CLEARING) == fee_on(spent, 1000)
    assert_ledger_ok(app, session)


def test_fee_kept_on_a_small_budget_is_the_fee_on_what_was_spent(
    app, session, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand()
    campaign = make_campaign(brand, state="published", budget={"amount": 107, "currency": "EUR"})
    creator = creator_with_profile(make_creator)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=44).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    brand.post(f"/api/v1/campaigns/{campaign['id']}/complete")
    assert_ledger_ok(app, session)
    assert campaign_money(session, campaign["id"]).fees == fee_on(44, 1000)  # 4


# --- a corrupted ledger ----------------------------------------------------------------------------


def _ledger_with_one_funded_campaign(app, session, make_brand, make_campaign) -> int:
    campaign = make_campaign(make_brand(), state="funded")
    assert_ledger_ok(app, session)
    return campaign["id"]


def _write(session, *rows: Any) -> None:
    session.rollback()
    session.add_all(rows)
    session.commit()


def _check_fails(app, session, *fragments: str) -> None:
    session.rollback()
    report = check_ledger(session)
    session.rollback()
    assert not report.ok
    for fragment in fragments:
        assert any(fragment in breach for breach in report.breaches), report.breaches
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert result.exit_code == 1, result.output
    assert "BREACH:" in result.output
    assert "The ledger balances." not in result.output


def test_an_unbalanced_entry_is_a_breach(app, session, make_brand, make_campaign):
    _ledger_with_one_funded_campaign(app, session, make_brand, make_campaign)
    session.rollback()
    account = session.scalar(select(LedgerAccount).where(LedgerAccount.code == ledger.REVENUE))
    txn = LedgerTransaction(reference="corrupt:1", kind="adjustment", campaign_id=None, memo={})
    _write(session, txn, LedgerEntry(transaction=txn, account=account, amount=-1, currency="EUR"))
    _check_fails(
        app, session, f"transaction {txn.id} is unbalanced by -1 EUR", "does not sum to zero in EUR"
    )


def test_a_balanced_but_misbooked_movement_breaks_the_campaign_equation(
    app, session, make_brand, make_campaign
):
    cid = _ledger_with_one_funded_campaign(app, session, make_brand, make_campaign)
    session.rollback()
    accounts = {
        a.code: a
        for a in session.scalars(
            select(LedgerAccount).where(
                LedgerAccount.code.in_((ledger.available(cid), ledger.CLEARING))
            )
        )
    }
    # 1 000 leaves the campaign's available funds as a "payout" that never went through
    # committed: every transaction balances, yet funded != paid + committed + remaining + refunded.
    txn = LedgerTransaction(reference="corrupt:2", kind="payout", campaign_id=cid, memo={})
    _write(
        session,
        txn,
        LedgerEntry(
            transaction=txn, account=accounts[ledger.available(cid)], amount=1_000, currency="EUR"
        ),
        LedgerEntry(
            transaction=txn, account=accounts[ledger.CLEARING], amount=-1_000, currency="EUR"
        ),
    )
    _check_fails(app, session, f"campaign {cid}: funded 500000 != paid 0")


def test_funding_beyond_the_budget_is_a_breach(app, session, make_brand, make_campaign):
    cid = _ledger_with_one_funded_campaign(app, session, make_brand, make_campaign)
    session.rollback()
    funding = session.scalar(select(CampaignFunding).where(CampaignFunding.campaign_id == cid))
    assert funding.status is FundingStatus.SUCCEEDED
    accounts = {a.code: a for a in session.scalars(select(LedgerAccount))}
    txn = LedgerTransaction(reference="corrupt:3", kind="funding", campaign_id=cid, memo={})
    _write(
        session,
        txn,
        LedgerEntry(transaction=txn, account=accounts[ledger.CLEARING], amount=5, currency="EUR"),
        LedgerEntry(
            transaction=txn, account=accounts[ledger.available(cid)], amount=-5, currency="EUR"
        ),
    )
    _check_fails(app, session, f"campaign {cid}: funded 500005 exceeds its budget")


def test_posting_an_unbalanced_transaction_is_refused(app, session):
    with app.app_context(), session_scope(db.session_factory) as s:
        with pytest.raises(ledger.UnbalancedTransaction):
            ledger.post(
                s,
                reference="bad",
                kind="adjustment",
                currency="EUR",
                legs=[(ledger.CLEARING, 10), (ledger.REVENUE, -9)],
            )
        with pytest.raises(TypeError):
            ledger.post(
                s,
                reference="float",
                kind="adjustment",
                currency="EUR",
                legs=[(ledger.CLEARING, 1.5), (ledger.REVENUE, -1.5)],
            )
    assert ledger_kinds(session) == {}
    assert_ledger_ok(app, session)


def test_rejecting_a_post_after_the_campaign_closed_refunds_its_price(
    app, session, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand()
    campaign = make_campaign(brand, state="published")
    cid = campaign["id"]
    creator = creator_with_profile(make_creator)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=100_000).id)
    deliver(creator, sponsorship["id"])
    brand.post(f"/api/v1/campaigns/{cid}/cancel")  # the delivered post stays for review
    report = brand.get(f"/api/v1/campaigns/{cid}/report").get_json()
    assert (report["committed"], report["refunded"]) == (100_000, 400_000)
    r = brand.post(f"/api/v1/sponsorships/{sponsorship['id']}/reject", json={"reason": "Off brief"})
    assert r.status_code == 200 and r.get_json()["status"] == "cancelled"  # no redelivery now
    report = brand.get(f"/api/v1/campaigns/{cid}/report").get_json()
    assert (report["committed"], report["refunded"], report["remaining"]) == (0, 500_000, 0)
    assert report["fees"] == 0  # nothing was spent, so no fee is kept
    assert_ledger_ok(app, session)


def test_a_published_campaign_without_its_funding_entry_is_a_breach(
    app, session, make_brand, make_campaign
):
    brand = make_brand()
    kept = make_campaign(brand, state="published")
    lost = make_campaign(brand, state="published")
    assert_ledger_ok(app, session)  # both funded through the ledger: the check passes
    session.rollback()
    # the funding transaction of one published campaign disappears (entries and all): every
    # remaining transaction still balances, so only the funding check can see it
    txn = session.scalar(
        select(LedgerTransaction).where(
            LedgerTransaction.campaign_id == lost["id"], LedgerTransaction.kind == ledger.FUNDING
        )
    )
    for entry in session.scalars(select(LedgerEntry).where(LedgerEntry.transaction_id == txn.id)):
        session.delete(entry)
    session.flush()
    session.delete(txn)
    session.commit()
    _check_fails(
        app, session, f"campaign {lost['id']} is published but has no funding entry in the ledger"
    )
    report = check_ledger(session)
    session.rollback()
    assert not any(f"campaign {kept['id']} " in breach for breach in report.breaches)
    result = app.test_cli_runner().invoke(args=["ledger", "check"])
    assert f"campaign {lost['id']} is published" in result.output
