"""Integral solutions: an incremental assignment state, greedy construction and LP rounding.

The loops here walk pairs in a precomputed order and test feasibility in O(1) on plain Python
lists, which is much faster than numpy scalar access.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from numpy.typing import NDArray

from matching.solver.instance import Instance
from matching.solver.model import group_keys
from matching.solver.score import pruning_score


class Assignment:
    """A feasible-by-construction set of pairs with its running counts."""

    def __init__(self, inst: Instance) -> None:
        self.inst = inst
        keys = group_keys(inst)
        uniq, gk = np.unique(keys, return_inverse=True)
        has_none = uniq.size > 0 and uniq[0] == -1
        gk = gk - 1 if has_none else gk  # keys of -1 map to index -1
        self.p_camp: list[int] = inst.pair_campaign.tolist()
        self.p_creator: list[int] = inst.pair_creator.tolist()
        self.p_rate: list[int] = inst.pair_rate.tolist()
        self.p_value: list[float] = inst.pair_value.tolist()
        self.p_gk: list[int] = gk.tolist()
        self.budget: list[int] = inst.budget.tolist()
        self.slots: list[int] = inst.slots.tolist()
        self.capacity: list[int] = inst.capacity.tolist()
        self.selected = np.zeros(inst.num_pairs, dtype=bool)
        self.spend = [0] * inst.num_campaigns
        self.count = [0] * inst.num_campaigns
        self.load = [0] * inst.num_creators
        self.group_used = [0] * int(max(uniq.size - has_none, 0))
        self.num_group_keys = len(self.group_used)
        self.objective = 0.0

    def copy_from(self, pairs: Iterable[int]) -> Assignment:
        """Reset to exactly ``pairs`` (assumed feasible apart from minimums)."""
        self.selected[:] = False
        self.spend = [0] * len(self.spend)
        self.count = [0] * len(self.count)
        self.load = [0] * len(self.load)
        self.group_used = [0] * len(self.group_used)
        self.objective = 0.0
        for p in pairs:
            self.add(p)
        return self

    def fits(self, p: int) -> bool:
        """Whether adding pair ``p`` keeps budgets, slots, capacities and groups."""
        j = self.p_camp[p]
        i = self.p_creator[p]
        g = self.p_gk[p]
        return (
            not self.selected[p]
            and self.count[j] < self.slots[j]
            and self.spend[j] + self.p_rate[p] <= self.budget[j]
            and self.load[i] < self.capacity[i]
            and (g < 0 or not self.group_used[g])
        )

    def add(self, p: int) -> None:
        j, i, g = self.p_camp[p], self.p_creator[p], self.p_gk[p]
        self.selected[p] = True
        self.spend[j] += self.p_rate[p]
        self.count[j] += 1
        self.load[i] += 1
        if g >= 0:
            self.group_used[g] += 1
        self.objective += self.p_value[p]

    def remove(self, p: int) -> None:
        j, i, g = self.p_camp[p], self.p_creator[p], self.p_gk[p]
        self.selected[p] = False
        self.spend[j] -= self.p_rate[p]
        self.count[j] -= 1
        self.load[i] -= 1
        if g >= 0:
            self.group_used[g] -= 1
        self.objective -= self.p_value[p]

    def pairs(self) -> NDArray[np.int64]:
        return np.flatnonzero(self.selected)

    def exact_objective(self) -> float:
        """The objective summed afresh (no drift from incremental updates)."""
        return float(self.inst.pair_value[self.selected].sum())


def greedy_order(inst: Instance) -> NDArray[np.int64]:
    """Pairs by value per share of their campaign's budget and slots, best first."""
    score = pruning_score(
        inst.pair_value,
        inst.pair_rate.astype(np.float64),
        inst.budget[inst.pair_campaign].astype(np.float64),
        inst.slots[inst.pair_campaign].astype(np.float64),
    )
    return np.lexsort((np.arange(inst.num_pairs), -inst.pair_value, -score))


def fill(
    state: Assignment,
    order: NDArray[np.int64],
    usable: NDArray[np.bool_],
    banned: set[int] | None = None,
) -> None:
    """Add every pair of ``order`` that still fits, in that order."""
    p_camp = state.p_camp
    for p in order[usable[order]].tolist():
        if banned and p_camp[p] in banned:
            continue
        if state.fits(p):
            state.add(p)


def repair_minimums(
    state: Assignment, order: NDArray[np.int64], usable: NDArray[np.bool_], banned: set[int]
) -> bool:
    """Top up or empty every campaign below its minimum; True if anything was emptied."""
    inst = state.inst
    low = [j for j in range(inst.num_campaigns) if 0 < state.count[j] < inst.min_creators[j]]
    if not low:
        return False
    low_set = set(low)
    for p in order[usable[order]].tolist():  # top up with the best pairs that still fit
        j = state.p_camp[p]
        if j in low_set and state.count[j] < inst.min_creators[j] and state.fits(p):
            state.add(p)
    emptied = False
    for j in low:
        if state.count[j] < inst.min_creators[j]:
            for p in np.flatnonzero(state.selected & (inst.pair_campaign == j)).tolist():
                state.remove(p)
            banned.add(j)
            emptied = True
    return emptied


def construct(
    inst: Instance, order: NDArray[np.int64], usable: NDArray[np.bool_], start: Iterable[int] = ()
) -> Assignment:
    """Greedy in ``order`` from ``start``, then repair minimums; refill what repair frees."""
    state = Assignment(inst).copy_from(start)
    banned: set[int] = set()
    for _ in range(5):
        fill(state, order, usable, banned)
        if not repair_minimums(state, order, usable, banned):
            break
    return state


def greedy(inst: Instance, usable: NDArray[np.bool_]) -> Assignment:
    """The baseline greedy: best value per share of budget and slots first."""
    return construct(inst, greedy_order(inst), usable)


def lp_rounding(
    inst: Instance,
    x: NDArray[np.float64],
    reduced_cost: NDArray[np.float64],
    usable: NDArray[np.bool_],
) -> Assignment:
    """Take the LP's integral pairs, then its fractional ones by weight, then the greedy order."""
    score = pruning_score(
        inst.pair_value,
        inst.pair_rate.astype(np.float64),
        inst.budget[inst.pair_campaign].astype(np.float64),
        inst.slots[inst.pair_campaign].astype(np.float64),
    )
    level = np.round(x, 6)
    order = np.lexsort((np.arange(inst.num_pairs), -score, -reduced_cost, -level))
    return construct(inst, order, usable)
