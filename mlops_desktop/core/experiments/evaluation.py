"""What a run's charts need, summarised from its held-out predictions when it is trained.

Stored with the run (a few kilobytes however large the data), so the run page draws at once and
never needs the data or the model again: confusion matrix, ROC and precision-recall curves and class
balance for classification; predicted-vs-actual and residuals for regression; and for every
algorithm the importance of each input column: the model's own measure where it has one (how much
a forest's or tree's splits rely on the column, or the size of a linear model's weights on
standardised inputs), which costs nothing; otherwise the permutation importance (how much the score
drops when that column's values are shuffled), which needs dozens of extra predictions.
"""

from typing import Any

import numpy as np
import pandas as pd
from sklearn.inspection import permutation_importance
from sklearn.metrics import confusion_matrix, precision_recall_curve, roc_curve
from sklearn.pipeline import Pipeline

CURVE_POINTS = 200
SCATTER_POINTS = 1000
IMPORTANCE_ROWS = 1000
IMPORTANCE_REPEATS = 3


def _thin(*arrays: np.ndarray[Any, Any]) -> list[list[float]]:
    """At most CURVE_POINTS evenly spaced points of each array (ends kept)."""
    n = len(arrays[0])
    keep = np.unique(np.linspace(0, n - 1, min(n, CURVE_POINTS)).astype(int))
    return [[float(v) for v in array[keep]] for array in arrays]


def _own_importance(pipeline: Pipeline) -> dict[str, float] | None:
    """The model's own importance per input column (encoded columns added back together), or
    None when the model has no such measure."""
    model = pipeline.named_steps["model"]
    if hasattr(model, "feature_importances_"):
        weights = np.asarray(model.feature_importances_, dtype=float)
    elif hasattr(model, "coef_"):
        weights = np.abs(np.atleast_2d(np.asarray(model.coef_, dtype=float))).mean(axis=0)
    else:
        return None
    columns: list[str] = []  # the input column behind each encoded column, in output order
    for name, transformer, inputs in pipeline.named_steps["prepare"].transformers_:
        if name == "labels":
            encoder = transformer.named_steps["encode"]
            for column, categories in zip(inputs, encoder.categories_, strict=True):
                columns += [column] * len(categories)
        elif name != "remainder":
            columns += list(inputs)
    if len(columns) != len(weights):
        return None
    importance: dict[str, float] = {}
    for column, weight in zip(columns, weights, strict=True):
        importance[column] = importance.get(column, 0.0) + float(weight)
    return importance


def _importance(
    pipeline: Pipeline, X: pd.DataFrame, y: pd.Series, task: str, seed: int
) -> tuple[str, dict[str, float]]:
    """How much the model relies on each input column, and how that was measured."""
    own = _own_importance(pipeline)
    if own is not None:
        return "model", own
    if len(X) > IMPORTANCE_ROWS:
        X = X.sample(IMPORTANCE_ROWS, random_state=seed)
        y = y.loc[X.index]
    scoring = "accuracy" if task == "classification" else "r2"
    result = permutation_importance(
        pipeline, X, y, scoring=scoring, n_repeats=IMPORTANCE_REPEATS, random_state=seed
    )
    return "permutation", {
        name: float(value) for name, value in zip(X.columns, result.importances_mean, strict=True)
    }


def summarize(
    pipeline: Pipeline,
    task: str,
    X: pd.DataFrame,
    y: pd.Series,
    seed: int,
    predicted: np.ndarray[Any, Any],
    proba: np.ndarray[Any, Any] | None,
) -> dict[str, Any]:
    """The chart data of held-out rows ``X``/``y``, given the pipeline's predictions for them
    (and class probabilities for a classification)."""
    method, importance = _importance(pipeline, X, y, task, seed)
    summary: dict[str, Any] = {"importance": importance, "importance_method": method}
    if task == "regression":
        actual = np.asarray(y, dtype=float)
        chosen = np.random.default_rng(seed).permutation(len(actual))[:SCATTER_POINTS]
        residuals = actual - predicted
        counts, edges = np.histogram(residuals, bins=30)
        summary.update(
            actual=[float(v) for v in actual[chosen]],
            predicted=[float(v) for v in predicted[chosen]],
            residual_histogram={"counts": counts.tolist(), "edges": edges.tolist()},
        )
        return summary
    classes = [str(c) for c in pipeline.classes_]
    labels = list(pipeline.classes_)
    assert proba is not None
    truth = np.asarray(y)
    curves = []
    shown = labels[1:] if len(labels) == 2 else labels  # binary: the positive class only
    for label in shown:
        column = labels.index(label)
        positive = truth == label
        if positive.all() or not positive.any():
            continue
        fpr, tpr, _ = roc_curve(positive, proba[:, column])
        precision, recall, _ = precision_recall_curve(positive, proba[:, column])
        curves.append({"class": str(label), "roc": _thin(fpr, tpr), "pr": _thin(recall, precision)})
    summary.update(
        classes=classes,
        confusion=confusion_matrix(truth, predicted, labels=labels).tolist(),
        curves=curves,
        balance={str(label): int((truth == label).sum()) for label in labels},
    )
    return summary
