"""The validator catches each kind of violation and accepts the solution formats."""

import numpy as np
import pytest
from matching_helpers import campaign, creator, instance, pair

from matching.solver import solve, validate


@pytest.fixture()
def inst():
    return instance(
        [
            campaign("c1", budget=300, slots=2, min_creators=2, group="g"),
            campaign("c2", budget=300, slots=1, group="g"),
            campaign("c3", budget=500, slots=3),
        ],
        [creator("a", 200, 1), creator("b", 150, 2), creator("c", 100, 3)],
        [
            pair("a", "c1", 1.0),
            pair("b", "c1", 1.0),
            pair("c", "c1", 1.0),
            pair("b", "c2", 2.0),
            pair("c", "c2", 1.0),
            pair("a", "c3", 1.0),
            pair("b", "c3", 1.0),
            pair("c", "c3", 1.0),
        ],
    )


def kinds(inst, selected):
    return sorted(v.kind for v in validate(inst, np.array(selected, dtype=np.int64)))


def test_valid_solution(inst) -> None:
    assert kinds(inst, [1, 2, 5]) == []


def test_budget_violation(inst) -> None:
    assert kinds(inst, [0, 1]) == ["budget"]  # 200 + 150 > 300


def test_slot_violation(inst) -> None:
    assert kinds(inst, [3, 4]) == ["slots"]  # c2 has one slot


def test_minimum_violation(inst) -> None:
    assert kinds(inst, [2]) == ["minimum"]


def test_capacity_violation(inst) -> None:
    assert kinds(inst, [0, 5]) == ["capacity", "minimum"]


def test_competitor_group_violation(inst) -> None:
    assert kinds(inst, [1, 2, 3]) == ["competitor_group"]  # b on c1 and c2


def test_objective_violation(inst) -> None:
    sol = {"assignments": [{"creator": "b", "campaign": "c2"}], "objective": 3.0}
    assert [v.kind for v in validate(inst, sol)] == ["objective"]
    sol["objective"] = 2.0
    assert validate(inst, sol) == []


def test_unknown_and_duplicate_pairs(inst) -> None:
    sol = {"assignments": [{"creator": "a", "campaign": "c2"}, {"creator": "x", "campaign": "c1"}]}
    assert [v.kind for v in validate(inst, sol)] == ["unknown_pair", "unknown_pair"]
    assert kinds(inst, [3, 3]) == ["duplicate"]
    assert kinds(inst, [99]) == ["unknown_pair"]


def test_solution_dict_round_trip(inst) -> None:
    result = solve(inst, time_limit_s=None)
    assert validate(inst, result.to_dict()) == []
    assert validate(inst, result) == []
    with pytest.raises(TypeError):
        validate(inst, 3.5)
