"""A process's copy of the taxonomy, checked against the database's version on each use.

The check is one primary-key read of ``taxonomy_version``; only when another process (or this
one) has changed the taxonomy is it loaded again. So a tag an operator adds in the CLI is
usable in every web process on their next request, with no message bus and no TTL to wait.
"""

from __future__ import annotations

import hashlib
import json
import threading

from sqlalchemy.orm import Session

from taxonomy.services import Taxonomy, current_version, load_taxonomy


class TaxonomyCache:
    """One per app (``app.extensions["dandelion.taxonomy"]``); safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._taxonomy: Taxonomy | None = None
        self.loads = 0  # how many times the vocabulary was read in full (the benchmark reads it)

    def get(self, session: Session) -> Taxonomy:
        """The current taxonomy: the cached one unless the database's version moved."""
        version = current_version(session)
        cached = self._taxonomy
        if cached is not None and cached.version == version:
            return cached
        with self._lock:
            if self._taxonomy is None or self._taxonomy.version != version:
                self._taxonomy = load_taxonomy(session)
                self.loads += 1
            return self._taxonomy


def etag_of(document: object) -> str:
    """A strong ETag for a JSON document: its content's hash, so equal content, equal tag."""
    raw = json.dumps(document, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(raw).hexdigest()[:32]
