"""Match runs when something fails: a solver exception and the retry, two workers claiming one
run, a market that changes between the snapshot and the write (the stale-snapshot guard), and
sharded runs with a failing shard, in embedded mode and on real Redis with RQ.

The faults are injected by wrapping the real solve (``runs.solve_market``): the solve itself,
the snapshot, the re-check and the write are the real ones, on the real database.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import func, select

from accounts.models import Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import Offer, OfferStatus
from core.db import session_scope
from matching import runs
from matching.jobs import recover_orphaned_runs_job, run_match_job, run_settings
from matching.models import MatchRun, MatchRunKind, MatchRunStatus
from queueing import rq_job_id
from tests.conftest import REDIS_URL
from tests.factories import offer_factory
from tests.market import seed_market

# No wall clock (a test-only value): the solve is bounded by its rounds, so the offers do not
# depend on the machine's load.
FAST = {
    "MATCH_TIME_LIMIT_S": None,
    "MATCH_INCREMENTAL_TIME_LIMIT_S": None,
    "MATCH_MAX_ROUNDS": 20,
    "MATCH_SEED": 3,
}


def _factory(app: Any) -> Any:
    return app.extensions["dandelion.db"].session_factory


def _opener(app: Any) -> Any:
    return lambda: session_scope(_factory(app))


def _seed(app: Any, **kw: Any) -> None:
    with app.app_context(), session_scope(_factory(app)) as s:
        seed_market(s, creators=kw.pop("creators", 24), campaigns_per_niche=1, **kw)


def _run(app: Any, run_id: int) -> MatchRun:
    s = app.extensions["dandelion.db"].read_session_factory()
    run = s.get(MatchRun, run_id)
    assert run is not None
    s.expunge(run)
    s.close()
    return run


def _offers(app: Any) -> list[Offer]:
    s = app.extensions["dandelion.db"].read_session_factory()
    offers = list(s.scalars(select(Offer).order_by(Offer.id)))
    s.close()
    return offers


def _add_run(app: Any) -> int:
    """A weekly run as a request leaves it: queued (its job is what the test runs)."""
    with app.app_context(), session_scope(_factory(app)) as s:
        run = MatchRun(
            week=runs.current_week(),
            kind=MatchRunKind.WEEKLY,
            scope={},
            status=MatchRunStatus.QUEUED,
            stage="queued",
            progress=0,
        )
        s.add(run)
        s.flush()
        return run.id


def _settings(app: Any) -> runs.RunSettings:
    with app.app_context():
        return run_settings()


@pytest.fixture
def app(make_app: Any) -> Any:
    return make_app(**FAST)


# --- a run that fails, and its retry -------------------------------------------------------------


def test_a_run_whose_solver_raises_fails_with_no_offers_and_the_retry_succeeds(app, monkeypatch):
    _seed(app)
    real_solve = runs.solve_market
    calls = Counter()

    def solver_crashes_once(*args: Any, **kw: Any) -> runs.ShardOutcome:
        calls["solve"] += 1
        if calls["solve"] == 1:
            raise MemoryError("the solver ran out of memory")
        return real_solve(*args, **kw)

    monkeypatch.setattr(runs, "solve_market", solver_crashes_once)
    week = runs.current_week()
    with app.app_context(), session_scope(_factory(app)) as s:
        run, queued = runs.request_run(s, week)
        run_id = run.id
    assert queued  # the in-process job ran after the commit, and its solve raised
    failed = _run(app, run_id)
    assert (failed.status, failed.stage, failed.attempts) == (MatchRunStatus.FAILED, "failed", 1)
    assert failed.error == "MemoryError: the solver ran out of memory"
    assert failed.finished_at is not None
    assert _offers(app) == []

    # Asking for the week again (the hourly catch-up, or an operator) retries it.
    with app.app_context(), session_scope(_factory(app)) as s:
        again, queued = runs.request_run(s, week)
    assert (again.id, queued) == (run_id, True)
    done = _run(app, run_id)
    assert (done.status, done.attempts, done.error) == (MatchRunStatus.SUCCEEDED, 2, None)
    offers = _offers(app)
    assert offers and done.offers_created == len(offers)
    assert {o.match_run_id for o in offers} == {run_id}
    assert calls["solve"] == 2

    # A succeeded week is not run again.
    with app.app_context(), session_scope(_factory(app)) as s:
        assert runs.request_run(s, week) == (runs.get_run(s, run_id), False)
    assert len(_offers(app)) == len(offers)


# --- two workers claiming one run ----------------------------------------------------------------


def test_two_workers_claiming_one_run_write_its_offers_once(app, monkeypatch):
    """A duplicated delivery of the run's job: both workers claim the run (a running run can
    be claimed again, so a retried job can take over) and solve it; the first write wins, the
    second finds the run succeeded and writes nothing."""
    _seed(app)
    run_id = _add_run(app)
    settings = _settings(app)
    both_solving = threading.Barrier(2, timeout=30)
    real_solve = runs.solve_market

    def solve_together(*args: Any, **kw: Any) -> runs.ShardOutcome:
        both_solving.wait()  # both workers have claimed the run and snapshotted the market
        return real_solve(*args, **kw)

    monkeypatch.setattr(runs, "solve_market", solve_together)
    results: list[Any] = []
    errors: list[BaseException] = []

    def worker() -> None:
        try:
            with app.app_context():
                results.append(runs.execute_run(_opener(app), run_id, settings))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    assert len(results) == 2 and all(r is not None for r in results)
    run = _run(app, run_id)
    assert (run.status, run.attempts) == (MatchRunStatus.SUCCEEDED, 2)
    offers = _offers(app)
    assert offers and run.offers_created == len(offers)
    pairs = Counter((o.creator_id, o.campaign_id) for o in offers)
    assert max(pairs.values()) == 1  # no pair offered twice

    # A third delivery, after the run succeeded, does not even claim it.
    with app.app_context():
        assert runs.execute_run(_opener(app), run_id, settings) is None
    assert _run(app, run_id).attempts == 2
    assert len(_offers(app)) == len(offers)


# --- the market changes between the snapshot and the write ----------------------------------------


def _close_creator(s: Any, offer: dict[str, Any]) -> None:
    s.get(Creator, offer["creator_id"]).is_open = False


def _cancel_campaign(s: Any, offer: dict[str, Any]) -> None:
    s.get(Campaign, offer["campaign_id"]).status = CampaignStatus.CANCELLED


def _take_capacity(s: Any, offer: dict[str, Any]) -> None:
    """Another channel (an invitation) fills the creator's week while the run solves."""
    creator = s.get(Creator, offer["creator_id"])
    others = s.scalars(
        select(Campaign.id).where(
            Campaign.id != offer["campaign_id"], Campaign.status == CampaignStatus.PUBLISHED
        )
    ).all()
    assert len(others) >= creator.weekly_capacity
    s.info["take"] = [(cid, creator.id) for cid in others[: creator.weekly_capacity]]


@pytest.mark.parametrize(
    "change",
    [_close_creator, _cancel_campaign, _take_capacity],
    ids=["creator-closes", "campaign-cancelled", "capacity-taken"],
)
def test_a_market_that_changed_during_the_solve_is_not_written(app, monkeypatch, change):
    _seed(app)
    run_id = _add_run(app)
    settings = _settings(app)
    real_solve = runs.solve_market
    changed: list[dict[str, Any]] = []

    def solve_then_change_the_market(*args: Any, **kw: Any) -> runs.ShardOutcome:
        outcome = real_solve(*args, **kw)
        assert outcome.offers
        chosen = outcome.offers[0]
        with session_scope(_factory(app)) as s:
            change(s, chosen)
            take = s.info.pop("take", [])
        make = offer_factory(app.extensions["dandelion.db"].session_factory())
        for campaign_id, creator_id in take:
            make(campaign_id, creator_id)
        changed.append(chosen)
        return outcome

    monkeypatch.setattr(runs, "solve_market", solve_then_change_the_market)
    with app.app_context(), pytest.raises(RuntimeError, match="no longer fits the market"):
        runs.execute_run(_opener(app), run_id, settings)
    run = _run(app, run_id)
    assert run.status is MatchRunStatus.FAILED
    assert "the solution no longer fits the market" in run.error
    [chosen] = changed
    assert f"{chosen['creator_id']}" in run.error or f"{chosen['campaign_id']}" in run.error
    assert [o for o in _offers(app) if o.match_run_id == run_id] == []

    # The retry snapshots the market as it is now and fits it.
    monkeypatch.setattr(runs, "solve_market", real_solve)
    with app.app_context(), session_scope(_factory(app)) as s:
        assert runs.request_run(s, run.week)[1] is True
    run = _run(app, run_id)
    assert run.status is MatchRunStatus.SUCCEEDED
    written = [o for o in _offers(app) if o.match_run_id == run_id]
    assert written
    if change is _close_creator:
        assert chosen["creator_id"] not in {o.creator_id for o in written}
    if change is _cancel_campaign:
        assert chosen["campaign_id"] not in {o.campaign_id for o in written}
    if change is _take_capacity:
        s = app.extensions["dandelion.db"].read_session_factory()
        creator = s.get(Creator, chosen["creator_id"])
        live = s.scalar(
            select(func.count(Offer.id)).where(
                Offer.creator_id == creator.id, Offer.status == OfferStatus.PROPOSED
            )
        )
        assert live == creator.weekly_capacity  # the run added none for the full creator
        s.close()


# --- sharded runs ----------------------------------------------------------------------------------


def test_a_sharded_run_without_redis_solves_its_shards_in_process(make_app):
    app = make_app(MATCH_SHARDS=2, **FAST)
    _seed(app, creators=32)
    run_id = _add_run(app)
    with app.app_context():
        assert run_match_job(run_id) is None  # fanned out (here: solved one after the other)
    run = _run(app, run_id)
    assert (run.status, run.shards) == (MatchRunStatus.SUCCEEDED, 2)
    assert len(run.details["plan"]) == 2
    offers = _offers(app)
    assert offers and run.offers_created == len(offers)
    planned = [set(p["campaigns"]) for p in run.details["plan"]]
    assert not planned[0] & planned[1]


def test_a_sharded_run_whose_shard_fails_on_rq_fails_at_once_and_its_retry_succeeds(
    make_app, redis_conn, monkeypatch
):
    """On Redis each shard is an RQ job; one raises. The run is marked failed by that shard
    (not left running until a sweep finds it stale), the join never runs, no offer is
    written, and asking for the week again solves it."""
    app = make_app(MATCH_SHARDS=2, REDIS_URL=REDIS_URL, **FAST)
    _seed(app, creators=32)
    real_solve = runs.solve_market
    calls = Counter()

    def second_shard_crashes(market: Any, settings: Any, today: Any) -> runs.ShardOutcome:
        calls["solve"] += 1
        if calls["solve"] == 2:
            raise RuntimeError("shard worker crashed")
        return real_solve(market, settings, today)

    monkeypatch.setattr(runs, "solve_market", second_shard_crashes)
    week = runs.current_week()
    with app.app_context(), session_scope(_factory(app)) as s:
        run_id = runs.request_run(s, week)[0].id
    queue = Queue("matching", connection=redis_conn)
    with app.app_context():
        SimpleWorker([queue], connection=redis_conn).work(burst=True)
    run = _run(app, run_id)
    assert run.status is MatchRunStatus.FAILED
    assert run.error == "RuntimeError: shard worker crashed"
    assert run.shards == 2
    assert _offers(app) == []
    assert not any(":join" in key.decode() for key in redis_conn.keys("rq:job:*"))

    with app.app_context(), session_scope(_factory(app)) as s:
        assert runs.request_run(s, week)[1] is True
    with app.app_context():
        SimpleWorker([queue], connection=redis_conn).work(burst=True)
    run = _run(app, run_id)
    assert (run.status, run.attempts) == (MatchRunStatus.SUCCEEDED, 2)
    assert _offers(app) and run.offers_created == len(_offers(app))
    # the RQ join priced the whole market at the shards' prices for the run's bound
    assert run.health["bound"]["source"] == runs.WHOLE_MARKET_SHARDED
    assert run.bound >= run.objective > 0


def test_a_sharded_run_that_lost_a_shard_job_is_recovered_by_the_minute_sweep(make_app, redis_conn):
    """The run fanned out its two shard jobs; one vanished from Redis (emptied, or its worker
    killed before it started). The other files its result, the join never comes, and the run
    would sit running until it went stale (20 minutes): the orphan sweep, which runs every
    minute, sees no live job for it and queues it again as a new attempt."""
    app = make_app(MATCH_SHARDS=2, REDIS_URL=REDIS_URL, **FAST)
    _seed(app, creators=32)
    with app.app_context(), session_scope(_factory(app)) as s:
        run_id = runs.request_run(s, runs.current_week())[0].id
    queue = Queue("matching", connection=redis_conn)
    with app.app_context():
        SimpleWorker([queue], connection=redis_conn).work(burst=True, max_jobs=1)  # fans out
        lost = queue.fetch_job(rq_job_id(f"match-run:{run_id}:1:shard:1"))
        assert lost is not None
        lost.delete()
        SimpleWorker([queue], connection=redis_conn).work(burst=True)  # the other shard
    stuck = _run(app, run_id)
    assert (stuck.status, stuck.shards, stuck.attempts) == (MatchRunStatus.RUNNING, 2, 1)
    assert _offers(app) == []

    with app.app_context():
        assert recover_orphaned_runs_job() == [run_id]
        SimpleWorker([queue], connection=redis_conn).work(burst=True)
    run = _run(app, run_id)
    assert (run.status, run.attempts) == (MatchRunStatus.SUCCEEDED, 2)
    assert _offers(app) and run.offers_created == len(_offers(app))
