"""Fair exposure in solve(): wider exposure at a value cost that never passes the cap."""

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from matching_helpers import campaign, creator, instance, pair, random_instance

from matching.__main__ import main
from matching.solver import FairExposure, Instance, solve, validate
from matching.solver.exposure import figures

PATHS = {"greedy": {"exact_max_pairs": 0, "max_rounds": 5}, "exact": {}}


def star_market(small_value: float) -> Instance:
    """Three one-slot campaigns; one big creator (capacity 3) is the best on each, and each
    campaign has one small creator worth ``small_value`` (the big one is worth 10)."""
    campaigns = [campaign(f"c{j}", budget=1000, slots=1) for j in range(3)]
    creators = [creator("big", rate=300, capacity=3)] + [
        creator(f"s{j}", rate=100, capacity=1) for j in range(3)
    ]
    pairs = [pair("big", f"c{j}", 10.0) for j in range(3)]
    pairs += [pair(f"s{j}", f"c{j}", small_value) for j in range(3)]
    return instance(campaigns, creators, pairs)


SMALL = np.array([False, True, True, True])


def offered(result) -> set[str]:
    return {k for k, _ in result.assignments}


@pytest.mark.parametrize("path", PATHS)
def test_widens_exposure_to_small_creators_within_the_cap(path: str) -> None:
    inst = star_market(9.95)
    plain = solve(inst, time_limit_s=5, **PATHS[path])
    assert offered(plain) == {"big"} and plain.objective == pytest.approx(30.0)
    fair = solve(inst, time_limit_s=5, fair_exposure=FairExposure(SMALL, 0.01), **PATHS[path])
    assert validate(inst, fair) == []
    # Each campaign goes to its small creator: 0.5 % of value for three creators instead of one
    # (a small creator's first offer counts twice a big one's).
    assert offered(fair) == {"s0", "s1", "s2"}
    info = fair.stats["fair_exposure"]
    assert info["objective_without"] == pytest.approx(30.0)
    assert info["cost"] == pytest.approx(1 - 29.85 / 30.0)
    assert info["cost"] <= 0.01
    assert info["before"]["offered_creators"] == 1 and info["after"]["offered_creators"] == 3
    assert info["before"]["max_offers_per_creator"] == 3
    assert info["after"]["koc_offer_share"] == 1.0
    # The proven bound stays the value bound: the fair solution's gap includes the cost.
    assert fair.bound >= 30.0 - 1e-9
    assert fair.gap == pytest.approx((fair.bound - 29.85) / fair.bound)


@pytest.mark.parametrize("path", PATHS)
def test_the_cap_holds_when_widening_costs_more(path: str) -> None:
    inst = star_market(9.0)  # each swap gives up 1 of 30 = 3.3 %
    fair = solve(inst, time_limit_s=5, fair_exposure=FairExposure(SMALL, 0.01), **PATHS[path])
    assert offered(fair) == {"big"}
    assert fair.stats["fair_exposure"]["cost"] == 0.0
    one_swap = solve(inst, time_limit_s=5, fair_exposure=FairExposure(SMALL, 0.04), **PATHS[path])
    assert len(offered(one_swap)) == 2  # one swap fits 4 %, two (6.7 %) do not
    assert one_swap.stats["fair_exposure"]["cost"] == pytest.approx(1 / 30)


@pytest.mark.parametrize("path", PATHS)
def test_a_small_creator_is_preferred_to_a_big_one(path: str) -> None:
    # "a" is best on both campaigns; c1 can go instead to "b" (big, a little better) or "s"
    # (small): widening takes the small one.
    campaigns = [campaign("c0", budget=1000, slots=1), campaign("c1", budget=1000, slots=1)]
    creators = [
        creator("a", rate=100, capacity=2),
        creator("b", rate=100, capacity=1),
        creator("s", rate=100, capacity=1),
    ]
    pairs = [pair("a", "c0", 10.0), pair("a", "c1", 10.0)]
    pairs += [pair("b", "c1", 9.96), pair("s", "c1", 9.95)]
    inst = instance(campaigns, creators, pairs)
    small = np.array([False, False, True])
    fair = solve(inst, time_limit_s=5, fair_exposure=FairExposure(small, 0.01), **PATHS[path])
    assert sorted(fair.assignments) == [("a", "c0"), ("s", "c1")]


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("path", PATHS)
def test_random_markets_cost_at_most_the_cap_and_never_narrow(seed: int, path: str) -> None:
    rng = np.random.default_rng(seed)
    inst = random_instance(rng, n_campaigns=12, n_creators=40, density=0.35)
    small = rng.random(inst.num_creators) < 0.5
    plain = solve(inst, time_limit_s=5, seed=seed, **PATHS[path])
    fair = solve(
        inst,
        time_limit_s=5,
        seed=seed,
        fair_exposure=FairExposure(small, 0.02),
        **PATHS[path],
    )
    assert validate(inst, fair) == []
    info = fair.stats["fair_exposure"]
    assert info["cost"] <= 0.02 + 1e-9
    assert fair.objective >= (1 - 0.02) * info["objective_without"] - 1e-9
    assert info["objective_without"] == pytest.approx(plain.objective)
    before = figures(inst, plain.selected, small)["offered_creators"]
    assert figures(inst, fair.selected, small)["offered_creators"] >= before
    assert fair.bound >= plain.objective - 1e-9


def test_off_by_default_and_no_cost_when_nothing_to_widen() -> None:
    inst = star_market(9.95)
    assert "fair_exposure" not in solve(inst, time_limit_s=5).stats
    alone = instance([campaign("c")], [creator("k")], [pair("k", "c", 1.0)])
    fair = solve(alone, time_limit_s=5, fair_exposure=FairExposure(None, 0.01))
    assert fair.objective == 1.0 and fair.stats["fair_exposure"]["cost"] == 0.0


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="max_cost"):
        FairExposure(None, 1.5)
    with pytest.raises(ValueError, match="small_weight"):
        FairExposure(None, 0.01, small_weight=0.5)
    with pytest.raises(ValueError, match="one flag per creator"):
        solve(star_market(9.95), fair_exposure=FairExposure(np.array([True]), 0.01))


def test_command_line_fair_exposure(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "star.json"
    path.write_text(json.dumps(star_market(9.95).to_dict()))
    small = tmp_path / "small.txt"
    small.write_text("s0\ns1\ns2\n")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        cmd = [sys.executable, "-m", "matching", "solve", str(path), "--time-limit", "5", *args]
        return subprocess.run(cmd, capture_output=True, text=True, check=False)

    fair = run("--fair-exposure", "--max-cost", "0.01", "--small-creators", str(small))
    assert fair.returncode == 0, fair.stderr
    solution = json.loads(fair.stdout)
    assert solution["objective"] == pytest.approx(29.85)
    assert len({a["creator"] for a in solution["assignments"]}) == 3
    assert solution["stats"]["fair_exposure"]["cost"] <= 0.01
    assert "fair exposure: cost" in fair.stderr
    unknown = tmp_path / "unknown.txt"
    unknown.write_text("nobody\n")
    assert main(["solve", str(path), "--fair-exposure", "--small-creators", str(unknown)]) == 2
    assert "unknown creators" in capsys.readouterr().err
    assert main(["solve", str(path), "--fair-exposure", "--max-cost", "2"]) == 2


def top_heavy_market() -> Instance:
    """Everyone already has an offer, so widening alone has nothing to do. "big" (rate 600)
    takes both one-slot campaigns c0 and c1: 1,200 of 1,500 spent. On c0, "m" (rate 300,
    with an offer on c2 already) is worth 9.95 against big's 10: 0.2 % of value."""
    campaigns = [campaign(f"c{j}", budget=1000, slots=1) for j in range(3)]
    creators = [creator("big", rate=600, capacity=2), creator("m", rate=300, capacity=2)]
    pairs = [pair("big", "c0", 10.0), pair("big", "c1", 10.0), pair("m", "c0", 9.95)]
    pairs += [pair("m", "c2", 5.0)]
    return instance(campaigns, creators, pairs)


def spend_top_share(inst: Instance, result) -> float:
    from matching.solver.exposure import top_share

    return top_share(inst, result.selected)


@pytest.mark.parametrize("path", PATHS)
def test_spend_moves_out_of_the_top_decile_within_the_cap(path: str) -> None:
    inst = top_heavy_market()
    small = np.array([False, True])
    plain = solve(inst, time_limit_s=5, **PATHS[path])
    assert sorted(plain.assignments) == [("big", "c0"), ("big", "c1"), ("m", "c2")]
    assert spend_top_share(inst, plain) == pytest.approx(1200 / 1500)
    if path == "greedy":  # widening alone finds nobody without an offer: nothing changes
        widening = FairExposure(small, 0.01, spread=0.0)
        alone = solve(inst, time_limit_s=5, fair_exposure=widening, **PATHS[path])
        assert alone.assignments == plain.assignments
    fair = solve(inst, time_limit_s=5, fair_exposure=FairExposure(small, 0.01), **PATHS[path])
    assert validate(inst, fair) == []
    # c0 goes to m: big and m now get 600 each, the top decile (one creator) half the spend.
    assert sorted(fair.assignments) == [("big", "c1"), ("m", "c0"), ("m", "c2")]
    assert spend_top_share(inst, fair) == pytest.approx(0.5)
    info = fair.stats["fair_exposure"]
    assert info["cost"] == pytest.approx(0.05 / 25)
    assert info["spread"] == 0.5 and info["spread_moves"] == 1
    assert info["top_share_before"] == pytest.approx(0.8)
    assert info["top_share_after"] == pytest.approx(0.5)
    assert info["after"]["offered_creators"] == 2  # nobody lost their only offer
    assert info["after"]["koc_offer_share"] > info["before"]["koc_offer_share"]


@pytest.mark.parametrize("path", PATHS)
def test_spend_stays_when_the_cap_forbids_moving_it(path: str) -> None:
    inst = top_heavy_market()
    tight = FairExposure(np.array([False, True]), 0.001)  # 0.025 of value: the move costs 0.05
    fair = solve(inst, time_limit_s=5, fair_exposure=tight, **PATHS[path])
    assert sorted(fair.assignments) == [("big", "c0"), ("big", "c1"), ("m", "c2")]
    assert fair.stats["fair_exposure"]["cost"] == 0.0


def test_spend_shifts_down_to_a_pricier_creator_outside_the_top() -> None:
    """c0 and c1 (two slots, budget 1,100) each take big and the cheap "a"; "m" (rate 350,
    small, one offer on c2) is worth 0.02 less than "a" on c0. Moving c0's second slot from a
    to m keeps everyone offered and spends 250 more outside the top decile."""
    campaigns = [campaign("c0", budget=1100, slots=2), campaign("c1", budget=1100, slots=2)]
    campaigns += [campaign("c2", budget=400, slots=1)]
    creators = [creator("big", rate=600, capacity=2), creator("a", rate=100, capacity=2)]
    creators += [creator("m", rate=350, capacity=3)]
    pairs = [pair("big", c, 10.0) for c in ("c0", "c1")]
    pairs += [pair("a", c, 5.0) for c in ("c0", "c1")]
    pairs += [pair("m", "c0", 4.98), pair("m", "c1", 4.98), pair("m", "c2", 1.0)]
    inst = instance(campaigns, creators, pairs)
    small = np.array([False, True, True])
    limits = PATHS["greedy"]
    plain = solve(inst, time_limit_s=5, **limits)
    assert spend_top_share(inst, plain) == pytest.approx(1200 / 1750)
    fair = solve(inst, time_limit_s=5, fair_exposure=FairExposure(small, 0.01), **limits)
    assert validate(inst, fair) == []
    # One of a's two offers goes to m (the other keeps a offered): 1,200 of 2,000.
    assert spend_top_share(inst, fair) == pytest.approx(1200 / 2000)
    assert len(offered(fair)) == 3
    assert fair.stats["fair_exposure"]["cost"] == pytest.approx(0.02 / 31)


@pytest.mark.parametrize("seed", range(6))
def test_random_markets_never_concentrate_spend(seed: int) -> None:
    """With the default spread the top-decile share never rises and nobody is dropped; with
    widening alone it can rise (the reason for the spread)."""
    rng = np.random.default_rng(100 + seed)
    inst = random_instance(rng, n_campaigns=15, n_creators=60, density=0.35)
    small = rng.random(inst.num_creators) < 0.5
    plain = solve(inst, time_limit_s=5, seed=seed, **PATHS["greedy"])
    fair = solve(
        inst, time_limit_s=5, seed=seed, fair_exposure=FairExposure(small, 0.02), **PATHS["greedy"]
    )
    assert validate(inst, fair) == []
    assert fair.stats["fair_exposure"]["cost"] <= 0.02 + 1e-9
    assert spend_top_share(inst, fair) <= spend_top_share(inst, plain) + 1e-9
    before = figures(inst, plain.selected, small)
    after = figures(inst, fair.selected, small)
    assert after["offered_creators"] >= before["offered_creators"]
