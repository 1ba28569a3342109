"""The rules editor: what valid data looks like for a dataset, as an editable table.

One row per rule: its column, its kind, and the settings that kind takes (the bounds of a range,
the labels allowed, the type), with what the rule asks for in words. Rules are added from a
column and kind chooser (filled in from the latest version's data where it can be), removed with
Delete, or all proposed again from the data. Save checks the whole list in core and stores it; a
refused list shows its one sentence and nothing is stored.
"""

from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.data import dataset_rules, datasets, validation
from mlops_desktop.core.data.validation import Rule
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.vocabulary import COLUMN_TYPES
from mlops_desktop.ui import errors
from mlops_desktop.ui.state import AppState

Index = QModelIndex | QPersistentModelIndex
NOT_USED_BRUSH = QBrush(QColor("#f0f0f0"))  # a setting the rule's kind does not take
UNFINISHED_BRUSH = QBrush(QColor("#f8d7da"))  # a rule whose settings do not make sense yet

RULE_TITLES = {
    "not_null": "Not empty",
    "unique": "Unique",
    "range": "In a range",
    "allowed": "Allowed labels",
    "type": "Type",
}
RULE_HELP = {
    "not_null": "Not empty: every row has a value in this column.",
    "unique": "Unique: no two rows hold the same value, as with an ID or an order number.",
    "range": "In a range: every number is at least Min and at most Max. Leave Min or Max "
    "empty for no limit on that side.",
    "allowed": "Allowed labels: every value is one of the labels listed (separate them "
    "with commas).",
    "type": "Type: every value reads as the chosen type: numeric (numbers), categorical "
    "(labels), boolean (yes/no), datetime (dates and times) or text.",
}

COLUMN, KIND, MIN, MAX, VALUES, TYPE, MEANING = range(7)
HEADERS = ["Column", "Rule", "Min", "Max", "Allowed labels", "Type", "Asks for"]
HEADER_TIPS = [
    "The column the rule is about",
    "What kind of rule it is; hover over a rule to read what it checks",
    "The smallest number allowed (In a range); empty for no lower limit",
    "The largest number allowed (In a range); empty for no upper limit",
    "The labels allowed (Allowed labels), separated by commas",
    "The type every value must have (Type)",
    "What the rule asks of the data, in words",
]
SETTINGS = {MIN: "min", MAX: "max", VALUES: "values", TYPE: "type"}  # each column's setting


def _number_text(value: Any) -> str:
    """A bound as it can be typed back: every digit that matters, no grouping."""
    return f"{value:.15g}" if isinstance(value, int | float) else str(value)


def _typed_number(text: str) -> Any:
    """A bound as typed: a number when it reads as one, else the text (so the check says what
    is wrong with it), None when empty."""
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return text
    return int(text) if text.lstrip("+-").isdigit() else number


class RulesModel(QAbstractTableModel):
    """A dataset's rules as records in core's shape, edited in place."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.rules: list[Rule] = []

    def set_rules(self, rules: list[Rule]) -> None:
        self.beginResetModel()
        self.rules = [dict(rule) for rule in rules]
        self.endResetModel()

    def insert(self, row: int, rule: Rule) -> None:
        self.beginInsertRows(QModelIndex(), row, row)
        self.rules.insert(row, rule)
        self.endInsertRows()

    def remove(self, row: int) -> None:
        self.beginRemoveRows(QModelIndex(), row, row)
        del self.rules[row]
        self.endRemoveRows()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.rules)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(HEADERS)

    def _takes(self, index: Index) -> bool:
        """Whether the rule of ``index``'s row takes the setting of its column."""
        return SETTINGS.get(index.column()) in validation.FIELDS[self.rules[index.row()]["rule"]]

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        flags = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
        return flags | Qt.ItemFlag.ItemIsEditable if self._takes(index) else flags

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        rule, column = self.rules[index.row()], index.column()
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.EditRole):
            return self._text(rule, column)
        if role == Qt.ItemDataRole.ToolTipRole:
            if column == KIND:
                return RULE_HELP[rule["rule"]]
            if column == MEANING and self._meaning(rule) is None:
                return "These settings are not complete: Save says what is missing."
            return HEADER_TIPS[column] if self._takes(index) else None
        if role == Qt.ItemDataRole.BackgroundRole:
            if column in SETTINGS and not self._takes(index):
                return NOT_USED_BRUSH
            if column == MEANING and self._meaning(rule) is None:
                return UNFINISHED_BRUSH
        return None

    def _text(self, rule: Rule, column: int) -> str:
        if column == COLUMN:
            return str(rule["column"])
        if column == KIND:
            return RULE_TITLES[rule["rule"]]
        if column == MEANING:
            return self._meaning(rule) or "—"
        name = SETTINGS[column]
        if rule.get(name) is None:
            return ""
        if name == "values":
            return ", ".join(str(value) for value in rule["values"])
        return _number_text(rule[name]) if name in ("min", "max") else str(rule[name])

    @staticmethod
    def _meaning(rule: Rule) -> str | None:
        """What a rule asks for, in words; None while its settings do not make sense."""
        try:
            return validation.describe(validation.parse_rules([rule])[0])
        except UserError:
            return None

    def setData(self, index: Index, value: Any, role: int = Qt.ItemDataRole.EditRole) -> bool:
        if role != Qt.ItemDataRole.EditRole or not index.isValid() or not self._takes(index):
            return False
        rule, text, name = self.rules[index.row()], str(value), SETTINGS[index.column()]
        typed: Any
        if name == "values":
            typed = [label.strip() for label in text.split(",") if label.strip()]
        elif name == "type":
            typed = text.strip()
        else:
            typed = _typed_number(text)
        if typed is None:
            rule.pop(name, None)
        else:
            rule[name] = typed
        row = index.row()
        self.dataChanged.emit(self.index(row, 0), self.index(row, len(HEADERS) - 1))
        return True

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            # Numbered as the sentences about a refused rule number them ("Rule 3 …").
            return f"{section + 1}" if role == Qt.ItemDataRole.DisplayRole else None
        if not 0 <= section < len(HEADERS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return HEADER_TIPS[section]
        return None


class TypeDelegate(QStyledItemDelegate):
    """Edits the Type column by choosing one of the column types."""

    def createEditor(self, parent: QWidget, _option: QStyleOptionViewItem, _index: Index) -> Any:
        box = QComboBox(parent)
        box.addItems(list(COLUMN_TYPES))
        return box

    def setEditorData(self, editor: QWidget, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        editor.setCurrentText(str(index.data(Qt.ItemDataRole.EditRole)))

    def setModelData(self, editor: QWidget, model: Any, index: Index) -> None:
        assert isinstance(editor, QComboBox)
        model.setData(index, editor.currentText())


class RulesDialog(QDialog):
    """Edit the validation rules of one dataset."""

    def __init__(self, state: AppState, dataset: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state, self.dataset = state, dataset
        self.latest = datasets.get_version(state.workspace, dataset)
        self.setObjectName("rulesDialog")
        self.setWindowTitle(f"Rules for {dataset}")

        intro = QLabel(
            f"What valid data looks like for <b>{dataset}</b>. Every new version is checked "
            "against these rules when it is imported: a failed check warns (Checks tab), it "
            "never stops the import. A served model's requests are checked too (all but "
            "<i>Unique</i> and <i>Type</i>); they are still answered, and Monitoring counts "
            "those that break a rule. Hover over a rule to read what it checks."
        )
        intro.setWordWrap(True)

        self.model = RulesModel(self)
        self.view = QTableView()
        self.view.setObjectName("rulesTable")
        self.view.setModel(self.model)
        self.view.setItemDelegateForColumn(TYPE, TypeDelegate(self.view))
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.view.setEditTriggers(
            QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
            | QAbstractItemView.EditTrigger.AnyKeyPressed
        )
        self.view.verticalHeader().setDefaultSectionSize(24)
        header = self.view.horizontalHeader()
        header.setStretchLastSection(True)
        header.setSectionResizeMode(VALUES, QHeaderView.ResizeMode.Interactive)
        self.empty_hint = QLabel(
            "No rules: every version passes. Add a rule below, or click Propose from data."
        )
        self.empty_hint.setObjectName("rulesEmpty")

        self.new_column = QComboBox()
        self.new_column.setToolTip("The column the new rule is about")
        for column in self.latest.schema:
            self.new_column.addItem(f"{column['name']} ({column['type']})", column["name"])
        self.new_kind = QComboBox()
        self.new_kind.setToolTip("What the new rule checks; hover over a choice to read more")
        for kind in validation.RULE_KINDS:
            self.new_kind.addItem(RULE_TITLES[kind], kind)
            self.new_kind.setItemData(
                self.new_kind.count() - 1, RULE_HELP[kind], Qt.ItemDataRole.ToolTipRole
            )
        self.add_button = QPushButton("Add rule")
        self.add_button.setToolTip(
            "Add this rule, its settings filled in from the latest version's data where possible"
        )
        self.add_button.clicked.connect(lambda: self.add_rule())
        self.remove_button = QPushButton("Remove")
        self.remove_button.setToolTip("Take the selected rule out (Delete)")
        self.remove_button.clicked.connect(self.remove_rule)
        self.propose_button = QPushButton("Propose from data")
        self.propose_button.setToolTip(
            f"Replace the rules shown with rules read from version {self.latest.version}'s data: "
            "each column's type, no empty values where it has none, its range of numbers, its "
            "labels, and Unique for ID-like columns"
        )
        self.propose_button.clicked.connect(self.propose)
        adding = QHBoxLayout()
        adding.addWidget(QLabel("New rule:"))
        adding.addWidget(self.new_column)
        adding.addWidget(self.new_kind)
        adding.addWidget(self.add_button)
        adding.addStretch(1)
        adding.addWidget(self.remove_button)
        adding.addWidget(self.propose_button)

        self.error = QLabel()
        self.error.setObjectName("rulesError")
        self.error.setStyleSheet(errors.ERROR_STYLE)
        self.error.setWordWrap(True)
        self.error.hide()
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Cancel)
        self.save_button = buttons.addButton("Save", QDialogButtonBox.ButtonRole.AcceptRole)
        self.save_button.setObjectName("saveRules")
        self.save_button.setToolTip(
            "Keep these rules: new versions are checked against them. Versions already "
            "imported keep their reports until you click Check again."
        )
        self.save_button.clicked.connect(self.save)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.view, 1)
        layout.addWidget(self.empty_hint)
        layout.addLayout(adding)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        self.resize(960, 560)
        shortcut = QShortcut(QKeySequence(QKeySequence.StandardKey.Delete), self.view)
        shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
        shortcut.activated.connect(self.remove_rule)
        self.model.modelReset.connect(self._rules_changed)
        self.model.rowsInserted.connect(self._rules_changed)
        self.model.rowsRemoved.connect(self._rules_changed)
        self.model.dataChanged.connect(self.error.hide)
        self.model.set_rules(dataset_rules.rules_of(state.workspace, dataset))

    def _rules_changed(self) -> None:
        self.error.hide()
        self.empty_hint.setVisible(not self.model.rules)
        self.remove_button.setEnabled(bool(self.model.rules))
        self.view.resizeColumnsToContents()

    def selected_row(self) -> int | None:
        rows = self.view.selectionModel().selectedRows()
        return rows[0].row() if rows else None

    def add_rule(self, column: str | None = None, kind: str | None = None) -> None:
        """Add a rule of ``kind`` on ``column`` (by default those chosen), its settings taken
        from what the latest version's data would propose; an existing one is selected."""
        column = column if column is not None else self.new_column.currentData()
        kind = kind if kind is not None else self.new_kind.currentData()
        existing = next(
            (
                i
                for i, r in enumerate(self.model.rules)
                if (r["column"], r["rule"]) == (column, kind)
            ),
            None,
        )
        if existing is not None:
            self.view.selectRow(existing)
            self._show_error(
                f"'{column}' already has this rule ({RULE_TITLES[kind]}); it is selected."
            )
            return
        schema = [c for c in self.latest.schema if c["name"] == column]
        proposed = validation.propose(schema, self.latest.profile)
        rule = next((r for r in proposed if r["rule"] == kind), {"column": column, "rule": kind})
        same_column = [i for i, r in enumerate(self.model.rules) if r["column"] == column]
        row = same_column[-1] + 1 if same_column else len(self.model.rules)
        self.model.insert(row, rule)
        self.view.selectRow(row)
        settings = validation.FIELDS[kind]
        if settings and not any(setting in rule for setting in settings):  # none read from data
            first = next(c for c, setting in SETTINGS.items() if setting == settings[0])
            self.view.edit(self.model.index(row, first))

    def remove_rule(self) -> None:
        row = self.selected_row()
        if row is None:
            return
        self.model.remove(row)
        if self.model.rules:
            self.view.selectRow(min(row, len(self.model.rules) - 1))

    def propose(self) -> None:
        version = f"version {self.latest.version}"
        if self.model.rules and not errors.confirm(
            self,
            "Propose rules",
            f"Replace the {len(self.model.rules)} rules shown with rules read from {version}'s "
            "data? Nothing is stored until you click Save.",
            "Replace",
        ):
            return
        self.model.set_rules(validation.propose(self.latest.schema, self.latest.profile))

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.show()

    def save(self) -> None:
        try:
            stored = dataset_rules.set_rules(self.state.workspace, self.dataset, self.model.rules)
        except UserError as error:
            self._show_error(str(error))
            return
        self.state.status_message.emit(
            f"Saved {len(stored)} rules for {self.dataset}: new versions are checked against "
            "them; to check a version made earlier, show it and click Check again."
        )
        self.accept()
