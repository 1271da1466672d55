"""The hard market's calibrated properties (benchmarks.generate.generate_hard), at small size
with fixed seeds, and the Lagrangian phase (matching.solver.lagrange) against exact optima."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest

from benchmarks.generate import HARD, generate_hard, hard_creators, hard_instance, main
from matching.solver import Instance, solve, validate
from matching.solver.heuristics import construct, greedy_order
from matching.solver.lagrange import (
    CampaignKnapsacks,
    _Campaign,
    _knapsack,
    best_responses,
    lagrange_bound,
)
from matching.solver.lp import solve_lp
from matching.solver.mip import solve_pairs_mip
from matching.solver.model import linear_model, usable_pairs
from tests.matching.matching_helpers import random_instance


@pytest.fixture(scope="module")
def small() -> Instance:
    return hard_instance("small", seed=0)


# --------------------------------------------------------------------------- the generator
def test_a_median_budget_buys_three_to_five_median_rates(small: Instance) -> None:
    ratio = float(np.median(small.budget)) / float(np.median(small.rate))
    assert 3.0 <= ratio <= 5.0


def test_budgets_bind_before_slots(small: Instance) -> None:
    """In most campaigns the ``slots`` most valuable candidates cost more than the budget."""
    binding = 0
    for j in range(small.num_campaigns):
        mine = np.flatnonzero(small.pair_campaign == j)
        top = mine[np.argsort(-small.pair_value[mine])][: small.slots[j]]
        binding += int(small.pair_rate[top].sum() > small.budget[j])
    assert binding >= 0.8 * small.num_campaigns


def test_seventy_percent_of_campaigns_in_competitor_groups_of_four(small: Instance) -> None:
    grouped = small.group >= 0
    assert 0.65 <= grouped.mean() <= 0.75
    sizes = np.bincount(small.group[grouped])
    assert (sizes == HARD.group_size).all()
    # A group's campaigns share a category, so they compete for the same creators.
    for g in range(len(small.group_names)):
        members = np.flatnonzero(small.group == g)
        creators = [set(small.pair_creator[small.pair_campaign == j].tolist()) for j in members]
        assert len(set.intersection(*creators[:2])) > 0


def test_a_fifth_of_campaigns_have_an_all_or_nothing_minimum() -> None:
    inst = generate_hard(400, 4_000, seed=1, pairs_per_campaign=20)
    has_min = inst.min_creators > 1
    assert 0.15 <= has_min.mean() <= 0.25
    assert (inst.min_creators <= inst.slots).all()
    assert set(np.unique(inst.min_creators[has_min]).tolist()) <= {2, 3, 4}


def test_capacities_are_one_to_three(small: Instance) -> None:
    assert set(np.unique(small.capacity).tolist()) == {1, 2, 3}


def test_rates_grow_as_followers_to_the_power_point_eight() -> None:
    followers, _, rate, _ = hard_creators(np.random.default_rng(3), 20_000)
    slope = np.polyfit(np.log(followers), np.log(rate), 1)[0]
    assert 0.75 <= slope <= 0.85
    # Log-normal noise: creators of one size differ in price.
    mid = (followers > 9_000) & (followers < 11_000)
    assert np.std(np.log(rate[mid])) > 0.3


def test_greedy_by_value_is_well_below_the_lp_bound(small: Instance) -> None:
    """Stretched value and binding budgets make the naive greedy lose at least 8 %."""
    work = small.restrict_pairs(usable_pairs(small))
    order = np.lexsort((np.arange(work.num_pairs), -work.pair_value))
    state = construct(work, order, np.ones(work.num_pairs, dtype=bool))
    bound = solve_lp(linear_model(work), work.pair_value, 60.0).bound
    assert state.objective <= 0.92 * bound


def test_the_generator_is_seeded_and_writes_the_instance_format(tmp_path) -> None:
    a, b = hard_instance("tiny", seed=4), hard_instance("tiny", seed=4)
    assert a.to_dict() == b.to_dict()
    assert hard_instance("tiny", seed=5).to_dict() != a.to_dict()
    out = tmp_path / "hard.json"
    main(["tiny", "--market", "hard", "--seed", "4", "-o", str(out)])
    assert Instance.from_dict(json.loads(out.read_text())).to_dict() == a.to_dict()


# ------------------------------------------------------------------------ the knapsacks
def _brute_knapsack(c: _Campaign, value: np.ndarray) -> float:
    best = 0.0
    for k in range(c.lower, min(c.slots, value.size) + 1):
        for subset in itertools.combinations(range(value.size), k):
            if c.weight[list(subset)].sum() <= c.units:
                best = max(best, float(value[list(subset)].sum()))
    return best


@pytest.mark.parametrize("seed", range(30))
def test_the_campaign_knapsack_is_exact(seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = int(rng.integers(1, 10))
    slots = int(rng.integers(1, 5))
    lower = int(rng.choice([1, 1, 2, 3]))
    c = _Campaign(
        campaign=0,
        pairs=np.arange(n),
        weight=rng.integers(0, 12, n),
        units=int(rng.integers(5, 25)),
        lower=lower,
        slots=slots,
        all_items=lower > 1,
    )
    value = np.round(rng.normal(1.0, 1.0, n), 3)
    if rng.random() < 0.3:  # ties, which the dominance pruning must break consistently
        value[: n // 2] = value[0]
        c.weight[: n // 2] = c.weight[0]
    best, picked = _knapsack(c, value, want_solution=True)
    assert best == pytest.approx(_brute_knapsack(c, value), abs=1e-9)
    if picked is None:
        assert best == pytest.approx(0.0)
    else:
        assert value[picked].sum() == pytest.approx(best)
        assert c.weight[picked].sum() <= c.units
        assert c.lower <= picked.size <= c.slots


def _exact(inst: Instance) -> float:
    found, optimal, _ = solve_pairs_mip(
        inst, np.arange(inst.num_pairs), inst.capacity, 60.0, rel_gap=1e-9
    )
    assert optimal and found is not None
    return float(inst.pair_value[found].sum())


def _instances() -> list[Instance]:
    hard = [generate_hard(12, 150, seed, 25) for seed in range(6)]
    rng = np.random.default_rng(21)
    plain = [random_instance(rng, n_campaigns=8, n_creators=20, density=0.5) for _ in range(6)]
    return hard + plain


@pytest.mark.parametrize("max_units", [1_000, 7], ids=["exact-units", "rounded-units"])
def test_the_lagrangian_bound_holds_and_beats_the_lp(max_units: int) -> None:
    """On instances solved to optimality: optimum <= Lagrangian bound <= LP bound, and the
    repaired solution meets every constraint. Coarse units (rates rounded down) still bound
    the optimum, but may be looser than the LP (solve() keeps the smaller)."""
    tighter = 0
    for inst in _instances():
        work = inst.restrict_pairs(usable_pairs(inst))
        model = linear_model(work)
        lp = solve_lp(model, work.pair_value, 60.0)
        found = lagrange_bound(
            work,
            model,
            lp.y,
            0.0,
            np.inf,
            40,
            CampaignKnapsacks(work, max_units=max_units),
            repair_order=greedy_order(work),
        )
        optimum = _exact(work)
        assert optimum <= found.bound + 1e-7
        if max_units == 1_000:
            assert found.bound <= lp.bound + 1e-7
        assert found.state is not None
        assert validate(work, found.state.pairs()) == []
        assert found.state.objective <= optimum + 1e-7
        tighter += found.bound < lp.bound - 1e-6
    if max_units == 1_000:
        assert tighter >= 6  # the knapsacks do tighten the LP on most of them


def test_solve_reports_a_lagrangian_bound_that_holds() -> None:
    inst = generate_hard(16, 200, seed=8, pairs_per_campaign=30)
    optimum = _exact(inst.restrict_pairs(usable_pairs(inst)))
    result = solve(inst, time_limit_s=None, exact_max_pairs=0, max_rounds=5)
    assert validate(inst, result) == []
    assert result.objective <= optimum + 1e-7 <= result.bound + 2e-7
    assert result.stats["bound_source"] in ("lagrangian", "lp")
    assert result.bound <= result.stats["lp_bound"] + 1e-9
    if result.stats["bound_source"] == "lagrangian":
        assert result.bound < result.stats["lp_bound"]


def test_best_responses_improve_and_end_at_a_campaign_wise_optimum() -> None:
    inst = generate_hard(30, 300, seed=2, pairs_per_campaign=30)
    work = inst.restrict_pairs(usable_pairs(inst))
    order = np.lexsort((np.arange(work.num_pairs), -work.pair_value))
    state = construct(work, order, np.ones(work.num_pairs, dtype=bool))  # greedy by value
    before = state.objective
    knapsacks = CampaignKnapsacks(work)
    assert best_responses(work, state, knapsacks, np.inf) > 0
    assert state.objective > before
    assert validate(work, state.pairs()) == []
    assert state.objective == pytest.approx(state.exact_objective())
    # No campaign can do better on its own any more (the passes ran to a fixed point).
    assert best_responses(work, state, knapsacks, np.inf) == 0


def test_a_huge_campaign_gets_coarser_units_and_still_bounds(monkeypatch) -> None:
    """Past MAX_CELLS the knapsack rounds rates down further: never below the true best."""
    import matching.solver.lagrange as lagrange

    monkeypatch.setattr(lagrange, "MAX_CELLS", 60)
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        n = 8
        c = _Campaign(
            campaign=0,
            pairs=np.arange(n),
            weight=rng.integers(1, 12, n),
            units=30,
            lower=int(rng.choice([1, 2])),
            slots=3,
            all_items=False,
        )
        c.all_items = c.lower > 1
        value = np.round(rng.uniform(0.1, 2.0, n), 3)
        best, _ = _knapsack(c, value, want_solution=True)
        assert best >= _brute_knapsack(c, value) - 1e-9
