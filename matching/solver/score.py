"""The ranking shared by candidate pruning and the greedy: value per share of the campaign's
two scarce resources, ``value / (rate / budget + 1 / slots)``."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray


def pruning_score(
    value: NDArray[np.floating],
    rate: NDArray[np.floating],
    budget: NDArray[np.floating],
    slots: NDArray[np.floating],
) -> NDArray[np.floating]:
    """Value per share of budget and slots a pair uses (higher is better)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        score: NDArray[np.floating] = value / (
            rate / np.maximum(budget, 1) + 1.0 / np.maximum(slots, 1)
        )
    return score
