"""The creator pages through the Flask test client: sign up, log in, profile and audience,
open to paid work, the inbox (accept, decline, counter, apply to an open call), sponsorships
(hand in the post, report counts), earnings and payout onboarding, notifications; the
validation messages beside the fields; and the walls between creators, brands and pages."""

from __future__ import annotations

import re
from datetime import timedelta
from html import unescape
from typing import Any

import pytest
from sqlalchemy import select

from accounts.models import Creator
from collaborations.models import Offer, OfferStatus, Sponsorship, SponsorshipStatus
from core.db import session_scope, utcnow
from notifications.models import Notification
from notifications.service import notify
from tests.conftest import PASSWORD
from tests.e2e.dashboard_helpers import Dash
from tests.payments_fixtures import stripe_config

PROFILE_FORM: dict[str, Any] = {
    "display_name": "Mia Cooks",
    "followers": "12000",
    "engagement_rate": "5",
    "categories": ["skincare", "beauty"],
    "recent_posts_30d": "20",
    "interest_skincare": "60",
    "interest_makeup": "40",
    "gender_female": "70",
    "city_tier_1": "50",
    "city_tier_2": "50",
    "age_18_24": "50",
    "age_25_34": "50",
    "countries": "",
}
OPT_IN = {"open": "y", "until": "", "categories": ["skincare"], "rate": "400.00",
          "currency": "EUR", "weekly_capacity": "3"}  # fmt: skip


def text(response: Any) -> str:
    """The page's words, tags taken out."""
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return unescape(re.sub(r"\s+", " ", words))


def error_of(response: Any, field_id: str) -> str:
    """The message shown beside a field (``<p class="error" id="<field>-error">``)."""
    match = re.search(
        rf'id="{re.escape(field_id)}-error">(.*?)</p>', response.get_data(as_text=True), re.S
    )
    assert match, f"no error beside {field_id}"
    return unescape(match.group(1)).strip()


class CreatorDash(Dash):
    """One creator's browser session on their pages."""

    def join(self, handle: str, email: str, password: str = PASSWORD) -> Any:
        return self.post(
            "/dashboard/join",
            {"handle": handle, "email": email, "password": password, "confirm": password},
            page="/dashboard/join",
        )

    def form(self, url: str, data: dict[str, Any], page: str | None = None) -> Any:
        return self.post(url, data, page=page or url)


def creator_id(app: Any, handle: str) -> int:
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        return int(s.scalar(select(Creator.id).where(Creator.handle == handle)))


def open_creator(
    app: Any, handle: str = "mia.cooks", email: str = "mia@example.com"
) -> CreatorDash:
    """A creator signed up on the pages, with a full profile, open to skincare work."""
    dash = CreatorDash(app)
    assert dash.join(handle, email).status_code == 302
    r = dash.form("/dashboard/me/profile", PROFILE_FORM)
    assert r.status_code == 303, text(r)
    r = dash.form("/dashboard/me/availability", OPT_IN)
    assert r.status_code == 303, text(r)
    return dash


def invite(brand: Any, campaign_id: int, creator: int, **extra: Any) -> dict[str, Any]:
    r = brand.post(
        f"/api/v1/campaigns/{campaign_id}/invitations",
        json={"creator_id": creator, "message": "We love your routines.", **extra},
    )
    assert r.status_code == 201, r.json
    return dict(r.json)


@pytest.fixture
def brand_campaign(make_brand: Any, make_campaign: Any) -> tuple[Any, dict[str, Any]]:
    brand = make_brand("Lumen Skin")
    return brand, make_campaign(brand, state="published")


# --- sign up and log in ------------------------------------------------------------------------


def test_sign_up_follows_the_api_rules_and_lands_on_the_profile(app: Any) -> None:
    dash = CreatorDash(app)
    assert "Join Dandelion as a creator" in text(dash.get("/dashboard/join"))
    r = dash.join("a b", "mia@example.com")
    assert r.status_code == 422
    assert error_of(r, "handle") == "3-40 letters, digits, '_' or '.'."
    r = dash.join("mia.cooks", "not-an-email")
    assert r.status_code == 422 and "Not a valid email address." in error_of(r, "email")
    r = dash.join("mia.cooks", "mia@example.com", password="password12")
    assert r.status_code == 422 and error_of(r, "password")

    r = dash.join("mia.cooks", "mia@example.com")
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard/me/profile"
    page = text(dash.get("/dashboard/me/profile"))
    assert "Welcome to Dandelion, @mia.cooks" in page and "@mia.cooks" in page

    # the handle and the email are taken now, as the API says
    again = CreatorDash(app)
    r = again.join("mia.cooks", "other@example.com")
    assert r.status_code == 422
    assert "taken" in text(r)


def test_creators_log_in_to_their_home_and_brands_to_theirs(app: Any, make_brand: Any) -> None:
    CreatorDash(app).join("mia.cooks", "mia@example.com")
    dash = CreatorDash(app)
    r = dash.login("mia@example.com")
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard/me"
    assert "Hello, mia.cooks" in text(dash.get("/dashboard/me"))
    assert dash.get("/dashboard/").headers["Location"] == "/dashboard/me"
    # a next= page of another role is not followed; one of their own is
    for target, landing in (("/dashboard/campaigns", "/dashboard/me"),
                            ("/dashboard/me/earnings", "/dashboard/me/earnings")):  # fmt: skip
        again = CreatorDash(app)
        r = again.post(f"/dashboard/login?next={target}",
                       {"email": "mia@example.com", "password": PASSWORD},
                       page="/dashboard/login")  # fmt: skip
        assert r.headers["Location"] == landing
    brand = Dash(app)
    brand.signup("Lumen Skin", "lumen@example.com")
    brand.post("/dashboard/logout", page="/dashboard/campaigns")
    r = brand.login("lumen@example.com")
    assert r.headers["Location"] == "/dashboard/campaigns"


def test_brands_cannot_open_creator_pages_nor_creators_brand_pages(app: Any) -> None:
    creator = open_creator(app)
    brand = Dash(app)
    brand.signup("Lumen Skin", "lumen@example.com")
    for url in ("/dashboard/me", "/dashboard/me/profile", "/dashboard/me/earnings",
                "/dashboard/me/sponsorships", "/dashboard/me/notifications"):  # fmt: skip
        assert brand.get(url).status_code == 403, url
    for url in ("/dashboard/campaigns", "/dashboard/reviews", "/dashboard/settings",
                "/dashboard/operator/runs"):  # fmt: skip
        assert creator.get(url).status_code == 403, url
    assert CreatorDash(app).get("/dashboard/me").status_code == 302  # logged out: to log in


# --- profile and opt-in ------------------------------------------------------------------------


def test_profile_saves_what_the_api_reads(app: Any, client: Any) -> None:
    dash = CreatorDash(app)
    dash.join("mia.cooks", "mia@example.com")
    r = dash.form("/dashboard/me/profile", {**PROFILE_FORM, "countries": "DE 70, AT 30"})
    assert r.status_code == 303, text(r)
    token = client.post(
        "/api/v1/tokens", json={"email": "mia@example.com", "password": PASSWORD}
    ).json["token"]
    me = client.get("/api/v1/creators/me", headers={"Authorization": f"Bearer {token}"}).json
    assert me["display_name"] == "Mia Cooks" and me["followers"] == 12_000
    assert me["engagement_rate"] == pytest.approx(0.05)
    assert me["recent_posts_30d"] == 20
    assert me["audience"]["interests"] == {"skincare": 0.6, "makeup": 0.4}
    assert me["audience"]["countries"] == {"DE": 0.7, "AT": 0.3}
    assert "city_tiers" not in me["audience"]  # no CN among the countries
    page = dash.get("/dashboard/me/profile").get_data(as_text=True)
    assert 'value="DE 70, AT 30"' in page
    assert re.search(r'id="interest_skincare"[^>]*value="60"', page)  # not 6E+1
    assert re.search(r'id="age_18_24"[^>]*value="50"', page)


def test_profile_errors_stand_beside_their_fields(app: Any) -> None:
    dash = CreatorDash(app)
    dash.join("mia.cooks", "mia@example.com")
    bad = {**PROFILE_FORM, "interest_skincare": "60", "interest_makeup": "60",
           "age_18_24": "0", "age_25_34": "0", "engagement_rate": "150",
           "recent_posts_30d": "-1", "countries": "Atlantis", "display_name": ""}  # fmt: skip
    r = dash.form("/dashboard/me/profile", bad)
    assert r.status_code == 422
    assert (
        error_of(r, "part-interests") == "These add up to 120 %; make them add up to 100 % (± 1)."
    )
    assert "at least one percentage" in error_of(r, "part-age")
    assert error_of(r, "engagement_rate") == "Must be between 0 and 100 %."
    assert "greater than or equal to 0" in error_of(r, "recent_posts_30d")
    assert "Not a country we know: Atlantis" in error_of(r, "countries")
    assert error_of(r, "display_name")
    r = dash.form("/dashboard/me/profile", {**PROFILE_FORM, "countries": "DE 50, AT 20"})
    assert error_of(r, "countries") == "The country percentages must add up to 100 % (± 1)."


def test_opting_in_needs_a_profile_then_opens_the_creator(app: Any) -> None:
    dash = CreatorDash(app)
    dash.join("mia.cooks", "mia@example.com")
    r = dash.form("/dashboard/me/availability", {**OPT_IN, "rate": ""})
    assert r.status_code == 422
    assert "Complete your profile first: audience, rate, followers." in text(r)
    r = dash.form("/dashboard/me/availability", {**OPT_IN, "rate": "4,00.0"})
    assert r.status_code == 422 and error_of(r, "rate")
    r = dash.form("/dashboard/me/availability", {**OPT_IN, "categories": []})
    assert r.status_code == 422
    dash.form("/dashboard/me/profile", PROFILE_FORM)
    r = dash.form("/dashboard/me/availability", {**OPT_IN, "weekly_capacity": "11"})
    assert r.status_code == 422 and "less than or equal to 10" in error_of(r, "weekly_capacity")
    r = dash.form("/dashboard/me/availability", OPT_IN)
    assert r.status_code == 303
    home = text(dash.get(r.headers["Location"]))
    assert "You are open to paid work" in home
    page = dash.get("/dashboard/me/availability").get_data(as_text=True)
    assert 'value="400.00"' in page and re.search(r'<input checked id="open"', page)
    r = dash.form("/dashboard/me/availability", {**OPT_IN, "open": ""})
    assert r.status_code == 303
    assert "not open to paid work" in text(dash.get("/dashboard/me"))


# --- offers --------------------------------------------------------------------------------------


def test_inbox_names_the_source_and_explains_the_offer(app: Any, brand_campaign: Any) -> None:
    brand, campaign = brand_campaign
    dash = open_creator(app)
    invite(brand, campaign["id"], creator_id(app, "mia.cooks"))
    home = text(dash.get("/dashboard/me"))
    assert "Invitation from the brand" in home
    assert "Lumen Skin: Winter barrier serum" in home
    assert "€400.00" in home
    assert "We love your routines." in home  # the explanation_for_creator quotes the note
    assert "answer by" in home


def test_counter_with_errors_then_history(app: Any, brand_campaign: Any, session: Any) -> None:
    brand, campaign = brand_campaign
    dash = open_creator(app)
    offer = invite(brand, campaign["id"], creator_id(app, "mia.cooks"))
    url = f"/dashboard/me/offers/{offer['id']}"
    page = text(dash.get(url))
    assert "The brand offered €400.00" in page and "“We love your routines.”" in page
    r = dash.form(url + "/counter", {"price": "abc", "message": ""}, page=url)
    assert r.status_code == 422
    assert error_of(r, "price") and error_of(r, "message")
    r = dash.form(url + "/counter", {"price": "90000", "message": "Two days."}, page=url)
    assert r.status_code == 409
    assert "The campaign cannot pay" in text(r)
    r = dash.form(url + "/counter", {"price": "550", "message": "Two days of filming."}, page=url)
    assert r.status_code == 303
    page = text(dash.get(url))
    assert "You countered €550.00" in page and "“Two days of filming.”" in page
    assert "Your counter awaits the brand" in page
    assert "Accept for" not in page  # the brand answers next
    session.expire_all()
    assert session.get(Offer, offer["id"]).status is OfferStatus.COUNTERED


def test_decline_with_a_reason(app: Any, brand_campaign: Any, session: Any) -> None:
    brand, campaign = brand_campaign
    dash = open_creator(app)
    offer = invite(brand, campaign["id"], creator_id(app, "mia.cooks"))
    url = f"/dashboard/me/offers/{offer['id']}"
    r = dash.form(url + "/decline", {"reason": "x" * 1001}, page=url)
    assert r.status_code == 422 and error_of(r, "reason")
    r = dash.form(url + "/decline", {"reason": "Not my style."}, page=url)
    assert r.status_code == 303
    assert session.get(Offer, offer["id"]).decline_reason == "Not my style."
    assert "Declined" in text(dash.get("/dashboard/me"))


def test_accept_deliver_report_and_get_paid(app: Any, brand_campaign: Any, session: Any) -> None:
    app.config["AUTO_APPROVE_DAYS"] = 5  # not the service's default: the page must pass it on
    brand, campaign = brand_campaign
    dash = open_creator(app)
    offer = invite(brand, campaign["id"], creator_id(app, "mia.cooks"))
    url = f"/dashboard/me/offers/{offer['id']}"
    r = dash.form(url + "/accept", {}, page=url)
    assert r.status_code == 303
    s_url = r.headers["Location"]
    sponsorship_id = int(s_url.rsplit("/", 1)[1])
    page = text(dash.get(s_url))
    assert "Accepted. Post for Lumen Skin by" in page and "Hand in the post" in page
    # the tracking link (the API's tracking_url) is on the page, to put in the post
    code = session.get(Sponsorship, sponsorship_id).tracking_code
    assert code and f"/r/{code}" in page
    session.rollback()  # end this read, so later reads see what the requests commit
    # the API's rules, beside the fields
    r = dash.form(s_url + "/deliver", {"url": "https://example.com/p/1"}, page=s_url)
    assert r.status_code == 422 and "Label the post as sponsored" in error_of(r, "disclosure")
    r = dash.form(s_url + "/deliver", {"url": "not a url", "disclosure": "y"}, page=s_url)
    assert r.status_code == 422 and error_of(r, "url") == "Not a valid URL."
    # counts before the post is handed in: the service refuses
    r = dash.form(s_url + "/deliver", {"url": "https://example.com/p/1", "disclosure": "y"},
                  page=s_url)  # fmt: skip
    assert r.status_code == 303
    page = text(dash.get(s_url))
    assert "Handed in, awaiting review" in page and "How the post is doing" in page
    session.rollback()
    told = session.scalars(select(Notification).filter_by(kind="sponsorship.delivered")).one()
    handed_in = session.get(Sponsorship, sponsorship_id).delivered_at
    assert told.data["auto_approve_at"] == (handed_in + timedelta(days=5)).isoformat()
    session.rollback()
    r = dash.form(s_url + "/metrics", {"views": "100", "likes": "", "comments": "1",
                                       "saves": "1", "shares": "1"}, page=s_url)  # fmt: skip
    assert r.status_code == 422 and error_of(r, "likes")
    r = dash.form(s_url + "/metrics", {"views": "2400", "likes": "90", "comments": "8",
                                       "saves": "15", "shares": "4"}, page=s_url)  # fmt: skip
    assert r.status_code == 303
    assert "Counts saved" in text(dash.get(s_url)) and "2,400" in text(dash.get(s_url))

    earnings = text(dash.get("/dashboard/me/earnings"))
    assert "No payouts yet" in earnings and "recorded here" in earnings  # ledger mode
    r = brand.post(f"/api/v1/sponsorships/{sponsorship_id}/approve")
    assert r.status_code == 200, r.json
    earnings = text(dash.get("/dashboard/me/earnings"))
    assert "Paid to you €400.00" in earnings
    assert "Lumen Skin: Winter barrier serum" in earnings and "Paid" in earnings
    assert session.get(Sponsorship, sponsorship_id).status is SponsorshipStatus.APPROVED


def test_a_creator_never_reaches_another_creators_work(app: Any, brand_campaign: Any) -> None:
    brand, campaign = brand_campaign
    mia = open_creator(app)
    offer = invite(brand, campaign["id"], creator_id(app, "mia.cooks"))
    url = f"/dashboard/me/offers/{offer['id']}"
    r = mia.form(url + "/accept", {}, page=url)
    s_url = r.headers["Location"]
    other = open_creator(app, "noa.glows", "noa@example.com")
    assert other.get(url).status_code == 404
    for action in ("accept", "decline"):
        assert other.form(f"{url}/{action}", {}, page="/dashboard/me").status_code == 404
    r = other.form(url + "/counter", {"price": "1", "message": "x"}, page="/dashboard/me")
    assert r.status_code == 404
    assert other.get(s_url).status_code == 404
    r = other.form(s_url + "/deliver", {"url": "https://e.com/p", "disclosure": "y"},
                   page="/dashboard/me")  # fmt: skip
    assert r.status_code == 404
    assert "Winter barrier serum" not in text(other.get("/dashboard/me/sponsorships"))


# --- open calls ----------------------------------------------------------------------------------


def test_apply_to_an_open_call(app: Any, brand_campaign: Any) -> None:
    brand, campaign = brand_campaign
    closes = (utcnow() + timedelta(days=3)).isoformat()
    r = brand.post(f"/api/v1/campaigns/{campaign['id']}/open-call", json={"closes_at": closes})
    assert r.status_code == 201, r.json
    dash = open_creator(app)
    home = text(dash.get("/dashboard/me"))
    assert "Open call" in home and "Lumen Skin: Winter barrier serum" in home
    url = f"/dashboard/me/open-calls/{campaign['id']}"
    page = dash.get(url).get_data(as_text=True)
    assert 'value="400.00"' in page  # the creator's own rate to start from
    r = dash.form(url, {"price": "0", "pitch": "   "})
    assert r.status_code == 422 and error_of(r, "price")
    r = dash.form(url, {"price": "380", "pitch": "My evening routine reels do well."})
    assert r.status_code == 303
    page = text(dash.get(url))
    assert "Applied at €380.00" in page and "Withdraw my application" in page
    assert dash.get("/dashboard/me/open-calls/999999").status_code == 404


# --- notifications -------------------------------------------------------------------------------


def test_notifications_list_and_mark_read(app: Any, session: Any) -> None:
    dash = open_creator(app)
    other = open_creator(app, "noa.glows", "noa@example.com")
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        mine = s.scalar(select(Creator).where(Creator.handle == "mia.cooks")).account_id
        theirs = s.scalar(select(Creator).where(Creator.handle == "noa.glows")).account_id
        notify(s, mine, "offers.new", "A new offer from Lumen Skin", "€400.00 for one post.")
        notify(s, theirs, "offers.new", "Not for Mia", "…")
    raw = dash.get("/dashboard/me/notifications").get_data(as_text=True)
    assert "A new offer from Lumen Skin" in raw and "Not for Mia" not in raw
    assert 'aria-label="1 unread"' in raw
    n_id = session.scalar(select(Notification.id).where(Notification.account_id == mine))
    assert other.form(f"/dashboard/me/notifications/{n_id}/read", {},
                      page="/dashboard/me").status_code == 404  # fmt: skip
    r = dash.form(f"/dashboard/me/notifications/{n_id}/read", {}, page="/dashboard/me")
    assert r.status_code == 303
    session.rollback()
    assert session.get(Notification, n_id).read_at is not None
    raw = dash.get("/dashboard/me/notifications").get_data(as_text=True)
    assert 'aria-label="1 unread"' not in raw and "Mark all read" not in raw


# --- payouts with Stripe -------------------------------------------------------------------------


def test_stripe_mode_sends_the_creator_to_onboarding(make_app: Any, stripe_standin: Any) -> None:
    app = make_app(**stripe_config(stripe_standin))
    dash = open_creator(app)
    page = text(dash.get("/dashboard/me/earnings"))
    assert "set up your payout account with Stripe" in page
    r = dash.form("/dashboard/me/earnings/payout-account", {}, page="/dashboard/me/earnings")
    assert r.status_code == 303
    assert r.headers["Location"].startswith(stripe_standin.base_url)
    assert "Continue the payout set-up" in text(dash.get("/dashboard/me/earnings"))


def test_an_offer_from_the_weekly_match_run_arrives_in_the_inbox(
    app: Any, make_creator: Any
) -> None:
    from tests.e2e.dashboard_helpers import build_market

    market = build_market(app, make_creator, creators=1)
    [creator] = market.creators
    email = creator.get("/api/v1/creators/me").json["email"]
    dash = CreatorDash(app)
    assert dash.login(email).status_code == 302
    home = text(dash.get("/dashboard/me"))
    assert "Matched for you" in home and "Awaiting your answer" in home
    assert "Lumen Skin: Winter barrier serum" in home and "Why you:" in home
    [offer] = creator.get("/api/v1/creators/me/offers").json["items"]
    page = text(dash.get(f"/dashboard/me/offers/{offer['id']}"))
    assert "Dandelion's matching offered" in page
    assert offer["explanation_for_creator"] in page
