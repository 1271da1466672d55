"""Reports: spend over time, audience reached against the target, cost per engaged viewer."""

from __future__ import annotations

from typing import Any

from flask import render_template

from campaigns import services as campaigns
from collaborations.services import campaign_report
from core.db import utcnow
from dashboard import queries
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp, current_locale
from dashboard.presenters import ACCEPTED, APPROVED, build_report
from extensions import db
from payments.ledger import campaign_money


@bp.get("/campaigns/<int(min=1, max=2147483647):campaign_id>/report")
@brand_required
def campaign_report_page(campaign_id: int) -> Any:
    """One campaign's report, charts rendered on the server as SVG."""
    campaign = campaigns.get_campaign(db.session, current_brand(), campaign_id)
    view = build_report(
        campaign,
        campaign_money(db.session, campaign),
        campaign_report(db.session, campaign),
        queries.reach_of(db.session, campaign, APPROVED),
        queries.reach_of(db.session, campaign, ACCEPTED),
        utcnow(),
        current_locale(),
    )
    return render_template("dashboard/campaigns/report.html", campaign=campaign, view=view)
