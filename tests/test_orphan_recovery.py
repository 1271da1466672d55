"""Orphaned jobs on real Redis: runs, payouts and refunds whose RQ job vanished (Redis emptied)
or whose worker died are found by the minute sweep through RQ's own registries and queued again.

Redis database 15 (or TEST_REDIS_URL); the jobs run on ``SimpleWorker`` bursts in this process.
"""

from __future__ import annotations

from typing import Any

import pytest
from rq import Queue, SimpleWorker
from rq.job import Job, JobStatus
from rq.registry import FailedJobRegistry, StartedJobRegistry
from sqlalchemy import func, select

from config.schedule import PERIODIC_JOBS
from core.db import session_scope, utcnow
from matching import runs
from matching.jobs import recover_orphaned_runs_job
from matching.models import MatchRun, MatchRunKind, MatchRunStatus
from payments.jobs import requeue_lost_payment_jobs_job
from payments.models import (
    CampaignRefund,
    LedgerTransaction,
    Payout,
    PayoutStatus,
    RefundStatus,
)
from queueing import rq_job_id
from tests.conftest import REDIS_URL
from tests.factories import offer_factory
from tests.market import seed_market
from tests.payments_fixtures import accept, approve, assert_ledger_ok, creator_with_profile, deliver

# No wall clock (a test-only value): the solve is bounded by its rounds, so the offers do not
# depend on the machine's load.
FAST = {
    "MATCH_TIME_LIMIT_S": None,
    "MATCH_INCREMENTAL_TIME_LIMIT_S": None,
    "MATCH_MAX_ROUNDS": 20,
    "MATCH_SEED": 3,
}


def lost_worker(run_id: int) -> None:
    """Stands in for a job whose worker died or whose solve crashed the process."""
    raise RuntimeError(f"worker running match run {run_id} was killed")


@pytest.fixture
def app(make_app: Any, redis_conn: Any) -> Any:
    """The app in production mode: jobs go to RQ on the test Redis."""
    return make_app(REDIS_URL=REDIS_URL, **FAST)


def _factory(app: Any) -> Any:
    return app.extensions["dandelion.db"].session_factory


def _seed(app: Any) -> None:
    with app.app_context(), session_scope(_factory(app)) as s:
        seed_market(s, creators=40, campaigns_per_niche=1)


def _add_run(app: Any, **fields: Any) -> int:
    """A run row as a worker or a request left it (its job is whatever the test puts in RQ)."""
    values = {
        "week": runs.current_week(),
        "kind": MatchRunKind.WEEKLY,
        "scope": {},
        "status": MatchRunStatus.QUEUED,
        "stage": "queued",
        "progress": 0,
        **fields,
    }
    with app.app_context(), session_scope(_factory(app)) as s:
        run = MatchRun(**values)
        s.add(run)
        s.flush()
        return run.id


def _run(app: Any, run_id: int) -> MatchRun:
    s = app.extensions["dandelion.db"].read_session_factory()
    run = s.get(MatchRun, run_id)
    assert run is not None
    s.expunge(run)
    s.close()
    return run


def _sweep(app: Any) -> list[int]:
    with app.app_context():
        return recover_orphaned_runs_job()


def _work(app: Any, conn: Any, *queues: str) -> None:
    with app.app_context():
        SimpleWorker([Queue(q, connection=conn) for q in queues], connection=conn).work(burst=True)


def test_the_sweeps_run_every_minute_off_the_matching_queue():
    crons = {job.func: (job.cron, job.queue) for job in PERIODIC_JOBS}
    assert crons["matching.jobs.recover_orphaned_runs_job"] == ("* * * * *", "default")
    assert crons["payments.jobs.requeue_lost_payment_jobs_job"] == ("* * * * *", "default")


def test_a_queued_run_whose_job_vanished_is_queued_again_and_completes(app, redis_conn):
    _seed(app)
    with app.app_context(), session_scope(_factory(app)) as s:
        run, queued = runs.request_run(s, runs.current_week())
        run_id = run.id
    assert queued
    matching = Queue("matching", connection=redis_conn)
    assert matching.count == 1
    redis_conn.flushdb()  # Redis lost everything; the row still says "queued"
    assert _run(app, run_id).status is MatchRunStatus.QUEUED

    assert _sweep(app) == [run_id]
    assert matching.job_ids == [rq_job_id(f"match-run:{runs.current_week()}:1")]
    assert _sweep(app) == []  # its job is queued now: a second sweep adds nothing
    assert matching.count == 1

    _work(app, redis_conn, "matching")
    done = _run(app, run_id)
    assert (done.status, done.attempts) == (MatchRunStatus.SUCCEEDED, 1)
    assert done.offers_created and done.offers_created > 0
    assert _sweep(app) == []


def test_a_running_run_whose_job_failed_is_queued_as_a_new_attempt(app, redis_conn):
    _seed(app)
    week = runs.current_week()
    run_id = _add_run(
        app, status=MatchRunStatus.RUNNING, stage="solving", attempts=1, started_at=utcnow()
    )
    # Its job (attempt 1) died with no retries left: RQ put it in the failed registry, and the
    # run row was never told.
    matching = Queue("matching", connection=redis_conn)
    matching.enqueue_call(
        f"{__name__}.lost_worker", args=(run_id,), job_id=rq_job_id(f"match-run:{week}:1")
    )
    _work(app, redis_conn, "matching")
    failed = FailedJobRegistry("matching", connection=redis_conn)
    assert failed.get_job_ids() == [rq_job_id(f"match-run:{week}:1")]
    assert _run(app, run_id).status is MatchRunStatus.RUNNING

    assert _sweep(app) == [run_id]
    run = _run(app, run_id)
    assert (run.status, run.attempts) == (MatchRunStatus.QUEUED, 1)
    assert matching.job_ids == [rq_job_id(f"match-run:{week}:2")]  # attempt 2

    _work(app, redis_conn, "matching")
    run = _run(app, run_id)
    assert (run.status, run.attempts) == (MatchRunStatus.SUCCEEDED, 2)


def test_a_running_run_whose_worker_died_is_found_through_the_started_registry(app, redis_conn):
    run_id = _add_run(
        app,
        kind=MatchRunKind.INCREMENTAL,
        scope={"creator_id": 7},
        status=MatchRunStatus.RUNNING,
        stage="solving",
        attempts=1,
        started_at=utcnow(),
    )
    key = rq_job_id(f"match-incremental:creator:7:{run_id}:1")
    matching = Queue("matching", connection=redis_conn)
    job = matching.enqueue_call(f"{__name__}.lost_worker", args=(run_id,), job_id=key)
    # A worker took it and was SIGKILLed: the job says "started", its execution's heartbeat
    # has expired in the started registry, and nothing will ever finish it.
    matching.remove(job)
    job.set_status(JobStatus.STARTED)
    started = StartedJobRegistry("matching", connection=redis_conn)
    redis_conn.zadd(started.key, {f"{key}:dead-execution": 1})
    assert Job.fetch(key, connection=redis_conn).get_status() == JobStatus.STARTED

    assert _sweep(app) == [run_id]  # RQ's cleanup moved it to failed; the run is queued again
    assert Job.fetch(key, connection=redis_conn).get_status() == JobStatus.FAILED
    assert matching.job_ids == [rq_job_id(f"match-incremental:creator:7:{run_id}:2")]
    assert _run(app, run_id).status is MatchRunStatus.QUEUED


def test_a_run_lost_too_often_is_marked_failed_not_requeued_forever(app, redis_conn):
    run_id = _add_run(
        app,
        status=MatchRunStatus.RUNNING,
        attempts=runs.MAX_INCREMENTAL_ATTEMPTS,
        started_at=utcnow(),
    )
    assert _sweep(app) == []
    run = _run(app, run_id)
    assert run.status is MatchRunStatus.FAILED and "lost" in (run.error or "")
    assert Queue("matching", connection=redis_conn).count == 0


def test_a_run_whose_job_is_queued_or_running_is_left_alone(app, redis_conn):
    with app.app_context(), session_scope(_factory(app)) as s:
        run, _ = runs.request_run(s, runs.current_week())
        queued_id = run.id
    matching = Queue("matching", connection=redis_conn)
    assert matching.count == 1
    # and one running under its attempt's job (a live worker, heartbeating)
    running_id = _add_run(
        app,
        kind=MatchRunKind.INCREMENTAL,
        scope={"campaign_id": 3},
        status=MatchRunStatus.RUNNING,
        attempts=1,
        started_at=utcnow(),
    )
    key = rq_job_id(f"match-incremental:campaign:3:{running_id}:1")
    job = Queue("other", connection=redis_conn).enqueue_call(
        f"{__name__}.lost_worker", args=(running_id,), job_id=key
    )
    job.set_status(JobStatus.STARTED)

    assert _sweep(app) == []
    assert _sweep(app) == []
    assert matching.count == 1  # no duplicate
    assert _run(app, queued_id).status is MatchRunStatus.QUEUED
    assert _run(app, running_id).status is MatchRunStatus.RUNNING


def test_the_sweep_is_a_no_op_in_embedded_mode(make_app):
    embedded = make_app()
    run_id = _add_run(embedded, status=MatchRunStatus.RUNNING, attempts=1, started_at=utcnow())
    with embedded.app_context():
        assert recover_orphaned_runs_job() == []
        assert requeue_lost_payment_jobs_job() == []
    assert _run(embedded, run_id).status is MatchRunStatus.RUNNING


def test_a_pending_payout_whose_job_vanished_is_paid_exactly_once(
    app, session, redis_conn, make_brand, make_creator, make_campaign
):
    brand = make_brand()
    campaign = make_campaign(brand, state="published")
    creator = creator_with_profile(make_creator)
    offer = offer_factory(session)(campaign, creator, price_amount=120_000)
    sponsorship = accept(creator, offer.id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    default = Queue("default", connection=redis_conn)
    session.rollback()
    payout = session.scalar(select(Payout).where(Payout.sponsorship_id == sponsorship["id"]))
    assert payout is not None and payout.status is PayoutStatus.PENDING
    payout_id = payout.id
    # beside the notices' delivery jobs (the approval told the creator), one payout job
    payout_jobs = [j for j in default.job_ids if not j.startswith("notifications")]
    assert payout_jobs == [rq_job_id(f"payout:{payout_id}")]
    session.rollback()

    redis_conn.flushdb()  # approved just before Redis lost its data: the transfer job is gone
    with app.app_context():
        assert requeue_lost_payment_jobs_job() == [f"payout:{payout_id}"]
        assert requeue_lost_payment_jobs_job() == []  # queued now: not twice
    assert default.job_ids == [rq_job_id(f"payout:{payout_id}")]

    _work(app, redis_conn, "default")
    session.rollback()
    payout = session.get(Payout, payout_id)
    assert payout.status is PayoutStatus.PAID and payout.attempts == 1
    transfers = session.scalar(
        select(func.count(LedgerTransaction.id)).where(
            LedgerTransaction.reference == f"sponsorship:{sponsorship['id']}:transfer"
        )
    )
    assert transfers == 1
    session.rollback()
    with app.app_context():
        assert requeue_lost_payment_jobs_job() == []  # paid: nothing pending
    assert_ledger_ok(app, session)


def test_a_pending_refund_whose_job_vanished_is_refunded_exactly_once(
    app, session, redis_conn, make_brand, make_campaign
):
    brand = make_brand()
    cid = make_campaign(brand, state="published")["id"]
    r = brand.post(f"/api/v1/campaigns/{cid}/cancel")
    assert r.status_code == 200, r.get_json()
    session.rollback()
    refund = session.scalar(select(CampaignRefund).where(CampaignRefund.campaign_id == cid))
    assert refund is not None and refund.status is RefundStatus.PENDING
    refund_id = refund.id
    session.rollback()

    redis_conn.flushdb()
    with app.app_context():
        assert requeue_lost_payment_jobs_job() == [f"refund:{refund_id}"]
        assert requeue_lost_payment_jobs_job() == []
    _work(app, redis_conn, "default")
    session.rollback()
    refund = session.get(CampaignRefund, refund_id)
    assert refund.status is RefundStatus.SUCCEEDED and refund.attempts == 1
    session.rollback()
    assert_ledger_ok(app, session)
