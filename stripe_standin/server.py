"""The HTTP server and :class:`StripeStandin`, the object tests start, drive and inspect."""

from __future__ import annotations

import base64
import binascii
import copy
import json
import sys
import threading
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, TypeVar
from urllib.parse import unquote, urlsplit

from .encoding import Params, decode_form
from .errors import StripeError, api_error, authentication_error, idempotency_error, invalid_request
from .faults import Fault, FaultMode, FaultPlan
from .resources import accounts, payments
from .router import Route, resolve
from .state import API_VERSION, IdempotencyRecord, Request, State, new_id
from .webhooks import WebhookConfig, WebhookDelivery, WebhookSender, event_payload, sign_payload

T = TypeVar("T")


class Headers(Protocol):
    """Case-insensitive request headers (``http.client.HTTPMessage``)."""

    def get(self, name: str) -> str | None: ...


ONBOARDING_PATH = "/connect/onboarding/"


@dataclass
class RequestRecord:
    """One request as the stand-in saw it; ``status`` is None when no response was sent."""

    method: str
    path: str
    params: dict[str, Any]
    idempotency_key: str | None
    request_id: str
    status: int | None = None
    replayed: bool = False
    fault: str | None = None


@dataclass
class Outcome:
    """What to send back: a response, or (``drop``) nothing after ``delay`` seconds."""

    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    drop: bool = False
    delay: float = 0.0


class StripeStandin:
    """A local stand-in of the Stripe v1 API for the real ``stripe`` SDK, on 127.0.0.1.

    Usage::

        with StripeStandin() as standin:
            client = stripe.StripeClient(
                standin.api_key, base_addresses={"api": standin.base_url}, max_network_retries=0
            )
    """

    def __init__(
        self,
        api_key: str = "sk_test_standin",
        *,
        extra_api_keys: Iterable[str] = (),
        host: str = "127.0.0.1",
        port: int = 0,
        webhook_url: str | None = None,
        webhook_secret: str | None = None,
        deliver_webhooks: bool = True,
        fee_bps: int = 290,
        fee_fixed: int = 30,
        platform_account_id: str = "acct_1StandinPlatform",
        verbose: bool = False,
    ) -> None:
        self.api_key = api_key
        self.api_keys = frozenset({api_key, *extra_api_keys})
        self.host = host
        self.port = port
        self.verbose = verbose
        self.base_url = ""
        self.state = State(
            platform_account_id=platform_account_id, fee_bps=fee_bps, fee_fixed=fee_fixed
        )
        self.faults = FaultPlan()
        self._webhook_config = WebhookConfig(webhook_url, webhook_secret, deliver_webhooks)
        self._webhooks = WebhookSender(self._webhook_config)
        self._log: list[RequestRecord] = []
        self._stopping = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._sync_webhook_count()

    # -- lifecycle ---------------------------------------------------------------------------

    def start(self) -> str:
        """Bind (port 0 picks a free port), serve in a background thread; returns the base URL."""
        if self._server is not None:
            return self.base_url
        self._stopping.clear()
        self._server = _Server((self.host, self.port), self)
        host, port = self._server.server_address[:2]
        self.base_url = f"http://{host}:{port}"
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name="stripe-standin",
        )
        self._thread.start()
        self._webhooks.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving, wake held (timeout-fault) connections, join every thread."""
        if self._server is None:
            return
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join()
        self._webhooks.stop()
        self._server = None
        self._thread = None

    def __enter__(self) -> StripeStandin:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    def reset(self) -> None:
        """Forget every object, event, idempotency key, fault, logged request and delivery."""
        with self.state.lock:
            self.state.objects.clear()
            self.state.sequence.clear()
            self.state.account_links.clear()
            self.state.idempotency.clear()
            self.state.outbox.clear()
            self._log.clear()
            self._webhooks.deliveries.clear()
        self.faults.clear()

    # -- configuration -----------------------------------------------------------------------

    @property
    def webhook_secret(self) -> str | None:
        return self._webhook_config.secret

    def configure_webhooks(
        self, url: str | None, secret: str | None = None, *, enabled: bool = True
    ) -> None:
        """Post every later event to ``url`` signed with ``secret`` (``enabled=False`` pauses)."""
        self._webhook_config.url = url
        if secret is not None:
            self._webhook_config.secret = secret
        self._webhook_config.enabled = enabled
        self._sync_webhook_count()

    def wait_for_webhooks(self, timeout: float = 5.0) -> bool:
        """Wait until every queued event has been posted; False if ``timeout`` ran out."""
        return self._webhooks.wait(timeout)

    def webhook_deliveries(self) -> list[WebhookDelivery]:
        return list(self._webhooks.deliveries)

    def signed_event(
        self, event_id: str, *, secret: str | None = None, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """Body and headers to post an event yourself (e.g. through Flask's test client)."""
        key = secret or self._webhook_config.secret
        if not key:
            raise ValueError("no webhook secret: pass secret= or configure_webhooks()")
        payload = event_payload(self.get(event_id))
        headers = {
            "Content-Type": "application/json",
            "Stripe-Signature": sign_payload(payload, key, timestamp),
        }
        return payload, headers

    def inject_fault(
        self,
        path_prefix: str,
        mode: FaultMode,
        times: int = 1,
        *,
        method: str | None = "POST",
        delay: float = 2.0,
        status: int = 500,
    ) -> Fault:
        """Make the next ``times`` calls whose path starts with ``path_prefix`` fail.

        ``method`` limits the fault to one HTTP method (None: any). See :mod:`.faults` for
        the modes; ``delay`` is how long ``timeout_*`` holds the connection (make the client's
        timeout shorter), ``status`` the HTTP status of ``error_*``.
        """
        return self.faults.add(
            Fault(path_prefix, mode, remaining=times, method=method, delay=delay, status=status)
        )

    def clear_faults(self) -> None:
        self.faults.clear()

    def forget_idempotency_keys(self) -> None:
        """Expire every idempotency key (Stripe keeps them for 24 hours) - "days later"."""
        with self.state.lock:
            self.state.idempotency.clear()

    # -- actions outside the API (what the account holder or the card holder does) --------------

    def complete_onboarding(self, account_id: str) -> dict[str, Any]:
        """The account holder finished onboarding: flags on, capabilities active."""
        return self.set_account_status(
            account_id, charges_enabled=True, payouts_enabled=True, details_submitted=True
        )

    def set_account_status(
        self,
        account_id: str,
        *,
        charges_enabled: bool | None = None,
        payouts_enabled: bool | None = None,
        details_submitted: bool | None = None,
    ) -> dict[str, Any]:
        """Set onboarding flags (capabilities follow); emits ``account.updated``."""
        return self._mutate(
            lambda state: accounts.set_account_status(
                state,
                None,
                account_id,
                charges_enabled=charges_enabled,
                payouts_enabled=payouts_enabled,
                details_submitted=details_submitted,
            )
        )

    def confirm_payment_intent(
        self, payment_intent_id: str, payment_method: str = "pm_card_visa"
    ) -> dict[str, Any]:
        """The customer pays (as Stripe.js would): returns the intent, succeeded or declined."""

        def confirm(state: State) -> dict[str, Any]:
            intent = state.get(payment_intent_id, "payment_intent")
            if intent["status"] not in payments.CONFIRMABLE:
                raise invalid_request(
                    f"PaymentIntent {payment_intent_id} has status {intent['status']}",
                    code="payment_intent_unexpected_state",
                )
            try:
                return payments.confirm_intent(state, None, intent, payment_method)
            except StripeError as err:
                if err.status != 402:
                    raise
                return intent

        return self._mutate(confirm)

    # -- inspection (deep copies, oldest first) --------------------------------------------------

    def get(self, object_id: str) -> dict[str, Any]:
        with self.state.lock:
            return copy.deepcopy(self.state.objects[object_id])

    def objects(self, object_type: str) -> list[dict[str, Any]]:
        with self.state.lock:
            return copy.deepcopy(self.state.all(object_type))

    def accounts(self) -> list[dict[str, Any]]:
        return self.objects("account")

    def payment_intents(self) -> list[dict[str, Any]]:
        return self.objects("payment_intent")

    def charges(self) -> list[dict[str, Any]]:
        return self.objects("charge")

    def transfers(self) -> list[dict[str, Any]]:
        return self.objects("transfer")

    def reversals(self) -> list[dict[str, Any]]:
        return self.objects("transfer_reversal")

    def refunds(self) -> list[dict[str, Any]]:
        return self.objects("refund")

    def balance_transactions(self, type: str | None = None) -> list[dict[str, Any]]:
        return [t for t in self.objects("balance_transaction") if type is None or t["type"] == type]

    def events(self, type: str | None = None) -> list[dict[str, Any]]:
        return [e for e in self.objects("event") if type is None or e["type"] == type]

    def balance(self, currency: str = "usd") -> int:
        """The platform's available balance (sum of balance transactions' net)."""
        with self.state.lock:
            return self.state.balance(currency)

    def requests(self) -> list[RequestRecord]:
        """Every API request received, in order (including replays and faulted calls)."""
        with self.state.lock:
            return list(self._log)

    # -- request handling ------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: Headers, body: bytes) -> Outcome:
        """Turn one HTTP request into an :class:`Outcome` (the HTTP layer only writes it)."""
        request_id = new_id("req", 15)
        split = urlsplit(raw_path)
        path = split.path
        if method == "GET" and path.startswith(ONBOARDING_PATH):
            return self._visit_account_link(unquote(path[len(ONBOARDING_PATH) :]))
        record = RequestRecord(method, path, {}, None, request_id)
        try:
            api_key = self._authenticate(headers.get("Authorization"))
            if headers.get("Stripe-Account"):
                raise invalid_request(
                    "The Stripe-Account header is not supported by the stand-in.",
                    param="Stripe-Account",
                )
            route, path_args = resolve(method, path)
            data = decode_form(split.query)
            if body:
                data.update(decode_form(body.decode("utf-8", errors="replace")))
        except StripeError as err:
            record.status = err.status
            with self.state.lock:
                self._record(record)
            return self._response(err.status, err.body(), request_id)
        record.params = data
        record.idempotency_key = headers.get("Idempotency-Key") if method == "POST" else None
        req = Request(
            method=method,
            path=path,
            params=Params(data),
            api_key=api_key,
            idempotency_key=record.idempotency_key,
            request_id=request_id,
            base_url=self.base_url,
            path_args=path_args,
            stripe_version=headers.get("Stripe-Version"),
        )
        fault = self.faults.take(method, path)
        if fault is not None and fault.before_effect:
            record.fault = fault.mode
            return self._faulted(record, fault)
        outcome = self._execute(route, req, record)
        if fault is not None:
            record.fault = fault.mode
            return self._faulted(record, fault)
        return outcome

    def _execute(self, route: Route, req: Request, record: RequestRecord) -> Outcome:
        state = self.state
        scope = (req.api_key or "", req.idempotency_key or "")
        with state.lock:
            stored = state.idempotency.get(scope) if req.idempotency_key else None
            if stored is not None:
                return self._replay(stored, req, record)
            try:
                result = route.handler(state, req)
                status, payload, keep = 200, state.expand(result, req.params.expand()), True
            except StripeError as err:
                # Only calls that started executing are stored: card declines, not validation.
                status, payload, keep = err.status, err.body(), err.status == 402
            except Exception as exc:  # a stand-in bug: report it like Stripe's 500
                traceback.print_exc(file=sys.stderr)
                status, payload, keep = 500, api_error(f"stand-in error: {exc!r}").body(), False
            body = _dumps(payload)
            if req.idempotency_key and keep:
                state.idempotency[scope] = IdempotencyRecord(
                    req.method, req.path, req.params.data, status, body, record.request_id
                )
            # Queued under the lock, so deliveries keep the order events were emitted in.
            self._webhooks.enqueue(state.drain_outbox())
            record.status = status
            self._record(record)
        return self._response(status, body, record.request_id, req.idempotency_key)

    def _replay(self, stored: IdempotencyRecord, req: Request, record: RequestRecord) -> Outcome:
        if (stored.method, stored.path, stored.params) != (req.method, req.path, req.params.data):
            err = idempotency_error(
                "Keys for idempotent requests can only be used with the same parameters they "
                f"were first used with. Try using a key other than '{req.idempotency_key}' if "
                "you meant to execute a different request."
            )
            record.status = err.status
            self._record(record)
            return self._response(err.status, err.body(), record.request_id, req.idempotency_key)
        record.status, record.replayed = stored.status, True
        self._record(record)
        outcome = self._response(stored.status, stored.body, record.request_id, req.idempotency_key)
        outcome.headers["Idempotent-Replayed"] = "true"
        outcome.headers["Original-Request"] = stored.request_id
        return outcome

    def _faulted(self, record: RequestRecord, fault: Fault) -> Outcome:
        if fault.kind == "error":
            err = api_error("An unknown error occurred (injected by the stand-in).", fault.status)
            with self.state.lock:
                record.status = fault.status
                self._record(record, replace=True)
            return self._response(fault.status, err.body(), record.request_id)
        with self.state.lock:
            record.status = None
            self._record(record, replace=True)
        return Outcome(drop=True, delay=fault.delay if fault.kind == "timeout" else 0.0)

    def _visit_account_link(self, token: str) -> Outcome:
        with self.state.lock:
            target = accounts.visit_account_link(self.state, token)
            self._webhooks.enqueue(self.state.drain_outbox())
        if target is None:
            return Outcome(
                404, b"Unknown or expired onboarding link.\n", {"Content-Type": "text/plain"}
            )
        return Outcome(302, b"", {"Location": target})

    def _authenticate(self, header: str | None) -> str:
        if not header:
            raise authentication_error(
                "You did not provide an API key. You need to provide your API key in the "
                "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                "YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details."
            )
        scheme, _, value = header.partition(" ")
        key = value.strip()
        if scheme.lower() == "basic":
            try:
                key = base64.b64decode(key, validate=True).decode("utf-8").partition(":")[0]
            except (binascii.Error, UnicodeDecodeError):
                key = ""
        elif scheme.lower() != "bearer":
            key = ""
        if key not in self.api_keys:
            raise authentication_error(f"Invalid API Key provided: {_redact(key)}")
        return key

    def _response(
        self, status: int, body: bytes | dict[str, Any], request_id: str, idem: str | None = None
    ) -> Outcome:
        headers = {
            "Content-Type": "application/json",
            "Request-Id": request_id,
            "Stripe-Version": API_VERSION,
        }
        if idem:
            headers["Idempotency-Key"] = idem
        return Outcome(status, body if isinstance(body, bytes) else _dumps(body), headers)

    def _record(self, record: RequestRecord, *, replace: bool = False) -> None:
        if not (replace and any(r is record for r in self._log)):
            self._log.append(record)
        if self.verbose:
            flags = " replayed" if record.replayed else ""
            flags += f" fault={record.fault}" if record.fault else ""
            print(f"{record.method} {record.path} -> {record.status}{flags}", file=sys.stderr)

    def _mutate(self, action: Callable[[State], T]) -> T:
        with self.state.lock:
            result = copy.deepcopy(action(self.state))
            self._webhooks.enqueue(self.state.drain_outbox())
        return result

    def _sync_webhook_count(self) -> None:
        self.state.webhook_endpoints = 1 if self._webhook_config.active else 0


def _dumps(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, indent=2).encode("utf-8")


def _redact(key: str) -> str:
    if len(key) <= 12:
        return "*" * len(key)
    return key[:8] + "*" * (len(key) - 12) + key[-4:]


class _Server(ThreadingHTTPServer):
    """Joins its handler threads on close; every response closes its connection."""

    daemon_threads = False
    block_on_close = True

    def __init__(self, address: tuple[str, int], standin: StripeStandin) -> None:
        super().__init__(address, _Handler)
        self.standin = standin

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError | TimeoutError):
            return  # the client gave up (e.g. its timeout fired): nothing to report
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _Server

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        standin = self.server.standin
        outcome = standin.handle(method, self.path, self.headers, body)
        self.close_connection = True
        if outcome.drop:
            if outcome.delay:
                standin._stopping.wait(outcome.delay)
            return
        self.send_response(outcome.status)
        for name, value in outcome.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(outcome.body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(outcome.body)

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: :meth:`StripeStandin.requests` is the log (``verbose`` prints it)."""
