"""Security headers on every kind of page (Talisman, ``app.init_security_headers``): CSP,
nosniff, frame and referrer policies everywhere, HSTS in production only, and no caching of
tokens or any API response."""

from __future__ import annotations

import re
from typing import Any

import pytest

from config import load_config
from tests.conftest import PASSWORD
from tests.e2e.browser import HAVE_CHROMIUM, browser, live_server, served_app

__all__ = ["browser", "live_server", "served_app"]  # the browser test's fixtures

HTTPS = {"X-Forwarded-Proto": "https"}  # as the load balancer that ends TLS forwards it
PRODUCTION_ENV = {
    "DANDELION_ENV": "production",
    "SECRET_KEY": "s" * 32,
    "DATABASE_URL": "postgresql://db.internal/dandelion",
}


def csp(response: Any) -> dict[str, str]:
    """The Content-Security-Policy header as ``{directive: sources}``."""
    header = response.headers.get("Content-Security-Policy")
    assert header, dict(response.headers)
    parts = (p.strip().split(" ", 1) for p in header.split(";") if p.strip())
    return {p[0]: (p[1] if len(p) > 1 else "") for p in parts}


def assert_protected(response: Any) -> dict[str, str]:
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "same-origin"
    policy = csp(response)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["default-src"] == "'self'"
    assert policy["object-src"] == "'none'"
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert "'unsafe-eval'" not in response.headers["Content-Security-Policy"]
    return policy


def pages(client: Any, token: str) -> dict[str, Any]:
    auth = {"Authorization": f"Bearer {token}", **HTTPS}
    return {
        "home": client.get("/", headers=HTTPS),
        "api": client.get("/api/v1/creators/me", headers=auth),
        "api error": client.get("/api/v1/creators/me", headers=HTTPS),
        "openapi": client.get("/api/v1/openapi.json", headers=HTTPS),
        "docs": client.get("/api/v1/docs", headers=HTTPS),
        "dashboard": client.get("/dashboard/login", headers=HTTPS),
    }


@pytest.fixture
def creator_token(client: Any) -> str:
    body = {"handle": "mia.cooks", "email": "mia@example.com", "password": PASSWORD}
    assert client.post("/api/v1/creators", json=body).status_code == 201
    r = client.post("/api/v1/tokens", json={"email": body["email"], "password": PASSWORD})
    assert r.status_code == 201, r.json
    return str(r.json["token"])


def test_every_kind_of_page_carries_the_headers(client, creator_token):
    responses = pages(client, creator_token)
    assert responses["api"].status_code == 200
    assert responses["api error"].status_code == 401
    for name, response in responses.items():
        assert response.status_code < 500, name
        policy = assert_protected(response)
        if name != "docs":
            assert policy["script-src"] == "'self'", name
        assert policy["style-src"] == "'self'", name
        # Embedded mode (HTTP on a laptop): no HSTS, even behind an HTTPS proxy.
        assert "Strict-Transport-Security" not in response.headers, name


def test_swagger_ui_page_allows_its_own_script_only(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200
    policy = assert_protected(r)
    nonces = re.findall(r"'nonce-([^']+)'", policy["script-src"])
    assert len(nonces) == 1 and policy["script-src"].startswith("'self' ")
    html = r.get_data(as_text=True)
    # The one inline script carries this response's nonce; the bundle is ours, not a CDN's.
    inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert inline == [f' nonce="{nonces[0]}"']
    assert re.findall(r'<script src="([^"]+)"', html) == [
        "/api/v1/static/swagger-ui/swagger-ui-standalone-preset.js",
        "/api/v1/static/swagger-ui/swagger-ui-bundle.js",
    ]
    for asset in ("swagger-ui-bundle.js", "swagger-ui.css"):
        with client.get(f"/api/v1/static/swagger-ui/{asset}") as served:
            assert served.status_code == 200
    assert (
        client.get("/api/v1/docs").headers["Content-Security-Policy"]
        != (r.headers["Content-Security-Policy"])
    )  # a fresh nonce per response


def test_home_page_has_no_inline_style(client):
    html = client.get("/").get_data(as_text=True)
    assert "<style" not in html and " style=" not in html and "<script>" not in html
    with client.get("/dashboard/static/home.css") as css:
        assert css.status_code == 200 and b"max-width" in css.data


def test_tokens_and_authenticated_api_responses_are_not_stored(client, creator_token):
    r = client.post("/api/v1/tokens", json={"email": "mia@example.com", "password": PASSWORD})
    assert r.status_code == 201 and r.json["token"]
    assert r.headers["Cache-Control"] == "no-store"
    auth = {"Authorization": f"Bearer {creator_token}"}
    for method, path in (
        ("get", "/api/v1/creators/me"),
        ("get", "/api/v1/creators/me/offers"),
        ("patch", "/api/v1/creators/me"),
    ):
        r = getattr(client, method)(path, headers=auth, json={} if method == "patch" else None)
        assert r.status_code < 500, (path, r.json)
        assert r.headers["Cache-Control"] == "no-store", path
    assert client.get("/dashboard/login").headers["Cache-Control"] == "no-store"
    # The public spec may be cached.
    assert "no-store" not in client.get("/api/v1/openapi.json").headers.get("Cache-Control", "")


def test_hsts_only_in_production(make_app):
    assert load_config(PRODUCTION_ENV).HSTS_ENABLED is True
    assert load_config({}).HSTS_ENABLED is False
    assert load_config({**PRODUCTION_ENV, "HSTS_ENABLED": "off"}).HSTS_ENABLED is False

    production = make_app(HSTS_ENABLED=load_config(PRODUCTION_ENV).HSTS_ENABLED)
    client = production.test_client()
    for path in ("/", "/api/v1/openapi.json", "/api/v1/docs", "/dashboard/login"):
        r = client.get(path, headers=HTTPS)
        assert r.status_code == 200, path
        assert r.headers["Strict-Transport-Security"] == "max-age=31536000", path
        assert_protected(r)
        # TLS ends at the load balancer: plain HTTP is served, not redirected, and carries no
        # HSTS (browsers ignore it over HTTP).
        plain = client.get(path)
        assert plain.status_code == 200, path
        assert "Strict-Transport-Security" not in plain.headers

    embedded = make_app().test_client().get("/", headers=HTTPS)
    assert "Strict-Transport-Security" not in embedded.headers


@pytest.mark.skipif(not HAVE_CHROMIUM, reason="Chromium is not installed (CI installs it)")
def test_swagger_ui_renders_under_the_policy_in_chromium(live_server, browser):
    page = browser.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    page.goto(live_server + "/api/v1/docs")
    page.wait_for_selector(".opblock", timeout=30_000)
    assert page.locator(".opblock").count() > 10
    assert "Dandelion API" in page.locator(".info .title").first.inner_text()
    page.goto(live_server + "/")
    assert page.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # home.css
    violations = [m for m in console if "Content Security Policy" in m]
    assert violations == []
    page.close()
