"""Why slots stay empty and why strong creators were left out: one small market per reason.

Each market is built from records through eligibility (``build_instance``), solved, and
explained; the tests read both the reason codes and the sentences a brand reads.
"""

import datetime as dt

import numpy as np
import pytest

from matching.market import MarketCampaign, MarketCreator, MatchingPolicy, build_instance, explain
from matching.market.build import PairDetails
from matching.market.explain import money_text
from matching.solver import Instance, solve, validate
from tests.matching.matching_helpers import market_campaign, market_creator

TODAY = dt.date(2026, 11, 23)
SKIN = {
    "interests": {"skincare": 0.6, "makeup": 0.4},
    "gender": {"female": 0.7, "male": 0.3},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.6, "25-34": 0.4},
}
GAMING = {
    "interests": {"gaming": 1.0},
    "gender": {"female": 0.1, "male": 0.9},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.6, "25-34": 0.4},
}

MOSTLY_WOMEN = {**SKIN, "gender": {"female": 0.95, "male": 0.05}}


def creator(cid: str, **kw) -> MarketCreator:
    return market_creator(cid, **{"audience": SKIN, **kw})


def campaign(cid: str = "c1", **kw) -> MarketCampaign:
    return market_campaign(cid, **{"target_audience": SKIN, "budget": 500_000, **kw})


def run(creators, campaigns=None) -> tuple[dict, Instance, PairDetails, list]:
    inst, details = build_instance(creators, campaigns or [campaign()], MatchingPolicy(), TODAY)
    result = solve(inst, time_limit_s=None)
    assert validate(inst, result) == []
    return explain(inst, result, details), inst, details, result.assignments


def of(out: dict, cid: str = "c1") -> dict:
    return next(c for c in out["campaigns"] if c["campaign"] == cid)


def test_every_candidate_chosen_with_budget_left_never_blames_the_budget() -> None:
    # The bug: 5,000 EUR, 5 slots, two relevant creators at 375 EUR each, chosen both; 4,250
    # EUR stay. The old text said the budget was the limit.
    out, *_ = run(
        [
            creator("ana", rate=37_500),
            creator("bea", rate=37_500),
            creator("gamer", audience=GAMING, followers=900_000),
        ],
        [campaign(budget=500_000, slots=5)],
    )
    c = of(out)
    assert (c["assigned"], c["remaining"], c["unfilled_slots"]) == (2, 425_000, 3)
    assert c["unfilled_reason"] == "no_more_creators"
    assert c["unfilled"]["blocked"] == {} and c["unfilled"]["cheapest_rate"] is None
    assert c["excluded_counts"] == {"fit_threshold": 1}
    text = c["text"]
    assert "No more relevant creators" in text
    assert "all 2 suitable creators available this week are in your offers" in text
    assert "1 has an audience that is not your target audience" in text
    assert "Your budget is not the limit: €4,250.00 is left." in text
    assert "remaining budget is below" not in text and "larger budget" not in text
    assert {a["binding"] for a in out["assignments"]} == {"no_more_creators"}
    assert all("budget" not in a["text"] for a in out["assignments"])
    # A creator with no audience in common never counts as one who "came close".
    assert c["left_out"] == []


def test_no_eligible_creator_says_how_many_were_excluded_and_for_what() -> None:
    out, *_ = run(
        [
            creator("gamer1", audience=GAMING),
            creator("gamer2", audience=GAMING, followers=50_000),
            creator("big", followers=500_000),
            creator("posty", sponsored_share=0.9),
            creator("usd", currency="USD"),
        ],
        [campaign(max_followers=200_000)],
    )
    c = of(out)
    assert (c["assigned"], c["unfilled_reason"]) == (0, "no_eligible_creators")
    assert c["excluded_counts"] == {
        "fit_threshold": 2,
        "follower_range": 1,
        "sponsored_cap": 1,
        "currency": 1,
    }
    assert c["text"].startswith("0 of 3 slots filled for €0.00 of €5,000.00.")
    assert "No opted-in creator could take your campaign this week" in c["text"]
    assert "2 have an audience that is not your target audience" in c["text"]
    assert "1 has a follower count outside your range" in c["text"]
    assert "1 posts too much sponsored content already" in c["text"]
    assert "1 is paid in another currency" in c["text"]
    by = {e["creator"]: e for e in c["left_out"]}
    assert "gamer1" not in by and "gamer2" not in by  # no interest in common
    # The big creator only fails the follower range: a counterfactual the brand can act on.
    big = by["big"]
    assert big["reason"] == "follower_range"
    assert big["counterfactual"]["kind"] == "follower_range"
    assert big["counterfactual"]["followers"] == 500_000
    assert "Could be offered if your follower range included 500,000." in big["text"]
    # Too much sponsored content: the creator's to change, no counterfactual for the brand.
    assert by["posty"]["counterfactual"] is None
    assert "already sponsored" in by["posty"]["text"]


def test_nobody_in_the_category_at_all() -> None:
    out, *_ = run(
        [creator("chef", categories=frozenset({"food"}))],
        [campaign(), campaign("c2", category="food")],
    )
    c = of(out)
    assert c["unfilled_reason"] == "no_eligible_creators" and c["excluded_counts"] == {}
    assert "none open to paid work accepts its category" in c["text"]


def test_price_above_the_remaining_budget_names_the_amounts() -> None:
    creators = [
        creator("star", followers=400_000, rate=70_000),
        creator("mid", followers=100_000, rate=45_000),
        creator("small", followers=50_000, rate=40_000),
        creator("pricey", followers=300_000, rate=200_000),
    ]
    out, _, _, chosen = run(creators, [campaign(budget=110_000, slots=3)])
    assert sorted(chosen) == [("small", "c1"), ("star", "c1")]  # 700 + 400 = the whole budget
    c = of(out)
    assert (c["remaining"], c["unfilled_reason"]) == (0, "budget")
    assert c["unfilled"]["blocked"] == {"budget": 1}
    assert c["unfilled"]["cheapest_rate"] == 45_000
    assert c["unfilled"]["counterfactual"]["amount"] == 45_000
    assert (
        "The other suitable creator asks more than the €0.00 left of your budget "
        "(the cheapest asks €450.00)."
    ) in c["text"]
    assert (
        "More creators could be offered if your budget left were at least €450.00." in (c["text"])
    )
    assert {a["binding"] for a in out["assignments"]} == {"budget"}
    by = {e["creator"]: e for e in c["left_out"]}
    mid = by["mid"]
    assert (mid["reason"], mid["rate"]) == ("budget", 45_000)
    assert mid["counterfactual"] == {
        "kind": "budget",
        "followers": None,
        "amount": 45_000,
        "currency": "EUR",
        "text": "Could be offered if your budget left were at least €450.00.",
    }
    assert "Their rate, €450.00, is above the €0.00 left of your budget." in mid["text"]
    # Above the whole budget: removed by eligibility, with the same kind of counterfactual.
    pricey = by["pricey"]
    assert pricey["reason"] == "over_budget"
    assert pricey["counterfactual"]["amount"] == 200_000
    assert (
        "Not offered: their rate, €2,000.00, is above your budget left (€1,100.00)."
        in (pricey["text"])
    )
    assert c["excluded_counts"] == {"over_budget": 1}


def test_full_campaign_and_stronger_creator_needs_a_slot_and_budget() -> None:
    creators = [
        creator("a", followers=200_000, rate=50_000),
        creator("b", followers=180_000, rate=50_000),
        creator("c", followers=190_000, rate=60_000),
    ]
    out, _, _, chosen = run(creators, [campaign(budget=100_000, slots=2)])
    assert sorted(chosen) == [("a", "c1"), ("b", "c1")]
    c = of(out)
    assert c["unfilled_reason"] is None and c["unfilled"] is None
    [left] = c["left_out"]
    assert left["creator"] == "c" and left["reason"] == "budget"
    assert left["counterfactual"]["kind"] == "budget_and_slot"
    assert "one more slot and a budget left of at least €600.00" in left["text"]
    assert {a["binding"] for a in out["assignments"]} == {"slots"}


def test_fully_booked_creator() -> None:
    out, _, _, chosen = run(
        [creator("solo", capacity=1)], [campaign("c1", slots=1), campaign("c2", slots=1)]
    )
    [(_, got)] = chosen
    other = "c2" if got == "c1" else "c1"
    c = of(out, other)
    assert c["unfilled_reason"] == "creator_capacity"
    assert c["text"].endswith("The other suitable creator is fully booked this week.")
    assert [e["reason"] for e in c["left_out"]] == ["creator_capacity"]
    assert c["left_out"][0]["counterfactual"] is None


def test_competitor_group() -> None:
    out, _, _, chosen = run(
        [creator("solo", capacity=2)],
        [
            campaign("c1", slots=1, competitor_group="serums"),
            campaign("c2", slots=1, competitor_group="serums"),
        ],
    )
    [(_, got)] = chosen
    other = "c2" if got == "c1" else "c1"
    c = of(out, other)
    assert c["unfilled_reason"] == "competitor_group"
    assert "works with a competing brand this week" in c["text"]
    assert [e["reason"] for e in c["left_out"]] == ["competitor_group"]


def test_mixed_reasons_are_counted() -> None:
    creators = [
        creator("busy", capacity=1, followers=300_000, rate=10_000),
        creator("x", rate=30_000, followers=80_000),
        creator("y", rate=30_000, followers=70_000),
    ]
    # c0 takes the busy creator (its only candidate); c1 can pay one of x and y.
    out, _, _, chosen = run(
        creators,
        [
            campaign("c0", slots=1, budget=10_000),
            # Mostly women: every creator fits c1 a little less, so busy is worth more on c0.
            campaign("c1", slots=3, budget=40_000, target_audience=MOSTLY_WOMEN),
        ],
    )
    assert ("busy", "c0") in chosen and ("x", "c1") in chosen
    c = of(out, "c1")
    assert c["unfilled"]["blocked"] == {"creator_capacity": 1, "budget": 1}
    assert c["unfilled_reason"] == "budget"  # a tie goes to what the brand can change
    assert c["text"].endswith(
        "Of the 2 other suitable creators, 1 asks more than the €100.00 left of your budget "
        "(the cheapest asks €300.00) and 1 is fully booked this week. More creators could be "
        "offered if your budget left were at least €300.00."
    )


def test_all_or_nothing_minimum() -> None:
    too_few, *_ = run([creator("a"), creator("b")], [campaign(slots=3, min_creators=3)])
    c = of(too_few)
    assert (c["assigned"], c["unfilled_reason"]) == (0, "minimum")
    assert (
        "Only 2 suitable creators were available, fewer than your all-or-nothing minimum of 3"
        in (c["text"])
    )
    assert {e["reason"] for e in c["left_out"]} == {"minimum"}

    too_dear, *_ = run(
        [creator("a", rate=40_000), creator("b", rate=45_000), creator("c", rate=50_000)],
        [campaign(budget=100_000, slots=3, min_creators=3)],
    )
    c = of(too_dear)
    assert c["unfilled_reason"] == "minimum"
    assert c["unfilled"]["counterfactual"]["amount"] == 135_000
    assert "the 3 cheapest suitable ones ask €1,350.00 together" in c["text"]
    assert "Could be matched with a budget of at least €1,350.00." in c["text"]


def test_components_are_read_generically_and_money_uses_the_currency() -> None:
    out, inst, details, _ = run([creator("a")])
    [a] = out["assignments"]
    assert set(a["fit_components"]) == set(details.components)
    assert all(0.0 <= v <= 1.0 for v in a["fit_components"].values())
    assert a["engaged_target"] == round(float(inst.pair_value[0]) * 1000)
    assert money_text(45_000, "EUR") == "€450.00"
    assert money_text(4_500, "JPY") == "¥4,500"
    assert np.isfinite(a["engaged_per_unit_of_money"])


def test_per_campaign_rejection_counts_add_up_to_the_global_ones() -> None:
    creators = [
        creator("a"),
        creator("gamer", audience=GAMING),
        creator("big", followers=900_000),
        creator("dear", rate=400_000),
    ]
    campaigns = [campaign("c1", max_followers=500_000), campaign("c2", budget=300_000)]
    _, details = build_instance(creators, campaigns, MatchingPolicy(), TODAY)
    per = details.rejected_by_campaign
    assert per["c1"] == {"fit_threshold": 1, "follower_range": 1}
    assert per["c2"] == {"fit_threshold": 1, "over_budget": 1}
    for reason, n in details.rejected.items():
        assert sum(p.get(reason, 0) for p in per.values()) == n


def test_dashboard_advice_follows_the_real_reason() -> None:
    from dashboard.presenters import unfilled_advice

    all_chosen, *_ = run([creator("ana", rate=37_500)], [campaign(budget=500_000, slots=5)])
    advice = unfilled_advice(of(all_chosen))
    assert "budget" not in advice and "already has an offer" in advice
    dear, *_ = run(
        [
            creator("star", followers=400_000, rate=70_000),
            creator("mid", followers=100_000, rate=45_000),
            creator("small", followers=50_000, rate=40_000),
        ],
        [campaign(budget=110_000, slots=3)],
    )
    assert unfilled_advice(of(dear)) == (
        "More creators could be offered if your budget left were at least €450.00."
    )
    # A summary stored by an older run: only the reason code.
    assert unfilled_advice({"unfilled_reason": "budget"}).startswith("A larger budget")
    assert unfilled_advice(None).startswith("The next weekly run")


def test_a_jpy_campaign_is_explained_in_yen_not_hundredths() -> None:
    """45,000 yen is ``¥45,000`` (JPY has no minor unit), not "JPY 450.00", and the engaged
    people per unit of money are per yen."""
    yen = {"currency": "JPY"}
    out, inst, _details, _ = run(
        [creator("ana", rate=45_000, **yen), creator("dear", rate=900_000, **yen)],
        [campaign(budget=100_000, slots=2, **yen)],
    )
    [a] = out["assignments"]
    assert a["rate"] == 45_000 and "for ¥45,000 (" in a["text"]
    assert "450.00" not in a["text"] and "per 1 JPY" in a["text"]
    assert a["engaged_per_unit_of_money"] == pytest.approx(a["engaged_target"] / 45_000, rel=1e-3)
    assert "audience fit strong (" in a["text"] or "audience fit good (" in a["text"]
    c = of(out)
    assert c["text"].startswith("1 of 2 slots filled for ¥45,000 of ¥100,000.")
    assert "¥900,000" in " ".join(x["text"] for x in c.get("left_out", []))
