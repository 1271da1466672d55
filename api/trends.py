"""Trend reports for brands: audience interests across the platform, week by week."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, require
from core.db import utcnow
from extensions import db
from schemas.trends import TrendQuerySchema, TrendReportSchema
from trends import services
from trends.jobs import snapshot_in_process_if_due

blp = Blueprint(
    "trends", __name__, description="Consumer data: interest trends across the platform."
)


@blp.route("/trends")
class Trends(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(TrendQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, TrendReportSchema, example=ex.TREND_REPORT)
    def get(self, category: str | None, weeks: int) -> Any:
        """The share of each interest tag across open creators' audiences and across live
        campaigns' targets, week by week (the current week live), with the tags that rose and
        fell. No figure is drawn from fewer than 10 creators (or campaigns)."""
        snapshot_in_process_if_due(db.session)
        return services.trend_report(db.session, utcnow(), category=category, weeks=weeks)
