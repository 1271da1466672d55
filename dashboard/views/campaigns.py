"""Campaigns: the list, the overview, the create/edit form and the state changes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, flash, redirect, render_template, request, url_for

from campaigns import services as campaigns
from campaigns.models import Campaign, CampaignStatus
from collaborations.services import campaign_report
from core.errors import DomainError
from core.money import CURRENCIES, Money, amount_example, fee_on, locale_name
from dashboard import queries
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp, current_locale, discard_changes, flash_domain_error, page_arg
from dashboard.forms import (
    AGE_FIELDS,
    CITY_FIELDS,
    CampaignForm,
    ConfirmForm,
    campaign_form,
    error_summary,
    fill_from_campaign,
    new_campaign_form,
    read_campaign_form,
)
from extensions import current_taxonomy, db, payment_provider
from payments.ledger import campaign_money

PAGE_SIZE = 20


@dataclass(frozen=True)
class Action:
    """A state change a brand confirms before it happens."""

    name: str
    label: str
    allowed: tuple[CampaignStatus, ...]
    danger: bool = False


ACTIONS = {
    a.name: a
    for a in (
        Action("fund", "Fund", (CampaignStatus.DRAFT,)),
        Action("publish", "Publish", (CampaignStatus.FUNDED,)),
        Action("complete", "Complete", (CampaignStatus.PUBLISHED,)),
        Action("cancel", "Cancel campaign", campaigns.OPEN_STATES, danger=True),
        Action("delete", "Delete draft", (CampaignStatus.DRAFT,), danger=True),
    )
}


def actions_for(campaign: Campaign) -> list[Action]:
    """The state changes open to ``campaign`` now, in the order a brand meets them."""
    return [a for a in ACTIONS.values() if campaign.status in a.allowed]


def _brand_campaign(campaign_id: int) -> Campaign:
    return campaigns.get_campaign(db.session, current_brand(), campaign_id)


@bp.get("/campaigns", endpoint="campaigns")
@brand_required
def campaigns_list() -> Any:
    """The brand's campaigns with status, budget use and offers at a glance."""
    brand = current_brand()
    status_arg = request.args.get("status") or None
    try:
        status = CampaignStatus(status_arg) if status_arg else None
    except ValueError:
        abort(404)
    page = campaigns.list_campaigns(
        db.session, brand, page=page_arg(), page_size=PAGE_SIZE, status=status
    )
    ids = [c.id for c in page.items]
    offers = queries.offer_counts(db.session, ids)
    reviews = queries.waiting_review_counts(db.session, ids)
    money = queries.money_by_campaign(db.session, page.items)
    rows = [
        {
            "campaign": c,
            "money": money[c.id],
            "offers": offers[c.id],
            "reviews": reviews.get(c.id, 0),
        }
        for c in page.items
    ]
    return render_template(
        "dashboard/campaigns/list.html",
        rows=rows,
        page=page,
        status=status_arg,
        counts=queries.status_counts(db.session, brand),
        statuses=[s.value for s in CampaignStatus],
    )


def _form_context(
    form: CampaignForm,
    campaign: Campaign | None,
    audience_errors: dict[str, list[str]],
    form_errors: list[str],
    needs_confirmation: bool = False,
) -> dict[str, Any]:
    locale = current_locale()
    form.budget.description = (
        "What creators are paid in total; the "
        f"{current_app.config['PLATFORM_FEE_BPS'] / 100:g} % platform fee comes on top. "
        f"Written as in {locale_name(locale)}, e.g. "
        f"{amount_example(form.currency.data or 'EUR', locale)}."
    )
    return {
        "form": form,
        "summary": error_summary(form, audience_errors),
        "needs_confirmation": needs_confirmation or bool(form.confirm_amount.data),
        "campaign": campaign,
        "interest_groups": form.interest_groups,
        "city_fields": CITY_FIELDS,
        "age_fields": AGE_FIELDS,
        "audience_errors": audience_errors,
        "page_errors": form_errors,
        "live": campaign is not None and campaign.status is not CampaignStatus.DRAFT,
        "fee_bps": current_app.config["PLATFORM_FEE_BPS"],
    }


def _typical_rate(form: CampaignForm) -> int | None:
    """What creators of the form's category charge in its currency (for the scale check)."""
    if not form.category.data or form.currency.data not in CURRENCIES:
        return None
    return campaigns.typical_rate(db.session, form.category.data, form.currency.data)


@bp.route("/campaigns/new", methods=["GET", "POST"])
@brand_required
def campaign_new() -> Any:
    """Create a draft campaign."""
    form = new_campaign_form(current_taxonomy())
    if form.is_submitted():
        form.validate()  # parses numbers and dates; the rules are the API's (below)
        result = read_campaign_form(form, locale=current_locale(), typical_rate=_typical_rate(form))
        if result.ok:
            try:
                campaign = campaigns.create_campaign(db.session, current_brand(), result.fields)
            except DomainError as exc:
                discard_changes()
                result.add_api_errors(exc.errors or {"_schema": [exc.message]}, form)
                result.apply_to(form)
            else:
                flash(
                    f"Draft '{campaign.title}' saved. Fund it next, then publish it for the "
                    "weekly matching.",
                    "success",
                )
                return redirect(url_for("dashboard.campaign", campaign_id=campaign.id), code=303)
        context = _form_context(
            form, None, result.audience_errors, result.form_errors, result.needs_confirmation
        )
        return render_template("dashboard/campaigns/form.html", **context), 422
    return render_template("dashboard/campaigns/form.html", **_form_context(form, None, {}, []))


@bp.route("/campaigns/<int(min=1, max=2147483647):campaign_id>/edit", methods=["GET", "POST"])
@brand_required
def campaign_edit(campaign_id: int) -> Any:
    """Change a campaign: everything while it is a draft; title, brief and end date later."""
    campaign = _brand_campaign(campaign_id)
    if campaign.status not in campaigns.OPEN_STATES:
        flash(f"A {campaign.status.value} campaign cannot be edited.", "error")
        return redirect(url_for("dashboard.campaign", campaign_id=campaign.id))
    form = campaign_form(current_taxonomy(), campaign)
    if form.is_submitted():
        form.validate()
        result = read_campaign_form(
            form, campaign, locale=current_locale(), typical_rate=_typical_rate(form)
        )
        if result.ok:
            try:
                campaigns.update_campaign(db.session, current_brand(), campaign.id, result.fields)
            except DomainError as exc:
                discard_changes()
                result.add_api_errors(exc.errors or {"_schema": [exc.message]}, form)
                result.apply_to(form)
            else:
                flash("Campaign saved.", "success")
                return redirect(url_for("dashboard.campaign", campaign_id=campaign.id), code=303)
        campaign = _brand_campaign(campaign_id)
        context = _form_context(
            form, campaign, result.audience_errors, result.form_errors, result.needs_confirmation
        )
        return render_template("dashboard/campaigns/form.html", **context), 422
    fill_from_campaign(form, campaign, current_locale())
    return render_template("dashboard/campaigns/form.html", **_form_context(form, campaign, {}, []))


@bp.get("/campaigns/<int(min=1, max=2147483647):campaign_id>")
@brand_required
def campaign(campaign_id: int) -> Any:
    """One campaign: its brief, targeting, money and what to do next."""
    c = _brand_campaign(campaign_id)
    report = campaign_report(db.session, c)
    money = campaign_money(db.session, c)
    run = queries.last_run_for(db.session, c)
    return render_template(
        "dashboard/campaigns/detail.html",
        campaign=c,
        report=report,
        money=money,
        run=run,
        actions=actions_for(c),
        reviews=queries.waiting_review_counts(db.session, [c.id]).get(c.id, 0),
    )


def _confirmation(campaign: Campaign, action: Action) -> dict[str, Any]:
    fee_bps = current_app.config["PLATFORM_FEE_BPS"]
    budget = campaign.budget_amount
    details: dict[str, Any] = {"fee_bps": fee_bps}
    if action.name == "fund":
        fee = fee_on(budget, fee_bps)
        details.update(
            budget=Money(budget, campaign.currency),
            fee=Money(fee, campaign.currency),
            total=Money(budget + fee, campaign.currency),
            provider=payment_provider().name,
        )
    if action.name in ("cancel", "complete"):
        details["money"] = campaign_money(db.session, campaign)
    return details


@bp.route(
    "/campaigns/<int(min=1, max=2147483647):campaign_id>/<action_name>", methods=["GET", "POST"]
)
@brand_required
def campaign_action(campaign_id: int, action_name: str) -> Any:
    """Fund, publish, complete, cancel or delete: a confirmation page, then the change."""
    action = ACTIONS.get(action_name)
    if action is None:
        abort(404)
    c = _brand_campaign(campaign_id)
    form = ConfirmForm()
    if request.method == "POST":
        brand = current_brand()
        try:
            message = _perform(action, brand, c)
        except DomainError as exc:
            discard_changes()
            flash_domain_error(exc)
            return redirect(url_for("dashboard.campaign", campaign_id=campaign_id), code=303)
        flash(message, "success")
        if action.name == "delete":
            return redirect(url_for("dashboard.campaigns"), code=303)
        return redirect(url_for("dashboard.campaign", campaign_id=campaign_id), code=303)
    if c.status not in action.allowed:
        flash(f"This campaign is {c.status.value}: it cannot be {_past(action.name)} now.", "error")
        return redirect(url_for("dashboard.campaign", campaign_id=c.id))
    form.submit.label.text = f"Yes, {action.label.lower()}"
    return render_template(
        "dashboard/campaigns/confirm.html",
        campaign=c,
        action=action,
        form=form,
        **_confirmation(c, action),
    )


def _past(name: str) -> str:
    return {"fund": "funded", "publish": "published", "complete": "completed",
            "cancel": "cancelled", "delete": "deleted"}[name]  # fmt: skip


def _perform(action: Action, brand: Any, c: Campaign) -> str:
    provider = payment_provider()
    if action.name == "fund":
        fee_bps = current_app.config["PLATFORM_FEE_BPS"]
        campaign, funding = campaigns.fund_campaign(
            db.session, brand, c.id, provider=provider, fee_bps=fee_bps
        )
        total = Money(funding.total, funding.currency).format(current_locale())
        if campaign.status is CampaignStatus.FUNDED:
            return f"Funded: {total} received. Publish the campaign to enter the weekly matching."
        return (
            f"Payment of {total} started with {funding.provider}; the campaign is funded as soon "
            "as the payment succeeds."
        )
    if action.name == "publish":
        match_now = current_app.config["MATCH_INCREMENTAL"]
        campaigns.publish_campaign(db.session, brand, c.id, match_now=match_now)
        if match_now:
            return "Published: matching proposes creators for this campaign within minutes."
        return "Published: the next weekly matching will propose creators for this campaign."
    if action.name == "complete":
        campaigns.complete_campaign(db.session, brand, c.id, provider=provider)
        return "Completed: no more matching; what is unspent goes back to you."
    if action.name == "cancel":
        campaigns.cancel_campaign(db.session, brand, c.id, provider=provider)
        return "Cancelled: open offers were withdrawn and what is not committed goes back to you."
    campaigns.delete_campaign(db.session, brand, c.id)
    return f"Draft '{c.title}' deleted."
