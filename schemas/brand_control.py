"""The brand in control of its offers: withdrawing one, and the brand's block list."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from schemas.common import PageQuerySchema, StrictSchema, Text

MAX_REASON = 1000
MAX_ID = 2_147_483_647


class WithdrawOfferSchema(StrictSchema):
    """Why the offer is withdrawn: for the brand's own records, never shown to the creator."""

    reason = Text(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=MAX_REASON),
        metadata={"description": "Optional, up to 1000 characters; kept for your records."},
    )


class BlockInputSchema(StrictSchema):
    """A creator to put on the block list."""

    creator_id = fields.Integer(
        required=True, strict=True, validate=validate.Range(min=1, max=MAX_ID)
    )
    reason = Text(
        allow_none=True,
        load_default=None,
        validate=validate.Length(max=MAX_REASON),
        metadata={"description": "Optional, up to 1000 characters; only you see it."},
    )


class BlockQuerySchema(PageQuerySchema):
    """``?page=&page_size=`` of the block list."""


class BrandBlockSchema(ma.Schema):
    """A creator the brand is never offered."""

    creator_id = fields.Integer()
    handle = fields.String(attribute="creator.handle")
    display_name = fields.String(attribute="creator.display_name")
    reason = fields.String(allow_none=True)
    created_at = fields.DateTime()
