"""Dandelion's application factory."""

from __future__ import annotations

import logging
import os
from typing import Any

from flask import Flask, render_template

import queueing
from accounts.services import configure_password_hashing
from config import BaseConfig, embedded_secret, load_config
from core.jobs import set_dispatcher
from extensions import db, limiter
from payments.providers import build_provider


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


def create_app(config: dict[str, Any] | None = None) -> Flask:
    """Build the app from the environment, then ``config`` overrides (tests pass theirs here)."""
    app = Flask(__name__, instance_relative_config=True)
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
    set_dispatcher(queueing.dispatch)
    app.extensions["dandelion.payments"] = build_provider(app.config)
    limiter.init_app(app)

    from api import init_api

    init_api(app)

    from dashboard import init_dashboard

    init_dashboard(app)

    from cli import register_commands

    register_commands(app)

    @app.get("/")
    def home() -> str:
        return render_template("home.html")

    return app
