"""README's configuration table is the one generated from the settings class (config/docs.py)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from config import BaseConfig
from config.docs import END, README, START, MarkersMissing, readme_table, settings_table, with_table

ROOT = Path(__file__).resolve().parents[1]


def test_readme_has_the_generated_settings_table():
    text = README.read_text(encoding="utf-8")
    # Missing markers fail here (never a skip): the table must be generated, not hand-kept.
    assert START in text and END in text, f"README.md needs {START} ... {END} around the table"
    assert readme_table(text) == settings_table(), "run: python -m config.docs --write"


def test_the_table_lists_every_setting_with_its_type_default_and_description():
    rows = settings_table().splitlines()[2:]
    assert [row.split(" | ")[0].strip("| `") for row in rows] == list(BaseConfig.model_fields)
    cells = {row.split(" | ")[0].strip("| `"): row.split(" | ") for row in rows}
    assert cells["PLATFORM_FEE_BPS"][1:3] == ["integer in [0, 10000]", "`1000`"]
    assert cells["MATCH_MIN_FIT"][1:3] == ["number in (0, 1]", "`0.25`"]
    assert cells["MATCH_FAIR_EXPOSURE_MAX_COST"][1] == "number in [0, 1)"
    assert cells["MATCH_TOP_K"][1] == "integer ≥ 1 or `none`"
    assert cells["PAYMENTS_PROVIDER"][1] == "`ledger` \\| `stripe`"
    assert cells["HSTS_ENABLED"][2] == "`false` (production: `true`)"
    assert cells["DATABASE_URL"][2] == "unset"
    for name, field in BaseConfig.model_fields.items():
        assert cells[name][3].rstrip(" |") == field.description


def test_write_then_check_round_trips(tmp_path: Path):
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{START}\n| stale |\n{END}\n\nAfter.\n", encoding="utf-8")

    def docs(*args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "config.docs", *args, "--readme", str(readme)]
        return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)

    assert docs("--check").returncode == 1
    assert docs("--write").returncode == 0
    assert docs("--check").returncode == 0
    text = readme.read_text(encoding="utf-8")
    assert text.startswith("# Title\n") and text.endswith(f"{END}\n\nAfter.\n")
    assert readme_table(text) == settings_table()


def test_missing_markers_are_an_error_not_a_skip(tmp_path: Path):
    with pytest.raises(MarkersMissing):
        readme_table("# README without a table\n")
    with pytest.raises(MarkersMissing):
        with_table(f"{END}\n{START}\n", settings_table())
    readme = tmp_path / "README.md"
    readme.write_text("no markers\n", encoding="utf-8")
    check = subprocess.run(
        [sys.executable, "-m", "config.docs", "--check", "--readme", str(readme)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert check.returncode == 1 and START in check.stderr
