"""ISO 3166-1 alpha-2 countries, from pycountry's shipped data (nothing is downloaded)."""

from __future__ import annotations

import pycountry

# Mainland China: the only country whose audiences are described by city tiers.
CITY_TIER_COUNTRY = "CN"

COUNTRY_NAMES: dict[str, str] = {
    c.alpha_2: getattr(c, "common_name", c.name) for c in pycountry.countries
}
COUNTRY_CODES: tuple[str, ...] = tuple(sorted(COUNTRY_NAMES))


def country_name(code: str) -> str:
    """The English short name of an alpha-2 code (the code itself when unknown)."""
    return COUNTRY_NAMES.get(code, code)
