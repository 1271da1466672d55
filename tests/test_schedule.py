"""The periodic jobs: one declared list, loadable by `rq cron`, and the weekly catch-up."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from rq.cron import CronScheduler

from config.schedule import PERIODIC_JOBS, WEEKLY_RUN_HOUR_UTC
from core.db import session_scope
from matching import runs
from matching.models import MatchRun, MatchRunStatus
from queueing import resolve

ROOT = Path(__file__).resolve().parents[1]


def test_every_periodic_job_resolves_to_a_function():
    assert {job.func for job in PERIODIC_JOBS} >= {
        "matching.jobs.weekly_matching_job",
        "matching.jobs.expire_offers_job",
        "payments.jobs.pay_pending_payouts_job",
    }
    for job in PERIODIC_JOBS:
        assert callable(resolve(job.func)), job.func
        assert len(job.cron.split()) == 5


def test_rq_cron_loads_the_declared_list(redis_conn):  # noqa: F811
    scheduler = CronScheduler(connection=redis_conn)
    scheduler.load_config_from_file(str(ROOT / "config" / "rq_cron.py"))
    crons = sorted(job.cron for job in scheduler.get_jobs())
    assert crons == sorted(job.cron for job in PERIODIC_JOBS)


def test_weekly_catch_up_runs_the_current_week_once(app, session):
    monday = datetime(2026, 11, 30, tzinfo=UTC)  # ISO week 2026-W49 starts that day
    before = monday.replace(hour=WEEKLY_RUN_HOUR_UTC - 1)
    after = monday.replace(hour=WEEKLY_RUN_HOUR_UTC, minute=20)
    factory = app.extensions["dandelion.db"].session_factory
    with app.app_context(), session_scope(factory) as s:
        assert runs.due_weeks(s, before, WEEKLY_RUN_HOUR_UTC) == []  # not yet time
        assert runs.due_weeks(s, after, WEEKLY_RUN_HOUR_UTC) == ["2026-W49"]  # missed: catch up
        s.add(MatchRun(week="2026-W49", status=MatchRunStatus.SUCCEEDED))
    with app.app_context(), session_scope(factory) as s:
        assert runs.due_weeks(s, after, WEEKLY_RUN_HOUR_UTC) == []  # done: nothing to catch up


def test_the_weekly_job_requests_exactly_the_due_weeks(app, monkeypatch):
    import matching.jobs

    monday_noon = datetime(2026, 11, 30, 12, tzinfo=UTC)
    monkeypatch.setattr(matching.jobs, "utcnow", lambda: monday_noon)
    with app.app_context():
        assert matching.jobs.weekly_matching_job() == ["2026-W49"]  # ran now, in-process
        assert matching.jobs.weekly_matching_job() == []  # once per week
    s = app.extensions["dandelion.db"].read_session_factory()
    assert [r.week for r in s.query(MatchRun)] == ["2026-W49"]
    s.close()
