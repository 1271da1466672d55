"""Sponsorships: the creator delivers, the brand approves (pays) or rejects; the brand's views
of a campaign (offers, sponsorships, report); tenant isolation and role checks."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from collaborations.models import Sponsorship, SponsorshipStatus
from tests.factories import fresh, open_up, payouts_of
from tests.helpers import MISSING_ID, assert_error

POST_URL = "https://www.xiaohongshu.com/explore/abc123"


@pytest.fixture
def deal(make_brand, make_creator, make_campaign, make_offer):
    """A brand's published campaign and a creator who accepted an offer on it."""
    brand = make_brand("Glow Labs")
    creator = make_creator()
    open_up(creator)
    campaign = make_campaign(brand, state="published")
    offer = make_offer(campaign, creator, price_amount=45_000, fit_score=0.9)
    r = creator.post(f"/api/v1/offers/{offer.id}/accept")
    assert r.status_code == 201, r.get_json()
    return brand, creator, campaign, r.get_json()


def deliver(creator: Any, sponsorship_id: int, **body: Any) -> Any:
    return creator.post(
        f"/api/v1/sponsorships/{sponsorship_id}/deliverable",
        json={"url": POST_URL, "disclosure": True, **body},
    )


def state(session, sponsorship_id: int) -> tuple[Any, ...]:
    row = fresh(session, Sponsorship, sponsorship_id)
    return (row.status, row.post_url, row.disclosure, row.delivered_at, row.rejection_reason)


# --- happy paths ------------------------------------------------------------------------------------


def test_creator_lists_own_sponsorships(deal, make_creator):
    _brand, creator, campaign, sponsorship = deal
    body = creator.get("/api/v1/creators/me/sponsorships").get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["id"] == sponsorship["id"]
    assert item["status"] == "active"
    assert item["campaign"]["title"] == campaign["title"]
    assert item["campaign"]["brand_name"] == "Glow Labs"
    assert item["price"] == {"amount": 45_000, "currency": "EUR"}
    assert make_creator().get("/api/v1/creators/me/sponsorships").get_json()["total"] == 0
    delivered = creator.get(
        "/api/v1/creators/me/sponsorships", query_string={"status": "delivered"}
    )
    assert delivered.get_json()["total"] == 0


def test_deliver_then_approve_pays_the_creator(deal, session):
    brand, creator, campaign, sponsorship = deal
    r = deliver(creator, sponsorship["id"])
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["status"] == "delivered"
    assert body["post_url"] == POST_URL
    assert body["disclosure"] is True
    assert body["delivered_at"] is not None
    assert creator.get("/api/v1/creators/me/payouts").get_json()["total"] == 0

    r = brand.post(f"/api/v1/sponsorships/{sponsorship['id']}/approve")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "approved"
    assert r.get_json()["reviewed_at"] is not None

    payouts = creator.get("/api/v1/creators/me/payouts").get_json()
    assert payouts["total"] == 1
    [payout] = payouts["items"]
    assert payout["sponsorship_id"] == sponsorship["id"]
    assert payout["amount"] == {"amount": 45_000, "currency": "EUR"}
    assert payout["status"] == "paid"
    assert payout["paid_at"] is not None
    assert len(payouts_of(session, creator.id)) == 1

    # Approving twice neither pays twice nor succeeds.
    assert_error(brand.post(f"/api/v1/sponsorships/{sponsorship['id']}/approve"), 409)
    assert len(payouts_of(session, creator.id)) == 1


def test_reject_with_reason_then_redeliver(deal, session):
    brand, creator, _campaign, sponsorship = deal
    sid = sponsorship["id"]
    first = deliver(creator, sid).get_json()

    r = brand.post(
        f"/api/v1/sponsorships/{sid}/reject", json={"reason": "The #ad label is missing."}
    )
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "rejected"
    assert r.get_json()["rejection_reason"] == "The #ad label is missing."
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.REJECTED
    assert payouts_of(session, creator.id) == []
    mine = creator.get("/api/v1/creators/me/sponsorships").get_json()["items"][0]
    assert mine["rejection_reason"] == "The #ad label is missing."

    r = deliver(creator, sid, url="https://www.xiaohongshu.com/explore/abc124")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "delivered"
    assert r.get_json()["post_url"].endswith("abc124")
    row = fresh(session, Sponsorship, sid)
    # The first hand-in date is kept (on-time delivery is measured by it).
    assert row.first_delivered_at == datetime.fromisoformat(first["delivered_at"])
    assert row.delivered_at >= row.first_delivered_at

    assert brand.post(f"/api/v1/sponsorships/{sid}/approve").status_code == 200
    assert [p.amount for p in payouts_of(session, creator.id)] == [45_000]


def test_nothing_to_deliver_or_review_in_the_wrong_state(deal, session):
    brand, creator, _campaign, sponsorship = deal
    sid = sponsorship["id"]
    assert_error(brand.post(f"/api/v1/sponsorships/{sid}/approve"), 409)  # not delivered yet
    assert_error(brand.post(f"/api/v1/sponsorships/{sid}/reject", json={"reason": "Too soon"}), 409)
    assert deliver(creator, sid).status_code == 200
    assert_error(deliver(creator, sid), 409)  # already waiting for review
    assert brand.post(f"/api/v1/sponsorships/{sid}/approve").status_code == 200
    assert_error(deliver(creator, sid), 409)
    assert_error(brand.post(f"/api/v1/sponsorships/{sid}/reject", json={"reason": "Late"}), 409)
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.APPROVED


def test_brand_reads_campaign_offers(deal, make_creator, make_offer):
    brand, creator, campaign, _sponsorship = deal
    other = make_creator("other.creator")
    open_up(other)
    make_offer(campaign, other, fit_score=0.95, price_amount=30_000)
    make_offer(campaign, make_creator(), fit_score=0.5)

    body = brand.get(f"/api/v1/campaigns/{campaign['id']}/offers").get_json()
    assert body["total"] == 3
    assert [o["fit_score"] for o in body["items"]] == [0.5, 0.95, 0.9]  # newest first
    best = body["items"][1]
    assert best["creator"]["handle"] == "other.creator"
    assert best["creator"]["followers"] == 12_000
    assert best["price"] == {"amount": 30_000, "currency": "EUR"}
    assert best["status"] == "proposed"
    assert best["explanation"]
    assert body["items"][2]["status"] == "accepted"
    accepted = brand.get(
        f"/api/v1/campaigns/{campaign['id']}/offers", query_string={"status": "accepted"}
    ).get_json()
    assert [o["creator"]["id"] for o in accepted["items"]] == [creator.id]


def test_brand_reads_campaign_sponsorships_waiting_first(
    deal, make_creator, make_offer, make_brand
):
    brand, creator, campaign, first = deal
    other = make_creator()
    open_up(other)
    second = other.post(f"/api/v1/offers/{make_offer(campaign, other).id}/accept").get_json()
    assert deliver(creator, first["id"]).status_code == 200

    body = brand.get(f"/api/v1/campaigns/{campaign['id']}/sponsorships").get_json()
    assert body["total"] == 2
    assert [s["id"] for s in body["items"]] == [first["id"], second["id"]]
    assert body["items"][0]["status"] == "delivered"
    assert body["items"][0]["post_url"] == POST_URL
    assert body["items"][0]["creator"]["id"] == creator.id
    only_active = brand.get(
        f"/api/v1/campaigns/{campaign['id']}/sponsorships", query_string={"status": "active"}
    ).get_json()
    assert [s["id"] for s in only_active["items"]] == [second["id"]]


def test_campaign_report(deal, make_creator, make_offer):
    brand, creator, campaign, first = deal
    other = make_creator()
    open_up(other)
    second = other.post(
        f"/api/v1/offers/{make_offer(campaign, other, price_amount=30_000).id}/accept"
    ).get_json()
    make_offer(campaign, make_creator())  # still proposed
    deliver(creator, first["id"])
    assert brand.post(f"/api/v1/sponsorships/{first['id']}/approve").status_code == 200

    r = brand.get(f"/api/v1/campaigns/{campaign['id']}/report")
    assert r.status_code == 200, r.get_json()
    report = r.get_json()
    budget = campaign["budget"]["amount"]
    assert report["campaign_id"] == campaign["id"]
    assert report["currency"] == "EUR"
    assert report["budget"] == budget
    assert report["paid"] == 45_000
    assert report["committed"] == 30_000
    assert report["remaining"] == budget - 45_000 - 30_000
    assert report["sponsorships"]["approved"] == 1
    assert report["sponsorships"]["active"] == 1
    assert report["offers"]["accepted"] == 2
    assert report["offers"]["proposed"] == 1
    assert report["engaged_reach"] == round(12_000 * 0.05)
    assert second["status"] == "active"


# --- validation ---------------------------------------------------------------------------------------

BAD_DELIVERABLES: list[tuple[str, dict[str, Any], str]] = [
    ("ftp url", {"url": "ftp://example.com/post"}, "url"),
    ("not a url", {"url": "my latest post"}, "url"),
    ("url missing", {"url": None}, "url"),
    ("disclosure as string", {"disclosure": "true"}, "disclosure"),
    ("disclosure as number", {"disclosure": 1}, "disclosure"),
    ("disclosure missing", {"disclosure": None}, "disclosure"),
    ("unknown field", {"caption": "hi"}, "caption"),
]


@pytest.mark.parametrize(
    ("bad", "field"),
    [(b, f) for _, b, f in BAD_DELIVERABLES],
    ids=[i for i, _, _ in BAD_DELIVERABLES],
)
def test_bad_deliverable_is_refused_and_nothing_is_written(deal, session, bad, field):
    _brand, creator, _campaign, sponsorship = deal
    before = state(session, sponsorship["id"])
    body = {"url": POST_URL, "disclosure": True, **bad}
    body = {k: v for k, v in body.items() if v is not None}
    r = creator.post(f"/api/v1/sponsorships/{sponsorship['id']}/deliverable", json=body)
    assert_error(r, 422, field)
    assert state(session, sponsorship["id"]) == before


def test_unlabelled_post_is_refused_with_a_clear_message(deal, session):
    _brand, creator, _campaign, sponsorship = deal
    before = state(session, sponsorship["id"])
    body = assert_error(deliver(creator, sponsorship["id"], disclosure=False), 422, "disclosure")
    assert "labelled" in body["message"]
    assert "paid partnership" in body["errors"]["disclosure"][0]
    assert state(session, sponsorship["id"]) == before
    assert before[0] is SponsorshipStatus.ACTIVE


@pytest.mark.parametrize(
    "body",
    [None, {}, {"reason": ""}, {"reason": "no"}, {"reason": "x" * 1001}, {"reason": 5}],
    ids=["no body", "empty", "blank", "too short", "too long", "not a string"],
)
def test_reject_needs_a_reason(deal, session, body):
    brand, creator, _campaign, sponsorship = deal
    deliver(creator, sponsorship["id"])
    before = state(session, sponsorship["id"])
    r = brand.post(f"/api/v1/sponsorships/{sponsorship['id']}/reject", json=body)
    assert_error(r, 422, "reason")
    assert state(session, sponsorship["id"]) == before
    assert before[0] is SponsorshipStatus.DELIVERED


# --- isolation ------------------------------------------------------------------------------------------


def test_deliverable_on_another_creators_sponsorship_is_404(deal, make_creator, session):
    _brand, _owner, _campaign, sponsorship = deal
    intruder = make_creator()
    before = state(session, sponsorship["id"])
    theirs = deliver(intruder, sponsorship["id"])
    assert_error(theirs, 404)
    assert theirs.get_json() == deliver(intruder, MISSING_ID).get_json()
    # Even a refused disclosure must not tell the intruder the sponsorship exists.
    assert_error(deliver(intruder, sponsorship["id"], disclosure=False), 404)
    assert state(session, sponsorship["id"]) == before


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_brand_cannot_review_another_brands_sponsorship(deal, make_brand, session, action):
    _owner, creator, _campaign, sponsorship = deal
    deliver(creator, sponsorship["id"])
    before = state(session, sponsorship["id"])
    rival = make_brand()
    kw = {"json": {"reason": "Not on brand."}} if action == "reject" else {}
    theirs = rival.post(f"/api/v1/sponsorships/{sponsorship['id']}/{action}", **kw)
    missing = rival.post(f"/api/v1/sponsorships/{MISSING_ID}/{action}", **kw)
    assert_error(theirs, 404)
    assert theirs.get_json() == missing.get_json()
    assert state(session, sponsorship["id"]) == before
    assert payouts_of(session, creator.id) == []


@pytest.mark.parametrize("view", ["", "/offers", "/sponsorships", "/report"])
def test_brand_cannot_read_another_brands_campaign(deal, make_brand, view):
    _owner, _creator, campaign, _sponsorship = deal
    rival = make_brand()
    theirs = rival.get(f"/api/v1/campaigns/{campaign['id']}{view}")
    missing = rival.get(f"/api/v1/campaigns/{MISSING_ID}{view}")
    assert_error(theirs, 404)
    assert theirs.get_json() == missing.get_json()


# --- roles ----------------------------------------------------------------------------------------------

CREATOR_ROUTES = [
    ("get", "/api/v1/creators/me", None),
    ("patch", "/api/v1/creators/me", {"display_name": "Brand"}),
    ("get", "/api/v1/creators/me/availability", None),
    ("put", "/api/v1/creators/me/availability", {"open": False, "categories": []}),
    ("get", "/api/v1/creators/me/offers", None),
    ("post", "/api/v1/offers/{offer}/accept", None),
    ("post", "/api/v1/offers/{offer}/decline", {"reason": "no"}),
    ("get", "/api/v1/creators/me/sponsorships", None),
    (
        "post",
        "/api/v1/sponsorships/{sponsorship}/deliverable",
        {"url": POST_URL, "disclosure": True},
    ),
    ("get", "/api/v1/creators/me/payouts", None),
]
BRAND_ROUTES = [
    ("get", "/api/v1/campaigns", None),
    ("get", "/api/v1/campaigns/{campaign}", None),
    ("get", "/api/v1/campaigns/{campaign}/offers", None),
    ("get", "/api/v1/campaigns/{campaign}/sponsorships", None),
    ("get", "/api/v1/campaigns/{campaign}/report", None),
    ("post", "/api/v1/sponsorships/{sponsorship}/approve", None),
    ("post", "/api/v1/sponsorships/{sponsorship}/reject", {"reason": "Not on brand."}),
]


def _call(user: Any, method: str, url: str, body: Any, ids: dict[str, int]) -> Any:
    kw = {"json": body} if body is not None else {}
    return getattr(user, method)(url.format(**ids), **kw)


@pytest.mark.parametrize(
    ("method", "url", "body"), CREATOR_ROUTES, ids=[f"{m} {u}" for m, u, _ in CREATOR_ROUTES]
)
def test_brand_token_on_creator_routes_is_403(deal, session, method, url, body):
    brand, creator, campaign, sponsorship = deal
    ids = {"offer": sponsorship["offer_id"], "sponsorship": sponsorship["id"]}
    before = state(session, sponsorship["id"])
    assert_error(_call(brand, method, url, body, ids), 403)
    assert state(session, sponsorship["id"]) == before


@pytest.mark.parametrize(
    ("method", "url", "body"), BRAND_ROUTES, ids=[f"{m} {u}" for m, u, _ in BRAND_ROUTES]
)
def test_creator_token_on_brand_routes_is_403(deal, session, method, url, body):
    brand, creator, campaign, sponsorship = deal
    deliver(creator, sponsorship["id"])
    ids = {"campaign": campaign["id"], "sponsorship": sponsorship["id"]}
    before = state(session, sponsorship["id"])
    assert_error(_call(creator, method, url, body, ids), 403)
    assert state(session, sponsorship["id"]) == before
    assert payouts_of(session, creator.id) == []


@pytest.mark.parametrize(
    ("method", "url", "body"),
    CREATOR_ROUTES + BRAND_ROUTES,
    ids=[f"{m} {u}" for m, u, _ in CREATOR_ROUTES + BRAND_ROUTES],
)
def test_routes_without_a_token_are_401(deal, client, method, url, body):
    _brand, _creator, campaign, sponsorship = deal
    ids = {
        "offer": sponsorship["offer_id"],
        "sponsorship": sponsorship["id"],
        "campaign": campaign["id"],
    }
    kw = {"json": body} if body is not None else {}
    assert_error(getattr(client, method)(url.format(**ids), **kw), 401)


@pytest.mark.parametrize(
    "sponsorship_id", [0, 2**31, 2**63], ids=["zero", "past int4", "past int8"]
)
@pytest.mark.parametrize(
    ("role", "action", "body"),
    [
        ("creator", "deliverable", {"url": POST_URL, "disclosure": True}),
        ("brand", "approve", None),
        ("brand", "reject", {"reason": "Not on brand."}),
    ],
    ids=["deliverable", "approve", "reject"],
)
def test_ids_outside_the_database_range_are_404(deal, sponsorship_id, role, action, body):
    brand, creator, _campaign, _sponsorship = deal
    user = creator if role == "creator" else brand
    kw = {"json": body} if body is not None else {}
    assert_error(user.post(f"/api/v1/sponsorships/{sponsorship_id}/{action}", **kw), 404)
