"""The pure matching core: instance → solution with a proven bound (numpy, scipy, OR-Tools)."""

from matching.solver.fairness import KocFloor
from matching.solver.instance import Instance, InstanceError
from matching.solver.result import SolveResult
from matching.solver.solve import SolutionInvalid, solve
from matching.solver.validate import Violation, validate

__all__ = [
    "Instance",
    "InstanceError",
    "KocFloor",
    "SolutionInvalid",
    "SolveResult",
    "Violation",
    "solve",
    "validate",
]
