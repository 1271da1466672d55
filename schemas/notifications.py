"""Notifications, channel preferences and webhook endpoints in the API."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from notifications import kinds
from notifications.kinds import Channel
from notifications.models import DeliveryStatus
from schemas.common import PageQuerySchema, StrictSchema


class NotificationQuerySchema(PageQuerySchema):
    unread = fields.Boolean(
        load_default=None,
        metadata={"description": "true: only unread; false: only read; absent: all."},
    )


class NotificationSchema(ma.Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "A key of the kinds registry, e.g. offers.new."})
    subject = fields.String()
    body = fields.String()
    data = fields.Dict(metadata={"description": "Ids of what it is about, e.g. offer_id."})
    created_at = fields.DateTime()
    read_at = fields.DateTime(allow_none=True)


class NotificationPageSchema(ma.Schema):
    items = fields.List(fields.Nested(NotificationSchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    pages = fields.Integer()
    unread_count = fields.Integer(
        metadata={"description": "All of your unread notifications (the bell), on every page."}
    )


class ReadAllSchema(ma.Schema):
    marked = fields.Integer(metadata={"description": "How many were unread and are read now."})
    unread_count = fields.Integer()


class KindSchema(ma.Schema):
    kind = fields.String()
    label = fields.String()
    default = fields.Enum(Channel, by_value=True)


class PreferencesSchema(ma.Schema):
    channels = fields.Dict(
        keys=fields.String(),
        values=fields.Enum(Channel, by_value=True),
        metadata={"description": "Every kind you receive → email, webhook or app (only here)."},
    )
    kinds = fields.List(fields.Nested(KindSchema))


# One optional field per registered kind, so the document states the keys (and refuses others).
# (Attribute names without dots: marshmallow would read "offers.new" as a nested path.)
ChannelsInputSchema = StrictSchema.from_dict(
    {
        k.key.replace(".", "__"): fields.Enum(
            Channel, by_value=True, data_key=k.key, metadata={"description": k.label}
        )
        for k in kinds.KINDS
    },
    name="ChannelsInputSchema",
)


class PreferencesInputSchema(StrictSchema):
    channels = fields.Nested(
        ChannelsInputSchema,
        required=True,
        metadata={
            "description": "The kinds to change (only kinds your role receives); the others "
            "keep their channel."
        },
    )

    @ma.post_load
    def _kind_keys(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        data["channels"] = {k.replace("__", "."): v for k, v in data["channels"].items()}
        return data


class WebhookEndpointInputSchema(StrictSchema):
    url = fields.Url(
        required=True,
        schemes={"http", "https"},
        require_tld=False,
        validate=validate.Length(max=2000),
        metadata={"description": "https only in production (http is taken in embedded mode)."},
    )
    events = fields.List(
        fields.String(validate=validate.OneOf([k.key for k in kinds.KINDS])),
        required=True,
        validate=validate.Length(min=1, max=len(kinds.KINDS)),
        metadata={"description": "The notification kinds to receive."},
    )


class WebhookEndpointSchema(ma.Schema):
    id = fields.Integer()
    url = fields.String()
    events = fields.List(fields.String())
    created_at = fields.DateTime()
    disabled_at = fields.DateTime(
        allow_none=True, metadata={"description": "Set after repeated failures; re-enable it."}
    )
    consecutive_failures = fields.Integer()


class WebhookEndpointCreatedSchema(WebhookEndpointSchema):
    secret = fields.String(
        metadata={"description": "Signs every delivery; shown only in this response."}
    )


class WebhookDeliveryQuerySchema(PageQuerySchema):
    """``?page=&page_size=`` of the delivery log."""


class WebhookDeliverySchema(ma.Schema):
    id = fields.Integer()
    notification_id = fields.Integer()
    kind = fields.String(attribute="notification.kind")
    status = fields.Enum(DeliveryStatus, by_value=True)
    attempts = fields.Integer()
    next_attempt_at = fields.DateTime(
        allow_none=True, metadata={"description": "When it is tried again (pending only)."}
    )
    last_status_code = fields.Integer(allow_none=True)
    last_error = fields.String(allow_none=True)
    last_attempt_at = fields.DateTime(allow_none=True)
    delivered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()

    @ma.post_dump(pass_original=True)
    def _next_only_when_pending(
        self, data: dict[str, Any], original: object, **_: object
    ) -> dict[str, Any]:
        if getattr(original, "status", None) is not DeliveryStatus.PENDING:
            data["next_attempt_at"] = None
        return data


class WebhookDeliveryPageSchema(ma.Schema):
    items = fields.List(fields.Nested(WebhookDeliverySchema))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()
    pages = fields.Integer()
