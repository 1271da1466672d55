"""The weekly run on a generated market in PostgreSQL, with its whole-market bound.

Seeds a fresh database with a generated market (benchmarks.generate, through the services
like bench_scale_out), then runs this week's match run in a child process (``flask match
run``, embedded: no RQ) and reads its figures back: build, pricing and solve time, the
child's peak memory, the objective, the whole-market bound and its gap, and the candidate
set's own bound. Needs PostgreSQL:

    python -m benchmarks.bench_weekly --database postgresql://postgres@127.0.0.1/bench \\
        [--campaigns 2000 --creators 100000 --time-limit 60] [--no-seed]

Results are printed as JSON and as a Markdown row for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import create_engine, text

from benchmarks.bench_scale_out import seed

ROOT = Path(__file__).resolve().parents[1]


def run_week(database: str, time_limit: float) -> dict:
    """This week's run in a child process; its figures, with the child's peak memory."""
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "MATCH_TIME_LIMIT_S": str(time_limit),
        "SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
    }
    env.pop("REDIS_URL", None)  # embedded: the run happens in the child, after its commit
    load = os.getloadavg()
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "match", "run", "--no-wait"],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    wall = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1e6  # kB -> GB
    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.connect() as conn:
        row = (
            conn.execute(
                text(
                    "SELECT status, error, objective, bound, gap, seconds, candidates, "
                    "offers_created, health, details FROM match_runs ORDER BY id DESC LIMIT 1"
                )
            )
            .mappings()
            .one()
        )
    details = row["details"] or {}
    pricing = (details.get("pricing") or [{}])[0]
    rounds = pricing.get("rounds", [])
    lp_s = sum(r.get("lp_seconds") or 0.0 for r in rounds)
    pass_s = sum(r.get("pass_seconds") or 0.0 for r in rounds)
    pricing_s = pricing.get("seconds") or 0.0
    bound = (row["health"] or {}).get("bound", {})
    return {
        "status": row["status"],
        "error": row["error"],
        "wall_s": round(wall, 1),
        "build_s": round(pricing_s - lp_s - pass_s, 1),
        "pricing_lp_s": round(lp_s, 1),
        "pricing_pass_s": round(pass_s, 1),
        "pricing_rounds": len(rounds),
        "solve_s": round((row["seconds"] or 0.0) - pricing_s, 1),
        "peak_rss_gb": round(peak, 2),
        "candidates": row["candidates"],
        "offers": row["offers_created"],
        "objective": row["objective"],
        "bound": row["bound"],
        "gap": row["gap"],
        "bound_source": bound.get("source"),
        "candidate_bound": bound.get("candidate_bound"),
        "pruned_lp_bound": pricing.get("pruned_lp_bound"),
        "load_before": [round(x, 2) for x in load],
        "load_after": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--campaigns", type=int, default=2_000)
    parser.add_argument("--creators", type=int, default=100_000)
    parser.add_argument("--time-limit", type=float, default=60.0)
    parser.add_argument("--no-seed", action="store_true", help="reuse the seeded market")
    args = parser.parse_args()
    if not args.no_seed:
        started = time.perf_counter()
        seed(args.database, args.campaigns, args.creators)
        print(f"seeded in {time.perf_counter() - started:.0f} s", file=sys.stderr, flush=True)
    r = run_week(args.database, args.time_limit)
    print(json.dumps(r, indent=2))
    print(
        "| creators | campaigns | status | candidates | build (s) | pricing LP + passes (s) | "
        "solve (s) | peak (GB) | objective | whole-market bound | gap | candidates' bound | load |"
    )
    print(
        f"| {args.creators:,} | {args.campaigns:,} | {r['status']} | {r['candidates']:,} | "
        f"{r['build_s']} | {r['pricing_lp_s']} + {r['pricing_pass_s']} "
        f"({r['pricing_rounds']} rounds) | {r['solve_s']} | {r['peak_rss_gb']} | "
        f"{r['objective']:.1f} | {r['bound']:.1f} | {100 * r['gap']:.2f} % | "
        f"{r['candidate_bound']:.1f} | {r['load_before'][0]}-{r['load_after'][0]} |"
    )


if __name__ == "__main__":
    main()
