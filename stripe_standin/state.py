"""The stand-in's state: every object by id, the event log, idempotency records.

Objects are stored as the JSON dicts Stripe would return, in creation order; a few internal
fields that Stripe does not expose live in side tables (account link grants, idempotency).
All access goes through one re-entrant lock held by the server for the whole of a request.
"""

from __future__ import annotations

import copy
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .encoding import Params
from .errors import invalid_request, resource_missing

API_VERSION = "2026-10-28.endive"
_ALPHABET = string.ascii_letters + string.digits


def new_id(prefix: str, length: int = 24) -> str:
    """A Stripe-looking id: ``tr_1`` followed by random alphanumerics."""
    return f"{prefix}_1" + "".join(secrets.choice(_ALPHABET) for _ in range(length - 1))


def now() -> int:
    return int(time.time())


@dataclass
class Request:
    """One API call as the handlers see it."""

    method: str
    path: str
    params: Params
    api_key: str | None = None
    idempotency_key: str | None = None
    request_id: str | None = None
    base_url: str = ""
    path_args: dict[str, str] = field(default_factory=dict)
    stripe_version: str | None = None


@dataclass
class AccountLinkGrant:
    """What an onboarding link does when it is visited."""

    account: str
    refresh_url: str | None
    return_url: str | None
    expires_at: int
    used: bool = False


@dataclass
class IdempotencyRecord:
    """The stored outcome of the first request made with an idempotency key."""

    method: str
    path: str
    params: dict[str, Any]
    status: int
    body: bytes
    request_id: str


@dataclass
class State:
    """All objects, events and idempotency records; guard with :attr:`lock`."""

    platform_account_id: str
    fee_bps: int = 290
    fee_fixed: int = 30
    objects: dict[str, dict[str, Any]] = field(default_factory=dict)
    sequence: dict[str, int] = field(default_factory=dict)
    account_links: dict[str, AccountLinkGrant] = field(default_factory=dict)
    idempotency: dict[tuple[str, str], IdempotencyRecord] = field(default_factory=dict)
    outbox: list[dict[str, Any]] = field(default_factory=list)
    webhook_endpoints: int = 0
    lock: threading.RLock = field(default_factory=threading.RLock)

    # -- storage -----------------------------------------------------------------------------

    def add(self, obj: dict[str, Any]) -> dict[str, Any]:
        self.sequence[obj["id"]] = len(self.sequence)
        self.objects[obj["id"]] = obj
        return obj

    def get(self, object_id: str | None, object_type: str, param: str = "id") -> dict[str, Any]:
        """The stored object, or Stripe's ``No such ...`` error."""
        obj = self.objects.get(object_id or "")
        if obj is None or obj.get("object") != object_type or obj.get("deleted"):
            noun = "destination" if param == "destination" else object_type
            raise resource_missing(noun, object_id or "", param)
        return obj

    def all(self, object_type: str) -> list[dict[str, Any]]:
        """Objects of one type, oldest first."""
        return [o for o in self.objects.values() if o["object"] == object_type]

    def balance(self, currency: str) -> int:
        """The platform's balance in one currency: the sum of its balance transactions' net."""
        return sum(t["net"] for t in self.all("balance_transaction") if t["currency"] == currency)

    def fee_for(self, amount: int) -> int:
        return (amount * self.fee_bps + 5000) // 10000 + self.fee_fixed

    # -- events ------------------------------------------------------------------------------

    def emit(
        self,
        event_type: str,
        obj: dict[str, Any],
        req: Request | None,
        *,
        previous: dict[str, Any] | None = None,
        account: str | None = None,
    ) -> dict[str, Any]:
        """Record an event carrying a snapshot of ``obj``; queue it for webhook delivery."""
        data: dict[str, Any] = {"object": copy.deepcopy(obj)}
        if previous:
            data["previous_attributes"] = copy.deepcopy(previous)
        event: dict[str, Any] = {
            "id": new_id("evt"),
            "object": "event",
            "api_version": (req.stripe_version if req else None) or API_VERSION,
            "created": now(),
            "data": data,
            "livemode": False,
            "pending_webhooks": self.webhook_endpoints,
            "request": {
                "id": req.request_id if req else None,
                "idempotency_key": req.idempotency_key if req else None,
            },
            "type": event_type,
        }
        if account:
            event["account"] = account
        self.add(event)
        self.outbox.append(event)
        return event

    def drain_outbox(self) -> list[dict[str, Any]]:
        events, self.outbox = self.outbox, []
        return events

    # -- lists and expansion -------------------------------------------------------------------

    def paginate(
        self, items: list[dict[str, Any]], params: Params, url: str, req: Request | None = None
    ) -> dict[str, Any]:
        """Stripe's list envelope, newest first, with limit/starting_after/ending_before/created."""
        limit = params.int("limit", minimum=1)
        limit = 10 if limit is None else limit
        if limit > 100:
            raise invalid_request(
                "This value must be less than or equal to 100.",
                param="limit",
                code="parameter_invalid_integer",
            )
        items = _filter_created(items, params)
        ordered = sorted(items, key=lambda o: self.sequence[o["id"]], reverse=True)
        after = params.str("starting_after")
        before = params.str("ending_before")
        if after:
            cursor = self._cursor(after, "starting_after")
            ordered = [o for o in ordered if self.sequence[o["id"]] < cursor]
            page, has_more = ordered[:limit], len(ordered) > limit
        elif before:
            cursor = self._cursor(before, "ending_before")
            newer = [o for o in ordered if self.sequence[o["id"]] > cursor]
            page, has_more = newer[-limit:], len(newer) > limit
        else:
            page, has_more = ordered[:limit], len(ordered) > limit
        return {"object": "list", "data": page, "has_more": has_more, "url": url}

    def _cursor(self, object_id: str, param: str) -> int:
        if object_id not in self.sequence:
            raise resource_missing("object", object_id, param)
        return self.sequence[object_id]

    def expand(self, obj: dict[str, Any], paths: list[str]) -> dict[str, Any]:
        """A deep copy of ``obj`` with the given dotted paths' ids replaced by their objects."""
        result = copy.deepcopy(obj)
        for path in paths:
            if path.count(".") > 3:
                raise invalid_request(
                    f"You cannot expand more than 4 levels of a property. Property: {path}",
                    param="expand",
                )
            self._expand_path(result, path.split("."), path)
        return result

    def _expand_path(self, node: Any, parts: list[str], path: str) -> None:
        if isinstance(node, list):
            for item in node:
                self._expand_path(item, parts, path)
            return
        if not isinstance(node, dict) or not parts:
            return
        head, rest = parts[0], parts[1:]
        if head not in node:
            raise invalid_request(f"This property cannot be expanded ({path}).", param="expand")
        value = node[head]
        if isinstance(value, str):
            if value not in self.objects:
                raise invalid_request(f"This property cannot be expanded ({path}).", param="expand")
            node[head] = value = copy.deepcopy(self.objects[value])
        self._expand_path(value, rest, path)


def _filter_created(items: list[dict[str, Any]], params: Params) -> list[dict[str, Any]]:
    created = params.data.get("created")
    if created is None:
        return items
    if isinstance(created, str):
        exact = params.int("created")
        return [o for o in items if o["created"] == exact]
    bounds = Params(created if isinstance(created, dict) else {})
    checks = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    for op, check in checks.items():
        bound = bounds.int(op)
        if bound is not None:
            items = [o for o in items if check(o["created"], bound)]
    return items
