"""weekly trend snapshots of interest-tag shares, the demand side backfilled from campaigns

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01 16:30:00.000000
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

BACKFILL_WEEKS = 26  # trends.services.MAX_WEEKS


def _aware(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands raw text back
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def upgrade() -> None:
    table = op.create_table(
        "trend_snapshots",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week_start", sa.Date(), nullable=False),
        sa.Column("side", sa.Enum("audience", "demand", name="trendside", native_enum=False,
                                  length=16), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.Column("contributors", sa.Integer(), nullable=False),
        sa.Column("population", sa.Integer(), nullable=False),
        sa.Column("taken_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("week_start", "side", "category", "tag"),
    )  # fmt: skip
    op.create_index("ix_trend_snapshots_week_start", "trend_snapshots", ["week_start"])
    _backfill_demand(table)


def _backfill_demand(table: sa.Table) -> None:
    """Past weeks' demand side, from campaigns' publish and close times: a published
    campaign's target cannot change, so these weeks are measured as they were. The audience
    side has no history to derive from (profiles change in place) and starts with the job."""
    bind = op.get_bind()
    campaigns = [
        (category, _aware(published), _aware(closed), target)
        for category, published, closed, target in bind.execute(
            sa.text(
                "SELECT category, published_at, closed_at, target_audience FROM campaigns "
                "WHERE published_at IS NOT NULL"
            )
        )
    ]
    now = datetime.now(UTC)
    today = now.date()
    current = today - timedelta(days=today.weekday())
    rows: list[dict[str, Any]] = []
    for back in range(1, BACKFILL_WEEKS):
        start: date = current - timedelta(weeks=back)
        begins = datetime(start.year, start.month, start.day, tzinfo=UTC)
        ends = begins + timedelta(weeks=1)
        sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
        holders: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        population: dict[str, int] = defaultdict(int)
        for category, published, closed, target in campaigns:
            if published is None or published >= ends or (closed is not None and closed < begins):
                continue
            if isinstance(target, str):
                target = json.loads(target)
            for key in ("", category):
                population[key] += 1
                for tag, share in ((target or {}).get("interests") or {}).items():
                    if share and float(share) > 0:
                        sums[key][tag] += float(share)
                        holders[key][tag] += 1
        for key, shares in sums.items():
            for tag, total in shares.items():
                rows.append(
                    {
                        "week_start": start,
                        "side": "demand",
                        "category": key,
                        "tag": tag,
                        "share": total / population[key],
                        "contributors": holders[key][tag],
                        "population": population[key],
                        "taken_at": now,
                    }
                )
    if rows:
        op.bulk_insert(table, rows)


# The downgrade drops the snapshots: the audience side of past weeks cannot be measured again
# (``flask db downgrade`` refuses without ``--force``).
DESTRUCTIVE = True
DOWNGRADE_DROPS = ("trend_snapshots",)


def downgrade() -> None:
    op.drop_index("ix_trend_snapshots_week_start", table_name="trend_snapshots")
    op.drop_table("trend_snapshots")
