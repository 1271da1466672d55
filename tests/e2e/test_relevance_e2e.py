"""End to end, in a real Chromium: a brand publishes a campaign mid-week and offers appear
without any operator, only to creators whose audience is its target; the brand opens a
creator's profile from an offer and withdraws another offer ("Not for this campaign").

Incremental matching is on here (the suite's default app switches it off), as in production.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.e2e.browser import (
    CHROMIUM,
    HAVE_CHROMIUM,
    PHONE,
    Shots,
    fits_the_width,
    new_page,
    open_creator,
)
from tests.e2e.dashboard_helpers import publish_first_campaign, watched_page
from tests.factories import AUDIENCE

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api").expect


@pytest.fixture
def served_app(make_app: Any) -> Any:
    """The app with matching on publish, as deployed."""
    return make_app(MATCH_INCREMENTAL=True)


def test_publish_then_offers_then_profile_then_withdraw(
    live_server: str, browser: Any, served_app: Any
) -> None:
    base = live_server
    shot = Shots(prefix="relevance-")
    # Supply first: two skincare creators and a big gaming creator who ticked skincare too.
    fans = [open_creator(base, 21, followers=15_000), open_creator(base, 22, followers=40_000)]
    gamer = open_creator(
        base, 23, followers=900_000, audience={**AUDIENCE, "interests": {"gaming": 1.0}}
    )

    page, errors = watched_page(browser)
    context = page.context

    campaign_url = publish_first_campaign(
        page, base, "lumen-e2e@example.com", fields={"Tier 3": "25"}
    )
    shot(page, "published")

    # No operator: publishing matched the campaign against this week's market.
    page.goto(campaign_url + "/matches")
    expect(page.locator(".run-summary h2")).to_have_text(
        re.compile(r"^Last match run: instant match")
    )
    offers = page.locator(".offer")
    expect(offers).to_have_count(2)
    handles = offers.locator("h3 a").all_inner_texts()
    assert sorted(handles) == ["@glowing_21", "@glowing_22"]  # not the gaming account
    assert gamer.ok("GET", "/api/v1/creators/me/offers")["total"] == 0
    shot(page, "matches")

    # Look before deciding: the profile of the first offer's creator, with its fit.
    first = offers.first
    handle = first.locator("h3 a").inner_text()
    first.get_by_role("link", name="View profile").click()
    page.wait_for_url(re.compile(r"/dashboard/creators/\d+\?campaign_id=\d+"))
    main = page.locator("main")
    expect(main).to_contain_text(handle)
    expect(main).to_contain_text("Replies within 48 hours")
    expect(main).to_contain_text("New on Dandelion")  # no history yet: said so, not 0 %
    expect(main).to_contain_text("engaged audience is your target audience")
    # the fit to this campaign, above the threshold: a word, a bar and its percentage
    expect(page.get_by_test_id("fit")).to_have_text(re.compile(r"^(strong|good|weak)$"))
    fit = float(page.locator("meter.fit-bar").first.get_attribute("value"))
    assert 0.25 <= fit <= 1.0
    shot(page, "profile")

    # Not for this campaign: withdraw that offer.
    page.go_back()
    expect(page).to_have_url(re.compile(r"/matches$"))
    page.locator(".offer", has_text=handle).get_by_role(
        "link", name="Not for this campaign"
    ).click()
    expect(page.get_by_role("button", name="Withdraw the offer")).to_be_visible()
    shot(page, "confirm-withdraw")
    page.get_by_role("button", name="Withdraw the offer").click()
    page.wait_for_url(re.compile(r"/matches"))
    expect(page.get_by_text(re.compile(rf"Withdrawn: {handle}"))).to_be_visible()
    withdrawn = page.locator(".offer", has_text=handle)
    expect(withdrawn.locator(".status")).to_contain_text("withdrawn", ignore_case=True)
    shot(page, "after-withdraw")

    # The creator sees it withdrawn and can no longer accept it.
    creator = fans[0] if handle == "@glowing_21" else fans[1]
    offer = creator.ok("GET", "/api/v1/creators/me/offers")["items"][0]
    assert offer["status"] == "withdrawn"
    status, _ = creator.call("POST", f"/api/v1/offers/{offer['id']}/accept")
    assert status == 409

    small = new_page(browser, PHONE, storage_state=context.storage_state())
    small.goto(campaign_url + "/matches")
    expect(small.locator(".offer")).to_have_count(2)
    assert fits_the_width(small)
    shot(small, "phone-matches")
    small.locator(".offer").first.get_by_role("link", name="View profile").click()
    expect(small).to_have_url(re.compile(r"/dashboard/creators/\d+\?campaign_id=\d+"))
    expect(small.get_by_test_id("fit")).to_be_visible()
    assert fits_the_width(small)
    shot(small, "phone-profile")
    assert not errors, errors
    small.context.close()
    context.close()
