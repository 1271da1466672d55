"""In a real browser: a brand opens a call on its published campaign, creators apply over the
API, the brand compares the applicants side by side, reads the optimiser's proposal with its
explanation and confirms it; every page fits a phone's width. Screenshots (laptop and phone)
go to ``test-artifacts/screenshots/open-call-*``."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest

from core.db import utcnow
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

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api").expect


def test_open_a_call_then_pick_the_best_set(live_server: str, browser: Any) -> None:
    base = live_server
    shot = Shots(prefix="open-call-")
    page, errors = watched_page(browser)
    context = page.context

    campaign_url = publish_first_campaign(
        page, base, "lumen-calls@example.com", budget="2000", fields={"Creators wanted": "2"}
    )
    campaign_id = int(campaign_url.rsplit("/", 1)[1])

    # Open a call from the overview.
    page.get_by_role("link", name="Open a call").first.click()
    page.wait_for_url(re.compile(r"/open-call$"))
    shot(page, "open-form")
    closes = (utcnow() + timedelta(days=7)).strftime("%Y-%m-%dT%H:%M")
    page.get_by_label("Closes at (UTC)").fill(closes)
    page.get_by_role("button", name="Open the call").click()
    page.wait_for_url(re.compile(r"/open-call$"))
    expect(page.get_by_text(re.compile("The call is open until"))).to_be_visible()

    # Creators who fit see it and apply with a price and a pitch.
    pitches = {
        "big": (30_000, 180_000, "I post a full evening routine every Sunday to 30k followers."),
        "mid1": (20_000, 100_000, "Sensitive-skin routines are my whole feed; I would film it."),
        "mid2": (20_000, 100_000, "Barrier repair is what my followers ask me about most."),
    }
    for n, (followers, price, pitch) in enumerate(pitches.values(), start=41):
        creator = open_creator(base, n, followers=followers)
        listed = creator.ok("GET", "/api/v1/creators/me/open-calls")["items"]
        assert [c["campaign_id"] for c in listed] == [campaign_id]
        creator.ok(
            "POST",
            f"/api/v1/open-calls/{campaign_id}/applications",
            {"price": {"amount": price, "currency": "EUR"}, "pitch": pitch},
        )
    page.reload()
    expect(page.locator(".applicant")).to_have_count(3)
    shot(page, "applicants")

    page.get_by_role("link", name="Pick the best set…").click()
    page.wait_for_url(re.compile(r"/best-set$"))
    explanation = page.locator(".best-set .explanation")
    expect(explanation).to_contain_text("would select 2 of 3")
    expect(explanation).to_contain_text("biggest reach first")
    shot(page, "best-set")

    small = new_page(browser, PHONE, storage_state=context.storage_state())
    for path, name, ready in (
        ("/open-call", "phone-applicants", small.locator(".applicant").first),
        ("/open-call/best-set", "phone-best-set", small.locator(".best-set .explanation")),
    ):
        small.goto(campaign_url + path)
        expect(ready).to_be_visible()
        assert fits_the_width(small), name
        shot(small, name)
    small.context.close()

    page.get_by_role("button", name="Select these 2 creators").click()
    page.wait_for_url(re.compile(r"/open-call$"))
    expect(page.get_by_text(re.compile("The optimiser selected 2"))).to_be_visible()
    statuses = page.locator(".applicant .status")
    expect(statuses.filter(has_text=re.compile("^selected$", re.I))).to_have_count(2)
    expect(statuses.filter(has_text=re.compile("^submitted$", re.I))).to_have_count(1)
    shot(page, "after-select")
    assert not errors, errors
    context.close()
