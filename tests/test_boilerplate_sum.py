"""The boilerplate model's float sums are plain left-to-right sums on every Python version.

Python 3.12 made ``sum`` of floats compensated (Neumaier), which changes the last bits of a
score; a line whose score sits at the threshold would then be kept on one Python and dropped
on another. The model's features and its scorer add with ``ordered_sum`` instead.
"""

from __future__ import annotations

import random
from pathlib import Path

from cleaner.engine.linemodel import ordered_sum

ENGINE = Path(__file__).resolve().parents[1] / "cleaner" / "engine"


def _left_to_right(values: list[float]) -> float:
    total = 0.0
    for v in values:
        total += v
    return total


def test_ordered_sum_does_not_compensate() -> None:
    # Compensated summation gives 1.0 here; one rounding per addition gives 0.0.
    assert ordered_sum([1e16, 1.0, -1e16]) == 0.0
    assert ordered_sum([]) == 0.0


def test_ordered_sum_equals_a_left_to_right_loop() -> None:
    rng = random.Random(7)
    for _ in range(500):
        values = [rng.uniform(-1, 1) * 10 ** rng.randint(-8, 8) for _ in range(rng.randint(1, 9))]
        assert ordered_sum(values) == _left_to_right(values)
        assert ordered_sum(iter(values)) == _left_to_right(values)


def test_scoring_modules_add_floats_with_ordered_sum() -> None:
    # Each place where the model adds floats (own-feature dot products, window means).
    scorer = (ENGINE / "linescore.py").read_text(encoding="utf-8")
    training = (ENGINE / "linemodel.py").read_text(encoding="utf-8")
    assert "ordered_sum(map(float.__mul__, self.own_weights" in scorer
    assert "ordered_sum(window) / len(window)" in scorer
    assert "ordered_sum(window) / len(window)" in training
    assert " sum(window)" not in scorer + training
