"""Pagination of SQLAlchemy selects: one helper for every list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")
MAX_PAGE_SIZE = 100


@dataclass
class Page(Generic[T]):
    """One page of results and the total they come from."""

    items: list[T]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def paginate(session: Session, query: Select[Any], page: int, page_size: int) -> Page[Any]:
    """Run ``query`` for one page (1-based) and count its total."""
    page_size = max(1, min(page_size, MAX_PAGE_SIZE))
    page = max(1, page)
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0
    items = list(session.scalars(query.limit(page_size).offset((page - 1) * page_size)))
    return Page(items=items, total=total, page=page, page_size=page_size)
