"""Counter-offers through the API: the creator names a price, the brand accepts (the new price
is committed in the ledger under the same checks as an accepted offer) or declines (its own
price stands again); each turn has its expiry; the history is shown to both sides."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from accounts.models import Brand
from collaborations.models import Offer, OfferSource
from collaborations.negotiation import MAX_COUNTERS_PER_OFFER
from core.db import utcnow
from matching.jobs import expire_offers_job
from notifications.models import Notification
from tests.factories import ago, fresh, open_up, payouts_of, update_row
from tests.helpers import assert_error
from tests.payments_fixtures import (
    accept,
    approve,
    assert_ledger_ok,
    campaign_money,
    deliver,
)

NOTE = "A routine video takes me two days to film and edit."


def eur(amount: int) -> dict[str, Any]:
    return {"amount": amount, "currency": "EUR"}


def counter(creator: Any, offer_id: int, amount: int, **body: Any) -> Any:
    return creator.post(
        f"/api/v1/offers/{offer_id}/counter", json={"price": eur(amount), "message": NOTE, **body}
    )


def brand_offer(brand: Any, campaign_id: int, offer_id: int) -> dict[str, Any]:
    items = brand.get(f"/api/v1/campaigns/{campaign_id}/offers").json["items"]
    [offer] = [o for o in items if o["id"] == offer_id]
    return offer


def creator_offer(creator: Any, offer_id: int) -> dict[str, Any]:
    [offer] = [
        o for o in creator.get("/api/v1/creators/me/offers").json["items"] if o["id"] == offer_id
    ]
    return offer


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


@pytest.fixture
def brand(make_brand: Any) -> Any:
    return make_brand("Lumen Skin")


@pytest.fixture
def creator(make_creator: Any) -> Any:
    c = make_creator()
    open_up(c)
    return c


@pytest.fixture
def campaign(brand: Any, make_campaign: Any) -> dict[str, Any]:
    return make_campaign(brand, state="published")  # 5,000.00 EUR, 3 slots


@pytest.fixture
def invitation(brand: Any, creator: Any, campaign: dict[str, Any]) -> dict[str, Any]:
    r = brand.post(
        f"/api/v1/campaigns/{campaign['id']}/invitations",
        json={"creator_id": creator.id, "message": "Film our serum?"},
    )
    assert r.status_code == 201, r.json
    return r.json


def test_a_counter_waits_for_the_brand_with_its_own_expiry(
    brand, creator, campaign, invitation, session
):
    before = utcnow()
    r = counter(creator, invitation["id"], 55_000)

    assert r.status_code == 200, r.json
    offer = r.json
    assert offer["status"] == "countered"
    assert offer["counter_price"] == eur(55_000)
    assert offer["price"] == eur(40_000)  # the brand's price stands until it answers
    expires = at(offer["expires_at"])
    assert before + timedelta(days=7) <= expires <= utcnow() + timedelta(days=7)
    assert [(t["actor"], t["kind"], t["price"]) for t in offer["turns"]] == [
        ("brand", "offer", eur(40_000)),
        ("creator", "counter", eur(55_000)),
    ]
    assert offer["turns"][1]["message"] == NOTE
    assert offer["turns"][1]["expires_at"] == offer["expires_at"]

    # The brand sees the same: status, counter price, the turns.
    seen = brand_offer(brand, campaign["id"], invitation["id"])
    assert (seen["status"], seen["counter_price"]) == ("countered", eur(55_000))
    assert seen["turns"] == offer["turns"]
    countered = brand.get(f"/api/v1/campaigns/{campaign['id']}/offers?status=countered").json
    assert [o["id"] for o in countered["items"]] == [invitation["id"]]
    # The brand is told.
    session.rollback()
    account = session.scalar(select(Brand.account_id).where(Brand.id == brand.id))
    [note] = session.scalars(
        select(Notification).where(
            Notification.account_id == account, Notification.kind == "offers.countered"
        )
    ).all()
    assert "€550.00" in note.body and NOTE in note.body
    # Meanwhile the creator cannot accept or counter again: the ball is with the brand.
    assert_error(creator.post(f"/api/v1/offers/{invitation['id']}/accept"), 409)
    assert_error(counter(creator, invitation["id"], 50_000), 409)
    # A counter is an answer within 48 h.
    assert creator.get("/api/v1/creators/me").json["reliability"][
        "reply_rate_48h"
    ] == pytest.approx(1.0)


def test_an_accepted_counter_commits_exactly_the_counter_price(
    app, brand, creator, campaign, invitation, session
):
    assert counter(creator, invitation["id"], 55_000).status_code == 200

    r = brand.post(f"/api/v1/offers/{invitation['id']}/counter/accept", json={"message": "Deal."})

    assert r.status_code == 201, r.json
    assert (r.json["status"], r.json["price"]) == ("active", eur(55_000))
    money = campaign_money(session, campaign["id"])
    assert (money.committed, money.remaining) == (55_000, 500_000 - 55_000)
    assert_ledger_ok(app, session)
    offer = brand_offer(brand, campaign["id"], invitation["id"])
    assert (offer["status"], offer["price"]) == ("accepted", eur(55_000))
    assert [(t["actor"], t["kind"]) for t in offer["turns"]][-1] == ("brand", "accept")
    assert creator_offer(creator, invitation["id"])["turns"] == offer["turns"]

    # Deliver, approve: the creator is paid the counter price.
    deliver(creator, r.json["id"])
    approve(brand, r.json["id"])
    [payout] = payouts_of(session, creator.id)
    assert payout.amount == 55_000
    money = campaign_money(session, campaign["id"])
    assert (money.committed, money.paid) == (0, 55_000)
    assert_ledger_ok(app, session)


def test_a_declined_counter_leaves_the_brand_price_which_the_creator_accepts(
    app, brand, creator, campaign, invitation, session
):
    assert counter(creator, invitation["id"], 55_000).status_code == 200
    before = utcnow()

    r = brand.post(
        f"/api/v1/offers/{invitation['id']}/counter/decline", json={"message": "Budget is 400."}
    )

    assert r.status_code == 200, r.json
    offer = r.json
    assert (offer["status"], offer["price"], offer["counter_price"]) == (
        "proposed",
        eur(40_000),
        None,
    )
    assert at(offer["expires_at"]) >= before + timedelta(days=7)
    assert [(t["actor"], t["kind"], t["price"]) for t in offer["turns"]] == [
        ("brand", "offer", eur(40_000)),
        ("creator", "counter", eur(55_000)),
        ("brand", "decline", eur(55_000)),
        ("brand", "offer", eur(40_000)),
    ]
    assert offer["turns"][2]["message"] == "Budget is 400."
    assert offer["turns"][3]["expires_at"] == offer["expires_at"]
    # Nothing to answer for the brand any more.
    assert_error(brand.post(f"/api/v1/offers/{invitation['id']}/counter/accept"), 409)

    sponsorship = accept(creator, invitation["id"])

    assert sponsorship["price"] == eur(40_000)
    assert campaign_money(session, campaign["id"]).committed == 40_000
    assert_ledger_ok(app, session)


def test_counters_are_capped_per_offer(brand, creator, invitation):
    oid = invitation["id"]
    for n in range(MAX_COUNTERS_PER_OFFER):
        assert counter(creator, oid, 50_000 + n).status_code == 200
        assert brand.post(f"/api/v1/offers/{oid}/counter/decline").status_code == 200

    body = assert_error(counter(creator, oid, 60_000), 409, "rule")

    assert body["errors"]["rule"] == ["counter_limit"]
    assert "3 times" in body["message"]
    assert accept(creator, oid)["price"] == eur(40_000)  # the brand's price still stands


def test_counter_input_is_checked(brand, creator, make_creator, make_campaign, make_offer):
    small = make_campaign(
        brand, state="published", competitor_group=None, budget=eur(100_000), slots=3
    )
    offer = make_offer(small, creator, price_amount=40_000)
    other = make_creator()
    open_up(other)
    make_offer(small, other, price_amount=30_000)
    oid = offer.id
    assert_error(counter(creator, oid, 0), 422, "price")
    assert_error(
        creator.post(
            f"/api/v1/offers/{oid}/counter",
            json={"price": {"amount": 45_000.5, "currency": "EUR"}, "message": NOTE},
        ),
        422,
        "price",
    )
    assert_error(
        creator.post(
            f"/api/v1/offers/{oid}/counter",
            json={"price": {"amount": 45_000, "currency": "USD"}, "message": NOTE},
        ),
        422,
        "price",
    )
    assert_error(
        creator.post(f"/api/v1/offers/{oid}/counter", json={"price": eur(45_000)}), 422, "message"
    )
    assert_error(counter(creator, oid, 40_000), 422, "price")  # the price already offered
    # 1,000.00 budget, 300.00 held by another live offer: at most 700.00 for this one.
    body = assert_error(counter(creator, oid, 70_001), 409, "rule")
    assert body["errors"]["rule"] == ["budget"] and "€700.00" in body["message"]
    assert counter(creator, oid, 70_000).status_code == 200


def test_a_counter_on_a_matched_offer_keeps_the_run_price_as_first_turn(
    brand, creator, campaign, make_offer
):
    offer = make_offer(campaign, creator, price_amount=45_000, source=OfferSource.MATCH)
    assert creator_offer(creator, offer.id)["turns"][0]["actor"] == "platform"

    r = counter(creator, offer.id, 48_000)

    assert r.status_code == 200, r.json
    assert [(t["actor"], t["kind"], t["price"]) for t in r.json["turns"]] == [
        ("platform", "offer", eur(45_000)),
        ("creator", "counter", eur(48_000)),
    ]
    assert brand.post(f"/api/v1/offers/{offer.id}/counter/accept").json["price"] == eur(48_000)


def test_a_counter_turn_expires_when_the_brand_does_not_answer(
    app, brand, creator, campaign, invitation, session
):
    assert counter(creator, invitation["id"], 55_000).status_code == 200
    update_row(session, Offer, invitation["id"], expires_at=ago(minutes=1))

    # Past its turn's expiry it reads as expired before the job runs, and cannot be accepted.
    assert brand_offer(brand, campaign["id"], invitation["id"])["status"] == "expired"
    assert creator_offer(creator, invitation["id"])["status"] == "expired"
    assert_error(brand.post(f"/api/v1/offers/{invitation['id']}/counter/accept"), 409)
    assert_error(brand.post(f"/api/v1/offers/{invitation['id']}/counter/decline"), 409)

    with app.app_context():
        assert expire_offers_job() == 1
    assert fresh(session, Offer, invitation["id"]).status.value == "expired"
    assert campaign_money(session, campaign["id"]).committed == 0


def test_a_brand_may_withdraw_a_countered_offer(brand, creator, campaign, invitation):
    assert counter(creator, invitation["id"], 55_000).status_code == 200
    r = brand.post(f"/api/v1/offers/{invitation['id']}/withdraw", json={"reason": "Too dear."})
    assert (r.status_code, r.json["status"]) == (200, "withdrawn")
    assert_error(brand.post(f"/api/v1/offers/{invitation['id']}/counter/accept"), 409)


def test_an_accepted_counter_meets_the_same_budget_check_as_an_accepted_offer(
    app, brand, creator, make_creator, make_campaign, make_offer, session
):
    small = make_campaign(brand, state="published", competitor_group=None, budget=eur(100_000))
    offer = make_offer(small, creator, price_amount=40_000)
    assert counter(creator, offer.id, 90_000).status_code == 200  # fits: 1,000.00 is free
    other = make_creator()
    open_up(other)
    accept(other, make_offer(small, other, price_amount=50_000).id)  # now 500.00 committed

    body = assert_error(brand.post(f"/api/v1/offers/{offer.id}/counter/accept"), 409)

    assert "no budget or slot left" in body["message"]
    assert campaign_money(session, small["id"]).committed == 50_000
    assert_ledger_ok(app, session)


def test_tenant_walls(brand, make_brand, creator, make_creator, campaign, invitation):
    stranger = make_creator()
    open_up(stranger)
    assert_error(counter(stranger, invitation["id"], 55_000), 404)
    assert counter(creator, invitation["id"], 55_000).status_code == 200
    other = make_brand("Other")
    assert_error(other.post(f"/api/v1/offers/{invitation['id']}/counter/accept"), 404)
    assert_error(other.post(f"/api/v1/offers/{invitation['id']}/counter/decline"), 404)
    # Roles: a creator cannot answer a counter, a brand cannot counter.
    assert creator.post(f"/api/v1/offers/{invitation['id']}/counter/accept").status_code == 403
    assert (
        brand.post(
            f"/api/v1/offers/{invitation['id']}/counter", json={"price": eur(1), "message": "x"}
        ).status_code
        == 403
    )


def test_a_creator_may_walk_away_from_their_own_counter(brand, creator, campaign, invitation):
    assert counter(creator, invitation["id"], 55_000).status_code == 200

    r = creator.post(f"/api/v1/offers/{invitation['id']}/decline", json={"reason": "Too busy."})

    assert (r.status_code, r.json["status"], r.json["counter_price"]) == (200, "declined", None)
    assert r.json["turns"][-1]["kind"] == "decline" and r.json["turns"][-1]["actor"] == "creator"
    assert_error(brand.post(f"/api/v1/offers/{invitation['id']}/counter/accept"), 409)
