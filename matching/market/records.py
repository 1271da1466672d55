"""Plain input records for the market layer; the database adapter builds these from rows."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from matching.market.fit import DEFAULT_MIN_FIT

# An audience profile: {"interests": {tag: share}, "gender": {"female": s, "male": s},
# "city_tiers": {"1".."5": share}, "age": {"<18", "18-24", "25-34", "35-44", "45+": share}}.
Audience = Mapping[str, Mapping[str, float]]


@dataclass(frozen=True)
class MarketCreator:
    """An opted-in creator as the matching run sees them.

    ``rate`` is in minor units of ``currency`` per sponsored post; ``capacity`` is the weekly
    capacity (1-10); ``open``/``until``/``categories`` are the availability opt-in;
    ``sponsored_share`` is the share (0-1) of the creator's recent posts that were sponsored.
    ``delivery_ratio`` is what their past posts delivered of what was forecast (actual
    engagements ÷ forecast engaged people; None with no measured post): the pair value is
    discounted by ``min(1, delivery_ratio)`` (:func:`delivery_factor`).
    """

    id: str
    followers: int
    engagement_rate: float
    audience: Audience
    rate: int
    currency: str
    capacity: int
    open: bool = True
    until: dt.date | None = None
    categories: frozenset[str] = field(default_factory=frozenset)
    sponsored_share: float = 0.0
    delivery_ratio: float | None = None


def delivery_factor(delivery_ratio: float | None) -> float:
    """The discount on a creator's value for under-delivering: ``min(1, ratio)`` (never a
    bonus: a forecast beaten once is not a promise), 1 without history."""
    if delivery_ratio is None:
        return 1.0
    return max(0.0, min(1.0, float(delivery_ratio)))


@dataclass(frozen=True)
class MarketCampaign:
    """A published, funded campaign: ``budget`` in minor units of ``currency``."""

    id: str
    category: str
    budget: int
    slots: int
    target_audience: Audience
    currency: str
    min_creators: int = 0
    competitor_group: str | None = None
    min_followers: int = 0
    max_followers: int | None = None


@dataclass(frozen=True)
class MatchingPolicy:
    """The operator's knobs for one run.

    ``min_fit``: audience fit (0-1, > 0) below which a pair is not offered; a creator with
    no interest in common with the target has fit 0, so it is never eligible.
    ``max_sponsored_share``: a creator whose recent sponsored share is above it gets no offer.
    ``top_k``: candidates kept per campaign (ranked by value / (rate/budget + 1/slots));
    None keeps every eligible pair. ``max_offers_per_week`` caps each creator's capacity.
    ``koc_max_followers``: creators at or below it count as small creators (KOCs) for fair
    exposure and the run's health figures (``MATCH_KOC_MAX_FOLLOWERS``).
    """

    min_fit: float = DEFAULT_MIN_FIT
    max_sponsored_share: float = 0.5
    top_k: int | None = 200
    max_offers_per_week: int = 3
    koc_max_followers: int = 50_000
    block_size: int = 16_384

    def __post_init__(self) -> None:
        if not 0 < self.min_fit <= 1:
            raise ValueError("min_fit must be in (0, 1]: a zero fit is never a match")
