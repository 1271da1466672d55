"""Password reset by a one-time token: mailed on request (:func:`request_reset`, for brands
and creators) or issued by an operator for support (``flask accounts reset-token``).

The plain token is shown once (in the email, or to the operator, who hands it to the account's
owner); only its SHA-256 digest is stored, and it never goes in a job's arguments: the job that
mails it issues it. A token works once, within its lifetime, and issuing a new one voids
the account's earlier ones. A reset revokes the account's API tokens; dashboard sessions end
too, because they are bound to the password hash. These functions flush; the caller commits.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts.models import Account, ApiToken, PasswordResetToken, Role
from accounts.password_strength import check_password_strength
from accounts.services import TOKEN_BYTES, hash_password, normalise_email
from core.db import utcnow
from core.errors import InvalidInput, NotFound
from core.jobs import defer_job

RESET_TTL = timedelta(hours=24)
# The sign-up rule (schemas.accounts.PASSWORD); checked here too so no caller can skip it.
MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
INVALID_TOKEN = (
    "This reset link or token is invalid, used or expired; ask for a new one "
    "(Forgot your password?) or ask an operator."
)
# Roles that may reset by email; operators' resets stay with another operator.
SELF_SERVICE_ROLES = (Role.BRAND, Role.CREATOR)
# At most one reset email per account in this time (a flood of requests sends one).
REQUEST_COOLDOWN = timedelta(minutes=2)
SEND_JOB = "accounts.reset_jobs.send_reset_email_job"


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_reset_token(
    session: Session, email: str, *, ttl: timedelta = RESET_TTL, now: datetime | None = None
) -> str:
    """Create a reset token for the account with ``email``; returns the plain token (once).

    Raises ``NotFound`` for an unknown email (operators issue tokens; nobody can probe with it).
    """
    now = now or utcnow()
    account = session.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None:
        raise NotFound("No account has this email.", {"email": ["No account has this email."]})
    session.execute(
        update(PasswordResetToken)
        .where(PasswordResetToken.account_id == account.id, PasswordResetToken.used_at.is_(None))
        .values(used_at=now)
        .execution_options(synchronize_session=False)
    )
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    session.add(
        PasswordResetToken(
            account_id=account.id, token_hash=_digest(plain), created_at=now, expires_at=now + ttl
        )
    )
    session.flush()
    return plain


def request_reset(session: Session, email: str, *, now: datetime | None = None) -> bool:
    """Someone asks for a reset link for ``email``: if a brand or creator has it, a job mails
    one after commit (it issues the token). Returns whether a mail was queued, for logs and
    tests only: callers answer the same either way, so nobody learns whether an email is
    registered. A second request within ``REQUEST_COOLDOWN`` queues nothing.
    """
    now = now or utcnow()
    account = session.scalar(select(Account).where(Account.email == normalise_email(email)))
    if account is None or account.role not in SELF_SERVICE_ROLES:
        return False
    recent = session.scalar(
        select(PasswordResetToken.id).where(
            PasswordResetToken.account_id == account.id,
            PasswordResetToken.created_at > now - REQUEST_COOLDOWN,
        )
    )
    if recent is not None:
        return False
    # One job per account per cooldown window: a double click, or a second request while the
    # queue still holds the first job, is the same job id, which RQ does not queue twice.
    window = int(now.timestamp() // REQUEST_COOLDOWN.total_seconds())
    defer_job(session, SEND_JOB, account.id, job_id=f"password-reset:{account.id}:{window}")
    return True


def reset_password(
    session: Session, token: str, new_password: str, *, now: datetime | None = None
) -> Account:
    """Set a new password with a live reset token; the token is used up.

    Raises ``InvalidInput`` (on ``token`` or ``password``) for an unknown, used or expired
    token, or a password that breaks the sign-up rule.
    """
    now = now or utcnow()
    if not MIN_PASSWORD_LENGTH <= len(new_password) <= MAX_PASSWORD_LENGTH:
        raise InvalidInput(
            "Choose another password.",
            {"password": [f"Between {MIN_PASSWORD_LENGTH} and {MAX_PASSWORD_LENGTH} characters."]},
        )
    reset = session.scalar(
        select(PasswordResetToken)
        .where(PasswordResetToken.token_hash == _digest(token.strip()))
        .with_for_update()
    )
    if reset is None or reset.used_at is not None or reset.expires_at <= now:
        raise InvalidInput(INVALID_TOKEN, {"token": [INVALID_TOKEN]})
    account = reset.account
    check_password_strength(new_password, (account.email,))
    reset.used_at = now
    account.password_hash = hash_password(new_password)
    session.execute(
        update(ApiToken)
        .where(ApiToken.account_id == account.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    session.flush()
    return account
