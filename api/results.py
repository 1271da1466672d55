"""Results: creators post their metrics; brands report conversions and set promo codes."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, current_brand, current_creator, require
from api.params import ID
from core.money import Money
from extensions import db
from results import conversions, metrics
from schemas.campaigns import CampaignSponsorshipSchema
from schemas.results import (
    ConversionInputSchema,
    ConversionSchema,
    MetricSchema,
    MetricsInputSchema,
    PromoCodeInputSchema,
)

blp = Blueprint("results", __name__, description="Post metrics, promo codes and conversions.")

METRIC_EXAMPLE = {
    "id": 3,
    "sponsorship_id": 12,
    "measured_at": "2026-12-09T09:00:00+00:00",
    "label": "7d",
    "views": 24_000,
    "likes": 900,
    "comments": 80,
    "saves": 150,
    "shares": 40,
    "engagements": 1_170,
    "source": "api",
    "flagged": False,
    "flags": [],
    "created_at": "2026-12-09T09:01:00+00:00",
}
CONVERSION_EXAMPLE = {
    "id": 5,
    "campaign_id": 7,
    "sponsorship_id": 12,
    "order_id": "A-1042",
    "code": "MIA10",
    "click_id": None,
    "revenue": {"amount": 5_990, "currency": "EUR"},
    "created_at": "2026-12-10T12:00:00+00:00",
}


@blp.route(f"/sponsorships/<{ID}:sponsorship_id>/metrics")
class SponsorshipMetrics(MethodView):
    decorators = [require(Role.CREATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(
        MetricsInputSchema,
        example={
            "measured_at": "2026-12-09T09:00:00Z",
            "views": 24000,
            "likes": 900,
            "comments": 80,
            "saves": 150,
            "shares": 40,
        },
    )
    @blp.response(201, MetricSchema, example=METRIC_EXAMPLE)
    @blp.alt_response(404, **ex.error_doc(404, "Sponsorship not found."))
    @blp.alt_response(
        409, **ex.error_doc(409, "Metrics can be sent only for a delivered or approved post.")
    )
    def post(self, data: dict[str, Any], sponsorship_id: int) -> Any:
        """Report your post's counts at a moment (send one at about 24 h, 7 d and 30 d).
        Implausible figures are kept but flagged, and left out of the results."""
        return metrics.post_metrics(
            db.session, current_creator(), sponsorship_id, metrics.MetricsInput(**data)
        )


@blp.route(f"/campaigns/<{ID}:campaign_id>/conversions")
class CampaignConversions(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(
        ConversionInputSchema,
        example={
            "order_id": "A-1042",
            "code": "MIA10",
            "revenue": {"amount": 5990, "currency": "EUR"},
        },
    )
    @blp.response(201, ConversionSchema, example=CONVERSION_EXAMPLE)
    @blp.alt_response(404, **ex.error_doc(404, "Campaign not found."))
    def post(self, data: dict[str, Any], campaign_id: int) -> Any:
        """Report a sale attributed to one of the campaign's creators, by promo code,
        tracking code or click id. Idempotent by your order id: the same order id again
        answers 200 with the conversion first recorded."""
        revenue = data["revenue"]
        outcome = conversions.report_conversion(
            db.session,
            current_brand(),
            campaign_id,
            order_id=data["order_id"],
            revenue=Money(revenue["amount"], revenue["currency"]),
            code=data.get("code"),
            click_id=data.get("click_id"),
        )
        return outcome.conversion, 201 if outcome.created else 200


@blp.route(f"/sponsorships/<{ID}:sponsorship_id>/promo-code")
class PromoCode(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PromoCodeInputSchema, example={"code": "MIA10"})
    @blp.response(200, CampaignSponsorshipSchema, example=ex.CAMPAIGN_SPONSORSHIP)
    @blp.alt_response(404, **ex.error_doc(404, "Sponsorship not found."))
    @blp.alt_response(
        409, **ex.error_doc(409, "Another creator of this campaign has that promo code.")
    )
    def put(self, data: dict[str, Any], sponsorship_id: int) -> Any:
        """Give the sponsorship a promo code (shown to the creator; conversions may name it)."""
        return conversions.set_promo_code(db.session, current_brand(), sponsorship_id, data["code"])
