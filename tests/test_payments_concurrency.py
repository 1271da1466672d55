"""Money under concurrency, over real HTTP against a live server: one sponsorship approved ten
times at once is paid once; offers accepted at once never commit more than the budget."""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from sqlalchemy import func, select

from collaborations.models import Sponsorship, SponsorshipStatus
from payments import ledger
from payments.models import Payout, PayoutStatus
from tests.helpers import count_rows
from tests.payments_fixtures import (
    accept,
    assert_ledger_ok,
    balance,
    campaign_money,
    concurrently,
    creator_with_profile,
    deliver,
    fund_with_stripe,
    http_post,
    ledger_kinds,
    live_server,
    onboard,
    stripe_config,
)

BUDGET = 500_000


@pytest.fixture(params=["ledger", "stripe"])
def provider_name(request) -> str:
    return request.param


@pytest.fixture
def app(make_app, stripe_standin, provider_name):
    if provider_name == "stripe":
        return make_app(**stripe_config(stripe_standin))
    return make_app()


@pytest.fixture
def published(provider_name, make_brand, make_campaign, client, stripe_standin):
    """``make(**campaign fields)``: a brand's published campaign, funded with the provider."""

    def make(**overrides: Any) -> tuple[Any, dict[str, Any]]:
        brand = make_brand()
        if provider_name == "ledger":
            return brand, make_campaign(brand, state="published", **overrides)
        campaign = make_campaign(brand, **overrides)
        fund_with_stripe(brand, client, stripe_standin, campaign["id"])
        return brand, campaign

    return make


@pytest.fixture
def payable_creator(provider_name, make_creator, client, stripe_standin):
    """``make()``: a creator with a complete profile who can be paid with the provider."""

    def make() -> Any:
        creator = creator_with_profile(make_creator)
        if provider_name == "stripe":
            onboard(creator, client, stripe_standin)
        return creator

    return make


def test_ten_concurrent_approvals_pay_once(
    app, session, provider_name, stripe_standin, published, payable_creator, make_offer
):
    brand, campaign = published()
    creator = payable_creator()
    sponsorship = accept(creator, make_offer(campaign, creator, price_amount=150_000).id)
    deliver(creator, sponsorship["id"])

    url = f"/api/v1/sponsorships/{sponsorship['id']}/approve"
    with live_server(app) as base:
        responses = concurrently(
            [lambda: http_post(base + url, headers=brand.headers) for _ in range(10)]
        )
    statuses = Counter(r.status_code for r in responses)
    assert statuses == {200: 1, 409: 9}, [r.text for r in responses]
    assert all(
        "Only delivered posts can be approved" in r.json()["message"]
        for r in responses
        if r.status_code == 409
    )

    session.rollback()
    payouts = session.scalars(
        select(Payout).where(Payout.sponsorship_id == sponsorship["id"])
    ).all()
    assert [(p.status, p.amount) for p in payouts] == [(PayoutStatus.PAID, 150_000)]
    assert count_rows(session, Payout) == 1
    kinds = ledger_kinds(session, campaign["id"])
    assert (kinds["payout"], kinds["transfer"]) == (1, 1)
    if provider_name == "stripe":
        [transfer] = stripe_standin.transfers()
        assert transfer["amount"] == 150_000
        assert payouts[0].provider_reference == transfer["id"]
    m = campaign_money(session, campaign["id"])
    assert (m.paid, m.committed) == (150_000, 0)
    assert balance(session, ledger.payable(creator.id)) == 0
    assert_ledger_ok(app, session)


def test_concurrent_accepts_commit_no_more_than_the_budget(
    app, session, provider_name, stripe_standin, published, payable_creator, make_offer
):
    # 7 offers of 120 000 on a budget of 500 000 with room in the slots: 4 fit.
    price, offered, fits = 120_000, 7, BUDGET // 120_000
    brand, campaign = published(slots=10, budget={"amount": BUDGET, "currency": "EUR"})
    creators = [payable_creator() for _ in range(offered)]
    offers = [make_offer(campaign, c, price_amount=price) for c in creators]

    with live_server(app) as base:
        accepted = concurrently(
            [
                lambda c=c, o=o: http_post(
                    base + f"/api/v1/offers/{o.id}/accept", headers=c.headers
                )
                for c, o in zip(creators, offers, strict=True)
            ]
        )
    assert Counter(r.status_code for r in accepted) == {201: fits, 409: offered - fits}, [
        r.text for r in accepted
    ]
    session.rollback()
    sponsorships = session.scalars(
        select(Sponsorship).where(Sponsorship.campaign_id == campaign["id"])
    ).all()
    assert len(sponsorships) == fits
    committed = campaign_money(session, campaign["id"])
    assert committed.committed == fits * price <= BUDGET
    assert committed.remaining == BUDGET - fits * price
    assert ledger_kinds(session, campaign["id"])["commit"] == fits
    assert_ledger_ok(app, session)

    # Every accepted creator delivers; the brand approves them all at once: k paid, no more.
    by_creator = {c.id: c for c in creators}
    for s in sponsorships:
        deliver(by_creator[s.creator_id], s.id)
    with live_server(app) as base:
        approved = concurrently(
            [
                lambda s=s: http_post(
                    base + f"/api/v1/sponsorships/{s.id}/approve", headers=brand.headers
                )
                for s in sponsorships
            ]
        )
    assert [r.status_code for r in approved] == [200] * fits, [r.text for r in approved]
    session.rollback()
    paid = session.scalars(select(Payout).where(Payout.status == PayoutStatus.PAID)).all()
    assert len(paid) == fits
    assert sum(p.amount for p in paid) == fits * price <= BUDGET
    assert (
        session.scalar(
            select(func.count(Sponsorship.id)).where(
                Sponsorship.status == SponsorshipStatus.APPROVED
            )
        )
        == fits
    )
    session.rollback()
    if provider_name == "stripe":
        transfers = stripe_standin.transfers()
        assert len(transfers) == fits
        assert sum(t["amount"] for t in transfers) == fits * price
        assert {t["transfer_group"] for t in transfers} == {
            f"sponsorship_{s.id}" for s in sponsorships
        }
    m = campaign_money(session, campaign["id"])
    assert (m.paid, m.committed, m.remaining) == (fits * price, 0, BUDGET - fits * price)
    assert_ledger_ok(app, session)
