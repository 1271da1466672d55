"""Pages of creators' inboxes as last written, reused while nothing they show has changed.

A creator's app asks for its inbox far more often than the inbox changes. A page is keyed on
everything that decides its bytes: the creator, the inbox's version (``creator_inbox_versions``,
raised by database triggers in the same transaction as every write to the creator's offers,
their turns, and the campaign and brand columns they show), the next moment one of the
creator's open offers expires (the only thing that changes a page without a write: an offer
past it reads as expired), the count of offers the creator ever received (the page's total),
and the query. A key read in one statement and a page read in a later one can only be older
than the page, never newer, so a page kept under a key is never staler than the key says; the
next write moves the version and the next reader misses.

Each process keeps its own least-recently-used set of pages (a few MB); nothing is shared, so
there is nothing to invalidate across processes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime

from collaborations.creator_reads import Caller
from collaborations.models import OfferStatus

# Pages kept per process: ~32 KB for a full page of 20 offers, so at most ~32 MB.
MAX_PAGES = 1024


def page_key(
    caller: Caller, *, status: OfferStatus | None, page: int, page_size: int
) -> tuple[Hashable, ...]:
    """What decides the bytes of one page of ``caller``'s inbox (see the module)."""
    expiry: datetime | None = caller.next_expiry
    return (
        caller.creator_id,
        caller.inbox_version,
        expiry.timestamp() if expiry is not None else None,
        caller.offers_received,
        status,
        page,
        page_size,
    )


class PageCache:
    """A bounded, thread-safe map from page keys to response bodies, least recently used out."""

    def __init__(self, max_pages: int = MAX_PAGES) -> None:
        self._max = max_pages
        self._pages: OrderedDict[tuple[Hashable, ...], bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[Hashable, ...]) -> bytes | None:
        with self._lock:
            body = self._pages.get(key)
            if body is not None:
                self._pages.move_to_end(key)
            return body

    def put(self, key: tuple[Hashable, ...], body: bytes) -> None:
        with self._lock:
            self._pages[key] = body
            self._pages.move_to_end(key)
            while len(self._pages) > self._max:
                self._pages.popitem(last=False)

    def __len__(self) -> int:
        return len(self._pages)
