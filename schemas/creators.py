"""Creator profile, opt-in, offers, sponsorships and payouts schemas."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app
from marshmallow import fields, validate

from collaborations.approvals import auto_approve_on, rejections_left
from collaborations.authenticity import MAX_RECENT_POSTS
from collaborations.creator_text import creator_text_for_offer
from collaborations.models import OfferSource, OfferStatus, SponsorshipStatus
from core.db import utcnow
from payments.models import PayoutStatus
from schemas.common import AudienceField, MoneySchema, Name, PageQuerySchema, StrictSchema, Text
from schemas.negotiation import NegotiationFields
from schemas.results import TrackingUrl
from schemas.taxonomy import CategoryField


class StrictBoolean(fields.Boolean):
    """JSON ``true``/``false`` only. ``truthy={True}`` alone is not enough: ``1 in {True}``."""

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> bool:
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


MAX_CATEGORIES = 100
CATEGORY_LIST = fields.List(
    CategoryField(),
    validate=validate.Length(max=MAX_CATEGORIES),
    metadata={"example": ["skincare", "beauty"]},
)


class ReliabilitySchema(ma.Schema):
    offers_received = fields.Integer()
    reply_rate_48h = fields.Float(
        allow_none=True, metadata={"description": "Share of offers answered within 48 h."}
    )
    acceptance_rate = fields.Float(allow_none=True)
    on_time_delivery_rate = fields.Float(allow_none=True)


class EligibilityReasonSchema(ma.Schema):
    rule = fields.String(
        metadata={
            "description": "The rule: incomplete_profile, creator_closed, category, "
            "sponsored_share, capacity or offer_cap."
        }
    )
    message = fields.String(metadata={"description": "What it means for you, and until when."})


class SponsoredShareOutlookSchema(ma.Schema):
    share = fields.Float(metadata={"description": "Sponsored ÷ all your posts in the window."})
    sponsored_posts = fields.Integer(
        metadata={"description": "Sponsored posts handed in through Dandelion in the window."}
    )
    posts = fields.Integer(
        metadata={"description": "All your posts in the window (never fewer than sponsored)."}
    )
    window_days = fields.Integer()
    cap = fields.Float(metadata={"description": "Above this share you get no new offers."})
    over_cap = fields.Boolean()
    under_cap_on = fields.Date(
        allow_none=True,
        metadata={"description": "When posts leaving the window bring you under the cap."},
    )
    posts_needed = fields.Integer(
        allow_none=True,
        metadata={"description": "recent_posts_30d that would bring you under the cap now."},
    )


class OfferEligibilitySchema(ma.Schema):
    eligible = fields.Boolean()
    reasons = fields.List(fields.Nested(EligibilityReasonSchema))
    sponsored_share = fields.Nested(SponsoredShareOutlookSchema)


class CreatorProfileSchema(ma.Schema):
    id = fields.Integer()
    handle = fields.String()
    email = fields.String(attribute="account.email")
    display_name = fields.String()
    followers = fields.Integer()
    engagement_rate = fields.Float()
    categories = fields.List(fields.String())
    audience = fields.Dict(allow_none=True)
    rate = fields.Method("_rate", metadata={"description": "Money per sponsored post, or null."})
    weekly_capacity = fields.Integer()
    verified = fields.Boolean(metadata={"description": "Set by the platform."})
    sponsored_share = fields.Float(
        metadata={"description": "Measured share of recent posts that were sponsored (read-only)."}
    )
    recent_posts_30d = fields.Integer(
        allow_none=True,
        metadata={"description": "Your posts in the last 30 days, as you reported them."},
    )
    reliability = fields.Nested(ReliabilitySchema)
    offer_eligibility = fields.Nested(
        OfferEligibilitySchema,
        metadata={"description": "Whether you can receive new offers now, and if not, why."},
    )
    created_at = fields.DateTime()

    def _rate(self, creator: Any) -> dict[str, Any] | None:
        if creator.rate_amount is None:
            return None
        return {"amount": creator.rate_amount, "currency": creator.rate_currency}


class CreatorProfilePatchSchema(StrictSchema):
    """Fields a creator sets; measured fields are the platform's."""

    read_only_fields = {
        "id": "assigned by the server.",
        "handle": "chosen at sign-up.",
        "email": "chosen at sign-up.",
        "verified": "set by the platform after verification.",
        "sponsored_share": "measured by the platform from your sponsored posts through "
        "Dandelion and the recent_posts_30d you report.",
        "reliability": "measured by the platform.",
        "offer_eligibility": "worked out by the platform.",
        "created_at": "set by the server.",
    }

    display_name = Name(validate=validate.Length(min=1, max=120))
    followers = fields.Integer(strict=True, validate=validate.Range(min=0, max=2_000_000_000))
    engagement_rate = fields.Float(
        allow_nan=False,
        validate=validate.Range(min=0, max=1),
        metadata={"description": "Engaged share of followers per post, 0–1.", "example": 0.045},
    )
    categories = CATEGORY_LIST
    audience = AudienceField(require_all_parts=True)
    rate = fields.Nested(MoneySchema)
    weekly_capacity = fields.Integer(strict=True, validate=validate.Range(min=1, max=10))
    recent_posts_30d = fields.Integer(
        strict=True,
        validate=validate.Range(min=0, max=MAX_RECENT_POSTS),
        metadata={
            "description": "All your posts (organic and sponsored, every platform you post "
            "on for this audience) in the last 30 days; the platform's sponsored_share is "
            "your sponsored posts through Dandelion divided by it.",
            "example": 24,
        },
    )

    @ma.post_load
    def _split_rate(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if "rate" in data:
            rate = data.pop("rate")
            data["rate_amount"] = rate["amount"]
            data["rate_currency"] = rate["currency"]
        if "categories" in data:
            data["categories"] = sorted(set(data["categories"]))
        return data


class AvailabilitySchema(StrictSchema):
    """The opt-in: only open creators (and not past ``until``) are matched."""

    open = StrictBoolean(required=True)
    until = fields.Date(
        allow_none=True,
        load_default=None,
        metadata={"description": "Last day open; null for no end."},
    )
    categories = fields.List(
        CategoryField(),
        required=True,
        validate=validate.Length(max=MAX_CATEGORIES),
        metadata={"description": "Campaign categories you accept.", "example": ["skincare"]},
    )
    lapsed = fields.Boolean(
        dump_only=True, metadata={"description": "Open, but `until` has passed."}
    )


class OfferQuerySchema(PageQuerySchema):
    status = fields.Enum(OfferStatus, by_value=True, load_default=None)


class SponsorshipQuerySchema(PageQuerySchema):
    status = fields.Enum(SponsorshipStatus, by_value=True, load_default=None)


class CampaignSummarySchema(ma.Schema):
    id = fields.Integer()
    title = fields.String()
    brief = fields.String()
    category = fields.String()
    brand_name = fields.String(attribute="brand.name")
    ends_on = fields.Date()


class OfferSchema(NegotiationFields):
    """An offer as its creator reads it: never the brand's explanation, budget or other
    creators, only ``explanation_for_creator`` and this pair's own fit score."""

    id = fields.Integer()
    status = fields.Method(
        "_status",
        metadata={
            "description": "proposed (awaiting your answer), countered (your counter awaits "
            "the brand's answer), accepted, declined, expired or withdrawn (by the brand).",
            "enum": [s.value for s in OfferStatus],
        },
    )
    source = fields.Enum(
        OfferSource,
        by_value=True,
        metadata={"description": "match (weekly matching), invite (the brand) or open_call."},
    )
    campaign = fields.Nested(CampaignSummarySchema)
    price = fields.Nested(MoneySchema)
    fit_score = fields.Float(
        metadata={"description": "How much of your engaged audience is the brand's target, 0–1."}
    )
    explanation_for_creator = fields.Method(
        "_for_creator",
        metadata={
            "description": "Written to you: what the brand asks, the price, the deadline and "
            "why you were chosen."
        },
    )
    payout_notice = fields.Method(
        "_payout_notice",
        metadata={"description": "What to do before you can be paid, or null."},
    )
    expires_at = fields.DateTime()
    created_at = fields.DateTime()
    responded_at = fields.DateTime(allow_none=True)
    decline_reason = fields.String(allow_none=True)

    def _status(self, offer: Any) -> str:
        return str(offer.effective_status(utcnow()).value)

    def _for_creator(self, offer: Any) -> str:
        return creator_text_for_offer(offer)

    def _payout_notice(self, offer: Any) -> str | None:
        notice = (offer.explanation or {}).get("payout_notice")
        return str(notice) if notice else None


class DeclineSchema(StrictSchema):
    reason = Text(load_default=None, allow_none=True, validate=validate.Length(max=1000))


class SponsorshipSchema(ma.Schema):
    id = fields.Integer()
    offer_id = fields.Integer()
    status = fields.Enum(SponsorshipStatus, by_value=True)
    campaign = fields.Nested(CampaignSummarySchema)
    creator_id = fields.Integer()
    price = fields.Nested(MoneySchema)
    due_on = fields.Date()
    post_url = fields.String(allow_none=True)
    disclosure = fields.Boolean()
    delivered_at = fields.DateTime(allow_none=True)
    reviewed_at = fields.DateTime(allow_none=True)
    tracking_url = TrackingUrl()
    promo_code = fields.String(allow_none=True)
    rejection_reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
    # Approvals that end (collaborations/approvals.py); the settings come from the app.
    rejections = fields.Integer(metadata={"description": "How many times the post was sent back."})
    rejections_left = fields.Method(
        "_rejections_left",
        metadata={
            "type": "integer",
            "description": "How many more times the brand may send the post back; at 0 the "
            "next rejection sends it to a Dandelion operator (status `disputed`).",
        },
    )
    auto_approve_on = fields.Method(
        "_auto_approve_on",
        allow_none=True,
        metadata={
            "type": "string",
            "format": "date",
            "nullable": True,
            "description": "While delivered: the day the post is approved (and paid) "
            "automatically if the brand does not review it (AUTO_APPROVE_DAYS after delivery).",
        },
    )
    auto_approved = fields.Boolean(
        metadata={"description": "Approved by the platform because nobody reviewed it in time."}
    )
    disputed_at = fields.DateTime(allow_none=True)
    dispute_resolution = fields.String(
        allow_none=True, metadata={"description": "The operator's note on a decided dispute."}
    )

    def _rejections_left(self, sponsorship: Any) -> int:
        return rejections_left(sponsorship, current_app.config["MAX_REJECTIONS"])

    def _auto_approve_on(self, sponsorship: Any) -> str | None:
        day = auto_approve_on(sponsorship, current_app.config["AUTO_APPROVE_DAYS"])
        return day.isoformat() if day else None


# The document's pattern is the validator: a subset of what marshmallow's URL field accepts, so
# the two agree exactly (ASCII domain with a TLD, optional port, printable path).
POST_URL_PATTERN = (
    r"^https?://(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,6}"
    r"(?::[0-9]{1,5})?(?:/|[/?#][!-~]+)?$"
)


class DeliverableSchema(StrictSchema):
    url = fields.URL(
        required=True,
        schemes={"http", "https"},
        validate=[
            validate.Length(max=2048),
            validate.Regexp(POST_URL_PATTERN, error="Not a valid URL."),
        ],
        metadata={
            "example": "https://www.xiaohongshu.com/explore/abc123",
            "pattern": POST_URL_PATTERN,
            "description": "The public post: http(s) on a domain name, printable ASCII.",
        },
    )
    disclosure = StrictBoolean(
        required=True,
        metadata={
            "description": "true once the post is labelled as sponsored; false is refused.",
            "enum": [True],
        },
    )


class ReviewRejectSchema(StrictSchema):
    reason = Text(required=True, validate=validate.Length(min=3, max=1000))


class PayoutSchema(ma.Schema):
    id = fields.Integer()
    sponsorship_id = fields.Integer()
    amount = fields.Nested(MoneySchema, attribute="money")
    status = fields.Enum(PayoutStatus, by_value=True)
    provider = fields.String()
    created_at = fields.DateTime()
    paid_at = fields.DateTime(allow_none=True)


class PayoutAccountSchema(ma.Schema):
    provider = fields.String()
    account_id = fields.String(allow_none=True)
    payouts_enabled = fields.Boolean()
    onboarding_url = fields.String(allow_none=True)
