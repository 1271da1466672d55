"""Schemas shared by every resource: strict input, money, audience, pagination, errors."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import fields, validate

from core.audience import audience_errors
from core.money import CURRENCIES, MAX_AMOUNT
from core.pagination import MAX_PAGE_SIZE

MAX_PAGE = 1_000_000


class StrictSchema(ma.Schema):
    """Input schema: unknown fields are errors, and server-owned fields get a clear refusal."""

    # name -> why a client may not set it
    read_only_fields: ClassVar[dict[str, str]] = {}

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_read_only(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict):
            refused = {
                name: [f"Read-only: {why}"]
                for name, why in self.read_only_fields.items()
                if name in data
            }
            if refused:
                raise ma.ValidationError(refused)
        return data


class MoneySchema(StrictSchema):
    """``{amount: integer minor units, currency: ISO 4217}``."""

    amount = fields.Integer(
        required=True,
        strict=True,
        validate=validate.Range(min=1, max=MAX_AMOUNT),
        metadata={"description": "Integer minor units (cents), never a float.", "example": 500000},
    )
    currency = fields.String(
        required=True,
        validate=validate.OneOf(sorted(CURRENCIES)),
        metadata={"description": "ISO 4217 code.", "example": "EUR"},
    )


class AudienceField(fields.Dict):
    """An audience profile, validated part by part (see ``core.audience``)."""

    def __init__(self, *, require_all_parts: bool = False, **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), **kwargs)
        self.require_all_parts = require_all_parts
        self.metadata.setdefault(
            "description",
            "`{interests: {tag: share}, gender: {female, male}, city_tiers: {'1'..'5': share}, "
            "age: {'<18','18-24','25-34','35-44','45+': share}}`; each part sums to 1 ± 0.01.",
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)
        errors = audience_errors(result, require_all_parts=self.require_all_parts)
        if errors:
            raise ma.ValidationError(errors)
        return result


class PageQuerySchema(StrictSchema):
    """``?page=&page_size=`` on every list."""

    # Capped so that page × page_size stays a valid OFFSET for the database.
    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=MAX_PAGE))
    page_size = fields.Integer(load_default=20, validate=validate.Range(min=1, max=MAX_PAGE_SIZE))


_page_schemas: dict[str, type[ma.Schema]] = {}


def page_of(item_schema: type[ma.Schema]) -> type[ma.Schema]:
    """The list envelope ``{items, total, page, page_size, pages}`` for ``item_schema``."""
    name = item_schema.__name__.removesuffix("Schema") + "PageSchema"
    if name not in _page_schemas:
        _page_schemas[name] = type(
            name,
            (ma.Schema,),
            {
                "items": fields.List(fields.Nested(item_schema)),
                "total": fields.Integer(),
                "page": fields.Integer(),
                "page_size": fields.Integer(),
                "pages": fields.Integer(),
            },
        )
    return _page_schemas[name]
