"""Invitations and counter-offers in the dashboard: invite a creator from their profile; answer
a creator's counter (accept or decline) on the campaign's Matches page."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import current_app, flash, redirect, request, url_for
from wtforms import BooleanField, SelectField, StringField, SubmitField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from accounts.models import Brand, Creator
from campaigns import services as campaigns
from campaigns.models import Campaign, CampaignStatus
from collaborations import invitations, negotiation
from collaborations import services as collaborations
from collaborations.guardrails import OfferRules
from core.errors import DomainError, NotFound
from core.money import CURRENCIES, AmountError, Money, amount_input, parse_amount
from core.pagination import MAX_PAGE_SIZE
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp, current_locale, discard_changes, flash_domain_error, safe_next
from dashboard.forms import SafeForm, safe_text
from extensions import db, payment_provider
from schemas.negotiation import MAX_MESSAGE

ID = "int(min=1, max=2147483647)"


class InviteForm(SafeForm):
    # Ids of their own: the profile's fit picker has a ``campaign_id`` field too.
    campaign_id = SelectField(
        "Campaign", coerce=int, validators=[InputRequired()], id="invite-campaign"
    )
    price = StringField(
        "Price for one post",
        validators=[InputRequired()],
        id="invite-price",
        description="In the campaign's currency. Nothing is committed until the creator "
        "accepts; they may also name another price.",
        render_kw={"inputmode": "decimal", "autocomplete": "off"},
    )
    confirm_price = BooleanField("Yes, this price is right", id="invite-confirm-price")
    message = TextAreaField(
        "Message to the creator",
        validators=[InputRequired(), Length(max=MAX_MESSAGE), safe_text],
        id="invite-message",
        description="They read it with your brief and the price.",
    )
    submit = SubmitField("Send the invitation")


class CounterAnswerForm(SafeForm):
    message = TextAreaField(
        "Note to the creator (optional)",
        validators=[Optional(), Length(max=MAX_MESSAGE), safe_text],
    )
    accept = SubmitField("Accept counter")
    decline = SubmitField("Decline counter")


@dataclass
class InviteView:
    """The invite section of a creator's profile."""

    form: InviteForm
    campaigns: list[Campaign]  # the brand's published campaigns
    rate: Money | None


def _published(brand: Brand) -> list[Campaign]:
    return list(
        campaigns.list_campaigns(
            db.session, brand, page_size=MAX_PAGE_SIZE, status=CampaignStatus.PUBLISHED
        ).items
    )


# A price this many times above or below the creator's own rate asks for confirmation.
PRICE_SCALE_FACTOR = 3


def _price_far_from_rate(amount: int, rate: Money | None, currency: str) -> str | None:
    """Why ``amount`` needs a second look (far from the creator's rate), or None."""
    if rate is None or rate.currency != currency or rate.amount <= 0:
        return None
    if amount * PRICE_SCALE_FACTOR < rate.amount or amount > rate.amount * PRICE_SCALE_FACTOR:
        ratio = amount / rate.amount
        how = f"{ratio:,.0f} times" if ratio >= 1 else f"1/{1 / ratio:,.0f} of"
        return (
            f"{Money(amount, currency).format(current_locale())} is {how} their rate of "
            f"{rate.format(current_locale())}. If that is what you meant, tick “Yes, this price "
            "is right” and send again."
        )
    return None


def invite_form_for(
    brand: Brand, creator: Creator, campaign_id: int | None, form: InviteForm | None = None
) -> InviteView:
    """The invite form for ``creator``: the brand's published campaigns (``campaign_id``
    preselected), the price prefilled with the creator's rate; or ``form`` as sent."""
    published = _published(brand)
    rate = (
        Money(creator.rate_amount, creator.rate_currency)
        if creator.rate_amount is not None and creator.rate_currency is not None
        else None
    )
    if form is None:
        form = InviteForm(formdata=None)
        ids = [c.id for c in published]
        form.campaign_id.data = campaign_id if campaign_id in ids else (ids[0] if ids else None)
        if rate is not None:
            form.price.data = amount_input(rate.amount, rate.currency, current_locale())
    form.campaign_id.choices = [(c.id, f"{c.title} ({c.currency})") for c in published]
    return InviteView(form=form, campaigns=published, rate=rate)


def _rules() -> OfferRules:
    return OfferRules.from_config(current_app.config)


@bp.post(f"/creators/<{ID}:creator_id>/invite")
@brand_required
def creator_invite(creator_id: int) -> Any:
    """Send an invitation; a refusal (a rule, or the form) shows on the profile with why."""
    from dashboard.views.creators import render_profile

    brand = current_brand()
    form = InviteForm()
    form.campaign_id.choices = [(c.id, c.title) for c in _published(brand)]
    if not form.validate_on_submit():
        chosen = form.campaign_id.data if not form.campaign_id.errors else None
        return render_profile(creator_id, chosen, invite_form=form, status=422)
    campaign = campaigns.get_campaign(db.session, brand, form.campaign_id.data)
    try:
        amount = parse_amount(form.price.data or "", campaign.currency, current_locale())
    except AmountError as exc:
        form.price.errors = [str(exc)]
        return render_profile(creator_id, campaign.id, invite_form=form, status=422)
    creator = db.session.get(Creator, creator_id)
    rate = (
        Money(creator.rate_amount, creator.rate_currency)
        if creator is not None and creator.rate_amount and creator.rate_currency in CURRENCIES
        else None
    )
    far = _price_far_from_rate(amount, rate, campaign.currency)
    if far and not form.confirm_price.data:
        form.price.errors = [far]
        form.price_far = True  # type: ignore[attr-defined]  # the template shows the checkbox
        return render_profile(creator_id, campaign.id, invite_form=form, status=422)
    try:
        offer = invitations.invite_creator(
            db.session,
            brand,
            campaign.id,
            creator_id,
            message=(form.message.data or "").strip() or form.message.data,
            price=Money(amount, campaign.currency),
            rules=_rules(),
        )
    except NotFound:
        raise
    except DomainError as exc:
        discard_changes()
        reason = " ".join(
            [exc.message] + [m for f, ms in exc.errors.items() if f != "rule" for m in ms]
        )
        return render_profile(
            creator_id, campaign.id, invite_form=form, invite_error=reason, status=exc.status
        )
    handle = offer.creator.handle
    flash(
        f"Invitation sent: @{handle} is offered “{campaign.title}” for {offer.price.format(current_locale())} "
        f"and has until {offer.expires_at:%d %b %H:%M} UTC to answer.",
        "success",
    )
    target = url_for("dashboard.campaign_matches", campaign_id=campaign.id)
    return redirect(f"{target}#offer-{offer.id}", code=303)


@bp.post(f"/offers/<{ID}:offer_id>/counter")
@brand_required
def offer_counter_answer(offer_id: int) -> Any:
    """Accept or decline a creator's counter (the button pressed says which)."""
    brand = current_brand()
    offer = collaborations.get_brand_offer(db.session, brand, offer_id)  # 404 for others
    handle, campaign_id = offer.creator.handle, offer.campaign_id
    back = safe_next(request.values.get("next")) or url_for(
        "dashboard.campaign_matches", campaign_id=campaign_id
    )
    form = CounterAnswerForm()
    if not form.validate_on_submit() or not (form.accept.data or form.decline.data):
        for message in [m for ms in form.errors.values() for m in ms] or [
            "Choose accept or decline."
        ]:
            flash(message, "error")
        return redirect(back, code=303)
    note = (form.message.data or "").strip() or None
    try:
        if form.accept.data:
            sponsorship = negotiation.accept_counter(
                db.session, brand, offer_id, provider=payment_provider(), message=note
            )
            flash(
                f"Counter accepted: @{handle} works on this campaign for "
                f"{sponsorship.price.format(current_locale())}, committed from the budget; the post is due by "
                f"{sponsorship.due_on:%d %b %Y}.",
                "success",
            )
        else:
            declined = negotiation.decline_counter(
                db.session, brand, offer_id, rules=_rules(), message=note
            )
            flash(
                f"Counter declined: your price of {declined.price.format(current_locale())} stands; @{handle} "
                f"may accept it, decline it or counter again until "
                f"{declined.expires_at:%d %b %H:%M} UTC.",
                "success",
            )
    except DomainError as exc:
        discard_changes()
        flash_domain_error(exc)
    return redirect(f"{back}#offer-{offer_id}", code=303)
