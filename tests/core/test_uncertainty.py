"""Intervals and paired verdicts (issue 15): the vectorised bootstrap gives scikit-learn's own
metrics on the same redraws, and the verdicts tell real differences from noise."""

import warnings
from typing import Any

import numpy as np
import pytest
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)

from mlops_desktop.core.experiments import uncertainty
from mlops_desktop.core.experiments.uncertainty import HeldOut


def _classified(rng: np.random.Generator, rows: int, classes: list[str]) -> HeldOut:
    truth = np.array(classes, dtype=object)[rng.integers(0, len(classes), rows)]
    raw = rng.random((rows, len(classes))) + 2 * (
        truth[:, None] == np.array(classes, dtype=object)[None, :]
    )
    proba = raw / raw.sum(axis=1, keepdims=True)
    predicted = np.array(classes, dtype=object)[proba.argmax(axis=1)]
    flip = rng.random(rows) < 0.2
    predicted[flip] = np.array(classes, dtype=object)[rng.integers(0, len(classes), flip.sum())]
    return HeldOut("classification", truth, predicted, proba, np.array(classes, dtype=object))


def _reference(held: HeldOut, indices: np.ndarray[Any, Any]) -> dict[str, float]:
    """scikit-learn's metrics on one redraw, as training.metrics_for computes them."""
    y, p = held.truth[indices], held.predicted[indices]
    if held.task == "regression":
        return {
            "r2": r2_score(y, p),
            "rmse": root_mean_squared_error(y, p),
            "mae": mean_absolute_error(y, p),
        }
    assert held.classes is not None and held.proba is not None
    classes = list(held.classes)
    binary = len(classes) == 2
    extra: dict[str, Any] = (
        {"average": "binary", "pos_label": classes[1]} if binary else {"average": "macro"}
    )
    proba = held.proba[indices]
    result = {
        "accuracy": accuracy_score(y, p),
        "balanced_accuracy": balanced_accuracy_score(y, p),
        "precision": precision_score(y, p, zero_division=0, **extra),
        "recall": recall_score(y, p, zero_division=0, **extra),
        "f1": f1_score(y, p, zero_division=0, **extra),
        "log_loss": log_loss(y, proba, labels=classes),
    }
    if binary:
        result["roc_auc"] = roc_auc_score(y, proba[:, 1])
    elif len(set(y)) == len(classes):
        result["roc_auc"] = roc_auc_score(y, proba, multi_class="ovr", labels=classes)
    return result


@pytest.mark.parametrize("decimals", [None, 1], ids=["distinct", "tied scores"])
@pytest.mark.parametrize("classes", [["bad", "good"], ["a", "b", "c"]])
def test_each_redraw_scores_as_scikit_learn_does(classes: list[str], decimals: int | None) -> None:
    rng = np.random.default_rng(1)
    held = _classified(rng, 300, classes)
    if decimals is not None:  # many equal scores, which ROC AUC counts half
        assert held.proba is not None
        rounded = np.round(held.proba, decimals) + 0.01  # no zero row
        rounded = rounded / rounded.sum(axis=1, keepdims=True)  # still probabilities
        held = HeldOut(held.task, held.truth, held.predicted, rounded, held.classes)
    counts = next(uncertainty.redraws(300, 20, seed=5))
    drawn = np.random.default_rng(5).integers(0, 300, (20, 300))  # the same redraws, by index
    mine = uncertainty.scores(held, counts)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # a class absent from a redraw: scikit-learn warns
        for b in range(20):
            for name, value in _reference(held, drawn[b]).items():
                np.testing.assert_allclose(mine[name][b], value, rtol=1e-10, err_msg=name)


def test_regression_redraws_score_as_scikit_learn_does() -> None:
    rng = np.random.default_rng(2)
    truth = rng.normal(10, 3, 200)
    held = HeldOut("regression", truth, truth + rng.normal(0, 1, 200))
    counts = next(uncertainty.redraws(200, 10, seed=3))
    drawn = np.random.default_rng(3).integers(0, 200, (10, 200))
    mine = uncertainty.scores(held, counts)
    for b in range(10):
        for name, value in _reference(held, drawn[b]).items():
            np.testing.assert_allclose(mine[name][b], value, rtol=1e-10, err_msg=name)


def test_intervals_equal_a_reference_bootstrap_at_a_fixed_seed() -> None:
    """The 2.5th and 97.5th percentiles of scikit-learn's scores over the same 300 redraws."""
    rng = np.random.default_rng(4)
    held = _classified(rng, 250, ["no", "yes"])
    intervals = uncertainty.intervals(held, seed=42, samples=300)
    generator = np.random.default_rng(42)
    drawn = generator.integers(0, 250, (300, 250))
    reference = [_reference(held, row) for row in drawn]
    for name in ("accuracy", "f1", "roc_auc", "log_loss"):
        values = [r[name] for r in reference]
        expected = np.percentile(values, [2.5, 97.5])
        np.testing.assert_allclose(intervals[name], expected, rtol=1e-10, err_msg=name)
        full = _reference(held, np.arange(250))[name]
        assert intervals[name][0] <= full <= intervals[name][1]


def test_runs_differing_on_a_handful_of_rows_are_not_distinguishable() -> None:
    """Six rows predicted otherwise, as two real models differ: four the first gets right and
    the second wrong, two the other way round."""
    rng = np.random.default_rng(6)
    first = _classified(rng, 2000, ["bad", "good"])
    right = np.flatnonzero(first.predicted == first.truth)[:4]
    wrong = np.flatnonzero(first.predicted != first.truth)[:2]
    changed = first.predicted.copy()
    for row in [*right, *wrong]:
        changed[row] = "good" if changed[row] == "bad" else "bad"
    second = HeldOut("classification", first.truth, changed, first.proba, first.classes)
    result = uncertainty.compare(first, second, "accuracy", seed=1)
    assert result["verdict"] == "not distinguishable"
    assert result["difference"] == pytest.approx(2 / 2000)
    assert result["interval"][0] < 0 < result["interval"][1]


def test_a_clearly_better_run_is_better_and_its_rival_worse() -> None:
    rng = np.random.default_rng(7)
    good = _classified(rng, 1000, ["bad", "good"])
    noisy = good.predicted.copy()
    flip = rng.random(1000) < 0.15
    noisy[flip] = np.where(noisy[flip] == "good", "bad", "good")
    worse = HeldOut("classification", good.truth, noisy, good.proba, good.classes)
    assert uncertainty.compare(good, worse, "accuracy", seed=1)["verdict"] == "better"
    assert uncertainty.compare(worse, good, "accuracy", seed=1)["verdict"] == "worse"
    # an error measure: lower is better
    truth = rng.normal(0, 1, 500)
    close = HeldOut("regression", truth, truth + rng.normal(0, 0.2, 500))
    far = HeldOut("regression", truth, truth + rng.normal(0, 1.0, 500))
    assert uncertainty.compare(close, far, "rmse", seed=1)["verdict"] == "better"


def test_redraws_are_seeded_and_draw_the_size_asked() -> None:
    """Monitoring's band draws samples of a window's size from the reference's labelled rows."""
    truth = np.arange(50, dtype="float64")
    held = HeldOut("regression", truth, truth + 1.0)
    first = uncertainty.resampled(held, 30, seed=5, size=80)
    again = uncertainty.resampled(held, 30, seed=5, size=80)
    other = uncertainty.resampled(held, 30, seed=6, size=80)
    assert np.array_equal(first["r2"], again["r2"]) and not np.array_equal(first["r2"], other["r2"])
    assert first["mae"] == pytest.approx(np.ones(30))  # every row is off by one
    counts = next(uncertainty.redraws(50, 30, seed=5, size=80))
    assert counts.shape == (30, 50) and set(counts.sum(axis=1)) == {80.0}


def test_a_class_the_model_never_knew_counts_as_wrong() -> None:
    """Labels from production may hold a class the model was never trained on."""
    classes = np.array(["no", "yes"], dtype=object)
    truth = np.array(["no", "yes", "maybe", "yes"], dtype=object)
    predicted = np.array(["no", "yes", "yes", "no"], dtype=object)
    proba = np.array([[0.9, 0.1], [0.2, 0.8], [0.3, 0.7], [0.6, 0.4]])
    held = HeldOut("classification", truth, predicted, proba, classes)
    once = uncertainty.scores(held, np.ones((1, 4)))
    assert once["accuracy"][0] == 0.5
    assert "log_loss" not in once
