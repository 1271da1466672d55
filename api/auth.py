"""Bearer-token authentication for API views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request
from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from accounts.models import Account, ApiToken, Brand, Creator, Role
from accounts.services import _digest as token_digest
from core.db import utcnow
from core.errors import Forbidden, Unauthorized
from extensions import db

F = TypeVar("F", bound=Callable[..., Any])


BEARER_SECURITY = [{"bearerAuth": []}]
_ACCOUNT = joinedload(ApiToken.account)
# Built once: the token, its account and the account's brand or creator, one round trip.
_TOKEN_WITH_CALLER = (
    select(ApiToken)
    .where(ApiToken.token_hash == bindparam("digest"))
    .options(_ACCOUNT.joinedload(Account.creator), _ACCOUNT.joinedload(Account.brand))
)


def _authenticate() -> ApiToken:
    header = request.headers.get("Authorization", "")
    scheme, _, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        raise Unauthorized(
            "Send 'Authorization: Bearer <token>'; get a token at POST /api/v1/tokens."
        )
    token = _resolve_with_caller(plain.strip())
    g.api_token = token
    return token


def _resolve_with_caller(plain: str) -> ApiToken:
    """The live token for ``plain`` with its account and brand or creator, in one query.

    Same rules as :func:`accounts.services.resolve_token` (expired, revoked or unknown tokens
    raise 401); nothing is written, so a read costs one round trip for authentication.
    """
    token = db.session.scalar(_TOKEN_WITH_CALLER, {"digest": token_digest(plain)})
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        raise Unauthorized("The bearer token is invalid, expired or revoked.")
    return token


def require(*roles: Role) -> Callable[[F], F]:
    """Let the view run only for a live token whose account has one of ``roles``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            token = _authenticate()
            if token.account.role not in roles:
                raise Forbidden(
                    f"This route is for {' or '.join(r.value for r in roles)} accounts."
                )
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def current_token() -> ApiToken:
    """The token this request authenticated with."""
    return cast(ApiToken, g.api_token)


def current_account() -> Account:
    """The authenticated account."""
    return current_token().account


def current_brand() -> Brand:
    """The authenticated brand (views decorated with ``require(Role.BRAND)``)."""
    brand = current_account().brand
    assert brand is not None
    return brand


def current_creator() -> Creator:
    """The authenticated creator (views decorated with ``require(Role.CREATOR)``)."""
    creator = current_account().creator
    assert creator is not None
    return creator
