"""OpenAPI examples of the notification, preference and webhook-endpoint operations."""

from __future__ import annotations

from typing import Any

from api.examples import NOW, page

NOTIFICATION: dict[str, Any] = {
    "id": 311,
    "kind": "offers.new",
    "subject": "New offer: Winter barrier serum",
    "body": "Lumi Skin's campaign fits your audience: 450.00 EUR for one post by Dec 14.",
    "data": {"offer_id": 87, "campaign_id": 12},
    "created_at": NOW,
    "read_at": None,
}
NOTIFICATION_PAGE = {**page(NOTIFICATION), "unread_count": 1}
READ_NOTIFICATION = {**NOTIFICATION, "read_at": "2026-11-30T09:20:00+00:00"}
READ_ALL = {"marked": 3, "unread_count": 0}
PREFERENCES_INPUT = {"channels": {"offers.new": "webhook", "offers.expiring": "app"}}
PREFERENCES = {
    "channels": {"offers.new": "webhook", "offers.expiring": "app", "payout.sent": "email"},
    "kinds": [
        {"kind": "offers.new", "label": "A new offer or invitation", "default": "email"},
        {
            "kind": "offers.expiring",
            "label": "An offer expires within 24 hours",
            "default": "email",
        },
        {"kind": "payout.sent", "label": "A payout was sent", "default": "email"},
    ],
}
WEBHOOK_ENDPOINT_INPUT = {
    "url": "https://hooks.example.com/dandelion",
    "events": ["offers.new", "offers.expiring"],
}
WEBHOOK_ENDPOINT: dict[str, Any] = {
    "id": 5,
    "url": "https://hooks.example.com/dandelion",
    "events": ["offers.new", "offers.expiring"],
    "created_at": NOW,
    "disabled_at": None,
    "consecutive_failures": 0,
}
WEBHOOK_ENDPOINT_CREATED = {
    **WEBHOOK_ENDPOINT,
    "secret": "whsec_5f0c6a1e2b7d4c9a8e3f1b6d2a7c4e9f0b1d3a5c7e9f2b4d",
}
WEBHOOK_DELIVERY = {
    "id": 902,
    "notification_id": 311,
    "kind": "offers.new",
    "status": "pending",
    "attempts": 2,
    "next_attempt_at": "2026-11-30T09:22:00+00:00",
    "last_status_code": 500,
    "last_error": "HTTP 500",
    "last_attempt_at": "2026-11-30T09:17:00+00:00",
    "delivered_at": None,
    "created_at": NOW,
}
WEBHOOK_DELIVERY_PAGE = page(WEBHOOK_DELIVERY)
