"""The brand dashboard, server side: pages, forms, sessions, CSRF, tenant isolation, limits."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from accounts.models import ApiToken, PasswordResetToken
from accounts.password_reset import issue_reset_token, reset_password
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import Sponsorship, SponsorshipStatus
from core.db import session_scope, utcnow
from core.errors import InvalidInput, NotFound
from payments.models import Payout, PayoutStatus
from tests.conftest import PASSWORD
from tests.e2e.dashboard_helpers import (
    OPERATOR_EMAIL,
    Dash,
    accept_and_deliver,
    build_market,
    campaign_form,
    confirm,
    create_campaign,
    make_operator,
)
from tests.factories import fresh


def text(response) -> str:
    return response.get_data(as_text=True)


def campaign_row(session, campaign_id: int) -> Campaign:
    return fresh(session, Campaign, campaign_id)


# --- sign up, log in, log out ---------------------------------------------------------------


def test_signup_lands_on_an_empty_state_that_says_what_to_do(app):
    dash = Dash(app)
    r = dash.signup("Glow Labs", "glow@example.com")
    assert r.headers["Location"].endswith("/dashboard/campaigns")
    page = text(dash.get("/dashboard/campaigns"))
    assert "Welcome to Dandelion, Glow Labs" in page
    assert "Create your first campaign" in page
    assert "Fund" in page and "Publish" in page


def test_signup_shows_the_api_rules_beside_the_fields(app):
    dash = Dash(app)
    data = {"name": "Glow", "email": "not-an-email", "password": "short", "confirm": "short"}
    r = dash.post("/dashboard/signup", data, page="/dashboard/signup")
    assert r.status_code == 422
    page = text(r)
    assert 'id="email-error"' in page and "Not a valid email address." in page
    assert 'id="password-error"' in page and "Length must be between 10 and 256." in page
    dash.signup("Glow", "glow@example.com")
    again = Dash(app).post(
        "/dashboard/signup",
        {"name": "Glow", "email": "GLOW@example.com", "password": PASSWORD, "confirm": PASSWORD},
        page="/dashboard/signup",
    )
    assert again.status_code == 422
    assert "Already registered." in text(again)


def test_login_logout_and_pages_need_a_session(app):
    Dash(app).signup("Glow Labs", "glow@example.com")
    dash = Dash(app)
    r = dash.get("/dashboard/campaigns")
    assert r.status_code == 302
    assert "/dashboard/login?next=" in r.headers["Location"]
    wrong = dash.login("glow@example.com", "not the password")
    assert wrong.status_code == 401
    assert "Invalid email or password." in text(wrong)
    r = dash.post(
        "/dashboard/login?next=/dashboard/reviews",
        {"email": "glow@example.com", "password": PASSWORD},
        page="/dashboard/login",
    )
    assert r.status_code == 302 and r.headers["Location"] == "/dashboard/reviews"
    assert dash.get("/dashboard/campaigns").status_code == 200
    out = dash.post("/dashboard/logout")
    assert out.status_code == 303
    assert dash.get("/dashboard/campaigns").status_code == 302


def test_login_never_redirects_off_site(app):
    Dash(app).signup("Glow Labs", "glow@example.com")
    for target in ("https://evil.example/x", "//evil.example/x", "/api/v1/campaigns"):
        dash = Dash(app)
        r = dash.post(
            f"/dashboard/login?next={target}",
            {"email": "glow@example.com", "password": PASSWORD},
            page="/dashboard/login",
        )
        assert r.status_code == 302
        assert r.headers["Location"] == "/dashboard/campaigns", target


def test_creators_log_in_to_their_own_pages(app, make_creator):
    creator = make_creator()
    r = app.test_client().get("/api/v1/creators/me", headers=creator.headers)
    email = r.json["email"]
    r = Dash(app).login(email)
    assert r.status_code == 302
    assert r.headers["Location"] == "/dashboard/me"


def test_session_cookie_flags_and_security_headers(make_app):
    app = make_app(SESSION_COOKIE_SECURE=True)
    dash = Dash(app)
    r = dash.get("/dashboard/signup")
    assert "frame-ancestors 'none'" in r.headers["Content-Security-Policy"]
    assert r.headers["X-Frame-Options"] == "DENY"
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie


def test_a_replayed_session_cookie_from_another_browser_is_not_logged_in(app):
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    cookie = dash.client.get_cookie("session")
    thief = app.test_client()
    thief.set_cookie("session", cookie.value)
    r = thief.get("/dashboard/campaigns", headers={"User-Agent": "another browser"})
    assert r.status_code == 302  # session protection "strong": a changed identity logs out


# --- CSRF -------------------------------------------------------------------------------------


def test_forms_without_a_csrf_token_are_refused(app, session):
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    campaign_id = create_campaign(dash)
    for url, data in (
        ("/dashboard/campaigns/new", campaign_form(title="No token")),
        (f"/dashboard/campaigns/{campaign_id}/fund", {}),
        (f"/dashboard/campaigns/{campaign_id}/delete", {}),
        ("/dashboard/logout", {}),
        ("/dashboard/login", {"email": "glow@example.com", "password": PASSWORD}),
    ):
        r = dash.client.post(url, data=data)
        assert r.status_code == 400, url
        assert "This form could not be accepted" in text(r)
    forged = dash.client.post(
        f"/dashboard/campaigns/{campaign_id}/fund", data={"csrf_token": "forged"}
    )
    assert forged.status_code == 400
    assert campaign_row(session, campaign_id).status is CampaignStatus.DRAFT
    assert session.scalar(select(Campaign).where(Campaign.title == "No token")) is None
    assert dash.get("/dashboard/campaigns").status_code == 200  # still logged in


def test_the_json_api_stays_csrf_exempt(app):
    client = app.test_client()
    body = {"name": "Glow", "email": "glow@example.com", "password": PASSWORD}
    assert client.post("/api/v1/brands", json=body).status_code == 201
    r = client.post("/api/v1/tokens", json={"email": body["email"], "password": PASSWORD})
    assert r.status_code == 201
    headers = {"Authorization": f"Bearer {r.json['token']}"}
    from tests.conftest import campaign_body

    assert (
        client.post("/api/v1/campaigns", json=campaign_body(), headers=headers).status_code == 201
    )


# --- rate limit -------------------------------------------------------------------------------


def test_login_is_rate_limited(make_app, limiter_clock):
    app = make_app(
        RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://", RATELIMIT_LOGIN="3 per minute"
    )
    Dash(app).signup("Glow Labs", "glow@example.com")
    dash = Dash(app, remote_addr="10.1.1.1")
    for _ in range(3):
        assert dash.login("glow@example.com", "wrong password!").status_code == 401
    limited = dash.login("glow@example.com", PASSWORD)
    assert limited.status_code == 429
    assert "Too many attempts" in text(limited)
    assert limited.headers.get("Retry-After")
    assert dash.get("/dashboard/login").status_code == 200  # only POSTs count
    other = Dash(app, remote_addr="10.1.1.2")
    assert other.login("glow@example.com", PASSWORD).status_code == 302


# --- password reset ---------------------------------------------------------------------------


def test_reset_token_flow(app, session):
    owner = Dash(app)
    owner.signup("Glow Labs", "glow@example.com")
    api = owner.api_user("glow@example.com")
    result = app.test_cli_runner().invoke(
        args=["accounts", "reset-token", "--email", "GLOW@example.com"]
    )
    assert result.exit_code == 0, result.output
    token = re.search(r"reset\?token=(\S+)", result.output).group(1)
    assert session.scalar(select(PasswordResetToken.token_hash)) != token  # stored hashed

    dash = Dash(app)
    page = text(dash.get(f"/dashboard/reset?token={token}"))
    assert f'value="{token}"' in page
    new = "a brand new passphrase"
    mismatch = dash.post(
        "/dashboard/reset",
        {"token": token, "password": new, "confirm": "other"},
        page="/dashboard/reset",
    )
    assert mismatch.status_code == 422 and "The two passwords differ." in text(mismatch)
    short = dash.post(
        "/dashboard/reset",
        {"token": token, "password": "short", "confirm": "short"},
        page="/dashboard/reset",
    )
    assert short.status_code == 422 and "Between 10 and 256 characters." in text(short)
    done = dash.post(
        "/dashboard/reset",
        {"token": token, "password": new, "confirm": new},
        page="/dashboard/reset",
    )
    assert done.status_code == 303 and done.headers["Location"].endswith("/dashboard/login")

    assert Dash(app).login("glow@example.com", PASSWORD).status_code == 401
    assert Dash(app).login("glow@example.com", new).status_code == 302
    # The session opened with the old password has ended, and so have the API tokens.
    assert owner.get("/dashboard/campaigns").status_code == 302
    assert api.get("/api/v1/campaigns").status_code == 401
    again = Dash(app).post(
        "/dashboard/reset",
        {"token": token, "password": new, "confirm": new},
        page="/dashboard/reset",
    )
    assert again.status_code == 422 and "invalid, used or expired" in text(again)


def test_reset_tokens_expire_and_a_new_one_voids_the_old(app):
    Dash(app).signup("Glow Labs", "glow@example.com")
    factory = app.extensions["dandelion.db"].session_factory
    with app.app_context(), session_scope(factory) as s:
        old = issue_reset_token(s, "glow@example.com")
        new = issue_reset_token(s, "glow@example.com", ttl=timedelta(minutes=5))
        with pytest.raises(NotFound):
            issue_reset_token(s, "nobody@example.com")
    with app.app_context(), session_scope(factory) as s:
        with pytest.raises(InvalidInput):
            reset_password(s, old, "a brand new passphrase")
        with pytest.raises(InvalidInput):
            reset_password(s, new, "a brand new passphrase", now=utcnow() + timedelta(minutes=6))
        reset_password(s, new, "a brand new passphrase")


def test_the_cli_refuses_an_unknown_email_cleanly(app):
    result = app.test_cli_runner().invoke(
        args=["accounts", "reset-token", "--email", "x@example.com"]
    )
    assert result.exit_code == 1
    assert "No account has this email." in result.output
    assert "Traceback" not in result.output


# --- campaigns --------------------------------------------------------------------------------


def test_campaign_form_normalises_weights_and_percentages(app, session):
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    campaign_id = create_campaign(
        dash, budget="1,234.50", interest_skincare="3", interest_makeup="1"
    )
    c = campaign_row(session, campaign_id)
    assert c.budget_amount == 123_450 and c.currency == "EUR"
    assert c.target_audience == {
        "interests": {"skincare": 0.75, "makeup": 0.25},
        "gender": {"female": 0.7, "male": 0.3},
        "city_tiers": {"1": 0.5, "2": 0.3, "3": 0.2},
        "age": {"18-24": 0.4, "25-34": 0.4, "35-44": 0.2},
    }
    edit = text(dash.get(f"/dashboard/campaigns/{campaign_id}/edit"))
    assert 'name="interest_skincare"' in edit and 'value="75"' in edit
    assert 'name="budget" type="text" value="1,234.50"' in edit


def test_campaign_form_puts_the_api_rules_beside_the_fields(app, session):
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    bad = campaign_form(
        title="ab",
        budget="12.345",
        slots="0",
        interest_skincare="0",
        interest_makeup="0",
        city_tier_3="10",
        ends_on="2000-01-01",
        competitor_group="Not A Slug",
    )
    r = dash.post("/dashboard/campaigns/new", bad, page="/dashboard/campaigns/new")
    assert r.status_code == 422
    page = text(r)
    expected = {
        "title-error": "Length must be between 3 and 140.",
        "budget-error": "has more decimals than EUR amounts (2 decimal places)",
        "slots-error": "Must be greater than or equal to 1",
        "interests-error": "Give at least one interest a weight above 0.",
        "city_tiers-error": "These add up to 90 %; make them add up to 100 % (± 1).",
    }
    for element_id, message in expected.items():
        match = re.search(rf'id="{element_id}">(.*?)</p>', page)
        assert match, element_id
        assert message in match.group(1), (element_id, match.group(1))
    assert 'aria-invalid="true"' in page
    assert "competitor_group-error" not in page  # "Not A Slug" is slugged, not refused
    # every problem at once, in a summary at the top linked to its field, by its label
    summary = re.search(r'id="error-summary".*?</div>', page, re.S).group(0)
    assert '<a href="#title">Title</a>' in summary and '<a href="#budget">Budget</a>' in summary
    assert '<a href="#slots">Creators wanted</a>' in summary
    assert '<a href="#part-interests">Interests</a>' in summary
    assert 'value="12.345"' in page  # what was typed stays
    assert session.scalar(select(Campaign)) is None

    r = dash.post(
        "/dashboard/campaigns/new",
        campaign_form(ends_on="2000-01-01"),
        page="/dashboard/campaigns/new",
    )
    assert r.status_code == 422
    assert re.search(
        r'id="ends_on-error">[^<]*Must be on or after the start date \(\d\d \w{3} \d{4}\)\.',
        text(r),
    )
    r = dash.post(
        "/dashboard/campaigns/new",
        campaign_form(min_followers="5000", max_followers="100"),
        page="/dashboard/campaigns/new",
    )
    assert r.status_code == 422  # a service rule (not in the schema), beside its field too
    assert re.search(
        r'id="max_followers-error">[^<]*Must be at least “Fewest followers” \(5,000\)\.', text(r)
    )


def test_fund_publish_and_cancel_with_a_confirmation_step(app, session):
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    campaign_id = create_campaign(dash)
    page = text(dash.get(f"/dashboard/campaigns/{campaign_id}/fund"))
    assert "€5,000.00" in page and "€500.00" in page and "€5,500.00" in page
    assert campaign_row(session, campaign_id).status is CampaignStatus.DRAFT  # GET changes nothing
    r = confirm(dash, campaign_id, "fund")
    assert r.status_code == 303
    assert "Funded: €5,500.00 received" in text(dash.get(r.headers["Location"]))
    assert campaign_row(session, campaign_id).status is CampaignStatus.FUNDED
    # An action the state does not allow: the page says so instead of confirming.
    again = dash.get(f"/dashboard/campaigns/{campaign_id}/fund")
    assert again.status_code == 302
    refused = dash.post(f"/dashboard/campaigns/{campaign_id}/fund")
    assert refused.status_code == 303
    assert "Only drafts can be funded" in text(dash.get(refused.headers["Location"]))
    assert confirm(dash, campaign_id, "publish").status_code == 303
    assert campaign_row(session, campaign_id).status is CampaignStatus.PUBLISHED
    assert confirm(dash, campaign_id, "cancel").status_code == 303
    assert campaign_row(session, campaign_id).status is CampaignStatus.CANCELLED
    report = text(dash.get(f"/dashboard/campaigns/{campaign_id}/report"))
    assert "Spend over time" in report and "<svg" in report and "Refunded" in report


def test_live_campaigns_change_only_title_brief_and_end(app, session):
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    campaign_id = create_campaign(dash)
    confirm(dash, campaign_id, "fund")
    url = f"/dashboard/campaigns/{campaign_id}/edit"
    page = text(dash.get(url))
    assert 'name="budget"' not in page and "fixed" in page
    r = dash.post(url, campaign_form(title="Renamed serum", budget="1"), page=url)
    assert r.status_code == 303
    c = campaign_row(session, campaign_id)
    assert c.title == "Renamed serum" and c.budget_amount == 500_000


def test_delete_a_draft(app, session):
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    campaign_id = create_campaign(dash)
    r = confirm(dash, campaign_id, "delete")
    assert r.status_code == 303 and r.headers["Location"].endswith("/dashboard/campaigns")
    session.rollback()
    assert session.get(Campaign, campaign_id) is None


# --- the whole market: every page renders -----------------------------------------------------


@pytest.fixture
def market(app, make_creator):
    return build_market(app, make_creator)


def test_every_page_renders(app, market, session):
    sponsorship_id = accept_and_deliver(market.creators[0])
    brand, cid = market.brand, market.campaign_id
    pages = [
        "/dashboard/",
        "/dashboard/campaigns",
        "/dashboard/campaigns?status=published",
        "/dashboard/campaigns/new",
        f"/dashboard/campaigns/{cid}",
        f"/dashboard/campaigns/{cid}/edit",
        f"/dashboard/campaigns/{cid}/matches",
        f"/dashboard/campaigns/{cid}/sponsorships",
        f"/dashboard/campaigns/{cid}/report",
        f"/dashboard/campaigns/{cid}/complete",
        f"/dashboard/campaigns/{cid}/cancel",
        "/dashboard/reviews",
        f"/dashboard/sponsorships/{sponsorship_id}/approve",
        f"/dashboard/sponsorships/{sponsorship_id}/reject",
    ]
    for url in pages:
        r = brand.get(url, follow_redirects=True)
        assert r.status_code == 200, (url, text(r)[:500])
        assert "<main" in text(r)
    for url in (
        "/dashboard/operator/runs",
        f"/dashboard/operator/runs/{market.run_id}",
        "/dashboard/operator/reset-tokens",
    ):
        r = market.operator.get(url)
        assert r.status_code == 200, url
    anonymous = Dash(app)
    for url in ("/dashboard/login", "/dashboard/signup", "/dashboard/reset"):
        assert anonymous.get(url).status_code == 200
    assert 'href="/dashboard/"' in text(anonymous.get("/"))


def test_matches_show_offers_with_explanations_and_status(market):
    page = text(market.brand.get(f"/dashboard/campaigns/{market.campaign_id}/matches"))
    assert "Offers from" in page
    assert "should reach about" in page  # the explanation sentence
    assert "status-proposed" in page
    assert "% women" in page  # the audience summary
    assert "€400.00" in page  # the price
    assert re.search(r"of 3 slots filled", page)
    assert "stayed empty" in page  # 2 creators for 3 slots: why one slot is unfilled


def test_approve_pays_the_creator_and_the_report_shows_it(market, session):
    sponsorship_id = accept_and_deliver(market.creators[0])
    brand = market.brand
    reviews = text(brand.get("/dashboard/reviews"))
    assert "https://example.com/posts/1" in reviews and "✓ Yes" in reviews
    assert '<span class="badge"' in reviews
    url = f"/dashboard/sponsorships/{sponsorship_id}/approve"
    assert "Approve and pay €400.00" in text(brand.get(url))
    r = brand.post(url, page=url)
    assert r.status_code == 303
    follow = text(brand.get(r.headers["Location"]))
    assert "Approved. €400.00 is paid to @" in follow
    payout = fresh(session, Sponsorship, sponsorship_id)
    assert payout.status is SponsorshipStatus.APPROVED
    session.rollback()
    assert session.scalar(select(Payout.status)) is PayoutStatus.PAID
    assert "€400.00</strong> paid to" in follow
    report = text(brand.get(f"/dashboard/campaigns/{market.campaign_id}/report"))
    assert re.search(r'data-testid="paid">€400.00<', report)
    assert re.search(r'data-testid="cost-per-target">€\d+\.\d{2,3}<', report)
    assert "approved post" in report
    # Approving twice is refused with a message, and pays nothing more.
    again = brand.post(url, page=url)
    assert "Only delivered posts can be approved" in text(brand.get(again.headers["Location"]))


def test_reject_needs_a_reason_and_sends_the_post_back(market, session):
    sponsorship_id = accept_and_deliver(market.creators[0])
    brand = market.brand
    url = f"/dashboard/sponsorships/{sponsorship_id}/reject"
    short = brand.post(url, {"reason": "no"}, page=url)
    assert short.status_code == 422
    assert "Length must be between 3 and 1000." in text(short)
    r = brand.post(url, {"reason": "Please label the post as an ad."}, page=url)
    assert r.status_code == 303
    s = fresh(session, Sponsorship, sponsorship_id)
    assert s.status is SponsorshipStatus.REJECTED
    assert s.rejection_reason == "Please label the post as an ad."


# --- tenants and roles ------------------------------------------------------------------------


def test_a_brand_never_sees_or_changes_another_brands_campaign(app, market, session):
    sponsorship_id = accept_and_deliver(market.creators[0])
    other = Dash(app)
    other.signup("Rival", "rival@example.com")
    cid = market.campaign_id
    for url in (
        f"/dashboard/campaigns/{cid}",
        f"/dashboard/campaigns/{cid}/edit",
        f"/dashboard/campaigns/{cid}/matches",
        f"/dashboard/campaigns/{cid}/sponsorships",
        f"/dashboard/campaigns/{cid}/report",
        f"/dashboard/campaigns/{cid}/cancel",
        f"/dashboard/sponsorships/{sponsorship_id}/approve",
        f"/dashboard/sponsorships/{sponsorship_id}/reject",
        "/dashboard/campaigns/999999",
    ):
        r = other.get(url)
        assert r.status_code == 404, url
        assert "Lumen" not in text(r) and "Winter barrier serum" not in text(r)
    for url, data in (
        (f"/dashboard/campaigns/{cid}/edit", campaign_form(title="Hijacked")),
        (f"/dashboard/campaigns/{cid}/cancel", {}),
        (f"/dashboard/campaigns/{cid}/complete", {}),
        (f"/dashboard/sponsorships/{sponsorship_id}/approve", {}),
        (f"/dashboard/sponsorships/{sponsorship_id}/reject", {"reason": "Not yours to judge"}),
    ):
        assert other.post(url, data).status_code == 404, url
    c = campaign_row(session, cid)
    assert c.title == "Winter barrier serum" and c.status is CampaignStatus.PUBLISHED
    assert fresh(session, Sponsorship, sponsorship_id).status is SponsorshipStatus.DELIVERED
    assert "Winter barrier serum" not in text(other.get("/dashboard/campaigns"))
    assert "example.com/posts/1" not in text(other.get("/dashboard/reviews"))


def test_roles_keep_to_their_pages(app, market):
    assert market.brand.get("/dashboard/operator/runs").status_code == 403
    assert market.operator.get("/dashboard/campaigns").status_code == 403
    assert market.operator.get("/dashboard/").headers["Location"].endswith("/operator/runs")


def test_operator_sees_run_figures_and_issues_reset_tokens(app, market):
    page = text(market.operator.get("/dashboard/operator/runs"))
    assert "status-succeeded" in page and "<progress" in page
    run = text(market.operator.get(f"/dashboard/operator/runs/{market.run_id}"))
    labels = (
        "Engaged target audience offered",
        "Most any assignment could reach",
        "Short of that ceiling by",
        "Candidate pairs",
        "Offers created",
        "Ceiling measured over",
        'the whole market <span class="muted small">(whole-market LP)</span>',
        "Ceiling of the candidates alone",
        "Pricing the market",
    )
    for label in labels:
        assert label in run
    again = market.operator.post(
        "/dashboard/operator/runs", {"week": "not a week"}, page="/dashboard/operator/runs"
    )
    assert again.status_code == 422 and "Use the ISO form" in text(again)
    url = "/dashboard/operator/reset-tokens"
    r = market.operator.post(url, {"email": market.brand_email}, page=url)
    assert r.status_code == 200
    token = re.search(r'<code class="token">([^<]+)</code>', text(r)).group(1)
    assert len(token) > 30
    missing = market.operator.post(url, {"email": "nobody@example.com"}, page=url)
    assert missing.status_code == 422


def test_operator_login_and_api_tokens_are_separate(app, session):
    make_operator(app)
    dash = Dash(app)
    assert dash.login(OPERATOR_EMAIL).status_code == 302
    assert session.scalar(select(ApiToken)) is None  # a dashboard login issues no API token


def test_list_money_matches_the_ledger_report(app, market):
    sponsorship_id = accept_and_deliver(market.creators[0])
    url = f"/dashboard/sponsorships/{sponsorship_id}/approve"
    market.brand.post(url, page=url)
    accept_and_deliver(market.creators[1], "https://example.com/posts/2")
    from dashboard.queries import money_by_campaign
    from payments.ledger import campaign_money

    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        campaign = s.get(Campaign, market.campaign_id)
        one = campaign_money(s, campaign)
        many = money_by_campaign(s, [campaign])[campaign.id]
        s.close()
    for name in ("funded", "committed", "paid", "refunded", "remaining", "fees"):
        assert getattr(many, name) == getattr(one, name), name
    assert one.paid > 0 and one.committed > 0
    page = text(market.brand.get("/dashboard/campaigns"))
    used = f"€{(one.committed + one.paid) / 100:,.2f} of €5,000.00"
    assert used in page


def test_huge_ids_and_pages_are_not_server_errors(app, market):
    huge = 10**30
    for url in (
        f"/dashboard/campaigns/{huge}",
        f"/dashboard/campaigns/{huge}/report",
        f"/dashboard/sponsorships/{huge}/approve",
    ):
        assert market.brand.get(url).status_code == 404, url
    for url in (
        f"/dashboard/campaigns?page={huge}",
        "/dashboard/campaigns?page=-3",
        "/dashboard/reviews?page=x",
    ):
        assert market.brand.get(url).status_code == 200, url
    assert market.operator.get(f"/dashboard/operator/runs?page={huge}").status_code == 200
    assert market.operator.get(f"/dashboard/operator/runs/{huge}").status_code == 404
    assert market.brand.get("/dashboard/campaigns?status=bogus").status_code == 404
