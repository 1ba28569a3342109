"""The Experiments pane: every training run, sortable and filterable, with the chosen run's details."""

import html
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSplitter,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core import formatting
from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import algorithms, run_history, training
from mlops_desktop.core.experiments.plots import confusion_cell, run_charts
from mlops_desktop.core.formatting import SCORE_DECIMALS
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.vocabulary import counted, measure_text, measure_title
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.dialogs.compare_dialog import CompareDialog
from mlops_desktop.ui.dialogs.model_dialogs import RegisterDialog
from mlops_desktop.ui.dialogs.training_dialog import TrainingDialog
from mlops_desktop.ui.errors import confirm, show_message
from mlops_desktop.ui.help import tip
from mlops_desktop.ui.models.tables import Column, RecordsModel, format_value
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.empty_state import EmptyState, pane_layout
from mlops_desktop.ui.widgets.figure_canvas import FigureView
from mlops_desktop.ui.widgets.predictions_panel import PredictionsPanel
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task


def _metric(key: str) -> Any:
    return lambda run: run["metrics"].get(key)


RECOMMENDED_MARK = "★ Recommended"
RECOMMENDED_AMONG = 30  # an experiment's newest finished runs: each costs a prediction
CONFUSION_MATRIX = "Confusion matrix"
RESIZE_SAMPLE_ROWS = 20  # column widths fit the first rows (about what the table shows), not all
CHART_DELAY_MS = 30  # the chart is drawn once the table and details have been painted

RUN_COLUMNS = [
    Column("Run", lambda r: r["run_id"][:8], "The run's id (its first characters)"),
    Column("Experiment", lambda r: r["experiment"]),
    Column("Dataset", lambda r: r["dataset"], "The exact dataset version used"),
    Column("Target", lambda r: r["target"]),
    Column("Algorithm", lambda r: algorithms.ALGORITHMS[r["algorithm"]].label),
    Column("Status", lambda r: r["status"]),
    Column(
        "Accuracy",
        _metric("accuracy"),
        tip("accuracy", "On the held-out rows."),
        True,
        decimals=SCORE_DECIMALS,
    ),
    Column(
        "ROC AUC",
        _metric("roc_auc"),
        tip("roc-auc", "On the held-out rows."),
        True,
        decimals=SCORE_DECIMALS,
    ),
    Column(
        "R²",
        _metric("r2"),
        "Share of the target's variation explained (1 is perfect)",
        True,
        decimals=SCORE_DECIMALS,
    ),
    Column(
        "RMSE",
        _metric("rmse"),
        "Typical size of a prediction error, in the target's units",
        True,
    ),
    Column(
        "Time",
        lambda r: r["duration_s"],
        "How long training took",
        True,
        shown=lambda r: formatting.duration(r["duration_s"]),
    ),
]


def _read_runs(
    workspace: Workspace, chosen: str | None, include_archived: bool
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The experiments, and the runs of the chosen one (of all when it is gone or None)."""
    listed = run_history.list_experiments(workspace)
    if chosen not in {experiment["name"] for experiment in listed}:
        chosen = None
    return listed, training.list_runs(workspace, chosen, include_archived=include_archived)


class ExperimentsPane(QWidget):
    runs_listed = Signal()  # a reading of the runs ended: shown, or the status bar says why not
    trained = Signal(list)  # the runs a training from this pane just recorded

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("experimentsPane")
        self.state = state
        self.listing: Task | None = None  # the runs being read (``refresh``)
        self.run_to_select: str | None = None  # selected once the runs being read are shown
        self.dialog: TrainingDialog | None = None
        self.compare_dialog: CompareDialog | None = None
        self.reproducing: Task | None = None
        self.comparing: Task | None = None
        # The dataset New training… starts with: the one shown in Datasets (the window sets it).
        self.dataset_in_view: Callable[[], str | None] = lambda: None
        self.recommending: Task | None = None
        # The recommended runs (with why) of each experiment's finished runs, by those runs' ids:
        # computed once in a worker, kept while they stay the same.
        self.recommendations: dict[tuple[str, ...], dict[str, str]] = {}
        self.recommended: dict[str, str] = {}  # the listed runs' marks: run id → why
        self.listed: list[dict[str, Any]] = []  # the runs listed, newest first, before filtering

        recommended = Column(
            "Recommended",
            lambda run: RECOMMENDED_MARK if run["run_id"] in self.recommended else "",
            "The run to choose among those scored on the same rows: the simplest and fastest of "
            "the runs the data cannot tell from the best on the main measure (point at the mark "
            "for why)",
            cell_tooltip=lambda run: self.recommended.get(run["run_id"]),
        )
        columns = [*RUN_COLUMNS[:5], recommended, *RUN_COLUMNS[5:]]
        self.recommended_column = columns.index(recommended)
        self.model = RecordsModel(columns, self)
        self.view = QTableView()
        self.view.setObjectName("runsTable")
        self.view.setModel(self.model)
        self.view.horizontalHeader().setResizeContentsPrecision(RESIZE_SAMPLE_ROWS)
        self.view.horizontalHeader().setSortIndicator(
            -1, Qt.SortOrder.AscendingOrder
        )  # newest first
        self.view.setSortingEnabled(True)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.view.verticalHeader().hide()
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.selectionModel().selectionChanged.connect(self._run_selected)
        delete_key = QShortcut(QKeySequence.StandardKey.Delete, self.view)
        delete_key.setContext(Qt.ShortcutContext.WidgetShortcut)
        delete_key.activated.connect(self.delete_selected)

        self.filter = QLineEdit()
        self.filter.setPlaceholderText("Filter runs (experiment, dataset, algorithm, status…)")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.model.set_filter)
        self.experiment_choice = QComboBox()
        self.experiment_choice.setToolTip("Show the runs of one experiment, or of all of them")
        # Its experiments arrive after the pane is first shown: it widens to fit them then.
        self.experiment_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.experiment_choice.currentIndexChanged.connect(lambda _index: self.refresh())
        self.show_archived = QCheckBox("Include archived")
        self.show_archived.setToolTip("Also list the runs of archived experiments")
        self.show_archived.toggled.connect(lambda _checked: self.refresh())
        new = QPushButton("New training…")
        new.setObjectName("newTrainingButton")
        new.setToolTip("Train models on a dataset (Ctrl+T)")
        new.clicked.connect(lambda: self.open_training_dialog(self.dataset_in_view()))
        top = QHBoxLayout()
        top.addWidget(self.filter, 1)
        top.addWidget(self.experiment_choice)
        top.addWidget(self.show_archived)
        top.addWidget(new)

        self.compare_button = QPushButton("Compare")
        self.compare_button.setObjectName("compareButton")
        self.compare_button.setToolTip(
            "Select 2 to 10 runs (Ctrl+click or Shift+click) to see them side by side"
        )
        self.compare_button.clicked.connect(self.compare_selected)
        self.reproduce_button = QPushButton("Reproduce")
        self.reproduce_button.setToolTip(
            "Train the selected run again with exactly the same data, settings and seed, "
            "and check that every score comes out the same"
        )
        self.reproduce_button.clicked.connect(self.reproduce_selected)
        self.register_button = QPushButton("Register…")
        self.register_button.setObjectName("registerButton")
        self.register_button.setToolTip(
            "Give the selected run a model name and version, to approve and serve it (Models pane)"
        )
        self.register_button.clicked.connect(self.register_selected)
        self.delete_button = QPushButton("Delete…")
        self.delete_button.setToolTip("Delete the selected runs and their model files (Delete)")
        self.delete_button.clicked.connect(self.delete_selected)
        self.archive_button = QPushButton("Archive experiment")
        self.archive_button.clicked.connect(self.toggle_archived)
        self.task_panel = TaskPanel()
        actions = QHBoxLayout()
        for button in (
            self.compare_button,
            self.reproduce_button,
            self.register_button,
            self.delete_button,
            self.archive_button,
        ):
            actions.addWidget(button)
        actions.addWidget(self.task_panel, 1)
        actions.addStretch(0)

        self.details = QTextBrowser()
        self.details.setObjectName("runDetails")
        self.chart_choice = QComboBox()
        self.chart_choice.setToolTip("Which chart of the selected run to show")
        self.chart_choice.currentTextChanged.connect(self._show_chart)
        self.chart = FigureView()
        self.chart.drawn.connect(self._chart_drawn)
        # Drawing the chosen run's chart takes about as long as the rest of the pane: it is done
        # just after, so the table and details are painted first (and a quick run of selections
        # draws it once).
        self.chart_timer = QTimer(self)
        self.chart_timer.setSingleShot(True)
        self.chart_timer.setInterval(CHART_DELAY_MS)
        self.chart_timer.timeout.connect(lambda: self._show_chart(self.chart_choice.currentText()))
        chart_box = QWidget()
        chart_layout = QVBoxLayout(chart_box)
        chart_layout.setContentsMargins(0, 0, 0, 0)
        chart_layout.addWidget(self.chart_choice)
        chart_layout.addWidget(self.chart, 1)
        self.predictions = PredictionsPanel(state)
        self.run_tabs = QTabWidget()
        self.run_tabs.addTab(self.details, "Details")
        self.run_tabs.addTab(self.predictions, "Predictions")
        self.run_tabs.setTabToolTip(
            1, "The run's held-out rows with the truth, its prediction and how sure it was"
        )
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.run_tabs)
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
        runs_layout.addLayout(actions)
        runs_layout.addWidget(splitter, 1)

        self.empty = EmptyState(
            "No training runs yet",
            "Pick a dataset and the column to predict; the app tries the algorithms you choose and "
            "keeps each result as a run you can compare and reproduce.",
            [("New training…", lambda: self.open_training_dialog(self.dataset_in_view()))],
        )
        self.empty.buttons["New training…"].setObjectName("emptyNewTrainingButton")
        self.stack = pane_layout(self, self.empty, runs, "Experiments")
        self.stack.setCurrentIndex(1)  # not "no runs yet" before the runs are read

        state.runs_changed.connect(self.refresh)
        state.workspace_changed.connect(self._workspace_changed)
        self.refresh()

    def _workspace_changed(self) -> None:
        """The other workspace's runs are not shown, nor clickable, while its runs are read."""
        self.model.set_records([])
        self.listed = []
        self._run_selected()
        self.refresh()

    def refresh(self) -> None:
        """Read the experiments and the chosen one's runs on a worker thread (ten thousand runs
        take a moment), then show them; a newer reading replaces one still running."""
        workspace = self.state.workspace
        chosen = self.experiment_choice.currentData()
        include_archived = self.show_archived.isChecked()
        task = self.state.workers.run_in_thread(
            "Listing the runs", lambda: _read_runs(workspace, chosen, include_archived), owner=self
        )
        task.ask_before_quitting = False  # a look the app takes on its own
        self.listing = task

        def select() -> None:
            if task is self.listing:
                self._select_listed()

        def read(listed_and_runs: tuple[list[dict[str, Any]], list[dict[str, Any]]]) -> None:
            if task is self.listing:
                self._show_runs(*listed_and_runs)
                QTimer.singleShot(0, select)  # a turn of its own: the table is painted first

        def unread(message: str) -> None:
            if task is self.listing:
                self._unlisted(message)

        task.succeeded.connect(read)
        task.failed.connect(unread)

    def _show_runs(self, listed: list[dict[str, Any]], runs: list[dict[str, Any]]) -> None:
        self._fill_experiment_choice(listed)
        self.model.set_records(runs)
        self.listed = runs
        self.stack.setCurrentIndex(1 if any(e["runs"] for e in listed) else 0)
        self.view.resizeColumnsToContents()

    def _select_listed(self) -> None:
        """Once the runs read are shown: the recommendations known for them, then the run to
        select (or the newest) with its details (which say why it is recommended)."""
        self.listing = None
        self._update_recommendations()
        wanted, self.run_to_select = self.run_to_select, None
        if not self._select_row_of(wanted):  # the run asked for (select_run), else the newest
            if self.model.rowCount():
                self.view.selectRow(0)
            else:
                self._run_selected()  # none: the details and buttons say so
        self.runs_listed.emit()

    def _select_row_of(self, run_id: str | None) -> bool:
        """Select this run's row, if the table shows it."""
        ids = [run["run_id"] for run in self.model.records]
        if run_id not in ids:
            return False
        self.view.selectRow(ids.index(run_id))
        return True

    def _unlisted(self, message: str) -> None:
        self.listing = None
        self.run_to_select = None
        self.state.status_message.emit(message)
        self.runs_listed.emit()

    def _fill_experiment_choice(self, listed: list[dict[str, Any]]) -> None:
        """Lists the experiments in the chooser, keeping the chosen one."""
        chosen = self.experiment_choice.currentData()
        choice = self.experiment_choice
        choice.blockSignals(True)
        choice.clear()
        choice.addItem("All experiments", None)
        for experiment in listed:
            note = ", archived" if experiment["archived"] else ""
            choice.addItem(
                f"{experiment['name']} ({experiment['runs']} runs{note})", experiment["name"]
            )
        index = choice.findData(chosen)
        choice.setCurrentIndex(max(index, 0))
        choice.blockSignals(False)
        name: str | None = choice.currentData()
        archived = any(e["archived"] for e in listed if e["name"] == name)
        self.archive_button.setEnabled(name is not None)
        self.archive_button.setText("Restore experiment" if archived else "Archive experiment")
        self.archive_button.setToolTip(
            "Choose one experiment above to archive it"
            if name is None
            else f"Bring '{name}' back into the lists"
            if archived
            else f"Hide '{name}' from the lists; its runs are kept and can be restored"
        )

    def select_run(self, run_id: str) -> None:
        """Show every run (archived experiments' too) and select this one, now or once the runs
        being read are shown."""
        self.run_to_select = run_id
        self.filter.clear()
        every_run = self.show_archived.isChecked() and self.experiment_choice.currentIndex() == 0
        for widget in (self.show_archived, self.experiment_choice):  # one reading, not two
            widget.blockSignals(True)
        self.show_archived.setChecked(True)
        self.experiment_choice.setCurrentIndex(0)
        for widget in (self.show_archived, self.experiment_choice):
            widget.blockSignals(False)
        if not every_run:
            self.refresh()
        elif self.listing is None:  # the table shows every run already
            self.run_to_select = None
            self._select_row_of(run_id)

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
        self.state.status_message.emit(f"Trained {len(finished)} of {counted(len(runs), 'run')}.")
        self.state.runs_changed.emit()
        self.trained.emit(runs)

    def selected_runs(self) -> list[dict[str, Any]]:
        rows = sorted(index.row() for index in self.view.selectionModel().selectedRows())
        return [self.model.record(row) for row in rows]

    def _run_selected(self, *_selection: QItemSelection) -> None:
        chosen = self.selected_runs()
        current = self.view.currentIndex()
        shown = (
            self.model.record(current.row())
            if current.isValid() and self.model.record(current.row()) in chosen
            else chosen[0]
            if chosen
            else None
        )
        try:
            self.selected = (
                training.show_run(self.state.workspace, shown["run_id"]) if shown else None
            )
        except UserError:  # deleted since the table was read: the reading under way drops it
            self.selected = None
        self.compare_button.setEnabled(
            run_history.MIN_COMPARED <= len(chosen) <= run_history.MAX_COMPARED
            and self.comparing is None
        )
        self.delete_button.setEnabled(bool(chosen))
        self.register_button.setEnabled(len(chosen) == 1 and chosen[0]["status"] == "finished")
        self.reproduce_button.setEnabled(
            len(chosen) == 1 and chosen[0]["status"] == "finished" and self.reproducing is None
        )
        self._show_details()
        self.predictions.show_run(self.selected)
        self.chart_choice.blockSignals(True)
        self.chart_choice.clear()
        if self.selected and self.selected["evaluation"]:
            self.chart_choice.addItems(list(run_charts(self.selected["task"])))
        self.chart_choice.blockSignals(False)
        self.chart.show_figure(None)  # never the previous run's chart, even for a moment
        self.chart_timer.start()

    def _show_chart(self, name: str) -> None:
        """Build the chosen chart of the selected run on a worker thread (building it took 26 ms
        of the GUI thread at each selection), then show it."""
        run = self.selected
        if not name or run is None or not run["evaluation"]:
            self.chart.show_figure(None)
            return
        build, evaluation = run_charts(run["task"])[name], run["evaluation"]
        self.chart.draw_in_thread(self.state.workers, lambda: build(evaluation))

    def _chart_drawn(self) -> None:
        canvas = self.chart.canvas
        if self.chart_choice.currentText() == CONFUSION_MATRIX and canvas is not None:
            canvas.setToolTip("Click a cell to see its rows in Predictions")
            canvas.mpl_connect("button_press_event", self._confusion_clicked)

    def _confusion_clicked(self, event: Any) -> None:
        """A click on a cell of the confusion matrix shows that cell's rows in Predictions."""
        run = self.selected
        if run is None or event.inaxes is None or event.xdata is None:
            return
        cell = confusion_cell(run["evaluation"], event.xdata, event.ydata)
        if cell is not None:
            self.run_tabs.setCurrentWidget(self.predictions)
            self.predictions.show_cell(*cell)

    def _show_details(self) -> None:
        run = self.selected
        why = self.recommended.get(run["run_id"], "") if run else ""
        self.details.setHtml(run_html(run, why) if run else "")

    def _update_recommendations(self) -> None:
        """Marks the recommended run among each experiment's newest finished runs; those not yet
        known are found in a worker (each run's model predicts its held-out rows again, seconds
        on large data), one task at a time, the rest when it ends."""
        finished: dict[str, list[str]] = {}
        for run in self.listed:
            if run["status"] == "finished" and run["metrics"]:
                finished.setdefault(run["experiment"], []).append(run["run_id"])
        keys = [
            tuple(sorted(ids[:RECOMMENDED_AMONG])) for ids in finished.values() if len(ids) >= 2
        ]
        self.recommended = {
            run_id: why for key in keys for run_id, why in self.recommendations.get(key, {}).items()
        }
        self.model.column_changed(self.recommended_column)
        missing = [key for key in keys if key not in self.recommendations]
        if not missing or self.recommending is not None:
            return
        task = self.state.workers.run_in_workspace(
            "Finding the recommended runs",
            self.state.home,
            run_history.recommendations,
            [run_id for key in missing for run_id in key],
        )
        task.ask_before_quitting = False
        self.recommending = task
        task.succeeded.connect(lambda found: self._recommendations_found(missing, found))
        task.failed.connect(lambda _message: self._recommendations_found(missing, []))
        task.finished.connect(lambda: self._recommendations_finished(task))

    def _recommendations_found(
        self, keys: list[tuple[str, ...]], found: list[dict[str, Any]]
    ) -> None:
        for key in keys:
            self.recommendations[key] = {
                group["recommended"]: group["reason"]
                for group in found
                if group["recommended"] in key
            }

    def _recommendations_finished(self, task: Task) -> None:
        self.recommending = None
        if task.cancel_requested:  # the app is quitting
            return
        self._update_recommendations()
        self._show_details()  # the chosen run's page says why it is recommended

    def compare_selected(self) -> Task:
        """Compares in a worker: each run's model predicts its held-out rows again for the
        paired verdicts, which takes seconds on large data. The dialog opens when done."""
        ids = [run["run_id"] for run in self.selected_runs()]
        task = self.state.workers.run_in_workspace(
            f"Comparing {counted(len(ids), 'run')}",
            self.state.home,
            run_history.compare_runs,
            ids,
        )
        self.comparing = task
        self.compare_button.setEnabled(False)
        self.task_panel.follow(task)
        task.succeeded.connect(self._show_comparison)
        task.failed.connect(lambda message: show_message(self, message))
        task.finished.connect(self._compare_finished)
        return task

    def _show_comparison(self, comparison: dict[str, Any]) -> None:
        dialog = CompareDialog(comparison, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.finished.connect(lambda _result: setattr(self, "compare_dialog", None))
        self.compare_dialog = dialog
        dialog.show()

    def _compare_finished(self) -> None:
        self.comparing = None
        self._run_selected()

    def delete_selected(self) -> None:
        chosen = self.selected_runs()
        if not chosen:
            return
        what = (
            f"run {chosen[0]['run_id'][:8]} ({algorithms.ALGORITHMS[chosen[0]['algorithm']].label})"
            if len(chosen) == 1
            else f"these {len(chosen)} runs"
        )
        if not confirm(
            self,
            "Delete runs",
            f"Delete {what}? Their scores, charts and model files are removed. "
            "This cannot be undone.",
            "Delete",
        ):
            return
        try:
            deleted = run_history.delete_runs(
                self.state.workspace, [run["run_id"] for run in chosen]
            )
        except UserError as error:
            show_message(self, str(error))
            return
        self.state.status_message.emit(f"Deleted {counted(len(deleted), 'run')}.")
        self.state.runs_changed.emit()

    def register_selected(self) -> RegisterDialog | None:
        chosen = self.selected_runs()
        if len(chosen) != 1:
            return None
        run = chosen[0]
        names = list(
            dict.fromkeys(m["name"] for m in model_registry.list_models(self.state.workspace))
        )
        label = f"run {run['run_id'][:8]} ({algorithms.ALGORITHMS[run['algorithm']].label})"
        dialog = RegisterDialog(label, names, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self._register(run["run_id"], dialog.name.currentText(), dialog.purpose.text())
        )
        dialog.open()
        return dialog

    def _register(self, run_id: str, name: str, purpose: str) -> None:
        try:
            record = model_registry.register(self.state.workspace, run_id, name, purpose)
        except UserError as error:
            show_message(self, str(error))
            return
        self.state.status_message.emit(
            f"Registered as {record['name']} version {record['version']}; "
            "approve and serve it in the Models pane."
        )
        self.state.models_changed.emit()

    def toggle_archived(self) -> None:
        name = self.experiment_choice.currentData()
        if name is None:
            return
        archive = self.archive_button.text().startswith("Archive")
        run_history.set_archived(self.state.workspace, name, archive)
        self.state.status_message.emit(
            f"Archived '{name}': its runs are kept but left out of 'All experiments'."
            if archive
            else f"Restored '{name}'."
        )
        self.state.runs_changed.emit()

    def reproduce_selected(self) -> None:
        chosen = self.selected_runs()
        if len(chosen) != 1:
            return
        run_id = chosen[0]["run_id"]
        task = self.state.workers.run_in_workspace(
            f"Reproducing run {run_id[:8]}", self.state.home, training.reproduce, run_id
        )
        self.reproducing = task
        self.reproduce_button.setEnabled(False)
        self.task_panel.follow(task)
        task.succeeded.connect(self._reproduced)
        task.failed.connect(lambda message: show_message(self, message))
        task.finished.connect(self._reproduce_finished)

    def _reproduced(self, result: dict[str, Any]) -> None:
        self.state.runs_changed.emit()
        show_message(self, reproduction_text(result))

    def _reproduce_finished(self) -> None:
        self.reproducing = None
        self.state.runs_changed.emit()


def reproduction_text(result: dict[str, Any]) -> str:
    original, again = result["reproduces"][:8], result["run_id"][:8]
    if result["identical"]:
        return f"Run {original} was trained again as run {again}: every score is identical."
    if result["status"] != "finished":
        return f"Run {original} could not be trained again: {result['error']}"
    changes = "; ".join(
        f"{name}: {format_value(change['original'])} before, {format_value(change['again'])} now"
        for name, change in result["differences"].items()
    )
    return f"Run {original} was trained again as run {again}, but the scores differ: {changes}."


def _spread(run: dict[str, Any], key: str) -> str:
    """How far a score could move: a held-out score's 95 % interval, a cross-validation mean's
    lowest and highest fold."""
    if key in run.get("intervals", {}):
        low, high = run["intervals"][key]
        return f"95 % interval {measure_text(key, low)} – {measure_text(key, high)}"
    measure = key.removeprefix("cv_").removesuffix("_mean")
    folds = run.get("folds", {}).get(measure) if key.endswith("_mean") else None
    if folds:
        return (
            f"{len(folds)} folds from {measure_text(measure, min(folds))} to "
            f"{measure_text(measure, max(folds))}"
        )
    return ""


def run_html(run: dict[str, Any], recommended: str = "") -> str:
    """A run's record as a readable page: metrics, settings, data used, what was left out, and
    why it is recommended when it is."""
    escape = html.escape
    metrics = "".join(
        f"<tr><td>{escape(measure_title(key))}</td><td align=right>{measure_text(key, value)}</td>"
        f"<td><small>{_spread(run, key)}</small></td></tr>"
        for key, value in sorted(run["metrics"].items(), key=lambda item: item[0].startswith("cv_"))
    )
    params = (
        ", ".join(
            f"{algorithms.PARAMETER_LABELS.get(k, k)} = {'no limit' if v is None else format_value(v)}"
            for k, v in run["params"].items()
        )
        or "defaults"
    )
    left_out = "".join(
        f"<li>{escape(e['name'])}: {escape(e['reason'])}</li>" for e in run["excluded"]
    )
    versions = ", ".join(f"{k} {v}" for k, v in run["library_versions"].items())
    duration = formatting.duration(run["duration_s"])
    error = f"<p><b>Why it failed:</b> {escape(run['error'])}</p>" if run["error"] else ""
    why = f"<p><b>{RECOMMENDED_MARK}:</b> {escape(recommended)}</p>" if recommended else ""
    return (
        f"<h3>{escape(algorithms.ALGORITHMS[run['algorithm']].label)} — {escape(run['status'])}</h3>"
        f"{error}{why}<p>Run <code>{run['run_id']}</code> in experiment {escape(run['experiment'])}, "
        f"trained on <b>{escape(run['dataset'])}</b> to predict <b>{escape(run['target'])}</b> "
        f"({run['task']}).</p>"
        f"<table cellpadding=2>{metrics}</table>"
        f"<p>Settings: {escape(params)}; seed {run['seed']}; held-out share "
        f"{run['split']['test_size']:.0%}"
        + (f"; {run['split']['cv']}-fold cross-validation" if run["split"]["cv"] else "")
        + f".</p><p>Learned from: {escape(', '.join(f['name'] for f in run['features']))}.</p>"
        + (f"<p>Left out:</p><ul>{left_out}</ul>" if left_out else "")
        + f"<p><small>Duration {duration}; {escape(versions)}.</small></p>"
    )
