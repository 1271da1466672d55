"""The taxonomy: the categories and interest tags that profiles and campaigns may use (public)."""

from __future__ import annotations

from typing import Any

from flask import Response, jsonify, request
from flask.views import MethodView
from flask_smorest import Blueprint

from extensions import current_taxonomy
from schemas.taxonomy import TaxonomyQuerySchema, TaxonomySchema, taxonomy_document
from taxonomy.cache import etag_of

blp = Blueprint(
    "taxonomy",
    __name__,
    description="The vocabulary of profiles and campaigns, managed by operators as data.",
)

EXAMPLE = {
    "version": 3,
    "categories": [
        {"slug": "beauty", "name": "Beauty", "names": {"en": "Beauty", "de": "Beauty", "zh": "美妆"},
         "active": True},
        {"slug": "skincare", "name": "Skincare",
         "names": {"en": "Skincare", "de": "Hautpflege", "zh": "护肤"}, "active": True},
    ],
    "interests": [
        {"slug": "beauty", "category": "beauty", "name": "Beauty", "names": {"en": "Beauty"},
         "active": True},
        {"slug": "makeup", "category": "beauty", "name": "Makeup", "names": {"en": "Makeup"},
         "active": True},
        {"slug": "skincare", "category": "skincare", "name": "Skincare",
         "names": {"en": "Skincare"}, "active": True},
        {"slug": "sun-care", "category": "skincare", "name": "Sun care",
         "names": {"en": "Sun care"}, "active": True},
    ],
    "countries": ["AT", "CH", "CN", "DE", "FR"],
}  # fmt: skip
# Clients may keep the document but must revalidate it (a 304 when unchanged): a tag an
# operator adds is visible on the next request.
CACHE_CONTROL = "public, no-cache"


@blp.route("/taxonomy")
class Taxonomy(MethodView):
    @blp.arguments(TaxonomyQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, TaxonomySchema, example=EXAMPLE)
    @blp.alt_response(304, description="Not modified: the `ETag` sent in `If-None-Match` holds.")
    def get(self, include_retired: bool, lang: str) -> Any:
        """The categories and interest tags profiles and campaigns may use, with their names.

        No token needed. `version` and the `ETag` change whenever an operator changes the
        taxonomy; send `If-None-Match` to get a 304 while it has not. Retired entries are left
        out unless `include_retired=true` (stored profiles may hold them; writes cannot)."""
        document = taxonomy_document(
            current_taxonomy(), include_retired=include_retired, lang=lang.strip().lower()
        )
        etag = etag_of(document)
        response = Response(status=304) if etag in request.if_none_match else jsonify(document)
        response.set_etag(etag)
        response.headers["Cache-Control"] = CACHE_CONTROL
        response.headers["Vary"] = "Accept-Encoding"
        return response
