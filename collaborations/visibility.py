"""Which creators a brand may look at: the one rule for profiles, blocks and invitations."""

from __future__ import annotations

from datetime import date

from sqlalchemy import exists, select
from sqlalchemy.orm import Session

from accounts.models import Brand, Creator
from campaigns.models import Campaign
from collaborations.models import BrandBlock, Offer


def visible_creator(
    session: Session,
    brand: Brand,
    creator_id: int,
    *,
    today: date,
    or_blocked: bool = False,
) -> Creator | None:
    """The creator if ``brand`` may see them, else None.

    Visible: open to paid work ``today`` (an opt-in whose ``until`` has passed is closed), or
    made an offer by one of the brand's campaigns; with ``or_blocked``, also a creator the
    brand has blocked (so it can manage its block list). Callers answer None exactly like an
    unknown id, so a closed creator's existence is not given away.
    """
    creator = session.get(Creator, creator_id)
    if creator is None or creator.is_open_on(today):
        return creator
    offered = exists().where(
        Offer.creator_id == creator_id,
        Offer.campaign_id.in_(select(Campaign.id).where(Campaign.brand_id == brand.id)),
    )
    if session.scalar(select(offered)):
        return creator
    blocked = exists().where(BrandBlock.brand_id == brand.id, BrandBlock.creator_id == creator_id)
    if or_blocked and session.scalar(select(blocked)):
        return creator
    return None
