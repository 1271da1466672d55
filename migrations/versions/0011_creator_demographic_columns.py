"""the audience's demographic shares as columns of creators, for discovery's leaning filters

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-01 16:20:00.000000
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

BATCH = 1_000
# The columns as accounts.audience_columns names them (copied: a migration must not change
# when the application code does).
_KEYS = {
    "gender": ("female", "male"),
    "city_tiers": ("1", "2", "3", "4", "5"),
    "age": ("<18", "18-24", "25-34", "35-44", "45+"),
}
_SAFE = {"<18": "under_18", "45+": "45_plus"}


def _column(part: str, key: str) -> str:
    stem = "city_tier" if part == "city_tiers" else part
    return f"aud_{stem}_{_SAFE.get(key, key).replace('-', '_')}"


COLUMNS = {(part, key): _column(part, key) for part, keys in _KEYS.items() for key in keys}

# Derived from creators.audience, which stays: the downgrade loses nothing.
DESTRUCTIVE = False
DOWNGRADE_DROPS: tuple[str, ...] = ()


def _tiers_apply(audience: dict[str, Any]) -> bool:
    """City tiers describe mainland China only: no countries named, or CN among them."""
    countries = audience.get("countries")
    if not isinstance(countries, dict) or not countries:
        return True
    share = countries.get("CN", 0)
    return isinstance(share, int | float) and share > 0


def _values(audience: Any) -> dict[str, float]:
    audience = json.loads(audience) if isinstance(audience, str) else (audience or {})
    if not isinstance(audience, dict):
        audience = {}
    tiers_apply = _tiers_apply(audience)
    out = {}
    for (part, key), column in COLUMNS.items():
        shares = audience.get(part) if tiers_apply or part != "city_tiers" else None
        value = shares.get(key) if isinstance(shares, dict) else None
        out[column] = float(value) if isinstance(value, int | float) and value > 0 else 0.0
    return out


def upgrade() -> None:
    with op.batch_alter_table("creators") as batch:
        for column in COLUMNS.values():
            batch.add_column(sa.Column(column, sa.Float(), nullable=False, server_default="0"))
    bind = op.get_bind()
    creators = sa.table(
        "creators",
        sa.column("id", sa.Integer),
        sa.column("audience", sa.JSON),
        *(sa.column(c, sa.Float) for c in COLUMNS.values()),
    )
    update = (
        creators.update()
        .where(creators.c.id == sa.bindparam("cid"))
        .values({c: sa.bindparam(c) for c in COLUMNS.values()})
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(creators.c.id, creators.c.audience)
            .where(creators.c.id > last, creators.c.audience.is_not(None))
            .order_by(creators.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        bind.execute(update, [{"cid": row.id, **_values(row.audience)} for row in rows])
        last = rows[-1].id


def downgrade() -> None:
    with op.batch_alter_table("creators") as batch:
        for column in COLUMNS.values():
            batch.drop_column(column)
