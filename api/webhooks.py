"""Stripe webhooks: verified on the raw body, applied once, answered quickly."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import current_app, request
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import fields

from core.errors import DomainError, NotFound
from extensions import db, payment_provider
from payments.webhooks import handle_event

blp = Blueprint("webhooks", __name__, description="Events from the payment provider.")


class BadSignature(DomainError):
    status = 400


class WebhookResultSchema(ma.Schema):
    received = fields.Boolean()
    result = fields.String(metadata={"description": "processed, duplicate or ignored."})


@blp.route("/webhooks/stripe")
class StripeWebhook(MethodView):
    @blp.response(200, WebhookResultSchema)
    @blp.alt_response(400, description="Missing, stale or wrong signature: nothing was written.")
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
        result = handle_event(db.session, event.to_dict(), payment_provider())
        return {"received": True, "result": result}
