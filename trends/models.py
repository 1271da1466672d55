"""Weekly snapshots of interest-tag shares, on the creators' side and the campaigns' side."""

from __future__ import annotations

import enum
from datetime import date, datetime

from sqlalchemy import Date, Float, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, str_enum, utcnow


class TrendSide(enum.StrEnum):
    """Whose interests: open creators' audiences (supply) or campaigns' targets (demand)."""

    AUDIENCE = "audience"
    DEMAND = "demand"


class TrendSnapshot(Base):
    """One interest tag's share in one ISO week, side and category (``""``: every category),
    as measured when the snapshot was taken. The floor is applied when reading, from
    ``contributors``, so no stored row is ever shown below it."""

    __tablename__ = "trend_snapshots"
    __table_args__ = (UniqueConstraint("week_start", "side", "category", "tag"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    week_start: Mapped[date] = mapped_column(Date, index=True)  # the week's Monday
    side: Mapped[TrendSide] = mapped_column(str_enum(TrendSide))
    category: Mapped[str] = mapped_column(String(40))
    tag: Mapped[str] = mapped_column(String(40))
    share: Mapped[float] = mapped_column(Float)
    contributors: Mapped[int] = mapped_column(Integer)  # creators/campaigns with the tag
    population: Mapped[int] = mapped_column(Integer)  # creators/campaigns measured
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
