"""Brands review delivered posts: approve (pays the creator) or reject with a reason."""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, current_brand, require
from api.params import ID
from collaborations import services as collaborations
from extensions import db, payment_provider
from schemas.creators import ReviewRejectSchema, SponsorshipSchema

blp = Blueprint("sponsorships", __name__, description="Brands review delivered posts.")


@blp.route(f"/sponsorships/<{ID}:sponsorship_id>/approve")
class Approve(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, SponsorshipSchema, example=ex.APPROVED_SPONSORSHIP)
    @blp.alt_response(409, **ex.error_doc(409, "Only delivered posts can be approved."))
    def post(self, sponsorship_id: int) -> Any:
        """Approve the post and pay the creator the agreed price."""
        return collaborations.approve_sponsorship(
            db.session, current_brand(), sponsorship_id, provider=payment_provider()
        )


@blp.route(f"/sponsorships/<{ID}:sponsorship_id>/reject")
class Reject(MethodView):
    decorators = [require(Role.BRAND)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(ReviewRejectSchema, example=ex.REVIEW_REJECT)
    @blp.response(200, SponsorshipSchema, example=ex.REJECTED_SPONSORSHIP)
    @blp.alt_response(409, **ex.error_doc(409, "Only delivered posts can be rejected."))
    def post(self, data: dict[str, Any], sponsorship_id: int) -> Any:
        """Send the post back with a reason; the creator can deliver again."""
        return collaborations.reject_deliverable(
            db.session,
            current_brand(),
            sponsorship_id,
            data["reason"],
            provider=payment_provider(),
            max_rejections=current_app.config["MAX_REJECTIONS"],
        )
