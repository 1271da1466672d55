"""Thin job wrappers for results: the flush of clicks counted in Redis."""

from __future__ import annotations

import logging

from flask import current_app

from queueing import job_session, redis_connection
from results import tracking

log = logging.getLogger(__name__)
MAX_BATCHES = 100  # per run: a backlog larger than this waits a minute for the next run


def flush_clicks_job() -> int:
    """Every minute: move clicks from the Redis stream into the database, a batch per
    transaction, acknowledged only after the commit. Returns how many were inserted (0 in
    embedded mode, where clicks are inserted as they happen)."""
    with job_session():
        url = current_app.config.get("REDIS_URL")
    if not url:
        return 0
    redis = redis_connection(url)
    inserted = 0
    for _ in range(MAX_BATCHES):
        entries = tracking.read_batch(redis)
        if not entries:
            break
        with job_session() as session:
            inserted += tracking.store_clicks(session, tracking.batch_rows(entries))
        tracking.acknowledge(redis, [entry_id for entry_id, _ in entries])
    return inserted
