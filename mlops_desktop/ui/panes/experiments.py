"""The Experiments pane: every training run, sortable and filterable, with the chosen run's details."""

import html
from typing import Any

from PySide6.QtCore import QItemSelection, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core import datasets, training
from mlops_desktop.core.plots import run_charts
from mlops_desktop.ui.dialogs.training_dialog import TrainingDialog
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.models.tables import Column, RecordsModel, format_value
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.empty_state import EmptyState
from mlops_desktop.ui.widgets.figure_canvas import FigureView


def _metric(key: str) -> Any:
    return lambda run: run["metrics"].get(key)


RESIZE_SAMPLE_ROWS = 50  # column widths fit the first rows, not all ten thousand

RUN_COLUMNS = [
    Column("Run", lambda r: r["run_id"][:8], "The run's id (its first characters)"),
    Column("Experiment", lambda r: r["experiment"]),
    Column("Dataset", lambda r: r["dataset"], "The exact dataset version used"),
    Column("Target", lambda r: r["target"]),
    Column("Algorithm", lambda r: training.ALGORITHMS[r["algorithm"]].label),
    Column("Status", lambda r: r["status"]),
    Column("Accuracy", _metric("accuracy"), "Share of held-out rows classified correctly", True),
    Column(
        "ROC AUC",
        _metric("roc_auc"),
        "How well it ranks classes (1 is perfect, 0.5 is chance)",
        True,
    ),
    Column("R²", _metric("r2"), "Share of the target's variation explained (1 is perfect)", True),
    Column(
        "RMSE", _metric("rmse"), "Typical size of a prediction error, in the target's units", True
    ),
    Column(
        "Seconds",
        lambda r: None if r["duration_s"] is None else round(r["duration_s"], 2),
        "How long training took",
        True,
    ),
]


class ExperimentsPane(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.dialog: TrainingDialog | None = None

        self.model = RecordsModel(RUN_COLUMNS, self)
        self.view = QTableView()
        self.view.setObjectName("runsTable")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._run_selected)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runs (experiment, dataset, algorithm, status…)")
        self.filter.textChanged.connect(self.model.set_filter)
        new = QPushButton("New training…")
        new.setToolTip("Train models on a dataset (Ctrl+T)")
        new.clicked.connect(lambda: self.open_training_dialog())
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(new)

        self.details = QTextBrowser()
        self.details.setObjectName("runDetails")
        self.chart_choice = QComboBox()
        self.chart_choice.setToolTip("Which chart of the selected run to show")
        self.chart_choice.currentTextChanged.connect(self._show_chart)
        self.chart = FigureView()
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart_choice)
        chart_layout.addWidget(self.chart, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.details)
        bottom.addWidget(chart_box)
        bottom.setSizes([500, 500])
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.addWidget(self.view)
        splitter.addWidget(bottom)
        splitter.setSizes([300, 380])
        self.selected: dict[str, Any] | None = None
        runs = QWidget()
        runs_layout = QVBoxLayout(runs)
        runs_layout.setContentsMargins(0, 0, 0, 0)
        runs_layout.addLayout(top)
        runs_layout.addWidget(splitter, 1)

        self.empty = EmptyState(
            "No training runs yet",
            "Pick a dataset and the column to predict; the app tries the algorithms you choose and "
            "keeps each result as a run you can compare and reproduce.",
            [("New training…", lambda: self.open_training_dialog())],
        )
        self.stack = QStackedWidget()
        self.stack.addWidget(self.empty)
        self.stack.addWidget(runs)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 8)
        layout.addWidget(QLabel("<b>Experiments</b>"))
        layout.addWidget(self.stack, 1)

        state.runs_changed.connect(self.refresh)
        state.workspace_changed.connect(self.refresh)
        self.refresh()

    def refresh(self) -> None:
        runs = training.list_runs(self.state.workspace)
        self.model.set_records(runs)
        self.stack.setCurrentIndex(1 if runs else 0)
        self.view.resizeColumnsToContents()
        if runs:
            self.view.selectRow(0)

    def open_training_dialog(self, dataset: str | None = None) -> TrainingDialog | None:
        if not datasets.list_datasets(self.state.workspace):
            show_message(self, "Import a dataset first: training needs data (Datasets pane).")
            return None
        dialog = TrainingDialog(self.state, dataset, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.trained.connect(self._trained)
        dialog.finished.connect(lambda _result: setattr(self, "dialog", None))
        self.dialog = dialog
        dialog.open()
        return dialog

    def _trained(self, runs: list[dict[str, Any]]) -> None:
        finished = [run for run in runs if run["status"] == "finished"]
        self.state.status_message.emit(f"Trained {len(finished)} of {len(runs)} run(s).")
        self.state.runs_changed.emit()

    def _run_selected(self, _selected: QItemSelection, _deselected: QItemSelection) -> None:
        rows = self.view.selectionModel().selectedRows()
        self.selected = None
        if rows:
            listed = self.model.record(rows[0].row())
            self.selected = training.show_run(self.state.workspace, listed["run_id"])
        self.details.setHtml(run_html(self.selected) if self.selected else "")
        self.chart_choice.blockSignals(True)
        self.chart_choice.clear()
        if self.selected and self.selected["evaluation"]:
            self.chart_choice.addItems(list(run_charts(self.selected["task"])))
        self.chart_choice.blockSignals(False)
        self._show_chart(self.chart_choice.currentText())

    def _show_chart(self, name: str) -> None:
        run = self.selected
        if not name or run is None or not run["evaluation"]:
            self.chart.show_figure(None)
            return
        self.chart.show_figure(run_charts(run["task"])[name](run["evaluation"]))


def run_html(run: dict[str, Any]) -> str:
    """A run's record as a readable page: metrics, settings, data used, what was left out."""
    escape = html.escape
    metrics = "".join(
        f"<tr><td>{escape(key)}</td><td align=right>{format_value(value)}</td></tr>"
        for key, value in sorted(run["metrics"].items(), key=lambda item: item[0].startswith("cv_"))
    )
    params = (
        ", ".join(
            f"{k} = {'no limit' if v is None else format_value(v)}"
            for k, v in run["params"].items()
        )
        or "defaults"
    )
    left_out = "".join(
        f"<li>{escape(e['name'])}: {escape(e['reason'])}</li>" for e in run["excluded"]
    )
    versions = ", ".join(f"{k} {v}" for k, v in run["library_versions"].items())
    error = f"<p><b>Why it failed:</b> {escape(run['error'])}</p>" if run["error"] else ""
    return (
        f"<h3>{escape(training.ALGORITHMS[run['algorithm']].label)} — {escape(run['status'])}</h3>"
        f"{error}<p>Run <code>{run['run_id']}</code> in experiment {escape(run['experiment'])}, "
        f"trained on <b>{escape(run['dataset'])}</b> to predict <b>{escape(run['target'])}</b> "
        f"({run['task']}).</p>"
        f"<table cellpadding=2>{metrics}</table>"
        f"<p>Settings: {escape(params)}; seed {run['seed']}; held-out share "
        f"{run['split']['test_size']:.0%}"
        + (f"; {run['split']['cv']}-fold cross-validation" if run["split"]["cv"] else "")
        + f".</p><p>Learned from: {escape(', '.join(f['name'] for f in run['features']))}.</p>"
        + (f"<p>Left out:</p><ul>{left_out}</ul>" if left_out else "")
        + f"<p><small>Duration {format_value(run['duration_s'])} s; {escape(versions)}.</small></p>"
    )
