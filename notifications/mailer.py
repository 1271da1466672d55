"""Sending one email over SMTP: the standard library's ``email`` and ``smtplib``, configured
by ``SMTP_URL`` and ``MAIL_FROM``.

``smtp://host:port`` is plain SMTP (a local relay, the tests' server), ``smtp+starttls://``
upgrades with STARTTLS, ``smtps://`` is TLS from the start; a user and password in the URL log
in. Callers decide when to send (always from a job, never in a request).
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import make_msgid
from urllib.parse import unquote, urlsplit

DEFAULT_PORTS = {"smtp": 25, "smtp+starttls": 587, "smtps": 465}


@dataclass(frozen=True)
class SmtpSettings:
    scheme: str
    host: str
    port: int
    username: str | None
    password: str | None
    sender: str
    timeout_s: float = 20.0

    @classmethod
    def from_url(cls, url: str, sender: str) -> SmtpSettings:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
            raise ValueError(f"not an SMTP URL: {url!r}")
        return cls(
            scheme=parts.scheme,
            host=parts.hostname,
            port=parts.port or DEFAULT_PORTS[parts.scheme],
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            sender=sender,
        )


def build_message(
    settings: SmtpSettings,
    to: str,
    subject: str,
    body: str,
    *,
    message_id: str | None = None,
    html: str | None = None,
) -> EmailMessage:
    """A plain-text email (with an HTML alternative if given); ``message_id`` lets a resend
    carry the same Message-ID, so a mail system can tell it is the same message."""
    message = EmailMessage()
    message["From"] = settings.sender
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = message_id or make_msgid(domain="dandelion.localhost")
    message.set_content(body)
    if html is not None:
        message.add_alternative(html, subtype="html")
    return message


def send_message(settings: SmtpSettings, message: EmailMessage) -> None:
    """Hand the message to the SMTP server; raises ``smtplib.SMTPException`` or ``OSError``."""
    smtp: smtplib.SMTP
    if settings.scheme == "smtps":
        smtp = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout_s,
            context=ssl.create_default_context(),
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
    with smtp:
        if settings.scheme == "smtp+starttls":
            smtp.starttls(context=ssl.create_default_context())
        if settings.username:
            smtp.login(settings.username, settings.password or "")
        smtp.send_message(message)
