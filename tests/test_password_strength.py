"""Common, breached-list and guessable passwords are refused wherever a password is set (API
sign-ups, dashboard sign-up, password reset, operator creation), with why and how to do better."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from accounts.models import Account, PasswordResetToken
from accounts.password_strength import TOO_WEAK, password_problems
from demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from tests.conftest import PASSWORD
from tests.e2e.dashboard_helpers import Dash
from tests.helpers import assert_error, count_rows

STRONG = "sunflower meadow lantern"
BRAND = {"name": "Lumen Skin", "email": "lumen@example.com"}
CREATOR = {"handle": "zoe.eats", "email": "zoe@example.com"}


@pytest.mark.parametrize(
    ("password", "why"),
    [
        ("password123", "This is a very common password."),
        ("qwerty12345", "common"),
        ("1234567890", "common"),
        ("aaaaaaaaaaaa", "Repeats"),
        ("lumen@example.com", "your email"),
        ("lumenskin2024", "your email, name"),
    ],
)
def test_weak_brand_passwords_are_refused_and_nothing_is_written(client, session, password, why):
    r = client.post("/api/v1/brands", json={**BRAND, "password": password})
    body = assert_error(r, 422, "password")
    assert body["message"].startswith(TOO_WEAK), body
    assert why in " ".join(body["errors"]["password"]), body
    assert len(body["errors"]["password"]) >= 2  # zxcvbn's suggestion follows the reason
    assert count_rows(session, Account) == 0


@pytest.mark.parametrize(
    "password", ["password123", "zoe@example.com", "zoe.eats2024", "qwerty123", "correcthorse"]
)
def test_weak_creator_passwords_are_refused(client, session, password):
    assert_error(
        client.post("/api/v1/creators", json={**CREATOR, "password": password}), 422, "password"
    )
    assert count_rows(session, Account) == 0


def test_strong_passphrases_are_accepted_and_work(client):
    for n, password in enumerate([STRONG, PASSWORD, "correct horse battery " * 8]):
        email = f"mia{n}@example.com"
        r = client.post(
            "/api/v1/creators", json={"handle": f"mia_{n}", "email": email, "password": password}
        )
        assert r.status_code == 201, r.get_json()
        r = client.post("/api/v1/tokens", json={"email": email, "password": password})
        assert r.status_code == 201, r.get_json()


def test_the_house_passwords_pass() -> None:
    """The tests' and the demo's own passwords are strong (in their accounts' context)."""
    assert password_problems(PASSWORD, ["brand1@example.com", "Glow Labs"]) == []
    assert password_problems(DEMO_PASSWORD, [f"lumen@{DEMO_DOMAIN}", "Lumen"]) == []
    assert password_problems(DEMO_PASSWORD, [f"creator01@{DEMO_DOMAIN}", "skincare_01"]) == []
    # the old demo password was made of the demo's own domain
    assert password_problems("dandelion-demo", [f"lumen@{DEMO_DOMAIN}"])


def test_dashboard_signup_refuses_a_common_password_beside_the_field(app, session):
    r = Dash(app).post(
        "/dashboard/signup",
        {"name": "Glow", "email": "glow@example.com", "password": "password123",
         "confirm": "password123"},
        page="/dashboard/signup",
    )  # fmt: skip
    assert r.status_code == 422
    page = r.get_data(as_text=True)
    assert 'id="password-error"' in page and "This is a very common password." in page
    assert count_rows(session, Account) == 0


def test_reset_refuses_a_common_password_and_keeps_the_token(app, session):
    Dash(app).signup("Glow Labs", "glow@example.com")
    result = app.test_cli_runner().invoke(
        args=["accounts", "reset-token", "--email", "glow@example.com"]
    )
    assert result.exit_code == 0, result.output
    token = re.search(r"reset\?token=(\S+)", result.output).group(1)
    dash = Dash(app)
    for weak in ("password123", "glow@example.com"):
        r = dash.post(
            "/dashboard/reset",
            {"token": token, "password": weak, "confirm": weak},
            page="/dashboard/reset",
        )
        assert r.status_code == 422, weak
        assert TOO_WEAK in r.get_data(as_text=True)
    session.rollback()
    assert session.scalar(select(PasswordResetToken.used_at)) is None  # still usable
    r = dash.post(
        "/dashboard/reset",
        {"token": token, "password": STRONG, "confirm": STRONG},
        page="/dashboard/reset",
    )
    assert r.status_code == 303
    assert Dash(app).login("glow@example.com", STRONG).status_code == 302


def test_operator_creation_refuses_a_common_password(app, session):
    result = app.test_cli_runner().invoke(
        args=[
            "accounts",
            "create-operator",
            "--email",
            "ops@example.com",
            "--password",
            "password123",
        ]
    )
    assert result.exit_code != 0
    assert "too common" in result.output and "Traceback" not in result.output
    assert count_rows(session, Account) == 0
