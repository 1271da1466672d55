"""Operators' match-run routes: start (once per week), read, list; nobody else gets in."""

from __future__ import annotations

import time

import pytest

from core.db import session_scope
from tests.conftest import operator_user
from tests.market import seed_market


def test_operator_starts_a_run_and_reads_its_figures(app, client):
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        seed_market(s, creators=80, campaigns_per_niche=2)
    ops = operator_user(app, client)
    started = time.perf_counter()
    r = ops.post("/api/v1/match-runs", json={"week": "2026-W49"})
    elapsed = time.perf_counter() - started
    assert r.status_code == 202
    run_id = r.json["id"]
    got = ops.get(f"/api/v1/match-runs/{run_id}").json  # embedded mode ran it in-process
    assert got["status"] == "succeeded" and got["progress"] == 100 and got["stage"] == "done"
    assert got["offers"] > 0 and got["candidates"] >= got["offers"]
    assert got["bound"] >= got["objective"] > 0
    # The gap is the one of these figures (rounding aside), not a separate guess.
    assert got["gap"] == pytest.approx((got["bound"] - got["objective"]) / got["bound"], abs=1e-6)
    # The solve ran inside that request (embedded mode): its time is real and within it.
    assert 0 < got["seconds"] <= elapsed, (got["seconds"], elapsed)
    again = ops.post("/api/v1/match-runs", json={"week": "2026-W49"})
    assert again.status_code == 202 and again.json["id"] == run_id and again.json["attempts"] == 1
    listed = ops.get("/api/v1/match-runs").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == run_id


def test_bad_week_is_refused_and_nothing_is_created(app, client):
    ops = operator_user(app, client)
    for week in ("2026-48", "2026-W54", "next week"):
        r = ops.post("/api/v1/match-runs", json={"week": week})
        assert r.status_code == 422 and "week" in r.json["errors"], week
    assert ops.get("/api/v1/match-runs").json["total"] == 0
    assert ops.get("/api/v1/match-runs/1").status_code == 404


def test_brands_and_creators_cannot_run_or_read_matching(app, client, make_brand, make_creator):
    ops = operator_user(app, client)
    run_id = ops.post("/api/v1/match-runs", json={"week": "2026-W49"}).json["id"]
    for user in (make_brand(), make_creator()):
        assert user.post("/api/v1/match-runs", json={"week": "2026-W48"}).status_code == 403
        assert user.get(f"/api/v1/match-runs/{run_id}").status_code == 403
        assert user.get("/api/v1/match-runs").status_code == 403
    assert client.get("/api/v1/match-runs").status_code == 401
    assert ops.get("/api/v1/match-runs").json["total"] == 1
