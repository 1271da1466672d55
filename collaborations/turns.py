"""An offer's negotiation history: the turns both sides see, oldest first.

Every step is a :class:`~collaborations.models.OfferTurn` (``guardrails.add_turn``): the
brand's (or the matching's) price, a creator's counter, the brand declining it and its own
price standing again, an acceptance or a decline. Offers written before the history existed,
and matched offers (runs write no turn), get their first turn back-filled, as it was, the first
time anyone answers them; until then the history reads it from the offer itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from collaborations.guardrails import add_turn
from collaborations.models import Offer, OfferSource, OfferTurn, TurnKind
from core.money import Money


@dataclass(frozen=True)
class TurnView:
    """One step as the API and the dashboard show it."""

    actor: str  # "brand" | "creator" | "platform" (the matching's price)
    kind: str  # offer | counter | accept | decline
    price: Money | None
    message: str | None
    at: datetime
    expires_at: datetime | None  # the answer is due by then (offers and counters)


def _first_actor(source: OfferSource) -> str:
    return "platform" if source is OfferSource.MATCH else "brand"


def ensure_first_turn(session: Session, offer: Offer) -> None:
    """Back-fill the offer's first turn (its price, message and expiry as first sent) when it
    has none. Call before changing the offer's price or expiry."""
    if session.scalar(select(OfferTurn.id).where(OfferTurn.offer_id == offer.id).limit(1)):
        return
    session.add(
        OfferTurn(
            offer_id=offer.id,
            actor=_first_actor(offer.source),
            kind=TurnKind.OFFER,
            price_amount=offer.price_amount,
            currency=offer.currency,
            message=offer.message,
            expires_at=offer.expires_at,
            created_at=offer.created_at,
        )
    )
    session.flush()


def record_turn(
    session: Session,
    offer: Offer,
    actor: str,
    kind: TurnKind,
    price_amount: int | None,
    message: str | None,
    *,
    now: datetime,
) -> OfferTurn:
    """Add a step (after :func:`ensure_first_turn`); the offer's ``turns`` reload on next read."""
    turn = add_turn(session, offer, actor, kind, price_amount, message, now=now)
    session.expire(offer, ["turns"])
    return turn


def history(offer: Offer) -> list[TurnView]:
    """The turns of ``offer`` oldest first (its first offer read from the row if none is
    stored yet). Load ``Offer.turns`` eagerly when listing many offers."""
    return history_from(
        list(offer.turns),
        source=offer.source,
        price_amount=offer.price_amount,
        currency=offer.currency,
        message=offer.message,
        created_at=offer.created_at,
        expires_at=offer.expires_at,
    )


def history_from(
    turns: Sequence[Any],
    *,
    source: OfferSource,
    price_amount: int,
    currency: str,
    message: str | None,
    created_at: datetime,
    expires_at: datetime,
) -> list[TurnView]:
    """:func:`history` from the offer's columns and its stored turns (``OfferTurn`` rows or
    rows with the same columns), for readers that load them without the ORM."""
    if not turns:
        return [
            TurnView(
                actor=_first_actor(source),
                kind=TurnKind.OFFER.value,
                price=Money(price_amount, currency),
                message=message,
                at=created_at,
                expires_at=expires_at,
            )
        ]
    return [
        TurnView(
            actor=t.actor,
            kind=t.kind.value,
            price=Money(t.price_amount, t.currency or currency)
            if t.price_amount is not None
            else None,
            message=t.message,
            at=t.created_at,
            expires_at=t.expires_at,
        )
        for t in turns
    ]
