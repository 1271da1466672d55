"""Dashboard page times with 10,000 campaigns in the database (a benchmark, not a test).

Seeds a fresh database (a temp SQLite file, or ``--database-url``) with one brand owning 10,000
campaigns in every state, 400 open creators, a finished match run whose details mention every
published campaign, three offers per published campaign, sponsorships (in progress, waiting for
review, approved and paid) and the ledger entries that go with them. Then it logs in through
the dashboard's own form and times each page with Flask's test client: the time includes
routing, the services, the queries and the template, i.e. the server's time for the page.

    python -m benchmarks.bench_dashboard [--campaigns 10000] [--repeat 20] [--database-url URL]
"""

from __future__ import annotations

import argparse
import os
import random
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from alembic import command
from sqlalchemy import insert, select

TARGET_MS = 150.0
PASSWORD = "benchmark password"
INTERESTS = ("skincare", "makeup", "fashion", "food", "fitness", "travel", "tech", "wellness")


def _audience(rng: random.Random) -> dict[str, Any]:
    tags = rng.sample(INTERESTS, 3)
    weights = [rng.random() + 0.2 for _ in tags]
    total = sum(weights)
    female = round(rng.uniform(0.2, 0.85), 2)
    return {
        "interests": {t: round(w / total, 4) for t, w in zip(tags, weights, strict=True)},
        "gender": {"female": female, "male": round(1 - female, 2)},
        "city_tiers": {"1": 0.4, "2": 0.35, "3": 0.25},
        "age": {"18-24": 0.35, "25-34": 0.45, "35-44": 0.2},
    }


def _fix_sums(profile: dict[str, Any]) -> dict[str, Any]:
    interests = profile["interests"]
    first = next(iter(interests))
    interests[first] = round(interests[first] + 1 - sum(interests.values()), 4)
    return profile


def seed(app: Any, n_campaigns: int, seed_value: int = 7) -> dict[str, Any]:
    """Write the benchmark market with bulk inserts; returns ids the pages need."""
    from accounts.models import Account, Creator, Role
    from accounts.services import create_brand, create_operator, hash_password
    from campaigns.models import Campaign, CampaignStatus
    from collaborations.models import Offer, OfferStatus, Sponsorship, SponsorshipStatus
    from core.db import session_scope
    from matching.models import MatchRun, MatchRunStatus
    from payments.models import LedgerAccount, LedgerEntry, LedgerTransaction, Payout, PayoutStatus

    rng = random.Random(seed_value)
    factory = app.extensions["dandelion.db"].session_factory
    now = datetime.now(UTC)
    today = date.today()
    with app.app_context(), session_scope(factory) as s:
        brand = create_brand(s, name="Bench Brand", email="bench@example.com", password=PASSWORD)
        create_operator(s, email="ops@example.com", password=PASSWORD)
        create_brand(s, name="Other Brand", email="other@example.com", password=PASSWORD)
        brand_id = brand.id
        pw = hash_password(PASSWORD)
        s.execute(
            insert(Account),
            [
                {
                    "email": f"k{i}@example.com",
                    "password_hash": pw,
                    "role": Role.CREATOR,
                    "created_at": now,
                }
                for i in range(400)
            ],
        )
        account_ids = s.scalars(
            select(Account.id).where(Account.role == Role.CREATOR).order_by(Account.id)
        ).all()
        s.execute(
            insert(Creator),
            [
                {
                    "account_id": aid, "handle": f"creator_{i:03d}", "display_name": f"Creator {i}",
                    "followers": rng.randint(2_000, 200_000), "engagement_rate": round(rng.uniform(0.02, 0.09), 3),
                    "categories": ["skincare", "beauty"], "audience": _fix_sums(_audience(rng)),
                    "rate_amount": rng.randint(100, 900) * 100, "rate_currency": "EUR", "weekly_capacity": 3,
                    "is_open": True, "open_categories": ["skincare"], "created_at": now, "updated_at": now,
                }
                for i, aid in enumerate(account_ids)
            ],
        )  # fmt: skip
        creator_ids = s.scalars(select(Creator.id).order_by(Creator.id)).all()
        weights = [
            (CampaignStatus.DRAFT, 0.25), (CampaignStatus.FUNDED, 0.1), (CampaignStatus.PUBLISHED, 0.5),
            (CampaignStatus.COMPLETED, 0.1), (CampaignStatus.CANCELLED, 0.05),
        ]  # fmt: skip
        statuses = rng.choices([w[0] for w in weights], [w[1] for w in weights], k=n_campaigns)
        rows = []
        for i, status in enumerate(statuses):
            rows.append({
                "brand_id": brand_id, "title": f"Campaign {i:05d}: winter serum",
                "brief": "Show our serum in your evening routine, in your own words.",
                "category": "skincare", "competitor_group": None,
                "budget_amount": rng.randint(20, 200) * 10_000, "currency": "EUR", "slots": rng.randint(2, 6),
                "min_creators": 0, "target_audience": _fix_sums(_audience(rng)), "min_followers": 1_000,
                "max_followers": None, "starts_on": today, "ends_on": today + timedelta(days=30),
                "status": status, "created_at": now, "updated_at": now,
                "funded_at": None if status is CampaignStatus.DRAFT else now,
            })  # fmt: skip
        for start in range(0, len(rows), 2_000):
            s.execute(insert(Campaign), rows[start : start + 2_000])
        campaigns = s.execute(
            select(Campaign.id, Campaign.status, Campaign.budget_amount, Campaign.slots)
            .where(Campaign.brand_id == brand_id)
            .order_by(Campaign.id)
        ).all()
        run = MatchRun(
            week="2026-W01", status=MatchRunStatus.SUCCEEDED, stage="done", progress=100,
            objective=1234.5, bound=1240.1, gap=0.0045, seconds=12.3, solver_status="feasible",
            candidates=250_000, offers_created=0, created_at=now, finished_at=now, details={},
        )  # fmt: skip
        s.add(run)
        s.flush()

        # Ledger accounts: clearing, revenue, each funded campaign's available + committed.
        s.execute(
            insert(LedgerAccount),
            [
                {"code": "provider:clearing", "currency": "EUR"},
                {"code": "platform:revenue", "currency": "EUR"},
            ],
        )
        funded = [c for c in campaigns if c.status is not CampaignStatus.DRAFT]
        s.execute(
            insert(LedgerAccount),
            [
                {"code": f"campaign:{c.id}:{kind}", "currency": "EUR"}
                for c in funded
                for kind in ("available", "committed")
            ]
            + [{"code": f"creator:{k}:payable", "currency": "EUR"} for k in creator_ids],
        )
        account_of = dict(s.execute(select(LedgerAccount.code, LedgerAccount.id)).all())
        txns: list[dict[str, Any]] = []
        entries: list[tuple[int, list[tuple[str, int]]]] = []

        def book(
            reference: str,
            kind: str,
            campaign_id: int,
            legs: list[tuple[str, int]],
            sponsorship_id: int | None = None,
        ) -> None:
            txns.append(
                {
                    "reference": reference,
                    "kind": kind,
                    "campaign_id": campaign_id,
                    "sponsorship_id": sponsorship_id,
                    "memo": {},
                    "created_at": now,
                }
            )
            entries.append((len(txns) - 1, legs))

        for c in funded:
            fee = c.budget_amount // 10
            book(
                f"campaign:{c.id}:funding",
                "funding",
                c.id,
                [
                    ("provider:clearing", c.budget_amount + fee),
                    (f"campaign:{c.id}:available", -c.budget_amount),
                    ("platform:revenue", -fee),
                ],
            )

        offers, details = [], {}
        published = [c for c in campaigns if c.status is CampaignStatus.PUBLISHED]
        for c in published:
            chosen = rng.sample(creator_ids, 3)
            for k in chosen:
                offers.append({
                    "match_run_id": run.id, "campaign_id": c.id, "creator_id": k, "price_amount": rng.randint(100, 900) * 100,
                    "currency": "EUR", "fit_score": round(rng.uniform(0.4, 0.98), 3), "value": 1.0,
                    "explanation": {"text": f"creator_{k:03d} should reach about 1,200 engaged people of your target audience.",
                                    "fit_components": {"interests": 0.9, "gender": 0.8, "city_tiers": 0.9, "age": 0.85}},
                    "status": OfferStatus.PROPOSED, "expires_at": now + timedelta(days=7), "created_at": now,
                })  # fmt: skip
            details[str(c.id)] = {
                "campaign": str(c.id), "assigned": 3, "slots": c.slots, "spend": 150_000, "budget": c.budget_amount,
                "unfilled_slots": max(0, c.slots - 3), "unfilled_reason": "budget" if c.slots > 3 else None,
                "left_out": [{"creator": "creator_001", "value": 0.4, "reason": "budget", "text": "Their rate is above what is left of your budget."}],
                "text": f"3 of {c.slots} slots filled for EUR 1,500.00 of EUR {c.budget_amount / 100:,.2f}.",
            }  # fmt: skip
        run.details = {"campaigns": details}
        run.offers_created = len(offers)
        for start in range(0, len(offers), 5_000):
            s.execute(insert(Offer), offers[start : start + 5_000])
        # The first offer of each published campaign was accepted: active, delivered or approved.
        first_offers = s.execute(
            select(Offer.id, Offer.campaign_id, Offer.creator_id, Offer.price_amount)
            .where(Offer.match_run_id == run.id)
            .order_by(Offer.id)
        ).all()
        seen, sponsorship_rows = set(), []
        for offer_id, campaign_id, creator_id, price in first_offers:
            if campaign_id in seen:
                continue
            seen.add(campaign_id)
            state = rng.choice(
                [SponsorshipStatus.ACTIVE, SponsorshipStatus.DELIVERED, SponsorshipStatus.APPROVED]
            )
            sponsorship_rows.append({
                "offer_id": offer_id, "campaign_id": campaign_id, "creator_id": creator_id, "price_amount": price,
                "currency": "EUR", "status": state, "due_on": today + timedelta(days=30),
                "post_url": None if state is SponsorshipStatus.ACTIVE else f"https://example.com/p/{offer_id}",
                "disclosure": state is not SponsorshipStatus.ACTIVE, "created_at": now,
                "delivered_at": None if state is SponsorshipStatus.ACTIVE else now,
            })  # fmt: skip
        s.execute(
            Offer.__table__.update()
            .where(Offer.id.in_([r["offer_id"] for r in sponsorship_rows]))
            .values(status=OfferStatus.ACCEPTED)
        )
        s.execute(insert(Sponsorship), sponsorship_rows)
        sponsorships = s.execute(
            select(
                Sponsorship.id,
                Sponsorship.campaign_id,
                Sponsorship.creator_id,
                Sponsorship.price_amount,
                Sponsorship.status,
            )
        ).all()
        payouts = []
        for sid, cid, kid, price, state in sponsorships:
            book(
                f"sponsorship:{sid}:commit",
                "commit",
                cid,
                [(f"campaign:{cid}:available", price), (f"campaign:{cid}:committed", -price)],
                sid,
            )
            if state is SponsorshipStatus.APPROVED:
                book(
                    f"sponsorship:{sid}:payout",
                    "payout",
                    cid,
                    [(f"campaign:{cid}:committed", price), (f"creator:{kid}:payable", -price)],
                    sid,
                )
                payouts.append({"sponsorship_id": sid, "creator_id": kid, "amount": price, "currency": "EUR", "status": PayoutStatus.PAID,
                                "provider": "ledger", "idempotency_key": f"sponsorship:{sid}:transfer", "attempts": 1, "created_at": now, "paid_at": now})  # fmt: skip
        s.execute(insert(Payout), payouts)
        for start in range(0, len(txns), 5_000):
            s.execute(insert(LedgerTransaction), txns[start : start + 5_000])
        txn_ids = dict(s.execute(select(LedgerTransaction.reference, LedgerTransaction.id)).all())
        entry_rows = [
            {
                "transaction_id": txn_ids[txns[i]["reference"]],
                "account_id": account_of[code],
                "amount": amount,
                "currency": "EUR",
            }
            for i, legs in entries
            for code, amount in legs
        ]
        for start in range(0, len(entry_rows), 10_000):
            s.execute(insert(LedgerEntry), entry_rows[start : start + 10_000])
        pick = {
            status: next(c.id for c in reversed(campaigns) if c.status is status)
            for status in CampaignStatus
        }
        delivered = next(
            sid for sid, _, _, _, st in reversed(sponsorships) if st is SponsorshipStatus.DELIVERED
        )
        return {
            "brand_id": brand_id, "run_id": run.id, "campaigns": pick, "delivered": delivered,
            "counts": {"campaigns": len(campaigns), "offers": len(offers), "sponsorships": len(sponsorships),
                       "ledger_entries": len(entry_rows), "published": len(published)},
        }  # fmt: skip


def _login(client: Any, email: str) -> None:
    page = client.get("/dashboard/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    r = client.post(
        "/dashboard/login", data={"csrf_token": token, "email": email, "password": PASSWORD}
    )
    assert r.status_code == 302, r.get_data(as_text=True)[:500]


def time_pages(client: Any, pages: list[tuple[str, str]], repeat: int) -> list[dict[str, Any]]:
    """Median and worst server time of each page over ``repeat`` requests (after a warm-up)."""
    results = []
    for name, url in pages:
        first_ms = 0.0
        for n in range(2):
            start = time.perf_counter()
            r = client.get(url)
            if n == 0:  # the first request of a page also fills caches (e.g. a run's details)
                first_ms = (time.perf_counter() - start) * 1000
            assert r.status_code == 200, (url, r.status_code, r.get_data(as_text=True)[:500])
        times, cpu = [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            r = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - start_cpu) * 1000)
            assert r.status_code == 200
        times.sort()
        results.append({
            "page": name, "url": url, "median_ms": statistics.median(times),
            "p95_ms": times[max(0, int(round(0.95 * len(times))) - 1)], "max_ms": times[-1],
            "first_ms": first_ms, "cpu_ms": statistics.median(cpu),
        })  # fmt: skip
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--campaigns", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    parser.add_argument(
        "--database-url", default=None, help="an empty database (default: temp SQLite)"
    )
    args = parser.parse_args(argv)

    from app import create_app
    from campaigns.models import CampaignStatus
    from cli import alembic_config

    tmp = tempfile.mkdtemp(prefix="bench-dashboard-")
    url = args.database_url or f"sqlite:///{os.path.join(tmp, 'bench.sqlite')}"
    url = url.replace("postgresql://", "postgresql+psycopg://", 1)
    command.upgrade(alembic_config(url), "head")
    app = create_app({
        "SQLALCHEMY_URL": url, "SECRET_KEY": "bench", "RATELIMIT_ENABLED": False,
        "ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024,
    })  # fmt: skip
    app.instance_path = tmp
    import logging

    logging.getLogger().setLevel(logging.WARNING)
    start = time.perf_counter()
    ids = seed(app, args.campaigns)
    print(f"seeded {ids['counts']} in {time.perf_counter() - start:.1f} s ({url.split(':')[0]})")
    c = ids["campaigns"]
    pub, draft = c[CampaignStatus.PUBLISHED], c[CampaignStatus.DRAFT]
    brand = app.test_client()
    _login(brand, "bench@example.com")
    brand_pages = [
        ("campaigns list", "/dashboard/campaigns"),
        ("campaigns list, page 200", "/dashboard/campaigns?page=200"),
        ("campaigns list, published", "/dashboard/campaigns?status=published&page=50"),
        ("new campaign form", "/dashboard/campaigns/new"),
        ("campaign overview", f"/dashboard/campaigns/{pub}"),
        ("edit form", f"/dashboard/campaigns/{draft}/edit"),
        ("fund confirmation", f"/dashboard/campaigns/{draft}/fund"),
        ("matches", f"/dashboard/campaigns/{pub}/matches"),
        ("sponsorships", f"/dashboard/campaigns/{pub}/sponsorships"),
        ("report", f"/dashboard/campaigns/{pub}/report"),
        ("reviews (all campaigns)", "/dashboard/reviews"),
        ("approve confirmation", f"/dashboard/sponsorships/{ids['delivered']}/approve"),
    ]
    operator = app.test_client()
    _login(operator, "ops@example.com")
    results = time_pages(brand, brand_pages, args.repeat)
    results += time_pages(operator, [("operator: match runs", "/dashboard/operator/runs"),
                                     ("operator: run detail", f"/dashboard/operator/runs/{ids['run_id']}")], args.repeat)  # fmt: skip
    results += time_pages(app.test_client(), [("login", "/dashboard/login")], args.repeat)
    print(
        f"\n| page | first request ms | median ms | p95 ms | median CPU ms | p95 ≤ {TARGET_MS:.0f} ms |"
    )
    print("|---|---|---|---|---|---|")
    worst = 0.0
    for r in results:
        worst = max(worst, r["p95_ms"])
        ok = "yes" if r["p95_ms"] <= TARGET_MS else "**no**"
        print(
            f"| {r['page']} | {r['first_ms']:.1f} | {r['median_ms']:.1f} | {r['p95_ms']:.1f} "
            f"| {r['cpu_ms']:.1f} | {ok} |"
        )
    return 0 if worst <= TARGET_MS else 1


if __name__ == "__main__":
    sys.exit(main())
