"""Payout records: what each creator was paid for each approved sponsorship."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
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
    provider_reference: Mapped[str | None] = mapped_column(String(255), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    sponsorship: Mapped[Sponsorship] = relationship()

    @property
    def money(self) -> Money:
        return Money(self.amount, self.currency)
