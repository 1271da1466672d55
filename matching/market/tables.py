"""Columnar views of the market records, so eligibility and fit run as array operations."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from matching.market.fit import AudienceSpace, check_audience, scaled_targets
from matching.market.records import MarketCampaign, MarketCreator, delivery_factor

NO_END = np.datetime64("NaT", "D")


@dataclass(frozen=True, eq=False)
class CreatorTable:
    """Creators as arrays. ``accepts[i, c]``: creator ``i`` accepts category ``categories[c]``
    (a creator who lists no category accepts all of them). ``until`` is NaT when open-ended.
    ``shares`` are audience shares in the columns of ``space``."""

    ids: tuple[str, ...]
    followers: NDArray[np.int64]
    engagement_rate: NDArray[np.float64]
    rate: NDArray[np.int64]
    currency: NDArray[np.str_]
    capacity: NDArray[np.int64]
    open: NDArray[np.bool_]
    until: NDArray[np.datetime64]
    sponsored_share: NDArray[np.float64]
    categories: tuple[str, ...]
    accepts: NDArray[np.bool_]
    space: AudienceSpace
    shares: NDArray[np.float32]
    # The value discount for under-delivering (records.delivery_factor); None: all 1.
    delivery: NDArray[np.float64] | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def from_records(
        cls, creators: Sequence[MarketCreator], space: AudienceSpace, categories: Sequence[str]
    ) -> CreatorTable:
        """Validate the records and lay them out in ``space`` over ``categories``."""
        for c in creators:
            check_audience(c.audience, f"creator {c.id}")
            if c.followers < 0 or not 0 <= c.engagement_rate <= 1 or c.rate < 0:
                raise ValueError(f"creator {c.id}: followers, engagement_rate or rate invalid")
        category_at = {name: k for k, name in enumerate(categories)}
        accepts = np.zeros((len(creators), len(categories)), dtype=bool)
        for i, c in enumerate(creators):
            if not c.categories:
                accepts[i, :] = True
            for name in c.categories:
                if name in category_at:
                    accepts[i, category_at[name]] = True
        return cls(
            ids=tuple(c.id for c in creators),
            followers=np.array([c.followers for c in creators], dtype=np.int64),
            engagement_rate=np.array([c.engagement_rate for c in creators], dtype=np.float64),
            rate=np.array([c.rate for c in creators], dtype=np.int64),
            currency=np.array([c.currency for c in creators], dtype=np.str_),
            capacity=np.array([c.capacity for c in creators], dtype=np.int64),
            open=np.array([c.open for c in creators], dtype=bool),
            until=np.array(
                [NO_END if c.until is None else np.datetime64(c.until, "D") for c in creators],
                dtype="datetime64[D]",
            ),
            sponsored_share=np.array([c.sponsored_share for c in creators], dtype=np.float64),
            categories=tuple(categories),
            accepts=accepts,
            space=space,
            shares=space.shares([c.audience for c in creators]),
            delivery=np.array(
                [delivery_factor(c.delivery_ratio) for c in creators], dtype=np.float64
            ),
        )

    def delivery_factors(self) -> NDArray[np.float64]:
        """Each creator's value discount for under-delivering (1: none)."""
        if self.delivery is None:
            return np.ones(len(self.ids), dtype=np.float64)
        return self.delivery

    def available(self, today: dt.date) -> NDArray[np.bool_]:
        """Open, not lapsed (``until`` on or after ``today``) and with some capacity."""
        lapsed = ~np.isnat(self.until) & (self.until < np.datetime64(today, "D"))
        return self.open & ~lapsed & (self.capacity > 0)


@dataclass(frozen=True, eq=False)
class CampaignTable:
    """Campaigns as arrays; targets as shares and as the fit's scaled weights
    (:func:`matching.market.fit.scaled_targets`) in the creators' ``space``."""

    records: tuple[MarketCampaign, ...]
    budget: NDArray[np.int64]
    slots: NDArray[np.int64]
    min_followers: NDArray[np.int64]
    max_followers: NDArray[np.int64]
    currency: NDArray[np.str_]
    category: NDArray[np.str_]
    shares: NDArray[np.float32]
    targets: NDArray[np.float64]

    @classmethod
    def from_records(
        cls, campaigns: Sequence[MarketCampaign], space: AudienceSpace
    ) -> CampaignTable:
        """Validate the records; target interests outside ``space`` cannot match and drop out."""
        known = set(space.columns)
        for c in campaigns:
            check_audience(c.target_audience, f"campaign {c.id}")
            if c.budget < 0 or c.slots < 0 or c.min_creators < 0:
                raise ValueError(f"campaign {c.id}: budget, slots and min_creators must be >= 0")
        targets = [
            {
                part: {k: s for k, s in shares.items() if (part, k) in known}
                for part, shares in c.target_audience.items()
            }
            for c in campaigns
        ]
        big = np.iinfo(np.int64).max
        return cls(
            records=tuple(campaigns),
            budget=np.array([c.budget for c in campaigns], dtype=np.int64),
            slots=np.array([c.slots for c in campaigns], dtype=np.int64),
            min_followers=np.array([c.min_followers for c in campaigns], dtype=np.int64),
            max_followers=np.array(
                [big if c.max_followers is None else c.max_followers for c in campaigns],
                dtype=np.int64,
            ),
            currency=np.array([c.currency for c in campaigns], dtype=np.str_),
            category=np.array([c.category for c in campaigns], dtype=np.str_),
            shares=space.shares(targets, audiences=False),
            targets=scaled_targets([c.target_audience for c in campaigns], space),
        )
