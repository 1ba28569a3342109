"""New training: pick data and target, see what will be used and why, pick algorithms, train."""

import html
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.data import datasets, roles
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import algorithms, training
from mlops_desktop.core.names import check_name
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.ui.errors import confirm, show_message
from mlops_desktop.ui.help import tip
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task


class TrainingDialog(QDialog):
    trained = Signal(object)  # the list of run records
    planned = Signal(object)  # the plan of the chosen target, once shown

    def __init__(
        self, state: AppState, dataset: str | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("New training")
        self.setObjectName("trainingDialog")
        self.resize(780, 820)
        self.state = state
        self.plan: training.Plan | None = None
        self.choice: roles.TargetChoice | None = None  # what the dialog started from, and why
        self.task: Task | None = None
        self._plan_task: Task | None = None

        self.dataset = QComboBox()
        self.dataset.setToolTip("The data to learn from (its latest version)")
        self.target = QComboBox()
        self.target.setObjectName("targetChoice")
        self.target.setPlaceholderText("Choose the column to predict")
        self.target.setToolTip(
            "The column the model should learn to predict. The app starts from the dataset's "
            "target, else proposes one: a column named target, label, class, outcome, status, y "
            "or churn, else the last column holding 2 to 10 labels; never simply the last column."
        )
        self.experiment = QLineEdit(training.DEFAULT_EXPERIMENT)
        self.experiment.setToolTip("Runs are grouped into experiments so they can be compared")
        form = QFormLayout()
        form.addRow("Dataset:", self.dataset)
        form.addRow("Predict:", self.target)
        form.addRow("Experiment:", self.experiment)

        self.explanation = QLabel()
        self.explanation.setObjectName("planExplanation")
        self.explanation.setWordWrap(True)
        self.columns = QListWidget()
        self.columns.setObjectName("featureList")
        self.columns.setToolTip(
            "Ticked columns are learned from. Untick one to leave it out, or tick one the app "
            "left out to use it anyway."
        )
        self.columns.setMinimumHeight(110)
        self.columns.itemChanged.connect(lambda _item: self._count_columns())
        self.columns_count = QLabel("Columns to learn from:")
        self.tick_all = QPushButton("Tick all")
        self.tick_all.setToolTip("Learn from every column that can be used")
        self.tick_all.clicked.connect(lambda: self._tick_every(Qt.CheckState.Checked))
        self.untick_all = QPushButton("Untick all")
        self.untick_all.setToolTip("Start from no column, then tick the ones to learn from")
        self.untick_all.clicked.connect(lambda: self._tick_every(Qt.CheckState.Unchecked))
        self.drop_missing = QCheckBox()
        self.drop_missing.setChecked(True)
        self.drop_missing.hide()

        self.algorithm_boxes: dict[str, QCheckBox] = {}
        algorithms_box = QGroupBox("Algorithms")
        grid = QGridLayout(algorithms_box)
        self.try_all = QCheckBox("Try all suitable")
        self.try_all.setToolTip("Train every algorithm that fits this task, each as its own run")
        self.try_all.setChecked(True)
        self.try_all.toggled.connect(self._update_algorithms)
        grid.addWidget(self.try_all, 0, 0, 1, 2)
        self.settings = QTabWidget()
        self.settings.setObjectName("algorithmSettings")
        self.setting_fields: dict[str, dict[str, QLineEdit]] = {}
        for index, algorithm in enumerate(algorithms.ALGORITHMS.values()):
            box = QCheckBox(algorithm.label)
            box.setToolTip(
                "; ".join(f"{p.name}: {p.help} (default {p.default})" for p in algorithm.parameters)
                or "No settings to adjust."
            )
            box.toggled.connect(self._update_settings_tabs)
            self.algorithm_boxes[algorithm.name] = box
            grid.addWidget(box, 1 + index // 2, index % 2)
            self.settings.addTab(self._settings_form(algorithm), algorithm.label)
        self._update_settings_tabs()

        self.test_size = QDoubleSpinBox()
        self.test_size.setRange(0.05, 0.5)
        self.test_size.setSingleStep(0.05)
        self.test_size.setValue(training.DEFAULT_TEST_SIZE)
        self.test_size.setToolTip(tip("held-out"))
        self.cv = QSpinBox()
        self.cv.setRange(0, 10)
        self.cv.setSpecialValueText("off")
        self.cv.setToolTip(tip("cross-validation"))
        self.seed = QSpinBox()
        self.seed.setRange(0, 2**31 - 1)
        self.seed.setValue(training.DEFAULT_SEED)
        self.seed.setToolTip(tip("seed"))
        options = QGroupBox("Evaluation")
        options_form = QFormLayout(options)
        options_form.addRow("Held-out share:", self.test_size)
        options_form.addRow("Cross-validation folds:", self.cv)
        options_form.addRow("Seed:", self.seed)

        self.task_sentence = QLabel()
        self.task_sentence.setObjectName("taskSentence")
        self.task_sentence.setWordWrap(True)
        self.task_sentence.setStyleSheet(
            "QLabel#taskSentence { background: #eef4fb; border: 1px solid #2f6db5; "
            "border-radius: 4px; padding: 8px; font-size: 14px; }"
        )
        self.task_panel = TaskPanel()
        self.buttons = QDialogButtonBox()
        self.train_button = self.buttons.addButton("Train", QDialogButtonBox.ButtonRole.AcceptRole)
        self.buttons.addButton(QDialogButtonBox.StandardButton.Close).clicked.connect(self.reject)
        self.train_button.clicked.connect(self.start_training)

        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.explanation)
        layout.addWidget(self.drop_missing)
        columns_row = QHBoxLayout()
        columns_row.addWidget(self.columns_count, 1)
        columns_row.addWidget(self.tick_all)
        columns_row.addWidget(self.untick_all)
        layout.addLayout(columns_row)
        layout.addWidget(self.columns, 1)  # the room left over goes to the list of columns
        layout.addWidget(algorithms_box)
        layout.addWidget(self.settings)
        layout.addWidget(options)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.task_sentence)  # right above Train: what pressing it will do
        layout.addWidget(self.buttons)

        names = [row["name"] for row in datasets.list_datasets(state.workspace)]
        self.dataset.addItems(names)
        if dataset in names:
            self.dataset.setCurrentText(dataset)
        self.dataset.currentTextChanged.connect(self._dataset_chosen)
        self.target.currentTextChanged.connect(self._target_chosen)
        self.target.activated.connect(self._target_picked)
        self._dataset_chosen(self.dataset.currentText())

    def _dataset_chosen(self, name: str) -> None:
        """List the dataset's columns and start from its target, else the proposed one (or
        none); cross-validate by default under ``training.FOLDS_BELOW_ROWS`` rows."""
        self.target.blockSignals(True)
        self.target.clear()
        self.choice = None
        if name:
            version = datasets.get_version(self.state.workspace, name)
            self.target.addItems([column["name"] for column in version.schema])
            self.choice = roles.target_choice(version)
            self.cv.setValue(training.default_folds(version.n_rows))
        self.target.setCurrentIndex(self.target.findText(self.choice.column) if self.choice else -1)
        self.target.blockSignals(False)
        self._target_chosen(self.target.currentText())

    def _target_picked(self, _index: int) -> None:
        """The analyst chose the target themselves: nothing left to confirm."""
        self.choice = None

    def _target_chosen(self, target: str) -> None:
        self.plan = None
        self.train_button.setEnabled(False)
        self.task_sentence.clear()
        if not self.dataset.currentText():
            self.explanation.setText("Import a dataset first (Datasets pane).")
            return
        if not target:
            self.explanation.setText(
                "No column looks like the answer to predict: choose it under Predict."
            )
            self.task_sentence.setText("<b>Choose the column to predict</b> (Predict, above).")
            return
        self.explanation.setText("Looking at the columns…")
        dataset, workspace = self.dataset.currentText(), self.state.workspace
        task = self.state.workers.run_in_thread(
            "Planning", lambda: training.plan_for(workspace, dataset, target), owner=self
        )
        task.succeeded.connect(lambda plan: task is self._plan_task and self._show_plan(plan))
        task.failed.connect(
            lambda message: task is self._plan_task and self.explanation.setText(message)
        )
        self._plan_task = task

    def _show_plan(self, plan: training.Plan) -> None:
        self.plan = plan
        self.explanation.setText(f"<b>{plan.task.capitalize()}</b>: {plan.task_reason}")
        target = self.target.currentText()
        why = ""
        if self.choice is not None and self.choice.column == target:
            why = (
                f"Proposed because {self.choice.reason}; change Predict if that is not what to "
                "predict."
                if self.choice.proposed
                else f"{target} is this dataset's target."
            )
        self.task_sentence.setText(
            f"<b>{html.escape(roles.task_sentence(plan.task, target, plan.classes), False)}</b>"
            + (f"<br><small>{html.escape(why, False)}</small>" if why else "")
        )
        self.columns.blockSignals(True)
        self.columns.clear()
        for feature in plan.features:
            self._add_column(feature["name"], True, f"Used ({feature['type']}).")
        for left_out in plan.excluded:
            fixed = left_out["reason"] in training.NEVER_USED
            self._add_column(
                left_out["name"],
                False,
                f"Left out: {left_out['reason']}."
                + ("" if fixed else " Tick it to use it anyway."),
                fixed,
            )
        self.columns.blockSignals(False)
        self._count_columns()
        target = self.target.currentText()
        self.drop_missing.setText(
            f"Leave out the {plan.target_missing:,} rows where '{target}' is empty "
            "(a model cannot learn from rows without an answer)"
        )
        self.drop_missing.setVisible(plan.target_missing > 0)
        self._update_algorithms()
        self.train_button.setEnabled(True)
        self.planned.emit(plan)

    def _add_column(self, name: str, used: bool, why: str, fixed: bool = False) -> None:
        item = QListWidgetItem(f"{name} — {why}" if not used else name)
        item.setData(Qt.ItemDataRole.UserRole, name)
        item.setToolTip(why)
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        if not fixed:
            flags |= Qt.ItemFlag.ItemIsUserCheckable
        item.setFlags(flags)
        item.setCheckState(Qt.CheckState.Checked if used else Qt.CheckState.Unchecked)
        self.columns.addItem(item)

    def _count_columns(self) -> None:
        items = [self.columns.item(row) for row in range(self.columns.count())]
        usable = [item for item in items if item.flags() & Qt.ItemFlag.ItemIsUserCheckable]
        ticked = sum(item.checkState() == Qt.CheckState.Checked for item in usable)
        never = len(items) - len(usable)
        self.columns_count.setText(
            f"Columns to learn from: {ticked} of {counted(len(usable), 'column')} ticked"
            + (f" ({never:,} more cannot be used)" if never else "")
        )

    def _tick_every(self, state: Qt.CheckState) -> None:
        """Tick or untick every column the user may change (not those no model can use)."""
        self.columns.blockSignals(True)
        for row in range(self.columns.count()):
            item = self.columns.item(row)
            if item.flags() & Qt.ItemFlag.ItemIsUserCheckable:
                item.setCheckState(state)
        self.columns.blockSignals(False)
        self._count_columns()

    def column_choices(self) -> tuple[list[str], list[str]]:
        """The columns the user left out and the ones they chose to use although the app would
        not, as the recipe's ``exclude`` and ``include``."""
        planned = {feature["name"] for feature in self.plan.features} if self.plan else set()
        exclude, include = [], []
        for row in range(self.columns.count()):
            item = self.columns.item(row)
            name = item.data(Qt.ItemDataRole.UserRole)
            ticked = item.checkState() == Qt.CheckState.Checked
            if name in planned and not ticked:
                exclude.append(name)
            elif name not in planned and ticked:
                include.append(name)
        return exclude, include

    def _settings_form(self, algorithm: algorithms.Algorithm) -> QWidget:
        page = QWidget()
        form = QFormLayout(page)
        fields: dict[str, QLineEdit] = {}
        for parameter in algorithm.parameters:
            field = QLineEdit("" if parameter.default is None else str(parameter.default))
            field.setPlaceholderText("no limit" if parameter.default is None else "")
            field.setToolTip(f"{parameter.help} (scikit-learn calls it {parameter.name})")
            hint = QLabel(f"<small>{parameter.help}</small>")
            hint.setWordWrap(True)
            row = QWidget()
            row_layout = QHBoxLayout(row)
            row_layout.setContentsMargins(0, 0, 0, 0)
            row_layout.addWidget(field, 1)
            row_layout.addWidget(hint, 3)
            form.addRow(f"{parameter.label}:", row)
            fields[parameter.name] = field
        if not algorithm.parameters:
            form.addRow(QLabel("This algorithm has no settings to adjust."))
        self.setting_fields[algorithm.name] = fields
        return page

    def _update_settings_tabs(self) -> None:
        for index, name in enumerate(algorithms.ALGORITHMS):
            self.settings.setTabVisible(index, self.algorithm_boxes[name].isChecked())

    def chosen_settings(self, algorithm: str) -> dict[str, str]:
        return {
            name: field.text().strip() for name, field in self.setting_fields[algorithm].items()
        }

    def _update_algorithms(self) -> None:
        task = self.plan.task if self.plan else None
        for name, box in self.algorithm_boxes.items():
            suitable = task in algorithms.ALGORITHMS[name].tasks
            box.setEnabled(suitable and not self.try_all.isChecked())
            box.setChecked(suitable and (self.try_all.isChecked() or box.isChecked()))

    def chosen_algorithms(self) -> list[str]:
        return [name for name, box in self.algorithm_boxes.items() if box.isChecked()]

    def start_training(self) -> None:
        chosen = self.chosen_algorithms()
        if not chosen:
            show_message(self, "Choose at least one algorithm.")
            return
        if not self._regression_confirmed():
            return
        exclude, include = self.column_choices()
        missing_targets = bool(self.plan and self.plan.target_missing)
        recipes = [
            training.Recipe(
                dataset=self.dataset.currentText(),
                target=self.target.currentText(),
                algorithm=name,
                params=self.chosen_settings(name),
                experiment=self.experiment.text().strip() or training.DEFAULT_EXPERIMENT,
                test_size=self.test_size.value(),
                cv=self.cv.value(),
                seed=self.seed.value(),
                exclude=exclude,
                include=include,
                drop_missing_target=self.drop_missing.isChecked() and missing_targets,
            )
            for name in chosen
        ]
        try:  # settings and the name are checked here, so a typo is reported before anything starts
            check_name(recipes[0].experiment, "experiment")
            for recipe in recipes:
                algorithms.resolve_params(algorithms.ALGORITHMS[recipe.algorithm], recipe.params)
        except UserError as error:
            show_message(self, str(error))
            return
        task = self.state.workers.run_in_workspace(
            f"Training {counted(len(recipes), 'model')}",
            self.state.home,
            training.train_each,
            recipes,
        )
        self.task = task
        self.task_panel.follow(task)
        self.train_button.setEnabled(False)
        task.succeeded.connect(self._trained)
        task.failed.connect(self._failed)
        task.cancelled.connect(self._cancelled)

    def _regression_confirmed(self) -> bool:
        """A proposed target that would be a regression is asked about once: a number to
        predict is as often an input (a price) as the answer."""
        target = self.target.currentText()
        proposed = self.choice is not None and self.choice.proposed
        if not proposed or self.plan is None or self.plan.task != "regression":
            return True
        if not confirm(
            self,
            "Predict a number?",
            f"{roles.task_sentence('regression', target, ())} '{target}' was proposed, not "
            "chosen. Is it really the column to predict?",
            f"Predict {target}",
        ):
            return False
        self.choice = None
        return True

    def _trained(self, runs: list[dict[str, Any]]) -> None:
        self.task = None
        self.trained.emit(runs)
        self.accept()

    def _failed(self, message: str) -> None:
        self.task = None
        self.train_button.setEnabled(True)
        show_message(self, message)

    def _cancelled(self) -> None:
        self.task = None
        self.train_button.setEnabled(True)
        self.explanation.setText("Training cancelled; the runs are recorded as cancelled.")
        self.state.runs_changed.emit()

    def reject(self) -> None:
        if self.task is not None:
            self.task.cancel()
        super().reject()
