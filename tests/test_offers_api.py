"""The offers inbox: listing, accept, decline, isolation between creators, and the conflicts."""

from __future__ import annotations

from typing import Any

import pytest

from collaborations.models import Offer, OfferStatus, Sponsorship
from tests.factories import (
    ago,
    complete_profile,
    fresh,
    open_up,
    sponsorships_of,
)
from tests.helpers import MISSING_ID, assert_error, count_rows

INBOX = "/api/v1/creators/me/offers"


@pytest.fixture
def market(make_brand, make_creator, make_campaign):
    """One published campaign and one creator with a complete, open profile."""
    brand = make_brand("Glow Labs")
    creator = make_creator()
    open_up(creator)
    campaign = make_campaign(brand, state="published")
    return brand, creator, campaign


def accept(creator: Any, offer: Offer) -> Any:
    return creator.post(f"/api/v1/offers/{offer.id}/accept")


def decline(creator: Any, offer: Offer, **kw: Any) -> Any:
    return creator.post(f"/api/v1/offers/{offer.id}/decline", **kw)


def assert_untouched(session, offer: Offer) -> None:
    row = fresh(session, Offer, offer.id)
    assert row.status is offer.status
    assert row.responded_at is None
    assert row.decline_reason is None


# --- inbox --------------------------------------------------------------------------------------


def test_inbox_shows_what_a_creator_needs_to_decide(market, make_offer):
    _brand, creator, campaign = market
    offer = make_offer(
        campaign,
        creator,
        price_amount=45_000,
        fit_score=0.91,
        explanation={"summary": "91% audience fit", "reach": 540},
    )
    body = creator.get(INBOX).get_json()
    assert body["total"] == 1 and body["page"] == 1 and body["pages"] == 1
    [item] = body["items"]
    assert item["id"] == offer.id
    assert item["status"] == "proposed"
    assert item["price"] == {"amount": 45_000, "currency": "EUR"}
    assert item["fit_score"] == 0.91
    # The brand's explanation never reaches the creator; their own text does (computed at
    # read time for an offer stored without one).
    assert "explanation" not in item
    text = item["explanation_for_creator"]
    assert "91% audience fit" not in text
    assert "Glow Labs" in text and campaign["title"] in text and "€450.00" in text
    assert item["source"] == "match"
    assert item["expires_at"] is not None
    assert item["campaign"]["id"] == campaign["id"]
    assert item["campaign"]["title"] == campaign["title"]
    assert item["campaign"]["brief"] == campaign["brief"]
    assert item["campaign"]["brand_name"] == "Glow Labs"


def test_inbox_filters_by_status_and_paginates(
    market, make_offer, make_brand, make_campaign, make_creator
):
    brand, creator, first = market
    campaigns = [first] + [
        make_campaign(brand, state="published", title=f"Campaign {i}") for i in range(4)
    ]
    proposed = [make_offer(c, creator) for c in campaigns[:3]]
    lapsed = make_offer(campaigns[3], creator, expires_at=ago(minutes=1))
    declined = make_offer(campaigns[4], creator)
    assert decline(creator, declined).status_code == 200
    make_offer(first, make_creator())  # someone else's offer is never listed

    everything = creator.get(INBOX).get_json()
    assert everything["total"] == 5
    # newest first
    assert [o["id"] for o in everything["items"]] == sorted(
        [o.id for o in (*proposed, lapsed, declined)], reverse=True
    )

    only_proposed = creator.get(INBOX, query_string={"status": "proposed"}).get_json()
    assert only_proposed["total"] == 3
    assert {o["id"] for o in only_proposed["items"]} == {o.id for o in proposed}

    expired = creator.get(INBOX, query_string={"status": "expired"}).get_json()
    assert [o["id"] for o in expired["items"]] == [lapsed.id]
    assert expired["items"][0]["status"] == "expired"  # expiry shows before the job marks it

    declined_page = creator.get(INBOX, query_string={"status": "declined"}).get_json()
    assert [o["id"] for o in declined_page["items"]] == [declined.id]

    page = creator.get(INBOX, query_string={"page_size": 2, "page": 3}).get_json()
    assert (page["total"], page["pages"], page["page"], page["page_size"]) == (5, 3, 3, 2)
    assert len(page["items"]) == 1
    page = creator.get(INBOX, query_string={"status": "proposed", "page_size": 2}).get_json()
    assert (page["total"], page["pages"], len(page["items"])) == (3, 2, 2)


BAD_QUERIES = [
    ("unknown status", {"status": "maybe"}),
    ("page 0", {"page": 0}),
    ("page past any list", {"page": 2**63}),
    ("page_size too large", {"page_size": 101}),
    ("page_size text", {"page_size": "many"}),
]
LISTS = [INBOX, "/api/v1/creators/me/sponsorships", "/api/v1/creators/me/payouts"]


@pytest.mark.parametrize(
    ("path", "query"),
    [
        (p, q)
        for p in LISTS
        for _, q in BAD_QUERIES
        if not (p.endswith("payouts") and "status" in q)
    ],
    ids=[
        f"{p.rsplit('/', 1)[1]}: {i}"
        for p in LISTS
        for i, q in BAD_QUERIES
        if not (p.endswith("payouts") and "status" in q)
    ],
)
def test_lists_refuse_bad_queries(market, path, query):
    _brand, creator, _campaign = market
    assert_error(creator.get(path, query_string=query), 422, next(iter(query)))


# --- accept and decline ---------------------------------------------------------------------------


def test_accept_creates_the_sponsorship(market, make_offer, session):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator, price_amount=45_000)
    r = accept(creator, offer)
    assert r.status_code == 201, r.get_json()
    body = r.get_json()
    assert body["offer_id"] == offer.id
    assert body["creator_id"] == creator.id
    assert body["status"] == "active"
    assert body["price"] == {"amount": 45_000, "currency": "EUR"}
    assert body["campaign"]["id"] == campaign["id"]
    assert body["due_on"] == campaign["ends_on"]
    assert body["post_url"] is None and body["disclosure"] is False

    row = fresh(session, Offer, offer.id)
    assert row.status is OfferStatus.ACCEPTED and row.responded_at is not None
    [sponsorship] = sponsorships_of(session, creator.id)
    assert sponsorship.id == body["id"] and sponsorship.offer_id == offer.id
    listed = creator.get(INBOX).get_json()["items"]
    assert [o["status"] for o in listed] == ["accepted"]


def test_decline_with_a_reason(market, make_offer, session):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator)
    r = decline(creator, offer, json={"reason": "Not my audience this month."})
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "declined"
    assert r.get_json()["decline_reason"] == "Not my audience this month."
    row = fresh(session, Offer, offer.id)
    assert row.status is OfferStatus.DECLINED
    assert row.decline_reason == "Not my audience this month."
    assert row.responded_at is not None
    assert count_rows(session, Sponsorship) == 0


@pytest.mark.parametrize("kw", [{}, {"json": {}}, {"json": {"reason": None}}], ids=str)
def test_decline_without_a_reason(market, make_offer, session, kw):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator)
    r = decline(creator, offer, **kw)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["decline_reason"] is None
    assert fresh(session, Offer, offer.id).status is OfferStatus.DECLINED


@pytest.mark.parametrize(
    ("body", "field"),
    [({"reason": "x" * 1001}, "reason"), ({"reason": 42}, "reason"), ({"why": "no"}, "why")],
    ids=["too long", "not a string", "unknown field"],
)
def test_bad_decline_is_refused_and_nothing_is_written(market, make_offer, session, body, field):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator)
    assert_error(decline(creator, offer, json=body), 422, field)
    assert_untouched(session, offer)


# --- isolation ------------------------------------------------------------------------------------


@pytest.mark.parametrize("action", ["accept", "decline"])
def test_another_creators_offer_answers_404_like_a_missing_one(
    market, make_offer, make_creator, session, action
):
    _brand, owner, campaign = market
    offer = make_offer(campaign, owner)
    intruder = make_creator()
    open_up(intruder)

    theirs = intruder.post(f"/api/v1/offers/{offer.id}/{action}")
    missing = intruder.post(f"/api/v1/offers/{MISSING_ID}/{action}")
    assert_error(theirs, 404)
    assert theirs.get_json() == missing.get_json()
    assert_untouched(session, offer)
    assert count_rows(session, Sponsorship) == 0
    # The owner still can.
    assert owner.post(f"/api/v1/offers/{offer.id}/{action}").status_code in (200, 201)


@pytest.mark.parametrize("offer_id", [0, 2**31, 2**63], ids=["zero", "past int4", "past int8"])
@pytest.mark.parametrize("action", ["accept", "decline"])
def test_ids_outside_the_database_range_are_404(market, offer_id, action):
    _brand, creator, _campaign = market
    assert_error(creator.post(f"/api/v1/offers/{offer_id}/{action}"), 404)


# --- conflicts ------------------------------------------------------------------------------------


def test_expired_offer_cannot_be_accepted(market, make_offer, session):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator, expires_at=ago(seconds=1))
    body = assert_error(accept(creator, offer), 409)
    assert "expired" in body["message"]
    assert_untouched(session, offer)
    assert count_rows(session, Sponsorship) == 0
    assert_error(decline(creator, offer), 409)


def test_offer_marked_expired_cannot_be_accepted(market, make_offer, session):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator, status=OfferStatus.EXPIRED, expires_at=ago(days=1))
    assert_error(accept(creator, offer), 409)
    assert count_rows(session, Sponsorship) == 0


def test_declined_offer_cannot_be_accepted(market, make_offer, session):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator)
    assert decline(creator, offer, json={"reason": "busy"}).status_code == 200
    body = assert_error(accept(creator, offer), 409)
    assert "declined" in body["message"]
    row = fresh(session, Offer, offer.id)
    assert row.status is OfferStatus.DECLINED and row.decline_reason == "busy"
    assert count_rows(session, Sponsorship) == 0


def test_accepted_offer_cannot_be_declined_or_accepted_again(market, make_offer, session):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator)
    assert accept(creator, offer).status_code == 201
    assert "accepted" in assert_error(decline(creator, offer), 409)["message"]
    assert_error(accept(creator, offer), 409)
    assert fresh(session, Offer, offer.id).status is OfferStatus.ACCEPTED
    assert count_rows(session, Sponsorship) == 1


def test_accept_at_weekly_capacity_is_refused(
    market, make_offer, make_campaign, session, make_brand
):
    brand, creator, first = market
    complete_profile(creator, weekly_capacity=1)
    second = make_campaign(make_brand(), state="published", competitor_group=None)
    taken, extra = make_offer(first, creator), make_offer(second, creator)
    assert accept(creator, taken).status_code == 201

    body = assert_error(accept(creator, extra), 409)
    assert "capacity" in body["message"]
    assert_untouched(session, extra)
    assert len(sponsorships_of(session, creator.id)) == 1

    # Raising the capacity frees room.
    complete_profile(creator, weekly_capacity=2)
    assert accept(creator, extra).status_code == 201


def test_capacity_frees_up_once_work_is_approved(
    market, make_offer, make_campaign, make_brand, session
):
    brand, creator, first = market
    complete_profile(creator, weekly_capacity=1)
    second = make_campaign(make_brand(), state="published", competitor_group=None)
    taken, extra = make_offer(first, creator), make_offer(second, creator)
    sponsorship = accept(creator, taken).get_json()
    creator.post(
        f"/api/v1/sponsorships/{sponsorship['id']}/deliverable",
        json={"url": "https://example.com/p", "disclosure": True},
    )
    assert_error(accept(creator, extra), 409)  # delivered work still holds capacity
    assert brand.post(f"/api/v1/sponsorships/{sponsorship['id']}/approve").status_code == 200
    assert accept(creator, extra).status_code == 201


def test_competitor_exclusivity(market, make_offer, make_brand, make_campaign, session):
    _brand, creator, skincare_a = market
    skincare_b = make_campaign(make_brand("Rival"), state="published", competitor_group="skincare")
    other_group = make_campaign(make_brand(), state="published", competitor_group="coffee")
    first, rival, unrelated = (
        make_offer(c, creator) for c in (skincare_a, skincare_b, other_group)
    )
    assert accept(creator, first).status_code == 201

    body = assert_error(accept(creator, rival), 409)
    assert "skincare" in body["message"]
    assert_untouched(session, rival)
    assert accept(creator, unrelated).status_code == 201
    assert len(sponsorships_of(session, creator.id)) == 2


def test_slots_used_up(market, make_offer, make_brand, make_campaign, make_creator, session):
    _brand, creator, _campaign = market
    campaign = make_campaign(make_brand(), state="published", slots=1, competitor_group=None)
    other = make_creator()
    open_up(other)
    mine, theirs = make_offer(campaign, creator), make_offer(campaign, other)
    assert accept(other, theirs).status_code == 201
    body = assert_error(accept(creator, mine), 409)
    assert "slot" in body["message"]
    assert_untouched(session, mine)
    assert sponsorships_of(session, creator.id) == []


def test_budget_used_up(market, make_offer, make_brand, make_campaign, make_creator, session):
    _brand, creator, _campaign = market
    campaign = make_campaign(
        make_brand(),
        state="published",
        slots=3,
        competitor_group=None,
        budget={"amount": 100_000, "currency": "EUR"},
    )
    other = make_creator()
    open_up(other)
    theirs = make_offer(campaign, other, price_amount=60_000)
    mine = make_offer(campaign, creator, price_amount=40_001)
    assert accept(other, theirs).status_code == 201
    assert "budget" in assert_error(accept(creator, mine), 409)["message"]
    assert_untouched(session, mine)
    # Exactly what is left still fits.
    third = make_creator()
    open_up(third)
    assert accept(third, make_offer(campaign, third, price_amount=40_000)).status_code == 201


@pytest.mark.parametrize("end_state", ["cancel", "complete"])
def test_closed_campaign_takes_no_creators(market, make_offer, session, end_state):
    brand, creator, campaign = market
    offer = make_offer(campaign, creator)
    assert brand.post(f"/api/v1/campaigns/{campaign['id']}/{end_state}").status_code == 200
    assert_error(accept(creator, offer), 409)
    assert fresh(session, Offer, offer.id).status is not OfferStatus.ACCEPTED
    assert count_rows(session, Sponsorship) == 0


def test_proposal_left_on_a_cancelled_campaign_cannot_be_accepted(market, make_offer, session):
    brand, creator, campaign = market
    assert brand.post(f"/api/v1/campaigns/{campaign['id']}/cancel").status_code == 200
    offer = make_offer(campaign, creator)  # e.g. written by a match run that raced the cancel
    body = assert_error(accept(creator, offer), 409)
    assert "cancelled" in body["message"]
    assert_untouched(session, offer)
    assert count_rows(session, Sponsorship) == 0


def test_offer_on_a_funded_but_unpublished_campaign_cannot_be_accepted(
    market, make_offer, make_brand, make_campaign, session
):
    _brand, creator, _campaign = market
    funded = make_campaign(make_brand(), state="funded")
    offer = make_offer(funded, creator)
    assert_error(accept(creator, offer), 409)
    assert_untouched(session, offer)


def test_offer_near_expiry_is_still_accepted(market, make_offer):
    _brand, creator, campaign = market
    offer = make_offer(campaign, creator, expires_at=ago(seconds=-30))
    assert accept(creator, offer).status_code == 201
