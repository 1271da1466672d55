"""Schemathesis against ``/api/v1/openapi.json``: the API must do what its document says.

The app is served on a local port and the ``schemathesis`` command line (the supported
interface) runs examples, coverage, fuzzing (positive and negative data) and stateful
sequences against it. Four accounts are declared in a Web Fuzzing Commons auth document and
listed as ``peers`` under ``[auth.wfc]``: that is how Schemathesis 4 learns which identities must
not see each other's objects, and it turns on its ``object_level_authorization`` check (replay
an owner's successful read as every other peer). The two creators are the tenants the creator
API issue asks for; the two brands are listed too because that check only replays reads by id,
and only the brand side of the API has those (a creator reads everything through ``/me``; the
creator routes that take an id are writes, which Schemathesis never replays as another user -
``tests/test_offers_api.py`` and ``tests/test_sponsorships_api.py`` cover those).

``test_peer_check_catches_a_leak`` proves the peer set-up is live: on an app whose campaign
reads forget the tenant filter, the same configuration must fail with that check.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import text, update
from sqlalchemy.orm import Session
from werkzeug.serving import make_server

import campaigns.services
from campaigns.models import Campaign
from core.errors import NotFound
from tests.conftest import PASSWORD, ApiUser, campaign_body
from tests.factories import offer_factory, open_up

PEERS = ("creator_a", "creator_b", "brand_a", "brand_b")
MAX_EXAMPLES = 8
FIRST_CAMPAIGN_ID = 7_340_001

KNOWN_BUGS_CONFIG = ""  # every bug the run found is fixed; list new exclusions here

# The document states every rule JSON Schema can (lengths, patterns, ranges, enums, required
# fields, audience parts and their keys, additionalProperties: false), so a schema-valid body
# is refused with 422 only for a rule it cannot state: audience shares summing to 1 (creators'
# audiences, campaigns' targets), a campaign's dates in order, "open needs a complete profile"
# and an `until` that is today or later, a password that is too easy to guess (signups), a
# live reset token (password resets). Only the operations with such a rule may answer 422 to
# positive data; every other operation's schema-valid bodies must be accepted (Schemathesis
# ST202). A post URL's rule is the
# document's pattern, so the deliverable is not listed.
DOMAIN_RULES_CONFIG = """
[[operations]]
include-name = [
    "PATCH /api/v1/creators/me",
    "PUT /api/v1/creators/me/availability",
    "POST /api/v1/campaigns",
    "PATCH /api/v1/campaigns/{campaign_id}",
    "POST /api/v1/brands",
    "POST /api/v1/creators",
    # a reset token that was issued and is still live (and a password hard to guess)
    "POST /api/v1/password-resets/confirm",
    # open calls: a closing time within OPEN_CALL_MAX_DAYS and the campaign's end; a price in
    # the campaign's currency and within its budget
    "POST /api/v1/campaigns/{campaign_id}/open-call",
    "PATCH /api/v1/campaigns/{campaign_id}/open-call",
    "POST /api/v1/open-calls/{campaign_id}/applications",
    # discovery: min ≤ max, a currency for a rate range, the campaign's category and currency
    "GET /api/v1/creators",
    # invitations and counters: a price in the campaign's (offer's) currency; a counter is not
    # the price already offered
    "POST /api/v1/campaigns/{campaign_id}/invitations",
    "POST /api/v1/offers/{offer_id}/counter",
    # results: a measurement taken after the post went up and not in the future; a conversion
    # names exactly one of its promo code and its click id
    "POST /api/v1/sponsorships/{sponsorship_id}/metrics",
    "POST /api/v1/campaigns/{campaign_id}/conversions",
    # notifications: only the kinds the caller's role receives (the document lists them all)
    "PUT /api/v1/notification-preferences",
    "POST /api/v1/webhook-endpoints",
]
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422"]
"""


@pytest.fixture
def live_server(app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def app(make_app: Callable[..., Flask]) -> Flask:
    # Not TESTING: an unhandled error must become the API's JSON 500, as in production.
    return make_app(TESTING=False)


def sign_up(client: FlaskClient, kind: str, name: str) -> ApiUser:
    email = f"{name}@example.com"
    body = {"email": email, "password": PASSWORD}
    body.update({"name": name} if kind == "brands" else {"handle": name})
    r = client.post(f"/api/v1/{kind}", json=body)
    assert r.status_code == 201, r.get_json()
    t = client.post("/api/v1/tokens", json={"email": email, "password": PASSWORD})
    assert t.status_code == 201, t.get_json()
    return ApiUser(client, t.get_json()["token"], r.get_json()["id"], r.get_json()["id"])


def start_campaign_ids_at(session: Session, campaign_id: int, first_id: int) -> None:
    """Give the draft ``campaign_id`` the id ``first_id``; campaigns created next follow it.

    Schemathesis decides that a peer cannot see an object when the object's id appears nowhere
    in the peer's copy of the list - it searches the whole body, so a campaign id of 1 or 3 is
    "seen" in any list (``"page": 1``, ``"slots": 3``) and the peer is never probed.
    """
    session.rollback()
    session.execute(update(Campaign).where(Campaign.id == campaign_id).values(id=first_id))
    if session.get_bind().dialect.name == "postgresql":
        session.execute(
            text("SELECT setval(pg_get_serial_sequence('campaigns', 'id'), :id)"), {"id": first_id}
        )
    session.commit()


@pytest.fixture
def market(client, make_campaign, session) -> dict[str, ApiUser]:
    """Two brands with published campaigns and two open creators with offers and sponsorships."""
    brands = {name: sign_up(client, "brands", name) for name in ("brand_a", "brand_b")}
    creators = {name: sign_up(client, "creators", name) for name in ("creator_a", "creator_b")}
    start_campaign_ids_at(session, make_campaign(brands["brand_a"])["id"], FIRST_CAMPAIGN_ID)
    make_campaign(brands["brand_b"])  # a draft each
    campaigns = [
        make_campaign(brand, state="published", competitor_group=None) for brand in brands.values()
    ]
    make_offer = offer_factory(session)
    for creator in creators.values():
        open_up(creator)
        assert creator.patch("/api/v1/creators/me", json={"weekly_capacity": 10}).status_code == 200
        offers = [make_offer(c, creator) for c in campaigns for _ in range(3)]
        delivered = creator.post(f"/api/v1/offers/{offers[0].id}/accept").get_json()
        r = creator.post(f"/api/v1/offers/{offers[3].id}/accept")  # the other brand
        assert r.status_code == 201, r.get_json()
        r = creator.post(
            f"/api/v1/sponsorships/{delivered['id']}/deliverable",
            json={"url": "https://example.com/post/1", "disclosure": True},
        )
        assert r.status_code == 200, r.get_json()
    return {**brands, **creators}


def _login(name: str) -> dict[str, Any]:
    """A peer logs in through POST /api/v1/tokens, so a token revoked mid-run is renewed."""
    return {
        "name": name,
        "loginEndpointAuth": {
            "endpoint": "/api/v1/tokens",
            "verb": "POST",
            "contentType": "application/json",
            "payloadUserPwd": {
                "username": f"{name}@example.com",
                "usernameField": "email",
                "password": PASSWORD,
                "passwordField": "password",
            },
            "token": {
                "extractFrom": "body",
                "extractSelector": "/token",
                "sendIn": "header",
                "sendName": "Authorization",
                "sendTemplate": "Bearer {token}",
            },
        },
    }


def run_schemathesis(
    tmp_path: Path, base_url: str, *, config: str = "", args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    (tmp_path / "wfc.json").write_text(json.dumps({"auth": [_login(name) for name in PEERS]}))
    (tmp_path / "schemathesis.toml").write_text(
        f"""
seed = 20261130
workers = 1

[cache]
enabled = false

[generation]
mode = "all"
max-examples = {MAX_EXAMPLES}
database = "none"

[phases.stateful]
max-steps = {MAX_EXAMPLES}

[auth.wfc]
path = "{tmp_path / "wfc.json"}"
peers = {json.dumps(list(PEERS))}
{config}
"""
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "--config-file",
            str(tmp_path / "schemathesis.toml"),
            "--no-color",
            "run",
            f"{base_url}/api/v1/openapi.json",
            *args,
        ],
        cwd=tmp_path,  # its cache and reports stay out of the repository
        capture_output=True,
        text=True,
        timeout=300,
    )


def peer_replays(events: Path) -> set[tuple[str, str, str]]:
    """(owner, peer, operation) for every read that was replayed as another peer."""
    cases: dict[str, dict[str, Any]] = {}
    for line in events.read_text().splitlines():
        event = json.loads(line)
        recorder = (event.get("ScenarioFinished") or {}).get("recorder") or {}
        for case_id, node in recorder.get("cases", {}).items():
            cases[case_id] = {**node["value"], "parent_id": node.get("parent_id")}
    replays = set()
    for case in cases.values():
        parent = cases.get(case["parent_id"] or "")
        if (
            parent
            and case["method"] == parent["method"] == "GET"
            and case["path"] == parent["path"]
            and case.get("path_parameters") == parent.get("path_parameters")
            and None not in (case.get("auth_identity"), parent.get("auth_identity"))
            and case["auth_identity"] != parent["auth_identity"]
        ):
            replays.add((parent["auth_identity"], case["auth_identity"], case["path"]))
    return replays


def test_api_conforms_to_its_openapi_document(market, live_server, tmp_path):
    events = tmp_path / "events.ndjson"
    result = run_schemathesis(
        tmp_path,
        live_server,
        config=DOMAIN_RULES_CONFIG + KNOWN_BUGS_CONFIG,
        args=("--report", "ndjson", "--report-ndjson-path", str(events)),
    )
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]
    # The peer check did its job: a brand's read of its own campaign was replayed as the other
    # brand (and the creators) and none of them got it.
    replays = peer_replays(events)
    assert ("brand_a", "brand_b", "/api/v1/campaigns/{campaign_id}") in replays, replays
    assert ("brand_a", "creator_a", "/api/v1/campaigns/{campaign_id}") in replays, replays


def test_peer_check_catches_a_leak(market, live_server, tmp_path, monkeypatch):
    """The same set-up must fail on an app whose campaign reads forget the tenant filter."""

    def leaky_get_campaign(session, brand, campaign_id, *, lock=False):
        campaign = session.get(Campaign, campaign_id)
        if campaign is None:
            raise NotFound("Campaign not found.")
        return campaign

    monkeypatch.setattr(campaigns.services, "get_campaign", leaky_get_campaign)
    result = run_schemathesis(
        tmp_path,
        live_server,
        args=(
            "--checks",
            "object_level_authorization",
            # By name: the two campaign reads alone (a path regex and a method filter select
            # every GET, and each route added elsewhere changed which scenarios ran).
            "--include-name",
            "GET /api/v1/campaigns",
            "--include-name",
            "GET /api/v1/campaigns/{campaign_id}",
            "--max-failures",
            "1",
            "--phases",
            "fuzzing,stateful",
        ),
    )
    assert result.returncode == 1, result.stdout[-5_000:]
    assert "received the `Campaign` that `brand_a` owns" in result.stdout, result.stdout[-5_000:]


# --- what the run found (now fixed), kept as regression tests --------------------------------

HUGE = 2**63  # beyond SQLite's and PostgreSQL's integers


def test_405_lists_the_allowed_methods(client):
    r = client.open("/api/v1/creators/me", method="TRACE")
    assert r.status_code == 405
    assert {m.strip() for m in r.headers.get("Allow", "").split(",")} >= {"GET", "PATCH"}


@pytest.mark.parametrize("view", ["", "/offers", "/sponsorships", "/report"])
def test_huge_campaign_id_is_not_a_server_error(make_brand, view):
    brand = make_brand()
    assert brand.get(f"/api/v1/campaigns/{HUGE}{view}").status_code == 404


@pytest.mark.parametrize("view", ["", "/{id}/offers", "/{id}/sponsorships"])
def test_huge_page_number_is_not_a_server_error(make_brand, make_campaign, view):
    brand = make_brand()
    campaign = make_campaign(brand)
    r = brand.get(f"/api/v1/campaigns{view.format(id=campaign['id'])}", query_string={"page": HUGE})
    assert r.status_code in (200, 422)


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/creators/me",
        "/api/v1/campaigns/{campaign_id}",
    ],
)
def test_patch_without_a_body_answers_as_documented(client, make_brand, make_creator, path):
    user = make_creator() if "creators" in path else make_brand()
    document = client.get("/api/v1/openapi.json").get_json()
    body_required = document["paths"][path]["patch"]["requestBody"].get("required", False)
    if "{campaign_id}" in path:
        r = user.post("/api/v1/campaigns", json=campaign_body())
        path = path.format(campaign_id=r.get_json()["id"])
    r = user.patch(path)
    assert (r.status_code == 422) if body_required else (r.status_code == 200), r.get_json()


# --- the document states what the validators refuse (ST202 found them looser) ---------------

FULL_AUDIENCE = {
    "interests": {"food": 1.0},
    "gender": {"female": 0.5, "male": 0.5},
    "city_tiers": {"1": 1.0},
    "age": {"25-34": 1.0},
}


def _doc_accepts(document: dict[str, Any], schema: dict[str, Any], value: Any) -> bool:
    import jsonschema_rs  # what Schemathesis validates with

    return jsonschema_rs.Draft4Validator({**schema, "components": document["components"]}).is_valid(
        value
    )


@pytest.mark.parametrize(
    "audience",
    [
        FULL_AUDIENCE,
        {k: v for k, v in FULL_AUDIENCE.items() if k != "age"},  # a part missing
        {**FULL_AUDIENCE, "income": {"high": 1.0}},  # an unknown part
        {**FULL_AUDIENCE, "gender": {"female": 0.5, "other": 0.5}},  # an unknown key
        {**FULL_AUDIENCE, "countries": {"DE": 0.6, "AT": 0.4}},  # where it lives
        {**FULL_AUDIENCE, "countries": {"XX": 1.0}},  # not a country
        {**{k: v for k, v in FULL_AUDIENCE.items() if k != "city_tiers"}, "countries": {"DE": 1.0}},
        {**{k: v for k, v in FULL_AUDIENCE.items() if k != "city_tiers"}, "countries": {"CN": 1.0}},
        {k: v for k, v in FULL_AUDIENCE.items() if k != "city_tiers"},  # tiers, by default
        {**FULL_AUDIENCE, "city_tiers": {}},  # an empty part
        {**FULL_AUDIENCE, "age": {"25-34": "1"}},  # a share that is not a number
        {**FULL_AUDIENCE, "gender": {"female": 1.5, "male": -0.5}},  # a negative share
    ],
)
def test_the_audience_document_and_validator_agree(client, make_creator, audience):
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["CreatorProfilePatch"]["properties"]["audience"]
    r = make_creator().patch("/api/v1/creators/me", json={"audience": audience})
    assert r.status_code in (200, 422), r.get_json()
    assert _doc_accepts(document, schema, audience) == (r.status_code == 200), r.get_json()


def test_interest_tags_are_the_taxonomys_which_the_document_points_to(client, make_creator):
    """Tags are data: the document cannot list them, it says where they are."""
    document = client.get("/api/v1/openapi.json").get_json()
    schema = document["components"]["schemas"]["CreatorProfilePatch"]["properties"]["audience"]
    assert "/api/v1/taxonomy" in schema["properties"]["interests"]["description"]
    tags = [t["slug"] for t in client.get("/api/v1/taxonomy").get_json()["interests"]]
    creator = make_creator()
    for tag, status in ((tags[-1], 200), ("knitting", 422)):
        r = creator.patch(
            "/api/v1/creators/me", json={"audience": {**FULL_AUDIENCE, "interests": {tag: 1.0}}}
        )
        assert r.status_code == status, r.get_json()


@pytest.mark.parametrize(
    ("schema_name", "field", "value"),
    [
        ("Deliverable", "url", "https://www.xiaohongshu.com/explore/abc123"),
        ("Deliverable", "url", "http://example.co.uk:8080/p?id=1#top"),
        ("Deliverable", "url", "0000"),
        ("Deliverable", "url", "ftp://example.com/post"),
        ("Deliverable", "url", "https://localhost/post"),
        ("Deliverable", "url", "https://example.com/a b"),
        ("Deliverable", "url", "https://ex_ample.com/"),
        ("ReviewReject", "reason", "The label is missing.\nPlease add #ad."),
        ("ReviewReject", "reason", "bad \x01 control"),
        ("ReviewReject", "reason", "bad \x85 next line"),
    ],
)
def test_patterns_in_the_document_are_the_validators(client, schema_name, field, value):
    from schemas.creators import DeliverableSchema, ReviewRejectSchema

    document = client.get("/api/v1/openapi.json").get_json()
    prop = document["components"]["schemas"][schema_name]["properties"][field]
    loader = {"Deliverable": DeliverableSchema, "ReviewReject": ReviewRejectSchema}[schema_name]
    body = {field: value, **({"disclosure": True} if schema_name == "Deliverable" else {})}
    errors = loader().validate(body)
    assert _doc_accepts(document, prop, value) == (field not in errors), errors
