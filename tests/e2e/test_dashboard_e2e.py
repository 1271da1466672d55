"""End to end: a real Chromium (Debian's ``chromium``, driven by Playwright) against the app
served on localhost by a threaded werkzeug server, one test per journey of a brand, each with
data of its own:

- signing up (from the home page), the skip link, logging out;
- a campaign first entered wrong (messages beside the fields), then right, funded and
  published; a form posted without its CSRF token is refused;
- an operator's match run and the offers it makes, with their explanations;
- reviewing a creator's post and paying for it, the sponsorships and the report;
- the brand's pages at phone width.

Every check after a click is one of Playwright's waiting assertions (``expect``), so a slow
page is waited for rather than read half-loaded. Every page is saved as a screenshot in
``test-artifacts/screenshots/``.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.browser import (
    CHROMIUM,
    HAVE_CHROMIUM,
    PHONE,
    Shots,
    fits_the_width,
    new_page,
    open_creator,
)
from tests.e2e.dashboard_helpers import (
    OPERATOR_EMAIL,
    fill_interest,
    log_in,
    make_operator,
    publish_first_campaign,
    published_campaign_over_api,
    watched_page,
)
from tests.factories import offer_factory

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect


def test_sign_up_from_the_home_page_then_log_out(live_server: str, browser: Any) -> None:
    base = live_server
    shot = Shots("signup-")
    page, errors = watched_page(browser)

    page.goto(base + "/")
    shot(page, "home")
    page.get_by_role("link", name="open the dashboard").click()
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    shot(page, "login")
    page.get_by_role("link", name="Create a brand account").click()
    expect(page).to_have_url(re.compile(r"/dashboard/signup"))
    page.get_by_label("Brand name").fill("Lumen Skin")
    page.get_by_label("Work email").fill("lumen@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    shot(page, "form")
    page.get_by_role("button", name="Create my brand account").click()
    expect(page).to_have_url(re.compile(r"/dashboard/campaigns$"))
    expect(page.get_by_text("Welcome to Dandelion, Lumen Skin")).to_be_visible()
    expect(page.get_by_role("link", name="Create your first campaign")).to_be_visible()
    shot(page, "campaigns-empty")

    # Keyboard: the skip link is the first stop and leads to the content.
    page.keyboard.press("Tab")
    expect(page.get_by_role("link", name="Skip to the content")).to_be_focused()

    page.get_by_role("button", name="Log out").click()
    expect(page).to_have_url(re.compile(r"/dashboard/login$"))
    expect(page.get_by_text("You are logged out.")).to_be_visible()
    page.goto(base + "/dashboard/campaigns")  # the session is gone: back to the login page
    expect(page).to_have_url(re.compile(r"/dashboard/login"))
    assert not errors, errors
    page.context.close()


def test_a_campaign_entered_wrong_then_right_funded_and_published(
    live_server: str, browser: Any
) -> None:
    base = live_server
    shot = Shots("campaign-")
    page, errors = watched_page(browser)
    # Pages this test posts wrong on purpose answer 422 (invalid form) and 400 (no CSRF token).
    expected = ("status of 422", "status of 400")

    page.goto(base + "/dashboard/signup")
    page.get_by_label("Brand name").fill("Lumen Skin")
    page.get_by_label("Work email").fill("lumen-campaign@example.com")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my brand account").click()
    page.get_by_role("link", name="Create your first campaign").click()

    # First with mistakes: a title too short and city tiers that add up to 110 %.
    page.get_by_label("Title").fill("ab")
    page.get_by_label("Brief").fill("Show our serum in your evening routine, in your own words.")
    page.get_by_label("Category").select_option("skincare")
    page.get_by_label("Budget", exact=True).fill("5000")
    fill_interest(page, "Skincare", "3")
    fill_interest(page, "Makeup", "1")
    page.get_by_label("Tier 3").fill("10")
    expect(page.locator('[data-part="percent"] .total').first).to_contain_text("make it 100")
    page.get_by_role("button", name="Save draft").click()
    expect(page.locator("#title-error")).to_have_text(
        re.compile(r"Length must be between 3 and 140\.$")
    )
    expect(page.locator("#city_tiers-error")).to_contain_text("make them add up to 100 %")
    expect(page).not_to_have_url(re.compile(r"/dashboard/campaigns/\d+$"))  # nothing saved
    shot(page, "form-errors")

    # Then right; the gender slider says what it means.
    page.get_by_label("Title").fill("Winter barrier serum")
    page.get_by_label("Tier 3").fill("25")
    page.get_by_label("Women in the audience (%)").fill("70")
    expect(page.locator("[data-gender] output")).to_have_text("70 % women · 30 % men")
    shot(page, "form")
    page.get_by_role("button", name="Save draft").click()
    expect(page).to_have_url(re.compile(r"/dashboard/campaigns/\d+$"))
    campaign_url = page.url
    campaign_id = int(campaign_url.rsplit("/", 1)[1])
    expect(page.locator(".title-row .status")).to_have_text(re.compile("draft", re.I))
    shot(page, "draft")

    # Fund and publish, each with its confirmation page.
    page.get_by_role("link", name="Fund…").click()
    expect(page.get_by_text("€5,500.00")).to_be_visible()
    shot(page, "confirm-fund")
    page.get_by_role("button", name="Yes, fund").click()
    expect(page).to_have_url(campaign_url)
    expect(page.get_by_text("Funded: €5,500.00 received")).to_be_visible()
    page.get_by_role("link", name="Publish…").click()
    expect(page).to_have_url(re.compile(r"/publish$"))
    shot(page, "confirm-publish")
    page.get_by_role("button", name="Yes, publish").click()
    expect(page).to_have_url(campaign_url)
    expect(page.locator(".title-row .status")).to_have_text(re.compile("^published$", re.I))
    shot(page, "published")
    tabs = page.get_by_role("navigation", name="Campaign sections")
    tabs.get_by_role("link", name="Matches").click()
    expect(page.get_by_text("The weekly matching runs every Monday")).to_be_visible()
    shot(page, "matches-empty")
    page.goto(base + "/dashboard/campaigns")
    expect(page.locator(".campaign-card meter")).to_have_count(1)
    shot(page, "campaigns")

    # A form posted without its CSRF token is refused (the token input removed in the page).
    page.goto(f"{base}/dashboard/campaigns/{campaign_id}/complete")
    page.eval_on_selector("form[data-confirm-form] input[name=csrf_token]", "el => el.remove()")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.get_by_role("button", name="Yes, complete").click()
    assert posted.value.status == 400
    expect(page.get_by_role("heading", name="This form could not be accepted")).to_be_visible()
    shot(page, "csrf-refused")
    refused = page.request.post(
        f"{base}/dashboard/campaigns/{campaign_id}/cancel", form={"submit": "Confirm"}
    )
    assert refused.status == 400
    page.goto(campaign_url)
    expect(page.locator(".title-row .status")).to_have_text(re.compile("^published$", re.I))
    assert not [e for e in errors if not any(x in e for x in expected)], errors
    page.context.close()


def test_an_operator_runs_the_match_and_the_brand_reads_the_offers(
    live_server: str, browser: Any, served_app: Any
) -> None:
    base = live_server
    shot = Shots("matches-")
    page, errors = watched_page(browser)
    campaign_url = publish_first_campaign(page, base, "lumen-matches@example.com")
    # Supply: three open creators; the third's rate is more than the budget.
    open_creator(base, 1, followers=12_000)
    open_creator(base, 2, followers=30_000, rate={"amount": 90_000, "currency": "EUR"})
    priced_out = open_creator(base, 3, followers=8_000, rate={"amount": 480_000, "currency": "EUR"})

    make_operator(served_app)
    ops = new_page(browser)
    log_in(ops, base, OPERATOR_EMAIL)
    expect(ops).to_have_url(re.compile(r"/dashboard/operator/runs$"))
    shot(ops, "operator-runs-empty")
    ops.get_by_role("button", name="Start the match run").click()
    expect(ops).to_have_url(re.compile(r"/dashboard/operator/runs/\d+$"))
    expect(ops.locator(".title-row .status")).to_have_text("succeeded")
    shot(ops, "operator-run")
    ops.get_by_role("link", name="Match runs").first.click()
    expect(ops.locator("table.runs .status").first).to_have_text(re.compile("succeeded", re.I))
    shot(ops, "operator-runs")

    # The brand sees the two affordable creators' offers, each explained, awaiting a reply.
    page.goto(campaign_url + "/matches")
    offers = page.locator(".offer")
    expect(offers).to_have_count(2)
    assert sorted(offers.locator("h3 a").all_inner_texts()) == ["@glowing_1", "@glowing_2"]
    for k in range(2):
        expect(offers.nth(k).locator(".explanation")).to_contain_text("should reach about")
        expect(offers.nth(k).locator(".status")).to_have_text(re.compile("awaiting reply", re.I))
    assert priced_out.ok("GET", "/api/v1/creators/me/offers")["total"] == 0
    shot(page, "brand-matches")
    assert not errors, errors
    ops.context.close()
    page.context.close()


def _delivered_post(base: str, served_app: Any, email: str) -> tuple[int, int, int]:
    """A brand's published campaign and a creator's accepted offer with a labelled post
    handed in over the API: (campaign id, sponsorship id, price)."""
    _, campaign = published_campaign_over_api(base, email)
    creator = open_creator(base, 1, followers=12_000)
    session = served_app.extensions["dandelion.db"].session_factory()
    try:
        me = creator.ok("GET", "/api/v1/creators/me")
        offer = offer_factory(session)(campaign, me["id"], price_amount=43_210)
    finally:
        session.close()
    sponsorship = creator.ok("POST", f"/api/v1/offers/{offer.id}/accept")
    creator.ok(
        "POST",
        f"/api/v1/sponsorships/{sponsorship['id']}/deliverable",
        {"url": "https://example.com/glowing_1/serum", "disclosure": True},
    )
    return campaign["id"], sponsorship["id"], sponsorship["price"]["amount"]


def test_the_brand_reviews_a_post_and_pays_for_it(
    live_server: str, browser: Any, served_app: Any
) -> None:
    base = live_server
    shot = Shots("pay-")
    email = "lumen-pay@example.com"
    campaign_id, _, price = _delivered_post(base, served_app, email)
    assert price == 43_210
    amount = "€432.10"
    page, errors = watched_page(browser)
    log_in(page, base, email)

    page.goto(f"{base}/dashboard/campaigns/{campaign_id}/matches")
    expect(page.locator(".offer .status-accepted")).to_have_count(1)
    page.get_by_role("link", name=re.compile(r"^Reviews")).click()
    expect(page.locator('a[href="https://example.com/glowing_1/serum"]')).to_be_visible()
    shot(page, "reviews")
    page.get_by_role("link", name="Approve and pay…").click()
    approve = page.get_by_role("button", name=f"Approve and pay {amount}")
    expect(approve).to_be_visible()
    shot(page, "confirm-approve")
    approve.click()
    expect(page.get_by_text(f"Approved. {amount} is paid to @glowing_1")).to_be_visible()
    shot(page, "reviews-after-approval")

    page.goto(f"{base}/dashboard/campaigns/{campaign_id}/sponsorships")
    expect(page.locator(".paid").first).to_have_text(
        re.compile(rf"^Approved: {re.escape(amount)} paid to @glowing_1")
    )
    shot(page, "sponsorships")

    # The report shows the payout, spend over time and the audience reached.
    page.get_by_role("navigation", name="Campaign sections").get_by_role(
        "link", name="Report"
    ).click()
    expect(page.get_by_test_id("paid")).to_have_text(amount)
    expect(page.get_by_test_id("cost-per-target")).to_have_text(re.compile(r"^€"))
    # spend, four audience parts, and forecast against actual per creator
    expect(page.locator("svg.chart")).to_have_count(6)
    expect(page.locator("svg.chart.fva")).to_have_count(1)
    expect(page.locator("svg.chart:not(.fva)").first).to_contain_text("Paid")
    shot(page, "report")
    assert not errors, errors
    page.context.close()


def test_the_brand_pages_fit_a_phone(live_server: str, browser: Any, served_app: Any) -> None:
    base = live_server
    shot = Shots("phone-")
    email = "lumen-phone@example.com"
    campaign_id, _, _ = _delivered_post(base, served_app, email)
    page, errors = watched_page(browser, PHONE)
    log_in(page, base, email)
    for path, name, ready in (
        ("/dashboard/campaigns", "campaigns", page.locator(".campaign-card")),
        (f"/dashboard/campaigns/{campaign_id}", "campaign", page.locator(".title-row .status")),
        (f"/dashboard/campaigns/{campaign_id}/matches", "matches", page.locator(".offer")),
        ("/dashboard/reviews", "reviews", page.locator(".review").first),
        (f"/dashboard/campaigns/{campaign_id}/report", "report", page.locator("svg.chart").first),
        ("/dashboard/campaigns/new", "campaign-form", page.get_by_label("Title")),
    ):
        page.goto(base + path)
        expect(ready).to_be_visible()
        assert fits_the_width(page), f"{path} scrolls sideways on a phone"
        shot(page, name)
    assert not errors, errors
    page.context.close()
