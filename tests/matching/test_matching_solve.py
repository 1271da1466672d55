"""solve(): brute force on tiny instances, the bound, edge cases, statuses and determinism."""

import sys

import numpy as np
import pytest
from matching_helpers import brute_force, campaign, creator, instance, pair, random_instance

from matching.solver import solve, validate
from matching.solver.lns import LNSConfig


@pytest.mark.parametrize("seed", range(12))
def test_exact_path_matches_brute_force(seed: int) -> None:
    rng = np.random.default_rng(seed)
    inst = random_instance(rng, n_campaigns=3, n_creators=4)
    if inst.num_pairs > 12:
        inst = inst.restrict_pairs(np.arange(inst.num_pairs) < 12)
    best = brute_force(inst)
    result = solve(inst, time_limit_s=None, seed=seed)
    assert result.status == "optimal"
    assert result.objective == pytest.approx(best, abs=1e-9)
    assert result.bound >= best - 1e-9


@pytest.mark.parametrize("seed", range(8))
def test_heuristic_path_is_valid_and_bounded(seed: int) -> None:
    """Without the exact MIP: LP rounding + neighbourhood search, checked against brute force."""
    rng = np.random.default_rng(100 + seed)
    inst = random_instance(rng, n_campaigns=4, n_creators=4)
    if inst.num_pairs > 12:
        inst = inst.restrict_pairs(np.arange(inst.num_pairs) < 12)
    best = brute_force(inst)
    result = solve(inst, time_limit_s=None, seed=seed, exact_max_pairs=0, max_rounds=20)
    assert validate(inst, result) == []
    assert result.objective <= best + 1e-9
    assert result.bound >= best - 1e-9  # the certified LP bound really bounds the optimum
    # Neighbourhoods of 12 campaigns cover these instances whole: the search is exact.
    assert result.objective == pytest.approx(best, abs=1e-9)


def test_no_creators() -> None:
    inst = instance([campaign("c")], [], [])
    result = solve(inst, time_limit_s=None)
    assert (result.status, result.objective, result.bound, result.gap) == ("optimal", 0, 0, 0)
    assert result.to_dict()["assignments"] == []


def test_no_pairs_and_no_campaigns() -> None:
    inst = instance([], [creator("a")], [])
    assert solve(inst, time_limit_s=None).status == "optimal"
    inst = instance([campaign("c")], [creator("a")], [])
    assert solve(inst, time_limit_s=None).selected.size == 0


def test_budget_smaller_than_every_rate() -> None:
    inst = instance(
        [campaign("c", budget=50)],
        [creator("a", 100), creator("b", 60)],
        [pair("a", "c", 1.0), pair("b", "c", 1.0)],
    )
    result = solve(inst, time_limit_s=None)
    assert result.assignments == [] and result.bound == 0.0 and result.status == "optimal"
    assert result.stats["usable_pairs"] == 0


@pytest.mark.parametrize("kwargs", [dict(slots=2, min_creators=3), dict(slots=5, min_creators=3)])
def test_unreachable_minimum(kwargs: dict) -> None:
    # min > slots, or fewer candidates than the minimum: the campaign stays empty,
    # and its creators go to the other campaign.
    inst = instance(
        [campaign("c", budget=1000, **kwargs), campaign("d", budget=1000)],
        [creator("a"), creator("b")],
        [pair("a", "c", 9.0), pair("b", "c", 9.0), pair("a", "d", 1.0)],
    )
    result = solve(inst, time_limit_s=None)
    assert result.assignments == [("a", "d")]
    assert result.bound == pytest.approx(1.0)


def test_ties_are_broken_deterministically() -> None:
    inst = instance(
        [campaign("c", slots=1)],
        [creator("a"), creator("b"), creator("c")],
        [pair("a", "c", 1.0), pair("b", "c", 1.0), pair("c", "c", 1.0)],
    )
    first = solve(inst, time_limit_s=None).assignments
    assert len(first) == 1
    assert all(solve(inst, time_limit_s=None).assignments == first for _ in range(3))


def test_same_seed_same_result_on_a_larger_instance() -> None:
    rng = np.random.default_rng(7)
    inst = random_instance(rng, n_campaigns=40, n_creators=120, density=0.3)
    config = {
        "time_limit_s": None,
        "seed": 3,
        "exact_max_pairs": 0,
        "max_rounds": 6,
        "gap_tolerance": 0.0,
        "use_lagrange": False,  # it closes this instance before the search: test the search
    }
    a = solve(inst, **config, lns=LNSConfig(campaigns_per_neighbourhood=8))
    b = solve(inst, **config, lns=LNSConfig(campaigns_per_neighbourhood=8))
    assert a.selected.tolist() == b.selected.tolist()
    assert a.objective == b.objective and a.bound == b.bound
    assert a.stats["lns"]["rounds"] == 6


def test_lagrangian_phases_ignore_the_clock(monkeypatch) -> None:
    """With the Lagrangian phases on and no time limit, a racing clock changes nothing."""
    rng = np.random.default_rng(9)
    inst = random_instance(rng, n_campaigns=30, n_creators=80, density=0.4)
    kwargs = {"exact_max_pairs": 0, "max_rounds": 8, "seed": 2, "gap_tolerance": 0.0}
    calm = solve(inst, time_limit_s=None, **kwargs)
    for name in ("solve", "lns", "exposure", "lagrange"):
        monkeypatch.setattr(sys.modules[f"matching.solver.{name}"], "time", _RacingClock())
    racing = solve(inst, time_limit_s=None, **kwargs)
    assert racing.selected.tolist() == calm.selected.tolist()
    assert racing.bound == calm.bound
    assert calm.stats["lagrange_start"]["iterations"] >= 1


def test_timeout_returns_a_valid_solution() -> None:
    rng = np.random.default_rng(11)
    inst = random_instance(rng, n_campaigns=60, n_creators=300, density=0.3)
    result = solve(inst, time_limit_s=0.0, exact_max_pairs=0)
    assert result.status in {"timeout", "optimal"}
    assert validate(inst, result) == []
    assert result.bound >= result.objective
    assert result.to_dict()["gap"] == pytest.approx(result.gap)


def test_search_improves_on_the_greedy() -> None:
    rng = np.random.default_rng(5)
    inst = random_instance(rng, n_campaigns=30, n_creators=80, density=0.4)
    result = solve(inst, time_limit_s=None, exact_max_pairs=0, max_rounds=30)
    exact = solve(inst, time_limit_s=None, exact_max_pairs=10**6)
    assert exact.status == "optimal"
    assert result.objective > result.stats["greedy_objective"]
    assert result.objective >= result.stats["rounding_objective"]
    assert exact.objective * 0.98 <= result.objective <= exact.objective + 1e-9
    assert result.bound >= exact.objective


class _RacingClock:
    """``time`` for the solver's modules whose clock jumps an hour at every reading: what a
    deadline on a machine under any load would see at its worst."""

    def __init__(self) -> None:
        self.now = 0.0

    def perf_counter(self) -> float:
        self.now += 3600.0
        return self.now


@pytest.mark.parametrize("exact_max_pairs", [0, 10**6], ids=["search", "exact"])
def test_without_a_time_limit_no_clock_changes_the_result(monkeypatch, exact_max_pairs) -> None:
    """``time_limit_s=None`` bounds the work by rounds alone: the same solution however slowly
    the machine runs (with a time limit, the same clock cuts the search short)."""
    rng = np.random.default_rng(5)
    inst = random_instance(rng, n_campaigns=30, n_creators=80, density=0.4)
    # Without the Lagrangian phases, which close this instance before the search starts
    # (test_lagrangian_phases_ignore_the_clock covers them).
    kwargs = {
        "exact_max_pairs": exact_max_pairs,
        "max_rounds": 8,
        "seed": 2,
        "use_lagrange": False,
    }
    calm = solve(inst, time_limit_s=None, **kwargs)
    for name in ("solve", "lns", "exposure", "lagrange"):
        monkeypatch.setattr(sys.modules[f"matching.solver.{name}"], "time", _RacingClock())
    racing = solve(inst, time_limit_s=None, **kwargs)
    assert racing.selected.tolist() == calm.selected.tolist()
    assert racing.status == calm.status != "timeout"
    if exact_max_pairs == 0:
        assert racing.stats["lns"]["rounds"] == calm.stats["lns"]["rounds"] == 8
    cut = solve(inst, time_limit_s=30.0, **kwargs)  # the racing clock passes any deadline
    assert cut.status == "timeout" or cut.objective < calm.objective
