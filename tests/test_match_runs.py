"""Weekly match runs: in-process (embedded) and on real Redis with RQ workers.

The RQ tests use Redis database 15 (TEST_REDIS_URL to change it), burst workers, and for the
crash test a real `rq worker` process that is killed with SIGKILL in the middle of a solve.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections import Counter, defaultdict
from datetime import timedelta
from pathlib import Path

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select, update

from accounts.models import Creator
from campaigns.models import Campaign
from collaborations.models import Offer, OfferStatus
from core.db import session_scope, utcnow
from matching import runs
from matching.jobs import expire_offers_job
from matching.models import MatchRun, MatchRunStatus
from notifications.models import Notification
from payments.service import remaining_funds
from tests.conftest import REDIS_URL
from tests.market import seed_market

ROOT = Path(__file__).resolve().parents[1]
# No wall clock (a test-only value): the solve is bounded by its rounds, so the offers do not
# depend on the machine's load.
FAST = {
    "MATCH_TIME_LIMIT_S": None,
    "MATCH_INCREMENTAL_TIME_LIMIT_S": None,
    "MATCH_MAX_ROUNDS": 30,
    "MATCH_SEED": 3,
}


def _seed(app, **kw):
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        seed_market(s, **kw)


def _offers(app) -> list[tuple[int, int, int]]:
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        rows = s.execute(select(Offer.creator_id, Offer.campaign_id, Offer.price_amount)).all()
        s.close()
    return sorted(tuple(r) for r in rows)


def assert_offers_fit(app) -> None:
    """Every campaign within budget and slots, every creator within capacity and groups."""
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        spend, count, load = defaultdict(int), Counter(), Counter()
        groups = Counter()
        for offer in s.scalars(select(Offer).where(Offer.status == OfferStatus.PROPOSED)):
            spend[offer.campaign_id] += offer.price_amount
            count[offer.campaign_id] += 1
            load[offer.creator_id] += 1
            if offer.campaign.competitor_group:
                groups[(offer.creator_id, offer.campaign.competitor_group)] += 1
            assert offer.price_amount == offer.creator.rate_amount
            assert offer.explanation["text"]
        for campaign_id, amount in spend.items():
            campaign = s.get(Campaign, campaign_id)
            assert amount <= campaign.budget_amount and count[campaign_id] <= campaign.slots
        for creator_id, n in load.items():
            assert n <= s.get(Creator, creator_id).weekly_capacity
        assert all(n == 1 for n in groups.values())
        s.close()


def worker_env(database_url: str, **settings: str) -> dict[str, str]:
    """The environment of an `rq worker` process on the test database."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "SECRET_KEY": "test",
        "PYTHONPATH": str(ROOT),
        "MATCH_MAX_ROUNDS": "30",
        "MATCH_SEED": "3",
        **settings,
    }


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    """A real `rq worker --burst` process on the matching queue."""
    return subprocess.Popen(
        [sys.executable, "-m", "rq.cli", "worker", "matching", "--url", REDIS_URL, "--burst"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


def kill_tree(pid: int) -> None:
    """SIGKILL a process and all its descendants, like a machine that dies."""
    children = subprocess.run(
        ["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, check=False
    ).stdout.split()
    for child in children:
        kill_tree(int(child))
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _request(app, week: str, **kw) -> tuple[int, bool]:
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        run, queued = runs.request_run(s, week, **kw)
        return run.id, queued


def _run(app, run_id: int) -> MatchRun:
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        run = s.get(MatchRun, run_id)
        s.expunge(run)
        s.close()
    return run


def test_embedded_run_writes_valid_offers_once_per_week(make_app):
    app = make_app(**FAST)
    _seed(app, creators=120, campaigns_per_niche=3)
    run_id, queued = _request(app, "2026-W49")
    run = _run(app, run_id)
    assert queued and run.status is MatchRunStatus.SUCCEEDED
    offers = _offers(app)
    assert run.offers_created == len(offers) > 0
    assert run.bound >= run.objective > 0 and 0 <= run.gap < 0.05 and run.candidates >= len(offers)
    assert_offers_fit(app)
    # asking again (by hand, the scheduler, a retry) changes nothing
    again_id, queued_again = _request(app, "2026-W49")
    assert again_id == run_id and not queued_again and _offers(app) == offers
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        kinds = Counter(s.scalars(select(Notification.kind)))
        s.close()
    assert kinds["offers.new"] == len({creator for creator, _, _ in offers})
    assert kinds["match_run.finished"] == 12


def test_next_week_respects_live_offers_and_expiry_frees_budget(make_app):
    app = make_app(**FAST)
    _seed(app, creators=200, campaigns_per_niche=2, budget=150_000, slots=3)
    # past weeks (a week that has not started is refused), all run today
    first = _run(app, _request(app, "2026-W47")[0])
    assert first.offers_created > 0
    # a second week while the first week's offers are live: nothing above budget or slots
    _request(app, "2026-W48")
    assert_offers_fit(app)
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        held = s.scalar(select(func.count(Offer.id)).where(Offer.status == OfferStatus.PROPOSED))
        s.execute(update(Offer).values(expires_at=utcnow() - timedelta(minutes=1)))
    with app.app_context():
        assert expire_offers_job() == held
    # expired proposals no longer hold money or slots: the next run offers again
    third = _run(app, _request(app, "2026-W49")[0])
    assert third.status is MatchRunStatus.SUCCEEDED and third.offers_created > 0
    assert_offers_fit(app)


def test_rq_run_matches_embedded_run_for_the_same_data_and_seed(make_app, redis_conn, tmp_path):
    embedded = make_app(**FAST)
    _seed(embedded, creators=150, campaigns_per_niche=3)
    _request(embedded, "2026-W49")
    expected = _offers(embedded)
    assert expected
    with (
        embedded.app_context(),
        session_scope(embedded.extensions["dandelion.db"].session_factory) as s,
    ):
        s.execute(Offer.__table__.delete())
        s.execute(MatchRun.__table__.delete())
        from notifications.models import Notification as N

        s.execute(N.__table__.delete())

    queued = make_app(REDIS_URL=REDIS_URL, **FAST)
    run_id, _ = _request(queued, "2026-W49")
    assert _run(queued, run_id).status is MatchRunStatus.QUEUED  # on the queue, not run here
    q = Queue("matching", connection=redis_conn)
    assert q.count == 1
    with queued.app_context():
        SimpleWorker([q], connection=redis_conn).work(burst=True)
    assert _run(queued, run_id).status is MatchRunStatus.SUCCEEDED
    assert _offers(queued) == expected


def test_sharded_run_on_worker_processes_is_feasible_like_a_single_one(
    make_app, redis_conn, database_url
):
    single = make_app(**FAST)
    _seed(single, creators=160, campaigns_per_niche=3)
    single_run = _run(single, _request(single, "2026-W49")[0])
    assert_offers_fit(single)
    with (
        single.app_context(),
        session_scope(single.extensions["dandelion.db"].session_factory) as s,
    ):
        s.execute(Offer.__table__.delete())
        s.execute(Notification.__table__.delete())
        s.execute(MatchRun.__table__.delete())

    sharded = make_app(REDIS_URL=REDIS_URL, MATCH_SHARDS=3, **FAST)
    run_id, _ = _request(sharded, "2026-W49")
    # two real worker processes share the shards, then one of them runs the join
    env = worker_env(database_url, MATCH_SHARDS="3", MATCH_TIME_LIMIT_S="20")
    workers = [start_worker(env) for _ in range(2)]
    try:
        for worker in workers:
            assert worker.wait(timeout=300) == 0
    finally:
        for worker in workers:
            if worker.poll() is None:
                kill_tree(worker.pid)
    run = _run(sharded, run_id)
    assert run.status is MatchRunStatus.SUCCEEDED and run.shards == 3, run.error
    assert run.offers_created == len(_offers(sharded)) > 0
    assert_offers_fit(sharded)
    # creators are kept whole, so a shard loses only cross-category options: here none
    assert run.objective == pytest.approx(single_run.objective, rel=0.02)


def test_a_worker_killed_mid_run_leaves_no_offers_and_the_retry_completes(
    make_app, redis_conn, database_url
):
    slow = {"MATCH_TIME_LIMIT_S": 30.0, "MATCH_MAX_ROUNDS": None}
    app = make_app(REDIS_URL=REDIS_URL, **slow)
    _seed(app, creators=2400, campaigns_per_niche=25, budget=900_000, slots=6)
    run_id, _ = _request(app, "2026-W49")
    worker = start_worker(
        worker_env(database_url, MATCH_TIME_LIMIT_S="30", MATCH_MAX_ROUNDS="none")
    )
    try:
        deadline = time.monotonic() + 120
        while _run(app, run_id).stage != "solving":
            assert worker.poll() is None, "the worker ended before the solve started"
            assert time.monotonic() < deadline, "the run never reached the solve"
            time.sleep(0.05)
        kill_tree(worker.pid)  # the worker and its work horse (its own session), mid-solve
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            kill_tree(worker.pid)
    crashed = _run(app, run_id)
    assert crashed.status is MatchRunStatus.RUNNING and crashed.offers_created is None
    assert _offers(app) == []  # nothing half-written

    # an operator (or the catch-up) asks again: the stale run is queued as a new attempt
    quick = make_app(REDIS_URL=REDIS_URL, **FAST)
    _, queued = _request(quick, "2026-W49", stale_after=timedelta(0))
    assert queued
    q = Queue("matching", connection=redis_conn)
    with quick.app_context():
        SimpleWorker([q], connection=redis_conn).work(burst=True)
    done = _run(quick, run_id)
    assert done.status is MatchRunStatus.SUCCEEDED and done.attempts == 2
    offers = _offers(quick)
    assert done.offers_created == len(offers) > 0 and len(set(offers)) == len(offers)
    assert_offers_fit(quick)
    with quick.app_context():
        s = quick.extensions["dandelion.db"].read_session_factory()
        for campaign in s.scalars(select(Campaign)):
            assert remaining_funds(s, campaign) == campaign.budget_amount  # offers commit nothing
        s.close()
