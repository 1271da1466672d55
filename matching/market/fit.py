"""Audience fit: how much of a creator's audience is the brand's target audience.

Relevance is a gate, demographics scale it. For each part (interests, gender, city tiers,
age) the campaign's target distribution ``q`` is read as a graded membership: the segment the
brand wants most counts fully, another counts ``q_k / max q`` (a brand that targets 80 %
women and 20 % men wants a woman fully and a man a quarter as much). A creator's audience
``p`` then has ``p · t`` of its people in the target, which we divide by what an audience
exactly like the target would have (``q · t``) and cap at 1. So a part's match is 1 for an
audience shaped like the target or more concentrated on what the brand wants most, and 0
for an audience entirely outside it.

    fit = relevance × demographics
    relevance    = match of interests                    (0 when no interest is shared)
    demographics = Π match_part ** DEMOGRAPHIC_WEIGHTS[part]   (a weighted geometric mean)

A creator whose audience shares no interest with the target has fit 0 whatever its
demographics, so it is never eligible; demographics only scale relevance (an audience of the
right interests but the wrong gender counts for less, never the other way round). A fit of
0.8 reads "about four in five of this creator's engaged audience are your target audience".

The pair value is the expected engaged target audience, in thousands of people:
``value = followers × engagement_rate × fit / 1000``.

Everything is array arithmetic: one matrix product per part for a block of creators against
a group of campaigns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
from numpy.typing import NDArray

from core.audience import (
    FIXED_KEYS,
    PARTS,
    RELEVANCE_PART,
    audience_errors,
    city_tiers_apply,
)

# The one place where the fit's weights live: exponents of the demographic geometric mean.
DEMOGRAPHIC_WEIGHTS: dict[str, float] = {"age": 0.4, "gender": 0.3, "city_tiers": 0.3}
# Gates multiply the fit whole: an audience outside the target's interests or countries is
# not the brand's audience at all.
GATE_PARTS: tuple[str, ...] = (RELEVANCE_PART, "countries")
# The demographic parts generated and laid out in full (countries only as profiles name them).
FIXED_PART_KEYS: dict[str, tuple[str, ...]] = {p: FIXED_KEYS[p] for p in DEMOGRAPHIC_WEIGHTS}
# A part a target leaves open (no countries named; city tiers for an audience outside China)
# matches every creator fully: one constant column per such part, 1 in every creator's row
# and 1 in the row of a target that leaves the part open.
ANY = "*"
__all__ = ["PARTS", "RELEVANCE_PART", "AudienceError", "AudienceSpace", "FitModel", "ANY"]
OPEN_PARTS: tuple[str, ...] = ("city_tiers", "countries")
VALUE_SCALE = 1_000.0
# Default eligibility threshold, calibrated on the demo's and the benchmarks' profiles (see
# README "How matching works"): in-niche creators score 0.45-0.95, a neighbouring niche
# 0.15-0.45, an unrelated one below 0.1.
DEFAULT_MIN_FIT = 0.25


class AudienceError(ValueError):
    """An audience profile that breaks the documented format."""


def check_audience(audience: Mapping[str, Mapping[str, float]], who: str) -> None:
    """Raise :class:`AudienceError` unless ``audience`` is a valid profile (``core.audience``'s
    rules, every part the fit reads present; interest tags are not checked against a taxonomy:
    a retired tag in a stored profile still counts)."""
    errors = audience_errors(audience, require_all_parts=True)
    if errors:
        detail = "; ".join(f"{part}: {' '.join(m)}" for part, m in sorted(errors.items()))
        raise AudienceError(f"{who}: {detail}")


def _open_parts(target: Mapping[str, Mapping[str, float]]) -> set[str]:
    """The parts ``target`` leaves open (see ``OPEN_PARTS``)."""
    out = set()
    if not target.get("countries"):
        out.add("countries")
    if not target.get("city_tiers") or not city_tiers_apply(target):
        out.add("city_tiers")
    return out


@dataclass(frozen=True)
class AudienceSpace:
    """The column layout of share matrices: one column per (part, category)."""

    columns: tuple[tuple[str, str], ...]

    @classmethod
    def from_profiles(
        cls,
        *profile_lists: Sequence[Mapping[str, Mapping[str, float]]],
        interest_tags: Sequence[str] = (),
    ) -> AudienceSpace:
        """The space spanning ``interest_tags`` (the vocabulary) and every tag and country seen
        in the given profiles."""
        tags = set(interest_tags)
        countries: set[str] = set()
        for profiles in profile_lists:
            for profile in profiles:
                tags.update(profile.get("interests", {}))
                countries.update(profile.get("countries") or {})
        columns = [("interests", t) for t in sorted(tags)]
        for part in PARTS[1:]:
            keys = sorted(countries) if part == "countries" else FIXED_KEYS[part]
            columns += [(part, k) for k in keys]
            if part in OPEN_PARTS:
                columns.append((part, ANY))
        return cls(tuple(columns))

    def part_slices(self) -> dict[str, slice]:
        """Column range of each part."""
        out: dict[str, slice] = {}
        for part in PARTS:
            idx = [c for c, (p, _) in enumerate(self.columns) if p == part]
            out[part] = slice(idx[0], idx[-1] + 1) if idx else slice(0, 0)
        return out

    def shares(
        self, profiles: Sequence[Mapping[str, Mapping[str, float]]], *, audiences: bool = True
    ) -> NDArray[np.float32]:
        """Share matrix (profiles × columns). For ``audiences`` (creators' profiles, not
        targets) the constant columns are 1, and an audience that city tiers do not describe
        (one outside mainland China: no tiers, or countries without CN) gets 1 in every tier
        column, which matches any tier target fully (``p · t = 1 / Σq² ≥ 1``, capped at 1)."""
        at = {col: c for c, col in enumerate(self.columns)}
        out = np.zeros((len(profiles), len(self.columns)), dtype=np.float32)
        rows, cols, vals = [], [], []
        untiered = []
        for r, profile in enumerate(profiles):
            if audiences and (not profile.get("city_tiers") or not city_tiers_apply(profile)):
                untiered.append(r)
            for part, shares in profile.items():
                for key, share in shares.items():
                    c = at.get((part, key))
                    if c is not None:  # a target's key no creator has cannot match
                        rows.append(r)
                        cols.append(c)
                        vals.append(share)
        out[np.array(rows, dtype=np.int64), np.array(cols, dtype=np.int64)] = vals
        if audiences:
            for part in OPEN_PARTS:
                c = at.get((part, ANY))
                if c is not None:
                    out[:, c] = 1.0
            tiers = [c for c, (p, k) in enumerate(self.columns) if p == "city_tiers" and k != ANY]
            if untiered and tiers:
                out[np.ix_(np.array(untiered, dtype=np.int64), np.array(tiers))] = 1.0
        return out


@dataclass(frozen=True, eq=False)
class FitModel:
    """Creators' audience shares and campaigns' scaled target weights in one space.

    ``targets[j]`` holds, per column, ``t_k / (q · t)`` of its part (see the module
    docstring), so a part's match is one dot product capped at 1.
    """

    space: AudienceSpace
    creator_shares: NDArray[np.float32]
    targets: NDArray[np.float64]

    @classmethod
    def build(
        cls,
        space: AudienceSpace,
        creator_shares: NDArray[np.floating],
        targets: NDArray[np.floating],
    ) -> FitModel:
        """Creators' shares (rows) against campaigns' :func:`scaled_targets`."""
        return cls(
            space=space,
            creator_shares=np.asarray(creator_shares, dtype=np.float32),
            targets=np.asarray(targets, dtype=np.float64),
        )

    @cached_property
    def _targets32(self) -> NDArray[np.float32]:
        return self.targets.astype(np.float32)

    @cached_property
    def _slices(self) -> dict[str, slice]:
        return self.space.part_slices()

    def block(self, rows: NDArray[np.int64], campaigns: NDArray[np.int64]) -> NDArray[np.float32]:
        """Fit of creators ``rows`` (rows) to ``campaigns`` (columns)."""
        a, b = self.creator_shares[rows], self._targets32[campaigns]
        cols = self._slices[RELEVANCE_PART]
        fit = np.minimum(a[:, cols] @ b[:, cols].T, np.float32(1.0))
        for part in GATE_PARTS[1:]:
            cols = self._slices[part]
            fit *= np.minimum(a[:, cols] @ b[:, cols].T, np.float32(1.0))
        for part, weight in DEMOGRAPHIC_WEIGHTS.items():
            cols = self._slices[part]
            match = np.minimum(a[:, cols] @ b[:, cols].T, np.float32(1.0))
            fit *= np.power(np.maximum(match, np.float32(0.0)), np.float32(weight))
        return np.clip(fit, 0.0, 1.0, out=fit)

    def pair_parts(
        self, creators: NDArray[np.int64], campaigns: NDArray[np.int64]
    ) -> dict[str, NDArray[np.float64]]:
        """Each part's match (0-1) for the given (creator, campaign) pairs."""
        out = {part: np.empty(creators.size) for part in PARTS}
        step = 262_144
        for s in range(0, creators.size, step):
            a = self.creator_shares[creators[s : s + step]].astype(np.float64)
            b = self.targets[campaigns[s : s + step]]
            for part in PARTS:
                cols = self._slices[part]
                out[part][s : s + step] = np.einsum("ij,ij->i", a[:, cols], b[:, cols])
        # Shares are stored in float32 (7 digits): round so that an audience shaped exactly
        # like the target matches 1, not 0.99999999.
        return {part: np.clip(np.round(v, 6), 0.0, 1.0) for part, v in out.items()}

    def pairs(
        self, creators: NDArray[np.int64], campaigns: NDArray[np.int64]
    ) -> NDArray[np.float64]:
        """Fit of the given (creator, campaign) pairs, in float64."""
        return combine(self.pair_parts(creators, campaigns))


def graded_target(shares: Mapping[str, float]) -> dict[str, float]:
    """One part of a target as the fit reads it: ``t_k / (q · t)`` with ``t = q / max q``."""
    top = max(shares.values(), default=0.0)
    if top <= 0:
        return {}
    own = sum(v * v for v in shares.values()) / top
    return {key: share / top / own for key, share in shares.items() if share > 0}


def part_match(shares: Mapping[str, float], target: Mapping[str, float]) -> float:
    """How much of an audience part (``shares``) is in ``target``'s part, 0–1 (see above)."""
    graded = graded_target(target)
    return min(1.0, sum(share * graded.get(key, 0.0) for key, share in shares.items()))


def scaled_targets(
    targets: Sequence[Mapping[str, Mapping[str, float]]], space: AudienceSpace
) -> NDArray[np.float64]:
    """Each target's graded membership ``t_k / (q · t)`` per column of ``space``.

    Computed on the whole target, so interest tags that no creator has (and that ``space``
    leaves out) still count in the target's own score: they are part of what the brand wants.
    """
    at = {col: c for c, col in enumerate(space.columns)}
    out = np.zeros((len(targets), len(space.columns)), dtype=np.float64)
    for j, target in enumerate(targets):
        open_parts = _open_parts(target)
        for part in open_parts:
            c = at.get((part, ANY))
            if c is not None:
                out[j, c] = 1.0
        for part, shares in target.items():
            if part in open_parts:
                continue
            for key, weight in graded_target(shares).items():
                c = at.get((part, key))
                if c is not None:
                    out[j, c] = weight
    return out


def combine(parts: Mapping[str, NDArray[np.float64]]) -> NDArray[np.float64]:
    """The fit from each part's match: relevance × countries × the weighted geometric mean of
    the demographics (a part missing from ``parts`` matches fully)."""
    fit = np.asarray(parts[RELEVANCE_PART], dtype=np.float64).copy()
    for part in GATE_PARTS[1:]:
        if part in parts:
            fit *= np.clip(parts[part], 0.0, 1.0)
    for part, weight in DEMOGRAPHIC_WEIGHTS.items():
        fit *= np.power(np.clip(parts[part], 0.0, 1.0), weight)
    return np.clip(fit, 0.0, 1.0)


def fit_breakdown(
    audience: Mapping[str, Mapping[str, float]], target: Mapping[str, Mapping[str, float]]
) -> dict[str, object]:
    """One creator's fit to one target, with its parts, by the same model as matching.

    Returns ``{"fit", "relevance", "demographics", "parts": {part: match}}``.
    """
    check_audience(audience, "audience")
    check_audience(target, "target")
    space = AudienceSpace.from_profiles([audience, target])
    model = FitModel.build(space, space.shares([audience]), scaled_targets([target], space))
    zero = np.zeros(1, dtype=np.int64)
    parts = {part: float(v[0]) for part, v in model.pair_parts(zero, zero).items()}
    arrays = {part: np.array([v]) for part, v in parts.items()}
    demographics = float(combine({**arrays, RELEVANCE_PART: np.ones(1)})[0])  # with countries
    return {
        "fit": float(combine(arrays)[0]),
        "relevance": parts[RELEVANCE_PART],
        "demographics": demographics,
        "parts": parts,
    }


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
