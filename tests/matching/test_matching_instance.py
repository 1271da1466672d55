import numpy as np
import pytest
from matching_helpers import campaign, creator, instance, pair

from matching.solver import Instance, InstanceError


def test_round_trip_keeps_every_field() -> None:
    data = {
        "campaigns": [campaign("c1", 500, 2, 1, "skincare"), campaign("c2")],
        "creators": [creator("k1", 120, 2)],
        "pairs": [pair("k1", "c1", 0.83)],
    }
    inst = Instance.from_dict(data)
    assert inst.to_dict() == data
    assert inst.group.tolist() == [0, -1]
    assert inst.pair_rate.tolist() == [120]


def test_min_creators_and_group_are_optional() -> None:
    inst = Instance.from_dict(
        {"campaigns": [{"id": "c", "budget": 1, "slots": 1}], "creators": [], "pairs": []}
    )
    assert inst.min_creators.tolist() == [0]
    assert inst.group.tolist() == [-1]


@pytest.mark.parametrize(
    "data, message",
    [
        ({"campaigns": [], "creators": [], "pairs": [], "x": 1}, "unknown top-level"),
        ({"campaigns": [{"id": "c", "budget": -1, "slots": 1}]}, "budget"),
        ({"campaigns": [{"id": "c", "budget": 1, "slots": 1.5}]}, "slots"),
        ({"campaigns": [{"id": "c", "budget": 1, "slots": 1, "colour": "red"}]}, "unknown keys"),
        ({"campaigns": [{"id": "c", "budget": 1}]}, "lacks"),
        ({"creators": [creator("k"), creator("k")]}, "duplicate creator"),
        ({"creators": [{"id": "k", "rate": 1, "capacity": -1}]}, "capacity"),
        (
            {
                "campaigns": [campaign("c")],
                "creators": [creator("k")],
                "pairs": [pair("k", "nope", 1.0)],
            },
            "unknown campaign",
        ),
        (
            {
                "campaigns": [campaign("c")],
                "creators": [creator("k")],
                "pairs": [pair("zz", "c", 1.0)],
            },
            "unknown creator",
        ),
        (
            {
                "campaigns": [campaign("c")],
                "creators": [creator("k")],
                "pairs": [pair("k", "c", 1.0), pair("k", "c", 2.0)],
            },
            "twice",
        ),
        (
            {
                "campaigns": [campaign("c")],
                "creators": [creator("k")],
                "pairs": [pair("k", "c", -1.0)],
            },
            "value",
        ),
        (
            {
                "campaigns": [campaign("c")],
                "creators": [creator("k")],
                "pairs": [pair("k", "c", float("nan"))],
            },
            "value",
        ),
        ({"campaigns": [{"id": 3, "budget": 1, "slots": 1}]}, "campaign id"),
        ([], "JSON object"),
    ],
)
def test_bad_instances_are_rejected(data: object, message: str) -> None:
    with pytest.raises(InstanceError, match=message):
        Instance.from_dict(data)  # type: ignore[arg-type]


def test_restrict_pairs_keeps_campaigns_and_creators() -> None:
    inst = instance(
        [campaign("c1"), campaign("c2")],
        [creator("k1"), creator("k2")],
        [pair("k1", "c1", 1), pair("k2", "c2", 2)],
    )
    small = inst.restrict_pairs(np.array([False, True]))
    assert small.num_campaigns == 2 and small.num_creators == 2
    assert small.pair_value.tolist() == [2.0]
    assert inst.pair_index(1, 1) == 1 and inst.pair_index(0, 1) is None
