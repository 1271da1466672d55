"""Sign up, log in, log out, ask for a reset link by email, and set a new password with its
token (or an operator's)."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user

from accounts import services as accounts
from accounts.password_reset import request_reset, reset_password
from core.errors import DomainError, Unauthorized
from dashboard.auth import DASHBOARD_ROLES, DashboardUser
from dashboard.blueprint import bp, discard_changes, safe_next
from dashboard.forms import (
    ForgotPasswordForm,
    LoginForm,
    LogoutForm,
    ResetPasswordForm,
    SignupForm,
)
from extensions import db, limiter


def _login_limit() -> str:
    return str(current_app.config["RATELIMIT_LOGIN"])


def _signup_limit() -> str:
    return str(current_app.config["RATELIMIT_SIGNUP"])


def _reset_limit() -> str:
    return str(current_app.config["RATELIMIT_RESET"])


def _home_for(user: Any) -> str:
    if getattr(user, "is_operator", False):
        return url_for("dashboard.match_runs")
    if getattr(user, "is_creator", False):
        return url_for("dashboard.me_home")
    return url_for("dashboard.campaigns")


def _start_session(user: DashboardUser) -> None:
    # A fresh session at login: nothing an earlier visitor put in the cookie carries over.
    session.clear()
    login_user(user)


@bp.get("/")
def index() -> Any:
    """The dashboard's front door: your home page, or the login page."""
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    return redirect(url_for("dashboard.login"))


@bp.route("/signup", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def signup() -> Any:
    """Create a brand account and log in."""
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = SignupForm()
    if form.validate_on_submit():
        errors = form.api_errors()
        if not errors:
            try:
                brand = accounts.create_brand(
                    db.session,
                    name=form.name.data or "",
                    email=form.email.data or "",
                    password=form.password.data or "",
                )
            except DomainError as exc:
                discard_changes()
                errors = exc.errors or {"email": [exc.message]}
            else:
                _start_session(DashboardUser(brand.account))
                flash(
                    f"Welcome to Dandelion, {brand.name}. Start with your first campaign.",
                    "success",
                )
                return redirect(url_for("dashboard.campaigns"))
        for name, messages in errors.items():
            field = getattr(form, name, None)
            if field is not None:
                field.errors = [*field.errors, *messages]
    status = 422 if form.is_submitted() else 200
    return render_template("dashboard/signup.html", form=form), status


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(_login_limit, methods=["POST"])
def login() -> Any:
    """Log in with email and password (brands, operators and creators, each to their home)."""
    if current_user.is_authenticated:
        return redirect(_home_for(current_user))
    form = LoginForm()
    status = 200
    if form.validate_on_submit():
        try:
            account = accounts.authenticate(
                db.session, form.email.data or "", form.password.data or ""
            )
            if account.role not in DASHBOARD_ROLES:
                raise Unauthorized("This account cannot log in here.")
        except Unauthorized as exc:
            discard_changes()
            form.form_errors.append(exc.message)
            status = 401
        else:
            user = DashboardUser(account)
            _start_session(user)
            target = safe_next(request.args.get("next"))
            if target and target.startswith("/dashboard/me") != user.is_creator:
                target = None  # another role's page would only say 403
            target = target or _home_for(user)
            return redirect(target)
    elif form.is_submitted():
        status = 422
    return render_template("dashboard/login.html", form=form), status


@bp.post("/logout")
def logout() -> Any:
    """End the session (a POST with the CSRF token, so no other site can log you out)."""
    LogoutForm()  # the CSRF check already ran in before_request
    logout_user()
    session.clear()
    flash("You are logged out.", "info")
    return redirect(url_for("dashboard.login"), code=303)


FORGOT_SENT = (
    "If an account has this email, a link to set a new password is on its way. It works once, "
    "within 24 hours; check your spam folder if it does not arrive in a few minutes."
)


@bp.route("/forgot", methods=["GET", "POST"])
@limiter.limit(_signup_limit, methods=["POST"])
def forgot() -> Any:
    """Ask for a reset link by email; the page answers the same whether or not the email is
    registered (the mail is sent by a job, after the request)."""
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        request_reset(db.session, form.email.data or "")
        flash(FORGOT_SENT, "info")
        return redirect(url_for("dashboard.forgot"), code=303)
    status = 422 if form.is_submitted() else 200
    return render_template("dashboard/forgot.html", form=form), status


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(_reset_limit, methods=["POST"])
def reset() -> Any:
    """Set a new password with the token from the emailed link (or an operator's)."""
    form = ResetPasswordForm()
    if request.method == "GET" and request.args.get("token"):
        form.token.data = request.args["token"]
    # Arrived by the email's link: the token rides along unseen.
    from_link = bool(request.args.get("token")) or bool(request.form.get("from_link"))
    status = 200
    if form.validate_on_submit():
        try:
            reset_password(db.session, form.token.data or "", form.password.data or "")
        except DomainError as exc:
            discard_changes()
            for name, messages in exc.errors.items():
                field = getattr(form, name, None)
                if field is not None:
                    field.errors = [*field.errors, *messages]
                else:
                    form.form_errors.extend(messages)
            status = 422
        else:
            logout_user()
            session.clear()
            flash("Your password is changed. Log in with the new one.", "success")
            return redirect(url_for("dashboard.login"), code=303)
    elif form.is_submitted():
        status = 422
    return render_template("dashboard/reset.html", form=form, from_link=from_link), status
