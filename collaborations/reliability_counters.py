"""Reliability counters on the creator row, kept up to date instead of recomputed per read.

What a figure counts (the definition ``collaborations.services.reliability`` publishes):

- reply rate: offers answered within 48 h ÷ offers due an answer, where an offer is due once
  the creator answered it or 48 h passed without an answer; a brand's withdrawal counts as the
  creator's silence only if it came after the 48 h; a counter-offer is an answer (its time
  is ``responded_at``, which the later turns of the negotiation keep);
- acceptance rate: accepted ÷ answered (withdrawals are the brand's answer, not the creator's);
- on-time delivery: first delivered by the due date ÷ sponsorships due (delivered, or past the
  due date undelivered), cancelled ones left out;
- completed: approved sponsorships.

Every part that follows from a row's own columns is counted when the row is written: a flush
listener adds each new or changed offer's and sponsorship's contribution minus the one it
replaces, in the same transaction, whichever service wrote it (accept, decline, withdraw,
expire, deliver, cancel). The parts that change with the clock alone (48 h of silence, a due
date passing) are counted by :func:`sweep_reliability`, which the offer-expiry job runs, up to
two watermarks on the creator; a read adds what crossed the line since the last sweep, a
bounded count over live rows. Approval is a conditional UPDATE the listener cannot see, so
``approve_sponsorship`` calls :func:`count_completed`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    bindparam,
    case,
    event,
    func,
    literal,
    or_,
    select,
    update,
)
from sqlalchemy.orm import Session

from accounts.models import Creator
from collaborations.models import Offer, OfferStatus, Sponsorship, SponsorshipStatus
from core.db import UTCDateTime, in_values, utcnow

REPLY_WINDOW = timedelta(hours=48)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)  # "never swept"
# An offer without an answer is proposed or expired; only those can go silent past 48 h.
UNANSWERED_STATES = (OfferStatus.PROPOSED, OfferStatus.EXPIRED)
CREATORS = Creator.__table__
COUNTERS = (
    "offers_received",
    "offers_answered",
    "offers_accepted",
    "replies_due",
    "replies_in_time",
    "deliveries_due",
    "deliveries_on_time",
    "sponsorships_completed",
)


@dataclass
class _Delta:
    """What a flush changes in one creator's counters."""

    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    # (+1/-1, created_at) of unanswered offers old enough that a sweep may have counted them.
    silent: list[tuple[int, datetime]] = field(default_factory=list)
    # (+1/-1, due_on) of undelivered sponsorships past due that a sweep may have counted.
    overdue: list[tuple[int, date]] = field(default_factory=list)

    def is_empty(self) -> bool:
        """Nothing to write, once a row's old and new terms cancel out (e.g. an expiry)."""
        self.silent = _net(self.silent)
        self.overdue = _net(self.overdue)
        return not any(self.counts.values()) and not self.silent and not self.overdue


def _net(terms: list[tuple[int, Any]]) -> list[tuple[int, Any]]:
    total: dict[Any, int] = defaultdict(int)
    for sign, key in terms:
        total[key] += sign
    return [(1 if n > 0 else -1, key) for key, n in total.items() for _ in range(abs(n))]


def _offer_terms(
    delta: _Delta,
    sign: int,
    status: OfferStatus,
    created_at: datetime,
    responded_at: datetime | None,
    now: datetime,
) -> None:
    c = delta.counts
    c["offers_received"] += sign
    if responded_at is None:
        if status in UNANSWERED_STATES and created_at <= now - REPLY_WINDOW:
            delta.silent.append((sign, created_at))
        return
    if status is OfferStatus.WITHDRAWN:
        c["replies_due"] += sign * (responded_at - created_at >= REPLY_WINDOW)
        return
    c["offers_answered"] += sign
    c["offers_accepted"] += sign * (status is OfferStatus.ACCEPTED)
    c["replies_due"] += sign
    c["replies_in_time"] += sign * (responded_at - created_at <= REPLY_WINDOW)


def _sponsorship_terms(
    delta: _Delta,
    sign: int,
    status: SponsorshipStatus,
    due_on: date,
    first_delivered_at: datetime | None,
    today: date,
) -> None:
    if status is SponsorshipStatus.CANCELLED:
        return
    c = delta.counts
    c["sponsorships_completed"] += sign * (status is SponsorshipStatus.APPROVED)
    if first_delivered_at is not None:
        c["deliveries_due"] += sign
        c["deliveries_on_time"] += sign * (first_delivered_at.date() <= due_on)
    elif due_on < today:
        delta.overdue.append((sign, due_on))


_OFFER_COLUMNS = (Offer.id, Offer.creator_id, Offer.status, Offer.created_at, Offer.responded_at)
_SPONSORSHIP_COLUMNS = (
    Sponsorship.id,
    Sponsorship.creator_id,
    Sponsorship.status,
    Sponsorship.due_on,
    Sponsorship.first_delivered_at,
)
_WATCHED = {
    Offer: ("creator_id", "status", "created_at", "responded_at"),
    Sponsorship: ("creator_id", "status", "due_on", "first_delivered_at"),
}
_STASH = "reliability_counters_before"


def _rows(session: Session, model: Any, ids: set[int]) -> list[Any]:
    if not ids:
        return []
    columns = _OFFER_COLUMNS if model is Offer else _SPONSORSHIP_COLUMNS
    return list(session.execute(select(*columns).where(model.id.in_(ids))).all())


def _changed(obj: Any, model: Any) -> bool:
    state = obj._sa_instance_state
    return any(state.attrs[name].history.has_changes() for name in _WATCHED[model])


@event.listens_for(Session, "before_flush")
def _before_flush(session: Session, flush_context: Any, instances: Any) -> None:
    """Read, as the database holds them, the rows this flush changes or deletes."""
    before: dict[Any, list[Any]] = {Offer: [], Sponsorship: []}
    for model in (Offer, Sponsorship):
        ids = {
            obj.id
            for obj in session.dirty
            if isinstance(obj, model) and obj.id is not None and _changed(obj, model)
        }
        ids |= {obj.id for obj in session.deleted if isinstance(obj, model)}
        with session.no_autoflush:
            before[model] = _rows(session, model, ids)
    new = [obj for obj in session.new if isinstance(obj, (Offer, Sponsorship))]
    session.info[_STASH] = (before, new)


@event.listens_for(Session, "after_flush")
def _after_flush(session: Session, flush_context: Any) -> None:
    """Add each written row's contribution minus the one it replaces, per creator."""
    before, new = session.info.pop(_STASH, ({Offer: [], Sponsorship: []}, []))
    if not before[Offer] and not before[Sponsorship] and not new:
        return
    now = utcnow()
    deltas: dict[int, _Delta] = defaultdict(_Delta)
    with session.no_autoflush:
        after = {
            model: _rows(
                session,
                model,
                {r.id for r in before[model]} | {o.id for o in new if isinstance(o, model)},
            )
            for model in (Offer, Sponsorship)
        }
    for sign, rows in ((-1, before), (1, after)):
        for r in rows[Offer]:
            _offer_terms(deltas[r.creator_id], sign, r.status, r.created_at, r.responded_at, now)
        for r in rows[Sponsorship]:
            _sponsorship_terms(
                deltas[r.creator_id], sign, r.status, r.due_on, r.first_delivered_at, now.date()
            )
    for creator_id, delta in sorted(deltas.items()):  # one lock order for creator rows
        if not delta.is_empty():
            _apply(session, creator_id, delta)


def _already_swept(terms: list[tuple[int, ColumnElement[bool]]]) -> ColumnElement[int]:
    """Σ ±1 for each term whose row a sweep has already counted (decided in SQL, under the
    row lock, against the watermark as committed)."""
    total: ColumnElement[int] = literal(0)
    for sign, counted in terms:
        total = total + sign * case((counted, 1), else_=0)
    return total


def _apply(session: Session, creator_id: int, delta: _Delta) -> None:
    c = CREATORS.c
    values: dict[str, Any] = {name: c[name] + n for name, n in delta.counts.items() if n}
    # A silent offer or an overdue post the last sweep got past is in the counter already.
    if delta.silent:
        values["replies_due"] = (
            c.replies_due
            + delta.counts["replies_due"]
            + _already_swept(
                [
                    (
                        sign,
                        and_(
                            c.replies_counted_through.is_not(None), c.replies_counted_through >= at
                        ),
                    )
                    for sign, at in delta.silent
                ]
            )
        )
    if delta.overdue:
        values["deliveries_due"] = (
            c.deliveries_due
            + delta.counts["deliveries_due"]
            + _already_swept(
                [
                    (
                        sign,
                        and_(
                            c.deliveries_counted_before.is_not(None),
                            c.deliveries_counted_before > on,
                        ),
                    )
                    for sign, on in delta.overdue
                ]
            )
        )
    values["updated_at"] = c.updated_at  # counters are not a profile edit
    session.connection().execute(update(CREATORS).where(c.id == creator_id).values(**values))


def count_completed(session: Session, creator_id: int) -> None:
    """Count one more approved sponsorship (approval is a conditional UPDATE, not an ORM write)."""
    c = CREATORS.c
    session.execute(
        update(CREATORS)
        .where(c.id == creator_id)
        .values(sponsorships_completed=c.sponsorships_completed + 1, updated_at=c.updated_at)
    )


def sweep_reliability(session: Session, now: datetime | None = None) -> int:
    """Count offers that went 48 h without an answer and posts that went past their due date
    since the last sweep, then move every creator's watermarks to ``now``; flushes.

    Returns how many creators' counters moved. The creator rows are locked first, so an answer
    committing meanwhile is either seen here or adjusts for this sweep itself.
    """
    now = now or utcnow()
    through, before = now - REPLY_WINDOW, now.date()
    c = CREATORS.c
    behind = or_(c.replies_counted_through.is_(None), c.replies_counted_through < through)
    session.execute(select(c.id).where(behind).order_by(c.id).with_for_update())
    silent = dict(
        session.execute(
            select(Offer.creator_id, func.count(Offer.id))
            .join(CREATORS, c.id == Offer.creator_id)
            .where(
                Offer.responded_at.is_(None),
                Offer.status.in_(UNANSWERED_STATES),
                Offer.created_at <= through,
                or_(
                    c.replies_counted_through.is_(None),
                    Offer.created_at > c.replies_counted_through,
                ),
            )
            .group_by(Offer.creator_id)
        ).all()
    )
    overdue = dict(
        session.execute(
            select(Sponsorship.creator_id, func.count(Sponsorship.id))
            .join(CREATORS, c.id == Sponsorship.creator_id)
            .where(
                Sponsorship.status != SponsorshipStatus.CANCELLED,
                Sponsorship.first_delivered_at.is_(None),
                Sponsorship.due_on < before,
                or_(
                    c.deliveries_counted_before.is_(None),
                    Sponsorship.due_on >= c.deliveries_counted_before,
                ),
            )
            .group_by(Sponsorship.creator_id)
        ).all()
    )
    moved = set(silent) | set(overdue)
    for creator_id in moved:
        session.execute(
            update(CREATORS)
            .where(c.id == creator_id)
            .values(
                replies_due=c.replies_due + silent.get(creator_id, 0),
                deliveries_due=c.deliveries_due + overdue.get(creator_id, 0),
                updated_at=c.updated_at,
            )
        )
    session.execute(
        update(CREATORS)
        .where(behind)
        .values(
            replies_counted_through=through,
            deliveries_counted_before=before,
            updated_at=c.updated_at,
        )
    )
    session.flush()
    return len(moved)


@dataclass(frozen=True)
class Counts:
    """A creator's reliability counters as of a moment."""

    offers_received: int
    offers_answered: int
    offers_accepted: int
    replies_due: int
    replies_in_time: int
    deliveries_due: int
    deliveries_on_time: int
    sponsorships_completed: int


def counts_columns(creators: Any = CREATORS) -> tuple[Any, ...]:
    """The columns of a read of the counters, correlated to ``creators`` (the table or an
    alias): the stored counters, then the two counts since the last sweep. Bind
    :func:`counts_params`; turn the values into :class:`Counts` with :func:`counts_from`."""
    c = creators.c
    silent_since_sweep = (
        select(func.count(Offer.id))
        .where(
            Offer.creator_id == c.id,
            in_values(Offer.status, UNANSWERED_STATES),
            Offer.responded_at.is_(None),
            Offer.created_at <= bindparam("silent_before", type_=UTCDateTime()),
            # coalesce, not OR: the bound stays an index range condition
            Offer.created_at
            > func.coalesce(c.replies_counted_through, literal(_EPOCH, UTCDateTime())),
        )
        .scalar_subquery()
    )
    overdue_since_sweep = (
        select(func.count(Sponsorship.id))
        .where(
            Sponsorship.creator_id == c.id,
            Sponsorship.status != SponsorshipStatus.CANCELLED,
            Sponsorship.first_delivered_at.is_(None),
            Sponsorship.due_on < bindparam("today", type_=Date()),
            Sponsorship.due_on >= func.coalesce(c.deliveries_counted_before, _EPOCH.date()),
        )
        .scalar_subquery()
    )
    return (*(c[name] for name in COUNTERS), silent_since_sweep, overdue_since_sweep)


def counts_params(now: datetime) -> dict[str, Any]:
    """The values :func:`counts_columns` binds, as of ``now``."""
    return {"silent_before": now - REPLY_WINDOW, "today": now.date()}


def _read_counts_query(*, many: bool = False) -> Any:
    """The read, built once: the counters plus the two counts since the last sweep (for one
    ``creator_id``, or with ``many`` for the ``creator_ids`` list, each row led by its id)."""
    c = CREATORS.c
    columns = counts_columns()
    if many:
        return select(c.id, *columns).where(c.id.in_(bindparam("creator_ids", expanding=True)))
    return select(*columns).where(c.id == bindparam("creator_id"))


_READ_COUNTS = _read_counts_query()
_READ_MANY_COUNTS = _read_counts_query(many=True)


def counts_from(row: Any) -> Counts:
    """:class:`Counts` from the values of :func:`counts_columns`, in order."""
    values = dict(zip(COUNTERS, row[: len(COUNTERS)], strict=True))
    values["replies_due"] += int(row[-2] or 0)
    values["deliveries_due"] += int(row[-1] or 0)
    return Counts(**{k: int(v) for k, v in values.items()})


def read_counts(session: Session, creator_id: int, now: datetime | None = None) -> Counts:
    """The counters as of ``now`` in one query: the stored ones plus what crossed the 48 h or
    the due date since the last sweep (bounded by the sweep interval, not by history)."""
    now = now or utcnow()
    row = session.execute(
        _READ_COUNTS, {"creator_id": creator_id, **counts_params(now)}
    ).one_or_none()
    if row is None:
        return Counts(*(0 for _ in COUNTERS))
    return counts_from(row)


def read_many_counts(
    session: Session, creator_ids: list[int], now: datetime | None = None
) -> dict[int, Counts]:
    """:func:`read_counts` for a list of creators (a page of search results) in one query."""
    if not creator_ids:
        return {}
    now = now or utcnow()
    rows = session.execute(
        _READ_MANY_COUNTS,
        {"creator_ids": list(creator_ids), **counts_params(now)},
    ).all()
    return {int(row[0]): counts_from(row[1:]) for row in rows}
