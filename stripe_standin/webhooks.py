"""Webhook signing (exactly Stripe's scheme) and in-order background delivery."""

from __future__ import annotations

import hashlib
import hmac
import json
import queue
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from typing import Any

USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)"


def sign_payload(payload: bytes, secret: str, timestamp: int | None = None) -> str:
    """The ``Stripe-Signature`` header for ``payload``: ``t=<ts>,v1=<hex HMAC-SHA256>``.

    The signed string is ``f"{t}.{payload}"``, keyed with the endpoint secret (``whsec_...``),
    so ``stripe.Webhook.construct_event(payload, header, secret)`` accepts it.
    """
    t = int(time.time()) if timestamp is None else int(timestamp)
    signed = f"{t}.".encode() + payload
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={t},v1={digest}"


def event_payload(event: dict[str, Any]) -> bytes:
    """The body Stripe posts for an event (pretty-printed JSON, as Stripe sends it)."""
    return json.dumps(event, indent=2).encode("utf-8")


@dataclass
class WebhookDelivery:
    """One delivery attempt: ``status`` is the HTTP status, or None with ``error`` set."""

    event_id: str
    event_type: str
    url: str
    status: int | None
    error: str | None = None


@dataclass
class WebhookConfig:
    url: str | None = None
    secret: str | None = None
    enabled: bool = True

    @property
    def active(self) -> bool:
        return bool(self.enabled and self.url and self.secret)


class WebhookSender:
    """A background thread that posts events one at a time, in the order they were emitted."""

    def __init__(self, config: WebhookConfig, timeout: float = 10.0) -> None:
        self.config = config
        self.timeout = timeout
        self.deliveries: list[WebhookDelivery] = []
        self._queue: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self._idle = threading.Condition()
        self._pending = 0
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="stripe-standin-webhooks")
        self._thread.daemon = True
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=self.timeout + 5)
            self._thread = None

    def enqueue(self, events: list[dict[str, Any]]) -> None:
        if not self.config.active or self._thread is None:
            return
        with self._idle:
            self._pending += len(events)
        for event in events:
            self._queue.put(event)

    def wait(self, timeout: float = 5.0) -> bool:
        """Block until every queued event has been attempted; False on timeout."""
        with self._idle:
            return self._idle.wait_for(lambda: self._pending == 0, timeout=timeout)

    def _run(self) -> None:
        while True:
            event = self._queue.get()
            if event is None:
                return
            try:
                self.deliveries.append(self._post(event))
            finally:
                with self._idle:
                    self._pending -= 1
                    self._idle.notify_all()

    def _post(self, event: dict[str, Any]) -> WebhookDelivery:
        url, secret = self.config.url or "", self.config.secret or ""
        payload = event_payload(event)
        request = urllib.request.Request(
            url,
            data=payload,
            method="POST",
            headers={
                "Content-Type": "application/json; charset=utf-8",
                "Stripe-Signature": sign_payload(payload, secret),
                "User-Agent": USER_AGENT,
            },
        )
        record = WebhookDelivery(event["id"], event["type"], url, None)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
                record.status = response.status
        except urllib.error.HTTPError as exc:
            with exc:
                record.status = exc.code
                record.error = exc.reason if isinstance(exc.reason, str) else str(exc.reason)
        except (OSError, ValueError) as exc:
            record.error = f"{type(exc).__name__}: {exc}"
        return record
