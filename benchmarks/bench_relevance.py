"""Relevance benchmark: who gets the offers in a market of many niches, old fit against new.

The market is built the way creators really describe themselves, not the way the solver
benchmarks do: each creator names two to four interests, mostly from their own niche (now
and then one from a neighbouring niche), and many tick every category when they opt in
(the demo and the first users did). Campaigns target two or three tags of one niche with
ordinary demographics. Follower counts are heavy-tailed, so the big accounts are a few.

For each fit model (``legacy``: the first round's ``0.5·interests + 0.2·age + 0.15·gender +
0.15·city`` Bhattacharyya sum with ``min_fit`` 0.35; ``relevance``: the current
:mod:`matching.market.fit` with its default threshold) the whole pipeline runs — eligibility,
top-K, the optimiser — and we count, over the offers it makes:

- ``irrelevant``: offers to creators whose audience shares no interest with the target;
- ``weak``: offers to creators with less than a fifth of their audience in the target's
  interests;
- ``engaged_target``: the ground truth a brand pays for, independent of either model:
  Σ followers × engagement × (share of the audience whose interest is one the brand targets);
- ``spend`` and ``engaged_target_per_1k_eur``.

    python -m benchmarks.bench_relevance [--seeds 0 1 2] [--json out.json]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matching.market.build import Market, initial_scan, make_instance
from matching.market.fit import (
    DEFAULT_MIN_FIT,
    PARTS,
    AudienceSpace,
    FitModel,
    scaled_targets,
)
from matching.market.records import MarketCampaign, MarketCreator, MatchingPolicy
from matching.solver import solve, validate

TODAY = dt.date(2026, 12, 2)
NICHES: dict[str, tuple[str, ...]] = {
    "skincare": ("skincare", "makeup", "wellness"),
    "fashion": ("fashion", "streetwear", "photography"),
    "food": ("food", "cooking", "coffee"),
    "travel": ("travel", "outdoors", "photography"),
    "fitness": ("fitness", "yoga", "wellness"),
    "gaming": ("gaming", "tech", "gadgets"),
    "home": ("home", "interior", "sustainability"),
    "parenting": ("parenting", "books", "food"),
    "finance": ("finance", "tech", "books"),
    "pets": ("pets", "outdoors", "photography"),
}
NEIGHBOURS = {
    "skincare": "fashion", "fashion": "skincare", "food": "home", "travel": "pets",
    "fitness": "food", "gaming": "finance", "home": "parenting", "parenting": "home",
    "finance": "gaming", "pets": "home",
}  # fmt: skip
FIXED = {
    "gender": ("female", "male"),
    "city_tiers": ("1", "2", "3", "4", "5"),
    "age": ("<18", "18-24", "25-34", "35-44", "45+"),
}
# (creators, campaigns): "tight" has more campaigns than each niche can serve well.
SIZES = {
    "probe": (16, 4),
    "small": (400, 20),
    "tight": (1_000, 150),
    "scarce": (300, 80),  # fewer in-niche creators than slots
    "medium": (4_000, 120),
    "large": (20_000, 400),
}
LEGACY_WEIGHTS = {"interests": 0.5, "age": 0.2, "gender": 0.15, "city_tiers": 0.15}
LEGACY_MIN_FIT = 0.35


def _split(rng: random.Random, keys: Sequence[str], peak: float) -> dict[str, float]:
    raw = [rng.random() ** peak + 0.02 for _ in keys]
    total = sum(raw)
    return {k: round(v / total, 4) for k, v in zip(keys, raw, strict=True)}


def _normalised(shares: dict[str, float]) -> dict[str, float]:
    total = sum(shares.values())
    return {k: v / total for k, v in shares.items()}


def _demographics(rng: random.Random, niche: str) -> dict[str, dict[str, float]]:
    lean = random.Random(niche)  # each niche has its own typical audience
    female = min(0.95, max(0.05, lean.uniform(0.2, 0.85) + rng.gauss(0, 0.12)))
    tiers = _normalised({k: lean.random() + rng.random() * 0.6 for k in FIXED["city_tiers"]})
    ages = _normalised({k: lean.random() ** 2 + rng.random() * 0.3 for k in FIXED["age"]})
    return {"gender": {"female": female, "male": 1 - female}, "city_tiers": tiers, "age": ages}


def generate(n_creators: int, n_campaigns: int, seed: int = 0) -> tuple[list, list]:
    """A seeded multi-niche market: creator and campaign records (EUR)."""
    rng = random.Random(seed)
    niches = list(NICHES)
    creators = []
    for i in range(n_creators):
        niche = niches[i % len(niches)] if n_creators <= 40 else rng.choice(niches)
        own = list(NICHES[niche])
        tags = rng.sample(own, rng.choice([2, 3]))
        if rng.random() < 0.35:
            tags.append(rng.choice(NICHES[NEIGHBOURS[niche]]))
        if rng.random() < 0.15:
            tags.append(rng.choice(["music", "books", "sustainability", "photography"]))
        tags = list(dict.fromkeys(tags))
        interests = _split(rng, tags, 0.6)
        followers = int(min(3_000_000, 2_000 * (1 - rng.random()) ** -1.1))
        engagement = min(0.2, 0.06 * (followers / 10_000) ** -0.2 * math.exp(rng.gauss(0, 0.3)))
        everything = rng.random() < 0.5  # ticked every category when opting in
        categories = frozenset() if everything else frozenset({niche})
        creators.append(
            MarketCreator(
                id=f"k{i}-{niche}",
                followers=followers,
                engagement_rate=round(engagement, 4),
                audience={"interests": _normalised(interests), **_demographics(rng, niche)},
                rate=int(round((40 + followers / 1000 * rng.uniform(8, 16)) / 5) * 500),
                currency="EUR",
                capacity=rng.choice([1, 2, 3]),
                categories=categories,
            )
        )
    campaigns = []
    for j in range(n_campaigns):
        niche = niches[j % len(niches)]
        tags = rng.sample(list(NICHES[niche]), rng.choice([2, 3]))
        slots = rng.randint(2, 6)
        campaigns.append(
            MarketCampaign(
                id=f"c{j}-{niche}",
                category=niche,
                budget=slots * rng.randint(300, 1_500) * 100,
                slots=slots,
                target_audience={
                    "interests": _normalised(_split(rng, tags, 0.5)),
                    **_demographics(rng, niche),
                },
                currency="EUR",
                competitor_group=f"{niche}-{j % 3}" if rng.random() < 0.5 else None,
            )
        )
    return creators, campaigns


@dataclass(frozen=True, eq=False)
class LegacyFit:
    """The first round's fit, for the baseline: a weighted sum of Bhattacharyya coefficients."""

    space: AudienceSpace
    creator_roots: NDArray[np.float64]
    campaign_roots: NDArray[np.float64]

    @classmethod
    def of(cls, market: Market) -> LegacyFit:
        space = market.table.space
        weights = np.zeros(len(space.columns))
        for part, cols in space.part_slices().items():
            weights[cols] = math.sqrt(LEGACY_WEIGHTS[part])
        return cls(
            space,
            np.sqrt(market.table.shares.astype(np.float64)) * weights,
            np.sqrt(market.camp.shares.astype(np.float64)) * weights,
        )

    def block(self, rows: NDArray[np.int64], campaigns: NDArray[np.int64]) -> NDArray[np.float32]:
        fit = self.creator_roots[rows] @ self.campaign_roots[campaigns].T
        return np.clip(fit, 0, 1).astype(np.float32)

    def pair_parts(self, creators, campaigns) -> dict[str, NDArray[np.float64]]:
        out = {}
        for part, cols in self.space.part_slices().items():
            a, b = self.creator_roots[creators, cols], self.campaign_roots[campaigns, cols]
            out[part] = np.einsum("ij,ij->i", a, b) / LEGACY_WEIGHTS[part]
        return out

    def pairs(self, creators, campaigns) -> NDArray[np.float64]:
        parts = self.pair_parts(creators, campaigns)
        return np.clip(sum(LEGACY_WEIGHTS[p] * parts[p] for p in PARTS), 0, 1)


def target_interest_share(creator: MarketCreator, campaign: MarketCampaign) -> float:
    """Share of the creator's audience whose interest is one the campaign targets."""
    wanted = campaign.target_audience["interests"]
    return sum(s for tag, s in creator.audience["interests"].items() if wanted.get(tag, 0) > 0)


def run(model: str, creators: list, campaigns: list, time_limit_s: float) -> dict[str, Any]:
    """The pipeline with one fit model; the offers' relevance, measured by ground truth."""
    policy = MatchingPolicy(min_fit=LEGACY_MIN_FIT) if model == "legacy" else MatchingPolicy()
    market = Market.prepare(creators, campaigns, policy, TODAY)
    if model == "legacy":
        market.fit_model = LegacyFit.of(market)  # type: ignore[assignment]
    scan = initial_scan(market)
    instance, _ = make_instance(market, scan.creators, scan.campaigns)
    result = solve(instance, time_limit_s=time_limit_s, workers=2, seed=0, max_rounds=50)
    assert validate(instance, result) == []
    by_id = {c.id: c for c in creators}
    camp_by_id = {c.id: c for c in campaigns}
    shares, engaged, spend = [], 0.0, 0
    for creator_id, campaign_id in result.assignments:
        k, c = by_id[creator_id], camp_by_id[campaign_id]
        share = target_interest_share(k, c)
        shares.append(share)
        engaged += k.followers * k.engagement_rate * share
        spend += k.rate
    offers = len(shares)
    filled = {c for _, c in result.assignments}
    return {
        "model": model,
        "offers": offers,
        "irrelevant": sum(s == 0 for s in shares),
        "irrelevant_share": sum(s == 0 for s in shares) / offers if offers else 0.0,
        "weak_share": sum(s < 0.2 for s in shares) / offers if offers else 0.0,
        "campaigns_with_offers": len(filled),
        "engaged_target": round(engaged),
        "spend_eur": spend / 100,
        "engaged_target_per_1k_eur": round(engaged / (spend / 100_000), 1) if spend else 0.0,
        "gap": result.gap,
    }


def calibrate(seed: int = 0, n_creators: int = 2_000) -> dict[str, dict[str, float]]:
    """Fit percentiles of every (creator, campaign) pair, by how the creator's niche relates
    to the campaign's: ``same``, ``neighbour`` (the niche next door) or ``other``."""
    creators, campaigns = generate(n_creators, 40, seed)
    space = AudienceSpace.from_profiles([c.audience for c in creators])
    model = FitModel.build(
        space,
        space.shares([c.audience for c in creators]),
        scaled_targets([c.target_audience for c in campaigns], space),
    )
    fit = model.block(np.arange(len(creators)), np.arange(len(campaigns)))
    weights = np.zeros(len(space.columns))
    for part, cols in space.part_slices().items():
        weights[cols] = math.sqrt(LEGACY_WEIGHTS[part])
    legacy = (np.sqrt(model.creator_shares.astype(np.float64)) * weights) @ (
        np.sqrt(space.shares([c.target_audience for c in campaigns]).astype(np.float64)) * weights
    ).T
    niche_of = [c.id.split("-", 1)[1] for c in creators]
    out: dict[str, dict[str, float]] = {}
    for relation in ("same", "neighbour", "other"):
        pairs = [
            (i, j)
            for i, k in enumerate(niche_of)
            for j, c in enumerate(campaigns)
            if relation
            == (
                "same"
                if k == c.category
                else "neighbour"
                if NEIGHBOURS[k] == c.category
                else "other"
            )
        ]
        values = [float(fit[i, j]) for i, j in pairs]
        old = np.array([legacy[i, j] for i, j in pairs])
        q = np.percentile(values, [5, 25, 50, 75, 95])
        out[relation] = {
            "pairs": len(values),
            **{f"p{p}": round(float(v), 3) for p, v in zip((5, 25, 50, 75, 95), q, strict=True)},
            "eligible_share": round(float(np.mean(np.array(values) >= DEFAULT_MIN_FIT)), 3),
            "legacy_median": round(float(np.median(old)), 3),
            "legacy_eligible_share": round(float(np.mean(old >= LEGACY_MIN_FIT)), 3),
        }
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=list(SIZES))
    parser.add_argument("--seeds", nargs="+", type=int, default=[0, 1, 2])
    parser.add_argument("--time-limit", type=float, default=20.0)
    parser.add_argument("--json")
    parser.add_argument("--calibrate", action="store_true", help="fit percentiles only")
    args = parser.parse_args(argv)
    if args.calibrate:
        print(json.dumps(calibrate(), indent=1))
        return
    rows = []
    for size in args.sizes:
        n_creators, n_campaigns = SIZES[size]
        for seed in args.seeds:
            creators, campaigns = generate(n_creators, n_campaigns, seed)
            for model in ("legacy", "relevance"):
                row = {
                    "size": size,
                    "seed": seed,
                    **run(model, creators, campaigns, args.time_limit),
                }
                rows.append(row)
                print(json.dumps(row), flush=True)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=1)


if __name__ == "__main__":
    main()
