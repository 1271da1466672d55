"""Shared builders for the matching tests (imported by module name, no conftest)."""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np

from matching.market import MarketCampaign, MarketCreator
from matching.solver import Instance

AUDIENCE: dict[str, dict[str, float]] = {
    "interests": {"skincare": 0.6, "fashion": 0.4},
    "gender": {"female": 0.7, "male": 0.3},
    "city_tiers": {"1": 0.5, "2": 0.5},
    "age": {"18-24": 0.6, "25-34": 0.4},
}


def market_creator(cid: str, **kw: Any) -> MarketCreator:
    """An open beauty creator in EUR (100k followers, 5 % engagement); override any field."""
    base: dict[str, Any] = dict(
        id=cid,
        followers=100_000,
        engagement_rate=0.05,
        audience=AUDIENCE,
        rate=50_000,
        currency="EUR",
        capacity=3,
        categories=frozenset({"beauty"}),
    )
    return MarketCreator(**{**base, **kw})


def market_campaign(cid: str = "c1", **kw: Any) -> MarketCampaign:
    """A beauty campaign in EUR targeting ``AUDIENCE``; override any field."""
    base: dict[str, Any] = dict(
        id=cid, category="beauty", budget=200_000, slots=3, target_audience=AUDIENCE, currency="EUR"
    )
    return MarketCampaign(**{**base, **kw})


def campaign(
    cid: str, budget: int = 1000, slots: int = 5, min_creators: int = 0, group: str | None = None
) -> dict[str, Any]:
    return {
        "id": cid,
        "budget": budget,
        "slots": slots,
        "min_creators": min_creators,
        "competitor_group": group,
    }


def creator(kid: str, rate: int = 100, capacity: int = 1) -> dict[str, Any]:
    return {"id": kid, "rate": rate, "capacity": capacity}


def pair(kid: str, cid: str, value: float) -> dict[str, Any]:
    return {"creator": kid, "campaign": cid, "value": value}


def instance(campaigns: list[dict], creators: list[dict], pairs: list[dict]) -> Instance:
    return Instance.from_dict({"campaigns": campaigns, "creators": creators, "pairs": pairs})


def random_instance(
    rng: np.random.Generator, n_campaigns: int, n_creators: int, density: float = 0.6
) -> Instance:
    """A tiny random instance with every constraint in play."""
    campaigns = [
        campaign(
            f"c{j}",
            budget=int(rng.integers(100, 400)),
            slots=int(rng.integers(1, 4)),
            min_creators=int(rng.choice([0, 0, 2])),
            group=rng.choice([None, "g1", "g2"]),
        )
        for j in range(n_campaigns)
    ]
    creators = [
        creator(f"k{i}", rate=int(rng.integers(40, 200)), capacity=int(rng.integers(1, 3)))
        for i in range(n_creators)
    ]
    pairs = [
        pair(f"k{i}", f"c{j}", round(float(rng.uniform(0.1, 5.0)), 3))
        for i in range(n_creators)
        for j in range(n_campaigns)
        if rng.random() < density
    ]
    return instance(campaigns, creators, pairs)


def brute_force(inst: Instance) -> float:
    """Best objective by enumerating every subset of pairs (tiny instances only)."""
    n = inst.num_pairs
    camp = inst.pair_campaign.tolist()
    cre = inst.pair_creator.tolist()
    grp = inst.pair_group.tolist()
    rate = inst.pair_rate.tolist()
    value = inst.pair_value.tolist()
    best = 0.0
    for size in range(1, n + 1):
        for subset in itertools.combinations(range(n), size):
            spend = [0] * inst.num_campaigns
            count = [0] * inst.num_campaigns
            load = [0] * inst.num_creators
            groups: set[tuple[int, int]] = set()
            ok = True
            for p in subset:
                j, i, g = camp[p], cre[p], grp[p]
                spend[j] += rate[p]
                count[j] += 1
                load[i] += 1
                if g >= 0:
                    if (i, g) in groups:
                        ok = False
                        break
                    groups.add((i, g))
            if not ok:
                continue
            if any(
                spend[j] > inst.budget[j]
                or count[j] > inst.slots[j]
                or 0 < count[j] < inst.min_creators[j]
                for j in range(inst.num_campaigns)
            ):
                continue
            if any(load[i] > inst.capacity[i] for i in range(inst.num_creators)):
                continue
            best = max(best, sum(value[p] for p in subset))
    return best
