"""Open calls on the dashboard: open a call on a published campaign, compare the applicants
side by side, select by hand, or let the optimiser pick the best set (preview, then confirm)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from wtforms import DateTimeLocalField, SubmitField
from wtforms.validators import InputRequired

from campaigns import services as campaigns
from campaigns.models import CampaignStatus
from collaborations import open_calls
from collaborations.guardrails import OfferRules
from core.db import utcnow
from core.errors import DomainError
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp, current_locale, discard_changes, flash_domain_error, page_arg
from dashboard.forms import ConfirmForm, SafeForm
from extensions import db, payment_provider

PAGE_SIZE = 24
ID = "int(min=1, max=2147483647)"


class OpenCallForm(SafeForm):
    closes_at = DateTimeLocalField(
        "Closes at (UTC)",
        format="%Y-%m-%dT%H:%M",
        validators=[InputRequired(message="Pick a closing date and time.")],
        description="Creators apply, and you select, until then; applicants you did not select "
        "are told when it closes.",
    )
    submit = SubmitField("Open the call")


def _rules() -> OfferRules:
    return OfferRules.from_config(current_app.config)


def _settings() -> open_calls.SolverSettings:
    return open_calls.SolverSettings.from_config(current_app.config)


def _page_url(campaign_id: int) -> str:
    return url_for("dashboard.campaign_open_call", campaign_id=campaign_id)


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value


@bp.route(f"/campaigns/<{ID}:campaign_id>/open-call", methods=["GET", "POST"])
@brand_required
def campaign_open_call(campaign_id: int) -> Any:
    """The campaign's open call: open it (or move its closing time) and its applicants."""
    brand = current_brand()
    campaign = campaigns.get_campaign(db.session, brand, campaign_id)
    call = open_calls.find_open_call(db.session, campaign)
    now = utcnow()
    form = OpenCallForm()
    status = 200
    if form.is_submitted():
        if form.validate():
            when = _utc(form.closes_at.data)
            max_days = int(current_app.config["OPEN_CALL_MAX_DAYS"])
            try:
                if call is None:
                    open_calls.open_call(db.session, brand, campaign.id, when, max_days=max_days)
                    message = f"The call is open until {when:%d %b %Y %H:%M} UTC."
                else:
                    open_calls.reschedule_open_call(
                        db.session, brand, campaign.id, when, max_days=max_days
                    )
                    message = f"The call now closes {when:%d %b %Y %H:%M} UTC."
            except DomainError as exc:
                discard_changes()
                for problem in exc.errors.get("closes_at", []):
                    form.closes_at.errors = [*form.closes_at.errors, problem]
                if not exc.errors:
                    flash_domain_error(exc)
                    return redirect(_page_url(campaign.id), code=303)
            else:
                flash(message, "success")
                return redirect(_page_url(campaign.id), code=303)
        status = 422
    view = open_calls.get_open_call(db.session, brand, campaign.id) if call else None
    if view is not None and not form.is_submitted():
        form.closes_at.data = view.closes_at.replace(tzinfo=None)
    if view is not None:
        form.submit.label.text = "Change the closing time"
    applicants = (
        open_calls.list_applicants(
            db.session, brand, campaign.id, page=page_arg(), page_size=PAGE_SIZE, now=now
        )
        if view is not None
        else None
    )
    return render_template(
        "dashboard/campaigns/open_call.html",
        campaign=campaign,
        call=view,
        is_open=view is not None and view.status == "open",
        can_open=view is None and campaign.status is CampaignStatus.PUBLISHED,
        form=form,
        applicants=applicants,
        button=ConfirmForm(),
        max_days=current_app.config["OPEN_CALL_MAX_DAYS"],
    ), status


@bp.post(f"/campaigns/<{ID}:campaign_id>/open-call/close")
@brand_required
def campaign_open_call_close(campaign_id: int) -> Any:
    """Close the call now: the applicants still waiting are told they were not selected."""
    campaigns.get_campaign(db.session, current_brand(), campaign_id)  # another brand's: 404
    try:
        view = open_calls.close_open_call_now(db.session, current_brand(), campaign_id)
    except DomainError as exc:
        discard_changes()
        flash_domain_error(exc)
    else:
        told = view.counts["not_selected"]
        flash(
            f"The call is closed; {told} applicant{'s' if told != 1 else ''} not selected "
            f"{'were' if told != 1 else 'was'} told.",
            "success",
        )
    return redirect(_page_url(campaign_id), code=303)


@bp.post(f"/applications/<{ID}:application_id>/select")
@brand_required
def application_select(application_id: int) -> Any:
    """Select one applicant at their price: the sponsorship starts and the money is committed."""
    brand = current_brand()
    form = ConfirmForm()
    application = open_calls.get_brand_application(db.session, brand, application_id)
    campaign_id, handle = application.campaign_id, application.creator.handle
    if form.validate_on_submit():
        try:
            offer = open_calls.select_application(
                db.session, brand, application_id, rules=_rules(), provider=payment_provider()
            )
        except DomainError as exc:
            discard_changes()
            flash_domain_error(exc)
        else:
            flash(
                f"Selected @{handle} at {offer.price.format(current_locale())}: the sponsorship has started and "
                "the money is set aside.",
                "success",
            )
    return redirect(_page_url(campaign_id), code=303)


@bp.route(f"/campaigns/<{ID}:campaign_id>/open-call/best-set", methods=["GET", "POST"])
@brand_required
def campaign_best_set(campaign_id: int) -> Any:
    """ "Pick the best set": the optimiser's proposal and why (GET), selected on confirm (POST)."""
    brand = current_brand()
    campaign = campaigns.get_campaign(db.session, brand, campaign_id)
    form = ConfirmForm()
    form.submit.label.text = "Select these creators"
    kwargs = {"rules": _rules(), "provider": payment_provider(), "settings": _settings()}
    if form.validate_on_submit():
        try:
            result = open_calls.auto_select(db.session, brand, campaign.id, **kwargs)
        except DomainError as exc:
            discard_changes()
            flash_domain_error(exc)
            return redirect(url_for("dashboard.campaign_best_set", campaign_id=campaign.id))
        if result.offers:
            flash(result.text, "success")
        else:
            flash("Nobody was selected: " + result.text, "info")
        return redirect(_page_url(campaign.id), code=303)
    try:
        proposal = open_calls.auto_select(db.session, brand, campaign.id, dry_run=True, **kwargs)
    except DomainError as exc:
        discard_changes()
        flash_domain_error(exc)
        return redirect(_page_url(campaign.id), code=303)
    return render_template(
        "dashboard/campaigns/best_set.html", campaign=campaign, proposal=proposal, form=form
    )
