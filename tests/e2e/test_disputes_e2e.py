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
    Api,
    Shots,
    fits_the_width,
    new_page,
    open_creator,
)
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, log_in, make_operator
from tests.factories import offer_factory

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api").expect

BRAND_EMAIL = "lumen@example.com"


def _login(browser: Any, base: str, email: str, viewport: dict[str, int]) -> Any:
    page = new_page(browser, viewport)
    log_in(page, base, email)
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
        expect(card).to_contain_text("Approved automatically on")
        expect(card).to_contain_text("You can send it back 2 more times")
        expect(page.locator(f"#sponsorship-{last_chance_id}")).to_contain_text("No rejections left")
        expect(page.locator(f"#sponsorship-{disputed_id}")).to_have_count(0)  # not the brand's now
        shot(page, f"brand-reviews-{name}")
        assert fits_the_width(page), f"the review page scrolls sideways at {name} width"
        page.context.close()

        ops = _login(browser, base, OPERATOR_EMAIL, viewport)
        ops.goto(base + "/dashboard/operator/disputes")
        dispute = ops.locator(f"#dispute-{disputed_id}")
        for part in (
            "Show our serum in your evening routine",
            "a different brand's cleanser",
            "show the label",
            "post-3",
        ):
            expect(dispute).to_contain_text(part)
        shot(ops, f"operator-disputes-{name}")
        assert fits_the_width(ops), f"the dispute page scrolls sideways at {name} width"
        if name == "phone":
            dispute.get_by_label("Approve: why the post meets the brief").fill(
                "The post shows the serum in an evening routine and is labelled."
            )
            dispute.get_by_role("button", name=re.compile("Approve and pay")).click()
            expect(ops.locator(".flashes")).to_contain_text("is paid to @glowing_3")
            expect(ops.locator("main")).to_contain_text("No disputes waiting")
            expect(dispute).to_have_count(0)
            shot(ops, "operator-disputes-decided-phone")
        ops.context.close()
