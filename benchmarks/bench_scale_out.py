"""Scale-out benchmark: one match run solved whole vs in shards on 1, 2 and 4 RQ workers.

Seeds a PostgreSQL database with a generated market (benchmarks.generate), then for each
configuration requests a run, starts N `rq worker --burst` processes and times the run from
request to "succeeded". Needs PostgreSQL and Redis:

    python -m benchmarks.bench_scale_out --database postgresql://postgres@127.0.0.1/bench \\
        --redis redis://127.0.0.1:6379/14 [--campaigns 300 --creators 10000]

Results are printed as a Markdown table for BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

from redis import Redis
from sqlalchemy import create_engine, text

from benchmarks import fresh_schema

ROOT = Path(__file__).resolve().parents[1]


def seed(database: str, campaigns: int, creators: int) -> None:
    """Fresh schema and a generated market (creators open, campaigns funded and published)."""
    os.environ["DATABASE_URL"] = database

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
    today = date.today()
    password = hash_password("benchmark-password")
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        for k in creator_records(table):
            s.add(
                Creator(
                    account=Account(
                        email=f"{k.id}@bench.test", password_hash=password, role=Role.CREATOR
                    ),
                    handle=k.id,
                    display_name=k.id,
                    followers=k.followers,
                    engagement_rate=k.engagement_rate,
                    categories=sorted(k.categories),
                    audience={p: dict(v) for p, v in k.audience.items()},
                    rate_amount=k.rate,
                    rate_currency=k.currency,
                    weekly_capacity=k.capacity,
                    is_open=k.open,
                    open_until=None,
                    open_categories=sorted(k.categories),
                    sponsored_share=k.sponsored_share,
                )
            )
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
            campaign_services.publish_campaign(s, brand, campaign.id, today=today, match_now=False)


def run_once(
    database: str, redis_url: str, week: str, shards: int, workers: int, limit: float
) -> dict:
    """Request a run and drain the queue with ``workers`` burst workers; returns the figures."""
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REDIS_URL": redis_url,
        "MATCH_SHARDS": str(shards),
        "MATCH_WORKERS": "1",
        "MATCH_TIME_LIMIT_S": str(int(limit)),
        "SECRET_KEY": "bench",
        "PYTHONPATH": str(ROOT),
    }
    Redis.from_url(redis_url).flushdb()
    started = time.perf_counter()
    subprocess.run(
        [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "app",
            "match",
            "run",
            "--week",
            week,
            "--no-wait",
        ],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
    )
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "rq.cli", "worker", "matching", "--url", redis_url, "--burst"],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for _ in range(workers)
    ]
    engine = create_engine(database.replace("postgresql://", "postgresql+psycopg://", 1))
    while True:
        with engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT status, objective, bound, offers_created, shards FROM match_runs WHERE week = :w"
                ),
                {"w": week},
            ).one()
        if row.status in ("succeeded", "failed"):
            break
        if all(p.poll() is not None for p in procs) and row.status != "succeeded":
            time.sleep(0.5)
            with engine.connect() as conn:
                row = conn.execute(
                    text(
                        "SELECT status, objective, bound, offers_created, shards FROM match_runs WHERE week = :w"
                    ),
                    {"w": week},
                ).one()
            break
        time.sleep(0.2)
    wall = time.perf_counter() - started
    for p in procs:
        p.wait(timeout=600)
    return {
        "shards": row.shards,
        "workers": workers,
        "status": row.status,
        "wall_s": round(wall, 1),
        "objective": row.objective,
        "bound": row.bound,
        "offers": row.offers_created,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis", required=True)
    parser.add_argument("--campaigns", type=int, default=300)
    parser.add_argument("--creators", type=int, default=10_000)
    parser.add_argument("--time-limit", type=float, default=20.0)
    args = parser.parse_args()
    seed(args.database, args.campaigns, args.creators)
    configs = [(1, 1), (4, 1), (4, 2), (4, 4)]
    print("| shards | workers | status | wall (s) | objective | bound | offers |")
    print("|---|---|---|---|---|---|---|")
    for n, (shards, workers) in enumerate(configs):
        week = f"2026-W{49 + n:02d}"  # a fresh week each time (the campaigns run until then)
        with create_engine(
            args.database.replace("postgresql://", "postgresql+psycopg://", 1)
        ).begin() as conn:
            conn.execute(text("DELETE FROM notifications"))
            conn.execute(text("DELETE FROM offers"))
        r = run_once(args.database, args.redis, week, shards, workers, args.time_limit)
        print(
            f"| {r['shards']} | {r['workers']} | {r['status']} | {r['wall_s']} | "
            f"{r['objective']:.1f} | {r['bound']:.1f} | {r['offers']} |",
            flush=True,
        )


if __name__ == "__main__":
    main()
