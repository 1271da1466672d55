"""Audience profiles and the vocabularies they use: the one place they are defined.

A profile is ``{interests: {tag: share}, gender: {female, male}, city_tiers: {"1".."5": share},
age: {"<18", "18-24", "25-34", "35-44", "45+": share}}``. Each part's shares are non-negative and
sum to 1 (± ``SHARE_TOLERANCE``). Creators' audiences and campaigns' targets carry all four
parts (the API requires them); ``interests`` alone is the minimum a profile can be checked with.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

SHARE_TOLERANCE = 0.01

CATEGORIES: tuple[str, ...] = (
    "beauty", "skincare", "fashion", "food", "travel", "fitness", "parenting",
    "tech", "home", "pets", "gaming", "finance", "outdoors", "wellness",
)  # fmt: skip

INTERESTS: tuple[str, ...] = (
    "skincare", "makeup", "fashion", "streetwear", "food", "cooking", "coffee", "travel",
    "fitness", "yoga", "parenting", "tech", "gadgets", "home", "interior", "pets", "gaming",
    "finance", "outdoors", "books", "music", "wellness", "photography", "sustainability",
)  # fmt: skip

PART_KEYS: dict[str, tuple[str, ...]] = {
    "interests": INTERESTS,
    "gender": ("female", "male"),
    "city_tiers": ("1", "2", "3", "4", "5"),
    "age": ("<18", "18-24", "25-34", "35-44", "45+"),
}
REQUIRED_PARTS = ("interests",)


def audience_errors(profile: Any, *, require_all_parts: bool = False) -> dict[str, list[str]]:
    """Return ``{path: [messages]}`` for every rule ``profile`` breaks; empty when valid."""
    if not isinstance(profile, Mapping):
        return {"_schema": ["Must be an object with interests, gender, city_tiers and age."]}
    errors: dict[str, list[str]] = {}
    for part in profile:
        if part not in PART_KEYS:
            errors.setdefault(str(part), []).append(
                f"Unknown part; expected one of {', '.join(PART_KEYS)}."
            )
    required = PART_KEYS if require_all_parts else REQUIRED_PARTS
    for part in required:
        if part not in profile:
            errors.setdefault(part, []).append("Missing data for required field.")
    for part, allowed in PART_KEYS.items():
        if part in profile:
            for message in _part_errors(profile[part], allowed):
                errors.setdefault(part, []).append(message)
    return errors


def _part_errors(shares: Any, allowed: tuple[str, ...]) -> list[str]:
    if not isinstance(shares, Mapping) or not shares:
        return ["Must be a non-empty object of shares."]
    messages = []
    unknown = sorted(str(k) for k in shares if k not in allowed)
    if unknown:
        messages.append(f"Unknown keys {unknown}; allowed: {', '.join(allowed)}.")
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
