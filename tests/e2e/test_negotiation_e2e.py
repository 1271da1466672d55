"""End to end, in a real Chromium: a brand finds a creator by audience, opens their profile
and invites them; the creator counters through the API; the brand accepts the counter on the
dashboard; the creator delivers; the brand approves and the counter price is paid (the payout
through the API, the report's paid figure, the ledger balanced)."""

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
from tests.payments_fixtures import assert_ledger_ok

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api").expect


def test_search_profile_invite_counter_accept_deliver_approve_paid(
    live_server: str, browser: Any, served_app: Any, session: Any
) -> None:
    base = live_server
    shot = Shots(prefix="negotiation-")
    fan = open_creator(base, 31, followers=20_000)  # skincare audience, rate €400.00
    open_creator(base, 32, followers=30_000, audience={**AUDIENCE, "interests": {"gaming": 1.0}})

    page, errors = watched_page(browser)
    context = page.context

    # A brand with a published campaign (no matching: it meets creators itself).
    campaign_url = publish_first_campaign(page, base, "lumen-negotiation@example.com")
    campaign_id = int(campaign_url.rsplit("/", 1)[1])

    # Search: creators ranked for the campaign; the gaming account does not fit.
    page.get_by_role("link", name="Find creators").first.click()
    page.wait_for_url(re.compile(r"/dashboard/creators"))
    page.locator("#campaign_id").select_option(str(campaign_id))
    page.get_by_role("button", name="Find creators").click()
    results = page.locator("main")
    expect(results.get_by_role("link", name=re.compile(r"^Invite @glowing_31"))).to_be_visible()
    expect(results).to_contain_text("@glowing_31")
    expect(results).not_to_contain_text("@glowing_32")
    shot(page, "search")
    page.get_by_role("link", name=re.compile(r"^Invite @glowing_31")).click()

    # The profile, scrolled to the invite form: campaign chosen, the creator's rate prefilled.
    page.wait_for_url(re.compile(rf"/dashboard/creators/\d+\?campaign_id={campaign_id}#invite"))
    expect(page.locator("h1")).to_have_text(re.compile(r"^@glowing_31"))
    invite = page.locator("#invite")
    expect(invite.get_by_label("Campaign")).to_have_value(str(campaign_id))
    expect(invite.get_by_label("Price for one post")).to_have_value("400.00")
    invite.get_by_label("Message to the creator").fill("We love your routines: film our serum?")
    shot(page, "profile-invite")
    invite.get_by_role("button", name="Send the invitation").click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign_id}/matches"))
    expect(page.get_by_text(re.compile(r"^Invitation sent: @glowing_31"))).to_be_visible()
    expect(page.locator(".offer", has_text="@glowing_31")).to_contain_text("Your invitation")
    shot(page, "invited")

    # The creator reads the invitation and counters through the API.
    [offer] = fan.ok("GET", "/api/v1/creators/me/offers")["items"]
    assert offer["source"] == "invite"
    assert "We love your routines" in offer["explanation_for_creator"]
    countered = fan.ok(
        "POST",
        f"/api/v1/offers/{offer['id']}/counter",
        {"price": {"amount": 55_000, "currency": "EUR"}, "message": "Two days of filming."},
    )
    assert countered["status"] == "countered"

    # The brand sees the counter and accepts it on the dashboard.
    page.reload()
    card = page.locator(f"#offer-{offer['id']}")
    expect(card).to_contain_text("asks €550.00")
    expect(card).to_contain_text("Two days of filming.")
    shot(page, "countered")
    small = new_page(browser, PHONE, storage_state=context.storage_state())
    small.goto(page.url)
    expect(small.locator(f"#offer-{offer['id']}")).to_contain_text("asks €550.00")
    assert fits_the_width(small)
    shot(small, "phone-countered")
    card.get_by_role("button", name="Accept counter").click()
    page.wait_for_url(re.compile(rf"/campaigns/{campaign_id}/matches"))
    expect(
        page.get_by_text(
            re.compile(r"^Counter accepted: @glowing_31 works on this campaign for €550\.00")
        )
    ).to_be_visible()
    shot(page, "counter-accepted")

    # The creator delivers through the API; the brand approves on the dashboard.
    [sponsorship] = fan.ok("GET", "/api/v1/creators/me/sponsorships")["items"]
    assert sponsorship["price"] == {"amount": 55_000, "currency": "EUR"}
    fan.ok(
        "POST",
        f"/api/v1/sponsorships/{sponsorship['id']}/deliverable",
        {"url": "https://example.com/glowing_31/serum", "disclosure": True},
    )
    page.get_by_role("link", name=re.compile(r"^Reviews")).click()
    page.get_by_role("link", name="Approve and pay…").click()
    page.get_by_role("button", name="Approve and pay €550.00").click()
    expect(page.get_by_text("Approved. €550.00 is paid to @glowing_31")).to_be_visible()
    shot(page, "approved")

    # Paid: the payout, the report, the books.
    [payout] = fan.ok("GET", "/api/v1/creators/me/payouts")["items"]
    assert payout["amount"] == {"amount": 55_000, "currency": "EUR"}
    page.goto(f"{base}/dashboard/campaigns/{campaign_id}/report")
    expect(page.get_by_test_id("paid")).to_have_text("€550.00")
    shot(page, "report")
    assert_ledger_ok(served_app, session)

    # The invite form on a phone.
    small.goto(f"{base}/dashboard/creators/{sponsorship['creator_id']}?campaign_id={campaign_id}")
    expect(small.locator("h1")).to_have_text(re.compile(r"^@glowing_31"))
    assert fits_the_width(small)
    shot(small, "phone-profile")
    assert not errors, errors
    small.context.close()
    context.close()
