"""The creator's read cache: its keys move with every write the reads show, through any path.

The version is kept by database triggers (migration 0015), so these tests write through the
ORM, through the API and with plain SQL, and read the inbox again after each write.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import OperationalError

import api.auth
import api.creators
from accounts.models import Brand
from campaigns.models import Campaign
from collaborations.creator_reads import Caller
from collaborations.models import CreatorReadVersion, Offer, OfferTurn, TurnKind
from collaborations.read_cache import PROFILE_CLOCK_S, BodyCache, inbox_key
from core.db import utcnow
from tests.factories import fresh, open_up

INBOX = "/api/v1/creators/me/offers"
TEXT = "Glow Labs would like one post from you for €500.00."


@pytest.fixture
def market(make_brand, make_creator, make_campaign):
    brand = make_brand("Glow Labs")
    creator, other = make_creator(), make_creator()
    open_up(creator)
    open_up(other)
    return brand, creator, other, make_campaign(brand, state="published")


def version(session, creator: Any) -> int:
    session.rollback()
    row = session.get(CreatorReadVersion, creator.id)
    return 0 if row is None else row.version


def bodies(app) -> BodyCache:
    return app.extensions[api.creators.READ_BODIES]


def test_every_write_the_inbox_shows_moves_the_version(session, market, make_offer):
    _brand, creator, other, campaign = market
    seen, others = [version(session, creator)], version(session, other)

    def moved() -> None:
        seen.append(version(session, creator))
        assert seen[-1] > seen[-2], seen

    offer = make_offer(campaign, creator, explanation_for_creator=TEXT)
    moved()
    offer = fresh(session, Offer, offer.id)
    offer.message = "Could you post on Friday?"
    session.commit()
    moved()
    session.add(OfferTurn(offer_id=offer.id, actor="creator", kind=TurnKind.COUNTER))
    session.commit()
    moved()
    session.get(Campaign, campaign["id"]).title = "Winter glow"
    session.commit()
    moved()
    brand_row = session.get(Brand, session.get(Campaign, campaign["id"]).brand_id)
    brand_row.name = "Glow Labs Europe"
    session.commit()
    moved()
    # Plain SQL, as a migration or an operator in psql would write: the triggers still count.
    session.execute(
        text("UPDATE offers SET message = 'by Sunday' WHERE id = :id"), {"id": offer.id}
    )
    session.commit()
    moved()
    session.execute(text("DELETE FROM offer_turns WHERE offer_id = :id"), {"id": offer.id})
    session.commit()
    moved()
    # A creator with no version row yet (as every creator was before migration 0015): a
    # deletion still moves it.
    session.execute(
        text("DELETE FROM creator_read_versions WHERE creator_id = :id"), {"id": creator.id}
    )
    session.execute(text("DELETE FROM offers WHERE id = :id"), {"id": offer.id})
    session.commit()
    seen.append(0)
    moved()
    # The profile's: the creator's row, their account's email, a sponsorship of theirs.
    session.execute(text("UPDATE creators SET followers = 99 WHERE id = :id"), {"id": creator.id})
    session.commit()
    moved()
    session.execute(
        text("UPDATE accounts SET email = 'new@example.com' WHERE id = :id"),
        {"id": creator.account_id},
    )
    session.commit()
    moved()
    # A sponsorship of theirs (accepted through the API, then changed by plain SQL).
    second = make_offer(campaign, creator, explanation_for_creator=TEXT)
    assert creator.post(f"/api/v1/offers/{second.id}/accept").status_code == 201
    moved()
    session.execute(
        text("UPDATE sponsorships SET promo_code = 'GLOW10' WHERE creator_id = :id"),
        {"id": creator.id},
    )
    session.commit()
    moved()
    # What the reads never show leaves it alone: the sweep's watermarks, a campaign column the
    # inbox does not show; and another creator's version.
    session.execute(
        text("UPDATE creators SET replies_counted_through = :now WHERE id = :id"),
        {"now": utcnow(), "id": creator.id},
    )
    session.get(Campaign, campaign["id"]).max_creators = 7
    session.commit()
    assert version(session, creator) == seen[-1]
    assert version(session, other) == others


def test_a_page_read_again_is_the_kept_one_until_something_it_shows_changes(
    app, session, market, make_offer
):
    brand, creator, _other, campaign = market
    offer = make_offer(campaign, creator, explanation_for_creator=TEXT)
    first = creator.get(INBOX)
    assert first.status_code == 200 and len(bodies(app)) == 1
    again = creator.get(INBOX)
    assert again.data == first.data and len(bodies(app)) == 1  # served from the cache

    r = brand.patch(f"/api/v1/campaigns/{campaign['id']}", json={"title": "Winter glow"})
    assert r.status_code == 200, r.json
    [item] = creator.get(INBOX).get_json()["items"]
    assert item["campaign"]["title"] == "Winter glow"

    session.rollback()
    session.get(Brand, session.get(Campaign, campaign["id"]).brand_id).name = "Glow Europe"
    session.commit()
    [item] = creator.get(INBOX).get_json()["items"]
    assert item["campaign"]["brand_name"] == "Glow Europe"

    session.execute(
        text("UPDATE offers SET message = 'by Sunday' WHERE id = :id"), {"id": offer.id}
    )
    session.commit()
    [item] = creator.get(INBOX).get_json()["items"]
    assert item["message"] == "by Sunday"

    r = creator.post(f"/api/v1/offers/{offer.id}/decline", json={"reason": "Fully booked"})
    assert r.status_code == 200, r.json
    [item] = creator.get(INBOX).get_json()["items"]
    assert item["status"] == "declined" and item["decline_reason"] == "Fully booked"


def test_an_open_offer_reads_as_expired_once_its_time_passes(app, market, make_offer, monkeypatch):
    _brand, creator, _other, campaign = market
    now = utcnow()
    make_offer(campaign, creator, explanation_for_creator=TEXT, expires_at=now + timedelta(hours=1))
    assert creator.get(INBOX).get_json()["items"][0]["status"] == "proposed"
    assert creator.get(f"{INBOX}?status=proposed").get_json()["total"] == 1
    later = now + timedelta(hours=2)  # nothing is written: only the clock moves
    monkeypatch.setattr(api.auth, "utcnow", lambda: later)
    monkeypatch.setattr(api.creators, "utcnow", lambda: later)
    assert creator.get(INBOX).get_json()["items"][0]["status"] == "expired"
    assert creator.get(f"{INBOX}?status=proposed").get_json()["total"] == 0
    assert creator.get(f"{INBOX}?status=expired").get_json()["total"] == 1


def test_a_new_offer_and_a_new_page_size_are_new_pages(app, market, make_offer):
    _brand, creator, _other, campaign = market
    assert creator.get(INBOX).get_json()["total"] == 0
    make_offer(campaign, creator, explanation_for_creator=TEXT)
    assert creator.get(INBOX).get_json()["total"] == 1
    assert creator.get(f"{INBOX}?page_size=5").get_json()["page_size"] == 5


def test_creators_never_read_each_others_kept_pages(
    app, make_brand, make_creator, make_campaign, make_offer
):
    brand = make_brand("Glow Labs")
    campaign = make_campaign(brand, state="published")
    one, two = make_creator(), make_creator()
    open_up(one)
    open_up(two)
    make_offer(campaign, one, explanation_for_creator=TEXT)
    assert one.get(INBOX).get_json()["total"] == 1
    assert two.get(INBOX).get_json() == {
        "items": [],
        "total": 0,
        "page": 1,
        "page_size": 20,
        "pages": 1,
    }


def test_offers_whose_text_is_written_at_read_time_are_never_kept(app, market, make_offer):
    _brand, creator, _other, campaign = market
    make_offer(campaign, creator)  # stored before creator texts existed: written from the profile
    assert creator.get(INBOX).status_code == 200
    assert len(bodies(app)) == 0


def test_the_cache_keeps_the_most_recently_used_pages_only():
    cache = BodyCache(2)
    keys = [
        inbox_key(
            Caller(role=None, creator_id=i, offers_received=0), status=None, page=1, page_size=20
        )
        for i in range(3)
    ]  # type: ignore[arg-type]
    cache.put(keys[0], b"0")
    cache.put(keys[1], b"1")
    assert cache.get(keys[0]) == b"0"  # now the most recent
    cache.put(keys[2], b"2")
    assert cache.get(keys[1]) is None and cache.get(keys[0]) == b"0" and cache.get(keys[2]) == b"2"
    assert len(cache) == 2


@pytest.mark.postgresql_only
def test_a_hot_read_on_a_connection_the_server_dropped_fails_once_then_reads_again(
    app, session, make_creator
):
    """The hot reads go to psycopg directly (``core.db.HotRead``), past SQLAlchemy's error
    handling: a connection the server closed must still be thrown away, not pooled to fail
    every later request, and the error must be SQLAlchemy's."""
    creator = make_creator()
    assert creator.get("/api/v1/creators/me").status_code == 200  # the reads pool holds one
    killed = session.execute(
        text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    ).all()
    session.commit()
    assert killed, "the reads pool's connection should have been open"
    # The test app propagates errors; served, this request answers 500.
    with pytest.raises(OperationalError) as failed:
        creator.get("/api/v1/creators/me")
    assert failed.value.connection_invalidated
    for route in ("/api/v1/creators/me", INBOX, "/api/v1/creators/me"):
        assert creator.get(route).status_code == 200, route


ME = "/api/v1/creators/me"


def test_the_profile_read_again_is_kept_until_a_write_or_the_clock_moves_it(
    app, session, market, monkeypatch
):
    _brand, creator, _other, _campaign = market
    first = creator.get(ME)
    assert first.status_code == 200 and len(bodies(app)) == 1
    assert creator.get(ME).data == first.data and len(bodies(app)) == 1

    r = creator.patch(ME, json={"display_name": "Mia Glow"})
    assert r.status_code == 200, r.json
    assert creator.get(ME).get_json()["display_name"] == "Mia Glow"
    session.execute(text("UPDATE creators SET followers = 4321 WHERE id = :id"), {"id": creator.id})
    session.execute(
        text("UPDATE accounts SET email = 'mia@example.com' WHERE id = :id"),
        {"id": creator.account_id},
    )
    session.commit()
    body = creator.get(ME).get_json()
    assert body["followers"] == 4321 and body["email"] == "mia@example.com"

    kept = len(bodies(app))
    later = utcnow() + timedelta(seconds=PROFILE_CLOCK_S)
    monkeypatch.setattr(api.creators, "utcnow", lambda: later)
    assert creator.get(ME).status_code == 200
    assert len(bodies(app)) == kept + 1  # a new minute: read again, not the kept one


def test_a_brand_token_is_refused_the_profile_before_any_body_is_kept(app, market):
    brand, _creator, _other, _campaign = market
    assert brand.get(ME).status_code == 403
    assert len(bodies(app)) == 0


def test_a_cache_of_no_bodies_keeps_none():
    cache = BodyCache(0)  # READ_CACHE_MAX_BODIES=0: every read goes to the database
    key = inbox_key(
        Caller(role=None, creator_id=1, offers_received=0), status=None, page=1, page_size=20
    )  # type: ignore[arg-type]
    cache.put(key, b"{}")
    assert cache.get(key) is None and len(cache) == 0


def test_the_creator_trigger_covers_every_column_the_profile_shows():
    import importlib.util
    from pathlib import Path

    from collaborations.creator_reads import PROFILE_COLUMNS
    from collaborations.reliability_counters import COUNTERS

    path = Path(__file__).parents[1] / "migrations" / "versions" / "0015_creator_read_versions.py"
    spec = importlib.util.spec_from_file_location("migration_0015", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    shown = (set(PROFILE_COLUMNS) - {"id", "created_at"}) | set(COUNTERS)  # id, created_at: fixed
    assert shown <= set(migration.CREATOR_COLUMNS), shown - set(migration.CREATOR_COLUMNS)


@pytest.mark.postgresql_only
def test_raising_a_version_never_closes_a_lock_cycle_with_writers_of_the_creator_row(
    app, session, market, make_offer
):
    """An accept writes its offer's first turn, then locks the creator row; the reliability
    sweep locks creator rows, then updates them. Had the turn's trigger locked the version row
    at once, the sweep's update would wait for it while the accept waits for the sweep: a
    deadlock, one of them aborted. The triggers run at commit, after every other lock."""
    _brand, creator, _other, campaign = market
    offer = make_offer(campaign, creator, explanation_for_creator=TEXT)
    before = version(session, creator)
    engine = app.extensions["dandelion.db"].engine
    errors: list[BaseException] = []
    with engine.connect() as sweep, engine.connect() as accept:
        for conn in (sweep, accept):
            conn.execute(text("SET lock_timeout = '10s'"))
        sweep.execute(text("SELECT id FROM creators WHERE id = :id FOR UPDATE"), {"id": creator.id})
        accept.execute(
            text(
                "INSERT INTO offer_turns (offer_id, actor, kind, created_at) "
                "VALUES (:id, 'platform', 'offer', now())"
            ),
            {"id": offer.id},
        )

        def lock_and_commit() -> None:
            try:
                accept.execute(
                    text("SELECT id FROM creators WHERE id = :id FOR UPDATE"), {"id": creator.id}
                )
                accept.commit()
            except BaseException as exc:  # the deadlock, were there one
                errors.append(exc)

        waiting = threading.Thread(target=lock_and_commit)
        waiting.start()
        time.sleep(0.5)  # the accept now waits for the creator row
        try:
            sweep.execute(
                text("UPDATE creators SET replies_due = replies_due WHERE id = :id"),
                {"id": creator.id},
            )
            sweep.commit()
        except BaseException as exc:
            errors.append(exc)
        waiting.join(20)
    assert not errors, errors
    assert version(session, creator) >= before + 2
