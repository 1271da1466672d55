"""A seeded synthetic creator market for benchmarks.

Followers follow a power law (Pareto above 2k, capped at 20M), engagement falls with reach,
rates grow with followers (a noisy cost per thousand), audiences are Dirichlet draws around
their category's profile, and campaigns have budgets for a handful of mid-size creators,
minimums and competitor groups. Two calibrations (:data:`MARKETS`): ``v1``, the first one,
and ``v2`` (default), whose tier shares and engagement follow published Instagram figures —
see BENCHMARKS.md, "The synthetic market". These are the *classic* markets.

The *hard* market (:func:`generate_hard`, ``--market hard``) is built directly as a solver
instance, calibrated so that the assignment is hard: budgets bind (a median budget buys 3–5
median rates), 70 % of campaigns are in competitor groups of four, 20 % have an
all-or-nothing minimum, capacities are 1–3, rates grow as followers^0.8 with log-normal noise
and value is ``reach × fit³`` (weak fits count for little); greedy by value ends 19 % below
the LP bound at medium size (BENCHMARKS.md, "The hard market").

``python -m benchmarks.generate SIZE [--market v1|v2|hard] -o instance.json`` writes a solver
instance in the DESIGN.md §4 format.
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
from matching.solver.instance import NO_GROUP, Instance

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
HARD_MARKET = "hard"  # generate_hard: an instance built directly, not a market table


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


# ------------------------------------------------------------------ the hard market
HARD_PAIRS_PER_CAMPAIGN: dict[str, int] = {
    "tiny": 40,
    "small": 80,
    "medium": 140,
    "large": 200,
    "huge": 200,
}


@dataclass(frozen=True)
class HardShape:
    """Calibration of the hard market (BENCHMARKS.md, "The hard market").

    Rates ``rate_per_follower_08 × followers ^ 0.8`` with lognormal noise ``rate_sigma``;
    budgets lognormal around ``budget_in_rates`` median rates; ``grouped`` of the campaigns in
    competitor groups of ``group_size`` (same category); ``with_minimum`` of them with an
    all-or-nothing minimum of 2–4; capacities 1–3; value ``reach × fit ^ fit_stretch``.
    """

    follower_alpha: float = 1.1
    follower_min: int = 3_000
    rate_per_follower_08: float = 60.0  # minor units: 10k followers ≈ 95 EUR before noise
    rate_sigma: float = 0.5
    budget_in_rates: float = 4.0
    budget_sigma: float = 0.45
    grouped: float = 0.7
    group_size: int = 4
    with_minimum: float = 0.2
    fit_stretch: float = 3.0


HARD = HardShape()


def hard_creators(
    rng: np.random.Generator, n: int, shape: HardShape = HARD
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Followers (Pareto), reach (engaged followers, thousands), rates (minor units, growing
    as followers^0.8 with lognormal noise) and capacities (1–3) of ``n`` creators."""
    followers = np.minimum(shape.follower_min * (1 + rng.pareto(shape.follower_alpha, n)), 5e6)
    engagement = (0.05 * (followers / 1e4) ** -0.25 * rng.lognormal(0.0, 0.3, n)).clip(0.002, 0.3)
    reach = followers * engagement / 1000.0
    rate = shape.rate_per_follower_08 * followers**0.8 * rng.lognormal(0.0, shape.rate_sigma, n)
    rate = np.maximum(np.round(rate / 500.0) * 500.0, 500.0).astype(np.int64)
    capacity = rng.choice([1, 2, 3], n, p=[0.5, 0.3, 0.2]).astype(np.int64)
    return followers, reach, rate, capacity


def generate_hard(
    n_campaigns: int,
    n_creators: int,
    seed: int = 0,
    pairs_per_campaign: int = 140,
    shape: HardShape = HARD,
) -> Instance:
    """A seeded hard instance (DESIGN.md §4), built directly from arrays.

    Creators belong to one of :data:`CATEGORIES` and carry a popularity weight; each campaign
    draws its candidates from its category, popular creators more often (so capacities of 1–3
    are contested), and competitor groups are four campaigns of one category (so their
    candidates overlap and the one-campaign-per-group rule bites).
    """
    rng = np.random.default_rng(seed)
    n_cat = len(CATEGORIES)
    followers, reach, rate, capacity = hard_creators(rng, n_creators, shape)
    category = rng.integers(0, n_cat, n_creators)
    popularity = rng.lognormal(0.0, 0.8, n_creators)

    # Campaigns: groups of `group_size` share a category; the rest are loners.
    n_grouped = int(round(shape.grouped * n_campaigns / shape.group_size)) * shape.group_size
    n_grouped = min(n_grouped, n_campaigns - n_campaigns % shape.group_size)
    n_groups = n_grouped // shape.group_size
    group = np.full(n_campaigns, NO_GROUP, dtype=np.int64)
    order = rng.permutation(n_campaigns)
    group[order[:n_grouped]] = np.repeat(np.arange(n_groups), shape.group_size)
    camp_cat = rng.integers(0, n_cat, n_campaigns)
    grouped = group >= 0
    camp_cat[grouped] = rng.integers(0, n_cat, max(n_groups, 1))[group[grouped]]
    median_rate = float(np.median(rate))
    budget = median_rate * rng.lognormal(
        np.log(shape.budget_in_rates), shape.budget_sigma, n_campaigns
    )
    budget = (np.round(budget / 1_000.0) * 1_000.0).astype(np.int64)
    slots = rng.integers(3, 9, n_campaigns).astype(np.int64)
    min_creators = np.zeros(n_campaigns, dtype=np.int64)
    has_min = rng.random(n_campaigns) < shape.with_minimum
    min_creators[has_min] = np.minimum(rng.integers(2, 5, int(has_min.sum())), slots[has_min])

    by_cat = [np.flatnonzero(category == c) for c in range(n_cat)]
    creators, campaigns = [], []
    for j in range(n_campaigns):
        pool = by_cat[camp_cat[j]]
        k = min(pairs_per_campaign, pool.size)
        if k == 0:
            continue
        weight = popularity[pool] / popularity[pool].sum()
        creators.append(rng.choice(pool, k, replace=False, p=weight))
        campaigns.append(np.full(k, j, dtype=np.int64))
    pair_creator = np.concatenate(creators) if creators else np.zeros(0, np.int64)
    pair_campaign = np.concatenate(campaigns) if campaigns else np.zeros(0, np.int64)
    fit = rng.beta(2.0, 3.0, pair_creator.size)
    value = reach[pair_creator] * fit**shape.fit_stretch
    used, pair_creator = np.unique(pair_creator, return_inverse=True)
    group_names = tuple(
        f"{CATEGORIES[camp_cat[int(np.argmax(group == g))]]}-{g}" for g in range(n_groups)
    )
    return Instance(
        campaign_ids=tuple(f"c{j}" for j in range(n_campaigns)),
        budget=budget,
        slots=slots,
        min_creators=min_creators,
        group=group,
        group_names=group_names,
        creator_ids=tuple(f"k{i}" for i in used.tolist()),
        rate=rate[used],
        capacity=capacity[used],
        pair_creator=pair_creator,
        pair_campaign=pair_campaign,
        pair_value=np.round(value, 6),
    )


def hard_instance(size: str, seed: int = 0) -> Instance:
    """The hard market at one of :data:`SIZES`."""
    n_campaigns, n_creators = SIZES[size]
    return generate_hard(n_campaigns, n_creators, seed, HARD_PAIRS_PER_CAMPAIGN[size])


def main(argv: Sequence[str] | None = None) -> None:
    """Write a generated instance as JSON."""
    from matching.market.build import build_instance

    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("size", choices=sorted(SIZES))
    parser.add_argument("-o", "--output", required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top-k", type=int, default=200)
    parser.add_argument(
        "--market",
        choices=[*sorted(MARKETS), HARD_MARKET],
        default=DEFAULT_MARKET,
        help="v1/v2: the classic market through the matching build (top-K); hard: the hard "
        "market's instance directly",
    )
    args = parser.parse_args(argv)
    if args.market == HARD_MARKET:
        instance = hard_instance(args.size, args.seed)
    else:
        n_campaigns, n_creators = SIZES[args.size]
        table, campaigns = generate_market(n_campaigns, n_creators, args.seed, args.market)
        policy = MatchingPolicy(top_k=args.top_k)
        instance, _ = build_instance(table, campaigns, policy, TODAY)
    with open(args.output, "w") as f:
        json.dump(instance.to_dict(), f)


if __name__ == "__main__":
    main()
