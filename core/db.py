"""Database base class, engine and session handling (no Flask imports)."""

from __future__ import annotations

import enum
import re
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    DateTime,
    Engine,
    Enum,
    MetaData,
    create_engine,
    event,
    literal_column,
)
from sqlalchemy.exc import DBAPIError, DisconnectionError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base for every model; constraint names follow ``NAMING_CONVENTION``."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored in UTC and always read back timezone-aware (SQLite forgets zones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored; use an aware UTC datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: object) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def make_engine(url: str) -> Engine:
    """Create an engine.

    SQLite (the embedded mode) gets foreign keys, WAL, and for writers ``BEGIN IMMEDIATE``:
    SQLite has no row locks, so a writing transaction takes the write lock up front and
    concurrent writers queue (30 s busy timeout) instead of failing when a stale reader tries
    to write. Readers keep plain deferred transactions and never block anyone.
    """
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _sqlite_connect(dbapi_conn, _record):  # type: ignore[no-untyped-def]
            dbapi_conn.isolation_level = None  # pysqlite must not BEGIN on its own
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            cur.close()

        @event.listens_for(engine, "begin")
        def _sqlite_begin(conn):  # type: ignore[no-untyped-def]
            immediate = conn.get_execution_options().get(WRITER_OPTION)
            conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

        return engine
    engine = create_engine(url)
    _ping_when_idle(engine, PING_IDLE_AFTER_S)
    return engine


# A pooled connection that sat unused this long is pinged before use (see _ping_when_idle).
PING_IDLE_AFTER_S = 1.0


def _ping_when_idle(engine: Engine, idle_s: float) -> None:
    """``pool_pre_ping``, for connections idle ``idle_s`` or more since they were last used.

    A ping is a round trip before every checkout; on a busy server a connection goes back into
    use within milliseconds, and the ping then mostly costs a read its time. What it guards
    against (the server restarted, a proxy or ``idle_session_timeout`` closed the connection)
    happens to idle connections; a connection broken while in use fails its statement as it
    would with a ping, and SQLAlchemy then recycles the whole pool.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(dbapi_conn, record):  # type: ignore[no-untyped-def]
        record.info["dandelion_checked_in"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_conn, record, proxy):  # type: ignore[no-untyped-def]
        since = record.info.get("dandelion_checked_in")
        if since is None or time.monotonic() - since < idle_s:
            return  # a new connection, or one in use a moment ago
        try:
            engine.dialect.do_ping(dbapi_conn)
        except engine.dialect.loaded_dbapi.Error as exc:
            if engine.dialect.is_disconnect(exc, dbapi_conn, None):
                raise DisconnectionError("stale pooled connection") from exc  # pool retries
            raise


def reads_engine(engine: Engine) -> Engine:
    """The engine for requests that only read, a statement or two (``db.reads``).

    On PostgreSQL: its own pool, in autocommit (no BEGIN and COMMIT round trips around a read;
    nothing is lost, as under READ COMMITTED each statement of a transaction sees its own
    snapshot anyway), with generic plans (``plan_cache_mode=force_generic_plan``): psycopg
    prepares a statement on its fifth use, and PostgreSQL would otherwise plan the hot reads
    again at every execution, as their custom plans look a little cheaper than the generic one
    (planning the profile read costs more than running it), and ``TimeZone=UTC`` (timestamps
    read straight from the driver, :class:`HotRead`, come back in UTC). Disposed with ``engine``.
    SQLite: ``engine`` itself, whose readers keep plain deferred transactions.
    """
    if engine.dialect.name != "postgresql":
        return engine
    given = engine.url.query.get("options", ())  # the URL's own ?options=, kept
    options = [given] if isinstance(given, str) else list(given)
    options.append("-c plan_cache_mode=force_generic_plan -c TimeZone=UTC")
    reads = create_engine(
        engine.url,
        isolation_level="AUTOCOMMIT",
        connect_args={"options": " ".join(options)},
    )
    _ping_when_idle(reads, PING_IDLE_AFTER_S)
    event.listen(engine, "engine_disposed", lambda _: reads.dispose())
    return reads


WRITER_OPTION = "dandelion_writer"


def make_session_factory(engine: Engine, *, writer: bool = True) -> sessionmaker[Session]:
    """Sessions for requests, jobs and commands; ``writer`` sessions lock SQLite up front."""
    bind = engine.execution_options(**{WRITER_OPTION: True}) if writer else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


@contextmanager
def session_scope(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Yield a session that commits on success and rolls back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        session.rollback()
        raise
    finally:
        session.close()


_SQL_WORD = re.compile(r"[a-z][a-z0-9_]*")


def in_values(column: Any, values: Iterable[enum.StrEnum]) -> ColumnElement[bool]:
    """``column IN ('a', 'b')`` for a fixed set of enum values, written into the SQL.

    ``column.in_(values)`` binds the list as an "expanding" parameter, which SQLAlchemy renders
    again at every execution, and which a prepared statement's generic plan cannot see (so
    PostgreSQL cannot pick the index on the status). The values are the code's own enum
    members, plain words, checked here before they go into the SQL.
    """
    words = [str(value.value) for value in values]
    if not all(_SQL_WORD.fullmatch(word) for word in words):
        raise ValueError(f"not plain SQL words: {words}")
    condition: ColumnElement[bool] = column.in_(
        [literal_column(f"'{word}'", column.type) for word in words]
    )
    return condition


def str_enum(enum_cls: type[enum.StrEnum]) -> Enum:
    """A portable enum column that stores the members' values (``"draft"``), not their names."""
    return Enum(
        enum_cls,
        native_enum=False,
        length=16,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


class HotRead:
    """A Core SELECT of one row that a hot route runs many times a second.

    On PostgreSQL the statement is compiled once per dialect and run on the DBAPI connection
    (psycopg prepares it on its fifth use), skipping SQLAlchemy's execution and result layers:
    for a row of 35 columns they cost more than PostgreSQL's work, mostly rebuilding the result
    metadata from the cursor's column descriptions at every execution. Values come back as
    psycopg converts them, which for these columns is what SQLAlchemy gives (timestamps aware
    in UTC on a ``TimeZone=UTC`` connection, see :func:`reads_engine`; JSON decoded); enum
    columns come back as their stored values, so read them through the enum (``Role(v)``).
    Elsewhere (SQLite) it runs through SQLAlchemy. Bound values go to the driver as given,
    without the column types' bind processing: pass aware UTC datetimes, dates and plain values.
    The engine's ``before_cursor_execute`` and ``after_cursor_execute`` listeners are called
    (with no execution context); ``echo`` logging is not.
    """

    def __init__(self, statement: Any) -> None:
        self.statement = statement
        self._compiled: dict[Any, Any] = {}

    def one_or_none(self, conn: Connection, params: dict[str, Any]) -> Sequence[Any] | None:
        if conn.dialect.name != "postgresql":
            return conn.execute(self.statement, params).one_or_none()
        known = self._compiled.get(conn.dialect)
        if known is None:
            compiled = self.statement.compile(dialect=conn.dialect)
            known = self._compiled[conn.dialect] = (compiled, str(compiled))
        compiled, sql = known
        values = compiled.construct_params(params)
        driver = conn.connection.driver_connection
        assert driver is not None
        errors = conn.dialect.loaded_dbapi.Error
        try:
            with driver.cursor() as cursor:
                # The engine's cursor events still see the statement (query counts,
                # tracing); they get no execution context.
                for listener in conn.dispatch.before_cursor_execute:
                    sql, values = listener(conn, cursor, sql, values, None, False)
                cursor.execute(sql, values, prepare=True)
                for listener in conn.dispatch.after_cursor_execute:
                    listener(conn, cursor, sql, values, None, False)
                return cursor.fetchone()  # type: ignore[no-any-return]
        except errors as exc:
            # As SQLAlchemy's own execution does: a connection the server dropped is thrown
            # away, and so is the rest of the pool (they went with the server: a busy pool is
            # never idle long enough to be pinged); the error is SQLAlchemy's.
            lost = conn.dialect.is_disconnect(exc, driver, None)
            if lost:
                conn.invalidate(exc)
                conn.engine.dispose(close=False)
            raise DBAPIError.instance(
                sql, values, exc, errors, connection_invalidated=lost, dialect=conn.dialect
            ) from exc
