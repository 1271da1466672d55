"""The brand dashboard: server-rendered pages over the same services as the API.

``init_dashboard(app)`` binds everything the pages need: the blueprint at ``/dashboard``,
Flask-Login sessions, CSRF protection (for the dashboard's forms only: the JSON API under
``/api/v1`` authenticates with bearer tokens and stays exempt), the login rate limit and the
cookie and security headers.
"""

from __future__ import annotations

from flask import Flask

from dashboard.auth import login_manager
from dashboard.blueprint import bp, csrf


def init_dashboard(app: Flask) -> None:
    """Register the dashboard on ``app`` (mounted at ``/dashboard``)."""
    # Only the dashboard's blueprint checks CSRF (in its before_request): a global check would
    # refuse the API's bearer-token requests, which carry no cookie and so need no token.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    # Flask-Login's remember-me cookie is not offered, but if it were it gets the same flags.
    app.config.setdefault("REMEMBER_COOKIE_HTTPONLY", True)
    app.config.setdefault("REMEMBER_COOKIE_SECURE", app.config.get("SESSION_COOKIE_SECURE", False))
    app.config.setdefault("REMEMBER_COOKIE_SAMESITE", app.config.get("SESSION_COOKIE_SAMESITE"))
    csrf.init_app(app)
    login_manager.init_app(app)

    from dashboard import views  # noqa: F401 - registers the routes on ``bp``

    app.register_blueprint(bp)
