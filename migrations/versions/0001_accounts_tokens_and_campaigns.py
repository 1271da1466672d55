"""accounts, tokens and campaigns

Revision ID: 0001
Revises:
Create Date: 2026-11-30 00:47:43.674549
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column(
            "role",
            sa.Enum("brand", "creator", "operator", name="role", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_accounts")),
        sa.UniqueConstraint("email", name=op.f("uq_accounts_email")),
    )
    op.create_table(
        "api_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_api_tokens_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_tokens_token_hash")),
    )
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_api_tokens_account_id"), ["account_id"], unique=False)

    op.create_table(
        "brands",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_brands_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_brands")),
        sa.UniqueConstraint("account_id", name=op.f("uq_brands_account_id")),
    )
    op.create_table(
        "creators",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("handle", sa.String(length=40), nullable=False),
        sa.Column("display_name", sa.String(length=120), nullable=False),
        sa.Column("followers", sa.Integer(), nullable=False),
        sa.Column("engagement_rate", sa.Float(), nullable=False),
        sa.Column("categories", sa.JSON(), nullable=False),
        sa.Column("audience", sa.JSON(), nullable=True),
        sa.Column("rate_amount", sa.BigInteger(), nullable=True),
        sa.Column("rate_currency", sa.String(length=3), nullable=True),
        sa.Column("weekly_capacity", sa.Integer(), nullable=False),
        sa.Column("is_open", sa.Boolean(), nullable=False),
        sa.Column("open_until", sa.Date(), nullable=True),
        sa.Column("open_categories", sa.JSON(), nullable=False),
        sa.Column("verified", sa.Boolean(), nullable=False),
        sa.Column("sponsored_share", sa.Float(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("followers >= 0", name=op.f("ck_creators_followers_non_negative")),
        sa.CheckConstraint(
            "rate_amount IS NULL OR rate_amount > 0", name=op.f("ck_creators_rate_positive")
        ),
        sa.CheckConstraint(
            "weekly_capacity BETWEEN 1 AND 10", name=op.f("ck_creators_weekly_capacity_range")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"], ["accounts.id"], name=op.f("fk_creators_account_id_accounts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_creators")),
        sa.UniqueConstraint("account_id", name=op.f("uq_creators_account_id")),
        sa.UniqueConstraint("handle", name=op.f("uq_creators_handle")),
    )
    op.create_table(
        "campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=140), nullable=False),
        sa.Column("brief", sa.Text(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.Column("competitor_group", sa.String(length=60), nullable=True),
        sa.Column("budget_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("slots", sa.Integer(), nullable=False),
        sa.Column("min_creators", sa.Integer(), nullable=False),
        sa.Column("target_audience", sa.JSON(), nullable=False),
        sa.Column("min_followers", sa.Integer(), nullable=False),
        sa.Column("max_followers", sa.Integer(), nullable=True),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "funded",
                "published",
                "completed",
                "cancelled",
                name="campaignstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("funded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("published_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint("budget_amount > 0", name=op.f("ck_campaigns_budget_positive")),
        sa.CheckConstraint("ends_on >= starts_on", name=op.f("ck_campaigns_dates_in_order")),
        sa.CheckConstraint(
            "min_creators >= 0 AND min_creators <= slots",
            name=op.f("ck_campaigns_min_creators_range"),
        ),
        sa.CheckConstraint("slots >= 1", name=op.f("ck_campaigns_slots_positive")),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_campaigns_brand_id_brands")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaigns")),
    )
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaigns_brand_id"), ["brand_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaigns_category"), ["category"], unique=False)
        batch_op.create_index(batch_op.f("ix_campaigns_status"), ["status"], unique=False)


# The downgrade drops these tables and columns (``table`` or ``table.column``) and their
# data: ``flask db downgrade`` refuses it without ``--force``.
DESTRUCTIVE = True
DOWNGRADE_DROPS = (
    "campaigns",
    "creators",
    "brands",
    "api_tokens",
    "accounts",
)


def downgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaigns_status"))
        batch_op.drop_index(batch_op.f("ix_campaigns_category"))
        batch_op.drop_index(batch_op.f("ix_campaigns_brand_id"))

    op.drop_table("campaigns")
    op.drop_table("creators")
    op.drop_table("brands")
    with op.batch_alter_table("api_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_api_tokens_account_id"))

    op.drop_table("api_tokens")
    op.drop_table("accounts")
