"""Operators: the dispute queue (posts rejected more than MAX_REJECTIONS times) and the
reversal of a paid sponsorship. Operator token only; brands and creators get 403."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields, validate

from accounts.models import Role
from api import examples as ex
from api.auth import BEARER_SECURITY, require
from api.params import ID
from collaborations import approvals, review_notices
from extensions import db, payment_provider
from schemas.common import PageQuerySchema, StrictSchema, Text, page_of
from schemas.creators import SponsorshipSchema

blp = Blueprint(
    "disputes",
    __name__,
    description="Operators: disputes over rejected posts, and reversing a paid sponsorship.",
)


class DisputeDecisionSchema(StrictSchema):
    note = Text(
        required=True,
        validate=validate.Length(min=3, max=2000),
        metadata={
            "description": "The operator's note, kept as the sponsorship's "
            "`dispute_resolution` and sent to both sides."
        },
    )


class ReversalRequestSchema(StrictSchema):
    reason = Text(
        required=True,
        validate=validate.Length(min=3, max=2000),
        metadata={
            "description": "Why the paid sponsorship is called off; kept and sent to both sides."
        },
    )


class _Party(ma.Schema):
    id = fields.Integer()
    name = fields.String()


class _Creator(ma.Schema):
    id = fields.Integer()
    handle = fields.String()


class RejectionSchema(ma.Schema):
    at = fields.DateTime()
    reason = fields.String()


class DisputeSchema(ma.Schema):
    sponsorship = fields.Nested(
        SponsorshipSchema,
        metadata={"description": "With the brief (`campaign.brief`), the post URL and the price."},
    )
    brand = fields.Nested(_Party)
    creator = fields.Nested(_Creator)
    rejection_history = fields.List(
        fields.Nested(RejectionSchema),
        metadata={"description": "Every reason the brand gave, oldest first."},
    )


def _disputes(items: list[Any]) -> list[dict[str, Any]]:
    history = review_notices.rejection_history(db.session, items)
    return [
        {
            "sponsorship": s,
            "brand": s.campaign.brand,
            "creator": s.creator,
            "rejection_history": history[s.id],
        }
        for s in items
    ]


@blp.route("/disputes")
class Disputes(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PageQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, page_of(DisputeSchema), example=ex.page(ex.DISPUTE))
    def get(self, page: int, page_size: int) -> Any:
        """Sponsorships waiting for an operator, the longest waiting first."""
        found = approvals.list_disputes(db.session, page=page, page_size=page_size)
        return {
            "items": _disputes(found.items),
            "total": found.total,
            "page": found.page,
            "page_size": found.page_size,
            "pages": found.pages,
        }


@blp.route(f"/disputes/<{ID}:sponsorship_id>")
class DisputeItem(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, DisputeSchema, example=ex.DISPUTE)
    def get(self, sponsorship_id: int) -> Any:
        """One dispute, waiting or decided (404 for a sponsorship never disputed)."""
        return _disputes([approvals.get_dispute(db.session, sponsorship_id)])[0]


@blp.route(f"/disputes/<{ID}:sponsorship_id>/approve")
class DisputeApprove(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(DisputeDecisionSchema, example=ex.DISPUTE_DECISION)
    @blp.response(200, SponsorshipSchema, example=ex.DISPUTE_APPROVED)
    @blp.alt_response(409, **ex.error_doc(409, "This dispute was already decided."))
    def post(self, data: dict[str, Any], sponsorship_id: int) -> Any:
        """Side with the creator: approve the post and pay the agreed price (once)."""
        return approvals.approve_dispute(
            db.session, sponsorship_id, data["note"], provider=payment_provider()
        )


@blp.route(f"/disputes/<{ID}:sponsorship_id>/cancel")
class DisputeCancel(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(DisputeDecisionSchema, example=ex.DISPUTE_DECISION)
    @blp.response(200, SponsorshipSchema, example=ex.DISPUTE_CANCELLED)
    @blp.alt_response(409, **ex.error_doc(409, "This dispute was already decided."))
    def post(self, data: dict[str, Any], sponsorship_id: int) -> Any:
        """Side with the brand: cancel the sponsorship, release its price and refund it."""
        return approvals.cancel_dispute(
            db.session, sponsorship_id, data["note"], provider=payment_provider()
        )


@blp.route(f"/sponsorships/<{ID}:sponsorship_id>/reverse")
class Reverse(MethodView):
    decorators = [require(Role.OPERATOR)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(ReversalRequestSchema, example=ex.REVERSAL_REQUEST)
    @blp.response(200, SponsorshipSchema, example=ex.REVERSED_SPONSORSHIP)
    @blp.alt_response(409, **ex.error_doc(409, "Only approved, paid sponsorships can be reversed."))
    def post(self, data: dict[str, Any], sponsorship_id: int) -> Any:
        """Call off an approved, paid sponsorship (fraud, a post taken down): the creator's
        transfer is reversed once, even if an earlier attempt's answer was lost, and the
        price is refunded to the brand."""
        return approvals.reverse_sponsorship(
            db.session, sponsorship_id, data["reason"], provider=payment_provider()
        )
