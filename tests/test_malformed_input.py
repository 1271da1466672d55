"""Malformed input is a 422 with the field named, never a 500, and nothing is written: NUL
characters, lone surrogates, control and invisible characters in names, blank names, and JSON
nested too deeply, on every route family (public and authenticated) and in the dashboard."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import select

from accounts.models import Account, Brand, Creator
from campaigns.models import Campaign
from collaborations.models import BrandBlock, Offer, Sponsorship
from core.json_input import MAX_JSON_DEPTH, too_deep_field
from core.text_input import name_problem, text_problem, unstorable_fields
from tests.conftest import PASSWORD, campaign_body
from tests.e2e.dashboard_helpers import Dash, campaign_form
from tests.factories import AUDIENCE, offer_factory, open_up, profile_body
from tests.helpers import assert_error, check_each

NUL = "bad\u0000text"
SURROGATE = "bad\ud800text"
UNSTORABLE = {"nul": NUL, "surrogate": SURROGATE}
# Refused in names, titles and handles (but not in free text, apart from NUL and surrogates).
UNNAMEABLE = {
    "bell": "Glow\u0007Labs",
    "newline": "Glow\nLabs",
    "zero-width space": "Glow\u200bLabs",
    "right-to-left override": "Glow\u202eLabs",
    "word joiner": "Glow\u2060Labs",
    "bom": "\ufeffGlow Labs",
    "line separator": "Glow\u2028Labs",
    "blank": "   \t ",
}
POST_URL = "https://www.xiaohongshu.com/explore/abc123"


@pytest.fixture
def world(make_brand, make_creator, make_campaign, session) -> dict[str, Any]:
    """A brand with a draft and a published campaign; a creator with an open offer, an offer
    to withdraw and an active sponsorship; another creator to block."""
    make_offer = offer_factory(session)
    brand = make_brand("Glow Labs")
    creator = make_creator("mia.glow")
    other = make_creator("leo.films")
    open_up(creator)
    draft = make_campaign(brand, competitor_group=None)
    published = make_campaign(brand, state="published", competitor_group=None)
    second = make_campaign(brand, state="published", competitor_group=None)
    third = make_campaign(brand, state="published", competitor_group=None)
    to_decline = make_offer(published, creator, price_amount=40_000)
    to_withdraw = make_offer(second, creator, price_amount=40_000)
    accepted = make_offer(third, creator, price_amount=40_000)
    r = creator.post(f"/api/v1/offers/{accepted.id}/accept")
    assert r.status_code == 201, r.get_json()
    return {
        "brand": brand,
        "creator": creator,
        "other": other,
        "draft": draft["id"],
        "decline": to_decline.id,
        "withdraw": to_withdraw.id,
        "sponsorship": r.get_json()["id"],
    }


def snapshot(session) -> tuple[Any, ...]:
    """Everything a refused request could have written."""
    session.rollback()
    rows = (
        sorted(session.execute(select(Account.id, Account.email, Account.password_hash)).all()),
        sorted(session.execute(select(Brand.id, Brand.name)).all()),
        sorted(session.execute(select(Creator.id, Creator.handle, Creator.display_name)).all()),
        sorted(session.execute(select(Campaign.id, Campaign.title, Campaign.brief)).all()),
        sorted(
            session.execute(
                select(Offer.id, Offer.status, Offer.decline_reason, Offer.withdraw_reason)
            ).all()
        ),
        sorted(session.execute(select(Sponsorship.id, Sponsorship.post_url)).all()),
        sorted(session.execute(select(BrandBlock.id, BrandBlock.reason)).all()),
    )
    session.rollback()
    return rows


Route = tuple[str, str, str, Callable[[str], Any], str]


def routes(w: dict[str, Any], client: Any) -> list[Route]:
    """(who, method, url, body with the bad text in one field, that field) per route family."""
    brand_signup = {"name": "Lumen", "email": "lumen@example.com", "password": PASSWORD}
    creator_signup = {"handle": "zoe.eats", "email": "zoe@example.com", "password": PASSWORD}
    token = {"email": "brand1@example.com", "password": PASSWORD}
    return [
        ("public", "POST", "/api/v1/brands", lambda v: {**brand_signup, "name": v}, "name"),
        ("public", "POST", "/api/v1/brands", lambda v: {**brand_signup, "email": v}, "email"),
        (
            "public",
            "POST",
            "/api/v1/brands",
            lambda v: {**brand_signup, "password": PASSWORD + v},
            "password",
        ),
        ("public", "POST", "/api/v1/creators", lambda v: {**creator_signup, "handle": v}, "handle"),
        (
            "public",
            "POST",
            "/api/v1/creators",
            lambda v: {**creator_signup, "password": PASSWORD + v},
            "password",
        ),
        ("public", "POST", "/api/v1/tokens", lambda v: {**token, "email": v}, "email"),
        ("public", "POST", "/api/v1/tokens", lambda v: {**token, "password": v}, "password"),
        (
            "creator",
            "PATCH",
            "/api/v1/creators/me",
            lambda v: profile_body(display_name=v),
            "display_name",
        ),
        (
            "creator",
            "PATCH",
            "/api/v1/creators/me",
            lambda v: profile_body(audience={**AUDIENCE, "interests": {"skincare": 0.6, v: 0.4}}),
            "audience",
        ),
        (
            "creator",
            "PATCH",
            "/api/v1/creators/me",
            lambda v: profile_body(categories=["skincare", v]),
            "categories",
        ),
        ("brand", "POST", "/api/v1/campaigns", lambda v: campaign_body(title=v), "title"),
        ("brand", "POST", "/api/v1/campaigns", lambda v: campaign_body(brief=v * 3), "brief"),
        (
            "brand",
            "PATCH",
            f"/api/v1/campaigns/{w['draft']}",
            lambda v: {"title": v},
            "title",
        ),
        (
            "creator",
            "POST",
            f"/api/v1/offers/{w['decline']}/decline",
            lambda v: {"reason": v},
            "reason",
        ),
        (
            "creator",
            "POST",
            f"/api/v1/sponsorships/{w['sponsorship']}/deliverable",
            lambda v: {"url": POST_URL + "/" + v, "disclosure": True},
            "url",
        ),
        (
            "brand",
            "POST",
            f"/api/v1/offers/{w['withdraw']}/withdraw",
            lambda v: {"reason": v},
            "reason",
        ),
        (
            "brand",
            "POST",
            "/api/v1/brands/me/blocks",
            lambda v: {"creator_id": w["other"].id, "reason": v},
            "reason",
        ),
    ]


def _send(w: dict[str, Any], client: Any, who: str, method: str, url: str, body: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)  # escapes \ud800 as JSON
    kwargs = {"data": data, "content_type": "application/json"}
    if who == "public":
        return client.open(url, method=method, **kwargs)
    user = w[who]
    return user.client.open(url, method=method, headers=user.headers, **kwargs)


def test_unstorable_text_anywhere_is_a_422_on_every_route_and_nothing_is_written(
    world, client, session
):
    before = snapshot(session)
    cases = [
        (f"{method} {url} {field} {kind}", (who, method, url, make(value), field))
        for who, method, url, make, field in routes(world, client)
        for kind, value in UNSTORABLE.items()
    ]

    def check(case: tuple[str, str, str, Any, str]) -> None:
        who, method, url, body, field = case
        r = _send(world, client, who, method, url, body)
        problem = assert_error(r, 422, field)["errors"][field]
        assert any("NUL" in m or "surrogate" in m for m in problem), problem

    check_each(cases, check)
    assert snapshot(session) == before


def test_control_invisible_and_blank_names_are_refused_with_the_field(world, client, session):
    before = snapshot(session)
    name_routes = [
        (who, method, url, make, field)
        for who, method, url, make, field in routes(world, client)
        if field in ("name", "handle", "display_name", "title")
    ]
    assert {r[4] for r in name_routes} == {"name", "handle", "display_name", "title"}
    cases = [
        (f"{method} {url} {field} {kind}", (who, method, url, make(value), field))
        for who, method, url, make, field in name_routes
        for kind, value in UNNAMEABLE.items()
    ]

    def check(case: tuple[str, str, str, Any, str]) -> None:
        who, method, url, body, field = case
        assert_error(_send(world, client, who, method, url, body), 422, field)

    check_each(cases, check)
    assert snapshot(session) == before


def test_names_and_titles_are_stored_stripped_and_briefs_keep_their_lines(client, make_brand):
    r = client.post(
        "/api/v1/brands",
        json={"name": "  Lumen Skin  ", "email": "lumen@example.com", "password": PASSWORD},
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["name"] == "Lumen Skin"
    r = client.post(
        "/api/v1/creators",
        json={"handle": " zoe.eats ", "email": "zoe@example.com", "password": PASSWORD},
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["handle"] == "zoe.eats"
    brand = make_brand()
    brief = "Show the serum in your evening routine.\n\n\tIn your own words, please."
    r = brand.post(
        "/api/v1/campaigns", json=campaign_body(title="  Night serum \u00e9t\u00e9 ", brief=brief)
    )
    assert r.status_code == 201, r.get_json()
    assert r.get_json()["title"] == "Night serum \u00e9t\u00e9"
    assert r.get_json()["brief"] == brief
    r = brand.post("/api/v1/campaigns", json=campaign_body(brief="Ring the bell \u0007 twice."))
    assert_error(r, 422, "brief")


def _nested(depth: int) -> str:
    """A JSON array nested ``depth`` levels deep (as text: ``json.dumps`` would recurse)."""
    return "[" * depth + "1" + "]" * depth


def _with(body: dict[str, Any], field: str, raw: str) -> str:
    """``body`` as JSON text with ``field`` set to the raw JSON ``raw``."""
    return json.dumps({**body, field: "@@"}).replace('"@@"', raw)


def test_deeply_nested_json_is_a_422_naming_the_field(world, client, session):
    before = snapshot(session)
    deep = _nested(1000)
    cases = [
        ("public body", ("public", "POST", "/api/v1/brands", deep, "_schema")),
        ("public tokens", ("public", "POST", "/api/v1/tokens", deep, "_schema")),
        (
            "signup field",
            ("public", "POST", "/api/v1/creators", _with({}, "handle", _nested(1000)), "handle"),
        ),
        (
            "profile field",
            (
                "creator",
                "PATCH",
                "/api/v1/creators/me",
                _with(profile_body(), "audience", _nested(MAX_JSON_DEPTH)),
                "audience",
            ),
        ),
        (
            "campaign field",
            (
                "brand",
                "POST",
                "/api/v1/campaigns",
                _with(campaign_body(), "target_audience", '{"interests": ' + _nested(5000) + "}"),
                "target_audience",
            ),
        ),
    ]

    def check(case: tuple[str, str, str, Any, str]) -> None:
        who, method, url, body, field = case
        assert_error(_send(world, client, who, method, url, body), 422, field)

    check_each(cases, check)
    assert snapshot(session) == before
    # just within the limit, the body reaches the schema (which names its own error)
    r = _send(world, client, "public", "POST", "/api/v1/brands", _nested(MAX_JSON_DEPTH - 1))
    assert_error(r, 422, "_schema")


def test_depth_scanner_ignores_brackets_inside_strings() -> None:
    assert too_deep_field(b'{"a": "' + b"[" * 100 + b'"}') is None
    assert too_deep_field(b'{"a\\"[": [1], "b": ' + b"[" * 40 + b"]" * 40 + b"}") == "b"
    assert too_deep_field(b"[" * 33 + b"]" * 33) == "_schema"
    assert too_deep_field(b"[" * 32 + b"]" * 32) is None
    assert too_deep_field(b'{"a": {"b": 1}, "c": ' + b"{}" * 5 + b"}") is None


def test_the_shared_rules() -> None:
    assert name_problem("Glow Labs") is None and name_problem("Zoë & Co — 美妆") is None
    for value in UNNAMEABLE.values():
        assert name_problem(value), repr(value)
    assert text_problem("Line one.\nLine two.\tTabbed.") is None
    assert text_problem("bell\u0007") and text_problem(NUL) and text_problem(SURROGATE)
    assert unstorable_fields({"a": [{"k": 1}, {"ok": {"x\u0000": 1}}], "b": "fine"}) == {
        "a": ["Must not contain NUL (\\u0000) characters."]
    }
    assert set(unstorable_fields({"\ud800": 1})) == {"_schema"}


# --- the dashboard ----------------------------------------------------------------------------


def test_dashboard_refuses_the_same_characters_beside_the_fields(app, session):
    before = snapshot(session)
    dash = Dash(app)
    for value in [NUL, *UNNAMEABLE.values()]:
        r = dash.post(
            "/dashboard/signup",
            {"name": value, "email": "glow@example.com", "password": PASSWORD, "confirm": PASSWORD},
            page="/dashboard/signup",
        )
        assert r.status_code == 422, repr(value)
        assert 'id="name-error"' in r.get_data(as_text=True), repr(value)
    r = dash.post("/dashboard/login", {"email": NUL, "password": PASSWORD}, page="/dashboard/login")
    assert r.status_code in (401, 422)
    r = dash.post(
        "/dashboard/signup",
        {"name": "Glow", "email": "glow@example.com", "password": NUL + "x" * 10,
         "confirm": NUL + "x" * 10},
        page="/dashboard/signup",
    )  # fmt: skip
    assert r.status_code == 422 and 'id="password-error"' in r.get_data(as_text=True)
    assert snapshot(session) == before

    dash.signup("Glow Labs", "glow@example.com")
    before = snapshot(session)
    for field, value in [("title", NUL), ("title", "Serum\u200b night"), ("title", "   "),
                         ("brief", NUL * 12), ("brief", "Ring the bell \u0007 twice.")]:  # fmt: skip
        r = dash.post(
            "/dashboard/campaigns/new",
            campaign_form(**{field: value}),
            page="/dashboard/campaigns/new",
        )
        assert r.status_code == 422, (field, repr(value))
        assert f'id="{field}-error"' in r.get_data(as_text=True), (field, repr(value))
    assert snapshot(session) == before
