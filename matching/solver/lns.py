"""Large neighbourhood search: free a few campaigns, solve them exactly with CP-SAT while the
rest stays fixed, keep the result when it is better.

A neighbourhood starts from a campaign where the incumbent is furthest below its LP value and
grows through creators the campaigns compete for. Inside it, each campaign keeps its candidate
pairs with the best LP reduced costs (plus the pairs it uses now and the LP's support), so the
sub-model stays small enough for CP-SAT to close in a fraction of a second.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from ortools.sat.python import cp_model

from matching.solver.cpsat import build_model, selected_pairs, solver_for, value_scale
from matching.solver.heuristics import Assignment
from matching.solver.instance import Instance
from matching.solver.mip import solve_pairs_mip
from matching.solver.model import group_keys


@dataclass
class LNSConfig:
    """Tuning of the search; ``max_rounds`` bounds the work for reproducible runs."""

    campaigns_per_neighbourhood: int = 12
    candidates_per_campaign: int = 40
    sub_time_s: float = 2.0
    sub_deterministic_s: float = 1.0
    max_rounds: int | None = None
    stall_rounds: int = 400
    seed: int = 0
    workers: int = 1
    subsolvers: tuple[str, ...] = ()
    backend: str = "highs"
    sub_rel_gap: float = 1e-7


@dataclass
class LNSStats:
    rounds: int = 0
    improved: int = 0
    optimal_subproblems: int = 0
    seconds: float = 0.0
    trace: list[tuple[float, float]] = field(default_factory=list)


class CampaignIndex:
    """Pairs grouped by campaign and by creator (CSR-style), ranked by reduced cost."""

    def __init__(self, inst: Instance, usable: NDArray[np.bool_], rank: NDArray[np.float64]):
        order = np.lexsort((-rank, inst.pair_campaign))
        order = order[usable[order]]
        self.by_campaign = order
        self.campaign_start = np.searchsorted(
            inst.pair_campaign[order], np.arange(inst.num_campaigns + 1)
        )
        corder = np.argsort(inst.pair_creator, kind="stable")
        corder = corder[usable[corder]]
        self.by_creator = corder
        self.creator_start = np.searchsorted(
            inst.pair_creator[corder], np.arange(inst.num_creators + 1)
        )

    def of_campaign(self, j: int) -> NDArray[np.int64]:
        return self.by_campaign[self.campaign_start[j] : self.campaign_start[j + 1]]

    def of_creator(self, i: int) -> NDArray[np.int64]:
        return self.by_creator[self.creator_start[i] : self.creator_start[i + 1]]


def improve(
    inst: Instance,
    state: Assignment,
    usable: NDArray[np.bool_],
    lp_x: NDArray[np.float64],
    reduced_cost: NDArray[np.float64],
    deadline: float,
    config: LNSConfig,
    target: float = np.inf,
) -> LNSStats:
    """Improve ``state`` in place until ``deadline`` (perf_counter), the round limit, a stall
    or an objective of ``target``."""
    stats = LNSStats()
    start = time.perf_counter()
    if inst.num_pairs == 0:
        return stats
    rng = np.random.default_rng(config.seed)
    scale = value_scale(inst)
    index = CampaignIndex(inst, usable, reduced_cost)
    keys = group_keys(inst)
    lp_campaign_value = np.bincount(
        inst.pair_campaign, weights=inst.pair_value * lp_x, minlength=inst.num_campaigns
    )
    support = lp_x > 1e-6
    n_c = inst.num_campaigns
    active = np.flatnonzero(np.diff(index.campaign_start) > 0)
    if active.size == 0:
        return stats
    visits = np.zeros(n_c)
    stall = 0
    while True:
        now = time.perf_counter()
        if now >= deadline - 0.05:
            break
        if config.max_rounds is not None and stats.rounds >= config.max_rounds:
            break
        if state.objective >= target:
            break
        if stall >= max(config.stall_rounds, 2 * active.size // config.campaigns_per_neighbourhood):
            break
        current = np.bincount(
            inst.pair_campaign[state.selected],
            weights=inst.pair_value[state.selected],
            minlength=n_c,
        )
        loss = (lp_campaign_value - current)[active]
        # Prefer campaigns far below their LP value and rarely visited; a little noise.
        priority = (
            (np.maximum(loss, 0) + 1e-9)
            / (1.0 + visits[active])
            * rng.uniform(0.5, 1.0, active.size)
        )
        seed_campaign = int(active[int(np.argmax(priority))])
        campaigns = _neighbourhood(
            inst,
            state,
            index,
            support,
            seed_campaign,
            config.campaigns_per_neighbourhood,
            rng,
            active,
        )
        visits[campaigns] += 1
        improved, optimal = _solve_neighbourhood(
            inst,
            state,
            index,
            keys,
            support,
            campaigns,
            scale,
            min(config.sub_time_s, deadline - time.perf_counter() - 0.05),
            config,
        )
        stats.rounds += 1
        stats.optimal_subproblems += int(optimal)
        if improved:
            stats.improved += 1
            stall = 0
            stats.trace.append((time.perf_counter() - start, state.objective))
        else:
            stall += 1
    stats.seconds = time.perf_counter() - start
    return stats


def _neighbourhood(
    inst: Instance,
    state: Assignment,
    index: CampaignIndex,
    support: NDArray[np.bool_],
    seed_campaign: int,
    size: int,
    rng: np.random.Generator,
    active: NDArray[np.int64],
) -> NDArray[np.int64]:
    """Campaigns linked to ``seed_campaign`` through creators they share (breadth first):
    first through assigned or LP-support pairs, then through any candidate pair, then random."""
    chosen = [seed_campaign]
    seen = {seed_campaign}
    for hot_only in (True, False):
        frontier = list(chosen)
        while frontier and len(chosen) < size:
            j = frontier.pop(0)
            pairs = index.of_campaign(j)
            if hot_only:
                pairs = pairs[state.selected[pairs] | support[pairs]]
            creators = np.unique(inst.pair_creator[pairs])
            rng.shuffle(creators)
            for i in creators.tolist():
                others = index.of_creator(i)
                if hot_only:
                    others = others[state.selected[others] | support[others]]
                for k in np.unique(inst.pair_campaign[others]).tolist():
                    if k not in seen:
                        seen.add(k)
                        chosen.append(k)
                        frontier.append(k)
                        if len(chosen) >= size:
                            return np.array(chosen, dtype=np.int64)
    if len(chosen) < size:
        rest = active[~np.isin(active, chosen)]
        extra = rng.permutation(rest)[: size - len(chosen)]
        chosen.extend(extra.tolist())
    return np.array(chosen, dtype=np.int64)


def _solve_neighbourhood(
    inst: Instance,
    state: Assignment,
    index: CampaignIndex,
    keys: NDArray[np.int64],
    support: NDArray[np.bool_],
    campaigns: NDArray[np.int64],
    scale: float,
    time_limit: float,
    config: LNSConfig,
) -> tuple[bool, bool]:
    """Re-solve ``campaigns`` exactly over their best candidates; apply if better."""
    if time_limit <= 0.01:
        return False, False
    in_hood = np.zeros(inst.num_campaigns, dtype=bool)
    in_hood[campaigns] = True
    current = np.flatnonzero(state.selected & in_hood[inst.pair_campaign])
    candidates = []
    for j in campaigns.tolist():
        pairs = index.of_campaign(j)
        top = pairs[: config.candidates_per_campaign]
        extra = pairs[config.candidates_per_campaign :]
        extra = extra[state.selected[extra] | support[extra]]
        candidates.append(top)
        candidates.append(extra)
    cand = np.unique(np.concatenate(candidates))
    # What the fixed part of the assignment leaves: capacity and competitor groups.
    outside = np.flatnonzero(state.selected & ~in_hood[inst.pair_campaign])
    creators = inst.pair_creator[cand]
    load_outside = np.bincount(inst.pair_creator[outside], minlength=inst.num_creators)
    residual = inst.capacity - load_outside
    blocked = np.isin(keys[cand], keys[outside][keys[outside] >= 0]) & (keys[cand] >= 0)
    cand = cand[(residual[creators] > 0) & ~blocked]
    before = float(inst.pair_value[current].sum())
    if config.backend == "highs":
        found, optimal, _ = solve_pairs_mip(
            inst, cand, residual, time_limit, rel_gap=config.sub_rel_gap
        )
        if found is None:
            return False, False
        chosen = found
    else:
        pm = build_model(inst, cand, residual, scale, hint=state.selected)
        solver = solver_for(
            time_limit, config.seed, config.workers, config.sub_deterministic_s, config.subsolvers
        )
        status = solver.solve(pm.model)
        if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
            return False, False
        chosen = selected_pairs(pm, solver)
        optimal = status == cp_model.OPTIMAL
    after = float(inst.pair_value[chosen].sum())
    if after <= before + 1e-9 * max(1.0, abs(before)):
        return False, optimal
    for p in current.tolist():
        state.remove(p)
    for p in chosen.tolist():
        state.add(p)
    return True, optimal
