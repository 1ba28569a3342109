"""The resampled measures (``resampling``) are scikit-learn's measures with each row counted as
often as a resample draws it: with every row counted once they equal ``training.metrics_for``."""

from typing import Any

import numpy as np
import pytest

from mlops_desktop.core import resampling, training


def _once(measures: Any, *args: Any) -> dict[str, float]:
    """``measures`` with every row counted once."""
    rows = len(args[1])
    return {name: float(values[0]) for name, values in measures(np.ones((1, rows)), *args).items()}


@pytest.mark.parametrize("classes", [2, 3])
def test_classification_measures_with_every_row_once_are_scikit_learns(classes: int) -> None:
    rng = np.random.default_rng(3)
    truth = rng.integers(0, classes, 300)
    scores = rng.random((300, classes)) + np.eye(classes)[truth] * 0.4
    scores = np.round(scores, 1)  # many ties, which count half
    probabilities = scores / scores.sum(axis=1, keepdims=True)
    predicted = np.where(rng.random(300) < 0.7, truth, rng.integers(0, classes, 300))
    names = np.asarray([f"c{i}" for i in range(classes)], dtype=object)
    expected = training.metrics_for(
        "classification", names[truth], names[predicted], probabilities, names
    )
    ours = _once(resampling._classification, truth, predicted, probabilities, classes)
    assert set(ours) == {"accuracy", "f1", "roc_auc"}
    for name, value in ours.items():
        assert value == pytest.approx(expected[name], abs=1e-12)


def test_regression_measures_with_every_row_once_are_scikit_learns() -> None:
    rng = np.random.default_rng(4)
    truth = rng.normal(10.0, 3.0, 250)
    predicted = truth + rng.normal(0.0, 1.0, 250)
    expected = training.metrics_for("regression", truth, predicted, None, None)
    ours = _once(resampling._regression, truth, predicted)
    assert ours == pytest.approx(expected, abs=1e-9)


def test_resamples_are_seeded_and_draw_the_size_asked() -> None:
    truth = np.arange(50, dtype="float64")
    first = resampling.resampled("regression", truth, truth + 1.0, None, 0, 80, 30, seed=5)
    again = resampling.resampled("regression", truth, truth + 1.0, None, 0, 80, 30, seed=5)
    other = resampling.resampled("regression", truth, truth + 1.0, None, 0, 80, 30, seed=6)
    assert np.array_equal(first["r2"], again["r2"]) and not np.array_equal(first["r2"], other["r2"])
    assert first["mae"] == pytest.approx(np.ones(30))  # every row is off by one
    counts = next(resampling._counts(50, 80, 30, seed=5))
    assert counts.shape == (30, 50) and set(counts.sum(axis=1)) == {80.0}
