"""Side-by-side benchmark of the matching engine against the obvious baselines.

Each method runs in its own child process on the same seeded market (regenerated identically
there), so each gets its own peak memory (``ru_maxrss``) and wall time. Methods:

- ``greedy_value``: the naive baseline the issue names — every pair by value, best first,
  taken when it fits — over the whole eligible market (small, medium) or each campaign's
  ``GREEDY_CANDIDATES`` highest-value candidates (large, huge: the whole market does not fit
  in memory there; a campaign rarely gets past its first few dozen).
- ``greedy_score``: by value / (rate/budget + 1/slots), on the top-K instance.
- ``cpsat_all``: plain CP-SAT on every pair of the top-K instance (default portfolio).
- ``engine``: ``solve()`` on the top-K instance.
- ``engine_lp``: ``solve(use_lagrange=False)``, the engine before the Lagrangian phases
  (LP bound, greedy and rounding start, neighbourhood search), to show what they pay.
- ``engine_priced``: ``build_instance_priced`` (column generation, certified market bound)
  then ``solve()`` on its instance, reusing its LP.

Gaps are reported against the top-K instance's LP bound, against the best proven bound of the
instance (the smaller of the LP bound and the engine's Lagrangian bound: every method's gap to
the same bound) and, on the classic market, against the certified bound of the whole market
(every eligible pair) from pricing. ``--market hard`` runs the hard market
(:func:`benchmarks.generate.generate_hard`), whose instance is the whole market.

    python -m benchmarks.bench_matching [--sizes small medium large] [--huge] [--market v2]
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

from benchmarks.generate import (
    DEFAULT_MARKET,
    HARD_MARKET,
    MARKETS,
    SIZES,
    TODAY,
    generate_market,
    hard_instance,
)

TIME_LIMITS = {"tiny": 5.0, "small": 10.0, "medium": 30.0, "large": 60.0, "huge": 600.0}
METHODS = ("greedy_value", "greedy_score", "cpsat_all", "engine", "engine_lp", "engine_priced")
HUGE_METHODS = ("greedy_value", "greedy_score", "engine_priced")
GREEDY_CANDIDATES = 1_000
# At huge size the engine's budget is end to end: build, pricing and solve share 10 minutes.
END_TO_END = {"huge"}


def _market(size: str, seed: int, market: str):
    n_campaigns, n_creators = SIZES[size]
    return generate_market(n_campaigns, n_creators, seed, market)


def _instance(size: str, seed: int, top_k: int | None, market: str):
    from matching.market.build import build_instance
    from matching.market.records import MatchingPolicy

    if market == HARD_MARKET:  # an instance directly: every pair is a candidate
        start = time.perf_counter()
        instance = hard_instance(size, seed)
        return instance, _HardDetails(instance.num_pairs), time.perf_counter() - start
    table, campaigns = _market(size, seed, market)
    start = time.perf_counter()
    instance, details = build_instance(table, campaigns, MatchingPolicy(top_k=top_k), TODAY)
    return instance, details, time.perf_counter() - start


class _HardDetails:
    def __init__(self, pairs: int) -> None:
        self.eligible_pairs = pairs


def _lp_bound(instance) -> tuple[float, float]:
    from matching.solver.lp import solve_lp
    from matching.solver.model import linear_model, usable_pairs

    start = time.perf_counter()
    work = instance.restrict_pairs(usable_pairs(instance))
    lp = solve_lp(linear_model(work), work.pair_value, 900.0, threads=2)
    return lp.bound, time.perf_counter() - start


def run_method(
    method: str, size: str, seed: int, top_k: int | None, time_limit: float, market: str
) -> dict[str, Any]:
    """Run one method in this process and describe the outcome."""
    from matching.solver import solve, validate
    from matching.solver.heuristics import construct, greedy
    from matching.solver.model import usable_pairs

    out: dict[str, Any] = {"method": method, "size": size, "market": market}
    if method == "engine_priced":
        return _engine_priced(out, size, seed, top_k, time_limit, market)
    if method == "greedy_value":
        instance, build_s = _by_value_instance(size, seed, market)
        out["candidates"] = (
            "all eligible"
            if size in ("tiny", "small", "medium") or market == HARD_MARKET
            else (f"top {GREEDY_CANDIDATES} by value per campaign")
        )
    else:
        full = method == "lp_full"
        instance, details, build_s = _instance(size, seed, None if full else top_k, market)
        out["eligible_pairs"] = details.eligible_pairs
    out.update(pairs=instance.num_pairs, creators=instance.num_creators, build_s=round(build_s, 2))
    start = time.perf_counter()
    selected = np.zeros(0, dtype=np.int64)
    if method in ("lp", "lp_full"):
        out["bound"], _ = _lp_bound(instance)
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
        result = solve(
            instance,
            time_limit_s=time_limit,
            workers=2,
            seed=seed,
            use_lagrange=method != "engine_lp",
        )
        selected = result.selected
        out.update(status=result.status, engine_bound=result.bound, stats=result.to_dict()["stats"])
    out["seconds"] = round(time.perf_counter() - start, 2)
    out["objective"] = float(instance.pair_value[selected].sum())
    out["violations"] = [str(v) for v in validate(instance, selected)]
    return out


def _by_value_instance(size: str, seed: int, market: str):
    """The market's pairs for the greedy by value (see the module docstring)."""
    from matching.market.build import Market, initial_scan, make_instance
    from matching.market.records import MatchingPolicy

    if market == HARD_MARKET:
        instance, _, build_s = _instance(size, seed, None, market)
        return instance, build_s
    table, campaigns = _market(size, seed, market)
    start = time.perf_counter()
    prepared = Market.prepare(table, campaigns, MatchingPolicy(top_k=None), TODAY)
    keep = None if size in ("tiny", "small", "medium") else GREEDY_CANDIDATES
    scan = initial_scan(prepared, keep, rank="value")
    instance, _ = make_instance(prepared, scan.creators, scan.campaigns)
    return instance, time.perf_counter() - start


def _engine_priced(
    out: dict[str, Any], size: str, seed: int, top_k: int | None, time_limit: float, market: str
) -> dict[str, Any]:
    from matching.market.pricing import PricingConfig, build_instance_priced
    from matching.market.records import MatchingPolicy
    from matching.solver import solve, validate

    table, campaigns = _market(size, seed, market)
    start = time.perf_counter()
    # End to end: build and pricing get 60 % of the budget, the solve the rest.
    config = PricingConfig(time_limit_s=0.6 * time_limit if size in END_TO_END else None)
    instance, details = build_instance_priced(
        table, campaigns, MatchingPolicy(top_k=top_k), TODAY, config
    )
    build_s = time.perf_counter() - start
    report = details.pricing
    assert report is not None
    limit = time_limit
    if size in END_TO_END:
        limit = max(time_limit - build_s, 60.0)
    solve_start = time.perf_counter()
    result = solve(instance, time_limit_s=limit, workers=2, seed=seed, lp=report.lp)
    out.update(
        pairs=instance.num_pairs,
        creators=instance.num_creators,
        eligible_pairs=details.eligible_pairs,
        build_s=round(build_s, 2),
        pricing=report.to_dict(),
        status=result.status,
        engine_bound=result.bound,
        market_bound=report.market_bound,
        solve_limit_s=round(limit, 1),
        stats=result.to_dict()["stats"],
    )
    out["seconds"] = round(time.perf_counter() - solve_start, 2)
    out["end_to_end_s"] = round(time.perf_counter() - start, 2)
    out["objective"] = result.objective
    out["violations"] = [str(v) for v in validate(instance, result)]
    return out


def _plain_cpsat(instance, time_limit: float, seed: int) -> np.ndarray:
    """CP-SAT on every pair, default portfolio, 2 workers, no hint."""
    from ortools.sat.python import cp_model

    from matching.solver.cpsat import build_model, selected_pairs, value_scale

    start = time.perf_counter()
    pm = build_model(
        instance, np.arange(instance.num_pairs), instance.capacity, value_scale(instance)
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(time_limit - (time.perf_counter() - start), 1.0)
    solver.parameters.num_workers = 2
    solver.parameters.random_seed = seed
    status = solver.solve(pm.model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return np.zeros(0, dtype=np.int64)
    return selected_pairs(pm, solver)


def _child(method: str, size: str, seed: int, top_k: int | None, limit: float, market: str) -> dict:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.bench_matching",
        "--child",
        method,
        size,
        "--seed",
        str(seed),
        "--top-k",
        str(top_k if top_k is not None else 0),
        "--time-limit",
        str(limit),
        "--market",
        market,
    ]
    start = time.perf_counter()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, capture_output=True, text=True)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"method": method, "size": size, "error": proc.stderr[-2000:]}
    out = json.loads(lines[-1])
    out["process_wall_s"] = round(wall, 1)
    out["process_cpu_s"] = round(
        after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, 1
    )
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["small", "medium", "large"])
    parser.add_argument("--huge", action="store_true", help="also run 1M creators × 10k")
    parser.add_argument("--methods", nargs="+", default=None)
    parser.add_argument("--market", choices=[*sorted(MARKETS), HARD_MARKET], default=DEFAULT_MARKET)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int, default=200)
    parser.add_argument("--time-limit", type=float, default=None)
    parser.add_argument("--child", nargs=2, metavar=("METHOD", "SIZE"))
    parser.add_argument("-o", "--output", default="benchmarks/results.json")
    args = parser.parse_args(argv)
    if args.child:
        method, size = args.child
        limit = args.time_limit or TIME_LIMITS[size]
        out = run_method(method, size, args.seed, args.top_k or None, limit, args.market)
        out["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
        sys.stdout.flush()
        os.write(1, (json.dumps(out) + "\n").encode())
        return
    sizes = list(args.sizes) + (["huge"] if args.huge else [])
    results = []
    if os.path.exists(args.output):
        with open(args.output) as f:
            results = [
                r
                for r in json.load(f)
                if "market" in r
                and (r["size"], r["market"]) not in {(s, args.market) for s in sizes}
            ]
    for size in sizes:
        limit = args.time_limit or TIME_LIMITS[size]
        row: dict[str, Any] = {
            "size": size,
            "market": args.market,
            "seed": args.seed,
            "top_k": args.top_k,
            "load_before": os.getloadavg()[0],
            "methods": {},
        }
        if size != "huge":
            row["lp"] = _child("lp", size, args.seed, args.top_k, limit, args.market)
        if size in ("tiny", "small", "medium") and args.market != HARD_MARKET:
            row["lp_full"] = _child("lp_full", size, args.seed, args.top_k, limit, args.market)
        methods = args.methods or (HUGE_METHODS if size == "huge" else METHODS)
        if args.market == HARD_MARKET:  # no market table to price: the instance is given
            methods = [m for m in methods if m != "engine_priced"]
        for method in ("engine_priced", *[m for m in methods if m != "engine_priced"]):
            if method not in methods:
                continue
            out = _child(method, size, args.seed, args.top_k, limit, args.market)
            row["methods"][method] = out
            print(
                json.dumps(
                    {
                        k: out.get(k)
                        for k in (
                            "size",
                            "method",
                            "objective",
                            "seconds",
                            "peak_rss_mb",
                            "status",
                            "violations",
                            "error",
                        )
                    }
                ),
                flush=True,
            )
        row["load_after"] = os.getloadavg()[0]
        _gaps(row)
        results.append(row)
        with open(args.output, "w") as f:
            json.dump(results, f, indent=1)


def _gaps(row: dict[str, Any]) -> None:
    """Each method's gap to the top-K LP bound and to the certified market bound."""
    pruned = row.get("lp", {}).get("bound")
    priced = row["methods"].get("engine_priced", {})
    market = priced.get("market_bound")
    if pruned is None:
        pruned = priced.get("pricing", {}).get("pruned_lp_bound")
    bounds = [b for b in (pruned, row["methods"].get("engine", {}).get("engine_bound")) if b]
    best = min(bounds) if bounds else None
    row["best_bound"] = best
    for out in row["methods"].values():
        if "objective" not in out:
            continue
        if best:
            out["gap_to_best_bound"] = (best - out["objective"]) / best
        if pruned:
            out["gap_to_topk_lp"] = (pruned - out["objective"]) / pruned
        if market:
            out["gap_to_market_bound"] = (market - out["objective"]) / market


if __name__ == "__main__":
    main()
