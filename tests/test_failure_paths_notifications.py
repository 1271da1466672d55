"""The notification sender (``notifications.service.deliver_pending``): it sends what the outbox
holds, leaves a notification whose sending failed pending for the next sweep, and never sends
one twice, not even when two sweeps run at once."""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import select

from core.db import session_scope
from matching.jobs import deliver_notifications_job
from notifications.models import Notification, NotificationStatus
from notifications.service import deliver_pending, notify


class OutboxSender:
    """A sender that keeps what it sent (a real ``Sender``: the outbox's only contract)."""

    def __init__(self, fail_on: set[str] | None = None) -> None:
        self.sent: list[tuple[int, str]] = []
        self.fail_on = fail_on or set()

    def send(self, notification: Notification) -> None:
        if notification.subject in self.fail_on:
            raise ConnectionError(f"mail server refused {notification.subject!r}")
        self.sent.append((notification.id, notification.subject))


def _factory(app: Any) -> Any:
    return app.extensions["dandelion.db"].session_factory


def _queue(app: Any, account_id: int, *subjects: str) -> list[int]:
    with app.app_context(), session_scope(_factory(app)) as s:
        rows = [
            notify(s, account_id, "offers.new", subject, f"body of {subject}")
            for subject in subjects
        ]
        s.flush()
        return [n.id for n in rows]


def _deliver(app: Any, sender: Any) -> int:
    with app.app_context(), session_scope(_factory(app)) as s:
        return deliver_pending(s, sender)


def _rows(app: Any) -> dict[str, Notification]:
    s = app.extensions["dandelion.db"].read_session_factory()
    rows = {n.subject: n for n in s.scalars(select(Notification))}
    s.close()
    return rows


def test_pending_notifications_are_sent_once_and_marked_sent(app, make_creator):
    creator = make_creator()
    ids = _queue(app, creator.account_id, "first", "second", "third")
    sender = OutboxSender()
    assert _deliver(app, sender) == 3
    assert sender.sent == list(zip(ids, ["first", "second", "third"], strict=True))
    rows = _rows(app)
    assert {n.status for n in rows.values()} == {NotificationStatus.SENT}
    assert all(n.sent_at is not None for n in rows.values())

    assert _deliver(app, sender) == 0  # the next sweep finds nothing to send
    assert len(sender.sent) == 3
    with app.app_context():
        assert deliver_notifications_job() == 0  # the scheduled job: same outbox, same answer


def test_a_notification_that_fails_to_send_stays_pending_for_the_next_sweep(app, make_creator):
    creator = make_creator()
    _queue(app, creator.account_id, "ok", "bounces", "also ok")
    flaky = OutboxSender(fail_on={"bounces"})
    assert _deliver(app, flaky) == 2
    assert [subject for _, subject in flaky.sent] == ["ok", "also ok"]
    rows = _rows(app)
    assert rows["bounces"].status is NotificationStatus.PENDING
    assert rows["bounces"].sent_at is None
    assert rows["ok"].status is NotificationStatus.SENT

    healthy = OutboxSender()
    assert _deliver(app, healthy) == 1
    assert [subject for _, subject in healthy.sent] == ["bounces"]
    assert _rows(app)["bounces"].status is NotificationStatus.SENT


def test_two_sweeps_at_once_never_send_a_notification_twice(app, make_creator):
    """The first sweep is slow on its first message; a second sweep starts meanwhile (the
    scheduler's next minute). PostgreSQL: the second skips the rows the first holds. SQLite:
    the second waits for the first's write lock and then finds everything sent."""
    creator = make_creator()
    _queue(app, creator.account_id, "a", "b", "c")
    second_sender = OutboxSender()
    second_result: list[int] = []

    def second_sweep() -> None:
        second_result.append(_deliver(app, second_sender))

    other = threading.Thread(target=second_sweep)

    class SlowSender(OutboxSender):
        def send(self, notification: Notification) -> None:
            if not self.sent:
                other.start()
                other.join(timeout=3)  # PostgreSQL: done by now; SQLite: waiting for our lock
            super().send(notification)

    first_sender = SlowSender()
    first = _deliver(app, first_sender)
    other.join(timeout=60)
    assert not other.is_alive()
    sent = [subject for _, subject in first_sender.sent + second_sender.sent]
    assert sorted(sent) == ["a", "b", "c"]  # each exactly once
    assert first + second_result[0] == 3
    assert {n.status for n in _rows(app).values()} == {NotificationStatus.SENT}
