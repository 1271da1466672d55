"""What the browser tests share: the app on a live localhost server, Debian's Chromium
driven by Playwright (pages in contexts of their own, Playwright's waiting assertions set to
the suite's timeout), an HTTP JSON client, creators opted in over HTTP, and screenshots.

The fixtures are imported into ``tests/e2e/conftest.py``; a test module skips itself when
Chromium is missing (CI installs it, so there they run).
"""

from __future__ import annotations

import json
import os
import threading
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from tests.conftest import PASSWORD
from tests.factories import profile_body

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
HAVE_CHROMIUM = os.path.exists(CHROMIUM)  # a guard only: CI installs chromium

CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip
ROOT = Path(__file__).resolve().parents[2]
SHOTS = ROOT / "test-artifacts" / "screenshots"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 30_000


@pytest.fixture
def served_app(make_app: Any) -> Any:
    """The app under test, on the test database."""
    return make_app()


@pytest.fixture
def live_server(served_app: Any) -> Iterator[str]:
    """The app on 127.0.0.1 at a free port, served from a thread (threaded requests)."""
    server = make_server("127.0.0.1", 0, served_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


@pytest.fixture
def browser() -> Iterator[Any]:
    from playwright import sync_api

    # Waiting assertions (``expect(locator).to_be_visible()``...) wait as long as actions do.
    sync_api.expect.set_options(timeout=TIMEOUT_MS)
    with sync_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


def new_page(browser: Any, viewport: dict[str, int] = LAPTOP, storage_state: Any = None) -> Any:
    """A page in a browser context of its own (``page.context``): fresh cookies, or those of
    ``storage_state`` (another context's ``storage_state()``), and the suite's timeout."""
    context = browser.new_context(viewport=viewport, storage_state=storage_state)
    context.set_default_timeout(TIMEOUT_MS)
    return context.new_page()


def fits_the_width(page: Any) -> bool:
    """Nothing on the page sticks out sideways (no horizontal scrolling at its viewport)."""
    width = page.evaluate("document.documentElement.scrollWidth")
    return bool(width <= page.viewport_size["width"] + 1)


class Api:
    """A JSON API client over real HTTP (urllib), as a creator's app would call it."""

    def __init__(self, base: str, token: str | None = None) -> None:
        self.base = base
        self.token = token

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(self.base + path, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        if self.token:
            request.add_header("Authorization", f"Bearer {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                raw = response.read()
                return response.status, json.loads(raw) if raw else None
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read() or b"null")

    def ok(self, method: str, path: str, body: Any = None) -> Any:
        status, payload = self.call(method, path, body)
        assert status < 400, (method, path, status, payload)
        return payload


def open_creator(base: str, n: int, **profile: Any) -> Api:
    """Sign a creator up over HTTP, fill in the profile and opt in; their API client."""
    email = f"e2e-creator{n}@example.com"
    Api(base).ok(
        "POST", "/api/v1/creators", {"handle": f"glowing_{n}", "email": email, "password": PASSWORD}
    )
    token = Api(base).ok("POST", "/api/v1/tokens", {"email": email, "password": PASSWORD})["token"]
    creator = Api(base, token)
    creator.ok("PATCH", "/api/v1/creators/me", profile_body(display_name=f"Glowing {n}", **profile))
    creator.ok(
        "PUT",
        "/api/v1/creators/me/availability",
        {"open": True, "until": None, "categories": ["skincare"]},
    )
    return creator


class Shots:
    """Numbered full-page screenshots, named after the page."""

    def __init__(self, prefix: str = "") -> None:
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.prefix = prefix
        self.n = 0
        self.taken: list[Path] = []

    def __call__(self, page: Any, name: str) -> None:
        self.n += 1
        path = SHOTS / f"{self.prefix}{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=True)
        self.taken.append(path)
