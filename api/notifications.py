"""The caller's notifications, their channel per kind, and their webhook endpoints (any token).

Delivery itself runs in jobs (``notifications.delivery``); these views only read and write rows.
"""

from __future__ import annotations

from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from accounts.models import Role
from api import examples as ex
from api import notification_examples as nx
from api.auth import BEARER_SECURITY, current_account, require
from api.params import ID
from extensions import db
from notifications import endpoints, service
from schemas.notifications import (
    NotificationPageSchema,
    NotificationQuerySchema,
    NotificationSchema,
    PreferencesInputSchema,
    PreferencesSchema,
    ReadAllSchema,
    WebhookDeliveryPageSchema,
    WebhookDeliveryQuerySchema,
    WebhookEndpointCreatedSchema,
    WebhookEndpointInputSchema,
    WebhookEndpointSchema,
)

blp = Blueprint(
    "notifications",
    __name__,
    description="What happened, for the caller: notifications, channels, webhook endpoints.",
)
ANY_ROLE = (Role.BRAND, Role.CREATOR, Role.OPERATOR)
NOT_YOURS = ex.error_doc(404, "Not one of yours.", "Notification not found.")
ENDPOINT_NOT_YOURS = ex.error_doc(404, "Not one of your endpoints.", "Webhook endpoint not found.")


@blp.route("/notifications")
class Notifications(MethodView):
    decorators = [require(*ANY_ROLE)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(NotificationQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, NotificationPageSchema, example=nx.NOTIFICATION_PAGE)
    def get(self, **query: Any) -> Any:
        """Your notifications, newest first (``?unread=true`` for the unread ones), with the
        number still unread."""
        account_id = current_account().id
        result = service.list_notifications(db.session, account_id, **query)
        return {
            "items": result.items,
            "total": result.total,
            "page": result.page,
            "page_size": result.page_size,
            "pages": result.pages,
            "unread_count": service.unread_count(db.session, account_id),
        }


@blp.route(f"/notifications/<{ID}:notification_id>/read")
class NotificationRead(MethodView):
    decorators = [require(*ANY_ROLE)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, NotificationSchema, example=nx.READ_NOTIFICATION)
    @blp.alt_response(404, **NOT_YOURS)
    def post(self, notification_id: int) -> Any:
        """Mark a notification read (reading it again keeps the first time)."""
        return service.mark_read(db.session, current_account().id, notification_id)


@blp.route("/notifications/read-all")
class NotificationsReadAll(MethodView):
    decorators = [require(*ANY_ROLE)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, ReadAllSchema, example=nx.READ_ALL)
    def post(self) -> Any:
        """Mark all your notifications read."""
        account_id = current_account().id
        marked = service.mark_all_read(db.session, account_id)
        return {"marked": marked, "unread_count": service.unread_count(db.session, account_id)}


def _preferences(rows: list[Any]) -> dict[str, Any]:
    return {
        "channels": {kind.key: channel for kind, channel in rows},
        "kinds": [{"kind": k.key, "label": k.label, "default": k.default} for k, _ in rows],
    }


@blp.route("/notification-preferences")
class NotificationPreferences(MethodView):
    decorators = [require(*ANY_ROLE)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, PreferencesSchema, example=nx.PREFERENCES)
    def get(self) -> Any:
        """Where each kind of notification goes besides this list: ``email``, ``webhook`` (your
        endpoints subscribed to the kind) or ``app`` (only here and in the bell)."""
        return _preferences(service.preferences(db.session, current_account()))

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(PreferencesInputSchema, example=nx.PREFERENCES_INPUT)
    @blp.response(200, PreferencesSchema, example=nx.PREFERENCES)
    def put(self, data: dict[str, Any]) -> Any:
        """Choose the channel of some kinds; the kinds not named keep theirs. A kind your role
        does not receive is a 422 naming it."""
        rows = service.set_preferences(db.session, current_account(), data["channels"])
        return _preferences(rows)


@blp.route("/webhook-endpoints")
class WebhookEndpoints(MethodView):
    decorators = [require(*ANY_ROLE)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, WebhookEndpointSchema(many=True), example=[nx.WEBHOOK_ENDPOINT])
    def get(self) -> Any:
        """Your webhook endpoints (their secrets are never shown again)."""
        return endpoints.list_endpoints(db.session, current_account().id)

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(WebhookEndpointInputSchema, example=nx.WEBHOOK_ENDPOINT_INPUT)
    @blp.response(201, WebhookEndpointCreatedSchema, example=nx.WEBHOOK_ENDPOINT_CREATED)
    def post(self, data: dict[str, Any]) -> Any:
        """Add an endpoint for some kinds. It receives a kind while your channel for it is
        ``webhook`` (``PUT /notification-preferences``): a POST of ``{id, kind, created_at,
        subject, body, data}`` signed ``Dandelion-Signature: t=<unix>,v1=<hex HMAC-SHA256 of
        "t.body">`` with the ``secret`` of this response, which is shown only here. Failures are
        retried after 1 min, 5 min, 30 min, 2 h and 12 h; repeated failures disable it."""
        production = current_app.config["DANDELION_ENV"] == "production"
        return endpoints.create_endpoint(
            db.session, current_account(), data["url"], data["events"], production=production
        )


@blp.route(f"/webhook-endpoints/<{ID}:endpoint_id>")
class WebhookEndpointItem(MethodView):
    decorators = [require(*ANY_ROLE)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(204)
    @blp.alt_response(404, **ENDPOINT_NOT_YOURS)
    def delete(self, endpoint_id: int) -> None:
        """Delete an endpoint: nothing more is sent to it; its waiting deliveries are dropped."""
        endpoints.delete_endpoint(db.session, current_account().id, endpoint_id)


@blp.route(f"/webhook-endpoints/<{ID}:endpoint_id>/enable")
class WebhookEndpointEnable(MethodView):
    decorators = [require(*ANY_ROLE)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.response(200, WebhookEndpointSchema, example=nx.WEBHOOK_ENDPOINT)
    @blp.alt_response(404, **ENDPOINT_NOT_YOURS)
    def post(self, endpoint_id: int) -> Any:
        """Re-enable an endpoint disabled after repeated failures: the deliveries that waited
        are tried at the next sweep (within a minute)."""
        return endpoints.enable_endpoint(db.session, current_account().id, endpoint_id)


@blp.route(f"/webhook-endpoints/<{ID}:endpoint_id>/deliveries")
class WebhookEndpointDeliveries(MethodView):
    decorators = [require(*ANY_ROLE)]

    @blp.doc(security=BEARER_SECURITY)
    @blp.arguments(WebhookDeliveryQuerySchema, location="query", as_kwargs=True)
    @blp.response(200, WebhookDeliveryPageSchema, example=nx.WEBHOOK_DELIVERY_PAGE)
    @blp.alt_response(404, **ENDPOINT_NOT_YOURS)
    def get(self, endpoint_id: int, **query: Any) -> Any:
        """The endpoint's delivery log, newest first: status, attempts, the last answer."""
        return endpoints.list_deliveries(db.session, current_account().id, endpoint_id, **query)
