"""Open calls on the dashboard: a brand opens a call on a published campaign, compares the
applicants side by side, selects one (CSRF-protected), and confirms the optimiser's best set
after reading its explanation; another brand's call and applications are not found."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from collaborations.models import Application, ApplicationStatus, Sponsorship
from core.db import utcnow
from tests.e2e.dashboard_helpers import Dash, confirm, create_campaign
from tests.factories import complete_profile, fresh
from tests.helpers import count_rows


def text(response: Any) -> str:
    return response.get_data(as_text=True)


def flashes(html: str) -> list[str]:
    return [
        re.sub(r"\s+", " ", m).strip()
        for m in re.findall(r'<p class="flash flash-\w+"[^>]*>(.*?)</p>', html, re.S)
    ]


def published(app: Any, name: str = "Lumen Skin", email: str = "lumen@example.com", **form: Any):
    brand = Dash(app)
    brand.signup(name, email)
    campaign_id = create_campaign(brand, **form)
    assert confirm(brand, campaign_id, "fund").status_code == 303
    assert confirm(brand, campaign_id, "publish").status_code == 303
    return brand, campaign_id


def open_creator(make_creator: Any, **profile: Any) -> Any:
    creator = make_creator()
    complete_profile(creator, **profile)
    r = creator.put(
        "/api/v1/creators/me/availability",
        json={"open": True, "until": None, "categories": ["skincare"]},
    )
    assert r.status_code == 200
    return creator


def apply(creator: Any, campaign_id: int, amount: int) -> int:
    r = creator.post(
        f"/api/v1/open-calls/{campaign_id}/applications",
        json={"price": {"amount": amount, "currency": "EUR"}, "pitch": "Evening routines."},
    )
    assert r.status_code == 201, r.get_json()
    return int(r.get_json()["id"])


def local(days: float) -> str:
    return (utcnow() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def test_open_a_call_compare_and_select_by_hand(app, session, make_creator):
    brand, campaign_id = published(app)
    url = f"/dashboard/campaigns/{campaign_id}/open-call"
    overview = text(brand.get(f"/dashboard/campaigns/{campaign_id}"))
    assert url in overview and "Open a call" in overview
    page = text(brand.get(url))
    assert "Open a call" in page and 'type="datetime-local"' in page

    r = brand.post(url, {"closes_at": local(-1)}, page=url)  # in the past: said beside the field
    assert r.status_code == 422 and "Must be in the future." in text(r)
    r = brand.post(url, {"closes_at": local(7)}, page=url)
    assert r.status_code == 303
    page = text(brand.get(url))
    assert "The call is open until" in " ".join(flashes(page))
    assert "No applications yet" in page

    cheap = open_creator(make_creator, followers=20_000)
    dear = open_creator(make_creator, followers=30_000)
    cheap_app = apply(cheap, campaign_id, 40_000)
    apply(dear, campaign_id, 90_000)
    page = text(brand.get(url))
    assert page.count('class="card applicant') == 2
    for figure in ("Fit", "Reaches", "Price (binding)", "Per engaged person", "Reliability"):
        assert figure in page
    assert "Evening routines." in page and "Pick the best set" in page

    select_url = f"/dashboard/applications/{cheap_app}/select"
    assert brand.client.post(select_url).status_code == 400  # no CSRF token: refused
    assert fresh(session, Application, cheap_app).status is ApplicationStatus.SUBMITTED
    r = brand.post(select_url, page=url)
    assert r.status_code == 303
    page = text(brand.get(url))
    assert any("Selected @" in f and "sponsorship has started" in f for f in flashes(page))
    assert fresh(session, Application, cheap_app).status is ApplicationStatus.SELECTED
    assert count_rows(session, Sponsorship) == 1
    r = brand.post(select_url, page=url)  # twice: the refusal is flashed, nothing changes
    assert "it cannot be selected" in " ".join(flashes(text(brand.get(url))))
    assert count_rows(session, Sponsorship) == 1


def test_pick_the_best_set_shows_why_and_selects_on_confirm(app, session, make_creator):
    brand, campaign_id = published(app, budget="1000", slots="2")
    url = f"/dashboard/campaigns/{campaign_id}/open-call"
    assert brand.post(url, {"closes_at": local(7)}, page=url).status_code == 303
    big = open_creator(make_creator, followers=30_000)
    mid1 = open_creator(make_creator, followers=20_000)
    mid2 = open_creator(make_creator, followers=20_000)
    ids = {
        "big": apply(big, campaign_id, 90_000),
        "mid1": apply(mid1, campaign_id, 50_000),
        "mid2": apply(mid2, campaign_id, 50_000),
    }
    best = f"/dashboard/campaigns/{campaign_id}/open-call/best-set"
    page = text(brand.get(best))
    assert "The optimiser would select 2 of 3 applicants" in page
    assert "Picking the biggest reach first would have reached only" in page
    assert "Left out, and why" in page and "reaches fewer engaged people per EUR" in page
    assert fresh(session, Application, ids["mid1"]).status is ApplicationStatus.SUBMITTED

    assert brand.client.post(best).status_code == 400  # CSRF
    r = brand.post(best, page=best)
    assert r.status_code == 303
    assert any("The optimiser selected 2" in f for f in flashes(text(brand.get(url))))
    statuses = {k: fresh(session, Application, v).status.value for k, v in ids.items()}
    assert statuses == {"big": "submitted", "mid1": "selected", "mid2": "selected"}


def test_another_brands_call_is_not_found_and_drafts_cannot_open_one(app, session, make_creator):
    brand, campaign_id = published(app)
    url = f"/dashboard/campaigns/{campaign_id}/open-call"
    assert brand.post(url, {"closes_at": local(7)}, page=url).status_code == 303
    application = apply(open_creator(make_creator), campaign_id, 40_000)
    other = Dash(app)
    other.signup("Other Co", "other@example.com")
    assert other.get(url).status_code == 404
    assert other.get(url + "/best-set").status_code == 404
    assert other.post(f"/dashboard/applications/{application}/select").status_code == 404
    assert other.post(url + "/close").status_code == 404
    assert fresh(session, Application, application).status is ApplicationStatus.SUBMITTED
    draft = create_campaign(other)
    page = text(other.get(f"/dashboard/campaigns/{draft}/open-call"))
    assert "Publish this campaign first" in page and 'type="datetime-local"' not in page


def test_closing_the_call_now_tells_the_waiting_applicants(app, session, make_creator):
    brand, campaign_id = published(app)
    url = f"/dashboard/campaigns/{campaign_id}/open-call"
    assert brand.post(url, {"closes_at": local(7)}, page=url).status_code == 303
    application = apply(open_creator(make_creator), campaign_id, 40_000)
    assert brand.post(url + "/close", page=url).status_code == 303
    page = text(brand.get(url))
    assert "1 applicant not selected was told" in " ".join(flashes(page))
    assert "Select at" not in page and "Not selected; told" in page
    assert fresh(session, Application, application).status is ApplicationStatus.NOT_SELECTED
