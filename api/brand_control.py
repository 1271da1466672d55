"""The brand in control of its offers: withdraw one ("not for this campaign"), block creators."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, current_brand, require
from api.params import ID
from collaborations import services as collaborations
from extensions import db
from schemas.brand_control import (
    BlockInputSchema,
    BlockQuerySchema,
    BrandBlockSchema,
    WithdrawOfferSchema,
)
from schemas.campaigns import CampaignOfferSchema
from schemas.common import page_of

blp = Blueprint(
    "brand_control",
    __name__,
    description="Brands decide: withdraw an offer, keep a block list of creators.",
)


@blp.route(f"/offers/<{ID}:offer_id>/withdraw")
class OfferWithdraw(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(WithdrawOfferSchema, required=False, example=ex.WITHDRAW_OFFER)
    @blp.response(200, CampaignOfferSchema, example=ex.WITHDRAWN_OFFER)
    @blp.alt_response(404, **ex.error_doc(404, "Not an offer of yours.", "Offer not found."))
    @blp.alt_response(
        409,
        **ex.error_doc(
            409,
            "The offer no longer awaits the creator's reply.",
            "Only offers awaiting the creator's reply can be withdrawn; the creator already "
            "accepted it (it is a sponsorship now).",
        ),
    )
    def post(self, data: dict[str, Any], offer_id: int) -> Any:
        """Withdraw a proposal: its slot opens for the next match, and the creator is not
        offered this campaign again. Nothing was committed, so no money moves."""
        return collaborations.withdraw_offer(
            db.session, current_brand(), offer_id, (data or {}).get("reason")
        )


@blp.route("/brands/me/blocks")
class Blocks(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(BlockQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(BrandBlockSchema), example=ex.page(ex.BLOCK))
    def get(self, **query: Any) -> Any:
        """Your block list, newest first: creators never offered to your campaigns."""
        return collaborations.list_blocks(db.session, current_brand(), **query)

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(BlockInputSchema, example=ex.BLOCK_INPUT)
    @blp.response(201, BrandBlockSchema, example=ex.BLOCK)
    @blp.alt_response(404, **ex.error_doc(404, "No such creator.", "Creator not found."))
    def post(self, data: dict[str, Any]) -> Any:
        """Block a creator: never offered to any of your campaigns again; your offers to them
        still awaiting a reply are withdrawn (reason "blocked"). Blocking twice answers with
        the same block (its first reason and time)."""
        result = collaborations.block_creator(
            db.session, current_brand(), data["creator_id"], data.get("reason")
        )
        return result.block


@blp.route(f"/brands/me/blocks/<{ID}:creator_id>")
class BlockItem(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(204)
    @blp.alt_response(
        404, **ex.error_doc(404, "Not on your list.", "This creator is not on your block list.")
    )
    def delete(self, creator_id: int) -> None:
        """Unblock a creator (offers withdrawn earlier stay withdrawn)."""
        collaborations.unblock_creator(db.session, current_brand(), creator_id)
