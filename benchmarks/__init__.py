"""Benchmarks (results in BENCHMARKS.md) and what they share: a fresh database at head."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, text


def fresh_schema(url: str) -> None:
    """Drop everything and migrate to head."""
    from alembic import command

    from cli import alembic_config

    if url.startswith("sqlite:///"):
        path = Path(url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
    else:
        with create_engine(url).begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    command.upgrade(alembic_config(url), "head")
