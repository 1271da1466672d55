"""A campaign's CSV downloads and printable receipts, for the brand that owns it."""

from __future__ import annotations

from typing import Any

from flask import render_template

from campaigns import services as campaigns
from core.csv_response import csv_response
from dashboard.auth import brand_required, current_brand
from dashboard.blueprint import bp
from exports import receipts
from exports.campaign import EXPORTS
from extensions import db

CAMPAIGN = "/campaigns/<int(min=1, max=2147483647):campaign_id>"


@bp.get(f"{CAMPAIGN}/exports/<any({', '.join(EXPORTS)}):name>.csv")
@brand_required
def campaign_export(campaign_id: int, name: str) -> Any:
    """Download one of the campaign's CSV files."""
    campaign = campaigns.get_campaign(db.session, current_brand(), campaign_id)
    return csv_response(campaign, name)


@bp.get(f"{CAMPAIGN}/receipts/funding")
@brand_required
def funding_receipt(campaign_id: int) -> Any:
    """The printable receipt of the campaign's payment."""
    campaign = campaigns.get_campaign(db.session, current_brand(), campaign_id)
    receipt = receipts.funding_receipt(db.session, campaign)
    return render_template("dashboard/receipt.html", receipt=receipt)


@bp.get(f"{CAMPAIGN}/receipts/refunds/<int(min=1, max=2147483647):refund_id>")
@brand_required
def refund_receipt(campaign_id: int, refund_id: int) -> Any:
    """The printable receipt of one refund to the brand."""
    campaign = campaigns.get_campaign(db.session, current_brand(), campaign_id)
    receipt = receipts.refund_receipt(db.session, campaign, refund_id)
    return render_template("dashboard/receipt.html", receipt=receipt)
