"""A run's health figures: who got the offers, how concentrated the spend is, what fairness
cost (pure: no Flask, no ORM). Field names are the API's (DESIGN.md §3b)."""

from __future__ import annotations

import math
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from matching.solver.exposure import relative_cost


@dataclass(frozen=True)
class OfferFact:
    """One offer as health sees it: who, at what price (minor units), small creator or not."""

    creator: Any
    price: int
    small: bool


def run_health(
    offers: Iterable[OfferFact],
    eligible_creators: int,
    *,
    fair_max_cost: float | None,
    value: float,
    value_without: float,
) -> dict[str, Any]:
    """The health figures of one run.

    ``eligible_creators``: creators with at least one candidate pair; ``fair_max_cost``: the
    fair-exposure cap that was on (None: off); ``value`` / ``value_without``: the run's value
    and the best value found without fair exposure (equal when it was off).
    """
    facts = list(offers)
    per_creator = Counter(o.creator for o in facts)
    spend: dict[Any, int] = defaultdict(int)
    for o in facts:
        spend[o.creator] += o.price
    total = sum(spend.values())
    top = sorted(spend.values(), reverse=True)[: math.ceil(len(spend) / 10)]
    offered = len(per_creator)
    return {
        "eligible_creators": eligible_creators,
        "offered_creators": offered,
        "offered_share": offered / eligible_creators if eligible_creators else 0.0,
        "koc_offer_share": sum(o.small for o in facts) / len(facts) if facts else 0.0,
        "koc_floor": fair_max_cost,
        "koc_floor_cost": 0.0 if fair_max_cost is None else relative_cost(value, value_without),
        "top_decile_budget_share": sum(top) / total if total else 0.0,
        "max_offers_per_creator": max(per_creator.values(), default=0),
    }
