"""Exact neighbourhood solves with HiGHS's MIP (through ``scipy.optimize.milp``).

On the small, knapsack-like sub-models of the neighbourhood search, HiGHS's LP-based
branch-and-cut closes far faster than a single CP-SAT worker (measured in BENCHMARKS.md).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import LinearConstraint, milp

from matching.solver.instance import Instance
from matching.solver.model import group_keys


def solve_pairs_mip(
    inst: Instance,
    pairs: NDArray[np.int64],
    residual_capacity: NDArray[np.int64],
    time_limit_s: float,
    extra_row: tuple[NDArray[np.float64], float] | None = None,
    rel_gap: float = 1e-7,
    exposure_gain: NDArray[np.float64] | None = None,
) -> tuple[NDArray[np.int64] | None, bool, float]:
    """Best subset of ``pairs`` under every constraint, the rest fixed outside.

    ``extra_row`` = (coefficient per instance pair, rhs) adds ``sum coef·x >= rhs`` (e.g. the
    value floor of fair exposure); ``rel_gap``: HiGHS's relative MIP gap.
    ``exposure_gain`` (``[creator, t-1]``: what creator's ``t``-th pair adds, decreasing in
    ``t``) switches the objective to exposure, the sum of the gains of the chosen pairs' ``t``
    (concave per creator), value only breaking ties.
    Returns (chosen pairs or None when no solution was found, proven optimal, HiGHS's dual
    bound on the sub-model's objective).
    """
    n = pairs.size
    if n == 0:
        return np.zeros(0, dtype=np.int64), True, 0.0
    camp = inst.pair_campaign[pairs]
    creator = inst.pair_creator[pairs]
    cols = np.arange(n)
    ucamp, cinv = np.unique(camp, return_inverse=True)
    m = ucamp.size
    minimum = inst.min_creators[ucamp]
    needs_open = np.flatnonzero(minimum > 1)
    n_open = needs_open.size
    ucre, kinv = np.unique(creator, return_inverse=True)
    # Exposure columns: one per (creator, t-th offer), t < the creator's pairs and capacity.
    steps = np.zeros(ucre.size, dtype=np.int64)
    if exposure_gain is not None:
        steps = np.minimum(np.bincount(kinv, minlength=ucre.size), residual_capacity[ucre])
        steps = np.clip(steps, 0, exposure_gain.shape[1])
    n_seen = int(steps.sum())
    step_creator = np.repeat(np.arange(ucre.size), steps)
    step_rank = np.arange(n_seen) - np.repeat(np.cumsum(steps) - steps, steps)
    rows: list[sp.csr_matrix] = []
    lower: list[NDArray[np.float64]] = []
    upper: list[NDArray[np.float64]] = []
    width = n + n_open + n_seen

    def add(a: sp.spmatrix, lo: NDArray[Any], hi: NDArray[Any]) -> None:
        rows.append(sp.csr_matrix(a, shape=(a.shape[0], width)))
        lower.append(np.asarray(lo, dtype=np.float64))
        upper.append(np.asarray(hi, dtype=np.float64))

    rate = inst.pair_rate[pairs].astype(np.float64)
    add(
        sp.coo_matrix((rate, (cinv, cols)), shape=(m, width)),
        np.full(m, -np.inf),
        inst.budget[ucamp],
    )
    count = sp.coo_matrix((np.ones(n), (cinv, cols)), shape=(m, width)).tocsr()
    slots = inst.slots[ucamp].astype(np.float64)
    plain = np.setdiff1d(np.arange(m), needs_open)
    add(count[plain], np.full(plain.size, -np.inf), slots[plain])
    if n_open:
        # count - slots*open <= 0 and count - min*open >= 0 (all or nothing).
        open_cols = n + np.arange(n_open)
        sub = count[needs_open].tolil()
        a_hi = sp.lil_matrix((n_open, width))
        a_hi[:, :] = sub
        a_hi[np.arange(n_open), open_cols] = -slots[needs_open]
        add(a_hi, np.full(n_open, -np.inf), np.zeros(n_open))
        a_lo = sp.lil_matrix((n_open, width))
        a_lo[:, :] = sub
        a_lo[np.arange(n_open), open_cols] = -minimum[needs_open]
        add(a_lo, np.zeros(n_open), np.full(n_open, np.inf))
    per_creator = sp.coo_matrix((np.ones(n), (kinv, cols)), shape=(ucre.size, width)).tocsr()
    add(per_creator, np.full(ucre.size, -np.inf), residual_capacity[ucre])
    if n_seen:
        # sum_t step_it <= creator i's pairs: the t-th step counts only with t offers.
        steps_of = sp.csr_matrix(
            (np.ones(n_seen), (step_creator, n + n_open + np.arange(n_seen))),
            shape=(ucre.size, width),
        )
        add(per_creator - steps_of, np.zeros(ucre.size), np.full(ucre.size, np.inf))
    keys = group_keys(inst)[pairs]
    grouped = np.flatnonzero(keys >= 0)
    if grouped.size:
        _, ginv = np.unique(keys[grouped], return_inverse=True)
        n_g = int(ginv.max()) + 1
        add(
            sp.coo_matrix((np.ones(grouped.size), (ginv, grouped)), shape=(n_g, width)),
            np.full(n_g, -np.inf),
            np.ones(n_g),
        )
    if extra_row is not None:
        coef, rhs = extra_row
        add(
            sp.csr_matrix((coef[pairs], (np.zeros(n, dtype=np.int64), cols)), shape=(1, width)),
            np.array([rhs]),
            np.array([np.inf]),
        )
    a = sp.vstack(rows, format="csr")
    if exposure_gain is None:
        c = np.concatenate([-inst.pair_value[pairs], np.zeros(n_open)])
    else:
        # Lexicographic: all of value together is worth less than the smallest weight.
        weight = np.asarray(exposure_gain, dtype=np.float64)[ucre[step_creator], step_rank]
        smallest = float(weight.min()) if n_seen else 1.0
        tie = 0.5 * smallest / max(float(inst.pair_value[pairs].sum()), 1e-12)
        c = np.concatenate([-tie * inst.pair_value[pairs], np.zeros(n_open), -weight])
    res = milp(
        c,
        integrality=np.concatenate([np.ones(n + n_open), np.zeros(n_seen)]),  # seen: 0-1 at optimum
        bounds=(0, 1),
        constraints=LinearConstraint(a, np.concatenate(lower), np.concatenate(upper)),
        options={"time_limit": max(time_limit_s, 0.01), "mip_rel_gap": rel_gap, "presolve": True},
    )
    dual_bound = -float(getattr(res, "mip_dual_bound", None) or -np.inf)
    if res.x is None:
        return None, False, dual_bound
    chosen = pairs[res.x[:n] > 0.5]
    return chosen, res.status == 0, dual_bound
