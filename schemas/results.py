"""Schemas of results: post metrics, conversions, tracking links and the report's results."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import has_request_context, request
from marshmallow import fields, validate

from schemas.common import MoneySchema, StrictSchema

MAX_COUNT = 10**12


def tracking_url(code: str | None) -> str | None:
    """The absolute tracking link of a code on this host (relative outside a request)."""
    if not code:
        return None
    root = request.host_url.rstrip("/") if has_request_context() else ""
    return f"{root}/r/{code}"


class TrackingUrl(fields.Method):
    """A sponsorship's ``tracking_url``: ``<host>/r/<tracking_code>``."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            allow_none=True,
            metadata={
                "description": "The sponsorship's tracking link: put it in the post; it "
                "redirects to the campaign's landing_url and counts the click.",
                "example": "https://dandelion.example/r/k7mq2xw9ta",
            },
            **kwargs,
        )

    def _serialize(self, value: Any, attr: str | None, obj: Any, **kwargs: Any) -> Any:
        return tracking_url(getattr(obj, "tracking_code", None))


def _count(description: str) -> fields.Integer:
    return fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=MAX_COUNT),
        metadata={"description": description},
    )


class MetricsInputSchema(StrictSchema):
    """A snapshot of the post's cumulative counts at ``measured_at``."""

    measured_at = fields.AwareDateTime(
        required=True,
        metadata={
            "description": "When the counts were read (ISO 8601 with a zone).",
            "example": "2026-12-09T09:00:00Z",
        },
    )
    views = _count("Views since the post went up.")
    likes = _count("Likes.")
    comments = _count("Comments.")
    saves = _count("Saves (bookmarks, collects).")
    shares = _count("Shares.")


class FlagSchema(ma.Schema):
    code = fields.String(metadata={"enum": ["views_below_likes", "jump", "decreasing"]})
    message = fields.String()
    fields_ = fields.List(fields.String(), data_key="fields", attribute="fields")


class MetricSchema(ma.Schema):
    id = fields.Integer()
    sponsorship_id = fields.Integer()
    measured_at = fields.DateTime()
    label = fields.String(metadata={"description": "24h, 7d or 30d: the snapshot by its age."})
    views = fields.Integer()
    likes = fields.Integer()
    comments = fields.Integer()
    saves = fields.Integer()
    shares = fields.Integer()
    engagements = fields.Integer(metadata={"description": "likes + comments + saves + shares"})
    source = fields.String(metadata={"enum": ["api", "import"]})
    flagged = fields.Boolean(
        metadata={"description": "Implausible: kept and shown, left out of the actual figures."}
    )
    flags = fields.List(fields.Nested(FlagSchema), attribute="flag_reasons")
    created_at = fields.DateTime()


class RevenueSchema(MoneySchema):
    """Revenue of the order, in the campaign's currency (0 allowed: a free order counts)."""

    amount = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=0, max=10**15),
        metadata={"description": "Integer minor units.", "example": 5990},
    )


class ConversionInputSchema(StrictSchema):
    """A sale, attributed by the promo code or tracking code, or by the click id."""

    order_id = fields.String(
        required=True,
        validate=validate.Length(min=1, max=100),
        metadata={"description": "Your order id: sending it again returns the same conversion."},
    )
    code = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The promo code or tracking code the buyer used."},
    )
    click_id = fields.String(
        load_default=None,
        validate=validate.Length(min=1, max=40),
        metadata={"description": "The dandelion_click parameter your landing page received."},
    )
    revenue = fields.Nested(RevenueSchema, required=True)

    @ma.validates_schema
    def _one_key(self, data: dict[str, Any], **_: Any) -> None:
        if (data.get("code") is None) == (data.get("click_id") is None):
            raise ma.ValidationError("Send exactly one of code and click_id.", "code")


class ConversionSchema(ma.Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    sponsorship_id = fields.Integer()
    order_id = fields.String()
    code = fields.String(allow_none=True)
    click_id = fields.String(allow_none=True)
    revenue = fields.Nested(MoneySchema)
    created_at = fields.DateTime()


class PromoCodeInputSchema(StrictSchema):
    code = fields.String(
        required=True,
        allow_none=True,
        validate=validate.Regexp(r"^[A-Za-z0-9_-]{3,40}$", error="3–40 letters, digits, - or _."),
        metadata={
            "description": "The sponsorship's promo code (null removes it).",
            "example": "MIA10",
        },
    )


class MoneyOut(ma.Schema):
    amount = fields.Integer()
    currency = fields.String()


class SponsorshipResultSchema(ma.Schema):
    sponsorship_id = fields.Integer()
    creator_id = fields.Integer()
    handle = fields.String()
    status = fields.String()
    price = fields.Nested(MoneyOut)
    forecast_engaged = fields.Integer(
        allow_none=True,
        metadata={"description": "Forecast: followers × engagement rate at acceptance."},
    )
    forecast_engaged_target = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Forecast: engaged people of your target audience "
            "(forecast_engaged × the offer's fit)."
        },
    )
    fit = fields.Float(allow_none=True)
    measured_at = fields.DateTime(allow_none=True)
    label = fields.String(allow_none=True)
    views = fields.Integer(allow_none=True)
    engagements = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Actual: likes + comments + saves + shares of the latest "
            "unflagged snapshot."
        },
    )
    delivery_ratio = fields.Float(
        allow_none=True, metadata={"description": "engagements ÷ forecast_engaged"}
    )
    cost_per_engagement = fields.Nested(MoneyOut, allow_none=True)
    cost_per_thousand_views = fields.Nested(MoneyOut, allow_none=True)
    flagged_snapshots = fields.Integer()
    snapshots = fields.List(fields.Nested(MetricSchema))
    clicks = fields.Integer()
    conversions = fields.Integer()
    revenue = fields.Nested(MoneyOut)
    cost_per_conversion = fields.Nested(MoneyOut, allow_none=True)
    tracking_url = TrackingUrl()
    promo_code = fields.String(allow_none=True)


class ResultsTotalsSchema(ma.Schema):
    forecast_engaged = fields.Integer()
    forecast_engaged_target = fields.Integer()
    measured_sponsorships = fields.Integer()
    engagements = fields.Integer()
    views = fields.Integer()
    delivery_ratio = fields.Float(allow_none=True)
    cost = fields.Nested(MoneyOut, metadata={"description": "Prices of the measured posts."})
    cost_per_engagement = fields.Nested(MoneyOut, allow_none=True)
    cost_per_thousand_views = fields.Nested(MoneyOut, allow_none=True)
    clicks = fields.Integer()
    conversions = fields.Integer()
    revenue = fields.Nested(MoneyOut)
    cost_per_conversion = fields.Nested(MoneyOut, allow_none=True)


class CampaignResultsSchema(ma.Schema):
    """Forecast against actual and attribution, per sponsorship and for the campaign."""

    currency = fields.String()
    totals = fields.Nested(ResultsTotalsSchema)
    sponsorships = fields.List(fields.Nested(SponsorshipResultSchema))
