"""The creator's Settings page (/dashboard/me/settings) through the Flask test client: the
channel of each creator kind, which decides whether an invitation is mailed; webhook endpoints
(add with the secret shown once, enable again, delete); the validation messages; and the walls
between creators, brands and each other's endpoints."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, update

from core.db import session_scope
from notifications.kinds import Audience, kinds_for
from notifications.models import WebhookEndpoint
from tests.e2e.dashboard_helpers import Dash
from tests.test_creator_pages import creator_id, invite, open_creator, text
from tests.test_notification_delivery import _sweep

SETTINGS = "/dashboard/me/settings"


@pytest.fixture
def app(make_app: Any, smtp_server: Any) -> Any:
    return make_app(SMTP_URL=smtp_server.url, PUBLIC_URL="https://dandelion.example.com")


def _fields(page: str) -> dict[str, str]:
    """Kind label → the select's field name, as the page labels them."""
    labels = re.findall(r'<label[^>]*for="(kind_\d+)"[^>]*>([^<]+)</label>', page)
    return {label: field for field, label in labels}


def _channels(dash: Any, email: str) -> dict[str, str]:
    return dict(dash.api_user(email).get("/api/v1/notification-preferences").json["channels"])


def test_a_creator_who_keeps_offers_in_the_app_gets_no_email_for_an_invitation(
    app: Any, make_brand: Any, make_campaign: Any, smtp_server: Any
) -> None:
    mia = open_creator(app)
    noa = open_creator(app, "noa.glows", "noa@example.com")
    page = mia.get(SETTINGS)
    assert page.status_code == 200
    fields = _fields(page.get_data(as_text=True))
    assert set(fields) == {k.label for k in kinds_for(Audience.CREATOR)}  # only creator kinds
    assert "A creator accepted an offer" not in fields  # a brand's kind
    new_offer = fields["A new offer or invitation"]
    data = {field: "email" for field in fields.values()}
    data[new_offer] = "app"
    r = mia.form("/dashboard/settings/notifications", data, page=SETTINGS)
    assert r.status_code == 303 and r.headers["Location"].endswith(SETTINGS + "#notifications")
    after = mia.get(SETTINGS).get_data(as_text=True)
    assert "Notification settings saved." in after
    assert re.search(rf'<select[^>]*id="{new_offer}"[^>]*>.*?<option selected value="app"', after,
                     re.S)  # fmt: skip
    assert _channels(mia, "mia@example.com")["offers.new"] == "app"
    assert _channels(noa, "noa@example.com")["offers.new"] == "email"  # Noa's are her own

    brand = make_brand("Lumen Skin")
    campaign = make_campaign(brand, state="published")
    invite(brand, campaign["id"], creator_id(app, "mia.cooks"))
    invite(brand, campaign["id"], creator_id(app, "noa.glows"))
    _sweep(app)
    assert smtp_server.to("mia@example.com") == []
    [mail] = smtp_server.to("noa@example.com")
    assert "Lumen Skin" in str(mail["Subject"])
    link = "https://dandelion.example.com/dashboard/me/settings"
    assert link in mail.get_content()  # the page this test saved on
    assert "invited you" in text(mia.get("/dashboard/me/notifications"))  # still in the app


def test_a_channel_outside_the_choices_is_refused(app: Any) -> None:
    mia = open_creator(app)
    fields = _fields(mia.get(SETTINGS).get_data(as_text=True))
    data = {field: "email" for field in fields.values()}
    data[fields["A new offer or invitation"]] = "carrier-pigeon"
    r = mia.form("/dashboard/settings/notifications", data, page=SETTINGS)
    assert r.status_code == 303 and r.headers["Location"].endswith(SETTINGS + "#notifications")
    assert "Choose email, webhook or only in Dandelion for each kind." in text(mia.get(SETTINGS))
    assert _channels(mia, "mia@example.com")["offers.new"] == "email"  # unchanged


def test_a_creator_adds_enables_and_deletes_a_webhook_endpoint(app: Any, session: Any) -> None:
    mia = open_creator(app)
    page = mia.get(SETTINGS).get_data(as_text=True)
    offered = {m for m in re.findall(r'name="events"[^>]*value="([^"]+)"', page)}
    offered |= {m for m in re.findall(r'value="([^"]+)"[^>]*name="events"', page)}
    assert offered == {k.key for k in kinds_for(Audience.CREATOR)}

    r = mia.form("/dashboard/settings/webhook-endpoints",
                 {"url": "http://127.0.0.1:9/hook", "events": ["offers.new"]}, page=SETTINGS)  # fmt: skip
    assert r.status_code == 303 and r.headers["Location"].endswith(SETTINGS + "#webhooks")
    page = mia.get(SETTINGS).get_data(as_text=True)
    secret = re.search(r"shown only now: (whsec_[0-9a-f]+)", page)
    assert secret, page
    assert "http://127.0.0.1:9/hook" in page and "<code>offers.new</code>" in page
    assert "Not sent to this endpoint while their channel above is not" in page  # still email
    assert secret.group(1) not in mia.get(SETTINGS).get_data(as_text=True)  # shown once

    # a brand's kind, a bad address: refused with the reason, nothing stored
    for bad, reason in (({"url": "http://127.0.0.1:9/x", "events": ["campaign.funded"]},
                         "Give the endpoint's URL and choose at least one kind."),
                        ({"url": "ftp://x", "events": ["offers.new"]},
                         "Give an absolute http(s) URL")):  # fmt: skip
        r = mia.form("/dashboard/settings/webhook-endpoints", bad, page=SETTINGS)
        assert r.headers["Location"].endswith(SETTINGS + "#webhooks")
        assert reason in text(mia.get(SETTINGS))
    session.rollback()
    [endpoint] = session.scalars(select(WebhookEndpoint)).all()
    assert endpoint.secret == secret.group(1)

    # disabled after failures: the page says so and enables it again
    with app.app_context(), session_scope(app.extensions["dandelion.db"].session_factory) as s:
        s.execute(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id)
                  .values(disabled_at=WebhookEndpoint.created_at, consecutive_failures=10))  # fmt: skip
    page = text(mia.get(SETTINGS))
    assert "disabled" in page and "after 10 failures" in page and "Enable again" in page
    url = f"/dashboard/settings/webhook-endpoints/{endpoint.id}"
    r = mia.form(f"{url}/enable", {}, page=SETTINGS)
    assert r.status_code == 303 and r.headers["Location"].endswith(SETTINGS + "#webhooks")
    page = text(mia.get(SETTINGS))
    assert "Endpoint enabled" in page and "Enable again" not in page

    # another creator cannot touch it; without the CSRF token nothing happens
    noa = open_creator(app, "noa.glows", "noa@example.com")
    assert noa.form(f"{url}/delete", {}, page=SETTINGS).status_code == 404
    assert "127.0.0.1:9/hook" not in noa.get(SETTINGS).get_data(as_text=True)
    assert mia.client.post(f"{url}/delete", data={}).status_code == 400
    assert "127.0.0.1:9/hook" in mia.get(SETTINGS).get_data(as_text=True)

    r = mia.form(f"{url}/delete", {}, page=SETTINGS)
    assert r.status_code == 303
    page = text(mia.get(SETTINGS))
    assert "Endpoint deleted" in page and "No endpoints yet." in page


def test_each_role_has_its_own_settings_page(app: Any) -> None:
    mia = open_creator(app)
    assert mia.get("/dashboard/settings").status_code == 403
    assert 'href="/dashboard/me/settings"' in mia.get("/dashboard/me/notifications").get_data(
        as_text=True
    )
    assert 'href="/dashboard/me/settings"' in mia.get("/dashboard/me/profile").get_data(
        as_text=True
    )
    brand = Dash(app)
    brand.signup("Glow Labs", "glow@example.com")
    assert brand.get(SETTINGS).status_code == 403
    page = brand.get("/dashboard/settings").get_data(as_text=True)
    assert "A creator accepted an offer" in page and "A new offer or invitation" not in page
    # a brand's save still lands on its own page
    r = brand.post("/dashboard/settings/notifications", {}, page="/dashboard/settings")
    assert r.headers["Location"].endswith("/dashboard/settings#notifications")
    anonymous = Dash(app)
    r = anonymous.get(SETTINGS)
    assert r.status_code == 302 and "/dashboard/login" in r.headers["Location"]
