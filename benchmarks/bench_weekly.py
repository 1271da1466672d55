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
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import create_engine, insert, text

from benchmarks import fresh_schema

ROOT = Path(__file__).resolve().parents[1]
CHUNK = 5_000  # creators per transaction: the session never holds the whole market


def seed(database: str, campaigns: int, creators: int) -> None:
    """Fresh schema and a generated market (creators open, campaigns funded and published),
    as ``bench_scale_out.seed`` does, but creators go in by bulk INSERTs of ``CHUNK`` rows
    (through the ORM, one session of 100k creators took 12 GB, and their ~30 interest-index
    rows each made it take an hour). The discovery search index
    (``creator_interest_shares``, ``creator_categories``) is left empty: matching does not
    read it."""
    os.environ["DATABASE_URL"] = database

    from accounts.audience_columns import demographic_shares
    from accounts.models import Account, Brand, Creator, Role
    from accounts.services import hash_password
    from app import create_app
    from benchmarks.generate import creator_records, generate_market
    from campaigns import services as campaign_services
    from core.db import session_scope
    from payments.providers import LedgerProvider

    url = database.replace("postgresql://", "postgresql+psycopg://", 1)
    fresh_schema(url)
    app = create_app({"SQLALCHEMY_URL": url})
    table, market_campaigns = generate_market(campaigns, creators, seed=1)
    records = creator_records(table)
    today = date.today()
    password = hash_password("benchmark-password")
    factory = app.extensions["dandelion.db"].session_factory
    with app.app_context():
        for start in range(0, len(records), CHUNK):
            chunk = records[start : start + CHUNK]
            with session_scope(factory) as s:
                account_ids = s.scalars(
                    insert(Account).returning(Account.id, sort_by_parameter_order=True),
                    [
                        {
                            "email": f"{k.id}@bench.test",
                            "password_hash": password,
                            "role": Role.CREATOR,
                        }
                        for k in chunk
                    ],
                ).all()
                s.execute(
                    insert(Creator),
                    [
                        {
                            "account_id": account_id,
                            "handle": k.id,
                            "display_name": k.id,
                            "followers": k.followers,
                            "engagement_rate": k.engagement_rate,
                            "categories": sorted(k.categories),
                            "audience": {p: dict(v) for p, v in k.audience.items()},
                            "rate_amount": k.rate,
                            "rate_currency": k.currency,
                            "weekly_capacity": k.capacity,
                            "is_open": k.open,
                            "open_until": None,
                            "open_categories": sorted(k.categories),
                            "sponsored_share": k.sponsored_share,
                            **demographic_shares({p: dict(v) for p, v in k.audience.items()}),
                        }
                        for account_id, k in zip(account_ids, chunk, strict=True)
                    ],
                )
        with session_scope(factory) as s:
            brand = Brand(
                account=Account(email="brand@bench.test", password_hash=password, role=Role.BRAND),
                name="Bench",
            )
            s.add(brand)
            s.flush()
            for c in market_campaigns:
                campaign = campaign_services.create_campaign(
                    s,
                    brand,
                    {
                        "title": c.id,
                        "brief": "benchmark campaign",
                        "category": c.category,
                        "competitor_group": c.competitor_group,
                        "budget_amount": c.budget,
                        "currency": c.currency,
                        "slots": c.slots,
                        "min_creators": c.min_creators,
                        "target_audience": {p: dict(v) for p, v in c.target_audience.items()},
                        "min_followers": c.min_followers,
                        "max_followers": c.max_followers,
                        "starts_on": today,
                        "ends_on": today + timedelta(days=30),
                    },
                )
                campaign_services.fund_campaign(
                    s, brand, campaign.id, provider=LedgerProvider(), fee_bps=1000
                )
                campaign_services.publish_campaign(
                    s, brand, campaign.id, today=today, match_now=False
                )


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
    if args.no_seed:  # the week again on the same market: forget the earlier run
        engine = create_engine(args.database.replace("postgresql://", "postgresql+psycopg://", 1))
        with engine.begin() as conn:
            for table in ("notifications", "offers", "match_runs"):
                conn.execute(text(f"DELETE FROM {table}"))
    else:
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
