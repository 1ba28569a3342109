"""The Monitoring pane's report of one checked window: the verdict banner, the predictions',
performance and rules lines, the table of columns (predictions first, then drifted ones) and the
selected column's distribution chart and details."""

import html
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer
from PySide6.QtWidgets import (
    QAbstractItemView,
    QLabel,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.monitoring import html_report, plots
from mlops_desktop.core.monitoring.plots import COLUMN_COLOURS
from mlops_desktop.core.vocabulary import NOT_CHECKED, status_word
from mlops_desktop.ui.panes.monitoring_table import (
    SPARKLINE_COLUMN,
    SPARKLINE_WIDTH,
    DriftTableModel,
    SparklineDelegate,
)
from mlops_desktop.ui.panes.monitoring_text import (
    STATUS_MEANINGS,
    column_html,
    reference_words,
    status_colours,
    verdict_text,
    window_title,
)
from mlops_desktop.ui.panes.monitoring_trends import CHART_DELAY_MS
from mlops_desktop.ui.widgets.figure_canvas import FigureView


def _line(name: str, tooltip: str = "") -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setWordWrap(True)
    label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
    label.setToolTip(tooltip)
    return label


class ReportView(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.banner = _line("verdictBanner")
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.predictions_line = _line(
            "predictionsLine",
            "Whether the model's answers changed: often the first sign that the world changed",
        )
        self.performance_line = _line("performanceLine")
        self.rules_line = _line(
            "rulesLine",
            "The server checks each request against the validation rules of the dataset the "
            "model learned from (Datasets pane, Checks tab, Edit rules…): no empty values where "
            "none are allowed, numbers within their range, only known labels. A request that "
            "breaks a rule is still answered; it is counted here.",
        )
        self.rules_line.hide()

        self.table_model = DriftTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("driftTable")
        self.table.setModel(self.table_model)
        self.table.setItemDelegateForColumn(SPARKLINE_COLUMN, SparklineDelegate(self.table))
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._column_selected)
        self.distribution = FigureView()
        self.distribution.setObjectName("distributionChart")
        self.details = QTextBrowser()
        self.details.setObjectName("columnDetails")
        self.chart_timer = QTimer(self)
        self.chart_timer.setSingleShot(True)
        self.chart_timer.setInterval(CHART_DELAY_MS)
        self.chart_timer.timeout.connect(self._draw_distribution)
        self.detail_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.detail_splitter.addWidget(self.distribution)
        self.detail_splitter.addWidget(self.details)
        self.detail_splitter.setSizes([560, 380])
        self.report_splitter = QSplitter(Qt.Orientation.Vertical)
        self.report_splitter.addWidget(self.table)
        self.report_splitter.addWidget(self.detail_splitter)
        self.report_splitter.setSizes([260, 340])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.banner)
        layout.addWidget(self.predictions_line)
        layout.addWidget(self.performance_line)
        layout.addWidget(self.rules_line)
        layout.addWidget(self.report_splitter, 1)

    def show_report(self, report: dict[str, Any], performance: str) -> None:
        """A checked window's report, with how well the model did (``performance``, in words)."""
        status = report["status"]
        strong, light = status_colours(status)
        self.banner.setStyleSheet(
            f"QLabel#verdictBanner {{ background: {light}; color: {strong}; "
            f"border: 1px solid {strong}; border-radius: 4px; padding: 8px; }}"
        )
        self.banner.setText(
            f"<span style='font-size: 13pt'><b>{status_word(status)}</b> — "
            f"{html.escape(report['summary'])}</span><br>"
            f"<span style='color: #333'>{html.escape(window_title(report))}: "
            f"{report['n_current']:,} rows compared with {report['n_reference']:,} rows of "
            f"{html.escape(reference_words((report.get('window') or {}).get('reference')))}. "
            f"{html.escape(html_report.left_out_text(report.get('left_out')))}</span>"
        )
        self.banner.setToolTip(STATUS_MEANINGS.get(status, ""))
        predicted = report.get("prediction_drift")
        if predicted:
            verdict = verdict_text(predicted)
            colour = COLUMN_COLOURS.get(predicted["status"], "#444")
            self.predictions_line.setText(
                f"<b>Predictions:</b> <span style='color: {colour}'><b>{verdict}</b></span>. "
                f"{html.escape(predicted['explanation'])}"
            )
        else:
            self.predictions_line.setText("<b>Predictions:</b> not compared in this window.")
        self.performance_line.setText(f"<b>Performance:</b> {html.escape(performance)}")
        broken = html_report.violations_text(report.get("violations"), report["n_current"])
        self.rules_line.setText(f"<b>Rules:</b> {html.escape(broken)}")
        self.rules_line.setVisible(bool(broken))
        rows = []
        if predicted:
            rows.append({**predicted, "_label": "Predictions", "_prediction": True})
        inputs = [{**column, "_label": column["name"]} for column in report["columns"]]
        inputs.sort(key=lambda c: (c["status"] != "drift", not c["findings"]))
        rows.extend(inputs)
        self.table_model.set_records(rows)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(SPARKLINE_COLUMN, SPARKLINE_WIDTH)
        first = next((i for i, row in enumerate(rows) if row["status"] == "drift"), 0)
        if rows:
            self.table.selectRow(first)

    def show_nothing(self, text: str) -> None:
        """No report: ``text`` says why and what to do (rich text)."""
        strong, light = status_colours(NOT_CHECKED)
        self.banner.setStyleSheet(
            f"QLabel#verdictBanner {{ background: {light}; color: #333; "
            f"border: 1px solid {strong}; border-radius: 4px; padding: 8px; }}"
        )
        self.banner.setText(text)
        self.banner.setToolTip("")
        self.predictions_line.clear()
        self.performance_line.clear()
        self.rules_line.hide()
        self.table_model.set_records([])
        self.details.clear()
        self.distribution.show_figure(None)

    def selected_column(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table_model.record(rows[0].row()) if rows else None

    def _column_selected(self, *_selection: QItemSelection) -> None:
        column = self.selected_column()
        self.details.setHtml(column_html(column) if column else "")
        self.distribution.show_figure(None)  # never the previous column's chart
        self.chart_timer.start()

    def _draw_distribution(self) -> None:
        column = self.selected_column()
        if column is None or not (column.get("histogram") or {}).get("labels"):
            self.distribution.show_figure(None)
            return
        shown = {**column, "name": column["_label"]}
        self.distribution.show_figure(plots.distribution_figure(shown))
