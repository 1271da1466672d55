"""Trend reports: the share of each interest tag across open creators' audiences (supply) and
across campaigns' target audiences (demand), week by week, with the tags that rose or fell.

- **Audience share** of a tag: of all the followers of the open creators (in the category), the
  share interested in the tag, i.e. ``Σ followers × share / Σ followers``: a creator with ten
  times the followers stands for ten times the audience.
- **Demand share** of a tag: the mean of the tag's share in the targets of the campaigns live
  that week, each campaign counting once. Not weighted by budget: budgets are in different
  currencies (there is no exchange rate in Dandelion) and one large brand would otherwise
  decide the figure, and could be read off it.
- **The floor**: a cell (tag × week × side) is shown only when at least ``MIN_CONTRIBUTORS``
  creators (or campaigns) have the tag in their audience (or target); below it the cell is
  ``None``, and so is a week's population below it. Applied on read, so it binds stored weeks too.
- **History**: past weeks come from ``trend_snapshots`` (written by the periodic job; the
  demand side of past weeks is derived from campaigns' publish and close times, whose targets
  cannot change after publishing); the current week is measured live.
- **Rising / falling**: the change of a tag's share from its first to its last shown week of
  the window; ``±CHANGE_THRESHOLD`` (2 percentage points) or more is a rise or a fall.

Tags are the ones found in the data, never a fixed list.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import case, delete, func, select, true
from sqlalchemy.orm import Session

from accounts.models import Creator, CreatorCategory, CreatorInterestShare
from campaigns.models import Campaign
from trends.models import TrendSide, TrendSnapshot

MIN_CONTRIBUTORS = 10
CHANGE_THRESHOLD = 0.02  # 2 percentage points over the window
MAX_WEEKS = 26
DEFAULT_WEEKS = 8
ALL = ""  # the category key for "every category"


def week_start(day: date) -> date:
    """The Monday of ``day``'s ISO week."""
    return day - timedelta(days=day.weekday())


def _at(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


@dataclass
class Measure:
    """One side's measurement of one week and category: per tag (share, contributors)."""

    population: int = 0
    tags: dict[str, tuple[float, int]] = field(default_factory=dict)


# --- measuring -------------------------------------------------------------------------------


def measure_audience(session: Session, today: date, only: str | None = None) -> dict[str, Measure]:
    """Open creators' audiences now, follower-weighted: per category and ``ALL``, or only the
    key ``only`` (``ALL`` or one category; a report needs one, a snapshot all)."""
    weight = case((Creator.followers > 0, Creator.followers), else_=1)
    is_open = Creator.is_open.is_(True) & (
        Creator.open_until.is_(None) | (Creator.open_until >= today)
    )
    has_interests = select(CreatorInterestShare.creator_id).where(
        CreatorInterestShare.creator_id == Creator.id
    )
    people = select(func.count(Creator.id), func.sum(weight)).where(is_open, has_interests.exists())
    tags = (
        select(CreatorInterestShare.tag, func.sum(weight * CreatorInterestShare.share))
        .add_columns(func.count(Creator.id))
        .join(Creator, Creator.id == CreatorInterestShare.creator_id)
        .where(is_open, CreatorInterestShare.share > 0)
        .group_by(CreatorInterestShare.tag)
    )
    measures: dict[str, Measure] = {}
    if only in (None, ALL):
        measures[ALL] = _audience_measure(session.execute(people).all(), session.execute(tags))
    if only != ALL:
        by_category = (CreatorCategory.creator_id == Creator.id) & (
            CreatorCategory.category == only if only else true()
        )
        tag_rows: dict[str, list[Any]] = defaultdict(list)
        for *row, category in session.execute(
            tags.add_columns(CreatorCategory.category)
            .join(CreatorCategory, by_category)
            .group_by(CreatorCategory.category)
        ):
            tag_rows[category].append(row)
        for *row, category in session.execute(
            people.add_columns(CreatorCategory.category)
            .join(CreatorCategory, by_category)
            .group_by(CreatorCategory.category)
        ):
            measures[category] = _audience_measure([row], tag_rows[category])
    return measures


def _audience_measure(people: Any, tag_rows: Iterable[Any]) -> Measure:
    (count, total), *_ = people or [(0, 0)]
    total = float(total or 0)
    return Measure(
        population=int(count or 0),
        tags={tag: (float(weighted) / total, int(holders)) for tag, weighted, holders in tag_rows},
    )


def measure_demand(session: Session, start: date, until: datetime) -> dict[str, Measure]:
    """Campaigns live in the week starting ``start`` (published before ``until``, the week's
    end or now, and not closed before the week began), per category and ``ALL``; each
    campaign's target counts once."""
    rows = session.execute(
        select(Campaign.category, Campaign.target_audience).where(
            Campaign.published_at.is_not(None),
            Campaign.published_at < until,
            Campaign.closed_at.is_(None) | (Campaign.closed_at >= _at(start)),
        )
    ).all()
    return demand_from_targets((category, target) for category, target in rows)


def demand_from_targets(rows: Iterable[tuple[str, dict | None]]) -> dict[str, Measure]:
    """Mean interest shares of campaign targets, per category and ``ALL``."""
    sums: dict[str, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    holders: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    population: dict[str, int] = defaultdict(int)
    for category, target in rows:
        interests = (target or {}).get("interests") or {}
        for key in (ALL, category):
            population[key] += 1
            for tag, share in interests.items():
                if share and float(share) > 0:
                    sums[key][tag] += float(share)
                    holders[key][tag] += 1
    return {
        key: Measure(
            population=count,
            tags={tag: (total / count, holders[key][tag]) for tag, total in sums[key].items()},
        )
        for key, count in population.items()
    }


# --- snapshots -------------------------------------------------------------------------------


def _write(
    session: Session, start: date, side: TrendSide, measures: dict[str, Measure], now: datetime
) -> int:
    session.execute(
        delete(TrendSnapshot).where(TrendSnapshot.week_start == start, TrendSnapshot.side == side)
    )
    rows = [
        TrendSnapshot(
            week_start=start,
            side=side,
            category=category,
            tag=tag,
            share=share,
            contributors=holders,
            population=m.population,
            taken_at=now,
        )
        for category, m in measures.items()
        for tag, (share, holders) in m.tags.items()
    ]
    session.add_all(rows)
    session.flush()
    return len(rows)


def snapshot_week(session: Session, now: datetime) -> int:
    """Write (or rewrite) the current week's snapshot of both sides, and fill in the demand side
    of past weeks in the longest window that have none; returns the rows written."""
    start = week_start(now.date())
    written = _write(session, start, TrendSide.AUDIENCE, measure_audience(session, now.date()), now)
    written += _write(session, start, TrendSide.DEMAND, measure_demand(session, start, now), now)
    return written + backfill_demand(session, now)


def backfill_demand(session: Session, now: datetime, weeks: int = MAX_WEEKS) -> int:
    """Derive the demand side of past weeks without a snapshot from campaigns' history."""
    current = week_start(now.date())
    have = set(
        session.scalars(
            select(TrendSnapshot.week_start)
            .where(TrendSnapshot.side == TrendSide.DEMAND)
            .distinct()
        )
    )
    written = 0
    for back in range(1, weeks):
        start = current - timedelta(weeks=back)
        if start not in have:
            until = _at(start + timedelta(weeks=1))
            written += _write(
                session, start, TrendSide.DEMAND, measure_demand(session, start, until), now
            )
    return written


# --- the report ------------------------------------------------------------------------------


@dataclass
class TagTrend:
    tag: str
    shares: list[float | None]  # per week, oldest first; None below the floor
    change: float | None  # last shown share minus first shown share
    direction: str | None  # "rising" | "falling" | "steady"; None with fewer than two weeks


@dataclass
class SideTrend:
    side: str
    weighting: str
    population: list[int | None]  # per week; None below the floor
    tags: list[TagTrend]


@dataclass
class TrendMove:
    side: str
    tag: str
    change: float


@dataclass
class TrendReport:
    category: str | None
    weeks: list[date]  # Mondays, oldest first; the last is the current week, measured live
    current_week: date
    min_contributors: int
    change_threshold: float
    audience: SideTrend
    demand: SideTrend
    rising: list[TrendMove]
    falling: list[TrendMove]


WEIGHTING = {
    TrendSide.AUDIENCE: "followers",  # Σ followers × share / Σ followers
    TrendSide.DEMAND: "campaigns",  # each campaign's target counts once
}


def _side(side: TrendSide, weeks: list[date], measures: list[Measure | None]) -> SideTrend:
    tags = sorted({tag for m in measures if m for tag in m.tags})
    trends = []
    for tag in tags:
        shares: list[float | None] = []
        for m in measures:
            share, holders = (m.tags.get(tag) if m else None) or (0.0, 0)
            shares.append(round(share, 4) if holders >= MIN_CONTRIBUTORS else None)
        shown = [s for s in shares if s is not None]
        if not shown:
            continue  # never above the floor: not even its name is shown
        change = round(shown[-1] - shown[0], 4) if len(shown) >= 2 else None
        direction = None
        if change is not None:
            direction = (
                "rising"
                if change >= CHANGE_THRESHOLD
                else "falling"
                if change <= -CHANGE_THRESHOLD
                else "steady"
            )
        trends.append(TagTrend(tag, shares, change, direction))
    trends.sort(key=lambda t: (-(next((s for s in reversed(t.shares) if s is not None), 0)), t.tag))
    population = [
        m.population if m and m.population >= MIN_CONTRIBUTORS else None for m in measures
    ]
    return SideTrend(side.value, WEIGHTING[side], population, trends)


def _stored(session: Session, category: str, weeks: list[date]) -> dict[tuple[date, str], Measure]:
    found: dict[tuple[date, str], Measure] = {}
    for row in session.scalars(
        select(TrendSnapshot).where(
            TrendSnapshot.category == category, TrendSnapshot.week_start.in_(weeks)
        )
    ):
        m = found.setdefault((row.week_start, row.side.value), Measure(population=row.population))
        m.tags[row.tag] = (row.share, row.contributors)
    return found


def trend_report(
    session: Session, now: datetime, *, category: str | None = None, weeks: int = DEFAULT_WEEKS
) -> TrendReport:
    """The last ``weeks`` weeks of audience and demand shares (the current week live)."""
    key = category or ALL
    current = week_start(now.date())
    starts = [current - timedelta(weeks=back) for back in range(weeks - 1, -1, -1)]
    stored = _stored(session, key, starts[:-1])
    live_audience = measure_audience(session, now.date(), only=key).get(key)
    live_demand = measure_demand(session, current, now).get(key)
    audience = [stored.get((w, "audience")) for w in starts[:-1]] + [live_audience]
    demand = [stored.get((w, "demand")) for w in starts[:-1]] + [live_demand]
    sides = (
        _side(TrendSide.AUDIENCE, starts, audience),
        _side(TrendSide.DEMAND, starts, demand),
    )
    moves = [TrendMove(s.side, t.tag, t.change) for s in sides for t in s.tags if t.direction]
    return TrendReport(
        category=category,
        weeks=starts,
        current_week=current,
        min_contributors=MIN_CONTRIBUTORS,
        change_threshold=CHANGE_THRESHOLD,
        audience=sides[0],
        demand=sides[1],
        rising=sorted(
            (m for m in moves if m.change >= CHANGE_THRESHOLD), key=lambda m: (-m.change, m.tag)
        ),
        falling=sorted(
            (m for m in moves if m.change <= -CHANGE_THRESHOLD), key=lambda m: (m.change, m.tag)
        ),
    )


def known_categories(session: Session) -> list[str]:
    """Categories found in the data (snapshots, campaigns, open creators), for the page's menu."""
    found = set(session.scalars(select(TrendSnapshot.category).distinct()))
    found |= set(session.scalars(select(Campaign.category).distinct()))
    found |= set(session.scalars(select(CreatorCategory.category).distinct()))
    return sorted(found - {ALL})


SNAPSHOT_EVERY = timedelta(days=1)


def snapshot_due(session: Session, now: datetime) -> bool:
    """Whether this week has no snapshot yet, or one older than ``SNAPSHOT_EVERY``."""
    latest = session.scalar(
        select(func.max(TrendSnapshot.taken_at)).where(
            TrendSnapshot.week_start == week_start(now.date()),
            TrendSnapshot.side == TrendSide.AUDIENCE,
        )
    )
    if latest is not None and latest.tzinfo is None:
        latest = latest.replace(tzinfo=UTC)
    return latest is None or now - latest >= SNAPSHOT_EVERY
