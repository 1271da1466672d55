"""Audience profiles: their parts, the fixed keys of each part, and the rules they follow.

A profile is ``{interests: {tag: share}, gender: {female, male}, city_tiers: {"1".."5": share},
age: {"<18", "18-24", "25-34", "35-44", "45+": share}, countries: {ISO 3166-1 alpha-2: share}}``.
Each part's shares are non-negative and sum to 1 (± ``SHARE_TOLERANCE``).

Interest tags are not fixed here: they come from the operators' taxonomy (``taxonomy/``), and
callers pass the tags a write may use. ``countries`` is optional everywhere (profiles written
before it existed stay valid). City tiers are mainland China's concept: a profile that names its
countries without CN needs no ``city_tiers``; otherwise creators' audiences and campaigns'
targets carry interests, gender, city tiers and age (the API requires them).
"""

from __future__ import annotations

import math
from collections.abc import Collection, Mapping
from typing import Any

from core.countries import CITY_TIER_COUNTRY, COUNTRY_CODES

SHARE_TOLERANCE = 0.01

PARTS: tuple[str, ...] = ("interests", "gender", "city_tiers", "age", "countries")
RELEVANCE_PART = "interests"
# Every part but the interests has a fixed set of keys.
FIXED_KEYS: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male"),
    "city_tiers": ("1", "2", "3", "4", "5"),
    "age": ("<18", "18-24", "25-34", "35-44", "45+"),
    "countries": COUNTRY_CODES,
}
REQUIRED_PARTS = ("interests",)
FULL_PARTS = ("interests", "gender", "city_tiers", "age")  # required with require_all_parts
OPTIONAL_PARTS = ("countries",)


def city_tiers_apply(profile: Mapping[str, Any]) -> bool:
    """Whether city tiers describe (part of) this audience: no countries named, or CN among them."""
    countries = profile.get("countries")
    if not isinstance(countries, Mapping) or not countries:
        return True
    share = countries.get(CITY_TIER_COUNTRY, 0)
    return isinstance(share, int | float) and share > 0


def audience_errors(
    profile: Any,
    *,
    require_all_parts: bool = False,
    tags: Collection[str] | None = None,
    retired: Collection[str] = (),
) -> dict[str, list[str]]:
    """Return ``{path: [messages]}`` for every rule ``profile`` breaks; empty when valid.

    ``tags`` are the interest tags a write may use (the active taxonomy); ``None`` checks the
    shape only. ``retired`` tags get their own message (they were valid once).
    """
    if not isinstance(profile, Mapping):
        return {"_schema": ["Must be an object with interests, gender, city_tiers and age."]}
    errors: dict[str, list[str]] = {}
    for part in profile:
        if part not in PARTS:
            errors.setdefault(str(part), []).append(
                f"Unknown part; expected one of {', '.join(PARTS)}."
            )
    required = list(FULL_PARTS if require_all_parts else REQUIRED_PARTS)
    if require_all_parts and not city_tiers_apply(profile):
        required.remove("city_tiers")
    for part in required:
        if part not in profile:
            errors.setdefault(part, []).append("Missing data for required field.")
    for part in PARTS:
        if part in profile:
            allowed = FIXED_KEYS.get(part)
            for message in _part_errors(profile[part], allowed):
                errors.setdefault(part, []).append(message)
    interests = profile.get(RELEVANCE_PART)
    if tags is not None and isinstance(interests, Mapping):
        for message in _tag_errors(interests, tags, retired):
            errors.setdefault(RELEVANCE_PART, []).append(message)
    return errors


def _tag_errors(
    shares: Mapping[Any, Any], tags: Collection[str], retired: Collection[str]
) -> list[str]:
    messages = []
    old = sorted(str(k) for k in shares if k not in tags and k in retired)
    unknown = sorted(str(k) for k in shares if k not in tags and k not in retired)
    if old:
        messages.append(
            f"Retired interest tags {old}: they can no longer be chosen; move their share to "
            "another tag (GET /api/v1/taxonomy lists the active ones)."
        )
    if unknown:
        messages.append(f"Unknown interest tags {unknown}; GET /api/v1/taxonomy lists the tags.")
    return messages


def _part_errors(shares: Any, allowed: tuple[str, ...] | None) -> list[str]:
    if not isinstance(shares, Mapping) or not shares:
        return ["Must be a non-empty object of shares."]
    messages = []
    if allowed is not None:
        known = frozenset(allowed)
        unknown = sorted(str(k) for k in shares if k not in known)
        if unknown:
            listed = ", ".join(allowed) if len(allowed) <= 10 else "ISO 3166-1 alpha-2 codes"
            messages.append(f"Unknown keys {unknown}; allowed: {listed}.")
    values = list(shares.values())
    if any(isinstance(v, bool) or not isinstance(v, int | float) for v in values):
        return [*messages, "Shares must be numbers."]
    if any(not math.isfinite(v) or v < 0 for v in values):
        messages.append("Shares must be non-negative numbers.")
    elif abs(sum(values) - 1.0) > SHARE_TOLERANCE:
        messages.append(
            f"Shares must sum to 1 (± {SHARE_TOLERANCE}); they sum to {sum(values):.4g}."
        )
    return messages
