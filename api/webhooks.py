"""Stripe webhooks: verified on the raw body, applied once, answered quickly."""

from __future__ import annotations

import logging
from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from api import examples as ex
from core.errors import DomainError, NotFound
from extensions import db, payment_provider
from payments.webhooks import MalformedEvent, handle_event

log = logging.getLogger(__name__)
blp = Blueprint("webhooks", __name__, description="Events from the payment provider.")


class BadSignature(DomainError):
    """A refused delivery: missing, stale, future or wrong signature, or a malformed event."""

    status = 400


class WebhookResultSchema(ma.Schema):
    received = fields.Boolean()
    result = fields.String(metadata={"description": "processed, duplicate or ignored."})


# Stripe sends its own event shape, read from the raw body (the signature covers those bytes),
# so the body is documented here rather than loaded through a marshmallow schema.
STRIPE_EVENT_BODY = {
    "required": True,
    "description": "A Stripe event; only payment_intent.* and account.updated change anything.",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["id", "type", "data"],
                "properties": {
                    "id": {"type": "string"},
                    "type": {"type": "string"},
                    "data": {"type": "object"},
                },
            },
            "example": ex.STRIPE_EVENT,
        }
    },
}
STRIPE_SIGNATURE = {
    "in": "header",
    "name": "Stripe-Signature",
    # Not marked required: where Stripe is off the route answers 404 before looking at it.
    "description": "Stripe's signature of the raw body (t=...,v1=...); without it: 400.",
    "schema": {"type": "string"},
}


@blp.route("/webhooks/stripe")
class StripeWebhook(MethodView):
    @blp.doc(requestBody=STRIPE_EVENT_BODY, parameters=[STRIPE_SIGNATURE])
    @blp.response(200, WebhookResultSchema, example=ex.WEBHOOK_RESULT)
    @blp.alt_response(
        400,
        **ex.error_doc(
            400,
            "Missing, stale, future or wrong signature, or a malformed event: nothing was written.",
            "Webhook refused: No signatures found matching the expected signature for payload.",
        ),
    )
    def post(self) -> Any:
        """Receive a Stripe event (signed with the endpoint's secret)."""
        if payment_provider().name != "stripe":
            raise NotFound("Stripe webhooks are not enabled on this installation.")
        from payments.stripe_gateway import verify_webhook

        try:
            event = verify_webhook(
                request.get_data(cache=False),
                request.headers.get("Stripe-Signature"),
                current_app.config["STRIPE_WEBHOOK_SECRET"],
            )
        except ValueError as exc:
            raise BadSignature(f"Webhook refused: {exc}") from exc
        try:
            result = handle_event(db.session, event.to_dict(), payment_provider())
        except MalformedEvent as exc:
            # Signed by Stripe's secret but not an event we can read: a 400 stops Stripe's
            # retries (a 500 would make it retry for days); logged for an operator to look at.
            log.warning("webhook event refused: %s", exc)
            raise BadSignature(f"Webhook refused: malformed event: {exc}") from exc
        return {"received": True, "result": result}
