"""Matplotlib figures built from stored summaries (never pyplot); the ui only hosts them."""

from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from typing import Any

import numpy as np
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure
from matplotlib.ticker import MaxNLocator

from mlops_desktop.core.vocabulary import LOWER_IS_BETTER, measure_title

ACCENT = "#3b6ea8"
FIGURE_SIZE = (5.0, 3.2)


def _figure() -> Figure:
    figure = Figure(figsize=FIGURE_SIZE, dpi=100, layout="constrained")
    return figure


def column_figure(entry: dict[str, Any]) -> Figure:
    """A histogram for numbers and dates, a bar chart of the top values otherwise."""
    figure = _figure()
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    title = f"{entry['name']} ({entry['type']})"
    histogram = entry.get("histogram")
    top = entry.get("top")
    if histogram:
        edges = np.asarray(histogram["edges"], dtype=float)
        counts = np.asarray(histogram["counts"], dtype=float)
        if histogram.get("epoch"):
            edges = date2num([datetime.fromtimestamp(e, UTC) for e in edges])
            locator = AutoDateLocator()
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(ConciseDateFormatter(locator))
        axes.stairs(counts, edges, fill=True, color=ACCENT, alpha=0.85)
        axes.set_ylabel("rows")
        axes.set_xlabel(entry["name"])
    elif top:
        labels = [item["value"] for item in reversed(top)]
        values = [item["count"] for item in reversed(top)]
        positions = np.arange(len(labels))
        axes.barh(positions, values, color=ACCENT)
        axes.set_yticks(
            positions, [label if len(label) <= 24 else label[:23] + "…" for label in labels]
        )
        axes.set_xlabel("rows")
        if entry.get("unique", 0) > len(top):
            title += f" — top {len(top)} of {entry['unique']:,} values"
    else:
        axes.text(0.5, 0.5, "No values to show: the column is empty.", ha="center", va="center")
        axes.set_axis_off()
    axes.set_title(title, fontsize=10, loc="left")
    return figure


def titled_axes(title: str) -> tuple[Figure, Any]:
    figure = _figure()
    axes = figure.add_subplot()
    axes.spines[["top", "right"]].set_visible(False)
    axes.set_title(title, fontsize=10, loc="left")
    return figure, axes


def confusion_figure(evaluation: dict[str, Any]) -> Figure:
    figure, axes = titled_axes("True class (rows) vs predicted")
    matrix = np.asarray(evaluation["confusion"])
    classes = evaluation["classes"]
    axes.imshow(matrix, cmap="Blues")
    positions = np.arange(len(classes))
    axes.set_xticks(positions, classes, rotation=30, ha="right")
    axes.set_yticks(positions, classes)
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    threshold = matrix.max() / 2 if matrix.size else 0
    for (row, column), count in np.ndenumerate(matrix):
        axes.text(
            column,
            row,
            str(count),
            ha="center",
            va="center",
            color="white" if count > threshold else "black",
        )
    return figure


def confusion_cell(evaluation: dict[str, Any], x: float, y: float) -> tuple[str, str] | None:
    """The cell of ``confusion_figure`` at the point (``x``, ``y``) of its axes' data: (true
    class, predicted class), or None outside the matrix. Cell (row, column) is centred on
    (column, row)."""
    classes = evaluation["classes"]
    row, column = round(y), round(x)
    if 0 <= row < len(classes) and 0 <= column < len(classes):
        return str(classes[row]), str(classes[column])
    return None


def _curve_lines(
    title: str, kind: str, lines: list[tuple[str, list[float], list[float]]]
) -> Figure:
    """ROC (``kind`` "roc") or precision-recall curves, one labelled line each."""
    roc = kind == "roc"
    figure, axes = titled_axes(title)
    for index, (label, x, y) in enumerate(lines):
        axes.plot(x, y, label=label, color=series_colour(index))
    if roc:
        axes.plot([0, 1], [0, 1], linestyle="--", color="grey", label="chance")
    axes.set_xlabel("false positive rate" if roc else "recall")
    axes.set_ylabel("true positive rate" if roc else "precision")
    axes.legend(fontsize=7)
    return figure


def _curves_figure(evaluation: dict[str, Any], kind: str) -> Figure:
    title = "ROC curve (held-out rows)" if kind == "roc" else "Precision vs recall"
    return _curve_lines(
        title, kind, [(curve["class"], *curve[kind]) for curve in evaluation["curves"]]
    )


def roc_figure(evaluation: dict[str, Any]) -> Figure:
    return _curves_figure(evaluation, "roc")


def precision_recall_figure(evaluation: dict[str, Any]) -> Figure:
    return _curves_figure(evaluation, "pr")


def balance_figure(evaluation: dict[str, Any]) -> Figure:
    figure, axes = titled_axes("Class balance in the held-out rows")
    balance = evaluation["balance"]
    axes.bar(list(balance), list(balance.values()), color=ACCENT)
    axes.set_ylabel("rows")
    return figure


def predicted_figure(evaluation: dict[str, Any]) -> Figure:
    figure, axes = titled_axes("Predicted vs actual (held-out)")
    actual, predicted = evaluation["actual"], evaluation["predicted"]
    axes.scatter(actual, predicted, s=8, alpha=0.6, color=ACCENT)
    low, high = min(actual + predicted), max(actual + predicted)
    axes.plot([low, high], [low, high], linestyle="--", color="grey", label="perfect")
    axes.set_xlabel("actual")
    axes.set_ylabel("predicted")
    axes.legend(fontsize=8)
    return figure


def residuals_figure(evaluation: dict[str, Any]) -> Figure:
    figure, axes = titled_axes("Errors: actual − predicted")
    histogram = evaluation["residual_histogram"]
    axes.stairs(histogram["counts"], histogram["edges"], fill=True, color=ACCENT, alpha=0.85)
    axes.set_xlabel("error")
    axes.set_ylabel("rows")
    return figure


IMPORTANCE_TITLES = {
    "permutation": ("Score drop when a column is shuffled", "drop in score"),
    "model": ("How much the model relies on each column (its own measure)", "importance"),
}


def importance_figure(evaluation: dict[str, Any]) -> Figure:
    title, unit = IMPORTANCE_TITLES[evaluation.get("importance_method", "permutation")]
    figure, axes = titled_axes(title)
    ranked = sorted(evaluation["importance"].items(), key=lambda item: item[1])[-15:]
    positions = np.arange(len(ranked))
    axes.barh(positions, [value for _, value in ranked], color=ACCENT)
    axes.set_yticks(positions, [name for name, _ in ranked])
    axes.xaxis.set_major_locator(MaxNLocator(nbins=4))  # long numbers on a narrow chart
    axes.set_xlabel(unit)
    return figure


def run_charts(task: str) -> dict[str, Callable[[dict[str, Any]], Figure]]:
    """The charts a run of this task has, by the name shown to the user."""
    if task == "regression":
        return {
            "Predicted vs actual": predicted_figure,
            "Errors": residuals_figure,
            "Column importance": importance_figure,
        }
    return {
        "Confusion matrix": confusion_figure,
        "ROC curve": roc_figure,
        "Precision–recall": precision_recall_figure,
        "Class balance": balance_figure,
        "Column importance": importance_figure,
    }


COMPARED_METRICS = {
    "classification": ["accuracy", "balanced_accuracy", "f1", "roc_auc"],
    "regression": ["r2", "rmse", "mae"],
}


def metrics_comparison_figure(comparison: dict[str, Any]) -> Figure:
    """One small chart per key metric: a dot per run with its 95 % interval, on the measure's
    whole range (0 to 1 for shares and ROC AUC; from 0 for errors) rather than zoomed to the
    dots, so a gap of 0.004 looks as small as it is beside the intervals."""
    names = COMPARED_METRICS[comparison["task"]]
    labels = comparison["labels"]
    figure = Figure(figsize=(5.0, 1.2 + 0.9 * len(names)), dpi=100, layout="constrained")
    axes_list = figure.subplots(len(names), 1, sharey=True, squeeze=False)[:, 0]
    positions = np.arange(len(labels))
    for axes, name in zip(axes_list, names, strict=True):
        runs = comparison["runs"]
        values = np.array([run["metrics"].get(name, np.nan) for run in runs], dtype=float)
        bounds = np.array(
            [(run.get("intervals") or {}).get(name, [np.nan, np.nan]) for run in runs], dtype=float
        )
        for index, (value, (low, high)) in enumerate(zip(values, bounds, strict=True)):
            colour = series_colour(index)
            if np.isfinite(low) and np.isfinite(high):
                axes.plot([low, high], [index, index], color=colour, linewidth=2, alpha=0.6)
            axes.scatter([value], [index], color=colour, zorder=3)
        axes.set_xlim(*_honest_range(name, np.concatenate([values, bounds.ravel()])))
        axes.grid(axis="y", color="#dddddd")
        axes.set_yticks(positions, labels, fontsize=7)
        axes.invert_yaxis()
        axes.set_title(f"{measure_title(name)} (line: 95 % interval)", fontsize=9, loc="left")
        axes.spines[["top", "right"]].set_visible(False)
        axes.tick_params(axis="x", labelsize=7)
    return figure


def _honest_range(name: str, values: np.ndarray[Any, Any]) -> tuple[float, float]:
    """The x range a measure is drawn on: its whole scale, not the spread of the values."""
    shown = values[np.isfinite(values)]
    if name in LOWER_IS_BETTER:  # errors: from no error to a little past the largest
        return 0.0, float(shown.max()) * 1.1 if len(shown) and shown.max() > 0 else 1.0
    if name == "r2":  # at most 1; below 0 when a model is worse than the mean
        return min(0.0, float(shown.min()) if len(shown) else 0.0) - 0.02, 1.02
    return -0.02, 1.02


def series_colour(index: int) -> str:
    return f"C{index % 10}"


def _overlaid_curves_figure(comparison: dict[str, Any], kind: str, class_name: str) -> Figure:
    title = "ROC curves" if kind == "roc" else "Precision vs recall"
    return _curve_lines(
        f"{title} — class {class_name} (held-out rows)",
        kind,
        [
            (label, *curve[kind])
            for run, label in zip(comparison["runs"], comparison["labels"], strict=True)
            for curve in (run["evaluation"] or {}).get("curves", [])
            if curve["class"] == class_name
        ],
    )


def _overlaid_predictions_figure(comparison: dict[str, Any]) -> Figure:
    figure, axes = titled_axes("Predicted vs actual (held-out)")
    everything: list[float] = []
    for index, (run, label) in enumerate(
        zip(comparison["runs"], comparison["labels"], strict=True)
    ):
        evaluation = run["evaluation"]
        if evaluation:
            actual, predicted = evaluation["actual"], evaluation["predicted"]
            axes.scatter(actual, predicted, s=6, alpha=0.5, color=series_colour(index), label=label)
            everything += actual + predicted
    if everything:
        low, high = min(everything), max(everything)
        axes.plot([low, high], [low, high], linestyle="--", color="grey", label="perfect")
    axes.set_xlabel("actual")
    axes.set_ylabel("predicted")
    axes.legend(fontsize=7)
    return figure


def _overlaid_errors_figure(comparison: dict[str, Any]) -> Figure:
    figure, axes = titled_axes("Errors: actual − predicted")
    for index, (run, label) in enumerate(
        zip(comparison["runs"], comparison["labels"], strict=True)
    ):
        if run["evaluation"]:
            histogram = run["evaluation"]["residual_histogram"]
            axes.stairs(
                histogram["counts"], histogram["edges"], color=series_colour(index), label=label
            )
    axes.set_xlabel("error")
    axes.set_ylabel("rows")
    axes.legend(fontsize=7)
    return figure


def _importance_comparison_figure(comparison: dict[str, Any]) -> Figure:
    # Runs measure importance differently (a model's own measure, or permutation): each run's
    # importances are shown as shares of its total, which compares how the runs rank columns.
    figure, axes = titled_axes("Share of each run's importance per column")
    importances = [
        _shares((run["evaluation"] or {}).get("importance", {})) for run in comparison["runs"]
    ]
    columns = sorted(
        {name for importance in importances for name in importance},
        key=lambda name: max(importance.get(name, 0.0) for importance in importances),
    )[-10:]
    height = 0.8 / len(importances)
    positions = np.arange(len(columns))
    for index, (importance, label) in enumerate(
        zip(importances, comparison["labels"], strict=True)
    ):
        axes.barh(
            positions + index * height,
            [importance.get(name, 0.0) for name in columns],
            height=height,
            color=series_colour(index),
            label=label,
        )
    axes.set_yticks(positions + 0.4 - height / 2, columns)
    axes.set_xlabel("share of the run's importance")
    axes.legend(fontsize=7)
    return figure


def _shares(importance: dict[str, float]) -> dict[str, float]:
    total = sum(abs(value) for value in importance.values())
    return {name: value / total for name, value in importance.items()} if total else importance


def comparison_charts(comparison: dict[str, Any]) -> dict[str, Callable[[], Figure]]:
    """The charts of a comparison (``experiments.compare_runs``), by the name shown to the user."""
    charts: dict[str, Callable[[], Figure]] = {
        "Key metrics": partial(metrics_comparison_figure, comparison)
    }
    if comparison["task"] == "regression":
        charts["Predicted vs actual"] = partial(_overlaid_predictions_figure, comparison)
        charts["Errors"] = partial(_overlaid_errors_figure, comparison)
    else:
        classes = dict.fromkeys(
            curve["class"]
            for run in comparison["runs"]
            for curve in (run["evaluation"] or {}).get("curves", [])
        )
        for class_name in classes:
            suffix = f" — class {class_name}" if len(classes) > 1 else ""
            charts[f"ROC curves{suffix}"] = partial(
                _overlaid_curves_figure, comparison, "roc", class_name
            )
            charts[f"Precision–recall{suffix}"] = partial(
                _overlaid_curves_figure, comparison, "pr", class_name
            )
    charts["Column importance"] = partial(_importance_comparison_figure, comparison)
    return charts
