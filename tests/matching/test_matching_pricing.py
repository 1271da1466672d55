"""Column generation in the market layer: priced pairs, the certified market bound,
eligibility of what pricing adds, determinism, and the LP handed to solve()."""

import datetime as dt

import numpy as np
import pytest

from benchmarks.generate import TODAY, generate_market
from matching.market import (
    MarketCampaign,
    MarketCreator,
    MatchingPolicy,
    PricingConfig,
    build_instance,
    build_instance_priced,
)
from matching.market.build import REASONS, Market
from matching.market.pricing import PricingPass
from matching.solver import solve, validate
from matching.solver.lp import solve_lp
from matching.solver.model import linear_model, usable_pairs
from tests.matching.matching_helpers import market_campaign, market_creator

AUD = {
    "interests": {"skincare": 0.6, "fashion": 0.4},
    "gender": {"female": 0.7, "male": 0.3},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.6, "25-34": 0.4},
}
DAY = dt.date(2026, 11, 23)


def creator(cid: str, followers: int, **kw) -> MarketCreator:
    return market_creator(cid, **{"followers": followers, "audience": AUD, "capacity": 1, **kw})


def campaign(cid: str, **kw) -> MarketCampaign:
    return market_campaign(cid, **{"target_audience": AUD, "slots": 1, **kw})


# One star (value 20) tops both campaigns' lists; with top_k=1 the runner-up (value 10) is
# pruned away, although the optimum gives the star one campaign and the runner-up the other.
HIDDEN = (
    [creator("star", 400_000), creator("runner", 200_000), creator("third", 100_000)],
    [campaign("c1"), campaign("c2")],
)


def lp_bound(inst) -> float:
    work = inst.restrict_pairs(usable_pairs(inst))
    return solve_lp(linear_model(work), work.pair_value, 60.0, method="simplex").bound


def pairs_of(inst) -> set[tuple[str, str]]:
    return {
        (inst.creator_ids[i], inst.campaign_ids[j])
        for i, j in zip(inst.pair_creator.tolist(), inst.pair_campaign.tolist(), strict=True)
    }


def test_pricing_finds_the_pair_pruning_hid() -> None:
    creators, campaigns = HIDDEN
    pruned, _ = build_instance(creators, campaigns, MatchingPolicy(top_k=1), DAY)
    assert pairs_of(pruned) == {("star", "c1"), ("star", "c2")}
    assert lp_bound(pruned) == pytest.approx(20.0)

    inst, details = build_instance_priced(creators, campaigns, MatchingPolicy(top_k=1), DAY)
    report = details.pricing
    assert report is not None and report.converged
    assert report.pruned_lp_bound == pytest.approx(20.0)
    assert report.lp_bound == pytest.approx(30.0, rel=1e-9)
    assert {("runner", "c1"), ("runner", "c2")} & pairs_of(inst)
    # The market bound is certified for every eligible pair and tight here.
    assert 30.0 - 1e-9 <= report.market_bound <= 30.0 * (1 + 1e-3)
    result = solve(inst, time_limit_s=None)
    assert result.objective == pytest.approx(30.0)
    assert validate(inst, result) == []


def test_rounds_zero_only_certifies() -> None:
    creators, campaigns = HIDDEN
    inst, details = build_instance_priced(
        creators, campaigns, MatchingPolicy(top_k=1), DAY, PricingConfig(rounds=0)
    )
    assert pairs_of(inst) == {("star", "c1"), ("star", "c2")}
    report = details.pricing
    assert report.lp_bound == pytest.approx(20.0)
    assert report.market_bound >= 30.0 - 1e-9  # the left-out pairs still count in the bound
    assert not report.converged


@pytest.mark.parametrize("seed", range(4))
def test_market_bound_bounds_the_unpruned_lp(seed: int) -> None:
    table, campaigns = generate_market(12, 300, seed)
    policy = MatchingPolicy(top_k=4)
    full, _ = build_instance(table, campaigns, MatchingPolicy(top_k=None), TODAY)
    pruned, _ = build_instance(table, campaigns, policy, TODAY)
    inst, details = build_instance_priced(
        table,
        campaigns,
        policy,
        TODAY,
        PricingConfig(rounds=6, add_per_campaign=3, lists_per_capacity=None),
    )
    report = details.pricing
    unpruned = lp_bound(full)
    assert report.pruned_lp_bound == pytest.approx(lp_bound(pruned), rel=1e-6)
    assert report.market_bound >= unpruned - 1e-7 * unpruned
    assert report.pruned_lp_bound - 1e-9 <= report.lp_bound <= unpruned * (1 + 1e-7)
    # Every priced pair is an eligible pair of the market, with the same value.
    assert pairs_of(inst) <= pairs_of(full)
    value_of = dict(
        zip(
            zip(
                np.array(full.creator_ids)[full.pair_creator].tolist(),
                full.pair_campaign.tolist(),
                strict=True,
            ),
            full.pair_value.tolist(),
            strict=True,
        )
    )
    for i, j, v in zip(
        inst.pair_creator.tolist(),
        inst.pair_campaign.tolist(),
        inst.pair_value.tolist(),
        strict=True,
    ):
        assert value_of[(inst.creator_ids[i], j)] == pytest.approx(v, rel=1e-12)
    result = solve(inst, time_limit_s=None, max_rounds=10, lp=report.lp)
    assert validate(inst, result) == []
    assert result.objective <= report.market_bound


def test_diversified_start_caps_lists_per_creator() -> None:
    table, campaigns = generate_market(40, 300, 2)
    policy = MatchingPolicy(top_k=6)
    inst, _ = build_instance_priced(
        table, campaigns, policy, TODAY, PricingConfig(rounds=0, lists_per_capacity=1.0)
    )
    lists = np.bincount(inst.pair_creator, minlength=inst.num_creators)
    assert (lists <= inst.capacity).all()
    assert np.bincount(inst.pair_campaign, minlength=inst.num_campaigns).max() <= 6
    plain, _ = build_instance(table, campaigns, policy, TODAY)
    assert np.bincount(plain.pair_creator).max() > plain.capacity.max()  # what it prevents


def test_pricing_is_deterministic() -> None:
    table, campaigns = generate_market(15, 400, 3)
    policy = MatchingPolicy(top_k=3)
    runs = [
        build_instance_priced(
            table, campaigns, policy, TODAY, PricingConfig(rounds=3, add_per_campaign=2)
        )
        for _ in range(2)
    ]
    (a, da), (b, db) = runs
    assert np.array_equal(a.pair_creator, b.pair_creator)
    assert np.array_equal(a.pair_campaign, b.pair_campaign)
    assert np.array_equal(a.pair_value, b.pair_value)
    assert a.creator_ids == b.creator_ids
    assert da.pricing.market_bound == db.pricing.market_bound
    assert [r.added for r in da.pricing.rounds] == [r.added for r in db.pricing.rounds]


def test_pricing_never_adds_ineligible_or_excluded_pairs() -> None:
    creators = [
        creator("star", 400_000, capacity=1),
        creator("runner", 200_000),
        creator("small", 2_000),  # below c2's follower minimum
        creator("pricey", 900_000, rate=250_000),  # above every budget
        creator("busy", 300_000, sponsored_share=0.9),
    ]  # over the sponsored cap
    campaigns = [campaign("c1"), campaign("c2", min_followers=10_000)]
    inst, details = build_instance_priced(
        creators, campaigns, MatchingPolicy(top_k=1), DAY, exclude={("runner", "c2")}
    )
    pairs = pairs_of(inst)
    assert ("runner", "c2") not in pairs
    assert not {p for p in pairs if p[0] in ("pricey", "busy")}
    assert ("small", "c2") not in pairs
    assert ("runner", "c1") in pairs  # what pricing may still use
    result = solve(inst, time_limit_s=None)
    assert validate(inst, result) == []
    assert result.objective <= details.pricing.market_bound + 1e-9


def test_unreachable_minimum_and_empty_market() -> None:
    creators, _ = HIDDEN
    campaigns = [campaign("c1", min_creators=5, slots=5), campaign("c2")]
    inst, details = build_instance_priced(creators, campaigns, MatchingPolicy(top_k=1), DAY)
    result = solve(inst, time_limit_s=None)
    assert validate(inst, result) == []
    assert all(c == "c2" for _, c in result.assignments)
    assert result.objective <= details.pricing.market_bound + 1e-9

    empty, details = build_instance_priced([], [], MatchingPolicy(), DAY)
    assert empty.num_pairs == 0 and details.pricing.market_bound == 0.0
    none, details = build_instance_priced(creators, [], MatchingPolicy(), DAY)
    assert none.num_pairs == 0 and details.pricing.converged


def test_solve_reuses_a_matching_lp_and_ignores_another() -> None:
    table, campaigns = generate_market(10, 200, 1)
    inst, details = build_instance_priced(table, campaigns, MatchingPolicy(top_k=5), TODAY)
    given = solve(inst, time_limit_s=None, max_rounds=5, lp=details.pricing.lp)
    assert given.stats["lp_method"].endswith("(given)")
    assert given.stats["lp_bound"] == pytest.approx(details.pricing.lp_bound, rel=1e-9)
    other, _ = build_instance(table, campaigns, MatchingPolicy(top_k=2), TODAY)
    fresh = solve(other, time_limit_s=None, max_rounds=5, lp=details.pricing.lp)
    assert not fresh.stats["lp_method"].endswith("(given)")


def test_skipped_creators_are_counted_like_scored_ones() -> None:
    """Currency and follower range are applied per creator before scoring; the counts and the
    eligible set must equal a pair-by-pair evaluation of the rules."""
    table, campaigns = generate_market(12, 300, 5)
    policy = MatchingPolicy(top_k=None)
    inst, details = build_instance(table, campaigns, policy, TODAY)
    market = Market.prepare(table, campaigns, policy, TODAY)
    available = table.available(TODAY)
    counts = dict.fromkeys(REASONS[1:], 0)
    eligible = set()
    cat_at = {c: k for k, c in enumerate(table.categories)}
    for j, c in enumerate(campaigns):
        lo, hi = c.min_followers, c.max_followers or np.iinfo(np.int64).max
        for i in np.flatnonzero(available & table.accepts[:, cat_at[c.category]]).tolist():
            fit = float(market.fit_model.block(np.array([i]), np.array([j]))[0, 0])
            if table.currency[i] != c.currency:
                counts["currency"] += 1
            elif not lo <= table.followers[i] <= hi:
                counts["follower_range"] += 1
            elif table.rate[i] > c.budget:
                counts["over_budget"] += 1
            elif table.sponsored_share[i] > policy.max_sponsored_share:
                counts["sponsored_cap"] += 1
            elif fit < policy.min_fit:
                counts["fit_threshold"] += 1
            else:
                eligible.add((table.ids[i], c.id))
    assert details.rejected == counts
    assert details.eligible_pairs == len(eligible)
    assert pairs_of(inst) == eligible


@pytest.mark.parametrize("seed", range(3))
def test_any_campaign_prices_bound_the_market(seed: int) -> None:
    """Weak duality: the market bound holds for any prices λ, σ ≥ 0, not just the LP's."""
    from matching.market.pricing import price_cache, price_market

    table, campaigns = generate_market(10, 250, seed)
    policy = MatchingPolicy(top_k=None)
    full, _ = build_instance(table, campaigns, policy, TODAY)
    best = lp_bound(full)
    market = Market.prepare(table, campaigns, policy, TODAY)
    rng = np.random.default_rng(seed)
    for scale in (0.0, 0.3, 1.0, 3.0):
        lam = rng.uniform(0, 2e-5, len(campaigns)) * scale
        sig = rng.uniform(0, 2.0, len(campaigns)) * scale
        priced = price_market(market, lam, sig, cache_per_creator=len(campaigns))
        assert priced.market_bound >= best * (1 - 1e-9)
        # A cache that holds every pair prices exactly like the full pass.
        cached = price_cache(market, priced.cache, lam, sig)
        assert cached.market_bound == pytest.approx(priced.market_bound, rel=1e-6)
        assert set(
            zip(cached.pick_creators.tolist(), cached.pick_campaigns.tolist(), strict=True)
        ) == set(zip(priced.pick_creators.tolist(), priced.pick_campaigns.tolist(), strict=True))


def test_time_limit_stops_adding_but_still_certifies() -> None:
    creators, campaigns = HIDDEN
    _, details = build_instance_priced(
        creators, campaigns, MatchingPolicy(top_k=1), DAY, PricingConfig(time_limit_s=0.0)
    )
    report = details.pricing
    assert len(report.rounds) == 1 and report.rounds[0].added == 0
    assert report.market_bound >= 30.0 - 1e-9


def test_the_candidate_index_is_exact_and_skips_creators_without_the_target_tags():
    from matching.market.pricing import CandidateIndex, price_market

    table, campaigns = generate_market(60, 3_000, seed=4)
    policy = MatchingPolicy(top_k=30)
    _, details = build_instance_priced(
        table, campaigns, policy, TODAY, PricingConfig(rounds=0, certify=False)
    )
    prices = details.pricing.prices
    lam = np.array([prices[c.id][0] for c in campaigns])
    sig = np.array([prices[c.id][1] for c in campaigns])
    market = Market.prepare(table, campaigns, policy, TODAY)
    index = CandidateIndex.build(market)
    assert index.size() < sum(g.creators.size for g in market.groups)  # it does leave some out
    full = price_market(market, lam, sig, 12)
    indexed = price_market(market, lam, sig, 12, index)
    # The same terms summed in another order: equal to rounding (numpy 2.4 differs by ~3e-9
    # relative here); a creator left out wrongly would move it by their whole best response.
    assert indexed.market_bound == pytest.approx(full.market_bound, rel=1e-7)

    # The same picks, but for ties broken the other way by rounding (scores are float32):
    # every creator picks in both passes, with the same total margin.
    def margins(priced: PricingPass) -> dict[int, float]:
        total: dict[int, float] = {}
        for who, margin in zip(
            priced.pick_creators.tolist(), priced.pick_margin.tolist(), strict=True
        ):
            total[who] = total.get(who, 0.0) + margin
        return total

    def pairs(priced: PricingPass) -> set[tuple[int, int]]:
        return set(zip(priced.pick_creators.tolist(), priced.pick_campaigns.tolist(), strict=True))

    by_full, by_index = margins(full), margins(indexed)
    assert by_full.keys() == by_index.keys()
    for who, margin in by_full.items():
        assert by_index[who] == pytest.approx(margin, rel=1e-5, abs=1e-6), who
    assert len(pairs(full) & pairs(indexed)) >= 0.99 * len(pairs(full))
    # a creator sharing no interest tag with a campaign's target is never in its group
    off = creator("off", 300_000, audience={**AUD, "interests": {"gaming": 1.0}})
    on = creator("on", 300_000)
    market = Market.prepare([off, on], [campaign("c1")], MatchingPolicy(), DAY)
    index = CandidateIndex.build(market)
    (kept,) = index.creators.values()
    assert [market.table.ids[i] for i in kept.tolist()] == ["on"]


@pytest.mark.parametrize("seed", range(3))
def test_descent_lowers_the_certified_bound_and_keeps_it_a_bound(seed: int) -> None:
    """Step 4: prices moved on the cache, certified by a full pass, give a smaller bound that
    still bounds the whole market's LP (weak duality at any prices)."""
    table, campaigns = generate_market(40, 1_000, seed)
    policy = MatchingPolicy(top_k=5)
    full, _ = build_instance(table, campaigns, MatchingPolicy(top_k=None), TODAY)
    unpruned = lp_bound(full)
    config = PricingConfig(rounds=0, lists_per_capacity=None)
    _, plain = build_instance_priced(
        table,
        campaigns,
        policy,
        TODAY,
        PricingConfig(rounds=0, lists_per_capacity=None, descent_steps=0),
    )
    _, descended = build_instance_priced(table, campaigns, policy, TODAY, config)
    before, after = plain.pricing, descended.pricing
    assert before.descent is None and after.descent is not None
    assert 0 < after.descent["steps"] <= config.descent_steps
    assert after.market_bound < before.market_bound
    assert after.market_bound == pytest.approx(
        min(before.market_bound, after.descent["market_bound"]), rel=1e-12
    )
    assert after.descent["market_bound"] >= unpruned * (1 - 1e-7)
