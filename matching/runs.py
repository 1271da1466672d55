"""Match runs: snapshot → build → solve → validate → explain → offers, safely.

Two kinds share that path. The **weekly** run is the global one: one ISO week, matched once
(the run row is unique per week and its job id is deterministic, so a second request, the
scheduler and an RQ retry all land on the same run). An **incremental** run matches one
campaign just published, or one creator who just opted in, against the residual market of the
current week (what the week's earlier runs left: capacity, offer caps, budgets, slots), within
minutes. Weeks that have not started are refused. The solve happens with no transaction open;
offers, figures and notifications are written in one final transaction that re-checks the
offers against the database under row locks, so a crash at any point leaves either no offers
or all of them, concurrent runs cannot over-offer anyone, and a run can be retried.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import asdict, dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Account, Brand, Creator, Role
from campaigns.models import Campaign, CampaignStatus
from collaborations.creator_text import explanation_for_creator
from collaborations.models import Offer, OfferStatus
from core.db import utcnow
from core.errors import InvalidInput, NotFound
from core.jobs import defer_job
from core.money import Money
from matching.adapter import MarketSnapshot, snapshot_market
from matching.health import OfferFact, run_health
from matching.market.build import Market
from matching.market.explain import explain
from matching.market.pricing import (
    CandidateIndex,
    PricingConfig,
    build_instance_priced,
    price_market,
)
from matching.market.records import MarketCampaign, MatchingPolicy
from matching.models import MatchRun, MatchRunKind, MatchRunStatus
from matching.sharding import ShardPlan, plan_shards
from matching.solver import FairExposure, solve, validate
from matching.solver.model import usable_pairs
from notifications.service import notify

log = logging.getLogger(__name__)
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
SessionOpener = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class RunSettings:
    """How a run solves: the policy, the solver's limits, offers' lifetime, fair exposure.

    ``fair_exposure``: widen exposure (more distinct creators, small ones weighted more) at a
    value cost of at most ``fair_exposure_max_cost`` (0-1); small creators are those at or
    below ``policy.koc_max_followers``. ``time_limit_s`` / ``incremental_time_limit_s`` None
    (tests only; the settings always give a number): no wall clock, the work is bounded by
    ``max_rounds`` alone, so a run's offers do not depend on the machine's load.
    """

    policy: MatchingPolicy = field(default_factory=MatchingPolicy)
    time_limit_s: float | None = 60.0
    workers: int = 2
    seed: int = 0
    max_rounds: int | None = 200  # bounds the search so a run is reproducible for its seed
    offer_ttl_days: int = 7
    incremental_time_limit_s: float | None = 10.0  # an incremental run solves a small market, fast
    fair_exposure: bool = True
    fair_exposure_max_cost: float = 0.01
    # Column generation over the whole market (matching/market/pricing.py); its time limit
    # is the run's (None: deterministic, bounded by its rounds alone).
    pricing_rounds: int = 8

    def pricing(self, time_limit_s: float | None) -> PricingConfig:
        return PricingConfig(
            rounds=self.pricing_rounds, time_limit_s=time_limit_s, threads=self.workers
        )


# Where a run's bound comes from (``details["bound"]["source"]``).
WHOLE_MARKET = "whole-market LP"
WHOLE_MARKET_SHARDED = "whole-market pricing at the shards' LP prices"
INSTANCE_ONLY = "candidate-set LP"


def iso_week(day: date) -> str:
    """``2026-W48`` for a date."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def week_start(week: str) -> date:
    """The Monday of an ISO week; raises ``InvalidInput`` for a malformed week."""
    match = WEEK_PATTERN.match(week)
    if not match:
        raise InvalidInput("Invalid week.", {"week": ["Use the ISO form YYYY-Www, e.g. 2026-W48."]})
    try:
        return date.fromisocalendar(int(match[1]), int(match[2]), 1)
    except ValueError as exc:
        raise InvalidInput("Invalid week.", {"week": [str(exc)]}) from exc


def current_week(now: datetime | None = None) -> str:
    """The ISO week of ``now`` (UTC), e.g. ``2026-W49``."""
    return iso_week((now or utcnow()).date())


def check_week_started(week: str, now: datetime | None = None) -> None:
    """Refuse a week that has not started: matching it early would use it up for everyone."""
    current = current_week(now)
    if week_start(week) > week_start(current):
        message = f"{week} has not started; the earliest week you can match is {current}"
        raise InvalidInput(message, {"week": [message]})


STALE_AFTER = timedelta(minutes=20)  # longer than a run's job timeout: its worker is gone
MAX_INCREMENTAL_ATTEMPTS = 3  # an incremental run that keeps failing waits for the weekly run


def _is_stale(run: MatchRun, now: datetime, stale_after: timedelta) -> bool:
    return (
        run.status in (MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)
        and (run.started_at or run.created_at) <= now - stale_after
    )


def _requeue(run: MatchRun) -> None:
    run.status, run.stage, run.progress, run.error = MatchRunStatus.QUEUED, "queued", 0, None


def _job_id(run: MatchRun, attempt: int | None = None) -> str:
    """Deterministic: the same run and attempt (default: the next) always get the same job id."""
    attempt = run.attempts + 1 if attempt is None else attempt
    if run.kind is MatchRunKind.WEEKLY:
        return f"match-run:{run.week}:{attempt}"
    what, ident = next(iter(sorted(run.scope.items())))
    return f"match-incremental:{what.removesuffix('_id')}:{ident}:{run.id}:{attempt}"


def _defer(session: Session, run: MatchRun) -> None:
    defer_job(session, "matching.jobs.run_match_job", run.id, job_id=_job_id(run), queue="matching")
    session.flush()


def request_run(
    session: Session,
    week: str,
    *,
    stale_after: timedelta = STALE_AFTER,
    now: datetime | None = None,
) -> tuple[MatchRun, bool]:
    """The run of ``week``, created and queued if new; returns (run, queued now).

    This is the weekly (global) run. A week that has not started (in UTC) is refused with a
    field error on ``week``. A failed run, or one left queued or running for longer than
    ``stale_after`` (its job was lost or its worker died), is queued again as a new attempt;
    otherwise it is left alone.
    """
    now = now or utcnow()
    week_start(week)
    check_week_started(week, now)
    weekly = (
        select(MatchRun)
        .where(MatchRun.week == week, MatchRun.kind == MatchRunKind.WEEKLY)
        .with_for_update()
    )
    run = session.scalar(weekly)
    if run is None:
        run = MatchRun(
            week=week,
            kind=MatchRunKind.WEEKLY,
            scope={},
            status=MatchRunStatus.QUEUED,
            stage="queued",
            progress=0,
        )
        try:
            with session.begin_nested():  # SAVEPOINT: a concurrent request may insert it first
                session.add(run)
        except IntegrityError:  # it did (the week's unique index): that run, just queued
            concurrent = session.scalar(weekly)
            assert concurrent is not None
            return concurrent, False
    elif run.status is MatchRunStatus.FAILED or _is_stale(run, now, stale_after):
        _requeue(run)
    else:
        return run, False
    _defer(session, run)
    return run, True


def request_incremental_run(
    session: Session,
    *,
    campaign_id: int | None = None,
    creator_id: int | None = None,
    stale_after: timedelta = STALE_AFTER,
    now: datetime | None = None,
) -> tuple[MatchRun, bool]:
    """Match one campaign or one creator against the current week's residual market.

    Parameters: exactly one of ``campaign_id`` (just published: solved against every eligible
    creator) and ``creator_id`` (just opted in: solved against every published campaign).
    Returns (run, queued now). A run of the same scope still waiting in the queue is reused
    (it snapshots the market when it starts, so it sees this change too); a failed or stale
    one is queued again as a new attempt (a retry writes no offer twice: pairs already offered
    are never offered again); otherwise a new run is created. Its job is dispatched after
    commit, on the ``matching`` queue.
    """
    if (campaign_id is None) == (creator_id is None):
        raise ValueError("give exactly one of campaign_id and creator_id")
    if campaign_id is not None:
        campaign = session.get(Campaign, campaign_id)
        if campaign is None or campaign.status is not CampaignStatus.PUBLISHED:
            message = f"Campaign {campaign_id} is not a published campaign."
            raise InvalidInput(message, {"campaign_id": [message]})
    elif session.get(Creator, creator_id) is None:
        message = f"Creator {creator_id} does not exist."
        raise InvalidInput(message, {"creator_id": [message]})
    now = now or utcnow()
    week = current_week(now)
    scope = {"campaign_id": campaign_id} if campaign_id is not None else {"creator_id": creator_id}
    latest = next(
        (
            r
            for r in session.scalars(
                select(MatchRun)
                .where(
                    MatchRun.kind == MatchRunKind.INCREMENTAL,
                    MatchRun.week == week,
                    MatchRun.status != MatchRunStatus.SUCCEEDED,
                )
                .order_by(MatchRun.id.desc())
                # A run a worker is writing is locked: skip it (a fresh run follows below)
                # rather than wait on it while this transaction holds the creator's row.
                .with_for_update(skip_locked=True)
            )
            if r.scope == scope
        ),
        None,
    )
    if latest is not None and (
        latest.status is MatchRunStatus.FAILED or _is_stale(latest, now, stale_after)
    ):
        _requeue(latest)
        run = latest
    elif latest is not None and latest.status is MatchRunStatus.QUEUED:
        return latest, False
    else:  # none yet, or one already running on an older snapshot: a fresh run
        run = MatchRun(
            week=week,
            kind=MatchRunKind.INCREMENTAL,
            scope=scope,
            status=MatchRunStatus.QUEUED,
            stage="queued",
            progress=0,
        )
        session.add(run)
        session.flush()
    _defer(session, run)
    return run, True


def retry_incremental_runs(
    session: Session, now: datetime | None = None, *, stale_after: timedelta = STALE_AFTER
) -> list[int]:
    """Queue again this week's incremental runs that failed (e.g. a concurrent run took the
    creators they had chosen) or were lost, up to ``MAX_INCREMENTAL_ATTEMPTS``; the sweep."""
    now = now or utcnow()
    retried = []
    for run in session.scalars(
        select(MatchRun)
        .where(
            MatchRun.kind == MatchRunKind.INCREMENTAL,
            MatchRun.week == current_week(now),
            MatchRun.status != MatchRunStatus.SUCCEEDED,
            MatchRun.attempts < MAX_INCREMENTAL_ATTEMPTS,
        )
        .order_by(MatchRun.id)
        .with_for_update()
    ):
        if run.status is MatchRunStatus.FAILED or _is_stale(run, now, stale_after):
            _requeue(run)
            _defer(session, run)
            retried.append(run.id)
    return retried


def prepare_retry(session: Session, run_id: int) -> bool:
    """Queue a failed incremental run again when its job is retried (RQ's backoff); True if so.

    A weekly run that failed is retried by asking for its week again (``request_run``)."""
    run = session.get(MatchRun, run_id, with_for_update=True)
    if (
        run is None
        or run.kind is not MatchRunKind.INCREMENTAL
        or run.status is not MatchRunStatus.FAILED
        or run.attempts >= MAX_INCREMENTAL_ATTEMPTS
    ):
        return False
    _requeue(run)
    session.flush()
    return True


def run_job_keys(run: MatchRun) -> list[str]:
    """Every job that may be carrying ``run`` now: each attempt's job (an RQ retry keeps its
    attempt's id) up to the next one, and the shards and join of its current attempt."""
    keys = [_job_id(run, n) for n in range(1, run.attempts + 2)]
    if run.shards > 1 and run.attempts:
        prefix = f"match-run:{run.id}:{run.attempts}"
        keys += [f"{prefix}:shard:{k}" for k in range(run.shards)] + [f"{prefix}:join"]
    return keys


def recover_orphaned_runs(
    session: Session,
    live_jobs: Callable[[list[str]], set[str]],
    discard_job: Callable[[str], None],
) -> list[int]:
    """The orphan sweep: queue again every queued or running run no live job carries.

    ``live_jobs(keys)`` answers which of these job keys are queued, scheduled or running in
    RQ (a dead worker's job no longer is: RQ moved it to the failed registry); ``discard_job``
    deletes a dead job so its id can be used again. A queued run whose job is missing (lost
    with Redis, or never dispatched) gets its job again, with the same id, so a dispatch still
    on its way lands on the same job. A running run whose job failed or vanished (its worker
    was killed) is queued again as a new attempt, up to ``MAX_INCREMENTAL_ATTEMPTS`` attempts;
    past them it is marked failed (a weekly one is then retried by the hourly catch-up).
    Returns the ids of the runs queued again.
    """
    found = list(
        session.scalars(
            select(MatchRun)
            .where(MatchRun.status.in_((MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)))
            .order_by(MatchRun.id)
            .with_for_update(skip_locked=True)
        )
    )
    if not found:
        return []
    live = live_jobs([key for run in found for key in run_job_keys(run)])
    recovered = []
    for run in found:
        if live.intersection(run_job_keys(run)):
            continue
        if run.status is MatchRunStatus.RUNNING and run.attempts >= MAX_INCREMENTAL_ATTEMPTS:
            log.warning("match run %s lost its job %s times; marked failed", run.id, run.attempts)
            run.status, run.stage, run.finished_at = MatchRunStatus.FAILED, "failed", utcnow()
            run.error = f"Its job was lost (worker killed or Redis emptied) {run.attempts} times."
            continue
        log.warning("match run %s (%s) has no live job; queued again", run.id, run.status)
        _requeue(run)
        discard_job(_job_id(run))
        _defer(session, run)
        recovered.append(run.id)
    session.flush()
    return recovered


def get_run(session: Session, run_id: int) -> MatchRun:
    run = session.get(MatchRun, run_id)
    if run is None:
        raise NotFound("Match run not found.")
    return run


def _set(session: Session, run_id: int, **values: Any) -> None:
    session.execute(update(MatchRun).where(MatchRun.id == run_id).values(**values))


@dataclass
class ShardOutcome:
    """One solved market (a currency, or a shard of one): offers to write and the figures."""

    offers: list[dict[str, Any]]
    campaigns: list[dict[str, Any]]
    objective: float
    bound: float
    seconds: float
    status: str
    candidates: int
    eligible_creators: int = 0  # creators with at least one usable candidate pair
    value_without_fairness: float = 0.0  # the best value found before fair exposure
    # The instance's own proven bound (its candidates only) and the pricing report.
    instance_bound: float = 0.0
    bound_source: str = INSTANCE_ONLY
    pricing: dict[str, Any] = field(default_factory=dict)
    # The final LP's campaign prices, campaign id -> [budget price, slot price], and their
    # median per category (for a campaign published after the weekly run).
    prices: dict[str, list[float]] = field(default_factory=dict)
    category_prices: dict[str, list[float]] = field(default_factory=dict)


def solve_market(
    market: MarketSnapshot,
    settings: RunSettings,
    today: date,
    *,
    initial_prices: dict[str, tuple[float, float]] | None = None,
) -> ShardOutcome:
    """Build the instance by column generation over the whole market, solve, validate and
    explain (pure: no database).

    Every eligible pair of the market may enter (top-K is only the start): pricing adds the
    pairs the LP's prices price positive and certifies a bound on the *whole* market — every
    eligible pair that is not unavailable (offered before, withdrawn, declined, blocked, a
    competitor's) — which becomes the outcome's ``bound``. ``initial_prices`` (campaign id →
    (budget, slot) price, e.g. the week's run's): the first pricing pass uses them.
    """
    instance, details = build_instance_priced(
        market.creators,
        market.campaigns,
        settings.policy,
        today,
        settings.pricing(settings.time_limit_s),
        exclude=market.unavailable(),
        interest_tags=market.interest_tags,
        initial_prices=initial_prices,
    )
    pricing = details.pricing
    assert pricing is not None
    by_category: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for c in market.campaigns:
        if c.id in pricing.prices:
            by_category[c.category].append(pricing.prices[c.id])
    category_prices = {
        cat: [float(np.median([p[0] for p in ps])), float(np.median([p[1] for p in ps]))]
        for cat, ps in by_category.items()
    }
    fairness = None
    if settings.fair_exposure:
        fairness = FairExposure(
            np.asarray(details.koc, dtype=bool), settings.fair_exposure_max_cost
        )
    result = solve(
        instance,
        time_limit_s=settings.time_limit_s,
        workers=settings.workers,
        seed=settings.seed,
        max_rounds=settings.max_rounds,
        fair_exposure=fairness,
        lp=pricing.lp,
    )
    problems = validate(instance, result)
    if problems:  # solve() validates too; a result is never written unchecked
        raise RuntimeError("invalid matching result: " + "; ".join(map(str, problems)))
    explained = explain(instance, result, details)
    small = dict(
        zip(instance.creator_ids, np.asarray(details.koc, dtype=bool).tolist(), strict=True)
    )
    offers = [
        {
            "creator_id": market.creator_ids[a["creator"]],
            "campaign_id": int(a["campaign"]),
            "price": int(a["rate"]),
            "currency": market.currency,
            "fit": float(a["fit"]),
            "value": float(a["value"]),
            "explanation": a,
            "small": bool(small[a["creator"]]),
        }
        for a in explained["assignments"]
    ]
    eligible = np.unique(instance.pair_creator[usable_pairs(instance)])
    bound, source = result.bound, INSTANCE_ONLY
    if np.isfinite(pricing.market_bound):
        bound, source = max(pricing.market_bound, result.objective), WHOLE_MARKET
    return ShardOutcome(
        offers=offers,
        campaigns=explained["campaigns"],
        objective=result.objective,
        bound=bound,
        instance_bound=result.bound,
        bound_source=source,
        pricing=_json_safe(pricing.to_dict()),
        prices={cid: [lam, sig] for cid, (lam, sig) in pricing.prices.items()},
        category_prices=category_prices,
        seconds=pricing.seconds + result.seconds,
        status=result.status,
        candidates=instance.num_pairs,
        eligible_creators=int(eligible.size),
        value_without_fairness=result.stats.get("fair_exposure", {}).get(
            "objective_without", result.objective
        ),
    )


def _json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as None (JSON columns, PostgreSQL's above all)."""
    if isinstance(value, float):
        return value if np.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def week_prices(
    session: Session, week: str, campaigns: Sequence[MarketCampaign] = ()
) -> dict[str, tuple[float, float]] | None:
    """The campaign prices (budget, slots) of ``week``'s succeeded weekly run, if any: an
    incremental run of the week starts its pricing from them. A campaign of ``campaigns``
    the weekly run did not price (published since) starts at its category's median price."""
    details = session.scalar(
        select(MatchRun.details).where(
            MatchRun.week == week,
            MatchRun.kind == MatchRunKind.WEEKLY,
            MatchRun.status == MatchRunStatus.SUCCEEDED,
        )
    )
    prices = (details or {}).get("prices")
    if not prices:
        return None
    out = {str(cid): (float(v[0]), float(v[1])) for cid, v in prices.items()}
    by_category = (details or {}).get("category_prices", {})
    for c in campaigns:
        if c.id not in out and c.category in by_category:
            lam, sig = by_category[c.category]
            out[c.id] = (float(lam), float(sig))
    return out


def whole_market_bound(
    session: Session, run: MatchRun, outcomes: list[ShardOutcome], settings: RunSettings
) -> float:
    """A certified bound on the whole market of a sharded run.

    Shards are not independent: a creator sits in one shard, yet may be eligible for
    campaigns of another, and a creator no shard took is in none. The sum of the shards'
    bounds leaves those pairs out, so it is no bound on the market. Instead, the shards'
    final LP prices, one (budget, slot) price per campaign — every campaign is in exactly one
    shard — price the whole market in one pass (:func:`price_market`): with the campaign
    rows at these prices, each creator's best response is exact, and weak duality makes the
    total a bound on every assignment of the market, whatever shard its pairs fell in.
    """
    today, now = _run_day(run)
    prices = {cid: v for o in outcomes for cid, v in o.prices.items()}
    planned = {str(c) for entry in run.details.get("plan", []) for c in entry["campaigns"]}
    total = 0.0
    for snap in _snapshot(session, run, settings, today, now):
        campaigns = [c for c in snap.campaigns if c.id in planned]
        if not campaigns:
            continue
        market = Market.prepare(
            snap.creators,
            campaigns,
            settings.policy,
            today,
            snap.unavailable(),
            snap.interest_tags,
        )
        lam = np.array([max(prices.get(c.id, [0.0, 0.0])[0], 0.0) for c in campaigns])
        sig = np.array([max(prices.get(c.id, [0.0, 0.0])[1], 0.0) for c in campaigns])
        total += price_market(market, lam, sig, index=CandidateIndex.build(market)).market_bound
    return total


ShardRunner = Callable[[int, int], None]  # (run id, number of shards): solve each, then join


def _plan(markets: list[MarketSnapshot], shards: int) -> list[tuple[str, ShardPlan]]:
    plan: list[tuple[str, ShardPlan]] = []
    for m in markets:
        if shards <= 1:
            whole = ShardPlan(tuple(c.id for c in m.campaigns), tuple(k.id for k in m.creators))
            plan.append((m.currency, whole))
        else:
            plan.extend((m.currency, p) for p in plan_shards(m.creators, m.campaigns, shards))
    return plan


def _restrict(market: MarketSnapshot, plan: ShardPlan) -> MarketSnapshot:
    campaigns, creators = set(plan.campaign_ids), set(plan.creator_ids)
    return MarketSnapshot(
        currency=market.currency,
        creators=[k for k in market.creators if k.id in creators],
        campaigns=[c for c in market.campaigns if c.id in campaigns],
        creator_ids={h: i for h, i in market.creator_ids.items() if h in creators},
        offered={(h, c) for h, c in market.offered if h in creators and c in campaigns},
        excluded={(h, c) for h, c in market.excluded if h in creators and c in campaigns},
        interest_tags=market.interest_tags,
    )


def _fail(open_session: SessionOpener, run_id: int, exc: BaseException) -> None:
    log.exception("match run %s failed", run_id)
    with open_session() as session:
        session.execute(
            update(MatchRun)
            .where(MatchRun.id == run_id, MatchRun.status != MatchRunStatus.SUCCEEDED)
            .values(
                status=MatchRunStatus.FAILED,
                stage="failed",
                error=f"{type(exc).__name__}: {exc}"[:2000],
                finished_at=utcnow(),
            )
        )


def _run_day(run: MatchRun) -> tuple[date, datetime]:
    started = run.started_at or utcnow()
    if run.kind is MatchRunKind.INCREMENTAL:
        return started.date(), started
    return max(week_start(run.week), started.date()), started


def _snapshot(
    session: Session, run: MatchRun, settings: RunSettings, today: date, now: datetime
) -> list[MarketSnapshot]:
    """The market a run solves: everything (weekly), or its one campaign or creator."""
    scope = run.scope or {}
    cap = settings.policy.max_offers_per_week
    if run.kind is MatchRunKind.INCREMENTAL and "campaign_id" in scope:
        return snapshot_market(
            session,
            today=today,
            now=now,
            campaign_ids={int(scope["campaign_id"])},
            max_offers_per_week=cap,
            keep_campaigns_without_creators=True,  # so the run can say why nobody was offered
        )
    if run.kind is MatchRunKind.INCREMENTAL and "creator_id" in scope:
        return snapshot_market(
            session,
            today=today,
            now=now,
            creator_ids={int(scope["creator_id"])},
            max_offers_per_week=cap,
        )
    return snapshot_market(session, today=today, now=now, max_offers_per_week=cap)


def execute_run(
    open_session: SessionOpener,
    run_id: int,
    settings: RunSettings,
    *,
    shards: int = 1,
    run_shards: ShardRunner | None = None,
    now: datetime | None = None,
) -> MatchRun | None:
    """Run a queued match run; ``open_session`` yields committing sessions.

    Progress is committed stage by stage so operators can watch it. With ``shards`` > 1 and
    a ``run_shards`` callback, each shard is solved separately (in parallel on RQ) and a join
    writes the union; otherwise everything is solved here. Either way all offers are
    committed at once.
    """
    now = now or utcnow()
    with open_session() as session:
        claimed = session.execute(
            update(MatchRun)
            .where(
                MatchRun.id == run_id,
                MatchRun.status.in_((MatchRunStatus.QUEUED, MatchRunStatus.RUNNING)),
            )
            .values(
                status=MatchRunStatus.RUNNING,
                stage="snapshot",
                progress=5,
                started_at=now,
                attempts=MatchRun.attempts + 1,
            )
        ).rowcount
        if claimed != 1:
            return None
        run = session.get(MatchRun, run_id)
        assert run is not None
        today, now = _run_day(run)
        if run.kind is MatchRunKind.INCREMENTAL:
            # one campaign or one creator: a small market, solved here with a short limit
            shards = 1
            settings = replace(settings, time_limit_s=settings.incremental_time_limit_s)
    try:
        with open_session() as session:
            run = session.get(MatchRun, run_id)
            assert run is not None
            markets = _snapshot(session, run, settings, today, now)
            plan = _plan(markets, shards)
            run.details = {
                "plan": [
                    {
                        "currency": cur,
                        "campaigns": list(p.campaign_ids),
                        "creators": list(p.creator_ids),
                    }
                    for cur, p in plan
                ]
            }
            if run.kind is MatchRunKind.INCREMENTAL and not plan:
                run.details["note"] = _nothing_to_match(run)
            run.shards = max(len(plan), 1)
            run.stage, run.progress = "solving", 25
        if shards > 1 and len(plan) > 1 and run_shards is not None:
            run_shards(run_id, len(plan))
            return None
        by_currency = {m.currency: m for m in markets}
        prices = None
        if run.kind is MatchRunKind.INCREMENTAL:  # start from the week's prices
            with open_session() as session:
                prices = week_prices(session, run.week, [c for m in markets for c in m.campaigns])
        outcomes = []
        for n, (currency, part) in enumerate(plan, start=1):
            restricted = _restrict(by_currency[currency], part)
            outcomes.append(solve_market(restricted, settings, today, initial_prices=prices))
            with open_session() as session:
                _set(session, run_id, stage="solving", progress=25 + int(60 * n / len(plan)))
        return _write(open_session, run_id, outcomes, settings, now)
    except Exception as exc:
        _fail(open_session, run_id, exc)
        raise


def _nothing_to_match(run: MatchRun) -> str:
    if "campaign_id" in run.scope:
        return (
            f"Campaign {run.scope['campaign_id']} takes no offers now: it is not published, "
            "has ended, or has no budget or slot left."
        )
    return (
        f"Creator {run.scope.get('creator_id')} cannot take offers now: not open, profile "
        "incomplete, fully booked or at this week's offer limit, or no campaign is published "
        "in their currency."
    )


def solve_shard(
    open_session: SessionOpener, run_id: int, index: int, settings: RunSettings
) -> dict[str, Any]:
    """Solve one shard of a planned run from a fresh snapshot restricted to the shard's plan."""
    try:
        with open_session() as session:
            run = get_run(session, run_id)
            today, now = _run_day(run)
            entry = run.details["plan"][index]
            count = len(run.details["plan"])
            snapshot = snapshot_market(
                session,
                today=today,
                now=now,
                campaign_ids={int(c) for c in entry["campaigns"]},
                creator_handles=set(entry["creators"]),
                max_offers_per_week=settings.policy.max_offers_per_week,
            )
            markets = {m.currency: m for m in snapshot}
        market = markets.get(entry["currency"])
        if market is None:
            return asdict(ShardOutcome([], [], 0.0, 0.0, 0.0, "optimal", 0))
        part = ShardPlan(tuple(entry["campaigns"]), tuple(entry["creators"]))
        # The run's time budget is shared: one worker takes as long as a single solve, and n
        # workers about 1/n of it.
        limit = settings.time_limit_s
        shard = None if limit is None else max(limit / count, 1.0)
        shard_settings = replace(settings, time_limit_s=shard)
        return asdict(solve_market(_restrict(market, part), shard_settings, today))
    except Exception as exc:
        _fail(open_session, run_id, exc)
        raise


def join_shards(
    open_session: SessionOpener, run_id: int, outcomes: list[dict[str, Any]], settings: RunSettings
) -> MatchRun:
    """Validate the union of the shards' solutions and write it, like a single run."""
    try:
        with open_session() as session:
            _, now = _run_day(get_run(session, run_id))
        return _write(open_session, run_id, [ShardOutcome(**o) for o in outcomes], settings, now)
    except Exception as exc:
        _fail(open_session, run_id, exc)
        raise


def _write(
    open_session: SessionOpener,
    run_id: int,
    outcomes: list[ShardOutcome],
    settings: RunSettings,
    now: datetime,
) -> MatchRun:
    with open_session() as session:
        _set(session, run_id, stage="writing offers", progress=90)
        run = get_run(session, run_id)
        plan = run.details.get("plan", [])
        sharded = len({entry["currency"] for entry in plan}) < len(plan)
        whole = whole_market_bound(session, run, outcomes, settings) if sharded else None
    with open_session() as session:
        return write_results(session, run_id, outcomes, settings, now, whole_bound=whole)


def check_offers(
    session: Session,
    offers: list[dict[str, Any]],
    now: datetime,
    *,
    max_offers_per_week: int | None = None,
) -> list[str]:
    """The union of new offers against the database as it is now: budgets, slots, creators'
    capacity and this week's offer cap, competitor groups (within the offers and against live
    proposals and work), blocks, and pairs offered before. A snapshot that went stale during
    the solve, a concurrent run, or shards that disagree, are caught here before anything is
    written (``write_results`` holds the rows' locks)."""
    if not offers:
        return []
    today = now.date()
    problems: list[str] = []
    snapshot = snapshot_market(
        session,
        today=today,
        now=now,
        campaign_ids={int(o["campaign_id"]) for o in offers},
        creator_ids={int(o["creator_id"]) for o in offers},
        max_offers_per_week=max_offers_per_week,
    )
    current = {m.currency: m for m in snapshot}
    campaigns = {c.id: c for m in current.values() for c in m.campaigns}
    creators = {m.creator_ids[k.id]: k for m in current.values() for k in m.creators}
    unavailable = {(m.creator_ids[h], c) for m in current.values() for h, c in m.unavailable()}
    spend: dict[str, int] = defaultdict(int)
    count: dict[str, int] = defaultdict(int)
    load: dict[int, int] = defaultdict(int)
    groups: set[tuple[int, str]] = set()
    pairs: set[tuple[int, str]] = set()
    for o in offers:
        cid = str(o["campaign_id"])
        spend[cid] += o["price"]
        count[cid] += 1
        load[o["creator_id"]] += 1
        pair = (o["creator_id"], cid)
        if pair in pairs or pair in unavailable:
            problems.append(
                f"creator {o['creator_id']} cannot be offered campaign {cid} (offered before, "
                "blocked, or tied to a competitor)"
            )
        pairs.add(pair)
        campaign = campaigns.get(cid)
        if campaign is None:
            problems.append(f"campaign {cid} no longer takes offers")
            continue
        if campaign.competitor_group is not None:
            key = (o["creator_id"], campaign.competitor_group)
            if key in groups:
                problems.append(
                    f"creator {o['creator_id']} twice in group {campaign.competitor_group}"
                )
            groups.add(key)
    for cid, amount in spend.items():
        c = campaigns.get(cid)
        if c is not None and (amount > c.budget or count[cid] > c.slots):
            problems.append(f"campaign {cid} over its budget or slots")
    for creator_id, n in load.items():
        k = creators.get(creator_id)
        if k is None or n > k.capacity:
            problems.append(
                f"creator {creator_id} over capacity or this week's offer limit, or no longer open"
            )
    return problems


def lock_market_rows(
    session: Session, offers: list[dict[str, Any]]
) -> tuple[dict[int, Campaign], dict[int, Creator]]:
    """Lock the campaigns, then the creators, that ``offers`` name, each in id order, and
    return them by id (with the campaigns' brands loaded) for the offers' texts.

    PostgreSQL: concurrent runs (and anything else that takes these locks in the same order)
    wait for each other, so the re-check in ``check_offers`` sees every offer committed before
    it. SQLite has no row locks; its writers are serialised by ``BEGIN IMMEDIATE``.
    """
    locked: dict[type, dict[int, Any]] = {}
    for model, key in ((Campaign, "campaign_id"), (Creator, "creator_id")):
        ids = sorted({int(o[key]) for o in offers})
        rows = locked[model] = {}
        for start in range(0, len(ids), MAX_LOCK_BATCH):
            chunk = ids[start : start + MAX_LOCK_BATCH]
            query = select(model).where(model.id.in_(chunk)).order_by(model.id).with_for_update()
            rows.update((row.id, row) for row in session.scalars(query))
    campaigns: dict[int, Campaign] = locked[Campaign]
    brand_ids = sorted({c.brand_id for c in campaigns.values()})
    brands = {b.id: b for b in session.scalars(select(Brand).where(Brand.id.in_(brand_ids)))}
    for campaign in campaigns.values():
        campaign.brand = brands[campaign.brand_id]  # already loaded: no query per campaign
    return campaigns, locked[Creator]


MAX_LOCK_BATCH = 5_000  # ids per SELECT ... FOR UPDATE (databases cap bound parameters)


def write_results(
    session: Session,
    run_id: int,
    outcomes: list[ShardOutcome],
    settings: RunSettings,
    now: datetime,
    *,
    whole_bound: float | None = None,
) -> MatchRun:
    """Write every offer, the run's figures and the notifications in one transaction.

    The run's ``bound`` is the whole market's: the outcomes' (one per currency: independent
    markets) or, for a sharded run, ``whole_bound`` (:func:`whole_market_bound`)."""
    run = session.get(MatchRun, run_id, with_for_update=True)
    assert run is not None
    if run.status is MatchRunStatus.SUCCEEDED:
        return run  # already written by an earlier attempt
    expires_at = now + timedelta(days=settings.offer_ttl_days)
    offers = [o for outcome in outcomes for o in outcome.offers]
    campaigns, creators = lock_market_rows(session, offers)
    problems = check_offers(
        session, offers, now, max_offers_per_week=settings.policy.max_offers_per_week
    )
    if problems:
        raise RuntimeError("the solution no longer fits the market: " + "; ".join(problems[:5]))
    for o in offers:
        session.add(
            Offer(
                match_run_id=run.id,
                campaign_id=o["campaign_id"],
                creator_id=o["creator_id"],
                price_amount=o["price"],
                currency=o["currency"],
                fit_score=o["fit"],
                value=o["value"],
                explanation=o["explanation"],
                explanation_for_creator=explanation_for_creator(
                    campaigns[int(o["campaign_id"])],
                    creators[int(o["creator_id"])],
                    o["explanation"],
                    price=Money(int(o["price"]), str(o["currency"])),
                    expires_at=expires_at,
                    created_at=now,
                    fit=o["fit"],
                ),
                status=OfferStatus.PROPOSED,
                expires_at=expires_at,
                created_at=now,
            )
        )
    objective = sum(o.objective for o in outcomes)
    if whole_bound is not None:
        bound, source = max(whole_bound, objective), WHOLE_MARKET_SHARDED
    else:
        bound = sum(o.bound for o in outcomes)
        whole = all(o.bound_source == WHOLE_MARKET for o in outcomes)
        source = WHOLE_MARKET if whole else INSTANCE_ONLY
    instance_bound = sum(o.instance_bound for o in outcomes)
    run.status = MatchRunStatus.SUCCEEDED
    run.stage = "done"
    run.progress = 100
    run.objective = objective
    run.bound = bound
    run.gap = _gap(bound, objective)
    bound_figures = {
        "value": bound,
        "source": source,
        "gap": run.gap,
        "candidate_bound": instance_bound,
        "candidate_gap": _gap(instance_bound, objective),
        "pricing_seconds": round(sum(o.pricing.get("seconds") or 0.0 for o in outcomes), 3),
    }
    run.seconds = round(sum(o.seconds for o in outcomes), 3)
    run.solver_status = _worst_status([o.status for o in outcomes])
    run.candidates = sum(o.candidates for o in outcomes)
    run.offers_created = len(offers)
    run.health = run_health(
        (OfferFact(o["creator_id"], int(o["price"]), bool(o.get("small"))) for o in offers),
        sum(o.eligible_creators for o in outcomes),
        fair_max_cost=settings.fair_exposure_max_cost if settings.fair_exposure else None,
        value=objective,
        value_without=sum(o.value_without_fairness for o in outcomes),
    )
    run.health["bound"] = bound_figures
    run.finished_at = utcnow()
    explained = {c["campaign"]: c for o in outcomes for c in o.campaigns}
    if "creator_id" in (run.scope or {}):
        # A creator's run touches every campaign; keep only those it made an offer for, so a
        # brand's page keeps the explanation of the run that really considered its campaign.
        offered_to = {str(o["campaign_id"]) for o in offers}
        explained = {cid: c for cid, c in explained.items() if cid in offered_to}
    run.details = {
        **run.details,
        "campaigns": explained,
        "bound": bound_figures,
        "pricing": [o.pricing for o in outcomes],
        # The week's prices, for the incremental runs that follow (``week_prices``).
        "prices": {cid: v for o in outcomes for cid, v in o.prices.items()},
        "category_prices": _median_prices(outcomes),
    }
    session.flush()
    _notify(session, run, offers)
    return run


def _median_prices(outcomes: list[ShardOutcome]) -> dict[str, list[float]]:
    """Per category, the median of the outcomes' category prices (one per shard at most)."""
    found: dict[str, list[list[float]]] = defaultdict(list)
    for o in outcomes:
        for cat, v in o.category_prices.items():
            found[cat].append(v)
    return {
        cat: [float(np.median([v[0] for v in vs])), float(np.median([v[1] for v in vs]))]
        for cat, vs in found.items()
    }


def _gap(bound: float, objective: float) -> float:
    return (bound - objective) / bound if bound > 1e-12 else 0.0


def _worst_status(statuses: list[str]) -> str:
    for status in ("timeout", "feasible", "optimal"):
        if status in statuses:
            return status
    return "optimal"


def _run_name(run: MatchRun) -> str:
    if run.kind is MatchRunKind.INCREMENTAL:
        return "Dandelion's matching"
    return f"Dandelion's weekly matching ({run.week})"


def _notify(session: Session, run: MatchRun, offers: list[dict[str, Any]]) -> None:
    per_creator: dict[int, int] = {}
    for o in offers:
        per_creator[o["creator_id"]] = per_creator.get(o["creator_id"], 0) + 1
    if per_creator:
        for creator_id, account_id in session.execute(
            select(Creator.id, Creator.account_id).where(Creator.id.in_(per_creator))
        ):
            n = per_creator[creator_id]
            notify(
                session,
                account_id,
                "offers.new",
                f"{n} new offer{'s' if n > 1 else ''} for you",
                f"{_run_name(run)} found {n} paid collaboration{'s' if n > 1 else ''} that fit your audience. Answer before they expire.",
                {"run": run.id, "offers": n},
            )
    campaign_ids = [int(c) for c in run.details.get("campaigns", {})]
    rows = session.execute(
        select(Campaign.id, Campaign.title, Campaign.brand_id).where(Campaign.id.in_(campaign_ids))
    ).all()
    brand_ids = {brand_id for _, _, brand_id in rows}
    accounts = dict(
        session.execute(select(Brand.id, Brand.account_id).where(Brand.id.in_(brand_ids))).all()
    )
    for campaign_id, title, brand_id in rows:
        summary = run.details["campaigns"][str(campaign_id)]
        notify(
            session,
            accounts[brand_id],
            "match_run.finished",
            f"Matching finished for '{title}'",
            summary.get("text", ""),
            {"run": run.id, "campaign": campaign_id},
        )
    _notify_operators(session, run, len(per_creator), len(rows))
    session.flush()


def _notify_operators(session: Session, run: MatchRun, creators: int, campaigns: int) -> None:
    """Every operator hears once of each finished run: what it made and how the solver did
    (counts only; no brand's or creator's details)."""
    gap = f"{run.gap:.1%}" if run.gap is not None else "n/a"
    body = (
        f"Run {run.id} ({run.kind.value}, week {run.week}) finished: {run.offers_created or 0} "
        f"offer(s) to {creators} creator(s) across {campaigns} campaign(s), from "
        f"{run.candidates or 0} candidate pair(s). Solver: {run.solver_status or 'n/a'}, gap "
        f"{gap}, {run.seconds or 0:.1f} s over {run.shards} shard(s)."
    )
    for account_id in session.scalars(
        select(Account.id).where(Account.role == Role.OPERATOR).order_by(Account.id)
    ):
        notify(
            session,
            account_id,
            "match_run.finished",
            f"{_run_name(run)} finished: {run.offers_created or 0} offer(s)",
            body,
            {"run": run.id, "offers": run.offers_created or 0},
            dedupe_key=f"match_run.finished:{run.id}:operator:{account_id}",
        )


def due_weeks(session: Session, now: datetime, run_hour_utc: int = 6) -> list[str]:
    """The current week, if its scheduled time has passed and it has not run successfully.

    This is the catch-up: the weekly job and the hourly catch-up both call it, so a week is
    matched once, as soon as a scheduler is up after Monday's slot. Weeks long gone are not
    replayed: their offers would arrive for work already late.
    """
    week = iso_week(now.date())
    scheduled = datetime.combine(week_start(week), datetime.min.time(), tzinfo=UTC) + timedelta(
        hours=run_hour_utc
    )
    if now < scheduled:
        return []
    done = session.scalar(
        select(MatchRun.id).where(
            MatchRun.week == week,
            MatchRun.kind == MatchRunKind.WEEKLY,
            MatchRun.status == MatchRunStatus.SUCCEEDED,
        )
    )
    return [] if done else [week]
