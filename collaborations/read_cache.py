"""The creator's two hot reads as last written, sent again while nothing they show changed.

A creator's app asks for its profile and its inbox far more often than either changes. Each
response body is kept under a key of everything that decides its bytes:

- the creator and their read version (``creator_read_versions``, raised by database triggers
  in the same transaction as every write to the creator's row, account email, offers, turns
  and sponsorships, and the campaign and brand columns the inbox shows);
- the inbox: the next moment one of the creator's open offers expires (an offer past it reads
  as expired without any write), the count of offers they ever received (the page's total),
  and the query;
- the profile: the current minute. Its figures also move with the clock (replies due after
  48 h, offers expiring, the week, the sponsored-share window, the opt-in's last day), so they
  may lag the clock by up to ``PROFILE_CLOCK_S``; anything written shows at once.

The version is read in one statement and the body in a later one, so a body is never older
than its key; the next write moves the version and the next reader misses. Each process keeps
its own least-recently-used set (a few MB); nothing is shared, so nothing needs invalidating
across processes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable
from datetime import datetime

from collaborations.creator_reads import Caller
from collaborations.models import OfferStatus

EXTENSION = "dandelion.read_bodies"  # the app's BodyCache, in app.extensions
# How far the profile's clock-driven figures may lag the clock.
PROFILE_CLOCK_S = 60

Key = tuple[Hashable, ...]


def inbox_key(caller: Caller, *, status: OfferStatus | None, page: int, page_size: int) -> Key:
    """What decides the bytes of one page of ``caller``'s inbox (see the module)."""
    expiry: datetime | None = caller.next_expiry
    return (
        "inbox",
        caller.creator_id,
        caller.read_version,
        expiry.timestamp() if expiry is not None else None,
        caller.offers_received,
        status,
        page,
        page_size,
    )


def profile_key(caller: Caller, now: datetime) -> Key:
    """What decides the bytes of ``caller``'s profile as of ``now`` (see the module)."""
    return (
        "profile",
        caller.creator_id,
        caller.read_version,
        int(now.timestamp()) // PROFILE_CLOCK_S,
    )


class BodyCache:
    """A bounded, thread-safe map from keys to response bodies, least recently used out."""

    def __init__(self, max_bodies: int) -> None:
        self.max_bodies = (
            max_bodies  # READ_CACHE_MAX_BODIES: ~32 KB per inbox page, ~1 KB a profile
        )
        self._bodies: OrderedDict[Key, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> bytes | None:
        with self._lock:
            body = self._bodies.get(key)
            if body is not None:
                self._bodies.move_to_end(key)
            return body

    def put(self, key: Key, body: bytes) -> None:
        with self._lock:
            self._bodies[key] = body
            self._bodies.move_to_end(key)
            while len(self._bodies) > self.max_bodies:
                self._bodies.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._bodies.clear()

    def __len__(self) -> int:
        return len(self._bodies)
