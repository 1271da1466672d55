"""Sign-up and tokens."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts import password_reset, services
from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, current_token, require
from extensions import db, limiter
from schemas.accounts import (
    BrandSchema,
    BrandSignupSchema,
    CreatorAccountSchema,
    CreatorSignupSchema,
    MessageSchema,
    PasswordResetConfirmSchema,
    PasswordResetRequestSchema,
    TokenRequestSchema,
    TokenSchema,
)

blp = Blueprint("accounts", __name__, description="Sign up and get bearer tokens.")


def _signup_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNUP"])


def _token_limit() -> str:
    return str(current_app.config["RATELIMIT_TOKENS"])


def _reset_limit() -> str:
    return str(current_app.config["RATELIMIT_RESET"])


@blp.route("/brands")
class Brands(MethodView):
    decorators = [limiter.limit(_signup_limit, methods=["POST"])]

    @blp.arguments(BrandSignupSchema, example=ex.BRAND_SIGNUP)
    @blp.response(201, BrandSchema, example=ex.BRAND)
    @blp.alt_response(409, **ex.error_doc(409, "The email is already registered."))
    def post(self, data: dict[str, Any]) -> Any:
        """Register a brand."""
        return services.create_brand(db.session, **data)


@blp.route("/creators")
class Creators(MethodView):
    decorators = [limiter.limit(_signup_limit, methods=["POST"])]

    @blp.arguments(CreatorSignupSchema, example=ex.CREATOR_SIGNUP)
    @blp.response(201, CreatorAccountSchema, example=ex.CREATOR_ACCOUNT)
    @blp.alt_response(409, **ex.error_doc(409, "The email or handle is taken."))
    def post(self, data: dict[str, Any]) -> Any:
        """Register a creator; fill in the profile and opt in afterwards."""
        return services.create_creator(db.session, **data)


@blp.route("/tokens")
class Tokens(MethodView):
    decorators = [limiter.limit(_token_limit, methods=["POST"])]

    @blp.arguments(TokenRequestSchema, example=ex.TOKEN_REQUEST)
    @blp.response(201, TokenSchema, example=ex.TOKEN)
    @blp.alt_response(
        401,
        **ex.error_doc(
            401, "Wrong email or password (the two look alike).", "Invalid email or password."
        ),
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Exchange email and password for a bearer token."""
        account = services.authenticate(db.session, data["email"], data["password"])
        ttl = timedelta(hours=current_app.config["TOKEN_TTL_HOURS"])
        plain, token = services.issue_token(db.session, account, ttl)
        return {"token": plain, "kind": account.role, "expires_at": token.expires_at}


@blp.route("/tokens/current")
class CurrentToken(MethodView):
    @blp.doc(security=BEARER_SECURITY)
    @blp.response(204)
    @require(Role.BRAND, Role.CREATOR, Role.OPERATOR)
    def delete(self) -> None:
        """Revoke the token this request uses."""
        services.revoke_token(db.session, current_token())


@blp.route("/password-resets")
class PasswordResets(MethodView):
    decorators = [limiter.limit(_signup_limit, methods=["POST"])]

    @blp.arguments(PasswordResetRequestSchema, example=ex.PASSWORD_RESET_REQUEST)
    @blp.response(202, MessageSchema, example=ex.PASSWORD_RESET_ACCEPTED)
    def post(self, data: dict[str, Any]) -> Any:
        """Ask for a password-reset link by email (brands and creators).

        Always 202, whether or not an account has the email, so nobody learns who is
        registered. If one has, an email with a link to set a new password (valid once, for
        24 hours) is sent in the background; at most one per account every two minutes.
        """
        password_reset.request_reset(db.session, data["email"])
        return ex.PASSWORD_RESET_ACCEPTED


@blp.route("/password-resets/confirm")
class PasswordResetConfirm(MethodView):
    decorators = [limiter.limit(_reset_limit, methods=["POST"])]

    @blp.arguments(PasswordResetConfirmSchema, example=ex.PASSWORD_RESET_CONFIRM)
    @blp.response(200, MessageSchema, example=ex.PASSWORD_RESET_DONE)
    @blp.alt_response(
        422,
        **ex.error_doc(
            422,
            "The token is invalid, used or expired, or the password is too weak.",
            password_reset.INVALID_TOKEN,
        ),
    )
    def post(self, data: dict[str, Any]) -> Any:
        """Set a new password with a reset token (from the email, or an operator).

        The token works once. Every API token of the account is revoked and dashboard sessions
        end; get a new bearer token with the new password.
        """
        password_reset.reset_password(db.session, data["token"], data["password"])
        return ex.PASSWORD_RESET_DONE
