"""Campaigns over the API: validation, the state machine, tenant isolation and authentication."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from campaigns.models import Campaign
from tests.conftest import ApiUser, campaign_body
from tests.helpers import MISSING_ID, assert_error, check_each, count_rows

URL = "/api/v1/campaigns"
DROP = object()  # an override that removes the field from the body


def body_with(**overrides: Any) -> dict[str, Any]:
    body = campaign_body()
    for name, value in overrides.items():
        if value is DROP:
            body.pop(name)
        else:
            body[name] = value
    return body


def audience(**parts: Any) -> dict[str, Any]:
    """The default valid target audience with some parts replaced (``DROP`` removes one)."""
    target = dict(campaign_body()["target_audience"])
    for name, value in parts.items():
        if value is DROP:
            target.pop(name)
        else:
            target[name] = value
    return target


def item(campaign: dict[str, Any], action: str = "") -> str:
    return f"{URL}/{campaign['id']}{action}"


# --- create: a valid draft ----------------------------------------------------------------------


def test_create_returns_a_draft_with_every_field(make_brand, session):
    brand = make_brand()
    body = campaign_body(min_creators=2)
    r = brand.post(URL, json=body)
    assert r.status_code == 201, r.json
    c = r.json
    assert c["status"] == "draft"
    for name in ("title", "brief", "category", "competitor_group", "budget", "slots"):
        assert c[name] == body[name]
    assert c["target_audience"] == body["target_audience"]
    assert (c["min_creators"], c["min_followers"], c["max_followers"]) == (2, 1_000, 500_000)
    assert (c["starts_on"], c["ends_on"]) == (body["starts_on"], body["ends_on"])
    assert c["funded_at"] is None and c["published_at"] is None and c["closed_at"] is None
    assert count_rows(session, Campaign) == 1
    assert brand.get(item(c)).json == c


def test_optional_fields_take_their_defaults(make_brand):
    brand = make_brand()
    r = brand.post(
        URL,
        json=body_with(competitor_group=DROP, min_followers=DROP, max_followers=DROP),
    )
    assert r.status_code == 201, r.json
    assert r.json["competitor_group"] is None
    assert (r.json["min_creators"], r.json["min_followers"], r.json["max_followers"]) == (
        0,
        0,
        None,
    )


def test_shares_within_the_tolerance_are_accepted(make_brand):
    brand = make_brand()
    target = audience(interests={"skincare": 0.705, "makeup": 0.3})  # sums to 1.005
    r = brand.post(URL, json=body_with(target_audience=target))
    assert r.status_code == 201, r.json
    assert r.json["target_audience"]["interests"] == {"skincare": 0.705, "makeup": 0.3}


def test_same_start_and_end_day_is_in_order(make_brand):
    day = date.today().isoformat()
    r = make_brand().post(URL, json=body_with(starts_on=day, ends_on=day))
    assert r.status_code == 201, r.json


# --- create: every rule, one bad input each; nothing is written --------------------------------


def _past(days: int) -> str:
    return (date.today() - timedelta(days=days)).isoformat()


def _future(days: int) -> str:
    return (date.today() + timedelta(days=days)).isoformat()


def bad_create_cases() -> list[tuple[str, dict[str, Any], str]]:
    """(case id, overrides, field path); built per test, so dates are today's."""
    return [
        # money: integer minor units of a known ISO currency, positive
        ("float-amount", {"budget": {"amount": 5000.0, "currency": "EUR"}}, "budget.amount"),
        ("fractional-amount", {"budget": {"amount": 5000.5, "currency": "EUR"}}, "budget.amount"),
        ("string-amount", {"budget": {"amount": "500000", "currency": "EUR"}}, "budget.amount"),
        ("boolean-amount", {"budget": {"amount": True, "currency": "EUR"}}, "budget.amount"),
        ("zero-amount", {"budget": {"amount": 0, "currency": "EUR"}}, "budget.amount"),
        ("negative-amount", {"budget": {"amount": -100, "currency": "EUR"}}, "budget.amount"),
        ("huge-amount", {"budget": {"amount": 10**15 + 1, "currency": "EUR"}}, "budget.amount"),
        ("missing-amount", {"budget": {"currency": "EUR"}}, "budget.amount"),
        ("unknown-currency", {"budget": {"amount": 5000, "currency": "XYZ"}}, "budget.currency"),
        ("lower-case-currency", {"budget": {"amount": 5000, "currency": "eur"}}, "budget.currency"),
        ("missing-currency", {"budget": {"amount": 5000}}, "budget.currency"),
        (
            "extra-money-key",
            {"budget": {"amount": 5000, "currency": "EUR", "fee": 1}},
            "budget.fee",
        ),
        ("bare-number-budget", {"budget": 500000}, "budget"),
        ("null-budget", {"budget": None}, "budget"),
        ("missing-budget", {"budget": DROP}, "budget"),
        # slots and all-or-nothing minimum
        ("zero-slots", {"slots": 0}, "slots"),
        ("negative-slots", {"slots": -2}, "slots"),
        ("string-slots", {"slots": "3"}, "slots"),
        ("float-slots", {"slots": 2.5}, "slots"),
        ("min-creators-above-slots", {"slots": 3, "min_creators": 4}, "min_creators"),
        ("negative-min-creators", {"min_creators": -1}, "min_creators"),
        # dates
        (
            "ends-before-starts",
            {"starts_on": _past(0), "ends_on": _past(1)},
            "ends_on",
        ),
        ("not-a-date", {"starts_on": "2026-13-01"}, "starts_on"),
        ("missing-end", {"ends_on": DROP}, "ends_on"),
        # follower range
        (
            "max-below-min-followers",
            {"min_followers": 10_000, "max_followers": 5_000},
            "max_followers",
        ),
        ("negative-min-followers", {"min_followers": -1}, "min_followers"),
        ("zero-max-followers", {"max_followers": 0}, "max_followers"),
        # audience profile
        (
            "interests-sum-below-one",
            {"target_audience": audience(interests={"skincare": 0.6, "makeup": 0.3})},
            "target_audience.interests",
        ),
        (
            "interests-sum-above-one",
            {"target_audience": audience(interests={"skincare": 0.75, "makeup": 0.3})},
            "target_audience.interests",
        ),
        (
            "negative-share",
            {"target_audience": audience(interests={"skincare": 1.2, "makeup": -0.2})},
            "target_audience.interests",
        ),
        (
            "unknown-interest-tag",
            {"target_audience": audience(interests={"skincare": 0.5, "knitting": 0.5})},
            "target_audience.interests",
        ),
        (
            "string-share",
            {"target_audience": audience(interests={"skincare": "0.7", "makeup": 0.3})},
            "target_audience.interests",
        ),
        (
            "boolean-share",
            {"target_audience": audience(interests={"skincare": True})},
            "target_audience.interests",
        ),
        (
            "empty-interests",
            {"target_audience": audience(interests={})},
            "target_audience.interests",
        ),
        (
            "missing-interests",
            {"target_audience": audience(interests=DROP)},
            "target_audience.interests",
        ),
        (
            "unknown-part",
            {"target_audience": audience(income={"high": 1.0})},
            "target_audience.income",
        ),
        (
            "gender-sum",
            {"target_audience": audience(gender={"female": 0.8, "male": 0.3})},
            "target_audience.gender",
        ),
        (
            "unknown-city-tier",
            {"target_audience": audience(city_tiers={"1": 0.5, "6": 0.5})},
            "target_audience.city_tiers",
        ),
        (
            "unknown-age-band",
            {"target_audience": audience(age={"18-24": 0.5, "90+": 0.5})},
            "target_audience.age",
        ),
        ("audience-not-an-object", {"target_audience": "everyone"}, "target_audience"),
        ("missing-audience", {"target_audience": DROP}, "target_audience"),
        # the rest of the fields
        ("unknown-field", {"colour": "red"}, "colour"),
        ("unknown-category", {"category": "knitting"}, "category"),
        ("competitor-group-spaces", {"competitor_group": "Skin Care"}, "competitor_group"),
        ("competitor-group-leading-dash", {"competitor_group": "-skin"}, "competitor_group"),
        ("competitor-group-too-long", {"competitor_group": "a" * 61}, "competitor_group"),
        ("short-title", {"title": "ab"}, "title"),
        ("missing-title", {"title": DROP}, "title"),
        ("short-brief", {"brief": "too short"}, "brief"),
        # server-owned fields are refused, not silently dropped
        ("read-only-status", {"status": "published"}, "status"),
        ("read-only-brand", {"brand_id": 1}, "brand_id"),
        ("read-only-spent", {"spent": {"amount": 0, "currency": "EUR"}}, "spent"),
        ("read-only-id", {"id": 42}, "id"),
        ("read-only-committed", {"committed": 0}, "committed"),
    ]


def test_create_rejects_each_bad_input_and_writes_nothing(make_brand, session):
    brand = make_brand()

    def check(case: tuple[dict[str, Any], str]) -> None:
        overrides, field = case
        assert_error(brand.post(URL, json=body_with(**overrides)), 422, field)
        assert count_rows(session, Campaign) == 0

    check_each(((c[0], c[1:]) for c in bad_create_cases()), check)
    assert brand.get(URL).json["total"] == 0


def test_create_rejects_a_body_that_is_not_an_object(make_brand, session):
    brand = make_brand()
    assert_error(brand.post(URL, json=[campaign_body()]), 422)
    assert count_rows(session, Campaign) == 0


def test_count_rows_sees_writes(make_brand, make_campaign, session):
    """Control for the 'nothing written' checks: the same count sees a successful create."""
    assert count_rows(session, Campaign) == 0
    make_campaign(make_brand())
    assert count_rows(session, Campaign) == 1


# --- update ----------------------------------------------------------------------------------


def test_patch_changes_only_the_fields_sent(make_brand, make_campaign):
    brand = make_brand()
    c = make_campaign(brand)
    new_budget = {"amount": 123_456, "currency": "USD"}
    r = brand.patch(item(c), json={"title": "Spring barrier serum", "budget": new_budget})
    assert r.status_code == 200, r.json
    assert r.json["title"] == "Spring barrier serum"
    assert r.json["budget"] == new_budget
    unchanged = ("brief", "competitor_group", "min_followers", "max_followers", "target_audience")
    for name in unchanged:  # fields with load defaults are not reset by a partial update
        assert r.json[name] == c[name], name
    assert brand.get(item(c)).json == r.json


def bad_patch_cases() -> list[tuple[str, dict[str, Any], str]]:
    """Each applies to campaign_body() (starts today, ends in 30 days, 1k-500k followers) made
    with min_creators=2, so merged rules see the stored values for the fields not sent."""
    return [
        ("float-amount", {"budget": {"amount": 10.0, "currency": "EUR"}}, "budget.amount"),
        ("zero-amount", {"budget": {"amount": 0, "currency": "EUR"}}, "budget.amount"),
        ("unknown-currency", {"budget": {"amount": 1000, "currency": "ABC"}}, "budget.currency"),
        ("budget-without-currency", {"budget": {"amount": 1000}}, "budget.currency"),
        ("budget-without-amount", {"budget": {"currency": "USD"}}, "budget.amount"),
        ("null-budget", {"budget": None}, "budget"),
        ("zero-slots", {"slots": 0}, "slots"),
        ("slots-below-stored-min-creators", {"slots": 1}, "min_creators"),
        ("ends-before-stored-start", {"ends_on": _past(1)}, "ends_on"),
        ("starts-after-stored-end", {"starts_on": _future(31)}, "ends_on"),
        ("both-dates-reversed", {"starts_on": _future(5), "ends_on": _future(4)}, "ends_on"),
        ("max-below-stored-min-followers", {"max_followers": 999}, "max_followers"),
        ("min-above-stored-max-followers", {"min_followers": 500_001}, "max_followers"),
        (
            "audience-sum",
            {"target_audience": {"interests": {"skincare": 0.5}}},
            "target_audience.interests",
        ),
        (
            "audience-unknown-part",
            {"target_audience": audience(region={"eu": 1})},
            "target_audience",
        ),
        ("unknown-category", {"category": "knitting"}, "category"),
        ("bad-competitor-group", {"competitor_group": "Skin Care"}, "competitor_group"),
        ("unknown-field", {"colour": "red"}, "colour"),
        ("null-title", {"title": None}, "title"),
        ("read-only-status", {"status": "published"}, "status"),
        ("read-only-brand", {"brand_id": 2}, "brand_id"),
        ("read-only-spent", {"spent": 0}, "spent"),
        ("read-only-id", {"id": 7}, "id"),
    ]


def test_patch_rejects_each_bad_input_and_changes_nothing(make_brand, make_campaign):
    brand = make_brand()
    c = make_campaign(brand, min_creators=2)

    def check(case: tuple[dict[str, Any], str]) -> None:
        changes, field = case
        assert_error(brand.patch(item(c), json=changes), 422, field)
        assert brand.get(item(c)).json == c

    check_each(((p[0], p[1:]) for p in bad_patch_cases()), check)


# --- the state machine ---------------------------------------------------------------------


def test_life_cycle_draft_funded_published_completed(make_brand, make_campaign):
    brand = make_brand()
    c = make_campaign(brand)

    r = brand.post(item(c, "/fund"))
    assert r.status_code == 200, r.json
    payment = r.json["payment"]
    assert payment["provider"] == "ledger"
    assert payment["status"] == "succeeded"
    assert payment["fee"] == 50_000  # 10 % of 500,000 by default
    assert payment["amount"] == 550_000  # budget + fee
    assert payment["currency"] == "EUR"
    assert r.json["campaign"]["status"] == "funded"
    assert r.json["campaign"]["funded_at"] is not None
    assert brand.get(item(c)).json["status"] == "funded"

    r = brand.post(item(c, "/publish"))
    assert r.status_code == 200, r.json
    assert r.json["status"] == "published" and r.json["published_at"] is not None

    r = brand.post(item(c, "/complete"))
    assert r.status_code == 200, r.json
    assert r.json["status"] == "completed" and r.json["closed_at"] is not None
    assert brand.get(item(c)).json["status"] == "completed"


def test_fee_follows_the_configured_rate_rounded_half_up(make_app, make_brand, make_campaign):
    brand = make_brand()
    c = make_campaign(brand, budget={"amount": 12_345, "currency": "JPY"})
    other_rate = make_app(PLATFORM_FEE_BPS=250)
    same_brand = ApiUser(other_rate.test_client(), brand.token, brand.account_id, brand.id)
    r = same_brand.post(item(c, "/fund"))
    assert r.status_code == 200, r.json
    # 2.5 % of 12,345 is 308.625 → 309
    assert (r.json["payment"]["fee"], r.json["payment"]["amount"]) == (309, 12_654)
    assert r.json["payment"]["currency"] == "JPY"


@pytest.mark.parametrize("state", ["draft", "funded", "published"])
def test_cancel_from_every_open_state(make_brand, make_campaign, state):
    brand = make_brand()
    c = make_campaign(brand, state=state)
    r = brand.post(item(c, "/cancel"))
    assert r.status_code == 200, r.json
    assert r.json["status"] == "cancelled" and r.json["closed_at"] is not None
    assert brand.get(item(c)).json["status"] == "cancelled"


def _completed(brand: ApiUser, make_campaign: Any) -> dict[str, Any]:
    c = make_campaign(brand, state="published")
    r = brand.post(item(c, "/complete"))
    assert r.status_code == 200, r.json
    return r.json


def _cancelled(brand: ApiUser, make_campaign: Any) -> dict[str, Any]:
    c = make_campaign(brand, state="funded")
    r = brand.post(item(c, "/cancel"))
    assert r.status_code == 200, r.json
    return r.json


CONFLICTS = [
    # (state, method, action, body)
    ("draft", "post", "/publish", None),
    ("draft", "post", "/complete", None),
    ("funded", "post", "/fund", None),
    ("funded", "post", "/complete", None),
    ("funded", "delete", "", None),
    ("published", "post", "/fund", None),
    ("published", "post", "/publish", None),
    ("published", "delete", "", None),
    ("completed", "post", "/cancel", None),
    ("completed", "post", "/complete", None),
    ("completed", "post", "/fund", None),
    ("completed", "patch", "", {"title": "A new title"}),
    ("completed", "delete", "", None),
    ("cancelled", "post", "/cancel", None),
    ("cancelled", "post", "/fund", None),
    ("cancelled", "post", "/publish", None),
    ("cancelled", "post", "/complete", None),
    ("cancelled", "patch", "", {"title": "A new title"}),
    ("cancelled", "delete", "", None),
]


def test_transitions_the_state_does_not_allow_answer_409(make_brand, make_campaign):
    brand = make_brand()
    campaigns = {
        "draft": make_campaign(brand),
        "funded": make_campaign(brand, state="funded"),
        "published": make_campaign(brand, state="published"),
        "completed": _completed(brand, make_campaign),
        "cancelled": _cancelled(brand, make_campaign),
    }

    def check(case: tuple[str, str, str, Any]) -> None:
        state, method, action, body = case
        c = campaigns[state]
        kwargs = {"json": body} if body is not None else {}
        assert_error(getattr(brand, method)(item(c, action), **kwargs), 409)
        assert brand.get(item(c)).json == c

    check_each(((f"{c[0]}-{c[1]}{c[2] or '-item'}", c) for c in CONFLICTS), check)


def test_publishing_a_campaign_that_has_ended_answers_409(make_brand, make_campaign):
    brand = make_brand()
    c = make_campaign(brand, state="funded", starts_on=_past(30), ends_on=_past(1))
    assert_error(brand.post(item(c, "/publish")), 409)
    assert brand.get(item(c)).json["status"] == "funded"


def test_delete_removes_a_draft(make_brand, make_campaign, session):
    brand = make_brand()
    c = make_campaign(brand)
    keep = make_campaign(brand)
    r = brand.delete(item(c))
    assert r.status_code == 204 and r.get_data() == b""
    assert_error(brand.get(item(c)), 404)
    assert count_rows(session, Campaign) == 1
    assert [x["id"] for x in brand.get(URL).json["items"]] == [keep["id"]]


def frozen_after_funding_cases() -> list[tuple[str, dict[str, Any], str]]:
    return [
        ("budget", {"budget": {"amount": 900_000, "currency": "EUR"}}, "budget"),
        ("slots", {"slots": 5}, "slots"),
        ("min_creators", {"min_creators": 1}, "min_creators"),
        ("category", {"category": "beauty"}, "category"),
        ("competitor_group", {"competitor_group": None}, "competitor_group"),
        ("audience", {"target_audience": audience(interests={"makeup": 1.0})}, "target_audience"),
        ("min_followers", {"min_followers": 0}, "min_followers"),
        ("max_followers", {"max_followers": None}, "max_followers"),
        ("starts_on", {"starts_on": _future(1)}, "starts_on"),
        ("with-title", {"title": "Also the title", "slots": 5}, "slots"),
    ]


@pytest.mark.parametrize("state", ["funded", "published"])
def test_money_and_targeting_are_frozen_after_funding(make_brand, make_campaign, state):
    brand = make_brand()
    c = make_campaign(brand, state=state)

    def check(case: tuple[dict[str, Any], str]) -> None:
        changes, frozen = case
        assert_error(brand.patch(item(c), json=changes), 409, frozen)
        assert brand.get(item(c)).json == c

    check_each(((f[0], f[1:]) for f in frozen_after_funding_cases()), check)


def test_title_brief_and_end_date_stay_editable_after_funding(make_brand, make_campaign):
    brand = make_brand()
    c = make_campaign(brand, state="funded")
    changes = {"title": "Renamed campaign", "brief": "A clearer brief for everyone.",
               "ends_on": _future(45)}  # fmt: skip
    r = brand.patch(item(c), json=changes)
    assert r.status_code == 200, r.json
    assert {k: r.json[k] for k in changes} == changes
    assert r.json["status"] == "funded" and r.json["budget"] == c["budget"]


def test_patch_on_a_funded_campaign_still_checks_dates(make_brand, make_campaign):
    brand = make_brand()
    c = make_campaign(brand, state="funded")
    assert_error(brand.patch(item(c), json={"ends_on": _past(1)}), 422, "ends_on")
    assert brand.get(item(c)).json == c


# --- listing ------------------------------------------------------------------------------------


def test_list_is_paginated_newest_first_and_filters_by_status(make_brand, make_campaign):
    brand = make_brand()
    first = make_campaign(brand, state="published")
    second = make_campaign(brand)
    third = make_campaign(brand)

    page1 = brand.get(URL, query_string={"page_size": 2}).json
    assert (page1["total"], page1["page"], page1["page_size"], page1["pages"]) == (3, 1, 2, 2)
    assert [c["id"] for c in page1["items"]] == [third["id"], second["id"]]
    page2 = brand.get(URL, query_string={"page_size": 2, "page": 2}).json
    assert [c["id"] for c in page2["items"]] == [first["id"]]

    published = brand.get(URL, query_string={"status": "published"}).json
    assert published["total"] == 1 and published["items"][0]["id"] == first["id"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({"page": 0}, "page"),
        ({"page_size": 101}, "page_size"),
        ({"status": "lost"}, "status"),
        ({"statsu": "draft"}, "statsu"),  # a typo is an error, not a silently ignored filter
    ],
    ids=["page-zero", "page-size-too-big", "unknown-status", "unknown-parameter"],
)
def test_list_rejects_bad_query(make_brand, query, field):
    assert_error(make_brand().get(URL, query_string=query), 422, field)


# --- tenant isolation ----------------------------------------------------------------------------

# (method, action, state the campaign needs for the owner's call to succeed, body)
ROUTES = [
    ("get", "", "draft", None),
    ("patch", "", "draft", {"title": "Taken over"}),
    ("delete", "", "draft", None),
    ("post", "/fund", "draft", None),
    ("post", "/publish", "funded", None),
    ("post", "/cancel", "draft", None),
    ("post", "/complete", "published", None),
]
ROUTE_IDS = [f"{m}{a or '-item'}" for m, a, _, _ in ROUTES]
OWNER_STATUS = {"get": 200, "patch": 200, "delete": 204, "post": 200}


@pytest.mark.parametrize(("method", "action", "state", "body"), ROUTES, ids=ROUTE_IDS)
def test_another_brand_gets_404_exactly_like_a_missing_id(
    make_brand, make_campaign, method, action, state, body
):
    owner, intruder = make_brand(), make_brand()
    c = make_campaign(owner, state=state)
    kwargs = {"json": body} if body is not None else {}

    theirs = getattr(intruder, method)(item(c, action), **kwargs)
    missing = getattr(intruder, method)(f"{URL}/{MISSING_ID}{action}", **kwargs)
    assert_error(theirs, 404)
    assert theirs.get_json() == missing.get_json()
    assert theirs.status_code == missing.status_code

    assert owner.get(item(c)).json == c  # nothing changed
    assert intruder.get(URL).json["total"] == 0
    # and the very same call works for the owner, so the 404 was about the tenant
    assert getattr(owner, method)(item(c, action), **kwargs).status_code == OWNER_STATUS[method]


def test_list_shows_only_your_own_campaigns(make_brand, make_campaign):
    a, b = make_brand(), make_brand()
    mine = {make_campaign(a)["id"], make_campaign(a, state="published")["id"]}
    theirs = make_campaign(b)["id"]
    listed_a = a.get(URL).json
    assert listed_a["total"] == 2 and {c["id"] for c in listed_a["items"]} == mine
    listed_b = b.get(URL).json
    assert listed_b["total"] == 1 and [c["id"] for c in listed_b["items"]] == [theirs]
    assert a.get(URL, query_string={"status": "draft"}).json["total"] == 1


# action None means the collection URL itself
ALL_ROUTES = [("get", None, None), ("post", None, campaign_body())] + [
    (m, a, b) for m, a, _, b in ROUTES
]
ALL_IDS = ["get-list", "post-create", *ROUTE_IDS]


@pytest.mark.parametrize(("method", "action", "body"), ALL_ROUTES, ids=ALL_IDS)
def test_authentication_on_every_campaign_route(
    client, make_brand, make_creator, make_campaign, session, method, action, body
):
    owner = make_brand()
    c = make_campaign(owner, state="published" if action == "/complete" else "funded")
    url = URL if action is None else item(c, action)
    kwargs = {"json": body} if body is not None else {}
    creator = make_creator()
    garbage = ApiUser(client, "not-a-real-token-" + "x" * 30, 0, 0)

    assert_error(getattr(creator, method)(url, **kwargs), 403)
    assert_error(getattr(client, method)(url, **kwargs), 401)
    assert_error(getattr(garbage, method)(url, **kwargs), 401)
    basic = {"Authorization": "Basic dXNlcjpwYXNz"}
    assert_error(getattr(client, method)(url, headers=basic, **kwargs), 401)
    assert_error(getattr(client, method)(url, headers={"Authorization": "Bearer "}, **kwargs), 401)

    assert owner.get(item(c)).json == c
    assert count_rows(session, Campaign) == 1
