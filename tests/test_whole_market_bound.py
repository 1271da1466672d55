"""The weekly run on the whole market: column generation over every eligible pair, a bound
certified on the whole market (not only on the candidates), and incremental runs that start
their pricing from the week's prices. Runs on SQLite and on PostgreSQL (TEST_DATABASE_URL)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accounts.models import Creator
from collaborations.models import Offer
from core.db import session_scope, utcnow
from matching import runs
from matching.adapter import snapshot_market
from matching.jobs import run_settings
from matching.market.build import build_instance
from matching.models import MatchRun, MatchRunKind
from matching.solver import solve
from tests.conftest import operator_user
from tests.market import NICHES, seed_market

FAST = {
    "MATCH_TIME_LIMIT_S": None,
    "MATCH_INCREMENTAL_TIME_LIMIT_S": None,
    "MATCH_MAX_ROUNDS": 30,
    "MATCH_SEED": 3,
}


@pytest.fixture
def app(make_app):
    """The app the brand and campaign fixtures use: incremental runs on, no wall clock."""
    return make_app(MATCH_INCREMENTAL=True, **FAST)


def _seed(app, **kw) -> None:
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        seed_market(s, **kw)


def _weekly(app) -> dict:
    """A weekly run of the current week through the operators' API; its figures."""
    ops = app.extensions.get("test-operator")
    if ops is None:
        ops = app.extensions["test-operator"] = operator_user(app, app.test_client())
    r = ops.post("/api/v1/match-runs", json={"week": runs.current_week()})
    assert r.status_code == 202
    got = ops.get(f"/api/v1/match-runs/{r.json['id']}").json
    assert got["status"] == "succeeded", got["error"]
    return got


def _plain_top_k_bound(app) -> tuple[float, int]:
    """The proven bound and the pairs of the plain top-K instance of the market as it is now,
    with the run's own policy (what ``solve_market`` built before pricing)."""
    with app.app_context():
        settings = run_settings()
        s = app.extensions["dandelion.db"].read_session_factory()
        now = utcnow()
        (market,) = snapshot_market(
            s, today=now.date(), now=now, max_offers_per_week=settings.policy.max_offers_per_week
        )
        s.close()
    instance, _ = build_instance(
        market.creators,
        market.campaigns,
        settings.policy,
        now.date(),
        exclude=market.unavailable(),
        interest_tags=market.interest_tags,
    )
    result = solve(instance, time_limit_s=None, max_rounds=30, seed=3)
    return result.bound, instance.num_pairs


def test_weekly_run_reports_the_whole_market_bound_and_its_gap(make_app):
    app = make_app(**FAST)
    _seed(app, creators=80, campaigns_per_niche=2)
    got = _weekly(app)
    bound = got["health"]["bound"]
    assert bound["source"] == runs.WHOLE_MARKET
    assert bound["value"] == pytest.approx(got["bound"])
    assert got["bound"] >= got["objective"] > 0
    assert got["gap"] == pytest.approx((got["bound"] - got["objective"]) / got["bound"], abs=1e-9)
    assert bound["gap"] == pytest.approx(got["gap"])
    # the candidates are part of the market: their own bound is no higher (up to rounding)
    assert got["objective"] <= bound["candidate_bound"] <= bound["value"] * (1 + 1e-6)
    assert bound["pricing_seconds"] >= 0
    # the week's prices are kept for the incremental runs, one pair per campaign
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        details = s.get(MatchRun, got["id"]).details
        s.close()
    assert len(details["prices"]) == 8 and all(
        lam >= 0 and sig >= 0 for lam, sig in details["prices"].values()
    )
    assert details["pricing"][0]["market_bound"] == pytest.approx(bound["value"], rel=1e-9)


def test_pricing_reaches_pairs_that_top_k_pruned(make_app):
    # Two candidates per campaign: every list of a niche starts with the same strong creators,
    # who can take at most three offers, so the top-K instance's bound is far below the
    # market's; the weekly run's pricing brings in the creators top-K left out.
    app = make_app(MATCH_TOP_K=2, MATCH_FAIR_EXPOSURE=False, **FAST)
    _seed(app, creators=80, campaigns_per_niche=4, budget=2_000_000, slots=6)
    plain_bound, plain_pairs = _plain_top_k_bound(app)
    got = _weekly(app)
    assert got["health"]["bound"]["source"] == runs.WHOLE_MARKET
    assert got["bound"] > plain_bound * 1.05
    # not only a higher ceiling: the run's offers are worth more than any top-K assignment
    assert got["objective"] > plain_bound and got["candidates"] > plain_pairs
    assert got["bound"] >= got["objective"]


def test_a_run_never_prices_pairs_offered_before(make_app):
    app = make_app(**FAST)
    _seed(app, creators=60, campaigns_per_niche=1)
    first = _weekly(app)
    assert first["offers"] > 0
    # a week later, every pair offered in the first week is still excluded (as before pricing)
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        offered = set(s.execute(select(Offer.creator_id, Offer.campaign_id)).all())
        s.close()
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        s.execute(Offer.__table__.update().values(status="declined"))
        run = s.get(MatchRun, first["id"])
        run.week = "2000-W01"  # the same week may not run twice; move the first run away
    second = _weekly(app)
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        again = set(
            s.execute(
                select(Offer.creator_id, Offer.campaign_id).where(
                    Offer.match_run_id == second["id"]
                )
            ).all()
        )
        s.close()
    assert again and not again & offered


def test_an_incremental_run_starts_from_the_weeks_prices(app, make_brand, make_campaign):
    _seed(app, creators=100, campaigns_per_niche=2, slots=4)
    weekly = _weekly(app)
    brand = make_brand()
    campaign = make_campaign(brand, state="published", competitor_group=None, slots=5)
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        (run,) = s.scalars(select(MatchRun).where(MatchRun.kind == MatchRunKind.INCREMENTAL))
        weekly_details = s.get(MatchRun, weekly["id"]).details
        s.close()
    assert run.scope == {"campaign_id": campaign["id"]} and run.offers_created > 0
    (pricing,) = run.details["pricing"]
    # the new campaign was not in the weekly run: it starts at its category's median price
    warm = pricing["warm_start"]
    assert warm is not None and warm["market_bound"] >= run.objective
    assert "skincare" in weekly_details["category_prices"]
    assert run.details["bound"]["source"] == runs.WHOLE_MARKET
    assert run.bound >= run.objective > 0


def test_a_creator_opting_in_mid_week_is_priced_at_the_weeks_campaign_prices(make_app):
    app = make_app(**FAST)
    _seed(app, creators=40, campaigns_per_niche=3, slots=12, budget=4_000_000)
    factory = app.extensions["dandelion.db"].session_factory
    with app.app_context(), session_scope(factory) as s:
        late = s.scalars(select(Creator).order_by(Creator.rate_amount).limit(1)).one()
        late.is_open = False  # not open yet when the week is matched
        late_id = late.id
    weekly = _weekly(app)
    with app.app_context(), session_scope(factory) as s:
        s.get(Creator, late_id).is_open = True  # opts in mid-week
        run, _ = runs.request_incremental_run(s, creator_id=late_id)
        run_id = run.id
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        run = s.get(MatchRun, run_id)
        prices = runs.week_prices(s, runs.current_week())
        weekly_prices = s.get(MatchRun, weekly["id"]).details["prices"]
        s.close()
    assert run.status.value == "succeeded", run.error
    assert prices == {c: tuple(v) for c, v in weekly_prices.items()}
    (pricing,) = run.details["pricing"]
    # the first pass priced the one creator at the week's campaign prices
    assert pricing["warm_start"] is not None and pricing["warm_start"]["market_bound"] > 0
    assert run.offers_created > 0 and run.bound >= run.objective > 0


def test_a_sharded_runs_bound_holds_for_the_whole_market(make_app):
    # Creators accept two niches but sit in one shard: the shards' own bounds leave out
    # every pair across shards, so their sum is no bound on the market. The run's bound is
    # one pass over the whole market at the shards' prices: it is above the value of the
    # unsharded solution of the same market, which the sum of the shards' bounds is not.
    app = make_app(MATCH_SHARDS=4, MATCH_FAIR_EXPOSURE=False, **FAST)
    # few creators, each able to take three offers: supply binds, so creators matter
    _seed(app, creators=12, campaigns_per_niche=2, slots=6, budget=2_000_000)
    factory = app.extensions["dandelion.db"].session_factory
    niches = list(NICHES)
    with app.app_context(), session_scope(factory) as s:
        for k in s.scalars(select(Creator).order_by(Creator.id)):
            own = k.open_categories[0]
            other = niches[(niches.index(own) + 1) % len(niches)]
            k.categories = k.open_categories = sorted({own, other})
            tags = NICHES[own] + NICHES[other]
            k.audience = {**k.audience, "interests": {t: 1 / len(tags) for t in tags}}
            k.weekly_capacity = 3
    with app.app_context():
        settings = run_settings()
        s = app.extensions["dandelion.db"].read_session_factory()
        now = utcnow()
        (market,) = snapshot_market(s, today=now.date(), now=now, max_offers_per_week=3)
        s.close()
    whole = runs.solve_market(market, settings, now.date())
    got = _weekly(app)
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        run = s.get(MatchRun, got["id"])
        # a shard left without creators has no pricing report (and a bound of 0)
        shard_bounds = sum(p.get("market_bound", 0.0) for p in run.details["pricing"])
        s.close()
    assert got["shards"] == 4 and len(run.details["pricing"]) == 4
    assert got["health"]["bound"]["source"] == runs.WHOLE_MARKET_SHARDED
    assert shard_bounds < whole.objective  # the shards' sum would be no bound at all
    assert got["bound"] >= whole.objective >= got["objective"] > 0
