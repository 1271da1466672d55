"""Relevance as a brand sees it: offers go to creators whose audience is the brand's target.

A market of eight niches built through the API, creators who tick every category when they
opt in (so the category filter does not do the fit's job), and the weekly run started by an
operator. These are the tests the first version failed: 10 of 16 offers went to creators
whose audience shared no interest with the campaign.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select

from config import ConfigError, load_config
from matching.market.fit import DEFAULT_MIN_FIT
from matching.models import MatchRun, MatchRunKind
from matching.runs import iso_week
from tests.conftest import ApiUser, operator_user
from tests.factories import profile_body

NICHES = {
    "skincare": ("skincare", "makeup"),
    "food": ("food", "cooking"),
    "gaming": ("gaming", "gadgets"),
    "fitness": ("fitness", "yoga"),
    "travel": ("travel", "photography"),
    "home": ("home", "interior"),
    "pets": ("pets", "outdoors"),
    "finance": ("finance", "books"),
}
EVERY_CATEGORY = sorted(NICHES)
# Broad demographics that look like almost anyone's: the old fit scored ~0.9 on them.
DEMOGRAPHICS = {
    "gender": {"female": 0.55, "male": 0.45},
    "city_tiers": {"1": 0.3, "2": 0.3, "3": 0.2, "4": 0.1, "5": 0.1},
    "age": {"18-24": 0.3, "25-34": 0.4, "35-44": 0.2, "45+": 0.1},
}


@pytest.fixture
def app(make_app, request):
    """The test app, with the settings a test passes indirectly (none by default)."""
    return make_app(**getattr(request, "param", {}))


def _audience(interests: dict[str, float]) -> dict[str, Any]:
    return {"interests": interests, **DEMOGRAPHICS}


def _creator(make_creator, niche_interests: dict[str, float], **profile: Any) -> ApiUser:
    creator = make_creator()
    body = profile_body(
        categories=EVERY_CATEGORY, audience=_audience(niche_interests), weekly_capacity=3
    )
    body.update(profile)
    r = creator.patch("/api/v1/creators/me", json=body)
    assert r.status_code == 200, r.json
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": EVERY_CATEGORY},
    )
    assert r.status_code == 200, r.json
    return creator


def _campaign(brand: ApiUser, make_campaign, niche: str, **overrides: Any) -> dict[str, Any]:
    a, b = NICHES[niche]
    body = dict(
        title=f"{niche.title()} launch",
        category=niche,
        competitor_group=None,
        target_audience=_audience({a: 0.6, b: 0.4}),
        min_followers=0,
        max_followers=None,
    )
    body.update(overrides)
    return make_campaign(brand, state="published", **body)


def _weekly_run(app, client) -> dict[str, Any]:
    ops = operator_user(app, client)
    week = iso_week(date.today())
    r = ops.post("/api/v1/match-runs", json={"week": week})
    assert r.status_code == 202, r.json
    run = ops.get(f"/api/v1/match-runs/{r.json['id']}").json
    assert run["status"] == "succeeded", run
    return run


def _offers(brand: ApiUser, campaign_id: int) -> list[dict[str, Any]]:
    r = brand.get(f"/api/v1/campaigns/{campaign_id}/offers", query_string={"page_size": 100})
    assert r.status_code == 200, r.json
    return r.json["items"]


def _shares_interest(offer: dict[str, Any], niche: str) -> bool:
    interests = offer["creator"]["audience"]["interests"]
    return any(interests.get(tag, 0) > 0 for tag in NICHES[niche])


def test_in_a_market_of_eight_niches_every_offer_shares_the_campaigns_interests(
    app, client, make_brand, make_creator, make_campaign
):
    # Two creators per niche; in each niche one is ten times bigger than the other.
    for a, b in NICHES.values():
        _creator(
            make_creator,
            {a: 0.7, b: 0.3},
            followers=300_000,
            rate={"amount": 90_000, "currency": "EUR"},
        )
        _creator(make_creator, {a: 0.5, b: 0.5}, followers=30_000)
    brand = make_brand()
    campaigns = {
        niche: _campaign(
            brand, make_campaign, niche, budget={"amount": 1_000_000, "currency": "EUR"}, slots=4
        )
        for niche in ("skincare", "food", "gaming", "fitness")
    }
    _weekly_run(app, client)
    total = 0
    for niche, campaign in campaigns.items():
        offers = _offers(brand, campaign["id"])
        total += len(offers)
        assert offers, f"{niche}: its two creators were not offered"
        assert all(_shares_interest(o, niche) for o in offers), (niche, offers)
        assert len(offers) == 2  # exactly the niche's two creators, nobody from elsewhere
    assert total == 8


def test_a_big_creator_outside_the_niche_never_displaces_a_small_one_inside_it(
    app, client, make_brand, make_creator, make_campaign
):
    # Thirty times the reach at the same price, a tenth of its audience into skincare.
    giant = _creator(make_creator, {"gaming": 0.9, "skincare": 0.1}, followers=900_000)
    small = _creator(make_creator, {"skincare": 0.8, "makeup": 0.2}, followers=30_000)
    brand = make_brand()
    campaign = _campaign(brand, make_campaign, "skincare", slots=1)
    _weekly_run(app, client)
    offers = _offers(brand, campaign["id"])
    assert [o["creator"]["id"] for o in offers] == [small.id]
    assert giant.get("/api/v1/creators/me/offers").json["total"] == 0


def test_a_campaign_with_no_relevant_creator_gets_no_offer_and_is_told_why(
    app, client, make_brand, make_creator, make_campaign, session
):
    for niche in ("gaming", "food", "finance"):
        a, b = NICHES[niche]
        _creator(make_creator, {a: 0.6, b: 0.4}, followers=200_000)
    brand = make_brand()
    campaign = _campaign(brand, make_campaign, "pets")
    _weekly_run(app, client)
    assert _offers(brand, campaign["id"]) == []
    session.rollback()
    weekly = session.scalars(select(MatchRun).where(MatchRun.kind == MatchRunKind.WEEKLY))
    explained = [
        (run.details or {}).get("campaigns", {}).get(str(campaign["id"])) for run in weekly
    ]
    explained = [entry for entry in explained if entry]
    assert explained, "the weekly run must explain the campaign it could not fill"
    entry = explained[-1]
    assert entry["assigned"] == 0 and entry["unfilled_reason"]
    assert "budget" not in entry["text"].lower()  # the budget is not what is missing
    assert "audience" in entry["text"].lower()


def test_the_fit_threshold_is_read_from_the_environment() -> None:
    assert load_config({}).MATCH_MIN_FIT == DEFAULT_MIN_FIT
    assert load_config({"MATCH_MIN_FIT": "0.5"}).MATCH_MIN_FIT == 0.5
    for bad in ("0", "1.5", "-1", "a lot"):
        with pytest.raises(ConfigError, match="MATCH_MIN_FIT"):
            load_config({"MATCH_MIN_FIT": bad})


@pytest.mark.parametrize(
    ("app", "offered"), [({}, 1), ({"MATCH_MIN_FIT": 0.5}, 0)], indirect=["app"]
)
def test_the_fit_threshold_decides_who_is_offered(
    app, client, make_brand, make_creator, make_campaign, offered
):
    """A creator with a third of their audience in the niche is offered at the default
    threshold, not at 0.5."""
    _creator(make_creator, {"skincare": 0.35, "gaming": 0.65})
    brand = make_brand()
    campaign = _campaign(brand, make_campaign, "skincare")
    _weekly_run(app, client)
    assert len(_offers(brand, campaign["id"])) == offered
