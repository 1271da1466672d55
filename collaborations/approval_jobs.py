"""Thin job wrappers for approvals that end: take ids, open a session, call a service, commit."""

from __future__ import annotations

import logging

from flask import current_app

from collaborations import approvals
from extensions import payment_provider
from queueing import job_session

log = logging.getLogger(__name__)


def auto_approve_job() -> int:
    """Hourly: approve and pay every delivered post nobody reviewed within
    ``AUTO_APPROVE_DAYS``. Each post in its own transaction (its payout job goes out when it
    commits); returns how many this run approved. Running it twice, or beside a brand's
    approval, pays each post once."""
    with job_session() as session:
        days = int(current_app.config["AUTO_APPROVE_DAYS"])
        due = approvals.due_for_auto_approval(session, days=days)
    approved = 0
    for sponsorship_id in due:
        try:
            with job_session() as session:
                if approvals.auto_approve(
                    session, sponsorship_id, provider=payment_provider(), days=days
                ):
                    approved += 1
        except Exception:  # one bad row must not hold up the others; next hour retries it
            log.exception("auto-approval of sponsorship %s failed", sponsorship_id)
    return approved
