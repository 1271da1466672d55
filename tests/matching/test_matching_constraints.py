"""Each constraint, one function: the solver respects it (feasible side) and the validator
flags a solution that breaks it (infeasible side)."""

import numpy as np
import pytest
from matching_helpers import campaign, creator, instance, pair

from matching.solver import solve, validate


def _kinds(inst, selected) -> set[str]:
    return {v.kind for v in validate(inst, np.array(selected))}


def test_budget() -> None:
    inst = instance(
        [campaign("c", budget=250, slots=5)],
        [creator("a", 200), creator("b", 100), creator("c", 100)],
        [pair("a", "c", 5.0), pair("b", "c", 3.0), pair("c", "c", 3.0)],
    )
    result = solve(inst, time_limit_s=None)
    # a+b and a+c are over budget: b+c (6.0) beats a alone (5.0).
    assert sorted(result.assignments) == [("b", "c"), ("c", "c")]
    assert result.objective == pytest.approx(6.0, rel=1e-12)  # a sum of floats
    assert _kinds(inst, [0, 1]) == {"budget"}
    assert _kinds(inst, [1, 2]) == set()


def test_slots() -> None:
    inst = instance(
        [campaign("c", budget=10_000, slots=2)],
        [creator("a"), creator("b"), creator("c")],
        [pair("a", "c", 1.0), pair("b", "c", 2.0), pair("c", "c", 3.0)],
    )
    result = solve(inst, time_limit_s=None)
    assert sorted(result.assignments) == [("b", "c"), ("c", "c")]
    assert _kinds(inst, [0, 1, 2]) == {"slots"}


def test_minimum_all_or_nothing() -> None:
    # Two slots, minimum 2, but budget only for one: the campaign must stay empty.
    inst = instance(
        [campaign("c", budget=150, slots=2, min_creators=2)],
        [creator("a", 100), creator("b", 100)],
        [pair("a", "c", 1.0), pair("b", "c", 1.0)],
    )
    result = solve(inst, time_limit_s=None)
    assert result.assignments == []
    assert result.status == "optimal"
    assert _kinds(inst, [0]) == {"minimum"}
    assert _kinds(inst, []) == set()


def test_minimum_reached_when_possible() -> None:
    inst = instance(
        [campaign("c", budget=300, slots=3, min_creators=2)],
        [creator("a", 100), creator("b", 100)],
        [pair("a", "c", 1.0), pair("b", "c", 1.0)],
    )
    result = solve(inst, time_limit_s=None)
    assert len(result.assignments) == 2


def test_creator_capacity() -> None:
    inst = instance(
        [campaign("c1"), campaign("c2"), campaign("c3")],
        [creator("a", 10, 2)],
        [pair("a", "c1", 1.0), pair("a", "c2", 3.0), pair("a", "c3", 2.0)],
    )
    result = solve(inst, time_limit_s=None)
    assert sorted(result.assignments) == [("a", "c2"), ("a", "c3")]
    assert _kinds(inst, [0, 1, 2]) == {"capacity"}


def test_competitor_group() -> None:
    inst = instance(
        [campaign("c1", group="soda"), campaign("c2", group="soda"), campaign("c3", group="shoes")],
        [creator("a", 10, 3)],
        [pair("a", "c1", 1.0), pair("a", "c2", 2.0), pair("a", "c3", 1.5)],
    )
    result = solve(inst, time_limit_s=None)
    assert sorted(result.assignments) == [("a", "c2"), ("a", "c3")]
    assert _kinds(inst, [0, 1]) == {"competitor_group"}
    assert _kinds(inst, [0, 2]) == set()


def test_null_groups_do_not_conflict() -> None:
    inst = instance(
        [campaign("c1"), campaign("c2")],
        [creator("a", 10, 2)],
        [pair("a", "c1", 1.0), pair("a", "c2", 2.0)],
    )
    assert len(solve(inst, time_limit_s=None).assignments) == 2


def test_only_listed_pairs() -> None:
    inst = instance([campaign("c1"), campaign("c2")], [creator("a", 10, 2)], [pair("a", "c1", 1.0)])
    assert solve(inst, time_limit_s=None).assignments == [("a", "c1")]
    bad = {"assignments": [{"creator": "a", "campaign": "c2"}], "objective": 0.0}
    assert {v.kind for v in validate(inst, bad)} == {"unknown_pair"}
