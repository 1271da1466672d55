"""What a solve returns: status, objective, proven bound, gap, time and the chosen pairs."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from matching.solver.instance import Instance

Status = Literal["optimal", "feasible", "infeasible", "timeout"]


def relative_gap(objective: float, bound: float) -> float:
    """``(bound - objective) / bound``, 0 when both are 0, never negative."""
    if bound <= 1e-12:
        return 0.0
    return max(0.0, (bound - objective) / bound)


@dataclass(frozen=True, eq=False)
class SolveResult:
    """The outcome of :func:`matching.solver.solve`.

    ``selected`` holds the indices of the assigned pairs in ``instance``; ``bound`` is a proven
    upper bound on the optimum; ``stats`` records each phase (timings, intermediate objectives,
    the LP bound, fairness cost) for reports and benchmarks.
    """

    instance: Instance
    status: Status
    objective: float
    bound: float
    seconds: float
    selected: NDArray[np.int64]
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def gap(self) -> float:
        return relative_gap(self.objective, self.bound)

    @property
    def assignments(self) -> list[tuple[str, str]]:
        """(creator id, campaign id) of each assignment, sorted by campaign then creator."""
        inst = self.instance
        order = np.lexsort((inst.pair_creator[self.selected], inst.pair_campaign[self.selected]))
        chosen = self.selected[order]
        return [
            (inst.creator_ids[i], inst.campaign_ids[j])
            for i, j in zip(
                inst.pair_creator[chosen].tolist(), inst.pair_campaign[chosen].tolist(), strict=True
            )
        ]

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN.md §4 solution structure (plus a ``stats`` object)."""
        return {
            "status": self.status,
            "objective": self.objective,
            "bound": self.bound,
            "gap": self.gap,
            "seconds": round(self.seconds, 4),
            "assignments": [{"creator": k, "campaign": c} for k, c in self.assignments],
            "stats": _jsonable(self.stats),
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
