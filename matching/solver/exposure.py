"""Fair exposure: spread offers over more creators at a value cost of at most ``max_cost``.

Lexicographic, in two phases. :func:`matching.solver.solve` first finds the best value ``V*``
it can (the usual pipeline); then this module maximises *exposure* subject to
``value >= (1 - max_cost) · V*`` and every usual constraint. Exposure is a concave utility per
creator ``i`` with ``n`` offers at rate ``r_i`` (:meth:`FairExposure.gains`)::

    u_i(n) = weight_i · ([n ≥ 1] + log(1 + n · r_i / r_ref))

``weight_i`` is ``small_weight`` for small creators, 1 for the others; ``r_ref`` the median
rate of the creators with candidate pairs. The first term counts distinct creators: any
creator's first offer (≥ 1) is worth more than anyone's second (< log 2). The second is
concave in the creator's spend: money moved from a creator who already has a lot to one who
has none raises it, and a first offer to a mid-priced creator beats one to a creator who
costs next to nothing — so exposure widens and the spend is less concentrated.

- :func:`widen`: a lazy greedy over two moves, on every instance: *add* a creator without an
  offer to a campaign with a slot and budget left (value rises), or *replace*, within one
  campaign, an assignment by a creator without an offer — the leaving creator keeps another
  offer, or is worth less exposure — spending the allowed loss where it buys most exposure
  per unit of value (free moves first).
- Small instances then go to HiGHS's MIP with the exposure objective and the value floor as a
  row (:func:`matching.solver.mip.solve_pairs_mip`), which proves the lexicographic optimum.

By construction the cost ``1 - value / V*`` never exceeds ``max_cost``; the proven bound of
the run stays the value bound, so its gap honestly includes what fairness gave up.
"""

from __future__ import annotations

import heapq
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matching.solver.heuristics import Assignment
from matching.solver.instance import Instance
from matching.solver.mip import solve_pairs_mip

SMALL_CREATOR_WEIGHT = 2.0  # a small creator's first offer counts twice a big one's
_EPS = 1e-12


@dataclass(frozen=True)
class FairExposure:
    """Fair exposure for one solve.

    ``small`` flags the small creators (KOCs), one per instance creator (None: nobody is
    small, every creator weighs 1); ``max_cost`` (0-1) is the share of value it may give up;
    ``small_weight`` (≥ 1) what a small creator's first offer counts against a big one's.
    """

    small: NDArray[np.bool_] | None = None
    max_cost: float = 0.01
    small_weight: float = SMALL_CREATOR_WEIGHT

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_cost <= 1.0:
            raise ValueError("max_cost must be within [0, 1]")
        if self.small_weight < 1.0:
            raise ValueError("small_weight must be at least 1")

    def weights(self, inst: Instance) -> NDArray[np.float64]:
        """Exposure weight per creator of ``inst``."""
        if self.small is None:
            return np.ones(inst.num_creators)
        small = np.asarray(self.small, dtype=bool)
        if small.shape != (inst.num_creators,):
            raise ValueError("small needs one flag per creator")
        return np.where(small, self.small_weight, 1.0)

    def gains(self, inst: Instance) -> NDArray[np.float64]:
        """``gains[i, t-1]``: what creator ``i``'s ``t``-th offer adds to exposure
        (decreasing in ``t``), for ``t`` up to the largest capacity."""
        weight = self.weights(inst)
        steps = max(int(inst.capacity.max()) if inst.num_creators else 1, 1)
        with_pairs = np.unique(inst.pair_creator)
        rates = inst.rate[with_pairs] if with_pairs.size else inst.rate
        r_ref = max(float(np.median(rates)) if rates.size else 1.0, 1.0)
        n = np.arange(steps + 1, dtype=np.float64)
        u = (n > 0) + np.log1p(n[None, :] * inst.rate[:, None] / r_ref)
        return weight[:, None] * np.diff(u, axis=1)


def exposure(inst: Instance, selected: NDArray[np.int64], gains: NDArray[np.float64]) -> float:
    """The utility of ``selected``: per creator, the gains of their offers summed."""
    load = np.bincount(inst.pair_creator[selected], minlength=inst.num_creators)
    total = np.concatenate([np.zeros((inst.num_creators, 1)), np.cumsum(gains, axis=1)], axis=1)
    return float(total[np.arange(inst.num_creators), np.minimum(load, gains.shape[1])].sum())


def figures(
    inst: Instance, selected: NDArray[np.int64], small: NDArray[np.bool_] | None
) -> dict[str, Any]:
    """Distinct creators offered, small creators' share of offers, the most offers to one."""
    creators = inst.pair_creator[selected]
    counts = np.bincount(creators, minlength=inst.num_creators)
    n = int(selected.size)
    koc = 0 if small is None else int(np.asarray(small, dtype=bool)[creators].sum())
    return {
        "offers": n,
        "offered_creators": int((counts > 0).sum()),
        "koc_offer_share": koc / n if n else 0.0,
        "max_offers_per_creator": int(counts.max()) if n else 0,
    }


_Move = tuple[tuple[float, ...], tuple[int, ...], int]


class _Widening:
    """The lazy greedy's state: per campaign its pairs, per creator its load (numpy)."""

    def __init__(self, state: Assignment, gains: NDArray[np.float64]) -> None:
        inst = state.inst
        self.state = state
        self.inst = inst
        self.gains = gains
        order = np.argsort(inst.pair_campaign, kind="stable")
        starts = np.searchsorted(inst.pair_campaign[order], np.arange(inst.num_campaigns + 1))
        self.of_campaign = [order[starts[j] : starts[j + 1]] for j in range(inst.num_campaigns)]
        self.load = np.bincount(inst.pair_creator[state.selected], minlength=inst.num_creators)
        self.rate = inst.pair_rate.astype(np.float64)

    def best(self, j: int, max_loss: float) -> _Move | None:
        """The best move in campaign ``j`` losing at most ``max_loss``: (key, entering pairs,
        leaving pair or -1 for an add). Smaller keys are better."""
        inst, state = self.inst, self.state
        pairs = self.of_campaign[j]
        if pairs.size == 0:
            return None
        chosen = state.selected[pairs]
        creators = inst.pair_creator[pairs]
        enter = pairs[~chosen & (self.load[creators] == 0)]
        if enter.size == 0:
            return None
        leave = pairs[chosen]
        value = inst.pair_value
        w_in = self.gains[inst.pair_creator[enter], 0]
        room = inst.budget[j] - state.spend[j]
        best: _Move | None = None
        can_open = state.count[j] > 0 or inst.min_creators[j] <= 1
        if state.count[j] < inst.slots[j] and can_open:
            ok = self.rate[enter] <= room
            if ok.any():
                cand = np.flatnonzero(ok)
                k = cand[np.lexsort((-value[enter[cand]], -w_in[cand]))[0]]
                best = ((0.0, -float(w_in[k]), -float(value[enter[k]])), (int(enter[k]),), -1)
        if leave.size:
            leaving = inst.pair_creator[leave]
            w_out = self.gains[leaving, self.load[leaving] - 1]
            gain = w_in[:, None] - w_out[None, :]
            delta = value[enter][:, None] - value[leave][None, :]
            fits = self.rate[enter][:, None] - self.rate[leave][None, :] <= room
            ok = fits & (gain > _EPS) & (delta >= -max_loss)
            if ok.any():
                free = ok & (delta >= 0)
                if free.any():
                    a, b = np.unravel_index(
                        np.argmax(np.where(free, gain + 1e-9 * delta, -np.inf)), gain.shape
                    )
                    key = (0.0, -float(gain[a, b]), -float(delta[a, b]))
                else:
                    ratio = np.where(ok, gain / np.maximum(-delta, _EPS), -np.inf)
                    a, b = np.unravel_index(np.argmax(ratio), gain.shape)
                    key = (1.0, -float(ratio[a, b]), 0.0)
                if best is None or key < best[0]:
                    best = (key, (int(enter[a]),), int(leave[b]))
            free_slots = int(inst.slots[j] - state.count[j])
            if free_slots > 0 and enter.size > 1:
                split = self._split(enter, w_in, leave, w_out, room, free_slots, max_loss)
                if split is not None and (best is None or split[0] < best[0]):
                    best = split
        return best

    def _split(
        self,
        enter: NDArray[np.int64],
        w_in: NDArray[np.float64],
        leave: NDArray[np.int64],
        w_out: NDArray[np.float64],
        room: float,
        free_slots: int,
        max_loss: float,
    ) -> _Move | None:
        """One assignment out, two or more creators without an offer in (the money and slot
        it frees, plus what is left, buy several smaller creators): best by the same key."""
        value = self.inst.pair_value
        order = np.argsort(-value[enter], kind="stable")[: free_slots + 1]
        ein, gin = enter[order], w_in[order]
        cum_rate = np.cumsum(self.rate[ein])
        cum_value = np.concatenate([[0.0], np.cumsum(value[ein])])
        cum_gain = np.concatenate([[0.0], np.cumsum(gin)])
        # Per leaving pair: how long a prefix of the entering list fits the freed budget.
        k = np.searchsorted(cum_rate, room + self.rate[leave], side="right")
        k = np.minimum(k, free_slots + 1)
        delta = cum_value[k] - value[leave]
        gain = cum_gain[k] - w_out
        ok = (k >= 2) & (gain > _EPS) & (delta >= -max_loss)
        if not ok.any():
            return None
        if (ok & (delta >= 0)).any():
            b = int(np.argmax(np.where(ok & (delta >= 0), gain + 1e-9 * delta, -np.inf)))
            key = (0.0, -float(gain[b]), -float(delta[b]))
        else:
            ratio = np.where(ok, gain / np.maximum(-delta, _EPS), -np.inf)
            b = int(np.argmax(ratio))
            key = (1.0, -float(ratio[b]), 0.0)
        return key, tuple(int(p) for p in ein[: k[b]]), int(leave[b])

    def apply(self, enter: tuple[int, ...], leave: int) -> float:
        """Make the move; returns the value it changed."""
        inst, state = self.inst, self.state
        delta = 0.0
        if leave >= 0:
            state.remove(leave)
            self.load[inst.pair_creator[leave]] -= 1
            delta -= float(inst.pair_value[leave])
        for p in enter:
            state.add(p)
            self.load[inst.pair_creator[p]] += 1
            delta += float(inst.pair_value[p])
        return delta


def widen(
    state: Assignment, gains: NDArray[np.float64], floor: float, deadline: float
) -> dict[str, int]:
    """Raise exposure in place while the value stays at or above ``floor`` (lazy greedy)."""
    search = _Widening(state, gains)
    slack = state.exact_objective() - floor
    moves = {"adds": 0, "replacements": 0, "splits": 0}
    heap: list[tuple[tuple[float, ...], int]] = []
    for j in range(search.inst.num_campaigns):
        move = search.best(j, slack)
        if move is not None:
            heap.append((move[0], j))
    heapq.heapify(heap)
    while heap and time.perf_counter() < deadline:
        key, j = heapq.heappop(heap)
        move = search.best(j, slack)  # moves elsewhere only make this one worse: re-check
        if move is None:
            continue
        if move[0] > key and heap and move[0] > heap[0][0]:
            heapq.heappush(heap, (move[0], j))
            continue
        _, enter, leave = move
        slack += search.apply(enter, leave)
        moves["adds" if leave < 0 else "splits" if len(enter) > 1 else "replacements"] += 1
        again = search.best(j, slack)
        if again is not None:
            heapq.heappush(heap, (again[0], j))
    return moves


def maximise_exposure(
    inst: Instance,
    state: Assignment,
    fair: FairExposure,
    deadline: float,
    exact_max_pairs: int,
) -> tuple[Assignment, dict[str, Any]]:
    """Phase two: the most exposure at value ≥ (1 - max_cost) × the state's value.

    Returns the new state (``state`` itself is left as it was) and what it did."""
    start = time.perf_counter()
    gains = fair.gains(inst)
    best_value = state.exact_objective()
    floor = (1.0 - fair.max_cost) * best_value
    floor += 1e-9 * max(abs(floor), 1.0)  # rounding never takes the cost past the cap
    widened = Assignment(inst).copy_from(state.pairs().tolist())
    moves = widen(widened, gains, floor, deadline)
    method = "greedy"
    if inst.num_pairs <= exact_max_pairs and time.perf_counter() < deadline - 0.05:
        found, optimal, _ = solve_pairs_mip(
            inst,
            np.arange(inst.num_pairs),
            inst.capacity,
            deadline - time.perf_counter(),
            extra_row=(inst.pair_value, floor),
            exposure_gain=gains,
        )
        if found is not None and float(inst.pair_value[found].sum()) >= floor:
            now = exposure(inst, widened.pairs(), gains)
            if exposure(inst, found, gains) > now + _EPS:
                widened = Assignment(inst).copy_from(found.tolist())
        method = "exact" if optimal else "greedy + MIP"
    value = widened.exact_objective()
    info: dict[str, Any] = {
        "max_cost": fair.max_cost,
        "small_weight": fair.small_weight,
        "objective_without": best_value,
        "exposure_without": exposure(inst, state.pairs(), gains),
        "exposure": exposure(inst, widened.pairs(), gains),
        "method": method,
        **moves,
        "seconds": round(time.perf_counter() - start, 3),
    }
    if value < floor - 1e-6 * max(abs(floor), 1.0):  # never: the search keeps the floor
        widened, value = state, best_value
        info["fell_back"] = True
    info["cost"] = relative_cost(value, best_value)
    return widened, info


def relative_cost(value: float, best_value: float) -> float:
    """``1 - value / best_value``, 0 when there is no value to lose."""
    if best_value <= _EPS:
        return 0.0
    return max(0.0, 1.0 - value / best_value)
