"""CSV exports and receipts of a campaign: parsed back with the csv module as a spreadsheet
would read them (BOM, quoting, formula defusing, each currency's precision), streamed, and
walled between brands."""

from __future__ import annotations

import csv
import io
import re
from datetime import timedelta
from typing import Any

import pytest

from collaborations.models import Offer, Sponsorship
from core.money import Money
from exports.spreadsheet import Column, cell, csv_lines
from results.models import MetricsSource, PostMetric
from tests.e2e.dashboard_helpers import Dash
from tests.factories import update_row
from tests.payments_fixtures import accept, approve, creator_with_profile, deliver

TRICKY = 'Loved it, but "later"\nmaybe next month'
FORMULA = '=HYPERLINK("http://evil.example","click")'


def parse(response: Any) -> list[dict[str, str]]:
    """Read a CSV download the way a spreadsheet does: bytes, a BOM, then csv rows."""
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert response.headers["Content-Disposition"].startswith("attachment; filename=")
    raw = response.get_data()
    assert raw.startswith(b"\xef\xbb\xbf"), raw[:10]
    return list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"), newline="")))


@pytest.fixture
def jpy_campaign(make_brand, make_creator, make_campaign, make_offer, session):
    """A published JPY campaign with one approved (paid) sponsorship and one declined offer
    whose reason has a comma, quotes and a newline, and one withdrawn with a formula."""
    brand = make_brand()
    campaign = make_campaign(
        brand, state="published", budget={"amount": 500_000, "currency": "JPY"}
    )
    creator = creator_with_profile(make_creator)
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=45_000).id)
    deliver(creator, sponsorship["id"])
    approve(brand, sponsorship["id"])
    declined = make_offer(campaign, creator_with_profile(make_creator), price_amount=30_000)
    update_row(session, Offer, declined.id, decline_reason=TRICKY)
    withdrawn = make_offer(campaign, creator_with_profile(make_creator), price_amount=20_000)
    update_row(session, Offer, withdrawn.id, withdraw_reason=FORMULA)
    return brand, campaign, sponsorship


def test_offers_csv_parses_back_with_escaping_formulas_and_jpy_precision(jpy_campaign):
    brand, campaign, _ = jpy_campaign
    rows = parse(brand.get(f"/api/v1/campaigns/{campaign['id']}/exports/offers.csv"))
    assert len(rows) == 3
    assert [r["price"] for r in rows] == ["45000", "30000", "20000"]  # JPY: no decimals
    assert {r["price_currency"] for r in rows} == {"JPY"}
    assert rows[1]["decline_reason"] == TRICKY  # comma, quotes and newline survive
    assert rows[2]["withdraw_reason"] == "'" + FORMULA  # not run as a formula
    assert rows[0]["status"] == "accepted" and rows[0]["source"] == "match"
    assert rows[0]["created_at"].startswith("20") and "T" in rows[0]["created_at"]  # ISO


def test_sponsorships_payouts_and_ledger_csv(jpy_campaign):
    brand, campaign, sponsorship = jpy_campaign
    base = f"/api/v1/campaigns/{campaign['id']}/exports"
    (row,) = parse(brand.get(f"{base}/sponsorships.csv"))
    assert row["sponsorship_id"] == str(sponsorship["id"])
    assert (row["status"], row["price"], row["price_currency"]) == ("approved", "45000", "JPY")
    assert row["post_url"].startswith("https://")
    assert row["approved_at"] and row["approved_at"] == row["reviewed_at"]
    assert row["delivered_at"] and row["due_on"].count("-") == 2
    (payout,) = parse(brand.get(f"{base}/payouts.csv"))
    assert (payout["amount"], payout["amount_currency"]) == ("45000", "JPY")
    ledger = parse(brand.get(f"{base}/ledger.csv"))
    funding = [r for r in ledger if r["kind"] == "funding"]
    # the funding's legs: clearing debited budget + fee, available and revenue credited
    assert sorted(int(r["amount"]) for r in funding) == [-500_000, -50_000, 550_000]
    assert sum(int(r["amount"]) for r in ledger) == 0  # balanced, and negative is not a formula
    assert {r["amount_currency"] for r in ledger} == {"JPY"}


def test_the_sponsorships_csv_carries_the_posts_latest_plausible_metrics(jpy_campaign, session):
    brand, campaign, sponsorship = jpy_campaign
    url = f"/api/v1/campaigns/{campaign['id']}/exports/sponsorships.csv"
    (row,) = parse(brand.get(url))
    assert row["metrics_views"] == row["metrics_engagements"] == ""  # nothing measured yet
    posted = session.get(Sponsorship, sponsorship["id"]).first_delivered_at
    for hours, views, likes, flagged in ((24, 900, 40, False), (48, 2_000, 90, False),
                                         (72, 50, 95, True)):  # fmt: skip
        session.add(
            PostMetric(
                sponsorship_id=sponsorship["id"], measured_at=posted + timedelta(hours=hours),
                views=views, likes=likes, comments=5, saves=3, shares=2,
                source=MetricsSource.API, flagged=flagged,
            )
        )  # fmt: skip
    session.commit()
    (row,) = parse(brand.get(url))
    # the latest snapshot that was not flagged as implausible (views below likes)
    assert (row["metrics_views"], row["metrics_likes"], row["metrics_engagements"]) == (
        "2000", "90", str(90 + 5 + 3 + 2),
    )  # fmt: skip
    assert row["metrics_measured_at"].startswith((posted + timedelta(hours=48)).date().isoformat())


def test_exports_are_walled_between_brands(jpy_campaign, make_brand, make_creator):
    _, campaign, _ = jpy_campaign
    other = make_brand()
    for name in ("offers", "sponsorships", "payouts", "ledger"):
        r = other.get(f"/api/v1/campaigns/{campaign['id']}/exports/{name}.csv")
        assert r.status_code == 404, (name, r.status_code)
        assert r.get_json()["code"] == 404
    creator = make_creator()
    assert creator.get(f"/api/v1/campaigns/{campaign['id']}/exports/offers.csv").status_code == 403


def test_dashboard_downloads_and_receipts(app, make_creator, make_offer, session):
    dash = Dash(app)
    dash.signup('Glow, "Labs"', "glow@example.com")
    api = dash.api_user("glow@example.com")
    r = api.post(
        "/api/v1/campaigns",
        json={**_campaign_body(), "budget": {"amount": 500_000, "currency": "EUR"}},
    )
    cid = r.get_json()["id"]
    report = dash.get(f"/dashboard/campaigns/{cid}/report").get_data(as_text=True)
    assert "No payment yet" in report
    assert dash.get(f"/dashboard/campaigns/{cid}/receipts/funding").status_code == 404
    assert api.post(f"/api/v1/campaigns/{cid}/fund").status_code == 200
    assert api.post(f"/api/v1/campaigns/{cid}/publish").status_code == 200
    creator = creator_with_profile(make_creator)
    sponsorship = accept(creator, make_offer(cid, creator, price_amount=100_000).id)
    deliver(creator, sponsorship["id"])
    approve(api, sponsorship["id"])
    assert api.post(f"/api/v1/campaigns/{cid}/cancel").status_code == 200

    report = dash.get(f"/dashboard/campaigns/{cid}/report").get_data(as_text=True)
    assert f"/dashboard/campaigns/{cid}/exports/offers.csv" in report
    assert 'data-testid="fee-charged">€500.00' in report
    figures = re.findall(r'data-testid="(fee-\w+|refunded)">([^<]*)<', report)
    # 4,000 EUR unspent comes back with its 400 EUR of fee; the fee on 1,000 EUR paid stays
    assert dict(figures) == {
        "fee-charged": "€500.00",
        "fee-refunded": "€400.00",
        "fee-kept": "€100.00",
        "refunded": "€4,000.00",
    }
    rows = parse(dash.get(f"/dashboard/campaigns/{cid}/exports/offers.csv"))
    assert [r["price"] for r in rows] == ["1000.00"]

    receipt = dash.get(f"/dashboard/campaigns/{cid}/receipts/funding").get_data(as_text=True)
    assert "Payment receipt" in receipt and "Glow, &#34;Labs&#34;" in receipt
    assert 'data-testid="receipt-fee">€500.00' in receipt
    assert 'data-testid="receipt-total"><strong>€5,500.00' in receipt
    refund_link = re.search(rf"/dashboard/campaigns/{cid}/receipts/refunds/(\d+)", report)
    assert refund_link
    refund = dash.get(refund_link.group(0)).get_data(as_text=True)
    assert "Refund receipt" in refund and "€4,400.00" in refund

    other = Dash(app)
    other.signup("Other", "other@example.com")
    assert other.get(f"/dashboard/campaigns/{cid}/receipts/funding").status_code == 404
    assert other.get(refund_link.group(0)).status_code == 404
    assert other.get(f"/dashboard/campaigns/{cid}/exports/ledger.csv").status_code == 404


def test_cells_and_lines_are_excel_safe():
    assert [cell(v) for v in ("+1", "-2", "@x", "\tx", "ok", None, True)] == [
        "'+1", "'-2", "'@x", "'\tx", "ok", "", "true",
    ]  # fmt: skip
    assert cell(Money(-1205, "EUR")) == "-12.05" and cell(Money(7, "KRW")) == "7"
    assert cell(-3) == "-3"  # our own numbers are not defused
    lines = csv_lines([Column("a", lambda r: r)], iter(["x,y", "z"]))
    assert next(lines) == "\ufeffa\r\n"  # the BOM leads, alone with the header
    assert list(lines) == ['"x,y"\r\n', "z\r\n"]  # a line per row: streamed, not built whole


def _campaign_body() -> dict[str, Any]:
    from tests.conftest import campaign_body

    return campaign_body()
