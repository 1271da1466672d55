"""The optional fairness floor: small creators (KOCs) get at least a share of all offers.

As a linear row: ``sum_p (koc_p - share) x_p >= 0``. The empty assignment meets it, so it never
makes the model infeasible; its cost is the value given up, which :func:`solve` reports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matching.solver.heuristics import Assignment
from matching.solver.instance import Instance


@dataclass(frozen=True)
class KocFloor:
    """At least ``min_share`` (0-1) of all assignments go to creators flagged in ``koc``
    (a boolean per instance creator)."""

    koc: NDArray[np.bool_]
    min_share: float

    def __post_init__(self) -> None:
        if not 0.0 <= self.min_share <= 1.0:
            raise ValueError("min_share must be within [0, 1]")

    def coefficients(self, inst: Instance) -> NDArray[np.float64]:
        """Per pair: ``koc - share`` (the floor is ``coef · x >= 0``)."""
        koc = np.asarray(self.koc, dtype=bool)
        if koc.shape != (inst.num_creators,):
            raise ValueError("koc needs one flag per creator")
        return koc[inst.pair_creator].astype(np.float64) - self.min_share

    def satisfied(self, inst: Instance, selected: NDArray[np.int64]) -> bool:
        """Whether the selected pairs meet the floor (with a tiny tolerance)."""
        return float(self.coefficients(inst)[selected].sum()) >= -1e-9


def enforce(
    floor: KocFloor, state: Assignment, order: NDArray[np.int64], usable: NDArray[np.bool_]
) -> None:
    """Add the best KOC pairs that fit; while short, drop the weakest non-KOC assignment."""
    inst = state.inst
    coef = floor.coefficients(inst)
    koc_pairs = order[usable[order] & (coef[order] > 0)].tolist()
    while float(coef[state.selected].sum()) < -1e-9:
        added = False
        for p in koc_pairs:
            j = state.p_camp[p]
            if state.fits(p) and (state.count[j] > 0 or inst.min_creators[j] <= 1):
                state.add(p)
                added = True
                break
        if added:
            continue
        others = np.flatnonzero(state.selected & (coef <= 0))
        if others.size == 0:
            break
        weakest = int(others[np.argmin(inst.pair_value[others])])
        state.remove(weakest)
        # Removing may break a campaign's minimum: empty it then.
        j = state.p_camp[weakest]
        if 0 < state.count[j] < inst.min_creators[j]:
            for p in np.flatnonzero(state.selected & (inst.pair_campaign == j)).tolist():
                state.remove(p)
