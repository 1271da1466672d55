"""negotiation turns, open calls and applications, the creator search index, and the
guardrail columns (reported posts, rejections and disputes, a run's health)

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01 13:00:00.000000
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 1_000


def _json(value: Any) -> Any:
    return json.loads(value) if isinstance(value, str) else value


def _backfill_search_index() -> None:
    """Fill the interest and category index from every creator's profile, in batches."""
    bind = op.get_bind()
    creators = sa.table(
        "creators",
        sa.column("id", sa.Integer),
        sa.column("audience", sa.JSON),
        sa.column("open_categories", sa.JSON),
    )
    shares = sa.table(
        "creator_interest_shares",
        sa.column("creator_id", sa.Integer),
        sa.column("tag", sa.String),
        sa.column("share", sa.Float),
    )
    categories = sa.table(
        "creator_categories", sa.column("creator_id", sa.Integer), sa.column("category", sa.String)
    )
    last = 0
    while True:
        rows = bind.execute(
            sa.select(creators.c.id, creators.c.audience, creators.c.open_categories)
            .where(creators.c.id > last)
            .order_by(creators.c.id)
            .limit(BATCH)
        ).all()
        if not rows:
            return
        share_rows, category_rows = [], []
        for creator_id, audience, open_categories in rows:
            interests = (_json(audience) or {}).get("interests") or {}
            share_rows += [
                {"creator_id": creator_id, "tag": tag, "share": float(share)}
                for tag, share in interests.items()
                if share and float(share) > 0
            ]
            category_rows += [
                {"creator_id": creator_id, "category": category}
                for category in sorted(set(_json(open_categories) or ()))
            ]
        if share_rows:
            bind.execute(shares.insert(), share_rows)
        if category_rows:
            bind.execute(categories.insert(), category_rows)
        last = rows[-1][0]


def upgrade() -> None:
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("recent_posts_30d", sa.Integer(), nullable=True))
        batch_op.create_index("ix_creators_open_followers", ["is_open", "followers"])

    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.add_column(sa.Column("message", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("counter_price_amount", sa.BigInteger(), nullable=True))

    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("rejections", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(
            sa.Column("auto_approved", sa.Boolean(), server_default=sa.false(), nullable=False)
        )
        batch_op.add_column(sa.Column("disputed_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("dispute_resolution", sa.Text(), nullable=True))

    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("health", sa.JSON(), nullable=True))

    op.create_table(
        "offer_turns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=16), nullable=False),
        sa.Column("kind", sa.Enum("offer", "counter", "accept", "decline", name="turnkind",
                                  native_enum=False, length=16), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"]),
        sa.PrimaryKeyConstraint("id"),
    )  # fmt: skip
    op.create_index("ix_offer_turns_offer_id", "offer_turns", ["offer_id"])

    op.create_table(
        "open_calls",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("opened_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closes_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id"),
    )
    op.create_index("ix_open_calls_closes_at", "open_calls", ["closes_at"])

    op.create_table(
        "applications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("open_call_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("pitch", sa.Text(), nullable=False),
        sa.Column("status", sa.Enum("submitted", "selected", "not_selected", "withdrawn",
                                    name="applicationstatus", native_enum=False, length=16),
                  nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["open_call_id"], ["open_calls.id"]),
        sa.ForeignKeyConstraint(["campaign_id"], ["campaigns.id"]),
        sa.ForeignKeyConstraint(["creator_id"], ["creators.id"]),
        sa.ForeignKeyConstraint(["offer_id"], ["offers.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("campaign_id", "creator_id"),
        sa.UniqueConstraint("offer_id"),
    )  # fmt: skip
    for column in ("open_call_id", "campaign_id", "creator_id"):
        op.create_index(f"ix_applications_{column}", "applications", [column])

    op.create_table(
        "creator_interest_shares",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("tag", sa.String(length=40), nullable=False),
        sa.Column("share", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["creators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("creator_id", "tag"),
    )
    op.create_index(
        "ix_creator_interest_shares_tag_share", "creator_interest_shares", ["tag", "share"]
    )
    op.create_table(
        "creator_categories",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("category", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(["creator_id"], ["creators.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("creator_id", "category"),
    )
    op.create_index(
        "ix_creator_categories_category", "creator_categories", ["category", "creator_id"]
    )
    _backfill_search_index()


# The downgrade drops these tables and columns and their data: ``flask db downgrade`` refuses
# it without ``--force``.
DESTRUCTIVE = True
DOWNGRADE_DROPS = (
    "creator_categories",
    "creator_interest_shares",
    "applications",
    "open_calls",
    "offer_turns",
    "match_runs.health",
    "sponsorships.dispute_resolution",
    "sponsorships.disputed_at",
    "sponsorships.auto_approved",
    "sponsorships.rejections",
    "offers.counter_price_amount",
    "offers.message",
    "creators.recent_posts_30d",
)


def downgrade() -> None:
    # States the old schema cannot represent: a standing counter reads as the brand's offer
    # again, and a disputed post as rejected (the brand may review it once more).
    op.execute("UPDATE offers SET status = 'proposed' WHERE status = 'countered'")
    op.execute("UPDATE sponsorships SET status = 'rejected' WHERE status = 'disputed'")
    # Offers created by selecting an application keep their rows; the link goes with the table.
    op.drop_index("ix_creator_categories_category", table_name="creator_categories")
    op.drop_table("creator_categories")
    op.drop_index("ix_creator_interest_shares_tag_share", table_name="creator_interest_shares")
    op.drop_table("creator_interest_shares")
    for column in ("open_call_id", "campaign_id", "creator_id"):
        op.drop_index(f"ix_applications_{column}", table_name="applications")
    op.drop_table("applications")
    op.drop_index("ix_open_calls_closes_at", table_name="open_calls")
    op.drop_table("open_calls")
    op.drop_index("ix_offer_turns_offer_id", table_name="offer_turns")
    op.drop_table("offer_turns")
    with op.batch_alter_table("match_runs", schema=None) as batch_op:
        batch_op.drop_column("health")
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.drop_column("dispute_resolution")
        batch_op.drop_column("disputed_at")
        batch_op.drop_column("auto_approved")
        batch_op.drop_column("rejections")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_column("counter_price_amount")
        batch_op.drop_column("message")
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.drop_index("ix_creators_open_followers")
        batch_op.drop_column("recent_posts_30d")
