"""What fair exposure costs and what it buys, at each size: the engine with it off and on.

Same seeded market as ``bench_matching`` (``benchmarks/generate.py``, policy defaults, top-K
200), the engine on the top-K instance with that size's time limit, once without and once
with fair exposure (``MATCH_FAIR_EXPOSURE_MAX_COST``, default 1 %; small creators = followers
≤ ``MATCH_KOC_MAX_FOLLOWERS``, 50,000). Each solve runs in its own child process. Figures
are the run's health figures (:func:`matching.health.run_health`) on the solution, plus its
value and the cost ``1 - value_on / value_off``.

    python -m benchmarks.bench_fairness [--sizes small medium large] [--max-cost 0.01]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections.abc import Sequence
from typing import Any

from benchmarks.bench_matching import TIME_LIMITS
from benchmarks.generate import DEFAULT_MARKET, SIZES, TODAY, generate_market


def run_one(size: str, fair: bool, max_cost: float, seed: int, market: str) -> dict[str, Any]:
    """Build, solve (fair exposure on or off) and describe the solution's health."""
    import numpy as np

    from matching.health import OfferFact, run_health
    from matching.market.build import build_instance
    from matching.market.records import MatchingPolicy
    from matching.solver import FairExposure, solve, validate
    from matching.solver.model import usable_pairs

    n_campaigns, n_creators = SIZES[size]
    table, campaigns = generate_market(n_campaigns, n_creators, seed, market)
    policy = MatchingPolicy()
    start = time.perf_counter()
    instance, details = build_instance(table, campaigns, policy, TODAY)
    build_s = time.perf_counter() - start
    limit = TIME_LIMITS[size]
    fairness = FairExposure(details.koc, max_cost) if fair else None
    result = solve(instance, time_limit_s=limit, workers=2, seed=seed, fair_exposure=fairness)
    sel = result.selected
    offers = [
        OfferFact(int(i), int(instance.rate[i]), bool(details.koc[i]))
        for i in instance.pair_creator[sel].tolist()
    ]
    eligible = np.unique(instance.pair_creator[usable_pairs(instance)]).size
    info = result.stats.get("fair_exposure", {})
    without = info.get("objective_without", result.objective)
    health = run_health(
        offers,
        int(eligible),
        fair_max_cost=max_cost if fair else None,
        value=result.objective,
        value_without=without,
    )
    return {
        "size": size,
        "fair_exposure": fair,
        "max_cost": max_cost if fair else None,
        "pairs": instance.num_pairs,
        "small_creators": int(np.asarray(details.koc).sum()),
        "creators": instance.num_creators,
        "build_s": round(build_s, 2),
        "time_limit_s": limit,
        "seconds": round(result.seconds, 2),
        "status": result.status,
        "objective": result.objective,
        "bound": result.bound,
        "gap": result.gap,
        "offers": len(offers),
        "spend": sum(o.price for o in offers),
        "health": health,
        "fair_stats": info,
        "violations": [str(v) for v in validate(instance, result)],
    }


def _child(size: str, fair: bool, max_cost: float, seed: int, market: str) -> dict[str, Any]:
    cmd = [sys.executable, "-m", "benchmarks.bench_fairness", "--child", size]
    cmd += ["--max-cost", str(max_cost), "--seed", str(seed), "--market", market]
    if fair:
        cmd.append("--on")
    proc = subprocess.run(cmd, capture_output=True, text=True)
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        return {"size": size, "fair_exposure": fair, "error": proc.stderr[-2000:]}
    return json.loads(lines[-1])


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", nargs="+", default=["small", "medium", "large"])
    parser.add_argument("--max-cost", type=float, default=0.01)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--market", default=DEFAULT_MARKET)
    parser.add_argument("--child", metavar="SIZE")
    parser.add_argument("--on", action="store_true", help="(child) fair exposure on")
    parser.add_argument("-o", "--output", default="benchmarks/fairness_results.json")
    args = parser.parse_args(argv)
    if args.child:
        out = run_one(args.child, args.on, args.max_cost, args.seed, args.market)
        sys.stdout.flush()
        os.write(1, (json.dumps(out, default=str) + "\n").encode())
        return
    results: list[dict[str, Any]] = []
    if os.path.exists(args.output):
        with open(args.output) as f:
            results = [r for r in json.load(f) if r["size"] not in args.sizes]
    for size in args.sizes:
        row: dict[str, Any] = {"size": size, "market": args.market, "seed": args.seed}
        for fair in (False, True):
            out = _child(size, fair, args.max_cost, args.seed, args.market)
            row["on" if fair else "off"] = out
            print(json.dumps({k: out.get(k) for k in ("size", "fair_exposure", "objective")}))
            print(json.dumps(out.get("health")), flush=True)
        off, on = row["off"].get("objective"), row["on"].get("objective")
        if off and on is not None:
            row["cost_vs_off"] = 1.0 - on / off
        results.append(row)
        with open(args.output, "w") as f:
            json.dump(results, f, indent=1, default=str)


if __name__ == "__main__":
    main()
