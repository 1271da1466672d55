"""Deferred jobs: services ask for background work; it is dispatched only after commit.

Services stay free of Flask and RQ: they call ``defer_job(session, func, *args, job_id=...)``.
When the session commits, each deferred job goes to the dispatcher that the application
installed (RQ, or in-process in embedded mode); a rollback drops them.
"""

from __future__ import annotations

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


def set_dispatcher(dispatcher: Callable[[DeferredJob], None] | None) -> None:
    """Install the function that runs or enqueues deferred jobs (done by ``create_app``)."""
    global _dispatcher
    _dispatcher = dispatcher


def defer_job(session: Session, func: str, *args: Any, job_id: str, queue: str = "default") -> None:
    """Run ``func(*args)`` in the background once ``session`` commits; ``job_id`` dedupes."""
    session.info.setdefault("deferred_jobs", []).append(DeferredJob(func, args, job_id, queue))


@event.listens_for(Session, "after_commit")
def _dispatch_after_commit(session: Session) -> None:
    jobs: list[DeferredJob] = session.info.pop("deferred_jobs", [])
    if jobs and _dispatcher is None:
        raise RuntimeError("deferred jobs need a dispatcher; create_app installs one")
    for job in jobs:
        assert _dispatcher is not None
        _dispatcher(job)


@event.listens_for(Session, "after_rollback")
def _drop_after_rollback(session: Session) -> None:
    session.info.pop("deferred_jobs", None)
