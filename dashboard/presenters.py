"""Turn domain data into what the pages show: short audience summaries, report figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from markupsafe import Markup

from campaigns.models import Campaign
from collaborations.models import SponsorshipStatus
from collaborations.services import COMMITTED_STATES, CampaignReport
from core.audience import FIXED_KEYS, PARTS
from core.countries import country_name
from core.money import DEFAULT_LOCALE, major_unit
from dashboard.charts import Series, compare_bars, spend_chart
from dashboard.forms import AGE_LABELS, CITY_LABELS
from dashboard.queries import Reach
from matching.market.fit import part_match
from payments.ledger import CampaignMoney

PART_TITLES = {
    "interests": "Interests",
    "gender": "Gender",
    "city_tiers": "City tiers",
    "age": "Age",
    "countries": "Countries",
}
FIT_LABELS = {
    "interests": "interests",
    "gender": "gender",
    "city_tiers": "city tiers",
    "age": "age",
    "countries": "countries",
}
SPEND_SERIES = [
    Series("funded", "Funded"),
    Series("committed", "Committed"),
    Series("paid", "Paid"),
    Series("refunded", "Refunded"),
]
MAX_INTEREST_ROWS = 8


def key_label(part: str, key: str) -> str:
    """How a profile key reads on a page (``18-24`` → ``18–24``, ``1`` → ``Tier 1``)."""
    if part == "age":
        return AGE_LABELS.get(key, key)
    if part == "city_tiers":
        return CITY_LABELS.get(key, f"Tier {key}")
    if part == "countries":
        return country_name(key)
    return key.replace("-", " ").capitalize()


def audience_summary(audience: dict[str, Any] | None) -> list[str]:
    """A few short phrases about an audience: top interests, gender, main age band and tier."""
    if not audience:
        return ["No audience profile yet"]
    phrases = []
    interests = sorted((audience.get("interests") or {}).items(), key=lambda kv: -kv[1])[:3]
    if interests:
        phrases.append(
            ", ".join(f"{key_label('interests', k)} {v * 100:.0f} %" for k, v in interests)
        )
    female = (audience.get("gender") or {}).get("female")
    if female is not None:
        phrases.append(f"{female * 100:.0f} % women")
    for part in ("age", "city_tiers", "countries"):
        shares = audience.get(part) or {}
        if shares:
            key, share = max(shares.items(), key=lambda kv: kv[1])
            label = key_label(part, key)
            phrases.append(
                f"{label}{' cities' if part == 'city_tiers' else ''} {share * 100:.0f} %"
            )
    return phrases


def fit_parts(explanation: dict[str, Any] | None) -> list[tuple[str, float]]:
    """The audience fit per part from an offer's explanation (0–1 each)."""
    parts = (explanation or {}).get("fit_components") or {}
    return [(FIT_LABELS.get(k, k), float(v)) for k, v in parts.items()]


# How an offer came about, as a brand reads it (matches and profile pages).
OFFER_SOURCE_LABELS = {
    "match": "Matched by Dandelion",
    "invite": "Your invitation",
    "open_call": "Open call",
}
# What each offer status means to a brand (matches and profile pages).
OFFER_STATUS_LABELS = {
    "proposed": "Awaiting reply",
    "countered": "Countered",
    "accepted": "Accepted",
    "declined": "Declined",
    "expired": "Expired",
    "withdrawn": "Withdrawn",
}

_UNFILLED_ADVICE = {
    "budget": "A larger budget would let the matching add creators.",
    "no_eligible_creators": (
        "Widening the follower range or the target audience gives the matching more creators "
        "to choose from."
    ),
    "no_more_creators": (
        "Every suitable creator available this week already has an offer; the next weekly run "
        "tries again with the creators open then."
    ),
    "minimum": "A lower all-or-nothing minimum would let the matching offer fewer creators.",
    "creator_capacity": "Those creators are booked this week; the next weekly run tries again.",
    "competitor_group": (
        "Those creators work with a competing brand this week; the next weekly run tries again."
    ),
}


def unfilled_advice(summary: dict[str, Any] | None) -> str:
    """What the brand can do about its empty slots, from a run's campaign summary: the
    counterfactual when the explanation has one (``summary["unfilled"]``, since issue 10),
    else advice by reason code (older runs have only ``unfilled_reason``)."""
    summary = summary or {}
    unfilled = summary.get("unfilled") or {}
    counterfactual = unfilled.get("counterfactual") or {}
    reason = summary.get("unfilled_reason")
    if reason in ("budget", "minimum") and counterfactual.get("text"):
        return str(counterfactual["text"]).replace(
            "Could be offered", "More creators could be offered"
        )
    return _UNFILLED_ADVICE.get(
        str(reason), "The next weekly run tries again with the creators open then."
    )


def similarity(target: dict[str, float], reached: dict[str, float]) -> float:
    """How much of the reached audience part is the target's, 0-1: the fit model's part match
    (:func:`matching.market.fit.part_match`), so the report and the matching agree."""
    return part_match(reached, target)


@dataclass
class PartComparison:
    part: str
    title: str
    rows: list[tuple[str, float, float | None]]
    similarity: float | None
    chart: Markup


@dataclass
class ReportView:
    """Everything the report page shows."""

    money: CampaignMoney
    report: CampaignReport
    spend_chart: Markup | None
    table: list[dict[str, Any]]
    reach: Reach
    reach_basis: str  # "approved" (posts paid for) or "accepted" (expected)
    parts: list[PartComparison]
    cost_per_engaged_target: float | None  # in major units
    cost_per_engaged: float | None


def build_report(
    campaign: Campaign,
    money: CampaignMoney,
    report: CampaignReport,
    approved: Reach,
    accepted: Reach,
    now: datetime,
    locale: str = DEFAULT_LOCALE,
) -> ReportView:
    """Charts and figures of one campaign's report."""
    chart = (
        spend_chart(
            money.series,
            SPEND_SERIES,
            campaign.currency,
            title=f"Spend over time for {campaign.title}",
            now=now,
            locale=locale,
        )
        if money.series
        else None
    )
    reach, basis = (approved, "approved") if approved.creators else (accepted, "accepted")
    # Both come from the audiences creators report, not from the posts: forecasts.
    reached_label = "Reached (forecast)" if basis == "approved" else "Expected (forecast)"
    parts = []
    for part in PARTS:
        target = (campaign.target_audience or {}).get(part) or {}
        got = reach.mix.get(part) if reach.creators else None
        if not target and not got:
            continue  # a part neither the target nor the audience has (countries, tiers)
        known = FIXED_KEYS.get(part) or sorted(set(target) | set(got or {}))
        if part == "countries":
            known = sorted(set(target) | set(got or {}))
        keys = [k for k in known if k in target or (got and got.get(k, 0) >= 0.005)]
        if part == "interests":
            keys.sort(key=lambda k: -(target.get(k, 0) + (got or {}).get(k, 0)))
            keys = keys[:MAX_INTEREST_ROWS]
        rows = [
            (key_label(part, k), float(target.get(k, 0)), (got or {}).get(k, 0.0) if got else None)
            for k in keys
        ]
        title = f"{PART_TITLES[part]}: target audience and {reached_label.lower()} audience"
        parts.append(
            PartComparison(
                part=part,
                title=PART_TITLES[part],
                rows=rows,
                similarity=similarity(target, got) if got else None,
                chart=compare_bars(
                    rows, title=title, chart_id=f"part-{part}", reached_label=reached_label
                ),
            )
        )
    paid_major = money.paid / major_unit(campaign.currency)
    return ReportView(
        money=money,
        report=report,
        spend_chart=chart,
        table=money.series,
        reach=reach,
        reach_basis=basis,
        parts=parts,
        cost_per_engaged_target=(paid_major / approved.engaged_target)
        if approved.engaged_target and money.paid
        else None,
        cost_per_engaged=(paid_major / approved.engaged)
        if approved.engaged and money.paid
        else None,
    )


APPROVED = (SponsorshipStatus.APPROVED,)
ACCEPTED = tuple(COMMITTED_STATES)
