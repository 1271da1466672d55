"""Explanations a brand understands, plus structured fields, for a solved instance.

For each assignment: the fit per audience part, the value per unit of money and the binding
constraint (``slots`` when the campaign is full, ``budget`` when what is left cannot pay any
other candidate, ``creator_capacity`` when the creator is fully booked and had other offers,
``competitor_group`` when the creator was also a candidate for a competitor, else ``none``).
For each campaign with unfilled slots, and for its strongest creators left out (in the
instance or removed by eligibility), the reason.
"""

from __future__ import annotations

from typing import Any

import numpy as np

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
_ELIGIBILITY_TEXT = {
    "currency": "their rate is in another currency",
    "follower_range": "their follower count is outside your range",
    "over_budget": "their rate is above your whole budget",
    "sponsored_cap": "too many of their recent posts are already sponsored",
    "fit_threshold": "their audience fit is below the minimum",
}


def _money(minor: int, currency: str | None) -> str:
    return f"{currency or ''} {minor / 100:,.2f}".strip()


def _people(value: float) -> str:
    return f"{value * VALUE_SCALE:,.0f}"


def explain(instance: Instance, result: SolveResult, details: PairDetails) -> dict[str, Any]:
    """Explain every assignment and every campaign of ``result``.

    Returns ``{"assignments": [...], "campaigns": [...]}``; each entry has structured fields
    and a ``text`` sentence.
    """
    inst = instance
    sel = np.zeros(inst.num_pairs, dtype=bool)
    sel[result.selected] = True
    spend = np.bincount(
        inst.pair_campaign[sel],
        weights=inst.pair_rate[sel].astype(np.float64),
        minlength=inst.num_campaigns,
    ).astype(np.int64)
    count = np.bincount(inst.pair_campaign[sel], minlength=inst.num_campaigns)
    load = np.bincount(inst.pair_creator[sel], minlength=inst.num_creators)
    remaining = inst.budget - spend
    group = inst.pair_group
    chosen_group = {
        (i, g)
        for i, g in zip(inst.pair_creator[sel].tolist(), group[sel].tolist(), strict=True)
        if g != NO_GROUP
    }
    pairs_of_creator = np.bincount(inst.pair_creator, minlength=inst.num_creators)
    # Cheapest unchosen candidate of each campaign (what leftover budget would have to pay).
    open_rate = np.where(sel, np.iinfo(np.int64).max, inst.pair_rate)
    cheapest = np.full(inst.num_campaigns, np.iinfo(np.int64).max)
    np.minimum.at(cheapest, inst.pair_campaign, open_rate)
    cur = details.currency

    assignments = []
    for p in np.flatnonzero(sel).tolist():
        i, j = int(inst.pair_creator[p]), int(inst.pair_campaign[p])
        rate = int(inst.pair_rate[p])
        value = float(inst.pair_value[p])
        parts = {part: round(float(details.components[part][p]), 4) for part in details.components}
        if count[j] >= inst.slots[j]:
            binding = "slots"
        elif remaining[j] < cheapest[j]:
            binding = "budget"
        elif load[i] >= inst.capacity[i] and pairs_of_creator[i] > load[i]:
            binding = "creator_capacity"
        elif group[p] != NO_GROUP and _has_other_in_group(inst, sel, i, int(group[p])):
            binding = "competitor_group"
        else:
            binding = "none"
        per_unit = value * VALUE_SCALE / max(rate / 100, 1e-9)
        part_text = ", ".join(f"{_PART_LABEL[k]} {v:.2f}" for k, v in parts.items())
        assignments.append(
            {
                "creator": inst.creator_ids[i],
                "campaign": inst.campaign_ids[j],
                "value": value,
                "fit": round(float(details.fit[p]), 4),
                "fit_components": parts,
                "rate": rate,
                "engaged_per_unit_of_money": per_unit,
                "binding": binding,
                "text": (
                    f"{inst.creator_ids[i]} should reach about {_people(value)} engaged people "
                    f"of your target audience for {_money(rate, cur)} ({per_unit:,.1f} per "
                    f"unit of money); audience fit {details.fit[p]:.2f} ({part_text})."
                    + _BINDING_TEXT[binding]
                ),
            }
        )

    campaigns = []
    for j in range(inst.num_campaigns):
        cid = inst.campaign_ids[j]
        mine = np.flatnonzero(inst.pair_campaign == j)
        left = mine[~sel[mine]]
        left = left[np.argsort(-inst.pair_value[left], kind="stable")]
        weakest = inst.pair_value[mine[sel[mine]]].min() if count[j] else -np.inf
        left_out = []
        for p in left[:LEFT_OUT_PER_CAMPAIGN].tolist():
            if count[j] >= inst.slots[j] and inst.pair_value[p] <= weakest:
                break
            reason = _left_out_reason(inst, sel, p, count, remaining, load, chosen_group)
            left_out.append(
                {
                    "creator": inst.creator_ids[int(inst.pair_creator[p])],
                    "value": float(inst.pair_value[p]),
                    "reason": reason,
                    "text": _LEFT_OUT_TEXT[reason],
                }
            )
        for entry in details.excluded.get(cid, [])[:LEFT_OUT_PER_CAMPAIGN]:
            left_out.append(
                {
                    "creator": entry["creator"],
                    "value": entry["potential_value"],
                    "reason": entry["reason"],
                    "text": f"Not offered: {_ELIGIBILITY_TEXT[str(entry['reason'])]}.",
                }
            )
        unfilled = int(inst.slots[j] - count[j])
        why = None
        if unfilled > 0:
            why = _unfilled_reason(inst, j, count, remaining, cheapest, left, left_out)
        campaigns.append(
            {
                "campaign": cid,
                "assigned": int(count[j]),
                "slots": int(inst.slots[j]),
                "spend": int(spend[j]),
                "budget": int(inst.budget[j]),
                "unfilled_slots": unfilled,
                "unfilled_reason": why,
                "left_out": left_out,
                "text": (
                    f"{count[j]} of {inst.slots[j]} slots filled for {_money(int(spend[j]), cur)}"
                    f" of {_money(int(inst.budget[j]), cur)}."
                    + (f" {_UNFILLED_TEXT[why]}" if why else "")
                ),
            }
        )
    return {"assignments": assignments, "campaigns": campaigns}


def _has_other_in_group(inst: Instance, sel: np.ndarray, creator: int, group: int) -> bool:
    mine = np.flatnonzero((inst.pair_creator == creator) & (inst.pair_group == group) & ~sel)
    return mine.size > 0


def _left_out_reason(
    inst: Instance,
    sel: np.ndarray,
    p: int,
    count: np.ndarray,
    remaining: np.ndarray,
    load: np.ndarray,
    chosen_group: set[tuple[int, int]],
) -> str:
    i, j, g = int(inst.pair_creator[p]), int(inst.pair_campaign[p]), int(inst.pair_group[p])
    if count[j] == 0 and inst.min_creators[j] > 1:
        return "minimum"
    if load[i] >= inst.capacity[i]:
        return "creator_capacity"
    if g != NO_GROUP and (i, g) in chosen_group:
        return "competitor_group"
    if inst.pair_rate[p] > remaining[j]:
        return "budget"
    if count[j] >= inst.slots[j]:
        return "slots"
    return "trade_off"


def _unfilled_reason(
    inst: Instance,
    j: int,
    count: np.ndarray,
    remaining: np.ndarray,
    cheapest: np.ndarray,
    left: np.ndarray,
    left_out: list[dict],
) -> str:
    if not (inst.pair_campaign == j).any():
        return "no_eligible_creators"
    if count[j] == 0 and inst.min_creators[j] > 1:
        return "minimum"
    if remaining[j] < cheapest[j]:
        return "budget"
    reasons = {e["reason"] for e in left_out}
    if left.size and reasons <= {"creator_capacity", "competitor_group"} and reasons:
        return "creator_capacity" if "creator_capacity" in reasons else "competitor_group"
    return "trade_off"


_BINDING_TEXT = {
    "slots": " Your campaign's slots are all filled.",
    "budget": " What is left of your budget cannot pay another suitable creator.",
    "creator_capacity": " This creator is fully booked this week.",
    "competitor_group": " This creator can work with only one brand of your competitor group.",
    "none": "",
}
_LEFT_OUT_TEXT = {
    "minimum": "Your campaign could not reach its minimum number of creators, so it got none.",
    "creator_capacity": "This creator is fully booked this week by other campaigns.",
    "competitor_group": "This creator was matched with a competing brand this week.",
    "budget": "Their rate is above what is left of your budget.",
    "slots": "Your slots went to creators who reach more of your audience.",
    "trade_off": "The chosen set reaches more of your target audience within your budget.",
}
_UNFILLED_TEXT = {
    "no_eligible_creators": "No opted-in creator met your campaign's criteria this week.",
    "minimum": "Not enough suitable creators to reach your minimum, so none were matched.",
    "budget": "The remaining budget is below every other suitable creator's rate.",
    "creator_capacity": "The other suitable creators are fully booked this week.",
    "competitor_group": "The other suitable creators work with a competitor this week.",
    "trade_off": "Adding more creators would not reach more of your audience within budget.",
}
