"""A Lagrangian bound tighter than the LP: prices on creators, an exact knapsack per campaign.

Dualise the creator rows (capacity and one-campaign-per-competitor-group) with prices
``mu >= 0``; what is left falls apart into one problem per campaign, solved exactly::

    KP_j(mu) = max  sum_p (v_p - pi_p) x_p   s.t.  sum_p rate_p x_p <= budget_j,
                                                   count in {0} ∪ [max(min_j, 1), slots_j]

with ``pi_p`` the prices of the rows pair ``p`` is in. For every ``mu >= 0``,
``L(mu) = b_creator · mu + sum_j KP_j(mu)`` is an upper bound on the optimum (weak duality of
the Lagrangian relaxation), and since each campaign's problem is solved as an integer
knapsack, not a fractional one, ``min_mu L(mu) <= `` the LP bound: budgets that buy only a
few creators leave a fractional creator in the LP that the knapsack does not get.

The knapsack is a dynamic programme over (creators taken, budget used). Budget is counted in
units of the greatest common divisor of the campaign's rates and budget when that gives at
most ``max_units`` units (exact); otherwise each rate is rounded *down* to ``budget /
max_units`` units — a relaxation, so the bound stays valid, only a little looser (and
coarser still for a campaign whose table would pass ``MAX_CELLS``). A knapsack answer in
rounded units may overspend the real budget: the callers that turn answers into solutions
check the real budget.
Prices start from the LP duals of the same rows and improve by projected subgradient steps
(Polyak's rule towards the best known solution value).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from matching.solver.heuristics import Assignment, construct
from matching.solver.instance import Instance
from matching.solver.model import LinearModel

MAX_UNITS = 1_000
# Above this many DP cells (items × counts × units) a campaign's units get coarser (rates
# rounded down further: still a relaxation), so one knapsack stays within ~20 MB and ~0.1 s.
MAX_CELLS = 20_000_000


@dataclass
class LagrangeBound:
    """The best bound found, the prices that gave it and the trace of the iterations."""

    bound: float
    prices: NDArray[np.float64]
    iterations: int
    seconds: float
    trace: list[float] = field(default_factory=list)
    exact_units: bool = True
    chosen: NDArray[np.int64] = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    state: Assignment | None = None  # the best repaired solution (with ``repair_order``)


@dataclass
class _Campaign:
    campaign: int
    pairs: NDArray[np.int64]
    weight: NDArray[np.int64]
    units: int
    lower: int
    slots: int
    all_items: bool  # a minimum above one: items of negative reduced value may be needed


class CampaignKnapsacks:
    """Each campaign's knapsack data, prepared once; :meth:`solve` for a vector of prices."""

    def __init__(self, inst: Instance, max_units: int = MAX_UNITS) -> None:
        self.inst = inst
        self.exact = True
        self._cache: dict[int, tuple[NDArray[np.float64], float, NDArray[np.int64] | None]] = {}
        order = np.argsort(inst.pair_campaign, kind="stable")
        starts = np.searchsorted(inst.pair_campaign[order], np.arange(inst.num_campaigns + 1))
        rate = inst.pair_rate
        self.campaigns: list[_Campaign] = []
        for j in range(inst.num_campaigns):
            pairs = order[starts[j] : starts[j + 1]]
            budget, slots = int(inst.budget[j]), int(inst.slots[j])
            pairs = pairs[rate[pairs] <= budget]
            if pairs.size == 0 or slots == 0 or inst.min_creators[j] > slots:
                continue
            r = rate[pairs]
            unit = math.gcd(budget, *[int(v) for v in np.unique(r).tolist()]) or 1
            if budget // unit <= max_units:
                units, weight = budget // unit, r // unit
            else:  # rates rounded down: a relaxation
                self.exact = False
                units = max_units
                weight = (r.astype(np.float64) * max_units / max(budget, 1)).astype(np.int64)
            lower = max(int(inst.min_creators[j]), 1)
            self.campaigns.append(
                _Campaign(j, pairs, weight.astype(np.int64), int(units), lower, slots, lower > 1)
            )

    def solve(
        self, reduced: NDArray[np.float64], want_solution: bool = True
    ) -> tuple[float, NDArray[np.int64]]:
        """``sum_j KP_j`` for per-pair reduced values, and the pairs chosen (if wanted)."""
        total = 0.0
        chosen: list[NDArray[np.int64]] = []
        for n, c in enumerate(self.campaigns):
            mine = reduced[c.pairs]
            cached = self._cache.get(n)
            if cached is not None and np.array_equal(cached[0], mine):
                value, picked = cached[1], cached[2]
            else:
                value, picked = _knapsack(c, mine, want_solution)
                if want_solution:
                    self._cache[n] = (mine, value, picked)
            total += value
            if picked is not None and picked.size:
                chosen.append(c.pairs[picked])
        pairs = np.concatenate(chosen) if chosen else np.zeros(0, dtype=np.int64)
        return total, pairs


def _knapsack(
    c: _Campaign, value: NDArray[np.float64], want_solution: bool
) -> tuple[float, NDArray[np.int64] | None]:
    """Best count-and-budget-feasible subset (count 0 or within [lower, slots])."""
    items = np.arange(value.size) if c.all_items else np.flatnonzero(value > 0)
    if items.size == 0 or (not c.all_items and value[items].sum() <= 0):
        return 0.0, None
    if not c.all_items:
        # Without a minimum the best few items by value decide when they all fit.
        top = items[np.argsort(-value[items], kind="stable")[: c.slots]]
        if c.weight[top].sum() <= c.units:
            return float(value[top].sum()), top
    items = _undominated(items, value, c.weight, c.slots)
    n_slots, units = min(c.slots, items.size), c.units
    weight = c.weight
    cells = items.size * (n_slots + 1)
    if cells * (units + 1) > MAX_CELLS:  # a huge campaign: coarser units (a relaxation)
        coarse = max(MAX_CELLS // cells - 1, 1)
        weight = (c.weight * coarse) // max(units, 1)
        units = coarse
    f = np.full((n_slots + 1, units + 1), -np.inf)
    f[0, :] = 0.0
    take = np.zeros((items.size, n_slots + 1, units + 1), dtype=bool) if want_solution else None
    for t, p in enumerate(items.tolist()):
        w, v = int(weight[p]), float(value[p])
        if w > units:
            continue
        cand = f[:-1, : units + 1 - w] + v  # a copy: the update below reads the old table
        target = f[1:, w:]
        if take is not None:
            np.greater(cand, target, out=take[t, 1:, w:])
        np.maximum(target, cand, out=target)
    counts = np.arange(n_slots + 1)
    ok = (counts == 0) | (counts >= c.lower)
    best_by_count = np.where(ok, f[:, units], -np.inf)
    count = int(np.argmax(best_by_count))
    best = float(best_by_count[count])
    if best <= 0 or count == 0:
        return max(best, 0.0), None
    if take is None:
        return best, None
    picked = []
    k, u = count, units
    for t in range(items.size - 1, -1, -1):
        if k == 0:
            break
        if take[t, k, u]:
            picked.append(int(items[t]))
            u -= int(weight[items[t]])
            k -= 1
    return best, np.array(picked, dtype=np.int64)


def best_responses(
    inst: Instance, state: Assignment, knapsacks: CampaignKnapsacks, deadline: float
) -> int:
    """Re-optimise each campaign exactly against the rest of ``state`` (in place).

    For one campaign at a time, the others fixed: its best subset of the creators that still
    have capacity and no other campaign of its competitor group, by the same knapsack as the
    bound (true values). Passes repeat while one improves; returns the campaigns improved.
    The rounded-down units of a large budget could overspend, so a knapsack answer that does
    not fit the real budget is skipped.
    """
    value = inst.pair_value
    rate = inst.pair_rate
    improved_total = 0
    for _ in range(5):
        improved = 0
        for c in knapsacks.campaigns:
            if time.perf_counter() >= deadline:
                return improved_total + improved
            mine = c.pairs
            current = mine[state.selected[mine]]
            for p in current.tolist():
                state.remove(p)
            free = np.fromiter((state.fits(p) for p in mine.tolist()), bool, mine.size)
            offered = np.where(free, value[mine], -np.inf)
            best, picked = _knapsack(c, offered, want_solution=True)
            before = float(value[current].sum())
            chosen = current
            if (
                picked is not None
                and best > before + 1e-9 * max(1.0, before)
                and rate[mine[picked]].sum() <= inst.budget[c.campaign]
            ):
                chosen = mine[picked]
                improved += 1
            for p in chosen.tolist():
                state.add(p)
        improved_total += improved
        if improved == 0:
            break
    return improved_total


def _undominated(
    items: NDArray[np.int64], value: NDArray[np.float64], weight: NDArray[np.int64], slots: int
) -> NDArray[np.int64]:
    """Drop items that ``slots`` others dominate (worth as much, cost no more): some optimum
    never needs them, since one of their dominators is always free to take their place."""
    if items.size <= slots:
        return items
    v, w = value[items], weight[items]
    idx = np.arange(items.size)
    # q dominates p: v_q >= v_p and w_q <= w_p, ties broken by index (q before p).
    better = (v[None, :] >= v[:, None]) & (w[None, :] <= w[:, None])
    tie = (v[None, :] == v[:, None]) & (w[None, :] == w[:, None])
    better &= ~tie | (idx[None, :] < idx[:, None])
    np.fill_diagonal(better, False)
    kept: NDArray[np.int64] = items[better.sum(axis=1) < slots]
    return kept


def creator_rows(model: LinearModel) -> slice:
    """The capacity and competitor-group rows (adjacent in :func:`linear_model`)."""
    cap, grp = model.families["capacity"], model.families["group"]
    return slice(cap.start, grp.stop)


def lagrange_bound(
    inst: Instance,
    model: LinearModel,
    lp_duals: NDArray[np.float64],
    target: float,
    deadline: float,
    max_iterations: int = 60,
    knapsacks: CampaignKnapsacks | None = None,
    repair_order: NDArray[np.int64] | None = None,
    stop_gap: float = 0.0,
) -> LagrangeBound:
    """Minimise ``L(mu)`` from the LP duals of the creator rows by subgradient steps.

    Returns the best bound, its prices and its campaigns' knapsack solutions (``chosen``:
    each campaign's best pairs at those prices, which may overbook creators).

    ``target``: a solution value (Polyak's step aims from the bound towards it); ``deadline``
    (perf_counter) stops the iterations; the first evaluation always runs. ``lp_duals``: a
    full row vector (the LP's, or the prices of an earlier run to continue from).
    ``repair_order`` (a pair order, e.g. the greedy's) turns each iterate into a solution:
    the campaigns' knapsack pairs by value first, then that order, minimums repaired
    (:func:`matching.solver.heuristics.construct`); the best is kept in ``state`` and Polyak's
    target rises to it; the iterations stop once it is within ``stop_gap`` of the bound.
    """
    start = time.perf_counter()
    rows = creator_rows(model)
    a = model.a[rows]
    b = model.b[rows]
    at = a.T.tocsr()
    kn = knapsacks or CampaignKnapsacks(inst)
    value = inst.pair_value
    mu = np.maximum(lp_duals[rows], 0.0).copy()
    best, best_mu, best_chosen = math.inf, mu.copy(), np.zeros(0, dtype=np.int64)
    theta, since = 1.0, 0
    trace: list[float] = []
    iterations = 0
    state: Assignment | None = None
    usable = np.ones(inst.num_pairs, dtype=bool)
    while iterations < max_iterations:
        reduced = value - at @ mu
        kp, chosen = kn.solve(reduced)
        bound = float(b @ mu) + kp
        iterations += 1
        trace.append(bound)
        if repair_order is not None:
            # Then the pairs still worth their prices, in the given order (the others rarely
            # fit where the knapsacks left room, and walking them all is the slow part).
            first = chosen[np.argsort(-value[chosen], kind="stable")]
            rest = repair_order[reduced[repair_order] > 0]
            repaired = construct(inst, np.concatenate([first, rest]), usable)
            if state is None or repaired.objective > state.objective:
                state = repaired
            target = max(target, state.objective)
        if bound < best:
            best, best_mu, best_chosen, since = bound, mu.copy(), chosen, 0
        else:
            since += 1
            if since >= 4:
                theta, since = theta / 2.0, 0
        if state is not None and best - state.objective <= stop_gap * abs(best):
            break
        now = time.perf_counter()
        if now + (now - start) / iterations >= deadline or theta < 1e-4:
            break  # another iteration (as long as the average one) would pass the deadline
        x = np.zeros(inst.num_pairs)
        x[chosen] = 1.0
        g = b - a @ x  # d L / d mu
        g = np.where((mu <= 0) & (g > 0), 0.0, g)  # projected: prices stay >= 0
        norm = float(g @ g)
        if norm <= 1e-18:
            break  # the relaxed solution is feasible for the dualised rows: L is exact here
        step = theta * max(bound - target, 1e-9 * max(1.0, bound)) / norm
        mu = np.maximum(mu - step * g, 0.0)
    full = np.zeros(model.b.shape[0])
    full[rows] = best_mu
    return LagrangeBound(
        bound=best,
        prices=full,
        iterations=iterations,
        seconds=time.perf_counter() - start,
        trace=trace,
        exact_units=kn.exact,
        chosen=best_chosen,
        state=state,
    )
