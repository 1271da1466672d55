"""Thin job wrappers for notification delivery (RQ in production, in-process embedded)."""

from __future__ import annotations

from flask import current_app

from notifications.delivery import DeliverySettings, deliver
from queueing import job_session


def deliver_notifications_job() -> dict[str, int]:
    """Route new notifications and send the emails and webhooks that are due (every minute,
    and right after each commit that wrote notifications)."""
    with job_session():  # the app context, for the settings
        settings = DeliverySettings.from_config(current_app.config)
    return deliver(job_session, settings).as_dict()
