"""Reading and changing the taxonomy. Functions take a session and flush; callers commit.

Every change bumps ``taxonomy_version`` in the same transaction, which is how every process's
cache (``taxonomy.cache``) learns that it is stale.

Retiring never deletes: a retired tag or category stays readable in stored profiles and
campaigns and keeps counting in the fit, but new writes cannot choose it (``core.audience``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from core.db import utcnow
from core.errors import Conflict, InvalidInput, NotFound
from taxonomy import seed
from taxonomy.models import InterestTag, TaxonomyCategory, TaxonomyVersion

SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
DEFAULT_LANGUAGE = "en"
VERSION_ROW = 1


@dataclass(frozen=True)
class Category:
    slug: str
    names: dict[str, str]
    active: bool
    sort_order: int

    def name(self, language: str = DEFAULT_LANGUAGE) -> str:
        return self.names.get(language) or self.names.get(DEFAULT_LANGUAGE) or self.slug


@dataclass(frozen=True)
class Tag:
    slug: str
    category: str
    names: dict[str, str]
    active: bool
    sort_order: int

    def name(self, language: str = DEFAULT_LANGUAGE) -> str:
        return self.names.get(language) or self.names.get(DEFAULT_LANGUAGE) or self.slug


@dataclass(frozen=True, eq=False)
class Taxonomy:
    """One version of the vocabulary, immutable (shared by every request of a process)."""

    version: int
    categories: tuple[Category, ...]
    tags: tuple[Tag, ...]

    @cached_property
    def active_categories(self) -> frozenset[str]:
        return frozenset(c.slug for c in self.categories if c.active)

    @cached_property
    def retired_categories(self) -> frozenset[str]:
        return frozenset(c.slug for c in self.categories if not c.active)

    @cached_property
    def active_tags(self) -> frozenset[str]:
        return frozenset(t.slug for t in self.tags if t.active)

    @cached_property
    def retired_tags(self) -> frozenset[str]:
        return frozenset(t.slug for t in self.tags if not t.active)

    @cached_property
    def all_tags(self) -> tuple[str, ...]:
        return tuple(sorted(t.slug for t in self.tags))

    @cached_property
    def tag_by_slug(self) -> dict[str, Tag]:
        return {t.slug: t for t in self.tags}

    @cached_property
    def category_by_slug(self) -> dict[str, Category]:
        return {c.slug: c for c in self.categories}

    def tags_by_category(
        self, *, active_only: bool = True, include_empty: bool = False
    ) -> list[tuple[Category, list[Tag]]]:
        """Categories in their order, each with its tags (without tags: left out unless
        ``include_empty``); ``active_only`` leaves out retired tags and categories."""
        out = []
        for c in self.categories:
            if active_only and not c.active:
                continue
            tags = [t for t in self.tags if t.category == c.slug and (t.active or not active_only)]
            if tags or include_empty:
                out.append((c, tags))
        return out


def current_version(session: Session) -> int:
    """The taxonomy's version: one primary-key read (0 when never seeded)."""
    return int(session.scalar(select(TaxonomyVersion.version).where(TaxonomyVersion.id == 1)) or 0)


def load_taxonomy(session: Session) -> Taxonomy:
    """The whole vocabulary, retired entries included, in display order."""
    version = current_version(session)
    categories = session.scalars(
        select(TaxonomyCategory).order_by(TaxonomyCategory.sort_order, TaxonomyCategory.slug)
    ).all()
    rows = session.execute(
        select(InterestTag, TaxonomyCategory.slug)
        .join(TaxonomyCategory, InterestTag.category_id == TaxonomyCategory.id)
        .order_by(TaxonomyCategory.sort_order, InterestTag.sort_order, InterestTag.slug)
    ).all()
    return Taxonomy(
        version=version,
        categories=tuple(
            Category(c.slug, dict(c.names), c.active, c.sort_order) for c in categories
        ),
        tags=tuple(Tag(t.slug, cat, dict(t.names), t.active, t.sort_order) for t, cat in rows),
    )


def _bump(session: Session) -> None:
    session.flush()
    done = session.execute(
        update(TaxonomyVersion)
        .where(TaxonomyVersion.id == VERSION_ROW)
        .values(version=TaxonomyVersion.version + 1, changed_at=utcnow())
    )
    if not done.rowcount:  # type: ignore[attr-defined]
        session.add(TaxonomyVersion(id=VERSION_ROW, version=1, changed_at=utcnow()))
    session.flush()


def _check_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not SLUG_RE.match(slug):
        raise InvalidInput(
            "Not a valid slug.",
            {"slug": ["1–40 lower-case letters, digits and '-', starting with a letter or digit."]},
        )
    return slug


def _check_names(names: dict[str, str]) -> dict[str, str]:
    clean = {str(k).strip().lower(): str(v).strip() for k, v in names.items() if str(v).strip()}
    if not clean.get(DEFAULT_LANGUAGE):
        raise InvalidInput(
            "A display name is needed.", {"names": ["Give at least an English name."]}
        )
    if any(
        len(v) > 80 or not re.match(r"^[a-z]{2,3}(-[a-z0-9]{2,8})?$", k) for k, v in clean.items()
    ):
        raise InvalidInput(
            "Invalid display names.",
            {
                "names": [
                    "Languages are codes like en, de or zh-hant; names are at most 80 characters."
                ]
            },
        )
    return clean


def _category(session: Session, slug: str) -> TaxonomyCategory:
    row = session.scalar(select(TaxonomyCategory).where(TaxonomyCategory.slug == slug))
    if row is None:
        raise NotFound(f"No category {slug!r}.", {"category": [f"No category {slug!r}."]})
    return row


def _tag(session: Session, slug: str) -> InterestTag:
    row = session.scalar(select(InterestTag).where(InterestTag.slug == slug))
    if row is None:
        raise NotFound(f"No interest tag {slug!r}.", {"slug": [f"No interest tag {slug!r}."]})
    return row


def _next_order(session: Session, model: type[InterestTag] | type[TaxonomyCategory]) -> int:
    return int(session.scalar(select(func.max(model.sort_order))) or 0) + 10


def add_category(
    session: Session, slug: str, names: dict[str, str], *, sort_order: int | None = None
) -> TaxonomyCategory:
    """Add a category (usable at once by campaigns and creators' opt-in)."""
    slug, names = _check_slug(slug), _check_names(names)
    if session.scalar(select(TaxonomyCategory.id).where(TaxonomyCategory.slug == slug)):
        raise Conflict(f"The category {slug!r} exists already.", {"slug": ["Already exists."]})
    row = TaxonomyCategory(
        slug=slug,
        names=names,
        active=True,
        sort_order=_next_order(session, TaxonomyCategory) if sort_order is None else sort_order,
    )
    session.add(row)
    _bump(session)
    return row


def add_tag(
    session: Session,
    slug: str,
    category: str,
    names: dict[str, str],
    *,
    sort_order: int | None = None,
) -> InterestTag:
    """Add an interest tag under ``category`` (usable at once in profiles and targets)."""
    slug, names = _check_slug(slug), _check_names(names)
    parent = _category(session, (category or "").strip().lower())
    if session.scalar(select(InterestTag.id).where(InterestTag.slug == slug)):
        raise Conflict(f"The interest tag {slug!r} exists already.", {"slug": ["Already exists."]})
    row = InterestTag(
        slug=slug,
        category_id=parent.id,
        names=names,
        active=True,
        sort_order=_next_order(session, InterestTag) if sort_order is None else sort_order,
    )
    session.add(row)
    _bump(session)
    return row


def set_tag_active(session: Session, slug: str, active: bool) -> InterestTag:
    """Retire (``active=False``) or restore a tag; stored profiles keep it either way."""
    row = _tag(session, slug)
    if row.active != active:
        row.active = active
        row.retired_at = None if active else utcnow()
        _bump(session)
    return row


def set_category_active(session: Session, slug: str, active: bool) -> TaxonomyCategory:
    """Retire or restore a category; campaigns and creators that have it keep it."""
    row = _category(session, slug)
    if row.active != active:
        row.active = active
        row.retired_at = None if active else utcnow()
        _bump(session)
    return row


def seed_default_taxonomy(session: Session) -> int:
    """Add the default categories and tags that are missing (never changes existing ones);
    returns how many rows were added. Safe to run any number of times."""
    have_cats = {
        slug: cid
        for cid, slug in session.execute(select(TaxonomyCategory.id, TaxonomyCategory.slug))
    }
    have_tags = set(session.scalars(select(InterestTag.slug)))
    added = 0
    for n, (slug, names) in enumerate(seed.CATEGORIES.items()):
        if slug not in have_cats:
            row = TaxonomyCategory(slug=slug, names=names, sort_order=(n + 1) * 10, active=True)
            session.add(row)
            session.flush()
            have_cats[slug] = row.id
            added += 1
    for n, (slug, (category, names)) in enumerate(seed.TAGS.items()):
        if slug not in have_tags:
            session.add(
                InterestTag(
                    slug=slug,
                    category_id=have_cats[category],
                    names=names,
                    sort_order=(n + 1) * 10,
                    active=True,
                )
            )
            added += 1
    if added or current_version(session) == 0:
        _bump(session)
    return added
