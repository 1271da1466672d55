"""End to end: a brand who forgot their password, in a real Chromium against the app on
localhost and a real SMTP server: log-in page → "Forgot your password?" → the email → its link
→ a new password → log in with it. At laptop and phone width; screenshots of each page."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.conftest import PASSWORD
from tests.e2e.browser import CHROMIUM, HAVE_CHROMIUM, PHONE, Api, Shots, fits_the_width
from tests.e2e.dashboard_helpers import log_in, watched_page

if not HAVE_CHROMIUM:  # a guard only: CI installs chromium, so this runs there
    pytest.skip(f"no Chromium at {CHROMIUM}", allow_module_level=True)
sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

NEW_PASSWORD = "violet harbour compass"


@pytest.fixture
def served_app(make_app: Any, smtp_server: Any) -> Any:
    return make_app(SMTP_URL=smtp_server.url)


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["laptop", "phone"])
def test_forgot_password_email_link_new_password_log_in(
    live_server: str, served_app: Any, browser: Any, smtp_server: Any, viewport: Any
) -> None:
    base = live_server
    served_app.config["PUBLIC_URL"] = base  # links in emails lead to this server
    email = "forgetful@example.com"
    Api(base).ok(
        "POST", "/api/v1/brands", {"name": "Forgetful Co", "email": email, "password": PASSWORD}
    )
    shot = Shots(f"reset-{'phone' if viewport else 'laptop'}-")
    page, errors = watched_page(browser, viewport) if viewport else watched_page(browser)

    page.goto(base + "/dashboard/login")
    page.get_by_role("link", name="Forgot your password?").click()
    expect(page).to_have_url(re.compile(r"/dashboard/forgot$"))
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    shot(page, "forgot")
    page.get_by_label("Your account's email").fill(email)
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_text("a link to set a new password is on its way")).to_be_visible()
    shot(page, "sent")
    assert fits_the_width(page)

    (message,) = smtp_server.wait_for(1)
    assert message["To"] == email
    link = re.search(r"http://127\.0\.0\.1:\d+/dashboard/reset\?token=\S+", message.get_content())
    assert link, message.get_content()

    page.goto(link.group(0))
    expect(page.get_by_role("heading", name="Set a new password")).to_be_visible()
    expect(page.get_by_label("Reset token")).to_have_count(0)  # the link carries it
    shot(page, "reset")
    assert fits_the_width(page)
    page.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Repeat the new password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Set the new password").click()
    expect(page).to_have_url(re.compile(r"/dashboard/login$"))
    expect(page.get_by_text("Your password is changed")).to_be_visible()
    shot(page, "changed")

    log_in(page, base, email, NEW_PASSWORD)
    expect(page).to_have_url(re.compile(r"/dashboard/campaigns"))
    assert errors == []
