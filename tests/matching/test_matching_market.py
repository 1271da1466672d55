"""Fit, eligibility, pruning and explanations of the market layer."""

import datetime as dt
from dataclasses import replace

import numpy as np
import pytest

from matching.market import (
    DEMOGRAPHIC_WEIGHTS,
    AudienceError,
    MarketCampaign,
    MarketCreator,
    MatchingPolicy,
    build_instance,
    explain,
)
from matching.solver import solve, validate
from tests.matching.matching_helpers import market_campaign, market_creator

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
    return market_creator(cid, **{"audience": AUD, **kw})


def campaign(cid: str = "c1", **kw) -> MarketCampaign:
    return market_campaign(cid, **{"target_audience": AUD, **kw})


def build(creators, campaigns=None, **policy):
    return build_instance(creators, campaigns or [campaign()], MatchingPolicy(**policy), TODAY)


def test_demographic_weights_sum_to_one() -> None:
    assert sum(DEMOGRAPHIC_WEIGHTS.values()) == pytest.approx(1.0)
    assert "interests" not in DEMOGRAPHIC_WEIGHTS  # relevance is the gate, not a term


def test_identical_audience_fits_perfectly_and_value_formula() -> None:
    inst, details = build([creator("a")])
    assert details.fit[0] == pytest.approx(1.0, abs=1e-6)
    assert all(v == pytest.approx(1.0, abs=1e-6) for v in details.components.values())
    # value = followers × engagement × fit / 1000
    assert inst.pair_value[0] == pytest.approx(100_000 * 0.05 / 1000, rel=1e-6)


def _match(p: dict[str, float], q: dict[str, float]) -> float:
    """Reference: share of ``p`` in the graded target ``q``, relative to ``q`` itself."""
    top = max(q.values())
    t = {k: v / top for k, v in q.items()}
    own = sum(q[k] * t[k] for k in q)
    return min(1.0, sum(share * t.get(k, 0.0) for k, share in p.items()) / own)


def _reference_fit(a: dict, b: dict) -> float:
    fit = _match(a["interests"], b["interests"])
    for part, weight in DEMOGRAPHIC_WEIGHTS.items():
        fit *= _match(a[part], b[part]) ** weight
    return fit


def test_fit_is_relevance_times_a_weighted_geometric_mean_of_demographics() -> None:
    # The target wants skincare most and fashion 0.4/0.6 as much; an all-fashion audience is
    # 2/3 target per person, against 0.8667 for an audience shaped like the target.
    fashion = {**AUD, "interests": {"fashion": 1.0}}
    _, details = build([creator("a", audience=fashion)], min_fit=0.01)
    assert details.components["interests"][0] == pytest.approx((2 / 3) / 0.86667, abs=1e-4)
    assert details.fit[0] == pytest.approx(details.components["interests"][0], abs=1e-5)
    # More concentrated on what the brand wants most than the target itself: capped at 1.
    skincare = {**AUD, "interests": {"skincare": 1.0}}
    _, details = build([creator("a", audience=skincare)])
    assert details.components["interests"][0] == pytest.approx(1.0)
    # Men only, for a target of 70 % women: gender scales the fit down, it does not zero it.
    men = {**AUD, "gender": {"male": 1.0}}
    _, details = build([creator("a", audience=men)], min_fit=0.01)
    gender = (0.3 / 0.7) / (0.7 + 0.3 * 0.3 / 0.7)
    assert details.components["gender"][0] == pytest.approx(gender, abs=1e-5)
    assert details.fit[0] == pytest.approx(gender ** DEMOGRAPHIC_WEIGHTS["gender"], abs=1e-5)


def test_no_shared_interest_means_zero_fit_whatever_the_demographics() -> None:
    gamer = {**AUD, "interests": {"gaming": 1.0}}  # the target's demographics exactly
    inst, details = build([creator("gamer", audience=gamer), creator("fan")], min_fit=1e-9)
    assert inst.creator_ids == ("fan",)
    assert details.rejected["fit_threshold"] == 1
    assert details.excluded["c1"][0]["creator"] == "gamer"
    assert details.excluded["c1"][0]["potential_value"] == 0.0
    with pytest.raises(ValueError, match="min_fit"):
        MatchingPolicy(min_fit=0.0)


def test_a_big_creator_outside_the_niche_never_displaces_a_small_one_inside_it() -> None:
    # 50x the reach, perfect demographics, a tenth of its audience in the niche: below the
    # threshold, so the small in-niche creator gets the only slot.
    mostly_gaming = {**AUD, "interests": {"gaming": 0.9, "skincare": 0.1}}
    creators = [
        creator("giant", followers=5_000_000, audience=mostly_gaming, rate=50_000),
        creator("small", followers=100_000, rate=50_000),
    ]
    inst, details = build(creators, [campaign(slots=1)])
    result = solve(inst, time_limit_s=None)
    assert [a for a, _ in result.assignments] == ["small"]
    assert details.excluded["c1"][0]["reason"] == "fit_threshold"


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
    inst, details = build(creators, campaigns, min_fit=1e-9, top_k=None, block_size=7)
    assert inst.num_pairs == 120
    for p in range(0, 120, 13):
        a = creators[int(inst.pair_creator[p])].audience
        b = campaigns[int(inst.pair_campaign[p])].target_audience
        assert details.fit[p] == pytest.approx(_reference_fit(a, b), abs=1e-5)
        assert inst.pair_value[p] == pytest.approx(100_000 * 0.05 * details.fit[p] / 1000)


def test_fit_breakdown_is_the_matching_fit() -> None:
    from matching.market import fit_breakdown

    other = {**AUD, "interests": {"fashion": 0.5, "gaming": 0.5}, "age": {"18-24": 0.2, "45+": 0.8}}
    out = fit_breakdown(other, AUD)
    _, details = build([creator("a", audience=other)], min_fit=1e-9)
    assert out["fit"] == pytest.approx(float(details.fit[0]), abs=1e-6)
    assert out["fit"] == pytest.approx(out["relevance"] * out["demographics"], abs=1e-6)
    assert 0 < out["fit"] < out["relevance"] < 1
    nobody_of_age = fit_breakdown({**other, "age": {"45+": 1.0}}, AUD)
    assert nobody_of_age["parts"]["age"] == 0.0 and nobody_of_age["fit"] == 0.0


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
    if reason is None:
        # Not on the market at all (closed, lapsed, another category): no reason is counted
        # and the campaign does not list them as a strong creator left out.
        assert sum(details.rejected.values()) == 0, details.rejected
        assert details.excluded == {}
    else:
        # Counted under this reason and no other, and named as the one left out for it.
        assert {k: v for k, v in details.rejected.items() if v} == {reason: 1}
        assert [(e["creator"], e["reason"]) for e in details.excluded["c1"]] == [("bad", reason)]


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


def test_excluded_pairs_make_room_for_the_next_candidates() -> None:
    # Offered before (or blocked): removed before pruning, so top-K keeps the runner-up.
    creators = [creator("first", followers=300_000), creator("second")]
    inst, _ = build(creators, top_k=1)
    assert inst.creator_ids == ("first",)
    inst, details = build_instance(
        creators, [campaign()], MatchingPolicy(top_k=1), TODAY, exclude={("first", "c1")}
    )
    assert inst.creator_ids == ("second",)
    assert details.rejected_by_campaign["c1"] == {"unavailable": 1}


def test_bad_audience_is_rejected() -> None:
    with pytest.raises(AudienceError, match="sum"):
        build([creator("a", audience={**AUD, "gender": {"female": 0.2, "male": 0.2}})])
    with pytest.raises(AudienceError, match="Unknown keys"):
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
    result = solve(inst, time_limit_s=None)
    assert validate(inst, result) == []
    out = explain(inst, result, details)
    by_pair = {(a["creator"], a["campaign"]): a for a in out["assignments"]}
    assert set(by_pair) == {(a, b) for a, b in result.assignments}
    star = by_pair[("star", "c2")]
    assert star["binding"] == "slots"
    assert set(star["fit_components"]) == {"interests", "countries", *DEMOGRAPHIC_WEIGHTS}
    assert "engaged people" in star["text"]
    # The optimum (46, unique): star alone in the big campaign, the other three fill c1. Star
    # in c1 instead (with small, 160k) would leave c2 only busy: 21 + 15.
    assert sorted(result.assignments) == [
        ("busy", "c1"),
        ("mid", "c1"),
        ("small", "c1"),
        ("star", "c2"),
    ]
    assert result.status == "optimal"
    assert all(a["binding"] == "slots" for a in out["assignments"])  # every slot is taken
    campaigns_out = {c["campaign"]: c for c in out["campaigns"]}
    assert [c["unfilled_slots"] for c in campaigns_out.values()] == [0, 0]
    # Star fits c1 too but works for its competitor: said so, with that reason and no other.
    assert [(e["creator"], e["reason"]) for e in campaigns_out["c1"]["left_out"]] == [
        ("star", "competitor_group")
    ]
    assert campaigns_out["c2"]["left_out"] == []
    assert campaigns_out["c1"]["text"].startswith("3 of 3 slots filled for €1,200.00")


def test_explain_left_out_for_capacity_and_budget() -> None:
    creators = [
        creator("busy", rate=10_000, capacity=1, followers=300_000),
        creator("pricey", rate=190_000, followers=900_000),
        creator("cheap", rate=20_000, followers=50_000),
    ]
    campaigns = [campaign("c1", budget=200_000, slots=3), campaign("c2", budget=25_000, slots=2)]
    inst, details = build(creators, campaigns)
    result = solve(inst, time_limit_s=None)
    out = explain(inst, result, details)
    # busy (capacity 1) and pricey fill c1's budget exactly; cheap is all c2 can afford.
    assert sorted(result.assignments) == [("busy", "c1"), ("cheap", "c2"), ("pricey", "c1")]
    left = {
        c["campaign"]: {e["creator"]: e["reason"] for e in c["left_out"]} for c in out["campaigns"]
    }
    # c2 would have taken busy, whose one slot of capacity went to c1; pricey costs more than
    # c2's whole budget (known before solving); c1 has no budget left for cheap.
    assert left == {
        "c1": {"cheap": "budget"},
        "c2": {"busy": "creator_capacity", "pricey": "over_budget"},
    }
    unfilled = {c["campaign"]: c["unfilled_reason"] for c in out["campaigns"]}
    assert unfilled == {"c1": "budget", "c2": "creator_capacity"}


def test_records_and_policy_are_plain_dataclasses() -> None:
    a = creator("a")
    assert replace(a, rate=1).rate == 1
    assert MatchingPolicy().top_k == 200
