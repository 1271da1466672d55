"""a version per creator of what their own reads show, kept by triggers; indexes for them

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 23:30:00.000000

``creator_read_versions.version`` grows in the same transaction as every write that changes
what ``GET /api/v1/creators/me`` or ``GET /api/v1/creators/me/offers`` shows: the creator's
row or account email, an offer, a turn or a sponsorship of theirs written, changed or deleted,
and a campaign's title, brief, category or end date or a brand's name changed. Kept by
triggers, so every write path counts (the ORM, Core statements, a migration, psql), and the
increment serialises on the version row, so two commits never share a version. The reads'
cache (``collaborations.read_cache``) keys on it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

# What a trigger adds to a creator's version: one creator's, or those a SELECT finds (in id
# order, so two writers raising several never wait on each other in a cycle).
_UPSERT = (
    "INSERT INTO creator_read_versions (creator_id, version) {rows} "
    "ON CONFLICT (creator_id) DO UPDATE SET version = creator_read_versions.version + 1"
)
_ONE = "VALUES ({id}, 1)"
_MANY = {
    "postgresql": "SELECT DISTINCT {column}, 1 FROM {source} ORDER BY 1",
    # "AND true": SQLite's parser needs a WHERE before ON CONFLICT after a SELECT.
    "sqlite": "SELECT DISTINCT {column}, 1 FROM {source} AND true",
}
_CAMPAIGN_OFFERS = "offers WHERE offers.campaign_id = NEW.id"
_BRAND_OFFERS = (
    "offers JOIN campaigns ON campaigns.id = offers.campaign_id WHERE campaigns.brand_id = NEW.id"
)
_TURN_OFFER = "offers WHERE offers.id = {ref}.offer_id"  # none once the offer is deleted
_ACCOUNT_CREATOR = "creators WHERE creators.account_id = NEW.id"  # none for a brand's account
_CAMPAIGN_COLUMNS = "title, brief, category, ends_on, brand_id"
# The creator columns the profile shows (collaborations.creator_reads.PROFILE_COLUMNS) and the
# reliability counters (reliability_counters.COUNTERS); not the sweep's watermarks, which move
# with the counters but never change a figure on their own, nor updated_at. Written out: a
# migration must not import code that can change (tests/test_read_cache.py checks the list).
CREATOR_COLUMNS = (
    "handle",
    "display_name",
    "followers",
    "engagement_rate",
    "categories",
    "audience",
    "rate_amount",
    "rate_currency",
    "weekly_capacity",
    "is_open",
    "open_until",
    "open_categories",
    "verified",
    "sponsored_share",
    "recent_posts_30d",
    "offers_received",
    "offers_answered",
    "offers_accepted",
    "replies_due",
    "replies_in_time",
    "deliveries_due",
    "deliveries_on_time",
    "sponsorships_completed",
)


def _triggers(dialect: str) -> list[tuple[str, str, str, list[str]]]:
    """(name, table, event, statements) of every trigger, for ``dialect``."""

    def one(creator: str) -> str:
        return _UPSERT.format(rows=_ONE.format(id=creator))

    def many(column: str, source: str) -> str:
        return _UPSERT.format(rows=_MANY[dialect].format(column=column, source=source))

    rows: list[tuple[str, str, str, list[str]]] = []
    for table, name in (("offers", "offer"), ("sponsorships", "sponsorship")):
        rows += [
            (f"reads_{name}_insert", table, "INSERT", [one("NEW.creator_id")]),
            (
                f"reads_{name}_update",
                table,
                "UPDATE",
                [one("OLD.creator_id"), one("NEW.creator_id")],
            ),
            (f"reads_{name}_delete", table, "DELETE", [one("OLD.creator_id")]),
        ]
    turn_new = many("offers.creator_id", _TURN_OFFER.format(ref="NEW"))
    turn_old = many("offers.creator_id", _TURN_OFFER.format(ref="OLD"))
    return [
        *rows,
        ("reads_turn_insert", "offer_turns", "INSERT", [turn_new]),
        ("reads_turn_update", "offer_turns", "UPDATE", [turn_old, turn_new]),
        ("reads_turn_delete", "offer_turns", "DELETE", [turn_old]),
        (
            "reads_creator_update",
            "creators",
            f"UPDATE OF {', '.join(CREATOR_COLUMNS)}",
            [one("NEW.id")],
        ),
        (
            "reads_account_update",
            "accounts",
            "UPDATE OF email",
            [many("creators.id", _ACCOUNT_CREATOR)],
        ),
        (
            "reads_campaign_update",
            "campaigns",
            f"UPDATE OF {_CAMPAIGN_COLUMNS}",
            [many("offers.creator_id", _CAMPAIGN_OFFERS)],
        ),
        (
            "reads_brand_update",
            "brands",
            "UPDATE OF name",
            [many("offers.creator_id", _BRAND_OFFERS)],
        ),
    ]


def upgrade() -> None:
    # No foreign key: a version row may be written for a creator whose row is going (an offer
    # deleted with them), and outlives them harmlessly.
    op.create_table(
        "creator_read_versions",
        sa.Column("creator_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False, server_default="0"),
        sa.PrimaryKeyConstraint("creator_id", name=op.f("pk_creator_read_versions")),
    )
    # The inbox's page: the newest offers of one creator without reading all of them; the
    # sponsored-posts-in-window figure without reading every delivered sponsorship.
    op.create_index("ix_offers_creator_id_id", "offers", ["creator_id", "id"])
    op.create_index(
        "ix_sponsorships_creator_first_delivered",
        "sponsorships",
        ["creator_id", "first_delivered_at"],
    )
    dialect = op.get_bind().dialect.name
    for name, table, event, statements in _triggers(dialect):
        body = "".join(f"  {statement};\n" for statement in statements)
        if dialect == "postgresql":
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
                f"BEGIN\n{body}  RETURN NULL;\nEND $$"
            )
            # Deferred to the commit: the version row is locked after every other lock the
            # transaction takes, so raising it never joins a lock cycle with the writers that
            # lock the creator row first (accepts, runs, the reliability sweep).
            op.execute(
                f"CREATE CONSTRAINT TRIGGER {name} AFTER {event} ON {table} "
                f"DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION {name}()"
            )
        else:
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW BEGIN\n{body}END"
            )


# The downgrade drops only what the triggers keep and two indexes: no data is lost. Versions
# start again from nothing after an upgrade, so restart the app after going down and up again
# (a process's cached reads are keyed on the old counts).
DESTRUCTIVE = False


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    for name, table, _, _ in _triggers(dialect):
        if dialect == "postgresql":
            op.execute(f"DROP TRIGGER {name} ON {table}")
            op.execute(f"DROP FUNCTION {name}()")
        else:
            op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_sponsorships_creator_first_delivered", table_name="sponsorships")
    op.drop_index("ix_offers_creator_id_id", table_name="offers")
    op.drop_table("creator_read_versions")
