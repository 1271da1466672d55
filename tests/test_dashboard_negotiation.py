"""Invitations and counters on the dashboard: the invite form on a creator's profile (sent,
refused with the reason, bad input), and a counter answered on the Matches page (accept
commits the counter price, decline keeps the brand's), behind CSRF and tenant walls."""

from __future__ import annotations

import html as html_lib
import re
from typing import Any

import pytest
from sqlalchemy import select

from collaborations.models import Offer, OfferSource, OfferStatus, Sponsorship
from tests.e2e.dashboard_helpers import Dash, confirm, create_campaign
from tests.factories import fresh, open_up
from tests.payments_fixtures import assert_ledger_ok, campaign_money

MESSAGE = "Your evening routines are lovely; film our serum in one?"


def text(response: Any) -> str:
    """The page as a reader sees it: tags out, spaces collapsed."""
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html_lib.unescape(words)).replace(" .", ".").replace(" ,", ",")


@pytest.fixture
def brand(app) -> Dash:
    dash = Dash(app)
    dash.signup("Lumen Skin", "lumen@example.com")
    return dash


@pytest.fixture
def campaign_id(brand: Dash) -> int:
    cid = create_campaign(brand)
    assert confirm(brand, cid, "fund").status_code == 303
    assert confirm(brand, cid, "publish").status_code == 303
    return cid


@pytest.fixture
def creator(make_creator) -> Any:
    c = make_creator("mia.glow")
    open_up(c)  # rate 400.00 EUR
    return c


def profile_url(creator_id: int, campaign_id: int | None = None) -> str:
    url = f"/dashboard/creators/{creator_id}"
    return url + (f"?campaign_id={campaign_id}" if campaign_id else "")


def send_invite(brand: Dash, creator_id: int, campaign_id: int, **fields: str) -> Any:
    data = {"campaign_id": str(campaign_id), "price": "400.00", "message": MESSAGE, **fields}
    return brand.post(
        f"/dashboard/creators/{creator_id}/invite", data, page=profile_url(creator_id, campaign_id)
    )


def offers_of(session, creator_id: int) -> list[Offer]:
    session.rollback()
    rows = list(session.scalars(select(Offer).where(Offer.creator_id == creator_id)))
    session.rollback()
    return rows


def test_the_profile_has_an_invite_form_prefilled_for_the_chosen_campaign(
    brand, campaign_id, creator
):
    page = brand.get(profile_url(creator.id, campaign_id))
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="invite"' in html
    form = re.search(
        r'<form method="post" action="/dashboard/creators/\d+/invite".*?</form>', html, re.S
    )
    assert form, "no invite form"
    assert re.search(
        rf'<option selected value="{campaign_id}">|<option value="{campaign_id}" selected',
        form.group(0),
    )
    assert 'value="400.00"' in form.group(0)  # the creator's rate
    assert 'name="message"' in form.group(0)
    assert 'href="#invite"' in html


def test_an_invitation_from_the_profile_lands_on_the_campaign_offers(
    brand, campaign_id, creator, session
):
    r = send_invite(brand, creator.id, campaign_id, price="450.50")

    assert r.status_code == 303, text(r)
    assert r.headers["Location"].endswith(
        f"/dashboard/campaigns/{campaign_id}/matches#offer-{offers_of(session, creator.id)[0].id}"
    )
    [offer] = offers_of(session, creator.id)
    assert (offer.source, offer.price_amount, offer.message) == (
        OfferSource.INVITE,
        45_050,
        MESSAGE,
    )
    page = text(brand.get(f"/dashboard/campaigns/{campaign_id}/matches"))
    assert "Invitation sent: @mia.glow is offered" in page
    assert "Your invitation" in page  # the source label
    assert creator.get("/api/v1/creators/me/offers").json["items"][0]["source"] == "invite"


def test_a_refused_invitation_shows_the_reason_on_the_profile(brand, campaign_id, creator, session):
    assert send_invite(brand, creator.id, campaign_id).status_code == 303

    again = send_invite(brand, creator.id, campaign_id, message="Second try")

    assert again.status_code == 409
    page = text(again)
    assert (
        "The invitation was not sent: This creator already has an offer for this campaign" in page
    )
    assert "Second try" in page  # the form keeps what was typed
    assert len(offers_of(session, creator.id)) == 1


def test_invite_form_input_is_checked(brand, campaign_id, creator, session):
    bad_price = send_invite(brand, creator.id, campaign_id, price="four hundred")
    assert bad_price.status_code == 422
    assert "is not an amount as written in English (United States)" in text(bad_price)
    too_precise = send_invite(brand, creator.id, campaign_id, price="400.001")
    assert too_precise.status_code == 422
    no_message = send_invite(brand, creator.id, campaign_id, message="")
    assert no_message.status_code == 422
    not_mine = send_invite(brand, creator.id, 999_999)
    assert not_mine.status_code == 422 and "Not a valid choice" in text(not_mine)
    assert offers_of(session, creator.id) == []
    # Without the CSRF token: refused.
    r = brand.client.post(
        f"/dashboard/creators/{creator.id}/invite",
        data={"campaign_id": campaign_id, "price": "400", "message": MESSAGE},
    )
    assert r.status_code == 400
    assert offers_of(session, creator.id) == []


def countered_offer(brand: Dash, campaign_id: int, creator: Any, session) -> Offer:
    assert send_invite(brand, creator.id, campaign_id).status_code == 303
    [offer] = offers_of(session, creator.id)
    r = creator.post(
        f"/api/v1/offers/{offer.id}/counter",
        json={"price": {"amount": 55_000, "currency": "EUR"}, "message": "Two days of filming."},
    )
    assert r.status_code == 200, r.json
    return offer


def answer(brand: Dash, campaign_id: int, offer_id: int, button: str, note: str = "") -> Any:
    matches = f"/dashboard/campaigns/{campaign_id}/matches"
    return brand.post(
        f"/dashboard/offers/{offer_id}/counter", {button: button, "message": note}, page=matches
    )


def test_the_matches_page_shows_a_counter_with_its_buttons_and_history(
    brand, campaign_id, creator, session
):
    offer = countered_offer(brand, campaign_id, creator, session)

    page = text(brand.get(f"/dashboard/campaigns/{campaign_id}/matches"))

    assert "@mia.glow asks €550.00 instead of your €400.00" in page
    assert "Their note: “Two days of filming.”" in page
    assert "Accept counter" in page and "Decline counter" in page
    assert "1 counter-offer to answer" in page
    assert "Negotiation: 2 turns" in page
    countered = brand.get(f"/dashboard/campaigns/{campaign_id}/matches?status=countered")
    assert f'id="offer-{offer.id}"' in countered.get_data(as_text=True)


def test_accepting_a_counter_on_the_dashboard_commits_the_counter_price(
    app, brand, campaign_id, creator, session
):
    offer = countered_offer(brand, campaign_id, creator, session)

    r = answer(brand, campaign_id, offer.id, "accept", "Deal!")

    assert r.status_code == 303
    assert r.headers["Location"].endswith(f"#offer-{offer.id}")
    page = text(brand.get(r.headers["Location"].split("#")[0]))
    assert "Counter accepted: @mia.glow works on this campaign for €550.00" in page
    session.rollback()
    [sponsorship] = session.scalars(select(Sponsorship).where(Sponsorship.offer_id == offer.id))
    assert sponsorship.price_amount == 55_000
    assert campaign_money(session, campaign_id).committed == 55_000
    assert_ledger_ok(app, session)
    turns = creator.get("/api/v1/creators/me/offers").json["items"][0]["turns"]
    assert (turns[-1]["kind"], turns[-1]["message"]) == ("accept", "Deal!")


def test_declining_a_counter_on_the_dashboard_keeps_the_brand_price(
    brand, campaign_id, creator, session
):
    offer = countered_offer(brand, campaign_id, creator, session)

    r = answer(brand, campaign_id, offer.id, "decline")

    assert r.status_code == 303
    assert "Counter declined: your price of €400.00 stands" in text(
        brand.get(r.headers["Location"].split("#")[0])
    )
    row = fresh(session, Offer, offer.id)
    assert (row.status, row.counter_price_amount) == (OfferStatus.PROPOSED, None)
    # Answering again: there is no counter any more, said so.
    again = answer(brand, campaign_id, offer.id, "accept")
    assert "has no counter to answer" in text(brand.get(again.headers["Location"].split("#")[0]))


def test_another_brand_cannot_answer_the_counter(app, brand, campaign_id, creator, session):
    offer = countered_offer(brand, campaign_id, creator, session)
    other = Dash(app, remote_addr="10.0.0.2")
    other.signup("Other", "other@example.com")

    r = other.post(
        f"/dashboard/offers/{offer.id}/counter", {"accept": "accept"}, page="/dashboard/campaigns"
    )

    assert r.status_code == 404
    assert fresh(session, Offer, offer.id).status is OfferStatus.COUNTERED
    # ...nor invite to this brand's campaign.
    assert send_invite(other, creator.id, campaign_id).status_code == 422


def test_a_price_far_from_the_creator_rate_asks_for_confirmation(
    brand, campaign_id, creator, session
):
    far = send_invite(brand, creator.id, campaign_id, price="4")  # their rate is €400.00
    assert far.status_code == 422
    page = text(far)
    assert "€4.00 is 1/100 of their rate of €400.00" in page
    assert 'name="confirm_price"' in far.get_data(as_text=True)
    assert offers_of(session, creator.id) == []
    sure = send_invite(brand, creator.id, campaign_id, price="4", confirm_price="y")
    assert sure.status_code == 303, text(sure)[:500]
    assert [o.price_amount for o in offers_of(session, creator.id)] == [400]
