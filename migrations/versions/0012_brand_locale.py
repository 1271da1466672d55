"""a brand's locale for amounts (how the dashboard reads and writes money for it)

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-01 16:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL, for every existing brand, means "from the browser" (Accept-Language): the backfill
    # is the behaviour they had, so no row needs writing.
    with op.batch_alter_table("brands", schema=None) as batch_op:
        batch_op.add_column(sa.Column("locale", sa.String(length=16), nullable=True))


# The downgrade drops the brands' chosen locales (they fall back to their browser's).
DESTRUCTIVE = True
DOWNGRADE_DROPS: tuple[str, ...] = ("brands.locale",)


def downgrade() -> None:
    with op.batch_alter_table("brands", schema=None) as batch_op:
        batch_op.drop_column("locale")
