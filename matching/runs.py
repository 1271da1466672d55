"""Match runs: one ISO week, snapshot → build → solve → validate → offers, safely.

A week is matched once: the run row is unique per week, and its job id is deterministic, so a
second request, the scheduler and an RQ retry all land on the same run. The solve happens with
no transaction open; offers, figures and notifications are written in one final transaction,
so a crash at any point leaves either no offers or all of them, and the run can be retried.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from accounts.models import Brand, Creator
from campaigns.models import Campaign
from collaborations.models import Offer, OfferStatus
from core.db import utcnow
from core.errors import InvalidInput, NotFound
from core.jobs import defer_job
from matching.adapter import MarketSnapshot, drop_offered_pairs, snapshot_market
from matching.market.build import build_instance
from matching.market.explain import explain
from matching.market.records import MatchingPolicy
from matching.models import MatchRun, MatchRunStatus
from matching.solver import solve, validate
from notifications.service import notify

log = logging.getLogger(__name__)
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
SessionOpener = Callable[[], AbstractContextManager[Session]]


@dataclass(frozen=True)
class RunSettings:
    """How a run solves: the policy, the solver's limits, offers' lifetime."""

    policy: MatchingPolicy = field(default_factory=MatchingPolicy)
    time_limit_s: float = 60.0
    workers: int = 2
    seed: int = 0
    max_rounds: int | None = 200  # bounds the search so a run is reproducible for its seed
    offer_ttl_days: int = 7


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


def request_run(session: Session, week: str) -> tuple[MatchRun, bool]:
    """The run of ``week``, created and queued if new; returns (run, queued now).

    A failed run is queued again (a new attempt); a queued, running or finished one is left.
    """
    week_start(week)
    run = session.scalar(select(MatchRun).where(MatchRun.week == week).with_for_update())
    if run is None:
        run = MatchRun(week=week, status=MatchRunStatus.QUEUED, stage="queued", progress=0)
        session.add(run)
        session.flush()
    elif run.status is MatchRunStatus.FAILED:
        run.status, run.stage, run.progress, run.error = MatchRunStatus.QUEUED, "queued", 0, None
    else:
        return run, False
    defer_job(
        session,
        "matching.jobs.run_match_job",
        run.id,
        job_id=f"match-run:{week}:{run.attempts + 1}",
        queue="matching",
    )
    session.flush()
    return run, True


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


def solve_market(market: MarketSnapshot, settings: RunSettings, today: date) -> ShardOutcome:
    """Build the instance, solve, validate and explain (pure: no database)."""
    instance, details = build_instance(market.creators, market.campaigns, settings.policy, today)
    instance, details = drop_offered_pairs(instance, details, market.offered)
    result = solve(
        instance,
        time_limit_s=settings.time_limit_s,
        workers=settings.workers,
        seed=settings.seed,
        max_rounds=settings.max_rounds,
    )
    problems = validate(instance, result)
    if problems:  # solve() validates too; a result is never written unchecked
        raise RuntimeError("invalid matching result: " + "; ".join(map(str, problems)))
    explained = explain(instance, result, details)
    offers = [
        {
            "creator_id": market.creator_ids[a["creator"]],
            "campaign_id": int(a["campaign"]),
            "price": int(a["rate"]),
            "currency": market.currency,
            "fit": float(a["fit"]),
            "value": float(a["value"]),
            "explanation": a,
        }
        for a in explained["assignments"]
    ]
    return ShardOutcome(
        offers=offers,
        campaigns=explained["campaigns"],
        objective=result.objective,
        bound=result.bound,
        seconds=result.seconds,
        status=result.status,
        candidates=instance.num_pairs,
    )


def execute_run(
    open_session: SessionOpener, run_id: int, settings: RunSettings, now: datetime | None = None
) -> MatchRun | None:
    """Run a queued match run to the end; ``open_session`` yields committing sessions.

    Progress is committed stage by stage so operators can watch it; everything the run
    produces is committed at once at the end.
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
        week = session.get(MatchRun, run_id).week  # type: ignore[union-attr]
    today = max(week_start(week), now.date())
    try:
        with open_session() as session:
            markets = snapshot_market(session, today=today, now=now)
            _set(session, run_id, stage="solving", progress=25)
        outcomes = []
        for n, market in enumerate(markets, start=1):
            outcomes.append(solve_market(market, settings, today))
            with open_session() as session:
                _set(session, run_id, stage="solving", progress=25 + int(60 * n / len(markets)))
        with open_session() as session:
            _set(session, run_id, stage="writing offers", progress=90)
        with open_session() as session:
            return write_results(session, run_id, outcomes, settings, now)
    except Exception as exc:
        log.exception("match run %s failed", run_id)
        with open_session() as session:
            _set(
                session,
                run_id,
                status=MatchRunStatus.FAILED,
                stage="failed",
                error=f"{type(exc).__name__}: {exc}"[:2000],
                finished_at=utcnow(),
            )
        raise


def write_results(
    session: Session,
    run_id: int,
    outcomes: list[ShardOutcome],
    settings: RunSettings,
    now: datetime,
) -> MatchRun:
    """Write every offer, the run's figures and the notifications in one transaction."""
    run = session.get(MatchRun, run_id, with_for_update=True)
    assert run is not None
    if run.status is MatchRunStatus.SUCCEEDED:
        return run  # already written by an earlier attempt
    expires_at = now + timedelta(days=settings.offer_ttl_days)
    offers = [o for outcome in outcomes for o in outcome.offers]
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
                status=OfferStatus.PROPOSED,
                expires_at=expires_at,
                created_at=now,
            )
        )
    objective = sum(o.objective for o in outcomes)
    bound = sum(o.bound for o in outcomes)
    run.status = MatchRunStatus.SUCCEEDED
    run.stage = "done"
    run.progress = 100
    run.objective = objective
    run.bound = bound
    run.gap = (bound - objective) / bound if bound > 1e-12 else 0.0
    run.seconds = round(sum(o.seconds for o in outcomes), 3)
    run.solver_status = _worst_status([o.status for o in outcomes])
    run.candidates = sum(o.candidates for o in outcomes)
    run.offers_created = len(offers)
    run.finished_at = utcnow()
    run.details = {"campaigns": {c["campaign"]: c for o in outcomes for c in o.campaigns}}
    session.flush()
    _notify(session, run, offers)
    return run


def _worst_status(statuses: list[str]) -> str:
    for status in ("timeout", "feasible", "optimal"):
        if status in statuses:
            return status
    return "optimal"


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
                f"Dandelion's weekly matching ({run.week}) found {n} paid collaboration{'s' if n > 1 else ''} that fit your audience. Answer before they expire.",
                {"run": run.id, "offers": n},
            )
    campaign_ids = [int(c) for c in run.details.get("campaigns", {})]
    rows = session.execute(
        select(Campaign.id, Campaign.title, Campaign.brand_id).where(Campaign.id.in_(campaign_ids))
    ).all()
    accounts = dict(session.execute(select(Brand.id, Brand.account_id)).all()) if rows else {}
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
    session.flush()


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
            MatchRun.week == week, MatchRun.status == MatchRunStatus.SUCCEEDED
        )
    )
    return [] if done else [week]
