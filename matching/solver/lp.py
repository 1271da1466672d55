"""The LP relaxation, its duals, and a bound certified by weak duality.

For ``max v·x  s.t.  A x <= b, 0 <= x <= 1`` every ``y >= 0`` gives the upper bound
``b·y + sum_p max(0, v_p - (A^T y)_p)``. We certify whatever duals a solver returns (HiGHS
simplex, or PDLP solved only approximately) this way, so the bound holds even when the LP
solve was inexact or ran out of time.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray
from scipy.optimize import linprog

from matching.solver.model import LinearModel

SIMPLEX_MAX_PAIRS = 150_000


@dataclass(frozen=True)
class LPSolution:
    """Primal ``x`` (may be approximate), row duals ``y >= 0`` and the certified bound."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    bound: float
    reduced_cost: NDArray[np.float64]
    method: str
    seconds: float


def certified_bound(
    model: LinearModel, value: NDArray[np.float64], y: NDArray[np.float64]
) -> tuple[float, NDArray[np.float64]]:
    """Weak-duality bound for duals ``y`` (clipped to >= 0) and the reduced costs."""
    y = np.maximum(y, 0.0)
    reduced = value - model.a.T @ y
    return float(model.b @ y + np.maximum(reduced, 0.0).sum()), reduced


def _scaled(
    model: LinearModel,
) -> tuple[sp.csr_matrix, NDArray[np.float64], NDArray[np.float64]]:
    """Rows scaled to a right-hand side of 1 (budgets in money would dominate otherwise)."""
    scale = 1.0 / np.maximum(model.b, 1.0)
    return sp.diags(scale) @ model.a, model.b * scale, scale


def solve_lp(
    model: LinearModel,
    value: NDArray[np.float64],
    time_limit_s: float,
    threads: int = 1,
    method: str = "auto",
    initial: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> LPSolution:
    """Solve the relaxation with HiGHS dual simplex (a vertex) or PDLP (large models).

    ``initial`` = (x, y), a primal and row duals in this model's units (as in
    :class:`LPSolution`), warm-starts PDLP; the simplex ignores it.
    """
    start = time.perf_counter()
    n = value.shape[0]
    if n == 0 or model.a.shape[0] == 0:
        x = (value > 0).astype(np.float64)
        y = np.zeros(model.a.shape[0])
        bound, reduced = certified_bound(model, value, y)
        return LPSolution(x, y, bound, reduced, "trivial", time.perf_counter() - start)
    if method == "auto":
        method = "simplex" if n <= SIMPLEX_MAX_PAIRS else "pdlp"
    a, b, scale = _scaled(model)
    if method == "simplex":
        res = linprog(
            -value,
            A_ub=a,
            b_ub=b,
            bounds=(0, 1),
            method="highs-ds",
            options={"time_limit": max(time_limit_s, 0.1), "presolve": True},
        )
        if res.x is None:  # time limit before a solution: fall back to PDLP
            return solve_lp(model, value, time_limit_s, threads, "pdlp", initial)
        x = np.clip(res.x, 0.0, 1.0)
        y_scaled = -res.ineqlin.marginals
    else:
        start_point = None
        if initial is not None:
            x0, y0 = initial
            start_point = (np.asarray(x0, np.float64), np.asarray(y0, np.float64) / scale)
        x, y_scaled = _pdlp(a, b, value, time_limit_s, threads, initial=start_point)
    y = np.maximum(y_scaled, 0.0) * scale
    bound, reduced = certified_bound(model, value, y)
    return LPSolution(x, y, bound, reduced, method, time.perf_counter() - start)


def _pdlp(
    a: sp.csr_matrix,
    b: NDArray[np.float64],
    value: NDArray[np.float64],
    time_limit_s: float,
    threads: int,
    eps: float = 1e-4,
    initial: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None,
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    from ortools.pdlp import solvers_pb2
    from ortools.pdlp.python import pdlp

    qp = pdlp.QuadraticProgram()
    qp.objective_vector = -value
    qp.constraint_matrix = a.tocsc()
    qp.constraint_lower_bounds = np.full(b.shape[0], -np.inf)
    qp.constraint_upper_bounds = b
    qp.variable_lower_bounds = np.zeros(value.shape[0])
    qp.variable_upper_bounds = np.ones(value.shape[0])
    params = solvers_pb2.PrimalDualHybridGradientParams()
    params.num_threads = max(1, threads)
    criteria = params.termination_criteria
    criteria.simple_optimality_criteria.eps_optimal_relative = eps
    criteria.simple_optimality_criteria.eps_optimal_absolute = eps
    criteria.time_sec_limit = max(time_limit_s, 0.1)
    start = None
    if initial is not None:
        start = pdlp.PrimalAndDualSolution()
        start.primal_solution = np.clip(initial[0], 0.0, 1.0)
        start.dual_solution = -np.maximum(initial[1], 0.0)  # minimisation's sign, as below
    result = pdlp.primal_dual_hybrid_gradient(qp, params, start)
    x = np.clip(np.asarray(result.primal_solution, dtype=np.float64), 0.0, 1.0)
    # PDLP reports duals of a minimisation; ours maximises, so negate.
    return x, -np.asarray(result.dual_solution, dtype=np.float64)
