"""Column generation over the market: price the pairs that top-K pruning left out.

Top-K pruning ranks every campaign's candidates on their own, so at scale the same strong
creators top every list while each can take a handful of offers, and the instance's LP bound
falls far below the market's (16 % at 2,000 × 100k, 60 % at 10k × 1M). Pricing corrects
that with the LP's own prices:

1. Start from each campaign's ``start_top_k`` best candidates, diversified so that a creator
   sits in at most ``lists_per_capacity`` × its capacity lists, and solve the LP relaxation.
2. One pass over the whole market at the LP's campaign prices — budget ``λ_j`` per unit of
   money and slots ``σ_j`` (:func:`price_market`). With the campaign rows relaxed, every
   creator's problem (at most ``capacity`` campaigns, at most one per competitor group,
   maximise ``r = value − rate·λ_j − σ_j``) is a laminar matroid, solved exactly by a greedy.
   That certifies a bound on the *whole* market (every eligible pair) and yields each
   creator's picks: the pairs with a positive reduced cost at the optimal creator and group
   prices.
3. Add the picks that are not candidates yet (at most ``add_per_campaign`` per campaign, best
   margin first), re-solve the LP (PDLP warm-starts) and repeat until the market bound is
   within ``min_gain`` of the LP bound, or ``rounds`` (or ``time_limit_s``) run out. A last
   pass certifies the market bound at the final prices.
4. If the bound has not met the LP bound, the LP's prices are those of the candidates, too
   low for the whole market: subgradient steps on the market's dual function, evaluated on
   the last full pass's cached pairs (cheap), move them towards the market's own
   (:func:`descend_prices`), and one more full pass certifies the bound at the best of them
   (any prices ≥ 0 give a valid bound; the reported one is the smallest certified).

A pass reuses the scoring blocks of :mod:`matching.market.build` (one matrix product per
block, no Python loop per pair), skips creators whose reach cannot pay a group's cheapest
price, and keeps only per-creator and per-campaign arrays, so its memory does not grow with
the number of eligible pairs.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from matching.market.build import (
    Market,
    PairDetails,
    ScoringGroup,
    initial_scan,
    make_instance,
    pair_details,
)
from matching.market.records import MarketCampaign, MarketCreator, MatchingPolicy
from matching.market.tables import CreatorTable
from matching.solver.instance import NO_GROUP, Instance
from matching.solver.lp import LPSolution, solve_lp
from matching.solver.model import (
    LinearModel,
    capacity_row_creators,
    group_row_keys,
    linear_model,
    usable_pairs,
)

# Relative error allowed for a float32 pass (fit of 72 float32 terms, prices): far above it.
VALUE_TOLERANCE = 1e-5


@dataclass(frozen=True)
class PricingConfig:
    """How far column generation goes.

    ``rounds``: pricing passes that may add candidates (0: only certify the top-K instance).
    ``add_per_campaign``: new candidates per campaign and round, best margin first.
    ``start_top_k``: the first LP's candidates per campaign (at most the policy's ``top_k``);
    ``lists_per_capacity``: diversify them — a creator starts in at most that many × its
    capacity lists (None: plain top-K). ``time_limit_s``: stop adding rounds when the next
    one would not fit (this makes the number of rounds depend on the machine; None keeps
    pricing deterministic). ``min_gain``: stop once the certified market bound is within this
    share of the LP bound. ``lp_time_limit_s`` / ``threads``: per LP solve. ``certify``: end
    with a pass at the final LP's prices, so the market bound uses them. ``candidate_index``:
    a full pass scores only the creators a :class:`CandidateIndex` keeps (exact: the others
    cannot price positive), instead of every creator of every scoring group.
    ``descent_steps``: at most that many cache steps of step 4 (0: none).
    """

    rounds: int = 8
    add_per_campaign: int = 100
    start_top_k: int | None = 100
    lists_per_capacity: float | None = 2.0
    time_limit_s: float | None = None
    min_gain: float = 1e-3
    lp_time_limit_s: float = 300.0
    threads: int = 2
    certify: bool = True
    cache_per_creator: int = 12
    candidate_index: bool = True
    descent_steps: int = 20


@dataclass(frozen=True)
class PricingRound:
    """One LP solve over ``pairs`` candidates and the pass that priced the market with its
    duals: ``added`` pairs entered the next candidates; ``kind`` is ``full`` (a pass over the
    market, which certified ``market_bound``) or ``cache`` (over the cached pairs only,
    no bound)."""

    pairs: int
    lp_bound: float
    lp_method: str
    lp_seconds: float
    pass_seconds: float
    added: int
    market_bound: float
    kind: str = "full"


@dataclass(frozen=True, eq=False)
class PricingReport:
    """What pricing did. ``pruned_lp_bound``: LP bound of the top-K instance; ``lp_bound``: of
    the returned instance; ``market_bound``: certified bound on the whole market (every
    eligible pair); ``lp``: the returned instance's LP over its usable pairs, which
    :func:`matching.solver.solve` accepts as ``lp=`` to skip solving it again."""

    rounds: tuple[PricingRound, ...]
    pruned_lp_bound: float
    lp_bound: float
    market_bound: float
    converged: bool
    lp: LPSolution | None
    seconds: float
    # The final LP's campaign prices: campaign id -> (budget price per unit of money, slot
    # price); an incremental run starts its pricing from the week's (``initial_prices``).
    prices: dict[str, tuple[float, float]] = field(default_factory=dict)
    # The pass at ``initial_prices`` (None without): its bound and the pairs it added.
    warm_start: dict[str, float] | None = None
    # Step 4 (None if it did not run): its steps, cache bound, certified bound and seconds.
    descent: dict[str, float] | None = None

    def to_dict(self) -> dict[str, object]:
        return {
            "rounds": [r.__dict__ for r in self.rounds],
            "pruned_lp_bound": self.pruned_lp_bound,
            "lp_bound": self.lp_bound,
            "market_bound": self.market_bound,
            "converged": self.converged,
            "seconds": round(self.seconds, 3),
            "warm_start": self.warm_start,
            "descent": self.descent,
        }


@dataclass(frozen=True, eq=False)
class PricingPass:
    """A pass's result: the certified market bound, the creator prices ``μ*`` and the
    creators' greedy picks at the pass's campaign prices — (table creator, campaign) pairs with
    their margin over the creator's price (``r − μ*_i``, ≥ 0): exactly the pairs with a
    positive reduced cost at the optimal creator and group prices (group picks: the margin by
    which the group's best pair beats ``μ*_i``)."""

    market_bound: float
    creator_price: NDArray[np.float64]
    pick_creators: NDArray[np.int64]
    pick_campaigns: NDArray[np.int64]
    pick_margin: NDArray[np.float64]
    cache: PairCache | None = None


@dataclass(frozen=True, eq=False)
class PairCache:
    """Each creator's best pairs by ``r`` at a full pass's prices (flat arrays): later rounds
    price these instead of the whole market, and a full pass certifies at the end."""

    creators: NDArray[np.int64]
    campaigns: NDArray[np.int64]
    values: NDArray[np.float32]


@dataclass(frozen=True, eq=False)
class CandidateIndex:
    """Per scoring group, the creators a pricing pass needs to score, and a cap on their fit.

    Scoring groups already split the market by category (and currency and follower range);
    the index adds affordability (rate ≤ the group's largest budget, sponsored share under
    the cap) and audience tags: the fit is at most the interest match
    ``min(1, p · t_j)`` (demographics and the country gate only scale it down), and
    ``p · t_j ≤ p · t_max`` with ``t_max`` the group's largest target weight per tag. A
    creator whose ``p · t_max`` is below ``min_fit`` (no tag in common, or too little of its
    audience on the group's tags) is eligible for none of the group's campaigns, so it is
    left out once for all passes; per pass, a creator whose ``reach × cap`` cannot pay the
    group's cheapest price is skipped too. Both tests are exact (with a float32 margin), so
    the bound a pass certifies is unchanged. Built in one matrix-vector product per group.
    """

    creators: dict[int, NDArray[np.int64]]
    cap: dict[int, NDArray[np.float32]]

    @classmethod
    def build(cls, market: Market) -> CandidateIndex:
        table, policy = market.table, market.policy
        space = market.fit_model.space
        interests = space.part_slices()["interests"]
        shares = market.fit_model.creator_shares
        targets = market.fit_model.targets
        creators: dict[int, NDArray[np.int64]] = {}
        caps: dict[int, NDArray[np.float32]] = {}
        for group in market.groups:
            pool = group.creators
            budget = market.camp.budget[group.campaigns]
            pool = pool[market.cap_ok[pool] & (table.rate[pool] <= budget.max(initial=0))]
            t_max = targets[group.campaigns][:, interests].max(axis=0, initial=0.0)
            cap = np.empty(pool.size, dtype=np.float32)
            step = max(policy.block_size, 1)
            for s in range(0, pool.size, step):
                rows = pool[s : s + step]
                cap[s : s + step] = shares[rows][:, interests].astype(np.float64) @ t_max
            np.minimum(cap, np.float32(1.0), out=cap)
            cap *= np.float32(1.0 + INDEX_TOLERANCE)
            keep = cap >= policy.min_fit
            creators[id(group)] = pool[keep]
            caps[id(group)] = cap[keep]
        return cls(creators=creators, cap=caps)

    def size(self) -> int:
        """Creator × group entries kept (a creator counts once per group)."""
        return int(sum(c.size for c in self.creators.values()))


INDEX_TOLERANCE = 1e-4  # float32 shares: the cap is rounded up by far more than their error


def price_market(
    market: Market,
    budget_dual: NDArray[np.float64],
    slot_dual: NDArray[np.float64],
    cache_per_creator: int = 0,
    index: CandidateIndex | None = None,
) -> PricingPass:
    """Price the whole market at the campaigns' prices ``budget_dual`` (per unit of money)
    and ``slot_dual`` (both ≥ 0), in one pass over the scoring blocks.

    With the campaign rows relaxed, the LP splits into one problem per creator: take at most
    ``capacity`` campaigns, at most one per competitor group, maximising
    ``r = value − rate·λ_j − σ_j``. Its constraints form a laminar matroid, so the greedy
    (best ``r`` first) solves it exactly and its LP is integral: the market bound
    ``Σ_j (budget_j λ_j + slots_j σ_j) + Σ_i (creator i's greedy sum)`` is the best
    weak-duality bound these campaign prices allow (with optimal creator and group prices).
    The creator price ``μ*_i`` is the best ``r`` creator ``i`` has to turn down (its
    (capacity+1)-th item). Each ``r`` is rounded up by the float32 error allowance of its
    terms, so the bound stays valid for the float64 pair values of the instance.
    ``cache_per_creator``: also keep each creator's that many best pairs (a
    :class:`PairCache`) for :func:`price_cache`. ``index``: score only the creators it
    keeps (:class:`CandidateIndex`; same bound and picks, less work).
    """
    table, policy = market.table, market.policy
    n_k = len(table)
    capacity = np.minimum(table.capacity, policy.max_offers_per_week)
    width = int(capacity.max(initial=0))
    n_groups = len(market.group_names)
    # Per creator: best r outside competitor groups (and its campaign), best r per group.
    free_best = np.zeros((n_k, width), dtype=np.float32)
    free_camp = np.full((n_k, width), -1, dtype=np.int64)
    group_best = np.zeros((n_k, n_groups), dtype=np.float32)
    group_camp = np.full((n_k, n_groups), -1, dtype=np.int64)
    lam = budget_dual.astype(np.float32)
    sig = slot_dual.astype(np.float32)
    rates = table.rate.astype(np.float32)
    high = np.float32(1.0 + VALUE_TOLERANCE)
    lam_low = lam * np.float32(1.0 - VALUE_TOLERANCE)
    sig_low = sig * np.float32(1.0 - VALUE_TOLERANCE)
    reach_high = market.reach * high
    depth = max(cache_per_creator, 0)
    cache_r = np.full((n_k, depth), -np.inf, dtype=np.float32)
    cache_j = np.full((n_k, depth), -1, dtype=np.int64)
    cache_v = np.zeros((n_k, depth), dtype=np.float32)

    ceiling_of = np.zeros(n_k, dtype=np.float32)  # per creator: reach × fit cap (index)
    budgets = market.camp.budget

    def may_price_positive(group: ScoringGroup, creators: NDArray[np.int64]) -> NDArray[np.int64]:
        # r ≤ reach − rate·min λ − min σ (fit ≤ 1): creators below zero add nothing.
        cols = group.campaigns
        ceiling = reach_high[creators]
        if index is not None:  # the index's creators are a subset of ``creators``
            creators = index.creators[id(group)]
            ceiling = reach_high[creators] * index.cap[id(group)]
        cheapest = rates[creators] * lam_low[cols].min() + sig_low[cols].min()
        keep = ceiling > cheapest
        ceiling_of[creators[keep]] = ceiling[keep]
        return creators[keep]

    def block_columns(group: ScoringGroup, rows: NDArray[np.int64]) -> NDArray[np.int64]:
        # Per campaign: r ≤ max ceiling − min rate·λ_j − σ_j over the block, and a pair
        # above the budget is not eligible; campaigns failing either add nothing here.
        cols = group.campaigns
        cheapest_rate = rates[rows].min(initial=0)
        top = ceiling_of[rows].max(initial=0)
        keep = (budgets[cols] >= table.rate[rows].min(initial=0)) & (
            top > cheapest_rate * lam_low[cols] + sig_low[cols]
        )
        return cols[keep]

    blocks = market.blocks(
        eligible_only=True,
        prefilter=may_price_positive,
        columns=block_columns if index is not None else None,
    )
    for block in blocks:
        rows, cols = block.rows, block.campaigns
        groups = market.campaign_group[cols]
        free = groups == NO_GROUP
        # r = value − price, rounded up by the float32 error allowance of its terms;
        # -inf where the pair is not eligible.
        price = rates[rows][:, None] * lam_low[cols][None, :]
        price += sig_low[cols][None, :]
        r = block.value * high
        r -= price
        r[~block.ok] = -np.inf
        if depth:
            take = min(depth, r.shape[1])
            top = np.argpartition(-r, take - 1, axis=1)[:, :take]
            val = np.concatenate([cache_r[rows], np.take_along_axis(r, top, 1)], axis=1)
            camp = np.concatenate([cache_j[rows], cols[top]], axis=1)
            worth = np.concatenate([cache_v[rows], np.take_along_axis(block.value, top, 1)], axis=1)
            sel = np.argsort(-val, axis=1, kind="stable")[:, :depth]
            cache_r[rows] = np.take_along_axis(val, sel, 1)
            cache_j[rows] = np.take_along_axis(camp, sel, 1)
            cache_v[rows] = np.take_along_axis(worth, sel, 1)
        if free.any() and width:
            sub, sub_cols = r[:, free], cols[free]
            take = min(width, sub.shape[1])
            top = np.argpartition(-sub, take - 1, axis=1)[:, :take]
            val = np.concatenate([free_best[rows], np.take_along_axis(sub, top, 1)], axis=1)
            camp = np.concatenate([free_camp[rows], sub_cols[top]], axis=1)
            sel = np.argsort(-val, axis=1, kind="stable")[:, :width]
            free_best[rows] = np.take_along_axis(val, sel, 1)
            free_camp[rows] = np.take_along_axis(camp, sel, 1)
        for g in np.unique(groups[~free]).tolist():
            in_g = groups == g
            sub = r[:, in_g]
            arg = sub.argmax(axis=1)
            top = sub[np.arange(rows.size), arg]
            better = top > group_best[rows, g]
            group_best[rows[better], g] = top[better]
            group_camp[rows[better], g] = cols[in_g][arg[better]]

    # Each creator's greedy: its ``capacity`` best items (a free campaign, or a group's best).
    items = np.concatenate([free_best, group_best], axis=1).astype(np.float64)
    camps = np.concatenate([free_camp, group_camp], axis=1)
    items = np.where(camps >= 0, np.maximum(items, 0.0), 0.0)
    order = np.argsort(-items, axis=1, kind="stable")
    items = np.take_along_axis(items, order, 1)
    camps = np.take_along_axis(camps, order, 1)
    taken = (np.arange(items.shape[1])[None, :] < capacity[:, None]) & (items > 0)
    padded = np.concatenate([items, np.zeros((n_k, 1))], axis=1)
    creator_price = padded[np.arange(n_k), np.minimum(capacity, items.shape[1])]
    bound = (
        float(market.camp.budget.astype(np.float64) @ budget_dual)
        + float(market.camp.slots.astype(np.float64) @ slot_dual)
        + float((items * taken).sum())
    )
    who, slot = np.nonzero(taken)
    cache = None
    if depth:
        ci, cs = np.nonzero(np.isfinite(cache_r))
        cache = PairCache(
            creators=ci.astype(np.int64), campaigns=cache_j[ci, cs], values=cache_v[ci, cs]
        )
    return PricingPass(
        market_bound=bound,
        creator_price=creator_price,
        pick_creators=who.astype(np.int64),
        pick_campaigns=camps[who, slot],
        pick_margin=items[who, slot] - creator_price[who],
        cache=cache,
    )


def price_cache(
    market: Market,
    cache: PairCache,
    budget_dual: NDArray[np.float64],
    slot_dual: NDArray[np.float64],
) -> PricingPass:
    """:func:`price_market` over the cached pairs only (fast; no pass over the market).

    Its ``market_bound`` is *not* certified: it leaves out the pairs outside the cache, so it
    can only be lower than the real one. It serves to pick candidates and to tell when a full
    pass is worth its time.
    """
    table = market.table
    n_k = len(table)
    capacity = np.minimum(table.capacity, market.policy.max_offers_per_week)
    c, j = cache.creators, cache.campaigns
    price = (
        table.rate[c].astype(np.float32) * budget_dual[j].astype(np.float32)
        + slot_dual[j].astype(np.float32)
    ) * np.float32(1.0 - VALUE_TOLERANCE)
    r = (cache.values * np.float32(1.0 + VALUE_TOLERANCE) - price).astype(np.float64)
    g = market.campaign_group[j]
    # One item per free pair and per (creator, group): the group's best pair.
    order = np.lexsort((j, -r, g, c))
    c_o, g_o = c[order], g[order]
    first = np.ones(order.size, dtype=bool)
    first[1:] = (c_o[1:] != c_o[:-1]) | (g_o[1:] != g_o[:-1])
    item = order[first | (g_o == NO_GROUP)]
    item = item[r[item] > 0]
    order = item[np.lexsort((j[item], -r[item], c[item]))]
    c_o = c[order]
    start = np.searchsorted(c_o, c_o, side="left")
    rank = np.arange(order.size) - start
    taken = rank < capacity[c_o]
    creator_price = np.zeros(n_k)
    at_cap = rank == capacity[c_o]
    creator_price[c_o[at_cap]] = r[order[at_cap]]
    picks = order[taken]
    bound = (
        float(market.camp.budget.astype(np.float64) @ budget_dual)
        + float(market.camp.slots.astype(np.float64) @ slot_dual)
        + float(r[picks].sum())
    )
    return PricingPass(
        market_bound=bound,
        creator_price=creator_price,
        pick_creators=c[picks],
        pick_campaigns=j[picks],
        pick_margin=r[picks] - creator_price[c[picks]],
    )


def descend_prices(
    market: Market,
    cache: PairCache,
    budget_dual: NDArray[np.float64],
    slot_dual: NDArray[np.float64],
    target: float,
    steps: int,
    deadline: float | None = None,
) -> tuple[tuple[NDArray[np.float64], NDArray[np.float64]], float, int]:
    """Campaign prices that lower the market's dual function, by projected subgradient steps
    from ``budget_dual`` / ``slot_dual`` on :func:`price_cache` (the cached pairs only).

    The dual function ``B(λ, σ)`` (the bound :func:`price_market` certifies) is convex; its
    subgradient in campaign ``j`` is the budget (slots) left over by the creators' picks.
    Prices are scaled per campaign (``λ_j · budget_j``, ``σ_j · slots_j``: value units) and
    steps follow Polyak's rule towards ``target`` (a lower bound on the minimum, e.g. the
    candidates' LP bound), stopping at ``steps``, at the target, or at ``deadline``
    (``time.perf_counter()``). Returns the prices with the lowest cache bound, that bound and
    the steps taken; the cache bound is not certified (a full pass at the prices is).
    """
    budget = np.maximum(market.camp.budget.astype(np.float64), 1.0)
    slots = np.maximum(market.camp.slots.astype(np.float64), 1.0)
    rate = market.table.rate.astype(np.float64)
    n_c = budget.size
    u, v = np.maximum(budget_dual, 0.0) * budget, np.maximum(slot_dual, 0.0) * slots
    best, best_bound, taken = (u / budget, v / slots), np.inf, 0
    for _ in range(steps):
        if deadline is not None and time.perf_counter() > deadline:
            break
        lam, sig = u / budget, v / slots
        priced = price_cache(market, cache, lam, sig)
        taken += 1
        if priced.market_bound < best_bound:
            best, best_bound = (lam, sig), priced.market_bound
        excess = priced.market_bound - target
        if excess <= 0:
            break
        j = priced.pick_campaigns
        g_u = 1.0 - np.bincount(j, weights=rate[priced.pick_creators], minlength=n_c) / budget
        g_v = 1.0 - np.bincount(j, minlength=n_c) / slots
        g_u[(u <= 0) & (g_u > 0)] = 0.0  # projected: a zero price cannot fall
        g_v[(v <= 0) & (g_v > 0)] = 0.0
        norm = float(g_u @ g_u + g_v @ g_v)
        if norm <= 0:
            break
        u = np.maximum(u - excess / norm * g_u, 0.0)
        v = np.maximum(v - excess / norm * g_v, 0.0)
    return best, float(best_bound), taken


def _best_per_campaign(
    creators: NDArray[np.int64],
    campaigns: NDArray[np.int64],
    score: NDArray[np.float64],
    limit: int,
) -> NDArray[np.bool_]:
    """Mask of the ``limit`` best-scored entries of each campaign (ties: lower creator)."""
    order = np.lexsort((creators, -score, campaigns))
    sorted_campaigns = campaigns[order]
    first = np.searchsorted(sorted_campaigns, sorted_campaigns, side="left")
    rank = np.arange(order.size) - first
    keep = np.zeros(order.size, dtype=bool)
    keep[order[rank < limit]] = True
    return keep


def build_instance_priced(
    creators: Sequence[MarketCreator] | CreatorTable,
    campaigns: Sequence[MarketCampaign],
    policy: MatchingPolicy,
    today: dt.date,
    config: PricingConfig | None = None,
    *,
    exclude: Collection[tuple[str, str]] = (),
    interest_tags: Sequence[str] = (),
    initial_prices: Mapping[str, tuple[float, float]] | None = None,
) -> tuple[Instance, PairDetails]:
    """:func:`matching.market.build_instance` followed by column generation.

    Starts from the policy's top-K candidates, then adds the left-out pairs the LP's duals
    price positive (see the module docstring). ``exclude``: (creator id, campaign id) pairs
    never to propose (e.g. offered in an earlier run); ``interest_tags``: the audience
    space's vocabulary (as for ``build_instance``). ``initial_prices`` (campaign id →
    (budget price, slot price), e.g. the week's run's :attr:`PricingReport.prices`): the
    first pass prices the market at them before any LP — its picks join the starting
    candidates, its bound counts, and the first LP (PDLP) starts from them. Returns the
    instance and its
    :class:`PairDetails`, whose ``pricing`` holds the :class:`PricingReport` (market bound,
    rounds, and the final LP to pass to ``solve(..., lp=details.pricing.lp)``).
    """
    config = config or PricingConfig()
    start = time.perf_counter()
    market = Market.prepare(creators, campaigns, policy, today, exclude, interest_tags)
    index = CandidateIndex.build(market) if config.candidate_index else None
    start_k = policy.top_k
    if config.start_top_k is not None:
        start_k = min(start_k or config.start_top_k, config.start_top_k)
    scan = initial_scan(market, start_k, lists_per_capacity=config.lists_per_capacity)
    add = config.add_per_campaign
    pool_creators, pool_campaigns = scan.creators, scan.campaigns
    rounds: list[PricingRound] = []
    market_bound = np.inf
    converged = False
    previous: tuple[NDArray[np.int64], NDArray[np.int64], LPSolution] | None = None
    n_c = len(market.campaigns)
    cache: PairCache | None = None
    pass_seconds = 0.0
    warm: dict[str, float] | None = None
    warm_y: tuple[NDArray[np.float64], NDArray[np.float64]] | None = None
    if initial_prices is not None:
        warm_start = time.perf_counter()
        lam0 = np.array([max(initial_prices.get(c.id, (0.0, 0.0))[0], 0.0) for c in campaigns])
        sig0 = np.array([max(initial_prices.get(c.id, (0.0, 0.0))[1], 0.0) for c in campaigns])
        priced0 = price_market(market, lam0, sig0, config.cache_per_creator, index)
        cache = priced0.cache
        market_bound = priced0.market_bound
        pick = _best_per_campaign(
            priced0.pick_creators, priced0.pick_campaigns, priced0.pick_margin, add
        )
        pool_creators = np.concatenate([pool_creators, priced0.pick_creators[pick]])
        pool_campaigns = np.concatenate([pool_campaigns, priced0.pick_campaigns[pick]])
        pool = market.pair_matrix(pool_creators, pool_campaigns).tocoo()  # duplicates merged
        pool_creators, pool_campaigns = pool.row.astype(np.int64), pool.col.astype(np.int64)
        warm_y = (lam0, sig0)
        warm = {
            "market_bound": float(priced0.market_bound),
            "added": int(pick.sum()),
            "seconds": round(time.perf_counter() - warm_start, 3),
        }
    while True:
        instance, chosen = make_instance(market, pool_creators, pool_campaigns)
        usable = usable_pairs(instance)
        work = instance.restrict_pairs(usable)
        used = np.unique(chosen)
        model = linear_model(work)
        row_ids = _row_ids(market, work, used)
        pair_ids = chosen[usable] * n_c + work.pair_campaign
        initial = _warm_start(previous, pair_ids, row_ids) if previous else None
        if initial is None and warm_y is not None:
            y0 = np.zeros(row_ids.size)
            y0[:n_c], y0[n_c : 2 * n_c] = warm_y
            initial = (np.zeros(pair_ids.size), y0)
        lp = solve_lp(
            model, work.pair_value, config.lp_time_limit_s, config.threads, initial=initial
        )
        previous = (pair_ids, row_ids, lp)
        can_add = len(rounds) < config.rounds
        if not can_add and not config.certify:
            rounds.append(
                PricingRound(
                    instance.num_pairs,
                    lp.bound,
                    lp.method,
                    round(lp.seconds, 3),
                    0.0,
                    0,
                    np.nan,
                    "none",
                )
            )
            break
        lam = np.maximum(lp.y[model.families["budget"]], 0.0)
        sig = np.maximum(lp.y[model.families["slots"]], 0.0)
        pass_start = time.perf_counter()
        priced = None
        kind = "full"
        if can_add and cache is not None and _time_left(config, start, lp.seconds, pass_seconds):
            # A cheap round over the cached pairs, unless it has nothing left to add.
            priced = price_cache(market, cache, lam, sig)
            kind = "cache"
            if (
                priced.market_bound - lp.bound <= config.min_gain * max(lp.bound, 1e-12)
                or not _new_picks(market, chosen, instance, priced).size
            ):
                priced = None
        if priced is None:
            kind = "full"
            priced = price_market(market, lam, sig, config.cache_per_creator, index)
            pass_seconds = time.perf_counter() - pass_start
            cache = priced.cache
            market_bound = min(market_bound, priced.market_bound)
            converged = market_bound - lp.bound <= config.min_gain * max(lp.bound, 1e-12)
            if not _time_left(config, start, lp.seconds, pass_seconds):
                can_add = False
        added = 0
        if can_add and not converged:
            new = _new_picks(market, chosen, instance, priced)
            pc, pj = priced.pick_creators[new], priced.pick_campaigns[new]
            best = _best_per_campaign(pc, pj, priced.pick_margin[new], add)
            added = int(best.sum())
            pool_creators = np.concatenate([chosen, pc[best]])
            pool_campaigns = np.concatenate([instance.pair_campaign, pj[best]])
        rounds.append(
            PricingRound(
                instance.num_pairs,
                lp.bound,
                lp.method,
                round(lp.seconds, 3),
                round(time.perf_counter() - pass_start, 3),
                added,
                priced.market_bound if kind == "full" else np.nan,
                kind,
            )
        )
        if converged or not can_add or added == 0:
            converged = converged or (kind == "full" and can_add and added == 0)
            break
    descent = None
    if config.certify and config.descent_steps > 0 and cache is not None and not converged:
        # Room for the steps and the certifying pass (estimated by the last full pass).
        deadline = None
        if config.time_limit_s is not None:
            deadline = start + config.time_limit_s - pass_seconds
        if deadline is None or time.perf_counter() < deadline:
            descent_start = time.perf_counter()
            (lam_d, sig_d), cache_bound, steps = descend_prices(
                market, cache, lam, sig, lp.bound, config.descent_steps, deadline
            )
            certified = price_market(market, lam_d, sig_d, 0, index).market_bound
            market_bound = min(market_bound, certified)
            converged = market_bound - lp.bound <= config.min_gain * max(lp.bound, 1e-12)
            descent = {
                "steps": steps,
                "cache_bound": cache_bound,
                "market_bound": certified,
                "seconds": round(time.perf_counter() - descent_start, 3),
            }
    report = PricingReport(
        rounds=tuple(rounds),
        pruned_lp_bound=rounds[0].lp_bound,
        lp_bound=lp.bound,
        market_bound=float(market_bound),
        converged=converged,
        lp=lp,
        seconds=time.perf_counter() - start,
        prices=_campaign_prices(market, model, lp),
        warm_start=warm,
        descent=descent,
    )
    return instance, pair_details(market, scan, chosen, instance, report)


def _campaign_prices(
    market: Market, model: LinearModel, lp: LPSolution
) -> dict[str, tuple[float, float]]:
    """The LP's budget and slot prices per campaign id (``model``: the LP's rows)."""
    lam = np.maximum(lp.y[model.families["budget"]], 0.0)
    sig = np.maximum(lp.y[model.families["slots"]], 0.0)
    return {
        c.id: (float(a), float(b))
        for c, a, b in zip(market.campaigns, lam.tolist(), sig.tolist(), strict=True)
    }


def _new_picks(
    market: Market, chosen: NDArray[np.int64], instance: Instance, priced: PricingPass
) -> NDArray[np.bool_]:
    """Mask of the pass's picks that are not candidates yet."""
    pool = market.pair_matrix(chosen, instance.pair_campaign)
    return ~np.asarray(pool[priced.pick_creators, priced.pick_campaigns]).ravel()


def _time_left(config: PricingConfig, start: float, lp_seconds: float, pass_seconds: float) -> bool:
    """Whether another round (an LP and a full pass to certify it) fits the time limit."""
    if config.time_limit_s is None:
        return True
    elapsed = time.perf_counter() - start
    return elapsed + lp_seconds + 2 * pass_seconds <= config.time_limit_s


def _row_ids(market: Market, work: Instance, used: NDArray[np.int64]) -> NDArray[np.int64]:
    """A market-wide identity for each row of ``linear_model(work)`` (for warm starts)."""
    n_c, n_k = len(market.campaigns), len(market.table)
    n_groups = max(len(work.group_names), 1)
    keys = group_row_keys(work)
    return np.concatenate(
        [
            np.arange(n_c),
            n_c + np.arange(n_c),
            2 * n_c + used[capacity_row_creators(work)],
            2 * n_c + n_k + used[keys // n_groups] * n_groups + keys % n_groups,
        ]
    )


def _warm_start(
    previous: tuple[NDArray[np.int64], NDArray[np.int64], LPSolution],
    pair_ids: NDArray[np.int64],
    row_ids: NDArray[np.int64],
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """The previous LP's point on the new pairs and rows (new ones start at zero)."""
    old_pairs, old_rows, lp = previous
    return _carry(old_pairs, lp.x, pair_ids), _carry(old_rows, lp.y, row_ids)


def _carry(
    old_ids: NDArray[np.int64], old: NDArray[np.float64], new_ids: NDArray[np.int64]
) -> NDArray[np.float64]:
    order = np.argsort(old_ids, kind="stable")
    at = np.searchsorted(old_ids[order], new_ids)
    at = np.minimum(at, max(old_ids.size - 1, 0))
    out = np.zeros(new_ids.size)
    if old_ids.size:
        hit = old_ids[order][at] == new_ids
        out[hit] = old[order][at][hit]
    return out


__all__ = [
    "CandidateIndex",
    "PairCache",
    "PricingConfig",
    "PricingPass",
    "PricingReport",
    "PricingRound",
    "build_instance_priced",
    "descend_prices",
    "price_cache",
    "price_market",
]
