"""The dashboard's pages, one module per area; importing this registers them on ``bp``."""

from dashboard.views import (
    auth,
    campaigns,
    creators,
    discovery,
    disputes,
    layout,
    matches,
    negotiation,
    open_calls,
    operators,
    reports,
    sponsorships,
    taxonomy,
)

__all__ = [
    "auth",
    "campaigns",
    "creators",
    "discovery",
    "disputes",
    "layout",
    "matches",
    "negotiation",
    "open_calls",
    "operators",
    "reports",
    "sponsorships",
    "taxonomy",
]
