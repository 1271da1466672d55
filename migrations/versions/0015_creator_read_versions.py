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

# What a trigger adds to a creator's version. PostgreSQL names the table in DO UPDATE.
_BUMP_ONE = {
    "postgresql": (
        "INSERT INTO creator_read_versions (creator_id, version) VALUES ({id}, 1) "
        "ON CONFLICT (creator_id) DO UPDATE SET version = creator_read_versions.version + 1"
    ),
    "sqlite": (
        "INSERT INTO creator_read_versions (creator_id, version) VALUES ({id}, 1) "
        "ON CONFLICT (creator_id) DO UPDATE SET version = version + 1"
    ),
}
# A deleted offer or turn: only an existing row needs to move.
_BUMP_GONE = "UPDATE creator_read_versions SET version = version + 1 WHERE creator_id = {id}"
_BUMP_MANY = {
    "postgresql": (
        "INSERT INTO creator_read_versions (creator_id, version) "
        "SELECT DISTINCT {column}, 1 FROM {source} "
        "ON CONFLICT (creator_id) DO UPDATE SET version = creator_read_versions.version + 1"
    ),
    "sqlite": (  # "AND true": SQLite's parser needs a WHERE before ON CONFLICT after SELECT
        "INSERT INTO creator_read_versions (creator_id, version) "
        "SELECT DISTINCT {column}, 1 FROM {source} AND true "
        "ON CONFLICT (creator_id) DO UPDATE SET version = version + 1"
    ),
}
_CAMPAIGN_OFFERS = "offers WHERE offers.campaign_id = NEW.id"
_BRAND_OFFERS = (
    "offers JOIN campaigns ON campaigns.id = offers.campaign_id WHERE campaigns.brand_id = NEW.id"
)
_TURN_OFFER = "(SELECT creator_id FROM offers WHERE offers.id = {ref}.offer_id)"
_ACCOUNT_CREATOR = "creators WHERE creators.account_id = NEW.id"  # none for a brand's account
_CAMPAIGN_COLUMNS = "title, brief, category, ends_on"


def _triggers(dialect: str) -> list[tuple[str, str, str, list[str]]]:
    """(name, table, event, statements) of every trigger, for ``dialect``."""
    one, many = _BUMP_ONE[dialect], _BUMP_MANY[dialect]
    rows: list[tuple[str, str, str, list[str]]] = []
    for table, creator, name in (
        ("offers", "{ref}.creator_id", "offer"),
        ("sponsorships", "{ref}.creator_id", "sponsorship"),
        ("offer_turns", _TURN_OFFER, "turn"),
    ):
        new, old = creator.format(ref="NEW"), creator.format(ref="OLD")
        rows += [
            (f"reads_{name}_insert", table, "INSERT", [one.format(id=new)]),
            (
                f"reads_{name}_update",
                table,
                "UPDATE",
                [_BUMP_GONE.format(id=old), one.format(id=new)],
            ),
            (f"reads_{name}_delete", table, "DELETE", [_BUMP_GONE.format(id=old)]),
        ]
    return [
        *rows,
        ("reads_creator_update", "creators", "UPDATE", [one.format(id="NEW.id")]),
        (
            "reads_account_update",
            "accounts",
            "UPDATE OF email",
            [many.format(column="creators.id", source=_ACCOUNT_CREATOR)],
        ),
        (
            "reads_campaign_update",
            "campaigns",
            f"UPDATE OF {_CAMPAIGN_COLUMNS}",
            [many.format(column="offers.creator_id", source=_CAMPAIGN_OFFERS)],
        ),
        (
            "reads_brand_update",
            "brands",
            "UPDATE OF name",
            [many.format(column="offers.creator_id", source=_BRAND_OFFERS)],
        ),
    ]


def upgrade() -> None:
    # No foreign key: a version outlives its creator, so an id SQLite hands out again keeps
    # counting up and a page kept for the old creator is never read as the new one's.
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
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event} ON {table} "
                f"FOR EACH ROW EXECUTE FUNCTION {name}()"
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
