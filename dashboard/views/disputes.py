"""Operators' dispute queue: posts rejected more than MAX_REJECTIONS times, with everything an
operator needs to decide (brief, post, every rejection reason, price) and the two decisions:
approve (the creator is paid) or cancel (the brand is refunded). Also the review deadlines
the brand's review cards show (template globals)."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import current_app, flash, redirect, render_template, url_for
from wtforms import TextAreaField
from wtforms.validators import InputRequired, Length

from collaborations import approvals, review_notices
from collaborations.models import Sponsorship
from core.errors import DomainError
from dashboard.auth import operator_required
from dashboard.blueprint import bp, current_locale, discard_changes, flash_domain_error, page_arg
from dashboard.forms import SafeForm, safe_text
from extensions import db, payment_provider
from payments.providers import ProviderError

PAGE_SIZE = 20
SPONSORSHIP_ID = "<int(min=1, max=2147483647):sponsorship_id>"


class DisputeDecisionForm(SafeForm):
    note = TextAreaField(
        "Your note (both sides see it)",
        validators=[InputRequired(), Length(min=3, max=2000), safe_text],
    )


@bp.app_template_global("rejections_left")
def rejections_left_global(sponsorship: Sponsorship) -> int:
    """How many more rejections before a dispute, with this app's MAX_REJECTIONS."""
    return approvals.rejections_left(sponsorship, current_app.config["MAX_REJECTIONS"])


@bp.app_template_global("auto_approve_on")
def auto_approve_on_global(sponsorship: Sponsorship) -> date | None:
    """The day an unreviewed delivered post is approved, with this app's AUTO_APPROVE_DAYS."""
    return approvals.auto_approve_on(sponsorship, current_app.config["AUTO_APPROVE_DAYS"])


@bp.get("/operator/disputes")
@operator_required
def disputes() -> Any:
    """The dispute queue, the longest waiting first."""
    page = approvals.list_disputes(db.session, page=page_arg(), page_size=PAGE_SIZE)
    return render_template(
        "dashboard/operator/disputes.html",
        page=page,
        history=review_notices.rejection_history(db.session, page.items),
    )


def _decide(sponsorship_id: int, approve: bool) -> Any:
    form = DisputeDecisionForm()
    if not form.validate_on_submit():
        for message in form.note.errors:
            flash(f"Dispute #{sponsorship_id}: {message}", "error")
        return redirect(url_for("dashboard.disputes"), code=303)
    decide = approvals.approve_dispute if approve else approvals.cancel_dispute
    try:
        sponsorship = decide(
            db.session, sponsorship_id, (form.note.data or "").strip(), provider=payment_provider()
        )
    except DomainError as exc:
        discard_changes()
        flash_domain_error(exc)
        return redirect(url_for("dashboard.disputes"), code=303)
    except ProviderError as exc:
        discard_changes()
        flash(f"The payment provider did not complete this; try again: {exc}", "error")
        return redirect(url_for("dashboard.disputes"), code=303)
    price, handle = sponsorship.price.format(current_locale()), sponsorship.creator.handle
    if approve:
        flash(f"Approved: {price} is paid to @{handle}.", "success")
    else:
        flash(f"Cancelled: {price} is refunded to {sponsorship.campaign.brand.name}.", "success")
    return redirect(url_for("dashboard.disputes"), code=303)


@bp.post(f"/operator/disputes/{SPONSORSHIP_ID}/approve")
@operator_required
def dispute_approve(sponsorship_id: int) -> Any:
    """Side with the creator: approve the post and pay it."""
    return _decide(sponsorship_id, approve=True)


@bp.post(f"/operator/disputes/{SPONSORSHIP_ID}/cancel")
@operator_required
def dispute_cancel(sponsorship_id: int) -> Any:
    """Side with the brand: cancel the sponsorship and refund its price."""
    return _decide(sponsorship_id, approve=False)
