"""The dashboard's creator profile (``dashboard.creator_profile``): what a brand reads before
deciding, with and without a campaign, who may see it, and the tenant walls."""

from __future__ import annotations

import re

import pytest
from flask import url_for

from campaigns.models import Campaign
from core.fit_words import fit_label
from matching.jobs import expire_offers_job
from matching.market.fit import fit_breakdown
from tests.e2e.dashboard_helpers import Dash, create_campaign, make_operator
from tests.factories import AUDIENCE, ago, fresh, open_up
from tests.helpers import MISSING_ID


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def brand(app) -> Dash:
    dash = Dash(app)
    dash.signup("Lumen Skin", "lumen@example.com")
    return dash


@pytest.fixture
def rival(app) -> Dash:
    dash = Dash(app)
    dash.signup("Rival Beauty", "rival@example.com")
    return dash


def page_url(creator_id: int, campaign_id: int | str | None = None) -> str:
    url = f"/dashboard/creators/{creator_id}"
    return url if campaign_id is None else f"{url}?campaign_id={campaign_id}"


def close(creator) -> None:
    r = creator.put(
        "/api/v1/creators/me/availability", json={"open": False, "until": None, "categories": []}
    )
    assert r.status_code == 200, r.get_json()


def test_the_endpoint_and_its_arguments_build_the_url_the_matches_page_links_to(app):
    with app.test_request_context():
        assert (
            url_for("dashboard.creator_profile", creator_id=41, campaign_id=7)
            == "/dashboard/creators/41?campaign_id=7"
        )
        assert url_for("dashboard.creator_profile", creator_id=41) == "/dashboard/creators/41"


def test_without_a_campaign_the_page_shows_the_profile_and_a_campaign_picker(
    brand, rival, make_creator
):
    creator = make_creator("mia.glow")
    open_up(creator, categories=["skincare", "beauty"])
    mine = create_campaign(brand, title="Winter barrier serum")
    create_campaign(rival, title="Rival secret launch")

    r = brand.get(page_url(creator.id))

    assert r.status_code == 200, text(r)[:500]
    page = text(r)
    assert "@mia.glow" in page and "Mia Cooks" in page
    assert "12,000" in page  # followers
    assert "5.0 %" in page  # engagement rate
    assert "€400.00" in page  # the rate, formatted like the rest of the dashboard
    assert "beauty" in page and "skincare" in page
    assert "open to paid work" in page
    # No history: "new on Dandelion", never a 0 %.
    assert page.count("New on Dandelion") == 2 and "None yet" in page
    assert 'data-testid="reply-rate"' not in page
    # The audience alone, and a GET form to pick one of the brand's own campaigns.
    assert "Skincare" in page and "60 %" in page
    form = re.search(r'<form method="get"[^>]*>(.*?)</form>', page, re.S)
    assert form, "a campaign picker"
    assert f'value="{mine}"' in form.group(1) and "Winter barrier serum" in form.group(1)
    assert "Rival secret launch" not in page
    assert "Fit to “" not in page and '<svg class="chart' not in page  # no fit chart
    assert "None of your campaigns has made an offer" in page
    assert "<script>" not in page and "style=" not in page  # the CSP allows neither


def test_with_a_campaign_the_page_compares_the_audience_with_its_target(
    app, brand, make_creator, session
):
    creator = make_creator("mia.glow")
    open_up(creator)
    campaign_id = create_campaign(brand, title="Winter barrier serum")

    r = brand.get(page_url(creator.id, campaign_id))

    assert r.status_code == 200, text(r)[:500]
    page = text(r)
    assert "Fit to “Winter barrier serum”" in page
    target = fresh(session, Campaign, campaign_id).target_audience
    expected = fit_breakdown(AUDIENCE, target)
    assert f'data-testid="fit">{fit_label(expected["fit"])}<' in page  # a word and a bar
    people = round(12_000 * 0.05 * expected["fit"])
    assert f'data-testid="expected">≈ {people:,}<' in page
    # One chart per part, the creator's share beside the target's; the numbers in a table.
    assert page.count('<svg class="chart bars"') == 4
    for part in ("Interests", "Gender", "City tiers", "Age"):
        assert re.search(rf"<strong>{part}</strong> · \d+ % match", page)
    assert "This creator" in page
    assert '<td>Interests</td><td>Skincare</td><td class="num">75 %</td>' in page
    assert '<td class="num">60 %</td>' in page  # the creator's skincare share
    # The picker keeps the chosen campaign selected.
    assert f'<option value="{campaign_id}" selected>' in page
    assert f'href="/dashboard/campaigns/{campaign_id}/matches"' in page  # the way back


def test_reliability_shows_the_measured_rates(app, brand, make_creator, make_offer):
    creator = make_creator()
    open_up(creator)
    brand_api = brand.api_user("lumen@example.com")
    campaigns = []
    for title in ("Serum", "Toner"):
        campaign_id = create_campaign(brand, title=title)
        for action in ("fund", "publish"):
            assert brand_api.post(f"/api/v1/campaigns/{campaign_id}/{action}").status_code == 200
        campaigns.append(campaign_id)
    answered = make_offer(campaigns[0], creator, created_at=ago(hours=3))
    assert creator.post(f"/api/v1/offers/{answered.id}/accept").status_code == 201
    make_offer(campaigns[1], creator, created_at=ago(days=8), expires_at=ago(days=1))
    with app.app_context():
        assert expire_offers_job() == 1

    page = text(brand.get(page_url(creator.id)))

    assert 'data-testid="reply-rate">50 %<' in page  # one answered in time, one left to expire
    assert "No post due yet" in page  # the accepted one is due at the campaign's end
    assert "new on Dandelion" not in page
    # Both of this brand's offers are listed, with their status.
    assert "status-accepted" in page and "status-expired" in page
    assert "Serum" in page and "Toner" in page


# --- who may see whom -----------------------------------------------------------------------------


def test_hidden_creators_and_other_brands_campaigns_are_404_pages(
    brand, rival, make_creator, make_offer
):
    creator = make_creator("quiet.one")
    open_up(creator)
    theirs = create_campaign(rival, title="Rival secret launch")
    make_offer(theirs, creator)
    close(creator)
    mine = create_campaign(brand)
    brand.get("/dashboard/campaigns")  # shows the "draft saved" message, so neither page has it

    hidden = brand.get(page_url(creator.id))
    missing = brand.get(page_url(MISSING_ID))
    assert hidden.status_code == missing.status_code == 404
    assert "quiet.one" not in text(hidden)
    assert text(hidden) == text(missing)
    # The rival's offer makes the creator visible to the rival only.
    assert rival.get(page_url(creator.id)).status_code == 200

    make_offer(mine, creator)
    r = brand.get(page_url(creator.id))
    assert r.status_code == 200
    assert "not taking paid work now" in text(r)
    for campaign_arg in (theirs, MISSING_ID, "abc", "0", str(2**40)):
        r = brand.get(page_url(creator.id, campaign_arg))
        assert r.status_code == 404, campaign_arg
        assert "Rival secret launch" not in text(r)
    assert brand.get(page_url(creator.id, "")).status_code == 200  # the picker's empty choice


def test_the_page_never_lists_another_brands_offers(brand, rival, make_creator, make_offer):
    creator = make_creator()
    open_up(creator)
    theirs = create_campaign(rival, title="Rival secret launch")
    make_offer(theirs, creator, price_amount=77_700)
    mine = create_campaign(brand, title="Winter barrier serum")
    make_offer(mine, creator, price_amount=41_000)

    page = text(brand.get(page_url(creator.id)))

    assert "Winter barrier serum" in page and "€410.00" in page
    assert "Rival secret launch" not in page and "€777.00" not in page
    assert f"/dashboard/campaigns/{theirs}" not in page
    rival_page = text(rival.get(page_url(creator.id)))
    assert "Rival secret launch" in rival_page and "Winter barrier serum" not in rival_page


def test_brand_login_is_required(app, make_creator):
    creator = make_creator()
    open_up(creator)
    anonymous = Dash(app)
    r = anonymous.get(page_url(creator.id))
    assert r.status_code == 302 and "/dashboard/login" in r.headers["Location"]
    make_operator(app)
    operator = Dash(app)
    assert operator.login("ops@example.com").status_code == 302
    assert operator.get(page_url(creator.id)).status_code == 403
