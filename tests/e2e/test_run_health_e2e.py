"""End to end: an operator starts the week's run from the dashboard in Chromium and reads its
health figures (fair exposure on by default); screenshots at laptop and phone widths in
``test-artifacts/screenshots/health-*``."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.browser import CHROMIUM, HAVE_CHROMIUM, LAPTOP, PHONE, TIMEOUT_MS, Shots
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, make_operator
from tests.test_match_run_health import seed_star_market

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def test_operator_reads_the_run_health_in_a_browser(
    live_server: str, browser: Any, served_app: Any
) -> None:
    seed_star_market(served_app)
    make_operator(served_app)
    shot = Shots("health-")
    context = browser.new_context(viewport=LAPTOP)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(live_server + "/dashboard/login")
    page.get_by_label("Email").fill(OPERATOR_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard/operator/runs$"))
    page.get_by_role("button", name="Start the match run").click()
    page.wait_for_url(re.compile(r"/dashboard/operator/runs/\d+$"))
    page.wait_for_function(
        "document.querySelector('.title-row .status').textContent.trim() === 'succeeded'"
    )
    health = page.locator("section[aria-labelledby=health-title]")
    assert "3 of 4 (75.0 %)" in health.inner_text()
    assert "on, cap 1.0 %" in health.inner_text()
    shot(page, "run-laptop")
    page.set_viewport_size(PHONE)
    # nothing sticks out sideways on a phone
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    shot(page, "run-phone")
    context.close()
