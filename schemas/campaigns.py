"""Campaign schemas: create/update input, list query, output, funding result."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from campaigns.models import CampaignStatus
from collaborations.models import OfferSource, OfferStatus, SponsorshipStatus
from core.db import utcnow
from payments.models import FundingStatus
from schemas.common import AudienceField, MoneySchema, Name, PageQuerySchema, StrictSchema, Text
from schemas.negotiation import NegotiationFields
from schemas.results import CampaignResultsSchema, TrackingUrl
from schemas.taxonomy import CategoryField

SLUG = validate.Regexp(r"^[a-z0-9][a-z0-9-]{0,59}$", error="Lower-case letters, digits and '-'.")
MAX_SLOTS = 500
MAX_FOLLOWERS = 2_000_000_000


class CampaignInputSchema(StrictSchema):
    """What a brand sets on a campaign; the server owns status, brand and money movements."""

    read_only_fields = {
        "id": "assigned by the server.",
        "status": "changes only through /fund, /publish, /cancel and /complete.",
        "brand_id": "a campaign belongs to the brand that created it.",
        "spent": "computed from the ledger.",
        "committed": "computed from the ledger.",
        "paid": "computed from the ledger.",
        "refunded": "computed from the ledger.",
        "created_at": "set by the server.",
        "updated_at": "set by the server.",
    }

    title = Name(required=True, validate=validate.Length(min=3, max=140))
    brief = Text(required=True, validate=validate.Length(min=10, max=5000))
    category = CategoryField(required=True)
    competitor_group = fields.String(
        allow_none=True,
        load_default=None,
        validate=SLUG,
        metadata={"description": "Creators take at most one campaign per group (e.g. 'skincare')."},
    )
    budget = fields.Nested(MoneySchema, required=True)
    slots = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_SLOTS)
    )
    min_creators = fields.Integer(
        strict=True,
        load_default=0,
        validate=validate.Range(min=0, max=MAX_SLOTS),
        metadata={"description": "All or nothing: fewer matched creators than this means none."},
    )
    target_audience = AudienceField(required=True, require_all_parts=True)
    min_followers = fields.Integer(
        strict=True, load_default=0, validate=validate.Range(min=0, max=MAX_FOLLOWERS)
    )
    max_followers = fields.Integer(
        strict=True,
        allow_none=True,
        load_default=None,
        validate=validate.Range(min=1, max=MAX_FOLLOWERS),
    )
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    landing_url = fields.URL(
        allow_none=True,
        load_default=None,
        schemes={"http", "https"},
        validate=validate.Length(max=2048),
        metadata={
            "description": "Where the sponsorships' tracking links send people (http or https).",
            "example": "https://shop.example.com/spring",
        },
    )

    @ma.validates_schema
    def _dates_in_order(self, data: dict[str, Any], **_: Any) -> None:
        if "starts_on" in data and "ends_on" in data and data["ends_on"] < data["starts_on"]:
            raise ma.ValidationError("Must be on or after starts_on.", "ends_on")

    @ma.post_load
    def _split_money(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "budget" in data:
            budget = data.pop("budget")
            # A PATCH loads with partial=True, which marshmallow passes down to nested schemas;
            # money is one value and is replaced whole, so both parts are still required.
            missing = [name for name in ("amount", "currency") if name not in budget]
            if missing:
                raise ma.ValidationError(
                    {name: ["Missing data for required field."] for name in missing}, "budget"
                )
            data["budget_amount"] = budget["amount"]
            data["currency"] = budget["currency"]
        return data


class CampaignPatchSchema(CampaignInputSchema):
    """Partial update: only the fields sent change (load with ``partial=True``)."""


class CampaignQuerySchema(PageQuerySchema):
    status = fields.Enum(CampaignStatus, by_value=True, load_default=None)


class CampaignSchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    brief = fields.String()
    category = fields.String()
    competitor_group = fields.String(allow_none=True)
    budget = fields.Nested(MoneySchema)
    slots = fields.Integer()
    min_creators = fields.Integer()
    target_audience = fields.Dict()
    min_followers = fields.Integer()
    max_followers = fields.Integer(allow_none=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    status = fields.Enum(CampaignStatus, by_value=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    funded_at = fields.DateTime(allow_none=True)
    published_at = fields.DateTime(allow_none=True)
    closed_at = fields.DateTime(allow_none=True)
    landing_url = fields.String(allow_none=True)


class FundingSchema(ma.Schema):
    provider = fields.String(metadata={"description": "'ledger' (settles at once) or 'stripe'."})
    status = fields.Enum(FundingStatus, by_value=True)
    amount = fields.Integer(
        attribute="total", metadata={"description": "Budget + platform fee, minor units."}
    )
    budget = fields.Integer()
    fee = fields.Integer()
    currency = fields.String()
    payment_intent_id = fields.String(allow_none=True)
    client_secret = fields.String(
        allow_none=True,
        metadata={"description": "Stripe mode: confirm the payment with Stripe.js."},
    )


class FundCampaignResultSchema(ma.Schema):
    campaign = fields.Nested(CampaignSchema)
    payment = fields.Nested(FundingSchema)


class OfferCreatorSchema(ma.Schema):
    id = fields.Integer()
    handle = fields.String()
    display_name = fields.String()
    followers = fields.Integer()
    engagement_rate = fields.Float()
    verified = fields.Boolean(metadata={"description": "Verified by the platform."})
    audience = fields.Dict(allow_none=True)


class CampaignOfferSchema(NegotiationFields):
    id = fields.Integer()
    status = fields.Method(
        "_status",
        metadata={
            "description": "proposed (awaiting the creator's reply), countered (the creator's "
            "counter awaits your answer: `counter_price`), accepted, declined, expired or "
            "withdrawn (by you).",
            "enum": [s.value for s in OfferStatus],
        },
    )
    source = fields.Enum(
        OfferSource,
        by_value=True,
        metadata={"description": "match (a match run), invite (yours) or open_call."},
    )
    match_run_id = fields.Integer(
        allow_none=True, metadata={"description": "The match run that made it; null otherwise."}
    )
    creator = fields.Nested(OfferCreatorSchema)
    fit_score = fields.Float()
    price = fields.Nested(MoneySchema)
    explanation = fields.Dict()
    expires_at = fields.DateTime()
    created_at = fields.DateTime()
    responded_at = fields.DateTime(
        allow_none=True, metadata={"description": "When the creator answered or you withdrew."}
    )
    decline_reason = fields.String(allow_none=True)
    withdraw_reason = fields.String(allow_none=True)

    def _status(self, offer: Any) -> str:
        return str(offer.effective_status(utcnow()).value)


class CampaignOfferQuerySchema(PageQuerySchema):
    status = fields.Enum(
        OfferStatus,
        by_value=True,
        load_default=None,
        metadata={"description": "A proposal past its expiry counts as expired."},
    )
    source = fields.Enum(OfferSource, by_value=True, load_default=None)


class CampaignSponsorshipQuerySchema(PageQuerySchema):
    status = fields.Enum(SponsorshipStatus, by_value=True, load_default=None)


class CampaignSponsorshipSchema(ma.Schema):
    id = fields.Integer()
    status = fields.Enum(SponsorshipStatus, by_value=True)
    creator = fields.Nested(OfferCreatorSchema)
    price = fields.Nested(MoneySchema)
    due_on = fields.Date()
    post_url = fields.String(allow_none=True)
    disclosure = fields.Boolean()
    delivered_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    tracking_url = TrackingUrl()
    promo_code = fields.String(allow_none=True)


class SpendPointSchema(ma.Schema):
    at = fields.DateTime()
    funded = fields.Integer()
    committed = fields.Integer()
    paid = fields.Integer()
    refunded = fields.Integer()


class CampaignReportSchema(ma.Schema):
    campaign_id = fields.Integer(attribute="campaign.id")
    status = fields.String(attribute="campaign.status")
    currency = fields.String(attribute="campaign.currency")
    budget = fields.Integer(metadata={"description": "Minor units, like every amount here."})
    funded = fields.Integer(metadata={"description": "Budget received (the fee is separate)."})
    committed = fields.Integer(metadata={"description": "Accepted work not yet approved."})
    paid = fields.Integer(metadata={"description": "Approved posts, paid to creators."})
    refunded = fields.Integer()
    remaining = fields.Integer(metadata={"description": "Funded and free for new offers."})
    fees = fields.Integer(
        metadata={"description": "Platform fee kept: fee_charged minus fee_refunded."}
    )
    fee_charged = fields.Integer(
        metadata={"description": "Platform fee paid with the funding (on top of the budget)."}
    )
    fee_refunded = fields.Integer(
        metadata={"description": "The part of the platform fee returned with refunds."}
    )
    sponsorships = fields.Dict(keys=fields.String(), values=fields.Integer())
    offers = fields.Dict(keys=fields.String(), values=fields.Integer())
    forecast_engaged_reach = fields.Integer(
        metadata={
            "description": "Forecast (every field named forecast_* is one: computed from what "
            "creators report, not measured on the posts): followers × engagement rate of the "
            "creators whose posts were approved."
        }
    )
    engaged_reach = fields.Integer(
        metadata={
            "description": "Forecast: the same figure as forecast_engaged_reach, under its "
            "first name (kept for existing clients).",
            "deprecated": True,
        }
    )
    series = fields.List(
        fields.Nested(SpendPointSchema), metadata={"description": "Spend over time."}
    )
    results = fields.Nested(
        CampaignResultsSchema,
        metadata={"description": "Forecast against actual, clicks and conversions."},
    )
