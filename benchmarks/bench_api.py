"""API throughput: authenticated creator reads against a bare Flask + psycopg ceiling.

In one run: seed a PostgreSQL database with a creator with a long history (2,000 offers, 300
sponsorships by default), start side by side under gunicorn (2 sync workers each) a ceiling app
(bare Flask + psycopg, one indexed read of the creator row) and Dandelion twice (as
configured, and with ``READ_CACHE_MAX_BODIES=0``: no body kept), load each route
with ``wrk`` (10 connections; a Python load generator with 10 threads if wrk is missing),
loopback only and bounded in time, then count the queries per request in a separate
in-process pass (a SQLAlchemy event listener). Prints a Markdown table for BENCHMARKS.md:

    python -m benchmarks.bench_api --database postgresql://postgres@127.0.0.1/bench_api \\
        [--offers 2000 --sponsorships 300 --duration 10 --connections 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from benchmarks import fresh_schema

ROOT = Path(__file__).resolve().parents[1]
ROUTES = ("/api/v1/creators/me", "/api/v1/creators/me/offers")
COLD = " (nothing kept)"  # READ_CACHE_MAX_BODIES=0
CEILING_ROUTE = "/ceiling"
TARGET_AUDIENCE = {
    "interests": {"skincare": 0.7, "beauty": 0.3},
    "gender": {"female": 0.7, "male": 0.3},
    "city_tiers": {"1": 0.5, "2": 0.3, "3": 0.2},
    "age": {"18-24": 0.4, "25-34": 0.6},
}


# --- the ceiling: a bare Flask + psycopg app doing one indexed read --------------------------


def ceiling_app() -> Any:
    """``gunicorn 'benchmarks.bench_api:ceiling_app()'``: one primary-key read per request."""
    import psycopg
    from flask import Flask, jsonify, request

    app = Flask("ceiling")
    dsn = os.environ["CEILING_DSN"]
    local = threading.local()

    @app.get(CEILING_ROUTE)
    def read() -> Any:
        conn = getattr(local, "conn", None)
        if conn is None:
            conn = local.conn = psycopg.connect(dsn, autocommit=True)
        row = conn.execute(
            "SELECT id, handle, followers FROM creators WHERE id = %s",
            (int(request.args.get("id", "1")),),
        ).fetchone()
        return jsonify({"id": row[0], "handle": row[1], "followers": row[2]})

    return app


# --- seeding --------------------------------------------------------------------------------


def seed(database: str, offers: int, sponsorships: int, market: int = 2000) -> tuple[str, int]:
    """Fresh schema, one brand with campaigns and one creator with a long history.

    Returns the creator's bearer token and id. Rows go in through the ORM, so the reliability
    counters are kept as the app keeps them; a sweep then counts the silence and overdue posts.
    Each offer stores what a match run stores (the brand-side explanation and the text written
    to the creator), each answered offer the turns answering through the API leaves.
    """
    from datetime import date

    from sqlalchemy import create_engine, text

    from accounts.models import Account, Brand, Creator, Role
    from accounts.services import hash_password, issue_token
    from app import create_app
    from campaigns import services as campaign_services
    from collaborations.creator_text import explanation_for_creator
    from collaborations.models import (
        Offer,
        OfferStatus,
        OfferTurn,
        Sponsorship,
        SponsorshipStatus,
        TurnKind,
    )
    from collaborations.reliability_counters import sweep_reliability
    from core.db import session_scope, utcnow
    from core.money import Money

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
            account=Account(email="creator@bench.test", password_hash=password, role=Role.CREATOR),
            handle="long.history",
            display_name="Long History",
            followers=25_000,
            engagement_rate=0.04,
            categories=["skincare"],
            audience=TARGET_AUDIENCE,
            rate_amount=40_000,
            rate_currency="EUR",
            weekly_capacity=3,
        )
        s.add_all([brand, creator])
        s.flush()
        campaigns = [
            campaign_services.create_campaign(
                s,
                brand,
                {
                    "title": f"Campaign {i}",
                    "brief": (
                        f"Campaign {i}: show our barrier serum in your evening routine, in "
                        "your own words. One post labelled as sponsored, filmed in daylight; "
                        "tell your audience what changed for your skin after two weeks. No "
                        "discount codes, no before-and-after filters."
                    ),
                    "category": "skincare",
                    "competitor_group": None,
                    "budget_amount": 10_000_000,
                    "currency": "EUR",
                    "slots": 50,
                    "min_creators": 1,
                    "target_audience": TARGET_AUDIENCE,
                    "min_followers": 0,
                    "max_followers": 1_000_000,
                    "starts_on": today,
                    "ends_on": today + timedelta(days=30),
                },
            )
            for i in range(50)
        ]
        rows: list[Offer] = []
        for i in range(offers):
            created = now - timedelta(days=3 + i % 700, hours=i % 24)
            accepted = i < sponsorships
            status = (
                OfferStatus.ACCEPTED
                if accepted
                else [OfferStatus.DECLINED, OfferStatus.EXPIRED, OfferStatus.WITHDRAWN][i % 3]
            )
            answer = created + timedelta(hours=1 + i % 60)
            campaign = campaigns[i % len(campaigns)]
            explanation = _run_explanation(creator.handle, campaign.id, 40_000)
            expires = created + timedelta(days=7)
            rows.append(
                Offer(
                    campaign_id=campaign.id,
                    creator_id=creator.id,
                    price_amount=40_000,
                    currency="EUR",
                    fit_score=explanation["fit"],
                    value=explanation["value"],
                    explanation=explanation,
                    # what a match run stores with every offer (matching/runs.py)
                    explanation_for_creator=explanation_for_creator(
                        campaign,
                        creator,
                        explanation,
                        price=Money(40_000, "EUR"),
                        expires_at=expires,
                        created_at=created,
                        fit=explanation["fit"],
                    ),
                    expires_at=expires,
                    created_at=created,
                    status=status,
                    responded_at=None if status is OfferStatus.EXPIRED else answer,
                )
            )
        s.add_all(rows)
        s.flush()
        # What answering through the API leaves (collaborations/services.py): the offer's first
        # turn back-filled, then the creator's accept or decline; withdrawals and expiries none.
        for offer in rows:
            if offer.status not in (OfferStatus.ACCEPTED, OfferStatus.DECLINED):
                continue
            accepted = offer.status is OfferStatus.ACCEPTED
            s.add_all(
                [
                    OfferTurn(
                        offer_id=offer.id,
                        actor="platform",
                        kind=TurnKind.OFFER,
                        price_amount=offer.price_amount,
                        currency="EUR",
                        expires_at=offer.expires_at,
                        created_at=offer.created_at,
                    ),
                    OfferTurn(
                        offer_id=offer.id,
                        actor="creator",
                        kind=TurnKind.ACCEPT if accepted else TurnKind.DECLINE,
                        price_amount=offer.price_amount if accepted else None,
                        currency="EUR" if accepted else None,
                        message=None if accepted else "Not for my audience this month.",
                        created_at=offer.responded_at,
                    ),
                ]
            )
        for i, offer in enumerate(rows[:sponsorships]):
            due = (offer.created_at + timedelta(days=14)).date()
            delivered = offer.created_at + timedelta(days=10 + i % 8)
            s.add(
                Sponsorship(
                    offer_id=offer.id,
                    campaign_id=offer.campaign_id,
                    creator_id=creator.id,
                    price_amount=offer.price_amount,
                    currency="EUR",
                    status=SponsorshipStatus.APPROVED,
                    due_on=due,
                    created_at=offer.responded_at,
                    post_url=f"https://example.com/p/{i}",
                    disclosure=True,
                    delivered_at=delivered,
                    first_delivered_at=delivered,
                    reviewed_at=delivered,
                )
            )
        s.flush()
        sweep_reliability(s)
        plain, _ = issue_token(s, creator.account, timedelta(days=1))
        creator_id = creator.id
    with create_engine(url, isolation_level="AUTOCOMMIT").connect() as conn:
        _seed_market(conn, creator_id, market)
        # The planner's statistics, as autovacuum would have them for tables this old.
        conn.execute(text("VACUUM ANALYZE"))
    return plain, creator_id


def _seed_market(conn: Any, creator_id: int, creators: int) -> None:
    """``creators`` other creators around the measured one, 40 offers each (copies of slices
    of its history: same campaigns, statuses and texts), their sponsorships and turns, so
    each table holds a market and the measured creator's rows are a sliver of it, as in a
    real database; the planner's choices depend on it. Written in bulk, not through the ORM:
    their counters are left at zero, and nothing reads them."""
    from sqlalchemy import text

    conn.execute(
        text(
            "INSERT INTO accounts (email, password_hash, role, created_at) "
            "SELECT 'market' || g || '@bench.test', 'x', 'creator', now() "
            "FROM generate_series(1, :n) g"
        ),
        {"n": creators},
    )
    conn.execute(
        text(
            "INSERT INTO creators (account_id, handle, display_name, followers, engagement_rate,"
            " categories, audience, weekly_capacity, is_open, open_categories, verified,"
            " sponsored_share, created_at, updated_at) "
            "SELECT a.id, 'market.' || a.id, 'Market', 12000, 0.04, '[\"skincare\"]',"
            " c.audience, 2, true, '[\"skincare\"]', false, 0.1, now(), now() "
            "FROM accounts a CROSS JOIN (SELECT audience FROM creators WHERE id = :c) c "
            "WHERE a.email LIKE 'market%@bench.test'"
        ),
        {"c": creator_id},
    )
    conn.execute(
        text(
            "INSERT INTO offers (campaign_id, creator_id, price_amount, currency, fit_score,"
            " value, explanation, status, source, explanation_for_creator, expires_at,"
            " created_at, responded_at) "
            "SELECT o.campaign_id, m.id, o.price_amount, o.currency, o.fit_score, o.value,"
            " o.explanation, o.status, o.source, o.explanation_for_creator, o.expires_at,"
            " o.created_at, o.responded_at "
            "FROM creators m CROSS JOIN LATERAL (SELECT * FROM offers WHERE creator_id = :c"
            " ORDER BY id LIMIT 40 OFFSET (m.id % 40) * 40) o WHERE m.id <> :c"
        ),
        {"c": creator_id},
    )
    conn.execute(
        text(
            "INSERT INTO sponsorships (offer_id, campaign_id, creator_id, price_amount, currency,"
            " status, due_on, disclosure, created_at, first_delivered_at, delivered_at,"
            " reviewed_at, rejections, auto_approved) "
            "SELECT o.id, o.campaign_id, o.creator_id, o.price_amount, o.currency, 'approved',"
            " (o.created_at + interval '14 days')::date, true, o.responded_at,"
            " o.created_at + interval '10 days', o.created_at + interval '10 days',"
            " o.created_at + interval '11 days', 0, false "
            "FROM offers o WHERE o.creator_id <> :c AND o.status = 'accepted'"
        ),
        {"c": creator_id},
    )
    conn.execute(
        text(
            "INSERT INTO offer_turns (offer_id, actor, kind, price_amount, currency, message,"
            " expires_at, created_at) "
            "SELECT o.id, t.actor, t.kind, t.price_amount, t.currency, t.message, t.expires_at,"
            " t.created_at FROM offers o "
            "JOIN offers mine ON mine.creator_id = :c AND mine.campaign_id = o.campaign_id"
            " AND mine.created_at = o.created_at "
            "JOIN offer_turns t ON t.offer_id = mine.id WHERE o.creator_id <> :c"
        ),
        {"c": creator_id},
    )


def _run_explanation(handle: str, campaign_id: int, rate: int) -> dict[str, Any]:
    """The brand-side explanation a match run stores (``matching.market.explain``)."""
    parts = {"interests": 0.82, "gender": 0.91, "city_tiers": 0.88, "age": 0.86}
    return {
        "creator": handle,
        "campaign": str(campaign_id),
        "value": 0.7,
        "engaged_target": 700,
        "fit": 0.7,
        "fit_components": parts,
        "rate": rate,
        "engaged_per_unit_of_money": 1.75,
        "binding": "none",
        "text": (
            f"{handle} should reach about 700 engaged people of your target audience for "
            "400.00 EUR (1.8 per unit of money); audience fit 0.70 (interests 0.82, gender "
            "0.91, cities 0.88, age 0.86)."
        ),
    }


def _sqlalchemy_url(database: str) -> str:
    return database.replace("postgresql://", "postgresql+psycopg://", 1)


# --- servers and load -----------------------------------------------------------------------


def start_gunicorn(target: str, port: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("gunicorn")),
            "-w",
            "2",
            "-k",
            "sync",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            target,
        ],
        cwd=ROOT,
        env={**os.environ, **env, "PYTHONPATH": str(ROOT)},
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=1)
            conn.request("GET", "/")
            conn.getresponse().read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"gunicorn {target} did not start on :{port}")


def _ms(value: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)(us|ms|s)", value).groups()  # type: ignore[union-attr]
    return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]


def load_wrk(url: str, headers: dict[str, str], connections: int, duration: int) -> dict:
    args = ["wrk", "-t", "2", "-c", str(connections), "-d", f"{duration}s", "--latency"]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run(
        [*args, url], capture_output=True, text=True, check=True, timeout=duration + 30
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    pct = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.MULTILINE))
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rps,
        "p50_ms": _ms(pct["50"]),
        "p99_ms": _ms(pct["99"]),
        "errors": int(errors.group(1)) if errors else 0,
        "tool": "wrk",
    }


def load_python(url: str, headers: dict[str, str], connections: int, duration: int) -> dict:
    """A bounded Python load generator: ``connections`` threads, one request at a time each."""
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    latencies: list[float] = []
    errors = [0]
    lock = threading.Lock()
    stop = time.monotonic() + duration

    def worker() -> None:
        mine: list[float] = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            conn.close()
            mine.append((time.perf_counter() - started) * 1000)
            if response.status >= 300:
                with lock:
                    errors[0] += 1
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    latencies.sort()
    return {
        "rps": len(latencies) / duration,
        "p50_ms": latencies[len(latencies) // 2],
        "p99_ms": latencies[int(len(latencies) * 0.99)],
        "errors": errors[0],
        "tool": "python",
    }


def count_queries(database: str, token: str) -> dict[str, int]:
    """Queries per request for each route, in process (transaction control left out): read
    again with its body kept, and with nothing kept."""
    from sqlalchemy import event

    from app import create_app

    counts: dict[str, int] = {}
    for suffix, kept in (("", 1024), (COLD, 0)):
        app = create_app(
            {
                "SQLALCHEMY_URL": _sqlalchemy_url(database),
                "SECRET_KEY": "bench",
                "READ_CACHE_MAX_BODIES": kept,
            }
        )
        bound = app.extensions["dandelion.db"]
        engines = {bound.engine, bound.reads_engine}  # the reads have their own pool
        client = app.test_client()
        headers = {"Authorization": f"Bearer {token}"}
        for route in ROUTES:
            assert client.get(route, headers=headers).status_code == 200  # warm
            seen: list[str] = []

            def record(
                conn: Any, cursor: Any, statement: str, *args: Any, seen: list = seen
            ) -> None:
                if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK")):
                    seen.append(statement)

            for engine in engines:
                event.listen(engine, "before_cursor_execute", record)
            try:
                assert client.get(route, headers=headers).status_code == 200
            finally:
                for engine in engines:
                    event.remove(engine, "before_cursor_execute", record)
            counts[route + suffix] = len(seen)
    return counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="postgresql://… (it is wiped)")
    parser.add_argument("--offers", type=int, default=2000)
    parser.add_argument("--sponsorships", type=int, default=300)
    parser.add_argument(
        "--market", type=int, default=2000, help="other creators, 40 offers each, around it"
    )
    parser.add_argument("--duration", type=int, default=10, help="seconds per route (max 60)")
    parser.add_argument("--connections", type=int, default=10)
    parser.add_argument("--port", type=int, default=8760, help="ceiling; Dandelion on +1")
    parser.add_argument("--json", type=Path, default=ROOT / "benchmarks" / "api_results.json")
    args = parser.parse_args()
    duration = max(1, min(args.duration, 60))
    connections = max(1, min(args.connections, 64))

    token, creator_id = seed(args.database, args.offers, args.sponsorships, args.market)
    env = {
        "DANDELION_ENV": "production",
        "DATABASE_URL": _sqlalchemy_url(args.database),
        "SECRET_KEY": "bench",
        "CEILING_DSN": args.database,
        "HSTS_ENABLED": "0",
    }
    env.pop("REDIS_URL", None)
    load = load_wrk if shutil.which("wrk") else load_python
    # Dandelion twice: as configured (read bodies kept while unchanged, the steady state of a
    # creator's app polling), and with READ_CACHE_MAX_BODIES=0 (every read to the database:
    # a first read, or the first after a write it shows).
    servers = [
        start_gunicorn("benchmarks.bench_api:ceiling_app()", args.port, env),
        start_gunicorn("app:create_app()", args.port + 1, env),
        start_gunicorn("app:create_app()", args.port + 2, {**env, "READ_CACHE_MAX_BODIES": "0"}),
    ]
    results: dict[str, Any] = {}
    try:
        ceiling_url = f"http://127.0.0.1:{args.port}{CEILING_ROUTE}?id={creator_id}"
        load(ceiling_url, {}, connections, 2)  # warm-up
        results["ceiling"] = load(ceiling_url, {}, connections, duration)
        auth = {"Authorization": f"Bearer {token}"}
        for port, suffix in ((args.port + 1, ""), (args.port + 2, COLD)):
            for route in ROUTES:
                url = f"http://127.0.0.1:{port}{route}"
                load(url, auth, connections, 2)
                results[route + suffix] = load(url, auth, connections, duration)
        # The ceiling again at the end: a load change during the run shows as a difference.
        results["ceiling, again"] = load(ceiling_url, {}, connections, duration)
    finally:
        for proc in servers:
            proc.send_signal(signal.SIGTERM)
        for proc in servers:
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
    queries = count_queries(args.database, token)
    ceiling = results["ceiling"]["rps"]
    print(
        f"\n{args.offers} offers, {args.sponsorships} sponsorships; gunicorn 2 sync workers; "
        f"{results['ceiling']['tool']}, {connections} connections, {duration} s per route\n"
    )
    print("| route | req/s | p50 ms | p99 ms | share of ceiling | queries/request |")
    print("|---|---:|---:|---:|---:|---:|")
    for name in ("ceiling", "ceiling, again"):
        r = results[name]
        print(
            f"| {name} (bare Flask + psycopg, 1 indexed read) | {r['rps']:.0f} | "
            f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {100 * r['rps'] / ceiling:.0f} % | 1 |"
        )
    for suffix in ("", COLD):
        for route in ROUTES:
            r = results[route + suffix]
            count = queries[route + suffix]
            print(
                f"| `GET {route.removeprefix('/api/v1')}`{suffix} | {r['rps']:.0f} | "
                f"{r['p50_ms']:.2f} | {r['p99_ms']:.2f} | {100 * r['rps'] / ceiling:.0f} % | "
                f"{count} |"
            )
            if r["errors"]:
                print(f"  ({r['errors']} non-2xx responses)")
    args.json.write_text(
        json.dumps(
            {
                "results": results,
                "queries": queries,
                "offers": args.offers,
                "sponsorships": args.sponsorships,
            },
            indent=2,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
