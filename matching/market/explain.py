"""Explanations a brand understands, plus structured fields, for a solved instance.

For each assignment: the fit per audience part, the value per unit of money and the binding
constraint (``slots`` when the campaign is full; ``budget`` when what is left cannot pay a
suitable creator who is otherwise free; ``no_more_creators`` when every suitable candidate was
chosen; ``creator_capacity`` when the creator is fully booked and had other offers;
``competitor_group`` when the creator was also a candidate for a competitor; else ``none``).

For each campaign with unfilled slots, the real reason, computed from the facts:
``no_eligible_creators`` (nobody could take it: the per-campaign exclusion counts say why),
``no_more_creators`` (every suitable creator was chosen), ``minimum`` (the all-or-nothing
minimum could not be met), ``budget`` / ``creator_capacity`` / ``competitor_group`` (what
blocks most of the candidates left; the counts of each are in ``unfilled["blocked"]``) or
``trade_off``. For its strongest creators left out (in the instance, or removed by
eligibility), the reason and, where one exists, a counterfactual ("could be offered if your
budget left were at least 450.00 EUR").

Nothing here depends on how a part's fit is computed: ``details.components[part]`` is read as
a score in [0, 1].
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

import numpy as np

from core.fit_words import fit_phrase, parts_phrase
from core.money import CURRENCIES, DEFAULT_LOCALE, format_money, format_number, per_major_unit
from matching.market.build import PairDetails
from matching.market.fit import VALUE_SCALE
from matching.solver.instance import NO_GROUP, Instance
from matching.solver.result import SolveResult

LEFT_OUT_PER_CAMPAIGN = 3
_PART_LABEL = {
    "interests": "interests",
    "gender": "gender",
    "city_tiers": "city tiers",
    "age": "age",
}
# Blocking reasons of a candidate left out, in the order they are tested.
_BLOCKERS = ("creator_capacity", "competitor_group", "budget", "slots", "trade_off")
# Which blocking reason names the unfilled slots when several apply equally often.
_UNFILLED_PRIORITY = ("budget", "creator_capacity", "competitor_group", "trade_off")
_FIT_EPS = 1e-6


def money_text(minor: int, currency: str | None, locale: str = DEFAULT_LOCALE) -> str:
    """An amount as a brand reads it (``€450.00``, ``¥45,000``), through the one money
    formatter (:mod:`core.money`), to the currency's precision."""
    if currency in CURRENCIES:
        return format_money(int(minor), str(currency), locale)
    return format_number(minor, locale)


def _unit(currency: str | None) -> str:
    """What "per unit of money" is in words: ``1 EUR``, ``1 JPY``."""
    return f"1 {currency}" if currency else "unit of money"


def _people(value: float) -> str:
    return f"{value * VALUE_SCALE:,.0f}"


def _n(count: int, one: str, many: str) -> str:
    return f"{count:,} {one if count == 1 else many}"


def explain(instance: Instance, result: SolveResult, details: PairDetails) -> dict[str, Any]:
    """Explain every assignment and every campaign of ``result``.

    Returns ``{"assignments": [...], "campaigns": [...]}``; each entry has structured fields
    and a ``text`` sentence.
    """
    inst = instance
    cur = details.currency
    sel = np.zeros(inst.num_pairs, dtype=bool)
    sel[result.selected] = True
    pc, pi, rate = inst.pair_campaign, inst.pair_creator, inst.pair_rate
    spend = np.bincount(
        pc[sel], weights=rate[sel].astype(np.float64), minlength=inst.num_campaigns
    ).astype(np.int64)
    count = np.bincount(pc[sel], minlength=inst.num_campaigns)
    load = np.bincount(pi[sel], minlength=inst.num_creators)
    remaining = inst.budget - spend
    blocker = _blockers(inst, sel, count, load, remaining)
    free_budget = ~sel & (blocker == _BLOCKERS.index("budget"))
    budget_blocked = np.bincount(pc[free_budget], minlength=inst.num_campaigns) > 0
    left_count = np.bincount(pc[~sel], minlength=inst.num_campaigns)
    pairs_of_creator = np.bincount(pi, minlength=inst.num_creators)
    group = inst.pair_group

    assignments = []
    for p in np.flatnonzero(sel).tolist():
        i, j = int(pi[p]), int(pc[p])
        pay = int(rate[p])
        value = float(inst.pair_value[p])
        parts = {part: round(float(details.components[part][p]), 4) for part in details.components}
        if count[j] >= inst.slots[j]:
            binding = "slots"
        elif budget_blocked[j]:
            binding = "budget"
        elif left_count[j] == 0:
            binding = "no_more_creators"
        elif load[i] >= inst.capacity[i] and pairs_of_creator[i] > load[i]:
            binding = "creator_capacity"
        elif group[p] != NO_GROUP and _has_other_in_group(inst, sel, i, int(group[p])):
            binding = "competitor_group"
        else:
            binding = "none"
        per_unit = per_major_unit(value * VALUE_SCALE, pay, cur)
        part_text = parts_phrase(parts, _PART_LABEL)
        assignments.append(
            {
                "creator": inst.creator_ids[i],
                "campaign": inst.campaign_ids[j],
                "value": value,
                "engaged_target": int(round(value * VALUE_SCALE)),
                "fit": round(float(details.fit[p]), 4),
                "fit_components": parts,
                "rate": pay,
                "engaged_per_unit_of_money": per_unit,
                "binding": binding,
                "text": (
                    f"{inst.creator_ids[i]} should reach about {_people(value)} engaged people "
                    f"of your target audience for {money_text(pay, cur)} ({per_unit:,.1f} per "
                    f"{_unit(cur)}); audience fit {fit_phrase(float(details.fit[p]))}; "
                    f"{part_text}." + _BINDING_TEXT[binding]
                ),
            }
        )

    order = np.argsort(pc, kind="stable")
    starts = np.searchsorted(pc[order], np.arange(inst.num_campaigns + 1), side="left")
    campaigns = []
    for j in range(inst.num_campaigns):
        cid = inst.campaign_ids[j]
        facts = _CampaignFacts(
            j=j,
            currency=cur,
            slots=int(inst.slots[j]),
            count=int(count[j]),
            remaining=int(remaining[j]),
            budget=int(inst.budget[j]),
            minimum=int(inst.min_creators[j]),
            excluded=dict(details.rejected_by_campaign.get(cid, {})),
            min_fit=details.min_fit,
        )
        mine = order[starts[j] : starts[j + 1]]
        left = mine[~sel[mine]]
        left = left[np.argsort(-inst.pair_value[left], kind="stable")]
        weakest = inst.pair_value[mine[sel[mine]]].min() if count[j] else -np.inf
        left_out = []
        for p in left[:LEFT_OUT_PER_CAMPAIGN].tolist():
            if facts.full and inst.pair_value[p] <= weakest:
                break
            left_out.append(_left_out_candidate(inst, details, facts, p, int(blocker[p])))
        for entry in details.excluded.get(cid, []):
            if len(left_out) >= 2 * LEFT_OUT_PER_CAMPAIGN:
                break
            if float(entry.get("fit", 1.0)) <= 0 or float(entry["potential_value"]) <= 0:
                continue  # no audience in common: not a creator who came close
            left_out.append(_left_out_excluded(entry, facts))
        unfilled = None
        if not facts.full:
            unfilled = _unfilled(inst, facts, left, blocker)
        campaigns.append(
            {
                "campaign": cid,
                "assigned": facts.count,
                "slots": facts.slots,
                "spend": int(spend[j]),
                "budget": facts.budget,
                "remaining": facts.remaining,
                "currency": cur,
                "unfilled_slots": facts.slots - facts.count,
                "unfilled_reason": unfilled["reason"] if unfilled else None,
                "unfilled": unfilled,
                "excluded_counts": facts.excluded,
                "left_out": left_out,
                "text": (
                    f"{facts.count} of {facts.slots} slots filled for "
                    f"{money_text(int(spend[j]), cur)} of {money_text(facts.budget, cur)}."
                    + (f" {unfilled['text']}" if unfilled else "")
                ),
            }
        )
    return {"assignments": assignments, "campaigns": campaigns}


@dataclass(frozen=True)
class _CampaignFacts:
    """What the explanations of one campaign need to know about it after the solve."""

    j: int
    currency: str | None
    slots: int
    count: int
    remaining: int
    budget: int
    minimum: int
    excluded: dict[str, int]
    min_fit: float

    @property
    def full(self) -> bool:
        return self.count >= self.slots

    def money(self, minor: int) -> str:
        return money_text(minor, self.currency)


def _blockers(
    inst: Instance,
    sel: np.ndarray,
    count: np.ndarray,
    load: np.ndarray,
    remaining: np.ndarray,
) -> np.ndarray:
    """Per pair, the index in ``_BLOCKERS`` of what keeps it out of the chosen set (for
    unchosen pairs; the first that applies): the creator is fully booked, is taken by a
    competitor in the campaign's group, asks more than the budget left, the slots are full,
    else nothing (a trade-off)."""
    pi, pc, group = inst.pair_creator, inst.pair_campaign, inst.pair_group
    stride = len(inst.group_names) + 1
    keyed = group != NO_GROUP
    chosen_keys = np.unique(pi[sel & keyed] * stride + group[sel & keyed])
    taken = keyed & np.isin(pi * stride + group, chosen_keys)
    out = np.full(inst.num_pairs, _BLOCKERS.index("trade_off"), dtype=np.int64)
    for name, failed in reversed(
        (
            ("creator_capacity", load[pi] >= inst.capacity[pi]),
            ("competitor_group", taken),
            ("budget", inst.pair_rate > remaining[pc]),
            ("slots", count[pc] >= inst.slots[pc]),
        )
    ):
        out[failed] = _BLOCKERS.index(name)
    return out


def _has_other_in_group(inst: Instance, sel: np.ndarray, creator: int, group: int) -> bool:
    mine = np.flatnonzero((inst.pair_creator == creator) & (inst.pair_group == group) & ~sel)
    return mine.size > 0


def _counterfactual(
    facts: _CampaignFacts, *, budget_left: int | None = None, followers: int | None = None
) -> dict[str, Any]:
    """What the brand could change so that a creator could be offered."""
    needs_slot = facts.full
    if followers is not None:
        return {
            "kind": "follower_range",
            "followers": followers,
            "amount": None,
            "currency": facts.currency,
            "text": f"Could be offered if your follower range included {followers:,}.",
        }
    if budget_left is not None and budget_left > facts.remaining:
        amount = facts.money(budget_left)
        return {
            "kind": "budget_and_slot" if needs_slot else "budget",
            "followers": None,
            "amount": budget_left,
            "currency": facts.currency,
            "text": (
                f"Could be offered with one more slot and a budget left of at least {amount}."
                if needs_slot
                else f"Could be offered if your budget left were at least {amount}."
            ),
        }
    return {
        "kind": "slot",
        "followers": None,
        "amount": None,
        "currency": facts.currency,
        "text": "Could be offered with one more slot.",
    }


def _left_out_candidate(
    inst: Instance, details: PairDetails, facts: _CampaignFacts, p: int, code: int
) -> dict[str, Any]:
    """A suitable candidate the chosen set left out: why, and what would change it."""
    pay = int(inst.pair_rate[p])
    reason = _BLOCKERS[code]
    if facts.count == 0 and facts.minimum > 1:
        reason = "minimum"
    counterfactual = None
    if reason == "budget":
        counterfactual = _counterfactual(facts, budget_left=pay)
        text = (
            f"Their rate, {facts.money(pay)}, is above the {facts.money(facts.remaining)} left "
            "of your budget."
        )
    elif reason == "slots":
        counterfactual = _counterfactual(facts)
        text = _LEFT_OUT_TEXT["slots"]
    else:
        text = _LEFT_OUT_TEXT[reason]
    if counterfactual:
        text += " " + counterfactual["text"]
    return {
        "creator": inst.creator_ids[int(inst.pair_creator[p])],
        "value": float(inst.pair_value[p]),
        "rate": pay,
        "followers": int(details.followers[p]),
        "reason": reason,
        "counterfactual": counterfactual,
        "text": text,
    }


def _left_out_excluded(entry: dict[str, Any], facts: _CampaignFacts) -> dict[str, Any]:
    """A strong creator eligibility removed: why, and a counterfactual where the rule that
    removed them is the only one they fail."""
    reason = str(entry["reason"])
    pay = entry.get("rate")
    followers = entry.get("followers")
    fit = entry.get("fit")
    fits = fit is not None and float(fit) + _FIT_EPS >= facts.min_fit
    clean = fits and bool(entry.get("sponsored_ok", False))
    counterfactual = None
    if reason == "follower_range":
        text = "Not offered: their follower count is outside your range."
        if followers is not None:
            text = f"Not offered: their {followers:,} followers are outside your range."
            if clean and not facts.full and pay is not None and pay <= facts.remaining:
                counterfactual = _counterfactual(facts, followers=int(followers))
    elif reason == "over_budget" and pay is not None:
        text = (
            f"Not offered: their rate, {facts.money(int(pay))}, is above your budget left "
            f"({facts.money(facts.budget)})."
        )
        if clean:
            counterfactual = _counterfactual(facts, budget_left=int(pay))
    else:
        text = f"Not offered: {_ELIGIBILITY_TEXT.get(reason, reason)}."
    if counterfactual:
        text += " " + counterfactual["text"]
    return {
        "creator": entry["creator"],
        "value": float(entry["potential_value"]),
        "rate": pay,
        "followers": followers,
        "reason": reason,
        "counterfactual": counterfactual,
        "text": text,
    }


def _unfilled(
    inst: Instance, facts: _CampaignFacts, left: np.ndarray, blocker: np.ndarray
) -> dict[str, Any]:
    """Why ``facts``' campaign has slots left, as a code, a sentence and the figures."""
    n_candidates = int(facts.count + left.size)
    blocked = Counter(_BLOCKERS[int(b)] for b in blocker[left].tolist())
    info: dict[str, Any] = {
        "candidates": n_candidates,
        "candidates_left": int(left.size),
        "blocked": dict(blocked),
        "remaining": facts.remaining,
        "cheapest_rate": None,
        "minimum": facts.minimum,
        "excluded": facts.excluded,
        "counterfactual": None,
    }
    left_rates = inst.pair_rate[left]
    if n_candidates == 0:
        reason = "no_eligible_creators"
        text = "No opted-in creator could take your campaign this week" + (
            f": of the creators open to its category, {_exclusions(facts)}."
            if facts.excluded
            else " (none open to paid work accepts its category)."
        )
    elif facts.count == 0 and facts.minimum > 1:
        reason = "minimum"
        text, info["counterfactual"] = _minimum_text(facts, left_rates, blocker[left])
    elif left.size == 0:
        reason = "no_more_creators"
        text = (
            "No more relevant creators: "
            + (
                "the only suitable creator available this week is in your offers."
                if n_candidates == 1
                else f"all {n_candidates:,} suitable creators available this week are in your "
                "offers."
            )
            + (
                f" Of the others open to your category, {_exclusions(facts)}."
                if facts.excluded
                else ""
            )
            + f" Your budget is not the limit: {facts.money(facts.remaining)} is left."
        )
    else:
        top = max(blocked.values())
        reason = next(r for r in _UNFILLED_PRIORITY if blocked.get(r, 0) == top)
        phrases = []
        for name in _UNFILLED_PRIORITY:
            n = blocked.get(name, 0)
            if not n:
                continue
            if name == "budget":
                cheapest = int(left_rates[blocker[left] == _BLOCKERS.index("budget")].min())
                info["cheapest_rate"] = cheapest
                info["counterfactual"] = _counterfactual(facts, budget_left=cheapest)
                phrases.append(
                    f"{_n(n, 'asks', 'ask')} more than the {facts.money(facts.remaining)} left of "
                    f"your budget (the cheapest asks {facts.money(cheapest)})"
                )
            else:
                phrases.append(_BLOCKED_PHRASE[name](n))
        lead = (
            "The other suitable creator"
            if left.size == 1
            else f"Of the {left.size:,} other suitable creators,"
        )
        if left.size == 1:
            text = f"{lead} {_strip_count(phrases[0])}."
        else:
            text = f"{lead} {_join(phrases)}."
        if info["counterfactual"] is not None:
            text += " " + info["counterfactual"]["text"].replace(
                "Could be offered", "More creators could be offered"
            )
    info["reason"] = reason
    info["text"] = text
    return info


def _minimum_text(
    facts: _CampaignFacts, rates: np.ndarray, blockers: np.ndarray
) -> tuple[str, dict[str, Any] | None]:
    """Why the all-or-nothing minimum could not be met, with the budget it would take."""
    m, n = facts.minimum, int(rates.size)
    free = blockers >= _BLOCKERS.index("budget")  # not booked or taken elsewhere
    if n < m:
        return (
            f"Only {_n(n, 'suitable creator was', 'suitable creators were')} available, fewer "
            f"than your all-or-nothing minimum of {m}, so none were offered.",
            None,
        )
    cheapest = np.sort(rates[free])[:m]
    if cheapest.size == m and int(cheapest.sum()) > facts.budget:
        need = int(cheapest.sum())
        cf = {
            "kind": "budget",
            "followers": None,
            "amount": need,
            "currency": facts.currency,
            "text": f"Could be matched with a budget of at least {facts.money(need)}.",
        }
        return (
            f"Your all-or-nothing minimum is {m} creators, and the {m} cheapest suitable ones "
            f"ask {facts.money(need)} together, more than your {facts.money(facts.budget)}, so "
            f"none were offered. {cf['text']}",
            cf,
        )
    busy = int((~free).sum())
    return (
        f"Your all-or-nothing minimum of {m} creators could not be met together"
        + (
            f" ({_n(busy, 'candidate is', 'candidates are')} booked or with a competitor)"
            if busy
            else ""
        )
        + ", so none were offered.",
        None,
    )


def _exclusions(facts: _CampaignFacts) -> str:
    phrases = [
        _EXCLUSION_PHRASE[name](n, facts)
        for name, n in sorted(facts.excluded.items(), key=lambda kv: -kv[1])
        if name in _EXCLUSION_PHRASE and n
    ]
    return _join(phrases)


def _join(phrases: list[str]) -> str:
    if len(phrases) <= 1:
        return "".join(phrases)
    return ", ".join(phrases[:-1]) + " and " + phrases[-1]


def _strip_count(phrase: str) -> str:
    """``1 is fully booked`` → ``is fully booked`` (after "The other suitable creator")."""
    return phrase.split(" ", 1)[1] if phrase.startswith("1 ") else phrase


_BLOCKED_PHRASE = {
    "creator_capacity": lambda n: f"{_n(n, 'is', 'are')} fully booked this week",
    "competitor_group": lambda n: f"{_n(n, 'works', 'work')} with a competing brand this week",
    "trade_off": lambda n: (
        f"{_n(n, 'was', 'were')} not added in this run (the next run tries again)"
    ),
}
_EXCLUSION_PHRASE = {
    "fit_threshold": lambda n, f: (
        f"{_n(n, 'has an audience that is', 'have an audience that is')} not your target audience"
    ),
    "follower_range": lambda n, f: f"{_n(n, 'has', 'have')} a follower count outside your range",
    "over_budget": lambda n, f: f"{_n(n, 'asks', 'ask')} more than your {f.money(f.budget)}",
    "sponsored_cap": lambda n, f: f"{_n(n, 'posts', 'post')} too much sponsored content already",
    "currency": lambda n, f: f"{_n(n, 'is', 'are')} paid in another currency",
    "unavailable": lambda n, f: (
        f"{_n(n, 'was', 'were')} already offered it, blocked by you or with a competitor"
    ),
}
_ELIGIBILITY_TEXT = {
    "currency": "their rate is in another currency",
    "follower_range": "their follower count is outside your range",
    "over_budget": "their rate is above your budget left",
    "sponsored_cap": "too many of their recent posts are already sponsored",
    "fit_threshold": "their audience is not your target audience",
}
_BINDING_TEXT = {
    "slots": " Your campaign's slots are all filled.",
    "budget": " What is left of your budget cannot pay another suitable creator.",
    "no_more_creators": " Every other suitable creator available this week was chosen too.",
    "creator_capacity": " This creator is fully booked this week.",
    "competitor_group": " This creator can work with only one brand of your competitor group.",
    "none": "",
}
_LEFT_OUT_TEXT = {
    "minimum": "Your campaign could not reach its minimum number of creators, so it got none.",
    "creator_capacity": "This creator is fully booked this week by other campaigns.",
    "competitor_group": "This creator was matched with a competing brand this week.",
    "slots": "Your slots went to creators who reach more of your audience.",
    "trade_off": "The chosen set reaches more of your target audience within your budget.",
}
