"""Categories, interest tags and the taxonomy's version (bumped on every change)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, utcnow


class TaxonomyCategory(Base):
    """A campaign category (and the parent of interest tags); retired ones stay for old rows."""

    __tablename__ = "taxonomy_categories"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON)  # {language: display name}
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InterestTag(Base):
    """An interest an audience can have, under one category."""

    __tablename__ = "interest_tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(40), unique=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("taxonomy_categories.id"), index=True)
    names: Mapped[dict[str, str]] = mapped_column(JSON)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    category: Mapped[TaxonomyCategory] = relationship()


class TaxonomyVersion(Base):
    """One row: a counter every change bumps, so each process's cache knows it is stale."""

    __tablename__ = "taxonomy_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, default=1)
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
