"""The dashboard's pages, one module per area; importing this registers them on ``bp``."""

from dashboard.views import (
    auth,
    campaigns,
    creators,
    discovery,
    disputes,
    exports,
    layout,
    matches,
    negotiation,
    open_calls,
    operators,
    reports,
    settings,
    sponsorships,
    taxonomy,
    trends,
)

__all__ = [
    "auth",
    "campaigns",
    "creators",
    "discovery",
    "disputes",
    "exports",
    "layout",
    "matches",
    "negotiation",
    "open_calls",
    "operators",
    "reports",
    "settings",
    "sponsorships",
    "trends",
    "taxonomy",
]
