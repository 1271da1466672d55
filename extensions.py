"""Unbound Flask extensions, bound to the app in ``create_app`` with ``init_app``."""

from __future__ import annotations

from dataclasses import dataclass

from flask import Flask, Response, current_app, g, has_request_context, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from sqlalchemy import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker

from core.db import make_engine, make_session_factory, reads_engine
from payments.providers import PaymentProvider
from taxonomy.cache import TaxonomyCache
from taxonomy.services import Taxonomy


@dataclass
class BoundDatabase:
    """One app's engine and session factories."""

    engine: Engine
    session_factory: sessionmaker[Session]  # writers: jobs, commands, unsafe HTTP methods
    read_session_factory: sessionmaker[Session]  # GET/HEAD/OPTIONS requests
    reads_engine: Engine  # Core reads outside transactions (``Database.reads``)


class Database:
    """Per-app engines and session factories; one session per request, committed once.

    The object is shared (``db``) but its state lives in each app's ``extensions``, so several
    apps in one process (tests, a worker beside a web app) keep their own databases.
    """

    def init_app(self, app: Flask) -> None:
        engine = make_engine(app.config["SQLALCHEMY_URL"])
        app.extensions["dandelion.db"] = BoundDatabase(
            engine=engine,
            session_factory=make_session_factory(engine),
            read_session_factory=make_session_factory(engine, writer=False),
            reads_engine=reads_engine(engine),
        )
        app.after_request(self._commit_on_success)
        app.teardown_appcontext(self._close)

    @property
    def bound(self) -> BoundDatabase:
        return current_app.extensions["dandelion.db"]  # type: ignore[no-any-return]

    @property
    def engine(self) -> Engine:
        """The current app's engine."""
        return self.bound.engine

    @property
    def session_factory(self) -> sessionmaker[Session]:
        """The current app's writer session factory (jobs and commands use it)."""
        return self.bound.session_factory

    @property
    def session(self) -> Session:
        """This request's session (created on first use)."""
        if "db_session" not in g:
            reads_only = has_request_context() and request.method in ("GET", "HEAD", "OPTIONS")
            bound = self.bound
            factory = bound.read_session_factory if reads_only else bound.session_factory
            g.db_session = factory()
        return g.db_session

    @property
    def reads(self) -> Connection:
        """This request's connection for Core reads that need no transaction (the creator's
        hot reads): autocommit on PostgreSQL, returned to the pool when the request ends."""
        if "db_reads" not in g:
            g.db_reads = self.bound.reads_engine.connect()
        return g.db_reads

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
        reads: Connection | None = g.pop("db_reads", None)
        if reads is not None:
            reads.close()
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


def current_taxonomy() -> Taxonomy:
    """The taxonomy for this request (the process cache, version-checked once per request)."""
    if "taxonomy" not in g:
        cache: TaxonomyCache = current_app.extensions["dandelion.taxonomy"]
        g.taxonomy = cache.get(db.session)
    return g.taxonomy  # type: ignore[no-any-return]
