"""Post metrics snapshots, tracking-link clicks and brands' reported conversions."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import JSON, BigInteger, Boolean, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from collaborations.models import Sponsorship
from core.db import Base, UTCDateTime, str_enum, utcnow
from core.money import Money

# The snapshot labels by age since delivery: up to 3 days "24h", up to 14 days "7d", then "30d".
LABELS = ((timedelta(days=3), "24h"), (timedelta(days=14), "7d"))
LAST_LABEL = "30d"


def snapshot_label(measured_at: datetime, delivered_at: datetime | None) -> str:
    """``24h``, ``7d`` or ``30d``: which of the usual snapshots this one is, by its age."""
    if delivered_at is None:
        return LABELS[0][1]
    age = measured_at - delivered_at
    for limit, label in LABELS:
        if age <= limit:
            return label
    return LAST_LABEL


class MetricsSource(enum.StrEnum):
    """Where a snapshot came from: the creator's API call or an operator's file import."""

    API = "api"
    IMPORT = "import"


class PostMetric(Base):
    """One snapshot of a delivered post's cumulative counts at ``measured_at``.

    Implausible snapshots are kept with ``flagged`` and the reasons, shown to the brand and the
    operators, and left out of the actual figures (see ``results.metrics``).
    """

    __tablename__ = "post_metrics"
    __table_args__ = (UniqueConstraint("sponsorship_id", "measured_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    sponsorship_id: Mapped[int] = mapped_column(ForeignKey("sponsorships.id"), index=True)
    measured_at: Mapped[datetime] = mapped_column(UTCDateTime())
    views: Mapped[int] = mapped_column(BigInteger)
    likes: Mapped[int] = mapped_column(BigInteger)
    comments: Mapped[int] = mapped_column(BigInteger)
    saves: Mapped[int] = mapped_column(BigInteger)
    shares: Mapped[int] = mapped_column(BigInteger)
    source: Mapped[MetricsSource] = mapped_column(str_enum(MetricsSource))
    flagged: Mapped[bool] = mapped_column(Boolean, default=False)
    flag_reasons: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sponsorship: Mapped[Sponsorship] = relationship()

    @property
    def label(self) -> str:
        """``24h``, ``7d`` or ``30d`` by the snapshot's age since the post was delivered."""
        s = self.sponsorship
        return snapshot_label(self.measured_at, s.first_delivered_at or s.delivered_at)

    @property
    def engagements(self) -> int:
        """Likes + comments + saves + shares: the people who acted on the post (upper bound)."""
        return self.likes + self.comments + self.saves + self.shares


class Click(Base):
    """A counted click on a sponsorship's tracking link (bots and repeats are never stored).

    ``client_hash`` is a keyed hash of the address and User-Agent: no raw IP is kept.
    ``click_id`` is handed to the landing page (``?dandelion_click=``) for conversions.
    """

    __tablename__ = "clicks"
    __table_args__ = (Index("ix_clicks_sponsorship_client", "sponsorship_id", "client_hash"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    click_id: Mapped[str] = mapped_column(String(40), unique=True)
    sponsorship_id: Mapped[int] = mapped_column(ForeignKey("sponsorships.id"), index=True)
    client_hash: Mapped[str] = mapped_column(String(32))
    clicked_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Conversion(Base):
    """A sale the brand attributes to a sponsorship, once per brand order id."""

    __tablename__ = "conversions"
    __table_args__ = (UniqueConstraint("brand_id", "order_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    sponsorship_id: Mapped[int] = mapped_column(ForeignKey("sponsorships.id"), index=True)
    order_id: Mapped[str] = mapped_column(String(100))
    code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    click_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    revenue_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    sponsorship: Mapped[Sponsorship] = relationship()

    @property
    def revenue(self) -> Money:
        return Money(self.revenue_amount, self.currency)
