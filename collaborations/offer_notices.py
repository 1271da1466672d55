"""What the brand and the creator are told as offers are answered, posts handed in and
approved, and as offers and open calls near their end. Written to the outbox
(``notifications.service.notify``) in the transaction that made the change; the reminders
(:func:`send_reminders`) carry a dedupe key, so a sweep run twice tells nobody twice.

Each notice names only the recipient's own work: a brand reads its campaign and the creator's
public handle, a creator reads the brand's name and the campaign it offered them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from accounts.models import Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import (
    Application,
    ApplicationStatus,
    Offer,
    OfferSource,
    OfferStatus,
    OpenCall,
    Sponsorship,
)
from core.db import utcnow
from notifications.service import notify

ACCEPTED = "offers.accepted"
DECLINED = "offers.declined"
WITHDRAWN = "offers.withdrawn"
EXPIRING = "offers.expiring"
APPLICATION = "open_call.application"
CLOSING = "open_call.closing"
DELIVERED = "sponsorship.delivered"
APPROVED = "sponsorship.approved"

REMINDER_AHEAD = timedelta(hours=24)


def _when(at: datetime) -> str:
    return f"{at:%a %d %b %Y, %H:%M} UTC"


def _parties(session: Session, campaign_id: int, creator_id: int) -> tuple[Campaign, Creator]:
    campaign = session.scalar(
        select(Campaign).where(Campaign.id == campaign_id).options(joinedload(Campaign.brand))
    )
    creator = session.get(Creator, creator_id)
    assert campaign is not None and creator is not None
    return campaign, creator


def _offer_data(offer: Offer, **extra: object) -> dict[str, object]:
    return {"offer": offer.id, "campaign": offer.campaign_id, **extra}


# --- offers answered --------------------------------------------------------------------------


def offer_accepted(session: Session, offer: Offer, sponsorship: Sponsorship) -> None:
    """The brand hears that a creator took its offer: the price is committed, a post is due."""
    campaign, creator = _parties(session, offer.campaign_id, offer.creator_id)
    notify(
        session,
        campaign.brand.account_id,
        ACCEPTED,
        f"@{creator.handle} accepted your offer for “{campaign.title}”"[:200],
        (
            f"@{creator.handle} accepted {offer.price.format()} for “{campaign.title}”. The "
            f"price is committed from the campaign's budget; the post is due by "
            f"{sponsorship.due_on:%a %d %b %Y}, and you review it when it is handed in."
        )[:4000],
        _offer_data(offer, sponsorship=sponsorship.id),
    )


def offer_declined(session: Session, offer: Offer, reason: str | None) -> None:
    """The brand hears that a creator said no, with their reason if they gave one."""
    campaign, creator = _parties(session, offer.campaign_id, offer.creator_id)
    why = f" Their reason: “{reason}”." if reason else " They gave no reason."
    notify(
        session,
        campaign.brand.account_id,
        DECLINED,
        f"@{creator.handle} declined your offer for “{campaign.title}”"[:200],
        (
            f"@{creator.handle} declined {offer.price.format()} for “{campaign.title}”.{why} "
            "The slot and budget are free again for the next matching run."
        )[:4000],
        _offer_data(offer),
    )


def offer_withdrawn(session: Session, offer: Offer) -> None:
    """The creator hears an offer is gone (the brand's reason stays the brand's)."""
    campaign, creator = _parties(session, offer.campaign_id, offer.creator_id)
    notify(
        session,
        creator.account_id,
        WITHDRAWN,
        f"{campaign.brand.name} withdrew its offer for “{campaign.title}”"[:200],
        (
            f"{campaign.brand.name} withdrew the {offer.price.format()} offer for "
            f"“{campaign.title}”. There is nothing for you to do; nothing was committed."
        )[:4000],
        _offer_data(offer),
    )


# --- open calls ---------------------------------------------------------------------------------


def application_received(session: Session, application: Application) -> None:
    """The brand hears a creator applied to its open call, at what price."""
    campaign, creator = _parties(session, application.campaign_id, application.creator_id)
    notify(
        session,
        campaign.brand.account_id,
        APPLICATION,
        f"@{creator.handle} applied to the open call for “{campaign.title}”"[:200],
        (
            f"@{creator.handle} applied for {application.price.format()}. Their pitch: "
            f"“{application.pitch}”. Select applicants before the call closes."
        )[:4000],
        {"campaign": campaign.id, "application": application.id},
    )


# --- posts --------------------------------------------------------------------------------------


def post_delivered(session: Session, sponsorship: Sponsorship, auto_approve_days: int) -> None:
    """The brand hears a post awaits its review, what to do, and when silence approves it."""
    campaign, creator = _parties(session, sponsorship.campaign_id, sponsorship.creator_id)
    assert sponsorship.delivered_at is not None
    deadline = sponsorship.delivered_at + timedelta(days=auto_approve_days)
    notify(
        session,
        campaign.brand.account_id,
        DELIVERED,
        f"@{creator.handle}'s post for “{campaign.title}” awaits your review"[:200],
        (
            f"@{creator.handle} handed in their post for “{campaign.title}”: "
            f"{sponsorship.post_url} . Check it and approve it (the creator is paid "
            f"{sponsorship.price.format()}) or send it back with a reason. If nobody reviews "
            f"it by {_when(deadline)}, it is approved and paid automatically."
        )[:4000],
        {
            "sponsorship": sponsorship.id,
            "campaign": campaign.id,
            "auto_approve_at": deadline.isoformat(),
        },
    )


def post_approved(session: Session, sponsorship: Sponsorship) -> None:
    """The creator hears the brand approved the post and the payout is on its way."""
    campaign, creator = _parties(session, sponsorship.campaign_id, sponsorship.creator_id)
    notify(
        session,
        creator.account_id,
        APPROVED,
        f"Your post for “{campaign.title}” is approved"[:200],
        (
            f"{campaign.brand.name} approved your post for “{campaign.title}”. "
            f"{sponsorship.price.format()} is on its way to you; you hear again when it is sent."
        )[:4000],
        {"sponsorship": sponsorship.id, "campaign": campaign.id},
    )


# --- the reminder sweep -------------------------------------------------------------------------


@dataclass(frozen=True)
class Reminders:
    """How many reminders one sweep put in the outbox (a rerun counts the same, adds none)."""

    offers: int
    open_calls: int


def send_reminders(session: Session, now: datetime | None = None) -> Reminders:
    """Remind creators of proposals that expire within 24 h, and applicants and brands of open
    calls that close within 24 h.

    Each reminder's dedupe key names the offer (or call and account) and the deadline it warns
    of, so a rerun adds nothing, and a new deadline (a counter turn handed back, a call
    rescheduled) earns a reminder of its own.
    """
    now = now or utcnow()
    until = now + REMINDER_AHEAD
    offers = 0
    for offer in session.scalars(
        select(Offer)
        .where(
            Offer.status == OfferStatus.PROPOSED,
            Offer.expires_at > now,
            Offer.expires_at <= until,
        )
        .options(joinedload(Offer.campaign).joinedload(Campaign.brand), joinedload(Offer.creator))
        .order_by(Offer.id)
    ):
        creator, campaign = offer.creator, offer.campaign
        notify(
            session,
            creator.account_id,
            EXPIRING,
            f"Your offer for “{campaign.title}” expires soon"[:200],
            (
                f"{campaign.brand.name}'s {offer.price.format()} offer for “{campaign.title}” "
                f"expires on {_when(offer.expires_at)}. Accept, counter or decline it before "
                "then; after that it is gone."
            )[:4000],
            _offer_data(offer, expires_at=offer.expires_at.isoformat()),
            dedupe_key=f"{EXPIRING}:{offer.id}:{offer.expires_at:%Y%m%dT%H%M%S}",
        )
        offers += 1
    calls = 0
    for call in session.scalars(
        select(OpenCall)
        .join(Campaign, Campaign.id == OpenCall.campaign_id)
        .where(
            OpenCall.closed_at.is_(None),
            OpenCall.closes_at > now,
            OpenCall.closes_at <= until,
            Campaign.status == CampaignStatus.PUBLISHED,  # others close at the next sweep
        )
        .options(joinedload(OpenCall.campaign).joinedload(Campaign.brand))
        .order_by(OpenCall.id)
    ):
        calls += _remind_open_call(session, call)
    session.flush()
    return Reminders(offers=offers, open_calls=calls)


def _remind_open_call(session: Session, call: OpenCall) -> int:
    campaign = call.campaign
    stamp = f"{call.closes_at:%Y%m%dT%H%M%S}"
    data = {"campaign": campaign.id, "closes_at": call.closes_at.isoformat()}
    applications = list(
        session.scalars(
            select(Application)
            .where(
                Application.open_call_id == call.id,
                Application.status == ApplicationStatus.SUBMITTED,
            )
            .options(joinedload(Application.creator))
            .order_by(Application.id)
        )
    )
    notify(
        session,
        campaign.brand.account_id,
        CLOSING,
        f"Your open call for “{campaign.title}” closes soon"[:200],
        (
            f"The open call for “{campaign.title}” closes on {_when(call.closes_at)} with "
            f"{len(applications)} application(s) waiting. Select the creators you want before "
            "then; applications still waiting when it closes are not selected."
        )[:4000],
        data,
        dedupe_key=f"{CLOSING}:{call.id}:{campaign.brand.account_id}:{stamp}",
    )
    for application in applications:
        account_id = application.creator.account_id
        notify(
            session,
            account_id,
            CLOSING,
            f"The open call for “{campaign.title}” closes soon"[:200],
            (
                f"{campaign.brand.name}'s open call for “{campaign.title}” closes on "
                f"{_when(call.closes_at)}. Your application ({application.price.format()}) is "
                "still waiting for the brand's decision; you hear either way."
            )[:4000],
            {**data, "application": application.id},
            dedupe_key=f"{CLOSING}:{call.id}:{account_id}:{stamp}",
        )
    return 1 + len(applications)


def is_open_call_offer(offer: Offer) -> bool:
    """An open call's offer is accepted as the brand selects it: the brand needs no notice."""
    return offer.source is OfferSource.OPEN_CALL
