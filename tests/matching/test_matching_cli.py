"""``python -m matching solve`` end to end, in a subprocess."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from matching_helpers import campaign, creator, pair

from matching.solver import Instance, validate

INSTANCE = {
    "campaigns": [campaign("c1", 500_000, 5, 0, "skincare"), campaign("c2", 100, 1)],
    "creators": [creator("k1", 120_000, 2), creator("k2", 90_000, 1)],
    "pairs": [pair("k1", "c1", 0.83), pair("k2", "c1", 0.5), pair("k1", "c2", 0.2)],
}


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "matching", *args], capture_output=True, text=True, timeout=120
    )


def test_solve_writes_the_documented_solution(tmp_path: Path) -> None:
    src = tmp_path / "instance.json"
    out = tmp_path / "solution.json"
    src.write_text(json.dumps(INSTANCE))
    proc = run(
        "solve", str(src), "-o", str(out), "--time-limit", "5", "--workers", "1", "--seed", "3"
    )
    assert proc.returncode == 0, proc.stderr
    solution = json.loads(out.read_text())
    assert {"status", "objective", "bound", "gap", "seconds", "assignments"} <= set(solution)
    assert solution["status"] == "optimal"
    assert sorted((a["creator"], a["campaign"]) for a in solution["assignments"]) == [
        ("k1", "c1"),
        ("k2", "c1"),
    ]
    assert solution["objective"] == pytest.approx(1.33, rel=1e-12)  # 0.7 + 0.63, summed
    assert validate(Instance.from_dict(INSTANCE), solution) == []
    assert "optimal" in proc.stderr


def test_solve_prints_json_to_stdout(tmp_path: Path) -> None:
    src = tmp_path / "instance.json"
    src.write_text(json.dumps(INSTANCE))
    proc = run("solve", str(src), "--time-limit", "5")
    assert proc.returncode == 0
    assert json.loads(proc.stdout)["objective"] == pytest.approx(1.33, rel=1e-12)


def test_bad_instance_file_fails_clearly(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"campaigns": [{"id": "c", "budget": -5, "slots": 1}]}))
    proc = run("solve", str(bad))
    assert proc.returncode == 2
    assert "invalid instance" in proc.stderr and "budget" in proc.stderr
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    proc = run("solve", str(broken))
    assert proc.returncode == 2 and "not valid JSON" in proc.stderr
    proc = run("solve", str(tmp_path / "missing.json"))
    assert proc.returncode == 2 and "cannot read" in proc.stderr
