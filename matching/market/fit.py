"""Audience fit: a weighted Bhattacharyya similarity of audience distributions.

For each part (interests, gender, city tiers, age) the similarity of a creator's audience
distribution ``p`` to a campaign's target distribution ``q`` is the Bhattacharyya coefficient
``BC = sum_k sqrt(p_k * q_k)`` (1 for identical distributions, 0 for disjoint ones). The fit is
``sum_part FIT_WEIGHTS[part] * BC_part``, in [0, 1] since the weights sum to 1.

Because ``BC`` is a dot product of square roots, the fit of every creator against every
campaign is one matrix product of two "root profile" matrices whose columns are the parts'
categories scaled by ``sqrt(weight)``; we compute it in blocks of creators.

The pair value is the expected engaged target audience, in thousands of people:
``value = followers * engagement_rate * fit / 1000`` (the division only keeps objective
values in a readable range).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

# The one place where fit weights live.
FIT_WEIGHTS: dict[str, float] = {"interests": 0.5, "age": 0.2, "gender": 0.15, "city_tiers": 0.15}
FIXED_PART_KEYS: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male"),
    "city_tiers": ("1", "2", "3", "4", "5"),
    "age": ("<18", "18-24", "25-34", "35-44", "45+"),
}
PARTS: tuple[str, ...] = ("interests", "gender", "city_tiers", "age")
VALUE_SCALE = 1_000.0
SHARE_TOLERANCE = 0.01


class AudienceError(ValueError):
    """An audience profile that breaks the documented format."""


def check_audience(audience: Mapping[str, Mapping[str, float]], who: str) -> None:
    """Raise :class:`AudienceError` unless ``audience`` is a valid profile."""
    if not isinstance(audience, Mapping):
        raise AudienceError(f"{who}: audience must be an object")
    unknown = set(audience) - set(PARTS)
    if unknown:
        raise AudienceError(f"{who}: unknown audience parts {sorted(unknown)}")
    for part in PARTS:
        shares = audience.get(part)
        if not isinstance(shares, Mapping) or not shares:
            raise AudienceError(f"{who}: audience part {part!r} is missing or empty")
        if part in FIXED_PART_KEYS:
            bad = set(shares) - set(FIXED_PART_KEYS[part])
            if bad:
                raise AudienceError(f"{who}: unknown {part} keys {sorted(bad)}")
        values = list(shares.values())
        if any(not isinstance(v, int | float) or not math.isfinite(v) or v < 0 for v in values):
            raise AudienceError(f"{who}: {part} shares must be non-negative numbers")
        if abs(sum(values) - 1.0) > SHARE_TOLERANCE:
            raise AudienceError(f"{who}: {part} shares sum to {sum(values):.3f}, not 1")


@dataclass(frozen=True)
class AudienceSpace:
    """The column layout of root-profile matrices: one column per (part, category)."""

    columns: tuple[tuple[str, str], ...]

    @classmethod
    def from_profiles(
        cls,
        *profile_lists: Sequence[Mapping[str, Mapping[str, float]]],
        interest_tags: Sequence[str] = (),
    ) -> AudienceSpace:
        """The space spanning all interest tags seen in the given profiles."""
        tags = set(interest_tags)
        for profiles in profile_lists:
            for profile in profiles:
                tags.update(profile.get("interests", {}))
        columns = [("interests", t) for t in sorted(tags)]
        for part in PARTS[1:]:
            columns += [(part, k) for k in FIXED_PART_KEYS[part]]
        return cls(tuple(columns))

    def part_slices(self) -> dict[str, slice]:
        """Column range of each part."""
        out: dict[str, slice] = {}
        for part in PARTS:
            idx = [c for c, (p, _) in enumerate(self.columns) if p == part]
            out[part] = slice(idx[0], idx[-1] + 1) if idx else slice(0, 0)
        return out

    def shares(self, profiles: Sequence[Mapping[str, Mapping[str, float]]]) -> NDArray[np.float32]:
        """Raw share matrix (profiles × columns)."""
        at = {col: c for c, col in enumerate(self.columns)}
        out = np.zeros((len(profiles), len(self.columns)), dtype=np.float32)
        rows, cols, vals = [], [], []
        for r, profile in enumerate(profiles):
            for part, shares in profile.items():
                for key, share in shares.items():
                    rows.append(r)
                    cols.append(at[(part, key)])
                    vals.append(share)
        out[np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)] = vals
        return out


def root_profiles(
    shares: NDArray[np.floating], space: AudienceSpace, weighted: bool = True
) -> NDArray[np.float32]:
    """``sqrt(share)`` per column, times ``sqrt(weight)`` of its part when ``weighted``."""
    roots = np.sqrt(np.clip(shares, 0.0, None)).astype(np.float32)
    if weighted:
        for part, cols in space.part_slices().items():
            roots[:, cols] *= np.float32(math.sqrt(FIT_WEIGHTS[part]))
    return roots


def fit_matrix(
    creator_roots: NDArray[np.float32], campaign_roots: NDArray[np.float32]
) -> NDArray[np.float32]:
    """Weighted fit of each creator (rows) to each campaign (columns), from weighted roots."""
    return np.clip(creator_roots @ campaign_roots.T, 0.0, 1.0)


def fit_components(
    creator_roots: NDArray[np.float32],
    campaign_roots: NDArray[np.float32],
    space: AudienceSpace,
    creators: NDArray[np.int64],
    campaigns: NDArray[np.int64],
) -> dict[str, NDArray[np.float64]]:
    """Unweighted Bhattacharyya coefficient of each part for the given (creator, campaign) rows.

    Takes unweighted roots; used for explanations, so only for the pairs kept.
    """
    out: dict[str, NDArray[np.float64]] = {}
    for part, cols in space.part_slices().items():
        a = creator_roots[creators, cols].astype(np.float64)
        b = campaign_roots[campaigns, cols].astype(np.float64)
        out[part] = np.clip(np.einsum("ij,ij->i", a, b), 0.0, 1.0)
    return out


def pair_value(
    followers: NDArray[np.floating],
    engagement_rate: NDArray[np.floating],
    fit: NDArray[np.floating],
) -> NDArray[np.float64]:
    """Expected engaged target audience, in thousands: followers × engagement × fit / 1000."""
    return (
        np.asarray(followers, np.float64)
        * np.asarray(engagement_rate, np.float64)
        * np.asarray(fit, np.float64)
        / VALUE_SCALE
    )
