"""Unbound Flask extensions, bound to the app in ``create_app`` with ``init_app``."""

from __future__ import annotations

from flask import Flask, Response, current_app, g
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory
from payments.providers import PaymentProvider


class Database:
    """Engine and session factory for the app; one session per request, committed once."""

    engine: Engine
    session_factory: sessionmaker[Session]

    def init_app(self, app: Flask) -> None:
        self.engine = make_engine(app.config["SQLALCHEMY_URL"])
        self.session_factory = make_session_factory(self.engine)
        app.extensions["dandelion.db"] = self
        app.after_request(self._commit_on_success)
        app.teardown_appcontext(self._close)

    @property
    def session(self) -> Session:
        """This request's session (created on first use)."""
        if "db_session" not in g:
            g.db_session = self.session_factory()
        return g.db_session

    def _commit_on_success(self, response: Response) -> Response:
        # The request boundary commits once; services only flush.
        session: Session | None = g.get("db_session")
        if session is not None:
            if response.status_code < 400:
                session.commit()
            else:
                session.rollback()
        return response

    def _close(self, exc: BaseException | None) -> None:
        session: Session | None = g.pop("db_session", None)
        if session is not None:
            if exc is not None:
                session.rollback()
            session.close()


db = Database()
limiter = Limiter(key_func=get_remote_address, default_limits=[])


def payment_provider() -> PaymentProvider:
    """The app's payment provider (built once in ``create_app``)."""
    return current_app.extensions["dandelion.payments"]  # type: ignore[no-any-return]
