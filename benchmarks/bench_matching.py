"""Side-by-side benchmark of the matching engine against the obvious baselines.

Each method runs in its own child process on the same seeded instance (regenerated
identically there), so each gets its own peak memory (``ru_maxrss``). Methods: greedy by value
(the baseline named in the issue), greedy by value / (rate/budget + 1/slots), plain CP-SAT on
all pairs (time-limited, default portfolio), and our engine. Gaps are against the LP bound
of the (pruned) instance; the pruning cost is the LP bound of the pruned instance against a
larger candidate set's.

    python -m benchmarks.bench_matching [--sizes small medium large] [--huge] [-o out.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from benchmarks.generate import SIZES, TODAY, generate_market

TIME_LIMITS = {"tiny": 5.0, "small": 10.0, "medium": 30.0, "large": 60.0, "huge": 600.0}
METHODS = ("greedy_value", "greedy_score", "cpsat_all", "engine")


def _instance(size: str, seed: int, top_k: int | None):
    from matching.market.build import build_instance
    from matching.market.records import MatchingPolicy

    n_campaigns, n_creators = SIZES[size]
    start = time.perf_counter()
    table, campaigns = generate_market(n_campaigns, n_creators, seed)
    instance, details = build_instance(table, campaigns, MatchingPolicy(top_k=top_k), TODAY)
    return instance, details, time.perf_counter() - start


def _lp_bound(instance) -> tuple[float, float]:
    from matching.solver.lp import solve_lp
    from matching.solver.model import linear_model, usable_pairs

    start = time.perf_counter()
    work = instance.restrict_pairs(usable_pairs(instance))
    lp = solve_lp(linear_model(work), work.pair_value, 600.0, threads=2)
    return lp.bound, time.perf_counter() - start


def run_method(method: str, size: str, seed: int, top_k: int | None,
               time_limit: float) -> dict[str, Any]:
    """Run one method in this process and describe the outcome."""
    from matching.solver import validate
    from matching.solver.heuristics import construct, greedy
    from matching.solver.model import usable_pairs

    instance, details, build_s = _instance(size, seed, top_k)
    out: dict[str, Any] = {"method": method, "size": size, "pairs": instance.num_pairs,
                           "creators": instance.num_creators, "build_s": round(build_s, 2)}
    start = time.perf_counter()
    if method == "lp":
        bound, seconds = _lp_bound(instance)
        out.update(bound=bound, eligible_pairs=details.eligible_pairs)
        selected = np.zeros(0, dtype=np.int64)
    elif method in ("greedy_value", "greedy_score"):
        usable = usable_pairs(instance)
        if method == "greedy_score":
            state = greedy(instance, usable)
        else:
            order = np.lexsort((np.arange(instance.num_pairs), -instance.pair_value))
            state = construct(instance, order, usable)
        selected = state.pairs()
    elif method == "cpsat_all":
        selected = _plain_cpsat(instance, time_limit, seed)
    else:
        from matching.solver import solve

        result = solve(instance, time_limit_s=time_limit, workers=2, seed=seed)
        selected = result.selected
        out.update(status=result.status, engine_bound=result.bound, stats=result.to_dict()["stats"])
    out["seconds"] = round(time.perf_counter() - start, 2)
    out["objective"] = float(instance.pair_value[selected].sum())
    out["violations"] = [str(v) for v in validate(instance, selected)]
    return out


def _plain_cpsat(instance, time_limit: float, seed: int) -> np.ndarray:
    """CP-SAT on every pair, default portfolio, 2 workers, no hint."""
    from ortools.sat.python import cp_model

    from matching.solver.cpsat import build_model, selected_pairs, value_scale

    start = time.perf_counter()
    pm = build_model(instance, np.arange(instance.num_pairs), instance.capacity,
                     value_scale(instance))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit - (time.perf_counter() - start), 1.0)
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = seed
    status = solver.solve(pm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return np.zeros(0, dtype=np.int64)
    return selected_pairs(pm, solver)


def _child(method: str, size: str, seed: int, top_k: int | None, limit: float) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.bench_matching", "--child", method, size,
           "--seed", str(seed), "--top-k", str(top_k if top_k is not None else 0),
           "--time-limit", str(limit)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"method": method, "size": size, "error": proc.stderr[-2000:]}
    out = json.loads(lines[-1])
    out["process_wall_s"] = round(wall, 1)
    out["peak_rss_mb_children_max"] = round(usage.ru_maxrss / 1024, 1)
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["small", "medium", "large"])
    parser.add_argument("--huge", action="store_true", help="also run 1M creators × 10k")
    parser.add_argument("--methods", nargs="+", default=list(METHODS))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "SIZE"))
    parser.add_argument("-o", "--output", default="benchmarks/results.json")
    args = parser.parse_args(argv)
    if args.child:
        method, size = args.child
        limit = args.time_limit or TIME_LIMITS[size]
        out = run_method(method, size, args.seed, args.top_k or None, limit)
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        sys.stdout.flush()
        os.write(1, (json.dumps(out) + "\n").encode())
        return
    sizes = list(args.sizes) + (["huge"] if args.huge else [])
    results = []
    for size in sizes:
        limit = args.time_limit or TIME_LIMITS[size]
        lp = _child("lp", size, args.seed, args.top_k, limit)
        wider = 2 * args.top_k if size in ("large", "huge") else 0  # 0: every eligible pair
        lp_wide = _child("lp", size, args.seed, wider, limit)
        row = {"size": size, "lp": lp, "lp_wider": lp_wide, "methods": {}}
        bound = lp.get("bound", float("nan"))
        for method in args.methods:
            if method == "cpsat_all" and size == "huge":
                continue
            out = _child(method, size, args.seed, args.top_k, limit)
            if "objective" in out:
                out["gap_to_lp"] = (bound - out["objective"]) / bound if bound else 0.0
            row["methods"][method] = out
            print(json.dumps({k: out.get(k) for k in ("size", "method", "objective",
                                                       "gap_to_lp", "seconds", "peak_rss_mb",
                                                       "status", "violations", "error")}),
                  flush=True)
        results.append(row)
        with open(args.output, "w") as f:
            json.dump(results, f, indent=1)


if __name__ == "__main__":
    main()
