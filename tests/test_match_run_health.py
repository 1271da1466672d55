"""Fair exposure in the weekly run, and the run's health figures (API and operator page).

The market: three one-slot campaigns where one big creator (500k followers, capacity 3) is the
best match for all three, and three small creators (45k followers, at most
MATCH_KOC_MAX_FOLLOWERS) are each worth 0.1 % less on one campaign. The value-only optimum
gives all three offers to the big creator.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from accounts.models import Account, Brand, Creator, Role
from accounts.services import hash_password
from campaigns import services as campaigns
from collaborations.models import Offer
from core.db import session_scope
from payments.providers import LedgerProvider
from tests.conftest import operator_user
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, Dash
from tests.market import audience

WEEK = "2026-W49"
BIG_RATE = 300_000  # EUR 3,000
SMALL_RATE = 100_000


def seed_star_market(app) -> None:
    seed_market(app, [("big", 500_000, 0.02, BIG_RATE, 3)] + SMALL_ONES)


SMALL_ONES = [(f"small{n}", 45_000, 0.2220, SMALL_RATE, 1) for n in range(3)]  # reach 9,990


def seed_market(app, people: list[tuple[str, int, float, int, int]]) -> None:
    """Creators (handle, followers, engagement, rate, capacity) and three one-slot campaigns
    of EUR 5,000, everyone on the same audience (reach decides)."""
    rng = random.Random(3)
    target = audience(rng, "skincare")
    today = date.today()
    password = hash_password("correct horse battery")
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:

        def add_creator(handle: str, followers: int, engagement: float, rate: int, cap: int):
            s.add(
                Creator(
                    account=Account(
                        email=f"{handle}@star.test", password_hash=password, role=Role.CREATOR
                    ),
                    handle=handle,
                    display_name=handle.title(),
                    followers=followers,
                    engagement_rate=engagement,
                    categories=["skincare"],
                    audience=target,
                    rate_amount=rate,
                    rate_currency="EUR",
                    weekly_capacity=cap,
                    is_open=True,
                    open_until=today + timedelta(days=60),
                    open_categories=["skincare"],
                )
            )

        for person in people:
            add_creator(*person)
        brand = Brand(
            account=Account(email="brand@star.test", password_hash=password, role=Role.BRAND),
            name="Star brand",
        )
        s.add(brand)
        s.flush()
        for j in range(3):
            campaign = campaigns.create_campaign(
                s,
                brand,
                {
                    "title": f"Serum launch {j}",
                    "brief": "Show the serum in your evening routine.",
                    "category": "skincare",
                    "competitor_group": None,
                    "budget_amount": 500_000,
                    "currency": "EUR",
                    "slots": 1,
                    "target_audience": target,
                    "starts_on": today,
                    "ends_on": today + timedelta(days=30),
                },
            )
            campaigns.fund_campaign(s, brand, campaign.id, provider=LedgerProvider(), fee_bps=1000)
            campaigns.publish_campaign(s, brand, campaign.id, today=today, match_now=False)


def run_week(app, client) -> tuple[dict, list[str]]:
    """POST the week's run as an operator, GET it back; the offered creators' handles."""
    ops = operator_user(app, client)
    r = ops.post("/api/v1/match-runs", json={"week": WEEK})
    assert r.status_code == 202
    got = ops.get(f"/api/v1/match-runs/{r.json['id']}")
    assert got.status_code == 200 and got.json["status"] == "succeeded", got.json
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        handles = s.scalars(
            select(Creator.handle).join(Offer, Offer.creator_id == Creator.id).order_by(Offer.id)
        ).all()
    return got.json, list(handles)


def test_fair_exposure_on_by_default_widens_offers_and_reports_its_cost(app, client):
    seed_star_market(app)
    run, handles = run_week(app, client)
    assert sorted(handles) == ["small0", "small1", "small2"]
    health = run["health"]
    assert health["eligible_creators"] == 4
    assert health["offered_creators"] == 3 and health["offered_share"] == pytest.approx(0.75)
    assert health["koc_offer_share"] == pytest.approx(1.0, abs=1e-12)  # a ratio
    assert health["max_offers_per_creator"] == 1
    assert health["koc_floor"] == 0.01  # the cap that was on
    # 3 × 9,990 against 3 × 10,000 engaged people: 0.1 % of value, within the 1 % cap
    assert health["koc_floor_cost"] == pytest.approx(0.001, rel=1e-3)
    assert health["koc_floor_cost"] <= health["koc_floor"]
    assert health["top_decile_budget_share"] == pytest.approx(1 / 3)
    # the proven bound stays the value bound: the gap includes what fairness gave up
    assert run["gap"] >= health["koc_floor_cost"] - 1e-9


TOP_HEAVY = [("big", 500_000, 0.02, BIG_RATE, 2), ("mid", 45_000, 0.2220, 150_000, 2)]


@pytest.mark.parametrize("fair", [False, True], ids=["off", "on"])
def test_fair_exposure_moves_spend_out_of_the_top_decile(make_app, fair: bool):
    """Nobody is left without an offer, so there is nobody to widen to: "big" (EUR 3,000,
    capacity 2) takes two campaigns and "mid" (EUR 1,500, small, reach 9,990) the third. With
    fair exposure on, one of big's campaigns goes to mid: big and mid then get EUR 3,000 each,
    the top tenth half the spend instead of 80 %, for 10 of 29,990 of value."""
    app = make_app(MATCH_FAIR_EXPOSURE=fair)
    seed_market(app, TOP_HEAVY)
    run, handles = run_week(app, app.test_client())
    health = run["health"]
    assert health["offered_creators"] == 2
    if not fair:
        assert sorted(handles) == ["big", "big", "mid"]
        assert health["top_decile_budget_share"] == pytest.approx(0.8)
        return
    assert sorted(handles) == ["big", "mid", "mid"]
    assert health["top_decile_budget_share"] == pytest.approx(0.5)
    assert health["koc_offer_share"] == pytest.approx(2 / 3)
    assert health["koc_floor_cost"] == pytest.approx(10 / 29_990, rel=1e-2)


def test_with_fair_exposure_off_the_big_creator_takes_all_and_health_says_so(make_app):
    app = make_app(MATCH_FAIR_EXPOSURE=False)
    seed_star_market(app)
    run, handles = run_week(app, app.test_client())
    assert handles == ["big", "big", "big"]
    health = dict(run["health"])
    # the whole-market bound (tests/test_whole_market_bound.py); the rest is §3b's figures
    assert health.pop("bound")["source"] == "whole-market LP"
    assert health == {
        "eligible_creators": 4,
        "offered_creators": 1,
        "offered_share": 0.25,
        "koc_offer_share": 0.0,
        "koc_floor": None,
        "koc_floor_cost": 0.0,
        "top_decile_budget_share": 1.0,
        "max_offers_per_creator": 3,
    }


def test_the_cap_holds_when_widening_would_cost_more(make_app):
    # each swap gives up 10 of 30,000 (0.033 %): a cap of 0.05 % allows one, not two
    app = make_app(MATCH_FAIR_EXPOSURE_MAX_COST=0.0005)
    seed_star_market(app)
    run, handles = run_week(app, app.test_client())
    assert handles.count("big") == 2 and len(handles) == 3
    health = run["health"]
    assert health["offered_creators"] == 2 and health["max_offers_per_creator"] == 2
    assert 0 < health["koc_floor_cost"] <= 0.0005
    assert health["koc_floor"] == 0.0005


def test_a_small_creator_is_whoever_is_at_or_below_the_follower_setting(make_app):
    # with the threshold below 45k nobody is small: a swap is then worth less (a big
    # creator's first offer counts once, not twice) but still widens exposure
    app = make_app(MATCH_KOC_MAX_FOLLOWERS=10_000)
    seed_star_market(app)
    run, _ = run_week(app, app.test_client())
    assert run["health"]["koc_offer_share"] == pytest.approx(0.0, abs=1e-12)  # a ratio
    assert run["health"]["offered_creators"] >= 2


def test_operator_page_shows_the_health_figures(app, client):
    seed_star_market(app)
    run, _ = run_week(app, client)
    dash = Dash(app)
    assert dash.login(OPERATOR_EMAIL).status_code == 302
    page = dash.get(f"/dashboard/operator/runs/{run['id']}").get_data(as_text=True)
    assert "Health: who got the offers" in page
    assert "3 of 4 (75.0 %)" in page  # creators offered
    assert "on, cap 1.0 %" in page and "0.10 %" in page  # fair exposure and its cost
    assert "Top tenth" in page and "50,000 followers" in page
