"""The Audit pane: every change anyone made in the workspace, newest first, filtered and searched
in the store (``governance.audit_log``), exported to CSV and checked against its hash chain."""

from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

from PySide6.QtCore import QDate, QModelIndex, Qt, QTimer, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.governance import audit_log
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.ui.errors import ERROR_STYLE, show_message
from mlops_desktop.ui.models.audit_events import AuditEventsModel
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.empty_state import EmptyState, pane_layout
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task

TYPING_PAUSE_MS = 300  # a search waits for the typing to pause, not for every letter
INTACT_STYLE = "color: #1e6b30; font-weight: bold;"
ANY = ""  # the filter lists' first entry: no filtering


class AuditPane(QWidget):
    object_requested = Signal(str)  # a double-clicked event's object: "dataset:iris@2"
    datasets_requested = Signal()  # the empty state's "go and import something"
    filtered = Signal()  # the table shows the current filters' events

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.task: Task | None = None
        self.total = 0  # events in the workspace, counted when the pane is shown

        self.search = QLineEdit()
        self.search.setPlaceholderText("Search objects and details…")
        self.search.setClearButtonEnabled(True)
        self.search.setToolTip("Show only changes whose object or details contain this text")
        self.object = QLineEdit()
        self.object.setPlaceholderText("Object, e.g. dataset:iris")
        self.object.setClearButtonEnabled(True)
        self.object.setToolTip(
            "Show only changes to one thing: dataset:iris (every version), iris@2, "
            "model:Loans@1, run:3f2a (the start of a run's id) or a name of any kind"
        )
        self.action = QComboBox()
        self.action.setToolTip("Show only one kind of change")
        self.user = QComboBox()
        self.user.setToolTip("Show only the changes one computer account made")
        self.since_on, self.since = _date_choice("From", "Show only changes on or after this day")
        self.until_on, self.until = _date_choice("To", "Show only changes on or before this day")
        self.clear_button = QPushButton("Clear filters")
        self.clear_button.setToolTip("Show every change again")
        self.clear_button.clicked.connect(self.clear_filters)
        filters = QHBoxLayout()
        filters.addWidget(self.search, 2)
        filters.addWidget(self.object, 2)
        filters.addWidget(self.action, 2)
        filters.addWidget(self.user, 1)
        for widget in (self.since_on, self.since, self.until_on, self.until, self.clear_button):
            filters.addWidget(widget)

        self.count_label = QLabel()
        self.count_label.setObjectName("auditCount")
        self.verify_button = QPushButton("Verify chain")
        self.verify_button.setToolTip(
            "Check that no recorded change was edited, removed or added outside the app: each "
            "change is sealed with a fingerprint (SHA-256) of itself and of the change before it"
        )
        self.verify_button.clicked.connect(self.verify)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip(
            "Save the events shown (with the filters as set) as a CSV file, oldest first"
        )
        self.export_button.clicked.connect(self.choose_export_file)
        self.verdict = QLabel()
        self.verdict.setObjectName("auditVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.hide()  # until the chain has been checked
        self.task_panel = TaskPanel()
        actions = QHBoxLayout()
        actions.addWidget(self.count_label)
        actions.addStretch(1)
        actions.addWidget(self.task_panel, 2)
        actions.addWidget(self.verify_button)
        actions.addWidget(self.export_button)

        self.model = AuditEventsModel(self)
        self.view = QTableView()
        self.view.setObjectName("auditTable")
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        for column, width in enumerate((150, 70, 200, 270)):
            header.resizeSection(column, width)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setStretchLastSection(True)
        self.view.doubleClicked.connect(self._open_object)

        intro = QLabel(
            "Every change made in this workspace — in the app, on the command line or by a "
            "running server — is an event here, newest first. Double-click an event to open what "
            "it changed."
        )
        intro.setWordWrap(True)
        content = QWidget()
        layout = QVBoxLayout(content)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(intro)
        layout.addLayout(filters)
        layout.addLayout(actions)
        layout.addWidget(self.verdict)
        layout.addWidget(self.view, 1)

        self.empty = EmptyState(
            "No changes recorded yet",
            "Every change made in this workspace will be listed here: importing and preparing "
            "data, training, registering and approving models, serving them. Each shows who made "
            "it and when, and is sealed, so that a record edited outside the app can be found. "
            "Start by importing data.",
            [("Open Datasets", self.datasets_requested.emit)],
        )
        self.stack = pane_layout(self, self.empty, content, "Audit trail")

        self.typing = QTimer(self)
        self.typing.setSingleShot(True)
        self.typing.setInterval(TYPING_PAUSE_MS)
        self.typing.timeout.connect(self.apply_filters)
        for line in (self.search, self.object):
            line.textChanged.connect(self.typing.start)
        for choice in (self.action, self.user):
            choice.currentIndexChanged.connect(self.apply_filters)
        for edit in (self.since, self.until):
            edit.dateChanged.connect(self.apply_filters)
        for box in (self.since_on, self.until_on):
            box.toggled.connect(self.apply_filters)
        state.workspace_changed.connect(self.verdict.hide)  # it was another workspace's
        state.workspace_changed.connect(lambda: self.isVisible() and self.refresh())

    def showEvent(self, event: QShowEvent) -> None:
        """The events are read when the pane is shown, so changes made meanwhile (in other panes,
        on the command line, by a server) are there each time."""
        super().showEvent(event)
        self.refresh()

    def refresh(self) -> None:
        """Read the filter lists and the matching events again."""
        self.total = audit_log.count(self.state.workspace)
        choices = audit_log.choices(self.state.workspace)
        _fill(self.action, "Any change", choices["actions"], audit_log.action_words)
        _fill(self.user, "Anyone", choices["users"], str)
        self.apply_filters()

    def current_filter(self) -> audit_log.AuditFilter:
        return audit_log.AuditFilter(
            since=_day_start(self.since.date()) if self.since_on.isChecked() else None,
            until=_day_start(self.until.date().addDays(1)) if self.until_on.isChecked() else None,
            entity=self.object.text(),
            action=self.action.currentData() or ANY,
            user=self.user.currentData() or ANY,
            text=self.search.text(),
        )

    def apply_filters(self) -> None:
        self.typing.stop()
        workspace = self.state.workspace
        audit_filter = self.current_filter()
        self.model.show(workspace, audit_filter)
        shown = self.model.rowCount()
        if audit_filter == audit_log.AuditFilter():  # counted anyway: the total is up to date
            self.total = shown
        total = self.total
        self.stack.setCurrentIndex(1 if total else 0)
        if shown == total:
            self.count_label.setText(counted(total, "event"))
        elif shown:
            self.count_label.setText(f"{shown:,} of {counted(total, 'event')} match the filters")
        else:
            self.count_label.setText(
                f"None of the {counted(total, 'event')} match the filters; clear them to see all"
            )
        self.export_button.setEnabled(bool(shown) and self.task is None)
        self.filtered.emit()

    def clear_filters(self) -> None:
        for widget in (self.search, self.object, self.action, self.user):
            widget.blockSignals(True)
        self.search.clear()
        self.object.clear()
        self.action.setCurrentIndex(0)
        self.user.setCurrentIndex(0)
        for widget in (self.search, self.object, self.action, self.user):
            widget.blockSignals(False)
        self.since_on.setChecked(False)
        self.until_on.setChecked(False)
        self.apply_filters()

    def _open_object(self, index: QModelIndex) -> None:
        self.object_requested.emit(self.model.event(index.row())["object"])

    # --- work in the background ----------------------------------------------------------------

    def verify(self) -> Task:
        """Check the whole chain in a worker process; the verdict shows above the table."""
        task = self.state.workers.run_in_workspace(
            "Checking every change against its fingerprint", self.state.home, audit_log.verify
        )
        self._started(task)
        self.verdict.hide()
        task.succeeded.connect(self._verified)
        return task

    def _verified(self, result: dict[str, Any]) -> None:
        self.verdict.setText(f"Checked at {datetime.now():%H:%M}: {audit_log.verdict(result)}")
        self.verdict.setStyleSheet(INTACT_STYLE if result["intact"] else ERROR_STYLE)
        self.verdict.show()

    def choose_export_file(self) -> None:
        suggested = Path.home() / f"audit trail {datetime.now():%Y-%m-%d}.csv"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the changes shown", str(suggested), "CSV (*.csv)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, output: Path) -> Task:
        """Write the events the filters let through to ``output``, in a worker process."""
        task = self.state.workers.run_in_workspace(
            f"Exporting to {output.name}",
            self.state.home,
            audit_log.export_csv,
            self.model.audit_filter,
            output,
        )
        self._started(task)
        task.succeeded.connect(
            lambda result: self.state.status_message.emit(
                f"Saved {counted(result['events'], 'event')} to {result['output']}."
            )
        )
        return task

    def _started(self, task: Task) -> None:
        self.task = task
        self.task_panel.follow(task)
        for button in (self.verify_button, self.export_button):
            button.setEnabled(False)
        task.failed.connect(lambda message: show_message(self, message))
        task.finished.connect(self._finished)

    def _finished(self) -> None:
        self.task = None
        self.verify_button.setEnabled(True)
        self.export_button.setEnabled(self.model.rowCount() > 0)


def _date_choice(label: str, tip: str) -> tuple[QCheckBox, QDateEdit]:
    """A tick box that turns a day filter on, and the day it filters on (today at first)."""
    box = QCheckBox(label)
    box.setToolTip(tip)
    edit = QDateEdit(QDate.currentDate())
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("yyyy-MM-dd")
    edit.setToolTip(tip)
    edit.setEnabled(False)
    box.toggled.connect(edit.setEnabled)
    return box, edit


def _day_start(day: QDate) -> datetime:
    """The first moment of a local calendar day, in UTC."""
    local = datetime.combine(day.toPython(), time()).astimezone()
    return local.astimezone(UTC)


def _fill(choice: QComboBox, anything: str, values: list[str], words: Any) -> None:
    """Offer ``values`` (shown in ``words``) after "any", keeping the current choice if it is still
    there; the list changes without filtering twice."""
    kept = choice.currentData()
    choice.blockSignals(True)
    choice.clear()
    choice.addItem(anything, ANY)
    for value in values:
        choice.addItem(words(value), value)
        choice.setItemData(choice.count() - 1, value, Qt.ItemDataRole.ToolTipRole)
    choice.setCurrentIndex(max(choice.findData(kept), 0))
    choice.blockSignals(False)
