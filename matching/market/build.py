"""Market → instance: eligibility, audience fit, pair values and top-K candidate pruning.

Rules, in the order a pair is tested (the first one that fails is the recorded reason):
creator available (open, not lapsed, capacity > 0) and accepting the campaign's category are
filtered per creator before any scoring; then per pair: same currency, followers within the
campaign's range, rate ≤ budget, recent sponsored share ≤ the policy cap, fit ≥ ``min_fit``.
Eligible pairs are ranked per campaign by ``value / (rate / budget + 1 / slots)`` (value per
share of the campaign's two scarce resources) and the best ``top_k`` are kept. Creator
capacity is capped at ``max_offers_per_week``.

Scoring runs per scoring group: the campaigns of one category with one follower range. Its
creators (available, accepting the category, in the run's currency and in the range; a
contiguous slice once sorted by followers) are scored in blocks against all of the group's
campaigns with one matrix product. The creators the currency or the follower range exclude
are never scored in bulk: their rejections are counted, and only as many of them as can still
be among a campaign's strongest excluded creators (by reach, which bounds value) are scored,
for the explanations. :mod:`matching.market.pricing` reuses the same blocks to price left-out
pairs with an LP's duals.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from matching.market.fit import PARTS, AudienceSpace, FitModel, combine
from matching.market.records import MarketCampaign, MarketCreator, MatchingPolicy
from matching.market.tables import CampaignTable, CreatorTable
from matching.solver.instance import NO_GROUP, Instance
from matching.solver.score import pruning_score

if TYPE_CHECKING:
    from matching.market.pricing import PricingReport

REASONS: tuple[str, ...] = (
    "eligible",
    "currency",
    "follower_range",
    "over_budget",
    "sponsored_cap",
    "fit_threshold",
)
STRONG_EXCLUDED_PER_CAMPAIGN = 3
_EXCLUDED_CHUNK = 512
DIVERSIFY_DEPTH = 3  # candidates fetched per list place when diversifying


@dataclass(frozen=True, eq=False)
class PairDetails:
    """Per-pair facts of a built instance, aligned with its pair arrays, for explanations.

    ``components[part]`` is that part's match (0-1, see :mod:`matching.market.fit`); ``excluded`` maps a campaign
    id to its strongest creators that eligibility removed (id, potential value, reason);
    ``rejected`` counts the pairs removed per reason; ``koc`` flags small creators;
    ``pricing`` is the column-generation report when built by
    :func:`matching.market.pricing.build_instance_priced` (None otherwise).
    """

    fit: NDArray[np.float64]
    components: dict[str, NDArray[np.float64]]
    followers: NDArray[np.int64]
    engagement_rate: NDArray[np.float64]
    koc: NDArray[np.bool_]
    currency: str | None
    excluded: dict[str, list[dict[str, object]]] = field(default_factory=dict)
    rejected: dict[str, int] = field(default_factory=dict)
    eligible_pairs: int = 0
    pricing: PricingReport | None = None
    # Per campaign id: pairs removed per reason, plus "unavailable" (excluded pairs: offered
    # before, blocked); and the run's fit threshold. Both for explanations.
    rejected_by_campaign: dict[str, dict[str, int]] = field(default_factory=dict)
    min_fit: float = 0.0


@dataclass(frozen=True, eq=False)
class ScoringGroup:
    """Campaigns of one category and one follower range, and the creators scored for them.

    ``creators``: available, accepting the category, in the run's currency and within the
    range, sorted by followers. ``skipped``: available and accepting but excluded per creator
    (other currency, or followers outside the range), ``skipped_reason`` their reason code.
    """

    campaigns: NDArray[np.int64]
    creators: NDArray[np.int64]
    skipped: NDArray[np.int64]
    skipped_reason: NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class Block:
    """One block of a scoring group: creators ``rows`` × the group's campaigns."""

    group: ScoringGroup
    rows: NDArray[np.int64]
    fit: NDArray[np.float32]
    value: NDArray[np.float32]
    ok: NDArray[np.bool_]
    cols: NDArray[np.int64] | None = None  # the block's campaigns (None: all the group's)

    @property
    def campaigns(self) -> NDArray[np.int64]:
        """The campaigns of the block's columns."""
        return self.group.campaigns if self.cols is None else self.cols


@dataclass(eq=False)
class Market:
    """A market prepared for scoring: tables, the fit model and the scoring groups."""

    table: CreatorTable
    camp: CampaignTable
    campaigns: list[MarketCampaign]
    policy: MatchingPolicy
    currency: str | None
    fit_model: FitModel
    reach: NDArray[np.float32]
    cap_ok: NDArray[np.bool_]
    groups: list[ScoringGroup]
    group_names: tuple[str, ...]
    campaign_group: NDArray[np.int64]
    banned: sp.csr_matrix | None = None

    @classmethod
    def prepare(
        cls,
        creators: Sequence[MarketCreator] | CreatorTable,
        campaigns: Sequence[MarketCampaign],
        policy: MatchingPolicy,
        today: dt.date,
        exclude: Collection[tuple[str, str]] = (),
        interest_tags: Sequence[str] = (),
    ) -> Market:
        """Validate and lay out the market; ``exclude`` lists (creator id, campaign id) pairs
        that must never be candidates (e.g. offered in an earlier run); ``interest_tags`` is the
        vocabulary the audience space spans (the profiles' own tags are always in it)."""
        campaigns = list(campaigns)
        currencies = {c.currency for c in campaigns}
        if len(currencies) > 1:
            raise ValueError(f"one currency per run, got {sorted(currencies)}")
        categories = sorted({c.category for c in campaigns})
        if isinstance(creators, CreatorTable):
            table = creators
        else:
            space = AudienceSpace.from_profiles(
                [c.audience for c in creators], interest_tags=interest_tags
            )
            table = CreatorTable.from_records(creators, space, categories)
        camp = CampaignTable.from_records(campaigns, table.space)
        currency = next(iter(currencies)) if currencies else None
        available = table.available(today)
        groups = _scoring_groups(table, camp, available, currency)
        group_names = tuple(
            sorted({c.competitor_group for c in campaigns if c.competitor_group is not None})
        )
        group_at = {g: n for n, g in enumerate(group_names)}
        campaign_group = np.array(
            [
                NO_GROUP if c.competitor_group is None else group_at[c.competitor_group]
                for c in campaigns
            ],
            dtype=np.int64,
        )
        # Engaged people in thousands, discounted for creators who under-deliver forecasts.
        reach = (
            table.followers * table.engagement_rate * table.delivery_factors() / 1000.0
        ).astype(np.float32)
        market = cls(
            table=table,
            camp=camp,
            campaigns=campaigns,
            policy=policy,
            currency=currency,
            fit_model=FitModel.build(table.space, table.shares, camp.targets),
            reach=reach,
            cap_ok=table.sponsored_share <= policy.max_sponsored_share,
            groups=groups,
            group_names=group_names,
            campaign_group=campaign_group,
        )
        if exclude:
            market.banned = market.pair_matrix(*market.pair_indices(exclude))
        return market

    def pair_indices(
        self, pairs: Collection[tuple[str, str]]
    ) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Table indices of (creator id, campaign id) pairs; unknown ids are ignored."""
        creator_at = {cid: i for i, cid in enumerate(self.table.ids)}
        campaign_at = {c.id: j for j, c in enumerate(self.campaigns)}
        known = [
            (creator_at[a], campaign_at[b])
            for a, b in pairs
            if a in creator_at and b in campaign_at
        ]
        arr = np.array(known, dtype=np.int64).reshape(-1, 2)
        return arr[:, 0], arr[:, 1]

    def pair_matrix(
        self, creators: NDArray[np.int64], campaigns: NDArray[np.int64]
    ) -> sp.csr_matrix:
        """A boolean creators × campaigns matrix marking the given pairs."""
        return sp.csr_matrix(
            (np.ones(creators.size, dtype=bool), (creators, campaigns)),
            shape=(len(self.table), len(self.campaigns)),
            dtype=bool,
        )

    def blocks(
        self,
        eligible_only: bool = False,
        prefilter: Callable[[ScoringGroup, NDArray[np.int64]], NDArray[np.int64]] | None = None,
        columns: Callable[[ScoringGroup, NDArray[np.int64]], NDArray[np.int64]] | None = None,
    ) -> Iterator[Block]:
        """Every scoring group's blocks, in a fixed order. ``eligible_only`` skips creators
        that no campaign of the group can take (sponsored cap, rate above every budget);
        ``prefilter(group, creators)`` may drop more creators before scoring;
        ``columns(group, rows)`` may narrow a block to some of the group's campaigns
        (``Block.campaigns``; an empty answer skips the block) — e.g. those whose budget is
        at least the block's cheapest rate: a group's creators are sorted by followers, and
        rates grow with them, so blocks of big creators meet few campaigns."""
        table, policy = self.table, self.policy
        for group in self.groups:
            creators = group.creators
            budget = self.camp.budget[group.campaigns]
            if eligible_only:
                creators = creators[
                    self.cap_ok[creators] & (table.rate[creators] <= budget.max(initial=0))
                ]
            if prefilter is not None:
                creators = prefilter(group, creators)
            for start in range(0, creators.size, policy.block_size):
                rows = creators[start : start + policy.block_size]
                cols, narrowed = group.campaigns, None
                if columns is not None:
                    cols = columns(group, rows)
                    if cols.size == 0:
                        continue
                    if cols.size < group.campaigns.size:
                        narrowed = cols
                budget32 = self.camp.budget[cols].astype(np.float32)
                fit = self.fit_model.block(rows, cols)
                value = self.reach[rows][:, None] * fit
                ok = fit >= policy.min_fit
                rate = table.rate[rows].astype(np.float32)
                if rate.max(initial=0) > budget32.min(initial=0):
                    ok &= rate[:, None] <= budget32[None, :]
                if not eligible_only:
                    ok &= self.cap_ok[rows][:, None]
                if self.banned is not None:
                    ok &= ~self.banned[rows][:, cols].toarray()
                yield Block(group=group, rows=rows, fit=fit, value=value, ok=ok, cols=narrowed)


def _scoring_groups(
    table: CreatorTable, camp: CampaignTable, available: NDArray[np.bool_], currency: str | None
) -> list[ScoringGroup]:
    """Split campaigns by (category, follower range); slice each group's creators."""
    groups = []
    category_at = {name: k for k, name in enumerate(table.categories)}
    same_currency = (
        table.currency == currency if currency is not None else np.ones(len(table), dtype=bool)
    )
    for category in sorted(set(camp.category.tolist())):
        k = category_at.get(category)
        if k is None:
            continue
        pool = np.flatnonzero(available & table.accepts[:, k])
        if pool.size == 0:
            continue
        in_currency = pool[same_currency[pool]]
        other_currency = pool[~same_currency[pool]]
        order = np.lexsort((in_currency, table.followers[in_currency]))
        by_followers = in_currency[order]
        followers = table.followers[by_followers]
        camp_idx = np.flatnonzero(camp.category == category)
        ranges = np.stack([camp.min_followers[camp_idx], camp.max_followers[camp_idx]], axis=1)
        uniq, which = np.unique(ranges, axis=0, return_inverse=True)
        for r, (lo, hi) in enumerate(uniq.tolist()):
            start = int(np.searchsorted(followers, lo, side="left"))
            stop = int(np.searchsorted(followers, hi, side="right"))
            outside = np.concatenate([by_followers[:start], by_followers[stop:]])
            groups.append(
                ScoringGroup(
                    campaigns=camp_idx[which.ravel() == r],
                    creators=by_followers[start:stop],
                    skipped=np.concatenate([other_currency, outside]),
                    skipped_reason=np.concatenate(
                        [
                            np.full(other_currency.size, REASONS.index("currency")),
                            np.full(outside.size, REASONS.index("follower_range")),
                        ]
                    ),
                )
            )
    return groups


def build_instance(
    creators: Sequence[MarketCreator] | CreatorTable,
    campaigns: Sequence[MarketCampaign],
    policy: MatchingPolicy,
    today: dt.date,
    exclude: Collection[tuple[str, str]] = (),
    interest_tags: Sequence[str] = (),
) -> tuple[Instance, PairDetails]:
    """Score, filter and prune the market into a solver instance.

    Parameters: ``creators`` as records (or a prebuilt :class:`CreatorTable`), ``campaigns``,
    the run's ``policy``, ``today`` (the run date, for lapsed availability) and ``exclude``,
    (creator id, campaign id) pairs that may not be offered (offered before, blocked, a
    competitor's): removed before pruning, so the next candidates take their places.
    Returns the instance (all campaigns; only creators with at least one pair) and the
    :class:`PairDetails` aligned with its pairs.
    """
    market = Market.prepare(
        creators, campaigns, policy, today, exclude=exclude, interest_tags=interest_tags
    )
    scan = initial_scan(market)
    instance, chosen = make_instance(market, scan.creators, scan.campaigns)
    return instance, pair_details(market, scan, chosen, instance)


@dataclass(frozen=True, eq=False)
class InitialScan:
    """The first pass over the market: top-K candidates, rejections, strongest excluded."""

    creators: NDArray[np.int64]
    campaigns: NDArray[np.int64]
    eligible: int
    rejected: dict[str, int]
    excluded: dict[str, list[dict[str, object]]]
    rejected_by_campaign: dict[str, dict[str, int]] = field(default_factory=dict)


def initial_scan(
    market: Market,
    top_k: int | None | str = "policy",
    rank: str = "score",
    lists_per_capacity: float | None = None,
) -> InitialScan:
    """Score every group: count rejections, keep each campaign's top ``top_k`` candidates
    (default: the policy's) ranked by ``rank``: ``"score"`` (value per share of budget and
    slots, the policy's ranking) or ``"value"`` (for baselines).

    ``lists_per_capacity`` diversifies the lists: a creator stays in at most that many ×
    its capacity campaigns' lists — those where it beats the list's last entry by the widest
    margin — and the freed places go to the next candidates (fetched 3× deep)."""
    table, camp, policy = market.table, market.camp, market.policy
    n_c = len(market.campaigns)
    want = policy.top_k if top_k == "policy" else top_k
    assert want is None or isinstance(want, int)
    keep = want
    if want is not None and lists_per_capacity is not None:
        keep = want * DIVERSIFY_DEPTH
    n_excl = STRONG_EXCLUDED_PER_CAMPAIGN
    ex_idx = np.full((n_excl, n_c), -1, dtype=np.int64)
    ex_val = np.full((n_excl, n_c), -np.inf)
    ex_reason = np.zeros((n_excl, n_c), dtype=np.int64)
    best_score = np.full((keep or 0, n_c), -np.inf, dtype=np.float32)
    best_idx = np.zeros((keep or 0, n_c), dtype=np.int64)
    all_rows: list[NDArray[np.int64]] = []
    all_cols: list[NDArray[np.int64]] = []
    eligible = 0
    counts = np.zeros(len(REASONS), dtype=np.int64)
    by_campaign = np.zeros((len(REASONS) + 1, n_c), dtype=np.int64)  # last row: unavailable
    slots32 = camp.slots.astype(np.float32)
    budget32 = camp.budget.astype(np.float32)

    for block in market.blocks():
        rows, cols = block.rows, block.group.campaigns
        rate = table.rate[rows].astype(np.float32)
        reason = np.zeros(block.fit.shape, dtype=np.int8)
        for code, failed in (
            (5, block.fit < policy.min_fit),
            (4, np.broadcast_to(~market.cap_ok[rows][:, None], reason.shape)),
            (3, rate[:, None] > budget32[cols][None, :]),
        ):
            reason[failed] = code
        counts += np.bincount(reason.ravel(), minlength=len(REASONS))
        ok = block.ok
        eligible += int((reason == 0).sum())
        for code in (3, 4, 5):
            by_campaign[code, cols] += (reason == code).sum(axis=0)
        by_campaign[-1, cols] += ((reason == 0) & ~ok).sum(axis=0)

        rejected_rows = np.flatnonzero((reason != 0).any(axis=1))
        if rejected_rows.size:
            sub = reason[rejected_rows]
            lost = np.where(sub == 0, -np.inf, block.value[rejected_rows])
            _merge_excluded(ex_idx, ex_val, ex_reason, cols, lost, rows[rejected_rows], sub)

        if keep is None:
            r, c = np.nonzero(ok)
            all_rows.append(rows[r])
            all_cols.append(cols[c])
            continue
        if rank == "value":
            score = np.where(ok, block.value, -np.inf).astype(np.float32)
        else:
            score = np.where(
                ok,
                pruning_score(
                    block.value, rate[:, None], budget32[cols][None, :], slots32[cols][None, :]
                ),
                -np.inf,
            ).astype(np.float32)
        best_score[:, cols], best_idx[:, cols] = merge_top(
            best_score[:, cols], best_idx[:, cols], score, rows, keep
        )

    # Creators the currency or the follower range exclude: counted, and scored only as far
    # as they can still be among a campaign's strongest excluded creators.
    for group in market.groups:
        m = group.campaigns.size
        for code in (1, 2):
            counts[code] += int((group.skipped_reason == code).sum()) * m
            by_campaign[code, group.campaigns] += int((group.skipped_reason == code).sum())
        _score_skipped(market, group, ex_idx, ex_val, ex_reason)

    if keep is not None:
        r, c = np.nonzero(np.isfinite(best_score))
        creators, campaigns = best_idx[r, c], c.astype(np.int64)
        if want is not None and lists_per_capacity is not None:
            chosen = _diversify(
                market, best_score, creators, campaigns, best_score[r, c], want, lists_per_capacity
            )
            creators, campaigns = creators[chosen], campaigns[chosen]
        all_rows.append(creators)
        all_cols.append(campaigns)
    excluded: dict[str, list[dict[str, object]]] = {}
    for j in range(n_c):
        strong = [
            {
                "creator": table.ids[i],
                "potential_value": float(v),
                "reason": REASONS[r],
                "followers": int(table.followers[i]),
                "rate": int(table.rate[i]),
                "fit": round(float(v) / max(float(market.reach[i]), 1e-12), 4),
                "sponsored_ok": bool(market.cap_ok[i]),
            }
            for i, v, r in zip(
                ex_idx[:, j].tolist(), ex_val[:, j].tolist(), ex_reason[:, j].tolist(), strict=True
            )
            if i >= 0 and np.isfinite(v)
        ]
        strong.sort(key=lambda e: -float(e["potential_value"]))  # type: ignore[arg-type]
        if strong:
            excluded[market.campaigns[j].id] = strong
    return InitialScan(
        creators=np.concatenate(all_rows) if all_rows else np.zeros(0, np.int64),
        campaigns=np.concatenate(all_cols) if all_cols else np.zeros(0, np.int64),
        eligible=eligible,
        rejected={REASONS[code]: int(counts[code]) for code in range(1, len(REASONS))},
        excluded=excluded,
        rejected_by_campaign={
            market.campaigns[j].id: {
                name: n
                for name, n in zip(
                    (*REASONS[1:], "unavailable"), by_campaign[1:, j].tolist(), strict=True
                )
                if n
            }
            for j in range(n_c)
        },
    )


def _diversify(
    market: Market,
    table_score: NDArray,
    creators: NDArray[np.int64],
    campaigns: NDArray[np.int64],
    score: NDArray,
    want: int,
    lists_per_capacity: float,
) -> NDArray[np.bool_]:
    """Mask of the fetched candidates to keep (see :func:`initial_scan`)."""
    capacity = np.minimum(market.table.capacity, market.policy.max_offers_per_week)
    limit = np.maximum(np.ceil(lists_per_capacity * capacity[creators]), 1).astype(np.int64)
    # Margin over the campaign's undiversified threshold (its ``want``-th best score).
    depth = min(want, table_score.shape[0])
    threshold = -np.partition(-table_score, depth - 1, axis=0)[depth - 1]
    threshold = np.where(np.isfinite(threshold), threshold, 0.0)
    margin = score / np.maximum(threshold[campaigns], 1e-12)
    order = np.lexsort((campaigns, -margin, creators))
    first = np.searchsorted(creators[order], creators[order], side="left")
    allowed = np.zeros(creators.size, dtype=bool)
    allowed[order[(np.arange(order.size) - first) < limit[order]]] = True
    # Then each campaign's ``want`` best by score among the allowed.
    idx = np.flatnonzero(allowed)
    order = np.lexsort((creators[idx], -score[idx], campaigns[idx]))
    ranked = campaigns[idx][order]
    first = np.searchsorted(ranked, ranked, side="left")
    keep = np.zeros(creators.size, dtype=bool)
    keep[idx[order[(np.arange(order.size) - first) < want]]] = True
    return keep


def _score_skipped(
    market: Market, group: ScoringGroup, ex_idx: NDArray, ex_val: NDArray, ex_reason: NDArray
) -> None:
    """Merge a group's skipped creators into the strongest excluded, by decreasing reach,
    until no remaining one can beat any campaign's weakest kept entry (value ≤ reach)."""
    if group.skipped.size == 0:
        return
    cols = group.campaigns
    order = np.lexsort((group.skipped, -market.reach[group.skipped]))
    skipped, reasons = group.skipped[order], group.skipped_reason[order]
    for start in range(0, skipped.size, _EXCLUDED_CHUNK):
        rows = skipped[start : start + _EXCLUDED_CHUNK]
        weakest = ex_val[-1, cols].min()
        if float(market.reach[rows[0]]) < weakest:
            return
        value = market.reach[rows][:, None] * market.fit_model.block(rows, cols)
        reason = np.broadcast_to(reasons[start : start + rows.size][:, None], value.shape)
        _merge_excluded(ex_idx, ex_val, ex_reason, cols, value, rows, reason)


def _merge_excluded(
    ex_idx: NDArray,
    ex_val: NDArray,
    ex_reason: NDArray,
    cols: NDArray[np.int64],
    lost: NDArray[np.floating],
    rows: NDArray[np.int64],
    reason: NDArray,
) -> None:
    """Keep, per campaign in ``cols``, the strongest excluded creators (in place)."""
    n_excl = ex_val.shape[0]
    take = min(n_excl, lost.shape[0])
    by_campaign = np.ascontiguousarray(lost.T)
    top = np.argpartition(-by_campaign, take - 1, axis=1)[:, :take]
    new_val = np.take_along_axis(by_campaign, top, 1).T.astype(np.float64)
    new_idx = rows[top].T
    new_reason = np.take_along_axis(np.ascontiguousarray(np.asarray(reason).T), top, 1).T.astype(
        np.int64
    )
    v = np.concatenate([ex_val[:, cols], new_val])
    i = np.concatenate([ex_idx[:, cols], new_idx])
    e = np.concatenate([ex_reason[:, cols], new_reason])
    sel = np.argsort(-v, axis=0, kind="stable")[:n_excl]
    ex_val[:, cols] = np.take_along_axis(v, sel, 0)
    ex_idx[:, cols] = np.take_along_axis(i, sel, 0)
    ex_reason[:, cols] = np.take_along_axis(e, sel, 0)


def merge_top(
    score: NDArray, idx: NDArray, block_score: NDArray, rows: NDArray[np.int64], keep: int
) -> tuple[NDArray, NDArray]:
    """Per column, the ``keep`` best of a kept list (``keep`` × m, -inf where empty) and a
    block's scores (creators ``rows`` × m); ties go to the kept list, then the lower row."""
    take = min(keep, block_score.shape[0])
    # Partition along contiguous rows (campaigns × creators): ~3× faster than along axis 0.
    by_campaign = np.ascontiguousarray(block_score.T)
    top = np.argpartition(-by_campaign, take - 1, axis=1)[:, :take]
    cand_score = np.concatenate([score, np.take_along_axis(by_campaign, top, 1).T])
    cand_idx = np.concatenate([idx, rows[top].T])
    sel = np.argsort(-cand_score, axis=0, kind="stable")[:keep]
    return np.take_along_axis(cand_score, sel, 0), np.take_along_axis(cand_idx, sel, 0)


def make_instance(
    market: Market, creators: NDArray[np.int64], campaigns: NDArray[np.int64]
) -> tuple[Instance, NDArray[np.int64]]:
    """The instance over the given (table creator, campaign) pairs.

    Returns it and ``chosen``, the table creator of each of its pairs (pairs are ordered by
    campaign, then creator; the instance's creators are the table's that have a pair).
    """
    table, camp, policy = market.table, market.camp, market.policy
    order = np.lexsort((creators, campaigns))
    chosen, pair_campaign = creators[order], campaigns[order]
    used, pair_creator = np.unique(chosen, return_inverse=True)
    fit = _pair_fit(market, chosen, pair_campaign)
    value = (
        table.followers[chosen].astype(np.float64)
        * table.engagement_rate[chosen]
        * table.delivery_factors()[chosen]
        * fit
        / 1000.0
    )
    instance = Instance(
        campaign_ids=tuple(c.id for c in market.campaigns),
        budget=camp.budget,
        slots=camp.slots,
        min_creators=np.array([c.min_creators for c in market.campaigns], dtype=np.int64),
        group=market.campaign_group,
        group_names=market.group_names,
        creator_ids=tuple(table.ids[i] for i in used.tolist()),
        rate=table.rate[used],
        capacity=np.minimum(table.capacity[used], policy.max_offers_per_week),
        pair_creator=pair_creator.ravel(),
        pair_campaign=pair_campaign,
        pair_value=value,
    )
    return instance, chosen


def _pair_fit(
    market: Market, creators: NDArray[np.int64], campaigns: NDArray[np.int64]
) -> NDArray[np.float64]:
    """Fit of the given pairs, in float64."""
    return market.fit_model.pairs(creators, campaigns)


def pair_details(
    market: Market,
    scan: InitialScan,
    chosen: NDArray[np.int64],
    instance: Instance,
    pricing: PricingReport | None = None,
) -> PairDetails:
    """The explanation facts of ``instance`` (built by :func:`make_instance`)."""
    table = market.table
    components = market.fit_model.pair_parts(chosen, instance.pair_campaign)
    used = np.unique(chosen)
    return PairDetails(
        fit=combine(components),
        components=components,
        followers=table.followers[chosen],
        engagement_rate=table.engagement_rate[chosen],
        koc=table.followers[used] <= market.policy.koc_max_followers,
        currency=market.currency,
        excluded=scan.excluded,
        rejected=scan.rejected,
        eligible_pairs=scan.eligible,
        rejected_by_campaign=scan.rejected_by_campaign,
        min_fit=market.policy.min_fit,
        pricing=pricing,
    )


__all__ = ["PARTS", "Market", "PairDetails", "build_instance", "pruning_score"]
