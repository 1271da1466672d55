"""The brand in control, on the dashboard: the matches page lists every offer of a campaign
(every run, every channel, by status), "Not for this campaign" withdraws one, "Block creator"
puts a creator on the brand's block list, and the Blocked creators page unblocks."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select

from collaborations.models import BrandBlock, Offer, OfferSource, OfferStatus
from matching.models import MatchRun, MatchRunStatus
from tests.e2e.dashboard_helpers import Dash, build_market, confirm, create_campaign
from tests.factories import ago, fresh, open_up
from tests.helpers import MISSING_ID, count_rows


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def flashes(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', html, re.S)
    ]


def offer_card(html: str, offer_id: int) -> str:
    """The markup of one offer's card on the matches page."""
    match = re.search(
        rf'id="offer-{offer_id}">(.*?)(?=<li class="card offer|<nav class="pagination"|</main>)',
        html,
        re.S,
    )
    assert match, f"offer {offer_id} is not on the page"
    return match.group(1)


@pytest.fixture
def market(app, make_creator):
    return build_market(app, make_creator)


def matches_url(campaign_id: int, **query: str) -> str:
    url = f"/dashboard/campaigns/{campaign_id}/matches"
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def live_offer_of(session, market) -> Offer:
    session.rollback()
    offer = session.scalars(
        select(Offer).where(Offer.campaign_id == market.campaign_id).order_by(Offer.id)
    ).first()
    assert offer is not None and offer.status is OfferStatus.PROPOSED
    session.rollback()
    return offer


def _old_run(session) -> int:
    session.rollback()
    run = MatchRun(week="2026-W40", status=MatchRunStatus.SUCCEEDED, stage="done", progress=100)
    session.add(run)
    session.commit()
    return run.id


def test_matches_list_every_offer_from_every_run_and_channel(
    market, make_creator, make_offer, session
):
    cid = market.campaign_id
    old_run = _old_run(session)
    old, invited, gone = (make_creator(h) for h in ("old.timer", "invited.one", "gone.one"))
    make_offer(cid, old, match_run_id=old_run, created_at=ago(days=40), expires_at=ago(days=33))
    make_offer(cid, invited, source=OfferSource.INVITE, created_at=ago(days=2))
    make_offer(
        cid,
        gone,
        created_at=ago(days=3),
        status=OfferStatus.WITHDRAWN,
        responded_at=ago(days=2),
    )
    page = text(market.brand.get(matches_url(cid)))
    # the last run's two offers and the three older or other-channel ones, all listed
    handles = re.findall(
        r'<li class="card offer[^"]*" id="offer-\d+">\s*<div[^>]*>\s*<h3>(?:<a[^>]*>)?@([\w.]+)',
        page,
    )
    run_handles = {c.get("/api/v1/creators/me").json["handle"] for c in market.creators}
    assert set(handles) == run_handles | {"old.timer", "invited.one", "gone.one"}
    assert handles.index("invited.one") < handles.index("old.timer")  # newest first
    assert "Weekly match, week of 28 Sep" in page and "Your invitation" in page
    assert 'All <span class="count">5</span>' in page
    assert re.search(r"Awaiting reply <span class=\"count\">3</span>", page)
    assert re.search(r"Declined, expired or withdrawn <span class=\"count\">2</span>", page)
    assert "status-withdrawn" in page and "status-expired" in page

    closed = text(market.brand.get(matches_url(cid, status="closed")))
    assert "@old.timer" in closed and "@invited.one" not in closed
    assert "Not for this campaign" not in closed  # nothing there is live
    awaiting = text(market.brand.get(matches_url(cid, status="awaiting")))
    assert awaiting.count("Not for this campaign") == 3 and "@old.timer" not in awaiting


def test_each_offer_links_to_the_creator_profile_for_this_campaign(market, session):
    offer = live_offer_of(session, market)
    page = text(market.brand.get(matches_url(market.campaign_id)))
    href = f"/dashboard/creators/{offer.creator_id}?campaign_id={market.campaign_id}"
    assert f'href="{href}"' in page
    assert market.brand.get(href).status_code == 200


def test_not_for_this_campaign_withdraws_with_a_confirmation(market, session):
    offer = live_offer_of(session, market)
    handle = fresh(session, Offer, offer.id).creator.handle
    matches = matches_url(market.campaign_id)
    page = text(market.brand.get(matches))
    link = re.search(rf'href="(/dashboard/offers/{offer.id}/withdraw[^"]*)"', page)
    assert link, "a live offer has the action"
    url = link.group(1).replace("&amp;", "&")

    confirm_page = text(market.brand.get(url))
    assert f"withdraw the offer to @{handle}" in confirm_page
    assert "not be offered" in confirm_page and 'name="csrf_token"' in confirm_page
    assert fresh(session, Offer, offer.id).status is OfferStatus.PROPOSED  # GET changes nothing

    # without the CSRF token: refused, nothing changes
    forged = market.brand.client.post(url, data={"reason": "x"})
    assert forged.status_code == 400
    assert fresh(session, Offer, offer.id).status is OfferStatus.PROPOSED
    # an overlong reason: the form says so, nothing changes
    r = market.brand.post(url, {"reason": "x" * 1001}, page=url)
    assert r.status_code == 422 and "1000" in text(r)
    assert fresh(session, Offer, offer.id).status is OfferStatus.PROPOSED

    r = market.brand.post(url, {"reason": "Wrong city tier for us."}, page=url)
    assert r.status_code == 303 and r.headers["Location"].endswith(matches)
    row = fresh(session, Offer, offer.id)
    assert (row.status, row.withdraw_reason) == (OfferStatus.WITHDRAWN, "Wrong city tier for us.")
    after = text(market.brand.get(matches))
    assert (
        f"Withdrawn: @{handle} will not be offered this campaign again; the slot is open for "
        "the next match." in flashes(after)
    )
    card = offer_card(after, offer.id)
    assert "status-withdrawn" in card and "Wrong city tier for us." in card
    assert "Not for this campaign" not in card

    # a second go: nothing to withdraw any more, said plainly
    r = market.brand.get(url, follow_redirects=True)
    assert any("only offers awaiting" in f for f in flashes(text(r)))
    r = market.brand.post(url, {"reason": ""}, page="/dashboard/blocks", follow_redirects=True)
    assert any("already withdrawn" in f for f in flashes(text(r)))


def test_another_brands_offer_and_blocks_are_not_found(market, app, session):
    offer = live_offer_of(session, market)
    rival = Dash(app)
    rival.signup("Rival Skin", "rival@example.com")
    url = f"/dashboard/offers/{offer.id}/withdraw"
    assert rival.get(url).status_code == 404
    assert rival.post(url, {"reason": "mine"}, page="/dashboard/blocks").status_code == 404
    assert rival.get(f"/dashboard/offers/{MISSING_ID}/withdraw").status_code == 404
    assert fresh(session, Offer, offer.id).status is OfferStatus.PROPOSED
    # the brand blocks the creator; the rival sees no such block and cannot lift it
    block_url = f"/dashboard/blocks/new/{offer.creator_id}"
    assert market.brand.post(block_url, {}, page=block_url).status_code == 303
    assert "No blocked creators" in text(rival.get("/dashboard/blocks"))
    remove = f"/dashboard/blocks/{offer.creator_id}/remove"
    assert rival.post(remove, page="/dashboard/blocks").status_code == 404
    assert count_rows(session, BrandBlock) == 1
    assert rival.get(matches_url(market.campaign_id)).status_code == 404


def test_block_creator_from_an_offer_then_unblock(market, make_creator, session):
    offer = live_offer_of(session, market)
    handle = fresh(session, Offer, offer.id).creator.handle
    matches = matches_url(market.campaign_id)
    page = text(market.brand.get(matches))
    link = re.search(rf'href="(/dashboard/blocks/new/{offer.creator_id}[^"]*)"', page)
    assert link and "Block creator" in page
    url = link.group(1).replace("&amp;", "&")
    confirm_page = text(market.brand.get(url))
    assert f"Block @{handle}" in confirm_page
    assert "1 offer awaiting their reply is withdrawn now" in confirm_page
    assert count_rows(session, BrandBlock) == 0

    r = market.brand.post(url, {"reason": "Posted for a competitor."}, page=url)
    assert r.status_code == 303 and r.headers["Location"].endswith(matches)
    row = fresh(session, Offer, offer.id)
    assert (row.status, row.withdraw_reason) == (OfferStatus.WITHDRAWN, "blocked")
    after = text(market.brand.get(matches))
    assert (
        f"Blocked: @{handle} will not be offered to any of your campaigns. 1 offer awaiting "
        "their reply was withdrawn." in flashes(after)
    )
    card = offer_card(after, offer.id)
    assert "tag-blocked" in card and "Withdrawn when you blocked this creator" in card
    assert "Block creator" not in card

    # the list, reachable from the navigation
    assert 'href="/dashboard/blocks"' in after
    listed = text(market.brand.get("/dashboard/blocks"))
    assert f"@{handle}" in listed and "Posted for a competitor." in listed
    assert f"Unblock @{handle}" in listed
    # asking to block again lands on the list, saying so; nothing doubles
    again = market.brand.get(url, follow_redirects=True)
    assert any("already on your list" in f for f in flashes(text(again)))
    assert count_rows(session, BrandBlock) == 1

    remove = f"/dashboard/blocks/{offer.creator_id}/remove"
    forged = market.brand.client.post(remove)
    assert forged.status_code == 400 and count_rows(session, BrandBlock) == 1
    r = market.brand.post(remove, page="/dashboard/blocks", follow_redirects=True)
    assert any(f.startswith(f"Unblocked: @{handle}") for f in flashes(text(r)))
    assert "No blocked creators" in text(r)
    assert count_rows(session, BrandBlock) == 0
    assert fresh(session, Offer, offer.id).status is OfferStatus.WITHDRAWN  # stays withdrawn


def test_blocking_a_creator_the_brand_cannot_see_is_not_found(market, make_creator):
    stranger = make_creator()  # never opened up, never offered anything by this brand
    url = f"/dashboard/blocks/new/{stranger.id}"
    assert market.brand.get(url).status_code == 404
    assert market.brand.get(f"/dashboard/blocks/new/{MISSING_ID}").status_code == 404


def test_pages_render_on_a_phone_sized_empty_state(app, make_creator):
    brand = Dash(app)
    brand.signup("Fresh Brand", "fresh@example.com")
    assert "No blocked creators" in text(brand.get("/dashboard/blocks"))
    campaign_id = create_campaign(brand)
    assert confirm(brand, campaign_id, "fund").status_code == 303
    page = text(brand.get(matches_url(campaign_id)))
    assert "No matches yet" in page
    creator = make_creator()
    open_up(creator)
    r = brand.get(f"/dashboard/blocks/new/{creator.id}")  # open creators can be blocked ahead
    assert r.status_code == 200 and "nothing is withdrawn" in text(r)
