"""Self-service password reset by email, against a real SMTP server: the API and the dashboard
answer 202 / the same page whether or not the email is registered, a job mails a link that
opens the page where a new password is set, the token works once and is stored only hashed,
the reset revokes API tokens, and the request is rate-limited like sign-ups."""

from __future__ import annotations

import logging
import re
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from accounts.models import Account, PasswordResetToken
from tests.conftest import PASSWORD, operator_user
from tests.e2e.dashboard_helpers import Dash

PUBLIC_URL = "https://dandelion.example.com"
NEW_PASSWORD = "violet harbour compass"


@pytest.fixture
def app(make_app: Any, smtp_server: Any) -> Any:
    return make_app(SMTP_URL=smtp_server.url, PUBLIC_URL=PUBLIC_URL)


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def link_in(message: Any) -> str:
    body = message.get_content()
    match = re.search(r"https://dandelion\.example\.com/dashboard/reset\?token=\S+", body)
    assert match, body
    return match.group(0)


def token_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["token"][0]


def email_of(app: Any, user: Any) -> str:
    s = app.extensions["dandelion.db"].read_session_factory()
    try:
        return str(s.get(Account, user.account_id).email)
    finally:
        s.close()


def ask(client: Any, email: str) -> Any:
    return client.post("/api/v1/password-resets", json={"email": email})


def test_a_brand_gets_a_link_that_sets_a_new_password_once_and_ends_its_tokens(
    app, client, session, make_brand, smtp_server
):
    brand = make_brand("Lumen Skin")
    email = email_of(app, brand)
    r = ask(client, email.upper())  # emails match case-insensitively, as at log-in
    assert r.status_code == 202, r.get_json()
    assert "If an account has this email" in r.get_json()["message"]

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == email and message["Subject"] == "Reset your Dandelion password"
    link = link_in(message)
    token = token_of(link)
    stored = session.scalars(select(PasswordResetToken.token_hash)).all()
    assert len(stored) == 1 and token not in stored[0]  # only the digest is kept
    session.rollback()

    # The link opens the page where the new password is set; the token rides along unseen.
    dash = Dash(app)
    page = dash.get(urlsplit(link).path + "?" + urlsplit(link).query)
    assert page.status_code == 200
    html = text(page)
    assert f'type="hidden" name="token" value="{token}"' in html
    assert "Choose the new password for your account" in html
    weak = dash.post(
        "/dashboard/reset",
        {"token": token, "from_link": "1", "password": "password123", "confirm": "password123"},
        page=urlsplit(link).path + "?" + urlsplit(link).query,
    )
    assert weak.status_code == 422  # the sign-up strength rules hold
    done = dash.post(
        "/dashboard/reset",
        {"token": token, "from_link": "1", "password": NEW_PASSWORD, "confirm": NEW_PASSWORD},
    )
    assert done.status_code == 303, text(done)

    assert Dash(app).login(email, NEW_PASSWORD).status_code == 302
    assert Dash(app).login(email, PASSWORD).status_code == 401
    assert brand.get("/api/v1/campaigns").status_code == 401  # the old bearer token is revoked
    again = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": "another passphrase 7"}
    )
    assert again.status_code == 422 and "token" in again.get_json()["errors"]


def test_a_creator_resets_over_the_api_and_gets_a_new_token_with_the_new_password(
    app, client, make_creator, smtp_server
):
    creator = make_creator("glow_daily")
    email = email_of(app, creator)
    assert ask(client, email).status_code == 202
    (message,) = smtp_server.wait_for(1)
    token = token_of(link_in(message))

    weak = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": "password1234"}
    )
    assert weak.status_code == 422 and "password" in weak.get_json()["errors"]
    r = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert r.status_code == 200, r.get_json()
    assert creator.get("/api/v1/creators/me").status_code == 401  # tokens revoked
    t = client.post("/api/v1/tokens", json={"email": email, "password": NEW_PASSWORD})
    assert t.status_code == 201 and t.get_json()["kind"] == "creator"
    used = client.post(
        "/api/v1/password-resets/confirm", json={"token": token, "password": NEW_PASSWORD}
    )
    assert used.status_code == 422  # once


def test_unknown_and_operator_emails_answer_the_same_and_send_nothing(
    app, client, session, smtp_server
):
    operator_user(app, client, email="ops@example.com")
    known_shape = ask(client, "nobody@example.com")
    assert known_shape.status_code == 202
    assert ask(client, "ops@example.com").get_json() == known_shape.get_json()
    assert ask(client, "not even an email").status_code == 202
    smtp_server.wait_for(1, timeout_s=1.0)
    assert smtp_server.messages == []
    assert session.scalars(select(PasswordResetToken)).all() == []


def test_requests_in_a_burst_send_one_email(app, client, make_brand, smtp_server):
    brand = make_brand()
    email = email_of(app, brand)
    assert [ask(client, email).status_code for _ in range(3)] == [202, 202, 202]
    smtp_server.wait_for(2, timeout_s=1.0)
    assert len(smtp_server.to(email)) == 1


def test_the_dashboard_form_sends_the_same_link_and_says_the_same_for_anyone(
    app, make_brand, smtp_server
):
    brand = make_brand()
    email = email_of(app, brand)
    dash = Dash(app)
    login = text(dash.get("/dashboard/login"))
    assert 'href="/dashboard/forgot"' in login and "Forgot your password?" in login

    sent = dash.post("/dashboard/forgot", {"email": email}, page="/dashboard/forgot")
    assert sent.status_code == 303
    shown = text(dash.get("/dashboard/forgot"))
    assert "If an account has this email, a link to set a new password is on its way" in shown
    (message,) = smtp_server.wait_for(1)
    assert message["To"] == email
    assert link_in(message).startswith(f"{PUBLIC_URL}/dashboard/reset?token=")

    unknown = dash.post(
        "/dashboard/forgot", {"email": "nobody@example.com"}, page="/dashboard/forgot"
    )
    assert unknown.status_code == 303 and unknown.headers["Location"] == sent.headers["Location"]
    smtp_server.wait_for(2, timeout_s=1.0)
    assert len(smtp_server.messages) == 1


def test_reset_requests_are_rate_limited_like_sign_ups(make_app, smtp_server):
    app = make_app(
        SMTP_URL=smtp_server.url,
        RATELIMIT_ENABLED=True,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_SIGNUP="2 per minute",
    )
    client = app.test_client()
    codes = [ask(client, f"x{i}@example.com").status_code for i in range(3)]
    assert codes == [202, 202, 429]


def test_with_mail_off_nothing_is_issued_and_the_log_says_so(make_app, caplog):
    app = make_app()  # no SMTP_URL
    client = app.test_client()
    r = client.post(
        "/api/v1/brands", json={"name": "Lumen", "email": "lumen@example.com", "password": PASSWORD}
    )
    assert r.status_code == 201
    with caplog.at_level(logging.WARNING, logger="accounts.reset_jobs"):
        assert ask(client, "lumen@example.com").status_code == 202
    assert "mail is off (SMTP_URL unset)" in caplog.text
    s = app.extensions["dandelion.db"].read_session_factory()
    try:
        assert s.scalars(select(PasswordResetToken)).all() == []
    finally:
        s.close()


def test_two_requests_before_the_job_runs_are_one_job(session, client):
    """With a queue (RQ), the first request's job may not have issued its token yet when the
    second arrives: both ask for the same job id, which RQ queues once, so one email goes
    out and its link is not voided by a second."""
    from accounts.password_reset import request_reset

    body = {"name": "Double Co", "email": "double@example.com", "password": PASSWORD}
    assert client.post("/api/v1/brands", json=body).status_code == 201
    assert request_reset(session, "double@example.com")
    assert request_reset(session, "double@example.com")  # no token yet: asks again...
    ids = [job.job_id for job in session.info["deferred_jobs"]]
    assert len(ids) == 2 and ids[0] == ids[1]  # ...for the same job
    session.rollback()
