"""Offer and sponsorship models."""

from __future__ import annotations

import enum
import secrets
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    Float,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from accounts.models import Creator
from campaigns.models import Campaign
from core.db import Base, UTCDateTime, str_enum, utcnow
from core.money import Money


class OfferStatus(enum.StrEnum):
    """``proposed → accepted | declined | expired | withdrawn`` (withdrawn by the brand);
    ``proposed → countered`` (the creator names a price) ``→ accepted`` (the brand agrees)
    ``| proposed`` (the brand declines the counter: its own price stands again)."""

    PROPOSED = "proposed"
    COUNTERED = "countered"
    ACCEPTED = "accepted"
    DECLINED = "declined"
    EXPIRED = "expired"
    WITHDRAWN = "withdrawn"


class OfferSource(enum.StrEnum):
    """How an offer came about: pushed by matching, a brand's invitation, an open call."""

    MATCH = "match"
    INVITE = "invite"
    OPEN_CALL = "open_call"


class SponsorshipStatus(enum.StrEnum):
    """``active → delivered → approved | rejected → delivered …``; ``cancelled``."""

    ACTIVE = "active"
    DELIVERED = "delivered"
    APPROVED = "approved"
    REJECTED = "rejected"
    CANCELLED = "cancelled"
    # Rejected more than ``MAX_REJECTIONS`` times: an operator decides (pay, or cancel and refund).
    DISPUTED = "disputed"


# Sponsorships that still hold a creator's capacity and the campaign's money.
OPEN_SPONSORSHIP_STATES = (
    SponsorshipStatus.ACTIVE,
    SponsorshipStatus.DELIVERED,
    SponsorshipStatus.REJECTED,
    SponsorshipStatus.DISPUTED,
)


# Offers awaiting an answer: from the creator (proposed) or from the brand (countered). Each
# turn has its own expiry (``expires_at`` moves with the turn).
OPEN_OFFER_STATES = (OfferStatus.PROPOSED, OfferStatus.COUNTERED)


def effective_status(status: OfferStatus, expires_at: datetime, now: datetime) -> OfferStatus:
    """The status a reader sees: an open offer past its turn's expiry reads as expired."""
    if status in OPEN_OFFER_STATES and expires_at <= now:
        return OfferStatus.EXPIRED
    return status


class Offer(Base):
    """A proposal: this creator, for this campaign, at this price (from a run or a brand)."""

    __tablename__ = "offers"
    __table_args__ = (
        UniqueConstraint("match_run_id", "campaign_id", "creator_id"),
        Index("ix_offers_creator_status", "creator_id", "status"),
        # Reliability reads count only a creator's offers since the last sweep (0006).
        Index("ix_offers_creator_created", "creator_id", "created_at"),
        Index("ix_offers_creator_id_id", "creator_id", "id"),  # the inbox's page (0015)
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    match_run_id: Mapped[int | None] = mapped_column(
        ForeignKey("match_runs.id"), nullable=True, index=True
    )
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id"))
    price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    fit_score: Mapped[float] = mapped_column(Float)
    value: Mapped[float] = mapped_column(Float, default=0.0)
    explanation: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[OfferStatus] = mapped_column(str_enum(OfferStatus), default=OfferStatus.PROPOSED)
    source: Mapped[OfferSource] = mapped_column(
        str_enum(OfferSource), default=OfferSource.MATCH, server_default=OfferSource.MATCH.value
    )
    # Plain text written to the creator: the brief, the price, why they were chosen. The
    # brand's explanation (``explanation``) never reaches a creator.
    explanation_for_creator: Mapped[str] = mapped_column(Text, default="", server_default="")
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    decline_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    withdraw_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The brand's note with an invitation (or a selected application), shown to the creator.
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    # The creator's standing counter price while ``countered`` (the brand answers it).
    counter_price_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    campaign: Mapped[Campaign] = relationship()
    creator: Mapped[Creator] = relationship()
    # The negotiation history, oldest first (written by ``guardrails.add_turn``; read-only here).
    turns: Mapped[list[OfferTurn]] = relationship(
        "OfferTurn", order_by="OfferTurn.id", viewonly=True
    )

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)

    def effective_status(self, now: datetime) -> OfferStatus:
        """A proposal (or a counter) past its expiry counts as expired before the job marks it."""
        return effective_status(self.status, self.expires_at, now)


TRACKING_CODE_ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"  # no 0/o, 1/l: read aloud safely
TRACKING_CODE_LENGTH = 10


def new_tracking_code() -> str:
    """A random code for a sponsorship's tracking link (``/r/<code>``), 50 bits of entropy."""
    return "".join(secrets.choice(TRACKING_CODE_ALPHABET) for _ in range(TRACKING_CODE_LENGTH))


class Sponsorship(Base):
    """An accepted offer: the creator owes a labelled post, the brand reviews it and pays."""

    __tablename__ = "sponsorships"
    __table_args__ = (
        Index("ix_sponsorships_creator_status", "creator_id", "status"),
        Index("ix_sponsorships_creator_due", "creator_id", "due_on"),  # reliability reads (0006)
        # Sponsored posts in the share window, without reading every delivered one (0015).
        Index("ix_sponsorships_creator_first_delivered", "creator_id", "first_delivered_at"),
        UniqueConstraint("campaign_id", "promo_code", name="uq_sponsorships_campaign_promo_code"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), unique=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id"))
    price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    status: Mapped[SponsorshipStatus] = mapped_column(
        str_enum(SponsorshipStatus), default=SponsorshipStatus.ACTIVE
    )
    due_on: Mapped[date] = mapped_column(Date)
    post_url: Mapped[str | None] = mapped_column(String(2048), nullable=True)
    disclosure: Mapped[bool] = mapped_column(Boolean, default=False)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    first_delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    rejection_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    rejections: Mapped[int] = mapped_column(default=0, server_default="0")
    auto_approved: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    disputed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    dispute_resolution: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Results (0009): the tracking link's code (``/r/<code>``), the brand's optional promo
    # code, and the engaged people forecast when the offer was accepted (followers ×
    # engagement rate then; × the offer's fit is the engaged target audience).
    tracking_code: Mapped[str | None] = mapped_column(String(16), nullable=True, unique=True)
    promo_code: Mapped[str | None] = mapped_column(String(40), nullable=True)
    forecast_engaged: Mapped[int | None] = mapped_column(BigInteger, nullable=True)

    offer: Mapped[Offer] = relationship()
    campaign: Mapped[Campaign] = relationship()
    creator: Mapped[Creator] = relationship()

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)


class BrandBlock(Base):
    """A creator a brand never wants to be offered (the brand's block list)."""

    __tablename__ = "brand_blocks"
    __table_args__ = (UniqueConstraint("brand_id", "creator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    brand_id: Mapped[int] = mapped_column(ForeignKey("brands.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id"), index=True)
    reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    creator: Mapped[Creator] = relationship()


class TurnKind(enum.StrEnum):
    """One step of a negotiation, in the order they happened."""

    OFFER = "offer"  # the brand's (or the run's) price, first or standing again
    COUNTER = "counter"  # the creator names a price
    ACCEPT = "accept"
    DECLINE = "decline"


class CreatorReadVersion(Base):
    """How many times what a creator's own reads (profile and inbox) show has changed: kept by
    database triggers (migration 0015) on the creator's shown columns and email, their offers,
    turns and sponsorships, campaigns' shown columns and brands' names, in the writing
    transaction (at its commit on PostgreSQL). Never written by the app;
    ``collaborations.read_cache`` keys on it."""

    __tablename__ = "creator_read_versions"

    # No foreign key: a row may be written as its creator goes, and outlives them (0015).
    creator_id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    version: Mapped[int] = mapped_column(BigInteger, server_default="0")


class OfferTurn(Base):
    """The history of an offer's negotiation, shown to both sides."""

    __tablename__ = "offer_turns"

    id: Mapped[int] = mapped_column(primary_key=True)
    offer_id: Mapped[int] = mapped_column(ForeignKey("offers.id"), index=True)
    actor: Mapped[str] = mapped_column(String(16))  # "brand" | "creator" | "platform"
    kind: Mapped[TurnKind] = mapped_column(str_enum(TurnKind))
    price_amount: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    currency: Mapped[str | None] = mapped_column(String(3), nullable=True)
    message: Mapped[str | None] = mapped_column(Text, nullable=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class OpenCall(Base):
    """A published campaign's call for applications, open until ``closes_at``."""

    __tablename__ = "open_calls"

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closes_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    # Set by the closing job once applicants not selected have been told.
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    campaign: Mapped[Campaign] = relationship()


class ApplicationStatus(enum.StrEnum):
    """``submitted → selected | not_selected | withdrawn`` (withdrawn by the creator)."""

    SUBMITTED = "submitted"
    SELECTED = "selected"
    NOT_SELECTED = "not_selected"
    WITHDRAWN = "withdrawn"


class Application(Base):
    """A creator's hand raised for an open call: a price and a pitch."""

    __tablename__ = "applications"
    __table_args__ = (UniqueConstraint("campaign_id", "creator_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    open_call_id: Mapped[int] = mapped_column(ForeignKey("open_calls.id"), index=True)
    campaign_id: Mapped[int] = mapped_column(ForeignKey("campaigns.id"), index=True)
    creator_id: Mapped[int] = mapped_column(ForeignKey("creators.id"), index=True)
    price_amount: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3))
    pitch: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ApplicationStatus] = mapped_column(
        str_enum(ApplicationStatus), default=ApplicationStatus.SUBMITTED
    )
    offer_id: Mapped[int | None] = mapped_column(
        ForeignKey("offers.id"), nullable=True, unique=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)

    campaign: Mapped[Campaign] = relationship()
    creator: Mapped[Creator] = relationship()
    offer: Mapped[Offer | None] = relationship()

    @property
    def price(self) -> Money:
        return Money(self.price_amount, self.currency)
