"""Market → instance: eligibility, audience fit, pair values and top-K candidate pruning.

Rules, in the order a pair is tested (the first one that fails is the recorded reason):
creator available (open, not lapsed, capacity > 0) and accepting the campaign's category are
filtered per creator before any scoring; then per pair: same currency, followers within the
campaign's range, rate ≤ budget, recent sponsored share ≤ the policy cap, fit ≥ ``min_fit``.
Eligible pairs are ranked per campaign by ``value / (rate / budget + 1 / slots)`` (value per
share of the campaign's two scarce resources) and the best ``top_k`` are kept. Creator
capacity is capped at ``max_offers_per_week``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from matching.market.fit import (
    PARTS,
    AudienceSpace,
    fit_components,
    fit_matrix,
    root_profiles,
)
from matching.market.records import MarketCampaign, MarketCreator, MatchingPolicy
from matching.market.tables import CampaignTable, CreatorTable
from matching.solver.instance import NO_GROUP, Instance
from matching.solver.score import pruning_score

REASONS: tuple[str, ...] = ("eligible", "currency", "follower_range", "over_budget",
                            "sponsored_cap", "fit_threshold")
STRONG_EXCLUDED_PER_CAMPAIGN = 3


@dataclass(frozen=True, eq=False)
class PairDetails:
    """Per-pair facts of a built instance, aligned with its pair arrays, for explanations.

    ``components[part]`` is that part's Bhattacharyya coefficient; ``excluded`` maps a campaign
    id to its strongest creators that eligibility removed (id, potential value, reason);
    ``rejected`` counts the pairs removed per reason; ``koc`` flags small creators.
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


def build_instance(creators: Sequence[MarketCreator] | CreatorTable,
                   campaigns: Sequence[MarketCampaign], policy: MatchingPolicy,
                   today: dt.date) -> tuple[Instance, PairDetails]:
    """Score, filter and prune the market into a solver instance.

    Parameters: ``creators`` as records (or a prebuilt :class:`CreatorTable`), ``campaigns``,
    the run's ``policy`` and ``today`` (the run date, for lapsed availability).
    Returns the instance (all campaigns; only creators with at least one pair) and the
    :class:`PairDetails` aligned with its pairs.
    """
    campaigns = list(campaigns)
    currencies = {c.currency for c in campaigns}
    if len(currencies) > 1:
        raise ValueError(f"one currency per run, got {sorted(currencies)}")
    categories = sorted({c.category for c in campaigns})
    if isinstance(creators, CreatorTable):
        table = creators
    else:
        space = AudienceSpace.from_profiles([c.audience for c in creators])
        table = CreatorTable.from_records(creators, space, categories)
    camp = CampaignTable.from_records(campaigns, table.space)
    creator_roots_w = root_profiles(table.shares, table.space)
    campaign_roots_w = root_profiles(camp.shares, table.space)

    available = table.available(today)
    cap_ok = table.sponsored_share <= policy.max_sponsored_share
    chosen_creator: list[NDArray[np.int64]] = []
    chosen_campaign: list[NDArray[np.int64]] = []
    rejected = dict.fromkeys(REASONS[1:], 0)
    excluded: dict[str, list[dict[str, object]]] = {}
    eligible_total = 0
    category_at = {name: k for k, name in enumerate(table.categories)}
    for category in categories:
        camp_idx = np.flatnonzero(camp.category == category)
        k = category_at.get(category)
        if k is None:
            continue
        creator_idx = np.flatnonzero(available & table.accepts[:, k])
        if creator_idx.size == 0:
            continue
        out = _score_category(table, camp, creator_idx, camp_idx, creator_roots_w,
                              campaign_roots_w, cap_ok, policy)
        chosen_creator.append(out.creators)
        chosen_campaign.append(out.campaigns)
        eligible_total += out.eligible
        for reason, n in out.rejected.items():
            rejected[reason] += n
        for col, j in enumerate(camp_idx.tolist()):
            strong = [
                {"creator": table.ids[i], "potential_value": float(v), "reason": REASONS[r]}
                for i, v, r in zip(out.excluded_idx[:, col].tolist(),
                                   out.excluded_value[:, col].tolist(),
                                   out.excluded_reason[:, col].tolist(), strict=True)
                if i >= 0
            ]
            strong.sort(key=lambda e: -float(e["potential_value"]))  # type: ignore[arg-type]
            if strong:
                excluded[campaigns[j].id] = strong

    pair_creator_all = (np.concatenate(chosen_creator) if chosen_creator
                        else np.zeros(0, np.int64))
    pair_campaign = np.concatenate(chosen_campaign) if chosen_campaign else np.zeros(0, np.int64)
    order = np.lexsort((pair_creator_all, pair_campaign))
    pair_creator_all, pair_campaign = pair_creator_all[order], pair_campaign[order]
    used, pair_creator = np.unique(pair_creator_all, return_inverse=True)

    creator_roots = root_profiles(table.shares, table.space, weighted=False)
    campaign_roots = root_profiles(camp.shares, table.space, weighted=False)
    components = fit_components(creator_roots, campaign_roots, table.space,
                                pair_creator_all, pair_campaign)
    fit = np.clip(np.einsum("ij,ij->i", creator_roots_w[pair_creator_all].astype(np.float64),
                            campaign_roots_w[pair_campaign].astype(np.float64)), 0.0, 1.0)
    value = (table.followers[pair_creator_all].astype(np.float64)
             * table.engagement_rate[pair_creator_all] * fit / 1000.0)

    group_names = tuple(sorted({c.competitor_group for c in campaigns
                                if c.competitor_group is not None}))
    group_at = {g: n for n, g in enumerate(group_names)}
    instance = Instance(
        campaign_ids=tuple(c.id for c in campaigns),
        budget=camp.budget, slots=camp.slots,
        min_creators=np.array([c.min_creators for c in campaigns], dtype=np.int64),
        group=np.array([NO_GROUP if c.competitor_group is None else group_at[c.competitor_group]
                        for c in campaigns], dtype=np.int64),
        group_names=group_names,
        creator_ids=tuple(table.ids[i] for i in used.tolist()),
        rate=table.rate[used],
        capacity=np.minimum(table.capacity[used], policy.max_offers_per_week),
        pair_creator=pair_creator, pair_campaign=pair_campaign, pair_value=value,
    )
    details = PairDetails(
        fit=fit, components=components,
        followers=table.followers[pair_creator_all],
        engagement_rate=table.engagement_rate[pair_creator_all],
        koc=table.followers[used] <= policy.koc_max_followers,
        currency=next(iter(currencies)) if currencies else None,
        excluded=excluded, rejected=rejected, eligible_pairs=eligible_total,
    )
    return instance, details


@dataclass
class _CategoryResult:
    creators: NDArray[np.int64]
    campaigns: NDArray[np.int64]
    eligible: int
    rejected: dict[str, int]
    excluded_idx: NDArray[np.int64]
    excluded_value: NDArray[np.float64]
    excluded_reason: NDArray[np.int64]


def _score_category(table: CreatorTable, camp: CampaignTable, creator_idx: NDArray[np.int64],
                    camp_idx: NDArray[np.int64], creator_roots_w: NDArray[np.float32],
                    campaign_roots_w: NDArray[np.float32], cap_ok: NDArray[np.bool_],
                    policy: MatchingPolicy) -> _CategoryResult:
    """Score one category's creators × campaigns block by block, keeping the top K each."""
    m = camp_idx.size
    keep = policy.top_k
    budget = camp.budget[camp_idx].astype(np.float32)
    slots = camp.slots[camp_idx].astype(np.float32)
    min_f = camp.min_followers[camp_idx]
    max_f = camp.max_followers[camp_idx]
    currency = camp.currency[camp_idx]
    roots = campaign_roots_w[camp_idx]
    n_excl = STRONG_EXCLUDED_PER_CAMPAIGN
    ex_idx = np.full((n_excl, m), -1, dtype=np.int64)
    ex_val = np.full((n_excl, m), -np.inf)
    ex_reason = np.zeros((n_excl, m), dtype=np.int64)
    best_score = np.full((0, m), -np.inf, dtype=np.float32)
    best_idx = np.zeros((0, m), dtype=np.int64)
    all_rows: list[NDArray[np.int64]] = []
    all_cols: list[NDArray[np.int64]] = []
    eligible = 0
    rejected = dict.fromkeys(REASONS[1:], 0)

    for start in range(0, creator_idx.size, policy.block_size):
        rows = creator_idx[start:start + policy.block_size]
        fit = fit_matrix(creator_roots_w[rows], roots)
        followers = table.followers[rows]
        reach = (followers * table.engagement_rate[rows] / 1000.0).astype(np.float32)
        value = reach[:, None] * fit
        rate = table.rate[rows].astype(np.float32)
        # Reason code of the first failing rule, 0 where the pair is eligible.
        checks = (
            table.currency[rows][:, None] != currency[None, :],
            (followers[:, None] < min_f[None, :]) | (followers[:, None] > max_f[None, :]),
            rate[:, None] > budget[None, :],
            np.broadcast_to(~cap_ok[rows][:, None], fit.shape),
            fit < policy.min_fit,
        )
        reason = np.zeros(fit.shape, dtype=np.int8)
        for code in range(len(checks), 0, -1):
            reason[checks[code - 1]] = code
        ok = reason == 0
        eligible += int(ok.sum())
        counts = np.bincount(reason.ravel(), minlength=len(REASONS))
        for code in range(1, len(REASONS)):
            rejected[REASONS[code]] += int(counts[code])

        # Strongest excluded creators per campaign (by potential value), for explanations.
        lost = np.where(ok, -np.inf, value)
        take = min(n_excl, lost.shape[0])
        top = np.argpartition(-lost, take - 1, axis=0)[:take]
        ex_idx, ex_val, ex_reason = _merge_best(
            ex_val, ex_idx, ex_reason, np.take_along_axis(lost, top, 0).astype(np.float64),
            rows[top], np.take_along_axis(reason, top, 0).astype(np.int64), n_excl)

        if keep is None:
            r, c = np.nonzero(ok)
            all_rows.append(rows[r])
            all_cols.append(camp_idx[c])
            continue
        score = np.where(ok, pruning_score(value, rate[:, None], budget[None, :],
                                           slots[None, :]), -np.inf).astype(np.float32)
        take = min(keep, score.shape[0])
        top = np.argpartition(-score, take - 1, axis=0)[:take]
        cand_score = np.concatenate([best_score, np.take_along_axis(score, top, 0)])
        cand_idx = np.concatenate([best_idx, rows[top]])
        if cand_score.shape[0] > keep:
            sel = np.argpartition(-cand_score, keep - 1, axis=0)[:keep]
            cand_score = np.take_along_axis(cand_score, sel, 0)
            cand_idx = np.take_along_axis(cand_idx, sel, 0)
        best_score, best_idx = cand_score, cand_idx

    if keep is not None:
        r, c = np.nonzero(np.isfinite(best_score))
        all_rows.append(best_idx[r, c])
        all_cols.append(camp_idx[c])
    return _CategoryResult(
        creators=np.concatenate(all_rows) if all_rows else np.zeros(0, np.int64),
        campaigns=np.concatenate(all_cols) if all_cols else np.zeros(0, np.int64),
        eligible=eligible, rejected=rejected,
        excluded_idx=np.where(np.isfinite(ex_val), ex_idx, -1),
        excluded_value=ex_val, excluded_reason=ex_reason,
    )


def _merge_best(val: NDArray, idx: NDArray, extra: NDArray, new_val: NDArray, new_idx: NDArray,
                new_extra: NDArray, keep: int) -> tuple[NDArray, NDArray, NDArray]:
    """Keep the ``keep`` largest values per column of two stacked candidate lists."""
    v = np.concatenate([val, new_val])
    i = np.concatenate([idx, new_idx])
    e = np.concatenate([extra, new_extra])
    sel = np.argsort(-v, axis=0, kind="stable")[:keep]
    return (np.take_along_axis(i, sel, 0), np.take_along_axis(v, sel, 0),
            np.take_along_axis(e, sel, 0))


__all__ = ["PARTS", "PairDetails", "build_instance", "pruning_score"]
