"""Thin job wrapper for open calls: close the calls that are due, in their own session."""

from __future__ import annotations

from collaborations.open_calls import close_due_open_calls
from queueing import job_session


def close_open_calls_job() -> list[int]:
    """Close open calls past their closing time (or whose campaign stopped taking creators):
    applications still submitted become not selected and each applicant is told, once."""
    with job_session() as session:
        return close_due_open_calls(session)
