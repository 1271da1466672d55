"""End to end, in a real Chromium at phone width (390×844): a creator's week on their own pages.

Sign up → profile and audience → open to paid work → a brand's invitation arrives (the brand
on the API) → accept → hand in the post → the brand approves (API) → paid, on the earnings
page. Each step is a function of its own, and the walk marks where a message to the creator is
due (``# mail:``), so assertions on delivered email slot in between the steps.
Screenshots at 390 and 1280 wide go to test-artifacts/screenshots/creator-*.png.
"""

from __future__ import annotations

import re
import time
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
)
from tests.e2e.dashboard_helpers import published_campaign_over_api, watched_page

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
expect = pytest.importorskip("playwright.sync_api").expect

EMAIL = "mia@example.com"
POST_URL = "https://www.instagram.com/p/winter-serum"


def sign_up(page: Any, base: str) -> None:
    """From the log-in page to a new creator account (lands on the profile)."""
    page.goto(base + "/dashboard/login")
    page.get_by_role("link", name="Join as a creator").click()
    page.get_by_label("Your handle").fill("mia.cooks")
    page.get_by_label("Email").fill(EMAIL)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my creator account").click()
    page.wait_for_url(re.compile(r"/dashboard/me/profile$"))
    expect(page.get_by_text("Welcome to Dandelion, @mia.cooks")).to_be_visible()


def fill_profile(page: Any, shot: Shots) -> None:
    """The profile and audience; a wrong sum first, fixed beside the field."""
    page.get_by_label("Name shown to brands").fill("Mia Cooks")
    page.get_by_label("Followers").fill("12000")
    page.get_by_label("Engagement rate (%)").fill("5")
    page.get_by_label("Skincare", exact=True).first.check()  # what you post about
    page.get_by_label("Posts in the last 30 days (optional)").fill("20")
    search = page.get_by_label("Find an interest")
    for name, value in (("Skincare", "60"), ("Makeup", "50")):  # 110 %: refused
        search.fill(name)
        page.locator("#part-interests").get_by_label(name, exact=True).fill(value)
    search.fill("")
    page.get_by_label("Women in your audience (%)").fill("70")
    page.get_by_label("18–24").fill("50")
    page.get_by_label("25–34").fill("50")
    page.get_by_label("Tier 1").fill("50")
    page.get_by_label("Tier 2").fill("50")
    page.get_by_role("button", name="Save my profile").click()
    expect(page.locator("#part-interests-error")).to_have_text(
        "These add up to 110 %; make them add up to 100 % (± 1)."
    )
    assert fits_the_width(page)
    shot(page, "profile-error")
    search.fill("Makeup")
    page.locator("#part-interests").get_by_label("Makeup", exact=True).fill("40")
    page.get_by_role("button", name="Save my profile").click()
    page.wait_for_url(re.compile(r"/dashboard/me/availability$"))
    expect(page.get_by_text("Profile saved.")).to_be_visible()


def opt_in(page: Any, shot: Shots) -> None:
    """Open to paid skincare work at €400 a post, three a week."""
    page.get_by_label("I am open to paid collaborations").check()
    page.get_by_label("Skincare").check()
    page.get_by_label("My price for one post").fill("400")
    page.get_by_label("Collaborations a week").fill("3")
    assert fits_the_width(page)
    shot(page, "open-to-work")
    page.get_by_label("Collaborations a week").press("Enter")  # sends the form, as on a phone
    page.wait_for_url(re.compile(r"/dashboard/me$"))
    expect(page.get_by_text("You are open to paid work.")).to_be_visible()


def brand_invites(base: str) -> tuple[Api, dict[str, Any]]:
    """A brand with a published campaign invites the creator (over the API)."""
    brand, campaign = published_campaign_over_api(base, "lumen-creator@example.com")
    me = Api(base)
    me.token = me.ok("POST", "/api/v1/tokens", {"email": EMAIL, "password": PASSWORD})["token"]
    creator_id = me.ok("GET", "/api/v1/creators/me")["id"]
    offer = brand.ok(
        "POST",
        f"/api/v1/campaigns/{campaign['id']}/invitations",
        {"creator_id": creator_id, "message": "We love your evening routines."},
    )
    return brand, offer


def accept(page: Any, shot: Shots) -> str:
    """Read the offer in the inbox and accept it; the sponsorship's URL."""
    page.get_by_role("link", name="Inbox").click()
    offer = page.get_by_test_id("offer").first
    expect(offer).to_contain_text("Invitation from the brand")
    expect(offer).to_contain_text("€400.00")
    expect(offer).to_contain_text("We love your evening routines.")
    assert fits_the_width(page)
    shot(page, "inbox")
    offer.get_by_role("link", name="Lumen Skin: Winter barrier serum").click()
    expect(page.get_by_test_id("turns")).to_contain_text("The brand offered €400.00")
    shot(page, "offer")
    page.get_by_role("button", name="Accept for €400.00").click()
    page.wait_for_url(re.compile(r"/dashboard/me/sponsorships/\d+$"))
    expect(page.get_by_text(re.compile(r"^Accepted\. Post for Lumen Skin by"))).to_be_visible()
    return str(page.url)


def hand_in(page: Any, shot: Shots) -> None:
    """Hand in the post: refused unlabelled, accepted labelled."""
    page.get_by_label("Link to your post").fill(POST_URL)
    page.get_by_role("button", name="Hand in the post").click()
    expect(page.locator("#disclosure-error")).to_contain_text("Label the post as sponsored")
    page.get_by_label(re.compile("labelled as sponsored")).check()
    page.get_by_role("button", name="Hand in the post").click()
    expect(page.get_by_text("Post handed in.")).to_be_visible()
    expect(page.get_by_text("Handed in, awaiting review").first).to_be_visible()
    assert fits_the_width(page)
    shot(page, "handed-in")


def see_paid(page: Any, shot: Shots) -> None:
    """The earnings page shows the approved post's payout."""
    page.get_by_role("link", name="Earnings").click()
    expect(page.get_by_test_id("paid-total")).to_have_text("€400.00")
    payout = page.get_by_test_id("payout").first
    expect(payout).to_contain_text("Paid")
    expect(payout).to_contain_text("Lumen Skin: Winter barrier serum")
    assert fits_the_width(page)
    shot(page, "earnings")


BRAND_EMAIL = "lumen-creator@example.com"


@pytest.fixture
def served_app(make_app: Any, smtp_server: Any) -> Any:
    """The app mailing to the test SMTP server (in-process jobs send right after commit)."""
    return make_app(SMTP_URL=smtp_server.url)


def mails(smtp_server: Any, address: str, count: int, timeout_s: float = 15.0) -> list[str]:
    """The subjects of the mail ``address`` received, once ``count`` have arrived (the
    sending job runs right after the request's commit, so give it a moment)."""
    deadline = time.monotonic() + timeout_s
    while len(smtp_server.to(address)) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return [str(m["Subject"]) for m in smtp_server.to(address)]


def test_a_creators_week_on_the_phone(
    live_server: str, served_app: Any, browser: Any, smtp_server: Any
) -> None:
    base = live_server
    served_app.config["PUBLIC_URL"] = base
    shot = Shots(prefix="creator-")
    page, errors = watched_page(browser, PHONE)

    sign_up(page, base)
    fill_profile(page, shot)
    opt_in(page, shot)

    brand, offer = brand_invites(base)
    (invited,) = mails(smtp_server, EMAIL, 1)
    assert "Lumen Skin" in invited and "Winter barrier serum" in invited
    (message,) = smtp_server.to(EMAIL)
    assert f"{base}/dashboard/me/notifications" in message.get_content()
    sponsorship_url = accept(page, shot)
    hand_in(page, shot)
    brand_mail = mails(smtp_server, BRAND_EMAIL, 2)
    assert any("accepted" in subject.lower() for subject in brand_mail), brand_mail
    assert any(
        "review" in subject.lower() or "handed in" in subject.lower() for subject in brand_mail
    ), brand_mail

    sponsorship_id = int(sponsorship_url.rsplit("/", 1)[1])
    approved = brand.ok("POST", f"/api/v1/sponsorships/{sponsorship_id}/approve")
    assert approved["status"] == "approved"
    creator_mail = mails(smtp_server, EMAIL, 3)
    assert len(creator_mail) == 3, creator_mail  # the offer, the approval, the payout: once each
    assert any("approved" in subject.lower() for subject in creator_mail), creator_mail
    assert any("€400.00" in subject for subject in creator_mail), creator_mail  # the payout
    see_paid(page, shot)

    # The same pages at desktop width, in the same session.
    wide = new_page(browser, LAPTOP, storage_state=page.context.storage_state())
    for path, name in (
        ("/dashboard/me", "inbox"),
        (f"/dashboard/me/offers/{offer['id']}", "offer"),
        ("/dashboard/me/profile", "profile"),
        (sponsorship_url.removeprefix(base), "sponsorship"),
        ("/dashboard/me/earnings", "earnings"),
    ):
        wide.goto(base + path)
        expect(wide.locator("h1")).to_be_visible()
        assert fits_the_width(wide)
        shot(wide, f"wide-{name}")
    # the forms sent back with problems answer 422, as designed; nothing else went wrong
    assert [e for e in errors if "status of 422" not in e] == [], errors
