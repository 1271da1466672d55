"""Keep the creator search index (interest shares, accepted categories) in step with profiles.

Discovery filters and ranks creators with indexed queries on ``creator_interest_shares`` and
``creator_categories`` and reads leanings off the demographic columns of ``creators``
(``accounts.audience_columns``); all are derived from ``Creator.audience`` and
``Creator.open_categories`` and rewritten in the same flush whenever either changes, on every
write path (API, dashboard, demo, tests). Migrations 0007 and 0011 backfilled them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from accounts.audience_columns import demographic_shares
from accounts.models import Creator, CreatorCategory, CreatorInterestShare


def interest_shares(audience: dict[str, Any] | None) -> dict[str, float]:
    """The positive interest shares of a profile, by tag."""
    interests = (audience or {}).get("interests") or {}
    return {tag: float(share) for tag, share in interests.items() if share and float(share) > 0}


def _changed(creator: Creator, *names: str) -> bool:
    state = inspect(creator)
    return state.pending or any(state.attrs[n].history.has_changes() for n in names)


def _sync(creator: Creator) -> None:
    if _changed(creator, "audience"):
        for column, share in demographic_shares(creator.audience).items():
            if getattr(creator, column) != share:
                setattr(creator, column, share)
        wanted = interest_shares(creator.audience)
        rows = {row.tag: row for row in creator.interest_index}
        for tag, row in rows.items():
            if tag not in wanted:
                creator.interest_index.remove(row)
            elif row.share != wanted[tag]:
                row.share = wanted[tag]
        for tag, share in wanted.items():
            if tag not in rows:
                creator.interest_index.append(CreatorInterestShare(tag=tag, share=share))
    if _changed(creator, "open_categories"):
        wanted_categories = set(creator.open_categories or ())
        have = {row.category: row for row in creator.category_index}
        for category, row in have.items():
            if category not in wanted_categories:
                creator.category_index.remove(row)
        for category in sorted(wanted_categories - set(have)):
            creator.category_index.append(CreatorCategory(category=category))


@event.listens_for(Session, "before_flush")
def _sync_search_index(session: Session, _context: Any, _instances: Any) -> None:
    for obj in [*session.new, *session.dirty]:
        if isinstance(obj, Creator):
            _sync(obj)
