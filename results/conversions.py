"""Conversions a brand reports, attributed to a sponsorship by a code or a click id, and the
brand's promo codes per sponsorship.

Idempotent by the brand's order id: the same ``order_id`` twice is the same conversion (the
first one is kept and returned, ``created`` False), also when two requests race (the unique
``(brand_id, order_id)`` decides).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Brand
from campaigns.models import Campaign
from campaigns.services import get_campaign
from collaborations.models import Sponsorship, SponsorshipStatus
from core.errors import Conflict, InvalidInput, NotFound
from core.money import Money
from results.models import Conversion
from results.tracking import code_of_click


@dataclass(frozen=True)
class ConversionOutcome:
    conversion: Conversion
    created: bool


def _existing(session: Session, brand: Brand, order_id: str) -> Conversion | None:
    return session.scalar(
        select(Conversion).where(Conversion.brand_id == brand.id, Conversion.order_id == order_id)
    )


def _sponsorship_for(
    session: Session, campaign: Campaign, code: str | None, click_id: str | None
) -> Sponsorship:
    """The campaign's sponsorship a code (promo or tracking) or a click id names."""
    of_campaign = Sponsorship.campaign_id == campaign.id
    if click_id is not None:
        found = session.scalar(
            select(Sponsorship).where(
                of_campaign, Sponsorship.tracking_code == code_of_click(click_id)
            )
        )
        field = "click_id"
    else:
        assert code is not None
        found = session.scalar(
            select(Sponsorship).where(
                of_campaign,
                (func.upper(Sponsorship.promo_code) == code.upper())
                | (Sponsorship.tracking_code == code.lower()),
            )
        )
        field = "code"
    if found is None:
        raise InvalidInput(
            f"No sponsorship of this campaign has that {field.replace('_', ' ')}.",
            {field: ["unknown for this campaign"]},
        )
    return found


def report_conversion(
    session: Session,
    brand: Brand,
    campaign_id: int,
    *,
    order_id: str,
    revenue: Money,
    code: str | None = None,
    click_id: str | None = None,
) -> ConversionOutcome:
    """Record a sale on one of the brand's campaigns; the same order id again returns the
    first conversion. Raises ``NotFound`` for another brand's campaign and ``InvalidInput`` for
    an unknown code or click id, or revenue in another currency."""
    campaign = get_campaign(session, brand, campaign_id)
    existing = _existing(session, brand, order_id)
    if existing is not None:
        return ConversionOutcome(existing, created=False)
    if revenue.currency != campaign.currency:
        raise InvalidInput(
            f"Revenue must be in the campaign's currency, {campaign.currency}.",
            {"revenue": [f"currency must be {campaign.currency}"]},
        )
    sponsorship = _sponsorship_for(session, campaign, code, click_id)
    conversion = Conversion(
        brand_id=brand.id,
        campaign_id=campaign.id,
        sponsorship_id=sponsorship.id,
        order_id=order_id,
        code=code,
        click_id=click_id,
        revenue_amount=revenue.amount,
        currency=revenue.currency,
    )
    try:
        with session.begin_nested():
            session.add(conversion)
            session.flush()
    except IntegrityError:  # the same order id sent twice at once: the other one won
        raced = _existing(session, brand, order_id)
        if raced is None:
            raise
        return ConversionOutcome(raced, created=False)
    return ConversionOutcome(conversion, created=True)


def set_promo_code(
    session: Session, brand: Brand, sponsorship_id: int, code: str | None
) -> Sponsorship:
    """Give one of the brand's sponsorships a promo code (unique within its campaign, stored
    upper-case), or remove it with None. ``NotFound`` for another brand's sponsorship."""
    sponsorship = session.scalar(
        select(Sponsorship)
        .join(Campaign, Campaign.id == Sponsorship.campaign_id)
        .where(Sponsorship.id == sponsorship_id, Campaign.brand_id == brand.id)
    )
    if sponsorship is None or sponsorship.status is SponsorshipStatus.CANCELLED:
        raise NotFound("Sponsorship not found.")
    value = code.upper() if code else None
    if value is not None:
        taken = session.scalar(
            select(Sponsorship.id).where(
                Sponsorship.campaign_id == sponsorship.campaign_id,
                Sponsorship.promo_code == value,
                Sponsorship.id != sponsorship.id,
            )
        )
        if taken is not None:
            raise Conflict(
                "Another creator of this campaign has that promo code.",
                {"code": ["already used in this campaign"]},
            )
    sponsorship.promo_code = value
    session.flush()
    return sponsorship
