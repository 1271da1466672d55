"""Abuse limits on ``POST /tokens`` and sign-up: 429 with ``Retry-After`` in our error shape."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.models import ApiToken, Brand, Creator
from tests.conftest import PASSWORD
from tests.helpers import assert_error, count_rows

# Every test here counts in memory on the frozen limiter clock (``limiter_clock``): what they
# check cannot depend on when they run (a minute boundary) or how slowly (a loaded machine).
pytestmark = pytest.mark.usefixtures("limiter_clock")
LIMITED = {"RATELIMIT_ENABLED": True, "RATELIMIT_STORAGE_URI": "memory://"}


def assert_rate_limited(response: Any) -> None:
    body = assert_error(response, 429)
    assert body["errors"] == {}
    assert "too many requests" in body["message"].lower()
    retry_after = response.headers.get("Retry-After")
    assert retry_after is not None and retry_after.isdigit(), dict(response.headers)
    assert 0 < int(retry_after) <= 60


def test_token_requests_are_limited(make_app, session):
    app = make_app(**LIMITED, RATELIMIT_TOKENS="3 per minute")
    client = app.test_client()
    signup = {"name": "Glow Labs", "email": "glow@example.com", "password": PASSWORD}
    assert client.post("/api/v1/brands", json=signup).status_code == 201
    login = {"email": "glow@example.com", "password": PASSWORD}

    for _ in range(3):
        assert client.post("/api/v1/tokens", json=login).status_code == 201
    assert_rate_limited(client.post("/api/v1/tokens", json=login))
    assert count_rows(session, ApiToken) == 3  # the refused request issued nothing
    # Wrong passwords count too: guessing is what the limit is for.
    assert_rate_limited(client.post("/api/v1/tokens", json={**login, "password": "x" * 12}))


def test_failed_logins_use_up_the_limit(make_app):
    app = make_app(**LIMITED, RATELIMIT_TOKENS="3 per minute")
    client = app.test_client()
    wrong = {"email": "nobody@example.com", "password": "not the password"}
    for _ in range(3):
        assert_error(client.post("/api/v1/tokens", json=wrong), 401)
    assert_rate_limited(client.post("/api/v1/tokens", json=wrong))


def test_limits_are_per_client_address(make_app):
    app = make_app(**LIMITED, RATELIMIT_TOKENS="3 per minute")
    client = app.test_client()
    wrong = {"email": "nobody@example.com", "password": "not the password"}
    for _ in range(3):
        client.post("/api/v1/tokens", json=wrong, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    limited = client.post("/api/v1/tokens", json=wrong, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert_rate_limited(limited)
    other = client.post("/api/v1/tokens", json=wrong, environ_base={"REMOTE_ADDR": "10.0.0.2"})
    assert_error(other, 401)


@pytest.mark.parametrize(
    ("path", "model", "body"),
    [
        ("/api/v1/brands", Brand, lambda n: {"name": f"Brand {n}"}),
        ("/api/v1/creators", Creator, lambda n: {"handle": f"creator_{n}"}),
    ],
    ids=["brands", "creators"],
)
def test_sign_up_is_limited(make_app, session, path, model, body):
    app = make_app(**LIMITED, RATELIMIT_SIGNUP="3 per minute")
    client = app.test_client()

    def sign_up(n: int) -> Any:
        return client.post(
            path, json={**body(n), "email": f"signup{n}@example.com", "password": PASSWORD}
        )

    for n in range(3):
        assert sign_up(n).status_code == 201
    assert_rate_limited(sign_up(3))
    assert count_rows(session, model) == 3  # the refused sign-up wrote nothing


def test_a_limit_holds_across_a_minute_boundary_and_ends_a_minute_after_it_began(
    make_app, limiter_clock
):
    app = make_app(**LIMITED, RATELIMIT_TOKENS="3 per minute")
    client = app.test_client()
    wrong = {"email": "nobody@example.com", "password": "not the password"}
    for _ in range(3):  # at hh:mm:59.5
        assert_error(client.post("/api/v1/tokens", json=wrong), 401)
    limiter_clock.advance(1.0)  # hh:(mm+1):00.5, a new clock minute: still limited
    limited = client.post("/api/v1/tokens", json=wrong)
    assert_rate_limited(limited)
    assert int(limited.headers["Retry-After"]) == 59  # the window ends 60 s after its first hit
    limiter_clock.advance(58.0)
    assert_rate_limited(client.post("/api/v1/tokens", json=wrong))
    limiter_clock.advance(1.0)  # 60 s after the first hit: counted afresh
    for _ in range(3):
        assert_error(client.post("/api/v1/tokens", json=wrong), 401)
    assert_rate_limited(client.post("/api/v1/tokens", json=wrong))


def test_limits_do_not_touch_other_routes(make_app):
    app = make_app(**LIMITED, RATELIMIT_TOKENS="1 per minute")
    client = app.test_client()
    for _ in range(5):
        assert client.get("/api/v1/openapi.json").status_code == 200
        assert_error(client.get("/api/v1/creators/me"), 401)
