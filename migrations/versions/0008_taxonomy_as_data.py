"""the taxonomy as data: categories, interest tags and the taxonomy's version, seeded with the
default vocabulary (a superset of the one the code held, so every stored row stays valid)

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 16:00:00.000000
"""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

# The vocabulary as it was when this revision was written (the seed module is append-only).
from taxonomy.seed import CATEGORIES, TAGS  # noqa: E402


def upgrade() -> None:
    categories = op.create_table(
        "taxonomy_categories",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_categories")),
        sa.UniqueConstraint("slug", name=op.f("uq_taxonomy_categories_slug")),
    )
    tags = op.create_table(
        "interest_tags",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("slug", sa.String(length=40), nullable=False),
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("names", sa.JSON(), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("retired_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["category_id"],
            ["taxonomy_categories.id"],
            name=op.f("fk_interest_tags_category_id_taxonomy_categories"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_interest_tags")),
        sa.UniqueConstraint("slug", name=op.f("uq_interest_tags_slug")),
    )
    op.create_index(op.f("ix_interest_tags_category_id"), "interest_tags", ["category_id"])
    version = op.create_table(
        "taxonomy_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_taxonomy_version")),
    )
    # Backfill: the vocabulary every existing profile and campaign was validated against.
    now = datetime.now(UTC)
    ids = {slug: n + 1 for n, slug in enumerate(CATEGORIES)}
    op.bulk_insert(
        categories,
        [
            {"id": ids[slug], "slug": slug, "names": names, "sort_order": ids[slug] * 10,
             "active": True, "created_at": now, "retired_at": None}
            for slug, names in CATEGORIES.items()
        ],
    )  # fmt: skip
    op.bulk_insert(
        tags,
        [
            {"id": n + 1, "slug": slug, "category_id": ids[category], "names": names,
             "sort_order": (n + 1) * 10, "active": True, "created_at": now, "retired_at": None}
            for n, (slug, (category, names)) in enumerate(TAGS.items())
        ],
    )  # fmt: skip
    op.bulk_insert(version, [{"id": 1, "version": 1, "changed_at": now}])
    if op.get_bind().dialect.name == "postgresql":
        # explicit ids above: move the sequences past them
        for table in ("taxonomy_categories", "interest_tags"):
            op.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                f"(SELECT MAX(id) FROM {table}))"
            )


def downgrade() -> None:
    op.drop_table("taxonomy_version")
    op.drop_index(op.f("ix_interest_tags_category_id"), table_name="interest_tags")
    op.drop_table("interest_tags")
    op.drop_table("taxonomy_categories")


# Downgrading drops the tables: tags and categories operators added since are lost (stored
# profiles keep their slugs; the code before 0008 validates against its own fixed lists).
DESTRUCTIVE = True
DOWNGRADE_DROPS = ("taxonomy_categories", "interest_tags", "taxonomy_version")
