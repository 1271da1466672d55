"""Matches: every offer of a campaign (every run and channel), why slots stay unfilled, and
the brand's say over them: "not for this campaign" (withdraw) and the block list."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from wtforms import SubmitField, TextAreaField
from wtforms.validators import Length, Optional

from campaigns import services as campaigns
from collaborations import services as collaborations
from collaborations.models import OPEN_OFFER_STATES, OfferStatus
from collaborations.turns import history
from core.db import utcnow
from core.errors import DomainError
from dashboard import queries
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp, discard_changes, flash_domain_error, page_arg, safe_next
from dashboard.forms import ConfirmForm, SafeForm, safe_text
from dashboard.presenters import OFFER_SOURCE_LABELS, audience_summary, fit_parts, unfilled_advice
from dashboard.presenters import OFFER_STATUS_LABELS as STATUS_LABELS
from dashboard.views.negotiation import CounterAnswerForm
from extensions import db
from schemas.brand_control import MAX_REASON

PAGE_SIZE = 20
PROFILE_ENDPOINT = "dashboard.creator_profile"


class WithdrawForm(SafeForm):
    reason = TextAreaField(
        "Why not (optional)",
        validators=[Optional(), Length(max=MAX_REASON), safe_text],
        description="For your own records; the creator only sees that the offer was withdrawn.",
    )
    submit = SubmitField("Withdraw the offer")


class BlockForm(SafeForm):
    reason = TextAreaField(
        "Why (optional)",
        validators=[Optional(), Length(max=MAX_REASON), safe_text],
        description="Only you see it, on your list of blocked creators.",
    )
    submit = SubmitField("Block this creator")


def _reason(form: Any) -> str | None:
    return (form.reason.data or "").strip() or None


def _profile_url(creator_id: int, campaign_id: int | None = None) -> str:
    """The creator's profile page (for ``campaign_id``, their fit to it)."""
    return url_for(PROFILE_ENDPOINT, creator_id=creator_id, campaign_id=campaign_id)


@bp.get("/campaigns/<int(min=1, max=2147483647):campaign_id>/matches")
@brand_required
def campaign_matches(campaign_id: int) -> Any:
    """Every offer of the campaign, newest first, by group; the last run's word on empty slots."""
    brand = current_brand()
    campaign = campaigns.get_campaign(db.session, brand, campaign_id)
    group = request.args.get("status")
    group = group if group in queries.OFFER_GROUPS else None
    now = utcnow()
    run = queries.last_run_for(db.session, campaign)
    page = queries.campaign_offers_page(
        db.session, campaign, group=group, page=page_arg(), page_size=PAGE_SIZE, now=now
    )
    counts = queries.offer_group_counts(db.session, campaign, now)
    _committed, taken = collaborations.campaign_commitments(db.session, campaign.id)
    labels = queries.run_labels(db.session, (o.match_run_id for o in page.items))
    blocked = collaborations.blocked_creator_ids(db.session, brand)
    rows = [
        {
            "offer": o,
            "status": o.effective_status(now).value,
            "live": o.effective_status(now) is OfferStatus.PROPOSED,
            "countered": o.effective_status(now) is OfferStatus.COUNTERED,
            "turns": history(o),
            "source": labels.get(o.match_run_id or 0)
            or OFFER_SOURCE_LABELS.get(o.source.value, str(o.source)),
            "blocked": o.creator_id in blocked,
            "profile_url": _profile_url(o.creator_id, campaign.id),
            "audience": audience_summary(o.creator.audience),
            "parts": fit_parts(o.explanation),
            "text": (o.explanation or {}).get("text") or (o.explanation or {}).get("summary"),
        }
        for o in page.items
    ]
    return render_template(
        "dashboard/campaigns/matches.html",
        campaign=campaign,
        run=run,
        rows=rows,
        page=page,
        group=group,
        groups=queries.OFFER_GROUPS,
        status_labels=STATUS_LABELS,
        counts=counts,
        # slots neither taken by work nor held by a live proposal: the next match may fill them
        open_slots=max(0, campaign.slots - taken - counts["awaiting"] - counts["countered"]),
        answer_form=CounterAnswerForm(formdata=None),
        taken=taken,
        summary=run.summary if run else None,
        advice=unfilled_advice(run.summary) if run else None,
        instant_matching=current_app.config["MATCH_INCREMENTAL"],
    )


def _matches_url(campaign_id: int) -> str:
    return safe_next(request.values.get("next")) or url_for(
        "dashboard.campaign_matches", campaign_id=campaign_id
    )


@bp.route("/offers/<int(min=1, max=2147483647):offer_id>/withdraw", methods=["GET", "POST"])
@brand_required
def offer_withdraw(offer_id: int) -> Any:
    """Not for this campaign: confirm, optionally say why, withdraw the offer."""
    brand = current_brand()
    offer = collaborations.get_brand_offer(db.session, brand, offer_id)
    handle, campaign_id = offer.creator.handle, offer.campaign_id
    back = _matches_url(campaign_id)
    form = WithdrawForm()
    if form.validate_on_submit():
        try:
            collaborations.withdraw_offer(db.session, brand, offer_id, _reason(form))
        except DomainError as exc:
            discard_changes()
            flash_domain_error(exc)
            return redirect(back, code=303)
        flash(
            f"Withdrawn: @{handle} will not be offered this campaign again; the slot is open "
            "for the next match.",
            "success",
        )
        return redirect(back, code=303)
    if not form.is_submitted() and offer.effective_status(utcnow()) not in OPEN_OFFER_STATES:
        flash(
            f"The offer to @{handle} is {offer.effective_status(utcnow()).value}; only offers "
            "awaiting the creator's reply can be withdrawn.",
            "error",
        )
        return redirect(back, code=303)
    return render_template(
        "dashboard/campaigns/withdraw.html",
        offer=offer,
        campaign=offer.campaign,
        form=form,
        back=back,
        next=safe_next(request.values.get("next")),
    ), (422 if form.is_submitted() else 200)


@bp.route("/blocks/new/<int(min=1, max=2147483647):creator_id>", methods=["GET", "POST"])
@brand_required
def block_new(creator_id: int) -> Any:
    """Block a creator: confirm (with what it withdraws), optionally say why."""
    brand = current_brand()
    creator = collaborations.get_blockable_creator(db.session, brand, creator_id)
    back = safe_next(request.values.get("next")) or url_for("dashboard.blocks")
    form = BlockForm()
    if form.validate_on_submit():
        try:
            result = collaborations.block_creator(db.session, brand, creator_id, _reason(form))
        except DomainError as exc:
            discard_changes()
            flash_domain_error(exc)
            return redirect(back, code=303)
        withdrawn = len(result.withdrawn)
        note = (
            f" {withdrawn} offer{'s' if withdrawn != 1 else ''} awaiting their reply "
            f"{'were' if withdrawn != 1 else 'was'} withdrawn."
            if withdrawn
            else ""
        )
        verb = "Blocked" if result.created else "Already blocked"
        flash(
            f"{verb}: @{creator.handle} will not be offered to any of your campaigns.{note}",
            "success",
        )
        return redirect(back, code=303)
    existing = collaborations.find_block(db.session, brand, creator_id)
    if existing is not None and not form.is_submitted():
        flash(f"@{creator.handle} is already on your list of blocked creators.", "info")
        return redirect(url_for("dashboard.blocks"), code=303)
    live = collaborations.live_proposals_to(db.session, brand, creator_id, now=utcnow())
    return render_template(
        "dashboard/blocks/new.html",
        creator=creator,
        live=live,
        form=form,
        back=back,
        next=safe_next(request.values.get("next")),
        profile_url=_profile_url(creator.id),
    ), (422 if form.is_submitted() else 200)


@bp.get("/blocks")
@brand_required
def blocks() -> Any:
    """The brand's blocked creators, newest first, each with an Unblock button."""
    page = collaborations.list_blocks(
        db.session, current_brand(), page=page_arg(), page_size=PAGE_SIZE
    )
    return render_template(
        "dashboard/blocks/list.html",
        page=page,
        form=ConfirmForm(),
        profile_urls={b.creator_id: _profile_url(b.creator_id) for b in page.items},
    )


@bp.post("/blocks/<int(min=1, max=2147483647):creator_id>/remove")
@brand_required
def block_remove(creator_id: int) -> Any:
    """Unblock a creator (offers withdrawn earlier stay withdrawn)."""
    brand = current_brand()
    block = collaborations.find_block(db.session, brand, creator_id)
    handle = block.creator.handle if block is not None else None
    collaborations.unblock_creator(db.session, brand, creator_id)  # 404 page if not blocked
    flash(
        f"Unblocked: @{handle} may be offered to your campaigns again (not to campaigns whose "
        "offer to them you withdrew).",
        "success",
    )
    return redirect(url_for("dashboard.blocks"), code=303)
