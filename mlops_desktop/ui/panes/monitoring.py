"""The Monitoring pane: is each served model still seeing the kind of data it learned from, and is
it still right?

Left, a status card per watched version. Right, for the chosen one: which window to check (each
day of the prediction log, a time range, or a dataset) against which reference, and the report of
a checked window: a verdict, the predictions first, then every input column with its test, size
of change and distribution (``monitoring_report``); and the trends over the checked days
(``monitoring_trends``). Opening the pane only reads stored results; checking runs in a worker
process with progress and Cancel.
"""

import html
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QDate,
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QKeySequence,
    QShortcut,
)
from PySide6.QtWidgets import (
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core import listing
from mlops_desktop.core.data import datasets
from mlops_desktop.core.monitoring import checks, html_report, trends, windows
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.vocabulary import NOT_CHECKED, counted, status_word, version_words
from mlops_desktop.ui.dialogs.labels_dialog import LabelsDialog, matched_text
from mlops_desktop.ui.dialogs.retrain_dialog import RetrainDialog
from mlops_desktop.ui.dialogs.thresholds_dialog import ThresholdsDialog, saved_thresholds
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.panes.monitoring_cards import StatusCard
from mlops_desktop.ui.panes.monitoring_report import ReportView
from mlops_desktop.ui.panes.monitoring_text import (
    DATASET,
    DAY,
    RANGE,
    STATUS_MEANINGS,
    WEEK,
    card_performance,
    dataset_words,
    performance_text,
    reference_words,
    sentence_case,
    window_key,
    window_title,
)
from mlops_desktop.ui.panes.monitoring_trends import TrendsView
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.empty_state import EmptyState, pane_layout
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task

SPLITTER_SETTINGS = "monitoring_splitters"
WEEK_DAYS = 7
TRAINING = None  # the default reference: the held-out part of the training data


def _button(text: str, tooltip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tooltip)
    return button


class MonitoringPane(QWidget):
    models_requested = Signal()  # the empty state's "open Models"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.cards: list[StatusCard] = []
        self.selected_ref: str | None = None
        self.record: dict[str, Any] | None = None  # the selected version's registry record
        self.history: list[dict[str, Any]] = []
        self.report: dict[str, Any] | None = None
        self.windows: list[tuple[str, dict[str, Any]]] = []  # (key, report) the user can show
        self.dataset_refs: list[str] = []  # every dataset version, "name@N", newest first
        self.checking: Task | None = None
        self.exporting: Task | None = None
        self.labels_dialog: LabelsDialog | None = None
        self.thresholds_dialog: ThresholdsDialog | None = None
        self.retrain_dialog: RetrainDialog | None = None
        self._wanted_window: str | None = None

        # --- left: the cards
        self.cards_layout = QVBoxLayout()
        self.cards_layout.setContentsMargins(0, 0, 4, 0)
        self.cards_layout.setSpacing(6)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addLayout(self.cards_layout)
        holder_layout.addStretch(1)
        cards_scroll = QScrollArea()
        cards_scroll.setWidget(holder)
        cards_scroll.setWidgetResizable(True)
        cards_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>Watched models</b>")
        heading.setToolTip("Every model version that has been served or checked")
        left_layout.addWidget(heading)
        left_layout.addWidget(cards_scroll, 1)

        # --- right: what to check
        self.title = QLabel()
        self.title.setObjectName("monitoringTitle")
        self.title.setWordWrap(True)
        self.window_mode = QComboBox()
        self.window_mode.addItem("Each day of the log", DAY)
        self.window_mode.addItem("A week…", WEEK)
        self.window_mode.addItem("A time range…", RANGE)
        self.window_mode.addItem("A dataset…", DATASET)
        self.window_mode.setToolTip(
            "What to check. Each day of the log: every day of predictions the server made, day "
            "by day (this feeds the trends). A week: all predictions of the seven days from a "
            "date. A time range: all predictions between two dates. A dataset: the rows of an "
            "imported dataset, e.g. a new batch before scoring it."
        )
        self.window_mode.currentIndexChanged.connect(lambda _index: self._mode_changed())
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-6))
        self.until = QDateEdit(today)
        self.week_start = QDateEdit(today.addDays(1 - WEEK_DAYS))
        for edit, tip in (
            (self.since, "The first day of predictions to check"),
            (self.until, "The last day of predictions to check (included)"),
            (self.week_start, "The first of the seven days of predictions to check"),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setToolTip(tip)
        self.range_box = QWidget()
        range_layout = QHBoxLayout(self.range_box)
        range_layout.setContentsMargins(0, 0, 0, 0)
        range_layout.addWidget(QLabel("from"))
        range_layout.addWidget(self.since)
        range_layout.addWidget(QLabel("to"))
        range_layout.addWidget(self.until)
        self.week_end = QLabel()
        self.week_start.dateChanged.connect(lambda _date: self._week_changed())
        self._week_changed()
        self.week_box = QWidget()
        week_layout = QHBoxLayout(self.week_box)
        week_layout.setContentsMargins(0, 0, 0, 0)
        week_layout.addWidget(QLabel("from"))
        week_layout.addWidget(self.week_start)
        week_layout.addWidget(self.week_end)
        self.dataset_choice = QComboBox()
        self.dataset_choice.setToolTip(
            "The dataset version whose rows to check; it needs the model's input columns"
        )
        self.dataset_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.reference_choice = QComboBox()
        self.reference_choice.setToolTip(
            "What 'normal' looks like. By default the rows of the training data the model was "
            "tested on (held out from its training); or choose a dataset version."
        )
        self.reference_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.reference_choice.activated.connect(lambda _index: self._reference_changed())
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Check:"))
        choose.addWidget(self.window_mode)
        for chooser in (self.week_box, self.range_box, self.dataset_choice):
            chooser.hide()  # until its kind of window is chosen, so it never widens the pane
            choose.addWidget(chooser)
        choose.addSpacing(12)
        choose.addWidget(QLabel("Compare with:"))
        choose.addWidget(self.reference_choice)
        choose.addStretch(1)

        self.check_button = _button(
            "Check now",
            "Compare the chosen window with the reference now (F5). Each day of the log: only "
            "days not checked yet are read.",
        )
        self.check_button.setObjectName("checkNowButton")
        self.check_button.clicked.connect(lambda: self.check_now())
        self.labels_button = _button(
            "Import labels…",
            "Bring in what really happened for past predictions, to measure how often the model "
            "was right",
        )
        self.labels_button.clicked.connect(lambda: self.open_labels_dialog())
        self.thresholds_button = _button(
            "Thresholds…", "Decide when a change counts as drift (for every model)"
        )
        self.thresholds_button.clicked.connect(lambda: self.open_thresholds_dialog())
        self.export_button = _button(
            "Export report…", "Save the report shown, with its charts and trends, as one web page"
        )
        self.export_button.clicked.connect(self.choose_export_file)
        self.retrain_button = _button(
            "Retrain…",
            "Train a challenger on newer data with the same recipe and compare it with this "
            "version",
        )
        self.retrain_button.setObjectName("retrainButton")
        self.retrain_button.clicked.connect(lambda: self.open_retrain_dialog())
        self.task_panel = TaskPanel()
        self.actions = actions = QHBoxLayout()
        for button in (
            self.check_button,
            self.labels_button,
            self.thresholds_button,
            self.export_button,
            self.retrain_button,
        ):
            actions.addWidget(button)
        actions.addWidget(self.task_panel, 1)
        actions.addStretch(0)
        shortcut = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.check_now())

        # --- the report tab
        self.window_shown = QComboBox()
        self.window_shown.setObjectName("windowShown")
        self.window_shown.setToolTip(
            "Which checked window the report describes: the time ranges and datasets checked "
            "(newest first), then each checked day (newest first). Only checks made against the "
            "chosen reference, under the current thresholds, are listed."
        )
        self.window_shown.currentIndexChanged.connect(self._window_chosen)
        shown_row = QHBoxLayout()
        shown_row.addWidget(QLabel("Report on:"))
        shown_row.addWidget(self.window_shown, 1)
        self.report_view = ReportView()
        report_tab = QWidget()
        report_layout = QVBoxLayout(report_tab)
        report_layout.addLayout(shown_row)
        report_layout.addWidget(self.report_view, 1)

        self.trends = TrendsView()

        self.tabs = QTabWidget()
        self.tabs.addTab(report_tab, "Report")
        self.tabs.addTab(self.trends, "Trends")
        self.tabs.setTabToolTip(0, "What the check of one window found")
        self.tabs.setTabToolTip(1, "How the checks changed day by day")

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addLayout(choose)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("monitoringSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([230, 1000])
        self.empty = EmptyState(
            "No model is being watched yet",
            "Serve a model from the Models pane; its predictions show up here.",
            [("Open Models", self.models_requested.emit)],
        )
        self.stack = pane_layout(self, self.empty, self.splitter, "Monitoring")
        self.restore_layout()

        state.monitoring_changed.connect(self.refresh)
        state.models_changed.connect(self.refresh)
        state.serving_changed.connect(lambda _url: self.refresh())
        state.datasets_changed.connect(lambda _name: self._fill_dataset_choices())
        state.workspace_changed.connect(self._workspace_changed)
        self._fill_dataset_choices()
        self._mode_changed()
        self.refresh()

    # --- layout ------------------------------------------------------------------------------------

    def restore_layout(self) -> None:
        sizes = self.state.settings.get(SPLITTER_SETTINGS) or {}
        for key, splitter in self._splitters().items():
            if sizes.get(key):
                splitter.setSizes(sizes[key])

    def save_layout(self) -> None:
        self.state.settings.set(
            SPLITTER_SETTINGS, {key: s.sizes() for key, s in self._splitters().items()}
        )

    def _splitters(self) -> dict[str, QSplitter]:
        return {
            "cards": self.splitter,
            "report": self.report_view.report_splitter,
            "details": self.report_view.detail_splitter,
        }

    # --- cards -------------------------------------------------------------------------------------

    def _workspace_changed(self) -> None:
        self.selected_ref = None
        self._fill_dataset_choices()
        self.refresh()

    def refresh(self) -> None:
        """Reload the cards from stored results (nothing is computed), keeping the selection."""
        listed = listing.monitoring_overview(self.state.workspace)
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        for entry in listed:
            card = StatusCard(entry)
            card.clicked.connect(self.select)
            self.cards_layout.addWidget(card)
            self.cards.append(card)
        self.stack.setCurrentWidget(self.splitter if listed else self.empty)
        refs = [card.ref for card in self.cards]
        if not refs:
            self.selected_ref = None
            self._show_version()
            return
        self.select(self.selected_ref if self.selected_ref in refs else refs[0], force=True)

    def card(self, ref: str) -> StatusCard | None:
        return next((card for card in self.cards if card.ref == ref), None)

    def select(self, ref: str, force: bool = False) -> None:
        """Show ``ref``'s stored results."""
        if ref == self.selected_ref and not force:
            return
        changed = ref != self.selected_ref
        self.selected_ref = ref
        for card in self.cards:
            card.set_selected(card.ref == ref)
        if changed or self.record is None:
            self.record = model_registry.show_model(self.state.workspace, ref)
        self._show_version(reset_dates=changed)

    # --- what to check -------------------------------------------------------------------------

    def _fill_dataset_choices(self) -> None:
        refs = [
            (f"{row['name']}@{number}", f"{row['name']} version {number}")
            for row in datasets.list_datasets(self.state.workspace)
            for number in range(row["latest"], 0, -1)
        ]
        self.dataset_refs = [ref for ref, _label in refs]
        for combo, first in (
            (self.reference_choice, "Training data (held out)"),
            (self.dataset_choice, None),
        ):
            kept = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if first:
                combo.addItem(first, TRAINING)
            for ref, label in refs:
                combo.addItem(label, ref)
            combo.setCurrentIndex(max(combo.findData(kept), 0))
            combo.blockSignals(False)
        self._update_buttons()

    def mode(self) -> str:
        return str(self.window_mode.currentData())

    def reference(self) -> str | None:
        value = self.reference_choice.currentData()
        return str(value) if value else None

    def _mode_changed(self) -> None:
        mode = self.mode()
        self.week_box.setVisible(mode == WEEK)
        self.range_box.setVisible(mode == RANGE)
        self.dataset_choice.setVisible(mode == DATASET)
        self._update_buttons()

    def _days(self) -> tuple[date, date]:
        """The first and last day (included) of the week or time range to check."""
        if self.mode() == WEEK:
            start = self.week_start.date()
            return start.toPython(), start.addDays(WEEK_DAYS - 1).toPython()
        return self.since.date().toPython(), self.until.date().toPython()

    def _week_changed(self) -> None:
        last = self.week_start.date().addDays(WEEK_DAYS - 1)
        self.week_end.setText(f"to {last.toString('yyyy-MM-dd')}")

    def _reference_changed(self) -> None:
        """Stored day results belong to one reference: show the ones for the chosen one."""
        if self.selected_ref is not None:
            self._show_version()

    def _update_buttons(self) -> None:
        selected = self.selected_ref is not None
        can_check = selected and self.checking is None
        if self.mode() == DATASET:
            can_check = can_check and self.dataset_choice.count() > 0
        self.check_button.setEnabled(can_check)
        self.labels_button.setEnabled(selected)
        self.retrain_button.setEnabled(selected)
        self.export_button.setEnabled(self.report is not None and self.exporting is None)
        self.window_mode.setEnabled(self.checking is None)
        self.reference_choice.setEnabled(self.checking is None)
        if self.mode() == DATASET and not self.dataset_choice.count():
            self.check_button.setToolTip("Import a dataset first (Datasets pane) to check it here")
        else:
            self.check_button.setToolTip(
                "Compare the chosen window with the reference now (F5). Each day of the log: "
                "only days not checked yet are read."
            )

    # --- what is shown -----------------------------------------------------------------------------

    def _show_version(self, reset_dates: bool = False) -> None:
        """Show the selected version's stored checks (its days, time ranges and datasets)."""
        ref = self.selected_ref
        if ref is None or self.record is None:
            self.title.clear()
            self.history = []
            self.trends.set_history([], "", {})
            self._fill_windows()
            self._update_buttons()
            return
        card = self.card(ref)
        status = card.card["status"] if card else NOT_CHECKED
        self.title.setText(
            f"<b>{html.escape(version_words(ref))}</b> predicts "
            f"<b>{html.escape(self.record['target'])}</b> from "
            f"{len(self.record['inputs'])} columns. Latest status: "
            f"<b>{status_word(status)}</b>."
        )
        self.title.setToolTip(STATUS_MEANINGS.get(status, ""))
        thresholds = saved_thresholds(self.state.settings)
        self.history = trends.history(self.state.workspace, ref, self.reference(), thresholds)
        if self.history and reset_dates:  # the dates the user picks stay until another version
            first = date.fromisoformat(self.history[0]["window"]["name"])
            last = date.fromisoformat(self.history[-1]["window"]["name"])
            self.since.setDate(QDate(first.year, first.month, first.day))
            self.until.setDate(QDate(last.year, last.month, last.day))
            self.week_start.setDate(self.until.date().addDays(1 - WEEK_DAYS))
        self._fill_windows()
        self.trends.set_history(
            self.history, reference_words(self.reference()), thresholds.as_dict()
        )
        self._update_buttons()

    def _fill_windows(self) -> None:
        """List the stored checks of the selected version made against the chosen reference
        under the current thresholds: time ranges and datasets first, then the days. The newest
        day is shown unless another window was asked for (the one just checked)."""
        reference = self.reference() or windows.TRAINING
        thresholds = saved_thresholds(self.state.settings).as_dict()
        ref = self.selected_ref
        stored = checks.results(self.state.workspace, ref) if ref is not None else []
        others = [
            (window_key(report), report)
            for report in stored
            if (report.get("window") or {}).get("reference") == reference
            and report.get("thresholds") == thresholds
        ]
        days = [(window_key(report), report) for report in reversed(self.history)]
        self.windows = others + days
        wanted, self._wanted_window = self._wanted_window, None
        keys = [key for key, _ in self.windows]
        newest_day = days[0][0] if days else None
        if wanted not in keys:
            wanted = newest_day or (keys[0] if keys else None)
        self.window_shown.blockSignals(True)
        self.window_shown.clear()
        for key, report in self.windows:
            if others and key == newest_day:  # the days, below the other checks
                self.window_shown.insertSeparator(self.window_shown.count())
            self.window_shown.addItem(
                f"{window_title(report)} — {report['n_current']:,} rows — "
                f"{status_word(report['status'])}",
                key,
            )
        self.window_shown.setCurrentIndex(max(self.window_shown.findData(wanted), 0))
        self.window_shown.blockSignals(False)
        self.window_shown.setEnabled(bool(self.windows))
        self._window_chosen(self.window_shown.currentIndex())

    def _window_chosen(self, index: int) -> None:
        key = self.window_shown.itemData(index)
        self.show_report(next((report for k, report in self.windows if k == key), None))

    def show_report(self, report: dict[str, Any] | None) -> None:
        self.report = report
        self._update_buttons()
        if report is not None:
            self.report_view.show_report(report, self._performance())
        elif self.selected_ref is None:
            self.report_view.show_nothing("")
        else:
            self.report_view.show_nothing(
                f"<b>No report yet</b> for {html.escape(version_words(self.selected_ref))} "
                f"compared with {html.escape(reference_words(self.reference()))} under the "
                "current thresholds. Press <b>Check now</b> (F5) to check its predictions day "
                "by day."
            )

    def _performance(self) -> str:
        """How well the model did on the window shown; else where that is known."""
        measured = performance_text((self.report or {}).get("performance"))
        if measured:
            return measured
        card = self.card(self.selected_ref) if self.selected_ref else None
        if card is not None and card.card.get("performance"):
            return (
                "not known yet for these predictions (no true outcomes imported for them). "
                f"Newest known: {sentence_case(card_performance(card.card))}."
            )
        return (
            "not known yet: no true outcome of these predictions was imported. Use Import "
            "labels… once you know what really happened."
        )

    # --- actions -----------------------------------------------------------------------------------

    def check_now(self) -> Task | None:
        """Check the chosen window of the selected version in a worker process."""
        ref = self.selected_ref
        if ref is None or self.checking is not None:
            return None
        mode, reference = self.mode(), self.reference()
        thresholds = saved_thresholds(self.state.settings)
        workers, home = self.state.workers, self.state.home
        if mode == DAY:
            task = workers.run_in_workspace(
                f"Checking each day of {version_words(ref)}",
                home,
                trends.update_days,
                ref,
                reference=reference,
                thresholds=thresholds,
            )
        elif mode in (WEEK, RANGE):
            start, end = self._days()
            since = datetime(start.year, start.month, start.day, tzinfo=UTC)
            until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
            task = workers.run_in_workspace(
                f"Checking {version_words(ref)} from {start} to {end}",
                home,
                checks.check,
                ref,
                reference=reference,
                since=since,
                until=until,
                thresholds=thresholds,
            )
        else:
            current = self.dataset_choice.currentData()
            if current is None:
                return None
            task = workers.run_in_workspace(
                f"Checking {dataset_words(current)}",
                home,
                checks.check,
                ref,
                reference=reference,
                current=current,
                thresholds=thresholds,
            )
        self.checking = task
        self.task_panel.follow(task)
        self._update_buttons()
        task.succeeded.connect(lambda result: self._checked(ref, mode, result))
        task.failed.connect(lambda message: show_message(self, message))
        task.cancelled.connect(
            lambda: self.state.status_message.emit("Check cancelled; nothing new was kept.")
        )
        task.finished.connect(self._check_finished)
        return task

    def _checked(self, ref: str, mode: str, result: Any) -> None:
        if mode == DAY:
            self._wanted_window = None  # the newest day
            self.state.status_message.emit(
                f"Checked {counted(result, 'new day')} of {version_words(ref)}."
                if result
                else f"Every day of {version_words(ref)}'s predictions was already checked."
            )
            return
        self._wanted_window = window_key(result)  # shown once the stored checks are read again
        self.state.status_message.emit(f"Checked {sentence_case(window_title(result))}.")

    def _check_finished(self) -> None:
        self.checking = None
        self._update_buttons()
        self.state.monitoring_changed.emit()

    def _keep_open(self, dialog: QDialog, attribute: str) -> None:
        """Show ``dialog`` as ``self.<attribute>`` until it closes (then it is deleted)."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def closed(_result: int) -> None:
            if getattr(self, attribute) is dialog:  # not a newer one of the same kind
                setattr(self, attribute, None)

        dialog.finished.connect(closed)
        setattr(self, attribute, dialog)

    def open_labels_dialog(self, path: Path | None = None) -> LabelsDialog | None:
        if self.record is None:
            return None
        dialog = LabelsDialog(self.state, self.record, path, self)
        dialog.imported.connect(lambda result: self._labels_imported(dialog, result))
        self._keep_open(dialog, "labels_dialog")
        dialog.open()
        return dialog

    def _labels_imported(self, dialog: LabelsDialog, result: dict[str, Any]) -> None:
        name = dialog.path.name if dialog.path else "the file"
        show_message(
            self,
            matched_text(result, name)
            + " The days they belong to are being checked again to measure how often the model "
            "was right.",
            QMessageBox.Icon.Information,
        )
        self.state.monitoring_changed.emit()
        self.check_now()

    def open_thresholds_dialog(self) -> ThresholdsDialog:
        dialog = ThresholdsDialog(self.state.settings, self)
        dialog.saved.connect(self._thresholds_saved)
        self._keep_open(dialog, "thresholds_dialog")
        dialog.open()
        return dialog

    def open_retrain_dialog(self) -> RetrainDialog | None:
        """Retrain the selected version in a window of its own (training can take a while, so
        the pane stays usable); the cards are read again once a challenger is promoted."""
        ref = self.selected_ref
        if ref is None:
            return None
        if self.retrain_dialog is not None and self.retrain_dialog.ref == ref:
            self.retrain_dialog.raise_()
            self.retrain_dialog.activateWindow()
            return self.retrain_dialog
        trained_on = datasets.parse_ref(self.record["dataset"])[0] if self.record else None
        refs = sorted(  # the versions of its training data first: the likeliest newer data
            self.dataset_refs, key=lambda r: datasets.parse_ref(r)[0] != trained_on
        )
        dialog = RetrainDialog(self.state, ref, refs, self)
        dialog.promoted.connect(lambda _new_ref: self.refresh())
        self._keep_open(dialog, "retrain_dialog")
        dialog.show()
        return dialog

    def _thresholds_saved(self) -> None:
        self.state.status_message.emit(
            "Saved the thresholds. Press Check now (F5) to check with them."
        )
        if self.selected_ref is not None:
            self._show_version()

    def choose_export_file(self) -> None:
        if self.report is None or self.selected_ref is None:
            return
        name = f"{version_words(self.selected_ref)} {window_title(self.report)} report.html"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the report", str(Path.home() / name), "Web page (*.html)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> Task | None:
        """Write the report shown (with the trends, for a day) as one HTML file, off the GUI
        thread."""
        report = self.report
        if report is None or self.exporting is not None:
            return None
        history = self.history if (report.get("window") or {}).get("kind") == DAY else None
        task = self.state.workers.run_in_thread(
            "Exporting the report",
            lambda: html_report.export_report(report, path, history=history),
            owner=self,
        )
        self.exporting = task
        self._update_buttons()
        task.succeeded.connect(
            lambda written: self.state.status_message.emit(f"Saved the report to {written}.")
        )
        task.failed.connect(lambda message: show_message(self, message))
        task.finished.connect(self._export_finished)
        return task

    def _export_finished(self) -> None:
        self.exporting = None
        self._update_buttons()
