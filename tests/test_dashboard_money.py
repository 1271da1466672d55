"""Money as the brand writes it, through the real campaign form: the browser's locale decides
how an amount is read (``4.500,00`` is 4,500 EUR in de_DE and refused, with an example, in
en_US), amounts are shown back in that locale, and a budget far from what the category's
creators charge asks for confirmation instead of being saved as typed."""

from __future__ import annotations

import re

from sqlalchemy import select

from campaigns.models import Campaign
from tests.e2e.dashboard_helpers import Dash, build_market, campaign_form
from tests.factories import complete_profile, open_up

GERMAN = {"Accept-Language": "de-DE,de;q=0.9,en;q=0.5"}
AMERICAN = {"Accept-Language": "en-US,en;q=0.9"}
NEW = "/dashboard/campaigns/new"


def text(r) -> str:
    return r.get_data(as_text=True)


def brand(app) -> Dash:
    dash = Dash(app)
    dash.signup("Glow Labs", "glow@example.com")
    return dash


def campaigns(session) -> list[Campaign]:
    session.rollback()
    rows = list(session.scalars(select(Campaign)))
    session.rollback()
    return rows


def test_a_german_budget_is_read_as_german(app, session):
    dash = brand(app)
    r = dash.post(NEW, campaign_form(budget="4.500,00"), page=NEW, headers=GERMAN)
    assert r.status_code == 303, text(r)
    [c] = campaigns(session)
    assert (c.budget_amount, c.currency) == (450_000, "EUR")
    # shown back as the brand writes it, on the campaign and in the edit form
    page = text(dash.get(f"/dashboard/campaigns/{c.id}", headers=GERMAN))
    assert "4.500,00\xa0€" in page
    edit = text(dash.get(f"/dashboard/campaigns/{c.id}/edit", headers=GERMAN))
    assert 'name="budget" type="text" value="4.500,00"' in edit


def test_the_same_text_in_an_english_locale_is_refused_with_an_example(app, session):
    dash = brand(app)
    r = dash.post(NEW, campaign_form(budget="4.500,00"), page=NEW, headers=AMERICAN)
    assert r.status_code == 422
    page = text(r)
    error = re.search(r'id="budget-error">(.*?)</p>', page).group(1)
    assert "“4.500,00” is not an amount as written in English (United States)" in error
    assert "write it like 4,500.00" in error
    assert 'value="4.500,00"' in page  # what was typed stays
    assert campaigns(session) == []
    # 4.500 could be 4.5 or 4,500: more decimals than EUR has, refused rather than guessed
    r = dash.post(NEW, campaign_form(budget="4.500"), page=NEW, headers=AMERICAN)
    assert r.status_code == 422 and "more decimals than EUR amounts" in text(r)
    assert campaigns(session) == []


def test_yen_and_three_decimal_currencies(app, session):
    dash = brand(app)
    r = dash.post(NEW, campaign_form(budget="450.000", currency="JPY"), page=NEW, headers=GERMAN)
    assert r.status_code == 303, text(r)
    r = dash.post(NEW, campaign_form(budget="1,250.5", currency="KWD"), page=NEW, headers=AMERICAN)
    assert r.status_code == 303, text(r)
    by_currency = {c.currency: c.budget_amount for c in campaigns(session)}
    assert by_currency == {"JPY": 450_000, "KWD": 1_250_500}
    r = dash.post(NEW, campaign_form(budget="4500.5", currency="JPY"), page=NEW, headers=AMERICAN)
    assert r.status_code == 422 and "JPY amounts (no decimals)" in text(r)


def test_a_budget_far_from_the_category_asks_for_confirmation(app, session, make_creator):
    for _ in range(5):  # typical rate of skincare creators in EUR: their rate card
        open_up(make_creator())
    rate = complete_profile(make_creator())["rate"]["amount"]
    dash = brand(app)
    tiny = campaign_form(budget="4,50")  # meant 4.500,00: a slip of the separator
    r = dash.post(NEW, tiny, page=NEW, headers=GERMAN)
    assert r.status_code == 422
    page = text(r)
    assert "times less than what one creator of skincare typically charges" in page
    assert 'name="confirm_amount"' in page and campaigns(session) == []
    assert rate > 450 * 10
    r = dash.post(NEW, {**tiny, "confirm_amount": "y"}, page=NEW, headers=GERMAN)
    assert r.status_code == 303, text(r)
    assert [c.budget_amount for c in campaigns(session)] == [450]
    # an ordinary budget needs no confirmation
    r = dash.post(NEW, campaign_form(budget="5.000"), page=NEW, headers=GERMAN)
    assert r.status_code == 303, text(r)


def test_every_problem_at_once_with_the_labels_the_form_uses(app, session):
    dash = brand(app)
    bad = campaign_form(
        title="",
        budget="4.500,00",
        slots="2",
        min_creators="5",
        starts_on="2030-01-10",
        ends_on="2030-01-01",
        min_followers="5000",
        max_followers="100",
        interest_skincare="0",
        interest_makeup="0",
        competitor_group="Breakfast cereals",
    )
    r = dash.post(NEW, bad, page=NEW, headers=AMERICAN)
    assert r.status_code == 422
    page = text(r)
    for field_id, message in {
        "title": "This field is required.",
        "budget": "is not an amount as written in English (United States)",
        "min_creators": "Cannot be more than “Creators wanted” (2).",
        "ends_on": "Must be on or after the start date (10 Jan 2030).",
        "max_followers": "Must be at least “Fewest followers” (5,000).",
    }.items():
        found = re.search(rf'id="{field_id}-error">(.*?)</p>', page)
        assert found and message in found.group(1), (field_id, found and found.group(1))
    assert "interests-error" in page
    assert "starts_on" not in re.sub(r'(id|name|for|href)="[^"]*"', "", page)  # no API names
    summary = re.search(r'id="error-summary".*?</div>', page, re.S).group(0)
    assert summary.count("<li>") == 6
    # a competitor group is named freely and slugged by us
    r = dash.post(NEW, campaign_form(competitor_group="Breakfast cereals"), page=NEW)
    assert r.status_code == 303, text(r)
    assert [c.competitor_group for c in campaigns(session)] == ["breakfast-cereals"]


def test_operator_pages_name_campaigns_and_explain_the_objective(app, make_creator):
    market = build_market(app, make_creator)
    run = text(market.operator.get(f"/dashboard/operator/runs/{market.run_id}"))
    assert "Objective" not in run and "engaged target audience" in run.lower()
    assert "“Winter barrier serum” (Lumen Skin)" in run  # the campaign by title and brand
    assert not re.search(r'<th scope="row">\d+</th>', run)  # no bare campaign ids
    assert "week of " in run
    runs = text(market.operator.get("/dashboard/operator/runs"))
    assert "week of " in runs and "Engaged target people" in runs


def test_a_brand_chooses_its_format_in_settings_over_the_browser(app, session):
    dash = brand(app)
    page = text(dash.get("/dashboard/settings", headers=AMERICAN))
    assert "As my browser says (now English (United States): €4,500.00)" in page
    assert "German (Germany): 4.500,00\xa0€" in page
    r = dash.post("/dashboard/settings", {"locale": "de_DE"}, page="/dashboard/settings")
    assert r.status_code == 303
    # an English browser, a German brand: read and shown the German way
    r = dash.post(NEW, campaign_form(budget="4.500,00"), page=NEW, headers=AMERICAN)
    assert r.status_code == 303, text(r)
    [c] = campaigns(session)
    assert c.budget_amount == 450_000
    assert "4.500,00\xa0€" in text(dash.get(f"/dashboard/campaigns/{c.id}", headers=AMERICAN))
    refused = dash.post("/dashboard/settings", {"locale": "xx_XX"}, page="/dashboard/settings")
    assert refused.status_code == 422
    r = dash.post("/dashboard/settings", {"locale": ""}, page="/dashboard/settings")
    assert r.status_code == 303  # back to the browser's
    assert "€4,500.00" in text(dash.get(f"/dashboard/campaigns/{c.id}", headers=AMERICAN))
