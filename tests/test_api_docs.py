"""The OpenAPI document, the interactive docs (served locally) and the home page."""

from __future__ import annotations

import re
from typing import Any

import pytest

# The foundation routes in detail: (path, method, request schema expected, success status,
# response schema); that every route is documented is checked from the app's URL map below.
ROUTES = [
    ("/api/v1/brands", "post", True, "201", True),
    ("/api/v1/creators", "post", True, "201", True),
    ("/api/v1/tokens", "post", True, "201", True),
    ("/api/v1/tokens/current", "delete", False, "204", False),
    ("/api/v1/campaigns", "get", False, "200", True),
    ("/api/v1/campaigns", "post", True, "201", True),
    ("/api/v1/campaigns/{campaign_id}", "get", False, "200", True),
    ("/api/v1/campaigns/{campaign_id}", "patch", True, "200", True),
    ("/api/v1/campaigns/{campaign_id}", "delete", False, "204", False),
    ("/api/v1/campaigns/{campaign_id}/fund", "post", False, "200", True),
    ("/api/v1/campaigns/{campaign_id}/publish", "post", False, "200", True),
    ("/api/v1/campaigns/{campaign_id}/cancel", "post", False, "200", True),
    ("/api/v1/campaigns/{campaign_id}/complete", "post", False, "200", True),
]


@pytest.fixture
def spec(client) -> dict[str, Any]:
    r = client.get("/api/v1/openapi.json")
    assert r.status_code == 200 and r.mimetype == "application/json"
    return r.get_json()


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref is None:
        return schema
    name = ref.removeprefix("#/components/schemas/")
    assert name in spec["components"]["schemas"], ref
    return spec["components"]["schemas"][name]


def test_the_document_is_openapi_3(spec):
    assert spec["openapi"].startswith("3.")
    assert spec["info"]["title"] and spec["info"]["version"] == "v1"
    assert spec["components"]["securitySchemes"]["bearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
    }


@pytest.mark.parametrize(
    ("path", "method", "has_request", "status", "has_response"),
    ROUTES,
    ids=[f"{m}-{p.removeprefix('/api/v1/')}" for p, m, *_ in ROUTES],
)
def test_every_route_is_described(spec, path, method, has_request, status, has_response):
    assert path in spec["paths"], sorted(spec["paths"])
    op = spec["paths"][path].get(method)
    assert op is not None, f"{method.upper()} {path} is not documented"
    assert op.get("summary"), "every operation says what it does"
    if has_request:
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        assert _resolve(spec, schema).get("properties")
    responses = op["responses"]
    assert status in responses, sorted(responses)
    if has_response:
        schema = responses[status]["content"]["application/json"]["schema"]
        assert _resolve(spec, schema).get("properties")
    if path.startswith("/api/v1/campaigns") or path == "/api/v1/tokens/current":
        assert op.get("security") == [{"bearerAuth": []}]


# Routes under /api/v1 that are not operations of the API: the document and its viewer.
NOT_OPERATIONS = {
    "api-docs.openapi_json",
    "api-docs.openapi_swagger_ui",
    "swagger_assets._swagger_asset",
}
PUBLIC = {
    ("/api/v1/brands", "post"),
    ("/api/v1/creators", "post"),
    ("/api/v1/tokens", "post"),
    ("/api/v1/password-resets", "post"),  # forgot your password: no token to show
    ("/api/v1/password-resets/confirm", "post"),  # the reset token is in the body
    ("/api/v1/taxonomy", "get"),  # the vocabulary anyone may read (DESIGN.md §3b)
}


def registered_operations(app) -> set[tuple[str, str]]:
    """Every (OpenAPI path, method) the app serves under /api/v1, read from its URL map."""
    operations = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint in NOT_OPERATIONS:
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operations.add((path, method.lower()))
    return operations


def test_every_registered_route_is_in_the_document_and_nothing_else(app, spec):
    served = registered_operations(app)
    assert len(served) > len(ROUTES)  # the URL map was read, not an empty set
    documented = {
        (path, method)
        for path, item in spec["paths"].items()
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    }
    assert sorted(served - documented) == [], "served but not documented"
    assert sorted(documented - served) == [], "documented but not served"
    for path, method in sorted(served):
        op = spec["paths"][path][method]
        assert op.get("summary"), f"{method.upper()} {path} says what it does"
        assert op.get("responses"), f"{method.upper()} {path} documents its responses"
        if (path, method) not in PUBLIC and not path.startswith("/api/v1/webhooks/"):
            assert op.get("security"), f"{method.upper()} {path} documents its authentication"


def test_campaign_input_schema_describes_the_rules(spec):
    schemas = spec["components"]["schemas"]
    body = schemas["CampaignInput"]
    assert body["additionalProperties"] is False  # unknown fields are rejected
    props = body["properties"]
    assert not {"status", "brand_id", "spent", "id"} & set(props)  # server-owned
    assert set(body["required"]) >= {"title", "budget", "slots", "target_audience", "starts_on"}
    assert props["slots"]["minimum"] == 1
    money = _resolve(spec, props["budget"])
    assert money["properties"]["amount"]["type"] == "integer"
    assert money["properties"]["amount"]["minimum"] == 1
    assert "EUR" in money["properties"]["currency"]["enum"]
    assert set(money["required"]) == {"amount", "currency"}


def test_errors_are_documented_in_our_shape(spec):
    error = spec["components"]["schemas"]["Error"]
    assert set(error["properties"]) == {"code", "status", "message", "errors"}


def test_interactive_docs_load_from_this_server(client):
    r = client.get("/api/v1/docs")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", page, re.I), "no external URL"
    assets = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert any(a.endswith(".js") for a in assets) and any(a.endswith(".css") for a in assets)
    for asset in assets:
        assert asset.startswith("/"), asset
        loaded = client.get(asset)
        assert loaded.status_code == 200, asset
        assert len(loaded.get_data()) > 1000, asset
        loaded.close()
    assert "/api/v1/openapi.json" in page


def test_home_page_says_what_dandelion_is_and_links_the_docs(client):
    r = client.get("/")
    assert r.status_code == 200 and r.mimetype == "text/html"
    page = r.get_data(as_text=True)
    assert "Dandelion" in page
    assert 'href="/api/v1/docs"' in page
