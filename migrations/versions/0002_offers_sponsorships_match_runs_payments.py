"""offers, sponsorships, match runs, payments and ledger

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30 00:53:11.121209
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=80), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_accounts")),
        sa.UniqueConstraint("code", "currency", name=op.f("uq_ledger_accounts_code")),
    )
    op.create_table(
        "match_runs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("week", sa.String(length=8), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "queued",
                "running",
                "succeeded",
                "failed",
                name="matchrunstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("stage", sa.String(length=40), nullable=False),
        sa.Column("progress", sa.Integer(), nullable=False),
        sa.Column("objective", sa.Float(), nullable=True),
        sa.Column("bound", sa.Float(), nullable=True),
        sa.Column("gap", sa.Float(), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("solver_status", sa.String(length=16), nullable=True),
        sa.Column("candidates", sa.Integer(), nullable=True),
        sa.Column("offers_created", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_match_runs")),
        sa.UniqueConstraint("week", name=op.f("uq_match_runs_week")),
    )
    op.create_table(
        "stripe_events",
        sa.Column("id", sa.String(length=255), nullable=False),
        sa.Column("type", sa.String(length=80), nullable=False),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stripe_events")),
    )
    op.create_table(
        "campaign_fundings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("budget", sa.BigInteger(), nullable=False),
        sa.Column("fee", sa.BigInteger(), nullable=False),
        sa.Column("fee_bps", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "requires_payment", "succeeded", "failed", name="fundingstatus", native_enum=False
            ),
            nullable=False,
        ),
        sa.Column("payment_intent_id", sa.String(length=255), nullable=True),
        sa.Column("charge_id", sa.String(length=255), nullable=True),
        sa.Column("client_secret", sa.String(length=255), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("succeeded_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_fundings_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_fundings")),
        sa.UniqueConstraint("campaign_id", name=op.f("uq_campaign_fundings_campaign_id")),
        sa.UniqueConstraint(
            "payment_intent_id", name=op.f("uq_campaign_fundings_payment_intent_id")
        ),
    )
    op.create_table(
        "campaign_refunds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("budget_part", sa.BigInteger(), nullable=False),
        sa.Column("fee_part", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "succeeded", "failed", name="refundstatus", native_enum=False, length=16
            ),
            nullable=False,
        ),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("settled_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_campaign_refunds_campaign_id_campaigns"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_refunds")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_campaign_refunds_idempotency_key")),
    )
    with op.batch_alter_table("campaign_refunds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_campaign_refunds_campaign_id"), ["campaign_id"], unique=False
        )

    op.create_table(
        "offers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_run_id", sa.Integer(), nullable=True),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("fit_score", sa.Float(), nullable=False),
        sa.Column("value", sa.Float(), nullable=False),
        sa.Column("explanation", sa.JSON(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "proposed",
                "accepted",
                "declined",
                "expired",
                name="offerstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("responded_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decline_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_offers_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["creators.id"], name=op.f("fk_offers_creator_id_creators")
        ),
        sa.ForeignKeyConstraint(
            ["match_run_id"], ["match_runs.id"], name=op.f("fk_offers_match_run_id_match_runs")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_offers")),
        sa.UniqueConstraint(
            "match_run_id", "campaign_id", "creator_id", name=op.f("uq_offers_match_run_id")
        ),
    )
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_offers_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index("ix_offers_creator_status", ["creator_id", "status"], unique=False)
        batch_op.create_index(batch_op.f("ix_offers_match_run_id"), ["match_run_id"], unique=False)

    op.create_table(
        "sponsorships",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("offer_id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("price_amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "active",
                "delivered",
                "approved",
                "rejected",
                "cancelled",
                name="sponsorshipstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("post_url", sa.String(length=2048), nullable=True),
        sa.Column("disclosure", sa.Boolean(), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("first_delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reviewed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rejection_reason", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name=op.f("fk_sponsorships_campaign_id_campaigns")
        ),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["creators.id"], name=op.f("fk_sponsorships_creator_id_creators")
        ),
        sa.ForeignKeyConstraint(
            ["offer_id"], ["offers.id"], name=op.f("fk_sponsorships_offer_id_offers")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sponsorships")),
        sa.UniqueConstraint("offer_id", name=op.f("uq_sponsorships_offer_id")),
    )
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_sponsorships_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            "ix_sponsorships_creator_status", ["creator_id", "status"], unique=False
        )

    op.create_table(
        "ledger_transactions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reference", sa.String(length=120), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("sponsorship_id", sa.Integer(), nullable=True),
        sa.Column("memo", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["campaign_id"],
            ["campaigns.id"],
            name=op.f("fk_ledger_transactions_campaign_id_campaigns"),
        ),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_ledger_transactions_sponsorship_id_sponsorships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_transactions")),
        sa.UniqueConstraint("reference", name=op.f("uq_ledger_transactions_reference")),
    )
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_campaign_id"), ["campaign_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_ledger_transactions_created_at"), ["created_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_ledger_transactions_kind"), ["kind"], unique=False)

    op.create_table(
        "payouts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("sponsorship_id", sa.Integer(), nullable=False),
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending",
                "paid",
                "failed",
                "reversed",
                name="payoutstatus",
                native_enum=False,
                length=16,
            ),
            nullable=False,
        ),
        sa.Column("provider", sa.String(length=16), nullable=False),
        sa.Column("provider_reference", sa.String(length=255), nullable=True),
        sa.Column("reversal_reference", sa.String(length=255), nullable=True),
        sa.Column("idempotency_key", sa.String(length=80), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.String(length=500), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("paid_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["creator_id"], ["creators.id"], name=op.f("fk_payouts_creator_id_creators")
        ),
        sa.ForeignKeyConstraint(
            ["sponsorship_id"],
            ["sponsorships.id"],
            name=op.f("fk_payouts_sponsorship_id_sponsorships"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_payouts")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_payouts_idempotency_key")),
        sa.UniqueConstraint("sponsorship_id", name=op.f("uq_payouts_sponsorship_id")),
    )
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_payouts_creator_id"), ["creator_id"], unique=False)

    op.create_table(
        "ledger_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("transaction_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("amount", sa.BigInteger(), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["ledger_accounts.id"],
            name=op.f("fk_ledger_entries_account_id_ledger_accounts"),
        ),
        sa.ForeignKeyConstraint(
            ["transaction_id"],
            ["ledger_transactions.id"],
            name=op.f("fk_ledger_entries_transaction_id_ledger_transactions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ledger_entries")),
    )
    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.create_index("ix_ledger_entries_account", ["account_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_ledger_entries_transaction_id"), ["transaction_id"], unique=False
        )

    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stripe_account_id", sa.String(length=255), nullable=True))
        batch_op.add_column(
            sa.Column("payouts_enabled", sa.Boolean(), nullable=False, server_default=sa.false())
        )
        batch_op.create_unique_constraint(
            batch_op.f("uq_creators_stripe_account_id"), ["stripe_account_id"]
        )


# The downgrade drops these tables and columns (``table`` or ``table.column``) and their
# data: ``flask db downgrade`` refuses it without ``--force``.
DESTRUCTIVE = True
DOWNGRADE_DROPS = (
    "creators.payouts_enabled",
    "creators.stripe_account_id",
    "ledger_entries",
    "payouts",
    "ledger_transactions",
    "sponsorships",
    "offers",
    "campaign_refunds",
    "campaign_fundings",
    "stripe_events",
    "match_runs",
    "ledger_accounts",
)


def downgrade() -> None:
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("uq_creators_stripe_account_id"), type_="unique")
        batch_op.drop_column("payouts_enabled")
        batch_op.drop_column("stripe_account_id")

    with op.batch_alter_table("ledger_entries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_entries_transaction_id"))
        batch_op.drop_index("ix_ledger_entries_account")

    op.drop_table("ledger_entries")
    with op.batch_alter_table("payouts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_payouts_creator_id"))

    op.drop_table("payouts")
    with op.batch_alter_table("ledger_transactions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_kind"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_created_at"))
        batch_op.drop_index(batch_op.f("ix_ledger_transactions_campaign_id"))

    op.drop_table("ledger_transactions")
    with op.batch_alter_table("sponsorships", schema=None) as batch_op:
        batch_op.drop_index("ix_sponsorships_creator_status")
        batch_op.drop_index(batch_op.f("ix_sponsorships_campaign_id"))

    op.drop_table("sponsorships")
    with op.batch_alter_table("offers", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_offers_match_run_id"))
        batch_op.drop_index("ix_offers_creator_status")
        batch_op.drop_index(batch_op.f("ix_offers_campaign_id"))

    op.drop_table("offers")
    with op.batch_alter_table("campaign_refunds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_campaign_refunds_campaign_id"))

    op.drop_table("campaign_refunds")
    op.drop_table("campaign_fundings")
    op.drop_table("stripe_events")
    op.drop_table("match_runs")
    op.drop_table("ledger_accounts")
