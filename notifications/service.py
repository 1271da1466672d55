"""Queue notifications in the outbox and deliver them through a sender."""

from __future__ import annotations

import logging
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from core.db import utcnow
from notifications import kinds
from notifications.models import Notification, NotificationStatus

log = logging.getLogger(__name__)


class Sender(Protocol):
    """Delivers one notification (email, webhook, push...); raises to leave it pending."""

    def send(self, notification: Notification) -> None: ...


class RecordingSender:
    """The default: delivery is recording (the outbox row is the message); logs a line."""

    def send(self, notification: Notification) -> None:
        log.info(
            "notification %s to account %s: %s",
            notification.kind,
            notification.account_id,
            notification.subject,
        )


def notify(
    session: Session,
    account_id: int,
    kind: str,
    subject: str,
    body: str,
    data: dict[str, Any] | None = None,
    *,
    dedupe_key: str | None = None,
) -> Notification:
    """Put a notification in the outbox (delivered after commit by ``deliver_pending``).

    ``kind`` must be registered in :mod:`notifications.kinds`. With ``dedupe_key``, a second
    call with the same key (a retried job, a reminder sweep running twice) returns the first
    notification instead of adding another; the unique key settles a race between two writers.
    """
    kinds.kind(kind)
    if dedupe_key is not None:
        existing = session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))
        if existing is not None:
            return existing
    notification = Notification(
        account_id=account_id,
        kind=kind,
        subject=subject,
        body=body,
        data=data or {},
        dedupe_key=dedupe_key,
    )
    if dedupe_key is None:
        session.add(notification)
        return notification
    try:
        with session.begin_nested():
            session.add(notification)
    except IntegrityError:
        # Another writer committed the same key between our read and our insert.
        found = session.scalar(select(Notification).where(Notification.dedupe_key == dedupe_key))
        assert found is not None
        return found
    return notification


def deliver_pending(session: Session, sender: Sender, limit: int = 500) -> int:
    """Send pending notifications; a failing one stays pending for the next sweep.

    The rows are locked as they are read (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so two
    sweeps at once never send the same notification: the second skips what the first holds.
    SQLite's writers run one at a time, so the second sweep only sees what is still pending."""
    sent = 0
    for notification in session.scalars(
        select(Notification)
        .where(Notification.status == NotificationStatus.PENDING)
        .order_by(Notification.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ):
        try:
            sender.send(notification)
        except Exception:
            log.exception("notification %s could not be sent", notification.id)
            continue
        notification.status = NotificationStatus.SENT
        notification.sent_at = utcnow()
        sent += 1
    session.flush()
    return sent
