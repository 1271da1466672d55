"""Competitor exclusivity across time: one definition of what ties a creator to a group.

Brands in one competitor group get exclusive creators. A creator is tied to a campaign's
group by

- **work**: a sponsorship still in progress (``active``, ``delivered``, ``rejected``,
  ``disputed``: the post is owed or under review, whatever became of the campaign), or an
  ``approved`` one while its campaign is still ``published`` (the brand's campaign is running);
- **a live offer**: a proposal or a counter not past its expiry (the creator could accept it).

Everything that decides about a competitor reads these definitions: a run's snapshot
(``matching.adapter.snapshot_market`` excludes the pairs, so the solver, its shards and
incremental runs never see them, and the final re-check refuses them), accepting an offer
(:func:`work_clash`), and the guardrail of invitations and open-call selections
(``collaborations.guardrails.competitor_clash``). Work blocks both new offers and accepting;
a live offer blocks new offers only: accepting is how the creator chooses between offers,
and once one is accepted the other is refused by the work it became.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from campaigns.models import Campaign, CampaignStatus
from collaborations.models import (
    OPEN_OFFER_STATES,
    OPEN_SPONSORSHIP_STATES,
    Offer,
    Sponsorship,
    SponsorshipStatus,
)

# Approved work keeps its tie while the campaign is in one of these states.
TYING_CAMPAIGN_STATES = (CampaignStatus.PUBLISHED,)


def tying_work() -> ColumnElement[bool]:
    """The sponsorships (joined with their campaign) that tie a creator to the group."""
    return or_(
        Sponsorship.status.in_(OPEN_SPONSORSHIP_STATES),
        and_(
            Sponsorship.status == SponsorshipStatus.APPROVED,
            Campaign.status.in_(TYING_CAMPAIGN_STATES),
        ),
    )


def tying_offer(now: datetime) -> ColumnElement[bool]:
    """The offers that tie a creator to the group: awaiting an answer, not expired."""
    return and_(Offer.status.in_(OPEN_OFFER_STATES), Offer.expires_at > now)


def competitor_ties(
    session: Session, now: datetime, creator_ids: set[int] | None = None
) -> set[tuple[int, str, int]]:
    """(creator id, competitor group, campaign id) of every tie: live offers and work.

    ``creator_ids`` restricts it to those creators.
    """
    live_query = (
        select(Offer.creator_id, Campaign.competitor_group, Campaign.id)
        .join(Campaign, Campaign.id == Offer.campaign_id)
        .where(Campaign.competitor_group.is_not(None), tying_offer(now))
    )
    working_query = (
        select(Sponsorship.creator_id, Campaign.competitor_group, Campaign.id)
        .join(Campaign, Campaign.id == Sponsorship.campaign_id)
        .where(Campaign.competitor_group.is_not(None), tying_work())
    )
    if creator_ids is not None:
        live_query = live_query.where(Offer.creator_id.in_(creator_ids))
        working_query = working_query.where(Sponsorship.creator_id.in_(creator_ids))
    live, working = session.execute(live_query), session.execute(working_query)
    return {(int(k), str(g), int(c)) for k, g, c in [*live, *working]}


def work_clash(session: Session, creator_id: int, campaign: Campaign) -> str | None:
    """Title of another campaign of ``campaign``'s group the creator has tying work with."""
    if campaign.competitor_group is None:
        return None
    return session.scalar(
        select(Campaign.title)
        .join(Sponsorship, Sponsorship.campaign_id == Campaign.id)
        .where(
            Sponsorship.creator_id == creator_id,
            Campaign.competitor_group == campaign.competitor_group,
            Campaign.id != campaign.id,
            tying_work(),
        )
        .order_by(Campaign.id)
        .limit(1)
    )
