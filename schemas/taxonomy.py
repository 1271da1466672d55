"""The taxonomy in the API: its document (``GET /taxonomy``) and fields that check input
against the active vocabulary."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from extensions import current_taxonomy
from schemas.common import StrictSchema
from taxonomy.services import Taxonomy

TAXONOMY_HINT = "GET /api/v1/taxonomy lists them"


def category_problem(slug: Any, taxonomy: Taxonomy) -> str | None:
    """Why ``slug`` cannot be chosen as a category now, or None."""
    if slug in taxonomy.active_categories:
        return None
    if slug in taxonomy.retired_categories:
        return f"The category {slug!r} was retired and can no longer be chosen; {TAXONOMY_HINT}."
    return f"Unknown category {slug!r}; {TAXONOMY_HINT}."


class CategoryField(fields.String):
    """A category slug from the active taxonomy (checked when the input is loaded)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.metadata.setdefault(
            "description", "A category slug from the taxonomy (`GET /api/v1/taxonomy`)."
        )
        self.metadata.setdefault("example", "skincare")

    def _deserialize(self, value: Any, attr: Any, data: Any, **kwargs: Any) -> str:
        slug = super()._deserialize(value, attr, data, **kwargs)
        problem = category_problem(slug, current_taxonomy())
        if problem:
            raise ma.ValidationError(problem)
        return slug


class TaxonomyQuerySchema(StrictSchema):
    include_retired = fields.Boolean(
        load_default=False,
        metadata={
            "description": "Also list retired categories and tags (`active: false`): stored "
            "profiles may still hold them, new writes cannot choose them."
        },
    )
    lang = fields.String(
        load_default="en",
        validate=validate.Regexp(
            r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})?$", error="A language code such as en or de."
        ),
        metadata={
            "description": "Language of `name` (`names` has every translation).",
            "example": "de",
        },
    )


class TaxonomyCategorySchema(ma.Schema):
    slug = fields.String(metadata={"example": "beauty"})
    name = fields.String(metadata={"example": "Beauty"})
    names = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"example": {"en": "Beauty", "zh": "美妆"}},
    )
    active = fields.Boolean()


class TaxonomyTagSchema(ma.Schema):
    slug = fields.String(metadata={"example": "makeup"})
    category = fields.String(
        metadata={"description": "The parent category's slug.", "example": "beauty"}
    )
    name = fields.String(metadata={"example": "Makeup"})
    names = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"example": {"en": "Makeup"}}
    )
    active = fields.Boolean()


class TaxonomySchema(ma.Schema):
    version = fields.Integer(metadata={"description": "Bumped by every change an operator makes."})
    categories = fields.List(fields.Nested(TaxonomyCategorySchema))
    interests = fields.List(
        fields.Nested(TaxonomyTagSchema),
        metadata={"description": "The interest tags of audience profiles' `interests` part."},
    )
    countries = fields.List(
        fields.String(),
        metadata={
            "description": "ISO 3166-1 alpha-2 codes the `countries` part of a profile takes.",
            "example": ["AT", "CH", "CN", "DE"],
        },
    )


def taxonomy_document(taxonomy: Taxonomy, *, include_retired: bool, lang: str) -> dict[str, Any]:
    """The JSON the API serves for one taxonomy version (pure: the cache keys on its input)."""
    from core.countries import COUNTRY_CODES

    return {
        "version": taxonomy.version,
        "categories": [
            {"slug": c.slug, "name": c.name(lang), "names": c.names, "active": c.active}
            for c in taxonomy.categories
            if c.active or include_retired
        ],
        "interests": [
            {
                "slug": t.slug,
                "category": t.category,
                "name": t.name(lang),
                "names": t.names,
                "active": t.active,
            }
            for t in taxonomy.tags
            if t.active or include_retired
        ],  # fmt: skip
        "countries": list(COUNTRY_CODES),
    }
