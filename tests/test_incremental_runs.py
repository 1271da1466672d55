"""Incremental match runs: a campaign published mid-week, or a creator opting in, is matched
against the week's residual market at once, without an operator; future weeks are refused.

Embedded (in-process jobs) through the API, and on real Redis with a burst ``SimpleWorker``
(Redis database 15 unless TEST_REDIS_URL says otherwise).
"""

from __future__ import annotations

import contextlib
import threading
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from accounts.models import Brand, Creator
from campaigns.models import Campaign
from collaborations.models import BrandBlock, Offer, OfferSource, OfferStatus
from config import ConfigError, load_config
from core.db import session_scope, utcnow
from core.errors import InvalidInput
from matching import runs
from matching.adapter import snapshot_market, week_bounds
from matching.jobs import run_settings
from matching.models import MatchRun, MatchRunKind, MatchRunStatus
from notifications.models import Notification
from tests.conftest import PASSWORD, REDIS_URL, ApiUser, campaign_body, operator_user
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, Dash, make_operator
from tests.factories import offer_factory, open_up
from tests.helpers import assert_error
from tests.market import seed_market

# No wall clock (a test-only value): the solve is bounded by its rounds, so the offers do not
# depend on the machine's load.
FAST = {
    "MATCH_TIME_LIMIT_S": None,
    "MATCH_INCREMENTAL_TIME_LIMIT_S": None,
    "MATCH_MAX_ROUNDS": 30,
    "MATCH_SEED": 3,
}
ON = {"MATCH_INCREMENTAL": True, **FAST}


@pytest.fixture
def app(make_app):
    return make_app(**ON)


def _factory(app):
    return app.extensions["dandelion.db"].session_factory


def _seed(app, **kw: Any) -> None:
    """Open creators in four niches and published campaigns (no run: the tests run them)."""
    with app.app_context(), session_scope(_factory(app)) as s:
        seed_market(s, **kw)


def _read(app):
    return app.extensions["dandelion.db"].read_session_factory()


def _weekly_run(app) -> MatchRun:
    with app.app_context(), session_scope(_factory(app)) as s:
        run, queued = runs.request_run(s, runs.current_week())
        run_id = run.id
    assert queued
    return _run(app, run_id)


def _run(app, run_id: int) -> MatchRun:
    s = _read(app)
    run = s.get(MatchRun, run_id)
    s.expunge(run)
    s.close()
    return run


def _incremental_runs(app, **scope: int) -> list[MatchRun]:
    s = _read(app)
    found = [
        r
        for r in s.scalars(
            select(MatchRun).where(MatchRun.kind == MatchRunKind.INCREMENTAL).order_by(MatchRun.id)
        )
        if not scope or r.scope == scope
    ]
    for r in found:
        s.expunge(r)
    s.close()
    return found


def _offers(app, **where: Any) -> list[Offer]:
    s = _read(app)
    query = select(Offer).order_by(Offer.id)
    for name, value in where.items():
        query = query.where(getattr(Offer, name) == value)
    offers = list(s.scalars(query))
    for o in offers:
        s.expunge(o)
    s.close()
    return offers


def assert_residual_respected(app, cap: int) -> None:
    """Every creator within weekly capacity (live proposals) and this week's offer cap, and
    never offered the same campaign twice."""
    s = _read(app)
    start, end = week_bounds(utcnow().date())
    live = Counter(s.scalars(select(Offer.creator_id).where(Offer.status == OfferStatus.PROPOSED)))
    week = Counter(
        s.scalars(select(Offer.creator_id).where(Offer.created_at >= start, Offer.created_at < end))
    )
    pairs = Counter(s.execute(select(Offer.creator_id, Offer.campaign_id)).all())
    for creator_id, n in live.items():
        assert n <= s.get(Creator, creator_id).weekly_capacity, creator_id
    assert max(week.values(), default=0) <= cap
    assert max(pairs.values(), default=0) == 1 or not pairs
    s.close()


def test_a_campaign_published_mid_week_gets_offers_from_the_residual_market(
    app, make_app, make_brand, make_campaign
):
    _seed(app, creators=120, campaigns_per_niche=2, slots=4)
    weekly = _weekly_run(app)
    assert weekly.status is MatchRunStatus.SUCCEEDED and weekly.offers_created > 0
    s = _read(app)
    weekly_load = Counter(s.scalars(select(Offer.creator_id)))
    full = {
        k.id
        for k in s.scalars(select(Creator).where(Creator.id.in_(weekly_load)))
        if weekly_load[k.id] >= k.weekly_capacity
    }
    s.close()
    assert full, "the weekly run booked some creators fully"

    brand = make_brand()
    campaign = make_campaign(brand, state="published", competitor_group=None, slots=6)
    # nobody ran anything: the publish queued an incremental run, run in-process after commit
    (run,) = _incremental_runs(app)
    assert run.scope == {"campaign_id": campaign["id"]} and run.week == runs.current_week()
    assert run.status is MatchRunStatus.SUCCEEDED, run.error
    offers = _offers(app, campaign_id=campaign["id"])
    assert 0 < len(offers) == run.offers_created <= 6
    assert all(o.match_run_id == run.id and o.source is OfferSource.MATCH for o in offers)
    s = _read(app)
    for o in offers:
        creator = s.get(Creator, o.creator_id)
        assert creator.is_open and "skincare" in creator.open_categories
        assert 1_000 <= creator.followers <= 500_000 and o.price_amount == creator.rate_amount
        assert o.creator_id not in full  # capacity the weekly run's offers took is respected
        assert o.explanation["text"]
    s.close()
    assert_residual_respected(app, cap=3)
    # the weekly run keeps its explanations; the brand is told about its campaign
    assert str(campaign["id"]) in run.details["campaigns"]
    s = _read(app)
    told = s.scalars(
        select(Notification.kind).where(Notification.account_id == brand.account_id)
    ).all()
    s.close()
    assert "match_run.finished" in told


def test_the_weekly_offer_cap_counts_every_offer_of_the_week(make_app, make_campaign, session):
    app = make_app(MATCH_MAX_OFFERS_PER_WEEK=1, **ON)
    _seed(app, creators=80, campaigns_per_niche=1, slots=4)
    assert _weekly_run(app).offers_created > 0
    weekly = {o.creator_id for o in _offers(app)}
    # an invitation this week counts as well (any source)
    s = _read(app)
    invited = next(
        k.id
        for k in s.scalars(select(Creator).order_by(Creator.id))
        if k.id not in weekly and "skincare" in k.open_categories
    )
    s.close()
    with app.app_context():
        offer_factory(session)(
            _offers(app)[0].campaign_id, invited, source=OfferSource.INVITE, price_amount=1
        )
    brand = _brand(app, app.test_client())  # on this app (make_brand is bound to another)
    campaign = make_campaign(brand, state="published", competitor_group=None, slots=8)
    offers = _offers(app, campaign_id=campaign["id"])
    assert offers, "creators the week has not used yet are offered"
    assert not {o.creator_id for o in offers} & (weekly | {invited})
    assert_residual_respected(app, cap=1)


def _brand(app, client) -> ApiUser:
    """A brand signed up on ``app`` (the ``make_brand`` fixture is bound to the module's app)."""
    email = f"b{datetime.now().timestamp()}@example.com"
    r = client.post("/api/v1/brands", json={"name": "Capped", "email": email, "password": PASSWORD})
    assert r.status_code == 201, r.json
    t = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    s = _read(app)
    account_id = s.get(Brand, r.json["id"]).account_id
    s.close()
    return ApiUser(client, t.json["token"], account_id, r.json["id"])


def test_a_creator_opting_in_gets_offers_from_published_campaigns(app, make_creator):
    _seed(app, creators=40, campaigns_per_niche=2)
    creator = make_creator()
    open_up(creator, categories=["skincare"])  # weekly capacity 3
    (run,) = _incremental_runs(app)
    assert run.scope == {"creator_id": creator.id} and run.status is MatchRunStatus.SUCCEEDED
    offers = _offers(app, creator_id=creator.id)
    assert 0 < len(offers) == run.offers_created <= 3
    # one campaign per competitor group, only the category the creator opened
    s = _read(app)
    campaigns = [s.get(Campaign, o.campaign_id) for o in offers]
    s.close()
    assert {c.category for c in campaigns} == {"skincare"}
    groups = [c.competitor_group for c in campaigns if c.competitor_group]
    assert len(groups) == len(set(groups))
    # only the campaigns it was offered keep this run's explanation
    assert set(run.details["campaigns"]) == {str(c.id) for c in campaigns}
    inbox = creator.get("/api/v1/creators/me/offers").json
    assert inbox["total"] == len(offers)

    # saving the same opt-in again starts nothing; opening a new category does
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["skincare"]},
    )
    assert r.status_code == 200 and len(_incremental_runs(app)) == 1
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["skincare", "food"]},
    )
    assert r.status_code == 200
    second = _incremental_runs(app)[-1]
    assert len(_incremental_runs(app)) == 2 and second.status is MatchRunStatus.SUCCEEDED
    assert_residual_respected(app, cap=3)
    assert len(_offers(app, creator_id=creator.id)) <= 3  # capacity, not a fresh allowance


def test_nothing_happens_when_incremental_matching_is_off(make_app):
    app = make_app(MATCH_INCREMENTAL=False, **FAST)
    _seed(app, creators=20, campaigns_per_niche=1)
    client = app.test_client()
    brand = _brand(app, client)
    cid = brand.post("/api/v1/campaigns", json=campaign_body()).json["id"]
    assert brand.post(f"/api/v1/campaigns/{cid}/fund").status_code == 200
    assert brand.post(f"/api/v1/campaigns/{cid}/publish").status_code == 200
    assert _incremental_runs(app) == [] and _offers(app) == []


def test_an_incremental_run_with_no_one_left_succeeds_and_says_why(app, make_brand, make_campaign):
    brand = make_brand()  # no creator at all
    campaign = make_campaign(brand, state="published")
    (run,) = _incremental_runs(app)
    assert run.status is MatchRunStatus.SUCCEEDED and run.offers_created == 0
    entry = run.details["campaigns"][str(campaign["id"])]
    assert entry["assigned"] == 0 and entry["unfilled_reason"] and entry["text"]


def test_on_redis_the_publish_and_the_opt_in_queue_rq_jobs(
    make_app, redis_conn, make_brand, make_creator, make_campaign
):
    queued_app = make_app(REDIS_URL=REDIS_URL, **ON)
    _seed(queued_app, creators=60, campaigns_per_niche=1)
    rq_client = queued_app.test_client()
    brand = make_brand()  # signed up on the embedded app; the token works on both
    brand = ApiUser(rq_client, brand.token, brand.account_id, brand.id)
    campaign = make_campaign(brand, state="published", competitor_group=None)
    (run,) = _incremental_runs(queued_app)
    assert run.status is MatchRunStatus.QUEUED and _offers(queued_app) == []  # not run here
    q = Queue("matching", connection=redis_conn)
    assert q.job_ids == [f"match-incremental-campaign-{campaign['id']}-{run.id}-1"]

    creator = make_creator()
    open_up(ApiUser(rq_client, creator.token, creator.account_id, creator.id))
    assert q.count == 2
    with queued_app.app_context():
        SimpleWorker([q], connection=redis_conn).work(burst=True)
    done = _incremental_runs(queued_app)
    assert [r.status for r in done] == [MatchRunStatus.SUCCEEDED] * 2, [r.error for r in done]
    assert _offers(queued_app, campaign_id=campaign["id"])
    assert _offers(queued_app, creator_id=creator.id)
    assert_residual_respected(queued_app, cap=3)


def _next_week() -> str:
    return runs.iso_week(utcnow().date() + timedelta(days=7))


def test_a_week_that_has_not_started_is_refused_everywhere(app, client):
    ops = operator_user(app, client)
    future, current = _next_week(), runs.current_week()
    message = f"{future} has not started; the earliest week you can match is {current}"
    body = assert_error(ops.post("/api/v1/match-runs", json={"week": future}), 422, "week")
    assert body["errors"]["week"] == [message]
    result = app.test_cli_runner().invoke(args=["match", "run", "--week", future, "--no-wait"])
    assert result.exit_code != 0 and message in result.output
    assert ops.get("/api/v1/match-runs").json["total"] == 0
    # the operators' page refuses it with the same message beside the field
    dash = Dash(app)
    assert dash.login("ops@example.com").status_code == 302
    runs_page = "/dashboard/operator/runs"
    r = dash.post(runs_page, {"week": future}, page=runs_page)
    assert r.status_code == 422 and message in r.get_data(as_text=True)
    assert ops.get("/api/v1/match-runs").json["total"] == 0
    # the service refuses it too, and accepts it once "now" is in that week
    with app.app_context(), session_scope(_factory(app)) as s:
        with pytest.raises(InvalidInput):
            runs.request_run(s, future)
        monday = datetime.combine(runs.week_start(future), datetime.min.time(), tzinfo=UTC)
        run, queued = runs.request_run(s, future, now=monday + timedelta(hours=7))
        assert queued and run.kind is MatchRunKind.WEEKLY
        s.rollback()  # its deferred job goes with it


def test_operators_read_kind_and_scope_and_can_retry_a_failed_run(
    app, client, make_brand, make_campaign, monkeypatch
):
    _seed(app, creators=60, campaigns_per_niche=1)
    real = runs.solve_market
    calls = []

    def flaky(*args: Any, **kw: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("the worker ran out of memory")
        return real(*args, **kw)

    monkeypatch.setattr(runs, "solve_market", flaky)
    brand = make_brand()
    campaign = make_campaign(brand, state="published", competitor_group=None, slots=3)
    (failed,) = _incremental_runs(app)
    assert failed.status is MatchRunStatus.FAILED and "out of memory" in failed.error
    assert _offers(app) == []  # nothing half-written

    ops = operator_user(app, client)
    got = ops.get(f"/api/v1/match-runs/{failed.id}").json
    assert got["kind"] == "incremental" and got["scope"] == {"campaign_id": campaign["id"]}
    retry = ops.post("/api/v1/match-runs", json={"campaign_id": campaign["id"]})
    assert retry.status_code == 202 and retry.json["id"] == failed.id
    done = ops.get(f"/api/v1/match-runs/{failed.id}").json
    assert done["status"] == "succeeded" and done["attempts"] == 2 and done["offers"] > 0
    first = {(o.creator_id, o.campaign_id) for o in _offers(app)}
    # asking once more makes a new run that offers no pair twice
    again = ops.post("/api/v1/match-runs", json={"campaign_id": campaign["id"]})
    assert again.status_code == 202 and again.json["id"] != failed.id
    assert again.json["kind"] == "incremental"
    pairs = [(o.creator_id, o.campaign_id) for o in _offers(app)]
    assert len(pairs) == len(set(pairs)) and set(pairs) == first
    listed = ops.get("/api/v1/match-runs").json["items"]
    assert [r["kind"] for r in listed] == ["incremental", "incremental"]
    # a weekly run is still the week's one global run, whatever incremental runs did
    weekly = ops.post("/api/v1/match-runs", json={}).json
    assert weekly["kind"] == "weekly" and weekly["scope"] == {}
    assert_error(ops.post("/api/v1/match-runs", json={"campaign_id": 999_999}), 422, "campaign_id")
    assert_error(ops.post("/api/v1/match-runs", json={"campaign_id": 1, "week": "2026-W49"}), 422)


def test_the_operators_runs_page_lists_incremental_runs_with_their_kind(
    app, make_brand, make_campaign
):
    campaign = make_campaign(make_brand(), state="published")
    _weekly_run(app)
    make_operator(app)
    dash = Dash(app)
    assert dash.login(OPERATOR_EMAIL).status_code == 302
    html = dash.get("/dashboard/operator/runs").get_data(as_text=True)
    assert f"Incremental · “{campaign['title']}”" in html and "Weekly" in html
    (run,) = _incremental_runs(app)
    html = dash.get(f"/dashboard/operator/runs/{run.id}").get_data(as_text=True)
    assert f"Incremental · “{campaign['title']}”" in html


def test_competitor_exclusivity_against_a_live_proposal(app, make_brand, make_campaign, session):
    _seed(app, creators=80, campaigns_per_niche=1)
    first = make_campaign(make_brand(), state="published", competitor_group="serums", slots=4)
    tied = {o.creator_id for o in _offers(app, campaign_id=first["id"])}
    assert tied
    # the same brief from a competitor: the creators with a live proposal for the first are out
    second = make_campaign(make_brand(), state="published", competitor_group="serums", slots=20)
    offered = {o.creator_id for o in _offers(app, campaign_id=second["id"])}
    assert offered and not offered & tied
    # a campaign outside the group may still have them
    with app.app_context():
        (market,) = snapshot_market(session, today=date.today(), now=utcnow())
    handles = {k: h for h, k in market.creator_ids.items()}
    checked = tied & handles.keys()
    assert checked  # the tied creators are still in the market, only excluded from the group
    for creator_id in checked:
        assert (handles[creator_id], str(second["id"])) in market.excluded
        assert (handles[creator_id], str(first["id"])) not in market.excluded


def test_a_blocked_creator_is_never_offered_the_brands_campaigns(
    app, make_brand, make_campaign, session
):
    _seed(app, creators=40, campaigns_per_niche=1)
    brand = make_brand()
    s = _read(app)
    skincare = [
        k.id
        for k in s.scalars(select(Creator).order_by(Creator.id))
        if "skincare" in k.open_categories
    ]
    s.close()
    keep = set(skincare[:2])
    with app.app_context(), session_scope(_factory(app)) as w:
        w.add_all(BrandBlock(brand_id=brand.id, creator_id=k) for k in skincare if k not in keep)
    campaign = make_campaign(brand, state="published", competitor_group=None, slots=5)
    offered = {o.creator_id for o in _offers(app, campaign_id=campaign["id"])}
    assert offered and offered <= keep
    # another brand's campaign is not affected by this brand's block list
    other = make_campaign(make_brand(), state="published", competitor_group=None, slots=5)
    assert {o.creator_id for o in _offers(app, campaign_id=other["id"])} - keep


def test_the_write_rechecks_the_week_cap_against_the_database(app, make_brand, make_campaign):
    """A run whose snapshot went stale (another run, or invitations, took the creator's offers
    of the week meanwhile) writes nothing."""
    _seed(app, creators=40, campaigns_per_niche=1)
    app.config["MATCH_INCREMENTAL"] = False  # the run below is the one that writes
    campaign = make_campaign(make_brand(), state="published", competitor_group=None)
    other = make_campaign(make_brand(), state="published", competitor_group=None)
    s = _read(app)
    victim = next(
        k
        for k in s.scalars(select(Creator).order_by(Creator.id))
        if "skincare" in k.open_categories
    )
    s.close()
    with app.app_context():
        settings = run_settings()
    cap = settings.policy.max_offers_per_week
    stale = {
        "creator_id": victim.id,
        "campaign_id": campaign["id"],
        "price": victim.rate_amount,
        "currency": "EUR",
        "fit": 0.9,
        "value": 1.0,
        "explanation": {"text": "chosen on a snapshot that is now stale"},
    }

    def creator_problems() -> list[str]:
        with app.app_context(), session_scope(_factory(app)) as w:
            found = runs.check_offers(w, [stale], utcnow(), max_offers_per_week=cap)
        return [p for p in found if f"creator {victim.id} " in p]

    assert creator_problems() == []
    with app.app_context(), session_scope(_factory(app)) as w:
        run = MatchRun(
            week=runs.current_week(),
            kind=MatchRunKind.INCREMENTAL,
            scope={"campaign_id": campaign["id"]},
            status=MatchRunStatus.RUNNING,
        )
        w.add(run)
        for _ in range(cap):  # answered invitations: no capacity held, but the week's offers
            w.add(
                Offer(
                    campaign_id=other["id"],
                    creator_id=victim.id,
                    price_amount=victim.rate_amount,
                    currency="EUR",
                    fit_score=0.5,
                    status=OfferStatus.DECLINED,
                    source=OfferSource.INVITE,
                    expires_at=utcnow() + timedelta(days=7),
                )
            )
        w.flush()
        run_id = run.id
    assert creator_problems(), "the week's offer cap is re-checked against the database"
    outcome = runs.ShardOutcome([stale], [], 1.0, 1.0, 0.1, "optimal", 1)
    with (
        app.app_context(),
        pytest.raises(RuntimeError, match="no longer fits"),
        session_scope(_factory(app)) as w,
    ):
        runs.write_results(w, run_id, [outcome], settings, utcnow())
    assert _offers(app, match_run_id=run_id) == []


def test_incremental_runs_do_not_stand_in_for_the_weekly_run(app):
    monday = datetime(2026, 11, 30, 7, tzinfo=UTC)
    with app.app_context(), session_scope(_factory(app)) as s:
        s.add(
            MatchRun(
                week="2026-W49",
                kind=MatchRunKind.INCREMENTAL,
                scope={"creator_id": 1},
                status=MatchRunStatus.SUCCEEDED,
            )
        )
        s.flush()
        assert runs.due_weeks(s, monday) == ["2026-W49"]


def test_the_incremental_time_limit_is_read_from_the_environment(make_app):
    assert load_config({}).MATCH_INCREMENTAL_TIME_LIMIT_S == 10.0
    cfg = load_config({"MATCH_INCREMENTAL_TIME_LIMIT_S": "2.5", "MATCH_INCREMENTAL": "off"})
    assert cfg.MATCH_INCREMENTAL_TIME_LIMIT_S == 2.5 and cfg.MATCH_INCREMENTAL is False
    assert cfg.as_flask_config()["MATCH_INCREMENTAL_TIME_LIMIT_S"] == 2.5
    for bad in ("ten", "0", "-1"):
        with pytest.raises(ConfigError, match="MATCH_INCREMENTAL_TIME_LIMIT_S"):
            load_config({"MATCH_INCREMENTAL_TIME_LIMIT_S": bad})
    with pytest.raises(ConfigError, match="MATCH_INCREMENTAL"):
        load_config({"MATCH_INCREMENTAL": "maybe"})
    app = make_app(MATCH_INCREMENTAL_TIME_LIMIT_S=3.0)
    with app.app_context():
        assert run_settings().incremental_time_limit_s == 3.0


def test_two_runs_writing_at_once_do_not_over_offer_a_creator(make_app, make_campaign, monkeypatch):
    """Both runs chose the same creator, whose week allows one more offer: the writes are
    serialised (row locks on PostgreSQL, the write lock on SQLite), so the second re-check
    sees the first's offer and that run writes nothing."""
    app = make_app(MATCH_MAX_OFFERS_PER_WEEK=1, **FAST)  # no incremental run of their own
    _seed(app, creators=8, campaigns_per_niche=1)
    client = app.test_client()
    first = make_campaign(_brand(app, client), state="published", competitor_group=None)
    second = make_campaign(_brand(app, client), state="published", competitor_group=None)
    s = _read(app)
    victim = next(k for k in s.scalars(select(Creator)) if "skincare" in k.open_categories)
    s.close()
    with app.app_context():
        settings = run_settings()
    run_ids = []
    with app.app_context(), session_scope(_factory(app)) as w:
        for c in (first, second):
            run = MatchRun(
                week=runs.current_week(),
                kind=MatchRunKind.INCREMENTAL,
                scope={"campaign_id": c["id"]},
                status=MatchRunStatus.RUNNING,
            )
            w.add(run)
            w.flush()
            run_ids.append(run.id)
    checked = threading.Barrier(2, timeout=3)
    real_check = runs.check_offers

    def check_then_wait(*args: Any, **kw: Any) -> list[str]:
        found = real_check(*args, **kw)
        with contextlib.suppress(threading.BrokenBarrierError):
            checked.wait()  # without the locks both runs would pass the check here
        return found

    monkeypatch.setattr(runs, "check_offers", check_then_wait)
    errors: list[BaseException] = []

    def write(run_id: int, campaign_id: int) -> None:
        offer = {
            "creator_id": victim.id,
            "campaign_id": campaign_id,
            "price": victim.rate_amount,
            "currency": "EUR",
            "fit": 0.9,
            "value": 1.0,
            "explanation": {"text": "both runs chose this creator"},
        }
        outcome = runs.ShardOutcome([offer], [], 1.0, 1.0, 0.1, "optimal", 1)
        try:
            with app.app_context(), session_scope(_factory(app)) as w:
                runs.write_results(w, run_id, [outcome], settings, utcnow())
        except RuntimeError as exc:
            errors.append(exc)

    threads = [
        threading.Thread(target=write, args=(rid, c["id"]))
        for rid, c in zip(run_ids, (first, second), strict=True)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert len(errors) == 1 and "no longer fits" in str(errors[0])
    assert len(_offers(app, creator_id=victim.id)) == 1
