"""Compare runs: whether one is really better (paired verdicts and a recommended run), their
settings, parameters and metrics side by side, and their curves overlaid."""

from html import escape
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core import formatting
from mlops_desktop.core.experiments import algorithms
from mlops_desktop.core.experiments.plots import comparison_charts
from mlops_desktop.core.experiments.run_history import (
    TRAINING_TIME,
    left_out_sentence,
    verdict_sentence,
)
from mlops_desktop.core.vocabulary import measure_text, measure_title
from mlops_desktop.ui.models.tables import Column, RecordsModel
from mlops_desktop.ui.widgets.figure_canvas import FigureView

MAX_COLUMN_WIDTH = 180
METRIC_HELP = "Bold: the best of the runs on this metric. Tinted: the runs differ here."


def _row_name(row: dict[str, Any]) -> str:
    """A row's name in words: "Number of trees", "Balanced accuracy"."""
    if row["section"] == "Metric":
        return measure_title(row["name"])
    if row["section"] == "Setting":
        return algorithms.PARAMETER_LABELS.get(row["name"], row["name"])
    return str(row["name"])


def _shown(row: dict[str, Any], index: int) -> Any:
    """A run's value in a row; scores as 0.972, training time as 0.67 s."""
    value = row["values"][index]
    if row["section"] == "Metric" and isinstance(value, float):
        return measure_text(row["name"], value)
    if row["name"] == TRAINING_TIME:
        return formatting.duration(value)
    return value


def _run_column(index: int, label: str) -> Column:
    return Column(
        label,
        lambda row: _shown(row, index),
        METRIC_HELP,
        align_right=True,
        highlighted=lambda row: bool(row["differs"]),
        bold=lambda row: row["best"] == index,
    )


def _verdicts(comparison: dict[str, Any]) -> tuple[str, str]:
    """The recommendation and each run's verdict against the best, as short lines of rich text;
    and every pair's verdict, for the tooltip."""
    labels = dict(
        zip((run["run_id"] for run in comparison["runs"]), comparison["labels"], strict=True)
    )
    every = [verdict_sentence(pair, labels) for pair in comparison["pairs"]]
    lines = []
    if comparison["recommended"]:
        lines.append(
            f"<b>Recommended: {escape(labels[comparison['recommended']])}.</b> "
            f"{escape(comparison['recommended_reason'])}"
        )
    lines += [
        escape(sentence)
        for pair, sentence in zip(comparison["pairs"], every, strict=True)
        if comparison["best"] in pair["runs"]
    ]
    lines += [escape(left_out_sentence(left, labels)) for left in comparison["not_compared"]]
    if not comparison["pairs"]:
        lines.append(
            "These runs were scored on different rows (another dataset, split or seed), so no "
            "difference between them can be tested."
        )
    tooltip = (
        "Each pair of runs is scored again on the same held-out rows, redrawn 1,000 times: a "
        "difference counts only when its 95 % interval leaves out zero. Shown: each run against "
        "the best one. Every pair:\n" + "\n".join(every)
    )
    return "<br>".join(lines), tooltip


class CompareDialog(QDialog):
    def __init__(self, comparison: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare {len(comparison['runs'])} runs")
        self.setObjectName("compareDialog")
        self.resize(1100, 760)
        self.comparison = comparison

        columns = [
            Column("", lambda row: row["section"]),
            Column("", _row_name),
            *(_run_column(i, label) for i, label in enumerate(comparison["labels"])),
        ]
        self.model = RecordsModel(columns, self)
        self.table = QTableView()
        self.table.setObjectName("comparisonTable")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.only_differences = QCheckBox("Only where they differ")
        self.only_differences.setToolTip("Hide the rows where every run has the same value")
        self.only_differences.toggled.connect(self._show_rows)
        self._show_rows(False)

        self.chart_choice = QComboBox()
        self.chart_choice.setToolTip("Which chart to draw for all the compared runs at once")
        self.charts = comparison_charts(comparison)
        self.chart_choice.addItems(list(self.charts))
        self.chart = FigureView()
        self.chart_choice.currentTextChanged.connect(self._show_chart)
        self._show_chart(self.chart_choice.currentText())

        text, every_pair = _verdicts(comparison)
        self.verdicts = QLabel(text)
        self.verdicts.setObjectName("compareVerdicts")
        self.verdicts.setWordWrap(True)
        self.verdicts.setToolTip(every_pair)
        legend = QLabel(METRIC_HELP)
        legend.setWordWrap(True)
        table_box = QWidget()
        table_layout = QVBoxLayout(table_box)
        table_layout.setContentsMargins(0, 0, 0, 0)
        top = QHBoxLayout()
        top.addWidget(legend, 1)
        top.addWidget(self.only_differences)
        table_layout.addLayout(top)
        table_layout.addWidget(self.table, 1)
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart_choice)
        chart_layout.addWidget(self.chart, 1)
        splitter = QSplitter(Qt.Orientation.Horizontal)
        splitter.addWidget(table_box)
        splitter.addWidget(chart_box)
        splitter.setSizes([700, 400])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdicts)
        layout.addWidget(splitter, 1)
        layout.addWidget(buttons)

    def _show_rows(self, only_differences: bool) -> None:
        rows = self.comparison["rows"]
        self.model.set_records([row for row in rows if row["differs"] or not only_differences])
        self.table.resizeColumnsToContents()
        for column in range(self.model.columnCount()):  # long lists are cut; the tooltip has all
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), MAX_COLUMN_WIDTH))

    def _show_chart(self, name: str) -> None:
        self.chart.show_figure(self.charts[name]() if name else None)
