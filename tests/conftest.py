"""Fixtures: a migrated database (SQLite by default, PostgreSQL with TEST_DATABASE_URL),
an app per test, API clients, and factories that return callables.

Every test starts from empty tables (but for the default taxonomy); the schema comes from the Alembic migrations, so the tests
also prove that the migrations build what the models describe.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from alembic import command
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

import models  # noqa: F401 - every table on Base.metadata
from accounts.models import Brand, Creator
from accounts.services import create_operator
from app import create_app
from cli import alembic_config
from core.db import Base, session_scope
from stripe_standin import StripeStandin
from taxonomy.services import seed_default_taxonomy
from tests.mail_server import SmtpServer

# In CI a skipped test fails the run; PostgreSQL-only tests are deselected on SQLite.
pytest_plugins = ["tests.ci_gate", "pytester"]  # pytester: tests/test_ci_gate.py runs pytest

FAST_HASHING = {"ARGON2_TIME_COST": 1, "ARGON2_MEMORY_KIB": 1024}


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url.replace("postgresql://", "postgresql+psycopg://", 1)
    return "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A database migrated to head once per test session."""
    url = _database_url(tmp_path_factory)
    engine = create_engine(url)
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    engine.dispose()
    command.upgrade(alembic_config(url), "head")
    return url


def _empty_tables(app: Flask) -> None:
    engine = app.extensions["dandelion.db"].engine
    tables = list(reversed(Base.metadata.sorted_tables))
    with engine.begin() as conn:
        if conn.dialect.name == "postgresql":
            names = ", ".join(t.name for t in tables)
            conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(table.delete())
    # Every test starts from the default taxonomy, as a migrated database does.
    with Session(engine) as s:
        seed_default_taxonomy(s)
        s.commit()
    engine.dispose()


@pytest.fixture
def make_app(database_url: str, tmp_path: Any) -> Iterator[Callable[..., Flask]]:
    """Build apps on the test database; every test starts with empty tables."""
    built: list[Flask] = []

    def build(**overrides: Any) -> Flask:
        config = {
            "TESTING": True,
            "SECRET_KEY": "test-secret",
            "SQLALCHEMY_URL": database_url,
            "RATELIMIT_ENABLED": False,
            # Most tests write the offers they need by hand; the incremental runs' tests (and
            # anything testing automatic matching) turn this back on.
            "MATCH_INCREMENTAL": False,
            **FAST_HASHING,
            **overrides,
        }
        app = create_app(config)
        app.instance_path = str(tmp_path / "instance")
        built.append(app)
        return app

    yield build
    if built:
        _empty_tables(built[0])
        for app in built:
            app.extensions["dandelion.db"].engine.dispose()


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    return make_app()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def session(app: Flask) -> Iterator[Session]:
    """A session outside any request, for arranging data and checking what was written."""
    # A reader: on SQLite it must not hold the write lock while the app handles requests.
    s = app.extensions["dandelion.db"].read_session_factory()
    yield s
    s.close()


class ApiUser:
    """An API client bound to one account's bearer token."""

    def __init__(self, client: FlaskClient, token: str, account_id: int, obj_id: int) -> None:
        self.client = client
        self.token = token
        self.account_id = account_id
        self.id = obj_id

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, headers=self.headers, **kw)

    def post(self, url: str, **kw: Any) -> Any:
        return self.client.post(url, headers=self.headers, **kw)

    def put(self, url: str, **kw: Any) -> Any:
        return self.client.put(url, headers=self.headers, **kw)

    def patch(self, url: str, **kw: Any) -> Any:
        return self.client.patch(url, headers=self.headers, **kw)

    def delete(self, url: str, **kw: Any) -> Any:
        return self.client.delete(url, headers=self.headers, **kw)


_counter = iter(range(1, 10**9))
PASSWORD = "correct horse battery"


def _account_id(app: Flask, model: type, obj_id: int) -> int:
    s = app.extensions["dandelion.db"].read_session_factory()
    try:
        return int(s.scalar(select(model.account_id).where(model.id == obj_id)))
    finally:
        s.close()


@pytest.fixture
def make_brand(app: Flask, client: FlaskClient) -> Callable[..., ApiUser]:
    """Sign a brand up through the API and log it in; returns an ``ApiUser``."""

    def make(name: str | None = None) -> ApiUser:
        n = next(_counter)
        email = f"brand{n}@example.com"
        r = client.post(
            "/api/v1/brands",
            json={"name": name or f"Brand {n}", "email": email, "password": PASSWORD},
        )
        assert r.status_code == 201, r.json
        t = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
        assert t.status_code == 201, t.json
        return ApiUser(client, t.json["token"], _account_id(app, Brand, r.json["id"]), r.json["id"])

    return make


@pytest.fixture
def make_creator(app: Flask, client: FlaskClient) -> Callable[..., ApiUser]:
    """Sign a creator up through the API and log it in; returns an ``ApiUser``."""

    def make(handle: str | None = None) -> ApiUser:
        n = next(_counter)
        email = f"creator{n}@example.com"
        r = client.post(
            "/api/v1/creators",
            json={"handle": handle or f"creator_{n}", "email": email, "password": PASSWORD},
        )
        assert r.status_code == 201, r.json
        t = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
        assert t.status_code == 201, t.json
        return ApiUser(
            client, t.json["token"], _account_id(app, Creator, r.json["id"]), r.json["id"]
        )

    return make


def campaign_body(**overrides: Any) -> dict[str, Any]:
    """A valid campaign creation body; override any field."""
    today = date.today()
    body: dict[str, Any] = {
        "title": "Winter barrier serum",
        "brief": "Show our serum in your evening routine, in your own words.",
        "category": "skincare",
        "competitor_group": "skincare",
        "budget": {"amount": 500_000, "currency": "EUR"},
        "slots": 3,
        "target_audience": {
            "interests": {"skincare": 0.7, "makeup": 0.3},
            "gender": {"female": 0.8, "male": 0.2},
            "city_tiers": {"1": 0.5, "2": 0.3, "3": 0.2},
            "age": {"18-24": 0.4, "25-34": 0.4, "35-44": 0.2},
        },
        "min_followers": 1_000,
        "max_followers": 500_000,
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
    }
    body.update(overrides)
    return body


@pytest.fixture
def make_campaign() -> Callable[..., dict[str, Any]]:
    """Create a campaign for ``brand`` through the API, optionally funded and published."""

    def make(brand: ApiUser, *, state: str = "draft", **overrides: Any) -> dict[str, Any]:
        r = brand.post("/api/v1/campaigns", json=campaign_body(**overrides))
        assert r.status_code == 201, r.json
        campaign = r.json
        if state in ("funded", "published"):
            r = brand.post(f"/api/v1/campaigns/{campaign['id']}/fund")
            assert r.status_code == 200, r.json
            campaign = r.json["campaign"]
        if state == "published":
            r = brand.post(f"/api/v1/campaigns/{campaign['id']}/publish")
            assert r.status_code == 200, r.json
            campaign = r.json
        return campaign

    return make


@pytest.fixture
def make_offer(session: Session) -> Callable[..., Any]:
    """Write offers straight to the database (``tests.factories.offer_factory``)."""
    from tests.factories import offer_factory

    return offer_factory(session)


def operator_user(app: Flask, client: FlaskClient, email: str = "ops@example.com") -> ApiUser:
    """Create an operator and log it in over the API; returns an ``ApiUser``."""
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        account_id = create_operator(s, email=email, password=PASSWORD).id
    r = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    assert r.status_code == 201 and r.json["kind"] == "operator", r.json
    return ApiUser(client, r.json["token"], account_id, account_id)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1; pass ``SMTP_URL=smtp_server.url`` to the app."""
    server = SmtpServer()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def stripe_standin() -> Iterator[StripeStandin]:
    """The Stripe stand-in on 127.0.0.1, for the modules whose ``app`` runs the Stripe provider
    (``tests.payments_fixtures.stripe_config``)."""
    with StripeStandin() as standin:
        yield standin


REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")


@pytest.fixture
def redis_conn() -> Iterator[Any]:
    """Real Redis (database 15, or TEST_REDIS_URL), emptied before and after the test."""
    from redis import Redis

    conn = Redis.from_url(REDIS_URL)
    try:
        conn.ping()
    except Exception as exc:  # pragma: no cover - depends on the machine
        from tests.ci_gate import ci_is_on

        if ci_is_on():
            raise
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    conn.flushdb()
    yield conn
    conn.flushdb()
    conn.close()


class LimiterClock:
    """The clock the rate limiter reads (flask-limiter's and its in-memory storage's
    ``time.time``), stopped at ``now`` until a test moves it on; everything else in the
    process keeps real time."""

    def __init__(self, now: float) -> None:
        self.now = now

    def time(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds

    def __getattr__(self, name: str) -> Any:  # sleep, monotonic, mktime...: the real ones
        import time

        return getattr(time, name)


# Half a second before a UTC minute starts: a limit counted per clock minute would reset here.
LIMITER_CLOCK_START = 60 * 29_000_000 - 0.5


@pytest.fixture
def limiter_clock(monkeypatch: pytest.MonkeyPatch) -> LimiterClock:
    """Freeze the rate limiter's clock just before a minute boundary, so a limit test never
    depends on when it runs or how long it takes; use with ``RATELIMIT_STORAGE_URI="memory://"``
    (Redis keeps its own time)."""
    import flask_limiter._extension
    import limits.storage.memory

    clock = LimiterClock(LIMITER_CLOCK_START)
    monkeypatch.setattr(limits.storage.memory, "time", clock)
    monkeypatch.setattr(flask_limiter._extension, "time", clock)
    return clock


@pytest.fixture
def webhook_receiver() -> Iterator[Any]:
    """A real HTTP receiver on 127.0.0.1 for webhook deliveries (tests/webhook_receiver.py)."""
    from tests.webhook_receiver import WebhookReceiver

    receiver = WebhookReceiver()
    receiver.start()
    try:
        yield receiver
    finally:
        receiver.stop()
