"""Post metrics: snapshots of a delivered post's counts, their labels and plausibility flags,
and the importer seam through which files (later, connected platform accounts) feed them.

A snapshot is cumulative: views, likes, comments, saves and shares since the post went up, at
``measured_at``. Its label (24 h, 7 d, 30 d) follows from its age: ``measured_at`` minus the
post's first delivery. Implausible snapshots are stored with ``flagged`` and reasons, shown to
the brand and to operators, and left out of the actual figures:

- ``views_below_likes``: fewer views than likes;
- ``jump``: a count at least 10 × the previous snapshot's (which had at least 1, and the new
  one at least 100) — bought engagement or a typo;
- ``decreasing``: a cumulative count lower than an earlier snapshot's (or higher than a later
  one's, for a snapshot sent out of order).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import IO, Any, Protocol

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from accounts.models import Creator
from collaborations.models import Sponsorship, SponsorshipStatus
from core.db import utcnow
from core.errors import Conflict, InvalidInput, NotFound
from results.delivery import update_delivery_ratio
from results.models import MetricsSource, PostMetric

COUNTS = ("views", "likes", "comments", "saves", "shares")
JUMP_FACTOR = 10
JUMP_MIN = 100  # a jump to fewer than this many is noise, not a red flag
CLOCK_SKEW = timedelta(minutes=5)
MEASURABLE = (SponsorshipStatus.DELIVERED, SponsorshipStatus.APPROVED)
FLAG_TEXT = {
    "views_below_likes": "fewer views than likes",
    "jump": "a count jumped at least tenfold since the previous snapshot",
    "decreasing": "a cumulative count went down between snapshots",
}


@dataclass(frozen=True)
class MetricsInput:
    """One snapshot as sent (API body, a file's row)."""

    measured_at: datetime
    views: int
    likes: int
    comments: int
    saves: int
    shares: int

    def counts(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in COUNTS}


def _counts(m: PostMetric | MetricsInput) -> dict[str, int]:
    return {name: int(getattr(m, name)) for name in COUNTS}


def plausibility_flags(
    new: MetricsInput, before: PostMetric | None, after: PostMetric | None
) -> list[dict[str, Any]]:
    """The reasons a snapshot is implausible next to its neighbours in time (empty: plausible)."""
    flags: list[dict[str, Any]] = []
    counts = new.counts()
    if counts["views"] < counts["likes"]:
        flags.append({"code": "views_below_likes", "message": FLAG_TEXT["views_below_likes"]})
    if before is not None:
        old = _counts(before)
        jumped = [
            k
            for k in COUNTS
            if old[k] >= 1 and counts[k] >= JUMP_MIN and counts[k] >= JUMP_FACTOR * old[k]
        ]
        if jumped:
            flags.append({"code": "jump", "message": FLAG_TEXT["jump"], "fields": jumped})
        down = [k for k in COUNTS if counts[k] < old[k]]
        if down:
            flags.append({"code": "decreasing", "message": FLAG_TEXT["decreasing"], "fields": down})
    if after is not None:
        later = _counts(after)
        up = [k for k in COUNTS if counts[k] > later[k]]
        if up and not any(f["code"] == "decreasing" for f in flags):
            flags.append({"code": "decreasing", "message": FLAG_TEXT["decreasing"], "fields": up})
    return flags


def _neighbours(
    session: Session, sponsorship_id: int, at: datetime
) -> tuple[PostMetric | None, PostMetric | None]:
    """The unflagged snapshots just before and just after ``at``."""
    base = select(PostMetric).where(
        PostMetric.sponsorship_id == sponsorship_id, PostMetric.flagged.is_(False)
    )
    before = session.scalar(
        base.where(PostMetric.measured_at < at).order_by(PostMetric.measured_at.desc()).limit(1)
    )
    after = session.scalar(
        base.where(PostMetric.measured_at > at).order_by(PostMetric.measured_at).limit(1)
    )
    return before, after


def add_snapshot(
    session: Session,
    sponsorship: Sponsorship,
    data: MetricsInput,
    source: MetricsSource,
    *,
    now: datetime | None = None,
) -> PostMetric:
    """Store one snapshot of a delivered or approved post, flagged if implausible; flushes.

    Updates the creator's stored "delivers what was forecast" figure in the same transaction.
    Raises ``Conflict`` for a post not delivered or approved, or a second snapshot at the same
    time; ``InvalidInput`` for a time before the post was delivered or in the future.
    """
    now = now or utcnow()
    if sponsorship.status not in MEASURABLE:
        raise Conflict(
            "Metrics can be sent only for a delivered or approved post.",
            {"status": [f"the sponsorship is {sponsorship.status.value}"]},
        )
    if data.measured_at > now + CLOCK_SKEW:
        raise InvalidInput("measured_at is in the future.", {"measured_at": ["in the future"]})
    delivered = sponsorship.first_delivered_at or sponsorship.delivered_at
    if delivered is not None and data.measured_at < delivered - CLOCK_SKEW:
        raise InvalidInput(
            "measured_at is before the post was delivered.",
            {"measured_at": [f"before the delivery at {delivered.isoformat()}"]},
        )
    exists = session.scalar(
        select(PostMetric.id).where(
            PostMetric.sponsorship_id == sponsorship.id, PostMetric.measured_at == data.measured_at
        )
    )
    if exists is not None:
        raise Conflict(
            "This post already has a snapshot at that time.",
            {"measured_at": ["a snapshot at this time exists"]},
        )
    before, after = _neighbours(session, sponsorship.id, data.measured_at)
    flags = plausibility_flags(data, before, after)
    metric = PostMetric(
        sponsorship_id=sponsorship.id,
        measured_at=data.measured_at,
        source=source,
        flagged=bool(flags),
        flag_reasons=flags,
        created_at=now,
        **data.counts(),
    )
    try:
        with session.begin_nested():
            session.add(metric)
            session.flush()
    except IntegrityError as exc:  # a concurrent twin of the same snapshot
        raise Conflict(
            "This post already has a snapshot at that time.",
            {"measured_at": ["a snapshot at this time exists"]},
        ) from exc
    metric.sponsorship = sponsorship
    update_delivery_ratio(session, sponsorship.creator_id)
    return metric


def creator_sponsorship(session: Session, creator: Creator, sponsorship_id: int) -> Sponsorship:
    """The creator's own sponsorship; another creator's answers like a missing one."""
    sponsorship = session.scalar(
        select(Sponsorship).where(
            Sponsorship.id == sponsorship_id, Sponsorship.creator_id == creator.id
        )
    )
    if sponsorship is None:
        raise NotFound("Sponsorship not found.")
    return sponsorship


def post_metrics(
    session: Session, creator: Creator, sponsorship_id: int, data: MetricsInput
) -> PostMetric:
    """A creator reports their post's counts (``POST /sponsorships/{id}/metrics``)."""
    sponsorship = creator_sponsorship(session, creator, sponsorship_id)
    return add_snapshot(session, sponsorship, data, MetricsSource.API)


def snapshots(session: Session, sponsorship_ids: Iterable[int]) -> dict[int, list[PostMetric]]:
    """Every snapshot of these sponsorships, oldest first, by sponsorship."""
    ids = list(sponsorship_ids)
    out: dict[int, list[PostMetric]] = {i: [] for i in ids}
    if not ids:
        return out
    for m in session.scalars(
        select(PostMetric)
        .where(PostMetric.sponsorship_id.in_(ids))
        .order_by(PostMetric.sponsorship_id, PostMetric.measured_at)
    ):
        out[m.sponsorship_id].append(m)
    return out


# --- the importer seam ------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportRow:
    """One snapshot from a source, with where it came from (for error messages)."""

    where: str
    sponsorship_id: int
    data: MetricsInput


class MetricsImporter(Protocol):
    """Anything that yields snapshots: an operator's CSV file today, a connected platform
    account (its API's post insights) later. Rows it cannot read are errors, not rows."""

    def rows(self) -> Iterator[ImportRow | ImportError_]: ...


@dataclass(frozen=True)
class ImportError_:  # noqa: N801 - not the builtin ImportError
    where: str
    message: str


CSV_COLUMNS = ("sponsorship_id", "measured_at", *COUNTS)


class CsvMetricsImporter:
    """A CSV file with a header ``sponsorship_id,measured_at,views,likes,comments,saves,shares``
    (``measured_at`` ISO 8601 with a zone, e.g. ``2026-12-08T09:00:00Z``)."""

    def __init__(self, stream: IO[str]) -> None:
        self.stream = stream

    def rows(self) -> Iterator[ImportRow | ImportError_]:
        reader = csv.DictReader(self.stream)
        missing = [c for c in CSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            yield ImportError_("header", f"missing columns: {', '.join(missing)}")
            return
        for line, raw in enumerate(reader, start=2):
            where = f"line {line}"
            try:
                measured_at = datetime.fromisoformat((raw["measured_at"] or "").strip())
                if measured_at.tzinfo is None:
                    raise ValueError("measured_at needs a time zone (e.g. Z)")
                counts = {k: int((raw[k] or "").strip()) for k in COUNTS}
                if any(v < 0 for v in counts.values()):
                    raise ValueError("counts cannot be negative")
                yield ImportRow(
                    where, int(raw["sponsorship_id"]), MetricsInput(measured_at, **counts)
                )
            except (ValueError, TypeError) as exc:
                yield ImportError_(where, str(exc))


@dataclass
class ImportResult:
    """What an import did: snapshots stored (of which flagged), and the rows refused."""

    created: int = 0
    flagged: int = 0
    errors: list[tuple[str, str]] = field(default_factory=list)


def import_metrics(
    session: Session, importer: MetricsImporter, *, now: datetime | None = None
) -> ImportResult:
    """Store every row ``importer`` yields (an operator's import: any sponsorship); flushes.

    A refused row (unknown sponsorship, not delivered, a duplicate time, a bad value) is
    reported and skipped; the others are kept.
    """
    result = ImportResult()
    for row in importer.rows():
        if isinstance(row, ImportError_):
            result.errors.append((row.where, row.message))
            continue
        sponsorship = session.get(Sponsorship, row.sponsorship_id)
        if sponsorship is None:
            result.errors.append((row.where, f"no sponsorship {row.sponsorship_id}"))
            continue
        try:
            metric = add_snapshot(session, sponsorship, row.data, MetricsSource.IMPORT, now=now)
        except (Conflict, InvalidInput) as exc:
            result.errors.append((row.where, exc.message))
            continue
        result.created += 1
        result.flagged += metric.flagged
    return result
