"""Open calls through the API: open a call, creators who fit see it and apply with a binding
price, the brand compares them and selects (by hand or by the optimiser), the guardrails hold
at selection, the money is committed, tenants are walled, and closing tells the rest once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from collaborations.models import (
    Application,
    ApplicationStatus,
    OpenCall,
    Sponsorship,
)
from collaborations.open_call_jobs import close_open_calls_job
from core.db import utcnow
from notifications.models import Notification
from tests.factories import complete_profile, fresh, sponsorships_of, update_row
from tests.helpers import MISSING_ID, assert_error, count_rows
from tests.payments_fixtures import assert_ledger_ok, campaign_money

UNRELATED = {
    "interests": {"gaming": 1.0},
    "gender": {"female": 0.3, "male": 0.7},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.5, "25-34": 0.5},
}


def closes(days: float = 7) -> str:
    return (utcnow() + timedelta(days=days)).isoformat()


def open_creator(make_creator: Any, **profile: Any) -> Any:
    """A creator with a complete profile (overrides in ``profile``), open to skincare."""
    categories = profile.pop("open_categories", ["skincare"])
    creator = make_creator()
    complete_profile(creator, **profile)
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": categories},
    )
    assert r.status_code == 200, r.get_json()
    return creator


def open_the_call(brand: Any, campaign: dict[str, Any], days: float = 7) -> dict[str, Any]:
    r = brand.post(
        f"/api/v1/campaigns/{campaign['id']}/open-call", json={"closes_at": closes(days)}
    )
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def apply(creator: Any, campaign: dict[str, Any], amount: int = 40_000, **kw: Any) -> Any:
    body = {"price": {"amount": amount, "currency": "EUR"}, "pitch": "My evening routine fits."}
    return creator.post(f"/api/v1/open-calls/{campaign['id']}/applications", json=body, **kw)


def applied(creator: Any, campaign: dict[str, Any], amount: int = 40_000) -> dict[str, Any]:
    r = apply(creator, campaign, amount)
    assert r.status_code == 201, r.get_json()
    return r.get_json()


def select_app(brand: Any, application: dict[str, Any]) -> Any:
    return brand.post(f"/api/v1/applications/{application['id']}/select")


def notifications(session: Any, kind: str) -> list[Notification]:
    session.rollback()
    rows = list(session.scalars(select(Notification).where(Notification.kind == kind)))
    session.rollback()
    return rows


@pytest.fixture
def call(make_brand, make_campaign):
    """A brand with a published campaign (no competitor group) and an open call on it."""
    brand = make_brand("Glow Labs")
    campaign = make_campaign(brand, state="published", competitor_group=None)
    open_the_call(brand, campaign)
    return brand, campaign


# --- the whole flow -------------------------------------------------------------------------------


def test_apply_compare_select_commits_an_accepted_sponsorship(app, session, call, make_creator):
    brand, campaign = call
    creator = open_creator(make_creator, followers=20_000, engagement_rate=0.05)

    # The creator sees the call with what they need to decide.
    body = creator.get("/api/v1/creators/me/open-calls").get_json()
    assert body["total"] == 1
    [item] = body["items"]
    assert item["campaign_id"] == campaign["id"]
    assert item["campaign"]["brief"] == campaign["brief"]
    assert item["budget_per_creator"] == {"amount": 500_000 // 3, "currency": "EUR"}
    assert 0.25 <= item["fit"] <= 1 and item["applied"] is False and item["application"] is None
    assert item["expected_value"] == round(20_000 * 0.05 * item["fit"])

    application = applied(creator, campaign, 45_000)
    assert application["status"] == "submitted" and application["offer_id"] is None
    assert_error(apply(creator, campaign), 409)  # one application per creator and campaign
    [item] = creator.get("/api/v1/creators/me/open-calls").get_json()["items"]
    assert item["applied"] is True and item["application"]["id"] == application["id"]
    assert creator.get("/api/v1/creators/me/applications").get_json()["total"] == 1

    # The brand compares applicants side by side.
    r = brand.get(f"/api/v1/campaigns/{campaign['id']}/applications")
    assert r.status_code == 200
    [row] = r.get_json()["items"]
    assert row["creator"]["id"] == creator.id and row["pitch"] == "My evening routine fits."
    assert row["fit"] == item["fit"] and row["expected_value"] == item["expected_value"]
    assert row["price"] == {"amount": 45_000, "currency": "EUR"}
    per = round(45_000 / row["expected_value"])
    assert row["price_per_engaged_person"] == {"amount": per, "currency": "EUR"}
    assert set(row["reliability"]) == {
        "reply_rate_48h",
        "on_time_delivery_rate",
        "completed_sponsorships",
        "delivery_ratio",
        "measured_sponsorships",
    }
    assert (
        brand.get(f"/api/v1/campaigns/{campaign['id']}/open-call").get_json()["applications"][
            "submitted"
        ]
        == 1
    )

    # Selecting: the price is binding, so the offer is accepted with its sponsorship at once.
    r = select_app(brand, application)
    assert r.status_code == 201, r.get_json()
    offer = r.get_json()
    assert offer["source"] == "open_call" and offer["status"] == "accepted"
    assert offer["price"] == {"amount": 45_000, "currency": "EUR"}
    [sponsorship] = sponsorships_of(session, creator.id)
    assert sponsorship.offer_id == offer["id"] and sponsorship.price_amount == 45_000
    assert campaign_money(session, campaign["id"]).committed == 45_000
    assert_ledger_ok(app, session)
    row = fresh(session, Application, application["id"])
    assert row.status is ApplicationStatus.SELECTED and row.offer_id == offer["id"]
    assert_error(select_app(brand, application), 409)  # once

    # The creator's inbox names the source; they were told.
    [mine] = creator.get("/api/v1/creators/me/offers").get_json()["items"]
    assert mine["source"] == "open_call" and mine["status"] == "accepted"
    assert "picked your application" in mine["explanation_for_creator"]
    assert [n.data["offer_id"] for n in notifications(session, "open_call.selected")] == [
        offer["id"]
    ]
    listed = brand.get(f"/api/v1/campaigns/{campaign['id']}/offers?source=open_call").get_json()
    assert [o["id"] for o in listed["items"]] == [offer["id"]]


# --- opening a call ------------------------------------------------------------------------------


def test_opening_a_call_checks_the_campaign_and_the_closing_time(make_brand, make_campaign, app):
    brand = make_brand()
    draft = make_campaign(brand)
    assert_error(
        brand.post(f"/api/v1/campaigns/{draft['id']}/open-call", json={"closes_at": closes()}), 409
    )
    campaign = make_campaign(brand, state="published")  # ends in 30 days
    url = f"/api/v1/campaigns/{campaign['id']}/open-call"
    assert_error(brand.get(url), 404)
    max_days = app.config["OPEN_CALL_MAX_DAYS"]
    for when in (closes(-0.01), closes(max_days + 1), closes(31)):
        assert_error(brand.post(url, json={"closes_at": when}), 422, "closes_at")
    assert_error(brand.post(url, json={}), 422, "closes_at")
    r = brand.post(url, json={"closes_at": closes(3)})
    assert r.status_code == 201 and r.get_json()["status"] == "open"
    assert_error(brand.post(url, json={"closes_at": closes(5)}), 409)  # one call per campaign
    r = brand.patch(url, json={"closes_at": closes(5)})
    assert r.status_code == 200
    assert r.get_json()["closes_at"] > closes(4.9)
    assert_error(brand.patch(url, json={"closes_at": closes(40)}), 422, "closes_at")


# --- who sees a call and who may apply -----------------------------------------------------------


def test_only_creators_who_fit_see_the_call_and_may_apply(call, make_creator):
    brand, campaign = call
    fits = open_creator(make_creator)
    unrelated = open_creator(make_creator, audience=UNRELATED)
    too_big = open_creator(make_creator, followers=900_000)
    other_category = open_creator(make_creator, open_categories=["food"])
    blocked = open_creator(make_creator)
    assert (
        brand.post("/api/v1/brands/me/blocks", json={"creator_id": blocked.id}).status_code == 201
    )
    closed = open_creator(make_creator)
    closed.put(
        "/api/v1/creators/me/availability", json={"open": False, "until": None, "categories": []}
    )

    def seen(creator: Any) -> list[int]:
        body = creator.get("/api/v1/creators/me/open-calls").get_json()
        return [i["campaign_id"] for i in body["items"]]

    assert seen(fits) == [campaign["id"]]
    for creator in (unrelated, too_big, other_category, blocked, closed):
        assert seen(creator) == []
    assert_error(apply(unrelated, campaign), 409)  # no fit at all
    assert_error(apply(too_big, campaign), 409)
    assert_error(apply(other_category, campaign), 409)
    assert_error(apply(closed, campaign), 409)
    assert_error(apply(blocked, campaign), 404)  # the brand's block hides the call
    r = fits.post(
        f"/api/v1/open-calls/{campaign['id']}/applications",
        json={"price": {"amount": 40_000, "currency": "USD"}, "pitch": "Hi"},
    )
    assert_error(r, 422, "price")
    assert_error(apply(fits, campaign, 600_000), 422, "price")  # above the whole budget
    assert_error(apply(fits, {"id": MISSING_ID}), 404)


def test_a_creator_applies_only_for_themselves(session, call, make_creator):
    _brand, campaign = call
    me, other = open_creator(make_creator), open_creator(make_creator)
    body = {
        "price": {"amount": 40_000, "currency": "EUR"},
        "pitch": "On behalf of a friend.",
        "creator_id": other.id,
    }
    r = me.post(f"/api/v1/open-calls/{campaign['id']}/applications", json=body)
    assert_error(r, 422, "creator_id")
    assert count_rows(session, Application) == 0
    mine = applied(me, campaign)
    assert other.get("/api/v1/creators/me/applications").get_json()["total"] == 0
    assert_error(other.post(f"/api/v1/applications/{mine['id']}/withdraw"), 404)
    assert fresh(session, Application, mine["id"]).status is ApplicationStatus.SUBMITTED


def test_withdraw_before_selection_and_apply_again(session, call, make_creator):
    brand, campaign = call
    creator = open_creator(make_creator)
    application = applied(creator, campaign, 40_000)
    r = creator.post(f"/api/v1/applications/{application['id']}/withdraw")
    assert r.status_code == 200 and r.get_json()["status"] == "withdrawn"
    assert_error(select_app(brand, application), 409)
    assert_error(creator.post(f"/api/v1/applications/{application['id']}/withdraw"), 409)
    again = applied(creator, campaign, 42_000)  # the same application, sent again
    assert again["id"] == application["id"] and again["price"]["amount"] == 42_000
    assert select_app(brand, again).status_code == 201
    assert_error(creator.post(f"/api/v1/applications/{again['id']}/withdraw"), 409)


# --- tenant walls ---------------------------------------------------------------------------------


def test_a_brand_never_reaches_another_brands_call_or_applications(
    session, call, make_brand, make_creator
):
    _brand, campaign = call
    creator = open_creator(make_creator)
    application = applied(creator, campaign)
    other = make_brand("Other Co")
    cid = campaign["id"]
    for response in (
        other.get(f"/api/v1/campaigns/{cid}/applications"),
        other.get(f"/api/v1/campaigns/{cid}/open-call"),
        other.post(f"/api/v1/campaigns/{cid}/open-call", json={"closes_at": closes()}),
        other.patch(f"/api/v1/campaigns/{cid}/open-call", json={"closes_at": closes()}),
        other.post(f"/api/v1/campaigns/{cid}/open-call/close"),
        other.post(f"/api/v1/campaigns/{cid}/applications/auto-select?dry_run=true"),
        other.post(f"/api/v1/campaigns/{cid}/applications/auto-select"),
        select_app(other, application),
        select_app(other, {"id": MISSING_ID}),
    ):
        assert_error(response, 404)
    assert fresh(session, Application, application["id"]).status is ApplicationStatus.SUBMITTED
    assert count_rows(session, Sponsorship) == 0
    # Roles are walled too: a creator cannot read applicants or select.
    assert creator.get(f"/api/v1/campaigns/{cid}/applications").status_code == 403
    assert select_app(creator, application).status_code == 403


# --- guardrails at selection -----------------------------------------------------------------------


def test_capacity_taken_meanwhile_refuses_the_selection(
    session, call, make_creator, make_campaign, make_offer
):
    brand, campaign = call
    creator = open_creator(make_creator, weekly_capacity=1)
    application = applied(creator, campaign)
    elsewhere = make_campaign(brand, state="published", competitor_group=None, title="Other one")
    make_offer(elsewhere, creator)  # a live proposal uses the one unit of capacity
    body = assert_error(select_app(brand, application), 409)
    assert "capacity" in body["message"]
    assert fresh(session, Application, application["id"]).status is ApplicationStatus.SUBMITTED
    assert sponsorships_of(session, creator.id) == []
    assert campaign_money(session, campaign["id"]).committed == 0


def test_the_weekly_offer_cap_counts_every_channel_at_selection(
    session, call, make_creator, make_campaign, make_offer
):
    from collaborations.models import OfferStatus

    brand, campaign = call
    creator = open_creator(make_creator)
    application = applied(creator, campaign)
    cap = 3  # MATCH_MAX_OFFERS_PER_WEEK; the offers were answered, so they use no capacity
    for n in range(cap):
        other = make_campaign(brand, state="published", competitor_group=None, title=f"Other {n}")
        make_offer(other, creator, status=OfferStatus.DECLINED, responded_at=utcnow())
    body = assert_error(select_app(brand, application), 409)
    assert f"already received {cap} offers this week" in body["message"]
    assert fresh(session, Application, application["id"]).status is ApplicationStatus.SUBMITTED


def test_exclusivity_refuses_a_creator_tied_to_a_competitor(
    session, make_brand, make_campaign, make_creator, make_offer
):
    brand = make_brand()
    campaign = make_campaign(brand, state="published", competitor_group="skincare")
    open_the_call(brand, campaign)
    creator = open_creator(make_creator)
    application = applied(creator, campaign)
    rival = make_campaign(make_brand("Rival"), state="published", competitor_group="skincare")
    make_offer(rival, creator)
    body = assert_error(select_app(brand, application), 409)
    assert "competing brand" in body["message"]
    assert sponsorships_of(session, creator.id) == []


def test_budget_and_slots_hold_across_selections(session, make_brand, make_campaign, make_creator):
    brand = make_brand()
    campaign = make_campaign(
        brand,
        state="published",
        competitor_group=None,
        budget={"amount": 100_000, "currency": "EUR"},
        slots=2,
    )
    open_the_call(brand, campaign)
    a, b, c = (open_creator(make_creator) for _ in range(3))
    first = applied(a, campaign, 60_000)
    over = applied(b, campaign, 50_000)
    small = applied(c, campaign, 40_000)
    assert select_app(brand, first).status_code == 201
    body = assert_error(select_app(brand, over), 409)
    assert "remaining budget" in body["message"]
    assert select_app(brand, small).status_code == 201
    assert campaign_money(session, campaign["id"]).committed == 100_000
    d = open_creator(make_creator)
    late = applied(d, campaign, 1_000)
    body = assert_error(select_app(brand, late), 409)
    assert "slot" in body["message"]


# --- the optimiser picks the best set ---------------------------------------------------------------


def test_auto_select_finds_the_optimum_greedy_misses_and_explains_it(
    app, session, make_brand, make_campaign, make_creator
):
    brand = make_brand()
    campaign = make_campaign(
        brand,
        state="published",
        competitor_group=None,
        budget={"amount": 200_000, "currency": "EUR"},
        slots=3,
    )
    open_the_call(brand, campaign)
    # One slot and 100,000 are taken by hand first: 100,000 and two slots are left.
    first = applied(open_creator(make_creator), campaign, 100_000)
    assert select_app(brand, first).status_code == 201
    big = open_creator(make_creator, followers=30_000)  # the most reach, but dear
    mid1 = open_creator(make_creator, followers=20_000)
    mid2 = open_creator(make_creator, followers=20_000)
    dear = open_creator(make_creator, followers=40_000)
    blocked = open_creator(make_creator, followers=50_000)
    apps = {
        "big": applied(big, campaign, 90_000),
        "mid1": applied(mid1, campaign, 50_000),
        "mid2": applied(mid2, campaign, 50_000),
        "dear": applied(dear, campaign, 120_000),  # above the 100,000 left
        "blocked": applied(blocked, campaign, 10_000),
    }
    assert (
        brand.post("/api/v1/brands/me/blocks", json={"creator_id": blocked.id}).status_code == 201
    )
    url = f"/api/v1/campaigns/{campaign['id']}/applications/auto-select"

    r = brand.post(url + "?dry_run=true")
    assert r.status_code == 200, r.get_json()
    proposal = r.get_json()
    assert proposal["dry_run"] is True and proposal["offers"] == []
    chosen = {a["id"] for a in proposal["chosen"]}
    assert chosen == {apps["mid1"]["id"], apps["mid2"]["id"]}  # not the greedy's "big" alone
    reach = {a["id"]: a["expected_value"] for a in proposal["chosen"]}
    assert proposal["expected_value"] == sum(reach.values())
    left = {x["application_id"]: x for x in proposal["left_out"]}
    assert left[apps["big"]["id"]]["reason"] == "lower_value_per_price"
    assert left[apps["big"]["id"]]["expected_value"] > max(reach.values())  # greedy bait
    assert proposal["by_value_alone"] == left[apps["big"]["id"]]["expected_value"]
    assert proposal["by_value_alone"] < proposal["expected_value"]
    assert left[apps["dear"]["id"]]["reason"] == "over_budget"
    assert left[apps["blocked"]["id"]]["reason"] == "guardrail"
    assert left[apps["blocked"]["id"]]["rule"] == "blocked"
    assert proposal["budget_available"] == {"amount": 100_000, "currency": "EUR"}
    assert proposal["budget_used"] == {"amount": 100_000, "currency": "EUR"}
    assert proposal["slots_available"] == 2 and proposal["slots_used"] == 2
    assert proposal["solver"]["status"] == "optimal"
    assert "Picking the biggest reach first" in proposal["text"]
    assert fresh(session, Application, apps["mid1"]["id"]).status is ApplicationStatus.SUBMITTED
    assert campaign_money(session, campaign["id"]).committed == 100_000  # a dry run commits none

    r = brand.post(url)
    assert r.status_code == 200, r.get_json()
    done = r.get_json()
    assert done["dry_run"] is False
    assert {o["status"] for o in done["offers"]} == {"accepted"}
    assert {o["source"] for o in done["offers"]} == {"open_call"}
    assert {o["creator"]["id"] for o in done["offers"]} == {mid1.id, mid2.id}
    for key, status in (("mid1", "selected"), ("mid2", "selected"), ("big", "submitted")):
        assert fresh(session, Application, apps[key]["id"]).status.value == status
    assert campaign_money(session, campaign["id"]).committed == 200_000
    assert_ledger_ok(app, session)
    # Nothing left to pick: the slots and the budget are used.
    again = brand.post(url + "?dry_run=true").get_json()
    assert again["chosen"] == [] and again["slots_available"] == 0


def test_auto_select_confirmation_rechecks_the_rules_after_the_preview(
    session, call, make_creator, make_campaign, make_offer
):
    brand, campaign = call
    good = open_creator(make_creator)
    busy = open_creator(make_creator, weekly_capacity=1)
    applied(good, campaign, 40_000)
    applied(busy, campaign, 40_000)
    proposal = brand.post(
        f"/api/v1/campaigns/{campaign['id']}/applications/auto-select?dry_run=true"
    ).get_json()
    assert len(proposal["chosen"]) == 2
    # Between the preview and the confirmation the busy creator's capacity is used.
    elsewhere = make_campaign(brand, state="published", competitor_group=None, title="Other")
    make_offer(elsewhere, busy)
    r = brand.post(f"/api/v1/campaigns/{campaign['id']}/applications/auto-select")
    assert r.status_code == 200
    body = r.get_json()
    # The confirmation re-reads the market: the busy creator is left out by the guardrail.
    assert [a["creator"]["id"] for a in body["chosen"]] == [good.id]
    assert {x["rule"] for x in body["left_out"]} == {"capacity"}
    assert len(sponsorships_of(session, good.id)) == 1 and sponsorships_of(session, busy.id) == []


# --- closing ------------------------------------------------------------------------------------------


def test_a_closed_call_takes_no_applications_or_selections(session, call, make_creator):
    brand, campaign = call
    early, late = open_creator(make_creator), open_creator(make_creator)
    application = applied(early, campaign)
    r = brand.post(f"/api/v1/campaigns/{campaign['id']}/open-call/close")
    assert r.status_code == 200 and r.get_json()["status"] == "closed"
    assert r.get_json()["applications"]["not_selected"] == 1
    assert_error(apply(late, campaign), 409)
    assert_error(select_app(brand, application), 409)
    assert_error(brand.post(f"/api/v1/campaigns/{campaign['id']}/open-call/close"), 409)
    assert late.get("/api/v1/creators/me/open-calls").get_json()["total"] == 0
    assert len(notifications(session, "open_call.closed")) == 1


def test_the_closing_job_tells_each_unselected_applicant_exactly_once(
    app, session, call, make_creator
):
    brand, campaign = call
    picked, waiting1, waiting2, gone = (open_creator(make_creator) for _ in range(4))
    selected = applied(picked, campaign)
    assert select_app(brand, selected).status_code == 201
    a1, a2 = applied(waiting1, campaign), applied(waiting2, campaign)
    withdrawn = applied(gone, campaign)
    gone.post(f"/api/v1/applications/{withdrawn['id']}/withdraw")
    with app.app_context():
        assert close_open_calls_job() == []  # not due yet
    call_id = session.scalar(select(OpenCall.id).where(OpenCall.campaign_id == campaign["id"]))
    update_row(session, OpenCall, call_id, closes_at=utcnow() - timedelta(minutes=1))
    assert_error(apply(open_creator(make_creator), campaign), 409)  # past closes_at: closed
    with app.app_context():
        assert close_open_calls_job() == [call_id]
        assert close_open_calls_job() == []  # a retry sends nothing twice
    result = app.test_cli_runner().invoke(args=["jobs", "close-open-calls"])
    assert result.exit_code == 0 and "0 open calls closed" in result.output
    told = notifications(session, "open_call.closed")
    accounts = {n.account_id for n in told}
    assert len(told) == 2 and accounts == {waiting1.account_id, waiting2.account_id}
    for application, status in (
        (a1, "not_selected"),
        (a2, "not_selected"),
        (selected, "selected"),
        (withdrawn, "withdrawn"),
    ):
        assert fresh(session, Application, application["id"]).status.value == status
    assert fresh(session, OpenCall, call_id).closed_at is not None
    assert (
        brand.get(f"/api/v1/campaigns/{campaign['id']}/open-call").get_json()["status"] == "closed"
    )


def test_cancelling_the_campaign_closes_its_call_at_the_next_sweep(
    app, session, call, make_creator
):
    brand, campaign = call
    creator = open_creator(make_creator)
    application = applied(creator, campaign)
    assert brand.post(f"/api/v1/campaigns/{campaign['id']}/cancel").status_code == 200
    assert_error(select_app(brand, application), 409)
    with app.app_context():
        assert len(close_open_calls_job()) == 1
    assert fresh(session, Application, application["id"]).status is ApplicationStatus.NOT_SELECTED
    assert [n.account_id for n in notifications(session, "open_call.closed")] == [
        creator.account_id
    ]


# --- races ----------------------------------------------------------------------------------------


def test_selections_racing_for_the_last_slot_fill_it_once(
    app, session, make_brand, make_campaign, make_creator
):
    from tests.payments_fixtures import concurrently, http_post, live_server

    brand = make_brand()
    campaign = make_campaign(brand, state="published", competitor_group=None, slots=1)
    open_the_call(brand, campaign)
    applications = [applied(open_creator(make_creator), campaign) for _ in range(4)]
    with live_server(app) as base:
        calls = [
            lambda a=a: http_post(
                base + f"/api/v1/applications/{a['id']}/select", headers=brand.headers
            )
            for a in applications
        ]
        calls.append(
            lambda: http_post(
                base + f"/api/v1/campaigns/{campaign['id']}/applications/auto-select",
                headers=brand.headers,
            )
        )
        responses = concurrently(calls)
    codes = sorted(r.status_code for r in responses[:-1])
    auto = responses[-1]
    assert auto.status_code == 200, auto.text
    won = codes.count(201) + len(auto.json()["offers"])
    assert won == 1, (codes, auto.json())
    assert set(codes) <= {201, 409}
    assert count_rows(session, Sponsorship) == 1
    assert campaign_money(session, campaign["id"]).committed == 40_000
    assert_ledger_ok(app, session)
