"""Flask, its cookie sessions and Talisman, with the per-request work they repeat done once.

Every API call pays these before and after its view: on the creator's hot reads they were a
third of the request's time. Each class keeps its base's behaviour exactly; only work whose
answer cannot change between two requests is kept.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from typing import Any

from flask import Flask, Request, Response, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from flask_talisman import Talisman  # type: ignore[import-untyped]  # ships no types
from werkzeug.datastructures import Headers


class App(Flask):
    """``Flask`` that checks once per function, not at every call, that a view or hook is not a
    coroutine (``ensure_sync`` runs for each of ~17 hooks per request)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Weak: a function made per request (an after_this_request closure) is not kept.
        self._known_sync: weakref.WeakSet[Callable[..., Any]] = weakref.WeakSet()

    def ensure_sync(self, func: Callable[..., Any]) -> Callable[..., Any]:
        # A bound method is new at each lookup; whether it is a coroutine is its function's.
        key = getattr(func, "__func__", func)
        if key in self._known_sync:
            return func
        checked = super().ensure_sync(func)
        if checked is func:
            self._known_sync.add(key)
        return checked


class LazyCookieSessionInterface(SecureCookieSessionInterface):
    """``SecureCookieSessionInterface`` that starts a request without a session cookie (every
    API call with a bearer token) with an empty session at once, as Flask's does after building
    an itsdangerous signer for it."""

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        if self.get_cookie_name(app) not in request.cookies and app.secret_key:
            return self.session_class()
        return super().open_session(app, request)


class SecurityHeaders(Talisman):  # type: ignore[misc]  # Talisman is untyped
    """``Talisman`` that works out each view's policy headers (CSP, frame, referrer and the
    rest) once and copies them onto later responses. HSTS, which depends on how the request
    arrived, and views with their own options or a CSP nonce go through Talisman every time."""

    def __init__(self, app: Flask, **kwargs: Any) -> None:
        self._by_endpoint: dict[str | None, list[tuple[str, str]]] = {}
        super().__init__(app, **kwargs)

    def _set_response_headers(self, response: Response) -> Response:
        view = self.app.view_functions.get(request.endpoint or "")
        if getattr(request, "csp_nonce", None) or hasattr(view, "talisman_view_options"):
            return super()._set_response_headers(response)  # type: ignore[no-any-return]
        known = self._by_endpoint.get(request.endpoint)
        if known is None:
            scratch = Headers()
            options = self._get_local_options()
            self._set_feature_policy_headers(scratch, options)
            self._set_permissions_policy_headers(scratch, options)
            self._set_document_policy_headers(scratch, options)
            self._set_frame_options_headers(scratch, options)
            self._set_content_security_policy_headers(scratch, options)
            self._set_referrer_policy_headers(scratch)
            known = self._by_endpoint[request.endpoint] = list(scratch.items())
        headers = response.headers
        for name, value in known:
            headers[name] = value
        self._set_hsts_headers(headers)
        return response
