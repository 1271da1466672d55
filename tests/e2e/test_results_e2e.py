"""End to end: a brand reads its campaign's report in Chromium after a creator posted metrics,
a person clicked the tracking link and two sales were reported: forecast against actual as a
chart and a table, clicks and conversions per creator, no script errors under the strict CSP;
screenshots at laptop and phone widths in ``test-artifacts/screenshots/results-*``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.browser import CHROMIUM, HAVE_CHROMIUM, PHONE, Shots
from tests.e2e.dashboard_helpers import watched_page
from tests.results_market import seed_results

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def test_brand_reads_forecast_against_actual_in_a_browser(
    live_server: str, browser: Any, served_app: Any, make_creator: Any
) -> None:
    seeded = seed_results(served_app, make_creator)
    market = seeded["market"]
    shot = Shots("results-")
    page, errors = watched_page(browser)
    page.goto(live_server + "/dashboard/login")
    page.get_by_label("Email").fill(market.brand_email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns"))
    page.goto(f"{live_server}/dashboard/campaigns/{market.campaign_id}/report")
    section = page.locator("section[aria-labelledby=fva-heading]")
    assert section.locator("svg[role=img]").count() == 1
    assert page.get_by_test_id("actual-engagements").inner_text() == "580"
    assert page.get_by_test_id("forecast-engaged").inner_text() == "1,200"
    rows = page.get_by_test_id("results-table").locator("tbody tr")
    assert rows.count() == 2
    first = rows.filter(has_text="GLOW10")
    assert first.get_by_test_id("clicks").inner_text() == "1"
    assert first.get_by_test_id("conversions").inner_text() == "2"
    assert "1 implausible snapshot left out" in first.inner_text()
    shot(page, "report-laptop")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "report-phone")
    assert errors == []
    page.context.close()
