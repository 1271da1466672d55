"""Bearer-token authentication for API views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import g, request

from accounts.models import Account, ApiToken, Brand, Creator, Role
from accounts.services import resolve_token
from collaborations.creator_reads import Caller, read_caller
from core.db import utcnow
from core.errors import Forbidden, Unauthorized
from extensions import db

F = TypeVar("F", bound=Callable[..., Any])


BEARER_SECURITY = [{"bearerAuth": []}]


def bearer_token() -> str:
    """The request's bearer token (not yet checked); 401 when there is none."""
    header = request.headers.get("Authorization", "")
    scheme, _, plain = header.partition(" ")
    if scheme.lower() != "bearer" or not plain.strip():
        raise Unauthorized(
            "Send 'Authorization: Bearer <token>'; get a token at POST /api/v1/tokens."
        )
    return plain.strip()


def refuse_other_roles(role: Role, roles: tuple[Role, ...]) -> None:
    """403 unless ``role`` is one of ``roles``."""
    if role not in roles:
        raise Forbidden(f"This route is for {' or '.join(r.value for r in roles)} accounts.")


def _authenticate() -> ApiToken:
    token = resolve_token(db.session, bearer_token())  # one query: token, account, caller
    g.api_token = token
    return token


def require(*roles: Role) -> Callable[[F], F]:
    """Let the view run only for a live token whose account has one of ``roles``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            refuse_other_roles(_authenticate().account.role, roles)
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def require_caller(*roles: Role) -> Callable[[F], F]:
    """``require`` for views that read through Core statements (``db.reads``): the token and
    its caller in one light query, no ORM objects; the view reads ``current_caller()``."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            caller = read_caller(db.reads, bearer_token(), utcnow())
            refuse_other_roles(caller.role, roles)
            g.api_caller = caller
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


def current_caller() -> Caller:
    """The caller a ``require_caller`` view authenticated."""
    return cast(Caller, g.api_caller)


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
