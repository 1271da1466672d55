"""Receipts in Stripe mode: the real SDK against the stand-in; the funding's receipt carries
Stripe's charge id and the refund's receipt Stripe's refund id."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from payments.models import CampaignFunding, CampaignRefund, RefundStatus
from tests.conftest import PASSWORD, campaign_body
from tests.e2e.dashboard_helpers import Dash
from tests.payments_fixtures import fund_with_stripe, stripe_config


@pytest.fixture
def app(make_app, stripe_standin):
    return make_app(**stripe_config(stripe_standin))


def test_receipts_show_stripe_references(app, client, stripe_standin, session):
    dash = Dash(app)
    dash.signup("Lumi Skin", "lumi@example.com", PASSWORD)
    brand = dash.api_user("lumi@example.com")
    cid = brand.post("/api/v1/campaigns", json=campaign_body()).get_json()["id"]
    fund_with_stripe(brand, client, stripe_standin, cid)
    charge = session.scalar(
        select(CampaignFunding.charge_id).where(CampaignFunding.campaign_id == cid)
    )
    assert charge
    receipt = dash.get(f"/dashboard/campaigns/{cid}/receipts/funding").get_data(as_text=True)
    assert f'data-testid="receipt-reference"><code>{charge}</code>' in receipt
    assert ">Stripe<" in receipt and "€5,500.00" in receipt

    assert brand.post(f"/api/v1/campaigns/{cid}/cancel").status_code == 200
    session.rollback()
    refund = session.scalar(select(CampaignRefund).where(CampaignRefund.campaign_id == cid))
    assert refund.status is RefundStatus.SUCCEEDED and refund.provider_reference
    report = dash.get(f"/dashboard/campaigns/{cid}/report").get_data(as_text=True)
    link = re.search(rf"/dashboard/campaigns/{cid}/receipts/refunds/\d+", report).group(0)
    page = dash.get(link).get_data(as_text=True)
    assert "Refund receipt" in page and "€5,500.00" in page
    assert f"<code>{refund.provider_reference}</code>" in page
