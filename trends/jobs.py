"""Thin job wrappers for the trend snapshots.

Production: ``rq cron`` runs ``snapshot_trends_job`` daily (``config/schedule.py``). Embedded
mode has no scheduler, so reading a trend report runs the snapshot in-process when this week's
is missing or a day old (``flask jobs trend-snapshot`` from the system's cron works too).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from core.db import utcnow
from queueing import enqueue, get_queue, job_session
from trends.services import snapshot_due, snapshot_week, week_start


def snapshot_trends_job() -> int:
    """Snapshot this week's interest shares (both sides) and derive missing past demand weeks;
    returns the rows written."""
    with job_session() as session:
        return snapshot_week(session, utcnow())


def snapshot_in_process_if_due(session: Session) -> bool:
    """Embedded mode only: run the snapshot now if it is due; ``True`` if it ran."""
    now = utcnow()
    if get_queue() is not None or not snapshot_due(session, now):
        return False
    session.rollback()  # end the read transaction: the job writes from a session of its own
    enqueue(snapshot_trends_job, job_id=f"trends-snapshot-{week_start(now.date())}-{now:%j}")
    return True
