"""Results through the API: post metrics (labels, flags, walls), forecast against actual in
the report, "delivers what was forecast" on the profile and in matching, tracking links (bots
and repeats filtered; SQL and Redis counting, the flush losing nothing), conversions
(idempotent, walled)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from accounts.models import Creator
from collaborations.models import Sponsorship
from core.db import utcnow
from results import tracking
from results.models import Click
from tests.factories import fresh, open_up, update_row
from tests.helpers import assert_error, count_rows

LANDING = "https://shop.example.com/serum?src=dandelion"
BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36"
POST = {"url": "https://www.xiaohongshu.com/explore/abc123", "disclosure": True}


@pytest.fixture
def delivered(make_brand, make_creator, make_campaign, make_offer, session):
    """A published campaign with a landing URL and a creator whose post went up 31 days ago
    (12,000 followers × 5 % engagement: 600 engaged people forecast; fit 0.8)."""
    brand = make_brand("Glow Labs")
    creator = make_creator("mia.glow")
    open_up(creator)
    campaign = make_campaign(brand, state="published", landing_url=LANDING)
    offer = make_offer(campaign, creator, price_amount=45_000, fit_score=0.8)
    sponsorship = creator.post(f"/api/v1/offers/{offer.id}/accept").get_json()
    r = creator.post(f"/api/v1/sponsorships/{sponsorship['id']}/deliverable", json=POST)
    assert r.status_code == 200, r.get_json()
    posted = utcnow() - timedelta(days=31)
    update_row(
        session, Sponsorship, sponsorship["id"], first_delivered_at=posted, delivered_at=posted
    )
    return brand, creator, campaign, sponsorship, posted


def snapshot(creator: Any, sponsorship_id: int, at, views, likes, comments=0, saves=0, shares=0):
    return creator.post(
        f"/api/v1/sponsorships/{sponsorship_id}/metrics",
        json={
            "measured_at": at.isoformat(),
            "views": views,
            "likes": likes,
            "comments": comments,
            "saves": saves,
            "shares": shares,
        },
    )


def report(brand: Any, campaign: dict[str, Any]) -> dict[str, Any]:
    r = brand.get(f"/api/v1/campaigns/{campaign['id']}/report")
    assert r.status_code == 200, r.get_json()
    return r.get_json()["results"]


def test_snapshots_make_forecast_against_actual(delivered, session):
    brand, creator, campaign, sponsorship, posted = delivered
    sid = sponsorship["id"]
    labels = []
    for days, views, likes in ((1, 4_000, 120), (7, 10_000, 300), (30, 12_000, 360)):
        r = snapshot(creator, sid, posted + timedelta(days=days), views, likes, 20, 30, 10)
        assert r.status_code == 201, r.get_json()
        assert r.get_json()["flagged"] is False
        labels.append(r.get_json()["label"])
    assert labels == ["24h", "7d", "30d"]

    results = report(brand, campaign)
    [row] = results["sponsorships"]
    assert row["forecast_engaged"] == 600
    assert row["forecast_engaged_target"] == 480  # × fit 0.8
    assert row["engagements"] == 360 + 20 + 30 + 10
    assert row["views"] == 12_000 and row["label"] == "30d"
    assert row["delivery_ratio"] == pytest.approx(420 / 600, abs=1e-4)
    # 450.00 EUR ÷ 420 engagements, half up; × 1000 ÷ 12,000 views
    assert row["cost_per_engagement"] == {"amount": 107, "currency": "EUR"}
    assert row["cost_per_thousand_views"] == {"amount": 3_750, "currency": "EUR"}
    assert len(row["snapshots"]) == 3
    assert row["tracking_url"].endswith(f"/r/{fresh(session, Sponsorship, sid).tracking_code}")
    totals = results["totals"]
    assert totals["measured_sponsorships"] == 1
    assert totals["cost_per_engagement"] == {"amount": 107, "currency": "EUR"}

    # The creator's stored "delivers what was forecast", on the brand's view of the profile.
    assert fresh(session, Creator, creator.id).delivery_ratio == pytest.approx(0.7)
    profile = brand.get(f"/api/v1/creators/{creator.id}").get_json()
    assert profile["reliability"]["delivery_ratio"] == pytest.approx(0.7)
    assert profile["reliability"]["measured_sponsorships"] == 1


def test_implausible_snapshots_are_flagged_and_left_out(delivered):
    brand, creator, campaign, sponsorship, posted = delivered
    sid = sponsorship["id"]
    assert snapshot(creator, sid, posted + timedelta(days=1), 2_000, 100).status_code == 201
    below = snapshot(creator, sid, posted + timedelta(days=2), 50, 120).get_json()
    assert below["flagged"] and below["flags"][0]["code"] == "views_below_likes"
    jump = snapshot(creator, sid, posted + timedelta(days=7), 40_000, 2_000).get_json()
    assert [f["code"] for f in jump["flags"]] == ["jump"]
    assert set(jump["flags"][0]["fields"]) == {"views", "likes"}
    down = snapshot(creator, sid, posted + timedelta(days=8), 1_500, 90).get_json()
    assert [f["code"] for f in down["flags"]] == ["decreasing"]

    [row] = report(brand, campaign)["sponsorships"]
    assert row["flagged_snapshots"] == 3
    assert row["engagements"] == 100  # the only plausible snapshot
    assert [s["flagged"] for s in row["snapshots"]] == [False, True, True, True]


def test_metrics_walls_and_states(delivered, make_creator, make_brand, make_campaign, make_offer):
    brand, creator, campaign, sponsorship, posted = delivered
    at = posted + timedelta(days=1)
    other = make_creator()
    assert_error(snapshot(other, sponsorship["id"], at, 10, 1), 404)
    assert snapshot(brand, sponsorship["id"], at, 10, 1).status_code == 403
    r = snapshot(creator, sponsorship["id"], utcnow() + timedelta(days=1), 10, 1)
    assert_error(r, 422, "measured_at")
    r = snapshot(creator, sponsorship["id"], posted - timedelta(days=1), 10, 1)
    assert_error(r, 422, "measured_at")
    assert snapshot(creator, sponsorship["id"], at, 10, 1).status_code == 201
    assert_error(snapshot(creator, sponsorship["id"], at, 20, 2), 409, "measured_at")
    # Not delivered yet: nothing to measure.
    second = make_campaign(
        brand, state="published", title="Second serum campaign", competitor_group=None
    )
    offer = make_offer(second, creator)
    active = creator.post(f"/api/v1/offers/{offer.id}/accept").get_json()
    assert_error(snapshot(creator, active["id"], utcnow(), 10, 1), 409, "status")


def test_tracking_link_counts_people_not_bots_or_repeats(delivered, client, session):
    brand, creator, campaign, sponsorship, _ = delivered
    code = fresh(session, Sponsorship, sponsorship["id"]).tracking_code
    mine = creator.get("/api/v1/creators/me/sponsorships").get_json()["items"][0]
    assert mine["tracking_url"] == f"http://localhost/r/{code}"

    r = client.get(f"/r/{code}", headers={"User-Agent": BROWSER})
    assert r.status_code == 302
    assert r.headers["Location"].startswith(LANDING + "&dandelion_click=" + code + ".")
    first_click = r.headers["Location"].rsplit("=", 1)[1]
    # The same client again within a minute: redirected, same click id, not counted.
    again = client.get(f"/r/{code}", headers={"User-Agent": BROWSER})
    assert again.status_code == 302 and again.headers["Location"].endswith(first_click)
    # Bots, link previews and HEAD requests: redirected, never counted.
    for ua in ("Googlebot/2.1 (+http://www.google.com/bot.html)", "facebookexternalhit/1.1", ""):
        r = client.get(f"/r/{code}", headers={"User-Agent": ua})
        assert r.status_code == 302 and "dandelion_click" not in r.headers["Location"]
    assert client.head(f"/r/{code}", headers={"User-Agent": BROWSER + " other"}).status_code == 302
    # Another person (another address): counted.
    other = client.get(
        f"/r/{code}", headers={"User-Agent": BROWSER}, environ_base={"REMOTE_ADDR": "10.1.2.3"}
    )
    assert other.status_code == 302
    assert count_rows(session, Click) == 2
    stored = {c.client_hash for c in session.query(Click)}
    assert all("127.0.0.1" not in h and len(h) == 32 for h in stored)
    assert client.get("/r/nosuchcode1", headers={"User-Agent": BROWSER}).status_code == 404
    assert client.post(f"/r/{code}").status_code == 405

    # A conversion by click id and one by promo code show up per creator in the report.
    r = brand.put(f"/api/v1/sponsorships/{sponsorship['id']}/promo-code", json={"code": "mia10"})
    assert r.status_code == 200 and r.get_json()["promo_code"] == "MIA10"
    url = f"/api/v1/campaigns/{campaign['id']}/conversions"
    eur = {"amount": 5_990, "currency": "EUR"}
    r = brand.post(url, json={"order_id": "A-1", "click_id": first_click, "revenue": eur})
    assert r.status_code == 201, r.get_json()
    r2 = brand.post(url, json={"order_id": "A-1", "click_id": first_click, "revenue": eur})
    assert r2.status_code == 200 and r2.get_json()["id"] == r.get_json()["id"]
    assert (
        brand.post(url, json={"order_id": "A-2", "code": "Mia10", "revenue": eur}).status_code
        == 201
    )
    [row] = report(brand, campaign)["sponsorships"]
    assert (row["clicks"], row["conversions"]) == (2, 2)
    assert row["revenue"] == {"amount": 11_980, "currency": "EUR"}
    assert row["cost_per_conversion"] == {"amount": 22_500, "currency": "EUR"}
    assert row["promo_code"] == "MIA10"


def test_conversions_are_walled_and_validated(delivered, make_brand):
    brand, _creator, campaign, _sponsorship, _ = delivered
    url = f"/api/v1/campaigns/{campaign['id']}/conversions"
    eur = {"amount": 100, "currency": "EUR"}
    intruder = make_brand("Other Brand")
    assert_error(intruder.post(url, json={"order_id": "X", "code": "abc", "revenue": eur}), 404)
    assert_error(
        brand.post(url, json={"order_id": "X", "code": "nope", "revenue": eur}), 422, "code"
    )
    usd = {"amount": 100, "currency": "USD"}
    r = brand.post(url, json={"order_id": "X", "code": "nope", "revenue": usd})
    assert_error(r, 422, "revenue")
    assert_error(brand.post(url, json={"order_id": "X", "revenue": eur}), 422, "code")


def test_landing_url_must_be_http(make_brand, make_campaign):
    brand = make_brand()
    r = brand.post("/api/v1/campaigns", json={**_body(), "landing_url": "javascript:alert(1)"})
    assert_error(r, 422, "landing_url")
    campaign = make_campaign(brand)
    r = brand.patch(f"/api/v1/campaigns/{campaign['id']}", json={"landing_url": LANDING})
    assert r.status_code == 200 and r.get_json()["landing_url"] == LANDING


def _body() -> dict[str, Any]:
    from tests.conftest import campaign_body

    return campaign_body()


def test_redis_counting_survives_a_dead_flush(delivered, make_app, redis_conn, session):
    from queueing import job_session  # noqa: F401 - the job opens its own sessions
    from results.jobs import flush_clicks_job
    from tests.conftest import REDIS_URL

    _brand, _creator, _campaign, sponsorship, _ = delivered
    app = make_app(REDIS_URL=REDIS_URL)
    client = app.test_client()
    code = fresh(session, Sponsorship, sponsorship["id"]).tracking_code
    for n in range(5):
        assert client.get(f"/r/{code}", headers={"User-Agent": f"{BROWSER} {n}"}).status_code == 302
    client.get(f"/r/{code}", headers={"User-Agent": f"{BROWSER} 0"})  # a repeat
    client.get(f"/r/{code}", headers={"User-Agent": "Bingbot"})
    assert count_rows(session, Click) == 0  # in Redis until the flush
    # A flush that read the batch and died before committing: nothing is acknowledged.
    assert len(tracking.read_batch(redis_conn)) == 5
    with app.app_context():
        assert flush_clicks_job() == 5
        assert flush_clicks_job() == 0
    assert count_rows(session, Click) == 5
    assert redis_conn.xlen(tracking.STREAM) == 0


def test_a_creator_who_under_delivers_ranks_lower_in_a_run(
    delivered, app, client, make_creator, make_campaign
):
    from tests.factories import complete_profile, run_matching

    brand, mia, _campaign, sponsorship, posted = delivered
    # Mia's post reached 60 engagements of the 600 forecast: a delivery ratio of 0.1.
    assert (
        snapshot(mia, sponsorship["id"], posted + timedelta(days=10), 3_000, 60).status_code == 201
    )
    # Mia posts plenty of her own content (so her sponsored share stays under the cap).
    assert mia.patch("/api/v1/creators/me", json={"recent_posts_30d": 20}).status_code == 200
    # Nora has a smaller audience of the same shape and no history: without the discount Mia's
    # value (12,000 followers) beats hers (11,000).
    nora = make_creator("nora.skin")
    complete_profile(nora, followers=11_000)
    r = nora.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["skincare"]},
    )
    assert r.status_code == 200
    one_slot = make_campaign(
        brand, state="published", title="One slot serum", competitor_group=None, slots=1
    )
    run_matching(app, client)
    offers = brand.get(f"/api/v1/campaigns/{one_slot['id']}/offers").get_json()["items"]
    assert [o["creator"]["handle"] for o in offers] == ["nora.skin"]


def test_operator_imports_a_csv_of_snapshots(delivered, app, tmp_path):
    brand, _creator, campaign, sponsorship, posted = delivered
    sid = sponsorship["id"]
    day = (posted + timedelta(days=7)).isoformat()
    month = (posted + timedelta(days=30)).isoformat()
    path = tmp_path / "metrics.csv"
    path.write_text(
        "\ufeffsponsorship_id,measured_at,views,likes,comments,saves,shares\n"
        f"{sid},{day},9000,400,30,40,10\n"
        f"{sid},{month},8000,50,1,1,1\n"  # counts went down: flagged
        f"{sid},not a date,1,1,1,1,1\n"
        f"999999,{day},1,1,1,1,1\n",
        encoding="utf-8",
    )
    result = app.test_cli_runner().invoke(args=["metrics", "import", str(path)])
    assert result.exit_code == 1, result.output
    assert "2 snapshots imported, 1 of them flagged." in result.output
    assert "line 4" in result.output and "no sponsorship 999999" in result.output
    [row] = report(brand, campaign)["sponsorships"]
    assert row["engagements"] == 480 and row["label"] == "7d"
    assert [s["source"] for s in row["snapshots"]] == ["import", "import"]
