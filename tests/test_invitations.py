"""Direct invitations through the API: an offer with ``source: invite`` under every rule a
matched offer obeys, each refusal naming its rule; tenant walls; nothing committed until the
creator accepts; two brands racing for a creator's last unit of capacity."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from accounts.models import Creator
from campaigns.models import Campaign
from collaborations.models import Offer, OfferSource
from notifications.models import Notification
from tests.factories import complete_profile, open_up, update_row
from tests.helpers import assert_error, check_each
from tests.payments_fixtures import (
    accept,
    assert_ledger_ok,
    campaign_money,
    concurrently,
    http_post,
    live_server,
)

MESSAGE = "We loved your evening-routine series; film our serum in one?"


def invite(brand: Any, campaign_id: int, creator_id: int, **body: Any) -> Any:
    return brand.post(
        f"/api/v1/campaigns/{campaign_id}/invitations",
        json={"creator_id": creator_id, "message": MESSAGE, **body},
    )


def refused(response: Any, rule: str, code: int = 409) -> dict[str, Any]:
    """The one error shape, naming ``rule`` in ``errors.rule``."""
    body = assert_error(response, code, "rule")
    assert body["errors"]["rule"] == [rule], body
    return body


@pytest.fixture
def brand(make_brand: Any) -> Any:
    return make_brand("Lumen Skin")


@pytest.fixture
def creator(make_creator: Any) -> Any:
    c = make_creator()
    open_up(c)  # rate 400.00 EUR, capacity 3, open for skincare
    return c


def test_an_invitation_is_an_offer_at_the_creator_rate_with_fit_and_message(
    brand, creator, make_campaign, session
):
    campaign = make_campaign(brand, state="published")

    r = invite(brand, campaign["id"], creator.id)

    assert r.status_code == 201, r.json
    offer = r.json
    assert (offer["source"], offer["status"]) == ("invite", "proposed")
    assert offer["price"] == {"amount": 40_000, "currency": "EUR"}  # the creator's rate
    assert offer["match_run_id"] is None
    assert offer["message"] == MESSAGE
    assert offer["counter_price"] is None
    # The same fit model as matching: the creator's audience against the target.
    assert 0.3 < offer["fit_score"] <= 1
    explanation = offer["explanation"]
    assert explanation["engaged_target"] == round(12_000 * 0.05 * explanation["fit"])
    assert set(explanation["fit_components"]) == {
        "interests",
        "gender",
        "city_tiers",
        "age",
        "countries",
    }
    assert explanation["text"].startswith(f"You invited @{offer['creator']['handle']}")
    [turn] = offer["turns"]
    assert (turn["actor"], turn["kind"], turn["price"], turn["message"]) == (
        "brand",
        "offer",
        offer["price"],
        MESSAGE,
    )
    assert turn["expires_at"] == offer["expires_at"]

    # The creator reads why, the brief, the price and the message; never the brand's text.
    [mine] = creator.get("/api/v1/creators/me/offers").json["items"]
    assert mine["id"] == offer["id"] and mine["source"] == "invite"
    text = mine["explanation_for_creator"]
    assert text.startswith("Lumen Skin invited you to their campaign “Winter barrier serum”")
    assert "Show our serum in your evening routine" in text
    assert "€400.00" in text
    assert f"Their message: “{MESSAGE}”" in text
    assert "per unit of money" not in text and "explanation" not in mine
    assert mine["turns"] == offer["turns"]

    session.rollback()
    account_id = session.scalar(select(Creator.account_id).where(Creator.id == creator.id))
    [note] = session.scalars(
        select(Notification).where(
            Notification.account_id == account_id, Notification.kind == "offers.new"
        )
    ).all()
    assert note.data["offer"] == offer["id"] and "invited you" in note.subject
    assert note.body == text


def test_the_brand_may_propose_its_own_price(brand, creator, make_campaign):
    campaign = make_campaign(brand, state="published")
    r = invite(brand, campaign["id"], creator.id, price={"amount": 45_500, "currency": "EUR"})
    assert r.status_code == 201, r.json
    assert r.json["price"] == {"amount": 45_500, "currency": "EUR"}
    listed = brand.get(f"/api/v1/campaigns/{campaign['id']}/offers?source=invite").json
    assert [o["id"] for o in listed["items"]] == [r.json["id"]]


def test_bad_input_is_422_with_the_field(brand, creator, make_creator, make_campaign):
    campaign = make_campaign(brand, state="published")
    cid = campaign["id"]
    assert_error(
        invite(brand, cid, creator.id, price={"amount": 40_000, "currency": "USD"}), 422, "price"
    )
    assert_error(
        invite(brand, cid, creator.id, price={"amount": 0, "currency": "EUR"}), 422, "price"
    )
    assert_error(
        invite(brand, cid, creator.id, price={"amount": 1.5, "currency": "EUR"}), 422, "price"
    )
    no_message = brand.post(f"/api/v1/campaigns/{cid}/invitations", json={"creator_id": creator.id})
    assert_error(no_message, 422, "message")


def test_each_guardrail_refuses_an_invitation_with_its_rule(
    brand, make_brand, make_creator, make_campaign, make_offer, session
):
    """Every rule, each with the real data that breaks it (and only it)."""
    rival = make_brand("Rival Skin")

    def fresh_creator(**profile: Any) -> Any:
        c = make_creator()
        open_up(c)
        if profile:
            complete_profile(c, **profile)
        return c

    def case_draft() -> Any:
        c = make_campaign(brand, state="funded", competitor_group=None)
        return invite(brand, c["id"], fresh_creator().id), "campaign_closed"

    def case_over() -> Any:
        c = make_campaign(brand, state="published", competitor_group=None)
        yesterday = date.today() - timedelta(days=1)
        update_row(
            session, Campaign, c["id"], starts_on=yesterday - timedelta(days=9), ends_on=yesterday
        )
        return invite(brand, c["id"], fresh_creator().id), "campaign_closed"

    def case_blocked() -> Any:
        c = make_campaign(brand, state="published", competitor_group=None)
        k = fresh_creator()
        assert brand.post("/api/v1/brands/me/blocks", json={"creator_id": k.id}).status_code == 201
        return invite(brand, c["id"], k.id), "blocked"

    def case_already_offered() -> Any:
        c = make_campaign(brand, state="published", competitor_group=None)
        k = fresh_creator()
        assert invite(brand, c["id"], k.id).status_code == 201
        return invite(brand, c["id"], k.id), "already_offered"

    def case_creator_closed() -> Any:
        # Visible (the brand offered them before), but closed to paid work now.
        earlier = make_campaign(brand, state="published", competitor_group=None)
        c = make_campaign(brand, state="published", competitor_group=None)
        k = fresh_creator()
        make_offer(earlier, k)
        r = k.put(
            "/api/v1/creators/me/availability",
            json={"open": False, "until": None, "categories": ["skincare"]},
        )
        assert r.status_code == 200
        return invite(brand, c["id"], k.id), "creator_closed"

    def case_category() -> Any:
        c = make_campaign(brand, state="published", competitor_group=None)
        k = make_creator()
        open_up(k, categories=["beauty"])
        return invite(brand, c["id"], k.id), "category"

    def case_sponsored_share() -> Any:
        c = make_campaign(brand, state="published", competitor_group=None)
        k = fresh_creator()
        update_row(session, Creator, k.id, sponsored_share=0.8)
        return invite(brand, c["id"], k.id), "sponsored_share"

    def case_capacity() -> Any:
        c = make_campaign(brand, state="published", competitor_group=None)
        other = make_campaign(rival, state="published", competitor_group=None)
        k = fresh_creator(weekly_capacity=1)
        make_offer(other, k)  # a live offer awaiting their answer uses the one unit
        return invite(brand, c["id"], k.id), "capacity"

    def case_offer_cap() -> Any:
        # Counted across channels: two matched offers and one invitation, then the cap.
        k = fresh_creator(weekly_capacity=10)
        for _ in range(2):
            make_offer(make_campaign(rival, state="published", competitor_group=None), k)
        first = make_campaign(brand, state="published", competitor_group=None)
        assert invite(brand, first["id"], k.id).status_code == 201
        c = make_campaign(brand, state="published", competitor_group=None)
        return invite(brand, c["id"], k.id), "offer_cap"

    def case_exclusivity_live_offer() -> Any:
        c = make_campaign(brand, state="published", competitor_group="serums")
        theirs = make_campaign(rival, state="published", competitor_group="serums")
        k = fresh_creator()
        make_offer(theirs, k)
        return invite(brand, c["id"], k.id), "exclusivity"

    def case_exclusivity_sponsorship() -> Any:
        c = make_campaign(brand, state="published", competitor_group="serums")
        theirs = make_campaign(rival, state="published", competitor_group="serums")
        k = fresh_creator()
        accept(k, make_offer(theirs, k).id)
        return invite(brand, c["id"], k.id), "exclusivity"

    def case_slots() -> Any:
        c = make_campaign(brand, state="published", competitor_group=None, slots=1)
        make_offer(c, fresh_creator())  # the only slot is promised to a live offer
        return invite(brand, c["id"], fresh_creator().id), "slots"

    def case_budget() -> Any:
        c = make_campaign(
            brand,
            state="published",
            competitor_group=None,
            budget={"amount": 100_000, "currency": "EUR"},
        )
        make_offer(c, fresh_creator(), price_amount=70_000)  # held by a live offer
        return invite(brand, c["id"], fresh_creator().id), "budget"  # 400.00 > 300.00 left

    cases = [
        (name.removeprefix("case_"), fn)
        for name, fn in sorted(locals().items())
        if name.startswith("case_")
    ]
    assert len(cases) == 13

    def check(fn: Any) -> None:
        response, rule = fn()
        body = refused(response, rule)
        assert body["message"].strip()

    check_each(cases, check)
    # Refusals wrote nothing: every invitation is one of the few the cases let through.
    session.rollback()
    invites = session.scalars(select(Offer).where(Offer.source == OfferSource.INVITE)).all()
    assert len(invites) == 2


def test_tenant_walls(brand, make_brand, creator, make_creator, make_campaign):
    campaign = make_campaign(brand, state="published")
    other = make_brand("Other")
    theirs = make_campaign(other, state="published", competitor_group=None)

    # Another brand's campaign answers like a missing one.
    assert_error(invite(other, campaign["id"], creator.id), 404)
    made = invite(brand, campaign["id"], creator.id)
    assert made.status_code == 201
    # ...and never shows another brand's invitation.
    assert_error(other.get(f"/api/v1/campaigns/{campaign['id']}/offers"), 404)
    assert other.get(f"/api/v1/campaigns/{theirs['id']}/offers").json["total"] == 0
    assert_error(other.post(f"/api/v1/offers/{made.json['id']}/withdraw"), 404)
    # Another creator never sees it.
    stranger = make_creator()
    open_up(stranger)
    assert stranger.get("/api/v1/creators/me/offers").json["total"] == 0


def test_a_creator_the_brand_cannot_see_is_404(brand, make_creator, make_campaign):
    campaign = make_campaign(brand, state="published")
    closed = make_creator()
    complete_profile(closed)  # a profile, never opted in, never offered by this brand
    assert_error(invite(brand, campaign["id"], closed.id), 404)
    assert_error(invite(brand, campaign["id"], 999_999), 404)


def test_an_invitation_commits_nothing_until_accepted(app, brand, creator, make_campaign, session):
    campaign = make_campaign(brand, state="published")
    offer = invite(brand, campaign["id"], creator.id).json
    assert campaign_money(session, campaign["id"]).committed == 0

    sponsorship = accept(creator, offer["id"])

    assert sponsorship["price"] == {"amount": 40_000, "currency": "EUR"}
    assert campaign_money(session, campaign["id"]).committed == 40_000
    assert_ledger_ok(app, session)


def test_two_brands_inviting_the_last_unit_of_capacity_at_once_one_wins(
    app, make_brand, make_creator, make_campaign, session
):
    creator = make_creator()
    open_up(creator)
    complete_profile(creator, weekly_capacity=1)
    brands = [make_brand(f"Brand {n}") for n in range(2)]
    campaigns = [make_campaign(b, state="published", competitor_group=None) for b in brands]

    with live_server(app) as base:
        responses = concurrently(
            [
                lambda b=b, c=c: http_post(
                    base + f"/api/v1/campaigns/{c['id']}/invitations",
                    json={"creator_id": creator.id, "message": MESSAGE},
                    headers=b.headers,
                )
                for b, c in zip(brands, campaigns, strict=True)
            ]
        )

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 1}, [
        r.text for r in responses
    ]
    [lost] = [r.json() for r in responses if r.status_code == 409]
    assert lost["errors"] == {"rule": ["capacity"]}, lost
    session.rollback()
    assert len(session.scalars(select(Offer).where(Offer.creator_id == creator.id)).all()) == 1
