"""The matching instance: campaigns, creators and allowed pairs, stored as validated arrays.

The JSON form is the fixed file format of DESIGN.md section 4.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

NO_GROUP = -1

_CAMPAIGN_KEYS = {"id", "budget", "slots", "min_creators", "competitor_group"}
_CREATOR_KEYS = {"id", "rate", "capacity"}
_PAIR_KEYS = {"creator", "campaign", "value"}


class InstanceError(ValueError):
    """An instance that breaks the file format or its own invariants."""


@dataclass(frozen=True, eq=False)
class Instance:
    """A weekly assignment problem, one array per attribute.

    Campaign ``j`` has ``budget[j]`` (minor units), ``slots[j]``, ``min_creators[j]`` (all or
    nothing) and ``group[j]`` (an index into ``group_names``, or ``NO_GROUP``). Creator ``i``
    has ``rate[i]`` (minor units per post) and ``capacity[i]``. Pair ``p`` allows creator
    ``pair_creator[p]`` on campaign ``pair_campaign[p]`` for ``pair_value[p]``.
    The constructor validates everything and raises :class:`InstanceError`.
    """

    campaign_ids: tuple[str, ...]
    budget: NDArray[np.int64]
    slots: NDArray[np.int64]
    min_creators: NDArray[np.int64]
    group: NDArray[np.int64]
    group_names: tuple[str, ...]
    creator_ids: tuple[str, ...]
    rate: NDArray[np.int64]
    capacity: NDArray[np.int64]
    pair_creator: NDArray[np.int64]
    pair_campaign: NDArray[np.int64]
    pair_value: NDArray[np.float64]
    _pair_index: dict[tuple[int, int], int] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in (
            "budget",
            "slots",
            "min_creators",
            "group",
            "rate",
            "capacity",
            "pair_creator",
            "pair_campaign",
        ):
            object.__setattr__(self, name, np.ascontiguousarray(getattr(self, name), np.int64))
        object.__setattr__(
            self, "pair_value", np.ascontiguousarray(self.pair_value, dtype=np.float64)
        )
        self._check()

    # ----------------------------------------------------------------- sizes
    @property
    def num_campaigns(self) -> int:
        return len(self.campaign_ids)

    @property
    def num_creators(self) -> int:
        return len(self.creator_ids)

    @property
    def num_pairs(self) -> int:
        return int(self.pair_value.shape[0])

    @property
    def pair_rate(self) -> NDArray[np.int64]:
        """Rate of each pair's creator."""
        return self.rate[self.pair_creator]

    @property
    def pair_group(self) -> NDArray[np.int64]:
        """Competitor group of each pair's campaign (``NO_GROUP`` if none)."""
        return self.group[self.pair_campaign]

    def pair_index(self, creator: int, campaign: int) -> int | None:
        """Index of the pair (creator, campaign), or None if that pair is not allowed."""
        if not self._pair_index and self.num_pairs:
            index = dict(
                zip(
                    zip(self.pair_creator.tolist(), self.pair_campaign.tolist(), strict=True),
                    range(self.num_pairs),
                    strict=True,
                )
            )
            self._pair_index.update(index)
        return self._pair_index.get((creator, campaign))

    # ------------------------------------------------------------ validation
    def _check(self) -> None:
        n_c, n_k, n_p = self.num_campaigns, self.num_creators, self.num_pairs
        lengths = {
            "budget": (self.budget, n_c),
            "slots": (self.slots, n_c),
            "min_creators": (self.min_creators, n_c),
            "group": (self.group, n_c),
            "rate": (self.rate, n_k),
            "capacity": (self.capacity, n_k),
            "pair_creator": (self.pair_creator, n_p),
            "pair_campaign": (self.pair_campaign, n_p),
        }
        for name, (array, expected) in lengths.items():
            if array.ndim != 1 or array.shape[0] != expected:
                raise InstanceError(f"{name} must have {expected} entries")
        _check_unique(self.campaign_ids, "campaign")
        _check_unique(self.creator_ids, "creator")
        if (self.budget < 0).any():
            raise InstanceError(f"campaign {self._first(self.budget < 0)}: budget must be >= 0")
        if (self.slots < 0).any():
            raise InstanceError(f"campaign {self._first(self.slots < 0)}: slots must be >= 0")
        if (self.min_creators < 0).any():
            bad = self._first(self.min_creators < 0)
            raise InstanceError(f"campaign {bad}: min_creators must be >= 0")
        if ((self.group < NO_GROUP) | (self.group >= len(self.group_names))).any():
            raise InstanceError("group index out of range")
        if (self.rate < 0).any():
            bad = self.creator_ids[int(np.argmax(self.rate < 0))]
            raise InstanceError(f"creator {bad}: rate must be >= 0")
        if (self.capacity < 0).any():
            bad = self.creator_ids[int(np.argmax(self.capacity < 0))]
            raise InstanceError(f"creator {bad}: capacity must be >= 0")
        if n_p:
            if self.pair_creator.min() < 0 or self.pair_creator.max() >= n_k:
                raise InstanceError("pair creator index out of range")
            if self.pair_campaign.min() < 0 or self.pair_campaign.max() >= n_c:
                raise InstanceError("pair campaign index out of range")
            if not np.isfinite(self.pair_value).all() or (self.pair_value < 0).any():
                raise InstanceError("pair values must be finite and >= 0")
            key = self.pair_creator * max(n_c, 1) + self.pair_campaign
            if np.unique(key).shape[0] != n_p:
                raise InstanceError("a (creator, campaign) pair is listed twice")

    def _first(self, mask: NDArray[np.bool_]) -> str:
        return self.campaign_ids[int(np.argmax(mask))]

    # --------------------------------------------------------- construction
    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Instance:
        """Build and validate an instance from the DESIGN.md §4 JSON structure."""
        if not isinstance(data, Mapping):
            raise InstanceError("an instance must be a JSON object")
        unknown = set(data) - {"campaigns", "creators", "pairs"}
        if unknown:
            raise InstanceError(f"unknown top-level keys: {sorted(unknown)}")
        campaigns = _records(
            data, "campaigns", _CAMPAIGN_KEYS, {"min_creators", "competitor_group"}
        )
        creators = _records(data, "creators", _CREATOR_KEYS, set())
        pairs = _records(data, "pairs", _PAIR_KEYS, set())

        campaign_ids = tuple(_string(c["id"], "campaign id") for c in campaigns)
        creator_ids = tuple(_string(k["id"], "creator id") for k in creators)
        _check_unique(campaign_ids, "campaign")
        _check_unique(creator_ids, "creator")
        group_names: list[str] = []
        group_of: dict[str, int] = {}
        groups = []
        for c in campaigns:
            name = c.get("competitor_group")
            if name is None:
                groups.append(NO_GROUP)
                continue
            name = _string(name, f"campaign {c['id']}: competitor_group")
            if name not in group_of:
                group_of[name] = len(group_names)
                group_names.append(name)
            groups.append(group_of[name])
        campaign_at = {cid: j for j, cid in enumerate(campaign_ids)}
        creator_at = {kid: i for i, kid in enumerate(creator_ids)}
        pair_creator, pair_campaign, pair_value = [], [], []
        for p in pairs:
            kid, cid = p["creator"], p["campaign"]
            if kid not in creator_at:
                raise InstanceError(f"pair refers to unknown creator {kid!r}")
            if cid not in campaign_at:
                raise InstanceError(f"pair refers to unknown campaign {cid!r}")
            pair_creator.append(creator_at[kid])
            pair_campaign.append(campaign_at[cid])
            pair_value.append(_number(p["value"], f"pair ({kid}, {cid}): value"))
        return cls(
            campaign_ids=campaign_ids,
            budget=np.array(
                [_integer(c["budget"], f"campaign {c['id']}: budget") for c in campaigns],
                dtype=np.int64,
            ),
            slots=np.array(
                [_integer(c["slots"], f"campaign {c['id']}: slots") for c in campaigns],
                dtype=np.int64,
            ),
            min_creators=np.array(
                [
                    _integer(c.get("min_creators", 0), f"campaign {c['id']}: min_creators")
                    for c in campaigns
                ],
                dtype=np.int64,
            ),
            group=np.array(groups, dtype=np.int64),
            group_names=tuple(group_names),
            creator_ids=creator_ids,
            rate=np.array(
                [_integer(k["rate"], f"creator {k['id']}: rate") for k in creators], dtype=np.int64
            ),
            capacity=np.array(
                [_integer(k["capacity"], f"creator {k['id']}: capacity") for k in creators],
                dtype=np.int64,
            ),
            pair_creator=np.array(pair_creator, dtype=np.int64),
            pair_campaign=np.array(pair_campaign, dtype=np.int64),
            pair_value=np.array(pair_value, dtype=np.float64),
        )

    def to_dict(self) -> dict[str, Any]:
        """The DESIGN.md §4 JSON structure of this instance."""
        return {
            "campaigns": [
                {
                    "id": cid,
                    "budget": int(b),
                    "slots": int(s),
                    "min_creators": int(m),
                    "competitor_group": None if g == NO_GROUP else self.group_names[g],
                }
                for cid, b, s, m, g in zip(
                    self.campaign_ids,
                    self.budget.tolist(),
                    self.slots.tolist(),
                    self.min_creators.tolist(),
                    self.group.tolist(),
                    strict=True,
                )
            ],
            "creators": [
                {"id": kid, "rate": int(r), "capacity": int(c)}
                for kid, r, c in zip(
                    self.creator_ids, self.rate.tolist(), self.capacity.tolist(), strict=True
                )
            ],
            "pairs": [
                {"creator": self.creator_ids[i], "campaign": self.campaign_ids[j], "value": v}
                for i, j, v in zip(
                    self.pair_creator.tolist(),
                    self.pair_campaign.tolist(),
                    self.pair_value.tolist(),
                    strict=True,
                )
            ],
        }

    def restrict_pairs(self, keep: NDArray[np.bool_]) -> Instance:
        """The same market with only the pairs where ``keep`` is true."""
        return Instance(
            campaign_ids=self.campaign_ids,
            budget=self.budget,
            slots=self.slots,
            min_creators=self.min_creators,
            group=self.group,
            group_names=self.group_names,
            creator_ids=self.creator_ids,
            rate=self.rate,
            capacity=self.capacity,
            pair_creator=self.pair_creator[keep],
            pair_campaign=self.pair_campaign[keep],
            pair_value=self.pair_value[keep],
        )


def _records(
    data: Mapping[str, Any], key: str, allowed: set[str], optional: set[str]
) -> Sequence[Mapping[str, Any]]:
    records = data.get(key, [])
    if not isinstance(records, list):
        raise InstanceError(f"{key} must be a list")
    for record in records:
        if not isinstance(record, Mapping):
            raise InstanceError(f"each entry of {key} must be an object")
        missing = allowed - optional - set(record)
        if missing:
            raise InstanceError(f"{key} entry {record.get('id', record)!r} lacks {sorted(missing)}")
        unknown = set(record) - allowed
        if unknown:
            raise InstanceError(f"{key} entry has unknown keys {sorted(unknown)}")
    return records


def _string(value: Any, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise InstanceError(f"{what} must be a non-empty string")
    return value


def _integer(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        if isinstance(value, float) and value.is_integer():
            return int(value)
        raise InstanceError(f"{what} must be an integer")
    return value


def _number(value: Any, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InstanceError(f"{what} must be a number")
    if not math.isfinite(value) or value < 0:
        raise InstanceError(f"{what} must be finite and >= 0")
    return float(value)


def _check_unique(ids: Sequence[str], what: str) -> None:
    if len(set(ids)) != len(ids):
        seen: set[str] = set()
        for x in ids:
            if x in seen:
                raise InstanceError(f"duplicate {what} id {x!r}")
            seen.add(x)
