"""Approvals that end on the dashboard: the brand's review cards say when an unreviewed post is
approved automatically and how many rejections are left; a rejection past the limit opens a
dispute; the operators' dispute page shows the brief, the post, every reason and the price, and
decides it (approve pays, cancel refunds). Only operators reach it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from collaborations.models import Sponsorship, SponsorshipStatus
from payments.models import Payout, PayoutStatus
from tests.e2e.dashboard_helpers import (
    OPERATOR_EMAIL,
    Dash,
    confirm,
    create_campaign,
    make_operator,
)
from tests.factories import fresh, open_up
from tests.payments_fixtures import accept, assert_ledger_ok, campaign_money, deliver

BRIEF = "Show our serum in your evening routine, in your own words."


@pytest.fixture
def review(app, make_creator, make_offer):
    """A brand on the dashboard with a published campaign and a creator's delivered post."""
    brand = Dash(app)
    brand.signup("Lumen Skin", "lumen@example.com")
    campaign_id = create_campaign(brand, brief=BRIEF)
    assert confirm(brand, campaign_id, "fund").status_code == 303
    assert confirm(brand, campaign_id, "publish").status_code == 303
    creator = make_creator("mia.cooks")
    open_up(creator)
    sponsorship = accept(creator, make_offer(campaign_id, creator, price_amount=60_000).id)
    deliver(creator, sponsorship["id"])
    return brand, creator, campaign_id, sponsorship["id"]


def reject_on_the_page(brand: Dash, sid: int, reason: str) -> Any:
    r = brand.post(
        f"/dashboard/sponsorships/{sid}/reject",
        {"reason": reason, "next": "/dashboard/reviews"},
        page="/dashboard/reviews",
        follow_redirects=True,
    )
    assert r.status_code == 200, r.get_data(as_text=True)
    return r.get_data(as_text=True)


def test_the_review_card_says_when_it_is_approved_automatically_and_what_is_left(
    app, session, review, make_creator
):
    brand, creator, campaign_id, sid = review
    html = brand.get("/dashboard/reviews").get_data(as_text=True)
    due = (fresh(session, Sponsorship, sid).delivered_at + timedelta(days=14)).strftime("%d %b %Y")
    assert f"Approved automatically on {due}" in html
    assert "if you don't review it" in html
    assert "You can send it back 2 more times" in html

    page = reject_on_the_page(brand, sid, "The serum is not in the shot.")
    assert "Sent back to @mia.cooks" in page
    deliver(creator, sid)
    html = brand.get("/dashboard/reviews").get_data(as_text=True)
    assert "You can send it back 1 more time;" in html
    reject_on_the_page(brand, sid, "Please show the label.")
    deliver(creator, sid)
    html = brand.get("/dashboard/reviews").get_data(as_text=True)
    assert "No rejections left" in html
    assert "the post goes to a Dandelion operator instead of back to the creator" in html

    page = reject_on_the_page(brand, sid, "Still not the evening routine.")
    assert "Rejected 3 times: @mia.cooks&#39;s post goes to a Dandelion operator" in page
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.DISPUTED
    listed = brand.get(f"/dashboard/campaigns/{campaign_id}/sponsorships").get_data(as_text=True)
    assert "You rejected this post 3 times, so a Dandelion operator decides now" in listed
    assert "status-disputed" in listed


def test_operators_decide_disputes_on_their_page(app, session, review):
    brand, creator, campaign_id, sid = review
    for n, reason in enumerate(("Not in the shot.", "No label.", "Not the routine."), start=1):
        if n > 1:
            deliver(creator, sid)
        reject_on_the_page(brand, sid, reason)
    make_operator(app)
    operator = Dash(app)
    assert operator.login(OPERATOR_EMAIL).status_code == 302

    html = operator.get("/dashboard/operator/disputes").get_data(as_text=True)
    assert f'id="dispute-{sid}"' in html
    assert BRIEF in html and "https://www.xiaohongshu.com/explore/paid-post" in html
    for reason in ("Not in the shot.", "No label.", "Not the routine."):
        assert f"“{reason}”" in html
    assert "€600.00" in html or "600.00" in html
    assert "Lumen Skin" in html and "@mia.cooks" in html

    # Brands never reach it, nor its actions.
    assert brand.get("/dashboard/operator/disputes").status_code == 403
    refused = brand.post(
        f"/dashboard/operator/disputes/{sid}/approve",
        {"note": "Pay it."},
        page="/dashboard/reviews",
    )
    assert refused.status_code == 403
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.DISPUTED

    empty_note = operator.post(
        f"/dashboard/operator/disputes/{sid}/approve",
        {"note": ""},
        page="/dashboard/operator/disputes",
        follow_redirects=True,
    )
    assert "Dispute #" in empty_note.get_data(as_text=True)
    assert fresh(session, Sponsorship, sid).status is SponsorshipStatus.DISPUTED

    done = operator.post(
        f"/dashboard/operator/disputes/{sid}/approve",
        {"note": "The post shows the serum and is labelled."},
        page="/dashboard/operator/disputes",
        follow_redirects=True,
    )
    page = done.get_data(as_text=True)
    assert "is paid to @mia.cooks" in page
    assert "No disputes waiting" in page
    row = fresh(session, Sponsorship, sid)
    assert (row.status, row.dispute_resolution) == (
        SponsorshipStatus.APPROVED,
        "The post shows the serum and is labelled.",
    )
    session.rollback()
    [payout] = session.query(Payout).filter_by(sponsorship_id=sid).all()
    assert payout.status is PayoutStatus.PAID
    session.rollback()
    assert campaign_money(session, campaign_id).paid == 60_000
    assert_ledger_ok(app, session)

    again = operator.post(
        f"/dashboard/operator/disputes/{sid}/cancel",
        {"note": "Too late."},
        page="/dashboard/operator/disputes",
        follow_redirects=True,
    )
    assert "already decided" in again.get_data(as_text=True)
    assert campaign_money(session, campaign_id).refunded == 0
