"""End to end, in a real Chromium under the site's CSP: the trend page with history written
by the snapshot job (rising and falling tags, a suppressed demand side), the campaign report's
fee, forecast labels and downloads, and a printable receipt. Screenshots at 1280 and 390."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

import trends.jobs
from core.db import utcnow
from tests.e2e.browser import CHROMIUM, HAVE_CHROMIUM, LAPTOP, PHONE, Shots, open_creator
from tests.e2e.dashboard_helpers import publish_first_campaign, watched_page
from tests.factories import AUDIENCE

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def _snapshot(app: Any, monkeypatch: Any, when: Any) -> None:
    monkeypatch.setattr(trends.jobs, "utcnow", lambda: when)
    with app.app_context():
        assert trends.jobs.snapshot_trends_job() > 0
    monkeypatch.undo()


def test_trend_page_report_and_receipt(
    live_server: str, browser: Any, served_app: Any, monkeypatch: Any
) -> None:
    base = live_server
    creators = [open_creator(base, 60 + n, followers=10_000 + 500 * n) for n in range(12)]
    now = utcnow()
    _snapshot(served_app, monkeypatch, now - timedelta(weeks=3))
    _snapshot(served_app, monkeypatch, now - timedelta(weeks=2))
    moved = {**AUDIENCE, "interests": {"skincare": 0.3, "makeup": 0.5, "wellness": 0.2}}
    for creator in creators[:10]:  # most audiences move from skincare to makeup and wellness
        creator.ok("PATCH", "/api/v1/creators/me", {"audience": moved})
    _snapshot(served_app, monkeypatch, now - timedelta(weeks=1))

    page, errors = watched_page(browser)
    campaign_url = publish_first_campaign(page, base, "trends-e2e@example.com")
    shots = Shots(prefix="trends-")

    page.get_by_role("link", name="Trends").click()
    expect(page.get_by_role("heading", name="Audience trends")).to_be_visible()
    page.get_by_label("Category").select_option("skincare")
    page.get_by_label("Weeks").select_option("4")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"/dashboard/trends\?category=skincare&weeks=4$"))
    moves = page.get_by_test_id("trend-moves")
    expect(moves.locator("li", has_text="Makeup")).to_contain_text("▲")
    expect(moves.locator("li", has_text="Skincare")).to_contain_text("▼")
    audience = page.get_by_test_id("trend-audience")
    chart = audience.locator("svg.chart.trend")
    expect(chart).to_be_visible()
    expect(chart.locator("polyline")).to_have_count(3)  # makeup, skincare, wellness
    # one campaign is below the 10-campaign floor: the demand side says so, no figure
    expect(page.get_by_test_id("trend-demand-empty")).to_contain_text("Not enough data yet")
    audience.get_by_text("Show the numbers").click()
    expect(audience.locator("tbody tr", has_text="wellness")).to_contain_text("—")
    shots(page, "trends-1280")
    page.set_viewport_size(PHONE)
    expect(audience.locator(".trend-legend li", has_text="makeup")).to_be_in_viewport()
    shots(page, "trends-390")
    page.set_viewport_size(LAPTOP)

    page.goto(campaign_url + "/report")
    expect(page.get_by_test_id("fee-charged")).to_have_text("€500.00")
    expect(page.locator(".forecast-label").first).to_be_visible()
    expect(page.get_by_test_id("export-offers")).to_have_attribute(
        "href", re.compile(r"/exports/offers\.csv$")
    )
    with page.expect_download() as download:
        page.get_by_test_id("export-ledger").click()
    assert download.value.suggested_filename.endswith("-ledger.csv")
    shots(page, "report-1280")
    page.set_viewport_size(PHONE)
    shots(page, "report-390")
    page.set_viewport_size(LAPTOP)

    page.get_by_test_id("receipt-funding").click()
    receipt = page.get_by_test_id("receipt")
    expect(receipt.get_by_role("heading", name="Payment receipt")).to_be_visible()
    expect(page.get_by_test_id("receipt-brand")).to_have_text("Lumen Skin")
    expect(page.get_by_test_id("receipt-total")).to_have_text("€5,500.00")
    shots(page, "receipt-1280")
    page.set_viewport_size(PHONE)
    shots(page, "receipt-390")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()  # the print CSS
    expect(page.get_by_role("button", name="Print this receipt")).to_be_hidden()
    assert errors == []  # no script errors and no CSP violations
