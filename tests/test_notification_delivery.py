"""Notifications that arrive: a real SMTP server and a real HTTP receiver on 127.0.0.1.

A weekly match run mails each creator it made offers to exactly once and POSTs one signed
delivery per subscribed endpoint; a retried delivery job sends nothing twice; an SMTP failure
is retried by the next sweep; a failing endpoint backs off and is disabled; the channel each
person chooses decides where a notification goes.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from accounts.models import Account
from core.db import session_scope, utcnow
from matching import runs
from notifications.delivery import BACKOFF_S, LEASE_S, DeliverySettings, deliver
from notifications.endpoints import create_endpoint
from notifications.jobs import deliver_notifications_job
from notifications.kinds import Channel
from notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationEmail,
    NotificationStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from notifications.service import notify, set_preferences
from tests.conftest import PASSWORD, ApiUser
from tests.mail_server import _free_port
from tests.market import seed_market
from tests.test_match_runs import FAST
from tests.webhook_receiver import signature_ok


def _factory(app: Any) -> Any:
    return app.extensions["dandelion.db"].session_factory


def _opener(app: Any) -> Any:
    def open_session() -> Any:
        return session_scope(_factory(app))

    return open_session


def _read(app: Any, query: Any) -> list[Any]:
    s = app.extensions["dandelion.db"].read_session_factory()
    try:
        rows = list(s.scalars(query))
        for row in rows:
            if hasattr(row, "__table__"):
                s.expunge(row)
        return rows
    finally:
        s.close()


def _login(client: Any, email: str) -> ApiUser:
    r = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201, r.json
    return ApiUser(client, r.json["token"], 0, 0)


def _sweep(app: Any, now: Any = None, **settings: Any) -> dict[str, int]:
    with app.app_context():
        config = {**app.config, **settings}
        return deliver(_opener(app), DeliverySettings.from_config(config), now).as_dict()


def test_a_weekly_run_mails_each_creator_once_and_signs_one_delivery_per_endpoint(
    make_app, smtp_server, webhook_receiver
):
    app = make_app(**FAST, SMTP_URL=smtp_server.url, PUBLIC_URL="https://dandelion.example.com")
    client = app.test_client()
    with app.app_context(), session_scope(_factory(app)) as s:
        seed_market(s, creators=60, campaigns_per_niche=2)
    # A dozen creators take their new offers by webhook, each with two endpoints (one
    # subscribed to offers.new, one to something else): no email for them. The first does it
    # through the API, the others through the same services.
    hooked = [f"k7-{i}@market.test" for i in range(12)]
    secrets: dict[str, str] = {}
    creator = _login(client, hooked[0])
    r = creator.put(
        "/api/v1/notification-preferences", json={"channels": {"offers.new": "webhook"}}
    )
    assert r.status_code == 200 and r.json["channels"]["offers.new"] == "webhook", r.json
    r = creator.post(
        "/api/v1/webhook-endpoints",
        json={"url": webhook_receiver.url("/hook/0"), "events": ["offers.new"]},
    )
    assert r.status_code == 201, r.json
    secrets["/hook/0"] = r.json["secret"]
    r = creator.post(
        "/api/v1/webhook-endpoints",
        json={"url": webhook_receiver.url("/other/0"), "events": ["payout.sent"]},
    )
    assert r.status_code == 201
    with app.app_context(), session_scope(_factory(app)) as s:
        for n, email in enumerate(hooked[1:], start=1):
            account = s.scalar(select(Account).where(Account.email == email))
            set_preferences(s, account, {"offers.new": Channel.WEBHOOK})
            url = webhook_receiver.url(f"/hook/{n}")
            secrets[f"/hook/{n}"] = create_endpoint(
                s, account, url, ["offers.new"], production=False
            ).secret
            create_endpoint(
                s, account, webhook_receiver.url(f"/other/{n}"), ["payout.sent"], production=False
            )

    with app.app_context(), session_scope(_factory(app)) as s:
        run, _ = runs.request_run(s, "2026-W49")  # embedded: solved after this commit
        run_id = run.id
    offered = {
        a.email
        for a in _read(
            app,
            select(Account)
            .join(Notification, Notification.account_id == Account.id)
            .where(Notification.kind == "offers.new"),
        )
    }
    assert len(offered) > 10, run_id
    mailed = set(offered) - set(hooked)
    # The delivery job ran right after the run's commit (in-process): no sweep was needed.
    creator_mail = [m for m in smtp_server.messages if "@market.test" in str(m["To"])]
    per_creator = Counter(str(m["To"]) for m in creator_mail if str(m["To"]).startswith("k7-"))
    assert set(per_creator) == mailed
    assert set(per_creator.values()) == {1}, "exactly one email per creator"
    message = smtp_server.to(sorted(mailed)[0])[0]
    text = message.get_content()
    assert "https://dandelion.example.com/dashboard/me/notifications" in text
    assert message["Message-ID"].startswith("<notification-")

    hooked_offered = [email for email in hooked if email in offered]
    assert hooked_offered, "the seeded market offers the first creators something"
    for n, email in enumerate(hooked):
        posts = webhook_receiver.at(f"/hook/{n}")
        assert len(posts) == (1 if email in offered else 0)
        for post in posts:
            assert signature_ok(
                secrets[f"/hook/{n}"], post.headers["Dandelion-Signature"], post.body
            )
            assert not signature_ok("whsec_wrong", post.headers["Dandelion-Signature"], post.body)
            payload = post.json
            assert set(payload) == {"id", "kind", "created_at", "subject", "body", "data"}
            assert payload["kind"] == "offers.new" and payload["data"]["run"] == run_id
        assert webhook_receiver.at(f"/other/{n}") == []
        assert smtp_server.to(email) == []

    # A retried job (RQ's retry, the minute's sweep, an operator by hand) sends nothing twice.
    before_mail, before_posts = len(smtp_server.messages), len(webhook_receiver.received)
    with app.app_context():
        report = deliver_notifications_job()
        assert deliver_notifications_job() == report
    assert report == {
        "routed": 0,
        "emails_sent": 0,
        "emails_failed": 0,
        "webhooks_delivered": 0,
        "webhooks_failed": 0,
    }
    # Even past the lease: what was sent is recorded as sent, not merely claimed.
    _sweep(app, utcnow() + timedelta(seconds=LEASE_S + 60))
    assert len(smtp_server.messages) == before_mail
    assert len(webhook_receiver.received) == before_posts
    emails = _read(app, select(NotificationEmail))
    assert {e.status for e in emails} == {DeliveryStatus.DELIVERED}
    assert all(e.attempts == 1 for e in emails)
    assert {n.status for n in _read(app, select(Notification))} == {NotificationStatus.SENT}


def _one_notification(app: Any, account_id: int, subject: str = "Your post was approved") -> int:
    with app.app_context(), session_scope(_factory(app)) as s:
        n = notify(s, account_id, "sponsorship.approved", subject, "Paid on approval.")
        s.flush()
        return n.id


def test_an_smtp_failure_stays_pending_and_the_next_sweep_sends_it_once(
    make_app, make_creator, smtp_server
):
    dead = f"smtp://127.0.0.1:{_free_port()}"  # nothing listens there
    app = make_app(SMTP_URL=dead)
    creator = make_creator()
    notification_id = _one_notification(app, creator.account_id)  # the job ran and failed
    [email] = _read(app, select(NotificationEmail))
    assert email.notification_id == notification_id
    assert email.status is DeliveryStatus.PENDING and email.attempts == 1
    assert email.last_error and "Connection" in email.last_error
    assert smtp_server.messages == []

    # The server is back. A sweep before the backoff leaves it alone; the one after sends it.
    now = utcnow()
    assert _sweep(app, now + timedelta(seconds=10), SMTP_URL=smtp_server.url)["emails_sent"] == 0
    later = now + timedelta(seconds=BACKOFF_S[0] + 1)
    assert _sweep(app, later, SMTP_URL=smtp_server.url)["emails_sent"] == 1
    assert _sweep(app, later, SMTP_URL=smtp_server.url)["emails_sent"] == 0
    [message] = smtp_server.messages
    assert message["Message-ID"] == email.message_id
    assert message["Subject"] == "Your post was approved"
    [email] = _read(app, select(NotificationEmail))
    assert email.status is DeliveryStatus.DELIVERED and email.attempts == 2


def test_an_email_claimed_by_a_vanished_sender_is_sent_after_the_lease_once(
    make_app, make_creator, smtp_server
):
    """A worker that claimed the email and died before sending: nobody sends it during the
    lease (a retried job would be a second copy), the first sweep after it does, once."""
    app = make_app()  # no SMTP at creation: routed, not mailed
    creator = make_creator()
    with app.app_context(), session_scope(_factory(app)) as s:
        n = notify(s, creator.account_id, "payout.sent", "Payout sent", "450.00 EUR is on its way.")
        s.flush()
        nid = n.id
    assert _read(app, select(NotificationEmail)) == []  # SMTP unset: kept and shown, not mailed
    with app.app_context(), session_scope(_factory(app)) as s:
        s.get(Notification, nid).status = NotificationStatus.PENDING  # route it again, with mail
    now = utcnow()
    with app.app_context(), session_scope(_factory(app)) as s:
        from notifications.delivery import claim_emails, route_pending

        settings = DeliverySettings.from_config({**app.config, "SMTP_URL": smtp_server.url})
        assert route_pending(s, settings, now) == 1
        s.flush()
        assert (
            len(claim_emails(s, settings, now)) == 1
        )  # claimed, committed ... and the worker dies
    assert _sweep(app, now + timedelta(seconds=30), SMTP_URL=smtp_server.url)["emails_sent"] == 0
    assert smtp_server.messages == []
    after = now + timedelta(seconds=LEASE_S + 1)
    assert _sweep(app, after, SMTP_URL=smtp_server.url)["emails_sent"] == 1
    assert _sweep(app, after, SMTP_URL=smtp_server.url)["emails_sent"] == 0
    assert len(smtp_server.messages) == 1


def test_app_only_and_webhook_channels_send_no_email(make_app, make_creator, smtp_server):
    app = make_app(SMTP_URL=smtp_server.url)
    creator = make_creator()
    r = creator.put(
        "/api/v1/notification-preferences",
        json={"channels": {"sponsorship.approved": "app", "payout.sent": "webhook"}},
    )
    assert r.status_code == 200, r.json
    _one_notification(app, creator.account_id)
    with app.app_context(), session_scope(_factory(app)) as s:
        notify(s, creator.account_id, "payout.sent", "Payout sent", "On its way.")
        notify(s, creator.account_id, "payout.failed", "Payout failed", "Check your account.")
    [message] = smtp_server.wait_for(1)
    assert message["Subject"] == "Payout failed"  # its default channel: email
    listing = creator.get("/api/v1/notifications").json
    assert listing["total"] == 3 and listing["unread_count"] == 3  # all three are in the app


def test_a_failing_endpoint_backs_off_is_disabled_and_can_be_enabled_again(
    make_app, make_creator, webhook_receiver
):
    app = make_app(WEBHOOK_DISABLE_AFTER_FAILURES=3)
    creator = make_creator()
    creator.put("/api/v1/notification-preferences", json={"channels": {"payout.sent": "webhook"}})
    r = creator.post(
        "/api/v1/webhook-endpoints",
        json={"url": webhook_receiver.url(), "events": ["payout.sent"]},
    )
    endpoint_id, secret = r.json["id"], r.json["secret"]
    webhook_receiver.status = 500
    with app.app_context(), session_scope(_factory(app)) as s:
        notify(s, creator.account_id, "payout.sent", "Payout sent", "On its way.")
    assert len(webhook_receiver.received) == 1  # the first attempt, right after the commit
    [delivery] = _read(app, select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500
    first = delivery.next_attempt_at
    assert delivery.last_attempt_at is not None
    assert abs((first - delivery.last_attempt_at).total_seconds() - BACKOFF_S[0]) < 5

    # Not before its time; then after 1 min and 5 min more. The third failure disables it.
    assert _sweep(app, first - timedelta(seconds=5))["webhooks_delivered"] == 0
    assert len(webhook_receiver.received) == 1
    _sweep(app, first + timedelta(seconds=1))
    [delivery] = _read(app, select(WebhookDelivery))
    assert delivery.attempts == 2
    second = delivery.next_attempt_at
    assert abs((second - first).total_seconds() - (BACKOFF_S[1] + 1)) < 5
    _sweep(app, second + timedelta(seconds=1))
    assert len(webhook_receiver.received) == 3
    [endpoint] = _read(app, select(WebhookEndpoint))
    assert endpoint.disabled_at is not None and endpoint.consecutive_failures == 3
    listed = creator.get("/api/v1/webhook-endpoints").json
    assert listed[0]["disabled_at"] is not None and "secret" not in listed[0]

    # Disabled: nothing is sent however late, and new notifications are not queued for it.
    _sweep(app, second + timedelta(days=2))
    assert len(webhook_receiver.received) == 3
    log = creator.get(f"/api/v1/webhook-endpoints/{endpoint_id}/deliveries").json
    assert log["total"] == 1 and log["items"][0]["status"] == "pending"
    assert log["items"][0]["attempts"] == 3 and log["items"][0]["last_error"] == "HTTP 500"

    # The owner fixes their receiver and re-enables the endpoint: the waiting delivery goes.
    webhook_receiver.status = 204
    r = creator.post(f"/api/v1/webhook-endpoints/{endpoint_id}/enable")
    assert r.status_code == 200 and r.json["disabled_at"] is None, r.json
    assert _sweep(app)["webhooks_delivered"] == 1
    assert signature_ok(secret, webhook_receiver.received[-1].headers["Dandelion-Signature"],
                        webhook_receiver.received[-1].body)  # fmt: skip
    log = creator.get(f"/api/v1/webhook-endpoints/{endpoint_id}/deliveries").json
    item = log["items"][0]
    assert item["status"] == "delivered" and item["attempts"] == 4
    assert item["last_status_code"] == 204 and item["next_attempt_at"] is None
    [endpoint] = _read(app, select(WebhookEndpoint))
    assert endpoint.consecutive_failures == 0


def test_a_delivery_gives_up_after_the_last_backoff(make_app, make_creator, webhook_receiver):
    app = make_app(WEBHOOK_DISABLE_AFTER_FAILURES=100)
    creator = make_creator()
    creator.put("/api/v1/notification-preferences", json={"channels": {"payout.sent": "webhook"}})
    creator.post(
        "/api/v1/webhook-endpoints", json={"url": webhook_receiver.url(), "events": ["payout.sent"]}
    )
    webhook_receiver.status = 503
    with app.app_context(), session_scope(_factory(app)) as s:
        notify(s, creator.account_id, "payout.sent", "Payout sent", "On its way.")
    now = utcnow()
    for wait in BACKOFF_S:
        now += timedelta(seconds=wait + 1)
        _sweep(app, now)
    [delivery] = _read(app, select(WebhookDelivery))
    assert delivery.status is DeliveryStatus.FAILED and delivery.attempts == len(BACKOFF_S) + 1
    _sweep(app, now + timedelta(days=3))
    assert len(webhook_receiver.received) == len(BACKOFF_S) + 1
