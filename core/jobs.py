"""Deferred jobs: services ask for background work; it is dispatched only after commit.

Services stay free of Flask and RQ: they call ``defer_job(session, func, *args, job_id=...)``.
When the session commits, each deferred job goes to the dispatcher that the application
installed (RQ, or in-process in embedded mode); a rollback drops them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class DeferredJob:
    """A job to run once the transaction that asked for it has committed."""

    func: str  # dotted path, e.g. "payments.jobs.execute_payout_job" (RQ takes the same)
    args: tuple[Any, ...]
    job_id: str
    queue: str = "default"


_dispatcher: Callable[[DeferredJob], None] | None = None
log = logging.getLogger(__name__)


def set_dispatcher(dispatcher: Callable[[DeferredJob], None] | None) -> None:
    """Install the function that runs or enqueues deferred jobs (done by ``create_app``)."""
    global _dispatcher
    _dispatcher = dispatcher


def defer_job(session: Session, func: str, *args: Any, job_id: str, queue: str = "default") -> None:
    """Run ``func(*args)`` in the background once ``session`` commits; ``job_id`` dedupes."""
    session.info.setdefault("deferred_jobs", []).append(DeferredJob(func, args, job_id, queue))


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    # SQLAlchemy also fires after_commit when a SAVEPOINT is released (``begin_nested``); the
    # outer transaction is still open then, so its jobs wait for the real commit.
    if session.in_nested_transaction():
        return
    jobs: list[DeferredJob] = session.info.pop("deferred_jobs", [])
    if jobs and _dispatcher is None:
        raise RuntimeError("deferred jobs need a dispatcher; create_app installs one")
    for job in jobs:
        assert _dispatcher is not None
        try:
            _dispatcher(job)
        except Exception:
            # The transaction has committed and stays committed. Every deferred job's work is
            # also found by a periodic sweep (pending payouts and refunds, stale match runs),
            # so a queue that was briefly down delays the work but does not lose it.
            log.exception("job %s could not be dispatched; its sweep will pick it up", job.job_id)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    # A SAVEPOINT rolled back (a lost insert race, caught) fires this too; the outer
    # transaction goes on and keeps the jobs it asked for (each job is keyed and idempotent).
    if session.in_nested_transaction():
        return
    session.info.pop("deferred_jobs", None)
