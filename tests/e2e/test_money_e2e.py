"""End to end, in a real Chromium: the campaign form shows every problem at once (a summary
at the top linked to the fields, each message beside its field, what was typed kept), reads
the budget as the browser's locale writes it, and the campaign and an operator's run page
speak in dates, names and money as people write them.

Screenshots at 1280 and 390 wide: test-artifacts/screenshots/money-*.png.
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
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, fill_interest, make_operator

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")
from playwright.sync_api import expect  # noqa: E402


def _context(browser: Any, locale: str) -> Any:
    context = browser.new_context(viewport=LAPTOP, locale=locale)
    context.set_default_timeout(TIMEOUT_MS)
    return context


def _sign_up(page: Any, base: str, email: str) -> None:
    page.goto(base + "/dashboard/signup")
    page.get_by_label("Brand name").fill("Lumen Skin")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my brand account").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns$"))


def _both_widths(page: Any, shot: Shots, name: str) -> None:
    page.set_viewport_size(LAPTOP)
    shot(page, f"{name}-1280")
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], name
    shot(page, f"{name}-390")
    page.set_viewport_size(LAPTOP)


def test_every_error_at_once_then_a_german_budget(
    live_server: str, browser: Any, served_app: Any
) -> None:
    base, shot = live_server, Shots("money-")
    errors: list[str] = []
    context = _context(browser, "en-US")
    page = context.new_page()
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    _sign_up(page, base, "lumen-us@example.com")
    page.goto(base + "/dashboard/campaigns/new")
    # Five things wrong at once; the first submit must say all of them.
    page.get_by_label("Brief").fill("Show our serum in your evening routine, in your own words.")
    page.get_by_label("Budget", exact=True).fill("4.500,00")  # German writing, English browser
    page.get_by_label("Creators wanted").fill("2")
    page.get_by_label("Minimum creators").fill("5")
    page.get_by_label("Starts on").fill("2030-01-10")
    page.get_by_label("Ends on").fill("2030-01-01")
    page.get_by_role("button", name="Save draft").click()

    summary = page.get_by_test_id("error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()  # the page lands on what to fix, not scrolled to the top
    items = summary.get_by_role("listitem")
    expect(items).to_have_count(5)
    for label in ("Title", "Budget", "Minimum creators", "Ends on", "Interests"):
        expect(summary.get_by_role("link", name=label, exact=True)).to_be_visible()
    expect(page.locator("#title-error")).to_have_text("This field is required.")
    expect(page.locator("#budget-error")).to_contain_text("write it like 4,500.00")
    expect(page.locator("#min_creators-error")).to_have_text(
        "Cannot be more than “Creators wanted” (2)."
    )
    expect(page.locator("#ends_on-error")).to_have_text(
        "Must be on or after the start date (10 Jan 2030)."
    )
    expect(page.locator("#interests-error")).to_be_visible()
    expect(page.get_by_label("Budget", exact=True)).to_have_value("4.500,00")  # kept
    expect(page.get_by_label("Minimum creators")).to_have_value("5")
    expect(page.get_by_label("Budget", exact=True)).to_have_attribute("aria-invalid", "true")
    _both_widths(page, shot, "form-errors")

    # Fix them all: one more submit saves the draft.
    page.get_by_label("Title").fill("Winter barrier serum")
    page.get_by_label("Budget", exact=True).fill("4,500.00")
    page.get_by_label("Minimum creators").fill("0")
    page.get_by_label("Ends on").fill("2030-02-10")
    fill_interest(page, "Skincare", "3")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns/\d+$"))
    expect(page.get_by_text("€4,500.00").first).to_be_visible()
    context.close()

    # The same text from a German browser is four thousand five hundred euros.
    context = _context(browser, "de-DE")
    page = context.new_page()
    _sign_up(page, base, "lumen-de@example.com")
    page.goto(base + "/dashboard/campaigns/new")
    expect(page.get_by_text("Written as in German (Germany), e.g. 4.500,00.")).to_be_visible()
    page.get_by_label("Title").fill("Winterserum")
    page.get_by_label("Brief").fill("Zeigt unser Serum in eurer Abendroutine, in euren Worten.")
    page.get_by_label("Budget", exact=True).fill("4.500,00")
    fill_interest(page, "Skincare", "1")
    _both_widths(page, shot, "form")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns/\d+$"))
    expect(page.get_by_text("4.500,00\xa0€").first).to_be_visible()
    _both_widths(page, shot, "campaign")
    assert errors == []
    context.close()


def test_an_operator_run_page_names_campaigns_and_weeks(
    live_server: str, browser: Any, served_app: Any
) -> None:
    base, shot = live_server, Shots("money-run-")
    context = _context(browser, "en-GB")
    page = context.new_page()
    _sign_up(page, base, "lumen@example.com")
    page.goto(base + "/dashboard/campaigns/new")
    page.get_by_label("Title").fill("Winter barrier serum")
    page.get_by_label("Brief").fill("Show our serum in your evening routine, in your own words.")
    page.get_by_label("Category").select_option("skincare")
    page.get_by_label("Budget", exact=True).fill("5,000")
    fill_interest(page, "Skincare", "1")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns/\d+$"))
    campaign_url = page.url
    page.get_by_role("link", name="Fund…").click()
    page.get_by_role("button", name="Yes, fund").click()
    page.wait_for_url(campaign_url)
    page.get_by_role("link", name="Publish…").click()
    page.get_by_role("button", name="Yes, publish").click()
    page.wait_for_url(campaign_url)
    for n in range(2):
        open_creator(base, 70 + n)
    context.close()

    make_operator(served_app)
    context = _context(browser, "en-GB")
    page = context.new_page()
    page.goto(base + "/dashboard/login")
    page.get_by_label("Email").fill(OPERATOR_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(re.compile(r"/dashboard/operator/runs$"))
    expect(
        page.get_by_text(re.compile(r"This week is \d{4}-W\d\d \(week of \d+ \w{3}"))
    ).to_be_visible()
    page.get_by_role("button", name="Start the match run").click()
    page.wait_for_url(re.compile(r"/dashboard/operator/runs/\d+$"))
    page.wait_for_function(
        "document.querySelector('.title-row .status').textContent.trim() === 'succeeded'"
    )
    expect(page.get_by_role("heading", level=1)).to_contain_text("Match run, week of ")
    expect(page.get_by_text("Engaged target audience offered")).to_be_visible()
    expect(page.get_by_text("Objective", exact=True)).to_have_count(0)
    expect(page.locator(".kpis").first).to_contain_text(re.compile(r"offered\s*[1-9][\d,]* people"))
    expect(
        page.get_by_role("rowheader", name="“Winter barrier serum” (Lumen Skin)")
    ).to_be_visible()
    _both_widths(page, shot, "run")
    context.close()
