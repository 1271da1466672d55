"""``solve()``: bound first, then a good integral solution, then improvement until the deadline.

1. Reduce: drop pairs no feasible solution can use (unaffordable, campaigns that cannot reach
   their minimum, creators without capacity).
2. Bound: the LP relaxation (HiGHS dual simplex up to 150k pairs, PDLP above), certified by
   weak duality from its duals (:mod:`matching.solver.lp`).
3. Start: the best of two greedies (by value; by value per share of budget and slots) and
   LP rounding.
4. Small instances (``exact_max_pairs``): the whole model by HiGHS's MIP, which proves
   optimality and gives its own bound.
5. Lagrangian phase (:mod:`matching.solver.lagrange`): creator prices from the LP duals, an
   exact knapsack per campaign; a bound at most the LP's and a repaired solution per
   iterate, in ``LAGRANGE_START_SHARE`` of the remaining time; then each campaign is
   re-optimised exactly against the others (best responses, until none improves).
   Then large neighbourhood search (:mod:`matching.solver.lns`) until its deadline, the round
   limit, a stall, or the gap tolerance; the Lagrangian iterations continue in the time kept
   after it (``LAGRANGE_END_SHARE``), aimed at the search's solution.
6. Fair exposure (optional, :mod:`matching.solver.exposure`): with the best value ``V*``
   found, maximise exposure subject to ``value >= (1 - max_cost) · V*``; the value phases then
   get ``1 - FAIR_TIME_SHARE`` of the time limit.
7. Check: the solver-agnostic validator runs on the result; a violation raises.

Determinism: every step is deterministic for a given ``seed``: HiGHS runs single-threaded,
the neighbourhood choice uses a seeded generator, and PDLP's sharded arithmetic does not
depend on timing. Two wall-clock limits can still make runs differ: the overall deadline, and
the 2 s safety limit of each neighbourhood's MIP (rarely reached at the default neighbourhood
size). For runs that must repeat exactly on any machine under any load (tests), pass
``time_limit_s=None``: no wall clock at all, every LP and MIP runs to its end and the search
stops only at ``max_rounds``, a stall or the gap tolerance.
"""

from __future__ import annotations

import math
import time
from dataclasses import replace
from typing import Any

import numpy as np

from matching.solver import exposure as fair
from matching.solver.heuristics import Assignment, construct, greedy, greedy_order, lp_rounding
from matching.solver.instance import Instance
from matching.solver.lagrange import (
    CampaignKnapsacks,
    LagrangeBound,
    best_responses,
    lagrange_bound,
)
from matching.solver.lns import LNSConfig, improve
from matching.solver.lp import LPSolution, certified_bound, solve_lp
from matching.solver.mip import solve_pairs_mip
from matching.solver.model import linear_model, usable_pairs
from matching.solver.result import SolveResult, Status, relative_gap
from matching.solver.validate import validate

OPTIMALITY_TOLERANCE = 1e-9
FAIR_TIME_SHARE = 0.15  # of the time limit, kept for the fair-exposure phase
# Shares of the value phases' time left after the LP: the Lagrangian heuristic before the
# search (a start and a bound), and its continuation after it (the bound, aimed at the best).
LAGRANGE_START_SHARE = 0.4
LAGRANGE_END_SHARE = 0.08
LAGRANGE_MAX_ITERATIONS = 40


class SolutionInvalid(RuntimeError):
    """The validator rejected a solver result (a bug: never returned silently)."""


def solve(
    instance: Instance,
    time_limit_s: float | None = 30.0,
    workers: int = 2,
    seed: int = 0,
    *,
    gap_tolerance: float = 1e-5,
    max_rounds: int | None = None,
    fair_exposure: fair.FairExposure | None = None,
    exact_max_pairs: int = 2_500,
    lns: LNSConfig | None = None,
    lp: LPSolution | None = None,
    use_lagrange: bool = True,
) -> SolveResult:
    """Find a feasible assignment, a proven upper bound and the gap within ``time_limit_s``.

    Parameters: ``time_limit_s`` None: no wall-clock limit anywhere, the work is bounded by
    ``max_rounds`` (and the stall limit) instead, so the result does not depend on the
    machine's speed or load; ``workers`` threads for the LP (PDLP) and exact solves; ``seed``
    fixes every random choice; ``gap_tolerance`` stops the search early; ``max_rounds``
    bounds the neighbourhood search (reproducible work); ``fair_exposure`` widens exposure at
    a bounded value cost (reported in ``stats["fair_exposure"]``: ``cost`` = 1 - value / best
    value); ``lp``: this instance's LP relaxation over its usable pairs, already solved (e.g.
    ``details.pricing.lp`` from :func:`matching.market.build_instance_priced`); it is used only
    if its shape matches, and its bound is re-certified here; ``use_lagrange`` False skips
    the Lagrangian phases (:mod:`matching.solver.lagrange`), for comparisons.
    Returns a validated :class:`SolveResult`; status is ``optimal`` (proven), ``timeout`` (the
    time limit cut the search) or ``feasible``. ``infeasible`` cannot occur: the empty
    assignment meets every constraint.
    """
    start = time.perf_counter()
    deadline = math.inf if time_limit_s is None else start + max(time_limit_s, 0.0)
    stats: dict[str, Any] = {"pairs": instance.num_pairs}

    usable_mask = usable_pairs(instance)
    usable_index = np.flatnonzero(usable_mask)
    work = instance.restrict_pairs(usable_mask)
    stats["usable_pairs"] = work.num_pairs
    if fair_exposure is not None:
        fair_exposure.weights(instance)  # shape check
    # The value phases stop here; the rest of the time is the fair-exposure phase's.
    value_deadline = deadline
    if fair_exposure is not None:
        value_deadline = start + (1.0 - FAIR_TIME_SHARE) * (deadline - start)

    def finish(state: Assignment | None, status: Status, bound: float) -> SolveResult:
        chosen = usable_index[state.pairs()] if state is not None else np.zeros(0, np.int64)
        objective = float(instance.pair_value[chosen].sum())
        bound = max(bound, objective)
        if status != "optimal" and relative_gap(objective, bound) <= OPTIMALITY_TOLERANCE:
            status = "optimal"
        result = SolveResult(
            instance=instance,
            status=status,
            objective=objective,
            bound=bound,
            seconds=time.perf_counter() - start,
            selected=np.sort(chosen),
            stats=stats,
        )
        problems = validate(instance, result)
        if problems:
            raise SolutionInvalid("; ".join(str(p) for p in problems))
        return result

    if work.num_pairs == 0:
        if fair_exposure is not None:
            stats["fair_exposure"] = {"max_cost": fair_exposure.max_cost, "cost": 0.0}
        return finish(None, "optimal", 0.0)

    def fairer(state: Assignment, status: Status) -> tuple[Assignment, Status]:
        """Phase two (fair exposure) on the value phases' best state."""
        if fair_exposure is None:
            return state, status
        small = None
        if fair_exposure.small is not None:
            small = np.asarray(fair_exposure.small, dtype=bool)
        work_fair = fair.FairExposure(
            small, fair_exposure.max_cost, fair_exposure.small_weight, fair_exposure.spread
        )
        widened, info = fair.maximise_exposure(work, state, work_fair, deadline, exact_max_pairs)
        info["before"] = fair.figures(work, state.pairs(), small)
        info["after"] = fair.figures(work, widened.pairs(), small)
        info["value_status"] = status
        stats["fair_exposure"] = info
        if widened.exact_objective() < state.exact_objective() - 1e-12 and status == "optimal":
            status = "feasible"  # the value optimum was proven; the fair solution is below it
        return widened, status

    lp_start = time.perf_counter()
    model = linear_model(work)
    if lp is not None and lp.x.shape[0] == work.num_pairs and lp.y.shape[0] == model.b.shape[0]:
        bound, reduced = certified_bound(model, work.pair_value, lp.y)
        lp = LPSolution(
            x=lp.x,
            y=lp.y,
            bound=bound,
            reduced_cost=reduced,
            method=f"{lp.method} (given)",
            seconds=time.perf_counter() - lp_start,
        )
    else:
        lp = solve_lp(
            model, work.pair_value, max(0.5 * (value_deadline - lp_start), 0.1), threads=workers
        )
    bound = lp.bound
    stats.update(lp_bound=lp.bound, lp_method=lp.method, lp_seconds=round(lp.seconds, 3))
    stats["bound_source"] = "lp"

    all_usable = np.ones(work.num_pairs, dtype=bool)
    by_value = np.lexsort((np.arange(work.num_pairs), -work.pair_value))
    candidates = [
        greedy(work, all_usable),
        lp_rounding(work, lp.x, lp.reduced_cost, all_usable),
        construct(work, by_value, all_usable),
    ]
    stats["greedy_objective"] = max(candidates[0].objective, candidates[2].objective)
    stats["rounding_objective"] = candidates[1].objective
    state = max(candidates, key=lambda s: s.objective)
    status: Status = "feasible"
    proven = False

    if work.num_pairs <= exact_max_pairs:
        remaining = value_deadline - time.perf_counter()
        found, optimal, dual = solve_pairs_mip(
            work, np.arange(work.num_pairs), work.capacity, remaining
        )
        if found is not None and float(work.pair_value[found].sum()) > state.objective:
            state = Assignment(work).copy_from(found.tolist())
        if optimal and found is not None:
            proven = True
            bound = min(bound, max(dual, state.objective))
        stats["exact"] = {"optimal": optimal, "dual_bound": dual}
    if proven:
        stats["bound_source"] = "exact"
        return finish(*fairer(state, "optimal"), bound)

    knapsacks = CampaignKnapsacks(work) if use_lagrange else None
    prices = lp.y
    if use_lagrange:
        now = time.perf_counter()
        share = LAGRANGE_START_SHARE * max(value_deadline - now, 0.0)
        relaxed = lagrange_bound(
            work,
            model,
            prices,
            state.objective,
            now + share if math.isfinite(value_deadline) else math.inf,
            LAGRANGE_MAX_ITERATIONS,
            knapsacks,
            repair_order=greedy_order(work),
            stop_gap=gap_tolerance,
        )
        prices = relaxed.prices
        stats["lagrange_start"] = _lagrange_stats(relaxed)
        if relaxed.state is not None and relaxed.state.objective > state.objective:
            state = relaxed.state
        if relaxed.bound < bound:
            bound, stats["bound_source"] = relaxed.bound, "lagrangian"
        # Each campaign re-optimised exactly against the others (all its candidates).
        assert knapsacks is not None
        responses_start = time.perf_counter()
        before = state.objective
        improved = best_responses(work, state, knapsacks, value_deadline)
        stats["best_responses"] = {
            "improved": improved,
            "gain": state.objective - before,
            "seconds": round(time.perf_counter() - responses_start, 3),
        }

    config = replace(lns or LNSConfig(), seed=seed)
    if max_rounds is not None:
        config.max_rounds = max_rounds
    if time_limit_s is None:  # each neighbourhood's MIP runs to its end, too
        config.sub_time_s = math.inf
    target = bound * (1.0 - gap_tolerance)
    per_iteration = math.inf
    if "lagrange_start" in stats:
        start_phase = stats["lagrange_start"]
        per_iteration = start_phase["seconds"] / max(start_phase["iterations"], 1)
    search_deadline = value_deadline
    if use_lagrange and math.isfinite(value_deadline):
        kept = LAGRANGE_END_SHARE * max(value_deadline - time.perf_counter(), 0.0)
        if kept > per_iteration:  # keep no time the bound could not use
            search_deadline -= kept
    search = improve(
        work, state, all_usable, lp.x, lp.reduced_cost, search_deadline, config, target=target
    )
    searched_until = time.perf_counter()  # the search's own deadline is before the bound's
    stats["lns"] = {
        "rounds": search.rounds,
        "improved": search.improved,
        "seconds": round(search.seconds, 3),
    }
    if (
        use_lagrange
        and relative_gap(state.objective, bound) > gap_tolerance
        and value_deadline - time.perf_counter() > per_iteration
    ):
        relaxed = lagrange_bound(
            work,
            model,
            prices,
            state.objective,
            value_deadline,
            LAGRANGE_MAX_ITERATIONS,
            knapsacks,
        )
        stats["lagrange_end"] = _lagrange_stats(relaxed)
        if relaxed.bound < bound:
            bound, stats["bound_source"] = relaxed.bound, "lagrangian"
    cut_short = searched_until >= search_deadline - 0.06
    if cut_short and relative_gap(state.objective, bound) > gap_tolerance:
        status = "timeout"
    return finish(*fairer(state, status), bound)


def _lagrange_stats(found: LagrangeBound) -> dict[str, Any]:
    return {
        "bound": found.bound,
        "iterations": found.iterations,
        "seconds": round(found.seconds, 3),
        "exact_units": found.exact_units,
        "solution": None if found.state is None else found.state.objective,
    }
