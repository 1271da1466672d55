"""The campaign report says what it knows: dates on its time axis, the platform fee and its
refund, and every forecast labelled as one (API: ``forecast_*`` fields; page: a label)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

from dashboard.charts import spend_chart
from dashboard.presenters import SPEND_SERIES
from tests.e2e.dashboard_helpers import Dash
from tests.payments_fixtures import accept, approve, creator_with_profile, deliver


def _ticks(svg: str) -> list[str]:
    return re.findall(r'y="288" text-anchor="(?:start|middle|end)" class="tick">([^<]+)<', svg)


def test_the_time_axis_is_dates():
    start = datetime(2026, 11, 9, 10, tzinfo=UTC)
    points = [
        {"at": start, "funded": 500, "committed": 0, "paid": 0, "refunded": 0},
        {
            "at": start + timedelta(weeks=3),
            "funded": 500,
            "committed": 100,
            "paid": 0,
            "refunded": 0,
        },
    ]
    svg = spend_chart(points, SPEND_SERIES, "EUR", title="t", now=start + timedelta(weeks=3))
    assert _ticks(svg) == ["9 Nov 2026", "19 Nov 2026", "30 Nov 2026"]
    # a few minutes of history: the date with the time, once
    svg = spend_chart(points[:1], SPEND_SERIES, "EUR", title="t", now=start + timedelta(minutes=3))
    assert _ticks(svg) == ["9 Nov 2026 10:00", "9 Nov 2026 10:01", "9 Nov 2026 10:03"]


def test_report_api_shows_the_fee_its_refund_and_names_forecasts(
    client, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand()
    campaign = make_campaign(brand, state="published")
    creator = creator_with_profile(make_creator)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=100_000).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    brand.post(f"/api/v1/campaigns/{campaign['id']}/cancel")
    report = brand.get(f"/api/v1/campaigns/{campaign['id']}/report").get_json()
    assert (report["fee_charged"], report["fee_refunded"], report["fees"]) == (
        50_000,
        40_000,
        10_000,
    )
    assert report["forecast_engaged_reach"] == report["engaged_reach"] == round(12_000 * 0.05)
    spec = client.get("/api/v1/openapi.json").get_json()
    props = spec["components"]["schemas"]["CampaignReport"]["properties"]
    assert props["forecast_engaged_reach"]["description"].startswith(
        "Forecast (every field named forecast_*"
    )
    assert props["engaged_reach"]["deprecated"] is True
    assert props["engaged_reach"]["description"].startswith("Forecast")
    summary = spec["paths"]["/api/v1/campaigns/{campaign_id}/report"]["get"]
    assert "forecast_*" in summary["description"]


def test_report_page_labels_every_forecast(app, make_creator, make_offer):
    dash = Dash(app)
    dash.signup("Glow", "glow@example.com")
    api = dash.api_user("glow@example.com")
    from tests.conftest import campaign_body

    cid = api.post("/api/v1/campaigns", json=campaign_body()).get_json()["id"]
    api.post(f"/api/v1/campaigns/{cid}/fund")
    api.post(f"/api/v1/campaigns/{cid}/publish")
    creator = creator_with_profile(make_creator)
    accept(creator, make_offer(cid, creator, price_amount=100_000).id)
    page = dash.get(f"/dashboard/campaigns/{cid}/report").get_data(as_text=True)
    label = '<span class="forecast-label">Forecast</span>'
    for figure in (
        "Engaged viewers of your target audience",
        "Cost per engaged target viewer",
        "Cost per engaged viewer",
        "Audience reached against your target",
    ):
        assert f"{figure} {label}" in page, figure
    assert "Expected (forecast)" in page  # the bars' legend: from creators' profiles
    assert 'data-testid="fee-charged">€500.00' in page
    today = datetime.now(UTC)
    assert f"{today.day} {today:%b %Y}" in page  # the spend chart's axis: a date
