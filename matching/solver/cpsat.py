"""CP-SAT models of the whole instance or of a neighbourhood (a subset of pairs with the rest
of the assignment fixed), built from arrays: one ``new_bool_var`` per pair, one row per
campaign, creator and (creator, competitor group) key."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from matching.solver.instance import Instance
from matching.solver.model import group_keys

VALUE_RESOLUTION = 1_000_000  # the largest pair value becomes this many integer units


def value_scale(inst: Instance) -> float:
    """Factor that turns values into CP-SAT's integer objective coefficients."""
    top = float(inst.pair_value.max()) if inst.num_pairs else 1.0
    return VALUE_RESOLUTION / max(top, 1e-12)


@dataclass
class PairModel:
    """A CP-SAT model over ``pairs`` (instance pair indices) and its decision variables."""

    model: cp_model.CpModel
    pairs: NDArray[np.int64]
    x: list[cp_model.IntVar]


def build_model(
    inst: Instance,
    pairs: NDArray[np.int64],
    residual_capacity: NDArray[np.int64],
    scale: float,
    hint: NDArray[np.bool_] | None = None,
) -> PairModel:
    """The exact model restricted to ``pairs``; everything else is fixed outside.

    ``residual_capacity[i]`` is what creator ``i`` has left after the fixed assignments; the
    caller drops pairs whose competitor group the creator already uses outside.
    """
    model = cp_model.CpModel()
    pairs = np.asarray(pairs, dtype=np.int64)
    x = [model.new_bool_var(f"x{p}") for p in pairs.tolist()]
    if pairs.size == 0:
        return PairModel(model, pairs, x)
    camp = inst.pair_campaign[pairs]
    rate = inst.pair_rate[pairs].tolist()
    order = np.argsort(camp, kind="stable")
    bounds = np.flatnonzero(np.diff(camp[order])) + 1
    for chunk in np.split(order, bounds):
        j = int(camp[chunk[0]])
        xs = [x[k] for k in chunk.tolist()]
        model.add(
            cp_model.LinearExpr.weighted_sum(xs, [rate[k] for k in chunk.tolist()])
            <= int(inst.budget[j])
        )
        count = cp_model.LinearExpr.sum(xs)
        slots, minimum = int(inst.slots[j]), int(inst.min_creators[j])
        if minimum > 1:
            used = model.new_bool_var(f"open{j}")
            model.add(count <= slots * used)
            model.add(count >= minimum * used)
        elif len(xs) > slots:
            model.add(count <= slots)
    creator = inst.pair_creator[pairs]
    order = np.argsort(creator, kind="stable")
    bounds = np.flatnonzero(np.diff(creator[order])) + 1
    for chunk in np.split(order, bounds):
        cap = int(residual_capacity[creator[chunk[0]]])
        if len(chunk) > cap:
            model.add(cp_model.LinearExpr.sum([x[k] for k in chunk.tolist()]) <= cap)
    keys = group_keys(inst)[pairs]
    grouped = np.flatnonzero(keys >= 0)
    order = grouped[np.argsort(keys[grouped], kind="stable")]
    bounds = np.flatnonzero(np.diff(keys[order])) + 1
    for chunk in np.split(order, bounds):
        if len(chunk) > 1:
            model.add_at_most_one([x[k] for k in chunk.tolist()])
    coef = np.rint(inst.pair_value[pairs] * scale).astype(np.int64).tolist()
    model.maximize(cp_model.LinearExpr.weighted_sum(x, coef))
    if hint is not None:
        for var, h in zip(x, hint[pairs].tolist(), strict=True):
            model.add_hint(var, h)
    return PairModel(model, pairs, x)


def solver_for(
    time_limit_s: float,
    seed: int,
    workers: int = 1,
    deterministic_limit: float | None = None,
    subsolvers: tuple[str, ...] = (),
) -> cp_model.CpSolver:
    """A CP-SAT solver with our limits; ``subsolvers`` names the portfolio explicitly."""
    solver = cp_model.CpSolver()
    params = solver.parameters
    params.max_time_in_seconds = max(time_limit_s, 0.01)
    params.random_seed = seed
    params.num_workers = max(1, workers)
    if deterministic_limit is not None:
        params.max_deterministic_time = deterministic_limit
    if subsolvers:
        params.subsolvers.extend(subsolvers)
    if workers > 1:
        params.interleave_search = True  # deterministic multi-worker search
    return solver


def selected_pairs(pm: PairModel, solver: cp_model.CpSolver) -> NDArray[np.int64]:
    """The pairs set to 1 in the solver's best solution."""
    values = np.array([solver.boolean_value(v) for v in pm.x], dtype=bool)
    chosen: NDArray[np.int64] = pm.pairs[values]
    return chosen
