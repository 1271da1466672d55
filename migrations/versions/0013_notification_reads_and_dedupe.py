"""notifications are read (read_at) and some are sent once per subject (dedupe_key)

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 19:40:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing notifications stay unread (read_at NULL) and carry no dedupe key: each was sent
    # once already, so nothing needs backfilling.
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.add_column(sa.Column("read_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dedupe_key", sa.String(length=160), nullable=True))
        batch_op.create_unique_constraint("uq_notifications_dedupe_key", ["dedupe_key"])
        batch_op.create_index("ix_notifications_account_id_id", ["account_id", "id"])


# The downgrade forgets which notifications were read and which reminders were sent.
DESTRUCTIVE = True
DOWNGRADE_DROPS: tuple[str, ...] = ("notifications.read_at", "notifications.dedupe_key")


def downgrade() -> None:
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_account_id_id")
        batch_op.drop_constraint("uq_notifications_dedupe_key", type_="unique")
        batch_op.drop_column("dedupe_key")
        batch_op.drop_column("read_at")
