"""The report page and the profile with real results flowing in: forecast against actual (a
chart and a table), flagged snapshots said in words, clicks and conversions per creator; the
landing page on the campaign form; another brand cannot read the report."""

from __future__ import annotations

from tests.e2e.dashboard_helpers import Dash, create_campaign
from tests.results_market import LANDING, seed_results


def test_report_shows_forecast_against_actual_and_attribution(app, make_creator):
    seeded = seed_results(app, make_creator)
    market = seeded["market"]
    first, _ = seeded["creators"]
    page = market.brand.get(f"/dashboard/campaigns/{market.campaign_id}/report")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Forecast against actual" in html
    assert 'aria-labelledby="fva-title fva-desc"' in html  # the SVG chart
    assert '580 <span class="muted">(30d)</span>' in html  # 500 + 40 + 30 + 10
    assert "1 implausible snapshot left out" in html
    assert "fewer views than likes" in html
    assert "code GLOW10" in html
    table = html[html.index('data-testid="results-table"') :]
    assert 'data-testid="clicks">1<' in table and 'data-testid="conversions">2<' in table
    assert "not measured" in table  # the second creator sent nothing yet
    # Another brand: the same 404 as a missing campaign.
    other = Dash(app, remote_addr="10.0.0.9")
    other.signup("Other Brand", "other@example.com")
    assert other.get(f"/dashboard/campaigns/{market.campaign_id}/report").status_code == 404
    # The creator's profile shows "delivers what was forecast" (580 of 600 forecast).
    profile = market.brand.get(f"/dashboard/creators/{first.id}").get_data(as_text=True)
    assert "Delivers what was forecast" in profile
    assert 'data-testid="delivery-ratio">97 %<' in profile


def test_campaign_form_takes_a_landing_page(app):
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    campaign_id = create_campaign(dash, landing_url=LANDING)
    edit = dash.get(f"/dashboard/campaigns/{campaign_id}/edit").get_data(as_text=True)
    assert f'value="{LANDING}"' in edit
    r = dash.post(
        "/dashboard/campaigns/new",
        {**_form(), "landing_url": "ftp://example.com/x"},
        page="/dashboard/campaigns/new",
    )
    assert r.status_code == 422
    assert "landing_url-error" in r.get_data(as_text=True)


def _form():
    from tests.e2e.dashboard_helpers import campaign_form

    return campaign_form()
