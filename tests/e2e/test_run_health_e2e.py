"""End to end: an operator starts the week's run from the dashboard in Chromium and reads its
health figures (fair exposure on by default); screenshots at laptop and phone widths in
``test-artifacts/screenshots/health-*``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser import CHROMIUM, HAVE_CHROMIUM, PHONE, Shots, fits_the_width, new_page
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, log_in, make_operator
from tests.test_match_run_health import seed_star_market

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api").expect


def test_operator_reads_the_run_health_in_a_browser(
    live_server: str, browser: Any, served_app: Any
) -> None:
    seed_star_market(served_app)
    make_operator(served_app)
    shot = Shots("health-")
    page = new_page(browser)
    log_in(page, live_server, OPERATOR_EMAIL)
    expect(page).to_have_url(re.compile(r"/dashboard/operator/runs$"))
    page.get_by_role("button", name="Start the match run").click()
    expect(page).to_have_url(re.compile(r"/dashboard/operator/runs/\d+$"))
    expect(page.locator(".title-row .status")).to_have_text("succeeded")
    health = page.locator("section[aria-labelledby=health-title]")
    expect(health).to_contain_text("3 of 4 (75.0 %)")
    expect(health).to_contain_text("on, cap 1.0 %")
    shot(page, "run-laptop")
    page.set_viewport_size(PHONE)
    assert fits_the_width(page)  # nothing sticks out sideways on a phone
    shot(page, "run-phone")
    page.context.close()
