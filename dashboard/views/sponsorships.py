"""Sponsorships: posts waiting for review, approve (pays the creator) or reject with a reason."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for

from campaigns import services as campaigns
from collaborations import services as collaborations
from collaborations.models import SponsorshipStatus
from core.errors import DomainError
from dashboard import queries
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import (
    bp,
    current_locale,
    discard_changes,
    flash_domain_error,
    page_arg,
    safe_next,
)
from dashboard.forms import ConfirmForm, RejectForm
from extensions import db, payment_provider

PAGE_SIZE = 20


@bp.get("/reviews")
@brand_required
def reviews() -> Any:
    """Every post waiting for the brand's review, across its campaigns."""
    waiting = queries.waiting_reviews(db.session, current_brand(), page=page_arg())
    return render_template("dashboard/reviews.html", page=waiting, reject_form=RejectForm())


@bp.get("/campaigns/<int(min=1, max=2147483647):campaign_id>/sponsorships")
@brand_required
def campaign_sponsorships(campaign_id: int) -> Any:
    """A campaign's sponsorships, those waiting for review first, with payouts of approved ones."""
    campaign = campaigns.get_campaign(db.session, current_brand(), campaign_id)
    page = collaborations.list_campaign_sponsorships(
        db.session, campaign, page=page_arg(), page_size=PAGE_SIZE
    )
    approved = [s.id for s in page.items if s.status is SponsorshipStatus.APPROVED]
    return render_template(
        "dashboard/campaigns/sponsorships.html",
        campaign=campaign,
        page=page,
        payouts=queries.payouts_for(db.session, approved),
        reject_form=RejectForm(),
    )


def _back(sponsorship: Any) -> str:
    return safe_next(request.values.get("next")) or url_for(
        "dashboard.campaign_sponsorships", campaign_id=sponsorship.campaign_id
    )


@bp.route(
    "/sponsorships/<int(min=1, max=2147483647):sponsorship_id>/approve", methods=["GET", "POST"]
)
@brand_required
def sponsorship_approve(sponsorship_id: int) -> Any:
    """Approve a delivered post: a confirmation with the amount, then the payout."""
    brand = current_brand()
    sponsorship = collaborations.get_brand_sponsorship(db.session, brand, sponsorship_id)
    form = ConfirmForm()
    if request.method == "POST":
        try:
            sponsorship = collaborations.approve_sponsorship(
                db.session, brand, sponsorship_id, provider=payment_provider()
            )
        except DomainError as exc:
            discard_changes()
            flash_domain_error(exc)
            return redirect(_back(sponsorship), code=303)
        payout = queries.payouts_for(db.session, [sponsorship.id]).get(sponsorship.id)
        amount = sponsorship.price.format(current_locale())
        state = f" (payout {payout.status.value})" if payout else ""
        flash(f"Approved. {amount} is paid to @{sponsorship.creator.handle}{state}.", "success")
        return redirect(_back(sponsorship), code=303)
    form.submit.label.text = f"Approve and pay {sponsorship.price.format(current_locale())}"
    return render_template(
        "dashboard/sponsorships/approve.html",
        sponsorship=sponsorship,
        form=form,
        next=safe_next(request.args.get("next")),
    )


@bp.route(
    "/sponsorships/<int(min=1, max=2147483647):sponsorship_id>/reject", methods=["GET", "POST"]
)
@brand_required
def sponsorship_reject(sponsorship_id: int) -> Any:
    """Send a delivered post back with a reason."""
    brand = current_brand()
    sponsorship = collaborations.get_brand_sponsorship(db.session, brand, sponsorship_id)
    form = RejectForm()
    status = 200
    if form.validate_on_submit():
        errors = form.api_errors()
        if not errors:
            try:
                rejected = collaborations.reject_deliverable(
                    db.session,
                    brand,
                    sponsorship_id,
                    (form.reason.data or "").strip(),
                    provider=payment_provider(),
                    max_rejections=current_app.config["MAX_REJECTIONS"],
                )
            except DomainError as exc:
                discard_changes()
                flash_domain_error(exc)
                return redirect(_back(sponsorship), code=303)
            if rejected.status is SponsorshipStatus.DISPUTED:
                flash(
                    f"Rejected {rejected.rejections} times: @{sponsorship.creator.handle}'s post "
                    "goes to a Dandelion operator, who approves or cancels it.",
                    "info",
                )
            else:
                flash(f"Sent back to @{sponsorship.creator.handle} with your reason.", "success")
            return redirect(_back(sponsorship), code=303)
        form.reason.errors = [*form.reason.errors, *errors.get("reason", [])]
        status = 422
    elif form.is_submitted():
        status = 422
    return render_template(
        "dashboard/sponsorships/reject.html",
        sponsorship=sponsorship,
        form=form,
        next=safe_next(request.values.get("next")),
    ), status
