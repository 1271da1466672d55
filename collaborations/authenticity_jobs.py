"""Thin job wrapper for authenticity: the daily recompute of every creator's sponsored share."""

from __future__ import annotations

from flask import current_app

from collaborations.authenticity import recompute_sponsored_shares
from core.db import utcnow
from queueing import job_session


def recompute_sponsored_shares_job() -> int:
    """Daily: recompute ``sponsored_share`` for every creator over the last
    ``SPONSORED_SHARE_WINDOW_DAYS`` (posts age out of the window); returns how many changed."""
    with job_session() as session:
        window = int(current_app.config["SPONSORED_SHARE_WINDOW_DAYS"])
        return recompute_sponsored_shares(session, now=utcnow(), window_days=window)
