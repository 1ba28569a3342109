"""What a run's charts need, summarised from its held-out predictions when it is trained.

Stored with the run (a few kilobytes however large the data), so the run page draws at once and
never needs the data or the model again: confusion matrix, ROC and precision-recall curves and class
balance for classification; predicted-vs-actual and residuals for regression; and for every
algorithm the permutation importance of each input column (how much the score drops when that
column's values are shuffled), which works the same for every model.
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


def _importance(
    pipeline: Pipeline, X: pd.DataFrame, y: pd.Series, task: str, seed: int
) -> dict[str, float]:
    if len(X) > IMPORTANCE_ROWS:
        X = X.sample(IMPORTANCE_ROWS, random_state=seed)
        y = y.loc[X.index]
    scoring = "accuracy" if task == "classification" else "r2"
    result = permutation_importance(
        pipeline, X, y, scoring=scoring, n_repeats=IMPORTANCE_REPEATS, random_state=seed
    )
    return {
        name: float(value) for name, value in zip(X.columns, result.importances_mean, strict=True)
    }


def summarize(
    pipeline: Pipeline, task: str, X: pd.DataFrame, y: pd.Series, seed: int
) -> dict[str, Any]:
    summary: dict[str, Any] = {"importance": _importance(pipeline, X, y, task, seed)}
    predicted = pipeline.predict(X)
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
    proba = pipeline.predict_proba(X)
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
