"""Every operation in ``/api/v1/openapi.json`` has request and response schemas and examples.

The checks walk the whole document, so an endpoint added without an example fails here. The
examples must also be true: each one matches the schema it is documented with, each request
example loads through our real marshmallow input schema, and the request examples of the main
flows are sent to the API and accepted.
"""

from __future__ import annotations

import copy
from typing import Any

import jsonschema_rs
import marshmallow as ma
import pytest

import api.match_runs  # noqa: F401 - its schemas are defined in the view module
import schemas.accounts  # noqa: F401
import schemas.campaigns  # noqa: F401
import schemas.creators  # noqa: F401
from accounts.services import create_operator
from api import examples as ex
from core.db import session_scope
from tests.conftest import ApiUser
from tests.factories import offer_factory, open_up

METHODS = ("get", "put", "post", "patch", "delete")
JSON = "application/json"


@pytest.fixture
def spec(client) -> dict[str, Any]:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200
    return r.get_json()


def operations(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    ops = [
        (f"{method.upper()} {path}", op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in METHODS
    ]
    assert len(ops) >= 34, "the document lost operations"
    return ops


def _component(spec: dict[str, Any], ref: str) -> dict[str, Any]:
    section, name = ref.removeprefix("#/components/").split("/")
    return spec["components"][section][name]


def _response(spec: dict[str, Any], response: dict[str, Any]) -> dict[str, Any]:
    return _component(spec, response["$ref"]) if "$ref" in response else response


def to_json_schema(spec: dict[str, Any], schema: Any) -> Any:
    """An OpenAPI 3.0 schema as plain JSON Schema: refs inlined, ``nullable`` as a null type."""
    if isinstance(schema, list):
        return [to_json_schema(spec, s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    if "$ref" in schema:
        return to_json_schema(spec, _component(spec, schema["$ref"]))
    out = {
        k: to_json_schema(spec, v) for k, v in schema.items() if k not in ("nullable", "example")
    }
    if schema.get("nullable"):
        return {"anyOf": [out, {"type": "null"}]}
    return out


def _success_status(op: dict[str, Any]) -> str:
    codes = [c for c in op["responses"] if c.startswith("2")]
    assert len(codes) == 1, codes
    return codes[0]


def test_every_operation_has_a_success_response_with_a_schema_and_an_example(spec):
    missing = []
    for name, op in operations(spec):
        status = _success_status(op)
        response = _response(spec, op["responses"][status])
        if status == "204":  # no body, nothing to show
            if response.get("content"):
                missing.append(f"{name}: a 204 must not document a body")
            continue
        content = response.get("content") or {}
        if JSON not in content and "text/csv" not in content:  # CSV: the exports
            missing.append(f"{name} {status}: no {JSON} body")
        for media_type, body in content.items():
            if "schema" not in body:
                missing.append(f"{name} {status} {media_type}: no schema")
            if "example" not in body and not body.get("examples"):
                missing.append(f"{name} {status} {media_type}: no example")
    assert not missing, "\n".join(missing)


def test_every_request_body_has_a_schema_and_an_example(spec):
    missing = []
    bodies = 0
    for name, op in operations(spec):
        if "requestBody" not in op:
            continue
        bodies += 1
        content = op["requestBody"].get("content") or {}
        if not content:
            missing.append(f"{name}: request body without content")
        for media_type, body in content.items():
            if "schema" not in body:
                missing.append(f"{name} {media_type}: no request schema")
            if "example" not in body and not body.get("examples"):
                missing.append(f"{name} {media_type}: no request example")
    assert not missing, "\n".join(missing)
    assert bodies >= 12


def _documented_examples(spec: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, example) for every example in the document."""
    found = []
    for name, op in operations(spec):
        bodies = [("request", op.get("requestBody", {}))]
        bodies += [(code, _response(spec, r)) for code, r in op["responses"].items()]
        for where, body in bodies:
            for media_type, content in (body.get("content") or {}).items():
                examples = [content["example"]] if "example" in content else []
                examples += [e["value"] for e in (content.get("examples") or {}).values()]
                for example in examples:
                    found.append((f"{name} {where} {media_type}", content["schema"], example))
    return found


def test_examples_match_their_documented_schemas(spec):
    checked, wrong = 0, []
    for where, schema, example in _documented_examples(spec):
        validator = jsonschema_rs.Draft4Validator(to_json_schema(spec, schema))
        errors = [f"{e.instance_path}: {e.message}" for e in validator.iter_errors(example)]
        if errors:
            wrong.append(f"{where}: " + "; ".join(errors))
        checked += 1
    assert not wrong, "\n".join(wrong)
    assert checked >= 60, checked


def _input_schemas() -> dict[str, type[ma.Schema]]:
    """Component name -> our marshmallow schema class (apispec drops the ``Schema`` suffix)."""
    found: dict[str, type[ma.Schema]] = {}
    stack: list[type[ma.Schema]] = [ma.Schema]
    while stack:
        cls = stack.pop()
        stack.extend(cls.__subclasses__())
        if cls.__module__.startswith(("schemas.", "api.")):
            found[cls.__name__.removesuffix("Schema")] = cls
    return found


def test_request_examples_load_through_our_input_schemas(spec, app):
    classes = _input_schemas()
    loaded = 0
    for name, op in operations(spec):
        body = op.get("requestBody", {}).get("content", {}).get(JSON)
        if body is None or "example" not in body:
            continue  # a missing example is the previous tests' failure
        if "$ref" not in body["schema"]:
            continue  # the Stripe webhook: Stripe's shape, checked against the document above
        component = body["schema"]["$ref"].rsplit("/", 1)[1]
        assert component in classes, f"{name}: no schema class for {component}"
        schema = classes[component](partial=name.startswith("PATCH "))
        with app.test_request_context():  # tags and categories are checked against the taxonomy
            errors = schema.validate(copy.deepcopy(body["example"]))
        assert not errors, f"{name}: {errors}"
        loaded += 1
    assert loaded >= 11


def _login(client, email: str, password: str) -> ApiUser:
    r = client.post("/api/v1/tokens", json={"email": email, "password": password})
    assert r.status_code == 201, r.get_json()
    return ApiUser(client, r.get_json()["token"], 0, 0)


def test_request_examples_are_accepted_by_the_api(app, client, make_brand, make_campaign, session):
    # Sign-up and tokens, with the documented bodies as they are.
    r = client.post("/api/v1/brands", json=ex.BRAND_SIGNUP)
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == set(ex.BRAND)
    brand = _login(client, ex.BRAND_SIGNUP["email"], ex.BRAND_SIGNUP["password"])
    r = client.post("/api/v1/creators", json=ex.CREATOR_SIGNUP)
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == set(ex.CREATOR_ACCOUNT)
    r = client.post("/api/v1/tokens", json=ex.TOKEN_REQUEST)
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == set(ex.TOKEN) and r.get_json()["kind"] == ex.TOKEN["kind"]
    creator = ApiUser(client, r.get_json()["token"], 0, 0)

    # A brand's campaign: create, then change.
    r = brand.post("/api/v1/campaigns", json=ex.CAMPAIGN_INPUT)
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == set(ex.CAMPAIGN)
    r = brand.patch(f"/api/v1/campaigns/{r.get_json()['id']}", json=ex.CAMPAIGN_PATCH)
    assert r.status_code == 200, r.get_json()

    # A creator's profile and opt-in.
    r = creator.patch("/api/v1/creators/me", json=ex.PROFILE_PATCH)
    assert r.status_code == 200, r.get_json()
    assert set(r.get_json()) == set(ex.PROFILE)
    r = creator.put("/api/v1/creators/me/availability", json=ex.AVAILABILITY_INPUT)
    assert r.status_code == 200, r.get_json()
    assert r.get_json() == ex.AVAILABILITY

    # Offers and sponsorships: decline one, accept one, deliver it (the review is tested below).
    creator.id = client.get("/api/v1/creators/me", headers=creator.headers).get_json()["id"]
    published = make_campaign(make_brand(), state="published", competitor_group=None)
    make_offer = offer_factory(session)
    declined, accepted = make_offer(published, creator), make_offer(published, creator)
    r = creator.post(f"/api/v1/offers/{declined.id}/decline", json=ex.DECLINE)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["decline_reason"] == ex.DECLINE["reason"]
    r = creator.post(f"/api/v1/offers/{accepted.id}/accept")
    assert r.status_code == 201, r.get_json()
    assert set(r.get_json()) == set(ex.SPONSORSHIP)
    sponsorship_id = r.get_json()["id"]
    r = creator.post(f"/api/v1/sponsorships/{sponsorship_id}/deliverable", json=ex.DELIVERABLE)
    assert r.status_code == 200, r.get_json()

    # An operator starts a week's matching.
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        create_operator(s, email="ops@example.com", password="correct horse battery")
    ops = _login(client, "ops@example.com", "correct horse battery")
    r = ops.post("/api/v1/match-runs", json=ex.MATCH_RUN_REQUEST)
    assert r.status_code == 202, r.get_json()
    assert set(r.get_json()) == set(ex.MATCH_RUN)


def test_the_review_rejection_example_is_accepted(make_brand, make_creator, make_campaign, session):
    brand, creator = make_brand(), make_creator()
    open_up(creator)
    campaign = make_campaign(brand, state="published", competitor_group=None)
    offer = offer_factory(session)(campaign, creator)
    sponsorship = creator.post(f"/api/v1/offers/{offer.id}/accept").get_json()
    r = creator.post(f"/api/v1/sponsorships/{sponsorship['id']}/deliverable", json=ex.DELIVERABLE)
    assert r.status_code == 200, r.get_json()
    r = brand.post(f"/api/v1/sponsorships/{sponsorship['id']}/reject", json=ex.REVIEW_REJECT)
    assert r.status_code == 200, r.get_json()
    assert set(r.get_json()) == set(ex.REJECTED_SPONSORSHIP)
    assert r.get_json()["rejection_reason"] == ex.REVIEW_REJECT["reason"]
