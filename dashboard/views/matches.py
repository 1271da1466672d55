"""Matches: a campaign's offers from its last match run, and why slots stay unfilled."""

from __future__ import annotations

from typing import Any

from flask import render_template

from campaigns import services as campaigns
from core.db import utcnow
from dashboard import queries
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp
from dashboard.presenters import audience_summary, fit_parts
from extensions import db


@bp.get("/campaigns/<int(min=1, max=2147483647):campaign_id>/matches")
@brand_required
def campaign_matches(campaign_id: int) -> Any:
    """Offers of the last run: creator, audience, fit, price, the explanation and the status."""
    campaign = campaigns.get_campaign(db.session, current_brand(), campaign_id)
    run = queries.last_run_for(db.session, campaign)
    run_id = run.id if run else queries.latest_offer_run_id(db.session, campaign)
    offers = queries.offers_of_run(db.session, campaign, run_id)
    now = utcnow()
    rows = [
        {
            "offer": o,
            "status": o.effective_status(now).value,
            "audience": audience_summary(o.creator.audience),
            "parts": fit_parts(o.explanation),
            "text": (o.explanation or {}).get("text") or (o.explanation or {}).get("summary"),
        }
        for o in offers
    ]
    return render_template(
        "dashboard/campaigns/matches.html",
        campaign=campaign,
        run=run,
        rows=rows,
        summary=run.summary if run else None,
        any_offers=bool(rows) or queries.has_offers(db.session, campaign),
    )
