"""The notification API: the caller's list, read and read-all, preferences, webhook endpoints,
their walls (another account's notification or endpoint is a 404) and their validation."""

from __future__ import annotations

from typing import Any

from core.db import session_scope
from notifications.service import notify
from tests.conftest import operator_user


def _notify(app: Any, account_id: int, *subjects: str, kind: str = "payout.sent") -> list[int]:
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        rows = [notify(s, account_id, kind, subject, f"about {subject}", {"n": i})
                for i, subject in enumerate(subjects)]  # fmt: skip
        s.flush()
        return [n.id for n in rows]


def test_the_list_is_newest_first_with_the_unread_count_and_pages(app, make_creator):
    creator = make_creator()
    ids = _notify(app, creator.account_id, "first", "second", "third")
    r = creator.get("/api/v1/notifications")
    assert r.status_code == 200, r.json
    body = r.json
    assert [n["id"] for n in body["items"]] == ids[::-1]
    assert body["total"] == 3 and body["unread_count"] == 3
    item = body["items"][0]
    assert set(item) == {"id", "kind", "subject", "body", "data", "created_at", "read_at"}
    assert item["kind"] == "payout.sent" and item["data"] == {"n": 2} and item["read_at"] is None

    page = creator.get("/api/v1/notifications?page=2&page_size=2").json
    assert [n["id"] for n in page["items"]] == [ids[0]] and page["pages"] == 2

    r = creator.post(f"/api/v1/notifications/{ids[1]}/read")
    assert r.status_code == 200 and r.json["read_at"] is not None
    first_read = r.json["read_at"]
    assert creator.post(f"/api/v1/notifications/{ids[1]}/read").json["read_at"] == first_read
    unread = creator.get("/api/v1/notifications?unread=true").json
    assert [n["id"] for n in unread["items"]] == [ids[2], ids[0]] and unread["unread_count"] == 2
    read = creator.get("/api/v1/notifications?unread=false").json
    assert [n["id"] for n in read["items"]] == [ids[1]]

    r = creator.post("/api/v1/notifications/read-all")
    assert r.status_code == 200 and r.json == {"marked": 2, "unread_count": 0}
    assert creator.get("/api/v1/notifications?unread=true").json["total"] == 0


def test_another_accounts_notifications_are_walled(app, make_creator, make_brand, client):
    mine, other = make_creator(), make_creator()
    brand = make_brand()
    [theirs] = _notify(app, other.account_id, "secret")
    _notify(app, brand.account_id, "brand news", kind="campaign.funded")
    assert mine.get("/api/v1/notifications").json["total"] == 0
    r = mine.post(f"/api/v1/notifications/{theirs}/read")
    assert r.status_code == 404 and r.json["message"] == "Notification not found."
    assert mine.post("/api/v1/notifications/read-all").json["marked"] == 0
    assert other.get("/api/v1/notifications?unread=true").json["total"] == 1  # still unread
    assert brand.get("/api/v1/notifications").json["items"][0]["kind"] == "campaign.funded"
    ops = operator_user(app, client)
    assert ops.get("/api/v1/notifications").json["total"] == 0
    assert client.get("/api/v1/notifications").status_code == 401


def test_bad_queries_are_422s_in_the_error_format(make_creator):
    creator = make_creator()
    r = creator.get("/api/v1/notifications?unread=maybe")
    assert r.status_code == 422 and "unread" in r.json["errors"]
    r = creator.get("/api/v1/notifications?statsu=unread")
    assert r.status_code == 422 and "statsu" in r.json["errors"]


def test_preferences_list_the_roles_kinds_and_change_some(make_creator, make_brand):
    creator, brand = make_creator(), make_brand()
    r = creator.get("/api/v1/notification-preferences")
    assert r.status_code == 200
    channels = r.json["channels"]
    assert channels["offers.new"] == "email" and "campaign.funded" not in channels
    assert {k["kind"] for k in r.json["kinds"]} == set(channels)
    brand_channels = brand.get("/api/v1/notification-preferences").json["channels"]
    assert brand_channels["open_call.application"] == "app"  # the registry's default
    assert "offers.new" not in brand_channels

    r = creator.put(
        "/api/v1/notification-preferences",
        json={"channels": {"offers.new": "app", "payout.sent": "webhook"}},
    )
    assert r.status_code == 200, r.json
    assert r.json["channels"]["offers.new"] == "app"
    assert r.json["channels"]["payout.sent"] == "webhook"
    assert r.json["channels"]["offers.expiring"] == "email"  # untouched
    again = creator.put(
        "/api/v1/notification-preferences", json={"channels": {"offers.new": "email"}}
    )
    assert again.json["channels"]["offers.new"] == "email"
    assert again.json["channels"]["payout.sent"] == "webhook"
    assert brand.get("/api/v1/notification-preferences").json["channels"] == brand_channels


def test_preference_validation(make_creator):
    creator = make_creator()
    r = creator.put("/api/v1/notification-preferences", json={"channels": {"offers.new": "pigeon"}})
    assert r.status_code == 422 and "channels" in r.json["errors"], r.json
    r = creator.put(
        "/api/v1/notification-preferences", json={"channels": {"offers.nonsense": "email"}}
    )
    assert r.status_code == 422 and "channels" in r.json["errors"]
    # a real kind, but one brands receive
    r = creator.put(
        "/api/v1/notification-preferences", json={"channels": {"campaign.funded": "email"}}
    )
    assert r.status_code == 422 and r.json["errors"] == {
        "campaign.funded": ["Not a notification kind for creator accounts."]
    }
    assert creator.put("/api/v1/notification-preferences", json={}).status_code == 422


def test_webhook_endpoints_show_the_secret_once_and_are_walled(make_creator, make_brand):
    creator, other = make_creator(), make_brand()
    r = creator.post(
        "/api/v1/webhook-endpoints",
        json={"url": "http://127.0.0.1:9/hook", "events": ["offers.new", "payout.sent"]},
    )
    assert r.status_code == 201, r.json
    endpoint = r.json
    assert endpoint["secret"].startswith("whsec_") and len(endpoint["secret"]) > 30
    assert endpoint["events"] == ["offers.new", "payout.sent"]
    listed = creator.get("/api/v1/webhook-endpoints").json
    assert [e["id"] for e in listed] == [endpoint["id"]] and "secret" not in listed[0]
    assert other.get("/api/v1/webhook-endpoints").json == []

    eid = endpoint["id"]
    for method, url in (
        ("delete", f"/api/v1/webhook-endpoints/{eid}"),
        ("post", f"/api/v1/webhook-endpoints/{eid}/enable"),
        ("get", f"/api/v1/webhook-endpoints/{eid}/deliveries"),
    ):
        r = getattr(other, method)(url)
        assert r.status_code == 404 and r.json["message"] == "Webhook endpoint not found.", url
    log = creator.get(f"/api/v1/webhook-endpoints/{eid}/deliveries").json
    assert log["total"] == 0 and log["items"] == []

    assert creator.delete(f"/api/v1/webhook-endpoints/{eid}").status_code == 204
    assert creator.get("/api/v1/webhook-endpoints").json == []
    assert creator.delete(f"/api/v1/webhook-endpoints/{eid}").status_code == 404


def test_webhook_endpoint_validation(make_creator):
    creator = make_creator()
    cases = [
        ({"url": "ftp://example.com/x", "events": ["offers.new"]}, "url"),
        ({"url": "not a url", "events": ["offers.new"]}, "url"),
        ({"url": "https://example.com/x", "events": []}, "events"),
        ({"url": "https://example.com/x", "events": ["offers.nonsense"]}, "events"),
        ({"url": "https://example.com/x"}, "events"),
        ({"url": "https://example.com/x", "events": ["campaign.funded"]}, "events"),
        ({"url": "https://example.com/x", "events": ["offers.new"], "secret": "x"}, "secret"),
    ]
    for body, field in cases:
        r = creator.post("/api/v1/webhook-endpoints", json=body)
        assert r.status_code == 422, (body, r.json)
        assert field in r.json["errors"], (body, r.json)
        assert set(r.json) == {"code", "status", "message", "errors"}


def test_production_takes_only_https_endpoints_on_public_hosts():
    from notifications.delivery import url_problem

    assert url_problem("http://127.0.0.1:8000/hook", production=False) is None
    assert url_problem("http://hooks.example.com/x", production=True) == (
        "Webhook endpoints must use https."
    )
    for url in ("https://localhost/x", "https://127.0.0.1/x", "https://10.1.2.3/x",
                "https://169.254.169.254/latest", "https://[::1]/x",
                # the resolver's shorthands for 127.0.0.1 and 10.0.0.5
                "https://127.1/x", "https://2130706433/x", "https://0x7f000001/x",
                "https://10.5/x"):  # fmt: skip
        assert url_problem(url, production=True), url
    assert url_problem("https://hooks.example.com/x", production=True) is None


def test_production_refuses_at_send_time_a_host_that_resolves_to_a_private_address():
    """A name is checked again at each send: one that resolves to loopback is not posted to,
    and the log says why without network details."""
    from notifications.delivery import _ClaimedPost, post_webhook, resolves_to_private

    assert resolves_to_private("https://localhost/x")
    assert resolves_to_private("https://127.0.0.1:9/x")
    post = _ClaimedPost(
        id=1, endpoint_id=1, url="https://localhost:9/hook", secret="s", kind="offers.new",
        body=b"{}",
    )  # fmt: skip
    assert post_webhook(post, 1.0, production=True) == (
        None,
        "Refused: the host resolves to a private address.",
    )
    status, error = post_webhook(post, 1.0, production=False)  # nothing listens on port 9
    assert status is None and error == "ConnectionError"


def test_the_production_mode_refuses_http_through_the_api(app, make_creator, monkeypatch):
    creator = make_creator()
    monkeypatch.setitem(app.config, "DANDELION_ENV", "production")
    r = creator.post(
        "/api/v1/webhook-endpoints",
        json={"url": "http://hooks.example.com/x", "events": ["offers.new"]},
    )
    assert r.status_code == 422 and r.json["errors"] == {
        "url": ["Webhook endpoints must use https."]
    }
    r = creator.post(
        "/api/v1/webhook-endpoints",
        json={"url": "https://hooks.example.com/x", "events": ["offers.new"]},
    )
    assert r.status_code == 201
