"""Invitations and counter-offers: their input, and the turn history both sides read."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from collaborations.turns import history
from core.money import Money
from schemas.common import MoneySchema, StrictSchema, Text

MAX_MESSAGE = 2000
MAX_ID = 2_147_483_647


def _money(data: dict[str, Any] | None) -> Money | None:
    return Money(data["amount"], data["currency"]) if data else None


class InvitationInputSchema(StrictSchema):
    """A brand's invitation of one creator to one of its published campaigns."""

    creator_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID)
    )
    price = fields.Nested(
        MoneySchema,
        metadata={"description": "Optional; default the creator's rate. The campaign's currency."},
    )
    message = Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_MESSAGE),
        metadata={"description": "Your note to the creator (they read it with the brief)."},
    )

    @ma.post_load
    def _to_money(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["price"] = _money(data.get("price"))
        return data


class CounterInputSchema(StrictSchema):
    """A creator's counter: the price they ask and a note for the brand."""

    price = fields.Nested(
        MoneySchema,
        required=True,
        metadata={"description": "In the offer's currency, integer minor units, above zero."},
    )
    message = Text(
        required=True,
        validate=validate.Length(min=1, max=MAX_MESSAGE),
        metadata={"description": "Why this price: the brand reads it with the counter."},
    )

    @ma.post_load
    def _to_money(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["price"] = _money(data["price"])
        return data


class CounterAnswerSchema(StrictSchema):
    """The brand's optional note with its answer to a counter."""

    message = Text(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=MAX_MESSAGE),
        metadata={"description": "Optional note to the creator."},
    )


class TurnSchema(ma.Schema):
    """One step of the negotiation."""

    actor = fields.String(
        metadata={
            "description": "brand, creator, or platform (the matching's price).",
            "enum": ["brand", "creator", "platform"],
        }
    )
    kind = fields.String(
        metadata={
            "description": "offer (a price stands), counter, accept or decline.",
            "enum": ["offer", "counter", "accept", "decline"],
        }
    )
    price = fields.Nested(MoneySchema, allow_none=True)
    message = fields.String(allow_none=True)
    at = fields.DateTime()
    expires_at = fields.DateTime(
        allow_none=True, metadata={"description": "An offer or counter: answer by then."}
    )


class NegotiationFields(ma.Schema):
    """What both sides' offer schemas add: the brand's message, the counter, the turns."""

    message = fields.String(
        allow_none=True, metadata={"description": "The brand's note with an invitation."}
    )
    counter_price = fields.Nested(
        MoneySchema,
        allow_none=True,
        metadata={"description": "While countered: the creator's price awaiting your answer."},
    )
    turns = fields.List(
        fields.Nested(TurnSchema),
        metadata={"description": "The negotiation, oldest first, shown to both sides."},
    )

    def get_attribute(self, obj: Any, attr: str, default: Any) -> Any:
        """``counter_price`` and ``turns`` are read from the offer, not stored as such."""
        if attr == "counter_price":
            amount = getattr(obj, "counter_price_amount", None)
            return Money(amount, obj.currency) if amount is not None else None
        if attr == "turns":
            return history(obj)
        return super().get_attribute(obj, attr, default)
