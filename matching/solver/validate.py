"""A validator that knows nothing of the solver: it checks a solution against its instance."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matching.solver.instance import NO_GROUP, Instance

OBJECTIVE_TOLERANCE = 1e-6


@dataclass(frozen=True)
class Violation:
    """One broken rule: ``kind`` is budget, slots, minimum, capacity, competitor_group,
    unknown_pair, duplicate or objective."""

    kind: str
    message: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.message}"


def validate(instance: Instance, solution: Any) -> list[Violation]:
    """Check ``solution`` against every constraint of ``instance`` and its objective.

    ``solution`` is a :class:`~matching.solver.result.SolveResult`, a solution dict in the
    DESIGN.md §4 format (``assignments`` and ``objective``), or a sequence of pair indices.
    Returns the violations found; an empty list means the solution is valid.
    """
    violations: list[Violation] = []
    objective: float | None = None
    if hasattr(solution, "selected") and hasattr(solution, "objective"):
        selected = np.asarray(solution.selected, dtype=np.int64)
        objective = float(solution.objective)
        if (selected < 0).any() or (selected >= instance.num_pairs).any():
            return [Violation("unknown_pair", "a selected pair index is out of range")]
    elif isinstance(solution, Mapping):
        selected = _pairs_from_ids(instance, solution.get("assignments", []), violations)
        if solution.get("objective") is not None:
            objective = float(solution["objective"])
    elif isinstance(solution, Sequence | np.ndarray):
        selected = np.asarray(solution, dtype=np.int64).reshape(-1)
        if (selected < 0).any() or (selected >= instance.num_pairs).any():
            return [Violation("unknown_pair", "a selected pair index is out of range")]
    else:
        raise TypeError(f"cannot validate a {type(solution).__name__}")

    if np.unique(selected).shape[0] != selected.shape[0]:
        violations.append(Violation("duplicate", "a pair is assigned more than once"))
        selected = np.unique(selected)
    violations += check_budgets(instance, selected)
    violations += check_slots(instance, selected)
    violations += check_minimums(instance, selected)
    violations += check_capacities(instance, selected)
    violations += check_competitor_groups(instance, selected)
    if objective is not None:
        actual = float(instance.pair_value[selected].sum())
        if abs(actual - objective) > OBJECTIVE_TOLERANCE * max(1.0, abs(actual)):
            violations.append(
                Violation(
                    "objective",
                    f"reported objective {objective} but the assignments sum to {actual}",
                )
            )
    return violations


def _pairs_from_ids(
    instance: Instance, assignments: Any, violations: list[Violation]
) -> NDArray[np.int64]:
    campaign_at = {c: j for j, c in enumerate(instance.campaign_ids)}
    creator_at = {k: i for i, k in enumerate(instance.creator_ids)}
    selected = []
    for entry in assignments:
        i = creator_at.get(entry.get("creator"))
        j = campaign_at.get(entry.get("campaign"))
        p = None if i is None or j is None else instance.pair_index(i, j)
        if p is None:
            violations.append(
                Violation(
                    "unknown_pair",
                    f"({entry.get('creator')}, {entry.get('campaign')}) is not an allowed pair",
                )
            )
        else:
            selected.append(p)
    return np.array(selected, dtype=np.int64)


def _campaign_counts(instance: Instance, selected: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.bincount(instance.pair_campaign[selected], minlength=instance.num_campaigns)


def check_budgets(instance: Instance, selected: NDArray[np.int64]) -> list[Violation]:
    """Per campaign: the sum of assigned creators' rates is at most the budget."""
    spend = np.bincount(
        instance.pair_campaign[selected],
        weights=instance.pair_rate[selected].astype(np.float64),
        minlength=instance.num_campaigns,
    )
    return [
        Violation(
            "budget",
            f"campaign {instance.campaign_ids[j]} spends {int(spend[j])} "
            f"> budget {int(instance.budget[j])}",
        )
        for j in np.flatnonzero(spend > instance.budget).tolist()
    ]


def check_slots(instance: Instance, selected: NDArray[np.int64]) -> list[Violation]:
    """Per campaign: at most ``slots`` creators."""
    count = _campaign_counts(instance, selected)
    return [
        Violation(
            "slots",
            f"campaign {instance.campaign_ids[j]} has {int(count[j])} "
            f"creators > {int(instance.slots[j])} slots",
        )
        for j in np.flatnonzero(count > instance.slots).tolist()
    ]


def check_minimums(instance: Instance, selected: NDArray[np.int64]) -> list[Violation]:
    """Per campaign: either nobody or at least ``min_creators`` creators."""
    count = _campaign_counts(instance, selected)
    bad = (count > 0) & (count < instance.min_creators)
    return [
        Violation(
            "minimum",
            f"campaign {instance.campaign_ids[j]} has {int(count[j])} "
            f"creators < minimum {int(instance.min_creators[j])}",
        )
        for j in np.flatnonzero(bad).tolist()
    ]


def check_capacities(instance: Instance, selected: NDArray[np.int64]) -> list[Violation]:
    """Per creator: at most ``capacity`` campaigns."""
    count = np.bincount(instance.pair_creator[selected], minlength=instance.num_creators)
    return [
        Violation(
            "capacity",
            f"creator {instance.creator_ids[i]} has {int(count[i])} "
            f"campaigns > capacity {int(instance.capacity[i])}",
        )
        for i in np.flatnonzero(count > instance.capacity).tolist()
    ]


def check_competitor_groups(instance: Instance, selected: NDArray[np.int64]) -> list[Violation]:
    """Per creator: at most one campaign of each competitor group."""
    group = instance.pair_group[selected]
    grouped = group != NO_GROUP
    creators = instance.pair_creator[selected][grouped]
    key = creators * max(len(instance.group_names), 1) + group[grouped]
    keys, counts = np.unique(key, return_counts=True)
    out = []
    for k in keys[counts > 1].tolist():
        i, g = divmod(k, max(len(instance.group_names), 1))
        out.append(
            Violation(
                "competitor_group",
                f"creator {instance.creator_ids[i]} has several campaigns of "
                f"competitor group {instance.group_names[g]}",
            )
        )
    return out
