"""Thin job wrapper for the 24-hour reminders: offers about to expire, open calls about to
close (``collaborations.offer_notices.send_reminders``), in their own session."""

from __future__ import annotations

from collaborations.offer_notices import send_reminders
from queueing import job_session


def send_reminders_job() -> int:
    """Remind creators of offers expiring within 24 h, and applicants and brands of open calls
    closing within 24 h; each reminder once (a rerun adds nothing). Returns how many were due."""
    with job_session() as session:
        due = send_reminders(session)
    return due.offers + due.open_calls
