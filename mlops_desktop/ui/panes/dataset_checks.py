"""The Datasets pane's Checks tab: how the shown version fared against its dataset's validation
rules (a verdict, then each check, failed ones first with example rows), Check again and Edit
rules…"""

from typing import Any

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.data import dataset_rules
from mlops_desktop.core.store.models import DatasetVersion
from mlops_desktop.ui import errors
from mlops_desktop.ui.dialogs.rules_dialog import RULE_HELP, RULE_TITLES, RulesDialog
from mlops_desktop.ui.models.tables import (
    NAME_WIDTH,
    Column,
    TippedRecordsModel,
    format_value,
    table_view,
)
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task


def _failed(check: dict[str, Any]) -> bool:
    return not check["passed"]


def _examples_text(examples: list[dict[str, Any]]) -> str:
    """Example rows that break a rule: "row 12: -5; row 40: empty"."""
    return "; ".join(
        f"row {example['row']:,}: "
        + ("empty" if example["value"] is None else format_value(example["value"], False))
        for example in examples
    )


CHECK_COLUMNS = [  # a failed check's row is tinted
    Column("Column", lambda r: r["column"], highlighted=_failed),
    Column(
        "Rule",
        lambda r: RULE_TITLES[r["rule"]],
        "What kind of rule; hover over it to read more",
        highlighted=_failed,
    ),
    Column(
        "Passed",
        lambda r: r["passed"],
        "Whether every row keeps the rule",
        highlighted=_failed,
        bold=_failed,
    ),
    Column("Failures", lambda r: r["failures"], "How many rows break the rule", True, _failed),
    Column("Explanation", lambda r: r["explanation"], highlighted=_failed),
    Column(
        "Examples",
        lambda r: _examples_text(r["examples"]),
        "The first rows that break the rule",
        highlighted=_failed,
    ),
]
EXPLANATION_WIDTH = 260  # pixels at most: a longer explanation wraps, the examples stay in view
MEASURED_CHECKS = 100  # rows measured to size the columns, and grown to fit their text
PASSED_STYLE = "background: #e7f4e8; color: #1e6b2f; border: 1px solid #1e6b2f;"
FAILED_STYLE = "background: #fff3dc; color: #7a4b00; border: 1px solid #b26a00;"
UNCHECKED_STYLE = "background: #eeeeee; color: #333; border: 1px solid #9a9a9a;"


class ChecksTab(QWidget):
    checked = Signal(str)  # a new report of the shown version's dataset is stored: its name

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.version: DatasetVersion | None = None
        self.failed = False  # whether the shown version's checks have failures
        self.checking: Task | None = None
        self.verdict = QLabel()
        self.verdict.setObjectName("checksVerdict")
        self.verdict.setWordWrap(True)
        self.verdict.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.model = TippedRecordsModel(
            CHECK_COLUMNS, {"Rule": lambda r: RULE_HELP[r["rule"]]}, self
        )
        self.view = table_view("checksTable", sortable=False)  # failed checks first
        self.view.setModel(self.model)
        self.view.setWordWrap(True)
        self.view.verticalHeader().setMinimumSectionSize(24)
        self.view.horizontalHeader().setResizeContentsPrecision(MEASURED_CHECKS)
        self.fit_timer = QTimer(self)  # once the columns have their widths, after any change
        self.fit_timer.setSingleShot(True)
        self.fit_timer.setInterval(0)
        self.fit_timer.timeout.connect(self._fit_rows)
        self.view.horizontalHeader().sectionResized.connect(self.fit_timer.start)
        self.view.horizontalHeader().setSectionResizeMode(
            len(CHECK_COLUMNS) - 1,
            QHeaderView.ResizeMode.Stretch,  # the examples: what is left
        )
        self.check_button = QPushButton("Check again")
        self.check_button.setToolTip(
            "Check this version against the dataset's rules as they are now, and keep the report"
        )
        self.check_button.clicked.connect(lambda: self.check_current())
        self.rules_button = QPushButton("Edit rules…")
        self.rules_button.setToolTip(
            "Change what valid data looks like for this dataset: which columns may not be "
            "empty, ranges of numbers, allowed labels, types"
        )
        self.rules_button.clicked.connect(lambda: self.edit_rules())
        self.panel = TaskPanel()
        buttons = QHBoxLayout()
        buttons.addWidget(self.rules_button)
        buttons.addWidget(self.check_button)
        buttons.addWidget(self.panel, 1)
        buttons.addStretch(0)
        layout = QVBoxLayout(self)
        layout.addWidget(self.verdict)
        layout.addLayout(buttons)
        layout.addWidget(self.view, 1)

    def show_report(self, version: DatasetVersion | None) -> None:
        """The version's stored report: a verdict, then its checks, failed ones first (the
        columns are sized by ``fit``, once the tab is in view)."""
        self.version = version
        report = version.validation if version is not None else None
        failed = [check for check in report["checks"] if _failed(check)] if report else []
        self.failed = bool(failed)
        self.rules_button.setEnabled(version is not None)
        self.check_button.setEnabled(version is not None and self.checking is None)
        self.check_button.setText("Check again" if report is not None else "Check now")
        self.model.set_records(
            sorted(report["checks"], key=lambda check: check["passed"]) if report else []
        )
        if version is None:
            self.verdict.clear()
            self.verdict.setStyleSheet("")
            return
        shown = f"Version {version.version}"
        made = "prepared" if version.parent_version_id is not None else "imported"
        if report is None:
            style = UNCHECKED_STYLE
            text = (
                f"<b>{shown} has no check report</b>: it was made before validation rules "
                "existed. Click <b>Check now</b> to check it against the dataset's rules."
            )
        elif failed:
            style = FAILED_STYLE
            text = (
                f"<b>{len(failed)} of {len(report['checks'])} checks failed</b> on "
                f"{report['rows']:,} rows; the version was still {made} and can be used. "
                "The failed checks are listed first, with example rows."
            )
        else:
            style = PASSED_STYLE
            text = f"<b>All {len(report['checks'])} checks passed</b> on {report['rows']:,} rows."
        self.verdict.setStyleSheet(
            f"QLabel#checksVerdict {{ {style} border-radius: 4px; padding: 8px; }}"
        )
        self.verdict.setText(text)

    def fit(self) -> None:
        """Size the columns to the shown checks (the examples only when a check failed)."""
        examples = len(CHECK_COLUMNS) - 1
        self.view.setColumnHidden(examples, not self.failed)  # no example of anything
        self.view.horizontalHeader().setSectionResizeMode(
            examples - 1,  # the explanation: what is left, when no examples are shown
            QHeaderView.ResizeMode.Interactive if self.failed else QHeaderView.ResizeMode.Stretch,
        )
        self.view.resizeColumnsToContents()
        self.view.setColumnWidth(0, min(self.view.columnWidth(0), NAME_WIDTH))
        if self.failed:  # the examples need room too
            explanation = examples - 1
            self.view.setColumnWidth(
                explanation, min(self.view.columnWidth(explanation), EXPLANATION_WIDTH)
            )
        self.fit_timer.start()

    def _fit_rows(self) -> None:
        """Grow the rows to show their wrapped explanations (and a failed check's examples)."""
        for row in range(min(self.model.rowCount(), MEASURED_CHECKS)):
            self.view.resizeRowToContents(row)

    def edit_rules(self) -> RulesDialog | None:
        if self.version is None:
            return None
        dialog = RulesDialog(self.state, self.version.dataset.name, self)
        dialog.open()
        return dialog

    def check_current(self) -> Task | None:
        """Check the shown version against its dataset's rules, in a worker; ``checked`` then."""
        version = self.version
        if version is None or self.checking is not None:
            return None
        ref = f"{version.dataset.name}@{version.version}"
        task = self.state.workers.run_in_workspace(
            f"Checking {version.dataset.name} version {version.version}",
            self.state.home,
            dataset_rules.validate,
            ref,
        )
        self.checking = task
        self.check_button.setEnabled(False)
        self.panel.follow(task)
        task.succeeded.connect(self._checked)
        task.failed.connect(lambda message: errors.show_message(self, message))
        task.finished.connect(self._check_finished)
        return task

    def _checked(self, report: dict[str, Any]) -> None:
        failed = sum(not check["passed"] for check in report["checks"])
        self.state.status_message.emit(
            f"Checked {report['name']} version {report['version']}: "
            + (f"{failed} of {len(report['checks'])} checks failed." if failed else "all passed.")
        )
        self.checked.emit(report["name"])

    def _check_finished(self) -> None:
        self.checking = None
        self.check_button.setEnabled(self.version is not None)
