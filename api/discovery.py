"""Discovery: brands search open creators by audience, ranked by fit to a campaign."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, current_brand, require
from collaborations import discovery
from extensions import db
from schemas.common import page_of
from schemas.discovery import CreatorSearchQuerySchema, FoundCreatorSchema

blp = Blueprint("discovery", __name__, description="Brands find creators by audience.")


@blp.route("/creators")
class CreatorSearch(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(CreatorSearchQuerySchema, location="query")
    @blp.response(200, page_of(FoundCreatorSchema), example=ex.page(ex.FOUND_CREATOR))
    @blp.alt_response(
        404,
        **ex.error_doc(404, "`campaign_id` is not one of your campaigns.", "Campaign not found."),
    )
    def get(self, query: dict[str, Any]) -> Any:
        """Find creators open to paid work: filter by category, interests, reach, price,
        audience leanings and reliability; with `campaign_id`, ranked by fit to its target
        (best first) with the expected engaged target audience and the price per engaged
        person. Creators you blocked never appear; contact details never do."""
        return discovery.search_creators(
            db.session,
            current_brand(),
            query["filters"],
            campaign_id=query["campaign_id"],
            page=query["page"],
            page_size=query["page_size"],
        )
