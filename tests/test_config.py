"""Configuration: embedded default, production's required secrets, malformed settings."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select

import models  # noqa: F401 - every table on Base.metadata
from accounts.models import Account
from app import create_app, database_url
from config import ConfigError, EmbeddedConfig, ProductionConfig, embedded_secret, load_config
from core.db import Base
from tests.conftest import FAST_HASHING, PASSWORD

ENV_NAMES = (
    "DANDELION_ENV", "DATABASE_URL", "REDIS_URL", "SECRET_KEY", "PAYMENTS_PROVIDER",
    "STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "PLATFORM_FEE_BPS", "TOKEN_TTL_HOURS",
)  # fmt: skip


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """The process environment without any Dandelion setting."""
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_embedded_is_the_default():
    cfg = load_config(env={})
    assert isinstance(cfg, EmbeddedConfig) and not isinstance(cfg, ProductionConfig)
    assert cfg.DATABASE_URL is None and cfg.REDIS_URL is None
    assert cfg.PAYMENTS_PROVIDER == "ledger"
    assert cfg.PLATFORM_FEE_BPS == 1000
    assert cfg.SESSION_COOKIE_SECURE is False


def test_embedded_database_is_sqlite_in_the_instance_folder(tmp_path: Path):
    instance = tmp_path / "instance"
    url = database_url(load_config(env={}), str(instance))
    assert url == "sqlite:///" + str(instance / "dandelion.sqlite")
    assert instance.is_dir()


def test_create_app_uses_the_embedded_database_by_default(clean_env):
    app = create_app({"SECRET_KEY": "test-secret", **FAST_HASHING})
    try:
        expected = "sqlite:///" + os.path.join(app.instance_path, "dandelion.sqlite")
        assert app.config["SQLALCHEMY_URL"] == expected
        assert app.config["PAYMENTS_PROVIDER"] == "ledger"
    finally:
        app.extensions["dandelion.db"].engine.dispose()


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("postgresql://u:p@db:5432/dandelion", "postgresql+psycopg://u:p@db:5432/dandelion"),
        ("postgres://u@db/dandelion", "postgresql+psycopg://u@db/dandelion"),
        ("postgresql+psycopg://u@db/d", "postgresql+psycopg://u@db/d"),
        ("sqlite:////srv/dandelion.sqlite", "sqlite:////srv/dandelion.sqlite"),
    ],
)
def test_database_url_uses_psycopg_3_for_postgresql(tmp_path: Path, given, expected):
    assert database_url(load_config(env={"DATABASE_URL": given}), str(tmp_path)) == expected


@pytest.mark.parametrize(
    ("env", "missing"),
    [
        ({}, ["SECRET_KEY", "DATABASE_URL"]),
        ({"SECRET_KEY": "s3cret"}, ["DATABASE_URL"]),
        ({"DATABASE_URL": "postgresql://db/dandelion"}, ["SECRET_KEY"]),
        ({"SECRET_KEY": "", "DATABASE_URL": "postgresql://db/dandelion"}, ["SECRET_KEY"]),
    ],
    ids=["nothing", "no-database", "no-secret", "empty-secret"],
)
def test_production_refuses_to_start_without_its_secrets(env, missing):
    with pytest.raises(ConfigError) as error:
        load_config(env={"DANDELION_ENV": "production", **env})
    for name in missing:
        assert name in str(error.value)
    for name in {"SECRET_KEY", "DATABASE_URL"} - set(missing):
        assert name not in str(error.value)


def test_create_app_refuses_to_start_in_production_without_secrets(clean_env):
    clean_env.setenv("DANDELION_ENV", "production")
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"TESTING": True})


def test_production_with_its_secrets(tmp_path: Path):
    env = {"DANDELION_ENV": "Production", "SECRET_KEY": "s3cret", "DATABASE_URL": "postgres://db/d"}
    cfg = load_config(env=env)
    assert isinstance(cfg, ProductionConfig)
    assert cfg.SECRET_KEY == "s3cret"
    assert cfg.SESSION_COOKIE_SECURE is True
    assert database_url(cfg, str(tmp_path)) == "postgresql+psycopg://db/d"


def test_an_unknown_mode_is_refused():
    with pytest.raises(ConfigError, match="DANDELION_ENV"):
        load_config(env={"DANDELION_ENV": "prod"})


@pytest.mark.parametrize("value", ["abc", "12.5", "-1", "10001", "1e3"])
def test_bad_platform_fee_is_refused(value):
    with pytest.raises(ConfigError, match="PLATFORM_FEE_BPS"):
        load_config(env={"PLATFORM_FEE_BPS": value})


@pytest.mark.parametrize(("value", "expected"), [("0", 0), ("10000", 10_000), ("250", 250)])
def test_platform_fee_within_range_is_read(value, expected):
    fee = load_config(env={"PLATFORM_FEE_BPS": value}).PLATFORM_FEE_BPS
    assert fee == expected


@pytest.mark.parametrize("value", ["paypal", "", "ledger "])
def test_unknown_payments_provider_is_refused(value):
    with pytest.raises(ConfigError, match="PAYMENTS_PROVIDER"):
        load_config(env={"PAYMENTS_PROVIDER": value})


def test_stripe_needs_its_keys():
    with pytest.raises(ConfigError, match="STRIPE_SECRET_KEY"):
        load_config(env={"PAYMENTS_PROVIDER": "stripe"})


def test_bad_token_lifetime_is_refused():
    with pytest.raises(ConfigError, match="TOKEN_TTL_HOURS"):
        load_config(env={"TOKEN_TTL_HOURS": "a week"})


def test_settings_come_from_the_given_environment_only(clean_env):
    clean_env.setenv("PLATFORM_FEE_BPS", "5")
    assert load_config(env={}).PLATFORM_FEE_BPS == 1000
    assert load_config().PLATFORM_FEE_BPS == 5


def test_redis_url_also_stores_rate_limits():
    cfg = load_config(env={"REDIS_URL": "redis://127.0.0.1:6379/0"})
    assert cfg.RATELIMIT_STORAGE_URI == "redis://127.0.0.1:6379/0"
    assert load_config(env={}).RATELIMIT_STORAGE_URI == "memory://"


def test_embedded_secret_is_generated_once_and_private(tmp_path: Path):
    first = embedded_secret(str(tmp_path / "a"))
    assert len(first) >= 32
    assert embedded_secret(str(tmp_path / "a")) == first
    assert embedded_secret(str(tmp_path / "b")) != first
    mode = stat.S_IMODE((tmp_path / "a" / "secret_key").stat().st_mode)
    assert mode == 0o600


def test_two_apps_keep_their_own_databases(tmp_path: Path):
    urls = [f"sqlite:///{tmp_path / name}.sqlite" for name in ("one", "two")]
    for url in urls:
        engine = create_engine(url)
        Base.metadata.create_all(engine)
        engine.dispose()
    config = {"TESTING": True, "SECRET_KEY": "x", "RATELIMIT_ENABLED": False, **FAST_HASHING}
    first = create_app({**config, "SQLALCHEMY_URL": urls[0]})
    second = create_app({**config, "SQLALCHEMY_URL": urls[1]})
    try:
        body = {"name": "Lumen", "email": "a@example.com", "password": PASSWORD}
        assert first.test_client().post("/api/v1/brands", json=body).status_code == 201
        counts = []
        for url in urls:
            engine = create_engine(url)
            with engine.connect() as conn:
                counts.append(conn.scalar(select(func.count()).select_from(Account)))
            engine.dispose()
        assert counts == [1, 0]
    finally:
        for app in (first, second):
            app.extensions["dandelion.db"].engine.dispose()
