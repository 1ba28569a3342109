"""The recipe editor: prepare a dataset version step by step, each step previewed on a sample.

Steps are added from a menu, edited in a small form, reordered (buttons, Alt+Up/Down or drag and
drop) and removed. The selected step is previewed live on the first rows of the version: the rows
before and after it, the columns it changes tinted, the rows it removes marked. Apply stores the
result as a new version (in a worker process, with progress and Cancel); the recipe can be saved
by name or to a file and loaded again for another version.
"""

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QGridLayout,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QSpinBox,
    QSplitter,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.data import datasets, preparation, recipes, roles
from mlops_desktop.core.data.preparation import Step
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.store.models import DatasetVersion
from mlops_desktop.core.vocabulary import COLUMN_TYPES, FALSE_WORDS, TRUE_WORDS, counted
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui import errors
from mlops_desktop.ui.models.tables import FrameModel, fit_column_names
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.task_panel import TaskPanel

SHOWN_ROWS = 200  # of the preview sample, in each table
PREVIEW_COLUMN_WIDTH = 100  # pixels: the previews' narrowest column
# The column types each op's column settings accept (any type where an op is not listed).
COLUMN_KINDS = {
    "remove_outliers": ("numeric",),
    "bin": ("numeric",),
    "date_parts": ("datetime",),
    "group_rare": ("categorical",),
    "ratio": ("numeric",),
}
CHOICES: dict[str, list[tuple[str, str]]] = {
    "operator": [
        ("<", "is less than"),
        ("<=", "is at most"),
        (">", "is more than"),
        (">=", "is at least"),
        ("==", "is"),
        ("!=", "is not"),
    ],
    "method": [
        ("iqr", "far outside the middle half (1.5 × interquartile range)"),
        ("zscore", "more than 3 standard deviations from the mean"),
    ],
    "strategy": [
        ("median", "the median (the middle value)"),
        ("mean", "the mean (the average)"),
        ("most_frequent", "the most frequent value"),
        ("constant", "a value I give"),
    ],
    "type": [(kind, kind) for kind in COLUMN_TYPES],
}
LABELS = {
    "column": "Column:",
    "columns": "Columns:",
    "operator": "Keep rows where it:",
    "value": "Value:",
    "method": "Outliers are values:",
    "strategy": "Fill with:",
    "type": "New type:",
    "to": "New column name:",
    "parts": "Parts:",
    "bins": "Number of ranges:",
    "numerator": "Divide:",
    "denominator": "By:",
    "min_share": "Rare means under:",
}
TOOLTIPS = {
    "columns": "Tick the columns this step is about.",
    "value": "Numbers as 12.5, yes/no as yes or no, dates as 2024-05-31, anything else as text.",
    "to": "A name no column has yet.",
    "bins": "Each range holds about the same number of rows of this version.",
    "min_share": 'Categories with a smaller share of the rows are grouped under "other".',
    "parts": "Each part becomes a number column named after the date column.",
}


def read_sample(workspace: Workspace, version: DatasetVersion) -> pd.DataFrame:
    """The first rows of a version (one small read), to preview steps on."""
    source = pq.ParquetFile(datasets.parquet_path(workspace, version))
    batch = next(source.iter_batches(batch_size=preparation.PREVIEW_ROWS), None)
    sample: pd.DataFrame = (
        batch.to_pandas() if batch is not None else source.schema_arrow.empty_table().to_pandas()
    )
    return sample


class StepDialog(QDialog):
    """One step's settings as a form; OK only once the step fits the recipe at its place."""

    def __init__(
        self,
        op: str,
        columns: preparation.Columns,
        check: Any,
        step: Step | None = None,
        parent: QWidget | None = None,
        gaps: dict[str, int] | None = None,
        target: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle(preparation.OP_TITLES[op])
        self.setObjectName("stepDialog")
        self.op, self.columns, self._check = op, columns, check
        self.gaps, self.target = gaps or {}, target
        self.step: Step | None = None
        self.fields: dict[str, QWidget] = {}
        form = QFormLayout()
        required, optional = preparation.STEP_SETTINGS[op]
        for name in required + optional:
            widget = self._field(name)
            widget.setToolTip(TOOLTIPS.get(name, ""))
            self.fields[name] = widget
            form.addRow(LABELS[name], widget)
        if not self.fields:
            form.addRow(QLabel("Rows that repeat an earlier row exactly are dropped."))
        if step is not None:
            self._fill(step)
        if "strategy" in self.fields:
            strategy = self.fields["strategy"]
            assert isinstance(strategy, QComboBox)
            strategy.currentIndexChanged.connect(self._constant_only)
            self._constant_only()
        self.error = QLabel()
        self.error.setObjectName("stepError")
        self.error.setWordWrap(True)
        self.error.setStyleSheet(errors.ERROR_STYLE)
        self.error.hide()
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _field(self, name: str) -> QWidget:
        if name == "column" and self.op == "fill_missing":
            return self._gappy_columns()
        if name in ("column", "numerator", "denominator"):
            box = QComboBox()
            kinds = COLUMN_KINDS.get(self.op)
            for column, kind in self.columns.items():
                if kinds is None or kind in kinds:
                    box.addItem(f"{column} ({kind})", column)
            return box
        if name == "columns":
            chooser = QListWidget()
            for column, kind in self.columns.items():
                item = QListWidgetItem(f"{column} ({kind})")
                item.setData(Qt.ItemDataRole.UserRole, column)
                item.setCheckState(Qt.CheckState.Unchecked)
                chooser.addItem(item)
            return chooser
        if name in CHOICES:
            box = QComboBox()
            for value, words in CHOICES[name]:
                box.addItem(words, value)
            return box
        if name == "parts":
            holder = QWidget()
            row = QHBoxLayout(holder)
            row.setContentsMargins(0, 0, 0, 0)
            for part in preparation.DATE_PARTS:
                tick = QCheckBox(part.replace("dayofweek", "day of week"))
                tick.setObjectName(part)
                tick.setChecked(part != "hour")
                row.addWidget(tick)
            return holder
        if name == "bins":
            spin = QSpinBox()
            spin.setRange(2, preparation.MAX_BINS)
            spin.setValue(4)
            return spin
        if name == "min_share":
            share = QDoubleSpinBox()
            share.setRange(0.1, 99.0)
            share.setDecimals(1)
            share.setSuffix(" % of rows")
            share.setValue(1.0)
            return share
        return QLineEdit()  # value, to

    def _gappy_columns(self) -> QComboBox:
        """The columns to fill: those with gaps first, most gaps first, with their counts; the
        column to predict last (its gaps are better dropped than made up)."""
        box = QComboBox()
        names = sorted(
            self.columns,
            key=lambda column: (column == self.target, -self.gaps.get(column, 0)),
        )
        for column in names:
            kind = self.columns[column]
            count = self.gaps.get(column, 0)
            text = f"{column} ({kind}) — {counted(count, 'gap')}" if count else f"{column} ({kind})"
            if column == self.target:
                text += " — the column to predict"
            box.addItem(text, column)
        return box

    def _fill(self, step: Step) -> None:
        for name, widget in self.fields.items():
            if name not in step:
                continue
            value = step[name]
            if isinstance(widget, QComboBox):
                widget.setCurrentIndex(max(0, widget.findData(value)))
            elif isinstance(widget, QListWidget):
                for row in range(widget.count()):
                    item = widget.item(row)
                    ticked = item.data(Qt.ItemDataRole.UserRole) in value
                    item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)
            elif isinstance(widget, QSpinBox):
                widget.setValue(int(value))
            elif isinstance(widget, QDoubleSpinBox):
                widget.setValue(100 * float(value))
            elif isinstance(widget, QLineEdit):
                widget.setText(_value_text(value))
            else:
                for tick in widget.findChildren(QCheckBox):
                    tick.setChecked(tick.objectName() in value)

    def _constant_only(self) -> None:
        strategy = self.fields["strategy"]
        assert isinstance(strategy, QComboBox)
        self.fields["value"].setEnabled(strategy.currentData() == "constant")

    def built(self) -> Step:
        """The step as the form says."""
        step: Step = {"op": self.op}
        for name, widget in self.fields.items():
            if not widget.isEnabled():
                continue
            if isinstance(widget, QComboBox):
                step[name] = widget.currentData()
            elif isinstance(widget, QListWidget):
                step[name] = [
                    widget.item(row).data(Qt.ItemDataRole.UserRole)
                    for row in range(widget.count())
                    if widget.item(row).checkState() == Qt.CheckState.Checked
                ]
            elif isinstance(widget, QSpinBox):
                step[name] = widget.value()
            elif isinstance(widget, QDoubleSpinBox):
                step[name] = round(widget.value() / 100, 6)
            elif isinstance(widget, QLineEdit):
                kind = self.columns.get(step.get("column", ""), "text")
                step[name] = _typed(widget.text(), kind) if name == "value" else widget.text()
            else:
                step[name] = [
                    t.objectName() for t in widget.findChildren(QCheckBox) if t.isChecked()
                ]
        return step

    def accept(self) -> None:
        step = self.built()
        try:
            self._check(step)
        except UserError as error:
            self.error.setText(str(error).split(": ", 1)[-1])
            self.error.show()
            return
        self.step = step
        super().accept()


def _value_text(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _typed(text: str, kind: str) -> Any:
    """What the analyst typed, as a value a column of ``kind`` holds (left as text when it does
    not read, so the check names the problem)."""
    text = text.strip()
    if kind == "numeric":
        try:
            number = float(text)
        except ValueError:
            return text
        return int(number) if number.is_integer() and "." not in text else number
    if kind == "boolean" and text.lower() in TRUE_WORDS | FALSE_WORDS:
        return text.lower() in TRUE_WORDS
    return text


class RecipeDialog(QDialog):
    """Prepare one dataset version."""

    def __init__(self, state: AppState, version: DatasetVersion, parent: QWidget | None = None):
        super().__init__(parent)
        self.state, self.version = state, version
        self.ref = f"{version.dataset.name}@{version.version}"
        self.setObjectName("recipeDialog")
        self.setWindowTitle(f"Prepare {self.ref}")
        self.sample = read_sample(state.workspace, version)
        choice = roles.target_choice(version)
        self.target = choice.column if choice else None  # never proposed for filling
        self.steps: list[Step] = []
        self.problem: str | None = None

        intro = QLabel(
            f"Build a recipe for <b>{self.ref}</b>: each step is previewed on its first "
            f"{len(self.sample):,} rows. <i>Row steps</i> shape the training data only; "
            "<i>column steps</i> also run when a model trained on the result predicts, so its "
            "users send the columns as they are now."
        )
        intro.setWordWrap(True)

        self.list = QListWidget()
        self.list.setObjectName("recipeSteps")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.model().rowsMoved.connect(self._dragged)
        self.list.currentRowChanged.connect(lambda _row: self._show_preview())
        self.list.itemDoubleClicked.connect(lambda _item: self.edit_step())
        self.list.setToolTip("Steps run from top to bottom. Drag a step to move it.")
        self.add_button = QToolButton()
        self.add_button.setText("Add step")
        self.add_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.add_button.setToolTip("Choose what the next step does (Insert)")
        self.add_menu = QMenu(self)
        for title, ops in (
            ("Rows (training data only)", preparation.ROW_OPS),
            ("Columns (also when predicting)", preparation.COLUMN_OPS),
        ):
            self.add_menu.addSection(title)
            for op in ops:
                action = self.add_menu.addAction(preparation.OP_TITLES[op])
                action.triggered.connect(lambda _checked=False, op=op: self.add_step(op))
        self.add_button.setMenu(self.add_menu)
        self.edit_button = QPushButton("Edit…")
        self.edit_button.setToolTip("Change the selected step's settings (Enter)")
        self.edit_button.clicked.connect(self.edit_step)
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Take the selected step out of the recipe (Delete)")
        self.remove_button.clicked.connect(self.remove_step)
        self.up_button = QPushButton("Up")
        self.up_button.setToolTip("Run the selected step earlier (Alt+Up)")
        self.up_button.clicked.connect(lambda: self.move_step(-1))
        self.down_button = QPushButton("Down")
        self.down_button.setToolTip("Run the selected step later (Alt+Down)")
        self.down_button.clicked.connect(lambda: self.move_step(1))
        self.saved_button = QToolButton()
        self.saved_button.setText("Recipes")
        self.saved_button.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.saved_button.setToolTip("Load a saved recipe, or save this one to use again")
        self.saved_menu = QMenu(self)
        self.saved_menu.aboutToShow.connect(self._fill_saved_menu)
        self.saved_button.setMenu(self.saved_menu)
        step_buttons = QGridLayout()  # two rows, so the steps list stays narrow
        for index, widget in enumerate(
            (
                self.add_button,
                self.edit_button,
                self.remove_button,
                self.up_button,
                self.down_button,
                self.saved_button,
            )
        ):
            step_buttons.addWidget(widget, index // 3, index % 3)
        self.problem_label = QLabel()
        self.problem_label.setObjectName("recipeProblem")
        self.problem_label.setWordWrap(True)
        self.problem_label.setStyleSheet(errors.ERROR_STYLE)
        self.problem_label.hide()
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Steps</b>"))
        left_layout.addWidget(self.list, 1)
        left_layout.addLayout(step_buttons)
        left_layout.addWidget(self.problem_label)

        self.summary = QLabel()
        self.summary.setObjectName("previewSummary")
        self.summary.setWordWrap(True)
        self.before_model, self.after_model = FrameModel(self), FrameModel(self)
        self.before_title, self.after_title = QLabel(), QLabel("<b>After this step</b>")
        self.views: dict[str, QTableView] = {}
        tables = QSplitter(Qt.Orientation.Vertical)
        for title, model, name in (
            (self.before_title, self.before_model, "beforeTable"),
            (self.after_title, self.after_model, "afterTable"),
        ):
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 0, 0, 0)
            box_layout.addWidget(title)
            view = QTableView()
            self.views[name] = view
            view.setObjectName(name)
            view.setModel(model)
            view.verticalHeader().setDefaultSectionSize(22)
            view.horizontalHeader().setDefaultSectionSize(PREVIEW_COLUMN_WIDTH)
            box_layout.addWidget(view)
            tables.addWidget(box)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        right_layout.addWidget(self.summary)
        right_layout.addWidget(tables, 1)
        splitter = QSplitter()
        splitter.addWidget(left)
        splitter.addWidget(right)
        splitter.setSizes([360, 740])

        self.target_name = QLineEdit(recipes.default_name(version))
        self.target_name.setObjectName("targetName")
        self.target_name.setToolTip(
            "The result becomes the next version of this dataset (a new one the first time). "
            "Prepared versions are kept apart from the imported ones, which keep their own "
            "checks."
        )
        self.apply_button = QPushButton("Apply")
        self.apply_button.setObjectName("applyRecipe")
        self.apply_button.setDefault(True)
        self.apply_button.setToolTip(
            "Run the recipe on every row and store a new version (Ctrl+Enter)"
        )
        self.apply_button.clicked.connect(self.apply)
        close = QPushButton("Close")
        close.clicked.connect(self.reject)
        bottom = QHBoxLayout()
        bottom.addWidget(QLabel("Save the result as a version of:"))
        bottom.addWidget(self.target_name, 1)
        bottom.addWidget(self.apply_button)
        bottom.addWidget(close)
        self.task_panel = TaskPanel()

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(splitter, 1)
        layout.addWidget(self.task_panel)
        layout.addLayout(bottom)
        self.resize(1150, 720)
        for keys, slot in (
            ("Insert", self._open_add_menu),
            ("Delete", self.remove_step),
            ("Return", self.edit_step),
            ("Alt+Up", lambda: self.move_step(-1)),
            ("Alt+Down", lambda: self.move_step(1)),
            ("Ctrl+Return", self.apply),
            ("Ctrl+S", self.save_recipe),
        ):
            QShortcut(QKeySequence(keys), self, slot)
        self._refresh()

    # --- the steps ---------------------------------------------------------------------------

    def _columns_at(self, index: int) -> preparation.Columns:
        """The columns step ``index`` meets (those of the steps before it that parse)."""
        try:
            return preparation.columns_after(
                preparation.parse(self.steps[:index], self.version.schema), self.version.schema
            )
        except UserError:
            return {c["name"]: c["type"] for c in self.version.schema}

    def _gaps_at(self, index: int) -> dict[str, int]:
        """Missing values per column of the version (its profile), for columns that no step
        before ``index`` has filled."""
        filled = {step.get("column") for step in self.steps[:index] if step["op"] == "fill_missing"}
        return {
            entry["name"]: entry["missing"]
            for entry in self.version.profile["columns"]
            if entry["missing"] and entry["name"] not in filled
        }

    def _checker(self, index: int) -> Any:
        """Checks a step put at ``index``, after the steps before it."""

        def check(step: Step) -> None:
            preparation.parse([*self.steps[:index], step], self.version.schema)

        return check

    def add_step(self, op: str) -> StepDialog:
        index = self.list.currentRow() + 1 if self.list.currentRow() >= 0 else len(self.steps)
        dialog = StepDialog(
            op,
            self._columns_at(index),
            self._checker(index),
            parent=self,
            gaps=self._gaps_at(index),
            target=self.target,
        )
        dialog.accepted.connect(lambda: self._insert(index, dialog.step))
        dialog.open()
        return dialog

    def edit_step(self) -> StepDialog | None:
        index = self.list.currentRow()
        if index < 0:
            return None
        step = self.steps[index]
        dialog = StepDialog(
            step["op"],
            self._columns_at(index),
            self._checker(index),
            step,
            parent=self,
            gaps=self._gaps_at(index),
            target=self.target,
        )
        dialog.accepted.connect(lambda: self._replace(index, dialog.step))
        dialog.open()
        return dialog

    def _insert(self, index: int, step: Step | None) -> None:
        if step is not None:
            self.steps.insert(index, step)
            self._refresh(index)

    def _replace(self, index: int, step: Step | None) -> None:
        if step is not None:
            self.steps[index] = step
            self._refresh(index)

    def remove_step(self) -> None:
        index = self.list.currentRow()
        if index >= 0:
            del self.steps[index]
            self._refresh(min(index, len(self.steps) - 1))

    def move_step(self, offset: int) -> None:
        index = self.list.currentRow()
        other = index + offset
        if index < 0 or not 0 <= other < len(self.steps):
            return
        self.steps[index], self.steps[other] = self.steps[other], self.steps[index]
        self._refresh(other)

    def _dragged(self, *_args: Any) -> None:
        order = [
            self.list.item(row).data(Qt.ItemDataRole.UserRole) for row in range(self.list.count())
        ]
        self.steps = [self.steps[position] for position in order]
        self._refresh(self.list.currentRow())

    def set_steps(self, steps: list[Step]) -> None:
        self.steps = list(steps)
        self._refresh(0 if steps else -1)

    def _open_add_menu(self) -> None:
        self.add_button.showMenu()

    def _refresh(self, select: int = -1) -> None:
        """Show the steps, say what is wrong with the recipe if anything, preview a step."""
        try:
            preparation.parse(self.steps, self.version.schema)
            self.problem = None if self.steps else "Add a step to start the recipe."
        except UserError as error:
            self.problem = str(error)
        self.list.blockSignals(True)
        self.list.clear()
        for position, step in enumerate(self.steps):
            kind = "rows" if step["op"] in preparation.ROW_OPS else "columns"
            item = QListWidgetItem(f"{position + 1}. {preparation.describe(step)}")
            item.setData(Qt.ItemDataRole.UserRole, position)
            item.setToolTip(f"A step on the {kind}")
            self.list.addItem(item)
        self.list.blockSignals(False)
        self.problem_label.setText(self.problem or "")
        self.problem_label.setVisible(bool(self.problem and self.steps))
        self.apply_button.setEnabled(self.problem is None)
        for button in (self.edit_button, self.remove_button, self.up_button, self.down_button):
            button.setEnabled(bool(self.steps))
        if self.steps:
            self.list.setCurrentRow(select if 0 <= select < len(self.steps) else 0)
        self._show_preview()

    def _show_preview(self) -> None:
        index = self.list.currentRow()
        if not self.steps or index < 0:
            self.summary.setText(
                "No steps yet. Click <b>Add step</b> (or press Insert) and choose what to do, "
                "such as filling missing values or dropping duplicate rows."
            )
            self.before_title.setText("<b>The data now</b>")
            self.before_model.set_frame(self.sample.head(SHOWN_ROWS))
            self.after_model.set_frame(pd.DataFrame())
            return
        try:
            steps = preparation.parse(self.steps[: index + 1], self.version.schema)
            shown = preparation.preview(self.sample, self.version.schema, steps, index)
        except UserError as error:
            self.summary.setText(f"<span style='{errors.ERROR_STYLE}'>{error}</span>")
            self.before_model.set_frame(pd.DataFrame())
            self.after_model.set_frame(pd.DataFrame())
            return
        self.summary.setText(
            f"<b>Step {index + 1}: {preparation.describe(self.steps[index])}</b><br>{shown.summary}"
        )
        if shown.removed:  # the rows it removes, wherever they are in the sample
            gone = shown.before.iloc[shown.removed[:SHOWN_ROWS]]
            self.before_title.setText(
                f"<b>Sample rows this step removes ({len(shown.removed):,})</b>"
            )
            self.before_model.set_frame(gone, removed=range(len(gone)))
            after = shown.after.head(SHOWN_ROWS)
        else:  # the rows it changes first, so the change is in view; a column step keeps rows
            unchanged = sorted(set(range(len(shown.before))) - set(shown.changed))
            first = (shown.changed + unchanged)[:SHOWN_ROWS]
            self.before_title.setText("<b>Before this step</b>")
            self.before_model.set_frame(shown.before.iloc[first], highlighted=shown.affected)
            after = (
                shown.after.iloc[first] if len(shown.after) == len(shown.before) else shown.after
            )
        self.after_model.set_frame(after.head(SHOWN_ROWS), highlighted=shown.affected)
        for view in self.views.values():
            fit_column_names(view, PREVIEW_COLUMN_WIDTH)
        self._bring_into_view("beforeTable", list(shown.before.columns), shown.affected)
        self._bring_into_view("afterTable", list(shown.after.columns), shown.affected)

    def _bring_into_view(self, name: str, columns: list[str], affected: list[str]) -> None:
        """Scroll a table to the first column the step changes (new ones are at the far right)."""
        view = self.views[name]
        shown = [columns.index(column) for column in affected if column in columns]
        model = view.model()
        if shown and model.rowCount():
            view.scrollTo(model.index(0, shown[-1]))
            view.scrollTo(model.index(0, shown[0]))

    # --- saved recipes -------------------------------------------------------------------------

    def _fill_saved_menu(self) -> None:
        self.saved_menu.clear()
        saved = recipes.saved(self.state.workspace)
        self.saved_menu.addSection("Load a saved recipe")
        for recipe in saved:
            action = self.saved_menu.addAction(f"{recipe['name']} ({len(recipe['steps'])} steps)")
            action.triggered.connect(lambda _c=False, r=recipe: self.set_steps(r["steps"]))
        if not saved:
            self.saved_menu.addAction("No saved recipes yet").setEnabled(False)
        self.saved_menu.addSeparator()
        self.saved_menu.addAction("Save this recipe…", self.save_recipe)
        self.saved_menu.addAction("Open a recipe file…", self.open_file)
        self.saved_menu.addAction("Save to a recipe file…", self.save_file)

    def save_recipe(self, name: str | None = None) -> None:
        if name is None:
            name, chosen = QInputDialog.getText(self, "Save recipe", "Name for this recipe:")
            if not chosen:
                return
        try:
            recipes.save(
                self.state.workspace, name, preparation.parse(self.steps, self.version.schema)
            )
        except UserError as error:
            errors.show_message(self, str(error))
            return
        self.state.status_message.emit(f"Saved the recipe '{name.strip()}'.")

    def open_file(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(self, "Open a recipe", "", "Recipes (*.json)")
            if not chosen:
                return
            path = Path(chosen)
        try:
            steps = recipes.read_recipe(path)
        except UserError as error:
            errors.show_message(self, str(error))
            return
        if not isinstance(steps, list) or not all(isinstance(step, dict) for step in steps):
            errors.show_message(self, f"{path.name} is not a recipe: a recipe is a list of steps.")
            return
        self.set_steps(steps)

    def save_file(self, path: Path | None = None) -> None:
        if path is None:
            chosen, _ = QFileDialog.getSaveFileName(
                self,
                "Save the recipe",
                f"{self.version.dataset.name} recipe.json",
                "Recipes (*.json)",
            )
            if not chosen:
                return
            path = Path(chosen)
        try:
            path.write_text(json.dumps(self.steps, indent=2), encoding="utf-8")
        except OSError as error:
            errors.show_message(self, f"Cannot write {path}: {error.strerror or error}.")

    # --- applying ------------------------------------------------------------------------------

    def apply(self) -> Any:
        if self.problem is not None:
            return None
        name = self.target_name.text().strip() or recipes.default_name(self.version)
        saved_as = next(
            (r["name"] for r in recipes.saved(self.state.workspace) if r["steps"] == self.steps),
            None,
        )
        task = self.state.workers.run_in_workspace(
            f"Preparing {self.ref}",
            self.state.home,
            recipes.prepare,
            self.ref,
            self.steps,
            name=name,
            recipe_name=saved_as,
        )
        self.task_panel.follow(task)
        self.apply_button.setEnabled(False)
        task.succeeded.connect(self._applied)
        task.failed.connect(lambda message: errors.show_message(self, message))
        task.finished.connect(lambda: self.apply_button.setEnabled(self.problem is None))
        return task

    def _applied(self, record: dict[str, Any]) -> None:
        where = f"{record['name']} version {record['version']}"
        self.state.status_message.emit(
            f"Prepared {self.ref}: {where}, {record['rows']:,} rows."
            if record["created"]
            else f"{where} already holds exactly this result; no new version was made."
        )
        self.state.datasets_changed.emit(record["name"])
        self.accept()
