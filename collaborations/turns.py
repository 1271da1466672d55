"""An offer's negotiation history: the turns both sides see, oldest first.

Every step is a :class:`~collaborations.models.OfferTurn` (``guardrails.add_turn``): the
brand's (or the matching's) price, a creator's counter, the brand declining it and its own
price standing again, an acceptance or a decline. Offers written before the history existed,
and matched offers (runs write no turn), get their first turn back-filled, as it was, the first
time anyone answers them; until then the history reads it from the offer itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

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


def _first_actor(offer: Offer) -> str:
    return "platform" if offer.source is OfferSource.MATCH else "brand"


def ensure_first_turn(session: Session, offer: Offer) -> None:
    """Back-fill the offer's first turn (its price, message and expiry as first sent) when it
    has none. Call before changing the offer's price or expiry."""
    if session.scalar(select(OfferTurn.id).where(OfferTurn.offer_id == offer.id).limit(1)):
        return
    session.add(
        OfferTurn(
            offer_id=offer.id,
            actor=_first_actor(offer),
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
    turns = list(offer.turns)
    if not turns:
        return [
            TurnView(
                actor=_first_actor(offer),
                kind=TurnKind.OFFER.value,
                price=offer.price,
                message=offer.message,
                at=offer.created_at,
                expires_at=offer.expires_at,
            )
        ]
    return [
        TurnView(
            actor=t.actor,
            kind=t.kind.value,
            price=Money(t.price_amount, t.currency or offer.currency)
            if t.price_amount is not None
            else None,
            message=t.message,
            at=t.created_at,
            expires_at=t.expires_at,
        )
        for t in turns
    ]
