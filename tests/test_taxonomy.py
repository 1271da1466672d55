"""The taxonomy as data: served at GET /api/v1/taxonomy, managed by operators (CLI and page),
checked on every write, and read by the fit; and country targeting in the match run."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import create_engine, inspect, text

from campaigns.models import Campaign
from cli import alembic_config
from matching.runs import iso_week
from taxonomy.seed import CATEGORIES, TAGS
from tests.conftest import ApiUser, operator_user
from tests.e2e.dashboard_helpers import OPERATOR_EMAIL, Dash, create_campaign, make_operator
from tests.factories import profile_body
from tests.helpers import assert_error
from tests.test_migrations import scratch_url  # noqa: F401 - the scratch database fixture

ORIGINAL_TAGS = (
    "skincare", "makeup", "fashion", "streetwear", "food", "cooking", "coffee", "travel",
    "fitness", "yoga", "parenting", "tech", "gadgets", "home", "interior", "pets", "gaming",
    "finance", "outdoors", "books", "music", "wellness", "photography", "sustainability",
)  # fmt: skip
ORIGINAL_CATEGORIES = (
    "beauty", "skincare", "fashion", "food", "travel", "fitness", "parenting",
    "tech", "home", "pets", "gaming", "finance", "outdoors", "wellness",
)  # fmt: skip
DEMOGRAPHICS = {
    "gender": {"female": 0.6, "male": 0.4},
    "city_tiers": {"1": 0.5, "2": 0.3, "3": 0.2},
    "age": {"18-24": 0.3, "25-34": 0.5, "35-44": 0.2},
}


def _cli(app, *args: str) -> Any:
    result = app.test_cli_runner().invoke(args=["taxonomy", *args])
    assert result.exit_code == 0, result.output
    return result


def _slugs(items: list[dict[str, Any]]) -> set[str]:
    return {i["slug"] for i in items}


def test_the_taxonomy_is_public_revalidated_by_etag_and_documented(client):
    r = client.get("/api/v1/taxonomy")
    assert r.status_code == 200
    body = r.json
    assert len(body["interests"]) == len(TAGS) == 150
    assert len(body["categories"]) == len(CATEGORIES) == 19
    # a superset of what the code held, and beauty is both a category and an interest
    assert set(ORIGINAL_TAGS) <= _slugs(body["interests"])
    assert set(ORIGINAL_CATEGORIES) <= _slugs(body["categories"])
    assert "beauty" in _slugs(body["interests"]) and "beauty" in _slugs(body["categories"])
    makeup = next(t for t in body["interests"] if t["slug"] == "makeup")
    assert makeup == {
        "slug": "makeup", "category": "beauty", "name": "Makeup", "names": {"en": "Makeup"},
        "active": True,
    }  # fmt: skip
    assert "DE" in body["countries"] and "CN" in body["countries"]
    assert r.headers["Cache-Control"] == "public, no-cache"
    etag = r.headers["ETag"]
    again = client.get("/api/v1/taxonomy", headers={"If-None-Match": etag})
    assert again.status_code == 304 and again.data == b""
    german = client.get("/api/v1/taxonomy?lang=de").json
    food = next(c for c in german["categories"] if c["slug"] == "food")
    assert food["name"] == "Essen & Trinken"
    assert_error(client.get("/api/v1/taxonomy?lang=<x>"), 422, "lang")

    spec = client.get("/api/v1/openapi.json").json
    get = spec["paths"]["/api/v1/taxonomy"]["get"]
    assert "security" not in get or get["security"] == []
    example = get["responses"]["200"]["content"]["application/json"]["example"]
    assert {"makeup", "beauty"} <= _slugs(example["interests"])
    audience = spec["components"]["schemas"]["CampaignInput"]["properties"]["target_audience"]
    assert "taxonomy" in audience["properties"]["interests"]["description"]
    assert "countries" in audience["properties"]


def test_a_tag_added_in_the_cli_is_usable_at_once_in_the_api_and_the_form(
    app, make_app, client, make_creator
):
    creator = make_creator()
    before = client.get("/api/v1/taxonomy")
    audience = {"interests": {"cold-brew": 0.7, "coffee": 0.3}, **DEMOGRAPHICS}
    r = creator.patch("/api/v1/creators/me", json=profile_body(audience=audience))
    assert "Unknown interest tags ['cold-brew']" in str(assert_error(r, 422, "audience"))

    # Another process (its own app and cache) adds the tag; this one sees it on its next request.
    _cli(make_app(), "add-tag", "cold-brew", "--category", "food", "--name", "Cold brew",
         "--name-in", "de=Cold Brew")  # fmt: skip

    after = client.get("/api/v1/taxonomy", headers={"If-None-Match": before.headers["ETag"]})
    assert after.status_code == 200 and after.json["version"] > before.json["version"]
    tag = next(t for t in after.json["interests"] if t["slug"] == "cold-brew")
    assert tag["category"] == "food" and tag["names"] == {"en": "Cold brew", "de": "Cold Brew"}
    r = creator.patch("/api/v1/creators/me", json=profile_body(audience=audience))
    assert r.status_code == 200, r.json
    assert r.json["audience"]["interests"]["cold-brew"] == 0.7

    dash = Dash(app)
    dash.signup("Bean Theory", "bean@example.com")
    page = dash.get("/dashboard/campaigns/new").get_data(as_text=True)
    assert 'name="interest_cold-brew"' in page and "Cold brew" in page
    campaign_id = create_campaign(
        dash, category="food", interest_skincare="0", interest_makeup="0",
        **{"interest_cold-brew": "3", "interest_coffee": "1"},
    )  # fmt: skip
    with app.app_context():
        db = app.extensions["dandelion.db"].read_session_factory()
        target = db.get(Campaign, campaign_id).target_audience
        db.close()
    assert target["interests"] == {"cold-brew": 0.75, "coffee": 0.25}


def test_the_operator_page_adds_and_retires_tags(app):
    make_operator(app)
    ops = Dash(app)
    ops.login(OPERATOR_EMAIL)
    page = ops.get("/dashboard/operator/taxonomy").get_data(as_text=True)
    assert "150 interests" in page and "Sun care" in page
    r = ops.post(
        "/dashboard/operator/taxonomy",
        {"tag-slug": "oat-milk", "tag-category": "food", "tag-name": "Oat milk", "tag-submit": "y"},
        page="/dashboard/operator/taxonomy",
    )
    assert r.status_code == 303, r.get_data(as_text=True)
    dup = ops.post(
        "/dashboard/operator/taxonomy",
        {"tag-slug": "oat-milk", "tag-category": "food", "tag-name": "Oat", "tag-submit": "y"},
        page="/dashboard/operator/taxonomy",
    )
    assert dup.status_code == 422 and "Already exists." in dup.get_data(as_text=True)
    r = ops.post(
        "/dashboard/operator/taxonomy/retire-tag/coffee", page="/dashboard/operator/taxonomy"
    )
    assert r.status_code == 303
    listed = app.test_client().get("/api/v1/taxonomy?include_retired=true").json["interests"]
    by_slug = {t["slug"]: t for t in listed}
    assert by_slug["oat-milk"]["active"] is True and by_slug["coffee"]["active"] is False
    # brands do not reach the page
    brand = Dash(app)
    brand.signup("Glow Labs", "glow@example.com")
    assert brand.get("/dashboard/operator/taxonomy").status_code in (403, 404)


def _open_creator(make_creator, interests: dict[str, float], **audience: Any) -> ApiUser:
    creator = make_creator()
    body = profile_body(
        categories=["food", "skincare"],
        audience={"interests": interests, **DEMOGRAPHICS, **audience},
        followers=50_000,
    )
    r = creator.patch("/api/v1/creators/me", json=body)
    assert r.status_code == 200, r.json
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["food", "skincare"]},
    )
    assert r.status_code == 200, r.json
    return creator


def _weekly_run(app, client) -> None:
    ops = operator_user(app, client)
    r = ops.post("/api/v1/match-runs", json={"week": iso_week(date.today())})
    assert r.status_code == 202, r.json
    assert ops.get(f"/api/v1/match-runs/{r.json['id']}").json["status"] == "succeeded"


def _offered(brand: ApiUser, campaign_id: int) -> set[int]:
    items = brand.get(f"/api/v1/campaigns/{campaign_id}/offers?page_size=100").json["items"]
    return {o["creator"]["id"] for o in items}


def test_a_retired_tag_stays_readable_keeps_counting_and_cannot_be_written(
    app, client, make_creator, make_brand, make_campaign
):
    interests = {"coffee": 0.7, "cooking": 0.3}
    creator = _open_creator(make_creator, interests)
    brand = make_brand()
    target = {"interests": {"coffee": 1.0}, **DEMOGRAPHICS}
    campaign = make_campaign(
        brand, state="published", category="food", competitor_group=None, target_audience=target
    )
    _cli(app, "retire-tag", "coffee")

    me = creator.get("/api/v1/creators/me").json
    assert me["audience"]["interests"] == interests  # stored profiles are untouched
    r = creator.patch("/api/v1/creators/me", json={"audience": me["audience"]})
    message = str(assert_error(r, 422, "audience"))
    assert "Retired interest tags ['coffee']" in message
    r = brand.post("/api/v1/campaigns", json={**_body(target)})
    assert "Retired interest tags ['coffee']" in str(assert_error(r, 422, "target_audience"))
    assert "coffee" not in _slugs(client.get("/api/v1/taxonomy").json["interests"])
    # searching reads stored profiles: a retired tag may still be searched for
    found = brand.get("/api/v1/creators?interest=coffee&category=food")
    assert found.status_code == 200 and found.json["total"] == 1

    # The fit still counts it: the stored campaign and profile still match.
    _weekly_run(app, client)
    assert _offered(brand, campaign["id"]) == {creator.id}

    _cli(app, "restore-tag", "coffee")
    r = creator.patch("/api/v1/creators/me", json={"audience": me["audience"]})
    assert r.status_code == 200, r.json


def _body(target: dict[str, Any], **overrides: Any) -> dict[str, Any]:
    from tests.conftest import campaign_body

    return campaign_body(
        category="food", competitor_group=None, target_audience=target, **overrides
    )


def test_a_retired_category_cannot_be_chosen_but_stays_on_campaigns(app, make_brand, make_campaign):
    brand = make_brand()
    target = {"interests": {"coffee": 1.0}, **DEMOGRAPHICS}
    kept = make_campaign(brand, category="food", competitor_group=None, target_audience=target)
    _cli(app, "retire-category", "food")
    r = brand.post("/api/v1/campaigns", json=_body(target))
    assert "retired" in str(assert_error(r, 422, "category"))
    assert brand.get(f"/api/v1/campaigns/{kept['id']}").json["category"] == "food"
    r = brand.patch(f"/api/v1/campaigns/{kept['id']}", json={"title": "Still food"})
    assert r.status_code == 200, r.json


def test_country_targeting_decides_who_gets_offers_in_a_match_run(
    app, client, make_creator, make_brand, make_campaign
):
    interests = {"coffee": 0.6, "cooking": 0.4}
    german = _open_creator(make_creator, interests, countries={"DE": 0.9, "AT": 0.1})
    french = _open_creator(make_creator, interests, countries={"FR": 1.0})
    unknown = _open_creator(make_creator, interests)  # a profile from before countries existed
    brand = make_brand()
    # Tiers are China's: a target for Germany needs none (and a German audience neither).
    dach = {"interests": {"coffee": 1.0}, "gender": DEMOGRAPHICS["gender"],
            "age": DEMOGRAPHICS["age"], "countries": {"DE": 1.0}}  # fmt: skip
    germany = make_campaign(
        brand, state="published", category="food", competitor_group=None, target_audience=dach,
        budget={"amount": 1_000_000, "currency": "EUR"}, slots=3,
    )  # fmt: skip
    anywhere = make_campaign(
        brand, state="published", category="food", competitor_group=None,
        target_audience={"interests": {"coffee": 1.0}, **DEMOGRAPHICS},
        budget={"amount": 1_000_000, "currency": "EUR"}, slots=3,
    )  # fmt: skip
    # Search ranks by the same fit: only the German audience is found for the German campaign.
    found = brand.get(f"/api/v1/creators?campaign_id={germany['id']}").json
    assert [c["id"] for c in found["items"]] == [german.id] and found["total"] == 1
    assert brand.get(f"/api/v1/creators?campaign_id={anywhere['id']}").json["total"] == 3

    _weekly_run(app, client)
    assert _offered(brand, germany["id"]) == {german.id}
    assert _offered(brand, anywhere["id"]) == {german.id, french.id, unknown.id}

    offer = next(o for o in brand.get(f"/api/v1/campaigns/{germany['id']}/offers").json["items"])
    # relevance 0.6 (coffee) × 0.9 (the share of the audience living in Germany)
    assert abs(offer["fit_score"] - 0.54) < 0.005


def test_countries_are_checked_and_tiers_required_only_for_china(make_brand, make_creator):
    brand = make_brand()
    base = {"interests": {"coffee": 1.0}, "gender": DEMOGRAPHICS["gender"],
            "age": DEMOGRAPHICS["age"]}  # fmt: skip
    r = brand.post("/api/v1/campaigns", json=_body({**base, "countries": {"XX": 1.0}}))
    assert "Unknown keys ['XX']" in str(assert_error(r, 422, "target_audience"))
    r = brand.post("/api/v1/campaigns", json=_body({**base, "countries": {"CN": 1.0}}))
    assert "city_tiers" in assert_error(r, 422, "target_audience")["errors"]["target_audience"]
    r = brand.post("/api/v1/campaigns", json=_body({**base, "countries": {"FR": 0.5, "DE": 0.5}}))
    assert r.status_code == 201, r.json
    r = brand.post("/api/v1/campaigns", json=_body(base))  # no countries: tiers are required
    assert_error(r, 422, "target_audience")
    creator = make_creator()
    audience = {**base, "countries": {"DE": 0.5, "FR": 0.3}}
    r = creator.patch("/api/v1/creators/me", json={"audience": audience})
    assert "sum to 1" in str(assert_error(r, 422, "audience"))


def test_the_campaign_form_targets_countries(app, session):
    dash = Dash(app)
    dash.signup("Bean Theory", "bean@example.com")
    page = dash.get("/dashboard/campaigns/new").get_data(as_text=True)
    assert 'name="countries"' in page
    bad = dash.post(
        "/dashboard/campaigns/new",
        {**_form(), "countries": "DE, Atlantis"},
        page="/dashboard/campaigns/new",
    )
    assert bad.status_code == 422 and "Not a country we know: Atlantis" in bad.get_data(True)
    campaign_id = create_campaign(dash, countries="de, Austria")
    target = session.get(Campaign, campaign_id).target_audience
    assert target["countries"] == {"AT": 0.5, "DE": 0.5}
    assert "city_tiers" not in target  # tiers describe Chinese cities only
    edit = dash.get(f"/dashboard/campaigns/{campaign_id}/edit").get_data(as_text=True)
    assert 'value="AT, DE"' in edit


def _form() -> dict[str, Any]:
    from tests.e2e.dashboard_helpers import campaign_form

    return campaign_form()


def test_migration_0008_seeds_the_taxonomy_and_downgrades(scratch_url):  # noqa: F811
    from alembic import command

    config = alembic_config(scratch_url)
    engine = create_engine(scratch_url)
    try:
        command.upgrade(config, "0007")
        assert "interest_tags" not in inspect(engine).get_table_names()
        command.upgrade(config, "0008")
        with engine.connect() as conn:
            tags = dict(conn.execute(text("SELECT slug, active FROM interest_tags")).all())
            version = conn.execute(text("SELECT version FROM taxonomy_version")).scalar()
            n_categories = conn.execute(text("SELECT count(*) FROM taxonomy_categories")).scalar()
        assert set(tags) == set(TAGS) and all(tags.values())
        assert version == 1 and n_categories == len(CATEGORIES)
        if engine.dialect.name == "postgresql":  # the sequences moved past the seeded ids
            with engine.begin() as conn:
                conn.execute(
                    text("INSERT INTO taxonomy_categories (slug, names, sort_order, active, "
                         "created_at) VALUES ('x', '{}', 0, true, now())")
                )  # fmt: skip
        command.downgrade(config, "0007")
        names = inspect(engine).get_table_names()
        assert not {"interest_tags", "taxonomy_categories", "taxonomy_version"} & set(names)
    finally:
        engine.dispose()
