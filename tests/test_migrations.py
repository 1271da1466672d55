"""Alembic migrations: every downgrade step keeps the data it does not drop, every upgrade
rebuilds exactly what the models describe.

Each round trip runs on a scratch database of its own (a temp SQLite file, or a PostgreSQL
database created next to the test database and dropped afterwards), never on the session's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, MetaData, create_engine, make_url, select, text
from sqlalchemy.orm import Session

import models  # noqa: F401 - every table on Base.metadata
from accounts.models import Account, ApiToken, Brand, Creator, Role
from campaigns.models import Campaign, CampaignStatus
from cli import alembic_config
from core.db import Base

SCRIPTS = ScriptDirectory.from_config(alembic_config("sqlite://"))
# oldest first; each is downgraded to its parent and upgraded back
REVISIONS = list(reversed(list(SCRIPTS.walk_revisions("base", "heads"))))
HEAD = SCRIPTS.get_current_head()
SEEDED_TABLES = {"accounts", "brands", "creators", "campaigns", "api_tokens"}
# Derived from other tables and rebuilt by the upgrade that creates them (the search index).
DERIVED_TABLES = {"creator_interest_shares", "creator_categories"}
# Reference data the upgrade that creates them seeds (the default taxonomy): they come back
# with the same rows, but for the time they were written.
REFERENCE_TABLES = {"taxonomy_categories", "interest_tags", "taxonomy_version"}
WRITTEN_AT = {"created_at", "changed_at"}


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Any) -> Iterator[str]:
    """An empty database of the same kind as the test database, dropped afterwards."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"{url.database}_mig_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def seed(engine: Engine) -> None:
    """Rows in every foundation table, with the value kinds that migrations tend to mangle:
    JSON, booleans, dates, aware timestamps, big integers, NULLs and enum strings."""
    now = datetime.now(UTC).replace(microsecond=123456)
    today = date.today()
    audience = {
        "interests": {"skincare": 0.6, "makeup": 0.4},
        "gender": {"female": 0.7, "male": 0.3},
        "city_tiers": {"1": 0.5, "2": 0.5},
        "age": {"18-24": 0.5, "25-34": 0.5},
    }
    with Session(engine) as session:
        brand_account = Account(
            email="brand@example.com", password_hash="$argon2id$x", role=Role.BRAND
        )
        creator_account = Account(
            email="creator@example.com", password_hash="$argon2id$y", role=Role.CREATOR
        )
        operator = Account(email="ops@example.com", password_hash="$argon2id$z", role=Role.OPERATOR)
        brand = Brand(account=brand_account, name="Lumen Skin", created_at=now)
        creator = Creator(
            account=creator_account,
            handle="mia.cooks",
            display_name="Mia — cooks & cares",
            followers=123_456,
            engagement_rate=0.0425,
            categories=["skincare", "food"],
            audience=audience,
            rate_amount=10**12,
            rate_currency="EUR",
            weekly_capacity=3,
            is_open=True,
            open_until=today + timedelta(days=30),
            open_categories=["skincare"],
            verified=True,
            sponsored_share=0.25,
            created_at=now,
            updated_at=now,
        )
        quiet = Creator(account=Account(email="quiet@example.com", password_hash="h",
                                        role=Role.CREATOR), handle="quiet_one")  # fmt: skip
        campaigns = [
            Campaign(
                brand=brand,
                title="Winter barrier serum",
                brief="Show the serum in your evening routine.",
                category="skincare",
                competitor_group="skincare",
                budget_amount=900_000_000_000,
                currency="EUR",
                slots=4,
                min_creators=2,
                target_audience=audience,
                min_followers=1_000,
                max_followers=None,
                starts_on=today,
                ends_on=today + timedelta(days=60),
                status=CampaignStatus.PUBLISHED,
                funded_at=now,
                published_at=now,
            ),
            Campaign(
                brand=brand,
                title="Night cream",
                brief="A draft that never went out.",
                category="skincare",
                competitor_group=None,
                budget_amount=450_000,
                currency="JPY",
                slots=1,
                target_audience={"interests": {"skincare": 1.0}},
                starts_on=today,
                ends_on=today,
                status=CampaignStatus.DRAFT,
            ),
        ]
        tokens = [
            ApiToken(
                account=brand_account, token_hash="a" * 64, expires_at=now + timedelta(days=7)
            ),
            ApiToken(
                account=creator_account,
                token_hash="b" * 64,
                expires_at=now + timedelta(days=7),
                revoked_at=now,
            ),
        ]
        session.add_all([brand, creator, quiet, operator, *campaigns, *tokens])
        session.commit()


def reflect(engine: Engine) -> MetaData:
    metadata = MetaData()
    metadata.reflect(engine)
    return metadata


def snapshot(engine: Engine) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table (but alembic's own), in a stable order."""
    tables: dict[str, list[dict[str, Any]]] = {}
    with engine.connect() as conn:
        for table in reflect(engine).sorted_tables:
            if table.name != "alembic_version":
                rows = [dict(row) for row in conn.execute(select(table)).mappings()]
                tables[table.name] = sorted(rows, key=repr)
    return tables


def project(rows: list[dict[str, Any]], columns: set[str]) -> list[dict[str, Any]]:
    return sorted(({k: v for k, v in row.items() if k in columns} for row in rows), key=repr)


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def schema_differences(engine: Engine) -> list[Any]:
    """What ``alembic check`` would report: the migrated schema against the models."""
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(context, Base.metadata)


def test_there_is_one_linear_history():
    assert REVISIONS, "no migrations found"
    assert len(SCRIPTS.get_heads()) == 1, SCRIPTS.get_heads()
    assert REVISIONS[0].down_revision is None
    for older, newer in zip(REVISIONS, REVISIONS[1:], strict=False):
        assert newer.down_revision == older.revision


@pytest.mark.parametrize("revision", REVISIONS, ids=[r.revision for r in REVISIONS])
def test_downgrade_and_upgrade_keep_the_data(scratch_url: str, revision: Any):
    """Upgrade to head with rows in it, downgrade to this revision's parent, upgrade again."""
    config = alembic_config(scratch_url)
    engine = create_engine(scratch_url)
    try:
        command.upgrade(config, "head")
        seed(engine)
        before = snapshot(engine)
        assert all(before[name] for name in SEEDED_TABLES), "the seed must put rows everywhere"

        target = revision.down_revision or "base"
        command.downgrade(config, target)
        assert current_revision(engine) == revision.down_revision
        down = snapshot(engine)
        if target == "base":
            assert down == {}, "a downgrade to base leaves no table behind"
        kept = {name: set(reflect(engine).tables[name].columns.keys()) for name in down}
        for name, columns in kept.items():
            assert down[name] == project(before[name], columns), f"{name} changed on downgrade"

        command.upgrade(config, "head")
        assert current_revision(engine) == HEAD
        assert schema_differences(engine) == []
        after = snapshot(engine)
        for name, columns in kept.items():
            assert project(after[name], columns) == project(before[name], columns), name

        # Tables the downgrade dropped come back able to hold exactly the same rows.
        rebuilt = reflect(engine)
        with engine.begin() as conn:
            for table in rebuilt.sorted_tables:
                if table.name in DERIVED_TABLES and "creators" in kept and table.name not in kept:
                    assert after[table.name] == before[table.name], f"{table.name} not rebuilt"
                elif table.name in REFERENCE_TABLES and table.name not in kept:
                    columns = set(table.columns.keys()) - WRITTEN_AT
                    assert project(after[table.name], columns) == project(
                        before[table.name], columns
                    ), f"{table.name} not seeded again"
                elif table.name in before and table.name not in kept and before[table.name]:
                    assert after[table.name] == [], f"{table.name} came back with rows"
                    conn.execute(table.insert(), before[table.name])
        restored = snapshot(engine)
        for name in set(before) - set(kept) - REFERENCE_TABLES:
            assert restored[name] == before[name], f"{name} does not round-trip its values"
    finally:
        engine.dispose()


def test_the_test_database_matches_the_models(database_url: str):
    engine = create_engine(database_url)
    try:
        assert current_revision(engine) == HEAD
        assert schema_differences(engine) == []
    finally:
        engine.dispose()
