"""A campaign with measured results, for the dashboard tests (server side and browser): a
brand's published campaign with a landing URL, two creators matched and delivered 31 days ago,
one with snapshots at 24 h, 7 d and 30 d (one of them implausible), a counted click, a promo
code and two conversions."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import Flask

from collaborations.models import Sponsorship
from core.db import session_scope, utcnow
from tests.e2e.dashboard_helpers import accept_and_deliver, build_market

LANDING = "https://shop.example.com/serum"
BROWSER_UA = "Mozilla/5.0 (X11; Linux x86_64) Chrome/131.0 Safari/537.36"


def seed_results(app: Flask, make_creator: Any) -> dict[str, Any]:
    market = build_market(app, make_creator, creators=2)
    brand_api = market.brand.api_user(market.brand_email)
    r = brand_api.patch(f"/api/v1/campaigns/{market.campaign_id}", json={"landing_url": LANDING})
    assert r.status_code == 200, r.json
    first, second = market.creators
    ids = [accept_and_deliver(c) for c in (first, second)]
    posted = utcnow() - timedelta(days=31)
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        codes = []
        for sid in ids:
            row = s.get(Sponsorship, sid)
            row.first_delivered_at = row.delivered_at = posted
            codes.append(row.tracking_code)
    for days, views, likes in ((1, 3_000, 200), (2, 100, 400), (7, 8_000, 450), (30, 9_500, 500)):
        r = first.post(
            f"/api/v1/sponsorships/{ids[0]}/metrics",
            json={
                "measured_at": (posted + timedelta(days=days)).isoformat(),
                "views": views,
                "likes": likes,
                "comments": 40,
                "saves": 30,
                "shares": 10,
            },
        )
        assert r.status_code == 201, r.json
    client = app.test_client()
    r = client.get(f"/r/{codes[0]}", headers={"User-Agent": BROWSER_UA})
    assert r.status_code == 302
    click_id = r.headers["Location"].rsplit("=", 1)[1]
    client.get(f"/r/{codes[0]}", headers={"User-Agent": "Googlebot/2.1"})
    r = brand_api.put(f"/api/v1/sponsorships/{ids[0]}/promo-code", json={"code": "GLOW10"})
    assert r.status_code == 200, r.json
    url = f"/api/v1/campaigns/{market.campaign_id}/conversions"
    for order, key in (("O-1", {"click_id": click_id}), ("O-2", {"code": "glow10"})):
        body = {"order_id": order, "revenue": {"amount": 4_500, "currency": "EUR"}, **key}
        assert brand_api.post(url, json=body).status_code == 201
    return {"market": market, "sponsorships": ids, "creators": (first, second)}
