"""A creator's public profile for brands (``GET /api/v1/creators/{id}``): the fields and nothing
private, reliability measured from real history, who may see whom, and the fit to a campaign."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest

from accounts.models import Creator
from collaborations.models import Offer, OfferStatus, Sponsorship
from matching.jobs import expire_offers_job
from matching.market.fit import fit_breakdown
from tests.factories import (
    AUDIENCE,
    ago,
    fresh,
    open_up,
    sponsorships_of,
    update_row,
)
from tests.helpers import MISSING_ID, assert_error

PUBLIC_FIELDS = {
    "id",
    "handle",
    "display_name",
    "followers",
    "engagement_rate",
    "audience",
    "rate",
    "categories",
    "open",
    "verified",
    "reliability",
}
GAMING_TARGET = {
    "interests": {"gaming": 0.7, "tech": 0.3},
    "gender": {"female": 0.2, "male": 0.8},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.6, "25-34": 0.4},
}


def profile_url(creator_id: int, **query: int) -> str:
    suffix = "&".join(f"{k}={v}" for k, v in query.items())
    return f"/api/v1/creators/{creator_id}" + (f"?{suffix}" if suffix else "")


def close(creator) -> None:
    r = creator.put(
        "/api/v1/creators/me/availability", json={"open": False, "until": None, "categories": []}
    )
    assert r.status_code == 200, r.get_json()


def deliver(creator, sponsorship_id: int) -> None:
    r = creator.post(
        f"/api/v1/sponsorships/{sponsorship_id}/deliverable",
        json={"url": f"https://example.com/p/{sponsorship_id}", "disclosure": True},
    )
    assert r.status_code == 200, r.get_json()


# --- fields, and nothing private ----------------------------------------------------------------


def test_a_brand_reads_the_public_fields_and_nothing_private(
    app, make_brand, make_creator, session
):
    brand, creator = make_brand(), make_creator("mia.glow")
    open_up(creator, categories=["skincare", "beauty"])
    update_row(
        session,
        Creator,
        creator.id,
        verified=True,
        sponsored_share=0.17,
        stripe_account_id="acct_secret123",
        payouts_enabled=True,
    )

    r = brand.get(profile_url(creator.id))

    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) == PUBLIC_FIELDS  # no fit without a campaign
    assert body["id"] == creator.id
    assert body["handle"] == "mia.glow"
    assert body["display_name"] == "Mia Cooks"
    assert body["followers"] == 12_000
    assert body["engagement_rate"] == 0.05
    assert body["audience"] == AUDIENCE
    assert body["rate"] == {"amount": 40_000, "currency": "EUR"}
    assert body["categories"] == ["beauty", "skincare"]  # what they are open to paid work for
    assert body["open"] is True
    assert body["verified"] is True
    assert body["reliability"] == {
        "reply_rate_48h": None,
        "on_time_delivery_rate": None,
        "completed_sponsorships": 0,
        "delivery_ratio": None,
        "measured_sponsorships": 0,
    }
    raw = r.get_data(as_text=True)
    row = fresh(session, Creator, creator.id)
    for secret in (row.account.email, "acct_secret123", "0.17", creator.token):
        assert secret not in raw
    for private in ("email", "stripe_account_id", "payouts_enabled", "sponsored_share"):
        assert private not in raw


def test_only_brands_may_read_profiles(client, make_creator):
    creator, other = make_creator(), make_creator()
    open_up(creator)
    assert_error(other.get(profile_url(creator.id)), 403)
    assert_error(creator.get(profile_url(creator.id)), 403)  # not even their own, here
    assert_error(client.get(profile_url(creator.id)), 401)


# --- who may see whom ---------------------------------------------------------------------------


def test_a_closed_creator_is_a_404_like_an_unknown_id(make_brand, make_creator):
    brand, creator = make_brand(), make_creator()
    open_up(creator)
    close(creator)
    hidden = assert_error(brand.get(profile_url(creator.id)), 404)
    missing = assert_error(brand.get(profile_url(MISSING_ID)), 404)
    assert hidden == missing
    assert brand.get(profile_url(2**31 - 1)).status_code == 404


def test_a_lapsed_opt_in_reads_as_closed(make_brand, make_creator, session):
    brand, creator = make_brand(), make_creator()
    open_up(creator, until=date.today() + timedelta(days=3))
    assert brand.get(profile_url(creator.id)).status_code == 200
    update_row(session, Creator, creator.id, open_until=date.today() - timedelta(days=1))
    assert_error(brand.get(profile_url(creator.id)), 404)


def test_an_offer_from_this_brand_makes_a_closed_creator_visible_to_it_alone(
    make_brand, make_creator, make_campaign, make_offer
):
    mine, theirs, stranger = make_brand(), make_brand(), make_brand()
    creator = make_creator()
    open_up(creator)
    their_campaign = make_campaign(theirs, state="published", competitor_group=None)
    make_offer(their_campaign, creator, status=OfferStatus.DECLINED, responded_at=ago(hours=1))
    close(creator)

    # Another brand's offer does not open the profile to me, nor to anyone else.
    assert_error(mine.get(profile_url(creator.id)), 404)
    assert_error(stranger.get(profile_url(creator.id)), 404)
    r = theirs.get(profile_url(creator.id))
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["open"] is False
    assert r.get_json()["categories"] == []  # closed: open to no paid work

    my_campaign = make_campaign(mine, competitor_group=None)  # a draft is enough
    make_offer(my_campaign, creator, status=OfferStatus.WITHDRAWN, responded_at=ago(minutes=5))
    assert mine.get(profile_url(creator.id)).status_code == 200
    assert_error(stranger.get(profile_url(creator.id)), 404)


# --- reliability, from what really happened ------------------------------------------------------


def test_reliability_follows_replies_deliveries_and_approvals(
    make_brand, make_creator, make_campaign, make_offer, session, app
):
    brand, creator = make_brand(), make_creator()
    open_up(creator)
    campaigns = [
        make_campaign(brand, state="published", competitor_group=None, title=f"Campaign {i}")
        for i in range(3)
    ]

    def figures() -> dict[str, object]:
        r = brand.get(profile_url(creator.id))
        assert r.status_code == 200, r.get_json()
        return r.get_json()["reliability"]

    # Two offers answered within the hour, both accepted; the first post delivered on time
    # and approved (paid).
    first = make_offer(campaigns[0], creator, created_at=ago(hours=2))
    second = make_offer(campaigns[1], creator, created_at=ago(hours=1))
    for offer in (first, second):
        assert creator.post(f"/api/v1/offers/{offer.id}/accept").status_code == 201
    on_time, late = sponsorships_of(session, creator.id)
    deliver(creator, on_time.id)
    r = brand.post(f"/api/v1/sponsorships/{on_time.id}/approve")
    assert r.status_code == 200, r.get_json()
    assert figures() == {
        "reply_rate_48h": 1.0,
        "on_time_delivery_rate": 1.0,  # the second is not due yet
        "completed_sponsorships": 1,
        "delivery_ratio": None,
        "measured_sponsorships": 0,
    }

    # The second post comes in two days after its due date: on-time delivery falls to 1/2.
    update_row(session, Sponsorship, late.id, due_on=date.today() - timedelta(days=2))
    deliver(creator, late.id)
    assert figures() == {
        "reply_rate_48h": 1.0,
        "on_time_delivery_rate": 0.5,
        "completed_sponsorships": 1,
        "delivery_ratio": None,
        "measured_sponsorships": 0,
    }

    # An offer left unanswered until it expired: the reply rate falls to 2/3.
    ignored = make_offer(campaigns[2], creator, created_at=ago(days=8), expires_at=ago(days=1))
    with app.app_context():
        assert expire_offers_job() == 1
    assert fresh(session, Offer, ignored.id).status is OfferStatus.EXPIRED
    assert figures() == {
        "reply_rate_48h": round(2 / 3, 4),
        "on_time_delivery_rate": 0.5,
        "completed_sponsorships": 1,
        "delivery_ratio": None,
        "measured_sponsorships": 0,
    }


def test_reliability_is_the_creators_own_figures_whoever_asks(
    make_brand, make_creator, make_campaign, make_offer
):
    """One definition: the brand sees the same rates the creator sees on ``/creators/me``."""
    brand, other_brand, creator = make_brand(), make_brand(), make_creator()
    open_up(creator)
    campaign = make_campaign(other_brand, state="published", competitor_group=None)
    make_offer(campaign, creator, created_at=ago(hours=60))  # silent past 48 h, other brand's
    own = creator.get("/api/v1/creators/me").get_json()["reliability"]
    public = brand.get(profile_url(creator.id)).get_json()["reliability"]
    assert public["reply_rate_48h"] == own["reply_rate_48h"] == 0.0
    assert public["on_time_delivery_rate"] == own["on_time_delivery_rate"] is None


# --- the fit to one of my campaigns --------------------------------------------------------------


def test_with_my_campaign_the_profile_has_the_fit_by_the_matching_model(
    make_brand, make_creator, make_campaign
):
    brand, creator = make_brand(), make_creator()
    open_up(creator)
    campaign = make_campaign(brand)

    r = brand.get(profile_url(creator.id, campaign_id=campaign["id"]))

    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert set(body) == PUBLIC_FIELDS | {"fit"}
    fit = body["fit"]
    expected = fit_breakdown(AUDIENCE, campaign["target_audience"])
    assert fit["campaign_id"] == campaign["id"]
    assert fit["fit"] == pytest.approx(expected["fit"], abs=1e-4)
    assert set(fit["parts"]) == {"interests", "gender", "city_tiers", "age"}
    for part, value in fit["parts"].items():
        assert value == pytest.approx(expected["parts"][part], abs=1e-4)
    assert fit["relevance"] == pytest.approx(expected["relevance"], abs=1e-4)
    assert fit["demographics"] == pytest.approx(expected["demographics"], abs=1e-4)
    assert 0 < fit["fit"] <= 1
    # followers × engagement × fit: 12,000 × 0.05 × fit engaged target people per post
    assert fit["expected_value"] == round(12_000 * 0.05 * expected["fit"])


def test_an_audience_outside_the_target_has_no_value(make_brand, make_creator, make_campaign):
    brand, creator = make_brand(), make_creator()
    open_up(creator)
    campaign = make_campaign(brand, category="gaming", target_audience=GAMING_TARGET)
    fit = brand.get(profile_url(creator.id, campaign_id=campaign["id"])).get_json()["fit"]
    assert fit["fit"] == 0 and fit["relevance"] == 0
    assert fit["expected_value"] == 0


def test_another_brands_campaign_is_a_404(make_brand, make_creator, make_campaign):
    brand, other = make_brand(), make_brand()
    creator = make_creator()
    open_up(creator)
    theirs = make_campaign(other)
    body = assert_error(brand.get(profile_url(creator.id, campaign_id=theirs["id"])), 404)
    missing = assert_error(brand.get(profile_url(creator.id, campaign_id=MISSING_ID)), 404)
    assert body == missing
    assert "fit" not in json.dumps(body)
    assert_error(brand.get(f"/api/v1/creators/{creator.id}?campaign_id=seven"), 422, "campaign_id")
    assert_error(brand.get(f"/api/v1/creators/{creator.id}?campaign=1"), 422, "campaign")
