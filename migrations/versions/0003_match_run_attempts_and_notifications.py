"""match run attempts and shards, notification outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30 01:06:05.427817
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("subject", sa.String(length=200), nullable=False),
        sa.Column("body", sa.String(length=4000), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "sent", "failed", name="notificationstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_notifications_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_notifications_account_id"), ["account_id"], unique=False
        )
        batch_op.create_index("ix_notifications_status", ["status"], unique=False)

    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("attempts", sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(sa.Column("shards", sa.Integer(), server_default="1", nullable=False))
        batch_op.add_column(
            sa.Column("details", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )


# The downgrade drops these tables and columns (``table`` or ``table.column``) and their
# data: ``flask db downgrade`` refuses it without ``--force``.
DESTRUCTIVE = True
DOWNGRADE_DROPS = (
    "match_runs.details",
    "match_runs.shards",
    "match_runs.attempts",
    "notifications",
)


def downgrade() -> None:
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.drop_column("details")
        batch_op.drop_column("shards")
        batch_op.drop_column("attempts")

    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_status")
        batch_op.drop_index(batch_op.f("ix_notifications_account_id"))

    op.drop_table("notifications")
