"""Races over real HTTP against a live server, one thread per request released together:
one creator's accepts queue on the creator (capacity and competitor exclusivity hold), and
identical requests racing to a unique constraint answer like the non-racing case (409 in the
one error shape; the week's existing run for match runs), never 500.

PostgreSQL is where these races are real (row locks, unique indexes waiting on each other);
SQLite serialises writers, and the same tests check that the answers are the same there.
"""

from __future__ import annotations

from collections import Counter
from http import HTTPStatus
from typing import Any

import pytest
import requests
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Account, Role
from api.errors import unique_violation
from collaborations.models import Sponsorship
from extensions import db
from matching import runs
from matching.models import MatchRun, MatchRunKind, MatchRunStatus
from tests.conftest import PASSWORD, REDIS_URL, operator_user
from tests.factories import complete_profile
from tests.payments_fixtures import (
    assert_ledger_ok,
    concurrently,
    creator_with_profile,
    http_post,
    live_server,
)

AT_ONCE = 6


def assert_error_shape(response: requests.Response, code: int) -> dict[str, Any]:
    """The one error shape, over real HTTP."""
    assert response.status_code == code, response.text
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "status", "message", "errors"}, body
    assert (body["code"], body["status"]) == (code, HTTPStatus(code).phrase)
    return body


def accept_all_at_once(app, creator, offers) -> list[requests.Response]:
    with live_server(app) as base:
        return concurrently(
            [
                lambda o=o: http_post(
                    base + f"/api/v1/offers/{o.id}/accept", headers=creator.headers
                )
                for o in offers
            ]
        )


def sponsorships_of(session: Session, creator_id: int) -> list[Sponsorship]:
    session.rollback()
    rows = session.scalars(select(Sponsorship).where(Sponsorship.creator_id == creator_id)).all()
    session.rollback()
    return list(rows)


# --- accepting: the creator row serialises ----------------------------------------------------


def test_six_offers_accepted_at_once_fill_a_capacity_of_one_once(
    app, session, make_brand, make_campaign, make_creator, make_offer
):
    creator = creator_with_profile(make_creator)
    complete_profile(creator, weekly_capacity=1)
    brand = make_brand()
    # Six campaigns with room to spare and no competitor group: only capacity can refuse.
    campaigns = [
        make_campaign(brand, state="published", title=f"Serum {n}", competitor_group=None)
        for n in range(AT_ONCE)
    ]
    offers = [make_offer(c, creator) for c in campaigns]

    responses = accept_all_at_once(app, creator, offers)

    assert Counter(r.status_code for r in responses) == {201: 1, 409: AT_ONCE - 1}, [
        r.text for r in responses
    ]
    for r in responses:
        if r.status_code == 409:
            assert "weekly capacity (1)" in assert_error_shape(r, 409)["message"]
    [won] = [r.json() for r in responses if r.status_code == 201]
    [sponsorship] = sponsorships_of(session, creator.id)
    assert sponsorship.id == won["id"]
    # The losers' offers are still open: the creator can take one once the work is delivered.
    statuses = Counter(o["status"] for o in creator.get("/api/v1/creators/me/offers").json["items"])
    assert statuses == {"accepted": 1, "proposed": AT_ONCE - 1}
    assert_ledger_ok(app, session)


def test_competing_campaigns_accepted_at_once_give_one_sponsorship(
    app, session, make_brand, make_campaign, make_creator, make_offer
):
    creator = creator_with_profile(make_creator)
    complete_profile(creator, weekly_capacity=10)
    # Four brands of one competitor group: exclusivity alone must refuse three.
    campaigns = [
        make_campaign(
            make_brand(), state="published", title=f"Serum {n}", competitor_group="serums"
        )
        for n in range(4)
    ]
    offers = [make_offer(c, creator) for c in campaigns]

    responses = accept_all_at_once(app, creator, offers)

    assert Counter(r.status_code for r in responses) == {201: 1, 409: 3}, [
        r.text for r in responses
    ]
    for r in responses:
        if r.status_code == 409:
            assert "competing brand in 'serums'" in assert_error_shape(r, 409)["message"]
    assert len(sponsorships_of(session, creator.id)) == 1
    assert_ledger_ok(app, session)


# --- identical requests racing to a unique constraint -----------------------------------------


def test_six_identical_match_run_requests_get_the_same_run(make_app, redis_conn):
    # Jobs go to a real Redis (not run in-process): the run stays queued, its job enqueued once.
    app = make_app(REDIS_URL=REDIS_URL)
    client = app.test_client()
    ops = operator_user(app, client)
    week = runs.current_week()
    with live_server(app) as base:
        responses = concurrently(
            [
                lambda: http_post(
                    base + "/api/v1/match-runs", json={"week": week}, headers=ops.headers
                )
                for _ in range(AT_ONCE)
            ]
        )

    assert [r.status_code for r in responses] == [202] * AT_ONCE, [r.text for r in responses]
    assert len({r.json()["id"] for r in responses}) == 1
    assert {(r.json()["week"], r.json()["status"]) for r in responses} == {(week, "queued")}
    session = app.extensions["dandelion.db"].read_session_factory()
    try:
        [run] = session.scalars(select(MatchRun).where(MatchRun.kind == MatchRunKind.WEEKLY)).all()
        assert (run.id, run.status) == (responses[0].json()["id"], MatchRunStatus.QUEUED)
    finally:
        session.close()
    assert Queue("matching", connection=redis_conn).count == 1
    # Asking again without a race answers the same.
    again = ops.post("/api/v1/match-runs", json={"week": week})
    assert (again.status_code, again.json["id"]) == (202, run.id)


def signups_at_once(app, path: str, body: dict[str, Any]) -> list[requests.Response]:
    with live_server(app) as base:
        return concurrently([lambda: http_post(base + path, json=body) for _ in range(AT_ONCE)])


def accounts_with_email(session: Session, email: str) -> int:
    session.rollback()
    count = session.scalar(select(func.count(Account.id)).where(Account.email == email))
    session.rollback()
    return int(count or 0)


def test_six_identical_brand_signups_give_one_brand_and_five_conflicts(app, client, session):
    body = {"name": "Lumen", "email": "race@lumen.example", "password": PASSWORD}
    responses = signups_at_once(app, "/api/v1/brands", body)

    assert Counter(r.status_code for r in responses) == {201: 1, 409: AT_ONCE - 1}, [
        r.text for r in responses
    ]
    # The losers answer exactly as a sign-up that did not race does.
    sequential = client.post("/api/v1/brands", json=body)
    assert sequential.status_code == 409
    for r in responses:
        if r.status_code == 409:
            assert assert_error_shape(r, 409) == sequential.json
    assert sequential.json["errors"] == {"email": ["Already registered."]}
    assert accounts_with_email(session, body["email"]) == 1
    token = client.post("/api/v1/tokens", json={"email": body["email"], "password": PASSWORD})
    assert token.status_code == 201 and token.json["kind"] == "brand"


def test_six_identical_creator_signups_give_one_creator_and_five_conflicts(app, client, session):
    body = {"handle": "mia.races", "email": "mia@races.example", "password": PASSWORD}
    responses = signups_at_once(app, "/api/v1/creators", body)

    assert Counter(r.status_code for r in responses) == {201: 1, 409: AT_ONCE - 1}, [
        r.text for r in responses
    ]
    # A loser answers as a sign-up that did not race does for whichever unique value it lost
    # on (email or handle): the service's own answers, never a generic one.
    answers = [
        client.post("/api/v1/creators", json=body).json,
        client.post(
            "/api/v1/creators", json={**body, "handle": "someone.else"}
        ).json,  # the email alone
    ]
    for r in responses:
        if r.status_code == 409:
            assert assert_error_shape(r, 409) in answers
    assert accounts_with_email(session, body["email"]) == 1


# --- how unique violations are recognised, on either database ---------------------------------


def _violation(app, *rows: Any) -> IntegrityError:
    s = app.extensions["dandelion.db"].session_factory()
    try:
        s.add_all(rows)
        with pytest.raises(IntegrityError) as caught:
            s.flush()
        return caught.value
    finally:
        s.rollback()
        s.close()


def test_unique_violations_are_named_after_their_constraint(app):
    def account() -> Account:
        return Account(email="same@example.com", password_hash="x", role=Role.BRAND)

    assert unique_violation(_violation(app, account(), account())) == (True, "uq_accounts_email")

    def weekly() -> MatchRun:
        return MatchRun(
            week="2026-W01", kind=MatchRunKind.WEEKLY, scope={}, status=MatchRunStatus.QUEUED
        )

    assert unique_violation(_violation(app, weekly(), weekly())) == (
        True,
        "uq_match_runs_weekly_week",
    )
    # Not a unique violation: a missing required value stays a bug (500), not a 409.
    no_email = Account(email=None, password_hash="x", role=Role.BRAND)
    assert unique_violation(_violation(app, no_email)) == (False, None)


def test_a_unique_violation_in_a_request_answers_the_declared_conflict_on_either_database(
    make_app,
):
    """What the races above hit on PostgreSQL, made deterministic: a view whose flush violates
    the unique email answers the sign-up's own 409 (SQLite included); a NOT NULL violation
    stays a 500."""
    app = make_app()

    def duplicate() -> str:
        db.session.add(Account(email="dup@example.com", password_hash="x", role=Role.BRAND))
        db.session.flush()
        db.session.add(Account(email="dup@example.com", password_hash="y", role=Role.BRAND))
        db.session.flush()
        return "unreachable"

    def missing_email() -> str:
        db.session.add(Account(email=None, password_hash="x", role=Role.BRAND))
        db.session.flush()
        return "unreachable"

    app.add_url_rule("/api/v1/test-duplicate", view_func=duplicate, methods=["POST"])
    app.add_url_rule("/api/v1/test-missing", view_func=missing_email, methods=["POST"])
    app.config["PROPAGATE_EXCEPTIONS"] = False  # answer a bug as production does: 500
    client = app.test_client()

    r = client.post("/api/v1/test-duplicate")
    assert r.status_code == 409
    assert r.json == {
        "code": 409,
        "status": "Conflict",
        "message": "An account with this email already exists.",
        "errors": {"email": ["Already registered."]},
    }
    assert client.post("/api/v1/test-missing").status_code == 500
    # Rolled back: nothing of either request was written, and the app keeps serving.
    signup = {"name": "Lumen", "email": "dup@example.com", "password": PASSWORD}
    assert client.post("/api/v1/brands", json=signup).status_code == 201
