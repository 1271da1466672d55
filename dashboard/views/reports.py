"""Reports: spend over time, audience reached against the target, cost per engaged viewer."""

from __future__ import annotations

from typing import Any

from flask import render_template

from campaigns import services as campaigns
from collaborations.services import campaign_report
from core.db import utcnow
from core.errors import NotFound
from dashboard import queries
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp, current_locale
from dashboard.presenters import ACCEPTED, APPROVED, build_report
from dashboard.results_charts import forecast_actual_chart
from exports import receipts
from exports.campaign import EXPORTS
from extensions import db
from payments.ledger import campaign_money
from results.report import campaign_results


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
    results = campaign_results(db.session, campaign)
    return render_template(
        "dashboard/campaigns/report.html",
        campaign=campaign,
        view=view,
        results=results,
        fva_chart=forecast_actual_chart(
            [
                (f"@{s.handle}", s.forecast_engaged or 0, s.engagements)
                for s in results.sponsorships
            ],
            title=f"Forecast engaged people and actual engagements per creator, {campaign.title}",
        ),
        takeaway=_takeaway(campaign),
    )


def _takeaway(campaign: Any) -> dict[str, Any]:
    """The report's downloads and receipts (a block of its own on the page)."""
    try:
        funding: receipts.Receipt | None = receipts.funding_receipt(db.session, campaign)
    except NotFound:
        funding = None
    return {
        "exports": list(EXPORTS.values()),
        "funding": funding,
        "refunds": receipts.settled_refunds(db.session, campaign),
    }
