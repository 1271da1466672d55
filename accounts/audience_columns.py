"""The audience's demographic shares as plain columns of ``creators``, for discovery's filters.

Discovery filters by leanings ("at least half of the audience is female", "30 % in tier-1 or
tier-2 cities") and leaves out creators with no one in a target's segments. Reading those shares
out of the profile's JSON parses the whole document for every candidate row (PostgreSQL's
``json`` is text); as float columns they cost what any other column costs. One column per
(part, key) of the fixed demographic parts, derived from ``Creator.audience`` and rewritten
with it (``accounts.search_index``); migration 0011 backfilled them.
"""

from __future__ import annotations

from typing import Any

from core.audience import city_tiers_apply

_SAFE = {"<18": "under_18", "45+": "45_plus"}

DEMOGRAPHIC_KEYS: dict[str, tuple[str, ...]] = {
    "gender": ("female", "male"),
    "city_tiers": ("1", "2", "3", "4", "5"),
    "age": ("<18", "18-24", "25-34", "35-44", "45+"),
}


def column_name(part: str, key: str) -> str:
    """``("age", "18-24")`` → ``"aud_age_18_24"``; ``("city_tiers", "1")`` → ``"aud_city_tier_1"``."""
    stem = "city_tier" if part == "city_tiers" else part
    return f"aud_{stem}_{_SAFE.get(key, key).replace('-', '_')}"


DEMOGRAPHIC_COLUMNS: dict[tuple[str, str], str] = {
    (part, key): column_name(part, key) for part, keys in DEMOGRAPHIC_KEYS.items() for key in keys
}


def demographic_shares(audience: dict[str, Any] | None) -> dict[str, float]:
    """Every demographic column's value for a profile (0 where the profile says nothing).

    City tiers describe cities in mainland China only: for an audience they do not describe
    (countries named, CN not among them) the tier columns are 0, as for a profile without
    tiers, which is how the fit reads such an audience (``core.audience.city_tiers_apply``).
    """
    audience = audience or {}
    tiers_apply = city_tiers_apply(audience)
    out = {}
    for (part, key), column in DEMOGRAPHIC_COLUMNS.items():
        shares = audience.get(part) if tiers_apply or part != "city_tiers" else None
        value = shares.get(key) if isinstance(shares, dict) else None
        out[column] = float(value) if isinstance(value, int | float) and value > 0 else 0.0
    return out
