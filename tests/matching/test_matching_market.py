"""Fit, eligibility, pruning and explanations of the market layer."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from matching.market import (
    FIT_WEIGHTS,
    AudienceError,
    MarketCampaign,
    MarketCreator,
    MatchingPolicy,
    build_instance,
    explain,
)
from matching.solver import solve, validate

TODAY = dt.date(2026, 11, 23)
AUD = {
    "interests": {"skincare": 0.6, "fashion": 0.4},
    "gender": {"female": 0.7, "male": 0.3},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.6, "25-34": 0.4},
}
OTHER = {
    "interests": {"gaming": 1.0},
    "gender": {"female": 0.1, "male": 0.9},
    "city_tiers": {"4": 1.0},
    "age": {"<18": 1.0},
}


def creator(cid: str, **kw) -> MarketCreator:
    base = dict(
        id=cid,
        followers=100_000,
        engagement_rate=0.05,
        audience=AUD,
        rate=50_000,
        currency="EUR",
        capacity=3,
        categories=frozenset({"beauty"}),
    )
    base.update(kw)
    return MarketCreator(**base)


def campaign(cid: str = "c1", **kw) -> MarketCampaign:
    base = dict(
        id=cid, category="beauty", budget=200_000, slots=3, target_audience=AUD, currency="EUR"
    )
    base.update(kw)
    return MarketCampaign(**base)


def build(creators, campaigns=None, **policy):
    return build_instance(creators, campaigns or [campaign()], MatchingPolicy(**policy), TODAY)


def test_weights_sum_to_one() -> None:
    assert sum(FIT_WEIGHTS.values()) == pytest.approx(1.0)


def test_identical_audience_fits_perfectly_and_value_formula() -> None:
    inst, details = build([creator("a")])
    assert details.fit[0] == pytest.approx(1.0, abs=1e-6)
    assert all(v == pytest.approx(1.0, abs=1e-6) for v in details.components.values())
    # value = followers × engagement × fit / 1000
    assert inst.pair_value[0] == pytest.approx(100_000 * 0.05 / 1000, rel=1e-6)


def test_fit_is_the_weighted_bhattacharyya_coefficient() -> None:
    half = {**AUD, "interests": {"skincare": 1.0}}
    _, details = build([creator("a", audience=half)], min_fit=0.0)
    interests = np.sqrt(0.6 * 1.0)
    assert details.components["interests"][0] == pytest.approx(interests, abs=1e-6)
    expected = FIT_WEIGHTS["interests"] * interests + (1 - FIT_WEIGHTS["interests"])
    assert details.fit[0] == pytest.approx(expected, abs=1e-6)


def test_vectorised_fit_matches_pairwise_formula() -> None:
    rng = np.random.default_rng(0)
    tags = ["t1", "t2", "t3", "t4"]

    def profile():
        parts = {
            "interests": tags,
            "gender": ["female", "male"],
            "city_tiers": ["1", "2", "3", "4", "5"],
            "age": ["<18", "18-24", "25-34", "35-44", "45+"],
        }
        return {
            p: dict(zip(keys, rng.dirichlet(np.ones(len(keys))).tolist(), strict=True))
            for p, keys in parts.items()
        }

    creators = [creator(f"k{i}", audience=profile()) for i in range(30)]
    campaigns = [
        campaign(f"c{j}", target_audience=profile(), slots=30, budget=10**9) for j in range(4)
    ]
    inst, details = build(creators, campaigns, min_fit=0.0, top_k=None, block_size=7)
    assert inst.num_pairs == 120
    for p in range(0, 120, 13):
        a = creators[int(inst.pair_creator[p])].audience
        b = campaigns[int(inst.pair_campaign[p])].target_audience
        fit = sum(
            FIT_WEIGHTS[part] * sum(np.sqrt(a[part][k] * b[part].get(k, 0.0)) for k in a[part])
            for part in FIT_WEIGHTS
        )
        assert details.fit[p] == pytest.approx(fit, abs=1e-5)


@pytest.mark.parametrize(
    "change, reason",
    [
        (dict(open=False), None),
        (dict(until=TODAY - dt.timedelta(days=1)), None),
        (dict(categories=frozenset({"gaming"})), None),
        (dict(followers=1_000), "follower_range"),
        (dict(rate=300_000), "over_budget"),
        (dict(sponsored_share=0.9), "sponsored_cap"),
        (dict(audience=OTHER), "fit_threshold"),
    ],
)
def test_each_eligibility_rule_excludes(change: dict, reason: str | None) -> None:
    camp = campaign(min_followers=10_000)
    inst, details = build([creator("ok"), creator("bad", **change)], [camp])
    assert inst.creator_ids == ("ok",)
    if reason is not None:
        assert details.rejected[reason] == 1
        assert details.excluded["c1"][0]["reason"] == reason


def test_still_open_until_today_and_no_categories_accepts_all() -> None:
    inst, _ = build([creator("a", until=TODAY), creator("b", categories=frozenset())])
    assert inst.creator_ids == ("a", "b")


def test_max_offers_per_week_caps_capacity() -> None:
    inst, _ = build([creator("a", capacity=8)], max_offers_per_week=2)
    assert inst.capacity.tolist() == [2]


def test_currency_mismatch_excluded_and_one_currency_per_run() -> None:
    inst, details = build([creator("a", currency="USD"), creator("b")])
    assert inst.creator_ids == ("b",) and details.rejected["currency"] == 1
    with pytest.raises(ValueError, match="one currency"):
        build([creator("a")], [campaign("c1"), campaign("c2", currency="USD")])


def test_top_k_keeps_the_best_ranked() -> None:
    # Same value per follower; the cheaper creator ranks higher per share of the budget.
    creators = [creator(f"k{i}", rate=10_000 * (i + 1)) for i in range(6)]
    inst, details = build(creators, top_k=2)
    assert sorted(inst.creator_ids) == ["k0", "k1"]
    assert details.eligible_pairs == 6


def test_bad_audience_is_rejected() -> None:
    with pytest.raises(AudienceError, match="sum"):
        build([creator("a", audience={**AUD, "gender": {"female": 0.2, "male": 0.2}})])
    with pytest.raises(AudienceError, match="unknown"):
        build([creator("a", audience={**AUD, "age": {"99+": 1.0}})])


def test_explanations_name_the_binding_constraints() -> None:
    creators = [
        creator("star", followers=400_000, rate=150_000),
        creator("mid", followers=200_000, rate=100_000),
        creator("busy", followers=300_000, rate=10_000, capacity=1),
        creator("small", followers=20_000, rate=10_000),
    ]
    campaigns = [
        campaign("c1", budget=160_000, slots=3, competitor_group="g"),
        campaign("c2", budget=500_000, slots=1, competitor_group="g"),
    ]
    inst, details = build(creators, campaigns)
    result = solve(inst, time_limit_s=5)
    assert validate(inst, result) == []
    out = explain(inst, result, details)
    by_pair = {(a["creator"], a["campaign"]): a for a in out["assignments"]}
    assert set(by_pair) == {(a, b) for a, b in result.assignments}
    star = by_pair[("star", "c2")]
    assert star["binding"] == "slots"
    assert set(star["fit_components"]) == set(FIT_WEIGHTS)
    assert "engaged people" in star["text"]
    c1 = next(c for c in out["campaigns"] if c["campaign"] == "c1")
    assert c1["unfilled_slots"] == 3 - c1["assigned"]
    if c1["unfilled_slots"]:
        assert c1["unfilled_reason"] in {
            "budget",
            "creator_capacity",
            "competitor_group",
            "trade_off",
        }
        assert c1["text"]
    reasons = {e["reason"] for c in out["campaigns"] for e in c["left_out"]}
    assert reasons <= {
        "budget",
        "creator_capacity",
        "competitor_group",
        "slots",
        "trade_off",
        "minimum",
        "follower_range",
        "over_budget",
        "sponsored_cap",
        "fit_threshold",
        "currency",
    }


def test_explain_left_out_for_capacity_and_budget() -> None:
    creators = [
        creator("busy", rate=10_000, capacity=1, followers=300_000),
        creator("pricey", rate=190_000, followers=900_000),
        creator("cheap", rate=20_000, followers=50_000),
    ]
    campaigns = [campaign("c1", budget=200_000, slots=3), campaign("c2", budget=25_000, slots=2)]
    inst, details = build(creators, campaigns)
    result = solve(inst, time_limit_s=5)
    out = explain(inst, result, details)
    c2 = next(c for c in out["campaigns"] if c["campaign"] == "c2")
    left = {e["creator"]: e["reason"] for e in c2["left_out"]}
    if ("busy", "c1") in result.assignments:
        assert left.get("busy") == "creator_capacity"
    assert "pricey" not in {a for a, _ in result.assignments if _ == "c2"}


def test_records_and_policy_are_plain_dataclasses() -> None:
    a = creator("a")
    assert replace(a, rate=1).rate == 1
    assert MatchingPolicy().top_k == 200
