"""Dandelion's application factory."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, Response, render_template, request

import queueing
from accounts.services import configure_password_hashing
from collaborations import read_cache
from config import BaseConfig, embedded_secret, load_config
from core.jobs import set_dispatcher
from core.json_input import init_json_input
from core.web import App, LazyCookieSessionInterface, SecurityHeaders
from extensions import db, limiter
from payments.providers import build_provider
from taxonomy.cache import TaxonomyCache


def database_url(cfg: BaseConfig, instance_path: str) -> str:
    """The SQLAlchemy URL: ``DATABASE_URL`` (psycopg 3 for PostgreSQL) or the embedded SQLite."""
    url = cfg.DATABASE_URL
    if not url:
        os.makedirs(instance_path, exist_ok=True)
        return "sqlite:///" + os.path.join(instance_path, "dandelion.sqlite")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


# Every page's Content-Security-Policy: no inline script or style, nothing from other origins
# (the dashboard and the home page ship their own CSS and JS, the API docs their Swagger UI).
CONTENT_SECURITY_POLICY: dict[str, str] = {
    "default-src": "'self'",
    "img-src": "'self' data:",
    "style-src": "'self'",
    "script-src": "'self'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
    "base-uri": "'none'",
    "object-src": "'none'",
}
SWAGGER_UI_ENDPOINT = "api-docs.openapi_swagger_ui"
# API responses that hold nothing private and may be cached: the spec, its docs and assets,
# and the public taxonomy (which sets its own Cache-Control and ETag).
CACHEABLE_API_ENDPOINTS = frozenset(
    {"api-docs.openapi_json", SWAGGER_UI_ENDPOINT, "swagger_assets._swagger_asset",
     "taxonomy.Taxonomy"}
)  # fmt: skip


def init_security_headers(app: Flask) -> None:
    """CSP, nosniff, frame and referrer policies everywhere; HSTS when configured (production).

    One Talisman per app (its settings live on the instance). TLS ends at the load balancer,
    so nothing is redirected here; HSTS goes on requests that arrived over HTTPS (the balancer's
    ``X-Forwarded-Proto: https``), as browsers ignore it over plain HTTP anyway.
    """
    talisman = SecurityHeaders(
        app,
        force_https=False,
        strict_transport_security=app.config["HSTS_ENABLED"],
        strict_transport_security_max_age=app.config["HSTS_MAX_AGE_S"],
        strict_transport_security_include_subdomains=False,
        frame_options="DENY",
        content_security_policy=CONTENT_SECURITY_POLICY,
        referrer_policy="same-origin",
        session_cookie_secure=app.config["SESSION_COOKIE_SECURE"],
        session_cookie_samesite=app.config["SESSION_COOKIE_SAMESITE"],
    )
    app.extensions["dandelion.talisman"] = talisman
    docs = app.view_functions.get(SWAGGER_UI_ENDPOINT)
    if docs is not None:
        # Swagger UI's page starts the bundle from one inline script (templates/swagger_ui.html);
        # that page alone allows it, by a per-request nonce.
        def swagger_ui() -> Any:
            return docs()

        app.view_functions[SWAGGER_UI_ENDPOINT] = talisman(
            content_security_policy_nonce_in=["script-src"]
        )(swagger_ui)

    @app.after_request
    def _no_store_api(response: Response) -> Response:
        # Tokens and every account's data must not stay in a browser's or a proxy's cache.
        if request.path.startswith("/api/") and request.endpoint not in CACHEABLE_API_ENDPOINTS:
            response.headers["Cache-Control"] = "no-store"
        return response


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, then ``config`` overrides (tests pass theirs here)."""
    app = App(__name__, instance_relative_config=True)
    app.session_interface = LazyCookieSessionInterface()
    settings = load_config()
    app.config.from_mapping(settings.as_flask_config())
    app.config["RATELIMIT_HEADERS_ENABLED"] = True
    app.config["SQLALCHEMY_URL"] = database_url(settings, app.instance_path)
    if config:
        app.config.from_mapping(config)
    if not app.config["SECRET_KEY"]:
        app.config["SECRET_KEY"] = embedded_secret(app.instance_path)
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)

    configure_password_hashing(
        time_cost=app.config["ARGON2_TIME_COST"], memory_kib=app.config["ARGON2_MEMORY_KIB"]
    )
    db.init_app(app)
    app.extensions["dandelion.taxonomy"] = TaxonomyCache()
    app.extensions[read_cache.EXTENSION] = read_cache.BodyCache(app.config["READ_CACHE_MAX_BODIES"])
    set_dispatcher(queueing.dispatch)
    app.extensions["dandelion.payments"] = build_provider(app.config)
    limiter.init_app(app)
    init_json_input(app)

    from api import init_api

    init_api(app)

    from dashboard import init_dashboard

    init_dashboard(app)

    init_security_headers(app)

    from cli import register_commands

    register_commands(app)

    from results.redirect import install as install_tracking_redirect

    install_tracking_redirect(app)

    @app.get("/")
    def home() -> str:
        return render_template("home.html")

    return app
