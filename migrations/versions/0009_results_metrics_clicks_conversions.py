"""results: post metrics, tracking links and clicks, conversions, landing URLs, promo codes,
the forecast kept on each sponsorship and creators' "delivers what was forecast"

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01 16:00:00.000000
"""

from __future__ import annotations

import secrets

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # as collaborations.models.new_tracking_code


def _code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(10))


def upgrade() -> None:
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.add_column(sa.Column("landing_url", sa.String(length=2048), nullable=True))
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("delivery_ratio", sa.Float(), nullable=True))
        batch_op.add_column(
            sa.Column("delivery_sponsorships", sa.Integer(), server_default="0", nullable=False)
        )
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.add_column(sa.Column("tracking_code", sa.String(length=16), nullable=True))
        batch_op.add_column(sa.Column("promo_code", sa.String(length=40), nullable=True))
        batch_op.add_column(sa.Column("forecast_engaged", sa.BigInteger(), nullable=True))

    # Backfill: every sponsorship gets its tracking link, and the forecast from the creator's
    # profile as it stands (the figures at acceptance were not kept before this revision).
    bind = op.get_bind()
    rows = bind.execute(
        sa.text(
            "SELECT s.id, c.followers, c.engagement_rate FROM sponsorships s "
            "JOIN creators c ON c.id = s.creator_id"
        )
    ).all()
    if rows:
        bind.execute(
            sa.text(
                "UPDATE sponsorships SET tracking_code = :code, forecast_engaged = :forecast "
                "WHERE id = :id"
            ),
            [
                {"id": i, "code": _code(), "forecast": round((f or 0) * (e or 0.0))}
                for i, f, e in rows
            ],
        )
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.create_unique_constraint("uq_sponsorships_tracking_code", ["tracking_code"])
        batch_op.create_unique_constraint(
            "uq_sponsorships_campaign_promo_code", ["campaign_id", "promo_code"]
        )

    op.create_table(
        "post_metrics",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=False),
        sa.Column("measured_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("views", sa.BigInteger(), nullable=False),
        sa.Column("likes", sa.BigInteger(), nullable=False),
        sa.Column("comments", sa.BigInteger(), nullable=False),
        sa.Column("saves", sa.BigInteger(), nullable=False),
        sa.Column("shares", sa.BigInteger(), nullable=False),
        sa.Column(
            "source",
            sa.Enum("api", "import", name="metricssource", native_enum=False, length=16),
            nullable=False,
        ),
        sa.Column("flagged", sa.Boolean(), nullable=False),
        sa.Column("flag_reasons", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_post_metrics_sponsorship_id_sponsorships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_post_metrics")),
        sa.UniqueConstraint(
            "sponsorship_id", "measured_at", name=op.f("uq_post_metrics_sponsorship_id")
        ),
    )
    op.create_index(
        op.f("ix_post_metrics_sponsorship_id"), "post_metrics", ["sponsorship_id"], unique=False
    )
    op.create_table(
        "clicks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("click_id", sa.String(length=40), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=False),
        sa.Column("client_hash", sa.String(length=32), nullable=False),
        sa.Column("clicked_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_clicks_sponsorship_id_sponsorships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_clicks")),
        sa.UniqueConstraint("click_id", name=op.f("uq_clicks_click_id")),
    )
    op.create_index(op.f("ix_clicks_sponsorship_id"), "clicks", ["sponsorship_id"], unique=False)
    op.create_index(
        "ix_clicks_sponsorship_client", "clicks", ["sponsorship_id", "client_hash"], unique=False
    )
    op.create_table(
        "conversions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("brand_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=False),
        sa.Column("order_id", sa.String(length=100), nullable=False),
        sa.Column("code", sa.String(length=40), nullable=True),
        sa.Column("click_id", sa.String(length=40), nullable=True),
        sa.Column("revenue_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["brand_id"], ["brands.id"], name=op.f("fk_conversions_brand_id_brands")
        ),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_conversions_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_conversions_sponsorship_id_sponsorships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_conversions")),
        sa.UniqueConstraint("brand_id", "order_id", name=op.f("uq_conversions_brand_id")),
    )
    for column in ("brand_id", "campaign_id", "sponsorship_id"):
        op.create_index(op.f(f"ix_conversions_{column}"), "conversions", [column], unique=False)


# Metrics, clicks and conversions are data brands and creators sent: dropping them loses it.
DESTRUCTIVE = True
DOWNGRADE_DROPS = (
    "post_metrics",
    "clicks",
    "conversions",
    "campaigns.landing_url",
    "sponsorships.promo_code",
)


def downgrade() -> None:
    for column in ("sponsorship_id", "campaign_id", "brand_id"):
        op.drop_index(op.f(f"ix_conversions_{column}"), table_name="conversions")
    op.drop_table("conversions")
    op.drop_index("ix_clicks_sponsorship_client", table_name="clicks")
    op.drop_index(op.f("ix_clicks_sponsorship_id"), table_name="clicks")
    op.drop_table("clicks")
    op.drop_index(op.f("ix_post_metrics_sponsorship_id"), table_name="post_metrics")
    op.drop_table("post_metrics")
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.drop_constraint("uq_sponsorships_campaign_promo_code", type_="unique")
        batch_op.drop_constraint("uq_sponsorships_tracking_code", type_="unique")
        batch_op.drop_column("forecast_engaged")
        batch_op.drop_column("promo_code")
        batch_op.drop_column("tracking_code")
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.drop_column("delivery_sponsorships")
        batch_op.drop_column("delivery_ratio")
    with op.batch_alter_table("campaigns", schema=None) as batch_op:
        batch_op.drop_column("landing_url")
