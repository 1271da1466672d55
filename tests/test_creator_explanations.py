"""What a creator reads about an offer: their own text, never the brand's explanation.

A real match run (through the operators' API, solved in-process) writes the brand-side
explanation ("… Your campaign's slots are all filled.") and the creator's text side by side;
everything a creator can read through the API is then searched for the brand's sentences.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from typing import Any

from sqlalchemy import select

from collaborations.creator_text import brief_excerpt, explanation_for_creator
from collaborations.models import Offer
from core.db import utcnow
from core.money import Money
from matching.runs import iso_week
from notifications.models import Notification
from tests.conftest import ApiUser, operator_user
from tests.factories import complete_profile

# Sentences and fields only the brand may read (matching/market/explain.py).
BRAND_ONLY = (
    "Your campaign's slots are all filled",
    "What is left of your budget",
    "your budget",
    "Your budget",
    "should reach about",
    "engaged people of your target audience",
    "per unit of money",
    "No more relevant creators",
    "Could be offered",
    "left_out",
    "binding",
    "unfilled",
)
SKINCARE = {
    "interests": {"skincare": 0.6, "makeup": 0.4},
    "gender": {"female": 0.8, "male": 0.2},
    "city_tiers": {"1": 0.5, "2": 0.3, "3": 0.2},
    "age": {"18-24": 0.4, "25-34": 0.4, "35-44": 0.2},
}


def open_creator(make_creator, handle: str, followers: int, rate: int) -> ApiUser:
    creator = make_creator(handle)
    complete_profile(
        creator,
        followers=followers,
        audience=SKINCARE,
        rate={"amount": rate, "currency": "EUR"},
        categories=["skincare"],
    )
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["skincare"]},
    )
    assert r.status_code == 200, r.json
    return creator


def everything_a_creator_reads(creator: ApiUser, session: Any) -> list[Any]:
    """Every creator-side read of offers and work, as JSON bodies, and the notifications
    written to the creator (there is no API to read them yet)."""
    bodies = [creator.get("/api/v1/creators/me/offers", query_string={"page_size": 100}).json]
    for status in ("proposed", "accepted", "declined", "expired", "withdrawn"):
        bodies.append(
            creator.get("/api/v1/creators/me/offers", query_string={"status": status}).json
        )
    bodies.append(creator.get("/api/v1/creators/me/sponsorships").json)
    session.rollback()
    notes = session.scalars(
        select(Notification).where(Notification.account_id == creator.account_id)
    )
    bodies.extend({"subject": n.subject, "body": n.body, "data": n.data} for n in notes)
    return bodies


def assert_no_brand_text(bodies: list[Any], others: list[str]) -> None:
    dumped = json.dumps(bodies, ensure_ascii=False)
    for phrase in BRAND_ONLY:
        assert phrase not in dumped, phrase
    for handle in others:
        assert handle not in dumped, handle
    assert '"explanation"' not in dumped


def test_a_real_run_writes_creator_text_and_no_brand_text_reaches_a_creator(
    app, client, session, make_brand, make_creator, make_campaign
):
    creators = {
        "mia.glow": open_creator(make_creator, "mia.glow", 40_000, 40_000),
        "zoe.skin": open_creator(make_creator, "zoe.skin", 30_000, 40_000),
        "ana.dew": open_creator(make_creator, "ana.dew", 20_000, 40_000),
    }
    lumen, oat = make_brand("Lumen"), make_brand("Oat & Co")
    # One slot: its offer says "Your campaign's slots are all filled" to the brand.
    serum = make_campaign(
        lumen,
        state="published",
        title="Barrier serum launch",
        brief="Film your evening routine with our barrier serum and say what you feel.",
        slots=1,
        target_audience=SKINCARE,
        competitor_group=None,
    )
    # Budget for one creator and slots for three: what is left cannot pay another.
    balm = make_campaign(
        oat,
        state="published",
        title="Oat balm",
        budget={"amount": 60_000, "currency": "EUR"},
        slots=3,
        target_audience=SKINCARE,
        competitor_group=None,
    )
    ops = operator_user(app, client)
    r = ops.post("/api/v1/match-runs", json={"week": iso_week(utcnow().date())})
    assert r.status_code == 202, r.json

    # The brand reads its own explanation, with the sentences the creator must never see.
    brand_side = {}
    for brand, campaign in ((lumen, serum), (oat, balm)):
        items = brand.get(f"/api/v1/campaigns/{campaign['id']}/offers").json["items"]
        assert items, campaign["title"]
        brand_side[campaign["id"]] = items
    serum_offer = next(o for o in brand_side[serum["id"]] if o["status"] == "proposed")
    assert "Your campaign's slots are all filled" in serum_offer["explanation"]["text"]
    assert "should reach about" in serum_offer["explanation"]["text"]
    balm_texts = [o["explanation"].get("text", "") for o in brand_side[balm["id"]]]
    assert any("What is left of your budget" in t for t in balm_texts)

    # The creator's text was written with the offers, not computed afterwards.
    stored = session.scalars(select(Offer).where(Offer.match_run_id == r.json["id"])).all()
    assert stored and all(o.explanation_for_creator for o in stored)

    seen = 0
    for handle, creator in creators.items():
        others = [h for h in creators if h != handle]
        offers = creator.get("/api/v1/creators/me/offers").json["items"]
        for offer in offers:
            seen += 1
            text = offer["explanation_for_creator"]
            brand = "Lumen" if offer["campaign"]["id"] == serum["id"] else "Oat & Co"
            assert brand in text and offer["campaign"]["title"] in text
            assert "€400.00" in text and "answer by" in text and "UTC" in text
            assert "Why you: your audience's interest in skincare and makeup" in text
            assert "of your engaged followers are in their target" in text
            assert offer["source"] == "match"
            assert set(offer) >= {"fit_score", "price", "expires_at", "campaign"}
        assert_no_brand_text(everything_a_creator_reads(creator, session), others)
        # Answering returns the offer again: still only the creator's side.
        if offers:
            answered = creator.post(
                f"/api/v1/offers/{offers[0]['id']}/decline", json={"reason": "Busy month"}
            )
            assert answered.status_code == 200, answered.json
            assert_no_brand_text(
                [answered.json, *everything_a_creator_reads(creator, session)], others
            )
    assert seen >= 2  # both campaigns reached a creator


def test_an_offer_stored_before_gets_its_text_at_read_time(
    session, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand("Lumen")
    creator = open_creator(make_creator, "mia.glow", 40_000, 40_000)
    campaign = make_campaign(brand, state="funded", title="Barrier serum launch")
    offer = make_offer(
        campaign,
        creator,
        price_amount=45_000,
        fit_score=0.9,
        explanation={
            "text": "mia.glow should reach about 2,347 engaged people of your target audience "
            "for €450.00. Your campaign's slots are all filled.",
            "value": 2.347,
            "fit_components": {"interests": 0.95, "gender": 0.9, "city_tiers": 0.6, "age": 0.9},
            "binding": "slots",
        },
    )
    assert session.get(Offer, offer.id).explanation_for_creator == ""
    [item] = creator.get("/api/v1/creators/me/offers").json["items"]
    text = item["explanation_for_creator"]
    assert text.startswith("Lumen would like to work with you on their campaign")
    assert "“Barrier serum launch” (skincare)" in text
    assert "What they ask: Show our serum in your evening routine" in text
    assert "They offer €450.00 for one post labelled as sponsored" in text
    assert "The offer is open for 7 days" in text
    assert "about 2,300 of your engaged followers are in their target" in text
    assert "its age groups and gender mix are close to theirs" in text  # cities only 0.6
    assert_no_brand_text([item], [])


def _campaign(**kw: Any) -> SimpleNamespace:
    base = dict(
        brand=SimpleNamespace(name="Lumen"),
        title="Barrier serum launch",
        brief="Film your routine. " * 30,
        category="skincare",
        target_audience=SKINCARE,
        ends_on=date(2027, 1, 31),
        budget_amount=900_000,
    )
    base.update(kw)
    return SimpleNamespace(**base)


def _creator(**kw: Any) -> SimpleNamespace:
    base = dict(audience=SKINCARE, followers=40_000, engagement_rate=0.05, handle="mia.glow")
    base.update(kw)
    return SimpleNamespace(**base)


def test_creator_text_by_source_deadline_and_relevance() -> None:
    created = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
    kw = dict(price=Money(45_000, "EUR"), expires_at=created + timedelta(days=7))
    invited = explanation_for_creator(
        _campaign(), _creator(), None, created_at=created, fit=0.5, source="invite", **kw
    )
    assert invited.startswith("Lumen invited you to their campaign “Barrier serum launch”")
    assert "answer by Mon 07 Dec 2026, 09:00 UTC" in invited
    assert "about 1,000 of your engaged followers" in invited  # 40,000 × 0.05 × 0.5
    assert "9,000.00" not in invited  # never the brand's budget
    picked = explanation_for_creator(
        _campaign(), _creator(), {}, created_at=created, source="open_call", **kw
    )
    assert picked.startswith("Lumen picked your application")
    # An audience that shares no interest is never told it matches.
    gamer = {**SKINCARE, "interests": {"gaming": 1.0}}
    text = explanation_for_creator(_campaign(), _creator(audience=gamer), {}, fit=0.0, **kw)
    assert "Why you" not in text and "matches" not in text
    short = explanation_for_creator(
        _campaign(),
        _creator(),
        {"value": 1.0},
        expires_at=created + timedelta(hours=20),
        created_at=created,
        price=Money(4_500, "JPY"),
    )
    assert "open for 20 hours" in short and "¥4,500" in short


def test_brief_excerpt_cuts_at_a_word() -> None:
    assert brief_excerpt("Short brief.") == "Short brief."
    cut = brief_excerpt("word " * 100, limit=23)
    assert cut == "word word word word…"
    assert brief_excerpt("  spaced\n\nout  ") == "spaced out"
