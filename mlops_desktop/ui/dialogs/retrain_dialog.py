"""Retrain a drifting model version: train a challenger with the same recipe on new data, compare it
with the version in production on rows neither trained on, and promote it with a note if better."""

from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.monitoring import retraining
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.vocabulary import (
    MEASURE_WORDS,
    measure_text,
    measure_title,
    version_words,
)
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.help import tip
from mlops_desktop.ui.models.tables import Column, RecordsModel
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task


def _value(row: dict[str, Any], side: str) -> str:
    value = row[side]
    return "" if value is None else measure_text(row["name"], value)


def comparison_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per measure, the main one first: the current version's value, the
    challenger's, and, on the main measure, which is better when the paired test can tell."""
    current, challenger = result["metrics"]["current"], result["metrics"]["challenger"]
    names = [result["main_metric"], *(n for n in MEASURE_WORDS if n != result["main_metric"])]
    winner = {"better": "challenger", "worse": "current"}.get(result["verdict"], "")
    rows = []
    for name in names:
        mine, theirs = current.get(name), challenger.get(name)
        if mine is None and theirs is None:
            continue
        better = winner if name == result["main_metric"] else ""
        rows.append(
            {
                "name": name,
                "measure": measure_title(name),
                "current": mine,
                "challenger": theirs,
                "better": better,
            }
        )
    return rows


class RetrainDialog(QDialog):
    promoted = Signal(str)  # the new version's reference

    def __init__(
        self, state: AppState, ref: str, dataset_refs: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.state = state
        self.ref = ref
        self.result: dict[str, Any] | None = None
        self.task: Task | None = None
        self.setWindowTitle(f"Retrain {version_words(ref)}")
        self.setObjectName("retrainDialog")
        self.resize(640, 520)

        intro = QLabel(
            f"Train a challenger for <b>{version_words(ref)}</b> with the same recipe "
            "(algorithm, settings, columns and seed) on newer data, then compare it with the "
            "version in production (or this one, if none is) on rows that neither trained on. "
            "Bold marks the better score on the main measure, when the rows can tell the two apart. "
            "Nothing changes in service until you promote it."
        )
        intro.setWordWrap(True)
        self.with_labels = QRadioButton("Its training data plus the predictions that have labels")
        self.with_labels.setToolTip(
            "The labelled predictions are added to the training data and saved as a new version "
            "of that dataset, so the challenger can be reproduced like any run."
        )
        self.with_dataset = QRadioButton("A newer dataset version:")
        self.with_dataset.setToolTip("For example next month's file, imported with its outcomes")
        self.dataset = QComboBox()
        self.dataset.addItems(dataset_refs)
        self.dataset.setEnabled(False)
        group = QButtonGroup(self)
        group.addButton(self.with_labels)
        group.addButton(self.with_dataset)
        self.with_labels.setChecked(True)
        self.with_dataset.toggled.connect(self.dataset.setEnabled)
        self.with_dataset.setEnabled(bool(dataset_refs))
        source_row = QHBoxLayout()
        source_row.addWidget(self.with_dataset)
        source_row.addWidget(self.dataset, 1)
        self.train_button = QPushButton("Train challenger")
        self.train_button.setObjectName("trainChallenger")
        self.train_button.setToolTip(
            tip("champion-challenger", "Train and compare; this can take as long as training did.")
        )
        self.train_button.clicked.connect(self.train)
        self.task_panel = TaskPanel()

        self.model = RecordsModel(
            [
                Column("Measure", lambda row: row["measure"]),
                Column(
                    "Current version",
                    lambda row: _value(row, "current"),
                    align_right=True,
                    bold=lambda row: row["better"] == "current",
                ),
                Column(
                    "Challenger",
                    lambda row: _value(row, "challenger"),
                    align_right=True,
                    bold=lambda row: row["better"] == "challenger",
                ),
            ],
            self,
        )
        self.table = QTableView()
        self.table.setObjectName("retrainComparison")
        self.table.setModel(self.model)
        self.table.verticalHeader().hide()
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.verdict = QLabel("Train a challenger to see how it compares.")
        self.verdict.setObjectName("retrainVerdict")
        self.verdict.setWordWrap(True)

        self.note = QPlainTextEdit()
        self.note.setPlaceholderText("Why it goes into service, e.g. 'better on November's data'")
        self.note.setFixedHeight(60)
        self.note.setToolTip("Kept in the model's stage history")
        self.promote_button = QPushButton("Promote to production")
        self.promote_button.setObjectName("promoteChallenger")
        self.promote_button.setToolTip(
            "Register the challenger as the model's next version and put it in production; "
            "the version there now is archived"
        )
        self.promote_button.clicked.connect(self.promote)
        self.note.textChanged.connect(self._update_buttons)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)

        form = QFormLayout()
        form.addRow("Note:", self.note)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(QLabel("Train on:"))
        layout.addWidget(self.with_labels)
        layout.addLayout(source_row)
        layout.addWidget(self.train_button, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.verdict)
        layout.addLayout(form)
        layout.addWidget(self.promote_button, 0, Qt.AlignmentFlag.AlignRight)
        layout.addWidget(close)
        self._update_buttons()

    def train(self) -> Task:
        dataset = self.dataset.currentText() if self.with_dataset.isChecked() else None
        task = self.state.workers.run_in_workspace(
            f"Retraining {self.ref}", self.state.home, retraining.retrain, self.ref, dataset
        )
        self.task = task
        self.result = None
        self.model.set_records([])
        self.task_panel.follow(task)
        task.succeeded.connect(self._show)
        task.failed.connect(self._failed)
        task.finished.connect(self._finished)
        self._update_buttons()
        return task

    def _failed(self, message: str) -> None:
        show_message(self, message)

    def done(self, result: int) -> None:
        """Closing the dialog stops a training it started (a challenger is kept only when done)."""
        if self.task is not None:
            self.task.cancel()
        super().done(result)

    def _finished(self) -> None:
        self.task = None
        self.state.runs_changed.emit()  # the challenger is a run (and maybe a dataset version)
        self.state.datasets_changed.emit("")
        self._update_buttons()

    def _show(self, result: dict[str, Any]) -> None:
        self.result = result
        self.model.set_records(comparison_rows(result))
        self.verdict.setText(result["summary"])

    def _update_buttons(self) -> None:
        self.train_button.setEnabled(self.task is None)
        self.promote_button.setEnabled(
            self.result is not None and bool(self.note.toPlainText().strip())
        )

    def promote(self) -> None:
        if self.result is None:
            return
        name = self.ref.partition("@")[0]
        workspace = self.state.workspace
        try:
            version = model_registry.register(
                workspace,
                self.result["challenger"]["run_id"],
                name,
                f"Retrained from {self.result['retrained_from']} on {self.result['dataset']}.",
            )
            model_registry.set_stage(
                workspace, name, version["version"], "production", self.note.toPlainText().strip()
            )
        except UserError as error:
            show_message(self, str(error))
            return
        self.state.models_changed.emit()
        self.state.status_message.emit(f"{version['ref']} is now in production.")
        self.promoted.emit(version["ref"])
        self.accept()
