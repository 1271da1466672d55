"""The outbox and the person's side of it: queue notifications (``notify``), list them, mark
them read, choose a channel per kind. Delivery is ``notifications.delivery``, in jobs."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from sqlalchemy import event, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Account
from core.db import utcnow
from core.errors import InvalidInput, NotFound
from core.jobs import defer_job
from core.pagination import Page, paginate
from notifications import kinds
from notifications.kinds import Channel
from notifications.models import Notification, NotificationPreference

DELIVER_JOB = "notifications.jobs.deliver_notifications_job"

log = logging.getLogger(__name__)


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
    """Put a notification in the outbox; a delivery job runs after the commit (``_deliver_soon``).

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


@event.listens_for(Session, "after_flush")
def _deliver_soon(session: Session, _flush_context: Any) -> None:
    """Ask for a delivery job once a transaction that wrote notifications commits, so mail goes
    out within seconds rather than at the next minute's sweep. One job per transaction, its id
    taken from the first notification written (RQ does not queue one id twice)."""
    new = [obj.id for obj in session.new if isinstance(obj, Notification)]
    if not new:
        return
    deferred = session.info.get("deferred_jobs", [])
    if any(job.func == DELIVER_JOB for job in deferred):
        return
    defer_job(session, DELIVER_JOB, job_id=f"notifications:deliver:{min(new)}")


# --- the person's notifications ---------------------------------------------------------------


def list_notifications(
    session: Session,
    account_id: int,
    *,
    unread: bool | None = None,
    page: int = 1,
    page_size: int = 20,
) -> Page[Notification]:
    """The person's notifications, newest first; ``unread=True``: only those not read yet
    (``False``: only read ones)."""
    query = select(Notification).where(Notification.account_id == account_id)
    if unread is True:
        query = query.where(Notification.read_at.is_(None))
    elif unread is False:
        query = query.where(Notification.read_at.is_not(None))
    return paginate(session, query.order_by(Notification.id.desc()), page, page_size)


def unread_count(session: Session, account_id: int) -> int:
    """How many of the person's notifications are unread (the bell)."""
    return int(
        session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(Notification.account_id == account_id, Notification.read_at.is_(None))
        )
        or 0
    )


def mark_read(session: Session, account_id: int, notification_id: int) -> Notification:
    """Mark one of the person's notifications read (again: keeps the first time); another
    person's is a 404 like a missing one."""
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


def mark_all_read(session: Session, account_id: int, now: datetime | None = None) -> int:
    """Mark every unread notification of the person read; returns how many were."""
    result = session.execute(
        update(Notification)
        .where(Notification.account_id == account_id, Notification.read_at.is_(None))
        .values(read_at=now or utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- preferences ------------------------------------------------------------------------------


def _audience(account: Account) -> kinds.Audience:
    return kinds.Audience(account.role.value)


def preferences(session: Session, account: Account) -> list[tuple[kinds.Kind, Channel]]:
    """Every kind the person's role receives, in the registry's order, with its channel (their
    choice, or the kind's default)."""
    chosen = dict(
        session.execute(
            select(NotificationPreference.kind, NotificationPreference.channel).where(
                NotificationPreference.account_id == account.id
            )
        ).all()
    )
    return [(k, chosen.get(k.key, k.default)) for k in kinds.kinds_for(_audience(account))]


def set_preferences(
    session: Session, account: Account, channels: dict[str, Channel]
) -> list[tuple[kinds.Kind, Channel]]:
    """Choose the channel of some kinds (the others keep theirs). A kind the person's role
    does not receive is a 422 naming it."""
    allowed = {k.key for k in kinds.kinds_for(_audience(account))}
    unknown = sorted(set(channels) - allowed)
    if unknown:
        raise InvalidInput(
            "Some kinds are not notifications you receive.",
            {
                key: [f"Not a notification kind for {account.role.value} accounts."]
                for key in unknown
            },
        )
    existing = {
        p.kind: p
        for p in session.scalars(
            select(NotificationPreference).where(NotificationPreference.account_id == account.id)
        )
    }
    for key, channel in channels.items():
        if key in existing:
            existing[key].channel = channel
        else:
            session.add(NotificationPreference(account_id=account.id, kind=key, channel=channel))
    session.flush()
    return preferences(session, account)
