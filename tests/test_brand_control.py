"""The brand in control: withdraw an offer ("not for this campaign"), a block list per brand,
and every offer of a campaign listed, from every run and channel.

The consequences are proven through real match runs (embedded: the run executes in-process
when the request that asked for it commits): a withdrawn offer's slot is filled by someone
else next time, the withdrawn creator is never asked again, a blocked creator is never offered
to the brand.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from collaborations.models import BrandBlock, Offer, OfferSource, OfferStatus, Sponsorship
from core.db import session_scope, utcnow
from matching import runs
from matching.models import MatchRun, MatchRunStatus
from payments.ledger import check_ledger
from tests.factories import ago, complete_profile, fresh, open_up, update_row
from tests.helpers import MISSING_ID, assert_error, count_rows

# No wall clock (a test-only value): the solve is bounded by its rounds, so the offers do not
# depend on the machine's load.
FAST = {
    "MATCH_TIME_LIMIT_S": None,
    "MATCH_INCREMENTAL_TIME_LIMIT_S": None,
    "MATCH_MAX_ROUNDS": 30,
    "MATCH_SEED": 3,
}
BLOCKS = "/api/v1/brands/me/blocks"


@pytest.fixture
def app(make_app):
    return make_app(**FAST)


@pytest.fixture
def market(make_brand, make_creator, make_campaign, make_offer):
    """A brand's published campaign with a live proposal to a creator."""
    brand = make_brand("Glow Labs")
    creator = make_creator("mia.glow")
    open_up(creator)
    campaign = make_campaign(brand, state="published", competitor_group=None)
    offer = make_offer(campaign, creator, price_amount=45_000)
    return brand, creator, campaign, offer


def withdraw(brand: Any, offer_id: int, **body: Any) -> Any:
    return brand.post(f"/api/v1/offers/{offer_id}/withdraw", json=body)


def offer_state(session, offer_id: int) -> tuple[Any, ...]:
    o = fresh(session, Offer, offer_id)
    return (o.status, o.withdraw_reason, o.responded_at, o.decline_reason)


def ledger_figures(brand: Any, campaign_id: int) -> dict[str, Any]:
    report = brand.get(f"/api/v1/campaigns/{campaign_id}/report").get_json()
    return {k: report[k] for k in ("funded", "committed", "paid", "refunded", "remaining")}


def assert_ledger_balances(session) -> None:
    session.rollback()
    report = check_ledger(session)
    session.rollback()
    assert report.ok, report.breaches


# --- withdraw ---------------------------------------------------------------------------------


def test_brand_withdraws_a_proposal_and_the_creator_can_no_longer_answer_it(market, session):
    brand, creator, campaign, offer = market
    money_before = ledger_figures(brand, campaign["id"])
    r = withdraw(brand, offer.id, reason="Her audience skews to makeup.")
    assert r.status_code == 200, r.get_json()
    body = r.get_json()
    assert body["id"] == offer.id and body["status"] == "withdrawn"
    assert body["withdraw_reason"] == "Her audience skews to makeup."
    assert body["responded_at"] is not None and body["source"] == "match"
    row = fresh(session, Offer, offer.id)
    assert row.status is OfferStatus.WITHDRAWN and row.responded_at is not None

    # the creator sees it withdrawn, in the inbox and under its own filter
    inbox = creator.get("/api/v1/creators/me/offers").get_json()
    assert [(o["id"], o["status"]) for o in inbox["items"]] == [(offer.id, "withdrawn")]
    filtered = creator.get("/api/v1/creators/me/offers", query_string={"status": "withdrawn"})
    assert [o["id"] for o in filtered.get_json()["items"]] == [offer.id]
    live = creator.get("/api/v1/creators/me/offers", query_string={"status": "proposed"})
    assert live.get_json()["total"] == 0

    # neither accepted nor declined any more, and nothing was written by trying
    state = offer_state(session, offer.id)
    accept = assert_error(creator.post(f"/api/v1/offers/{offer.id}/accept"), 409)
    assert "withdrew" in accept["message"]
    assert_error(creator.post(f"/api/v1/offers/{offer.id}/decline", json={"reason": "x"}), 409)
    assert offer_state(session, offer.id) == state
    assert count_rows(session, Sponsorship) == 0

    # a proposal committed nothing: no money moved, the books balance
    assert ledger_figures(brand, campaign["id"]) == money_before
    assert_ledger_balances(session)


def test_withdraw_needs_no_body_and_refuses_an_overlong_reason(market, session):
    brand, _creator, _campaign, offer = market
    assert_error(withdraw(brand, offer.id, reason="x" * 1001), 422, "reason")
    assert fresh(session, Offer, offer.id).status is OfferStatus.PROPOSED
    r = brand.post(f"/api/v1/offers/{offer.id}/withdraw")
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["status"] == "withdrawn" and r.get_json()["withdraw_reason"] is None


@pytest.mark.parametrize(
    ("setup", "words"),
    [
        ({"status": OfferStatus.ACCEPTED}, "accepted"),
        ({"status": OfferStatus.DECLINED}, "declined"),
        ({"status": OfferStatus.EXPIRED}, "expired"),
        ({"expires_at": ago(minutes=1)}, "expired"),  # lapsed, before the expiry job ran
        ({"status": OfferStatus.WITHDRAWN}, "already withdrawn"),
    ],
    ids=["accepted", "declined", "expired", "lapsed", "withdrawn"],
)
def test_only_live_proposals_can_be_withdrawn(market, session, setup, words):
    brand, _creator, _campaign, offer = market
    update_row(session, Offer, offer.id, responded_at=ago(hours=1), **setup)
    before = offer_state(session, offer.id)
    body = assert_error(withdraw(brand, offer.id, reason="late"), 409)
    assert words in body["message"] and "awaiting the creator's reply" in body["message"]
    assert offer_state(session, offer.id) == before


def test_a_withdrawal_races_no_acceptance(market, session):
    """Accepted first: the withdrawal is refused and the sponsorship stands."""
    brand, creator, _campaign, offer = market
    assert creator.post(f"/api/v1/offers/{offer.id}/accept").status_code == 201
    assert_error(withdraw(brand, offer.id), 409)
    assert fresh(session, Offer, offer.id).status is OfferStatus.ACCEPTED
    assert count_rows(session, Sponsorship) == 1
    assert_ledger_balances(session)


def test_another_brands_offer_answers_like_a_missing_one(market, make_brand, session):
    _brand, _creator, _campaign, offer = market
    rival = make_brand()
    before = offer_state(session, offer.id)
    theirs = withdraw(rival, offer.id, reason="mine now")
    missing = withdraw(rival, MISSING_ID, reason="mine now")
    assert_error(theirs, 404)
    assert theirs.get_json() == missing.get_json()
    assert offer_state(session, offer.id) == before


def test_creators_and_anonymous_callers_cannot_withdraw(market, session):
    brand, creator, _campaign, offer = market
    before = offer_state(session, offer.id)
    assert_error(withdraw(creator, offer.id), 403)
    assert_error(brand.client.post(f"/api/v1/offers/{offer.id}/withdraw", json={}), 401)
    assert offer_state(session, offer.id) == before


def test_a_withdrawal_inside_the_reply_window_does_not_count_against_the_creator(
    market, make_offer, session
):
    brand, creator, campaign, offer = market
    assert withdraw(brand, offer.id).status_code == 200
    reliability = creator.get("/api/v1/creators/me").get_json()["reliability"]
    assert reliability["reply_rate_48h"] is None  # nothing the creator was due to answer
    # a proposal left unanswered for three days and then withdrawn: the silence counts
    late = make_offer(campaign, creator, created_at=ago(days=3))
    assert withdraw(brand, late.id).status_code == 200
    reliability = creator.get("/api/v1/creators/me").get_json()["reliability"]
    assert reliability["reply_rate_48h"] == pytest.approx(0.0, abs=1e-12)  # a ratio


# --- every offer of a campaign ------------------------------------------------------------------


def _runs(session, *weeks: str) -> list[int]:
    session.rollback()
    made = [
        MatchRun(week=w, status=MatchRunStatus.SUCCEEDED, stage="done", progress=100) for w in weeks
    ]
    session.add_all(made)
    session.commit()
    return [r.id for r in made]


def test_campaign_offers_list_every_run_and_channel_newest_first(
    market, make_creator, make_brand, make_campaign, make_offer, session
):
    brand, creator, campaign, first = market
    old_run, new_run = _runs(session, "2026-W40", "2026-W41")
    others = [make_creator() for _ in range(5)]
    update_row(session, Offer, first.id, match_run_id=old_run, created_at=ago(days=20))
    expired = make_offer(
        campaign, others[0], match_run_id=old_run, created_at=ago(days=19), expires_at=ago(days=12)
    )
    declined = make_offer(
        campaign,
        others[1],
        match_run_id=new_run,
        created_at=ago(days=6),
        status=OfferStatus.DECLINED,
        responded_at=ago(days=5),
    )
    invite = make_offer(campaign, others[2], source=OfferSource.INVITE, created_at=ago(days=4))
    open_call = make_offer(
        campaign, others[3], source=OfferSource.OPEN_CALL, created_at=ago(days=3)
    )
    newest = make_offer(campaign, others[4], match_run_id=new_run, created_at=ago(days=1))
    assert withdraw(brand, newest.id, reason="wrong city").status_code == 200
    # another brand's campaign offers to the same creators never show
    rival_campaign = make_campaign(make_brand(), state="published", competitor_group=None)
    make_offer(rival_campaign, creator)

    url = f"/api/v1/campaigns/{campaign['id']}/offers"
    body = brand.get(url).get_json()
    assert body["total"] == 6
    listed = [(o["id"], o["status"], o["source"], o["match_run_id"]) for o in body["items"]]
    assert listed == [
        (newest.id, "withdrawn", "match", new_run),
        (open_call.id, "proposed", "open_call", None),
        (invite.id, "proposed", "invite", None),
        (declined.id, "declined", "match", new_run),
        (expired.id, "expired", "match", old_run),  # lapsed: expired before the job ran
        (first.id, "proposed", "match", old_run),
    ]
    assert body["items"][0]["withdraw_reason"] == "wrong city"

    def ids(**query: str) -> list[int]:
        r = brand.get(url, query_string=query)
        assert r.status_code == 200, r.get_json()
        return [o["id"] for o in r.get_json()["items"]]

    assert ids(status="withdrawn") == [newest.id]
    assert ids(status="expired") == [expired.id]
    assert ids(status="proposed") == [open_call.id, invite.id, first.id]
    assert ids(source="invite") == [invite.id]
    assert ids(source="match", status="proposed") == [first.id]
    assert ids(page_size="2", page="2") == [invite.id, declined.id]
    assert_error(brand.get(url, query_string={"source": "smoke-signal"}), 422, "source")


# --- the block list -----------------------------------------------------------------------------


def test_block_list_add_read_idempotent_and_remove(market, make_creator, session):
    brand, creator, campaign, offer = market
    r = brand.post(BLOCKS, json={"creator_id": creator.id, "reason": "Posted for a competitor."})
    assert r.status_code == 201, r.get_json()
    block = r.get_json()
    assert block["creator_id"] == creator.id and block["handle"] == "mia.glow"
    assert block["reason"] == "Posted for a competitor." and block["created_at"]

    # twice: the same block, no second row, never a 500
    again = brand.post(BLOCKS, json={"creator_id": creator.id, "reason": "again"})
    assert again.status_code == 201 and again.get_json() == block
    assert count_rows(session, BrandBlock) == 1

    second = make_creator("noor.cooks")
    open_up(second)
    assert brand.post(BLOCKS, json={"creator_id": second.id}).status_code == 201
    listed = brand.get(BLOCKS).get_json()
    assert listed["total"] == 2 and listed["pages"] == 1
    assert [b["handle"] for b in listed["items"]] == ["noor.cooks", "mia.glow"]  # newest first
    assert brand.get(BLOCKS, query_string={"page_size": 1, "page": 2}).get_json()["items"] == [
        block
    ]

    r = brand.delete(f"{BLOCKS}/{creator.id}")
    assert r.status_code == 204 and r.get_data() == b""
    assert [b["handle"] for b in brand.get(BLOCKS).get_json()["items"]] == ["noor.cooks"]
    assert_error(brand.delete(f"{BLOCKS}/{creator.id}"), 404)
    # unblocking does not bring the withdrawn proposal back
    assert fresh(session, Offer, offer.id).status is OfferStatus.WITHDRAWN


def test_block_refuses_unknown_and_unseen_creators(market, make_creator, session):
    brand, _creator, _campaign, _offer = market
    assert_error(brand.post(BLOCKS, json={"creator_id": MISSING_ID}), 404)
    closed = make_creator("closed.one")  # not open to paid work, never offered by this brand
    unseen = brand.post(BLOCKS, json={"creator_id": closed.id})
    assert_error(unseen, 404)
    assert unseen.get_json() == brand.post(BLOCKS, json={"creator_id": MISSING_ID}).get_json()
    for bad in ({}, {"creator_id": "7"}, {"creator_id": 0}, {"creator_id": 1, "extra": 1}):
        assert brand.post(BLOCKS, json=bad).status_code == 422, bad
    assert_error(brand.post(BLOCKS, json={"creator_id": 1, "reason": "x" * 1001}), 422, "reason")
    assert count_rows(session, BrandBlock) == 0


def test_blocking_withdraws_only_this_brands_live_proposals(
    market, make_brand, make_campaign, make_offer, session
):
    brand, creator, campaign, live = market
    second_campaign = make_campaign(brand, state="published", competitor_group=None)
    live_too = make_offer(second_campaign, creator)
    accepted = make_offer(second_campaign, creator)
    assert creator.post(f"/api/v1/offers/{accepted.id}/accept").status_code == 201
    rival_campaign = make_campaign(make_brand(), state="published", competitor_group=None)
    rivals = make_offer(rival_campaign, creator)
    money_before = ledger_figures(brand, second_campaign["id"])

    assert brand.post(BLOCKS, json={"creator_id": creator.id}).status_code == 201
    for offer in (live, live_too):
        row = fresh(session, Offer, offer.id)
        assert (row.status, row.withdraw_reason) == (OfferStatus.WITHDRAWN, "blocked")
    assert fresh(session, Offer, accepted.id).status is OfferStatus.ACCEPTED  # work stands
    assert fresh(session, Offer, rivals.id).status is OfferStatus.PROPOSED  # not this brand's
    assert ledger_figures(brand, second_campaign["id"]) == money_before
    assert_ledger_balances(session)


def test_a_brand_sees_and_removes_only_its_own_blocks(market, make_brand, session):
    brand, creator, _campaign, _offer = market
    assert brand.post(BLOCKS, json={"creator_id": creator.id}).status_code == 201
    rival = make_brand()
    assert rival.get(BLOCKS).get_json()["total"] == 0
    assert_error(rival.delete(f"{BLOCKS}/{creator.id}"), 404)
    assert brand.get(BLOCKS).get_json()["total"] == 1
    # the rival's own block of the same creator is its own, separate row
    assert rival.post(BLOCKS, json={"creator_id": creator.id}).status_code == 201
    assert brand.delete(f"{BLOCKS}/{creator.id}").status_code == 204
    assert rival.get(BLOCKS).get_json()["total"] == 1
    assert count_rows(session, BrandBlock) == 1


@pytest.mark.parametrize(
    ("method", "url"),
    [("get", BLOCKS), ("post", BLOCKS), ("delete", f"{BLOCKS}/1")],
)
def test_block_routes_are_for_brands(market, method, url):
    _brand, creator, _campaign, _offer = market
    kw = {"json": {"creator_id": creator.id}} if method == "post" else {}
    assert_error(getattr(creator, method)(url, **kw), 403)


# --- through real match runs ----------------------------------------------------------------------


def _week(days_ago: int) -> str:
    """A week that has started (runs for weeks to come may be refused)."""
    return runs.iso_week(date.today() - timedelta(days=days_ago))


def run_week(app, week: str) -> MatchRun:
    """Ask for a weekly run; embedded, it executes in-process once the request commits."""
    factory = app.extensions["dandelion.db"].session_factory
    with app.app_context(), session_scope(factory) as s:
        run_id = runs.request_run(s, week)[0].id
    with app.app_context():
        s = app.extensions["dandelion.db"].read_session_factory()
        run = s.get(MatchRun, run_id)
        s.expunge(run)
        s.close()
    assert run.status is MatchRunStatus.SUCCEEDED, run.error
    return run


def open_creator(make_creator, handle: str, followers: int) -> Any:
    creator = make_creator(handle)
    complete_profile(creator, followers=followers, weekly_capacity=3)
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["skincare"]},
    )
    assert r.status_code == 200, r.get_json()
    return creator


def offers_by_campaign(session, campaign_id: int) -> list[tuple[int, OfferStatus]]:
    session.rollback()
    rows = session.execute(
        select(Offer.creator_id, Offer.status)
        .where(Offer.campaign_id == campaign_id)
        .order_by(Offer.id)
    ).all()
    session.rollback()
    return [tuple(r) for r in rows]


def live_to(session, campaign_id: int) -> set[int]:
    now = utcnow()
    session.rollback()
    ids = set(
        session.scalars(
            select(Offer.creator_id).where(
                Offer.campaign_id == campaign_id,
                Offer.status == OfferStatus.PROPOSED,
                Offer.expires_at > now,
            )
        )
    )
    session.rollback()
    return ids


def test_a_withdrawn_slot_is_filled_by_another_creator_and_never_reoffered(
    app, make_brand, make_creator, make_campaign, session
):
    brand = make_brand("Glow Labs")
    star = open_creator(make_creator, "big.glow", followers=60_000)
    runner_up = open_creator(make_creator, "small.glow", followers=15_000)
    campaign = make_campaign(brand, state="published", competitor_group=None, slots=1)

    run_week(app, _week(14))
    # one slot: the bigger engaged audience of the target gets it
    assert live_to(session, campaign["id"]) == {star.id}
    [offered] = [
        o for o in brand.get(f"/api/v1/campaigns/{campaign['id']}/offers").get_json()["items"]
    ]
    assert offered["creator"]["id"] == star.id and offered["source"] == "match"
    money_before = ledger_figures(brand, campaign["id"])

    r = withdraw(brand, offered["id"], reason="Not our tone of voice.")
    assert r.status_code == 200, r.get_json()
    assert live_to(session, campaign["id"]) == set()

    second = run_week(app, _week(7))
    # the slot opened again and went to the other creator; the withdrawn one was not re-asked
    assert live_to(session, campaign["id"]) == {runner_up.id}
    assert offers_by_campaign(session, campaign["id"]) == [
        (star.id, OfferStatus.WITHDRAWN),
        (runner_up.id, OfferStatus.PROPOSED),
    ]
    listed = brand.get(f"/api/v1/campaigns/{campaign['id']}/offers").get_json()["items"]
    assert [(o["creator"]["id"], o["status"], o["match_run_id"]) for o in listed] == [
        (runner_up.id, "proposed", second.id),
        (star.id, "withdrawn", offered["match_run_id"]),
    ]
    assert ledger_figures(brand, campaign["id"]) == money_before  # proposals commit nothing
    assert_ledger_balances(session)


def test_a_blocked_creator_is_never_offered_to_the_brand(
    app, make_brand, make_creator, make_campaign, session
):
    brand = make_brand("Glow Labs")
    other_brand = make_brand("Dew Drop")
    star = open_creator(make_creator, "big.glow", followers=60_000)
    runner_up = open_creator(make_creator, "small.glow", followers=15_000)
    assert brand.post(BLOCKS, json={"creator_id": star.id, "reason": "no"}).status_code == 201
    mine = [
        make_campaign(brand, state="published", competitor_group=None, slots=1) for _ in range(2)
    ]
    theirs = make_campaign(other_brand, state="published", competitor_group=None, slots=1)

    run_week(app, _week(14))
    for campaign in mine:
        assert live_to(session, campaign["id"]) == {runner_up.id}
        assert star.id not in {c for c, _ in offers_by_campaign(session, campaign["id"])}
    # the block is this brand's only: the other brand still gets the star
    assert live_to(session, theirs["id"]) == {star.id}

    # blocking after a run withdraws the live proposals and keeps the creator out next week
    assert brand.post(BLOCKS, json={"creator_id": runner_up.id}).status_code == 201
    for campaign in mine:
        assert offers_by_campaign(session, campaign["id"]) == [
            (runner_up.id, OfferStatus.WITHDRAWN)
        ]
    run_week(app, _week(7))
    for campaign in mine:
        assert live_to(session, campaign["id"]) == set()
