"""In a real Chromium: an operator adds an interest on the taxonomy page, and a brand finds it
at once on the campaign form with the search, targets countries, and saves the campaign.
Screenshots at laptop and phone width (tests/e2e/browser.py ``SHOTS``)."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.browser import CHROMIUM, HAVE_CHROMIUM, LAPTOP, PHONE, SHOTS, Shots
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, make_operator, watched_page

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")


def _screen(page: Any, name: str, selector: str) -> None:
    """What one screen shows around ``selector`` (the full-page shots are very tall)."""
    page.locator(selector).first.scroll_into_view_if_needed()
    page.screenshot(path=str(SHOTS / f"taxonomy-screen-{name}.png"))


def _no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"{width}px wide"


def test_an_interest_added_by_an_operator_is_on_the_brands_form_at_once(
    live_server: str, browser: Any, served_app: Any
) -> None:
    base = live_server
    shot = Shots(prefix="taxonomy-")
    make_operator(served_app)
    ops, errors = watched_page(browser)
    ops.goto(base + "/dashboard/login")
    ops.get_by_label("Email").fill(OPERATOR_EMAIL)
    ops.get_by_label("Password").fill(PASSWORD)
    ops.get_by_role("button", name="Log in").click()
    ops.goto(base + "/dashboard/operator/taxonomy")
    ops.get_by_label("Name (English)").first.fill("Cold brew")
    ops.get_by_label("Slug").first.fill("cold-brew")
    ops.locator("#tag-category").select_option("food")
    ops.get_by_role("button", name="Add interest").click()
    assert "Interest cold-brew added" in ops.locator(".flash").first.inner_text()
    ops.get_by_role("button", name="Retire Cold brew").click()
    assert ops.locator("#cat-food li.retired", has_text="Cold brew").count() == 1
    ops.get_by_role("button", name="Restore Cold brew").click()
    shot(ops, "operator-1280")
    _screen(ops, "operator-1280", ".taxonomy-forms")
    _no_sideways_scroll(ops)
    ops.set_viewport_size(PHONE)
    shot(ops, "operator-390")
    _screen(ops, "operator-390", "#cat-food")
    _no_sideways_scroll(ops)

    brand, brand_errors = watched_page(browser)
    brand.goto(base + "/dashboard/signup")
    brand.get_by_label("Brand name").fill("Bean Theory")
    brand.get_by_label("Work email").fill("bean-e2e@example.com")
    brand.get_by_label("Password", exact=True).fill(PASSWORD)
    brand.get_by_label("Repeat the password").fill(PASSWORD)
    brand.get_by_role("button", name="Create my brand account").click()
    brand.wait_for_url(re.compile(r"/dashboard/campaigns$"))
    brand.goto(base + "/dashboard/campaigns/new")
    brand.get_by_label("Title").fill("Cold brew summer")
    brand.get_by_label("Brief").fill("Show our cold brew on a hot afternoon, in your own words.")
    brand.get_by_label("Category").select_option("food")
    brand.get_by_label("Budget", exact=True).fill("5000")
    search = brand.get_by_label("Find an interest")
    search.fill("cold")
    assert brand.get_by_label("Cold brew", exact=True).is_visible()
    assert not brand.get_by_label("Skincare", exact=True).is_visible()
    brand.get_by_label("Cold brew", exact=True).fill("3")
    search.fill("coffee")
    brand.get_by_label("Coffee", exact=True).fill("1")
    search.fill("")
    brand.get_by_label("Countries (optional)").fill("DE, AT, CH")
    shot(brand, "campaign-form-1280")
    _screen(brand, "form-1280", ".interest-search")
    _no_sideways_scroll(brand)
    brand.set_viewport_size(PHONE)
    search.fill("cold")
    shot(brand, "campaign-form-390-search")
    _no_sideways_scroll(brand)
    search.fill("")
    brand.set_viewport_size(LAPTOP)
    brand.get_by_role("button", name="Save draft").click()
    brand.wait_for_url(re.compile(r"/dashboard/campaigns/\d+$"))
    assert errors == [] and brand_errors == []
