"""Tracking-link redirects: throughput of ``GET /r/<code>`` and proof that no click is lost.

In one run: a fresh PostgreSQL schema with one sponsorship whose campaign has a landing URL;
Dandelion under gunicorn (2 sync workers), counting clicks in Redis (``--redis``, the
production set-up, flushed by ``results.jobs.flush_clicks_job``) or inserting each click
(``--no-redis``, as embedded mode does); ``wrk`` with ``benchmarks/redirect.lua`` (one
connection per thread; 7 of every 10 requests are new people, the others a repeat, a bot and a
HEAD). After the load, the clicks in the database must equal the requests of new people wrk
got a 302 for — plus at most the ones still in flight when wrk stopped (the server finishes
them). Prints a JSON line and a Markdown row for BENCHMARKS.md:

    python -m benchmarks.bench_redirect --database postgresql://postgres@127.0.0.1/bench_redirect \\
        [--redis redis://127.0.0.1:6379/7 | --no-redis] [--duration 20 --connections 8]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import time
from datetime import date, timedelta
from pathlib import Path

from benchmarks import fresh_schema
from benchmarks.bench_api import TARGET_AUDIENCE, _sqlalchemy_url

ROOT = Path(__file__).resolve().parents[1]
LANDING = "https://shop.example.com/landing?utm_source=dandelion"


def start_gunicorn(
    target: str, port: int, env: dict[str, str], threads: int
) -> subprocess.Popen[bytes]:
    """Two gunicorn workers (``gthread`` with ``threads`` each; ``sync`` for 1), ready to serve."""
    import http.client
    import sys

    worker = ["-k", "sync"] if threads <= 1 else ["-k", "gthread", "--threads", str(threads)]
    proc = subprocess.Popen(
        [str(Path(sys.executable).with_name("gunicorn")), "-w", "2", *worker,
         "-b", f"127.0.0.1:{port}", "--log-level", "warning", target],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    deadline = time.monotonic() + 120  # a loaded machine imports numpy and OR-Tools slowly
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError(f"gunicorn {target} did not start on :{port}")


def ceiling_app() -> object:
    """``gunicorn 'benchmarks.bench_redirect:ceiling_app()'``: a bare WSGI 302, no database,
    no Redis — what this machine's two workers can answer at all, for comparison."""

    def app(environ: dict, start_response: object) -> list[bytes]:
        start_response("302 Found", [("Location", LANDING), ("Content-Length", "0")])  # type: ignore[operator]
        return [b""]

    return app


def seed(database: str) -> str:
    """Fresh schema, one brand, campaign, creator and sponsorship; returns its tracking code."""

    from accounts.models import Account, Brand, Creator, Role
    from accounts.services import hash_password
    from app import create_app
    from campaigns import services as campaign_services
    from collaborations.models import Offer, OfferStatus, Sponsorship, new_tracking_code
    from core.db import session_scope, utcnow

    url = _sqlalchemy_url(database)
    fresh_schema(url)
    app = create_app({"SQLALCHEMY_URL": url, "SECRET_KEY": "bench"})
    now, today = utcnow(), date.today()
    password = hash_password("benchmark-password")
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        brand = Brand(
            account=Account(email="brand@bench.test", password_hash=password, role=Role.BRAND),
            name="Bench",
        )
        creator = Creator(
            account=Account(email="k@bench.test", password_hash=password, role=Role.CREATOR),
            handle="bench.creator",
            display_name="Bench",
            followers=25_000,
            engagement_rate=0.04,
            audience=TARGET_AUDIENCE,
            rate_amount=40_000,
            rate_currency="EUR",
            weekly_capacity=3,
        )
        s.add_all([brand, creator])
        s.flush()
        campaign = campaign_services.create_campaign(
            s,
            brand,
            {
                "title": "Redirects",
                "brief": "benchmark campaign",
                "category": "skincare",
                "budget_amount": 1_000_000,
                "currency": "EUR",
                "slots": 5,
                "target_audience": TARGET_AUDIENCE,
                "starts_on": today,
                "ends_on": today + timedelta(days=30),
                "landing_url": LANDING,
            },
        )
        offer = Offer(
            campaign_id=campaign.id,
            creator_id=creator.id,
            price_amount=40_000,
            currency="EUR",
            fit_score=0.7,
            explanation={},
            expires_at=now + timedelta(days=7),
            status=OfferStatus.ACCEPTED,
            responded_at=now,
        )
        s.add(offer)
        s.flush()
        code = new_tracking_code()
        s.add(
            Sponsorship(
                offer_id=offer.id,
                campaign_id=campaign.id,
                creator_id=creator.id,
                price_amount=40_000,
                currency="EUR",
                due_on=today + timedelta(days=30),
                tracking_code=code,
                forecast_engaged=1_000,
            )
        )
    return code


def stored_clicks(database: str, redis_url: str | None) -> int:
    """Flush what Redis holds (the job, as the scheduler runs it), then count the rows."""
    from sqlalchemy import create_engine, text

    if redis_url:
        env = {
            **os.environ,
            "DATABASE_URL": database,
            "REDIS_URL": redis_url,
            "SECRET_KEY": "bench",
        }
        subprocess.run(
            [
                str(Path(os.sys.executable).with_name("flask")),
                "--app",
                "app",
                "jobs",
                "flush-clicks",
            ],
            cwd=ROOT,
            env=env,
            check=True,
            capture_output=True,
        )
    engine = create_engine(_sqlalchemy_url(database))
    with engine.connect() as conn:
        count = int(conn.execute(text("SELECT COUNT(*) FROM clicks")).scalar_one())
    engine.dispose()
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True)
    parser.add_argument("--redis", default=None)
    parser.add_argument("--no-redis", action="store_true")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--port", type=int, default=8097)
    parser.add_argument("--ceiling", action="store_true", help="serve a bare WSGI 302 instead")
    parser.add_argument(
        "--threads", type=int, default=8, help="gthread threads per worker (1: sync)"
    )
    args = parser.parse_args()
    redis_url = None if args.no_redis else args.redis
    code = seed(args.database)
    if redis_url:
        from redis import Redis

        Redis.from_url(redis_url).flushdb()
    env = {"DATABASE_URL": args.database, "SECRET_KEY": "bench", "DANDELION_ENV": "embedded"}
    if redis_url:
        env["REDIS_URL"] = redis_url
    else:
        env["REDIS_URL"] = ""
    target = "benchmarks.bench_redirect:ceiling_app()" if args.ceiling else "app:create_app()"
    server = start_gunicorn(target, args.port, env, args.threads)
    try:
        load_before = os.getloadavg()
        out = subprocess.run(
            [
                "wrk",
                "-t", str(args.connections),
                "-c", str(args.connections),
                "-d", f"{args.duration}s",
                "-s", str(ROOT / "benchmarks" / "redirect.lua"),
                f"http://127.0.0.1:{args.port}/r/{code}",
                "--", f"/r/{code}",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=args.duration + 60,
        ).stdout  # fmt: skip
        load_after = os.getloadavg()
        time.sleep(1.0)  # the requests in flight when wrk stopped finish
    finally:
        server.terminate()
        server.wait(timeout=30)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    result = json.loads(re.search(r"RESULT (\{.*\})", out).group(1))  # type: ignore[union-attr]
    stored = result["expected_counted"] if args.ceiling else stored_clicks(args.database, redis_url)
    expected = result["expected_counted"]
    lost = max(0, expected - stored)
    extra = stored - expected
    report = {
        "mode": "ceiling" if args.ceiling else "redis" if redis_url else "sql",
        "rps": rps,
        **result,
        "stored_clicks": stored,
        "lost": lost,
        "extra_from_inflight": extra,
        "ok": lost == 0 and 0 <= extra <= result["inflight_counted"],
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
        "workers": f"2 × {'sync' if args.threads <= 1 else f'gthread {args.threads} threads'}",
    }
    print(json.dumps(report))
    print(
        f"| {report['mode']} | {report['workers']} | {rps:,.0f} | {result['p50_ms']:.1f} | {result['p99_ms']:.1f} | "
        f"{result['completed']:,} | {expected:,} | {stored:,} | {lost} | "
        f"{load_before[0]:.1f} → {load_after[0]:.1f} |"
    )


if __name__ == "__main__":
    main()
