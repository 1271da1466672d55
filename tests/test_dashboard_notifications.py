"""The dashboard's bell, notifications page, and the notification and webhook sections of
Settings: what a brand sees and changes, through real pages and forms with CSRF."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from core.db import session_scope
from notifications.models import Notification, WebhookEndpoint
from notifications.service import notify
from tests.e2e.dashboard_helpers import Dash


def _brand(app: Any) -> tuple[Dash, int]:
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    s = app.extensions["dandelion.db"].read_session_factory()
    from accounts.models import Account

    account_id = s.scalar(select(Account.id).where(Account.email == "glow@example.com"))
    s.close()
    return dash, int(account_id)


def _notify(app: Any, account_id: int, subject: str, kind: str = "offers.accepted") -> int:
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        n = notify(s, account_id, kind, subject, f"Details of {subject}.")
        s.flush()
        return n.id


def test_the_bell_counts_unread_and_the_page_marks_them_read(app):
    dash, account_id = _brand(app)
    page = dash.get("/dashboard/campaigns").get_data(as_text=True)
    assert 'aria-label="Notifications"' in page and 'class="badge"' not in page.split("main")[0]
    first = _notify(app, account_id, "@mia accepted your offer")
    _notify(app, account_id, "@kim declined your offer", kind="offers.declined")
    page = dash.get("/dashboard/campaigns").get_data(as_text=True)
    assert 'aria-label="Notifications, 2 unread"' in page

    listing = dash.get("/dashboard/notifications").get_data(as_text=True)
    assert listing.index("@kim declined") < listing.index("@mia accepted")  # newest first
    assert "A creator accepted an offer" in listing  # the kind's label
    r = dash.post(
        f"/dashboard/notifications/{first}/read",
        {"next": "/dashboard/notifications?unread=1"},
        page="/dashboard/notifications",
    )
    assert r.status_code == 303 and r.headers["Location"].endswith(
        "/dashboard/notifications?unread=1"
    )
    unread = dash.get("/dashboard/notifications?unread=1").get_data(as_text=True)
    assert "@kim declined" in unread and "@mia accepted" not in unread
    assert 'aria-label="Notifications, 1 unread"' in unread
    # an address elsewhere is never followed
    r = dash.post(
        f"/dashboard/notifications/{first}/read",
        {"next": "https://evil.example.com/"},
        page="/dashboard/notifications",
    )
    assert r.headers["Location"].endswith("/dashboard/notifications")

    r = dash.post("/dashboard/notifications/read-all", page="/dashboard/notifications")
    assert r.status_code == 303
    page = dash.get("/dashboard/notifications").get_data(as_text=True)
    assert "1 notification marked read." in page and 'aria-label="Notifications"' in page


def test_another_accounts_notification_cannot_be_marked_read(app, make_brand):
    other = make_brand()
    theirs = _notify(app, other.account_id, "their news")
    dash, _ = _brand(app)
    r = dash.post(f"/dashboard/notifications/{theirs}/read", page="/dashboard/notifications")
    assert r.status_code == 404
    assert other.get("/api/v1/notifications?unread=true").json["total"] == 1
    assert "their news" not in dash.get("/dashboard/notifications").get_data(as_text=True)


def test_settings_choose_channels_and_manage_webhook_endpoints(app):
    dash, account_id = _brand(app)
    page = dash.get("/dashboard/settings").get_data(as_text=True)
    labels = re.findall(r'<label[^>]*for="(kind_\d+)"[^>]*>([^<]+)</label>', page)
    by_label = {label: field for field, label in labels}
    accepted = by_label["A creator accepted an offer"]
    assert "A new offer or invitation" not in by_label  # a creator's kind, not a brand's
    data = {field: "email" for field in by_label.values()}
    data[accepted] = "app"
    r = dash.post("/dashboard/settings/notifications", data, page="/dashboard/settings")
    assert r.status_code == 303
    api = dash.api_user("glow@example.com")
    channels = api.get("/api/v1/notification-preferences").json["channels"]
    assert channels["offers.accepted"] == "app" and channels["open_call.application"] == "email"
    page = dash.get("/dashboard/settings").get_data(as_text=True)
    assert "Notification settings saved." in page
    assert re.search(
        rf'<select[^>]*id="{accepted}"[^>]*>.*?<option selected value="app"', page, re.S
    )

    r = dash.post(
        "/dashboard/settings/webhook-endpoints",
        {"url": "http://127.0.0.1:9/hook", "events": ["offers.accepted", "campaign.funded"]},
        page="/dashboard/settings",
    )
    assert r.status_code == 303
    page = dash.get("/dashboard/settings").get_data(as_text=True)
    secret = re.search(r"shown only now: (whsec_[0-9a-f]+)", page)
    assert secret, page
    assert "<code>offers.accepted</code>" in page and "<code>campaign.funded</code>" in page
    # offers.accepted is "only here" now, campaign.funded goes by email: neither is sent to it
    assert "Not sent to this endpoint while their channel above is not" in page
    s = app.extensions["dandelion.db"].read_session_factory()
    [endpoint] = s.scalars(select(WebhookEndpoint)).all()
    s.close()
    assert endpoint.secret == secret.group(1) and endpoint.account_id == account_id
    assert secret.group(1) not in dash.get("/dashboard/settings").get_data(as_text=True)

    bad = dash.post(
        "/dashboard/settings/webhook-endpoints",
        {"url": "ftp://x", "events": ["offers.accepted"]},
        page="/dashboard/settings",
    )
    assert "Give an absolute http(s) URL" in dash.get(bad.headers["Location"]).get_data(
        as_text=True
    )

    r = dash.post(
        f"/dashboard/settings/webhook-endpoints/{endpoint.id}/delete", page="/dashboard/settings"
    )
    assert r.status_code == 303
    assert api.get("/api/v1/webhook-endpoints").json == []


def test_operators_have_the_bell_too(app, client):
    from tests.conftest import operator_user

    ops = operator_user(app, client, email="ops@example.com")
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        notify(s, ops.account_id, "match_run.finished", "Matching finished", "12 offers.")
    dash = Dash(app)
    dash.login("ops@example.com")
    page = dash.get("/dashboard/notifications").get_data(as_text=True)
    assert "Matching finished" in page and 'aria-label="Notifications, 1 unread"' in page
    s = app.extensions["dandelion.db"].read_session_factory()
    assert s.scalars(select(Notification)).one().kind == "match_run.finished"
    s.close()
