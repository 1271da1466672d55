"""The model, one constraint family a function, as sparse rows ``A x <= b`` over the pairs.

Every family returns ``(A, b)`` with ``A`` a CSR matrix (rows × pairs). The LP relaxation
stacks them; the CP-SAT models add the same rows. The all-or-nothing minimum is not a
``<=`` row: the LP relaxation drops it (a valid relaxation), the exact models add it with a
campaign indicator, and :func:`reachable_campaigns` removes campaigns that can never reach it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from matching.solver.instance import NO_GROUP, Instance


def budget_rows(inst: Instance) -> tuple[sp.csr_matrix, NDArray[np.float64]]:
    """Per campaign: the sum of assigned rates is at most the budget."""
    a = sp.csr_matrix(
        (inst.pair_rate.astype(np.float64), (inst.pair_campaign, np.arange(inst.num_pairs))),
        shape=(inst.num_campaigns, inst.num_pairs),
    )
    return a, inst.budget.astype(np.float64)


def slot_rows(inst: Instance) -> tuple[sp.csr_matrix, NDArray[np.float64]]:
    """Per campaign: at most ``slots`` creators."""
    a = sp.csr_matrix(
        (np.ones(inst.num_pairs), (inst.pair_campaign, np.arange(inst.num_pairs))),
        shape=(inst.num_campaigns, inst.num_pairs),
    )
    return a, inst.slots.astype(np.float64)


def capacity_row_creators(inst: Instance) -> NDArray[np.int64]:
    """The creators that get a capacity row (more pairs than capacity), in row order."""
    pairs_of = np.bincount(inst.pair_creator, minlength=inst.num_creators)
    return np.flatnonzero(pairs_of > inst.capacity)


def capacity_rows(inst: Instance) -> tuple[sp.csr_matrix, NDArray[np.float64]]:
    """Per creator with more pairs than capacity: at most ``capacity`` campaigns."""
    binding = capacity_row_creators(inst)
    row_of = np.full(inst.num_creators, -1)
    row_of[binding] = np.arange(binding.size)
    p = np.flatnonzero(row_of[inst.pair_creator] >= 0)
    a = sp.csr_matrix(
        (np.ones(p.size), (row_of[inst.pair_creator[p]], p)), shape=(binding.size, inst.num_pairs)
    )
    return a, inst.capacity[binding].astype(np.float64)


def group_keys(inst: Instance) -> NDArray[np.int64]:
    """A (creator, competitor group) key per pair, -1 for campaigns without a group."""
    g = inst.pair_group
    n_groups = max(len(inst.group_names), 1)
    return np.where(g == NO_GROUP, -1, inst.pair_creator * n_groups + g)


def group_row_keys(inst: Instance) -> NDArray[np.int64]:
    """The (creator, group) keys of :func:`group_keys` that get a row, in row order."""
    key = group_keys(inst)
    keys, counts = np.unique(key[key >= 0], return_counts=True)
    return keys[counts > 1]


def group_rows(inst: Instance) -> tuple[sp.csr_matrix, NDArray[np.float64]]:
    """Per creator and competitor group with two or more pairs: at most one of them."""
    key = group_keys(inst)
    p = np.flatnonzero(key >= 0)
    keys, inverse, counts = np.unique(key[p], return_inverse=True, return_counts=True)
    shared = counts[inverse] > 1
    p, inverse = p[shared], inverse[shared]
    _, row = np.unique(inverse, return_inverse=True)
    n_rows = int(row.max()) + 1 if row.size else 0
    a = sp.csr_matrix((np.ones(p.size), (row, p)), shape=(n_rows, inst.num_pairs))
    return a, np.ones(n_rows)


@dataclass(frozen=True)
class LinearModel:
    """The stacked ``A x <= b, 0 <= x <= 1`` relaxation; ``families`` name row ranges."""

    a: sp.csr_matrix
    b: NDArray[np.float64]
    families: dict[str, slice]


def linear_model(inst: Instance) -> LinearModel:
    """Stack every ``<=`` family (budgets, slots, capacities, competitor groups)."""
    parts = {
        "budget": budget_rows(inst),
        "slots": slot_rows(inst),
        "capacity": capacity_rows(inst),
        "group": group_rows(inst),
    }
    families, start = {}, 0
    for name, (a, _) in parts.items():
        families[name] = slice(start, start + a.shape[0])
        start += a.shape[0]
    a = sp.vstack([a for a, _ in parts.values()], format="csr")
    b = np.concatenate([b for _, b in parts.values()])
    return LinearModel(a=a, b=b, families=families)


def reachable_campaigns(inst: Instance) -> NDArray[np.bool_]:
    """Campaigns that could reach their minimum: enough slots, pairs and budget for the
    ``min_creators`` cheapest candidates. The others can only stay empty."""
    m = inst.min_creators
    ok = (m <= inst.slots) & (inst.slots > 0)
    pairs_of = np.bincount(inst.pair_campaign, minlength=inst.num_campaigns)
    ok &= pairs_of >= m
    need = np.flatnonzero(ok & (m > 1))
    if need.size:
        order = np.lexsort((inst.pair_rate, inst.pair_campaign))
        starts = np.searchsorted(inst.pair_campaign[order], need)
        rates = inst.pair_rate[order]
        for j, s in zip(need.tolist(), starts.tolist(), strict=True):
            if rates[s : s + m[j]].sum() > inst.budget[j]:
                ok[j] = False
    return ok


def usable_pairs(inst: Instance) -> NDArray[np.bool_]:
    """Pairs that some feasible solution might use: affordable, on a reachable campaign,
    with a creator of positive capacity."""
    return (
        (inst.pair_rate <= inst.budget[inst.pair_campaign])
        & reachable_campaigns(inst)[inst.pair_campaign]
        & (inst.capacity[inst.pair_creator] > 0)
    )
