"""Open calls: a brand's published campaign takes applications (a price and a pitch) from the
creators who fit, and the brand selects by hand or lets the optimiser pick the best set.

The rules, in one place:

- A call is open from ``opened_at`` until ``closes_at`` (in the future when opened, at most
  ``max_days`` ahead and not after the campaign ends) and while the campaign is published.
  Creators apply and the brand selects while it is open; when it closes, the applications
  still submitted become ``not_selected`` and each applicant is told once.
- A creator sees a call (and may apply) when they are open to paid work, take the campaign's
  category, are within its follower range, use its currency, are not blocked by the brand,
  have no other offer for the campaign, and fit its target (``min_fit`` to be listed; more
  than 0 to apply) by the fit model matching uses (``accounts.public_profile.campaign_fit``).
- **The application's price is binding**: the creator named it, so selecting it creates the
  offer (``source: open_call``) already accepted, with its sponsorship and the ledger
  commitment, in one transaction. Selection first re-checks every rule a new offer obeys
  (``collaborations.guardrails``: campaign open, block list, one offer per pair, creator
  open, category, currency, sponsored share, capacity, weekly offer cap, exclusivity, slots,
  budget) with the rows locked, then takes the ordinary accept path
  (``collaborations.services.accept_offer``), so its checks hold too.
- "Pick the best set" solves the matching optimiser (``matching.solver.solve``) on the
  submitted applicants: value = the fit model's pair value, rate = the application's price,
  the campaign's remaining budget and slots (``guardrails.campaign_room``), and explains the
  choice; applicants a rule refuses never reach the solver.

Services flush; the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, joinedload

from accounts.models import Brand, Creator
from accounts.public_profile import CampaignFit, PublicReliability, campaign_fit, public_reliability
from campaigns.models import Campaign, CampaignStatus
from campaigns.services import get_campaign
from collaborations import guardrails, offer_notices
from collaborations.creator_text import brief_excerpt
from collaborations.guardrails import GuardrailRefused, OfferRules
from collaborations.models import (
    Application,
    ApplicationStatus,
    BrandBlock,
    Offer,
    OfferSource,
    OpenCall,
)
from collaborations.services import accept_offer, campaign_commitments
from core.db import utcnow
from core.errors import Conflict, InvalidInput, NotFound, unique_conflict
from core.fit_words import fit_phrase
from core.money import CURRENCIES, Money
from core.pagination import Page
from matching.market.fit import VALUE_SCALE
from matching.solver import Instance, solve
from notifications.service import notify
from payments.providers import PaymentProvider

CLOSED_KIND = "open_call.closed"
SELECTED_KIND = "open_call.selected"

call_exists = unique_conflict(
    "uq_open_calls_campaign_id",
    "This campaign already has an open call; change its closing time instead.",
)
already_applied = unique_conflict(
    "uq_applications_campaign_id",
    "You already applied to this open call.",
)


# --- the call ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpenCallView:
    """An open call with its applications counted by status."""

    call: OpenCall
    counts: dict[str, int]
    now: datetime

    @property
    def id(self) -> int:
        return self.call.id

    @property
    def campaign_id(self) -> int:
        return self.call.campaign_id

    @property
    def opened_at(self) -> datetime:
        return self.call.opened_at

    @property
    def closes_at(self) -> datetime:
        return self.call.closes_at

    @property
    def closed_at(self) -> datetime | None:
        return self.call.closed_at

    @property
    def status(self) -> str:
        """``open`` (applications and selections go on) or ``closed``."""
        return "open" if is_open(self.call, self.now) else "closed"


def is_open(call: OpenCall, now: datetime) -> bool:
    """Whether the call takes applications and selections at ``now``."""
    campaign = call.campaign
    return (
        call.closed_at is None
        and call.closes_at > now
        and campaign.status is CampaignStatus.PUBLISHED
        and campaign.ends_on >= now.date()
    )


def _check_closes_at(campaign: Campaign, closes_at: datetime, max_days: int, now: datetime) -> None:
    if closes_at.tzinfo is None:
        closes_at = closes_at.replace(tzinfo=UTC)
    problem = None
    last = datetime.combine(campaign.ends_on + timedelta(days=1), time(0), tzinfo=UTC)
    if closes_at <= now:
        problem = "Must be in the future."
    elif closes_at > now + timedelta(days=max_days):
        problem = f"Must be at most {max_days} days ahead."
    elif closes_at > last:
        problem = f"Must be no later than the campaign's end ({campaign.ends_on.isoformat()})."
    if problem:
        raise InvalidInput("The closing time is not possible.", {"closes_at": [problem]})


def _view(session: Session, call: OpenCall, now: datetime) -> OpenCallView:
    counts = dict.fromkeys((s.value for s in ApplicationStatus), 0)
    for status, count in session.execute(
        select(Application.status, func.count(Application.id))
        .where(Application.open_call_id == call.id)
        .group_by(Application.status)
    ):
        counts[status.value] = int(count)
    return OpenCallView(call=call, counts=counts, now=now)


def _call_of(session: Session, campaign_id: int, *, lock: bool = False) -> OpenCall | None:
    query = select(OpenCall).where(OpenCall.campaign_id == campaign_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.scalar(query)


def open_call(
    session: Session,
    brand: Brand,
    campaign_id: int,
    closes_at: datetime,
    *,
    max_days: int,
    now: datetime | None = None,
) -> OpenCallView:
    """Open a call on one of the brand's published campaigns, until ``closes_at``.

    Raises ``NotFound`` for another brand's campaign, ``Conflict`` unless the campaign is
    published or when it already has a call (one per campaign: move its closing time with
    :func:`reschedule_open_call`), ``InvalidInput`` for a closing time in the past, more than
    ``max_days`` ahead or after the campaign ends.
    """
    now = now or utcnow()
    campaign = get_campaign(session, brand, campaign_id, lock=True)
    if campaign.status is not CampaignStatus.PUBLISHED or campaign.ends_on < now.date():
        raise Conflict(
            "Only published campaigns that have not ended can open a call; this one is "
            f"{campaign.status.value}."
        )
    if _call_of(session, campaign.id) is not None:
        raise call_exists()
    _check_closes_at(campaign, closes_at, max_days, now)
    call = OpenCall(campaign_id=campaign.id, opened_at=now, closes_at=closes_at)
    session.add(call)
    session.flush()
    return _view(session, call, now)


def get_open_call(
    session: Session, brand: Brand, campaign_id: int, *, now: datetime | None = None
) -> OpenCallView:
    """The call of one of the brand's campaigns; ``NotFound`` when there is none."""
    campaign = get_campaign(session, brand, campaign_id)
    call = _call_of(session, campaign.id)
    if call is None:
        raise NotFound("This campaign has no open call.")
    return _view(session, call, now or utcnow())


def find_open_call(session: Session, campaign: Campaign) -> OpenCall | None:
    """The campaign's call, if it has one (the caller checked the campaign is the brand's)."""
    return _call_of(session, campaign.id)


def _own_open_call(session: Session, brand: Brand, campaign_id: int, now: datetime) -> OpenCall:
    campaign = get_campaign(session, brand, campaign_id, lock=True)
    call = _call_of(session, campaign.id, lock=True)
    if call is None:
        raise NotFound("This campaign has no open call.")
    if not is_open(call, now):
        raise Conflict("This open call is closed.")
    return call


def reschedule_open_call(
    session: Session,
    brand: Brand,
    campaign_id: int,
    closes_at: datetime,
    *,
    max_days: int,
    now: datetime | None = None,
) -> OpenCallView:
    """Move an open call's closing time (earlier or later), within the same limits as opening."""
    now = now or utcnow()
    call = _own_open_call(session, brand, campaign_id, now)
    _check_closes_at(call.campaign, closes_at, max_days, now)
    call.closes_at = closes_at
    session.flush()
    return _view(session, call, now)


def close_open_call_now(
    session: Session, brand: Brand, campaign_id: int, *, now: datetime | None = None
) -> OpenCallView:
    """Close a call early: applications still submitted are not selected, and told so."""
    now = now or utcnow()
    call = _own_open_call(session, brand, campaign_id, now)
    _close(session, call, now)
    return _view(session, call, now)


def _close(session: Session, call: OpenCall, now: datetime) -> int:
    """Close ``call`` (locked, not closed yet): submitted → not_selected, each applicant told."""
    campaign = call.campaign
    waiting = list(
        session.scalars(
            select(Application)
            .where(
                Application.open_call_id == call.id,
                Application.status == ApplicationStatus.SUBMITTED,
            )
            .options(joinedload(Application.creator))
            .order_by(Application.id)
            .with_for_update(of=Application)
        )
    )
    for application in waiting:
        application.status = ApplicationStatus.NOT_SELECTED
        application.decided_at = now
        notify(
            session,
            application.creator.account_id,
            CLOSED_KIND,
            f"Not selected this time: {campaign.title}",
            f"The open call of {campaign.brand.name}'s campaign “{campaign.title}” has closed, "
            "and your application was not selected. Thank you for applying; nothing was "
            "charged or committed.",
            {"campaign_id": campaign.id, "application_id": application.id},
        )
    call.closed_at = now
    session.flush()
    return len(waiting)


def close_due_open_calls(session: Session, now: datetime | None = None) -> list[int]:
    """Close every call past its closing time (or whose campaign no longer takes creators).

    Idempotent: a call is closed once (``closed_at`` set in the same transaction as the
    applicants' notifications), and a concurrent or repeated run skips calls already closed
    (the rows are locked and re-read). Returns the ids of the calls closed now.
    """
    now = now or utcnow()
    due = (
        select(OpenCall.id)
        .join(Campaign, Campaign.id == OpenCall.campaign_id)
        .where(OpenCall.closed_at.is_(None))
        .where(
            (OpenCall.closes_at <= now)
            | (Campaign.status != CampaignStatus.PUBLISHED)
            | (Campaign.ends_on < now.date())
        )
        .order_by(OpenCall.id)
    )
    closed = []
    for call_id in list(session.scalars(due)):
        call = session.scalar(
            select(OpenCall)
            .where(OpenCall.id == call_id, OpenCall.closed_at.is_(None))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
        if call is None:  # closed meanwhile by another run
            continue
        _close(session, call, now)
        closed.append(call.id)
    return closed


# --- creators ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class CallForCreator:
    """An open call as a creator who fits it sees it."""

    call: OpenCall
    fit: CampaignFit
    application: Application | None

    @property
    def campaign(self) -> Campaign:
        return self.call.campaign

    @property
    def campaign_id(self) -> int:
        return self.call.campaign_id

    @property
    def closes_at(self) -> datetime:
        return self.call.closes_at

    @property
    def budget_per_creator(self) -> Money:
        """A hint: the campaign's budget divided by its slots."""
        c = self.campaign
        return Money(c.budget_amount // max(c.slots, 1), c.currency)

    @property
    def applied(self) -> bool:
        return self.application is not None and (
            self.application.status is not ApplicationStatus.WITHDRAWN
        )


def _refusal_for_creator(
    creator: Creator, campaign: Campaign, today: date
) -> tuple[str, str] | None:
    """(rule, message) a creator's own settings break for this campaign, else None."""
    if not creator.is_open_on(today):
        return "creator_closed", "You are not open to paid work; open up first."
    if campaign.category not in (creator.open_categories or ()):
        return "category", f"You do not take '{campaign.category}' collaborations."
    if creator.rate_currency is not None and creator.rate_currency != campaign.currency:
        return (
            "currency",
            f"This campaign pays in {campaign.currency}, you in {creator.rate_currency}.",
        )
    if creator.followers < campaign.min_followers or (
        campaign.max_followers is not None and creator.followers > campaign.max_followers
    ):
        return "followers", "Your follower count is outside this campaign's range."
    return None


def list_open_calls_for_creator(
    session: Session,
    creator: Creator,
    *,
    min_fit: float,
    page: int = 1,
    page_size: int = 20,
    now: datetime | None = None,
) -> Page[CallForCreator]:
    """The open calls the creator fits (see the module docstring), best fit first.

    Campaigns with open calls are few, so the fit is computed here for each, by the same
    model as matching; calls the creator applied to are listed whatever their fit.
    """
    now = now or utcnow()
    today = now.date()
    items: list[CallForCreator] = []
    if creator.is_open_on(today):
        calls = session.scalars(
            select(OpenCall)
            .join(Campaign, Campaign.id == OpenCall.campaign_id)
            .where(
                OpenCall.closed_at.is_(None),
                OpenCall.closes_at > now,
                Campaign.status == CampaignStatus.PUBLISHED,
                Campaign.ends_on >= today,
                Campaign.category.in_(list(creator.open_categories or []) or [""]),
            )
            .options(joinedload(OpenCall.campaign).joinedload(Campaign.brand))
        ).all()
        blocked_by = set(
            session.scalars(select(BrandBlock.brand_id).where(BrandBlock.creator_id == creator.id))
        )
        mine = {
            a.campaign_id: a
            for a in session.scalars(
                select(Application).where(Application.creator_id == creator.id)
            )
        }
        offered = set(
            session.scalars(
                select(Offer.campaign_id).where(
                    Offer.creator_id == creator.id, Offer.source != OfferSource.OPEN_CALL
                )
            )
        )
        for call in calls:
            campaign = call.campaign
            application = mine.get(campaign.id)
            if campaign.brand_id in blocked_by or campaign.id in offered:
                continue
            if _refusal_for_creator(creator, campaign, today) is not None:
                continue
            fit = campaign_fit(creator, campaign)
            if fit is None:
                continue
            if fit.fit < min_fit and application is None:
                continue
            items.append(CallForCreator(call=call, fit=fit, application=application))
    items.sort(key=lambda c: (-c.fit.fit, c.closes_at, c.campaign_id))
    start = (max(page, 1) - 1) * page_size
    return Page(
        items=items[start : start + page_size], total=len(items), page=page, page_size=page_size
    )


def apply_to_open_call(
    session: Session,
    creator: Creator,
    campaign_id: int,
    *,
    price: Money,
    pitch: str,
    now: datetime | None = None,
) -> Application:
    """Apply to an open call with a price (binding if selected) and a pitch.

    Raises ``NotFound`` for a campaign with no call (or whose brand blocked the creator: the
    call is not theirs to see), ``Conflict`` when the call is closed, the creator already
    applied or has an offer for the campaign, or their settings exclude it (closed to paid
    work, category, currency, follower range, no fit), ``InvalidInput`` for a price in another
    currency or above the campaign's whole budget. A withdrawn application may be sent again.
    """
    now = now or utcnow()
    call = session.scalar(
        select(OpenCall)
        .where(OpenCall.campaign_id == campaign_id)
        .options(joinedload(OpenCall.campaign).joinedload(Campaign.brand))
    )
    blocked = call is not None and session.scalar(
        select(BrandBlock.id).where(
            BrandBlock.brand_id == call.campaign.brand_id, BrandBlock.creator_id == creator.id
        )
    )
    if call is None or blocked:
        raise NotFound("Open call not found.")
    campaign = call.campaign
    if not is_open(call, now):
        raise Conflict("This open call is closed; it takes no more applications.")
    refusal = _refusal_for_creator(creator, campaign, now.date())
    if refusal is not None:
        raise GuardrailRefused(*refusal)
    fit = campaign_fit(creator, campaign)
    if fit is None or fit.fit <= 0:
        raise GuardrailRefused(
            "fit", "Your audience shares none of this campaign's target interests."
        )
    if price.currency != campaign.currency:
        raise InvalidInput(
            "The price must be in the campaign's currency.",
            {"price": [f"This campaign pays in {campaign.currency}."]},
        )
    if price.amount > campaign.budget_amount:
        raise InvalidInput(
            "The price is above the campaign's whole budget.",
            {"price": ["No campaign can pay more than its budget for one post."]},
        )
    if session.scalar(
        select(Offer.status).where(
            Offer.campaign_id == campaign.id,
            Offer.creator_id == creator.id,
            Offer.source != OfferSource.OPEN_CALL,
        )
    ):
        raise GuardrailRefused(
            "already_offered",
            "You already have an offer for this campaign; answer it instead of applying.",
        )
    existing = session.scalar(
        select(Application)
        .where(Application.campaign_id == campaign.id, Application.creator_id == creator.id)
        .with_for_update()
    )
    if existing is not None:
        if existing.status is not ApplicationStatus.WITHDRAWN:
            raise already_applied()
        existing.status = ApplicationStatus.SUBMITTED
        existing.price_amount, existing.currency = price.amount, price.currency
        existing.pitch, existing.created_at, existing.decided_at = pitch, now, None
        session.flush()
        offer_notices.application_received(session, existing)
        return existing
    application = Application(
        open_call_id=call.id,
        campaign_id=campaign.id,
        creator_id=creator.id,
        price_amount=price.amount,
        currency=price.currency,
        pitch=pitch,
        status=ApplicationStatus.SUBMITTED,
        created_at=now,
    )
    try:
        with session.begin_nested():
            session.add(application)
    except IntegrityError:
        raise already_applied() from None
    offer_notices.application_received(session, application)
    return application


def list_creator_applications(
    session: Session, creator: Creator, *, page: int = 1, page_size: int = 20
) -> Page[Application]:
    """The creator's own applications, newest first."""
    from core.pagination import paginate

    query = (
        select(Application)
        .where(Application.creator_id == creator.id)
        .options(joinedload(Application.campaign).joinedload(Campaign.brand))
        .order_by(Application.created_at.desc(), Application.id.desc())
    )
    return paginate(session, query, page, page_size)


def withdraw_application(
    session: Session, creator: Creator, application_id: int, *, now: datetime | None = None
) -> Application:
    """Take back a submitted application (before the brand selects it)."""
    now = now or utcnow()
    application = session.scalar(
        select(Application)
        .where(Application.id == application_id, Application.creator_id == creator.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if application is None:
        raise NotFound("Application not found.")
    if application.status is not ApplicationStatus.SUBMITTED:
        raise Conflict(
            f"Only submitted applications can be withdrawn; this one is {application.status.value}."
        )
    application.status = ApplicationStatus.WITHDRAWN
    application.decided_at = now
    session.flush()
    return application


# --- brands: applicants side by side -----------------------------------------------------------


@dataclass(frozen=True)
class Applicant:
    """One application as the brand compares it: fit, expected value, price, reliability."""

    application: Application
    fit: float
    expected_value: int  # engaged people of the target audience per post
    reliability: PublicReliability | None = None
    parts: dict[str, float] = field(default_factory=dict)

    @property
    def id(self) -> int:
        return self.application.id

    @property
    def creator(self) -> Creator:
        return self.application.creator

    @property
    def price(self) -> Money:
        return self.application.price

    @property
    def value(self) -> float:
        """The optimiser's pair value: engaged target audience in thousands."""
        return self.expected_value / VALUE_SCALE

    @property
    def price_per_engaged_person(self) -> Money | None:
        """Price ÷ expected engaged target people, rounded to the minor unit (None: no reach)."""
        if self.expected_value <= 0:
            return None
        amount = (2 * self.application.price_amount + self.expected_value) // (
            2 * self.expected_value
        )
        return Money(amount, self.application.currency)

    def __getattr__(self, name: str) -> Any:
        # pitch, status, created_at, decided_at, offer_id, campaign_id
        return getattr(self.application, name)


def _applicant(application: Application, campaign: Campaign) -> Applicant:
    fit = campaign_fit(application.creator, campaign)
    return Applicant(
        application=application,
        fit=fit.fit if fit else 0.0,
        expected_value=fit.expected_value if fit else 0,
        parts=dict(fit.parts) if fit else {},
    )


def _with_reliability(session: Session, applicant: Applicant, now: datetime) -> Applicant:
    return Applicant(
        application=applicant.application,
        fit=applicant.fit,
        expected_value=applicant.expected_value,
        reliability=public_reliability(session, applicant.application.creator_id, now),
        parts=applicant.parts,
    )


_STATUS_ORDER = {s: k for k, s in enumerate(ApplicationStatus)}


def _applications_of(
    session: Session, campaign: Campaign, status: ApplicationStatus | None = None
) -> list[Application]:
    query = (
        select(Application)
        .where(Application.campaign_id == campaign.id)
        .options(joinedload(Application.creator))
        .order_by(Application.id)
    )
    if status is not None:
        query = query.where(Application.status == status)
    return list(session.scalars(query))


def list_applicants(
    session: Session,
    brand: Brand,
    campaign_id: int,
    *,
    status: ApplicationStatus | None = None,
    page: int = 1,
    page_size: int = 20,
    now: datetime | None = None,
) -> Page[Applicant]:
    """A campaign's applications side by side: submitted first, then by expected value.

    ``NotFound`` for another brand's campaign. Reliability is read for the page shown.
    """
    now = now or utcnow()
    campaign = get_campaign(session, brand, campaign_id)
    applicants = [_applicant(a, campaign) for a in _applications_of(session, campaign, status)]
    applicants.sort(key=lambda a: (_STATUS_ORDER[a.status], -a.expected_value, a.id))
    start = (max(page, 1) - 1) * page_size
    shown = [_with_reliability(session, a, now) for a in applicants[start : start + page_size]]
    return Page(items=shown, total=len(applicants), page=page, page_size=page_size)


# --- brands: selection --------------------------------------------------------------------------


def _brand_explanation(applicant: Applicant, campaign: Campaign) -> dict[str, Any]:
    price = applicant.price
    per = applicant.price_per_engaged_person
    return {
        "source": "open_call",
        "application_id": applicant.id,
        "fit": applicant.fit,
        "fit_components": applicant.parts,
        "engaged_target": applicant.expected_value,
        "value": round(applicant.value, 4),
        "rate": price.amount,
        "text": (
            f"Selected from the open call at the price the creator named ({price.format()}): "
            f"about {applicant.expected_value:,} engaged people of your target audience"
            + (f", {per.format()} per person" if per else "")
            + f"; audience fit {fit_phrase(applicant.fit)}."
        ),
    }


def _creator_text(campaign: Campaign, price: Money) -> str:
    return (
        f"{campaign.brand.name} picked your application to their campaign “{campaign.title}” "
        f"({campaign.category}). What they ask: {brief_excerpt(campaign.brief)} "
        f"Your price of {price.format()} is agreed and the money is set aside: one post "
        f"labelled as sponsored, to publish by {campaign.ends_on:%d %b %Y}. You named the "
        "price when you applied, so there is nothing to accept: the sponsorship is yours."
    )


def _select_locked(
    session: Session,
    campaign: Campaign,
    creator: Creator,
    application: Application,
    *,
    rules: OfferRules,
    provider: PaymentProvider,
    now: datetime,
) -> Offer:
    """Select an application whose campaign and creator rows are locked (see module doc)."""
    if application.status is not ApplicationStatus.SUBMITTED:
        raise Conflict(f"This application is {application.status.value}; it cannot be selected.")
    call = session.get(OpenCall, application.open_call_id)
    assert call is not None
    if not is_open(call, now):
        raise Conflict("This open call is closed; its applications can no longer be selected.")
    guardrails.check_new_offer(session, campaign, creator, application.price_amount, rules, now=now)
    applicant = _applicant(application, campaign)
    offer = guardrails.create_offer(
        session,
        campaign,
        creator,
        application.price_amount,
        rules,
        source=OfferSource.OPEN_CALL,
        now=now,
        explanation=_brand_explanation(applicant, campaign),
        fit_score=applicant.fit,
        value=applicant.value,
    )
    offer.explanation_for_creator = _creator_text(campaign, application.price)
    # The ordinary accept path: its capacity, exclusivity, budget and slot checks, the
    # sponsorship and the ledger commitment, all in this transaction.
    accept_offer(session, creator, offer.id, provider=provider, now=now)
    application.status = ApplicationStatus.SELECTED
    application.offer_id = offer.id
    application.decided_at = now
    notify(
        session,
        creator.account_id,
        SELECTED_KIND,
        f"Selected: {campaign.title}",
        offer.explanation_for_creator,
        {"campaign_id": campaign.id, "application_id": application.id, "offer_id": offer.id},
    )
    session.flush()
    return offer


def get_brand_application(session: Session, brand: Brand, application_id: int) -> Application:
    application = session.scalar(
        select(Application)
        .join(Campaign, Campaign.id == Application.campaign_id)
        .where(Application.id == application_id, Campaign.brand_id == brand.id)
    )
    if application is None:
        raise NotFound("Application not found.")
    return application


def _lock_application(session: Session, application_id: int) -> Application:
    application = session.scalar(
        select(Application)
        .where(Application.id == application_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert application is not None
    return application


def select_application(
    session: Session,
    brand: Brand,
    application_id: int,
    *,
    rules: OfferRules,
    provider: PaymentProvider,
    now: datetime | None = None,
) -> Offer:
    """Select an application: an accepted offer (``source: open_call``) at its price.

    Locks the campaign, then the creator (the order every offer path uses), then the
    application; re-checks every guardrail. Returns the offer (status ``accepted``, with its
    sponsorship). Raises ``NotFound`` for another brand's application, ``GuardrailRefused``
    (409, naming the rule) when a rule refuses it, ``Conflict`` when it is not submitted or
    the call is closed.
    """
    now = now or utcnow()
    found = get_brand_application(session, brand, application_id)
    campaign, creator = guardrails.lock_pair(session, found.campaign_id, found.creator_id)
    application = _lock_application(session, found.id)
    return _select_locked(
        session, campaign, creator, application, rules=rules, provider=provider, now=now
    )


# --- brands: the optimiser picks the best set ---------------------------------------------------


@dataclass(frozen=True)
class SolverSettings:
    """The optimiser's limits (from the matching settings)."""

    time_limit_s: float = 10.0
    workers: int = 1
    seed: int = 0

    @classmethod
    def from_config(cls, config: Any) -> SolverSettings:
        """From a Flask config: an incremental run's time limit, the run's workers and seed."""
        return cls(
            time_limit_s=float(config["MATCH_INCREMENTAL_TIME_LIMIT_S"]),
            workers=int(config["MATCH_WORKERS"]),
            seed=int(config["MATCH_SEED"]),
        )


@dataclass(frozen=True)
class LeftOut:
    """An applicant the optimiser did not pick, and why."""

    applicant: Applicant
    reason: str  # guardrail | over_budget | no_fit | lower_value_per_price | slots | minimum
    text: str
    rule: str | None = None


@dataclass(frozen=True)
class AutoSelection:
    """The optimiser's choice among the submitted applicants, and why."""

    dry_run: bool
    chosen: list[Applicant]
    left_out: list[LeftOut]
    offers: list[Offer]
    currency: str
    budget_available: int
    slots_available: int
    budget_used: int
    expected_value: int  # engaged target people the chosen set reaches
    by_value_alone: int  # what picking the highest values first would reach
    status: str
    objective: float
    bound: float
    seconds: float
    text: str

    @property
    def budget_used_money(self) -> Money:
        return Money(self.budget_used, self.currency)

    @property
    def budget_available_money(self) -> Money:
        return Money(max(self.budget_available, 0), self.currency)

    @property
    def slots_used(self) -> int:
        return len(self.chosen)


def _greedy_by_value(candidates: list[Applicant], budget: int, slots: int) -> int:
    """The reach of picking the highest expected value first while budget and slots last."""
    reach, left, taken = 0, budget, 0
    for a in sorted(candidates, key=lambda a: (-a.expected_value, a.id)):
        if taken < slots and a.price.amount <= left:
            reach, left, taken = reach + a.expected_value, left - a.price.amount, taken + 1
    return reach


def _per_major_unit(applicant: Applicant) -> float:
    """Engaged target people per major unit of money (per 1 EUR, say)."""
    scale = 10 ** CURRENCIES[applicant.price.currency]
    return applicant.expected_value * scale / max(applicant.price.amount, 1)


def _left_out_reason(
    a: Applicant, chosen: list[Applicant], budget_left: int, slots_left: int, min_needed: int
) -> LeftOut:
    if not chosen and min_needed > 0:
        return LeftOut(
            a,
            "minimum",
            f"The campaign wants at least {min_needed} more creators at once, and no set of "
            "applicants within the budget and slots reaches that.",
        )
    currency = a.price.currency
    if a.price.amount > budget_left or slots_left > 0:
        best = max((_per_major_unit(c) for c in chosen), default=0.0)
        return LeftOut(
            a,
            "lower_value_per_price",
            f"Its price ({a.price.format()}) does not fit in the "
            f"{Money(max(budget_left, 0), currency).format()} left beside the chosen set, and "
            f"it reaches fewer engaged people per {currency} ({_per_major_unit(a):.2f}, against "
            f"up to {best:.2f} for those chosen): the budget reaches more with them.",
        )
    weakest = min(chosen, key=lambda c: c.expected_value)
    return LeftOut(
        a,
        "slots",
        f"Every open slot went to applicants who reach more; the weakest chosen "
        f"(@{weakest.creator.handle}) reaches about {weakest.expected_value:,} engaged "
        f"people, @{a.creator.handle} about {a.expected_value:,}.",
    )


def auto_select(
    session: Session,
    brand: Brand,
    campaign_id: int,
    *,
    rules: OfferRules,
    provider: PaymentProvider,
    settings: SolverSettings,
    dry_run: bool = False,
    now: datetime | None = None,
) -> AutoSelection:
    """Let the matching optimiser pick the best set of submitted applicants, and explain it.

    The instance: one campaign with its remaining budget and slots
    (:func:`guardrails.campaign_room`) and its all-or-nothing minimum less the creators
    already at work; one creator per applicant the guardrails accept (capacity 1, rate = the
    application's price), pair value = the fit model's engaged target audience. Without
    ``dry_run`` every chosen application is then selected through :func:`select_application`'s
    path (its guardrails re-checked): all of them, or none if one is refused (409).
    """
    now = now or utcnow()
    campaign = get_campaign(session, brand, campaign_id, lock=not dry_run)
    call = _call_of(session, campaign.id)
    if call is None:
        raise NotFound("This campaign has no open call.")
    if not is_open(call, now):
        raise Conflict("This open call is closed; its applications can no longer be selected.")
    applications = _applications_of(session, campaign, ApplicationStatus.SUBMITTED)
    if not dry_run:  # the creators, then the applications: the order of every offer path
        creators = {
            c.id: c
            for c in session.scalars(
                select(Creator)
                .where(Creator.id.in_([a.creator_id for a in applications]))
                .order_by(Creator.id)
                .with_for_update()
                .execution_options(populate_existing=True)
            )
        }
        applications = [_lock_application(session, a.id) for a in applications]
        applications = [a for a in applications if a.status is ApplicationStatus.SUBMITTED]
    budget, slots = guardrails.campaign_room(session, campaign, now)
    _, taken = campaign_commitments(session, campaign.id)
    min_needed = max(0, campaign.min_creators - taken)
    left_out: list[LeftOut] = []
    candidates: list[Applicant] = []
    for application in applications:
        applicant = _applicant(application, campaign)
        try:
            guardrails.check_new_offer(
                session,
                campaign,
                application.creator,
                application.price_amount,
                rules,
                now=now,
                room=(budget, slots),
            )
        except GuardrailRefused as refused:
            if refused.rule == "budget":
                left_out.append(
                    LeftOut(
                        applicant,
                        "over_budget",
                        f"Its price ({applicant.price.format()}) is more than the "
                        f"{Money(max(budget, 0), campaign.currency).format()} the campaign has "
                        "left.",
                        rule=refused.rule,
                    )
                )
            else:
                left_out.append(LeftOut(applicant, "guardrail", refused.message, rule=refused.rule))
            continue
        if applicant.expected_value <= 0:
            left_out.append(
                LeftOut(applicant, "no_fit", "Its audience shares none of your target's interests.")
            )
            continue
        candidates.append(applicant)
    chosen: list[Applicant] = []
    status, objective, bound, seconds = "optimal", 0.0, 0.0, 0.0
    if candidates and slots > 0 and budget > 0:
        instance = Instance.from_dict(
            {
                "campaigns": [
                    {
                        "id": "campaign",
                        "budget": budget,
                        "slots": slots,
                        "min_creators": min(min_needed, slots),
                        "competitor_group": campaign.competitor_group,
                    }
                ],
                "creators": [
                    {"id": str(a.id), "rate": a.price.amount, "capacity": 1} for a in candidates
                ],
                "pairs": [
                    {"creator": str(a.id), "campaign": "campaign", "value": a.value}
                    for a in candidates
                ],
            }
        )
        result = solve(
            instance,
            time_limit_s=settings.time_limit_s,
            workers=settings.workers,
            seed=settings.seed,
        )
        picked = {creator for creator, _ in result.assignments}
        chosen = [a for a in candidates if str(a.id) in picked]
        status, objective, bound, seconds = (
            result.status,
            result.objective,
            result.bound,
            result.seconds,
        )
    chosen.sort(key=lambda a: (-a.expected_value, a.id))
    used = sum(a.price.amount for a in chosen)
    for a in candidates:
        if a not in chosen:
            left_out.append(
                _left_out_reason(a, chosen, budget - used, slots - len(chosen), min_needed)
            )
    reach = sum(a.expected_value for a in chosen)
    greedy = _greedy_by_value(candidates, budget, slots) if not min_needed else reach
    offers: list[Offer] = []
    if not dry_run:
        for a in chosen:
            try:
                offers.append(
                    _select_locked(
                        session,
                        campaign,
                        creators[a.application.creator_id],
                        a.application,
                        rules=rules,
                        provider=provider,
                        now=now,
                    )
                )
            except GuardrailRefused as refused:
                raise GuardrailRefused(
                    refused.rule,
                    f"@{a.creator.handle} could not be selected: {refused.message} Nothing was "
                    "selected; look at the proposal again.",
                ) from None
    text = _summary(campaign, chosen, left_out, budget, slots, used, reach, greedy, dry_run)
    return AutoSelection(
        dry_run=dry_run,
        chosen=[_with_reliability(session, a, now) for a in chosen],
        left_out=left_out,
        offers=offers,
        currency=campaign.currency,
        budget_available=budget,
        slots_available=slots,
        budget_used=used,
        expected_value=reach,
        by_value_alone=greedy,
        status=status,
        objective=round(objective, 6),
        bound=round(bound, 6),
        seconds=round(seconds, 4),
        text=text,
    )


def _summary(
    campaign: Campaign,
    chosen: list[Applicant],
    left_out: list[LeftOut],
    budget: int,
    slots: int,
    used: int,
    reach: int,
    greedy: int,
    dry_run: bool,
) -> str:
    cur = campaign.currency
    if slots <= 0:
        return "No slot is left on this campaign: every slot is taken or promised to an offer."
    if not chosen:
        return "No applicant can be selected now: " + (
            "none is waiting." if not left_out else "see why each was left out."
        )
    verb = "would select" if dry_run else "selected"
    names = ", ".join(f"@{a.creator.handle}" for a in chosen)
    text = (
        f"The optimiser {verb} {len(chosen)} of {len(chosen) + len(left_out)} applicants "
        f"({names}): about {reach:,} engaged people of your target audience for "
        f"{Money(used, cur).format()} of the {Money(max(budget, 0), cur).format()} left, "
        f"{len(chosen)} of {slots} open slot{'s' if slots != 1 else ''}."
    )
    if greedy < reach:
        text += (
            f" Picking the biggest reach first would have reached only about {greedy:,}: "
            "the budget goes further with this set."
        )
    return text
