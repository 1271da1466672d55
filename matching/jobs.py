"""Thin job wrappers for matching: take ids, open sessions, call the run service."""

from __future__ import annotations

import json
from typing import Any

from flask import current_app

from collaborations.reliability_counters import sweep_reliability
from collaborations.services import expire_offers
from config.schedule import WEEKLY_RUN_HOUR_UTC
from core.db import utcnow
from matching import runs
from matching.market.records import MatchingPolicy
from queueing import RESULT_TTL_S, discard_job, enqueue, get_queue, job_session, live_jobs


def run_settings() -> runs.RunSettings:
    """The run settings from the app's configuration."""
    cfg = current_app.config
    return runs.RunSettings(
        policy=MatchingPolicy(
            min_fit=cfg["MATCH_MIN_FIT"],
            max_sponsored_share=cfg["MATCH_MAX_SPONSORED_SHARE"],
            top_k=cfg["MATCH_TOP_K"],
            max_offers_per_week=cfg["MATCH_MAX_OFFERS_PER_WEEK"],
            koc_max_followers=cfg["MATCH_KOC_MAX_FOLLOWERS"],
        ),
        time_limit_s=cfg["MATCH_TIME_LIMIT_S"],
        workers=cfg["MATCH_WORKERS"],
        seed=cfg["MATCH_SEED"],
        max_rounds=cfg["MATCH_MAX_ROUNDS"],
        offer_ttl_days=cfg["OFFER_TTL_DAYS"],
        incremental_time_limit_s=cfg["MATCH_INCREMENTAL_TIME_LIMIT_S"],
        fair_exposure=cfg["MATCH_FAIR_EXPOSURE"],
        fair_exposure_max_cost=cfg["MATCH_FAIR_EXPOSURE_MAX_COST"],
    )


def run_match_job(run_id: int) -> int | None:
    """Solve a run (a week's, or an incremental one) and write its offers (or fan out its
    shards). When RQ retries a failed incremental run's job, the run is queued again first."""
    with job_session() as session:  # the app context, for the settings
        settings = run_settings()
        shards = current_app.config["MATCH_SHARDS"]
        runs.prepare_retry(session, run_id)
    run = runs.execute_run(job_session, run_id, settings, shards=shards, run_shards=_run_shards)
    return run.offers_created if run else None


def _run_shards(run_id: int, count: int) -> None:
    """Solve each shard as its own RQ job (any worker, in parallel); the shard that completes
    the set enqueues the join. Embedded mode solves them one after the other here."""
    queue = get_queue("matching")
    if queue is None:
        outcomes = [_solve_shard(run_id, k) for k in range(count)]
        with job_session():
            settings = run_settings()
        runs.join_shards(job_session, run_id, outcomes, settings)
        return
    with job_session() as session:
        attempt = runs.get_run(session, run_id).attempts
    prefix = f"match-run:{run_id}:{attempt}"
    for k in range(count):
        enqueue(
            "matching.jobs.solve_shard_job",
            run_id,
            k,
            count,
            prefix,
            job_id=f"{prefix}:shard:{k}",
            queue="matching",
        )


def _solve_shard(run_id: int, index: int) -> dict[str, Any]:
    with job_session():
        settings = run_settings()
    return runs.solve_shard(job_session, run_id, index, settings)


def solve_shard_job(run_id: int, index: int, count: int, prefix: str) -> int:
    """Solve shard ``index`` of a planned run and file its result in Redis; the shard whose
    result completes the set (an atomic HSET + HLEN) enqueues the join."""
    outcome = _solve_shard(run_id, index)
    queue = get_queue("matching")
    assert queue is not None
    key = f"dandelion:{prefix}:shards"
    pipe = queue.connection.pipeline(transaction=True)
    pipe.hset(key, str(index), json.dumps(outcome))
    pipe.hlen(key)
    pipe.expire(key, RESULT_TTL_S)
    _, filed, _ = pipe.execute()
    if filed == count:
        enqueue(
            "matching.jobs.join_shards_job",
            run_id,
            key,
            count,
            job_id=f"{prefix}:join",
            queue="matching",
        )
    return len(outcome["offers"])


def join_shards_job(run_id: int, key: str, count: int) -> int:
    """Collect every shard's result, validate the union against the database, write the offers."""
    queue = get_queue("matching")
    assert queue is not None
    filed = queue.connection.hgetall(key)
    if len(filed) != count:
        raise RuntimeError(f"run {run_id}: {len(filed)} of {count} shard results found")
    outcomes = [json.loads(filed[str(k).encode()]) for k in range(count)]
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


def retry_incremental_runs_job() -> list[int]:
    """The sweep: queue again this week's incremental runs that failed or were lost."""
    with job_session() as session:
        return runs.retry_incremental_runs(session, utcnow())


def recover_orphaned_runs_job() -> list[int]:
    """The orphan sweep (every minute): queued or running runs that no live RQ job carries
    (lost with Redis, or their worker killed) are queued again. A no-op in embedded mode."""
    if get_queue("matching") is None:
        return []
    with job_session() as session:
        return runs.recover_orphaned_runs(session, live_jobs, discard_job)


def expire_offers_job() -> int:
    """Expire proposals past their deadline, freeing their budget and slots."""
    with job_session() as session:
        expired = expire_offers(session)
        # The same pass counts the silence past 48 h and the posts past due into the
        # creators' reliability counters (collaborations/reliability_counters.py).
        sweep_reliability(session)
        return expired
