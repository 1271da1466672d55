"""A creator's public profile as brands read it (``GET /creators/{id}``)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from schemas.campaigns import OfferCreatorSchema
from schemas.common import MoneySchema, StrictSchema

MAX_ID = 2_147_483_647


class PublicProfileQuerySchema(StrictSchema):
    campaign_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={
            "description": "One of your campaigns: the profile then says how the creator's "
            "audience fits its target (another brand's campaign is a 404).",
            "example": 7,
        },
    )


class PublicReliabilitySchema(ma.Schema):
    reply_rate_48h = fields.Float(
        allow_none=True,
        metadata={
            "description": "Offers answered within 48 h ÷ offers due an answer (answered, or "
            "unanswered past 48 h); null: no offer to answer yet."
        },
    )
    on_time_delivery_rate = fields.Float(
        allow_none=True,
        metadata={
            "description": "Sponsorships delivered by their due date ÷ sponsorships due; "
            "null: nothing due yet."
        },
    )
    completed_sponsorships = fields.Integer(
        metadata={"description": "Sponsorships approved (and paid) on Dandelion."}
    )
    delivery_ratio = fields.Float(
        allow_none=True,
        metadata={
            "description": "Delivers what was forecast: actual engagements ÷ forecast engaged "
            "people over the creator's last 10 measured posts (7 days or older); null: none "
            "measured yet. Matching discounts the creator's value by min(1, this)."
        },
    )
    measured_sponsorships = fields.Integer(
        metadata={"description": "How many measured posts delivery_ratio is over."}
    )


class FitPartsSchema(ma.Schema):
    interests = fields.Float()
    gender = fields.Float()
    city_tiers = fields.Float()
    age = fields.Float()


class ProfileFitSchema(ma.Schema):
    campaign_id = fields.Integer()
    fit = fields.Float(
        metadata={
            "description": "0-1: about this share of the creator's engaged audience is your "
            "target audience (relevance × demographics)."
        }
    )
    relevance = fields.Float(
        metadata={"description": "Interest match, 0-1; 0 means no shared interest (no fit)."}
    )
    demographics = fields.Float(
        metadata={"description": "Gender, city tiers and age together, 0-1; scales relevance."}
    )
    parts = fields.Nested(
        FitPartsSchema, metadata={"description": "Each audience part's match to your target."}
    )
    expected_value = fields.Integer(
        metadata={
            "description": "Expected engaged people of your target audience per post: "
            "followers × engagement rate × fit."
        }
    )


class PublicProfileSchema(OfferCreatorSchema):
    """The creator summary every offer carries, and what a brand sees on the profile."""

    rate = fields.Nested(
        MoneySchema, allow_none=True, metadata={"description": "Money per sponsored post."}
    )
    categories = fields.List(
        fields.String(),
        metadata={"description": "The categories the creator is open to paid work for now."},
    )
    open = fields.Boolean(metadata={"description": "Open to paid work today."})
    reliability = fields.Nested(PublicReliabilitySchema)
    fit = fields.Nested(
        ProfileFitSchema,
        allow_none=True,
        metadata={
            "description": "Only with `?campaign_id=`: the fit to that campaign (null when the "
            "creator has no audience profile)."
        },
    )

    @ma.post_dump(pass_original=True)
    def _fit_only_when_asked(self, data: dict[str, Any], profile: Any, **_: Any) -> dict[str, Any]:
        if getattr(profile, "campaign", None) is None:
            data.pop("fit", None)
        return data
