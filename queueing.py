"""Background jobs: RQ on Redis in production, the same functions in-process when embedded.

Jobs take ids, open their own session through ``job_session()`` and commit once. Services ask
for jobs with ``core.jobs.defer_job``; ``dispatch`` sends them here only after their commit.
"""

from __future__ import annotations

import importlib
import logging
import re
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from flask import Flask, current_app, has_app_context
from redis import Redis
from rq import Queue, Retry
from rq.exceptions import DuplicateJobError, NoSuchJobError
from rq.job import Job
from rq.registry import StartedJobRegistry
from sqlalchemy.orm import Session

from core.db import session_scope
from core.jobs import DeferredJob
from extensions import db

log = logging.getLogger(__name__)

DEFAULT_TIMEOUT_S = 15 * 60
RESULT_TTL_S = 7 * 24 * 3600  # results stay for inspection for a week
RETRY = Retry(max=3, interval=[10, 60, 300])  # backoff: 10 s, 1 min, 5 min
_worker_app: Flask | None = None
_JOB_ID_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


def redis_connection(url: str) -> Redis:
    """A Redis connection for RQ (bytes responses, as RQ expects)."""
    return Redis.from_url(url)


def get_queue(name: str = "default", app: Flask | None = None) -> Queue | None:
    """The RQ queue, or ``None`` in embedded mode (no ``REDIS_URL``)."""
    app = app or _app_for_job()
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    return Queue(name, connection=redis_connection(url), default_timeout=DEFAULT_TIMEOUT_S)


def rq_job_id(key: str) -> str:
    """RQ job ids allow letters, digits, ``_`` and ``-``: ``payout:12`` becomes ``payout-12``."""
    return _JOB_ID_UNSAFE.sub("-", key)


def resolve(func: str | Callable[..., Any]) -> Callable[..., Any]:
    """A job function from its dotted path (RQ resolves the same paths in workers)."""
    if callable(func):
        return func
    module, _, name = func.rpartition(".")
    return getattr(importlib.import_module(module), name)  # type: ignore[no-any-return]


def enqueue(
    func: str | Callable[..., Any],
    *args: Any,
    job_id: str,
    queue: str = "default",
    timeout: int = DEFAULT_TIMEOUT_S,
    retry: Retry | None = RETRY,
) -> str:
    """Run ``func(*args)`` on the queue, once per ``job_id``; embedded mode runs it now.

    A job id that is already queued, running or kept as a result is not enqueued again, so the
    same work cannot be queued twice.
    """
    job_id = rq_job_id(job_id)
    q = get_queue(queue)
    if q is None:
        try:
            resolve(func)(*args)
        except Exception:
            # In-process jobs are retried like RQ's failed ones: by their periodic sweep or by
            # hand. The transaction that asked for the job has committed either way.
            log.exception("in-process job %s failed", job_id)
        return job_id
    try:
        q.enqueue_call(
            func,
            args=args,
            job_id=job_id,
            timeout=timeout,
            result_ttl=RESULT_TTL_S,
            failure_ttl=RESULT_TTL_S,
            retry=retry,
            unique=True,
        )
    except DuplicateJobError:
        log.info("job %s already exists; not enqueued again", job_id)
    return job_id


QUEUE_NAMES = ("matching", "default")  # the queues `rq worker matching default` serves
LIVE_STATUSES = frozenset({"created", "queued", "started", "deferred", "scheduled"})
LIVE_STATUSES |= {"rate_limited", "ready_to_enqueue"}  # RQ 3: still on its way to a worker


def job_statuses(keys: Iterable[str], app: Flask | None = None) -> dict[str, str | None] | None:
    """RQ's status of each job (``None``: no such job in Redis), by the key it was asked for
    with (``payout:12``); ``None`` in embedded mode, where jobs never outlive their request.

    First lets RQ handle abandoned jobs (``StartedJobRegistry.cleanup()``): a job whose worker
    died stops heartbeating and, about 90 seconds later, is retried if it has retries left or
    moved to the failed registry, so a dead worker's job never reads as running.
    """
    app = app or _app_for_job()
    url = app.config.get("REDIS_URL")
    if not url:
        return None
    conn = redis_connection(url)
    for name in QUEUE_NAMES:
        StartedJobRegistry(name, connection=conn).cleanup()
    keys = list(dict.fromkeys(keys))
    jobs = Job.fetch_many([rq_job_id(k) for k in keys], connection=conn) if keys else []
    return {k: _status(j) for k, j in zip(keys, jobs, strict=True)}


def _status(job: Job | None) -> str | None:
    if job is None:
        return None
    status = job.get_status(refresh=False)
    return str(getattr(status, "value", status))


def live_jobs(keys: Iterable[str]) -> set[str]:
    """The keys whose job is still on its way or running (none in embedded mode)."""
    statuses = job_statuses(keys) or {}
    return {k for k, status in statuses.items() if status in LIVE_STATUSES}


def missing_jobs(keys: Iterable[str]) -> set[str]:
    """The keys with no job at all in Redis (lost with it, or never enqueued); none embedded."""
    statuses = job_statuses(keys) or {}
    return {k for k, status in statuses.items() if status is None}


def discard_job(key: str, app: Flask | None = None) -> None:
    """Delete a finished, failed or stopped job, so its id can be enqueued again."""
    app = app or _app_for_job()
    url = app.config.get("REDIS_URL")
    if not url:
        return
    try:
        job = Job.fetch(rq_job_id(key), connection=redis_connection(url))
    except NoSuchJobError:
        return
    if _status(job) not in LIVE_STATUSES:
        job.delete()


def dispatch(job: DeferredJob) -> None:
    """The dispatcher for ``core.jobs``: enqueue on RQ, or run now in embedded mode."""
    enqueue(job.func, *job.args, job_id=job.job_id, queue=job.queue)


def _app_for_job() -> Flask:
    """The app of this process: the current one, or one built once per worker process."""
    global _worker_app
    if has_app_context():
        return current_app._get_current_object()  # type: ignore[attr-defined]
    if _worker_app is None:
        from app import create_app

        _worker_app = create_app()
    return _worker_app


@contextmanager
def job_session() -> Iterator[Session]:
    """A session for a job: commits on success, rolls back on error."""
    app = _app_for_job()
    with app.app_context(), session_scope(db.session_factory) as session:
        yield session
