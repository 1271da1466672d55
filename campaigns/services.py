"""Campaign services: a brand's campaigns and their state machine. They flush; callers commit."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accounts.models import Brand, Creator, CreatorCategory
from campaigns.models import Campaign, CampaignStatus
from collaborations.services import withdraw_campaign_work
from core.db import utcnow
from core.errors import Conflict, InvalidInput, NotFound
from core.pagination import Page, paginate
from matching.runs import request_incremental_run
from payments import notices as payment_notices
from payments import service as payments
from payments.models import CampaignFunding
from payments.providers import PaymentProvider

# Fields that shape matching and money: they may change only while the campaign is a draft.
DRAFT_ONLY_FIELDS = frozenset(
    {
        "budget_amount", "currency", "slots", "min_creators", "category", "competitor_group",
        "target_audience", "min_followers", "max_followers", "starts_on",
    }
)  # fmt: skip
OPEN_STATES = (CampaignStatus.DRAFT, CampaignStatus.FUNDED, CampaignStatus.PUBLISHED)
# Column names that the API shows under another field name (errors name the API's field).
API_FIELD_NAMES = {"budget_amount": "budget", "currency": "budget"}


def consistency_errors(
    *,
    starts_on: date | None,
    ends_on: date | None,
    min_followers: int | None,
    max_followers: int | None,
    min_creators: int | None,
    slots: int | None,
) -> dict[str, list[str]]:
    """Rules across fields (``{api field: [message]}``); a value that is missing is not
    compared, so a form can check what it has while its other fields are still wrong."""
    errors: dict[str, list[str]] = {}
    if starts_on is not None and ends_on is not None and ends_on < starts_on:
        errors["ends_on"] = ["Must be on or after starts_on."]
    if max_followers is not None and max_followers < (min_followers or 0):
        errors["max_followers"] = ["Must be at least min_followers."]
    if slots is not None and (min_creators or 0) > slots:
        errors["min_creators"] = ["Cannot exceed slots."]
    return errors


def _check_consistency(c: Campaign) -> None:
    """Rules across fields, checked on the merged result of a create or an update."""
    errors = consistency_errors(
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        min_followers=c.min_followers,
        max_followers=c.max_followers,
        min_creators=c.min_creators,
        slots=c.slots,
    )
    if errors:
        raise InvalidInput("The campaign is not consistent.", errors)


# Fewer open creators than this with a rate in the currency: no typical rate to compare with.
TYPICAL_RATE_MIN_CREATORS = 5


def typical_rate(session: Session, category: str, currency: str) -> int | None:
    """The median rate (minor units) of open creators who accept ``category`` and charge in
    ``currency``; None when fewer than ``TYPICAL_RATE_MIN_CREATORS`` do."""
    rates = (
        select(Creator.rate_amount)
        .join(CreatorCategory, CreatorCategory.creator_id == Creator.id)
        .where(
            CreatorCategory.category == category,
            Creator.is_open.is_(True),
            Creator.rate_currency == currency,
            Creator.rate_amount.is_not(None),
        )
    )
    count = session.scalar(select(func.count()).select_from(rates.subquery())) or 0
    if count < TYPICAL_RATE_MIN_CREATORS:
        return None
    median = session.scalar(rates.order_by(Creator.rate_amount).offset(count // 2).limit(1))
    return int(median) if median is not None else None


def create_campaign(session: Session, brand: Brand, fields: dict[str, Any]) -> Campaign:
    """Create a draft campaign for ``brand`` from validated fields."""
    campaign = Campaign(brand_id=brand.id, status=CampaignStatus.DRAFT, **fields)
    campaign.min_creators = campaign.min_creators or 0
    campaign.min_followers = campaign.min_followers or 0
    _check_consistency(campaign)
    session.add(campaign)
    session.flush()
    return campaign


def list_campaigns(
    session: Session,
    brand: Brand,
    *,
    page: int = 1,
    page_size: int = 20,
    status: CampaignStatus | None = None,
) -> Page[Campaign]:
    """One page of the brand's own campaigns, newest first."""
    query = select(Campaign).where(Campaign.brand_id == brand.id)
    if status is not None:
        query = query.where(Campaign.status == status)
    return paginate(session, query.order_by(Campaign.id.desc()), page, page_size)


def get_campaign(
    session: Session, brand: Brand, campaign_id: int, *, lock: bool = False
) -> Campaign:
    """The brand's campaign ``campaign_id``; another brand's answers exactly like a missing one."""
    query = select(Campaign).where(Campaign.id == campaign_id, Campaign.brand_id == brand.id)
    if lock:
        query = query.with_for_update()
    campaign = session.scalar(query)
    if campaign is None:
        raise NotFound("Campaign not found.")
    return campaign


def update_campaign(
    session: Session, brand: Brand, campaign_id: int, changes: dict[str, Any]
) -> Campaign:
    """Apply ``changes``; money and targeting change only on drafts, nothing once closed."""
    campaign = get_campaign(session, brand, campaign_id, lock=True)
    if campaign.status not in OPEN_STATES:
        raise Conflict(f"A {campaign.status.value} campaign cannot be edited.")
    if campaign.status is not CampaignStatus.DRAFT:
        frozen = sorted({API_FIELD_NAMES.get(n, n) for n in DRAFT_ONLY_FIELDS & changes.keys()})
        if frozen:
            raise Conflict(
                f"Only drafts can change {', '.join(frozen)}; this campaign is "
                f"{campaign.status.value}.",
                {name: ["Editable only while the campaign is a draft."] for name in frozen},
            )
    for name, value in changes.items():
        setattr(campaign, name, value)
    _check_consistency(campaign)
    session.flush()
    return campaign


def delete_campaign(session: Session, brand: Brand, campaign_id: int) -> None:
    """Delete a draft; anything that may have money attached is cancelled instead."""
    campaign = get_campaign(session, brand, campaign_id, lock=True)
    if campaign.status is not CampaignStatus.DRAFT:
        raise Conflict("Only drafts can be deleted; cancel the campaign instead.")
    session.delete(campaign)
    session.flush()


def fund_campaign(
    session: Session, brand: Brand, campaign_id: int, *, provider: PaymentProvider, fee_bps: int
) -> tuple[Campaign, CampaignFunding]:
    """Start funding a draft (budget + platform fee); with the ledger provider it is funded now."""
    campaign = get_campaign(session, brand, campaign_id, lock=True)
    if campaign.status is not CampaignStatus.DRAFT:
        raise Conflict(f"Only drafts can be funded; this campaign is {campaign.status.value}.")
    funding = payments.start_funding(session, campaign, provider, fee_bps=fee_bps)
    return campaign, funding


def publish_campaign(
    session: Session,
    brand: Brand,
    campaign_id: int,
    today: date | None = None,
    *,
    match_now: bool = True,
) -> Campaign:
    """Open a funded campaign to matching.

    With ``match_now`` (the default) an incremental run matches it against this week's
    residual market once the transaction commits, so it need not wait for the weekly run;
    seeding scripts that run the weekly matching themselves pass ``False``.
    """
    campaign = get_campaign(session, brand, campaign_id, lock=True)
    if campaign.status is not CampaignStatus.FUNDED:
        raise Conflict(
            f"Only funded campaigns can be published; this campaign is {campaign.status.value}."
        )
    if campaign.ends_on < (today or date.today()):
        raise Conflict("This campaign has already ended; change its end date first.")
    campaign.status = CampaignStatus.PUBLISHED
    campaign.published_at = utcnow()
    session.flush()
    if match_now:
        request_incremental_run(session, campaign_id=campaign.id)
    return campaign


def _close(
    session: Session, campaign: Campaign, status: CampaignStatus, provider: PaymentProvider
) -> None:
    """Stop the campaign: withdraw open proposals, call off work not yet delivered, and send
    what is not committed back to the brand."""
    campaign.status = status
    campaign.closed_at = utcnow()
    withdraw_campaign_work(session, campaign)
    payments.start_refund(session, campaign, provider)
    session.flush()


def cancel_campaign(
    session: Session, brand: Brand, campaign_id: int, *, provider: PaymentProvider
) -> Campaign:
    """Cancel a campaign that is not yet completed; what is not committed goes back."""
    campaign = get_campaign(session, brand, campaign_id, lock=True)
    if campaign.status not in OPEN_STATES:
        raise Conflict(f"A {campaign.status.value} campaign cannot be cancelled.")
    _close(session, campaign, CampaignStatus.CANCELLED, provider)
    return campaign


def complete_campaign(
    session: Session, brand: Brand, campaign_id: int, *, provider: PaymentProvider
) -> Campaign:
    """Close a published campaign: no more matching; what is unspent goes back."""
    campaign = get_campaign(session, brand, campaign_id, lock=True)
    if campaign.status is not CampaignStatus.PUBLISHED:
        raise Conflict(
            f"Only published campaigns can be completed; this campaign is {campaign.status.value}."
        )
    _close(session, campaign, CampaignStatus.COMPLETED, provider)
    # What is uncommitted now is what the refund (booked when it is made) sends back.
    unspent = payments.remaining_funds(session, campaign)
    payment_notices.campaign_completed(session, campaign, unspent)
    return campaign
