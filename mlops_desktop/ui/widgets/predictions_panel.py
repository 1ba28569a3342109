"""A run's Predictions: its held-out rows with truth, prediction and probability, filterable to the
wrong ones or to one cell of the confusion matrix (Orange's Confusion Matrix → Data Table).

The rows are predicted again from the run's model in a worker the first time they are shown
(``predictions.predictions_file``), then read from that file; nothing is computed for a run whose
Predictions are never looked at."""

from pathlib import Path
from typing import Any

from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.experiments import predictions
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.ui.models.predictions import PredictionsModel
from mlops_desktop.ui.models.tables import fit_column_names
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task

NARROWEST_COLUMN = 70


class PredictionsPanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.run: dict[str, Any] | None = None
        self.task: Task | None = None
        self.files: dict[str, Path] = {}  # each run's predictions file, once made
        self.failures: dict[str, str] = {}  # why a run's predictions cannot be made
        self.pending_cell: tuple[str, str] | None = None  # asked for before the rows were there

        self.only_wrong = QCheckBox("Only wrong predictions")
        self.only_wrong.setToolTip("Show only the rows whose predicted class is not the true one")
        self.only_wrong.toggled.connect(self._only_wrong_toggled)
        self.show_all = QPushButton("Show all rows")
        self.show_all.setToolTip("Clear the filters")
        self.show_all.clicked.connect(self.clear_filters)
        self.summary = QLabel()
        self.summary.setObjectName("predictionsSummary")
        self.summary.setWordWrap(True)
        self.model = PredictionsModel(self)
        self.view = QTableView()
        self.view.setObjectName("predictionsTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setToolTip("The run's held-out rows; the row numbers are their rows in the data")
        self.task_panel = TaskPanel()
        filters = QHBoxLayout()
        filters.addWidget(self.only_wrong)
        filters.addWidget(self.show_all)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.summary)
        layout.addLayout(filters)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.view, 1)
        self._describe()

    def show_run(self, run: dict[str, Any] | None) -> None:
        """Show ``run``'s predictions (made now only if the panel is on screen)."""
        if self.task is not None:
            self.task.cancel()
        self.run, self.pending_cell = run, None
        self.model.set_file(None)
        self.only_wrong.blockSignals(True)
        self.only_wrong.setChecked(False)
        self.only_wrong.blockSignals(False)
        if self.isVisible():
            self._load()
        self._describe()

    def show_cell(self, truth: str, predicted: str) -> None:
        """Show only the rows of true class ``truth`` predicted as ``predicted``."""
        self.only_wrong.setChecked(False)
        if self.model.total:
            self.model.set_cell((truth, predicted))
        else:
            self.pending_cell = (truth, predicted)
            self._load()
        self._describe()

    def clear_filters(self) -> None:
        self.only_wrong.setChecked(False)
        self.model.set_cell(None)
        self._describe()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._load()

    def _only_wrong_toggled(self, checked: bool) -> None:
        self.model.set_only_wrong(checked)
        self._describe()

    def _load(self) -> None:
        run = self.run
        if run is None or run["status"] != "finished" or self.model.total:
            return
        if self.task is not None or run["run_id"] in self.failures:
            return
        if run["run_id"] in self.files:
            self._show_file(run, self.files[run["run_id"]])
            return
        task = self.state.workers.run_in_workspace(
            f"Predicting the held-out rows of run {run['run_id'][:8]}",
            self.state.home,
            predictions.predictions_file,
            run["run_id"],
        )
        task.ask_before_quitting = False
        self.task = task
        self.task_panel.follow(task)
        task.succeeded.connect(lambda path: self._made(run, path))
        task.failed.connect(lambda message: self.failures.__setitem__(run["run_id"], message))
        task.finished.connect(lambda: self._finished(task, run))
        self._describe()

    def _made(self, run: dict[str, Any], path: Path) -> None:
        self.files[run["run_id"]] = path
        if run is self.run:
            self._show_file(run, path)

    def _show_file(self, run: dict[str, Any], path: Path) -> None:
        self.model.set_file(path, run["task"])
        if self.pending_cell is not None:
            self.model.set_cell(self.pending_cell)
            self.pending_cell = None
        fit_column_names(self.view, NARROWEST_COLUMN)
        self._describe()

    def _finished(self, task: Task, run: dict[str, Any]) -> None:
        if task is not self.task:
            return
        self.task = None
        if self.run is not run and self.isVisible():  # another run was chosen meanwhile
            self._load()
        self._describe()

    def _describe(self) -> None:
        """The summary line and which filters apply, for what is shown now."""
        model, run = self.model, self.run
        classification = run is not None and run["task"] == "classification"
        self.only_wrong.setEnabled(classification and model.total > 0)
        self.only_wrong.setToolTip(
            "Show only the rows whose predicted class is not the true one"
            if classification or run is None
            else "A predicted number is seldom exactly right: see the Error column instead"
        )
        self.show_all.setEnabled(model.only_wrong or model.cell is not None)
        if run is None:
            text = "Choose a run to see its predictions."
        elif run["status"] != "finished":
            text = f"This run {run['status']}, so it has no predictions to show."
        elif run["run_id"] in self.failures:
            text = f"The predictions cannot be shown: {self.failures[run['run_id']]}"
        elif not model.total:
            text = "Predicting the run's held-out rows again from its model…"
        else:
            text = f"{counted(model.total, 'held-out row')} the model never trained on"
            if classification:
                share = model.wrong / model.total
                text += f"; {counted(model.wrong, 'wrong prediction')} ({share:.1%})"
            text += "."
            if model.cell is not None:
                text += (
                    f" Showing {counted(model.rowCount(), 'row')} of true class "
                    f"{model.cell[0]} predicted as {model.cell[1]}."
                )
            elif model.only_wrong:
                text += f" Showing the {counted(model.rowCount(), 'wrong one')}."
            if classification and model.cell is None:
                text += " Click a cell of the confusion matrix to see its rows."
        self.summary.setText(text)
