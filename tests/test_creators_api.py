"""Creator profile, reliability figures and the opt-in (``/creators/me``, ``/availability``)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from accounts.models import Creator
from collaborations.models import Sponsorship
from tests.factories import (
    AUDIENCE,
    ago,
    complete_profile,
    creator_row,
    fresh,
    open_up,
    profile_body,
    sponsorships_of,
    update_row,
)
from tests.helpers import assert_error

ME = "/api/v1/creators/me"
AVAILABILITY = "/api/v1/creators/me/availability"


# --- profile: happy paths ---------------------------------------------------------------------


def test_new_creator_reads_an_empty_profile(make_creator):
    creator = make_creator("mia.cooks")
    r = creator.get(ME)
    assert r.status_code == 200
    body = r.get_json()
    assert body["id"] == creator.id
    assert body["handle"] == "mia.cooks"
    assert body["email"].endswith("@example.com")
    assert body["followers"] == 0
    assert body["audience"] is None
    assert body["rate"] is None
    assert body["weekly_capacity"] == 1
    assert body["verified"] is False
    assert body["reliability"] == {
        "offers_received": 0,
        "reply_rate_48h": None,
        "acceptance_rate": None,
        "on_time_delivery_rate": None,
    }


def test_patch_updates_the_profile_and_stores_it(make_creator, session):
    creator = make_creator()
    body = complete_profile(creator, categories=["skincare", "beauty", "skincare"])
    assert body["display_name"] == "Mia Cooks"
    assert body["followers"] == 12_000
    assert body["engagement_rate"] == 0.05
    assert body["categories"] == ["beauty", "skincare"]  # de-duplicated and sorted
    assert body["audience"] == AUDIENCE
    assert body["rate"] == {"amount": 40_000, "currency": "EUR"}
    assert body["weekly_capacity"] == 3

    row = fresh(session, Creator, creator.id)
    assert (row.rate_amount, row.rate_currency) == (40_000, "EUR")
    assert row.audience == AUDIENCE
    assert creator.get(ME).get_json()["rate"] == {"amount": 40_000, "currency": "EUR"}


def test_patch_changes_only_the_fields_sent(make_creator):
    creator = make_creator()
    complete_profile(creator)
    r = creator.patch(ME, json={"weekly_capacity": 10, "engagement_rate": 1})
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["weekly_capacity"] == 10
    assert body["engagement_rate"] == 1.0
    assert body["followers"] == 12_000
    assert body["audience"] == AUDIENCE


def test_reliability_figures_follow_the_creators_history(
    make_creator, make_brand, make_campaign, make_offer, session
):
    creator = make_creator()
    complete_profile(creator, weekly_capacity=5)
    brand = make_brand()
    campaigns = [
        make_campaign(brand, state="published", competitor_group=None, title=f"Campaign {i}")
        for i in range(5)
    ]
    late_accept = make_offer(campaigns[0], creator, created_at=ago(hours=72))
    quick_accept = make_offer(campaigns[1], creator, created_at=ago(hours=1))
    quick_decline = make_offer(campaigns[2], creator, created_at=ago(hours=2))
    make_offer(campaigns[3], creator, created_at=ago(hours=3))  # unanswered, still in its window
    make_offer(campaigns[4], creator, created_at=ago(hours=49))  # unanswered past 48 h
    for offer in (late_accept, quick_accept):
        assert creator.post(f"/api/v1/offers/{offer.id}/accept").status_code == 201
    assert creator.post(f"/api/v1/offers/{quick_decline.id}/decline").status_code == 200

    first, second = sponsorships_of(session, creator.id)
    r = creator.post(
        f"/api/v1/sponsorships/{first.id}/deliverable",
        json={"url": "https://example.com/p/1", "disclosure": True},
    )
    assert r.status_code == 200, r.get_json()
    # The second one was due yesterday and nothing has been delivered.
    update_row(session, Sponsorship, second.id, due_on=date.today() - timedelta(days=1))

    reliability = creator.get(ME).get_json()["reliability"]
    assert reliability == {
        "offers_received": 5,
        # due for a reply: the three answered and the one past 48 h; in time: two of them
        "reply_rate_48h": 0.5,
        "acceptance_rate": round(2 / 3, 4),
        "on_time_delivery_rate": 0.5,
    }


def test_reliability_counts_only_the_creators_own_history(
    make_creator, make_brand, make_campaign, make_offer
):
    creator, other = make_creator(), make_creator()
    campaign = make_campaign(make_brand(), state="published")
    make_offer(campaign, other, created_at=ago(hours=50))
    assert creator.get(ME).get_json()["reliability"]["offers_received"] == 0
    assert other.get(ME).get_json()["reliability"] == {
        "offers_received": 1,
        "reply_rate_48h": 0.0,
        "acceptance_rate": None,
        "on_time_delivery_rate": None,
    }


# --- profile: validation (422, field errors, nothing written) -----------------------------------

BAD_PROFILES: list[tuple[str, dict[str, Any], str]] = [
    ("engagement above 1", {"engagement_rate": 1.01}, "engagement_rate"),
    ("engagement below 0", {"engagement_rate": -0.1}, "engagement_rate"),
    ("engagement as text", {"engagement_rate": "high"}, "engagement_rate"),
    ("negative followers", {"followers": -1}, "followers"),
    ("float followers", {"followers": 1500.5}, "followers"),
    ("followers as text", {"followers": "1500"}, "followers"),
    ("capacity 0", {"weekly_capacity": 0}, "weekly_capacity"),
    ("capacity 11", {"weekly_capacity": 11}, "weekly_capacity"),
    ("unknown category", {"categories": ["skincare", "astrology"]}, "categories"),
    (
        "audience part not summing to 1",
        {"audience": {**AUDIENCE, "gender": {"female": 0.7, "male": 0.2}}},
        "audience.gender",
    ),
    (
        "audience negative share",
        {"audience": {**AUDIENCE, "age": {"18-24": 1.2, "25-34": -0.2}}},
        "audience.age",
    ),
    (
        "audience unknown interest tag",
        {"audience": {**AUDIENCE, "interests": {"skincare": 0.5, "astrology": 0.5}}},
        "audience.interests",
    ),
    (
        "audience missing a part",
        {"audience": {k: v for k, v in AUDIENCE.items() if k != "city_tiers"}},
        "audience.city_tiers",
    ),
    ("audience unknown part", {"audience": {**AUDIENCE, "income": {"high": 1}}}, "audience.income"),
    ("audience null", {"audience": None}, "audience"),
    ("rate as float", {"rate": {"amount": 400.5, "currency": "EUR"}}, "rate.amount"),
    ("rate zero", {"rate": {"amount": 0, "currency": "EUR"}}, "rate.amount"),
    ("rate unknown currency", {"rate": {"amount": 40_000, "currency": "XYZ"}}, "rate.currency"),
    ("rate without currency", {"rate": {"amount": 40_000}}, "rate.currency"),
    ("read-only verified", {"verified": True}, "verified"),
    ("read-only sponsored_share", {"sponsored_share": 0.0}, "sponsored_share"),
    ("read-only reliability", {"reliability": {"offers_received": 99}}, "reliability"),
    ("read-only handle", {"handle": "someone_else"}, "handle"),
    ("read-only email", {"email": "new@example.com"}, "email"),
    ("unknown field", {"nickname": "mimi"}, "nickname"),
]


@pytest.mark.parametrize(
    ("bad", "field"), [(b, f) for _, b, f in BAD_PROFILES], ids=[i for i, _, _ in BAD_PROFILES]
)
def test_bad_profile_is_refused_and_nothing_is_written(make_creator, session, bad, field):
    creator = make_creator()
    complete_profile(creator)
    before = creator_row(session, creator.id)
    # A valid change rides along: it must not be applied either.
    r = creator.patch(ME, json={"display_name": "Changed", **bad})
    assert_error(r, 422, field)
    assert creator_row(session, creator.id) == before


def test_read_only_fields_say_why(make_creator):
    creator = make_creator()
    r = creator.patch(ME, json={"verified": True, "sponsored_share": 0})
    body = assert_error(r, 422, "verified", "sponsored_share")
    assert "read-only" in body["errors"]["verified"][0].lower()


def test_open_creator_cannot_blank_what_matching_needs(make_creator, session):
    creator = make_creator()
    open_up(creator)
    before = creator_row(session, creator.id)
    assert_error(creator.patch(ME, json={"followers": 0}), 422, "followers")
    assert creator_row(session, creator.id) == before


# --- availability --------------------------------------------------------------------------------


def test_availability_starts_closed(make_creator):
    creator = make_creator()
    assert creator.get(AVAILABILITY).get_json() == {
        "open": False,
        "until": None,
        "categories": [],
        "lapsed": False,
    }


def test_open_and_close_availability(make_creator, session):
    creator = make_creator()
    complete_profile(creator)
    until = date.today() + timedelta(days=14)
    r = creator.put(
        AVAILABILITY,
        json={"open": True, "until": until.isoformat(), "categories": ["skincare", "beauty"]},
    )
    assert r.status_code == 200, r.get_json()
    expected = {
        "open": True,
        "until": until.isoformat(),
        "categories": ["beauty", "skincare"],
        "lapsed": False,
    }
    assert r.get_json() == expected
    assert creator.get(AVAILABILITY).get_json() == expected
    row = fresh(session, Creator, creator.id)
    assert (row.is_open, row.open_until) == (True, until)

    r = creator.put(AVAILABILITY, json={"open": False, "categories": []})
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == {"open": False, "until": None, "categories": [], "lapsed": False}
    assert fresh(session, Creator, creator.id).is_open is False


def test_open_until_today_is_still_open(make_creator):
    creator = make_creator()
    open_up(creator, until=date.today())
    body = creator.get(AVAILABILITY).get_json()
    assert body["open"] is True and body["lapsed"] is False


def test_lapsed_opt_in_reads_as_closed(make_creator, session):
    creator = make_creator()
    open_up(creator)
    update_row(session, Creator, creator.id, open_until=date.today() - timedelta(days=1))
    assert creator.get(AVAILABILITY).get_json() == {
        "open": False,
        "until": (date.today() - timedelta(days=1)).isoformat(),
        "categories": ["skincare"],
        "lapsed": True,
    }


BAD_AVAILABILITY: list[tuple[str, dict[str, Any], str]] = [
    (
        "until in the past",
        {"open": True, "until": (date.today() - timedelta(days=1)).isoformat()},
        "until",
    ),
    ("open with no categories", {"open": True, "categories": []}, "categories"),
    ("open as a string", {"open": "yes"}, "open"),
    ("open as a number", {"open": 1}, "open"),
    ("open missing", {"open": None}, "open"),
    ("unknown category", {"open": True, "categories": ["astrology"]}, "categories"),
    ("until not a date", {"open": True, "until": "next week"}, "until"),
    ("unknown field", {"open": True, "paused": True}, "paused"),
    ("read-only lapsed", {"open": True, "lapsed": False}, "lapsed"),
]


@pytest.mark.parametrize(
    ("bad", "field"),
    [(b, f) for _, b, f in BAD_AVAILABILITY],
    ids=[i for i, _, _ in BAD_AVAILABILITY],
)
def test_bad_availability_is_refused_and_nothing_is_written(make_creator, session, bad, field):
    creator = make_creator()
    complete_profile(creator)
    before = creator_row(session, creator.id)
    body = {"categories": ["skincare"], "until": None, **bad}
    if body["open"] is None:
        del body["open"]
    assert_error(creator.put(AVAILABILITY, json=body), 422, field)
    assert creator_row(session, creator.id) == before
    assert creator.get(AVAILABILITY).get_json()["open"] is False


@pytest.mark.parametrize(
    ("profile", "missing"),
    [
        ({}, ["audience", "rate", "followers"]),
        (profile_body(rate=None), ["rate"]),
        ({k: v for k, v in profile_body().items() if k != "audience"}, ["audience"]),
    ],
    ids=["empty profile", "no rate", "no audience"],
)
def test_opening_needs_a_complete_profile(make_creator, session, profile, missing):
    creator = make_creator()
    profile = {k: v for k, v in profile.items() if v is not None}
    if profile:
        assert creator.patch(ME, json=profile).status_code == 200
    before = creator_row(session, creator.id)
    r = creator.put(AVAILABILITY, json={"open": True, "categories": ["skincare"]})
    body = assert_error(r, 422, "open")
    for name in missing:
        assert name in body["errors"]["open"][0]
    assert creator_row(session, creator.id) == before


def test_closing_keeps_accepted_work(make_creator, make_brand, make_campaign, make_offer, session):
    creator = make_creator()
    open_up(creator)
    offer = make_offer(make_campaign(make_brand(), state="published"), creator)
    assert creator.post(f"/api/v1/offers/{offer.id}/accept").status_code == 201

    r = creator.put(AVAILABILITY, json={"open": False, "categories": []})
    assert r.status_code == 200, r.get_json()

    [sponsorship] = sponsorships_of(session, creator.id)
    assert sponsorship.status.value == "active"
    listed = creator.get("/api/v1/creators/me/sponsorships").get_json()
    assert [s["status"] for s in listed["items"]] == ["active"]
    r = creator.post(
        f"/api/v1/sponsorships/{sponsorship.id}/deliverable",
        json={"url": "https://example.com/post", "disclosure": True},
    )
    assert r.status_code == 200, r.get_json()
