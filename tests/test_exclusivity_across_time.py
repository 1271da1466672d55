"""Exclusivity across time: a creator's existing commitments in a competitor group (work in
progress and live offers) reach every run's solver, weekly, sharded and incremental, so no run
proposes what accepting would refuse; and runs, accepting and invitations share one rule."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from accounts.models import Creator
from campaigns.models import Campaign, CampaignStatus
from collaborations import guardrails
from collaborations.models import Offer, OfferStatus, Sponsorship, SponsorshipStatus
from core.db import utcnow
from matching.adapter import snapshot_market
from matching.models import MatchRun, MatchRunKind
from tests.conftest import ApiUser
from tests.factories import ago, complete_profile, fresh, open_up, run_matching, update_row

GROUP = "skincare"


def open_creator(make_creator: Any) -> Any:
    creator = make_creator()
    open_up(creator)
    complete_profile(creator, weekly_capacity=3)
    return creator


def proposed_campaigns(creator: Any) -> list[int]:
    items = creator.get(
        "/api/v1/creators/me/offers", query_string={"status": "proposed"}
    ).get_json()["items"]
    return sorted(o["campaign"]["id"] for o in items)


@pytest.fixture
def tied_market(make_brand, make_creator, make_campaign, make_offer):
    """Two competing brands in one group. ``worker`` accepted work for the first brand's
    campaign, ``holder`` has a live offer from it (those fill its two slots), ``free`` has
    neither; the second brand's campaign is open for the run."""
    first, second = make_brand("Glow Labs"), make_brand("Dew Co")
    tied = make_campaign(first, state="published", title="Glow serum", slots=2)
    worker, holder, free = (open_creator(make_creator) for _ in range(3))
    offer = make_offer(tied, worker, created_at=ago(days=8))
    assert worker.post(f"/api/v1/offers/{offer.id}/accept").status_code == 201
    make_offer(tied, holder, created_at=ago(days=8))
    rival = make_campaign(second, state="published", title="Dew serum")
    assert tied["competitor_group"] == rival["competitor_group"] == GROUP
    return {"tied": tied, "rival": rival, "worker": worker, "holder": holder, "free": free}


def test_work_and_live_offers_in_a_group_block_the_next_weekly_run(app, client, tied_market):
    m = tied_market
    run = run_matching(app, client)
    assert run["offers"] == 1
    assert proposed_campaigns(m["free"]) == [m["rival"]["id"]]
    assert proposed_campaigns(m["worker"]) == []
    assert proposed_campaigns(m["holder"]) == [m["tied"]["id"]]  # only the offer it had


def test_sharded_runs_carry_the_ties_to_every_shard(
    make_app, make_brand, make_creator, make_campaign, make_offer, session
):
    # Embedded mode solves the shards one after the other, then joins them like RQ does.
    app = make_app(MATCH_SHARDS=2)  # the same database as the fixtures' default app
    client = app.test_client()
    first, second = make_brand("Glow Labs"), make_brand("Dew Co")
    tied = make_campaign(first, state="published", title="Glow serum", slots=1)
    worker, free = open_creator(make_creator), open_creator(make_creator)
    offer = make_offer(tied, worker, created_at=ago(days=8))
    assert worker.post(f"/api/v1/offers/{offer.id}/accept").status_code == 201
    rival = make_campaign(second, state="published", title="Dew serum")
    make_campaign(
        second, state="published", title="Dew snacks", category="food", competitor_group=None
    )
    run = run_matching(app, client)
    assert run["shards"] == 2
    session.rollback()
    assert session.scalar(select(MatchRun.shards)) == 2
    assert proposed_campaigns(free) == [rival["id"]]
    assert proposed_campaigns(worker) == []


def test_incremental_runs_carry_the_ties(
    make_app, make_brand, make_creator, make_campaign, make_offer, session
):
    app = make_app(MATCH_INCREMENTAL=True)
    first, second = make_brand("Glow Labs"), make_brand("Dew Co")
    tied = make_campaign(first, state="published", title="Glow serum", slots=1)
    worker, free = open_creator(make_creator), open_creator(make_creator)
    offer = make_offer(tied, worker, created_at=ago(days=8))
    assert worker.post(f"/api/v1/offers/{offer.id}/accept").status_code == 201
    # Publishing on this app starts an incremental run for the campaign (in-process).
    second_here = ApiUser(app.test_client(), second.token, second.account_id, second.id)
    rival = make_campaign(second_here, state="published", title="Dew serum")
    session.rollback()
    assert session.scalar(select(MatchRun.kind)) is MatchRunKind.INCREMENTAL
    assert proposed_campaigns(free) == [rival["id"]]
    assert proposed_campaigns(worker) == []


# --- one rule: the run, accepting and invitations agree ---------------------------------------

WORK_STATES = [s for s in SponsorshipStatus]
CAMPAIGN_STATES = [CampaignStatus.PUBLISHED, CampaignStatus.COMPLETED, CampaignStatus.CANCELLED]


def _run_excludes(session: Any, creator_id: int, campaign_id: int) -> bool:
    """Whether the run's snapshot (the solver's input) excludes the pair."""
    session.rollback()
    now = utcnow()
    [market] = snapshot_market(session, today=now.date(), now=now, max_offers_per_week=3)
    handle = next(h for h, i in market.creator_ids.items() if i == creator_id)
    excluded = (handle, str(campaign_id)) in market.excluded
    session.rollback()
    return excluded


def _invitation_refused(session: Any, creator_id: int, campaign_id: int) -> bool:
    """Whether the guardrail of invitations finds a competitor tie."""
    session.rollback()
    creator, campaign = session.get(Creator, creator_id), session.get(Campaign, campaign_id)
    clash = guardrails.competitor_clash(session, creator, campaign, utcnow())
    session.rollback()
    return clash is not None


@pytest.mark.parametrize("campaign_state", CAMPAIGN_STATES, ids=str)
@pytest.mark.parametrize("work_state", WORK_STATES, ids=str)
def test_run_accept_and_invitation_agree_on_work(
    work_state, campaign_state, make_brand, make_creator, make_campaign, make_offer, session
):
    first, second = make_brand("Glow Labs"), make_brand("Dew Co")
    tied = make_campaign(first, state="published", title="Glow serum")
    rival = make_campaign(second, state="published", title="Dew serum")
    creator = open_creator(make_creator)
    offer = make_offer(tied, creator, created_at=ago(days=8))
    sid = creator.post(f"/api/v1/offers/{offer.id}/accept").get_json()["id"]
    update_row(session, Sponsorship, sid, status=work_state)
    update_row(session, Campaign, tied["id"], status=campaign_state)
    tied_by_work = work_state in (
        SponsorshipStatus.ACTIVE,
        SponsorshipStatus.DELIVERED,
        SponsorshipStatus.REJECTED,
        SponsorshipStatus.DISPUTED,
    ) or (work_state is SponsorshipStatus.APPROVED and campaign_state is CampaignStatus.PUBLISHED)

    run_excludes = _run_excludes(session, creator.id, rival["id"])
    invitation_refused = _invitation_refused(session, creator.id, rival["id"])
    pending = make_offer(rival, creator)  # as if proposed anyway: does accepting refuse it?
    accepted = creator.post(f"/api/v1/offers/{pending.id}/accept")
    accept_refuses = accepted.status_code == 409
    assert accepted.status_code in (201, 409), accepted.get_json()
    if accept_refuses:
        assert "competing brand" in accepted.get_json()["message"]
    assert run_excludes == accept_refuses == invitation_refused == tied_by_work


@pytest.mark.parametrize(
    "offer_state",
    [
        OfferStatus.PROPOSED,
        OfferStatus.COUNTERED,
        "expired",
        OfferStatus.DECLINED,
        OfferStatus.WITHDRAWN,
        OfferStatus.EXPIRED,
    ],
    ids=str,
)
def test_live_offers_block_new_offers_but_not_the_creators_choice(
    offer_state, make_brand, make_creator, make_campaign, make_offer, session
):
    first, second = make_brand("Glow Labs"), make_brand("Dew Co")
    tied = make_campaign(first, state="published", title="Glow serum")
    rival = make_campaign(second, state="published", title="Dew serum")
    creator = open_creator(make_creator)
    if offer_state == "expired":  # a proposal past its expiry the job has not marked yet
        make_offer(tied, creator, created_at=ago(days=8), expires_at=ago(minutes=1))
    else:
        make_offer(tied, creator, created_at=ago(days=8), status=OfferStatus(offer_state))
    live = offer_state in (OfferStatus.PROPOSED, OfferStatus.COUNTERED)
    assert _run_excludes(session, creator.id, rival["id"]) == live
    assert _invitation_refused(session, creator.id, rival["id"]) == live
    # Accepting is how the creator chooses between two offers: a live one never blocks it,
    # and the one accepted then ties the creator (the other offer can no longer be accepted).
    chosen = make_offer(rival, creator)
    assert creator.post(f"/api/v1/offers/{chosen.id}/accept").status_code == 201
    assert _invitation_refused(session, creator.id, tied["id"])
    session.rollback()
    assert fresh(session, Offer, chosen.id).status is OfferStatus.ACCEPTED
