"""Trend reports: the 10-creator (and 10-campaign) floor, rising and falling tags over real
snapshots written by the periodic job, the demand side derived from campaigns' history, and
the in-process snapshot of the embedded mode."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest
from sqlalchemy import func, select

import trends.jobs
from campaigns.models import Campaign
from core.db import utcnow
from tests.factories import complete_profile, update_row
from tests.helpers import assert_error
from tests.test_migrations import scratch_url  # noqa: F401 - a fixture
from trends.models import TrendSide, TrendSnapshot
from trends.services import week_start

AUDIENCE = {
    "gender": {"female": 0.6, "male": 0.4},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.5, "25-34": 0.5},
}


def open_creator(make_creator, interests: dict[str, float], *, followers: int = 10_000) -> Any:
    creator = make_creator()
    complete_profile(
        creator,
        followers=followers,
        categories=["food"],
        audience={**AUDIENCE, "interests": interests},
    )
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["food"]},
    )
    assert r.status_code == 200, r.get_json()
    return creator


def tag_row(side: dict[str, Any], tag: str) -> dict[str, Any] | None:
    return next((t for t in side["tags"] if t["tag"] == tag), None)


def test_a_tag_needs_ten_creators_to_be_shown(make_brand, make_creator):
    brand = make_brand()
    for _ in range(9):
        open_creator(make_creator, {"coffee": 0.5, "food": 0.5})
    for _ in range(2):
        open_creator(make_creator, {"food": 1.0})
    r = brand.get("/api/v1/trends?category=food&weeks=4")
    assert r.status_code == 200, r.get_json()
    report = r.get_json()
    assert report["min_contributors"] == 10 and len(report["weeks"]) == 4
    assert report["weeks"][-1] == report["current_week"] == week_start(utcnow().date()).isoformat()
    audience = report["audience"]
    assert tag_row(audience, "coffee") is None  # 9 creators: not even named
    food = tag_row(audience, "food")  # 11 creators: shown, follower-weighted
    assert food["shares"][-1] == pytest.approx((9 * 0.5 + 2 * 1.0) / 11, abs=1e-4)
    assert audience["population"][-1] == 11 and audience["weighting"] == "followers"

    open_creator(make_creator, {"coffee": 0.5, "food": 0.5})  # the tenth with coffee
    audience = brand.get("/api/v1/trends?category=food&weeks=4").get_json()["audience"]
    coffee = tag_row(audience, "coffee")
    assert coffee["shares"][:3] == [None, None, None]  # no history yet
    assert coffee["shares"][-1] == pytest.approx(10 * 0.5 / 12, abs=1e-4)


def test_the_floor_binds_the_demand_side_too(make_brand, make_campaign):
    brand = make_brand()
    target = {**AUDIENCE, "interests": {"skincare": 0.6, "makeup": 0.4}}
    for _ in range(9):
        make_campaign(brand, state="published", target_audience=target)
    demand = brand.get("/api/v1/trends?category=skincare").get_json()["demand"]
    assert demand["tags"] == [] and demand["population"][-1] is None  # 9 campaigns
    make_campaign(brand, state="published", target_audience=target)
    demand = brand.get("/api/v1/trends?category=skincare").get_json()["demand"]
    assert demand["weighting"] == "campaigns" and demand["population"][-1] == 10
    assert tag_row(demand, "skincare")["shares"][-1] == pytest.approx(0.6)
    assert tag_row(demand, "makeup")["shares"][-1] == pytest.approx(0.4)


def _snapshot_at(app, monkeypatch, when) -> int:
    monkeypatch.setattr(trends.jobs, "utcnow", lambda: when)
    with app.app_context():
        return trends.jobs.snapshot_trends_job()


def test_rising_and_falling_over_snapshots_written_by_the_job(
    app, make_brand, make_creator, monkeypatch
):
    brand = make_brand()
    creators = [open_creator(make_creator, {"food": 0.6, "coffee": 0.4}) for _ in range(10)]
    now = utcnow()
    assert _snapshot_at(app, monkeypatch, now - timedelta(weeks=2)) > 0
    for creator in creators[:5]:  # half the audience moves from food to coffee
        complete_profile(
            creator,
            followers=10_000,
            categories=["food"],
            audience={**AUDIENCE, "interests": {"food": 0.2, "coffee": 0.8}},
        )
    _snapshot_at(app, monkeypatch, now - timedelta(weeks=1))
    monkeypatch.undo()

    report = brand.get("/api/v1/trends?category=food&weeks=3").get_json()
    food, coffee = tag_row(report["audience"], "food"), tag_row(report["audience"], "coffee")
    assert food["shares"] == pytest.approx([0.6, 0.4, 0.4])  # two snapshots, then live
    assert coffee["shares"] == pytest.approx([0.4, 0.6, 0.6])
    assert (food["direction"], coffee["direction"]) == ("falling", "rising")
    assert food["change"] == pytest.approx(-0.2) and coffee["change"] == pytest.approx(0.2)
    assert report["rising"] == [{"side": "audience", "tag": "coffee", "change": 0.2}]
    assert report["falling"] == [{"side": "audience", "tag": "food", "change": -0.2}]
    # across every category too (the job wrote both)
    overall = brand.get("/api/v1/trends?weeks=3").get_json()["audience"]
    assert tag_row(overall, "coffee")["shares"][0] == pytest.approx(0.4)
    # a small change is steady, not a trend
    creators[0].patch(
        "/api/v1/creators/me",
        json={"audience": {**AUDIENCE, "interests": {"food": 0.3, "coffee": 0.7}}},
    )
    report = brand.get("/api/v1/trends?category=food&weeks=2").get_json()
    assert tag_row(report["audience"], "food")["direction"] == "steady"


def test_past_demand_is_derived_from_campaigns_history(
    app, session, make_brand, make_campaign, monkeypatch
):
    brand = make_brand()
    target = {**AUDIENCE, "interests": {"pets": 1.0}}
    ids = [make_campaign(brand, state="published", target_audience=target)["id"] for _ in range(10)]
    four_weeks_ago = utcnow() - timedelta(weeks=4)
    for cid in ids:
        update_row(session, Campaign, cid, published_at=four_weeks_ago)
    _snapshot_at(app, monkeypatch, utcnow())
    monkeypatch.undo()
    demand = brand.get("/api/v1/trends?weeks=6").get_json()["demand"]
    assert tag_row(demand, "pets")["shares"] == [None, 1.0, 1.0, 1.0, 1.0, 1.0]
    assert demand["population"][0] is None and demand["population"][1] == 10


def test_the_embedded_mode_snapshots_in_process_when_a_report_is_read(
    make_brand, make_creator, session
):
    brand = make_brand()
    for _ in range(10):
        open_creator(make_creator, {"food": 1.0})
    assert session.scalar(select(func.count(TrendSnapshot.id))) == 0
    brand.get("/api/v1/trends")  # no scheduler in embedded mode: the read takes the snapshot
    session.rollback()
    rows = session.scalars(select(TrendSnapshot).where(TrendSnapshot.side == TrendSide.AUDIENCE))
    taken = {(r.week_start, r.category, r.tag, r.contributors, r.taken_at) for r in rows}
    assert {t[:4] for t in taken} == {
        (week_start(utcnow().date()), "", "food", 10),
        (week_start(utcnow().date()), "food", "food", 10),
    }
    brand.get("/api/v1/trends")  # fresh: not taken again
    session.rollback()
    again = session.scalars(select(TrendSnapshot).where(TrendSnapshot.side == TrendSide.AUDIENCE))
    assert {(r.week_start, r.category, r.tag, r.contributors, r.taken_at) for r in again} == taken


def test_trends_are_for_brands_and_validate_the_query(make_brand, make_creator):
    brand = make_brand()
    assert make_creator().get("/api/v1/trends").status_code == 403
    assert_error(brand.get("/api/v1/trends?weeks=0"), 422, "weeks")
    assert_error(brand.get("/api/v1/trends?weeks=27"), 422, "weeks")
    assert_error(brand.get("/api/v1/trends?category=Not%20One"), 422, "category")
    r = brand.get("/api/v1/trends?category=nothing-here")
    assert r.status_code == 200 and r.get_json()["audience"]["tags"] == []


def test_the_migration_backfills_past_demand_from_campaigns(scratch_url):  # noqa: F811
    """Write ten campaigns published three weeks ago (one closed since) into a database at
    the revision before trends' (0009; written at head with today's models, then downgraded),
    then upgrade: the past weeks' demand side is there, as those campaigns were live."""
    from datetime import date

    from alembic import command
    from sqlalchemy import create_engine
    from sqlalchemy.orm import Session

    from accounts.models import Account, Brand, Role
    from cli import alembic_config

    config = alembic_config(scratch_url)
    command.upgrade(config, "head")
    engine = create_engine(scratch_url)
    now = utcnow()
    last_monday = datetime.combine(week_start(now.date()) - timedelta(weeks=1), time(), UTC)
    try:
        with Session(engine) as s:
            brand = Brand(
                name="B", account=Account(email="b@example.com", password_hash="x", role=Role.BRAND)
            )
            s.add(brand)
            for n in range(10):
                s.add(
                    Campaign(
                        brand=brand,
                        title=f"C{n}",
                        brief="b",
                        category="pets",
                        budget_amount=1000,
                        currency="EUR",
                        slots=1,
                        target_audience={**AUDIENCE, "interests": {"pets": 0.5, "home": 0.5}},
                        starts_on=date.today(),
                        ends_on=date.today(),
                        published_at=now - timedelta(weeks=3),
                        closed_at=last_monday - timedelta(seconds=1) if n == 0 else None,
                    )
                )
            s.commit()
        command.downgrade(config, "0009")
        command.upgrade(config, "head")
        with Session(engine) as s:
            rows = s.scalars(select(TrendSnapshot).where(TrendSnapshot.category == "pets")).all()
        current = week_start(now.date())
        by_week = {(r.week_start, r.tag): (r.contributors, r.share) for r in rows}
        assert by_week[(current - timedelta(weeks=2), "pets")] == (10, 0.5)
        # one closed just before last week began: nine were live last week
        assert by_week[(current - timedelta(weeks=1), "home")] == (9, 0.5)
        assert (current - timedelta(weeks=5), "pets") not in by_week  # before any was published
        assert current not in {r.week_start for r in rows}  # the current week is the job's
        assert {r.side for r in rows} == {TrendSide.DEMAND}
        command.downgrade(config, "0009")
    finally:
        engine.dispose()
