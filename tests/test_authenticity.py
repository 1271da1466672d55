"""Authenticity from our own data: ``sponsored_share`` is computed from the sponsored posts
handed in through Dandelion and the posts the creator reports, and the cap bites: in the next
match run, on invitations, and on the creator's own profile, which says why."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from accounts.models import Creator
from campaigns.models import Campaign
from collaborations import guardrails
from collaborations.authenticity import share_of
from collaborations.models import Sponsorship, SponsorshipStatus
from core.db import utcnow
from tests.factories import ago, complete_profile, fresh, open_up, run_matching, update_row
from tests.helpers import assert_error

POST_URL = "https://www.xiaohongshu.com/explore/abc123"
ME = "/api/v1/creators/me"


@pytest.fixture
def past_campaigns(make_brand, make_campaign):
    """A brand with three published campaigns (no competitor group) the creators worked on."""
    brand = make_brand("Glow Labs")
    campaigns = [
        make_campaign(brand, state="published", title=f"Past {n}", competitor_group=None)
        for n in range(3)
    ]
    return brand, campaigns


def creator_with_posts(
    make_creator: Any, make_offer: Any, campaigns: list[dict], reported: int | None
) -> tuple[Any, list[int]]:
    """An open creator who reported ``reported`` posts and delivered one sponsored post per
    campaign, through the API (offers from last week, so this week's offer cap is untouched).
    Returns the creator and the sponsorship ids."""
    creator = make_creator()
    open_up(creator)
    complete_profile(creator, weekly_capacity=6)
    if reported is not None:
        assert creator.patch(ME, json={"recent_posts_30d": reported}).status_code == 200
    sponsorships = []
    for campaign in campaigns:
        offer = make_offer(campaign, creator, price_amount=40_000, created_at=ago(days=8))
        accepted = creator.post(f"/api/v1/offers/{offer.id}/accept")
        assert accepted.status_code == 201, accepted.get_json()
        sid = accepted.get_json()["id"]
        r = creator.post(
            f"/api/v1/sponsorships/{sid}/deliverable", json={"url": POST_URL, "disclosure": True}
        )
        assert r.status_code == 200, r.get_json()
        sponsorships.append(sid)
    return creator, sponsorships


def share(creator: Any) -> float:
    return creator.get(ME).get_json()["sponsored_share"]


def proposed_offers(creator: Any) -> list[dict]:
    return creator.get(
        "/api/v1/creators/me/offers", query_string={"status": "proposed"}
    ).get_json()["items"]


def test_share_is_recomputed_on_each_submit_and_on_each_report(
    past_campaigns, make_creator, make_offer
):
    _brand, campaigns = past_campaigns
    creator = make_creator()
    open_up(creator)
    r = creator.patch(ME, json={"recent_posts_30d": 4})
    assert r.status_code == 200 and r.get_json()["recent_posts_30d"] == 4
    assert r.get_json()["sponsored_share"] == 0.0  # reported posts, none sponsored
    seen = []
    for campaign in campaigns:
        offer = make_offer(campaign, creator, created_at=ago(days=8))
        sid = creator.post(f"/api/v1/offers/{offer.id}/accept").get_json()["id"]
        assert share(creator) == (seen[-1] if seen else 0.0)  # accepting is not posting
        creator.post(
            f"/api/v1/sponsorships/{sid}/deliverable", json={"url": POST_URL, "disclosure": True}
        )
        seen.append(share(creator))
    assert seen == [0.25, 0.5, 0.75]
    # Reporting more posts lowers it at once; reporting fewer than the sponsored ones cannot.
    assert creator.patch(ME, json={"recent_posts_30d": 8}).get_json()[
        "sponsored_share"
    ] == pytest.approx(0.375)
    assert creator.patch(ME, json={"recent_posts_30d": 1}).get_json()["sponsored_share"] == 1.0
    assert creator.patch(ME, json={"recent_posts_30d": 0}).get_json()["sponsored_share"] == 1.0


def test_share_definition():
    assert share_of(0, 0) == 0.0  # no posts at all
    assert share_of(3, 4) == pytest.approx(0.75)
    assert share_of(3, 0) == 1.0  # never fewer posts than sponsored ones
    assert share_of(3, 7) == pytest.approx(0.4286, abs=1e-12)  # stored to 4 places


def test_an_unreported_creator_counts_only_dandelion_posts_and_is_told(
    past_campaigns, make_creator, make_offer
):
    _brand, campaigns = past_campaigns
    creator, _ = creator_with_posts(make_creator, make_offer, campaigns[:1], reported=None)
    me = creator.get(ME).get_json()
    assert me["recent_posts_30d"] is None and me["sponsored_share"] == 1.0
    [reason] = me["offer_eligibility"]["reasons"]
    assert reason["rule"] == "sponsored_share"
    assert "100 %" in reason["message"] and "have not reported" in reason["message"]
    assert "report 2 or more posts" in reason["message"]


def test_patch_refuses_the_measured_share_and_bad_post_counts(make_creator, session):
    creator = make_creator()
    complete_profile(creator)
    for body, field in (
        ({"sponsored_share": 0.0}, "sponsored_share"),
        ({"offer_eligibility": {"eligible": True}}, "offer_eligibility"),
        ({"recent_posts_30d": -1}, "recent_posts_30d"),
        ({"recent_posts_30d": 1_001}, "recent_posts_30d"),
        ({"recent_posts_30d": "12"}, "recent_posts_30d"),
        ({"recent_posts_30d": 2.5}, "recent_posts_30d"),
        ({"recent_posts_30d": None}, "recent_posts_30d"),
    ):
        assert_error(creator.patch(ME, json=body), 422, field)
    row = fresh(session, Creator, creator.id)
    assert row.sponsored_share == 0.0 and row.recent_posts_30d is None
    assert creator.patch(ME, json={"recent_posts_30d": 1_000}).status_code == 200


def test_over_the_cap_no_offer_in_the_next_run_and_told_why(
    app, client, past_campaigns, make_creator, make_offer, make_campaign, session
):
    brand, campaigns = past_campaigns
    # Identical creators with three sponsored posts each; one reported 4 posts, one 8.
    over, _ = creator_with_posts(make_creator, make_offer, campaigns, reported=4)
    under, _ = creator_with_posts(make_creator, make_offer, campaigns, reported=8)
    assert (share(over), share(under)) == (0.75, 0.375)
    fresh_campaign = make_campaign(
        brand, state="published", title="Spring launch", competitor_group=None
    )

    me = over.get(ME).get_json()
    eligibility = me["offer_eligibility"]
    assert eligibility["eligible"] is False
    [reason] = eligibility["reasons"]
    assert reason["rule"] == "sponsored_share"
    first_post = fresh(session, Sponsorship, min(_sponsorship_ids(session, over.id)))
    back_on = (first_post.first_delivered_at + timedelta(days=30)).date()
    assert "75 % of your posts in the last 30 days were sponsored (3 of 4)" in reason["message"]
    assert "above 50 % you get no new offers" in reason["message"]
    assert back_on.isoformat() in reason["message"]
    assert "report 6 or more posts" in reason["message"]
    assert eligibility["sponsored_share"] == {
        "share": 0.75,
        "sponsored_posts": 3,
        "posts": 4,
        "window_days": 30,
        "cap": 0.5,
        "over_cap": True,
        "under_cap_on": back_on.isoformat(),
        "posts_needed": 6,
    }
    assert under.get(ME).get_json()["offer_eligibility"]["eligible"] is True
    # Brands never see it: the public profile has neither the share nor the reasons.
    public = brand.get(f"/api/v1/creators/{over.id}").get_json()
    assert "sponsored_share" not in public and "offer_eligibility" not in public

    run = run_matching(app, client)
    assert run["offers"] >= 1
    assert proposed_offers(over) == []
    assert [o["campaign"]["id"] for o in proposed_offers(under)] == [fresh_campaign["id"]]


def _sponsorship_ids(session: Any, creator_id: int) -> list[int]:
    session.rollback()
    return list(session.scalars(select(Sponsorship.id).where(Sponsorship.creator_id == creator_id)))


def test_an_invitation_to_an_over_cap_creator_is_refused(
    past_campaigns, make_creator, make_offer, make_campaign, session
):
    brand, campaigns = past_campaigns
    over, _ = creator_with_posts(make_creator, make_offer, campaigns, reported=4)
    under, _ = creator_with_posts(make_creator, make_offer, campaigns, reported=8)
    target = make_campaign(brand, state="published", title="Invite only", competitor_group=None)
    url = f"/api/v1/campaigns/{target['id']}/invitations"
    body = {"message": "We love your routines."}
    refused = brand.post(url, json={**body, "creator_id": over.id})
    assert_error(refused, 409, "rule")
    assert refused.get_json()["errors"]["rule"] == ["sponsored_share"]
    assert "75 %" in refused.get_json()["message"]
    assert brand.post(url, json={**body, "creator_id": under.id}).status_code == 201
    # The guardrail itself reads the computed column.
    session.rollback()
    creator = session.get(Creator, over.id)
    campaign = session.get(Campaign, target["id"])
    with pytest.raises(guardrails.GuardrailRefused) as refusal:
        guardrails.check_new_offer(
            session, campaign, creator, 40_000, guardrails.OfferRules(), now=utcnow()
        )
    assert refusal.value.rule == "sponsored_share"
    session.rollback()


def test_the_window_slides_and_the_daily_job_lets_the_creator_back_in(
    app, client, past_campaigns, make_creator, make_offer, make_campaign, session
):
    brand, campaigns = past_campaigns
    creator, sponsorships = creator_with_posts(make_creator, make_offer, campaigns, reported=4)
    # A rejected post is still a sponsored post the audience saw.
    r = brand.post(f"/api/v1/sponsorships/{sponsorships[2]}/reject", json={"reason": "No #ad."})
    assert r.status_code == 200
    assert share(creator) == pytest.approx(0.75)
    # Two of the posts were handed in 31 days ago, one 29 days ago.
    for sid, days in zip(sponsorships, (31, 31, 29), strict=True):
        update_row(session, Sponsorship, sid, first_delivered_at=ago(days=days))
    assert share(creator) == pytest.approx(0.75)  # stored: nothing has recomputed it yet
    result = app.test_cli_runner().invoke(args=["jobs", "sponsored-shares"])
    assert result.exit_code == 0, result.output
    assert "1 sponsored shares changed" in result.output
    assert share(creator) == pytest.approx(0.25)
    assert creator.get(ME).get_json()["offer_eligibility"]["eligible"] is True
    again = app.test_cli_runner().invoke(args=["jobs", "sponsored-shares"])
    assert "0 sponsored shares changed" in again.output
    fresh_campaign = make_campaign(brand, state="published", title="Later", competitor_group=None)
    run_matching(app, client)
    assert [o["campaign"]["id"] for o in proposed_offers(creator)] == [fresh_campaign["id"]]


def test_cancelled_work_does_not_count_and_the_window_is_a_setting(make_app, make_campaign):
    app = make_app(SPONSORED_SHARE_WINDOW_DAYS=7)
    client = app.test_client()
    from tests.conftest import PASSWORD, ApiUser  # fixtures bind the default app: sign up here

    def signup(kind: str, **body: Any) -> ApiUser:
        r = client.post(f"/api/v1/{kind}", json={**body, "password": PASSWORD})
        assert r.status_code == 201, r.get_json()
        t = client.post("/api/v1/tokens", json={"email": body["email"], "password": PASSWORD})
        return ApiUser(client, t.get_json()["token"], 0, r.get_json()["id"])

    brand = signup("brands", name="Glow", email="glow@example.com")
    creator = signup("creators", handle="mia", email="mia@example.com")
    open_up(creator)
    campaigns = [
        make_campaign(brand, state="published", title=f"Week {n}", competitor_group=None)
        for n in range(3)
    ]
    session = app.extensions["dandelion.db"].read_session_factory()
    from tests.factories import offer_factory

    make_offer = offer_factory(session)
    for campaign in campaigns:
        offer = make_offer(campaign, creator, created_at=ago(days=8))
        sid = creator.post(f"/api/v1/offers/{offer.id}/accept").get_json()["id"]
        creator.post(
            f"/api/v1/sponsorships/{sid}/deliverable", json={"url": POST_URL, "disclosure": True}
        )
    ids = _sponsorship_ids(session, creator.id)
    # 30 reported posts a month are 7 in a 7-day window.
    assert creator.patch(ME, json={"recent_posts_30d": 30}).get_json()["sponsored_share"] == round(
        3 / 7, 4
    )
    update_row(session, Sponsorship, ids[0], first_delivered_at=ago(days=8))  # out of 7 days
    update_row(session, Sponsorship, ids[1], status=SponsorshipStatus.CANCELLED)
    assert app.test_cli_runner().invoke(args=["jobs", "sponsored-shares"]).exit_code == 0
    me = creator.get(ME).get_json()
    assert me["sponsored_share"] == round(1 / 7, 4)
    assert me["offer_eligibility"]["sponsored_share"]["window_days"] == 7
    session.close()


def test_other_reasons_for_no_offers(past_campaigns, make_creator, make_offer):
    _brand, campaigns = past_campaigns
    newcomer = make_creator()
    reasons = newcomer.get(ME).get_json()["offer_eligibility"]["reasons"]
    assert [r["rule"] for r in reasons] == ["incomplete_profile", "creator_closed"]
    assert "audience" in reasons[0]["message"] and "rate" in reasons[0]["message"]
    busy = make_creator()
    open_up(busy)  # weekly capacity 3
    assert busy.get(ME).get_json()["offer_eligibility"] == {
        "eligible": True,
        "reasons": [],
        "sponsored_share": {
            "share": 0.0,
            "sponsored_posts": 0,
            "posts": 0,
            "window_days": 30,
            "cap": 0.5,
            "over_cap": False,
            "under_cap_on": None,
            "posts_needed": None,
        },
    }
    for campaign in campaigns:  # three live offers this week: capacity and the weekly cap
        make_offer(campaign, busy)
    reasons = busy.get(ME).get_json()["offer_eligibility"]["reasons"]
    assert [r["rule"] for r in reasons] == ["capacity", "offer_cap"]
    assert "weekly capacity (3)" in reasons[0]["message"]
    assert "received 3 offers this week" in reasons[1]["message"]
