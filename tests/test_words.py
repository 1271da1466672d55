"""Words a brand manager uses: weeks as dates, fits as labels (pure helpers)."""

from datetime import date

import pytest

from core.fit_words import fit_label, fit_phrase, parts_phrase
from core.weeks import week_of, week_start


def test_weeks_read_as_their_monday():
    today = date(2026, 12, 1)
    assert week_start("2026-W50") == date(2026, 12, 7)
    assert week_of("2026-W50", today) == "week of 7 Dec"
    assert week_of("2026-W01", today) == "week of 29 Dec 2025"  # ISO week 1 starts in 2025
    assert week_of("2025-W40", today) == "week of 29 Sep 2025"
    assert week_of("not a week", today) == "not a week" and week_start("2026-W60") is None


@pytest.mark.parametrize(
    ("fit", "label"),
    [(0.9, "strong"), (0.65, "strong"), (0.64, "good"), (0.4, "good"), (0.39, "weak"), (0, "weak")],
)
def test_fit_labels_and_their_thresholds(fit, label):
    assert fit_label(fit) == label


def test_fit_phrases():
    assert fit_label(None) == "unknown"
    assert fit_phrase(0.47) == "good (47 % of their engaged audience is your target)"
    assert parts_phrase({"interests": 0.8, "city_tiers": 0.95}, {"city_tiers": "city tiers"}) == (
        "interests 80 %, city tiers 95 % match"
    )
