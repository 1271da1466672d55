"""offer sources, withdrawals and creator explanations; brand block lists; incremental runs

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01 10:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "source",
                sa.Enum(
                    "match", "invite", "open_call", name="offersource", native_enum=False, length=16
                ),
                server_default="match",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("explanation_for_creator", sa.Text(), server_default="", nullable=False)
        )
        batch_op.add_column(sa.Column("withdraw_reason", sa.Text(), nullable=True))

    op.create_table(
        "brand_blocks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_brand_blocks_brand_id_brands")
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["creators.id"], name=op.f("fk_brand_blocks_creator_id_creators")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brand_blocks")),
        sa.UniqueConstraint("brand_id", "creator_id", name=op.f("uq_brand_blocks_brand_id")),
    )
    with op.batch_alter_table("brand_blocks", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_brand_blocks_brand_id"), ["brand_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_brand_blocks_creator_id"), ["creator_id"], unique=False
        )

    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "kind",
                sa.Enum("weekly", "incremental", name="matchrunkind", native_enum=False, length=16),
                server_default="weekly",
                nullable=False,
            )
        )
        batch_op.add_column(
            sa.Column("scope", sa.JSON(), server_default=sa.text("'{}'"), nullable=False)
        )
        batch_op.drop_constraint("uq_match_runs_week", type_="unique")
        batch_op.create_index(batch_op.f("ix_match_runs_week"), ["week"], unique=False)
        batch_op.create_index(
            "uq_match_runs_weekly_week",
            ["week"],
            unique=True,
            sqlite_where=sa.text("kind = 'weekly'"),
            postgresql_where=sa.text("kind = 'weekly'"),
        )


# The downgrade drops these tables and columns (``table`` or ``table.column``) and their
# data: ``flask db downgrade`` refuses it without ``--force``.
DESTRUCTIVE = True
DOWNGRADE_DROPS = (
    "match_runs.scope",
    "match_runs.kind",
    "brand_blocks",
    "offers.withdraw_reason",
    "offers.explanation_for_creator",
    "offers.source",
)


def downgrade() -> None:
    # Incremental runs have no place in the old schema (one run per week): their offers keep
    # their rows but lose the link to the run.
    op.execute(
        "UPDATE offers SET match_run_id = NULL WHERE match_run_id IN "
        "(SELECT id FROM match_runs WHERE kind <> 'weekly')"
    )
    op.execute("DELETE FROM match_runs WHERE kind <> 'weekly'")
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.drop_index("uq_match_runs_weekly_week")
        batch_op.drop_index(batch_op.f("ix_match_runs_week"))
        batch_op.create_unique_constraint("uq_match_runs_week", ["week"])
        batch_op.drop_column("scope")
        batch_op.drop_column("kind")

    with op.batch_alter_table("brand_blocks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_brand_blocks_creator_id"))
        batch_op.drop_index(batch_op.f("ix_brand_blocks_brand_id"))
    op.drop_table("brand_blocks")

    # Offers that the old schema cannot represent: withdrawn ones read as declined.
    op.execute(
        "UPDATE offers SET status = 'declined', decline_reason = COALESCE(withdraw_reason, "
        "'withdrawn by the brand') WHERE status = 'withdrawn'"
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("withdraw_reason")
        batch_op.drop_column("explanation_for_creator")
        batch_op.drop_column("source")
