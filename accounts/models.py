"""Account, brand, creator and token models."""

from __future__ import annotations

import enum
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from core.db import Base, UTCDateTime, str_enum, utcnow


class Role(enum.StrEnum):
    """What an account is: it decides which routes it may use."""

    BRAND = "brand"
    CREATOR = "creator"
    OPERATOR = "operator"


class Account(Base):
    """A login: one email and password, one role."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[Role] = mapped_column(str_enum(Role))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    brand: Mapped[Brand | None] = relationship(back_populates="account", uselist=False)
    creator: Mapped[Creator | None] = relationship(back_populates="account", uselist=False)


class Brand(Base):
    """A company that posts campaigns."""

    __tablename__ = "brands"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    # How the dashboard writes and reads amounts for this brand (``de_DE``); NULL: the
    # browser's Accept-Language decides (``core.money.negotiate_locale``).
    locale: Mapped[str | None] = mapped_column(String(16), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    account: Mapped[Account] = relationship(back_populates="brand")


class Creator(Base):
    """A creator (KOC/KOL) with an audience profile, a rate card and an opt-in flag."""

    __tablename__ = "creators"
    __table_args__ = (
        Index("ix_creators_open_followers", "is_open", "followers"),
        CheckConstraint("weekly_capacity BETWEEN 1 AND 10", name="weekly_capacity_range"),
        CheckConstraint("followers >= 0", name="followers_non_negative"),
        CheckConstraint("rate_amount IS NULL OR rate_amount > 0", name="rate_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id"), unique=True)
    handle: Mapped[str] = mapped_column(String(40), unique=True)
    display_name: Mapped[str] = mapped_column(String(120), default="")
    followers: Mapped[int] = mapped_column(Integer, default=0)
    engagement_rate: Mapped[float] = mapped_column(Float, default=0.0)
    categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    audience: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    rate_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    rate_currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    weekly_capacity: Mapped[int] = mapped_column(Integer, default=1)
    # The opt-in: only open creators whose `open_until` has not lapsed are matched.
    is_open: Mapped[bool] = mapped_column(Boolean, default=False)
    open_until: Mapped[date | None] = mapped_column(Date, nullable=True)
    open_categories: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Measured by the platform; read-only to the creator.
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    sponsored_share: Mapped[float] = mapped_column(Float, default=0.0)
    # Reported by the creator: all posts in the last 30 days (sponsored_share's denominator).
    recent_posts_30d: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Stripe Connect: the creator's connected account and whether it can receive transfers.
    stripe_account_id: Mapped[str | None] = mapped_column(String(255), nullable=True, unique=True)
    payouts_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    # Reliability counters, kept up to date as offers and sponsorships change (see
    # collaborations/reliability_counters.py) so reading the figures is O(1), not a scan of the
    # creator's history. Silence past 48 h and overdue posts are counted by the expiry job up to
    # the two watermarks; a read adds what happened since.
    offers_received: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    offers_answered: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    offers_accepted: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replies_due: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    replies_in_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deliveries_due: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    deliveries_on_time: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    sponsorships_completed: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Unanswered offers created at or before this are in ``replies_due``.
    replies_counted_through: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    # Undelivered sponsorships due before this day are in ``deliveries_due``.
    deliveries_counted_before: Mapped[date | None] = mapped_column(Date, nullable=True)
    # "Delivers what was forecast" (results/delivery.py): actual engagements ÷ forecast engaged
    # people over the creator's last measured sponsorships, stored when metrics arrive (0009).
    delivery_ratio: Mapped[float | None] = mapped_column(Float, nullable=True)
    delivery_sponsorships: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # The audience's demographic shares as columns (accounts/audience_columns.py), derived
    # from ``audience`` with the search index so discovery's leaning filters read no JSON.
    aud_gender_female: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_gender_male: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_city_tier_1: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_city_tier_2: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_city_tier_3: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_city_tier_4: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_city_tier_5: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_age_under_18: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_age_18_24: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_age_25_34: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_age_35_44: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")
    aud_age_45_plus: Mapped[float] = mapped_column(Float, default=0.0, server_default="0")

    account: Mapped[Account] = relationship(back_populates="creator")
    # The search index rows (see accounts/search_index.py); written with the profile.
    interest_index: Mapped[list[CreatorInterestShare]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )
    category_index: Mapped[list[CreatorCategory]] = relationship(
        cascade="all, delete-orphan", passive_deletes=True
    )

    def is_open_on(self, day: date) -> bool:
        """Whether the creator takes paid work on ``day`` (open, and ``until`` not passed)."""
        return self.is_open and (self.open_until is None or self.open_until >= day)


class CreatorInterestShare(Base):
    """Search index: one row per (creator, interest tag) share of the audience, kept in step
    with ``Creator.audience`` so discovery finds creators by interest with an index."""

    __tablename__ = "creator_interest_shares"
    __table_args__ = (Index("ix_creator_interest_shares_tag_share", "tag", "share"),)

    creator_id: Mapped[int] = mapped_column(
        ForeignKey("creators.id", ondelete="CASCADE"), primary_key=True
    )
    tag: Mapped[str] = mapped_column(String(40), primary_key=True)
    share: Mapped[float] = mapped_column(Float)


class CreatorCategory(Base):
    """Search index: the categories an open creator accepts (``Creator.open_categories``)."""

    __tablename__ = "creator_categories"
    __table_args__ = (Index("ix_creator_categories_category", "category", "creator_id"),)

    creator_id: Mapped[int] = mapped_column(
        ForeignKey("creators.id", ondelete="CASCADE"), primary_key=True
    )
    category: Mapped[str] = mapped_column(String(40), primary_key=True)


class ApiToken(Base):
    """A bearer token; only its SHA-256 digest is stored."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    account: Mapped[Account] = relationship()


class PasswordResetToken(Base):
    """A one-time password reset token an operator issued; only its SHA-256 digest is stored."""

    __tablename__ = "password_reset_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    account: Mapped[Account] = relationship()


# Registers the listener that keeps the search index in step with profiles (needs the models).
import accounts.search_index  # noqa: E402, F401
