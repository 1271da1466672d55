"""A campaign's CSV exports, streamed (offers, sponsorships, payouts, ledger lines)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api.auth import BEARER_SECURITY, current_brand, require
from api.params import ID
from campaigns import services
from core.csv_response import csv_response
from exports.campaign import EXPORTS
from extensions import db

blp = Blueprint(
    "exports",
    __name__,
    description="CSV exports of a campaign: UTF-8 with a BOM, ISO dates, money as decimals in "
    "the currency's precision with a currency column, formula-like text prefixed with '.",
)

CSV_SCHEMA = {"type": "string", "description": "CSV text (UTF-8 with a byte order mark)."}
CSV_EXAMPLE = (
    "offer_id,created_at,creator_id,creator_handle,source,status,price,price_currency,fit,"
    "forecast_engaged_target_thousands,expires_at,responded_at,decline_reason,withdraw_reason\r\n"
    "41,2026-11-30T09:15:00+00:00,9,mia.glow,match,accepted,450.00,EUR,0.82,0.49,"
    "2026-12-07T09:15:00+00:00,2026-11-30T12:00:00+00:00,,\r\n"
)


@blp.route(f"/campaigns/<{ID}:campaign_id>/exports/<any({', '.join(EXPORTS)}):name>.csv")
class CampaignExport(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, CSV_SCHEMA, content_type="text/csv", example=CSV_EXAMPLE)
    def get(self, campaign_id: int, name: str) -> Any:
        """Download the campaign's offers, sponsorships, payouts or ledger lines as CSV
        (``name``: offers, sponsorships, payouts or ledger)."""
        campaign = services.get_campaign(db.session, current_brand(), campaign_id)
        return csv_response(campaign, name)
