"""The job that mails a password-reset link: it issues the token itself (so the plain token
is in no job argument and no table), commits, then sends with ``notifications.mailer``."""

from __future__ import annotations

import logging
from urllib.parse import urlencode

from flask import current_app

from accounts.models import Account
from accounts.password_reset import RESET_TTL, issue_reset_token
from notifications.mailer import SmtpSettings, build_message, send_message
from queueing import job_session

log = logging.getLogger(__name__)


def reset_link(public_url: str, token: str) -> str:
    """Where the email sends the person: the page that sets a new password with the token."""
    return f"{public_url.rstrip('/')}/dashboard/reset?{urlencode({'token': token})}"


def send_reset_email_job(account_id: int) -> str:
    """Issue a reset token for the account and mail its link; returns what happened.

    With ``SMTP_URL`` unset, mail is off: no token is issued (nobody could receive it) and a
    warning says so. The token is committed before the mail goes out, so the link works as
    soon as it arrives; a retry after a failed send issues a new token (voiding the unsent one).
    """
    with job_session() as session:
        smtp_url = current_app.config.get("SMTP_URL")
        if not smtp_url:
            log.warning("mail is off (SMTP_URL unset): no reset email for account %s", account_id)
            return "mail off"
        account = session.get(Account, account_id)
        if account is None:
            return "no account"
        settings = SmtpSettings.from_url(smtp_url, str(current_app.config["MAIL_FROM"]))
        token = issue_reset_token(session, account.email)
        link = reset_link(str(current_app.config["PUBLIC_URL"]), token)
        hours = int(RESET_TTL.total_seconds() // 3600)
        message = build_message(
            settings,
            account.email,
            "Reset your Dandelion password",
            (
                "Someone (we hope you) asked to reset the password of your Dandelion account.\n\n"
                f"Set a new password here:\n{link}\n\n"
                f"The link works once, within {hours} hours. Setting a new password logs you out "
                "everywhere and ends your API tokens.\n\n"
                "If you did not ask, ignore this email: your password stays as it is.\n"
            ),
        )
    send_message(settings, message)
    return "sent"
