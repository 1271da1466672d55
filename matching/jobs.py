"""Thin job wrappers for matching: take ids, open sessions, call the run service."""

from __future__ import annotations

from flask import current_app

from collaborations.services import expire_offers
from config.schedule import WEEKLY_RUN_HOUR_UTC
from core.db import utcnow
from matching import runs
from matching.market.records import MatchingPolicy
from notifications.service import RecordingSender, deliver_pending
from queueing import job_session


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
    """Solve one week's matching and write its offers."""
    with job_session():  # the app context, for the settings
        settings = run_settings()
    run = runs.execute_run(job_session, run_id, settings)
    return run.offers_created if run else None


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
