"""Direct invitations: a brand offers one of its published campaigns to a creator it found.

An invitation is an offer with ``source: "invite"``, under the same rules as a matched offer
(:mod:`collaborations.guardrails`): the pair is locked (campaign, then creator), every rule is
checked and the first one broken refuses with its name. Its price is the creator's rate or the
brand's proposal; its fit, expected value and the brand's explanation come from the fit model
matching uses (:func:`accounts.public_profile.campaign_fit`); the creator reads why they were
invited, the brief, the price and the brand's message (never the brand's explanation).
Nothing is committed in the ledger until the creator accepts, as for a matched offer.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from accounts.models import Brand, Creator
from accounts.public_profile import CampaignFit, campaign_fit
from campaigns.models import Campaign
from campaigns.services import get_campaign
from collaborations.creator_text import explanation_for_creator
from collaborations.guardrails import OfferRules, check_new_offer, create_offer, lock_pair
from collaborations.models import Offer, OfferSource
from collaborations.visibility import visible_creator
from core.db import utcnow
from core.errors import InvalidInput, NotFound
from core.fit_words import fit_phrase, parts_phrase
from core.money import Money, per_major_unit
from matching.market.explain import money_text
from matching.market.fit import VALUE_SCALE
from notifications.service import notify

_PART_LABEL = {
    "interests": "interests",
    "gender": "gender",
    "city_tiers": "city tiers",
    "age": "age",
}


def brand_explanation(
    creator: Creator, campaign: Campaign, fit: CampaignFit | None, price_amount: int
) -> dict[str, Any]:
    """The brand's explanation of an invitation, in the fields a matched offer's has (fit,
    its parts, engaged target audience, value per unit of money) and a ``text`` sentence."""
    price = money_text(price_amount, campaign.currency)
    if fit is None:
        return {
            "creator": creator.handle,
            "campaign": str(campaign.id),
            "rate": price_amount,
            "invited": True,
            "text": (
                f"You invited @{creator.handle} for {price}. They have no audience profile yet, "
                "so Dandelion cannot estimate how much of your target audience they reach."
            ),
        }
    per_unit = per_major_unit(fit.expected_value, price_amount, campaign.currency)
    parts = parts_phrase(dict(fit.parts), _PART_LABEL)
    return {
        "creator": creator.handle,
        "campaign": str(campaign.id),
        "value": fit.expected_value / VALUE_SCALE,
        "engaged_target": fit.expected_value,
        "fit": fit.fit,
        "fit_components": dict(fit.parts),
        "rate": price_amount,
        "engaged_per_unit_of_money": per_unit,
        "invited": True,
        "text": (
            f"You invited @{creator.handle}: they should reach about {fit.expected_value:,} "
            f"engaged people of your target audience for {price} ({per_unit:,.1f} per 1 "
            f"{campaign.currency}); audience fit {fit_phrase(fit.fit)}; {parts}."
        ),
    }


def creator_text(offer: Offer, campaign: Campaign, creator: Creator) -> str:
    """What the invited creator reads: why them, the brief, the price, the brand's message."""
    text = explanation_for_creator(
        campaign,
        creator,
        offer.explanation,
        price=offer.price,
        expires_at=offer.expires_at,
        created_at=offer.created_at,
        fit=offer.fit_score,
        source=OfferSource.INVITE.value,
    )
    if offer.message:
        text += f" Their message: “{offer.message}”"
    return text


def _price(creator: Creator, campaign: Campaign, price: Money | None) -> int:
    """The proposed price, or the creator's rate; in the campaign's currency."""
    if price is not None:
        if price.currency != campaign.currency:
            raise InvalidInput(
                "The price must be in the campaign's currency.",
                {"price": [f"Use {campaign.currency}, the currency of the campaign's budget."]},
            )
        return price.amount
    if creator.rate_amount is None:
        raise InvalidInput(
            "This creator has no rate yet; propose a price.",
            {"price": ["Required: this creator has not set a rate per sponsored post."]},
        )
    return creator.rate_amount


def invite_creator(
    session: Session,
    brand: Brand,
    campaign_id: int,
    creator_id: int,
    *,
    message: str,
    rules: OfferRules,
    price: Money | None = None,
    now: datetime | None = None,
) -> Offer:
    """Invite a creator to one of the brand's campaigns: a new offer with ``source: invite``.

    Parameters: ``price`` (default: the creator's rate) in the campaign's currency; ``rules``
    from the settings (``OfferRules.from_config``).
    Returns the offer (flushed). Raises ``NotFound`` for another brand's campaign or a creator
    the brand may not see, ``InvalidInput`` for a price in another currency (or none, for a
    creator without a rate), and ``GuardrailRefused`` (409, naming the rule) when a rule refuses.
    """
    now = now or utcnow()
    campaign = get_campaign(session, brand, campaign_id)
    if visible_creator(session, brand, creator_id, today=now.date()) is None:
        raise NotFound("Creator not found.")
    campaign, creator = lock_pair(session, campaign.id, creator_id)
    price_amount = _price(creator, campaign, price)
    check_new_offer(session, campaign, creator, price_amount, rules, now=now)
    fit = campaign_fit(creator, campaign)
    offer = create_offer(
        session,
        campaign,
        creator,
        price_amount,
        rules,
        source=OfferSource.INVITE,
        now=now,
        message=message,
        explanation=brand_explanation(creator, campaign, fit, price_amount),
        fit_score=fit.fit if fit is not None else 0.0,
        value=fit.expected_value / VALUE_SCALE if fit is not None else 0.0,
    )
    offer.explanation_for_creator = creator_text(offer, campaign, creator)
    notify(
        session,
        creator.account_id,
        "offers.new",
        f"{brand.name} invited you to “{campaign.title}”"[:200],
        offer.explanation_for_creator[:4000],
        {"offer": offer.id, "campaign": campaign.id, "source": OfferSource.INVITE.value},
    )
    session.flush()
    return offer
