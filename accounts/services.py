"""Account services: sign-up, passwords, bearer tokens. They flush; the caller commits."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from accounts.models import Account, ApiToken, Brand, Creator, Role
from accounts.password_strength import check_password_strength
from core.db import utcnow
from core.errors import InvalidInput, Unauthorized, unique_conflict
from core.money import SUPPORTED_LOCALES

_hasher = PasswordHasher()  # argon2id with the library's recommended (RFC 9106 low-memory) costs
# Verified when the email is unknown, so both failures cost the same time.
_DUMMY_HASH = _hasher.hash("dandelion-timing-equaliser")


def configure_password_hashing(*, time_cost: int, memory_kib: int) -> None:
    """Set argon2id costs for this process (tests lower them; production keeps the defaults)."""
    global _hasher, _DUMMY_HASH
    _hasher = PasswordHasher(time_cost=time_cost, memory_cost=memory_kib)
    _DUMMY_HASH = _hasher.hash("dandelion-timing-equaliser")


TOKEN_BYTES = 32  # 256 random bits


def hash_password(password: str) -> str:
    """Return an argon2id hash of ``password``."""
    return _hasher.hash(password)


def normalise_email(email: str) -> str:
    """Emails compare case-insensitively and without surrounding blanks."""
    return email.strip().lower()


# The same answers when a concurrent sign-up wins the race to the unique constraint.
email_taken = unique_conflict(
    "uq_accounts_email",
    "An account with this email already exists.",
    {"email": ["Already registered."]},
)
handle_taken = unique_conflict(
    "uq_creators_handle", "This handle is taken.", {"handle": ["Already taken."]}
)


def _create_account(
    session: Session, email: str, password: str, role: Role, *words: str
) -> Account:
    email = normalise_email(email)
    check_password_strength(password, (email, *words))  # ``words``: the name or handle
    if session.scalar(select(Account.id).where(Account.email == email)) is not None:
        raise email_taken()
    account = Account(email=email, password_hash=hash_password(password), role=role)
    session.add(account)
    return account


def create_brand(session: Session, *, name: str, email: str, password: str) -> Brand:
    """Register a brand account."""
    brand = Brand(
        account=_create_account(session, email, password, Role.BRAND, name), name=name.strip()
    )
    session.add(brand)
    session.flush()
    return brand


def create_creator(session: Session, *, handle: str, email: str, password: str) -> Creator:
    """Register a creator account; the profile and opt-in are filled in later."""
    handle = handle.strip()
    taken = session.scalar(select(Creator.id).where(func.lower(Creator.handle) == handle.lower()))
    if taken is not None:
        raise handle_taken()
    creator = Creator(
        account=_create_account(session, email, password, Role.CREATOR, handle),
        handle=handle,
        display_name=handle,
    )
    session.add(creator)
    session.flush()
    return creator


def create_operator(session: Session, *, email: str, password: str) -> Account:
    """Create an operator account (used from the command line)."""
    account = _create_account(session, email, password, Role.OPERATOR)
    session.flush()
    return account


def authenticate(session: Session, email: str, password: str) -> Account:
    """Return the account for these credentials; unknown email and wrong password look alike."""
    account = session.scalar(select(Account).where(Account.email == normalise_email(email)))
    try:
        _hasher.verify(account.password_hash if account else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        account = None
    if account is None:
        raise Unauthorized("Invalid email or password.")
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = hash_password(password)
    return account


def token_digest(token: str) -> str:
    """What is stored of a bearer token: its SHA-256, hex."""
    return hashlib.sha256(token.encode()).hexdigest()


INVALID_TOKEN = "The bearer token is invalid, expired or revoked."


def is_live(expires_at: datetime, revoked_at: datetime | None, now: datetime) -> bool:
    """Whether a token with these dates still authenticates at ``now``."""
    return revoked_at is None and expires_at > now


def issue_token(session: Session, account: Account, ttl: timedelta) -> tuple[str, ApiToken]:
    """Create a bearer token for ``account``; the plain token is returned once and never stored."""
    plain = secrets.token_urlsafe(TOKEN_BYTES)
    token = ApiToken(account=account, token_hash=token_digest(plain), expires_at=utcnow() + ttl)
    session.add(token)
    session.flush()
    return plain, token


def resolve_token(session: Session, plain: str, now: datetime | None = None) -> ApiToken:
    """Return the live token for ``plain``, with its account and the account's brand or
    creator loaded in the same query; expired, revoked or unknown tokens raise 401."""
    account = joinedload(ApiToken.account)
    token = session.scalar(
        select(ApiToken)
        .where(ApiToken.token_hash == token_digest(plain))
        .options(account.joinedload(Account.creator), account.joinedload(Account.brand))
    )
    now = now or utcnow()
    if token is None or not is_live(token.expires_at, token.revoked_at, now):
        raise Unauthorized(INVALID_TOKEN)
    return token


def revoke_token(session: Session, token: ApiToken) -> None:
    """Revoke ``token`` now; later requests with it answer 401."""
    token.revoked_at = utcnow()
    session.flush()


def set_brand_locale(session: Session, brand: Brand, locale: str | None) -> Brand:
    """How the dashboard writes and reads amounts for ``brand`` (``de_DE``); None: from the
    browser. Only the locales of ``core.money.SUPPORTED_LOCALES``."""
    if locale is not None and locale not in SUPPORTED_LOCALES:
        raise InvalidInput("Choose one of the listed formats.", {"locale": ["Not supported."]})
    brand.locale = locale
    session.flush()
    return brand
