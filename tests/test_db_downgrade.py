"""``flask db downgrade``: Alembic's revision forms, and no data dropped unless ``--force``.

Each test runs on a scratch database of its own (``tests/test_migrations.py::scratch_url``).
"""

from __future__ import annotations

from alembic.migration import MigrationContext
from flask import Flask
from sqlalchemy import create_engine, inspect, text

from app import create_app
from tests.conftest import FAST_HASHING
from tests.test_migrations import HEAD, SCRIPTS, scratch_url  # noqa: F401 - a fixture

PARENT = SCRIPTS.get_revision(HEAD).down_revision
NEWEST_FIRST = list(SCRIPTS.walk_revisions("base", "heads"))
# "-N" reaches back through the newest migration whose downgrade drops data
TO_FIRST_DESTRUCTIVE = f"-{[s.module.DESTRUCTIVE for s in NEWEST_FIRST].index(True) + 1}"


def _app(url: str) -> Flask:
    return create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_URL": url, **FAST_HASHING})


def _state(url: str) -> tuple[str | None, set[str], int]:
    """(revision, tables, accounts rows) of the database at ``url``."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
            tables = set(inspect(conn).get_table_names())
            accounts = conn.execute(text("SELECT COUNT(*) FROM accounts")).scalar_one()
    finally:
        engine.dispose()
    return revision, tables, accounts


def _migrated_with_data(url: str) -> Flask:
    app = _app(url)
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 0, result.output
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO accounts (email, password_hash, role, created_at) "
                "VALUES ('ops@example.com', 'x', 'operator', CURRENT_TIMESTAMP)"
            )
        )
    engine.dispose()
    return app


def _downgrade(app: Flask, *args: str):
    return app.test_cli_runner().invoke(args=["db", "downgrade", *args])


def test_a_destructive_downgrade_is_refused_and_drops_nothing(scratch_url):  # noqa: F811
    app = _migrated_with_data(scratch_url)
    before = _state(scratch_url)
    assert before[0] == HEAD and {"ledger_entries", "offers", "payouts"} <= before[1]

    for target in ("0001", TO_FIRST_DESTRUCTIVE, "base"):
        result = _downgrade(app, target)
        assert result.exit_code == 1, result.output
        assert "refusing a destructive downgrade" in result.output
        assert f"flask --app app db downgrade {target} --force" in result.output
        assert _state(scratch_url) == before  # nothing dropped, revision unchanged

    result = _downgrade(app, "0001")  # names what would be lost, with row counts
    assert "table ledger_entries (0 rows)" in result.output
    assert "table offers (0 rows)" in result.output and "table payouts" in result.output
    newest_destructive = next(s.revision for s in NEWEST_FIRST if s.module.DESTRUCTIVE)
    assert "0002 (" in result.output and f"{newest_destructive} (" in result.output
    assert "table accounts" not in result.output  # 0001 itself stays
    assert "table accounts (1 rows)" in _downgrade(app, "base").output


def test_minus_one_with_force_undoes_one_migration_and_keeps_the_rest(scratch_url):  # noqa: F811
    app = _migrated_with_data(scratch_url)
    result = _downgrade(app, "-1", "--force")
    assert result.exit_code == 0, result.output
    assert f"the database is now at {PARENT}" in result.output
    revision, tables, accounts = _state(scratch_url)
    assert revision == PARENT
    assert "offers" in tables and accounts == 1  # only the newest migration was undone
    # and back up again
    assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    assert _state(scratch_url)[0] == HEAD


def test_a_step_flagged_not_destructive_needs_no_force(scratch_url, monkeypatch):  # noqa: F811
    app = _migrated_with_data(scratch_url)
    monkeypatch.setattr(SCRIPTS.get_revision(HEAD).module, "DESTRUCTIVE", False)
    # the command must read the flag from these (patched) scripts, not load its own copy
    monkeypatch.setattr("cli.ScriptDirectory.from_config", lambda _config: SCRIPTS)
    result = _downgrade(app, "-1")
    assert result.exit_code == 0, result.output
    assert _state(scratch_url)[0] == PARENT


def test_force_to_a_revision_id_and_to_base(scratch_url):  # noqa: F811
    app = _migrated_with_data(scratch_url)
    result = _downgrade(app, "0001", "--force")
    assert result.exit_code == 0, result.output
    revision, tables, accounts = _state(scratch_url)
    assert revision == "0001" and accounts == 1
    assert not {"ledger_entries", "offers", "payouts"} & tables
    result = _downgrade(app, "base", "--force")
    assert result.exit_code == 0, result.output
    engine = create_engine(scratch_url)
    assert "accounts" not in set(inspect(engine).get_table_names())
    engine.dispose()
    assert "Nothing to downgrade." in _downgrade(app, "base").output


def test_an_unknown_revision_is_a_clean_error(scratch_url):  # noqa: F811
    app = _migrated_with_data(scratch_url)
    result = _downgrade(app, "zzzz")
    assert result.exit_code != 0
    assert "cannot downgrade to 'zzzz'" in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)
    assert _state(scratch_url)[0] == HEAD


def test_every_migration_declares_what_its_downgrade_drops():
    for script in SCRIPTS.walk_revisions("base", "heads"):
        assert isinstance(script.module.DESTRUCTIVE, bool), script.revision
        if script.module.DESTRUCTIVE:
            assert script.module.DOWNGRADE_DROPS, script.revision
