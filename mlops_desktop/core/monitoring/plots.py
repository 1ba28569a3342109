"""Matplotlib figures of the Monitoring pane, drawn from stored drift reports (never pyplot); the
ui only hosts them, and the HTML report embeds them.

``distribution_figure`` shows one column of one window; ``trend_figures`` the day windows of
``monitoring.history``, oldest first. Every figure says in words, inside its axes, when it has
nothing to show.
"""

import math
import textwrap
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.dates import AutoDateLocator, DayLocator, date2num, num2date
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from mlops_desktop.core.experiments.plots import ACCENT, series_colour, titled_axes
from mlops_desktop.core.monitoring import drift
from mlops_desktop.core.vocabulary import STATUS_COLOURS, STATUS_WORDS

PANE_SIZE = (7.0, 3.2)
REFERENCE_COLOUR = "#9a9a9a"
LEGEND_HEADROOM = 1.3  # the y axis reaches this far above the tallest bar
EMPTY_COLOUR = "#555555"
NOT_COMPARED_COLOUR = "#eeeeee"

# A window's status, and a column's, in colours and in the analyst's words (those of the
# Monitoring pane).
COLUMN_COLOURS = {
    "drift": STATUS_COLOURS["drift"],
    "ok": STATUS_COLOURS["healthy"],
    "warning": STATUS_COLOURS["watch"],
    "not enough data": STATUS_COLOURS["not enough data"],
    "not computable": STATUS_COLOURS["not enough data"],
}
COLUMN_VERDICTS = {
    "drift": "changed (drift)",
    "ok": "no meaningful change",
    "warning": "no meaningful change (few rows, so less sure)",
    "not enough data": "too few rows to judge",
    "not computable": "cannot be compared",
}

NO_DAYS = (
    "No days checked yet. Trends appear once the served model has logged predictions "
    "and its days have been checked."
)
NO_COLUMNS = "No column could be compared on the days checked (too few rows, or no values)."
NO_PREDICTIONS = "No predictions to show for the days checked."
NO_LABELS = (
    "No true outcomes yet. Upload labels (what really happened for each prediction) to see "
    "how well the model does day by day."
)
NO_VALUES = "No values to show: the column is empty in the reference and in this window."
ONE_DAY = "One day checked so far: trends need more days."

PREDICTIONS_ROW = "(the predictions)"  # the heatmap's first row
HEATMAP_ROWS = 15  # columns shown in the heatmap (those that changed most)
HEATMAP_TOP = 3.0  # change ÷ threshold at the top of the colour scale
PREDICTED_CLASSES = 8  # classes shown in the predictions mix; the rest are "other"
LABELLED_NOTES_UP_TO = 10  # days: below this many, each point says how many rows were labelled

# The measure followed over time: (its name in the title, on the axis, higher is better).
MAIN_METRICS = {
    "accuracy": ("Accuracy", "accuracy (share right)", True),
    "rmse": ("Typical error (RMSE)", "RMSE (target's units)", False),
}
TREND_TITLES = {
    "drift_share": "Share of the model's input columns that drifted, per day",
    "columns": "Size of each column's change per day (1 = enough to count; ✕ = drifted)",
    "volume": "Predictions checked per day",
}


def _pane(title: str) -> tuple[Figure, Axes]:
    figure, axes = titled_axes(title)
    figure.set_size_inches(*PANE_SIZE)
    return figure, axes


def _empty(axes: Axes, sentence: str) -> None:
    axes.text(
        0.5,
        0.5,
        textwrap.fill(sentence, 70),
        ha="center",
        va="center",
        color=EMPTY_COLOUR,
        transform=axes.transAxes,
    )
    axes.set_axis_off()


def _short(label: str, width: int = 24) -> str:
    return label if len(label) <= width else label[: width - 1] + "…"


def _legend(axes: Axes, **options: Any) -> None:
    axes.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0), **options)


# --- one column ------------------------------------------------------------------------------


def column_verdict(column: Mapping[str, Any]) -> str:
    """A column's verdict in plain words."""
    status = str(column.get("status", ""))
    return COLUMN_VERDICTS.get(status, status or "not checked")


def distribution_figure(column: dict[str, Any]) -> Figure:
    """Reference against current distribution of one column of a report, from its stored
    histogram: overlaid steps for numbers, side-by-side bars for categories."""
    name = str(column["name"])
    figure, axes = _pane(f"{_short(name, 40)} — {column_verdict(column)}")
    histogram = column.get("histogram") or {}
    labels = [str(label) for label in histogram.get("labels") or []]
    reference = np.asarray(histogram.get("reference") or [], dtype=float)
    current = np.asarray(histogram.get("current") or [], dtype=float)
    if not labels or len(reference) != len(labels) or len(current) != len(labels):
        _empty(axes, NO_VALUES)
        return figure
    edges = _bin_edges(histogram) if column.get("type") == "numeric" else None
    if edges is not None:
        axes.stairs(
            reference,
            edges,
            fill=True,
            color=REFERENCE_COLOUR,
            alpha=0.55,
            label="Reference (training data)",
        )
        axes.stairs(current, edges, fill=True, color=ACCENT, alpha=0.2)
        axes.stairs(current, edges, color=ACCENT, linewidth=2, label="Current window")
        open_ended = labels[0].startswith("below ") or labels[-1].startswith("above ")
        if open_ended:  # the reference's 1st to 99th percentile; outer bars hold the rest
            for edge in histogram["edges"][:: len(histogram["edges"]) - 1]:
                axes.axvline(edge, linestyle=":", linewidth=1, color=EMPTY_COLOUR)
        axes.set_xlabel(
            f"value of {_short(name, 40)}"
            + (" (the outer bars hold every value beyond the dotted lines)" if open_ended else "")
        )
    else:
        new = {str(label) for label in column.get("new_categories") or []}
        positions = np.arange(len(labels))
        axes.bar(
            positions - 0.2,
            reference,
            width=0.4,
            color=REFERENCE_COLOUR,
            label="Reference (training data)",
        )
        axes.bar(positions + 0.2, current, width=0.4, color=ACCENT, label="Current window")
        texts = [_short(label, 20) + (" (new)" if label in new else "") for label in labels]
        crowded = len(labels) > 6 or any(len(text) > 10 for text in texts)
        axes.set_xticks(
            positions, texts, rotation=30 if crowded else 0, ha="right" if crowded else "center"
        )
        axes.set_xlabel(_short(name, 40))
    axes.set_ylabel("share of values")
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    tallest = max([*reference, *current, 0.01])
    axes.set_ylim(0, tallest * LEGEND_HEADROOM)  # room above the bars for the legend
    axes.legend(fontsize=8, ncols=2, loc="upper center")
    return figure


def _bin_edges(histogram: Mapping[str, Any]) -> np.ndarray | None:
    """The numeric histogram's bin edges, its "below" and "above" bins drawn one bin wide
    outside the reference range; None when the bins cannot be placed on a number line."""
    labels = histogram["labels"]
    edges = np.asarray(histogram.get("edges") or [], dtype=float)
    if len(edges) < 2 or not edges[-1] > edges[0] or not np.isfinite(edges).all():
        return None
    below = labels[0].startswith("below ")
    above = labels[-1].startswith("above ")
    if len(labels) - below - above != len(edges) - 1:
        return None
    step = float(edges[1] - edges[0])
    return np.concatenate(
        [[edges[0] - step] if below else [], edges, [edges[-1] + step] if above else []]
    )


# --- trends ----------------------------------------------------------------------------------


def trend_figures(
    history: list[dict[str, Any]], thresholds: Mapping[str, float]
) -> dict[str, Figure]:
    """The trends of the day reports ``history`` (oldest first; reports whose window is not a
    day are left out), judged with ``thresholds`` (``drift.Thresholds.as_dict()``, defaults
    for keys left out): "drift_share", "columns", "predictions", "volume", "performance"."""
    limits = {**drift.DEFAULT_THRESHOLDS.as_dict(), **thresholds}
    days = _days(history)
    return {
        "drift_share": _drift_share_figure(days, float(limits["drift_share"])),
        "columns": _columns_figure(days, limits),
        "predictions": _predictions_figure(days),
        "volume": _volume_figure(days, int(limits["min_rows"])),
        "performance": _performance_figure(days),
    }


def _days(history: list[dict[str, Any]]) -> list[tuple[date, dict[str, Any]]]:
    days = []
    for report in history:
        try:
            day = date.fromisoformat(str(report["window"]["name"]))
        except (KeyError, TypeError, ValueError):
            continue
        days.append((day, report))
    return sorted(days, key=lambda item: item[0])


def _x(day: date) -> float:
    return float(date2num(day))


def _date_axis(axes: Axes, days: Sequence[date]) -> None:
    """Short day labels ("4 Nov"; with the year when the days span more than one)."""
    first, last = min(days), max(days)
    span = (last - first).days + 1
    locator = DayLocator(interval=math.ceil(span / 8)) if span <= 62 else AutoDateLocator()
    years = first.year != last.year

    def label(value: float, _position: int | None = None) -> str:
        moment = num2date(value)
        return f"{moment.day} {moment:%b}" + (f" {moment:%y}" if years else "")

    axes.xaxis.set_major_locator(locator)
    axes.xaxis.set_major_formatter(FuncFormatter(label))
    axes.set_xlim(_x(first) - 0.7, _x(last) + 0.7)
    if len(set(days)) == 1:
        axes.set_xlabel(ONE_DAY, fontsize=7, color=EMPTY_COLOUR)


def _line(days: Sequence[date], values: Sequence[float]) -> tuple[list[float], list[float]]:
    """A line through consecutive days only: a day without a report breaks it (as does a NaN)."""
    x: list[float] = []
    y: list[float] = []
    for index, (day, value) in enumerate(zip(days, values, strict=True)):
        if index and (day - days[index - 1]).days > 1:
            x.append(_x(day) - 0.5)
            y.append(math.nan)
        x.append(_x(day))
        y.append(value)
    return x, y


def _drift_share_figure(days: list[tuple[date, dict[str, Any]]], threshold: float) -> Figure:
    figure, axes = _pane(TREND_TITLES["drift_share"])
    if not days:
        _empty(axes, NO_DAYS)
        return figure
    x = [_x(day) for day, _ in days]
    shares = [float(report.get("drift_share") or 0.0) for _, report in days]
    judged = [
        share if report["status"] != "not enough data" else math.nan
        for share, (_, report) in zip(shares, days, strict=True)
    ]
    axes.plot(*_line([day for day, _ in days], judged), color="#cccccc", linewidth=1, zorder=1)
    axes.axhline(
        threshold,
        linestyle="--",
        linewidth=1,
        color=STATUS_COLOURS["drift"],
        label=f"dataset drift from {threshold:.0%}",
    )
    for status, colour in STATUS_COLOURS.items():
        chosen = [
            (a, b) for a, b, (_, r) in zip(x, shares, days, strict=True) if r["status"] == status
        ]
        if not chosen:
            continue
        was_judged = status != "not enough data"
        axes.scatter(
            [a for a, _ in chosen],
            [b for _, b in chosen],
            s=36,
            zorder=3,
            color=colour if was_judged else "white",
            edgecolors=colour,
            label=f"day: {STATUS_WORDS[status].lower()}" + ("" if was_judged else " (not judged)"),
        )
    axes.set_ylim(-0.04, 1.04)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylabel("columns that drifted")
    _date_axis(axes, [day for day, _ in days])
    _legend(axes)
    return figure


def _columns_figure(days: list[tuple[date, dict[str, Any]]], limits: Mapping[str, float]) -> Figure:
    figure, axes = _pane(TREND_TITLES["columns"])
    if not days:
        _empty(axes, NO_DAYS)
        return figure
    first = days[0][0]
    width = (days[-1][0] - first).days + 1
    ratios: dict[str, np.ndarray] = {}
    drifted: dict[str, np.ndarray] = {}
    for day, report in days:
        entries = list(report.get("columns") or [])
        if report.get("prediction_drift"):
            entries.insert(0, {**report["prediction_drift"], "name": PREDICTIONS_ROW})
        for column in entries:
            name = str(column["name"])
            if name not in ratios:
                ratios[name] = np.full(width, np.nan)
                drifted[name] = np.zeros(width, dtype=bool)
            effect = column.get("effect")
            numeric = column.get("type") == "numeric"
            threshold = float(limits["numeric_effect" if numeric else "categorical_effect"])
            if effect is not None and threshold > 0:
                ratios[name][(day - first).days] = float(effect) / threshold
            drifted[name][(day - first).days] = column.get("status") == "drift"
    compared = {name: row for name, row in ratios.items() if np.isfinite(row).any()}
    if not compared:
        _empty(axes, NO_COLUMNS)
        return figure
    names = list(compared)
    if len(names) > HEATMAP_ROWS:
        inputs = [name for name in names if name != PREDICTIONS_ROW]
        inputs.sort(key=lambda name: -float(np.nanmax(compared[name])))
        kept = set(inputs[: HEATMAP_ROWS - (len(inputs) < len(names))])
        names = [name for name in names if name in kept or name == PREDICTIONS_ROW]
        axes.set_ylabel(f"the {len(names)} that changed most, of {len(compared)}", fontsize=8)
    grid = np.array([compared[name] for name in names])
    start, end = _x(first) - 0.5, _x(first) + width - 0.5
    image = axes.imshow(
        np.ma.masked_invalid(grid),
        aspect="auto",
        interpolation="nearest",
        cmap=matplotlib.colormaps["RdYlBu_r"].with_extremes(bad=NOT_COMPARED_COLOUR),
        norm=TwoSlopeNorm(vmin=0.0, vcenter=1.0, vmax=HEATMAP_TOP),
        extent=(start, end, len(names) - 0.5, -0.5),
    )
    rows, offsets = np.nonzero(np.array([drifted[name] for name in names]))
    if len(rows):
        axes.scatter(offsets + _x(first), rows, marker="x", color="black", s=28, linewidths=1.5)
    if names[0] == PREDICTIONS_ROW and len(names) > 1:
        axes.axhline(0.5, color="white", linewidth=3)
    axes.set_yticks(np.arange(len(names)), [_short(name, 20) for name in names], fontsize=8)
    axes.spines[["left", "bottom"]].set_visible(False)
    colour_bar = figure.colorbar(image, ax=axes, extend="max", pad=0.02, fraction=0.05)
    colour_bar.set_label("change ÷ threshold", fontsize=8)
    colour_bar.ax.tick_params(labelsize=7)
    _date_axis(axes, [day for day, _ in days])
    axes.set_xlim(start, end)
    figure.legend(
        handles=[
            Line2D([], [], marker="x", color="black", linestyle="", label="drifted"),
            Patch(facecolor=NOT_COMPARED_COLOUR, edgecolor="#cccccc", label="not compared"),
        ],
        fontsize=7,
        loc="outside lower left",
        ncols=2,
        frameon=False,
    )
    return figure


def _predictions_figure(days: list[tuple[date, dict[str, Any]]]) -> Figure:
    predicted = [
        (day, report["prediction_drift"])
        for day, report in days
        if (report.get("prediction_drift") or {}).get("histogram", {}).get("labels")
    ]
    numeric = bool(predicted) and predicted[-1][1].get("type") == "numeric"
    if numeric:
        return _predicted_values_figure(days, predicted)
    figure, axes = _pane(
        "Mix of predicted classes per day (dashed lines: the mix on the training data)"
    )
    if not predicted:
        _empty(axes, NO_DAYS if not days else NO_PREDICTIONS)
        return figure
    totals: dict[str, float] = {}
    for _, column in predicted:
        for label, share in zip(
            column["histogram"]["labels"], column["histogram"]["current"], strict=True
        ):
            totals[str(label)] = totals.get(str(label), 0.0) + float(share)
    classes = sorted(totals, key=lambda label: -totals[label])
    shown = classes[:PREDICTED_CLASSES] if len(classes) > PREDICTED_CLASSES + 1 else classes
    x = np.array([_x(day) for day, _ in predicted])
    bottom = np.zeros(len(predicted))
    reference = predicted[-1][1]["histogram"]
    expected = dict(zip(map(str, reference["labels"]), reference["reference"], strict=True))
    level = 0.0
    for index, label in enumerate([*shown, None] if len(shown) < len(classes) else shown):
        shares = np.array([_class_share(column, label, shown) for _, column in predicted])
        colour = series_colour(index) if label is not None else REFERENCE_COLOUR
        text = _short(label, 20) if label is not None else "other classes"
        axes.bar(x, shares, width=0.7, bottom=bottom, color=colour, label=text)
        bottom += shares
        level += (
            float(expected.get(label, 0.0))
            if label is not None
            else sum(float(v) for k, v in expected.items() if k not in shown)
        )
        if level < 0.999:
            axes.axhline(level, linestyle="--", linewidth=1, color="black", alpha=0.6)
    axes.set_ylim(0, 1)
    axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylabel("share of predictions")
    _date_axis(axes, [day for day, _ in days])
    handles, texts = axes.get_legend_handles_labels()
    # Listed top to bottom as the bars are stacked.
    _legend(axes, handles=handles[::-1], labels=texts[::-1], title="predicted", title_fontsize=7)
    return figure


def _class_share(column: Mapping[str, Any], label: str | None, shown: Sequence[str]) -> float:
    histogram = column["histogram"]
    pairs = zip(map(str, histogram["labels"]), histogram["current"], strict=True)
    if label is None:
        return sum(float(share) for name, share in pairs if name not in shown)
    return sum(float(share) for name, share in pairs if name == label)


def _predicted_values_figure(
    days: list[tuple[date, dict[str, Any]]], predicted: list[tuple[date, dict[str, Any]]]
) -> Figure:
    # A median line with the middle half of each day as a bar reads at a glance; a per-day
    # histogram heatmap would show more but asks the reader to decode colours.
    figure, axes = _pane(
        "Predicted value per day: the median and the middle half of the predictions"
    )
    points = [
        (day, quartiles)
        for day, column in predicted
        if (quartiles := _quartiles(column["histogram"], "current")) is not None
    ]
    if not points:
        _empty(axes, NO_PREDICTIONS)
        return figure
    x = np.array([_x(day) for day, _ in points])
    low, middle, high = (np.array([q[i] for _, q in points]) for i in range(3))
    reference = _quartiles(predicted[-1][1]["histogram"], "reference")
    if reference is not None:
        axes.axhspan(
            reference[0],
            reference[2],
            color=REFERENCE_COLOUR,
            alpha=0.2,
            linewidth=0,
            label="middle half, training data",
        )
        axes.axhline(
            reference[1],
            linestyle="--",
            color="black",
            alpha=0.6,
            linewidth=1,
            label="median, training data",
        )
    axes.bar(
        x, high - low, bottom=low, width=0.5, color=ACCENT, alpha=0.3, label="middle half, each day"
    )
    axes.plot(*_line([day for day, _ in points], list(middle)), color=ACCENT)
    axes.scatter(x, middle, color=ACCENT, s=30, zorder=3, label="median, each day")
    axes.set_ylabel("predicted value")
    _date_axis(axes, [day for day, _ in days])
    _legend(axes)
    return figure


def _quartiles(histogram: Mapping[str, Any], which: str) -> tuple[float, float, float] | None:
    """The 25th, 50th and 75th percentiles estimated from a numeric histogram's shares (values
    below or above the reference range count as its ends)."""
    edges = _bin_edges(histogram)
    shares = np.asarray(histogram.get(which) or [], dtype=float)
    if edges is None or len(shares) != len(edges) - 1 or not shares.sum() > 0:
        return None
    labels = histogram["labels"]
    low, high = edges.copy(), edges.copy()
    lefts, rights = low[:-1], high[1:]
    if labels[0].startswith("below "):
        lefts[0] = rights[0] = edges[1]
    if labels[-1].startswith("above "):
        lefts[-1] = rights[-1] = edges[-2]
    cumulative = np.concatenate([[0.0], np.cumsum(shares / shares.sum())])
    result = []
    for quantile in (0.25, 0.5, 0.75):
        index = min(int(np.searchsorted(cumulative, quantile, side="left")), len(shares)) - 1
        index = max(index, 0)
        inside = (quantile - cumulative[index]) / shares[index] if shares[index] else 0.0
        result.append(
            float(lefts[index] + min(max(inside, 0.0), 1.0) * (rights[index] - lefts[index]))
        )
    return result[0], result[1], result[2]


def _volume_figure(days: list[tuple[date, dict[str, Any]]], min_rows: int) -> Figure:
    figure, axes = _pane(TREND_TITLES["volume"])
    if not days:
        _empty(axes, NO_DAYS)
        return figure
    x = [_x(day) for day, _ in days]
    rows = [int(report.get("n_current") or 0) for _, report in days]
    axes.bar(x, rows, width=0.7, color=ACCENT, label="predictions that day")
    axes.axhline(
        min_rows,
        linestyle="--",
        linewidth=1,
        color=STATUS_COLOURS["not enough data"],
        label=f"below {min_rows:,}: too few to judge",
    )
    axes.set_ylabel("predictions")
    axes.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:,.0f}"))
    _date_axis(axes, [day for day, _ in days])
    _legend(axes)
    return figure


def _performance_figure(days: list[tuple[date, dict[str, Any]]]) -> Figure:
    labelled = [(day, report["performance"]) for day, report in days if report.get("performance")]
    metric = next(
        (name for name in MAIN_METRICS for _, p in labelled if name in p.get("metrics", {})), None
    )
    if metric is None:
        figure, axes = _pane("Performance on the days with known outcomes")
        _empty(axes, NO_DAYS if not days else NO_LABELS)
        return figure
    title, axis_label, higher_is_better = MAIN_METRICS[metric]
    figure, axes = _pane(
        f"{title} on the days with known outcomes "
        f"({'higher' if higher_is_better else 'lower'} is better)"
    )
    points = [(day, p) for day, p in labelled if metric in p["metrics"]]
    x = np.array([_x(day) for day, _ in points])
    values = np.array([float(p["metrics"][metric]) for _, p in points])
    bands = [
        (x_, p["band"][metric])
        for x_, (_, p) in zip(x, points, strict=True)
        if metric in p.get("band", {})
    ]
    if bands:
        axes.bar(
            [b[0] for b in bands],
            [b[1][1] - b[1][0] for b in bands],
            bottom=[b[1][0] for b in bands],
            width=0.6,
            color=ACCENT,
            alpha=0.22,
            label="normal range (±3σ) for that many labels",
        )
    reference = next(
        (
            float(p["reference"][metric])
            for _, p in reversed(points)
            if metric in p.get("reference", {})
        ),
        None,
    )
    if reference is not None:
        axes.axhline(
            reference,
            linestyle="--",
            linewidth=1,
            color="black",
            alpha=0.6,
            label="on the held-out training rows",
        )
    axes.plot(x, values, color=ACCENT, linewidth=1, zorder=2)
    worse = np.array([metric in p.get("worse", []) for _, p in points])
    for mask, colour, text in (
        (~worse, ACCENT, "this day"),
        (worse, STATUS_COLOURS["drift"], "this day: worse than normal"),
    ):
        if mask.any():
            axes.scatter(x[mask], values[mask], color=colour, s=36, zorder=3, label=text)
    if len(points) <= LABELLED_NOTES_UP_TO:
        for x_, value, (_, p) in zip(x, values, points, strict=True):
            axes.annotate(
                f"{int(p['labelled']):,} labelled",
                (x_, value),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                fontsize=7,
                color=EMPTY_COLOUR,
            )
    if metric == "accuracy":
        axes.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    axes.set_ylabel(axis_label)
    axes.margins(y=0.15)
    _date_axis(axes, [day for day, _ in days])
    _legend(axes)
    return figure
