"""A fit as a brand manager reads it: a plain label, a percentage and a bar, not ``0.47``.

A fit is the share of a creator's engaged audience that is the campaign's target audience
(README, "How matching works"). The labels' thresholds:

- **strong**: 0.65 or more — about two in three or more of their engaged audience is yours;
- **good**: 0.40 to 0.65 — about half;
- **weak**: below 0.40 — under two in five (below 0.25, ``MATCH_MIN_FIT``, nobody is offered).

Pure: used by the matching core's explanations and by the dashboard alike.
"""

from __future__ import annotations

STRONG_FIT = 0.65
GOOD_FIT = 0.40


def fit_label(fit: float | None) -> str:
    """``strong`` / ``good`` / ``weak`` for a fit in [0, 1]; ``unknown`` without one."""
    if fit is None:
        return "unknown"
    if fit >= STRONG_FIT:
        return "strong"
    if fit >= GOOD_FIT:
        return "good"
    return "weak"


def fit_phrase(fit: float) -> str:
    """``good (47 % of their engaged audience is your target)``."""
    return f"{fit_label(fit)} ({fit * 100:.0f} % of their engaged audience is your target)"


def parts_phrase(parts: dict[str, float], labels: dict[str, str] | None = None) -> str:
    """``interests 80 %, gender 95 % match``: each audience part's match as a percentage."""
    labels = labels or {}
    text = ", ".join(f"{labels.get(k, k)} {v * 100:.0f} %" for k, v in parts.items())
    return f"{text} match" if text else ""
