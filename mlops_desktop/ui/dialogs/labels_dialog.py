"""Import true outcomes (labels) for a served model's predictions: choose a file (or drop one),
say which column identifies each prediction and which holds the outcome, then import in a worker
process. Once outcomes are known, the Monitoring pane shows how well the model performs."""

import html
from pathlib import Path
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.data import datasets
from mlops_desktop.core.monitoring import labels
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.ui import errors
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.file_field import FileField, dropped_data_file
from mlops_desktop.ui.widgets.file_preview import PreviewReader, PreviewTable
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task

REQUEST_ID_NAMES = {"requestid", "xrequestid", "request", "id"}
PREVIEW_ROWS = 5


def _plain(name: str) -> str:
    return "".join(c for c in name.lower() if c.isalnum())


class LabelsDialog(QDialog):
    imported = Signal(object)  # {"rows", "matched", "unmatched"}

    def __init__(
        self,
        state: AppState,
        record: dict[str, Any],
        path: Path | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import true outcomes")
        self.setObjectName("labelsDialog")
        self.setAcceptDrops(True)
        self.resize(720, 400)
        self.state = state
        self.record = record
        self.path: Path | None = None
        self.columns: list[str] = []
        self.reader = PreviewReader(state.workers, "Reading the outcomes file", self)
        self.reader.read.connect(self._show_preview)
        self.reader.failed.connect(self._preview_failed)
        self.import_task: Task | None = None

        name = html.escape(f"{record['name']} version {record['version']}")
        intro = QLabel(
            f"Bring in what really happened for past predictions of <b>{name}</b>: each row of "
            "your file is matched to one prediction, and the Monitoring pane then shows how "
            "often the model was right.<br>The file needs a column that identifies the "
            "prediction and a column with the true value of "
            f"<b>{html.escape(record['target'])}</b>. You can also drop the file on this window."
        )
        intro.setWordWrap(True)
        self.file_field = FileField(
            "Choose a CSV, Excel or Parquet file, or drop one here…",
            "Pick the file with the true outcomes",
            "Choose the outcomes file",
        )
        self.file_field.chosen.connect(self.set_path)

        self.key_choice = QComboBox()
        self.key_choice.setToolTip(
            "The column that says which prediction a row belongs to: the request id the server "
            "sent back with each answer (X-Request-ID, also listed under Latest requests in the "
            "Models pane), or one of the model's own columns holding a value unique to each row, "
            "such as a customer number."
        )
        self.outcome_choice = QComboBox()
        self.outcome_choice.setToolTip(
            f"The column holding what really happened: the true value of '{record['target']}'."
        )
        self.key_choice.currentIndexChanged.connect(lambda _index: self._update())
        self.outcome_choice.currentIndexChanged.connect(lambda _index: self._update())
        form = QFormLayout()
        form.addRow("Prediction identified by:", self.key_choice)
        form.addRow("True outcome:", self.outcome_choice)

        self.status = QLabel()
        self.status.setObjectName("labelsStatus")
        self.status.setWordWrap(True)
        self.rows_view = PreviewTable()
        self.rows_view.setObjectName("labelsPreview")
        self.rows_view.verticalHeader().hide()
        self.rows_view.setToolTip("The first rows of the file")

        self.task_panel = TaskPanel()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setToolTip("Match the outcomes to the logged predictions and keep them")
        self.import_button.setDefault(True)
        self.import_button.clicked.connect(self.start_import)
        self.buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.file_field)
        layout.addLayout(form)
        layout.addWidget(self.status)
        layout.addWidget(self.rows_view, 1)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.buttons)
        self._update()
        if path is not None:
            self.set_path(path)

    # --- the file ---------------------------------------------------------------------------------

    def set_path(self, path: Path) -> None:
        """Read the file's header (and first rows) off the GUI thread."""
        self.path = path
        self.file_field.show_path(path)
        self.columns = []
        self._fill_choices()
        self.status.setStyleSheet("")
        self.status.setText("Reading the file's columns…")
        self.reader.start(lambda: datasets.preview(path, n_rows=PREVIEW_ROWS))

    def _show_preview(self, preview: datasets.Preview) -> None:
        self.columns = [guess.name for guess in preview.columns]
        self.rows_view.show_rows(preview)
        self._fill_choices()
        self.status.setText(
            f"Read {counted(len(self.columns), 'column')}; the first rows are shown below. Check the two "
            "choices above, then press Import."
        )

    def _preview_failed(self, message: str) -> None:
        self.columns = []
        self._fill_choices()
        self.rows_view.clear_rows()
        self.status.setText(message)
        self.status.setStyleSheet(errors.ERROR_STYLE)

    def _fill_choices(self) -> None:
        """Offer the file's columns, guessing the identifying column (a request id, else a model
        column) and the outcome (the column named like the model's target)."""
        inputs = [column["name"] for column in self.record["inputs"]]
        key = next((c for c in self.columns if _plain(c) in REQUEST_ID_NAMES), None)
        key = key or next((c for c in self.columns if c in inputs), None)
        target = self.record["target"]
        outcome = next((c for c in self.columns if c == target), None)
        outcome = outcome or next((c for c in self.columns if _plain(c) == _plain(target)), None)
        outcome = outcome or next((c for c in reversed(self.columns) if c != key), None)
        for combo, chosen in ((self.key_choice, key), (self.outcome_choice, outcome)):
            combo.blockSignals(True)
            combo.clear()
            for column in self.columns:
                note = " (a model column)" if combo is self.key_choice and column in inputs else ""
                combo.addItem(f"{column}{note}", column)
            combo.setCurrentIndex(max(combo.findData(chosen), 0))
            combo.blockSignals(False)
        self._update()

    def _update(self) -> None:
        key, outcome = self.key_choice.currentData(), self.outcome_choice.currentData()
        ready = bool(self.columns) and key is not None and outcome is not None
        self.import_button.setEnabled(ready and key != outcome and self.import_task is None)
        if ready and key == outcome:
            self.status.setText("Choose two different columns: one identifies, one is the outcome.")

    # One data file dropped, as the main window accepts it (an old .xls: the preview says why not).
    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if dropped_data_file(event) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_data_file(event)
        if path is not None:
            event.acceptProposedAction()
            self.set_path(path)

    # --- import -----------------------------------------------------------------------------------

    def start_import(self) -> Task | None:
        key, outcome = self.key_choice.currentData(), self.outcome_choice.currentData()
        if self.path is None or key is None or outcome is None or self.import_task is not None:
            return None
        task = self.state.workers.run_in_workspace(
            f"Importing outcomes from {self.path.name}",
            self.state.home,
            labels.import_labels,
            self.record["ref"],
            self.path,
            key,
            outcome,
        )
        self.import_task = task
        self.task_panel.follow(task)
        self._update()
        task.succeeded.connect(self._imported)
        task.failed.connect(self._failed)
        task.cancelled.connect(self._cancelled)
        return task

    def _imported(self, result: dict[str, Any]) -> None:
        self.import_task = None
        self.imported.emit(result)
        self.accept()

    def _failed(self, message: str) -> None:
        self.import_task = None
        self._update()
        show_message(self, message)

    def _cancelled(self) -> None:
        self.import_task = None
        self._update()
        self.status.setText("Import cancelled; nothing was kept.")

    def reject(self) -> None:
        if self.import_task is not None:
            self.import_task.cancel()
        super().reject()


def matched_text(result: dict[str, Any], file_name: str) -> str:
    """What an import did, in one or two sentences."""
    text = (
        f"Matched {result['matched']:,} of {result['rows']:,} rows of {file_name} to predictions."
    )
    if result["unmatched"]:
        text += (
            f" {counted(result['unmatched'], 'row')} matched no prediction or had no outcome; "
            "they were left out."
        )
    return text
