"""Open calls: the call, creators' applications, the brand's comparison and the optimiser's pick."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from collaborations.models import ApplicationStatus
from schemas.campaigns import CampaignOfferSchema, OfferCreatorSchema
from schemas.common import MoneySchema, PageQuerySchema, StrictSchema, Text
from schemas.creators import CampaignSummarySchema
from schemas.public_profiles import FitPartsSchema, PublicReliabilitySchema

MAX_PITCH = 2000


class OpenCallInputSchema(StrictSchema):
    closes_at = fields.AwareDateTime(
        required=True,
        default_timezone=UTC,
        metadata={
            "description": "When the call closes (ISO 8601; UTC if no offset is given): in the "
            "future, at most OPEN_CALL_MAX_DAYS (default 30) days ahead and not after the "
            "campaign ends. Creators apply, and you select, until then."
        },
    )


class OpenCallSchema(ma.Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    status = fields.String(
        metadata={
            "description": "open, or closed (past closes_at, closed early, or the "
            "campaign no longer takes creators).",
            "enum": ["open", "closed"],
        }
    )
    opened_at = fields.DateTime()
    closes_at = fields.DateTime()
    closed_at = fields.DateTime(
        allow_none=True,
        metadata={"description": "When the applicants not selected were told; null until then."},
    )
    applications = fields.Dict(
        attribute="counts",
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "Applications by status."},
    )


class OpenCallQuerySchema(PageQuerySchema):
    """``?page=&page_size=``."""


class ApplicationRefSchema(ma.Schema):
    id = fields.Integer()
    status = fields.Enum(ApplicationStatus, by_value=True)
    price = fields.Nested(MoneySchema)


class OpenCallForCreatorSchema(ma.Schema):
    campaign_id = fields.Integer()
    campaign = fields.Nested(CampaignSummarySchema)
    closes_at = fields.DateTime()
    budget_per_creator = fields.Nested(
        MoneySchema,
        metadata={"description": "A hint: the campaign's budget divided by its slots."},
    )
    fit = fields.Float(
        attribute="fit.fit",
        metadata={"description": "How much of your engaged audience is the brand's target, 0–1."},
    )
    expected_value = fields.Integer(
        attribute="fit.expected_value",
        metadata={"description": "Engaged people of the target audience a post should reach."},
    )
    applied = fields.Boolean(metadata={"description": "You applied (and did not withdraw)."})
    application = fields.Nested(ApplicationRefSchema, allow_none=True)


class ApplicationInputSchema(StrictSchema):
    price = fields.Nested(
        MoneySchema,
        required=True,
        metadata={
            "description": "Your price for one post, in the campaign's currency. Binding: if "
            "the brand selects you, this is the agreed price (no further acceptance)."
        },
    )
    pitch = Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_PITCH),
        metadata={"description": "Why you, for this brief (shown to the brand)."},
    )

    @ma.post_load
    def _strip(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if not data["pitch"].strip():
            raise ma.ValidationError("Write a few words.", "pitch")
        return data


class ApplicationSchema(ma.Schema):
    """An application as its creator reads it."""

    id = fields.Integer()
    campaign_id = fields.Integer()
    campaign = fields.Nested(CampaignSummarySchema)
    status = fields.Enum(
        ApplicationStatus,
        by_value=True,
        metadata={
            "description": "submitted, selected (an accepted offer), not_selected or "
            "withdrawn (by you)."
        },
    )
    price = fields.Nested(MoneySchema)
    pitch = fields.String()
    offer_id = fields.Integer(
        allow_none=True, metadata={"description": "The accepted offer once selected."}
    )
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class ApplicationQuerySchema(PageQuerySchema):
    status = fields.Enum(ApplicationStatus, by_value=True, load_default=None)


class ApplicantSchema(ma.Schema):
    """An application as the brand compares it with the others."""

    id = fields.Integer()
    status = fields.Enum(ApplicationStatus, by_value=True)
    creator = fields.Nested(OfferCreatorSchema)
    fit = fields.Float(
        metadata={"description": "Audience fit to the target, 0–1 (matching's model)."}
    )
    fit_components = fields.Nested(FitPartsSchema, attribute="parts")
    expected_value = fields.Integer(
        metadata={
            "description": "Engaged people of your target audience a post should reach: "
            "followers × engagement rate × fit."
        }
    )
    price = fields.Nested(MoneySchema, metadata={"description": "The creator's binding price."})
    price_per_engaged_person = fields.Nested(
        MoneySchema,
        allow_none=True,
        metadata={"description": "Price ÷ expected_value, rounded to the minor unit."},
    )
    reliability = fields.Nested(PublicReliabilitySchema, allow_none=True)
    pitch = fields.String()
    offer_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    decided_at = fields.DateTime(allow_none=True)


class AutoSelectQuerySchema(StrictSchema):
    dry_run = fields.Boolean(
        load_default=False,
        metadata={"description": "true: only propose (nothing is selected or committed)."},
    )


class LeftOutSchema(ma.Schema):
    application_id = fields.Integer(attribute="applicant.id")
    creator = fields.Nested(OfferCreatorSchema, attribute="applicant.creator")
    price = fields.Nested(MoneySchema, attribute="applicant.price")
    expected_value = fields.Integer(attribute="applicant.expected_value")
    reason = fields.String(
        metadata={
            "description": "guardrail (a rule refuses it; see rule), over_budget (its price "
            "alone is above the budget left), no_fit, lower_value_per_price (the budget reaches "
            "more with the chosen set), slots (the open slots reach more with others), minimum.",
            "enum": [
                "guardrail",
                "over_budget",
                "no_fit",
                "lower_value_per_price",
                "slots",
                "minimum",
            ],
        }
    )
    rule = fields.String(allow_none=True)
    text = fields.String()


class AutoSelectionSchema(ma.Schema):
    dry_run = fields.Boolean()
    text = fields.String(metadata={"description": "Why these, in a sentence or two."})
    chosen = fields.List(fields.Nested(ApplicantSchema))
    left_out = fields.List(fields.Nested(LeftOutSchema))
    offers = fields.List(
        fields.Nested(CampaignOfferSchema),
        metadata={"description": "The accepted offers created (empty for a dry run)."},
    )
    expected_value = fields.Integer(
        metadata={"description": "Engaged target people the chosen set reaches in all."}
    )
    by_value_alone = fields.Integer(
        metadata={"description": "What picking the biggest reach first would have reached."}
    )
    budget_available = fields.Nested(MoneySchema, attribute="budget_available_money")
    budget_used = fields.Nested(MoneySchema, attribute="budget_used_money")
    slots_available = fields.Integer()
    slots_used = fields.Integer()
    solver = fields.Method("_solver")

    def _solver(self, selection: Any) -> dict[str, Any]:
        return {
            "status": selection.status,
            "objective": selection.objective,
            "bound": selection.bound,
            "seconds": selection.seconds,
        }
