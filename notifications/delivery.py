"""Getting notifications to people: by email (SMTP) and by signed webhooks, from jobs only.

A sweep (``deliver``) has three steps, each in its own short transaction:

1. **Route**: every notification still ``pending`` in the outbox gets the deliveries its
   person's channel asks for (an email row when the channel is email and SMTP is configured;
   one webhook delivery per active endpoint subscribed to the kind when it is webhook) and is
   marked ``sent`` (it left the outbox). The unique constraints (one email per notification,
   one delivery per endpoint and notification) keep a route from ever doubling a delivery.
2. **Email**: due emails are *claimed* and the claim committed before anything is sent (the
   claim pushes ``next_attempt_at`` a lease ahead), then each is sent and its outcome recorded.
   A retried or concurrent job finds nothing due and sends nothing twice.
3. **Webhooks**: the same claim–send–record for due webhook deliveries, with retries on a
   backoff schedule and the endpoint disabled after repeated failures.

The residual window: a process killed after the SMTP server (or the endpoint) accepted a
message and before the outcome was committed sends it again once the lease has passed
(at-least-once, milliseconds wide). The resent email carries the same Message-ID
(``<notification-ID@host>``) and the resent webhook the same notification ``id``, so mail
systems and receivers can tell it is the same message.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import logging
import secrets
import smtplib
import socket
import time
from collections import defaultdict
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from accounts.models import Account, Role
from core.db import utcnow
from notifications import kinds
from notifications.kinds import Channel
from notifications.mailer import SmtpSettings, build_message, send_message
from notifications.models import (
    DeliveryStatus,
    Notification,
    NotificationEmail,
    NotificationPreference,
    NotificationStatus,
    WebhookDelivery,
    WebhookEndpoint,
)

log = logging.getLogger(__name__)

# After the n-th failed attempt the next one waits BACKOFF_S[n - 1]; after the last, it fails.
BACKOFF_S: tuple[int, ...] = (60, 5 * 60, 30 * 60, 2 * 3600, 12 * 3600)
MAX_ATTEMPTS = len(BACKOFF_S) + 1
# A claimed delivery whose sender vanished (killed worker) is due again after this.
LEASE_S = 10 * 60
SIGNATURE_HEADER = "Dandelion-Signature"
# Where the email's link leads, by the recipient's role (the creator pages own theirs).
NOTIFICATION_PAGES = {
    Role.BRAND: "/dashboard/notifications",
    Role.OPERATOR: "/dashboard/notifications",
    Role.CREATOR: "/dashboard/me/notifications",
}

OpenSession = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class DeliverySettings:
    """What a sweep needs from the configuration (``from_config``)."""

    smtp: SmtpSettings | None
    public_url: str
    webhook_timeout_s: float = 5.0
    disable_after_failures: int = 10
    production: bool = False  # webhooks only to hosts that resolve to public addresses

    @classmethod
    def from_config(cls, config: Any) -> DeliverySettings:
        url = config.get("SMTP_URL")
        return cls(
            smtp=SmtpSettings.from_url(url, config["MAIL_FROM"]) if url else None,
            public_url=str(config["PUBLIC_URL"]).rstrip("/"),
            webhook_timeout_s=float(config["WEBHOOK_TIMEOUT_S"]),
            disable_after_failures=int(config["WEBHOOK_DISABLE_AFTER_FAILURES"]),
            production=config.get("DANDELION_ENV") == "production",
        )


@dataclass
class DeliveryReport:
    """What one sweep did."""

    routed: int = 0
    emails_sent: int = 0
    emails_failed: int = 0
    webhooks_delivered: int = 0
    webhooks_failed: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


# --- signing ----------------------------------------------------------------------------------


def new_secret() -> str:
    """An endpoint's signing secret (shown to its owner once)."""
    return "whsec_" + secrets.token_hex(24)


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The ``Dandelion-Signature`` header: ``t=<unix>,v1=<hex HMAC-SHA256 of "t.body">``."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={mac.hexdigest()}"


def webhook_payload(notification: Notification) -> bytes:
    """The POST body: ``{id, kind, created_at, subject, body, data}`` as compact JSON."""
    return json.dumps(
        {
            "id": notification.id,
            "kind": notification.kind,
            "created_at": notification.created_at.isoformat(),
            "subject": notification.subject,
            "body": notification.body,
            "data": notification.data or {},
        },
        separators=(",", ":"),
        sort_keys=True,
    ).encode()


def url_problem(url: str, *, production: bool) -> str | None:
    """Why an endpoint URL is refused, or ``None``. Production takes only https to a public
    host (no loopback, private or link-local address written as such); embedded mode and tests
    also take http, e.g. a receiver on 127.0.0.1."""
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        return "Give an absolute http(s) URL, e.g. https://example.com/dandelion-webhooks."
    if not production:
        return None
    if parts.scheme != "https":
        return "Webhook endpoints must use https."
    host = parts.hostname.lower()
    if host == "localhost" or host.endswith(".localhost"):
        return "Webhook endpoints must be reachable on the internet, not localhost."
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        try:  # the resolver's numeric shorthands: 127.1, 2130706433, 0x7f000001
            address = ipaddress.ip_address(socket.inet_aton(host))
        except OSError:
            return None
    if not address.is_global:
        return "Webhook endpoints must be reachable on the internet, not a private address."
    return None


def resolves_to_private(url: str) -> bool:
    """Whether the URL's host resolves to any address that is not public (checked again at
    each send, so a name re-pointed at an internal host after sign-up is not posted to)."""
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError:
        return False  # unresolvable: the POST fails as a connection error
    return any(not ipaddress.ip_address(info[4][0]).is_global for info in infos)


# --- the sweep --------------------------------------------------------------------------------


def deliver(
    open_session: OpenSession, settings: DeliverySettings, now: datetime | None = None
) -> DeliveryReport:
    """One sweep: route new notifications, then send due emails and webhooks (see module)."""
    now = now or utcnow()
    report = DeliveryReport()
    with open_session() as session:
        report.routed = route_pending(session, settings, now)
    send_due_emails(open_session, settings, now, report)
    send_due_webhooks(open_session, settings, now, report)
    return report


def route_pending(
    session: Session, settings: DeliverySettings, now: datetime, limit: int = 1000
) -> int:
    """Give each notification still in the outbox its deliveries and mark it ``sent``.

    Rows are locked as they are read (PostgreSQL: ``FOR UPDATE SKIP LOCKED``), so two sweeps
    never route one notification twice."""
    pending = list(
        session.scalars(
            select(Notification)
            .where(Notification.status == NotificationStatus.PENDING)
            .order_by(Notification.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    if not pending:
        return 0
    account_ids = {n.account_id for n in pending}
    emails = dict(
        session.execute(select(Account.id, Account.email).where(Account.id.in_(account_ids))).all()
    )
    chosen: dict[tuple[int, str], Channel] = {
        (a, k): c
        for a, k, c in session.execute(
            select(
                NotificationPreference.account_id,
                NotificationPreference.kind,
                NotificationPreference.channel,
            ).where(NotificationPreference.account_id.in_(account_ids))
        )
    }
    endpoints: dict[int, list[WebhookEndpoint]] = defaultdict(list)
    for endpoint in session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.account_id.in_(account_ids))
        .where(WebhookEndpoint.disabled_at.is_(None), WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookEndpoint.id)
    ):
        endpoints[endpoint.account_id].append(endpoint)
    for notification in pending:
        channel = chosen.get((notification.account_id, notification.kind))
        if channel is None:
            channel = kinds.kind(notification.kind).default
        if channel is Channel.EMAIL and settings.smtp is not None:
            session.add(
                NotificationEmail(
                    notification_id=notification.id,
                    to_address=emails[notification.account_id],
                    message_id=message_id_for(notification.id, settings.smtp.sender),
                    next_attempt_at=now,
                )
            )
        elif channel is Channel.WEBHOOK:
            for endpoint in endpoints[notification.account_id]:
                if notification.kind in endpoint.events:
                    session.add(
                        WebhookDelivery(
                            endpoint_id=endpoint.id,
                            notification_id=notification.id,
                            next_attempt_at=now,
                        )
                    )
        notification.status = NotificationStatus.SENT
        notification.sent_at = now
    session.flush()
    return len(pending)


def message_id_for(notification_id: int, sender: str) -> str:
    """The Message-ID of a notification's email: the same for every (re)send of it."""
    domain = sender.rsplit("@", 1)[-1].strip(" >") or "dandelion.localhost"
    return f"<notification-{notification_id}@{domain}>"


def _retry_at(attempts: int, now: datetime) -> datetime | None:
    """When the next attempt is due after ``attempts`` failed ones; ``None``: give up."""
    if attempts >= MAX_ATTEMPTS:
        return None
    return now + timedelta(seconds=BACKOFF_S[attempts - 1])


@dataclass(frozen=True)
class _ClaimedEmail:
    id: int
    to: str
    subject: str
    body: str
    message_id: str


def _email_text(notification: Notification, account: Account, public_url: str) -> str:
    link = public_url + NOTIFICATION_PAGES[account.role]
    settings_page = public_url + (
        "/dashboard/settings" if account.role is not Role.CREATOR else "/dashboard/me/settings"
    )
    return (
        f"{notification.body}\n\n"
        f"See it on Dandelion: {link}\n\n"
        f"-- \nYou receive this email because your Dandelion notifications for "
        f"“{kinds.kind(notification.kind).label}” go to email. Choose another channel (webhook, "
        f"or only in the app) at {settings_page}.\n"
    )


def claim_emails(
    session: Session, settings: DeliverySettings, now: datetime, limit: int = 200
) -> list[_ClaimedEmail]:
    """Take the due emails for this sender: attempts + 1 and the lease, committed by the
    caller before anything is sent."""
    rows = session.execute(
        select(NotificationEmail, Notification, Account)
        .join(Notification, NotificationEmail.notification_id == Notification.id)
        .join(Account, Notification.account_id == Account.id)
        .where(NotificationEmail.status == DeliveryStatus.PENDING)
        .where(NotificationEmail.next_attempt_at <= now)
        .order_by(NotificationEmail.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=NotificationEmail)
    )
    claimed = []
    for email, notification, account in rows:
        email.attempts += 1
        email.next_attempt_at = now + timedelta(seconds=LEASE_S)
        claimed.append(
            _ClaimedEmail(
                email.id,
                email.to_address,
                notification.subject,
                _email_text(notification, account, settings.public_url),
                email.message_id,
            )
        )
    session.flush()
    return claimed


def send_due_emails(
    open_session: OpenSession,
    settings: DeliverySettings,
    now: datetime,
    report: DeliveryReport | None = None,
) -> DeliveryReport:
    """Claim (and commit), send, record: each email is handed to SMTP once."""
    report = report or DeliveryReport()
    if settings.smtp is None:
        return report
    with open_session() as session:
        claimed = claim_emails(session, settings, now)
    started = time.monotonic()
    for item in claimed:
        if time.monotonic() - started > LEASE_S / 2:
            break  # the rest stay claimed until their lease ends, then a later sweep sends them
        error: str | None = None
        permanent = False
        try:
            message = build_message(
                settings.smtp, item.to, item.subject, item.body, message_id=item.message_id
            )
            send_message(settings.smtp, message)
        except smtplib.SMTPResponseException as exc:
            error = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"[:500]
            permanent = 500 <= exc.smtp_code < 600  # the server refused it for good
        except (smtplib.SMTPException, OSError) as exc:
            error = f"{type(exc).__name__}: {exc}"[:500]
        with open_session() as session:
            email = session.get(NotificationEmail, item.id, with_for_update=True)
            assert email is not None
            if error is None:
                email.status = DeliveryStatus.DELIVERED
                email.sent_at = utcnow()
                email.last_error = None
                report.emails_sent += 1
                continue
            log.warning("email %s (attempt %s) failed: %s", item.id, email.attempts, error)
            email.last_error = error
            retry_at = None if permanent else _retry_at(email.attempts, now)
            if retry_at is None:
                email.status = DeliveryStatus.FAILED
                report.emails_failed += 1
            else:
                email.next_attempt_at = retry_at
    return report


# --- webhooks ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class _ClaimedPost:
    id: int
    endpoint_id: int
    url: str
    secret: str
    kind: str
    body: bytes = field(repr=False)


def claim_webhooks(session: Session, now: datetime, limit: int = 200) -> list[_ClaimedPost]:
    """Take the due deliveries to active endpoints (attempts + 1, the lease)."""
    rows = session.execute(
        select(WebhookDelivery, WebhookEndpoint, Notification)
        .join(WebhookEndpoint, WebhookDelivery.endpoint_id == WebhookEndpoint.id)
        .join(Notification, WebhookDelivery.notification_id == Notification.id)
        .where(WebhookDelivery.status == DeliveryStatus.PENDING)
        .where(WebhookDelivery.next_attempt_at <= now)
        .where(WebhookEndpoint.disabled_at.is_(None), WebhookEndpoint.deleted_at.is_(None))
        .order_by(WebhookDelivery.id)
        .limit(limit)
        .with_for_update(skip_locked=True, of=WebhookDelivery)
    )
    claimed = []
    for delivery, endpoint, notification in rows:
        delivery.attempts += 1
        delivery.next_attempt_at = now + timedelta(seconds=LEASE_S)
        claimed.append(
            _ClaimedPost(
                delivery.id,
                endpoint.id,
                endpoint.url,
                endpoint.secret,
                notification.kind,
                webhook_payload(notification),
            )
        )
    session.flush()
    return claimed


def post_webhook(
    post: _ClaimedPost, timeout_s: float, *, production: bool = False
) -> tuple[int | None, str | None]:
    """POST one signed delivery; ``(status code, error)``, error ``None`` for a 2xx.

    The error the endpoint's owner reads names the kind of failure only (``ConnectionError``,
    ``ReadTimeout``), never the network's details, so the log cannot map internal hosts."""
    if production and resolves_to_private(post.url):
        return None, "Refused: the host resolves to a private address."
    headers = {
        "Content-Type": "application/json",
        "User-Agent": "Dandelion-Webhooks/1",
        SIGNATURE_HEADER: sign(post.secret, int(time.time()), post.body),
        "Dandelion-Event": post.kind,
        "Dandelion-Delivery": str(post.id),
    }
    try:
        response = requests.post(
            post.url, data=post.body, headers=headers, timeout=timeout_s, allow_redirects=False
        )
    except requests.RequestException as exc:
        log.info("webhook delivery %s to %s: %s", post.id, post.url, exc)
        return None, type(exc).__name__
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


def send_due_webhooks(
    open_session: OpenSession,
    settings: DeliverySettings,
    now: datetime,
    report: DeliveryReport | None = None,
) -> DeliveryReport:
    """Claim (and commit), POST, record; failures back off and may disable the endpoint."""
    report = report or DeliveryReport()
    with open_session() as session:
        claimed = claim_webhooks(session, now)
    started = time.monotonic()
    disabled: set[int] = set()
    for post in claimed:
        if time.monotonic() - started > LEASE_S / 2:
            break  # the rest stay claimed until their lease ends, then a later sweep sends them
        if post.endpoint_id in disabled:
            continue  # disabled earlier in this batch: its claims wait for re-enabling
        status_code, error = post_webhook(
            post, settings.webhook_timeout_s, production=settings.production
        )
        with open_session() as session:
            if _record_post(session, post, status_code, error, settings, now, report):
                disabled.add(post.endpoint_id)
    return report


def _record_post(
    session: Session,
    post: _ClaimedPost,
    status_code: int | None,
    error: str | None,
    settings: DeliverySettings,
    now: datetime,
    report: DeliveryReport,
) -> bool:
    """Record one attempt; whether the endpoint is disabled now."""
    endpoint = session.get(WebhookEndpoint, post.endpoint_id, with_for_update=True)
    delivery = session.get(WebhookDelivery, post.id, with_for_update=True)
    assert endpoint is not None and delivery is not None
    delivery.last_status_code = status_code
    delivery.last_error = error
    delivery.last_attempt_at = utcnow()
    if error is None:
        delivery.status = DeliveryStatus.DELIVERED
        delivery.delivered_at = delivery.last_attempt_at
        endpoint.consecutive_failures = 0
        report.webhooks_delivered += 1
        return False
    log.warning("webhook delivery %s to %s failed: %s", post.id, post.url, error)
    endpoint.consecutive_failures += 1
    if (
        endpoint.disabled_at is None
        and endpoint.consecutive_failures >= settings.disable_after_failures
    ):
        endpoint.disabled_at = now
        log.warning(
            "webhook endpoint %s disabled after %s failures",
            endpoint.id,
            endpoint.consecutive_failures,
        )
    retry_at = _retry_at(delivery.attempts, now)
    if retry_at is None:
        delivery.status = DeliveryStatus.FAILED
        report.webhooks_failed += 1
    else:
        delivery.next_attempt_at = retry_at
    return endpoint.disabled_at is not None
