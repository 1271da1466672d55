"""The notification sender's failure paths (``notifications.delivery``): two sweeps at once
never send one email twice, and what a sweep could not send stays for the next one."""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

from sqlalchemy import select

from core.db import session_scope, utcnow
from notifications.delivery import DeliverySettings, claim_emails, deliver
from notifications.jobs import deliver_notifications_job
from notifications.models import DeliveryStatus, NotificationEmail
from notifications.service import notify


def _factory(app: Any) -> Any:
    return app.extensions["dandelion.db"].session_factory


def _opener(app: Any) -> Any:
    return lambda: session_scope(_factory(app))


def _queue_unrouted(app: Any, account_id: int, *subjects: str) -> None:
    """Notifications written while mail was off (routed, not mailed), then routed with it:
    a stand-in for rows whose after-commit job never ran (a queue that was down)."""
    from notifications.models import Notification, NotificationStatus

    with app.app_context(), session_scope(_factory(app)) as s:
        for subject in subjects:
            notify(s, account_id, "offers.new", subject, f"body of {subject}")
    with app.app_context(), session_scope(_factory(app)) as s:
        for n in s.scalars(select(Notification)):
            n.status = NotificationStatus.PENDING


def test_two_sweeps_at_once_never_send_an_email_twice(make_app, make_creator, smtp_server):
    """The first sweep has claimed the emails but not yet committed when a second starts (the
    scheduler's next minute). PostgreSQL: the second skips the rows the first holds. SQLite:
    the second waits for the first's write lock and then finds them claimed."""
    app = make_app()
    creator = make_creator()
    _queue_unrouted(app, creator.account_id, "a", "b", "c")
    settings = DeliverySettings.from_config({**app.config, "SMTP_URL": smtp_server.url})
    second: list[dict[str, int]] = []

    def second_sweep() -> None:
        with app.app_context():
            second.append(deliver(_opener(app), settings).as_dict())

    other = threading.Thread(target=second_sweep)
    now = utcnow()
    with app.app_context():
        from notifications.delivery import route_pending, send_due_emails

        with session_scope(_factory(app)) as s:
            assert route_pending(s, settings, now) == 3
        with session_scope(_factory(app)) as s:
            assert len(claim_emails(s, settings, now)) == 3
            other.start()
            other.join(timeout=3)  # PostgreSQL: done by now; SQLite: waiting for our lock
        # the first sweep's claim is committed; it sends what it claimed
        s2 = _factory(app)()
        claimed = s2.scalars(select(NotificationEmail)).all()
        s2.close()
        assert {e.attempts for e in claimed} == {1}
    other.join(timeout=60)
    assert not other.is_alive()
    assert second[0]["emails_sent"] == 0
    # The lease keeps them from a third sweep too; once it passes they go, each once.
    from datetime import timedelta

    from notifications.delivery import LEASE_S

    with app.app_context():
        later = now + timedelta(seconds=LEASE_S + 1)
        assert send_due_emails(_opener(app), settings, later).emails_sent == 3
        assert send_due_emails(_opener(app), settings, later).emails_sent == 0
    assert Counter(m["Subject"] for m in smtp_server.messages) == {"a": 1, "b": 1, "c": 1}


def test_the_scheduled_job_reports_what_it_did(make_app, make_creator, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url)
    creator = make_creator()
    with app.app_context(), session_scope(_factory(app)) as s:
        notify(s, creator.account_id, "offers.new", "hello", "body")
    smtp_server.wait_for(1)  # sent by the job deferred after that commit
    with app.app_context():
        assert deliver_notifications_job()["emails_sent"] == 0
    s = app.extensions["dandelion.db"].read_session_factory()
    [email] = s.scalars(select(NotificationEmail)).all()
    s.close()
    assert email.status is DeliveryStatus.DELIVERED
    runner = app.test_cli_runner()
    result = runner.invoke(args=["jobs", "deliver-notifications"])
    assert result.exit_code == 0, result.output
    assert "0 notifications routed, 0 emails sent" in result.output
