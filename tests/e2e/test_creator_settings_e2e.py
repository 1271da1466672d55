"""End to end in Chromium: a creator on their phone (390×844) reaches Settings from their
notifications, keeps new offers in the app, adds a webhook endpoint and copies its secret; the
same page at 1280 wide. Screenshots go to test-artifacts/screenshots/creator-settings-*.png."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser import (
    CHROMIUM,
    HAVE_CHROMIUM,
    LAPTOP,
    PHONE,
    Shots,
    fits_the_width,
    new_page,
    open_creator,
)
from tests.e2e.dashboard_helpers import log_in, watched_page

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api").expect


def test_a_creator_sets_channels_and_a_webhook_on_the_phone(live_server: str, browser: Any) -> None:
    base = live_server
    creator = open_creator(base, 1)
    shot = Shots(prefix="creator-settings-")
    page, errors = watched_page(browser, PHONE)
    log_in(page, base, "e2e-creator1@example.com")

    page.goto(base + "/dashboard/me/notifications")
    page.get_by_role("link", name=re.compile("Settings")).click()
    page.wait_for_url(re.compile(r"/dashboard/me/settings$"))
    assert fits_the_width(page)
    shot(page, "phone")

    page.get_by_role("combobox", name="A new offer or invitation").select_option("app")
    page.get_by_role("button", name="Save notification settings").click()
    expect(page.get_by_text("Notification settings saved.")).to_be_visible()
    status, prefs = creator.call("GET", "/api/v1/notification-preferences")
    assert status == 200 and prefs["channels"]["offers.new"] == "app"

    page.get_by_label("Endpoint URL").fill("https://hooks.example.com/dandelion")
    page.get_by_role("checkbox", name="A new offer or invitation").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text(re.compile(r"shown only now: whsec_"))).to_be_visible()
    expect(page.get_by_test_id("endpoint")).to_contain_text("hooks.example.com/dandelion")
    shot(page, "phone-endpoint")
    assert fits_the_width(page)

    wide = new_page(browser, LAPTOP, storage_state=page.context.storage_state())
    wide.goto(base + "/dashboard/me/settings")
    expect(wide.locator("h1")).to_have_text("Notification settings")
    assert fits_the_width(wide)
    shot(wide, "wide")
    assert errors == [], errors
