"""A seeded synthetic creator market for benchmarks.

Followers follow a power law (Pareto above 2k, capped at 20M), engagement falls with reach,
rates grow with followers (a noisy cost per thousand), audiences are Dirichlet draws around
their category's profile, and campaigns have budgets for a handful of mid-size creators,
minimums and competitor groups. Two calibrations (:data:`MARKETS`): ``v1``, the first one,
and ``v2`` (default), whose tier shares and engagement follow published Instagram figures —
see BENCHMARKS.md, "The synthetic market". ``python -m benchmarks.generate SIZE -o
instance.json`` writes a solver instance in the DESIGN.md §4 format.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from matching.market.fit import ANY, FIXED_PART_KEYS, OPEN_PARTS, PARTS, AudienceSpace
from matching.market.records import MarketCampaign, MarketCreator, MatchingPolicy
from matching.market.tables import NO_END, CreatorTable

CATEGORIES = (
    "beauty",
    "skincare",
    "fashion",
    "fitness",
    "food",
    "travel",
    "tech",
    "gaming",
    "parenting",
    "finance",
    "home",
    "pets",
    "music",
    "outdoors",
    "books",
)
TAGS_PER_CATEGORY = 4
SIZES: dict[str, tuple[int, int]] = {  # name: (campaigns, creators)
    "tiny": (10, 200),
    "small": (50, 1_000),
    "medium": (300, 10_000),
    "large": (2_000, 100_000),
    "huge": (10_000, 1_000_000),
}
TODAY = dt.date(2026, 11, 23)


@dataclass(frozen=True)
class MarketShape:
    """The generator's calibration (see BENCHMARKS.md, "The synthetic market").

    Followers: Pareto with index ``follower_alpha`` above ``follower_min``; engagement
    ``engagement_at_10k × (followers / 10k) ^ -engagement_decay`` with lognormal noise; rates
    ``30 + followers / 1000 × CPM`` (CPM lognormal around ``cpm``); budget per slot lognormal
    around ``budget_per_slot`` (money, major units).
    """

    follower_alpha: float
    follower_min: int
    engagement_at_10k: float
    engagement_decay: float
    cpm: float
    budget_per_slot: float
    budget_sigma: float


MARKETS: dict[str, MarketShape] = {
    # The first calibration (until this change): few mid-size creators, high engagement.
    "v1": MarketShape(1.2, 2_000, 0.09, 0.22, 12.0, 900.0, 0.8),
    # Calibrated on published tier shares and engagement (BENCHMARKS.md).
    "v2": MarketShape(0.9, 2_000, 0.03, 0.22, 12.0, 900.0, 0.8),
}
DEFAULT_MARKET = "v2"


def interest_tags() -> list[str]:
    """Interest tags: a few per category."""
    return [f"{c}-{t}" for c in CATEGORIES for t in range(TAGS_PER_CATEGORY)]


def _dirichlet(rng: np.random.Generator, alpha: np.ndarray) -> np.ndarray:
    """Row-wise Dirichlet draws for a matrix of concentration parameters."""
    g = rng.gamma(np.maximum(alpha, 1e-3))
    return g / g.sum(axis=1, keepdims=True)


def _audiences(
    rng: np.random.Generator, primary: np.ndarray, space: AudienceSpace, concentration: float
) -> np.ndarray:
    """Audience shares around each row's primary category profile."""
    n = primary.size
    n_cat, n_tag = len(CATEGORIES), TAGS_PER_CATEGORY
    slices = space.part_slices()
    shares = np.zeros((n, len(space.columns)), dtype=np.float32)
    alpha = np.full((n, n_cat * n_tag), 0.05)
    for t in range(n_tag):
        alpha[np.arange(n), primary * n_tag + t] = 1.5
    # A secondary category taste for realism.
    secondary = rng.integers(0, n_cat, n)
    for t in range(n_tag):
        alpha[np.arange(n), secondary * n_tag + t] += 0.5
    shares[:, slices["interests"]] = _dirichlet(rng, alpha * concentration)
    cat_rng = np.random.default_rng(12345)  # category profiles are fixed across seeds
    for part in FIXED_PART_KEYS:
        k = len(FIXED_PART_KEYS[part])
        profile = cat_rng.dirichlet(np.ones(k) * 2.0, n_cat)
        cols = slice(slices[part].start, slices[part].start + k)
        shares[:, cols] = _dirichlet(rng, profile[primary] * 8.0 * concentration + 0.05)
    for part in OPEN_PARTS:  # the fit's constant column (matching.market.fit.OPEN_PARTS)
        shares[:, space.columns.index((part, ANY))] = 1.0
    return shares


def generate_market(
    n_campaigns: int, n_creators: int, seed: int = 0, market: str = DEFAULT_MARKET
) -> tuple[CreatorTable, list[MarketCampaign]]:
    """A seeded market: creators as a table (fast at 1M), campaigns as records."""
    shape = MARKETS[market]
    rng = np.random.default_rng(seed)
    tags = interest_tags()
    space = AudienceSpace.from_profiles([], interest_tags=tags)
    n_cat = len(CATEGORIES)
    popularity = rng.dirichlet(np.ones(n_cat) * 3.0)

    primary = rng.choice(n_cat, n_creators, p=popularity)
    followers = np.minimum(
        shape.follower_min * (1 + rng.pareto(shape.follower_alpha, n_creators)), 2e7
    ).astype(np.int64)
    engagement = np.clip(
        shape.engagement_at_10k
        * (followers / 1e4) ** -shape.engagement_decay
        * rng.lognormal(0, 0.35, n_creators),
        0.001,
        0.3,
    )
    cpm = rng.lognormal(np.log(shape.cpm), 0.45, n_creators)  # money per 1000 followers
    rate = (np.round((30 + followers / 1000 * cpm) / 5) * 5 * 100).astype(np.int64)
    capacity = rng.choice([1, 2, 3, 4, 5], n_creators, p=[0.3, 0.3, 0.2, 0.1, 0.1])
    accepts = np.zeros((n_creators, n_cat), dtype=bool)
    accepts[np.arange(n_creators), primary] = True
    extra = rng.random((n_creators, n_cat)) < 0.12
    accepts |= extra
    open_ = rng.random(n_creators) < 0.92
    until = np.full(n_creators, NO_END, dtype="datetime64[D]")
    has_end = rng.random(n_creators) < 0.3
    offsets = rng.integers(-20, 60, n_creators)
    until[has_end] = np.datetime64(TODAY, "D") + offsets[has_end]
    table = CreatorTable(
        ids=tuple(f"k{i}" for i in range(n_creators)),
        followers=followers,
        engagement_rate=engagement,
        rate=rate,
        currency=np.full(n_creators, "EUR"),
        capacity=capacity,
        open=open_,
        until=until,
        sponsored_share=rng.beta(2.0, 6.0, n_creators),
        categories=CATEGORIES,
        accepts=accepts,
        space=space,
        shares=_audiences(rng, primary, space, concentration=1.0),
    )

    camp_cat = rng.choice(n_cat, n_campaigns, p=popularity)
    camp_shares = _audiences(rng, camp_cat, space, concentration=3.0)
    slots = rng.integers(3, 16, n_campaigns)
    # Budgets buy a few mid-size creators: slots × a typical rate × a factor.
    budget = (
        slots * rng.lognormal(np.log(shape.budget_per_slot), shape.budget_sigma, n_campaigns) * 100
    ).astype(np.int64)
    budget = (budget // 10_000 + 1) * 10_000
    min_creators = np.where(rng.random(n_campaigns) < 0.2, rng.integers(2, 4, n_campaigns), 0)
    group = np.where(rng.random(n_campaigns) < 0.4, rng.integers(0, 3, n_campaigns), -1)
    min_followers = np.where(
        rng.random(n_campaigns) < 0.3, rng.choice([5_000, 10_000, 50_000], n_campaigns), 0
    )
    max_followers = np.where(
        rng.random(n_campaigns) < 0.3, rng.choice([100_000, 500_000, 2_000_000], n_campaigns), -1
    )
    slices = space.part_slices()
    campaigns = []
    for j in range(n_campaigns):
        target = {
            part: {
                key: float(camp_shares[j, c])
                for c, (_, key) in zip(
                    range(slices[part].start, slices[part].stop),
                    space.columns[slices[part]],
                    strict=True,
                )
                if camp_shares[j, c] > 0 and key != ANY
            }
            for part in PARTS
            if part != "countries"
        }
        campaigns.append(
            MarketCampaign(
                id=f"c{j}",
                category=CATEGORIES[camp_cat[j]],
                budget=int(budget[j]),
                slots=int(slots[j]),
                target_audience=_normalise(target),
                currency="EUR",
                min_creators=int(min_creators[j]),
                competitor_group=None if group[j] < 0 else f"{CATEGORIES[camp_cat[j]]}-{group[j]}",
                min_followers=int(min_followers[j]),
                max_followers=None if max_followers[j] < 0 else int(max_followers[j]),
            )
        )
    return table, campaigns


def _normalise(profile: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    out = {}
    for part, shares in profile.items():
        total = sum(shares.values())
        out[part] = {k: v / total for k, v in shares.items()}
    return out


def creator_records(table: CreatorTable) -> list[MarketCreator]:
    """The table as records (for the record path and small markets)."""
    cols = table.space.columns
    records = []
    for i, cid in enumerate(table.ids):
        audience: dict[str, dict[str, float]] = {p: {} for p in PARTS if p != "countries"}
        for c in np.flatnonzero(table.shares[i] > 0).tolist():
            part, key = cols[c]
            if key != ANY:
                audience[part][key] = float(table.shares[i, c])
        until = table.until[i]
        records.append(
            MarketCreator(
                id=cid,
                followers=int(table.followers[i]),
                engagement_rate=float(table.engagement_rate[i]),
                audience=_normalise(audience),
                rate=int(table.rate[i]),
                currency=str(table.currency[i]),
                capacity=int(table.capacity[i]),
                open=bool(table.open[i]),
                until=None if np.isnat(until) else until.astype(dt.date),
                categories=frozenset(
                    c for c, ok in zip(table.categories, table.accepts[i], strict=True) if ok
                ),
                sponsored_share=float(table.sponsored_share[i]),
            )
        )
    return records


def main(argv: Sequence[str] | None = None) -> None:
    """Write a generated instance as JSON."""
    from matching.market.build import build_instance

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int, default=200)
    parser.add_argument("--market", choices=sorted(MARKETS), default=DEFAULT_MARKET)
    args = parser.parse_args(argv)
    n_campaigns, n_creators = SIZES[args.size]
    table, campaigns = generate_market(n_campaigns, n_creators, args.seed, args.market)
    instance, _ = build_instance(table, campaigns, MatchingPolicy(top_k=args.top_k), TODAY)
    with open(args.output, "w") as f:
        json.dump(instance.to_dict(), f)


if __name__ == "__main__":
    main()
