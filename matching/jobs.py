"""Thin job wrappers for matching: take ids, open sessions, call the run service."""

from __future__ import annotations

from typing import Any

from flask import current_app
from rq.job import Job, JobStatus

from collaborations.services import expire_offers
from config.schedule import WEEKLY_RUN_HOUR_UTC
from core.db import utcnow
from matching import runs
from matching.market.records import MatchingPolicy
from notifications.service import RecordingSender, deliver_pending
from queueing import enqueue, get_queue, job_session


def run_settings() -> runs.RunSettings:
    """The run settings from the app's configuration."""
    cfg = current_app.config
    return runs.RunSettings(
        policy=MatchingPolicy(
            min_fit=cfg["MATCH_MIN_FIT"],
            max_sponsored_share=cfg["MATCH_MAX_SPONSORED_SHARE"],
            top_k=cfg["MATCH_TOP_K"],
            max_offers_per_week=cfg["MATCH_MAX_OFFERS_PER_WEEK"],
        ),
        time_limit_s=cfg["MATCH_TIME_LIMIT_S"],
        workers=cfg["MATCH_WORKERS"],
        seed=cfg["MATCH_SEED"],
        max_rounds=cfg["MATCH_MAX_ROUNDS"],
        offer_ttl_days=cfg["OFFER_TTL_DAYS"],
    )


def run_match_job(run_id: int) -> int | None:
    """Solve one week's matching and write its offers (or fan out its shards)."""
    with job_session():  # the app context, for the settings
        settings = run_settings()
        shards = current_app.config["MATCH_SHARDS"]
    run = runs.execute_run(job_session, run_id, settings, shards=shards, run_shards=_run_shards)
    return run.offers_created if run else None


def _run_shards(run_id: int, count: int) -> None:
    """Solve each shard as its own RQ job (any worker, in parallel) and join them after;
    embedded mode solves them one after the other here."""
    queue = get_queue("matching")
    if queue is None:
        outcomes = [solve_shard_job(run_id, k) for k in range(count)]
        with job_session():
            settings = run_settings()
        runs.join_shards(job_session, run_id, outcomes, settings)
        return
    with job_session() as session:
        attempt = runs.get_run(session, run_id).attempts
    prefix = f"match-run:{run_id}:{attempt}"
    ids = [
        enqueue(
            "matching.jobs.solve_shard_job",
            run_id,
            k,
            job_id=f"{prefix}:shard:{k}",
            queue="matching",
        )
        for k in range(count)
    ]
    enqueue(
        "matching.jobs.join_shards_job",
        run_id,
        ids,
        job_id=f"{prefix}:join",
        queue="matching",
        depends_on=ids,
    )


def solve_shard_job(run_id: int, index: int) -> dict[str, Any]:
    """Solve shard ``index`` of a planned run; the result is the job's return value."""
    with job_session():
        settings = run_settings()
    return runs.solve_shard(job_session, run_id, index, settings)


def join_shards_job(run_id: int, shard_job_ids: list[str]) -> int:
    """Collect the shards' results from RQ, validate the union and write the offers."""
    queue = get_queue("matching")
    assert queue is not None
    jobs = Job.fetch_many(shard_job_ids, connection=queue.connection)
    outcomes = []
    for job_id, job in zip(shard_job_ids, jobs, strict=True):
        if job is None or job.get_status() != JobStatus.FINISHED:
            raise RuntimeError(f"shard job {job_id} did not finish")
        outcomes.append(job.return_value())
    with job_session():
        settings = run_settings()
    run = runs.join_shards(job_session, run_id, outcomes, settings)
    return run.offers_created or 0


def weekly_matching_job() -> list[str]:
    """The scheduled entry point: request this week's run once its slot has passed."""
    with job_session() as session:
        weeks = runs.due_weeks(session, utcnow(), WEEKLY_RUN_HOUR_UTC)
        for week in weeks:
            runs.request_run(session, week)
    return weeks


def expire_offers_job() -> int:
    """Expire proposals past their deadline, freeing their budget and slots."""
    with job_session() as session:
        return expire_offers(session)


def deliver_notifications_job() -> int:
    """Send what the outbox holds through the configured sender."""
    with job_session() as session:
        return deliver_pending(session, RecordingSender())
