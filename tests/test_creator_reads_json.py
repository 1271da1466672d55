"""The exact JSON of the creator's two hot reads, pinned for a seeded creator.

``GET /api/v1/creators/me`` and ``GET /api/v1/creators/me/offers`` are served by a fast path
(``api/creator_reads.py``); this file holds what they answered before it existed, byte for
byte once ids are named (tests/golden/creator_reads.json), for a creator whose history covers
every shape an item takes: matched, invited and open-call offers, a counter with its turns, a
legacy offer without a stored creator text, a payout notice, a decline reason, lapsed and live
proposals, and sponsorships in progress and approved. Every timestamp is fixed, so nothing in
the answer depends on the day the test runs.

Regenerate (only for an intended contract change): ``GOLDEN_UPDATE=1 ./scripts/test -q
tests/test_creator_reads_json.py``.
"""

from __future__ import annotations

import json
import os
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session

from accounts.models import Creator
from campaigns.models import Campaign
from collaborations.models import (
    Offer,
    OfferSource,
    OfferStatus,
    OfferTurn,
    Sponsorship,
    SponsorshipStatus,
    TurnKind,
)
from tests.conftest import PASSWORD, ApiUser
from tests.factories import profile_body, update_row

GOLDEN = Path(__file__).with_name("golden") / "creator_reads.json"
ME = "/api/v1/creators/me"
FAR = datetime(2099, 1, 4, 9, 30, tzinfo=UTC)  # still open whenever this test runs


def t(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2025, month, day, hour, minute, 15, 123456, tzinfo=UTC)


def _campaign(brand: ApiUser, make_campaign: Any, session: Session, title: str) -> int:
    campaign = make_campaign(
        brand,
        state="published",
        title=title,
        competitor_group=None,
        brief=f"{title}: show it in your own routine, in your own words, with a clear label "
        "that says it is sponsored. Film in daylight; one post, no discount codes.",
    )
    update_row(
        session,
        Campaign,
        campaign["id"],
        starts_on=date(2025, 3, 1),
        ends_on=date(2025, 12, 31),
    )
    return int(campaign["id"])


def _offer(session: Session, names: dict[int, str], name: str, **values: Any) -> Offer:
    values.setdefault("price_amount", 45_000)
    values.setdefault("currency", "EUR")
    values.setdefault("fit_score", 0.8123)
    values.setdefault(
        "explanation",
        {
            "text": "brand-side text the creator never reads",
            "value": 2.347,
            "fit_components": {"interests": 0.95, "gender": 0.9, "city_tiers": 0.6, "age": 0.9},
        },
    )
    values.setdefault("expires_at", values["created_at"] + timedelta(days=7))
    offer = Offer(**values)
    session.add(offer)
    session.flush()
    names[offer.id] = name
    return offer


def _turn(session: Session, offer: Offer, actor: str, kind: TurnKind, at: datetime, **kw: Any):
    session.add(
        OfferTurn(offer_id=offer.id, actor=actor, kind=kind, created_at=at, **kw),
    )


@pytest.fixture
def seeded(app, client, session, make_brand, make_campaign) -> dict[str, Any]:
    """A creator with a varied, fixed history; returns the client and the id names."""
    r = client.post(
        "/api/v1/creators",
        json={"handle": "mia.glow", "email": "mia.glow@example.com", "password": PASSWORD},
    )
    assert r.status_code == 201, r.get_json()
    token = client.post(
        "/api/v1/tokens", json={"email": "mia.glow@example.com", "password": PASSWORD}
    )
    creator = ApiUser(client, token.get_json()["token"], 0, r.get_json()["id"])
    assert creator.patch(ME, json=profile_body(recent_posts_30d=24)).status_code == 200
    r = creator.put(
        f"{ME}/availability", json={"open": True, "until": None, "categories": ["skincare"]}
    )
    assert r.status_code == 200, r.get_json()
    update_row(
        session,
        Creator,
        creator.id,
        created_at=t(2, 1, 8),
        sponsored_share=0.125,
        verified=True,
    )

    lumen, fern = make_brand("Lumen"), make_brand("Fern & Co")
    serum = _campaign(lumen, make_campaign, session, "Barrier serum launch")
    balm = _campaign(lumen, make_campaign, session, "Lip balm summer")
    oil = _campaign(fern, make_campaign, session, "Cleansing oil")
    campaigns = {serum: "campaign:serum", balm: "campaign:balm", oil: "campaign:oil"}
    names: dict[int, str] = {}

    session.rollback()
    cid = creator.id
    stored = "Stored text for the creator, written when the offer was made."
    # matched, accepted, approved on time
    o1 = _offer(
        session,
        names,
        "offer:accepted",
        campaign_id=serum,
        creator_id=cid,
        created_at=t(4, 1),
        status=OfferStatus.ACCEPTED,
        responded_at=t(4, 2, 9),
        explanation_for_creator=stored,
    )
    # matched, declined with a reason, legacy: no stored creator text
    _offer(
        session,
        names,
        "offer:declined-legacy",
        campaign_id=balm,
        creator_id=cid,
        created_at=t(4, 8),
        status=OfferStatus.DECLINED,
        responded_at=t(4, 12, 18),
        decline_reason="Not my audience this month.",
        explanation_for_creator="",
    )
    # matched, expired by the job
    _offer(
        session,
        names,
        "offer:expired",
        campaign_id=oil,
        creator_id=cid,
        created_at=t(5, 1),
        status=OfferStatus.EXPIRED,
        explanation_for_creator=stored,
    )
    # invited, withdrawn by the brand, with the brand's message and its turn
    o4 = _offer(
        session,
        names,
        "offer:withdrawn",
        campaign_id=oil,
        creator_id=cid,
        source=OfferSource.INVITE,
        message="We love your evening routines.",
        created_at=t(5, 10),
        status=OfferStatus.WITHDRAWN,
        responded_at=t(5, 14),
        explanation_for_creator=stored + " Their message: “We love your evening routines.”",
    )
    _turn(
        session,
        o4,
        "brand",
        TurnKind.OFFER,
        t(5, 10),
        price_amount=45_000,
        currency="EUR",
        message="We love your evening routines.",
        expires_at=o4.expires_at,
    )
    # matched, still "proposed" in the row but past its expiry: reads as expired
    _offer(
        session,
        names,
        "offer:lapsed",
        campaign_id=balm,
        creator_id=cid,
        created_at=t(6, 2),
        status=OfferStatus.PROPOSED,
        explanation_for_creator=stored,
        explanation={"payout_notice": "Finish payout onboarding before you can be paid."},
    )
    # invited, countered: the creator's price awaits the brand, with the whole history
    o6 = _offer(
        session,
        names,
        "offer:countered",
        campaign_id=serum,
        creator_id=cid,
        source=OfferSource.INVITE,
        message="A launch post?",
        created_at=t(6, 20),
        expires_at=FAR,
        status=OfferStatus.COUNTERED,
        responded_at=t(6, 21, 7, 45),
        counter_price_amount=52_500,
        explanation_for_creator=stored + " Their message: “A launch post?”",
    )
    _turn(
        session,
        o6,
        "brand",
        TurnKind.OFFER,
        t(6, 20),
        price_amount=45_000,
        currency="EUR",
        message="A launch post?",
        expires_at=t(6, 27),
    )
    _turn(
        session,
        o6,
        "creator",
        TurnKind.COUNTER,
        t(6, 21, 7, 45),
        price_amount=52_500,
        currency="EUR",
        message="Two stories as well, for 525.",
        expires_at=FAR,
    )
    # open call, accepted at once (the selection), sponsorship in progress
    o7 = _offer(
        session,
        names,
        "offer:open-call",
        campaign_id=balm,
        creator_id=cid,
        source=OfferSource.OPEN_CALL,
        created_at=t(7, 3),
        status=OfferStatus.ACCEPTED,
        responded_at=t(7, 3),
        price_amount=38_000,
        explanation_for_creator="Lumen picked your application.",
        explanation={},
    )
    # matched, live proposal: awaits the creator's answer
    _offer(
        session,
        names,
        "offer:live",
        campaign_id=oil,
        creator_id=cid,
        created_at=t(8, 4, 6, 5),
        expires_at=FAR,
        status=OfferStatus.PROPOSED,
        fit_score=0.5,
        explanation_for_creator="",
        explanation={"engaged_target": 1234.0, "fit_components": {"age": 0.9}},
    )
    session.flush()
    session.add(
        Sponsorship(
            offer_id=o1.id,
            campaign_id=serum,
            creator_id=cid,
            price_amount=45_000,
            currency="EUR",
            status=SponsorshipStatus.APPROVED,
            due_on=date(2025, 4, 20),
            created_at=t(4, 2, 9),
            post_url="https://example.com/p/1",
            disclosure=True,
            delivered_at=t(4, 15),
            first_delivered_at=t(4, 15),
            reviewed_at=t(4, 16),
        )
    )
    session.add(
        Sponsorship(
            offer_id=o7.id,
            campaign_id=balm,
            creator_id=cid,
            price_amount=38_000,
            currency="EUR",
            status=SponsorshipStatus.ACTIVE,
            due_on=FAR.date(),
            created_at=t(7, 3),
        )
    )
    session.commit()
    return {"creator": creator, "offers": names, "campaigns": campaigns}


def _named(body: dict[str, Any], seeded: dict[str, Any]) -> dict[str, Any]:
    """``body`` with the creator's, the offers' and the campaigns' ids replaced by the names
    the seed gave them (ids depend on what the database handed out)."""
    body = json.loads(json.dumps(body))
    if "handle" in body:
        assert body["id"] == seeded["creator"].id
        body["id"] = "creator"
    for item in body.get("items", []):
        item["id"] = seeded["offers"][item["id"]]
        item["campaign"]["id"] = seeded["campaigns"][item["campaign"]["id"]]
    return body


READS = {
    "me": ME,
    "offers": f"{ME}/offers",
    "offers page 2 of 3": f"{ME}/offers?page=2&page_size=3",
    "offers past the last page": f"{ME}/offers?page=9&page_size=3",
    "offers expired": f"{ME}/offers?status=expired",
    "offers proposed": f"{ME}/offers?status=proposed",
    "offers countered": f"{ME}/offers?status=countered&page_size=1",
    "offers accepted": f"{ME}/offers?status=accepted",
}


def test_creator_reads_answer_exactly_the_pinned_json(seeded):
    creator = seeded["creator"]
    answers = {}
    for label, path in READS.items():
        r = creator.get(path)
        assert r.status_code == 200, (label, r.get_json())
        assert r.mimetype == "application/json"
        body = json.loads(r.get_data(as_text=True))
        # Flask's own form, byte for byte: sorted keys, compact, ASCII, one newline
        assert (
            r.get_data(as_text=True)
            == json.dumps(body, sort_keys=True, separators=(",", ":")) + "\n"
        ), label
        answers[label] = _named(body, seeded)
    if os.environ.get("GOLDEN_UPDATE"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(json.dumps(answers, indent=2, ensure_ascii=False) + "\n")
    expected = json.loads(GOLDEN.read_text())
    for label in READS:
        assert answers[label] == expected[label], label


# --- the same answers as the schemas' dumps of the ORM services' results ------------------


def _reference(app: Any, creator_id: int, path: str) -> dict[str, Any]:
    """What the views answered before the fast path: the ORM services, dumped by the schemas."""
    from urllib.parse import parse_qs, urlsplit

    from api.creators import _Profile
    from collaborations import eligibility
    from collaborations import services as collaborations
    from collaborations.guardrails import OfferRules
    from core.db import utcnow
    from schemas.common import page_of
    from schemas.creators import CreatorProfileSchema, OfferQuerySchema, OfferSchema

    session = app.extensions["dandelion.db"].read_session_factory()
    try:
        creator = session.get(Creator, creator_id)
        if path == ME:
            window = int(app.config["SPONSORED_SHARE_WINDOW_DAYS"])
            profile = _Profile(
                creator,
                collaborations.reliability(session, creator.id),
                eligibility.offer_eligibility(
                    session,
                    creator,
                    now=utcnow(),
                    rules=OfferRules.from_config(app.config),
                    window_days=window,
                ),
            )
            dump = CreatorProfileSchema().dump(profile)
        else:
            query = {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}
            args = OfferQuerySchema().load(query)
            page = collaborations.list_offers(session, creator, **args)
            dump = page_of(OfferSchema)().dump(page)
        return json.loads(json.dumps(dump))
    finally:
        session.close()


def test_creator_reads_answer_what_the_schemas_dump(app, seeded):
    creator = seeded["creator"]
    for label, path in READS.items():
        assert creator.get(path).get_json() == _reference(app, creator.id, path), label


def test_an_over_cap_creator_reads_the_same_outlook_as_the_schemas_dump(
    app, session, seeded, make_brand, make_campaign
):
    """Over the sponsored-share cap: the outlook reads the posts in the window (one more
    statement) and says when and how the creator falls under it."""
    from datetime import UTC

    from core.db import utcnow

    creator = seeded["creator"]
    brand = make_brand("Recent")
    campaign = _campaign(brand, make_campaign, session, "Recent posts")
    now = utcnow()
    session.rollback()
    names: dict[int, str] = {}
    for i in range(4):
        at = now - timedelta(days=2 + 5 * i)
        offer = _offer(
            session,
            names,
            f"offer:recent-{i}",
            campaign_id=campaign,
            creator_id=creator.id,
            created_at=at - timedelta(days=3),
            status=OfferStatus.ACCEPTED,
            responded_at=at - timedelta(days=2),
            explanation_for_creator="Recent.",
        )
        session.add(
            Sponsorship(
                offer_id=offer.id,
                campaign_id=campaign,
                creator_id=creator.id,
                price_amount=45_000,
                currency="EUR",
                status=SponsorshipStatus.DELIVERED,
                due_on=(at + timedelta(days=3)).date(),
                created_at=at - timedelta(days=2),
                post_url=f"https://example.com/r/{i}",
                disclosure=True,
                delivered_at=at.astimezone(UTC),
                first_delivered_at=at.astimezone(UTC),
            )
        )
    session.commit()
    update_row(session, Creator, creator.id, sponsored_share=0.9, recent_posts_30d=5)
    body = creator.get(ME).get_json()
    outlook = body["offer_eligibility"]["sponsored_share"]
    assert outlook["over_cap"] and outlook["sponsored_posts"] == 4, outlook
    assert outlook["under_cap_on"] and outlook["posts_needed"], outlook
    assert "sponsored_share" in [r["rule"] for r in body["offer_eligibility"]["reasons"]]
    assert body == _reference(app, creator.id, ME)
    offers = creator.get(f"{ME}/offers?status=accepted").get_json()
    assert offers == _reference(app, creator.id, f"{ME}/offers?status=accepted")
    assert offers["total"] == 6


def test_a_new_creator_and_other_callers(app, client, make_creator, make_brand):
    """A creator who just signed up (incomplete, closed, no offers), a brand, no token."""
    creator = make_creator()
    body = creator.get(ME).get_json()
    assert body == _reference(app, creator.id, ME)
    rules = [r["rule"] for r in body["offer_eligibility"]["reasons"]]
    assert rules == ["incomplete_profile", "creator_closed"], rules
    assert body["rate"] is None and body["audience"] is None and body["recent_posts_30d"] is None
    empty = creator.get(f"{ME}/offers").get_json()
    assert empty == {"items": [], "total": 0, "page": 1, "page_size": 20, "pages": 1}
    assert creator.get(f"{ME}/offers?page=3").get_json()["total"] == 0
    brand = make_brand()
    for path in (ME, f"{ME}/offers"):
        r = brand.get(path)
        assert r.status_code == 403, r.get_json()
        assert r.get_json()["message"] == "This route is for creator accounts."
        r = client.get(path)
        assert r.status_code == 401 and "Bearer" in r.get_json()["message"]
        r = client.get(path, headers={"Authorization": "Bearer not-a-token"})
        assert r.status_code == 401, r.get_json()
        assert r.get_json()["message"] == "The bearer token is invalid, expired or revoked."
    # the token is checked before the query string
    r = client.get(f"{ME}/offers?statsu=x", headers={"Authorization": "Bearer not-a-token"})
    assert r.status_code == 401
    r = creator.get(f"{ME}/offers?statsu=x")
    assert r.status_code == 422 and "statsu" in r.get_json()["errors"], r.get_json()
