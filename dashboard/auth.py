"""Dashboard sessions (Flask-Login): who may log in, and the decorators that guard pages.

Brands, operators and creators log in here (creators to their own pages,
``dashboard/views/creator_pages.py``); each role's pages refuse the others. The session stores
``"<account id>:<fingerprint>"`` where the fingerprint is an HMAC of the password hash, so a
password change (or reset) ends every session opened with the old password.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from flask import abort, current_app
from flask_login import LoginManager, UserMixin, current_user

from accounts.models import Account, Brand, Creator, Role
from extensions import db

F = TypeVar("F", bound=Callable[..., Any])
DASHBOARD_ROLES = (Role.BRAND, Role.OPERATOR, Role.CREATOR)

login_manager = LoginManager()
login_manager.login_view = "dashboard.login"
login_manager.login_message = "Please log in to see this page."
login_manager.login_message_category = "info"
# A session cookie replayed from another browser (other address or user agent) is dropped.
login_manager.session_protection = "strong"


def _fingerprint(account: Account) -> str:
    key = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(key, account.password_hash.encode(), hashlib.sha256).hexdigest()[:32]


class DashboardUser(UserMixin):
    """The logged-in account, as Flask-Login sees it."""

    def __init__(self, account: Account) -> None:
        self.account = account

    def get_id(self) -> str:
        return f"{self.account.id}:{_fingerprint(self.account)}"

    @property
    def is_brand(self) -> bool:
        return self.account.role is Role.BRAND

    @property
    def is_operator(self) -> bool:
        return self.account.role is Role.OPERATOR

    @property
    def is_creator(self) -> bool:
        return self.account.role is Role.CREATOR

    @property
    def email(self) -> str:
        return self.account.email

    @property
    def display_name(self) -> str:
        brand = self.account.brand if self.is_brand else None
        if brand:
            return str(brand.name)
        creator = self.account.creator if self.is_creator else None
        return f"@{creator.handle}" if creator else self.account.email


@login_manager.user_loader
def load_user(user_id: str) -> DashboardUser | None:
    """The account of a session, if it still exists, may use the dashboard and kept its password."""
    account_id, _, fingerprint = user_id.partition(":")
    if not account_id.isdigit():
        return None
    account = db.session.get(Account, int(account_id))
    if account is None or account.role not in DASHBOARD_ROLES:
        return None
    if not hmac.compare_digest(fingerprint, _fingerprint(account)):
        return None
    return DashboardUser(account)


def _require(role: Role) -> Callable[[F], F]:
    def decorator(view: F) -> F:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if current_user.account.role is not role:
                abort(403, description=f"This page is for {role.value} accounts.")
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorator


brand_required = _require(Role.BRAND)
operator_required = _require(Role.OPERATOR)
creator_required = _require(Role.CREATOR)


def current_brand() -> Brand:
    """The logged-in brand (pages decorated with ``brand_required``)."""
    brand = current_user.account.brand
    assert brand is not None
    return cast(Brand, brand)


def current_creator() -> Creator:
    """The logged-in creator (pages decorated with ``creator_required``)."""
    creator = current_user.account.creator
    assert creator is not None
    return cast(Creator, creator)
