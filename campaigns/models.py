"""The campaign model and its states."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Brand
from core.db import Base, UTCDateTime, str_enum, utcnow
from core.money import Money


class CampaignStatus(enum.StrEnum):
    """``draft → funded → published → completed``; ``cancelled`` from any state before completed."""

    DRAFT = "draft"
    FUNDED = "funded"
    PUBLISHED = "published"
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class Campaign(Base):
    """A brand's paid collaboration brief, matched weekly against open creators."""

    __tablename__ = "campaigns"
    __table_args__ = (
        CheckConstraint("budget_amount > 0", name="budget_positive"),
        CheckConstraint("slots >= 1", name="slots_positive"),
        CheckConstraint("min_creators >= 0 AND min_creators <= slots", name="min_creators_range"),
        CheckConstraint("ends_on >= starts_on", name="dates_in_order"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    title: Mapped[str] = mapped_column(String(140))
    brief: Mapped[str] = mapped_column(Text)
    category: Mapped[str] = mapped_column(String(40), index=True)
    competitor_group: Mapped[str | None] = mapped_column(String(60), nullable=True)
    budget_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    slots: Mapped[int] = mapped_column(Integer)
    min_creators: Mapped[int] = mapped_column(Integer, default=0)
    target_audience: Mapped[dict[str, Any]] = mapped_column(JSON)
    min_followers: Mapped[int] = mapped_column(Integer, default=0)
    max_followers: Mapped[int | None] = mapped_column(Integer, nullable=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    status: Mapped[CampaignStatus] = mapped_column(
        str_enum(CampaignStatus), default=CampaignStatus.DRAFT, index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    funded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Where a sponsorship's tracking link sends people (http/https; 0009).
    landing_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)

    brand: Mapped[Brand] = relationship()

    def mark_funded(self) -> None:
        """The money is in: a draft becomes funded (a no-op in any other state)."""
        if self.status is CampaignStatus.DRAFT:
            self.status = CampaignStatus.FUNDED
            self.funded_at = utcnow()

    @property
    def budget(self) -> Money:
        """The budget as money."""
        return Money(self.budget_amount, self.currency)
