"""``GET /r/<code>``: the tracking link, answered before Flask's routing and hooks.

A redirect must be cheap (thousands a second on two workers), so it is a small WSGI layer in
front of the app: no session, no CSRF, no login, no template. It looks the code up (cached in
the process for ``CACHE_TTL_S``: a changed landing URL is followed within that time), drops
obvious bots and HEAD requests from the count, hands the click to the recorder (Redis or SQL,
``results.tracking``) and answers 302 to the campaign's landing URL with the click id appended
(``dandelion_click=…``), so the brand can report a conversion with it.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from core.db import utcnow
from results import tracking

PREFIX = "/r/"
CACHE_TTL_S = 30.0
CACHE_MAX = 50_000
StartResponse = Callable[..., Any]
_NOT_FOUND = b"This link does not lead anywhere (yet)."
_HEADERS = [
    ("Cache-Control", "no-store"),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
]


def with_click(url: str, click_id: str | None) -> str:
    """``url`` with ``dandelion_click=<click_id>`` added to its query (unchanged for None)."""
    if click_id is None:
        return url
    parts = urlsplit(url)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True)]
    query.append((tracking.CLICK_PARAM, click_id))
    return urlunsplit(parts._replace(query=urlencode(query)))


class TrackingRedirect:
    """WSGI middleware serving ``/r/<code>``; everything else goes to ``app``."""

    def __init__(
        self,
        app: Callable[..., Iterable[bytes]],
        engine: Engine,
        recorder: tracking.ClickRecorder,
        secret: bytes,
        cache_ttl_s: float = CACHE_TTL_S,
    ) -> None:
        self.app = app
        self.engine = engine
        self.recorder = recorder
        self.secret = secret
        self.cache_ttl_s = cache_ttl_s
        self._cache: dict[str, tuple[float, tracking.Target | None]] = {}

    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if not path.startswith(PREFIX):
            return self.app(environ, start_response)
        return self.redirect(path[len(PREFIX) :], environ, start_response)

    def target(self, code: str) -> tracking.Target | None:
        """The code's target, from the process cache or the database."""
        now = time.monotonic()
        hit = self._cache.get(code)
        if hit is not None and hit[0] > now:
            return hit[1]
        with Session(self.engine) as session:
            found = tracking.find_target(session, code)
        if len(self._cache) >= CACHE_MAX:
            self._cache.clear()
        self._cache[code] = (now + self.cache_ttl_s, found)
        return found

    def redirect(
        self, code: str, environ: dict[str, Any], start_response: StartResponse
    ) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD"):
            start_response("405 Method Not Allowed", [("Allow", "GET, HEAD"), *_HEADERS])
            return [b""]
        found = self.target(code) if code.isalnum() and len(code) <= 16 else None
        if found is None or not found.landing_url:
            start_response(
                "404 Not Found",
                [("Content-Type", "text/plain; charset=utf-8"), *_HEADERS],
            )
            return [_NOT_FOUND if method == "GET" else b""]
        click_id = None
        user_agent = environ.get("HTTP_USER_AGENT", "")
        if method == "GET" and not tracking.is_bot(user_agent):
            client = tracking.client_hash(self.secret, environ.get("REMOTE_ADDR", ""), user_agent)
            click_id = self.recorder.record(found.sponsorship_id, code, client, utcnow())
        start_response(
            "302 Found",
            [
                ("Location", with_click(found.landing_url, click_id)),
                ("Content-Length", "0"),
                *_HEADERS,
            ],
        )
        return [b""]


def install(app: Any) -> None:
    """Put the redirect in front of ``app`` (called by ``create_app``): Redis counting when
    ``REDIS_URL`` is set, SQL inserts otherwise."""
    from extensions import db

    with app.app_context():
        engine = db.engine
    url = app.config.get("REDIS_URL")
    recorder: tracking.ClickRecorder
    if url:
        from redis import Redis

        sql = tracking.SqlClickRecorder(engine)
        recorder = tracking.RedisClickRecorder(
            Redis.from_url(url, socket_timeout=2, socket_connect_timeout=1), sql
        )
    else:
        recorder = tracking.SqlClickRecorder(engine)
    secret = str(app.config["SECRET_KEY"]).encode()
    app.wsgi_app = TrackingRedirect(app.wsgi_app, engine, recorder, secret)
    app.extensions["dandelion.tracking"] = app.wsgi_app
