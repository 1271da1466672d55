"""Helpers shared by the dashboard tests (server-side and end-to-end): a browser-like test
client that sends CSRF tokens, the campaign form's fields, a small market (brand, open
creators, operator, match run), and for the real browser a watched page and a brand's first
published campaign."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from accounts.services import create_operator
from core.db import session_scope
from tests.conftest import PASSWORD, ApiUser
from tests.e2e.browser import LAPTOP, Api, new_page
from tests.factories import open_up

CSRF_PATTERN = re.compile(r'name="csrf_token"(?: type="hidden")? value="([^"]+)"')
OPERATOR_EMAIL = "ops@example.com"


def csrf_from(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = CSRF_PATTERN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


class Dash:
    """One browser session on the dashboard (its own cookies)."""

    def __init__(self, app: Flask, remote_addr: str = "127.0.0.1") -> None:
        self.app = app
        self.client: FlaskClient = app.test_client()
        self.environ = {"REMOTE_ADDR": remote_addr}

    def get(self, url: str, **kw: Any) -> Any:
        return self.client.get(url, environ_base=self.environ, **kw)

    def token(self, page: str = "/dashboard/reset") -> str:
        return csrf_from(self.get(page).get_data(as_text=True))

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, page: str | None = None, **kw: Any
    ) -> Any:
        """POST a form as a browser would: with the CSRF token of a page of this session."""
        fields = {"csrf_token": self.token(page or "/dashboard/reset"), **(data or {})}
        return self.client.post(url, data=fields, environ_base=self.environ, **kw)

    def signup(self, name: str, email: str, password: str = PASSWORD) -> Any:
        r = self.post(
            "/dashboard/signup",
            {"name": name, "email": email, "password": password, "confirm": password},
            page="/dashboard/signup",
        )
        assert r.status_code == 302, r.get_data(as_text=True)
        return r

    def login(self, email: str, password: str = PASSWORD) -> Any:
        return self.post(
            "/dashboard/login", {"email": email, "password": password}, page="/dashboard/login"
        )

    def api_user(self, email: str, password: str = PASSWORD) -> ApiUser:
        """The same account on the JSON API (bearer token)."""
        api = self.app.test_client()
        r = api.post("/api/v1/tokens", json={"email": email, "password": password})
        assert r.status_code == 201, r.json
        return ApiUser(api, r.json["token"], 0, 0)


def campaign_form(**overrides: Any) -> dict[str, Any]:
    """A valid campaign form as the page posts it (weights, percentages, a women's share)."""
    today = date.today()
    data: dict[str, Any] = {
        "title": "Winter barrier serum",
        "brief": "Show our serum in your evening routine, in your own words.",
        "category": "skincare",
        "competitor_group": "",
        "budget": "5000",
        "currency": "EUR",
        "slots": "3",
        "min_creators": "0",
        "min_followers": "1000",
        "max_followers": "500000",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=30)).isoformat(),
        "interest_skincare": "3",
        "interest_makeup": "1",
        "gender_female": "70",
        "city_tier_1": "50",
        "city_tier_2": "30",
        "city_tier_3": "20",
        "age_18_24": "40",
        "age_25_34": "40",
        "age_35_44": "20",
    }
    data.update(overrides)
    return data


def create_campaign(dash: Dash, **overrides: Any) -> int:
    """Create a draft through the form; returns its id."""
    r = dash.post(
        "/dashboard/campaigns/new", campaign_form(**overrides), page="/dashboard/campaigns/new"
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    return int(r.headers["Location"].rstrip("/").split("/")[-1])


def confirm(dash: Dash, campaign_id: int, action: str) -> Any:
    """Open an action's confirmation page and confirm it."""
    url = f"/dashboard/campaigns/{campaign_id}/{action}"
    page = dash.get(url)
    assert page.status_code == 200, page.get_data(as_text=True)
    return dash.post(url, page=url)


def make_operator(app: Flask, email: str = OPERATOR_EMAIL, password: str = PASSWORD) -> None:
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        create_operator(s, email=email, password=password)


@dataclass
class Market:
    brand: Dash
    brand_email: str
    campaign_id: int
    creators: list[ApiUser]
    operator: Dash
    run_id: int


def build_market(app: Flask, make_creator: Any, *, creators: int = 2) -> Market:
    """A brand with a published campaign, open creators, and this week's match run done."""
    brand = Dash(app)
    brand.signup("Lumen Skin", "lumen@example.com")
    campaign_id = create_campaign(brand)
    assert confirm(brand, campaign_id, "fund").status_code == 303
    assert confirm(brand, campaign_id, "publish").status_code == 303
    people = []
    for _ in range(creators):
        creator = make_creator()
        open_up(creator)
        people.append(creator)
    make_operator(app)
    operator = Dash(app)
    assert operator.login(OPERATOR_EMAIL).status_code == 302
    runs_page = "/dashboard/operator/runs"
    week = re.search(
        r'name="week"[^>]*value="([^"]+)"', operator.get(runs_page).get_data(as_text=True)
    )
    assert week, "the start form proposes this week"
    r = operator.post(runs_page, {"week": week.group(1)}, page=runs_page)
    assert r.status_code == 303, r.get_data(as_text=True)
    run_id = int(r.headers["Location"].rstrip("/").split("/")[-1])
    return Market(brand, "lumen@example.com", campaign_id, people, operator, run_id)


def accept_and_deliver(creator: ApiUser, url: str = "https://example.com/posts/1") -> int:
    """The creator accepts their first proposal and hands in a labelled post; the sponsorship id."""
    offers = creator.get("/api/v1/creators/me/offers?status=proposed").json["items"]
    assert offers, "the match run proposed an offer"
    r = creator.post(f"/api/v1/offers/{offers[0]['id']}/accept")
    assert r.status_code == 201, r.json
    sponsorship_id = r.json["id"]
    r = creator.post(
        f"/api/v1/sponsorships/{sponsorship_id}/deliverable", json={"url": url, "disclosure": True}
    )
    assert r.status_code == 200, r.json
    return int(sponsorship_id)


# --- in the real browser (Playwright) ----------------------------------------------------------


def watched_page(browser: Any, viewport: dict[str, int] = LAPTOP) -> tuple[Any, list[str]]:
    """A page in a browser context of its own (``page.context``), and the list that collects
    the page's JavaScript errors and console errors as it goes."""
    page = new_page(browser, viewport)
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    return page, errors


def fill_interest(page: Any, label: str, value: str) -> None:
    """Give an interest a weight on the campaign form: found by name with the form's search
    (the interests sit in collapsed groups by category), as a brand manager would."""
    search = page.get_by_label("Find an interest")
    search.fill(label)
    page.get_by_label(label, exact=True).fill(value)
    search.fill("")


def publish_first_campaign(
    page: Any, base: str, email: str, *, budget: str = "5000", fields: dict[str, str] | None = None
) -> str:
    """Sign a brand up ("Lumen Skin", ``email``) on the dashboard, create its first campaign
    (skincare, women 70 %; ``fields`` fills more of the form by label), fund and publish it;
    returns the campaign's URL."""
    page.goto(base + "/dashboard/signup")
    page.get_by_label("Brand name").fill("Lumen Skin")
    page.get_by_label("Work email").fill(email)
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Repeat the password").fill(PASSWORD)
    page.get_by_role("button", name="Create my brand account").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns$"))
    page.get_by_role("link", name="Create your first campaign").click()
    page.get_by_label("Title").fill("Winter barrier serum")
    page.get_by_label("Brief").fill("Show our serum in your evening routine, in your own words.")
    page.get_by_label("Category").select_option("skincare")
    page.get_by_label("Budget", exact=True).fill(budget)
    fill_interest(page, "Skincare", "3")
    fill_interest(page, "Makeup", "1")
    for label, value in (fields or {}).items():
        page.get_by_label(label).fill(value)
    page.get_by_label("Women in the audience (%)").fill("70")
    page.get_by_role("button", name="Save draft").click()
    page.wait_for_url(re.compile(r"/dashboard/campaigns/\d+$"))
    campaign_url = page.url
    page.get_by_role("link", name="Fund…").click()
    page.get_by_role("button", name="Yes, fund").click()
    page.wait_for_url(campaign_url)
    page.get_by_role("link", name="Publish…").click()
    page.get_by_role("button", name="Yes, publish").click()
    page.wait_for_url(campaign_url)
    return campaign_url


def log_in(page: Any, base: str, email: str, password: str = PASSWORD) -> None:
    """Log in on the dashboard's form and wait until the dashboard has let the user in."""
    from playwright.sync_api import expect

    page.goto(base + "/dashboard/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page).not_to_have_url(re.compile(r"/dashboard/login"))


def published_campaign_over_api(base: str, email: str, **fields: Any) -> tuple[Api, dict[str, Any]]:
    """A brand ("Lumen Skin", ``email``) signed up over HTTP with a funded, published campaign
    (``fields`` override the campaign body); its API client and the campaign."""
    from tests.conftest import campaign_body

    Api(base).ok(
        "POST", "/api/v1/brands", {"name": "Lumen Skin", "email": email, "password": PASSWORD}
    )
    token = Api(base).ok("POST", "/api/v1/tokens", {"email": email, "password": PASSWORD})["token"]
    brand = Api(base, token)
    campaign = brand.ok("POST", "/api/v1/campaigns", campaign_body(**fields))
    brand.ok("POST", f"/api/v1/campaigns/{campaign['id']}/fund")
    campaign = brand.ok("POST", f"/api/v1/campaigns/{campaign['id']}/publish")
    return brand, campaign
