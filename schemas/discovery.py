"""Discovery: the search query (``GET /creators``) and its results."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from collaborations.discovery import (
    DEFAULT_LEANING_SHARE,
    DEFAULT_MIN_INTEREST_SHARE,
    CreatorFilters,
)
from core.audience import FIXED_KEYS
from core.money import CURRENCIES, MAX_AMOUNT
from extensions import current_taxonomy
from schemas.campaigns import OfferCreatorSchema
from schemas.common import MoneySchema, PageQuerySchema
from schemas.public_profiles import MAX_ID, FitPartsSchema, PublicReliabilitySchema
from schemas.taxonomy import TAXONOMY_HINT

_SHARE = validate.Range(min=0, max=1)
_AMOUNT = validate.Range(min=1, max=MAX_AMOUNT)
_FOLLOWERS = validate.Range(min=0, max=MAX_ID)


def _share(description: str, default: float | None = None) -> fields.Float:
    return fields.Float(
        load_default=default,
        validate=_SHARE,
        metadata={"description": description, "example": default if default is not None else 0.8},
    )


class CreatorSearchQuerySchema(PageQuerySchema):
    """``?campaign_id=&category=&interest=&min_followers=&max_followers=&max_rate=&page=``…"""

    campaign_id = fields.Integer(
        load_default=None,
        validate=validate.Range(min=1, max=MAX_ID),
        metadata={
            "description": "One of your campaigns: results are ranked by fit to its target, in "
            "its category and currency (another brand's campaign is a 404).",
            "example": 7,
        },
    )
    category = fields.String(
        load_default=None,
        validate=validate.Length(max=40),
        metadata={"description": "Only creators who accept this category now (a slug from "
                  "`GET /api/v1/taxonomy`)."},
    )  # fmt: skip
    interest = fields.List(
        fields.String(validate=validate.Length(max=40)),
        load_default=list,
        validate=validate.Length(max=50),
        metadata={
            "description": "Interest tags (repeat the parameter for several): at least "
            "`min_interest_share` of the audience is interested in them together."
        },
    )
    min_interest_share = _share(
        "With `interest`: the audience's combined share in those tags.", DEFAULT_MIN_INTEREST_SHARE
    )
    min_followers = fields.Integer(load_default=None, validate=_FOLLOWERS)
    max_followers = fields.Integer(load_default=None, validate=_FOLLOWERS)
    min_rate = fields.Integer(
        load_default=None,
        validate=_AMOUNT,
        metadata={"description": "Minor units of `currency` (or the campaign's currency)."},
    )
    max_rate = fields.Integer(
        load_default=None,
        validate=_AMOUNT,
        metadata={"description": "Minor units of `currency` (or the campaign's currency)."},
    )
    currency = fields.String(
        load_default=None,
        validate=validate.OneOf(sorted(CURRENCIES)),
        metadata={"description": "Creators paid in this currency; needed with a rate range "
                  "unless `campaign_id` is given."},
    )  # fmt: skip
    gender = fields.String(
        load_default=None,
        validate=validate.OneOf(FIXED_KEYS["gender"]),
        metadata={"description": "An audience leaning: at least `min_gender_share` of it."},
    )
    min_gender_share = _share("With `gender`.", DEFAULT_LEANING_SHARE)
    city_tier = fields.List(
        fields.String(validate=validate.OneOf(FIXED_KEYS["city_tiers"])),
        load_default=list,
        validate=validate.Length(max=len(FIXED_KEYS["city_tiers"])),
        metadata={
            "description": "City tiers (repeat for several): at least `min_city_tier_share` of "
            "the audience lives in them together."
        },
    )
    min_city_tier_share = _share("With `city_tier`.", DEFAULT_LEANING_SHARE)
    age = fields.List(
        fields.String(validate=validate.OneOf(FIXED_KEYS["age"])),
        load_default=list,
        validate=validate.Length(max=len(FIXED_KEYS["age"])),
        metadata={
            "description": "Age bands (repeat for several): at least `min_age_share` of the "
            "audience is in them together."
        },
    )
    min_age_share = _share("With `age`.", DEFAULT_LEANING_SHARE)
    min_reply_rate = _share(
        "Offers answered within 48 h ÷ offers due; creators with no offer due yet are left out."
    )
    min_on_time_rate = _share(
        "Posts delivered on time ÷ posts due; creators with nothing due yet are left out."
    )
    verified = fields.Boolean(
        load_default=False, metadata={"description": "Only creators verified by the platform."}
    )

    @ma.validates_schema
    def _in_taxonomy(self, data: dict[str, Any], **_: Any) -> None:
        # Searching reads stored profiles: retired tags and categories may be searched for.
        taxonomy = current_taxonomy()
        errors: dict[str, list[str]] = {}
        category = data.get("category")
        if category is not None and category not in taxonomy.category_by_slug:
            errors["category"] = [f"Unknown category {category!r}; {TAXONOMY_HINT}."]
        unknown = sorted(set(data.get("interest") or ()) - set(taxonomy.tag_by_slug))
        if unknown:
            errors["interest"] = [f"Unknown interest tags {unknown}; {TAXONOMY_HINT}."]
        if errors:
            raise ma.ValidationError(errors)

    @ma.post_load
    def _to_filters(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        """``{campaign_id, page, page_size, filters: CreatorFilters}``."""
        out = {k: data.pop(k) for k in ("campaign_id", "page", "page_size")}
        out["filters"] = CreatorFilters(
            category=data["category"],
            interests=tuple(data["interest"]),
            min_interest_share=data["min_interest_share"],
            min_followers=data["min_followers"],
            max_followers=data["max_followers"],
            min_rate=data["min_rate"],
            max_rate=data["max_rate"],
            currency=data["currency"],
            gender=data["gender"],
            min_gender_share=data["min_gender_share"],
            city_tiers=tuple(data["city_tier"]),
            min_city_tier_share=data["min_city_tier_share"],
            ages=tuple(data["age"]),
            min_age_share=data["min_age_share"],
            min_reply_rate=data["min_reply_rate"],
            min_on_time_rate=data["min_on_time_rate"],
            verified_only=data["verified"],
        )
        return out


class FoundCreatorFitSchema(ma.Schema):
    relevance = fields.Float(
        metadata={"description": "Interest match, 0-1 (above 0: a shared interest)."}
    )
    demographics = fields.Float(metadata={"description": "Gender, city tiers and age, 0-1."})
    parts = fields.Nested(FitPartsSchema)


class FoundCreatorSchema(OfferCreatorSchema):
    """A search result: the public profile (never contact details) and, for a campaign, fit."""

    rate = fields.Nested(
        MoneySchema, allow_none=True, metadata={"description": "Money per sponsored post."}
    )
    categories = fields.List(
        fields.String(), metadata={"description": "The categories the creator is open to now."}
    )
    reliability = fields.Nested(PublicReliabilitySchema)
    campaign_id = fields.Integer(allow_none=True)
    fit = fields.Float(
        allow_none=True,
        metadata={
            "description": "0-1, by the matching's fit model: about this share of the "
            "creator's engaged audience is the campaign's target audience; null without "
            "`campaign_id`."
        },
    )
    expected_value = fields.Integer(
        allow_none=True,
        metadata={
            "description": "Expected engaged people of the campaign's target audience per "
            "post: followers × engagement rate × fit; null without `campaign_id`."
        },
    )
    price_per_engaged = fields.Nested(
        MoneySchema,
        allow_none=True,
        metadata={
            "description": "The rate ÷ `expected_value`, rounded half up to minor units (at "
            "least 1); null without `campaign_id`."
        },
    )
    fit_details = fields.Nested(
        FoundCreatorFitSchema,
        attribute="match",
        allow_none=True,
        metadata={"description": "The fit's parts; null without `campaign_id`."},
    )
