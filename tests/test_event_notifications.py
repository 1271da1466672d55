"""Every event a person acts on lands in their outbox, once, through the API or the job that
causes it: offers answered and withdrawn, posts handed in and approved, open-call applications,
money moving, match runs finishing (operators too), and the 24-hour reminders, which a rerun
never repeats. Another tenant hears nothing."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from collaborations.models import Offer, OfferSource, OpenCall
from collaborations.reminder_jobs import send_reminders_job
from core.db import utcnow
from notifications.models import Notification
from tests.conftest import operator_user
from tests.factories import open_up, run_matching, update_row
from tests.payments_fixtures import accept, approve, deliver


def inbox(session: Any, account_id: int, kind: str | None = None) -> list[Notification]:
    """The account's notifications as committed now (of one kind, if given), oldest first."""
    session.rollback()
    query = select(Notification).where(Notification.account_id == account_id)
    if kind is not None:
        query = query.where(Notification.kind == kind)
    rows = list(session.scalars(query.order_by(Notification.id)))
    session.rollback()
    return rows


def kinds_of(session: Any, account_id: int) -> list[str]:
    return [n.kind for n in inbox(session, account_id)]


@pytest.fixture
def brand(make_brand: Any) -> Any:
    return make_brand("Lumen Skin")


@pytest.fixture
def other_brand(make_brand: Any) -> Any:
    return make_brand("Other Co")


@pytest.fixture
def creator(make_creator: Any) -> Any:
    c = make_creator("glow_daily")
    open_up(c)
    return c


@pytest.fixture
def campaign(brand: Any, make_campaign: Any) -> dict[str, Any]:
    return make_campaign(brand, state="published", title="Winter barrier serum")


def offer_for(make_offer: Any, campaign: dict[str, Any], creator: Any, **kw: Any) -> Offer:
    return make_offer(campaign, creator, price_amount=45_000, **kw)


# --- offers answered ---------------------------------------------------------------------------


def test_an_accepted_offer_tells_its_brand_once_and_nobody_else(
    session, brand, other_brand, creator, campaign, make_offer
):
    offer = offer_for(make_offer, campaign, creator)
    accept(creator, offer.id)

    (notice,) = inbox(session, brand.account_id, "offers.accepted")
    assert notice.subject == "@glow_daily accepted your offer for “Winter barrier serum”"
    assert "€450.00" in notice.body and "due by" in notice.body
    assert notice.data["offer"] == offer.id
    assert inbox(session, other_brand.account_id) == []
    assert "offers.accepted" not in kinds_of(session, creator.account_id)


def test_a_declined_offer_tells_the_brand_with_the_reason(
    session, brand, other_brand, creator, campaign, make_offer
):
    offer = offer_for(make_offer, campaign, creator)
    r = creator.post(f"/api/v1/offers/{offer.id}/decline", json={"reason": "Booked that week"})
    assert r.status_code == 200, r.get_json()

    (notice,) = inbox(session, brand.account_id, "offers.declined")
    assert "declined your offer" in notice.subject
    assert "Booked that week" in notice.body and "€450.00" in notice.body
    assert inbox(session, other_brand.account_id) == []


def test_a_withdrawn_offer_tells_the_creator_without_the_brands_reason(
    session, brand, creator, make_creator, campaign, make_offer
):
    bystander = make_creator()
    offer = offer_for(make_offer, campaign, creator)
    r = brand.post(f"/api/v1/offers/{offer.id}/withdraw", json={"reason": "internal: too pricey"})
    assert r.status_code == 200, r.get_json()

    (notice,) = inbox(session, creator.account_id, "offers.withdrawn")
    assert notice.subject == "Lumen Skin withdrew its offer for “Winter barrier serum”"
    assert "too pricey" not in notice.body
    assert inbox(session, bystander.account_id) == []
    # Withdrawing it again is refused and tells nobody again.
    assert brand.post(f"/api/v1/offers/{offer.id}/withdraw", json={}).status_code == 409
    assert len(inbox(session, creator.account_id, "offers.withdrawn")) == 1


def test_blocking_a_creator_tells_them_of_each_withdrawn_offer_but_not_of_the_block(
    session, brand, creator, campaign, make_offer
):
    offer_for(make_offer, campaign, creator)
    r = brand.post("/api/v1/brands/me/blocks", json={"creator_id": creator.id, "reason": "spam"})
    assert r.status_code in (200, 201), r.get_json()

    notices = inbox(session, creator.account_id, "offers.withdrawn")
    assert notices  # every live proposal the block withdrew
    assert all("block" not in n.body.lower() and "spam" not in n.body for n in notices)


# --- a post handed in, approved and paid -------------------------------------------------------


def test_a_delivered_post_tells_the_brand_what_to_do_and_the_auto_approval_deadline(
    app, session, brand, other_brand, creator, campaign, make_offer
):
    sponsorship = accept(creator, offer_for(make_offer, campaign, creator).id)
    delivered = deliver(creator, sponsorship["id"])

    (notice,) = inbox(session, brand.account_id, "sponsorship.delivered")
    assert notice.subject == "@glow_daily's post for “Winter barrier serum” awaits your review"
    assert "approve it" in notice.body and "send it back" in notice.body
    days = app.config["AUTO_APPROVE_DAYS"]
    deadline = utcnow() + timedelta(days=days)
    assert (
        f"{deadline:%d %b %Y}" in notice.body
    )  # delivered just now: deadline in AUTO_APPROVE_DAYS
    assert notice.data["auto_approve_at"].startswith(f"{deadline:%Y-%m-%d}")
    assert delivered["post_url"] in notice.body
    assert inbox(session, other_brand.account_id) == []


def test_an_approved_post_tells_the_creator_and_the_payout_tells_them_it_was_sent(
    session, brand, creator, make_creator, campaign, make_offer
):
    bystander = make_creator()
    sponsorship = accept(creator, offer_for(make_offer, campaign, creator).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])  # the ledger provider pays in the job after commit

    (approved,) = inbox(session, creator.account_id, "sponsorship.approved")
    assert "Lumen Skin approved your post" in approved.body and "€450.00" in approved.body
    (sent,) = inbox(session, creator.account_id, "payout.sent")
    assert sent.subject == "€450.00 is on its way to you"
    assert "Winter barrier serum" in sent.body
    assert sent.dedupe_key == f"payout.sent:{sent.data['payout']}"
    assert inbox(session, bystander.account_id) == []
    assert "payout.sent" not in kinds_of(session, brand.account_id)


# --- open calls -------------------------------------------------------------------------------


def test_an_application_tells_the_brand_and_a_selection_tells_only_the_creator(
    session, brand, other_brand, creator, campaign
):
    r = brand.post(
        f"/api/v1/campaigns/{campaign['id']}/open-call",
        json={"closes_at": (utcnow() + timedelta(days=5)).isoformat()},
    )
    assert r.status_code == 201, r.get_json()
    r = creator.post(
        f"/api/v1/open-calls/{campaign['id']}/applications",
        json={"price": {"amount": 38_000, "currency": "EUR"}, "pitch": "Night routine fits."},
    )
    assert r.status_code == 201, r.get_json()
    application = r.get_json()

    (notice,) = inbox(session, brand.account_id, "open_call.application")
    assert "@glow_daily applied" in notice.subject
    assert "€380.00" in notice.body and "Night routine fits." in notice.body
    assert inbox(session, other_brand.account_id) == []

    assert brand.post(f"/api/v1/applications/{application['id']}/select").status_code == 201
    # The selection is the creator's new (already accepted) offer with source open_call.
    (selected,) = inbox(session, creator.account_id, "open_call.selected")
    offer = session.get(Offer, selected.data["offer_id"])
    assert offer.source is OfferSource.OPEN_CALL
    session.rollback()
    # The brand chose it: it is not told its own selection was "accepted".
    assert "offers.accepted" not in kinds_of(session, brand.account_id)


# --- the reminder sweep -----------------------------------------------------------------------


def test_the_sweep_reminds_of_offers_expiring_within_24h_once_per_turn(
    app, session, brand, creator, make_creator, campaign, make_offer
):
    soon = offer_for(make_offer, campaign, creator, expires_at=utcnow() + timedelta(hours=20))
    later_creator = make_creator()
    open_up(later_creator)
    offer_for(make_offer, campaign, later_creator, expires_at=utcnow() + timedelta(days=3))
    gone = make_creator()
    open_up(gone)
    offer_for(make_offer, campaign, gone, expires_at=utcnow() - timedelta(hours=1))

    with app.app_context():
        send_reminders_job()
        send_reminders_job()  # a rerun (or a retried job) sends nothing twice
    result = app.test_cli_runner().invoke(args=["jobs", "send-reminders"])
    assert result.exit_code == 0, result.output

    (notice,) = inbox(session, creator.account_id, "offers.expiring")
    assert notice.data["offer"] == soon.id
    assert "Lumen Skin's €450.00 offer" in notice.body and "expires on" in notice.body
    assert inbox(session, later_creator.account_id, "offers.expiring") == []
    assert inbox(session, gone.account_id, "offers.expiring") == []
    assert inbox(session, brand.account_id, "offers.expiring") == []

    # A new turn with its own deadline (here: the expiry moved) earns one new reminder.
    update_row(session, Offer, soon.id, expires_at=utcnow() + timedelta(hours=10))
    with app.app_context():
        send_reminders_job()
        send_reminders_job()
    assert len(inbox(session, creator.account_id, "offers.expiring")) == 2


def test_the_sweep_reminds_the_brand_and_waiting_applicants_of_a_closing_call_once(
    app, session, brand, other_brand, creator, make_creator, campaign, make_campaign
):
    r = brand.post(
        f"/api/v1/campaigns/{campaign['id']}/open-call",
        json={"closes_at": (utcnow() + timedelta(days=5)).isoformat()},
    )
    assert r.status_code == 201, r.get_json()
    body = {"price": {"amount": 38_000, "currency": "EUR"}, "pitch": "Night routine fits."}
    assert (
        creator.post(f"/api/v1/open-calls/{campaign['id']}/applications", json=body).status_code
        == 201
    )
    # Another brand's call, closing in a week, reminds nobody yet.
    far = make_campaign(other_brand, state="published")
    r = other_brand.post(
        f"/api/v1/campaigns/{far['id']}/open-call",
        json={"closes_at": (utcnow() + timedelta(days=6)).isoformat()},
    )
    assert r.status_code == 201, r.get_json()

    with app.app_context():
        send_reminders_job()  # five days ahead: too early
    assert inbox(session, brand.account_id, "open_call.closing") == []

    session.rollback()
    call = session.scalar(select(OpenCall).where(OpenCall.campaign_id == campaign["id"]))
    update_row(session, OpenCall, call.id, closes_at=utcnow() + timedelta(hours=6))
    with app.app_context():
        send_reminders_job()
        send_reminders_job()

    (to_brand,) = inbox(session, brand.account_id, "open_call.closing")
    assert "1 application(s) waiting" in to_brand.body
    (to_creator,) = inbox(session, creator.account_id, "open_call.closing")
    assert "Lumen Skin's open call" in to_creator.body and "€380.00" in to_creator.body
    assert inbox(session, other_brand.account_id, "open_call.closing") == []


# --- money ------------------------------------------------------------------------------------


def test_funding_completing_and_refunding_a_campaign_tell_its_brand_once_each(
    session, brand, other_brand, make_campaign
):
    campaign = make_campaign(brand, state="published", title="Spring launch")
    (funded,) = inbox(session, brand.account_id, "campaign.funded")
    assert funded.subject == "“Spring launch” is funded"
    assert "€5,500.00" in funded.body  # budget 5 000.00 + 10 % fee

    r = brand.post(f"/api/v1/campaigns/{campaign['id']}/complete")
    assert r.status_code == 200, r.get_json()
    (completed,) = inbox(session, brand.account_id, "campaign.completed")
    assert "€5,000.00 not committed to creators goes back" in completed.body
    (refunded,) = inbox(session, brand.account_id, "campaign.refunded")  # the refund job ran
    assert refunded.subject.startswith("€5,500.00 refunded")
    assert [n.kind for n in inbox(session, other_brand.account_id)] == []


# --- match runs -------------------------------------------------------------------------------


def test_a_match_run_tells_each_operator_once_and_each_offered_creator(
    app, client, session, brand, creator, campaign
):
    run = run_matching(app, client)  # the operator of run_matching is ops@example.com
    second_ops = operator_user(app, client, email="ops2@example.com")
    session.rollback()
    operators = [
        n
        for n in session.scalars(
            select(Notification).where(Notification.kind == "match_run.finished")
        )
        if n.data.get("run") == run["id"] and "campaign" not in n.data
    ]
    session.rollback()
    assert len(operators) == 1  # one operator existed when the run finished
    (notice,) = operators
    assert f"Run {run['id']}" in notice.body and "offer(s)" in notice.body
    assert "Winter barrier serum" not in notice.body  # counts, not a brand's campaigns
    assert inbox(session, second_ops.account_id) == []
    # The creator's offers (from the publish's incremental run or this one) arrived as news.
    assert inbox(session, creator.account_id, "offers.new")


def test_an_incremental_run_tells_the_creator_of_their_new_offers_and_operators_once(
    app, client, session, brand, campaign, make_creator
):
    ops = operator_user(app, client)
    newcomer = make_creator()
    closed = make_creator()  # never opts in: no run offers them anything
    open_up(newcomer)
    r = ops.post("/api/v1/match-runs", json={"creator_id": newcomer.id})  # what the opt-in asks
    assert r.status_code == 202, r.get_json()
    run = ops.get(f"/api/v1/match-runs/{r.get_json()['id']}").get_json()
    assert (run["kind"], run["status"]) == ("incremental", "succeeded"), run

    (notice,) = inbox(session, newcomer.account_id, "offers.new")
    assert notice.data == {"run": run["id"], "offers": run["offers"]}
    assert "Dandelion's matching found" in notice.body
    assert inbox(session, closed.account_id) == []
    (summary,) = inbox(session, ops.account_id, "match_run.finished")
    assert summary.data["run"] == run["id"]
    assert "(incremental, week" in summary.body
