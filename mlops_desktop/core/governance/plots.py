"""The lineage graph as a matplotlib Figure (never pyplot): boxes in layers left to right, arrows
between them, one colour per kind of node with a legend. Each box is pickable and carries its
node's id (``gid``), so the ui can open what a clicked box stands for."""

import textwrap

from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch, FancyBboxPatch, Patch

from mlops_desktop.core.governance import lineage
from mlops_desktop.core.governance.lineage_layout import Layout

BOX_WIDTH, BOX_HEIGHT = 0.84, 0.78  # of a layer's width and a row's height
LAYER_INCHES, ROW_INCHES = 2.3, 0.95
HEADER_INCHES = 0.42  # above the graph: the title's line
LEGEND_ROW_INCHES = 0.26  # and each line of the legend under it
LEGEND_ENTRY_INCHES = 1.6
LINE_CHARACTERS = 30
MAX_LINES = 4
KIND_STYLES = {  # fill colour and the legend's words
    lineage.SOURCE: ("#eeeeee", "source file"),
    lineage.DATASET: ("#d7e8f7", "dataset version"),
    lineage.STEP: ("#e8f0fb", "recipe step"),
    lineage.RUN: ("#e3f1e0", "training run"),
    lineage.MODEL: ("#fdebc8", "model version"),
    lineage.STAGE: ("#f6e3f2", "stage change"),
    lineage.DEPLOYMENT: ("#e0f2f1", "serving session"),
    lineage.WINDOW: ("#fbe3e1", "monitoring window"),
    lineage.CHALLENGER: ("#eae4f7", "retrained challenger"),
}
SUBJECT_EDGE = "#b06000"


def _wrapped(label: str) -> str:
    lines = [
        part for line in label.split("\n") for part in textwrap.wrap(line, LINE_CHARACTERS) or [""]
    ]
    if len(lines) > MAX_LINES:
        lines = [*lines[: MAX_LINES - 1], lines[MAX_LINES - 1][: LINE_CHARACTERS - 1] + "…"]
    return "\n".join(lines)


def lineage_title(ref: str) -> str:
    """The lineage chart's title, the same in the app and in the report."""
    name, _, number = ref.rpartition("@")
    return (
        f"Lineage of {name} version {number}: where it came from (left) and what happened to it "
        "since (right)"
    )


def lineage_figure(placed: Layout, title: str) -> Figure:
    """The laid-out lineage, sized so every box's words stay readable (a view scrolls it)."""
    width = max(6.0, placed.layers * LAYER_INCHES)
    shown = sorted({p.node.kind for p in placed.placed.values()}, key=list(KIND_STYLES).index)
    legend_columns = max(1, min(len(shown), int(width / LEGEND_ENTRY_INCHES)))
    legend_rows = -(-len(shown) // legend_columns)
    header = HEADER_INCHES + LEGEND_ROW_INCHES * legend_rows  # the title, then the legend
    height = max(2.5, placed.rows * ROW_INCHES + header + 0.2)
    figure = Figure(figsize=(width, height), dpi=100)
    axes = figure.add_axes((0.0, 0.0, 1.0, 1.0 - header / height))
    axes.set_xlim(-0.5, placed.layers - 0.5)
    axes.set_ylim(placed.rows - 0.5, -0.5)
    axes.set_axis_off()
    figure.suptitle(title, x=0.01, y=1 - 0.1 / height, ha="left", va="top", fontsize=11)
    figure.legend(
        handles=[Patch(facecolor=KIND_STYLES[k][0], edgecolor="#8a8a8a") for k in shown],
        labels=[KIND_STYLES[k][1] for k in shown],
        loc="upper left",
        bbox_to_anchor=(0.005, 1 - HEADER_INCHES / height),
        ncols=legend_columns,
        fontsize=8,
        frameon=False,
    )
    half_width, half_height = BOX_WIDTH / 2, BOX_HEIGHT / 2
    for edge in placed.edges:
        start, end = placed.placed[edge.source], placed.placed[edge.target]
        axes.add_patch(
            FancyArrowPatch(
                (start.layer + half_width, start.row),
                (end.layer - half_width, end.row),
                arrowstyle="-|>",
                mutation_scale=9,
                color="#7a7a7a",
                linewidth=0.8,
                connectionstyle="arc3,rad=0.0",
            )
        )
    for node_id, where in placed.placed.items():
        colour = KIND_STYLES[where.node.kind][0]
        subject = node_id == placed.subject
        box = FancyBboxPatch(
            (where.layer - half_width, where.row - half_height),
            BOX_WIDTH,
            BOX_HEIGHT,
            boxstyle="round,pad=0,rounding_size=0.06",
            facecolor=colour,
            edgecolor=SUBJECT_EDGE if subject else "#8a8a8a",
            linewidth=2.0 if subject else 0.8,
            picker=True,
            gid=node_id,
        )
        axes.add_patch(box)
        axes.text(
            where.layer,
            where.row,
            _wrapped(where.node.label),
            ha="center",
            va="center",
            fontsize=7,
            fontweight="bold" if subject else "normal",
            clip_on=True,
        )
    return figure
