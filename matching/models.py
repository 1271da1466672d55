"""The match run model: one per ISO week (the database side of matching; the core is pure)."""

from __future__ import annotations

import enum
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from core.db import Base, UTCDateTime, str_enum, utcnow


class MatchRunStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


class MatchRunKind(enum.StrEnum):
    """``weekly``: the global run, one per ISO week. ``incremental``: one campaign (just
    published) or one creator (just opted in) against the residual market of the week."""

    WEEKLY = "weekly"
    INCREMENTAL = "incremental"


class MatchRun(Base):
    """One matching run (weekly or incremental): its progress and the solver's figures."""

    __tablename__ = "match_runs"
    __table_args__ = (
        # A week is matched globally once; incremental runs of a week are many.
        Index(
            "uq_match_runs_weekly_week",
            "week",
            unique=True,
            sqlite_where=text("kind = 'weekly'"),
            postgresql_where=text("kind = 'weekly'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    week: Mapped[str] = mapped_column(String(8), index=True)  # ISO week, e.g. "2026-W48"
    kind: Mapped[MatchRunKind] = mapped_column(
        str_enum(MatchRunKind), default=MatchRunKind.WEEKLY, server_default="weekly"
    )
    # What an incremental run was asked for: {"campaign_id": 7} or {"creator_id": 3}.
    scope: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    status: Mapped[MatchRunStatus] = mapped_column(
        str_enum(MatchRunStatus), default=MatchRunStatus.QUEUED
    )
    stage: Mapped[str] = mapped_column(String(40), default="queued")
    progress: Mapped[int] = mapped_column(Integer, default=0)  # percent
    objective: Mapped[float | None] = mapped_column(Float, nullable=True)
    bound: Mapped[float | None] = mapped_column(Float, nullable=True)
    gap: Mapped[float | None] = mapped_column(Float, nullable=True)
    seconds: Mapped[float | None] = mapped_column(Float, nullable=True)
    solver_status: Mapped[str | None] = mapped_column(String(16), nullable=True)
    candidates: Mapped[int | None] = mapped_column(Integer, nullable=True)
    offers_created: Mapped[int | None] = mapped_column(Integer, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    shards: Mapped[int] = mapped_column(Integer, default=1, server_default="1")
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict, server_default=text("'{}'"))
    # Exposure figures of the run's offers (see README, "Fair exposure"); None until written.
    health: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), nullable=True)
