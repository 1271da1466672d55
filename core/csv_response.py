"""The one HTTP piece of the exports: a CSV streamed from a database session of its own.

The API and the dashboard both serve exports; the request's own session commits before a
streamed body is sent, so the rows are read from a fresh read session closed at the end.
"""

from __future__ import annotations

from collections.abc import Iterator

from flask import Response, stream_with_context

from campaigns.models import Campaign
from core.errors import NotFound
from exports.campaign import EXPORTS, export_lines, filename
from extensions import db


def csv_response(campaign: Campaign, name: str) -> Response:
    """Stream export ``name`` of ``campaign`` (already checked to be the caller's)."""
    export = EXPORTS.get(name)
    if export is None:
        raise NotFound(f"No export named {name!r}; one of {', '.join(EXPORTS)}.")
    factory = db.bound.read_session_factory
    campaign_id = campaign.id

    def lines() -> Iterator[bytes]:
        session = factory()
        try:
            for line in export_lines(session, campaign_id, export):
                yield line.encode("utf-8")
        finally:
            session.close()

    return Response(
        stream_with_context(lines()),
        headers={
            "Content-Type": "text/csv; charset=utf-8",
            "Content-Disposition": f'attachment; filename="{filename(campaign, export)}"',
        },
    )
