"""One error shape for every 4xx/5xx under /api, size limits, and no tracebacks."""

from __future__ import annotations

import json

from accounts import services as accounts
from accounts.models import Account
from extensions import db
from tests.conftest import PASSWORD
from tests.helpers import assert_error, count_rows


def test_unknown_api_path_is_404_json(client):
    for path in ("/api/v1/nope", "/api/v2/campaigns", "/api/v1/campaigns/not-a-number"):
        body = assert_error(client.get(path), 404)
        assert "<html" not in json.dumps(body).lower()


def test_wrong_method_is_405_json(client):
    assert_error(client.put("/api/v1/campaigns"), 405)
    assert_error(client.get("/api/v1/tokens"), 405)


def test_pages_outside_the_api_keep_html_errors(client):
    r = client.get("/no-such-page")
    assert r.status_code == 404
    assert r.mimetype == "text/html"


def test_malformed_json_is_a_4xx_in_our_shape(client, session):
    r = client.post("/api/v1/brands", data='{"name": "x",', content_type="application/json")
    body = assert_error(r, 400)
    assert body["errors"]  # says what was wrong
    assert count_rows(session, Account) == 0


def test_a_body_that_is_not_an_object_is_422(client, session):
    assert_error(client.post("/api/v1/brands", json=["a", "b"]), 422)
    assert_error(client.post("/api/v1/brands", json="brand"), 422)
    assert count_rows(session, Account) == 0


def test_body_over_the_size_limit_is_413(make_app, session):
    client = make_app(MAX_CONTENT_LENGTH=1024).test_client()
    small = {"name": "Lumen", "email": "a@example.com", "password": PASSWORD}
    big = {"name": "x" * 2000, "email": "b@example.com", "password": PASSWORD}
    assert_error(client.post("/api/v1/brands", json=big), 413)
    # refused before parsing: even a body that is not valid JSON answers 413, not 400
    r = client.post("/api/v1/tokens", data="x" * 5000, content_type="application/json")
    assert_error(r, 413)
    assert count_rows(session, Account) == 0
    # a body under the limit on the same app goes through
    assert client.post("/api/v1/brands", json=small).status_code == 201


def test_a_500_has_our_shape_no_traceback_and_writes_nothing(make_app, session):
    app = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/api/v1/_boom")
    def boom() -> str:
        accounts.create_brand(
            db.session, name="Ghost", email="ghost@example.com", password=PASSWORD
        )
        raise RuntimeError("database password is hunter2")

    r = app.test_client().get("/api/v1/_boom")
    body = assert_error(r, 500)
    page = r.get_data(as_text=True)
    assert "Traceback" not in page
    assert "hunter2" not in page and "RuntimeError" not in page
    assert body["errors"] == {}
    assert count_rows(session, Account) == 0  # the request's work was rolled back


def test_error_status_phrases_match_their_codes(make_brand, client):
    brand = make_brand()
    cases = {
        401: client.get("/api/v1/campaigns"),
        404: brand.get("/api/v1/campaigns/999999"),
        409: client.post(
            "/api/v1/brands",
            json={"name": "Again", "email": _email(client), "password": PASSWORD},
        ),
        422: brand.post("/api/v1/campaigns", json={}),
    }
    for code, response in cases.items():
        assert_error(response, code)


def _email(client) -> str:
    email = "taken@example.com"
    r = client.post("/api/v1/brands", json={"name": "First", "email": email, "password": PASSWORD})
    assert r.status_code == 201
    return email
