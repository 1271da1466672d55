"""End to end: a real Chromium (Debian's ``chromium``, driven by Playwright) against the app
served on localhost by a threaded werkzeug server.

A brand signs up, creates, funds and publishes a campaign; an operator runs the match; the
brand sees offers with explanations; a creator (through the JSON API) accepts and delivers; the
brand approves and the report shows the payout. Every page is saved as a screenshot in
``test-artifacts/screenshots/``, at laptop and phone widths, and a form posted without its CSRF
token is refused.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.browser import (
    CHROMIUM,
    HAVE_CHROMIUM,
    LAPTOP,
    PHONE,
    TIMEOUT_MS,
    Shots,
    open_creator,
)
from tests.e2e.dashboard_helpers import (
    OPERATOR_EMAIL,
    fill_interest,
    make_operator,
    watched_page,
)

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def test_brand_journey_in_a_real_browser(live_server: str, browser: Any, served_app: Any) -> None:
    base = live_server
    shot = Shots()
    page, errors = watched_page(browser)
    brand_context = page.context
    # Pages this test posts wrong on purpose answer 422 (invalid form) and 400 (no CSRF token).
    expected = ("status of 422", "status of 400")

    # The home page links to the dashboard; a brand signs up.
    page.goto(base + "/")
    shot(page, "home")
    page.get_by_role("link", name="open the dashboard").click()
    page.wait_for_url(re.compile(r"/dashboard/login"))
    shot(page, "login")
    page.get_by_role("link", name="Create a brand account").click()
    page.get_by_label("Brand name").fill("Lumen Skin")
    page.get_by_label("Work email").fill("lumen@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    shot(page, "signup")
    page.get_by_role("button", name="Create my brand account").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns$"))
    assert page.get_by_text("Welcome to Dandelion, Lumen Skin").is_visible()
    shot(page, "campaigns-empty")

    # A campaign: first with mistakes (messages beside the fields), then right.
    page.get_by_role("link", name="Create your first campaign").click()
    page.get_by_label("Title").fill("ab")
    page.get_by_label("Brief").fill("Show our serum in your evening routine, in your own words.")
    page.get_by_label("Category").select_option("skincare")
    page.get_by_label("Budget", exact=True).fill("5000")
    fill_interest(page, "Skincare", "3")
    fill_interest(page, "Makeup", "1")
    page.get_by_label("Tier 3").fill("10")
    assert "make it 100" in page.locator('[data-part="percent"] .total').first.inner_text()
    page.get_by_role("button", name="Save draft").click()
    assert page.locator("#title-error").inner_text().endswith("Length must be between 3 and 140.")
    assert "make them add up to 100 %" in page.locator("#city_tiers-error").inner_text()
    shot(page, "campaign-form-errors")
    page.get_by_label("Title").fill("Winter barrier serum")
    page.get_by_label("Tier 3").fill("25")
    page.get_by_label("Women in the audience (%)").fill("70")
    assert page.locator("[data-gender] output").inner_text() == "70 % women · 30 % men"
    shot(page, "campaign-form")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns/\d+$"))
    campaign_url = page.url
    campaign_id = int(campaign_url.rsplit("/", 1)[1])
    shot(page, "campaign-draft")

    # Fund and publish, each with its confirmation page.
    page.get_by_role("link", name="Fund…").click()
    assert page.get_by_text("5,500.00 EUR").is_visible()
    shot(page, "confirm-fund")
    page.get_by_role("button", name="Yes, fund").click()
    page.wait_for_url(campaign_url)
    assert page.get_by_text("Funded: 5,500.00 EUR received").is_visible()
    page.get_by_role("link", name="Publish…").click()
    shot(page, "confirm-publish")
    page.get_by_role("button", name="Yes, publish").click()
    page.wait_for_url(campaign_url)
    assert page.locator(".title-row .status").inner_text().lower() == "published"
    shot(page, "campaign-published")
    tabs = page.get_by_role("navigation", name="Campaign sections")
    tabs.get_by_role("link", name="Matches").click()
    assert page.get_by_text("The weekly matching runs every Monday").is_visible()
    shot(page, "matches-empty")

    # Supply: three open creators over the API; the third's rate is too high for what is left.
    creators = [
        open_creator(base, 1, followers=12_000),
        open_creator(base, 2, followers=30_000, rate={"amount": 90_000, "currency": "EUR"}),
        open_creator(base, 3, followers=8_000, rate={"amount": 480_000, "currency": "EUR"}),
    ]

    # The operator runs this week's match from the dashboard.
    make_operator(served_app)
    ops_context = browser.new_context(viewport=LAPTOP)
    ops_context.set_default_timeout(TIMEOUT_MS)
    ops = ops_context.new_page()
    ops.goto(base + "/dashboard/login")
    ops.get_by_label("Email").fill(OPERATOR_EMAIL)
    ops.get_by_label("Password").fill(PASSWORD)
    ops.get_by_role("button", name="Log in").click()
    ops.wait_for_url(re.compile(r"/dashboard/operator/runs$"))
    shot(ops, "operator-runs-empty")
    ops.get_by_role("button", name="Start the match run").click()
    ops.wait_for_url(re.compile(r"/dashboard/operator/runs/\d+$"))
    ops.wait_for_function(
        "document.querySelector('.title-row .status').textContent.trim() === 'succeeded'"
    )
    shot(ops, "operator-run")
    ops.get_by_role("link", name="Match runs").first.click()
    assert ops.locator("table.runs .status").first.inner_text().lower() == "succeeded"
    shot(ops, "operator-runs")

    # The brand sees the offers with their explanations.
    page.goto(f"{base}/dashboard/campaigns/{campaign_id}/matches")
    offers = page.locator(".offer")
    assert offers.count() >= 2
    assert "should reach about" in offers.first.locator(".explanation").inner_text()
    assert "Awaiting reply" in offers.first.locator(".status").inner_text().capitalize()
    shot(page, "matches")

    # A creator accepts and delivers through the API.
    creator = creators[0]
    offer = creator.ok("GET", "/api/v1/creators/me/offers?status=proposed")["items"][0]
    sponsorship = creator.ok("POST", f"/api/v1/offers/{offer['id']}/accept")
    price = sponsorship["price"]["amount"]
    creator.ok(
        "POST",
        f"/api/v1/sponsorships/{sponsorship['id']}/deliverable",
        {"url": "https://example.com/glowing_1/serum", "disclosure": True},
    )

    # The brand reviews and approves: the creator is paid.
    page.goto(f"{base}/dashboard/campaigns/{campaign_id}/matches")
    assert page.locator(".offer .status-accepted").count() == 1
    page.get_by_role("link", name=re.compile(r"^Reviews")).click()
    assert page.locator('a[href="https://example.com/glowing_1/serum"]').is_visible()
    shot(page, "reviews")
    page.get_by_role("link", name="Approve and pay…").click()
    amount = f"{price / 100:,.2f} EUR"
    assert page.get_by_role("button", name=f"Approve and pay {amount}").is_visible()
    shot(page, "confirm-approve")
    page.get_by_role("button", name=f"Approve and pay {amount}").click()
    assert page.get_by_text(f"Approved. {amount} is paid to @glowing_1").is_visible()
    shot(page, "reviews-after-approval")
    page.goto(f"{base}/dashboard/campaigns/{campaign_id}/sponsorships")
    assert (
        page.locator(".paid")
        .first.inner_text()
        .startswith(f"Approved: {amount} paid to @glowing_1")
    )
    shot(page, "sponsorships")

    # The report shows the payout, spend over time and the audience reached.
    page.get_by_role("navigation", name="Campaign sections").get_by_role(
        "link", name="Report"
    ).click()
    assert page.get_by_test_id("paid").inner_text() == amount
    assert page.get_by_test_id("cost-per-target").inner_text().endswith("EUR")
    assert page.locator("svg.chart").count() == 5  # spend + four audience parts
    assert "Paid" in page.locator("svg.chart").first.inner_html()
    shot(page, "report")
    page.goto(campaign_url)
    shot(page, "campaign-overview")
    page.goto(base + "/dashboard/campaigns")
    assert page.locator(".campaign-card meter").count() == 1
    shot(page, "campaigns")

    # A form posted without its CSRF token is refused (the token input removed in the page).
    page.goto(f"{base}/dashboard/campaigns/{campaign_id}/complete")
    page.eval_on_selector("form[data-confirm-form] input[name=csrf_token]", "el => el.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Yes, complete").click()
    assert posted.value.status == 400
    assert page.get_by_role("heading", name="This form could not be accepted").is_visible()
    shot(page, "csrf-refused")
    refused = page.request.post(
        f"{base}/dashboard/campaigns/{campaign_id}/cancel", form={"submit": "Confirm"}
    )
    assert refused.status == 400
    page.goto(campaign_url)
    assert page.locator(".title-row .status").inner_text().lower() == "published"

    # Phone width: the same pages stay usable.
    phone_context = browser.new_context(viewport=PHONE, storage_state=brand_context.storage_state())
    phone_context.set_default_timeout(TIMEOUT_MS)
    phone = phone_context.new_page()
    for path, name in (
        ("/dashboard/campaigns", "phone-campaigns"),
        (f"/dashboard/campaigns/{campaign_id}", "phone-campaign"),
        (f"/dashboard/campaigns/{campaign_id}/matches", "phone-matches"),
        (f"/dashboard/campaigns/{campaign_id}/report", "phone-report"),
        ("/dashboard/campaigns/new", "phone-campaign-form"),
    ):
        phone.goto(base + path)
        width = phone.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"] + 1, (path, width)  # no sideways scrolling
        shot(phone, name)

    # Keyboard: the skip link is the first stop and leads to the content.
    page.goto(base + "/dashboard/campaigns")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to the content"

    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/dashboard/login$"))
    assert page.get_by_text("You are logged out.").is_visible()
    assert not [e for e in errors if not any(x in e for x in expected)], errors
    assert len(shot.taken) >= 20
    for context in (phone_context, ops_context, brand_context):
        context.close()
