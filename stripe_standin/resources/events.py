"""The event log: ``GET /v1/events`` and ``GET /v1/events/{id}``."""

from __future__ import annotations

import fnmatch
from typing import Any

from ..state import Request, State


def list_events(state: State, req: Request) -> dict[str, Any]:
    p = req.params
    p.allow("limit", "starting_after", "ending_before", "created", "type", "types",
            "delivery_success")  # fmt: skip
    patterns = [str(t) for t in p.list("types")]
    single = p.str("type")
    if single:
        patterns.append(single)
    items = [
        e
        for e in state.all("event")
        if not patterns or any(fnmatch.fnmatchcase(e["type"], pat) for pat in patterns)
    ]
    return state.paginate(items, p, "/v1/events")


def retrieve_event(state: State, req: Request) -> dict[str, Any]:
    req.params.allow()
    return state.get(req.path_args["id"], "event")
