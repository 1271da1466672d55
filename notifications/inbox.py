"""A person's notifications as they read them in the app: newest first, and marking them read.

Only the reading side; writing and delivery are ``notifications.service``. They flush; the
caller commits.
"""

from __future__ import annotations

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import NotFound
from core.pagination import Page, paginate
from notifications.models import Notification


def list_notifications(
    session: Session, account_id: int, *, page: int = 1, page_size: int = 20
) -> Page[Notification]:
    """The account's notifications, newest first."""
    query = (
        select(Notification)
        .where(Notification.account_id == account_id)
        .order_by(Notification.id.desc())
    )
    return paginate(session, query, page, page_size)


def unread_count(session: Session, account_id: int) -> int:
    """How many of the account's notifications are not read yet."""
    return int(
        session.scalar(
            select(func.count(Notification.id)).where(
                Notification.account_id == account_id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def mark_read(session: Session, account_id: int, notification_id: int) -> Notification:
    """Mark one of the account's notifications read (once: a second time keeps the first
    moment). Another account's notification is not found."""
    notification = session.scalar(
        select(Notification).where(
            Notification.id == notification_id, Notification.account_id == account_id
        )
    )
    if notification is None:
        raise NotFound("Notification not found.")
    if notification.read_at is None:
        notification.read_at = utcnow()
        session.flush()
    return notification


def mark_all_read(session: Session, account_id: int) -> int:
    """Mark every unread notification of the account read; how many were."""
    result = session.execute(
        update(Notification)
        .where(Notification.account_id == account_id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )
    session.flush()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]
