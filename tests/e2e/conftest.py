"""Browser-test fixtures (defined in :mod:`tests.e2e.browser`)."""

from tests.e2e.browser import browser, live_server, served_app

__all__ = ["browser", "live_server", "served_app"]
