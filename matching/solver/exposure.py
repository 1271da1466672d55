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
- *Spread* (``FairExposure.spread`` of the cap, first): widening alone raises the top-decile
  share of spend — each ten new, cheaper creators pull one more creator into the top tenth —
  so before it a second lazy greedy lowers that share (:meth:`_Widening.spread_best`), the
  widening then may give back at most ``KEEP_SHARE`` of the drop, and what value is left goes
  to the share again. The share never ends above the value phase's; nobody loses their only
  offer and small creators never lose offers in these moves.
- Small instances then go to HiGHS's MIP with the exposure objective and the value floor as a
  row (:func:`matching.solver.mip.solve_pairs_mip`), which proves the lexicographic optimum of
  exposure; its answer is taken only if it keeps the greedy's top-decile share.

By construction the cost ``1 - value / V*`` never exceeds ``max_cost``; the proven bound of
the run stays the value bound, so its gap honestly includes what fairness gave up.
"""

from __future__ import annotations

import heapq
import math
import time
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matching.solver.heuristics import Assignment
from matching.solver.instance import Instance
from matching.solver.mip import solve_pairs_mip

SMALL_CREATOR_WEIGHT = 2.0  # a small creator's first offer counts twice a big one's
SPREAD_SHARE = 0.5  # of the cap, spent first on lowering the top-decile share of spend
KEEP_SHARE = 0.5  # of that drop, which widening may not give back
_EPS = 1e-12


@dataclass(frozen=True)
class FairExposure:
    """Fair exposure for one solve.

    ``small`` flags the small creators (KOCs), one per instance creator (None: nobody is
    small, every creator weighs 1); ``max_cost`` (0-1) is the share of value it may give up;
    ``small_weight`` (≥ 1) what a small creator's first offer counts against a big one's;
    ``spread`` (0-1) the part of the cap first spent on moving spend out of the top decile
    (0: widening only, the top-decile share of spend is then free to rise).
    """

    small: NDArray[np.bool_] | None = None
    max_cost: float = 0.01
    small_weight: float = SMALL_CREATOR_WEIGHT
    spread: float = SPREAD_SHARE

    def __post_init__(self) -> None:
        if not 0.0 <= self.max_cost <= 1.0:
            raise ValueError("max_cost must be within [0, 1]")
        if not 0.0 <= self.spread <= 1.0:
            raise ValueError("spread must be within [0, 1]")
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


class _Spend:
    """Who is in the top decile of spend, kept current as offers move. The definition is the
    health figure's: the ``ceil(n / 10)`` of the ``n`` offered creators who get most."""

    def __init__(self, inst: Instance, load: NDArray[np.int64]) -> None:
        self.rate = inst.rate.astype(np.float64)
        self.load = load  # the caller's array: refresh() after every change
        self.refresh()

    def refresh(self) -> None:
        spend = self.load * self.rate
        n = int(np.count_nonzero(self.load))
        k = math.ceil(n / 10)
        self.spend, self.n, self.k = spend, n, k
        self.top = np.zeros(spend.size, dtype=bool)
        self.T = self.S = self.s_kth = self.s_next = 0.0
        if n == 0:
            return
        # The k largest and the next one, in O(n): ties at the edge do not change T.
        order = np.argpartition(-spend, min(k, spend.size - 1))
        self.top[order[:k]] = True
        self.T = float(spend[order[:k]].sum())
        self.S = float(spend.sum())
        self.s_kth = float(spend[order[:k]].min())
        self.s_next = float(spend[order[k]]) if k < n else 0.0

    @property
    def share(self) -> float:
        return self.T / self.S if self.S > 0 else 0.0

    def out_of_top(
        self, creators: NDArray[np.int64], rates: NDArray[np.float64]
    ) -> NDArray[np.float64]:
        """How much the top decile's spend falls when each creator loses one offer at ``rate``
        (the next creator in line takes their place if they drop out)."""
        fall = np.minimum(rates, self.spend[creators] - self.s_next)
        return np.where(self.top[creators], -fall, 0.0)


_Move = tuple[tuple[float, ...], tuple[int, ...], int]


class _Widening:
    """The lazy greedies' state: per campaign its pairs, per creator its load (numpy) and who
    is in the top decile of spend; the moves of both phases."""

    def __init__(
        self,
        state: Assignment,
        gains: NDArray[np.float64],
        small: NDArray[np.bool_] | None = None,
    ) -> None:
        inst = state.inst
        self.state = state
        self.inst = inst
        self.gains = gains
        order = np.argsort(inst.pair_campaign, kind="stable")
        starts = np.searchsorted(inst.pair_campaign[order], np.arange(inst.num_campaigns + 1))
        self.of_campaign = [order[starts[j] : starts[j + 1]] for j in range(inst.num_campaigns)]
        self.load = np.bincount(inst.pair_creator[state.selected], minlength=inst.num_creators)
        self.rate = inst.pair_rate.astype(np.float64)
        none = np.zeros(inst.num_creators, dtype=bool)
        self.small = none if small is None else np.asarray(small, dtype=bool)
        self.gk = np.asarray(state.p_gk, dtype=np.int64)
        self.group_busy = np.asarray(state.group_used, dtype=np.int64).copy()
        self.spend = _Spend(inst, self.load)
        self.cap: float | None = None  # widening keeps the top-decile share at or below it
        self.banned: dict[int, NDArray[np.int64]] = {}  # per campaign: entering pairs refused

    def _entering(
        self, j: int, pairs: NDArray[np.int64], ok: NDArray[np.bool_]
    ) -> NDArray[np.int64]:
        enter = pairs[ok]
        refused = self.banned.get(j)
        return enter if refused is None else enter[~np.isin(enter, refused)]

    def _under_cap(self, dn: Any, d_top: Any, d_total: Any, rate_in: Any) -> Any:
        """Roughly whether a widening move keeps the top-decile share under the cap (``dn``
        more creators offered, the top decile's spend ``d_top`` and the total ``d_total``
        changed, a new creator at ``rate_in``); the exact check follows the move."""
        if self.cap is None:
            return True
        sp = self.spend
        grows = np.ceil((sp.n + dn) / 10) > sp.k  # one more creator in the top decile
        top = sp.T + d_top + np.where(grows, sp.s_next, 0.0) + np.maximum(rate_in - sp.s_kth, 0)
        return top <= self.cap * (sp.S + d_total) + 1e-9 * sp.S

    def best(self, j: int, max_loss: float) -> _Move | None:
        """The best widening move in campaign ``j`` losing at most ``max_loss``: (key,
        entering pairs, leaving pair or -1 for an add). Smaller keys are better."""
        inst, state = self.inst, self.state
        pairs = self.of_campaign[j]
        if pairs.size == 0:
            return None
        chosen = state.selected[pairs]
        creators = inst.pair_creator[pairs]
        enter = self._entering(j, pairs, ~chosen & (self.load[creators] == 0))
        if enter.size == 0:
            return None
        leave = pairs[chosen]
        value = inst.pair_value
        w_in = self.gains[inst.pair_creator[enter], 0]
        room = inst.budget[j] - state.spend[j]
        best: _Move | None = None
        can_open = state.count[j] > 0 or inst.min_creators[j] <= 1
        if state.count[j] < inst.slots[j] and can_open:
            r_in = self.rate[enter]
            ok = (r_in <= room) & self._under_cap(1, 0.0, r_in, r_in)
            if ok.any():
                cand = np.flatnonzero(ok)
                k = cand[np.lexsort((-value[enter[cand]], -w_in[cand]))[0]]
                best = ((0.0, -float(w_in[k]), -float(value[enter[k]])), (int(enter[k]),), -1)
        if leave.size:
            leaving = inst.pair_creator[leave]
            w_out = self.gains[leaving, self.load[leaving] - 1]
            gain = w_in[:, None] - w_out[None, :]
            delta = value[enter][:, None] - value[leave][None, :]
            d_total = self.rate[enter][:, None] - self.rate[leave][None, :]
            fits = d_total <= room
            ok = fits & (gain > _EPS) & (delta >= -max_loss)
            if self.cap is not None and ok.any():
                dn = 1 - (self.load[leaving] == 1)[None, :]
                d_top = self.spend.out_of_top(leaving, self.rate[leave])[None, :]
                ok &= self._under_cap(dn, d_top, d_total, self.rate[enter][:, None])
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
        if self.cap is not None and ok.any():
            leaving = self.inst.pair_creator[leave]
            dn = k - (self.load[leaving] == 1)
            spent = np.concatenate([[0.0], cum_rate])[k] - self.rate[leave]
            d_top = self.spend.out_of_top(leaving, self.rate[leave])
            ok &= self._under_cap(dn, d_top, spent, float(self.rate[ein].max()))
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

    def spread_best(self, j: int, max_loss: float) -> _Move | None:
        """The best move in campaign ``j`` that lowers the top-decile share of spend, losing
        at most ``max_loss``: an offer (of a top-decile creator, or a cheaper one) handed to a
        creator outside the top decile who spends less than its least — the money moves down — or a
        top-decile creator's extra offer dropped. Never fewer creators offered, never fewer
        offers to small creators. Key: share gained per value lost, free moves first."""
        inst, state, sp = self.inst, self.state, self.spend
        pairs = self.of_campaign[j]
        if pairs.size == 0 or sp.S <= 0:
            return None
        chosen = state.selected[pairs]
        leave = pairs[chosen]
        if leave.size == 0:
            return None
        creators = inst.pair_creator[pairs]
        ok_in = ~chosen & ~sp.top[creators] & (self.load[creators] < inst.capacity[creators])
        ok_in &= sp.spend[creators] + self.rate[pairs] <= sp.s_kth  # checked exactly after
        g = self.gk[pairs]
        if self.group_busy.size:  # one campaign per competitor group and creator
            ok_in &= (g < 0) | (self.group_busy[np.maximum(g, 0)] == 0)
        enter = self._entering(j, pairs, ok_in)
        value = inst.pair_value
        leaving = inst.pair_creator[leave]
        d_top = sp.out_of_top(leaving, self.rate[leave])
        best: _Move | None = None
        if enter.size:
            entering = inst.pair_creator[enter]
            d_total = self.rate[enter][:, None] - self.rate[leave][None, :]
            gain = sp.share - (sp.T + d_top[None, :]) / (sp.S + d_total)
            delta = value[enter][:, None] - value[leave][None, :]
            keeps = (self.load[leaving] >= 2)[None, :] | (self.load[entering] == 0)[:, None]
            keeps &= self.small[entering][:, None] | ~self.small[leaving][None, :]
            room = inst.budget[j] - state.spend[j]
            ok = (d_total <= room) & keeps & (gain > _EPS) & (delta >= -max_loss)
            if ok.any():
                best = _pick(ok, gain, delta, enter, leave)
        if state.count[j] > max(int(inst.min_creators[j]), 1):
            gain = sp.share - (sp.T + d_top) / (sp.S - self.rate[leave])
            delta = -value[leave]
            ok = (self.load[leaving] >= 2) & ~self.small[leaving] & (gain > _EPS)
            ok &= delta >= -max_loss
            refused = self.banned.get(j)
            if refused is not None:  # drops taken back before
                ok &= ~np.isin(-2 - leave, refused)
            if ok.any():
                drop = _pick(ok[None, :], gain[None, :], delta[None, :], None, leave)
                if best is None or drop[0] < best[0]:
                    best = drop
        return best

    def apply(self, enter: tuple[int, ...], leave: int) -> float:
        """Make the move; returns the value it changed."""
        inst, state = self.inst, self.state
        delta = 0.0
        if leave >= 0:
            state.remove(leave)
            self._count(leave, -1)
            delta -= float(inst.pair_value[leave])
        for p in enter:
            state.add(p)
            self._count(p, 1)
            delta += float(inst.pair_value[p])
        self.spend.refresh()
        return delta

    def _count(self, p: int, step: int) -> None:
        self.load[self.inst.pair_creator[p]] += step
        if self.gk[p] >= 0:
            self.group_busy[self.gk[p]] += step

    def undo(self, enter: tuple[int, ...], leave: int) -> None:
        """Take back :meth:`apply`'s move; its entering pairs (a drop: its pair) are refused in
        that campaign from now on, so the same move is not tried again."""
        inst, state = self.inst, self.state
        for p in enter:
            state.remove(p)
            self._count(p, -1)
        if leave >= 0:
            state.add(leave)
            self._count(leave, 1)
        self.spend.refresh()
        j = int(inst.pair_campaign[leave if leave >= 0 else enter[0]])
        refused = enter if enter else (-2 - leave,)  # a drop: its pair, coded below -1
        self.banned[j] = np.union1d(self.banned.get(j, np.zeros(0, np.int64)), refused)


def _pick(
    ok: NDArray[np.bool_],
    gain: NDArray[np.float64],
    delta: NDArray[np.float64],
    enter: NDArray[np.int64] | None,
    leave: NDArray[np.int64],
) -> _Move:
    """The best (entering, leaving) cell of a move matrix: the largest gain among the free
    moves, else the largest gain per value lost."""
    free = ok & (delta >= 0)
    if free.any():
        score = np.where(free, gain + 1e-12 * delta, -np.inf)
        a, b = np.unravel_index(np.argmax(score), gain.shape)
        key = (0.0, -float(gain[a, b]), -float(delta[a, b]))
    else:
        ratio = np.where(ok, gain / np.maximum(-delta, _EPS), -np.inf)
        a, b = np.unravel_index(np.argmax(ratio), gain.shape)
        key = (1.0, -float(ratio[a, b]), 0.0)
    entering = () if enter is None else (int(enter[a]),)
    return key, entering, int(leave[b])


def _greedy(search: _Widening, spread: bool, floor: float, deadline: float) -> dict[str, int]:
    """One lazy greedy, in place, while the value stays at or above ``floor``: widening moves
    (under ``search.cap``), or with ``spread`` the moves that lower the top-decile share.
    A move whose exact effect breaks the rule is taken back and its entrants refused."""
    best = search.spread_best if spread else search.best
    state, sp = search.state, search.spend
    slack = state.exact_objective() - floor
    moves = {"adds": 0, "replacements": 0, "splits": 0, "spread_moves": 0}
    search.banned = {}
    heap: list[tuple[tuple[float, ...], int]] = []
    for j in range(search.inst.num_campaigns):
        move = best(j, slack)
        if move is not None:
            heap.append((move[0], j))
    heapq.heapify(heap)
    while heap and time.perf_counter() < deadline:
        key, j = heapq.heappop(heap)
        move = best(j, slack)  # moves elsewhere mostly make this one worse: re-check
        if move is None:
            continue
        if move[0] > key and heap and move[0] > heap[0][0]:
            heapq.heappush(heap, (move[0], j))
            continue
        _, enter, leave = move
        share = sp.share
        delta = search.apply(enter, leave)
        if spread:
            kept = sp.share < share - _EPS
        else:
            kept = search.cap is None or sp.share <= search.cap + _EPS
        if not kept:
            search.undo(enter, leave)
        elif spread:
            slack += delta
            moves["spread_moves"] += 1
        else:
            slack += delta
            moves["adds" if leave < 0 else "splits" if len(enter) > 1 else "replacements"] += 1
        again = best(j, slack)
        if again is not None:
            heapq.heappush(heap, (again[0], j))
    return moves


def widen(
    state: Assignment,
    gains: NDArray[np.float64],
    floor: float,
    deadline: float,
    small: NDArray[np.bool_] | None = None,
    spread_floor: float | None = None,
) -> dict[str, Any]:
    """Raise exposure in place while the value stays at or above ``floor``.

    With ``spread_floor`` (≥ ``floor``), three steps: move spend out of the top decile while
    the value stays at or above ``spread_floor``; widen with the rest, keeping the top-decile
    share at or below its old level minus ``KEEP_SHARE`` of the drop; then spend what the
    widening left on the top decile again. Without it, widening alone (the share may rise).
    """
    search = _Widening(state, gains, small)
    share0 = search.spend.share
    moves = {"adds": 0, "replacements": 0, "splits": 0, "spread_moves": 0}

    def run(spread: bool, at: float, time_share: float) -> None:
        """One greedy, with ``time_share`` of the time left (each step gets its turn)."""
        now = time.perf_counter()
        until = now + time_share * max(deadline - now, 0.0)
        for kind, n in _greedy(search, spread, at, until).items():
            moves[kind] += n

    info: dict[str, Any] = {"top_share_before": share0}
    if spread_floor is not None:
        run(True, max(spread_floor, floor), 0.4)
        share1 = search.spend.share
        search.cap = share0 - KEEP_SHARE * (share0 - share1)
        info["top_share_cap"] = search.cap
    run(False, floor, 0.75 if spread_floor is not None else 1.0)
    if spread_floor is not None:
        run(True, floor, 1.0)
    info["top_share_after"] = search.spend.share
    return {**moves, **info}


def top_share(inst: Instance, selected: NDArray[np.int64]) -> float:
    """The top-decile share of spend of ``selected`` (the health figure's definition)."""
    load = np.bincount(inst.pair_creator[selected], minlength=inst.num_creators)
    return _Spend(inst, load).share


def maximise_exposure(
    inst: Instance,
    state: Assignment,
    fair: FairExposure,
    deadline: float,
    exact_max_pairs: int,
) -> tuple[Assignment, dict[str, Any]]:
    """Phase two: the most exposure at value ≥ (1 - max_cost) × the state's value, with the
    top-decile share of spend lowered first (``fair.spread`` of the cap, see :func:`widen`).

    Returns the new state (``state`` itself is left as it was) and what it did."""
    start = time.perf_counter()
    gains = fair.gains(inst)
    best_value = state.exact_objective()
    floor = (1.0 - fair.max_cost) * best_value
    floor += 1e-9 * max(abs(floor), 1.0)  # rounding never takes the cost past the cap
    spread_floor = None
    if fair.spread > 0:
        spread_floor = max((1.0 - fair.spread * fair.max_cost) * best_value, floor)
    small = None if fair.small is None else np.asarray(fair.small, dtype=bool)
    widened = Assignment(inst).copy_from(state.pairs().tolist())
    moves = widen(widened, gains, floor, deadline, small, spread_floor)
    method = "greedy"
    cap = moves.get("top_share_cap")
    if inst.num_pairs <= exact_max_pairs and time.perf_counter() < deadline - 0.05:
        found, optimal, _ = solve_pairs_mip(
            inst,
            np.arange(inst.num_pairs),
            inst.capacity,
            deadline - time.perf_counter(),
            extra_row=(inst.pair_value, floor),
            exposure_gain=gains,
        )
        # The MIP knows nothing of the spend's concentration: its answer must also keep the
        # greedy's top-decile share, or it is not taken.
        if found is not None and float(inst.pair_value[found].sum()) >= floor:
            now = exposure(inst, widened.pairs(), gains)
            keeps = cap is None or top_share(inst, found) <= moves["top_share_after"] + _EPS
            if keeps and exposure(inst, found, gains) > now + _EPS:
                widened = Assignment(inst).copy_from(found.tolist())
                moves["top_share_after"] = top_share(inst, found)
                method = "exact" if optimal else "greedy + MIP"
            else:
                method = "greedy (MIP not better)"
    value = widened.exact_objective()
    info: dict[str, Any] = {
        "max_cost": fair.max_cost,
        "small_weight": fair.small_weight,
        "spread": fair.spread,
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
