"""Import a data file: preview how it is read, fix column types, then import with progress and Cancel."""

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.column_types import ColumnGuess
from mlops_desktop.core.data.reading import DELIMITER_NAMES, ENCODING_NAMES, FormatChoices, kind_of
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.names import check_name
from mlops_desktop.core.vocabulary import COLUMN_TYPES, TYPE_DESCRIPTIONS
from mlops_desktop.ui import errors
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.file_field import FileField
from mlops_desktop.ui.widgets.file_preview import PreviewReader, PreviewTable
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task

Index = QModelIndex | QPersistentModelIndex


class ColumnTypesModel(QAbstractTableModel):
    """Detected columns with an editable type."""

    HEADERS = ("Column", "Type", "Note")

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.guesses: list[ColumnGuess] = []
        self.chosen: dict[str, str] = {}

    def set_guesses(self, guesses: list[ColumnGuess]) -> None:
        self.beginResetModel()
        self.guesses = guesses
        self.chosen = {
            name: kind for name, kind in self.chosen.items() if name in {g.name for g in guesses}
        }
        self.endResetModel()

    def type_of(self, row: int) -> str:
        guess = self.guesses[row]
        return self.chosen.get(guess.name, guess.type)

    def overrides(self) -> dict[str, str]:
        detected = {guess.name: guess.type for guess in self.guesses}
        return {name: kind for name, kind in self.chosen.items() if detected.get(name) != kind}

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.guesses)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.HEADERS)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        guess = self.guesses[index.row()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return (guess.name, self.type_of(index.row()), guess.note or "")[index.column()]
        if role == Qt.ItemDataRole.ToolTipRole and index.column() == 1:
            kind = self.type_of(index.row())
            return f"{kind}: {TYPE_DESCRIPTIONS[kind]}. Double-click to change."  # type: ignore[index]
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index)
        return flags | Qt.ItemFlag.ItemIsEditable if index.column() == 1 else flags

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or index.column() != 1 or value not in COLUMN_TYPES:
            return False
        self.chosen[self.guesses[index.row()].name] = value
        self.dataChanged.emit(index, index)
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Horizontal and role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section] if 0 <= section < len(self.HEADERS) else None
        return None


class TypeDelegate(QStyledItemDelegate):
    def createEditor(self, parent: QWidget, option: QStyleOptionViewItem, index: Index) -> QWidget:
        editor = QComboBox(parent)
        for kind in COLUMN_TYPES:
            editor.addItem(kind)
            editor.setItemData(
                editor.count() - 1, TYPE_DESCRIPTIONS[kind], Qt.ItemDataRole.ToolTipRole
            )
        return editor

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentText(index.data(Qt.ItemDataRole.EditRole))
        editor.showPopup()

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText(), Qt.ItemDataRole.EditRole)


class ImportDialog(QDialog):
    imported = Signal(object)  # datasets.ImportResult

    def __init__(
        self, state: AppState, path: Path | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Import data")
        self.setObjectName("importDialog")
        self.resize(900, 640)
        self.state = state
        self.path: Path | None = None
        self.preview: datasets.Preview | None = None
        self.reader = PreviewReader(state.workers, "Reading a preview", self)
        self.reader.read.connect(self._show_preview)
        self.reader.failed.connect(self._preview_failed)
        self.import_task: Task | None = None

        self.file_field = FileField(
            "Choose a CSV, TSV, Excel or Parquet file…",
            "Pick the file to import.",
            "Choose a data file",
        )
        self.file_field.chosen.connect(self.set_path)

        self.encoding = QComboBox()
        for code, label in ENCODING_NAMES.items():
            self.encoding.addItem(label, code)
        self.encoding.setToolTip(
            "How the text in the file is written. Change it if letters look wrong."
        )
        self.delimiter = QComboBox()
        for char, label in DELIMITER_NAMES.items():
            self.delimiter.addItem(label, char)
        self.delimiter.setToolTip("The character that separates the values on each line.")
        self.decimal = QComboBox()
        self.decimal.addItem("point (1.5)", ".")
        self.decimal.addItem("comma (1,5)", ",")
        self.decimal.setToolTip("How decimal numbers are written in the file.")
        self.header = QCheckBox("First row holds the column names")
        self.sheet = QComboBox()
        self.sheet.setToolTip("The sheet of the workbook to import.")
        self.detected = QLabel()
        self.detected.setObjectName("detectedFormat")
        self.detected.setWordWrap(True)
        form = QFormLayout()
        form.addRow("Encoding:", self.encoding)
        form.addRow("Separator:", self.delimiter)
        form.addRow("Decimals:", self.decimal)
        form.addRow("", self.header)
        form.addRow("Sheet:", self.sheet)
        format_box = QGroupBox("How the file is read")
        format_layout = QVBoxLayout(format_box)
        format_layout.addLayout(form)
        format_layout.addWidget(self.detected)
        format_layout.addStretch(1)

        self.types_model = ColumnTypesModel(self)
        self.types_view = QTableView()
        self.types_view.setObjectName("columnTypes")
        self.types_view.setModel(self.types_model)
        self.types_view.setItemDelegateForColumn(1, TypeDelegate(self.types_view))
        self.types_view.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.types_view.verticalHeader().hide()
        self.types_view.setToolTip("Double-click a type to change it if the guess is wrong.")
        types_box = QGroupBox("Columns and detected types")
        types_layout = QVBoxLayout(types_box)
        types_layout.addWidget(self.types_view)

        top = QSplitter()
        top.addWidget(format_box)
        top.addWidget(types_box)
        top.setStretchFactor(1, 2)

        self.rows_view = PreviewTable()
        self.rows_view.setObjectName("previewRows")
        rows_box = QGroupBox("First rows")
        rows_layout = QVBoxLayout(rows_box)
        rows_layout.addWidget(self.rows_view)

        self.name_edit = QLineEdit()
        self.name_edit.setToolTip(
            "The dataset's name. Importing under an existing name adds a new version."
        )
        self.name_hint = QLabel()
        name_row = QHBoxLayout()
        name_row.addWidget(QLabel("Dataset name:"))
        name_row.addWidget(self.name_edit, 1)
        name_row.addWidget(self.name_hint, 2)

        self.task_panel = TaskPanel()
        self.buttons = QDialogButtonBox()
        self.import_button = self.buttons.addButton(
            "Import", QDialogButtonBox.ButtonRole.AcceptRole
        )
        self.import_button.setDefault(True)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.import_button.clicked.connect(self.start_import)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(self.file_field)
        layout.addWidget(top, 3)
        layout.addWidget(rows_box, 2)
        layout.addLayout(name_row)
        layout.addWidget(self.task_panel)
        layout.addWidget(self.buttons)

        # Only settings the user changed are passed on; the rest stay "detect", exactly as the
        # command line does it (so, e.g., a late accent still switches the encoding).
        self.user_set: set[str] = set()
        for setting, combo in (
            ("encoding", self.encoding),
            ("delimiter", self.delimiter),
            ("decimal", self.decimal),
            ("sheet", self.sheet),
        ):
            combo.activated.connect(lambda _index, setting=setting: self._format_changed(setting))
        self.header.clicked.connect(lambda _checked: self._format_changed("header"))
        self.latest_versions = {
            row["name"]: row["latest"] for row in datasets.list_datasets(state.workspace)
        }
        self.name_edit.textChanged.connect(self._update_name_hint)
        self.header.setChecked(True)
        self._update_format_controls()
        self.import_button.setEnabled(False)
        if path is not None:
            self.set_path(path)

    # --- preview -------------------------------------------------------------------------------

    def set_path(self, path: Path) -> None:
        self.path = path
        self.file_field.show_path(path)
        self.name_edit.setText(datasets.suggested_name(path))
        self.types_model.chosen.clear()
        self.user_set.clear()
        self.refresh_preview(FormatChoices())

    def _file_kind(self) -> str | None:
        if self.path is None:
            return None
        try:
            return kind_of(self.path)
        except UserError:
            return None  # e.g. an old .xls: the preview says why

    def _choices(self) -> FormatChoices:
        """The settings the user changed; None (detect) for the others."""
        chosen = self.user_set
        if self._file_kind() == "excel":
            return FormatChoices(sheet=self.sheet.currentText() if "sheet" in chosen else None)
        return FormatChoices(
            encoding=self.encoding.currentData() if "encoding" in chosen else None,
            delimiter=self.delimiter.currentData() if "delimiter" in chosen else None,
            decimal=self.decimal.currentData() if "decimal" in chosen else None,
            header=self.header.isChecked() if "header" in chosen else None,
        )

    def _format_changed(self, setting: str) -> None:
        self.user_set.add(setting)
        self.refresh_preview(self._choices())

    def refresh_preview(self, choices: FormatChoices) -> None:
        if self.path is None:
            return
        path = self.path
        self.detected.setText("Reading the start of the file…")
        self.import_button.setEnabled(False)
        self.reader.start(lambda: datasets.preview(path, choices))

    def _show_preview(self, preview: datasets.Preview) -> None:
        self.preview = preview
        fmt = preview.format
        for combo, value in (
            (self.encoding, fmt.encoding),
            (self.delimiter, fmt.delimiter),
            (self.decimal, fmt.decimal),
        ):
            combo.setCurrentIndex(max(combo.findData(value), 0))
        self.header.setChecked(fmt.header)
        self.sheet.clear()
        self.sheet.addItems(list(fmt.sheets))
        if fmt.sheet:
            self.sheet.setCurrentText(fmt.sheet)
        self._update_format_controls()
        self.detected.setText(f"Read as: {fmt.describe()}.")
        self.detected.setStyleSheet("")
        self.types_model.set_guesses(preview.columns)
        self.types_view.resizeColumnsToContents()
        self.rows_view.show_rows(preview)
        self.import_button.setEnabled(True)
        self._update_name_hint()

    def _preview_failed(self, message: str) -> None:
        self.preview = None
        self.detected.setText(message)
        self.detected.setStyleSheet(errors.ERROR_STYLE)
        self._update_format_controls()
        self.types_model.set_guesses([])
        self.rows_view.clear_rows()
        self.import_button.setEnabled(False)

    def _update_format_controls(self) -> None:
        """Text-file settings for text files, the sheet for workbooks; they stay usable after a
        failed preview so the user can try another separator or encoding."""
        kind = self._file_kind()
        for widget in (self.encoding, self.delimiter, self.decimal, self.header):
            widget.setEnabled(kind == "csv")
        self.sheet.setEnabled(kind == "excel" and self.sheet.count() > 0)

    def _update_name_hint(self) -> None:
        """Say what the name will do; an unusable name disables Import with the reason."""
        name = self.name_edit.text().strip()
        try:
            check_name(name, "dataset")
        except UserError as error:
            self.name_hint.setText(str(error))
            self.name_hint.setStyleSheet(errors.ERROR_STYLE)
            self.import_button.setEnabled(False)
            return
        self.name_hint.setStyleSheet("")
        self.import_button.setEnabled(self.preview is not None)
        if name in self.latest_versions:
            self.name_hint.setText(
                f"Adds version {self.latest_versions[name] + 1} of '{name}' (if the content changed)."
            )
        else:
            self.name_hint.setText("Creates a new dataset.")

    # --- import --------------------------------------------------------------------------------

    def start_import(self) -> None:
        if self.path is None or self.preview is None:
            return
        choices = replace(self._choices(), column_types=self.types_model.overrides())
        task = self.state.workers.run_in_workspace(
            f"Importing {self.path.name}",
            self.state.home,
            datasets.import_file,
            self.path,
            self.name_edit.text(),
            choices,
        )
        self.import_task = task
        self.task_panel.follow(task)
        self.import_button.setEnabled(False)
        task.succeeded.connect(self._imported)
        task.failed.connect(self._import_failed)
        task.cancelled.connect(self._import_cancelled)

    def _imported(self, result: datasets.ImportResult) -> None:
        self.import_task = None
        self.imported.emit(result)
        self.accept()

    def _import_failed(self, message: str) -> None:
        self.import_task = None
        self.import_button.setEnabled(True)
        show_message(self, message)

    def _import_cancelled(self) -> None:
        self.import_task = None
        self.import_button.setEnabled(True)
        self.detected.setText("Import cancelled; nothing was kept.")

    def reject(self) -> None:
        if self.import_task is not None:
            self.import_task.cancel()
        super().reject()
