"""Matplotlib figures built from stored summaries (never pyplot); the ui only hosts them."""

from datetime import UTC, datetime
from typing import Any

import numpy as np
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter, date2num
from matplotlib.figure import Figure

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
