"""creators' reliability counters, backfilled from their offers and sponsorships

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01 11:00:00.000000
"""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

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
REPLY_WINDOW = timedelta(hours=48)


def _aware(value: datetime | str | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, str):  # SQLite hands raw text back
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _day(value: date | datetime | str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, str):
        return date.fromisoformat(value[:10])
    return value


def upgrade() -> None:
    with op.batch_alter_table("creators", schema=None) as batch_op:
        for name in COUNTERS:
            batch_op.add_column(sa.Column(name, sa.Integer(), server_default="0", nullable=False))
        batch_op.add_column(
            sa.Column("replies_counted_through", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("deliveries_counted_before", sa.Date(), nullable=True))

    # A reliability read counts only what happened since the last sweep: range scans.
    op.create_index("ix_offers_creator_created", "offers", ["creator_id", "created_at"])
    op.create_index("ix_sponsorships_creator_due", "sponsorships", ["creator_id", "due_on"])

    # Backfill the parts that follow from each row alone. The watermarks stay NULL: until the
    # offer-expiry job's first sweep, a read counts silence past 48 h and overdue posts itself.
    bind = op.get_bind()
    counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(COUNTERS, 0))
    offers = bind.execute(
        sa.text("SELECT creator_id, status, created_at, responded_at FROM offers")
    )
    for creator_id, status, created_at, responded_at in offers:
        c = counts[creator_id]
        c["offers_received"] += 1
        created, responded = _aware(created_at), _aware(responded_at)
        if responded is None or created is None:
            continue
        if status == "withdrawn":
            c["replies_due"] += responded - created >= REPLY_WINDOW
            continue
        c["offers_answered"] += 1
        c["offers_accepted"] += status == "accepted"
        c["replies_due"] += 1
        c["replies_in_time"] += responded - created <= REPLY_WINDOW
    sponsorships = bind.execute(
        sa.text(
            "SELECT creator_id, status, due_on, first_delivered_at FROM sponsorships "
            "WHERE status != 'cancelled'"
        )
    )
    for creator_id, status, due_on, first_delivered_at in sponsorships:
        c = counts[creator_id]
        c["sponsorships_completed"] += status == "approved"
        if first_delivered_at is not None:
            c["deliveries_due"] += 1
            c["deliveries_on_time"] += _day(first_delivered_at) <= _day(due_on)
    update = sa.text(
        "UPDATE creators SET "
        + ", ".join(f"{name} = :{name}" for name in COUNTERS)
        + " WHERE id = :id"
    )
    rows = [{"id": creator_id, **c} for creator_id, c in counts.items()]
    if rows:
        bind.execute(update, rows)


# The downgrade drops only counters derived from offers and sponsorships (an upgrade
# recomputes them), so it is not destructive.
DESTRUCTIVE = False
DOWNGRADE_DROPS: tuple[str, ...] = ()


def downgrade() -> None:
    op.drop_index("ix_sponsorships_creator_due", table_name="sponsorships")
    op.drop_index("ix_offers_creator_created", table_name="offers")
    with op.batch_alter_table("creators", schema=None) as batch_op:
        batch_op.drop_column("deliveries_counted_before")
        batch_op.drop_column("replies_counted_through")
        for name in reversed(COUNTERS):
            batch_op.drop_column(name)
