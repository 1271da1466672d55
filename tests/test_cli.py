"""The operators' command line: create-operator, demo, db upgrade."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select

import models  # noqa: F401 - every table on Base.metadata
from accounts.models import Account, Brand, Creator, Role
from app import create_app
from campaigns.models import Campaign, CampaignStatus
from collaborations.models import Offer
from core.audience import audience_errors
from core.db import Base
from demo.seed import DEMO_DOMAIN, DEMO_PASSWORD
from taxonomy.seed import TAGS
from tests.conftest import FAST_HASHING
from tests.helpers import assert_error, count_rows

OPERATOR = ["accounts", "create-operator", "--email", "ops@example.com"]
GOOD_PASSWORD = "operator password"


def test_create_operator_who_gets_an_operator_token(app, client, session):
    result = app.test_cli_runner().invoke(args=[*OPERATOR, "--password", GOOD_PASSWORD])
    assert result.exit_code == 0, result.output
    assert "ops@example.com" in result.output
    session.rollback()
    account = session.scalar(select(Account))
    assert account.role is Role.OPERATOR
    assert account.password_hash.startswith("$argon2id$")

    r = client.post("/api/v1/tokens", json={"email": "ops@example.com", "password": GOOD_PASSWORD})
    assert r.status_code == 201, r.json
    assert r.json["kind"] == "operator"
    headers = {"Authorization": f"Bearer {r.json['token']}"}
    assert_error(client.get("/api/v1/campaigns", headers=headers), 403)  # not a brand


def test_create_operator_twice_is_a_clean_error(app, session):
    runner = app.test_cli_runner()
    assert runner.invoke(args=[*OPERATOR, "--password", GOOD_PASSWORD]).exit_code == 0
    again = runner.invoke(args=[*OPERATOR[:-1], "OPS@example.com", "--password", GOOD_PASSWORD])
    assert again.exit_code != 0
    assert isinstance(again.exception, SystemExit), repr(again.exception)  # handled, not a crash
    assert "already exists" in again.output
    assert "Traceback" not in again.output
    assert count_rows(session, Account) == 1


def test_create_operator_validates_its_input(app, session):
    runner = app.test_cli_runner()
    cases = {
        "--password": [*OPERATOR, "--password", "short"],
        "--email": ["accounts", "create-operator", "--email", "not-an-email", "--password",
                    GOOD_PASSWORD],
    }  # fmt: skip
    for option, args in cases.items():
        result = runner.invoke(args=args)
        assert result.exit_code == 2, result.output  # click's usage error
        assert option in result.output
        assert "Traceback" not in result.output
    assert count_rows(session, Account) == 0


def _counts(session) -> dict[str, int]:
    return {
        "brands": count_rows(session, Brand),
        "creators": count_rows(session, Creator),
        "campaigns": count_rows(session, Campaign),
        "accounts": count_rows(session, Account),
    }


def test_demo_seeds_a_believable_market_once(app, client, session):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    counts = _counts(session)
    assert counts["brands"] >= 3
    assert 45 <= counts["creators"] <= 60
    assert counts["campaigns"] >= counts["brands"]

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert _counts(session) == counts  # idempotent

    session.rollback()
    campaigns = session.scalars(select(Campaign)).all()
    assert len({c.category for c in campaigns}) >= 3
    statuses = {c.status for c in campaigns}
    assert CampaignStatus.PUBLISHED in statuses and CampaignStatus.DRAFT in statuses
    tags = set(TAGS)  # the demo writes only tags of the default taxonomy
    for c in campaigns:
        assert audience_errors(c.target_audience, tags=tags) == {}, c.title
    assert any(c.target_audience.get("countries") for c in campaigns)

    creators = session.scalars(select(Creator)).all()
    for creator in creators:
        errors = audience_errors(creator.audience, require_all_parts=True, tags=tags)
        assert errors == {}, creator.handle
    assert len({t for c in creators for t in c.audience["interests"]}) >= 25
    assert len({k for c in creators for k in c.audience["countries"]}) >= 6
    assert len({repr(sorted(c.audience["interests"].items())) for c in creators}) >= 10
    assert len({c.followers for c in creators}) >= 40  # varied, not one size
    assert any(c.is_open for c in creators) and not all(c.is_open for c in creators)
    # Creators opt in to the one or two categories they cover, never to everything.
    assert all(1 <= len(c.open_categories) <= 2 for c in creators)

    # Every offer of the demo's match run goes to a creator whose audience shares the
    # campaign's interests, and the flagship campaign's offers mostly reach its target.
    offers = session.scalars(select(Offer)).all()
    assert offers
    for offer in offers:
        wanted = offer.campaign.target_audience["interests"]
        shared = sum(s for t, s in offer.creator.audience["interests"].items() if t in wanted)
        assert shared > 0 and offer.fit_score >= 0.25, (offer.campaign.title, offer.creator.handle)
    flagship = [o for o in offers if o.campaign.title == "Winter barrier serum"]
    assert flagship and all(o.fit_score >= 0.45 for o in flagship)
    # it targets Germany, Austria and Switzerland: every offer reaches people living there
    dach = {"DE", "AT", "CH"}
    assert all(set(o.creator.audience["countries"]) & dach for o in flagship)
    # a target with city tiers and no countries still reaches audiences outside China (whose
    # profiles have no tiers: they are neutral to tiers)
    espresso = [o for o in offers if o.campaign.title == "Home espresso rituals"]
    assert espresso and all("city_tiers" not in o.creator.audience for o in espresso)

    # the printed logins work
    brand_login = {"email": f"lumen@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
    r = client.post("/api/v1/tokens", json=brand_login)
    assert r.status_code == 201 and r.json["kind"] == "brand"
    mine = client.get("/api/v1/campaigns", headers={"Authorization": f"Bearer {r.json['token']}"})
    assert mine.json["total"] >= 1
    creator_login = {"email": f"creator01@{DEMO_DOMAIN}", "password": DEMO_PASSWORD}
    assert client.post("/api/v1/tokens", json=creator_login).json["kind"] == "creator"
    assert f"lumen@{DEMO_DOMAIN}" in first.output


def test_db_upgrade_builds_the_schema(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'fresh.sqlite'}"
    app = create_app({"TESTING": True, "SECRET_KEY": "x", "SQLALCHEMY_URL": url, **FAST_HASHING})
    engine = create_engine(url)
    try:
        result = app.test_cli_runner().invoke(args=["db", "upgrade"])
        assert result.exit_code == 0, result.output
        tables = set(inspect(engine).get_table_names())
        assert set(Base.metadata.tables) <= tables
        assert "alembic_version" in tables
        with engine.connect() as conn:
            assert conn.scalar(select(func.count()).select_from(Account)) == 0
        # running it again is a no-op, not an error
        assert app.test_cli_runner().invoke(args=["db", "upgrade"]).exit_code == 0
    finally:
        engine.dispose()
        app.extensions["dandelion.db"].engine.dispose()


def test_create_operator_without_a_terminal_prompt(app, session):
    """Scripts and CI create operators without a prompt: from stdin or the environment; with
    neither and no terminal, a clear usage error instead of waiting for input."""
    runner = app.test_cli_runner()
    piped = runner.invoke(args=[*OPERATOR, "--password-stdin"], input=GOOD_PASSWORD + "\n")
    assert piped.exit_code == 0, piped.output
    env = runner.invoke(
        args=["accounts", "create-operator", "--email", "ops2@example.com"],
        env={"DANDELION_OPERATOR_PASSWORD": GOOD_PASSWORD},
    )
    assert env.exit_code == 0, env.output
    assert count_rows(session, Account) == 2
    nothing = runner.invoke(args=["accounts", "create-operator", "--email", "ops3@example.com"])
    assert nothing.exit_code == 2 and "DANDELION_OPERATOR_PASSWORD" in nothing.output
    assert count_rows(session, Account) == 2
