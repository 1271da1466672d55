"""Counter-offers: a creator names a price, the brand accepts or declines it.

The turns, on an offer from any channel (match, invite, open call)::

    proposed --counter (creator)--> countered --accept (brand)--> accepted (a sponsorship)
                                              --decline (brand)--> proposed (the brand's price)

- A counter is the creator's answer (it counts as a reply for reliability). It must be in the
  offer's currency, above zero, not the price already offered, and within what the campaign
  can still pay (its remaining funds less the other offers awaiting an answer); an offer takes
  at most :data:`MAX_COUNTERS_PER_OFFER` counters.
- Each turn has its own expiry: a counter gives the brand ``OFFER_TTL_DAYS`` to answer, a
  declined counter gives the creator the same again. A counter past its expiry expires the
  offer like an unanswered proposal (``services.expire_offers``).
- Accepting a counter commits the counter price in the ledger under the same checks as the
  creator accepting a proposal (``services.commit_offer``: campaign published, capacity,
  exclusivity, budget and slots). Declining it records a ``decline`` turn, then the brand's
  standing price as a new ``offer`` turn; the creator may accept it, decline it or counter
  again. While countered, a brand may still withdraw the offer and the creator may decline it.

Services flush; the caller commits. Each turn notifies the other side.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Brand, Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations import services
from collaborations.guardrails import GuardrailRefused, OfferRules, campaign_room
from collaborations.models import Offer, OfferStatus, OfferTurn, Sponsorship, TurnKind
from collaborations.turns import ensure_first_turn, record_turn
from core.db import utcnow
from core.errors import Conflict, InvalidInput
from core.money import Money
from notifications.service import notify
from payments.providers import PaymentProvider

# At most this many counters per offer (then the creator accepts or declines the brand's price).
MAX_COUNTERS_PER_OFFER = 3


def counters_made(session: Session, offer: Offer) -> int:
    """How many counters the creator made on ``offer``."""
    return int(
        session.scalar(
            select(func.count(OfferTurn.id)).where(
                OfferTurn.offer_id == offer.id, OfferTurn.kind == TurnKind.COUNTER
            )
        )
        or 0
    )


def _check_counter_price(
    session: Session, offer: Offer, campaign: Campaign, price: Money, now: datetime
) -> None:
    if price.currency != offer.currency:
        raise InvalidInput(
            "The counter must be in the offer's currency.",
            {"price": [f"Use {offer.currency}, the currency of the offer."]},
        )
    if price.amount == offer.price_amount:
        raise InvalidInput(
            "That is the price already offered; accept the offer instead.",
            {"price": ["Name a different price, or accept the offer at this one."]},
        )
    budget, _slots = campaign_room(session, campaign, now)
    room = budget + offer.price_amount  # this live offer holds its own price already
    if price.amount > room:
        raise GuardrailRefused(
            "budget",
            f"The campaign cannot pay {price.format()}: at most "
            f"{Money(max(room, 0), offer.currency).format()} is left for this offer.",
        )


def counter_offer(
    session: Session,
    creator: Creator,
    offer_id: int,
    *,
    price: Money,
    message: str,
    rules: OfferRules,
    now: datetime | None = None,
) -> Offer:
    """Answer a live proposal with another price and a note; the brand answers by the new expiry.

    Returns the offer, now ``countered`` with ``counter_price_amount``. Raises ``NotFound`` for
    another creator's offer, ``Conflict`` when the offer is not awaiting this creator's answer
    or the counter limit is reached, ``InvalidInput`` for a price in another currency or equal
    to the offer's, ``GuardrailRefused`` (``budget``, ``campaign_closed``) when the campaign
    cannot take it.
    """
    now = now or utcnow()
    offer = services._own_offer(session, creator, offer_id)
    services._require_proposed(offer, now)
    campaign = session.get(Campaign, offer.campaign_id)
    assert campaign is not None
    if campaign.status is not CampaignStatus.PUBLISHED:
        raise GuardrailRefused(
            "campaign_closed", f"The campaign is {campaign.status.value}; it takes no counters."
        )
    made = counters_made(session, offer)
    if made >= MAX_COUNTERS_PER_OFFER:
        raise GuardrailRefused(
            "counter_limit",
            f"You already countered this offer {made} times, the most an offer takes; accept or "
            "decline the brand's price.",
        )
    _check_counter_price(session, offer, campaign, price, now)
    ensure_first_turn(session, offer)
    offer.status = OfferStatus.COUNTERED
    offer.counter_price_amount = price.amount
    offer.responded_at = offer.responded_at or now  # a counter is an answer (reliability)
    offer.expires_at = now + timedelta(days=rules.offer_ttl_days)
    record_turn(session, offer, "creator", TurnKind.COUNTER, price.amount, message, now=now)
    brand = session.get(Brand, campaign.brand_id)
    assert brand is not None
    notify(
        session,
        brand.account_id,
        "offers.countered",
        f"@{creator.handle} countered on “{campaign.title}”"[:200],
        (
            f"@{creator.handle} asks {price.format()} instead of {offer.price.format()} for "
            f"“{campaign.title}”. Their note: “{message}”. Accept or decline by "
            f"{offer.expires_at:%a %d %b %Y, %H:%M} UTC."
        )[:4000],
        {"offer": offer.id, "campaign": campaign.id, "counter_price": price.amount},
    )
    session.flush()
    return offer


def _brand_countered_offer(session: Session, brand: Brand, offer_id: int, now: datetime) -> Offer:
    """The brand's offer, locked, with a counter awaiting the brand's answer."""
    offer = services.get_brand_offer(session, brand, offer_id, lock=True)
    status = offer.effective_status(now)
    if status is not OfferStatus.COUNTERED:
        why = {
            OfferStatus.EXPIRED: "it expired before you answered",
            OfferStatus.PROPOSED: "it awaits the creator's answer to your price",
        }.get(status, f"it is {status.value}")
        raise Conflict(f"This offer has no counter to answer; {why}.")
    return offer


def _notify_creator(session: Session, offer: Offer, kind: str, subject: str, body: str) -> None:
    creator = session.get(Creator, offer.creator_id)
    assert creator is not None
    notify(
        session,
        creator.account_id,
        kind,
        subject[:200],
        body[:4000],
        {"offer": offer.id, "campaign": offer.campaign_id},
    )


def accept_counter(
    session: Session,
    brand: Brand,
    offer_id: int,
    *,
    provider: PaymentProvider,
    message: str | None = None,
    now: datetime | None = None,
) -> Sponsorship:
    """Accept the creator's counter: a sponsorship at the counter price, committed in the ledger.

    The creator already agreed to that price, so this is the acceptance. The same checks as the
    creator accepting a proposal hold (``services.commit_offer``). Raises ``NotFound`` for
    another brand's offer and ``Conflict`` when there is no live counter or a check fails.
    """
    now = now or utcnow()
    offer = _brand_countered_offer(session, brand, offer_id, now)
    creator = session.get(Creator, offer.creator_id)
    assert creator is not None and offer.counter_price_amount is not None
    price = offer.counter_price_amount
    sponsorship = services.commit_offer(
        session, offer, creator, provider=provider, now=now, price_amount=price, for_brand=True
    )
    offer.counter_price_amount = None  # agreed: the offer's price is the counter now
    record_turn(session, offer, "brand", TurnKind.ACCEPT, price, message, now=now)
    title = offer.campaign.title
    _notify_creator(
        session,
        offer,
        "offers.counter_accepted",
        f"{brand.name} accepted your price for “{title}”",
        f"{brand.name} accepted {Money(price, offer.currency).format()} for “{title}”. "
        f"It is a sponsorship now: publish the labelled post by {sponsorship.due_on:%d %b %Y}."
        + (f" Their note: “{message}”" if message else ""),
    )
    session.flush()
    return sponsorship


def decline_counter(
    session: Session,
    brand: Brand,
    offer_id: int,
    *,
    rules: OfferRules,
    message: str | None = None,
    now: datetime | None = None,
) -> Offer:
    """Decline the creator's counter: the brand's own price stands again, with a fresh expiry.

    Records a ``decline`` turn (the counter price declined, the brand's note) and an ``offer``
    turn (the standing price and its new expiry). The creator may accept, decline or counter
    again (up to :data:`MAX_COUNTERS_PER_OFFER`).
    """
    now = now or utcnow()
    offer = _brand_countered_offer(session, brand, offer_id, now)
    declined = offer.counter_price_amount
    record_turn(session, offer, "brand", TurnKind.DECLINE, declined, message, now=now)
    offer.status = OfferStatus.PROPOSED
    offer.counter_price_amount = None
    offer.expires_at = now + timedelta(days=rules.offer_ttl_days)
    record_turn(session, offer, "brand", TurnKind.OFFER, offer.price_amount, None, now=now)
    title = offer.campaign.title
    _notify_creator(
        session,
        offer,
        "offers.counter_declined",
        f"{brand.name} kept its price for “{title}”",
        f"{brand.name} declined your counter"
        + (f" of {Money(declined, offer.currency).format()}" if declined is not None else "")
        + f" for “{title}”; their offer of {offer.price.format()} stands until "
        f"{offer.expires_at:%a %d %b %Y, %H:%M} UTC. Accept it, decline it or counter again."
        + (f" Their note: “{message}”" if message else ""),
    )
    session.flush()
    return offer
