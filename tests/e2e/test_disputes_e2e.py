"""End to end in Chromium: the brand's review page with its deadlines (auto-approval date,
rejections left) and the operators' dispute page, at laptop and phone widths; the operator
approves a dispute with a note. Screenshots in ``test-artifacts/screenshots/disputes-*``."""

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
    Api,
    Shots,
    open_creator,
)
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, make_operator
from tests.factories import offer_factory

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
pytest.importorskip("playwright.sync_api")

BRAND_EMAIL = "lumen@example.com"


def _login(browser: Any, base: str, email: str, viewport: dict[str, int]) -> Any:
    context = browser.new_context(viewport=viewport)
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    page.goto(base + "/dashboard/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.wait_for_load_state()
    return page


def _market(base: str, served_app: Any) -> list[int]:
    """A brand's published campaign and three creators' posts: fresh, rejected twice and
    delivered again, and rejected three times (a dispute). Returns the sponsorship ids."""
    Api(base).ok(
        "POST", "/api/v1/brands", {"name": "Lumen Skin", "email": BRAND_EMAIL, "password": PASSWORD}
    )
    token = Api(base).ok("POST", "/api/v1/tokens", {"email": BRAND_EMAIL, "password": PASSWORD})
    brand = Api(base, token["token"])
    from tests.conftest import campaign_body

    campaign = brand.ok("POST", "/api/v1/campaigns", campaign_body())
    brand.ok("POST", f"/api/v1/campaigns/{campaign['id']}/fund")
    brand.ok("POST", f"/api/v1/campaigns/{campaign['id']}/publish")
    session = served_app.extensions["dandelion.db"].session_factory()
    make_offer = offer_factory(session)
    ids = []
    try:
        for n, rejections in enumerate((0, 2, 3), start=1):
            creator = open_creator(base, n)
            me = creator.ok("GET", "/api/v1/creators/me")
            offer = make_offer(campaign, me["id"], price_amount=40_000 + 10_000 * n)
            sponsorship = creator.ok("POST", f"/api/v1/offers/{offer.id}/accept")
            post = {"url": f"https://www.xiaohongshu.com/explore/post-{n}", "disclosure": True}
            for r in range(rejections):
                creator.ok("POST", f"/api/v1/sponsorships/{sponsorship['id']}/deliverable", post)
                reason = [
                    "The serum is not in the shot; please show it in your routine.",
                    "Please show the label so people can find the product.",
                    "The post still shows a different brand's cleanser first.",
                ][r]
                brand.ok(
                    "POST", f"/api/v1/sponsorships/{sponsorship['id']}/reject", {"reason": reason}
                )
            if rejections < 3:
                creator.ok("POST", f"/api/v1/sponsorships/{sponsorship['id']}/deliverable", post)
            ids.append(sponsorship["id"])
    finally:
        session.close()
    return ids


def test_review_deadlines_and_the_dispute_page_in_a_real_browser(
    live_server: str, browser: Any, served_app: Any
) -> None:
    base = live_server
    shot = Shots("disputes-")
    fresh_id, last_chance_id, disputed_id = _market(base, served_app)
    make_operator(served_app)

    for name, viewport in (("laptop", LAPTOP), ("phone", PHONE)):
        page = _login(browser, base, BRAND_EMAIL, viewport)
        page.goto(base + "/dashboard/reviews")
        card = page.locator(f"#sponsorship-{fresh_id}")
        assert "Approved automatically on" in card.inner_text()
        assert "You can send it back 2 more times" in card.inner_text()
        last = page.locator(f"#sponsorship-{last_chance_id}")
        assert "No rejections left" in last.inner_text()
        assert page.locator(f"#sponsorship-{disputed_id}").count() == 0  # not the brand's now
        shot(page, f"brand-reviews-{name}")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the review page scrolls sideways at {name} width"
        page.context.close()

        ops = _login(browser, base, OPERATOR_EMAIL, viewport)
        ops.goto(base + "/dashboard/operator/disputes")
        dispute = ops.locator(f"#dispute-{disputed_id}")
        text = dispute.inner_text()
        assert "Show our serum in your evening routine" in text
        assert "a different brand's cleanser" in text and "show the label" in text
        assert "post-3" in text
        shot(ops, f"operator-disputes-{name}")
        width = ops.evaluate("document.documentElement.scrollWidth")
        assert width <= viewport["width"], f"the dispute page scrolls sideways at {name} width"
        if name == "phone":
            dispute.get_by_label("Approve: why the post meets the brief").fill(
                "The post shows the serum in an evening routine and is labelled."
            )
            dispute.get_by_role("button", name=re.compile("Approve and pay")).click()
            ops.wait_for_load_state()
            assert "is paid to @glowing_3" in ops.locator(".flashes").inner_text()
            assert "No disputes waiting" in ops.content()
            shot(ops, "operator-disputes-decided-phone")
        ops.context.close()
