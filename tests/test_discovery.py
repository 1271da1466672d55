"""Discovery (``GET /api/v1/creators``): who appears, what each filter does, the ranking by the
matching's fit model, pagination, the tenant wall, and the search index kept in step."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from accounts.models import Brand, Creator
from collaborations import discovery
from core.fit_words import fit_label
from matching.market.fit import fit_breakdown
from tests.factories import profile_body, update_row
from tests.helpers import MISSING_ID, assert_error

URL = "/api/v1/creators"

TARGET = {
    "interests": {"skincare": 0.7, "makeup": 0.3},
    "gender": {"female": 0.8, "male": 0.2},
    "city_tiers": {"1": 0.5, "2": 0.3, "3": 0.2},
    "age": {"18-24": 0.4, "25-34": 0.4, "35-44": 0.2},
}
LIKE_TARGET = TARGET
SOME_SKINCARE = {
    "interests": {"skincare": 0.3, "fashion": 0.7},
    "gender": {"female": 0.4, "male": 0.6},
    "city_tiers": {"1": 0.2, "4": 0.8},
    "age": {"25-34": 0.3, "45+": 0.7},
}
NO_SHARED_INTEREST = {
    "interests": {"food": 0.6, "cooking": 0.4},
    "gender": {"female": 0.8, "male": 0.2},
    "city_tiers": {"1": 0.5, "2": 0.3, "3": 0.2},
    "age": {"18-24": 0.4, "25-34": 0.4, "35-44": 0.2},
}


def creator_with(
    make_creator: Any,
    handle: str,
    *,
    categories: tuple[str, ...] = ("skincare",),
    open_: bool = True,
    **profile: Any,
) -> Any:
    """A creator signed up through the API with a complete profile, opted in to ``categories``."""
    creator = make_creator(handle)
    r = creator.patch("/api/v1/creators/me", json=profile_body(**profile))
    assert r.status_code == 200, r.get_json()
    if open_:
        r = creator.put(
            "/api/v1/creators/me/availability",
            json={"open": True, "until": None, "categories": list(categories)},
        )
        assert r.status_code == 200, r.get_json()
    return creator


def handles(response: Any) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["handle"] for item in response.get_json()["items"]]


@pytest.fixture
def brand(make_brand: Any) -> Any:
    return make_brand("Lumen Skin")


def test_only_open_creators_who_accept_the_category_and_are_not_blocked_appear(
    brand, make_creator, session
):
    creator_with(make_creator, "open.skin")
    creator_with(make_creator, "closed.skin", open_=False)
    creator_with(make_creator, "food.only", categories=("food",))
    blocked = creator_with(make_creator, "blocked.skin")
    lapsed = creator_with(make_creator, "lapsed.skin")
    update_row(session, Creator, lapsed.id, open_until=date.today() - timedelta(days=1))
    r = brand.post("/api/v1/brands/me/blocks", json={"creator_id": blocked.id, "reason": "No."})
    assert r.status_code == 201, r.get_json()

    assert handles(brand.get(URL, query_string={"category": "skincare"})) == ["open.skin"]
    assert sorted(handles(brand.get(URL))) == ["food.only", "open.skin"]
    body = brand.get(URL, query_string={"category": "food"}).get_json()
    assert [i["handle"] for i in body["items"]] == ["food.only"] and body["total"] == 1


def test_without_a_campaign_the_largest_following_comes_first_and_pages_hold(brand, make_creator):
    for n, followers in enumerate([5_000, 80_000, 20_000, 300_000, 1_500]):
        creator_with(make_creator, f"kk{n}", followers=followers)

    first = brand.get(URL, query_string={"page_size": 2}).get_json()
    second = brand.get(URL, query_string={"page_size": 2, "page": 2}).get_json()
    third = brand.get(URL, query_string={"page_size": 2, "page": 3}).get_json()

    assert [i["handle"] for i in first["items"]] == ["kk3", "kk1"]
    assert [i["handle"] for i in second["items"]] == ["kk2", "kk0"]
    assert [i["handle"] for i in third["items"]] == ["kk4"]
    assert (first["total"], first["pages"], first["page_size"]) == (5, 3, 2)
    assert all(i["fit"] is None and i["expected_value"] is None for i in first["items"])


def test_each_filter_changes_the_result(brand, make_creator, session):
    base = creator_with(make_creator, "base")  # 12k followers, 400 EUR, factory audience
    creator_with(make_creator, "big", followers=250_000)
    creator_with(make_creator, "pricey", rate={"amount": 250_000, "currency": "EUR"})
    creator_with(make_creator, "dollars", rate={"amount": 40_000, "currency": "USD"})
    creator_with(
        make_creator, "men", audience={**LIKE_TARGET, "gender": {"male": 0.9, "female": 0.1}}
    )
    creator_with(
        make_creator, "tier4", audience={**LIKE_TARGET, "city_tiers": {"4": 0.7, "5": 0.3}}
    )
    creator_with(make_creator, "older", audience={**LIKE_TARGET, "age": {"45+": 0.8, "35-44": 0.2}})
    creator_with(make_creator, "foodie", audience=NO_SHARED_INTEREST)
    reliable = creator_with(make_creator, "reliable")
    # Reliability is measured by the platform: counters as a history of offers would leave them.
    update_row(
        session, Creator, reliable.id, replies_due=10, replies_in_time=10,
        deliveries_due=4, deliveries_on_time=4, verified=True,
    )  # fmt: skip
    update_row(
        session, Creator, base.id, replies_due=10, replies_in_time=5,
        deliveries_due=4, deliveries_on_time=1,
    )  # fmt: skip
    everyone = set(handles(brand.get(URL, query_string={"page_size": 100})))
    assert len(everyone) == 9

    cases: list[tuple[dict[str, Any], set[str]]] = [
        ({"min_followers": 100_000}, {"big"}),
        ({"max_followers": 100_000}, everyone - {"big"}),
        ({"max_rate": 100_000, "currency": "EUR"}, everyone - {"pricey", "dollars"}),
        ({"min_rate": 100_000, "currency": "EUR"}, {"pricey"}),
        ({"currency": "USD"}, {"dollars"}),
        ({"interest": "food"}, {"foodie"}),
        ({"interest": ["food", "skincare"], "min_interest_share": 0.5}, everyone),
        ({"interest": "makeup", "min_interest_share": 0.35}, {"base", "big", "pricey", "dollars",
                                                             "reliable"}),
        ({"gender": "male"}, {"men"}),
        ({"gender": "female", "min_gender_share": 0.75}, everyone - {"men", "base", "big",
                                                                     "pricey", "dollars",
                                                                     "reliable"}),
        ({"city_tier": ["4", "5"]}, {"tier4"}),
        ({"age": "45+"}, {"older"}),
        ({"age": ["18-24", "25-34"], "min_age_share": 0.7}, everyone - {"older"}),
        ({"min_reply_rate": 0.9}, {"reliable"}),
        ({"min_reply_rate": 0.5}, {"reliable", "base"}),
        ({"min_on_time_rate": 0.5}, {"reliable"}),
        ({"verified": "true"}, {"reliable"}),
    ]  # fmt: skip
    for query, expected in cases:
        got = set(handles(brand.get(URL, query_string={**query, "page_size": 100})))
        assert got == expected, (query, got)


def test_ranked_by_the_matchings_fit_with_expected_audience_and_price_per_person(
    brand, make_creator, make_campaign
):
    creator_with(make_creator, "near", audience=LIKE_TARGET, followers=10_000)
    creator_with(make_creator, "partial", audience=SOME_SKINCARE, followers=500_000)
    creator_with(make_creator, "unrelated", audience=NO_SHARED_INTEREST, followers=400_000)
    campaign = make_campaign(brand, target_audience=TARGET)

    body = brand.get(URL, query_string={"campaign_id": campaign["id"]}).get_json()

    assert [i["handle"] for i in body["items"]] == ["near", "partial"]  # no shared interest: out
    assert body["total"] == 1 + 1
    for item, audience, followers in (
        (body["items"][0], LIKE_TARGET, 10_000),
        (body["items"][1], SOME_SKINCARE, 500_000),
    ):
        expected = fit_breakdown(audience, TARGET)
        assert item["fit"] == round(expected["fit"], 4)
        assert item["fit_details"]["relevance"] == round(expected["relevance"], 4)
        assert item["campaign_id"] == campaign["id"]
        people = round(followers * 0.05 * expected["fit"])
        assert item["expected_value"] == people
        assert item["price_per_engaged"] == {
            "amount": max(1, round(40_000 / people)),
            "currency": "EUR",
        }
    assert body["items"][0]["fit"] == pytest.approx(1.0, abs=1e-6)  # computed from shares


def test_an_audience_entirely_outside_a_demographic_part_has_no_fit_and_is_not_counted(
    brand, make_creator, make_campaign
):
    creator_with(make_creator, "near", audience=LIKE_TARGET)
    # Shares the interests, but nobody in the target's age bands: fit 0.
    creator_with(make_creator, "seniors", audience={**LIKE_TARGET, "age": {"45+": 1.0}})
    campaign = make_campaign(brand, target_audience=TARGET)
    assert fit_breakdown({**LIKE_TARGET, "age": {"45+": 1.0}}, TARGET)["fit"] == 0

    body = brand.get(URL, query_string={"campaign_id": campaign["id"]}).get_json()

    assert [i["handle"] for i in body["items"]] == ["near"] and body["total"] == 1


def test_the_threshold_ranking_equals_scoring_everyone(
    brand, make_creator, make_campaign, monkeypatch
):
    """Small batches force several rounds of the threshold algorithm; every page must equal
    the order a full scan by ``fit_breakdown`` gives."""
    rng = random.Random(4)
    tags = ["skincare", "makeup", "fashion", "food"]
    audiences = {}
    for n in range(24):
        raw = {t: rng.random() ** 2 for t in rng.sample(tags, rng.randint(1, 3))}
        interests = {t: round(v / sum(raw.values()), 3) for t, v in raw.items()}
        drift = round(sum(interests.values()) - 1, 3)
        first = next(iter(interests))
        interests[first] = round(interests[first] - drift, 3)
        female = round(rng.uniform(0.1, 0.9), 2)
        audience = {
            "interests": interests,
            "gender": {"female": female, "male": round(1 - female, 2)},
            "city_tiers": {"1": 0.5, "2": 0.5} if n % 2 else {"3": 0.6, "4": 0.4},
            "age": {"18-24": 0.5, "25-34": 0.5} if n % 3 else {"35-44": 0.5, "45+": 0.5},
        }
        if n % 5 == 0:  # outside China: tiers do not describe it, so any tier target matches
            del audience["city_tiers"]
            audience["countries"] = {"DE": 1.0}
        audiences[f"rr{n}"] = audience
        creator_with(make_creator, f"rr{n}", audience=audience, followers=1_000 + n)
    # Loud: all skincare (the highest bound) but the wrong people; quiet: half the interest
    # and exactly the target's people, so it beats all of them from far down the bound order.
    loud = {
        "interests": {"skincare": 1.0},
        "gender": {"male": 1.0},
        "city_tiers": {"3": 1.0},
        "age": {"35-44": 1.0},
    }
    for n in range(10):
        audiences[f"loud{n}"] = loud
        creator_with(make_creator, f"loud{n}", audience=loud)
    audiences["quiet"] = {**TARGET, "interests": {"skincare": 0.55, "food": 0.45}}
    creator_with(make_creator, "quiet", audience=audiences["quiet"])
    # Far: the quiet one's people, living in Germany (no tiers): tiers cannot count against it,
    # so its fit is the quiet one's, though its tier columns are all 0.
    far = {k: v for k, v in audiences["quiet"].items() if k != "city_tiers"}
    audiences["far"] = {**far, "interests": {"skincare": 0.6, "food": 0.4}, "countries": {"DE": 1}}
    creator_with(make_creator, "far", audience=audiences["far"])
    campaign = make_campaign(brand, target_audience=TARGET)
    scored = sorted(
        ((fit_breakdown(a, TARGET)["fit"], h) for h, a in audiences.items()),
        key=lambda x: -x[0],
    )
    expected = [h for f, h in scored if f > 0]
    # One candidate in the first batch, then 2, 4, ...: the stopping rule decides.
    monkeypatch.setattr(discovery, "MIN_BATCH", 1)
    monkeypatch.setattr(discovery, "BATCH_PER_RESULT", 0.01)

    got: list[str] = []
    for page in (1, 2, 3, 4):
        body = brand.get(
            URL, query_string={"campaign_id": campaign["id"], "page": page, "page_size": 4}
        ).get_json()
        assert body["total"] == len(expected)
        got += [i["handle"] for i in body["items"]]
        fits = [i["fit"] for i in body["items"]]
        assert fits == sorted(fits, reverse=True)

    assert len(got) == len(set(got)) == min(16, len(expected))
    assert got.index("quiet") == expected.index("quiet") < 8
    assert got.index("far") == expected.index("far") < 8
    # Equal fits may come in either order; the fits, position by position, must agree.
    by_handle = dict((h, f) for f, h in scored)
    assert [round(by_handle[h], 4) for h in got] == [round(f, 4) for f, _ in scored[: len(got)]]


# Audience templates for the brute-force comparison: each is given to several creators, so
# equal fits (ties, ordered by creator id) are certain; two lie outside the target altogether.
TEMPLATES: list[dict[str, dict[str, float]]] = [
    TARGET,
    SOME_SKINCARE,
    {**TARGET, "interests": {"makeup": 0.5, "food": 0.5}},
    {**TARGET, "interests": {"skincare": 1.0}, "gender": {"male": 1.0}},
    {**SOME_SKINCARE, "city_tiers": {"1": 0.6, "2": 0.4}, "age": {"18-24": 1.0}},
    {**TARGET, "interests": {"skincare": 0.35, "fashion": 0.65}, "gender": {"female": 1.0}},
    {k: v for k, v in TARGET.items() if k != "city_tiers"} | {"countries": {"DE": 1.0}},
    NO_SHARED_INTEREST,
    {**TARGET, "age": {"45+": 1.0}},
]


def _passes(c: dict[str, Any], query: dict[str, Any]) -> bool:
    """The filters of the comparison, written out in Python from their documented meaning."""
    a = c["audience"]
    on_time = c["on_time"] / c["due"] if c["due"] else None
    return (
        query.get("min_followers", 0) <= c["followers"] <= query.get("max_followers", 10**9)
        and c["rate"] <= query.get("max_rate", 10**9)
        and (
            "min_on_time_rate" not in query
            or (on_time is not None and on_time >= query["min_on_time_rate"])
        )
        and (
            "gender" not in query
            or a["gender"].get(query["gender"], 0) >= query["min_gender_share"]
        )
        and (
            "city_tier" not in query
            or sum(a.get("city_tiers", {}).get(t, 0) for t in query["city_tier"])
            >= query["min_city_tier_share"]
        )
    )


@pytest.mark.parametrize("small_batches", [False, True], ids=["one batch", "many rounds"])
def test_the_ranking_with_filters_equals_a_brute_force_scan_ties_included(
    brand, make_creator, make_campaign, session, monkeypatch, small_batches
):
    """Every page, under every filter, equals scoring every creator by ``fit_breakdown``,
    filtering in Python and ordering by (fit desc, id): ties are broken by id, pages neither
    skip nor repeat anyone, and ``total`` counts exactly the creators with a fit above 0."""
    rng = random.Random(11)
    market: dict[str, dict[str, Any]] = {}
    for n in range(36):
        audience = TEMPLATES[n % len(TEMPLATES)]
        followers = rng.choice([1_500, 8_000, 40_000, 250_000])
        rate = rng.choice([20_000, 60_000, 120_000])
        handle = f"bf{n}"
        categories = ("food",) if n % 11 == 10 else ("skincare",)  # a few elsewhere
        creator = creator_with(
            make_creator, handle, categories=categories, audience=audience,
            followers=followers, rate={"amount": rate, "currency": "EUR"},
        )  # fmt: skip
        due = rng.choice([0, 4, 10])
        on_time = rng.randint(0, due)
        update_row(session, Creator, creator.id, deliveries_due=due, deliveries_on_time=on_time)
        if categories == ("skincare",):
            market[handle] = {
                "id": creator.id, "audience": audience, "followers": followers,
                "rate": rate, "due": due, "on_time": on_time,
            }  # fmt: skip
    campaign = make_campaign(brand, target_audience=TARGET)
    fits = {h: fit_breakdown(c["audience"], TARGET)["fit"] for h, c in market.items()}
    distinct = sorted(set(fits.values()))
    assert all(b - a > 1e-6 for a, b in zip(distinct, distinct[1:], strict=False))
    assert len(distinct) < len(fits) and 0.0 in distinct  # ties, and creators with no fit
    if small_batches:
        monkeypatch.setattr(discovery, "MIN_BATCH", 1)
        monkeypatch.setattr(discovery, "BATCH_PER_RESULT", 0.01)

    queries: list[dict[str, Any]] = [
        {},
        {"min_followers": 5_000, "max_followers": 100_000},
        {"max_rate": 60_000, "min_on_time_rate": 0.5},
        {"gender": "female", "min_gender_share": 0.6},
        {"city_tier": ["1", "2"], "min_city_tier_share": 0.5, "max_rate": 120_000},
    ]
    for query in queries:
        expected = [
            h
            for h in sorted(market, key=lambda h: (-fits[h], market[h]["id"]))
            if fits[h] > 0 and _passes(market[h], query)
        ]
        assert expected, query
        got: list[str] = []
        for page in range(1, 20):
            body = brand.get(
                URL,
                query_string={**query, "campaign_id": campaign["id"], "page": page,
                              "page_size": 5},
            ).get_json()  # fmt: skip
            assert body["total"] == len(expected), query
            got += [i["handle"] for i in body["items"]]
            if page >= body["pages"]:
                break
        assert got == expected, query


@pytest.mark.postgresql_only
def test_a_search_is_planned_for_its_values_only_inside_its_transaction(app, brand, session):
    """A search's statements get custom plans (a generic plan of a prepared search cannot see
    the category's size or the filters' selectivity: 3-4x slower at 100k creators, see
    BENCHMARKS.md) and room to sort, and neither setting outlives the request's transaction."""
    defaults = session.execute(text("SHOW plan_cache_mode")).scalar()
    session.commit()
    row = session.get(Brand, brand.id)
    assert row is not None

    discovery.search_creators(session, row, discovery.CreatorFilters(category="skincare"))

    assert session.execute(text("SHOW plan_cache_mode")).scalar() == "force_custom_plan"
    assert session.execute(text("SHOW work_mem")).scalar() == discovery.SEARCH_WORK_MEM
    session.commit()
    assert (
        session.execute(text("SHOW plan_cache_mode")).scalar() == defaults != ("force_custom_plan")
    )


def test_another_brands_campaign_is_a_404_and_bad_filters_are_422s(
    brand, make_brand, make_campaign
):
    rival = make_brand("Rival Beauty")
    theirs = make_campaign(rival)
    mine = make_campaign(brand)

    assert_error(brand.get(URL, query_string={"campaign_id": theirs["id"]}), 404)
    assert_error(brand.get(URL, query_string={"campaign_id": MISSING_ID}), 404)
    assert_error(
        brand.get(URL, query_string={"campaign_id": mine["id"], "category": "food"}),
        422,
        "category",
    )
    assert_error(brand.get(URL, query_string={"max_rate": 50_000}), 422, "currency")
    assert_error(
        brand.get(URL, query_string={"min_followers": 10, "max_followers": 5}), 422, "max_followers"
    )
    assert_error(brand.get(URL, query_string={"interest": "knitting"}), 422, "interest")
    assert_error(brand.get(URL, query_string={"gender": "other"}), 422, "gender")
    assert_error(brand.get(URL, query_string={"min_reply_rate": 2}), 422, "min_reply_rate")
    assert_error(brand.get(URL, query_string={"sort": "fit"}), 422, "sort")


def test_only_brands_search(make_creator, client):
    creator = creator_with(make_creator, "mia")
    assert creator.get(URL).status_code == 403
    assert client.get(URL).status_code == 401


def test_contact_details_never_appear(brand, make_creator, make_campaign, session):
    creator = creator_with(make_creator, "mia.glow", audience=LIKE_TARGET)
    update_row(session, Creator, creator.id, stripe_account_id="acct_secret123")
    campaign = make_campaign(brand, target_audience=TARGET)

    for query in ({}, {"campaign_id": campaign["id"]}):
        r = brand.get(URL, query_string=query)
        text = r.get_data(as_text=True)
        assert "mia.glow" in text
        assert "@example.com" not in text and "acct_secret123" not in text
        item = r.get_json()["items"][0]
        assert not {"email", "account", "account_id", "stripe_account_id", "payouts_enabled",
                    "sponsored_share", "weekly_capacity"} & set(item)  # fmt: skip


def test_the_index_follows_a_creators_profile_and_opt_in_changes(
    brand, make_creator, make_campaign
):
    creator = creator_with(make_creator, "switcher", audience=NO_SHARED_INTEREST)
    campaign = make_campaign(brand, target_audience=TARGET)
    ranked = {"campaign_id": campaign["id"]}
    assert handles(brand.get(URL, query_string=ranked)) == []

    r = creator.patch("/api/v1/creators/me", json={"audience": LIKE_TARGET})
    assert r.status_code == 200, r.get_json()
    assert handles(brand.get(URL, query_string=ranked)) == ["switcher"]
    assert handles(brand.get(URL, query_string={"interest": "food"})) == []

    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["food"]},
    )
    assert r.status_code == 200, r.get_json()
    assert handles(brand.get(URL, query_string=ranked)) == []  # no longer takes skincare
    assert handles(brand.get(URL, query_string={"category": "food"})) == ["switcher"]


def test_leanings_follow_a_profile_change_and_a_partial_profile(brand, make_creator, session):
    """The leaning filters read the demographic columns; a profile edit rewrites them, and a
    part the profile leaves out counts as nobody in it."""
    creator = creator_with(make_creator, "shifter", audience=LIKE_TARGET)
    men, tier4 = {"gender": "male"}, {"city_tier": ["4"]}
    assert handles(brand.get(URL, query_string=men)) == []

    r = creator.patch("/api/v1/creators/me", json={"audience": SOME_SKINCARE})
    assert r.status_code == 200, r.get_json()
    assert handles(brand.get(URL, query_string=men)) == ["shifter"]
    assert handles(brand.get(URL, query_string=tier4)) == ["shifter"]
    row = session.get(Creator, creator.id)
    assert (row.aud_gender_male, row.aud_city_tier_4, row.aud_age_45_plus) == (0.6, 0.8, 0.7)

    # A profile written before the demographic parts were required (the API now asks for all).
    row.audience = {"interests": {"skincare": 1.0}}
    session.commit()
    assert handles(brand.get(URL, query_string=men)) == []
    session.expire_all()
    assert (row.aud_gender_male, row.aud_city_tier_4, row.aud_age_45_plus) == (0.0, 0.0, 0.0)


# --- the dashboard's "Find creators" page ------------------------------------------------------


@pytest.fixture
def dash(app: Any) -> Any:
    from tests.e2e.dashboard_helpers import Dash

    d = Dash(app)
    d.signup("Lumen Skin", "lumen@example.com")
    return d


def test_the_page_ranks_for_the_newest_campaign_and_links_profile_and_invite(
    dash, make_creator, session
):
    from campaigns.models import Campaign
    from tests.e2e.dashboard_helpers import create_campaign
    from tests.factories import fresh

    creator_with(make_creator, "near", audience=LIKE_TARGET, followers=10_000)
    creator_with(make_creator, "partial", audience=SOME_SKINCARE, followers=500_000)
    creator_with(make_creator, "unrelated", audience=NO_SHARED_INTEREST)
    create_campaign(dash, title="Older campaign")
    campaign_id = create_campaign(dash, title="Winter barrier serum")
    target = fresh(session, Campaign, campaign_id).target_audience

    r = dash.get("/dashboard/creators")

    page = r.get_data(as_text=True)
    assert r.status_code == 200, page[:500]
    assert 'href="/dashboard/creators" aria-current="page">Find creators' in page
    assert "2 creators for “Winter barrier serum”, best fit first" in page
    assert page.index("@near") < page.index("@partial") and "@unrelated" not in page
    fit = fit_breakdown(LIKE_TARGET, target)["fit"]
    assert f'data-testid="fit">{fit_label(fit)}<' in page
    people = round(10_000 * 0.05 * fit)
    assert f'data-testid="expected">≈ {people:,}<' in page
    assert "€400.00" in page  # the rate
    near = fresh(session, Creator, session.scalar(
        __import__("sqlalchemy").select(Creator.id).where(Creator.handle == "near")
    ))  # fmt: skip
    profile = f"/dashboard/creators/{near.id}?campaign_id={campaign_id}"
    assert f'href="{profile}"' in page
    assert f'data-testid="invite" href="{profile}#invite"' in page
    assert "<script>" not in page and "style=" not in page  # the CSP allows neither


def test_the_page_filters_browses_paginates_and_explains_an_empty_result(dash, make_creator):
    from tests.e2e.dashboard_helpers import create_campaign

    for n in range(14):
        creator_with(make_creator, f"many{n}", followers=1_000 + n)
    creator_with(make_creator, "pricey", rate={"amount": 250_000, "currency": "EUR"})
    create_campaign(dash, title="Winter barrier serum")

    browse = dash.get("/dashboard/creators", query_string={"campaign_id": ""})
    text = browse.get_data(as_text=True)
    assert "15 creators, largest following first" in text and 'data-testid="invite"' not in text
    assert "Page 1 of 2" in text
    assert 'rel="next" href="/dashboard/creators?campaign_id=&amp;page=2"' in text
    second = dash.get("/dashboard/creators", query_string={"campaign_id": "", "page": "2"})
    assert "Page 2 of 2" in second.get_data(as_text=True)
    assert second.get_data(as_text=True).count('data-testid="found-creator"') == 15 - 12

    cheap = dash.get(
        "/dashboard/creators",
        query_string={"campaign_id": "", "max_price": "500", "currency": "EUR"},
    ).get_data(as_text=True)
    assert "14 creators" in cheap and "@pricey" not in cheap
    pricey = dash.get(
        "/dashboard/creators",
        query_string={"campaign_id": "", "min_price": "2000", "currency": "EUR"},
    ).get_data(as_text=True)
    assert "1 creator," in pricey and "@pricey" in pricey

    empty = dash.get("/dashboard/creators", query_string={"min_followers": "10000000"})
    text = empty.get_data(as_text=True)
    assert empty.status_code == 200 and "No creator found" in text
    assert "Widen the follower or price range" in text

    bad = dash.get("/dashboard/creators", query_string={"campaign_id": "", "max_price": "abc"})
    assert bad.status_code == 200 and "“abc” is not an amount" in bad.get_data(as_text=True)


def test_the_page_answers_404_for_another_brands_campaign(dash, make_brand, make_campaign):
    theirs = make_campaign(make_brand("Rival Beauty"))
    r = dash.get("/dashboard/creators", query_string={"campaign_id": theirs["id"]})
    assert r.status_code == 404
    assert theirs["title"] not in r.get_data(as_text=True)
