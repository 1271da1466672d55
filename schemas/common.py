"""Schemas shared by every resource: strict input, money, audience, pagination, errors."""

from __future__ import annotations

from typing import Any, ClassVar

import marshmallow as ma
from marshmallow import fields, validate

from core.audience import (
    FIXED_KEYS,
    FULL_PARTS,
    PARTS,
    REQUIRED_PARTS,
    SHARE_TOLERANCE,
    audience_errors,
)
from core.money import CURRENCIES, MAX_AMOUNT
from core.pagination import MAX_PAGE_SIZE
from core.text_input import (
    NAME_PATTERN,
    TEXT_PATTERN,
    name_problem,
    text_problem,
    unstorable_fields,
)

MAX_PAGE = 1_000_000


class StrictSchema(ma.Schema):
    """Input schema: unknown fields are errors, and server-owned fields get a clear refusal."""

    # name -> why a client may not set it
    read_only_fields: ClassVar[dict[str, str]] = {}

    class Meta:
        unknown = ma.RAISE

    @ma.pre_load
    def _refuse_unstorable_text(self, data: Any, **_: Any) -> Any:
        # NUL or a lone surrogate anywhere in the input (nested objects, lists, keys) is a field
        # error before any field loads: the database and the password hasher cannot take them.
        errors = unstorable_fields(data)
        if errors:
            raise ma.ValidationError(errors)
        return data

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


class Name(fields.String):
    """A name people see (brand name, display name, campaign title): one line of visible text,
    stripped; blank, control and invisible characters are refused (``core.text_input``)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if type(self) is Name:  # a Handle documents its own, stricter pattern
            self.metadata.setdefault("pattern", NAME_PATTERN)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = name_problem(text)
        if problem:
            raise ma.ValidationError(problem)
        return text.strip()


class Handle(Name):
    """A creator's handle: a ``Name`` that must also match ``pattern`` in full."""

    def __init__(self, *, pattern: str, error: str, **kwargs: Any) -> None:
        super().__init__(validate=validate.Regexp(pattern, error=error), **kwargs)


class Text(fields.String):
    """Free text (a brief, a reason): tabs and newlines allowed, other control characters
    refused (``core.text_input``). Kept as sent."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metadata.setdefault("pattern", TEXT_PATTERN)

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        text = super()._deserialize(value, attr, data, **kwargs)
        problem = text_problem(text)
        if problem:
            raise ma.ValidationError(problem)
        return text


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


def audience_json_schema(require_all_parts: bool) -> dict[str, Any]:
    """The OpenAPI description of ``core.audience.audience_errors``: its parts, their keys, and
    non-negative shares (a share above 1 + the tolerance cannot be in a part summing to 1)."""
    share = {"type": "number", "minimum": 0, "maximum": 1 + SHARE_TOLERANCE}
    parts: dict[str, Any] = {}
    for part in PARTS:
        keys = FIXED_KEYS.get(part)
        if part == "interests":
            spec: dict[str, Any] = {
                "additionalProperties": share,
                "description": "Interest tag slugs from `GET /api/v1/taxonomy` (active ones).",
                "example": {"skincare": 0.6, "makeup": 0.3, "wellness": 0.1},
            }
        elif part == "countries":
            spec = {
                "properties": {key: share for key in keys or ()},
                "additionalProperties": False,
                "description": "Optional: where the audience lives, by ISO 3166-1 alpha-2 code. "
                "In a campaign's target: the countries wanted (absent: anywhere).",
                "example": {"DE": 0.7, "AT": 0.2, "CH": 0.1},
            }
        else:
            spec = {"properties": {key: share for key in keys or ()}, "additionalProperties": False}
        parts[part] = {"type": "object", "minProperties": 1, **spec}
    parts["city_tiers"]["description"] = (
        "Mainland China's city tiers: required unless `countries` is given without CN."
    )
    out: dict[str, Any] = {
        "properties": parts,
        "required": [
            p for p in (FULL_PARTS if require_all_parts else REQUIRED_PARTS) if p != "city_tiers"
        ],
        "additionalProperties": False,
    }
    if require_all_parts:
        # city tiers are required unless the countries leave mainland China out
        out["anyOf"] = [
            {"required": ["city_tiers"]},
            {"required": ["countries"], "properties": {"countries": {"not": {"required": ["CN"]}}}},
        ]
    return out


class AudienceField(fields.Dict):
    """An audience profile, validated part by part (see ``core.audience``)."""

    def __init__(self, *, require_all_parts: bool = False, **kwargs: Any) -> None:
        super().__init__(keys=fields.String(), **kwargs)
        self.require_all_parts = require_all_parts
        # the document states every rule but the sums (JSON Schema cannot add numbers up)
        for key, value in audience_json_schema(require_all_parts).items():
            self.metadata.setdefault(key, value)
        self.metadata.setdefault(
            "description",
            "`{interests: {tag: share}, gender: {female, male}, city_tiers: {'1'..'5': share}, "
            "age: {'<18','18-24','25-34','35-44','45+': share}, countries?: {'DE': share}}`; "
            "each part sums to 1 ± 0.01. Tags come from `GET /api/v1/taxonomy`; a retired tag "
            "already stored stays readable but cannot be written again.",
        )

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> Any:
        result = super()._deserialize(value, attr, data, **kwargs)
        from extensions import current_taxonomy

        taxonomy = current_taxonomy()
        errors = audience_errors(
            result,
            require_all_parts=self.require_all_parts,
            tags=taxonomy.active_tags,
            retired=taxonomy.retired_tags,
        )
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
