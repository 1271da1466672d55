"""The pure matching core: instance → solution with a proven bound (numpy, scipy, OR-Tools)."""

from matching.solver.exposure import FairExposure
from matching.solver.instance import Instance, InstanceError
from matching.solver.result import SolveResult
from matching.solver.solve import SolutionInvalid, solve
from matching.solver.validate import Violation, validate

__all__ = [
    "FairExposure",
    "Instance",
    "InstanceError",
    "SolutionInvalid",
    "SolveResult",
    "Violation",
    "solve",
    "validate",
]
