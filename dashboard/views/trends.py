"""Audience trends for brands: interest tags across creators' audiences and campaign demand."""

from __future__ import annotations

from typing import Any

from flask import render_template, request

from core.db import utcnow
from dashboard.auth import brand_required
from dashboard.blueprint import bp
from dashboard.charts import trend_chart, trend_legend, week_label
from extensions import db
from schemas.trends import TrendQuerySchema
from trends import services
from trends.jobs import snapshot_in_process_if_due

WEEK_CHOICES = (4, 8, 12, 26)
CHART_TAGS = 6  # lines per chart; every tag is in the table below it
SIDE_TITLES = {
    "audience": "Creators' audiences",
    "demand": "Campaign demand",
}


@bp.get("/trends")
@brand_required
def trends_page() -> Any:
    """The trend report: week-by-week shares, rising and falling tags, charts as SVG."""
    errors = TrendQuerySchema().validate(request.args)
    query = TrendQuerySchema().load({} if errors else request.args)
    snapshot_in_process_if_due(db.session)
    report = services.trend_report(db.session, utcnow(), **query)
    sides = []
    for side in (report.audience, report.demand):
        lines = [(t.tag, t.shares) for t in side.tags[:CHART_TAGS]]
        sides.append(
            {
                "side": side,
                "title": SIDE_TITLES[side.side],
                "chart": trend_chart(
                    report.weeks,
                    lines,
                    title=f"{SIDE_TITLES[side.side]}: share of each interest, week by week",
                    chart_id=f"trend-{side.side}",
                )
                if lines
                else None,
                "legend": trend_legend(lines),
            }
        )
    return render_template(
        "dashboard/trends.html",
        report=report,
        sides=sides,
        errors=errors,
        categories=services.known_categories(db.session),
        week_choices=WEEK_CHOICES,
        week_label=week_label,
        side_titles=SIDE_TITLES,
        weeks=query["weeks"],
    )
