"""Splitting a market too big for one solve into shards (pure: no Flask, no ORM).

Campaigns are grouped by category and categories are packed into shards of similar size;
each creator goes, whole, to the one shard whose campaigns are worth most to them (by the
budget of the campaigns in the categories they accept), so no creator's capacity or
competitor groups are split across shards and the union of feasible shard solutions is
feasible. The cost is that a creator is only matched within one shard's categories.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from matching.market.records import MarketCampaign, MarketCreator


@dataclass(frozen=True)
class ShardPlan:
    """Which campaigns and creators one shard solves."""

    campaign_ids: tuple[str, ...]
    creator_ids: tuple[str, ...]


def plan_shards(
    creators: Sequence[MarketCreator], campaigns: Sequence[MarketCampaign], shards: int
) -> list[ShardPlan]:
    """Partition a one-currency market into at most ``shards`` shards (deterministic)."""
    if shards < 1:
        raise ValueError("shards must be at least 1")
    by_category: dict[str, list[MarketCampaign]] = defaultdict(list)
    for c in campaigns:
        by_category[c.category].append(c)
    accepting: dict[str, int] = defaultdict(int)
    for k in creators:
        for category in k.categories or by_category:
            accepting[category] += 1
    # Largest categories first into the currently smallest shard (work ~ campaigns x creators).
    load = {cat: len(cs) * max(accepting[cat], 1) for cat, cs in by_category.items()}
    bins: list[list[str]] = [[] for _ in range(min(shards, len(by_category)) or 1)]
    weights = [0] * len(bins)
    for category in sorted(load, key=lambda cat: (-load[cat], cat)):
        target = min(range(len(bins)), key=lambda b: (weights[b], b))
        bins[target].append(category)
        weights[target] += load[category]
    shard_of_category = {cat: b for b, cats in enumerate(bins) for cat in cats}
    budget_in = [defaultdict(int) for _ in bins]
    for c in campaigns:
        budget_in[shard_of_category[c.category]][c.category] += c.budget
    creator_shard: dict[str, int] = {}
    for k in creators:
        accepted = k.categories or frozenset(by_category)
        worth = [sum(budget_in[b].get(cat, 0) for cat in accepted) for b in range(len(bins))]
        best = max(range(len(bins)), key=lambda b: (worth[b], -b))
        if worth[best] > 0:
            creator_shard[k.id] = best
    plans = []
    for b in range(len(bins)):
        campaign_ids = tuple(c.id for c in campaigns if shard_of_category[c.category] == b)
        creator_ids = tuple(k.id for k in creators if creator_shard.get(k.id) == b)
        if campaign_ids:
            plans.append(ShardPlan(campaign_ids, creator_ids))
    return plans
