"""Payment records and the double-entry ledger."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collaborations.models import Sponsorship
from core.db import Base, UTCDateTime, str_enum, utcnow
from core.money import Money


class PayoutStatus(enum.StrEnum):
    PENDING = "pending"  # approved; the transfer is being made (or waits for onboarding)
    PAID = "paid"
    FAILED = "failed"
    REVERSED = "reversed"


class Payout(Base):
    """One payment to a creator for one sponsorship (never more than one)."""

    __tablename__ = "payouts"

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(ForeignKey("sponsorships.id"), unique=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id"), index=True)
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[PayoutStatus] = mapped_column(str_enum(PayoutStatus))
    provider: Mapped[str] = mapped_column(String(16))
    # Stripe's transfer id, recorded as soon as Stripe answers (the key makes retries safe).
    provider_reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    reversal_reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    sponsorship: Mapped[Sponsorship] = relationship()

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)


class FundingStatus(enum.StrEnum):
    REQUIRES_PAYMENT = "requires_payment"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CampaignFunding(Base):
    """The brand's payment for a campaign: budget plus the platform fee."""

    __tablename__ = "campaign_fundings"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), unique=True)
    provider: Mapped[str] = mapped_column(String(16))
    budget: Mapped[int] = mapped_column(BigInteger)
    fee: Mapped[int] = mapped_column(BigInteger)
    fee_bps: Mapped[int] = mapped_column(Integer)  # the rate charged, kept for later refunds
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[FundingStatus] = mapped_column(str_enum(FundingStatus))
    payment_intent_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    charge_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    client_secret: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def total(self) -> int:
        return self.budget + self.fee


class RefundStatus(enum.StrEnum):
    PENDING = "pending"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class CampaignRefund(Base):
    """Unspent budget (and its share of the fee) going back to the brand."""

    __tablename__ = "campaign_refunds"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    budget_part: Mapped[int] = mapped_column(BigInteger)
    fee_part: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[RefundStatus] = mapped_column(str_enum(RefundStatus))
    idempotency_key: Mapped[str] = mapped_column(String(80), unique=True)
    provider_reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(500), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    @property
    def total(self) -> int:
        return self.budget_part + self.fee_part


class StripeEvent(Base):
    """A webhook event id, stored once, in the same transaction as its effect."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    type: Mapped[str] = mapped_column(String(80))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class LedgerAccount(Base):
    """A ledger account, named by a code such as ``campaign:12:available`` (one currency)."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (UniqueConstraint("code", "currency"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(80))
    currency: Mapped[str] = mapped_column(String(3))


class LedgerTransaction(Base):
    """A balanced set of entries; ``reference`` makes posting it idempotent."""

    __tablename__ = "ledger_transactions"

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(120), unique=True)
    kind: Mapped[str] = mapped_column(String(24), index=True)
    campaign_id: Mapped[int | None] = mapped_column(
        ForeignKey("campaigns.id"), nullable=True, index=True
    )
    sponsorship_id: Mapped[int | None] = mapped_column(ForeignKey("sponsorships.id"), nullable=True)
    memo: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    entries: Mapped[list[LedgerEntry]] = relationship(back_populates="transaction")


class LedgerEntry(Base):
    """One leg of a transaction: positive debits, negative credits, in minor units."""

    __tablename__ = "ledger_entries"
    __table_args__ = (Index("ix_ledger_entries_account", "account_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    transaction_id: Mapped[int] = mapped_column(ForeignKey("ledger_transactions.id"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id"))
    amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))

    transaction: Mapped[LedgerTransaction] = relationship(back_populates="entries")
    account: Mapped[LedgerAccount] = relationship()
