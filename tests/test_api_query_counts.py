"""Authenticated creator reads cost a constant number of queries, whatever the history."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from flask import Flask
from sqlalchemy import event
from sqlalchemy.orm import Session

from accounts.models import ApiToken
from api.creators import READ_BODIES
from collaborations.models import Offer, OfferStatus
from core.db import utcnow
from tests.factories import ago, update_row

ME = "/api/v1/creators/me"


@contextmanager
def counted(app: Flask) -> Iterator[list[str]]:
    """Every query the app's engines run inside the block (transaction control left out)."""
    bound = app.extensions["dandelion.db"]
    engines = {bound.engine, bound.reads_engine}  # one on SQLite, two pools on PostgreSQL
    statements: list[str] = []

    def record(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if not statement.lstrip().upper().startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT")):
            statements.append(statement)

    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


def seed_history(session: Session, campaign_id: int, creator_id: int, n: int) -> None:
    """``n`` offers of every kind, some with a sponsorship-free answer, committed at once."""
    now = utcnow()
    kinds = [
        (OfferStatus.DECLINED, timedelta(hours=3)),
        (OfferStatus.EXPIRED, None),
        (OfferStatus.WITHDRAWN, timedelta(hours=70)),
        (OfferStatus.PROPOSED, None),
    ]
    session.rollback()
    for i in range(n):
        status, answer_after = kinds[i % len(kinds)]
        created = now - timedelta(days=3 + i % 30)
        session.add(
            Offer(
                campaign_id=campaign_id,
                creator_id=creator_id,
                price_amount=40_000,
                currency="EUR",
                fit_score=0.7,
                explanation={"summary": "history"},
                explanation_for_creator="Written when the offer was made, as runs do.",
                expires_at=created + timedelta(days=7),
                created_at=created,
                status=status,
                responded_at=created + answer_after if answer_after else None,
            )
        )
    session.commit()


def queries_for(app: Flask, user: Any, path: str) -> list[str]:
    with counted(app) as statements:
        r = user.get(path)
        assert r.status_code == 200, r.get_json()
    return statements


def cold_queries_for(app: Flask, user: Any, path: str) -> list[str]:
    """``queries_for`` with the inbox's page cache emptied first (a page read for the first
    time, or after a write it shows)."""
    app.extensions[READ_BODIES].clear()
    return queries_for(app, user, path)


def test_creators_me_costs_the_same_few_queries_for_5_or_200_offers(
    app, session, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand()
    campaign = make_campaign(brand, state="published", competitor_group=None)
    short, long = make_creator(), make_creator()
    seed_history(session, campaign["id"], short.id, 5)
    seed_history(session, campaign["id"], long.id, 200)
    make_offer(campaign, long, created_at=ago(hours=50))  # silent past 48 h, not yet swept

    few = cold_queries_for(app, short, ME)
    many = cold_queries_for(app, long, ME)
    assert len(few) == len(many), (few, many)
    # the token and its caller (with the read version: collaborations/read_cache.py), then
    # one statement (collaborations/creator_reads.py): the token joined to its account and
    # creator, the reliability counters and the offer-eligibility figures (capacity, weekly
    # offers, sponsored posts: collaborations/eligibility.py) as correlated subqueries
    assert len(many) == 2, many
    assert "creator_read_versions" in many[0], many
    # read again, unchanged: the caller's statement alone, the body is the one kept
    assert queries_for(app, long, ME) == many[:1]
    read = many[1]
    assert "api_tokens" in read and "creators" in read and "sponsorships" in read, read
    assert not any(s.lstrip().upper().startswith(("UPDATE", "INSERT")) for s in many), many
    figures = long.get(ME).get_json()["reliability"]
    assert figures["offers_received"] == 201
    # due: 50 declined + 50 late withdrawals + 100 silent (expired or proposed past 48 h) + 1
    assert figures["reply_rate_48h"] == round(50 / 201, 4)


def test_creators_me_offers_costs_the_same_queries_for_5_or_200_offers(
    app, session, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand()
    campaign = make_campaign(brand, state="published", competitor_group=None)
    short, long = make_creator(), make_creator()
    seed_history(session, campaign["id"], short.id, 5)
    seed_history(session, campaign["id"], long.id, 200)
    few = cold_queries_for(app, short, f"{ME}/offers")
    many = cold_queries_for(app, long, f"{ME}/offers")
    assert len(few) == len(many), (few, many)
    # the token and its caller (with offers_received, the unfiltered total, and the inbox's
    # version), then the page with its campaigns, brands and turns (and the count, when
    # filtered)
    assert len(many) == 2, many
    assert "api_tokens" in many[0] and "offers_received" in many[0], many
    assert "creator_read_versions" in many[0], many
    assert "api_tokens" not in many[1] and "offer_turns" in many[1], many
    assert not any(s.lstrip().upper().startswith(("UPDATE", "INSERT")) for s in many), many
    # read again, unchanged: the caller's statement alone, the page is the one kept
    assert queries_for(app, long, f"{ME}/offers") == many[:1]
    page = long.get(f"{ME}/offers?page_size=5").get_json()
    assert page["total"] == 200 and len(page["items"]) == 5 and page["pages"] == 40
    assert len(cold_queries_for(app, long, f"{ME}/offers?page=41&page_size=5")) == 2
    declined = f"{ME}/offers?status=declined&page_size=5"
    assert long.get(declined).get_json()["total"] == 50
    assert len(cold_queries_for(app, long, declined)) == 2
    # a filtered page past its end has no row to carry the count: one more statement counts
    assert len(cold_queries_for(app, long, f"{declined}&page=11")) == 3
    assert long.get(f"{declined}&page=11").get_json()["total"] == 50
    # an offer stored before creator texts were: its text is written at read time, one more
    # statement for the page's legacy offers together, and such a page is never kept
    make_offer(campaign, long)
    make_offer(campaign, long)
    assert len(cold_queries_for(app, long, f"{ME}/offers")) == 3
    assert len(queries_for(app, long, f"{ME}/offers")) == 3


def test_one_query_authentication_still_refuses_revoked_and_expired_tokens(
    app, session, make_creator
):
    creator = make_creator()
    assert creator.get(ME).status_code == 200
    session.rollback()
    token = session.query(ApiToken).filter_by(account_id=creator.account_id).one()
    update_row(session, ApiToken, token.id, expires_at=ago(seconds=1))
    assert creator.get(ME).status_code == 401
    update_row(session, ApiToken, token.id, expires_at=utcnow() + timedelta(days=1))
    assert creator.get(ME).status_code == 200
    update_row(session, ApiToken, token.id, revoked_at=ago(seconds=1))
    assert creator.get(ME).status_code == 401
