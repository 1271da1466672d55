"""A creator's profile as a brand sees it before deciding: reach, price, reliability, the
audience against a campaign's target, and this brand's offers to them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask import abort, render_template, request
from markupsafe import Markup

from accounts import public_profile
from accounts.public_profile import PublicProfile
from campaigns import services as campaigns
from core.audience import FIXED_KEYS
from core.db import utcnow
from core.money import major_unit
from core.pagination import MAX_PAGE_SIZE
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp
from dashboard.charts import compare_bars
from dashboard.presenters import (
    MAX_INTEREST_ROWS,
    OFFER_SOURCE_LABELS,
    OFFER_STATUS_LABELS,
    PART_TITLES,
    key_label,
)
from extensions import db
from matching.market.fit import PARTS

MAX_ID = 2_147_483_647


@dataclass(frozen=True)
class PartView:
    """One audience part: the creator's shares next to the target's, and the part's match."""

    part: str
    title: str
    rows: list[tuple[str, float, float | None]]  # (label, target share, creator share)
    match: float | None
    chart: Markup


def _campaign_id_arg() -> int | None:
    """``?campaign_id=``: empty means none; anything but a valid id is a 404."""
    raw = (request.args.get("campaign_id") or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_ID:
        abort(404)
    return int(raw)


def audience_parts(profile: PublicProfile) -> list[PartView]:
    """Per part, the creator's audience against the chosen campaign's target."""
    if profile.campaign is None or not profile.audience:
        return []
    target_audience = profile.campaign.target_audience or {}
    views = []
    for part in PARTS:
        target = target_audience.get(part) or {}
        mine = profile.audience.get(part) or {}
        if part == "interests":
            keys = sorted(
                set(target) | set(mine), key=lambda k: -(target.get(k, 0) + mine.get(k, 0))
            )
            keys = [k for k in keys if target.get(k, 0) > 0 or mine.get(k, 0) >= 0.005]
            keys = keys[:MAX_INTEREST_ROWS]
        else:
            if not target and not mine:
                continue  # e.g. no countries on either side
            known = sorted(set(target) | set(mine)) if part == "countries" else FIXED_KEYS[part]
            keys = [k for k in known if target.get(k, 0) > 0 or mine.get(k, 0) >= 0.005]
        rows: list[tuple[str, float, float | None]] = [
            (key_label(part, k), float(target.get(k, 0)), float(mine.get(k, 0))) for k in keys
        ]
        title = f"{PART_TITLES[part]}: your target audience and @{profile.handle}'s audience"
        views.append(
            PartView(
                part=part,
                title=PART_TITLES[part],
                rows=rows,
                match=profile.fit.parts.get(part) if profile.fit else None,
                chart=compare_bars(
                    rows, title=title, chart_id=f"part-{part}", reached_label="This creator"
                ),
            )
        )
    return views


@bp.get("/creators/<int(min=1, max=2147483647):creator_id>", endpoint="creator_profile")
@brand_required
def creator_profile(creator_id: int) -> Any:
    """A creator's public profile; with ``?campaign_id=`` (one of the brand's campaigns), how
    their audience fits its target. Hidden creators answer 404 exactly like missing ones."""
    return render_profile(creator_id, _campaign_id_arg())


def render_profile(
    creator_id: int,
    campaign_id: int | None,
    *,
    invite_form: Any = None,
    invite_error: str | None = None,
    status: int = 200,
) -> Any:
    """The profile page (the invite form as sent, and a refusal's reason, when re-shown)."""
    from dashboard.views.negotiation import invite_form_for  # the invite form lives there

    brand = current_brand()
    profile = public_profile.get_public_profile(
        db.session, brand, creator_id, campaign_id=campaign_id
    )
    now = utcnow()
    offers = [
        {
            "offer": offer,
            "status": offer.effective_status(now).value,
            "source": OFFER_SOURCE_LABELS.get(offer.source.value, str(offer.source)),
        }
        for offer in public_profile.brand_offers_to(db.session, brand, creator_id)
    ]
    choices = campaigns.list_campaigns(db.session, brand, page_size=MAX_PAGE_SIZE).items
    fit = profile.fit
    rate = profile.rate
    cost_per_person = (
        rate.amount / major_unit(rate.currency) / fit.expected_value
        if fit is not None and rate is not None and fit.expected_value > 0
        else None
    )
    invite = invite_form_for(brand, profile.creator, campaign_id, invite_form)
    return render_template(
        "dashboard/creators/profile.html",
        invite=invite,
        invite_error=invite_error,
        profile=profile,
        creator=profile.creator,
        campaign=profile.campaign,
        fit=fit,
        parts=audience_parts(profile),
        offers=offers,
        campaigns=choices,
        cost_per_person=cost_per_person,
        status_labels=OFFER_STATUS_LABELS,
    ), status
