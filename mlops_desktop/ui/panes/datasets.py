"""The Datasets pane: the list of datasets, and for the selected one its profile, data, versions
and checks (the Checks tab is ``dataset_checks``)."""

import html
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QItemSelection,
    Qt,
    Signal,
)
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core import formatting
from mlops_desktop.core.data import advice, datasets, roles
from mlops_desktop.core.data.paging import ParquetPager
from mlops_desktop.core.data.profiling import describe_changes
from mlops_desktop.core.store.models import DatasetVersion
from mlops_desktop.core.vocabulary import counted, share_text
from mlops_desktop.ui import errors
from mlops_desktop.ui.dialogs.recipe_dialog import RecipeDialog
from mlops_desktop.ui.models.tables import (
    Column,
    DatasetRowsModel,
    RecordsModel,
    TippedRecordsModel,
    fit_column_names,
    local_time,
    table_view,
)
from mlops_desktop.ui.panes.dataset_checks import ChecksTab
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.empty_state import EmptyState, pane_layout
from mlops_desktop.ui.widgets.figure_canvas import FigureView
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task

DATASET_COLUMNS = [
    Column("Dataset", lambda r: r["name"]),
    Column(
        "Versions", lambda r: r["versions"], "How many versions were imported", align_right=True
    ),
    Column("Rows", lambda r: r["rows"], "Rows in the latest version", align_right=True, decimals=0),
]


def _statistic(header: str, tooltip: str = "") -> Column:
    """A profile's summary statistic of a numeric column, sorted by value, in the one format."""
    key = header.lower()
    return Column(
        header,
        lambda r: r.get(key),
        tooltip,
        align_right=True,
        shown=lambda r: formatting.number(r.get(key)),
    )


PROFILE_COLUMNS = [
    Column("Column", lambda r: r["name"]),
    Column("Type", lambda r: r["type"]),
    Column(
        "Role",
        lambda r: r["role"],
        "What the column is for: the target is what the dataset's models predict (set it with "
        "Set as target); a proposed target is the app's guess until one is set",
        bold=lambda r: bool(r["role"]),
    ),
    Column("Missing", lambda r: r["missing"], "Rows with no value", align_right=True),
    Column(
        "Missing %",
        lambda r: r["missing_share"],
        "The share of rows with no value; never 0 % for a column with gaps",
        align_right=True,
        shown=lambda r: share_text(r["missing"], r["rows"]),
    ),
    Column(
        "Unique",
        lambda r: r["unique"],
        "Distinct values",
        align_right=True,
        shown=lambda r: formatting.count(r["unique"]),
    ),
    _statistic("Min"),
    _statistic("Max"),
    _statistic("Mean"),
    _statistic("Median"),
    _statistic("Std", "Standard deviation: how spread out the numbers are"),
    Column(
        "Most common",
        lambda r: ", ".join(f"{t['value']} ({t['count']:,})" for t in r.get("top", [])[:3]),
    ),
]
VERSION_COLUMNS = [
    Column("Version", lambda r: r["version"], align_right=True),
    Column("Created", lambda r: local_time(r["created"])),
    Column(
        "Made from",
        lambda r: r["source"] if r["parent"] is None else _recipe_words(r),
        "The imported file, or the version and recipe it was prepared from",
    ),
    Column("Rows", lambda r: r["rows"], align_right=True, decimals=0),
    Column("Columns", lambda r: r["columns_count"], align_right=True),
    Column(
        "Changes",
        lambda r: describe_changes(r["changes"]),
        "What changed from the previous version: rows added or removed, columns added, removed "
        "or read as another type",
    ),
    Column(
        "Checks",
        lambda r: _checks_word(r["validation"]),
        "How the version fared against the dataset's rules when it was made; the Checks tab "
        "has the details",
        highlighted=lambda r: r["validation"] is not None and not r["validation"]["passed"],
    ),
    Column(
        "Fingerprint",
        lambda r: r["content_hash"][:12],
        "A fingerprint of every value (the start of its content hash): two versions with the "
        "same one hold the same data",
    ),
]


DATA_COLUMN_WIDTH = 110  # pixels: the Data tab's narrowest column
TAB_PROFILE, TAB_DATA, TAB_VERSIONS, TAB_CHECKS = range(4)


def _checks_word(summary: dict[str, Any] | None) -> str:
    """A version's checks in a word or two, for the Versions tab."""
    if summary is None:
        return "not checked"
    return "passed" if summary["passed"] else f"{summary['failed_checks']} failed"


def _checks_tooltip(summary: dict[str, Any] | None) -> str:
    if summary is None:
        return "Made before validation rules existed: show it and click Check now (Checks tab)."
    if summary["passed"]:
        return "Every check against the dataset's rules passed."
    return "\n".join(
        [
            "Failed checks (a failed check only warns; the version can be used):",
            *(f"- {check['explanation']}" for check in summary["failed"]),
        ]
    )


def _recipe_words(record: dict[str, Any]) -> str:
    recipe = record["recipe"] or {}
    count = len(recipe.get("steps", []))
    named = f" '{recipe['name']}'" if recipe.get("name") else ""
    return f"{record['parent']} with recipe{named} ({count} step{'s' if count != 1 else ''})"


def _column_chart(entry: dict[str, Any]) -> Any:
    """A profile column's histogram or bar chart (matplotlib is loaded by the first one drawn)."""
    from mlops_desktop.core.experiments.plots import column_figure

    return column_figure(entry)


class DatasetsPane(QWidget):
    import_requested = Signal()
    samples_requested = Signal()
    warnings_shown = Signal()  # the shown version's warnings are listed

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.current: DatasetVersion | None = None
        self.warnings_task: Task | None = None
        # Looks on a worker thread (warnings, a column's chart) asked for while the pane is
        # hidden: started when it is shown, so a hidden pane leaves the CPU to the one in view.
        self.looks_when_shown: dict[str, Callable[[], object]] = {}

        self.list_model = RecordsModel(DATASET_COLUMNS, self)
        self.list_view = table_view("datasetList", sortable=False)
        self.list_view.setModel(self.list_model)
        self.list_view.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.list_view.horizontalHeader().setSectionResizeMode(
            1, QHeaderView.ResizeMode.ResizeToContents
        )
        self.list_view.horizontalHeader().setSectionResizeMode(
            2, QHeaderView.ResizeMode.ResizeToContents
        )
        self.list_view.horizontalHeader().setStretchLastSection(False)
        self.list_view.selectionModel().selectionChanged.connect(self._dataset_selected)
        import_button = QPushButton("Import…")
        import_button.setObjectName("importButton")
        import_button.setToolTip(
            "Bring in a CSV, Excel or Parquet file (Ctrl+I). You can also drop a file on the window."
        )
        import_button.clicked.connect(self.import_requested)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        left_layout.addWidget(QLabel("<b>Datasets</b>"))
        left_layout.addWidget(self.list_view, 1)
        left_layout.addWidget(import_button)

        self.title = QLabel()
        self.title.setObjectName("datasetTitle")
        self.title.setWordWrap(True)
        self.title.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.version_combo = QComboBox()
        self.version_combo.setToolTip("Which version of the dataset to look at")
        self.version_combo.activated.connect(self._version_chosen)
        self.prepare_button = QPushButton("Prepare…")
        self.prepare_button.setToolTip(
            "Clean this version and derive new columns, step by step, with a live preview; the "
            "result is stored as a new version (Ctrl+P)"
        )
        self.prepare_button.clicked.connect(self.prepare_current)
        self.export_button = QPushButton("Export CSV…")
        self.export_button.setToolTip("Save this version as a CSV file")
        self.export_button.clicked.connect(self.export_current)
        self.delete_button = QPushButton("Delete dataset…")
        self.delete_button.setToolTip("Remove this dataset and all its versions from the workspace")
        self.delete_button.clicked.connect(self.delete_current)
        header = QHBoxLayout()
        header.addWidget(self.title, 1)
        header.addWidget(QLabel("Version:"))
        header.addWidget(self.version_combo)
        header.addWidget(self.prepare_button)
        header.addWidget(self.export_button)
        header.addWidget(self.delete_button)

        self.profile_model = RecordsModel(PROFILE_COLUMNS, self)
        self.profile_view = table_view("profileTable")
        self.profile_view.setModel(self.profile_model)
        self.profile_view.selectionModel().selectionChanged.connect(self._column_selected)
        self.figure = FigureView()
        self.warnings = QListWidget()
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setSpacing(4)  # one warning apart from the next
        self.warnings.setToolTip("Things worth knowing about this data before training a model")
        warnings_box = QWidget()
        warnings_layout = QVBoxLayout(warnings_box)
        warnings_layout.setContentsMargins(0, 0, 0, 0)
        self.prepare_link = QLabel()
        self.prepare_link.setObjectName("prepareLink")
        self.prepare_link.setWordWrap(True)
        self.prepare_link.linkActivated.connect(lambda _link: self.prepare_current())
        self.prepare_link.hide()
        warnings_layout.addWidget(QLabel("<b>Warnings</b>"))
        warnings_layout.addWidget(self.prepare_link)
        warnings_layout.addWidget(self.warnings, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.figure)
        bottom.addWidget(warnings_box)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        bottom.setSizes([540, 360])  # an empty chart has no size of its own to start from
        self.set_target_button = QPushButton("Set as target")
        self.set_target_button.setObjectName("setTargetButton")
        self.set_target_button.setToolTip(
            "Make the selected column the one this dataset's models predict; the training "
            "dialog then starts from it"
        )
        self.set_target_button.clicked.connect(lambda: self.set_target())
        self.target_label = QLabel()
        self.target_label.setObjectName("targetLabel")
        self.target_label.setWordWrap(True)
        roles_row = QHBoxLayout()
        roles_row.setContentsMargins(0, 0, 0, 0)
        roles_row.addWidget(self.target_label, 1)
        roles_row.addWidget(self.set_target_button)
        profile_top = QWidget()
        profile_top_layout = QVBoxLayout(profile_top)
        profile_top_layout.setContentsMargins(0, 0, 0, 0)
        profile_top_layout.addLayout(roles_row)
        profile_top_layout.addWidget(self.profile_view, 1)
        profile_tab = QSplitter(Qt.Orientation.Vertical)
        profile_tab.addWidget(profile_top)
        profile_tab.addWidget(bottom)
        profile_tab.setStretchFactor(0, 1)
        profile_tab.setStretchFactor(1, 1)

        self.rows_model = DatasetRowsModel(self)
        self.rows_view = QTableView()
        self.rows_view.setObjectName("dataTable")
        self.rows_view.setModel(self.rows_model)
        self.rows_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.rows_view.verticalHeader().setDefaultSectionSize(22)
        self.rows_view.horizontalHeader().setDefaultSectionSize(DATA_COLUMN_WIDTH)

        self.versions_model = TippedRecordsModel(
            VERSION_COLUMNS, {"Checks": lambda r: _checks_tooltip(r["validation"])}, self
        )
        self.versions_view = table_view("versionsTable", sortable=False)
        self.versions_view.setModel(self.versions_model)
        self.versions_view.doubleClicked.connect(self._version_double_clicked)

        self.tabs = QTabWidget()
        self.tabs.addTab(profile_tab, "Profile")
        self.tabs.addTab(self.rows_view, "Data")
        self.tabs.addTab(self.versions_view, "Versions")
        self.checks = ChecksTab(state)
        self.checks.checked.connect(self._checked)
        self.tabs.addTab(self.checks, "Checks")
        self.unfitted_tabs: set[int] = set()  # tabs whose columns are sized when next shown
        self.tabs.currentChanged.connect(self._fit_shown_tab)
        self.tabs.setTabToolTip(
            TAB_CHECKS, "How this version fared against the dataset's validation rules"
        )

        self.export_panel = TaskPanel()
        detail = QWidget()
        detail_layout = QVBoxLayout(detail)
        detail_layout.setContentsMargins(0, 0, 0, 0)
        detail_layout.addLayout(header)
        detail_layout.addWidget(self.tabs, 1)
        detail_layout.addWidget(self.export_panel)

        self.splitter = QSplitter()
        self.splitter.setObjectName("datasetsSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(detail)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([300, 900])

        self.empty = EmptyState(
            "No datasets yet",
            "Drop a CSV, Excel or Parquet file anywhere on this window, or click Import… to choose "
            "one. New to this? Add the sample datasets (iris flowers, wine, breast cancer "
            "diagnosis, diabetes progression) to explore.",
            [
                ("Import…", self.import_requested.emit),
                ("Add sample datasets", self.samples_requested.emit),
            ],
        )
        self.empty.buttons["Import…"].setObjectName("emptyImportButton")
        self.empty.buttons["Add sample datasets"].setObjectName("addSamplesButton")
        self.stack = pane_layout(self, self.empty, self.splitter)

        state.datasets_changed.connect(self.refresh)
        state.workspace_changed.connect(lambda: self.refresh(""))

    # --- list ----------------------------------------------------------------------------------

    def refresh(self, select: str = "") -> None:
        """List the datasets again and open ``select`` (else the one shown, else the first)."""
        previous = select or (self.current.dataset.name if self.current is not None else "")
        self.show_list()
        self.open_listed(previous)

    def show_list(self) -> None:
        rows = datasets.list_datasets(self.state.workspace)
        self.list_model.set_records(rows)
        self.stack.setCurrentWidget(self.splitter if rows else self.empty)

    def open_listed(self, wanted: str = "") -> None:
        """Open ``wanted`` among the listed datasets (else the first), or show none."""
        names = [record["name"] for record in self.list_model.records]
        if not names:
            self._show_version(None)
            return
        self.list_view.selectRow(names.index(wanted) if wanted in names else 0)

    def selected_name(self) -> str | None:
        indexes = self.list_view.selectionModel().selectedRows()
        return self.list_model.record(indexes[0].row())["name"] if indexes else None

    def _dataset_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        name = self.selected_name()
        if name is None:
            return
        version = datasets.get_version(self.state.workspace, name)
        self._show_version(version)

    def _version_chosen(self, _index: int) -> None:
        name = self.selected_name()
        number = self.version_combo.currentData()
        if name is not None and number is not None:
            self._show_version(datasets.get_version(self.state.workspace, f"{name}@{number}"))

    def _version_double_clicked(self, index: Any) -> None:
        record = self.versions_model.record(index.row())
        self._show_version(
            datasets.get_version(self.state.workspace, f"{record['name']}@{record['version']}")
        )
        self.tabs.setCurrentIndex(0)

    # --- detail --------------------------------------------------------------------------------

    def _show_version(self, version: DatasetVersion | None) -> None:
        self.current = version
        for widget in (
            self.set_target_button,
            self.prepare_button,
            self.export_button,
            self.delete_button,
            self.version_combo,
        ):
            widget.setEnabled(version is not None)
        if version is None:
            self.title.clear()
            self.profile_model.set_records([])
            self.rows_model.set_pager(None)
            self.versions_model.set_records([])
            self.warnings.clear()
            self.warnings_task = None
            self.looks_when_shown.clear()
            self.prepare_link.hide()
            self.target_label.clear()
            self.set_target_button.setEnabled(False)
            self.figure.show_figure(None)
            self._show_checks(None)
            return
        name = version.dataset.name
        self.title.setText(
            f"<b>{html.escape(name)}</b> — version {version.version}: {version.n_rows:,} rows × {version.n_columns} "
            f"columns, from {html.escape(version.source_name)}"
        )
        history = datasets.versions(self.state.workspace, name)
        self.versions_model.set_records(history)
        self._fit_when_shown(TAB_VERSIONS)
        self.version_combo.clear()
        for record in history:
            self.version_combo.addItem(f"{record['version']}", record["version"])
        self.version_combo.setCurrentIndex(self.version_combo.findData(version.version))
        self._show_roles(version)
        self._show_warnings(version)
        self.rows_model.set_pager(
            ParquetPager(datasets.parquet_path(self.state.workspace, version)),
            [column["type"] for column in version.schema],
        )
        fit_column_names(self.rows_view, DATA_COLUMN_WIDTH)
        self.profile_view.selectRow(0)
        self._show_checks(version)

    def _show_roles(self, version: DatasetVersion) -> None:
        """Each column's role in the profile table, and the target in words above it."""
        choice = roles.target_choice(version)
        role = ""
        if choice is not None:
            role = "proposed target" if choice.proposed else "target"
        self.profile_model.set_records(
            [
                {
                    **entry,
                    "rows": version.n_rows,
                    "role": role if choice and entry["name"] == choice.column else "",
                }
                for entry in version.profile["columns"]
            ]
        )
        self.profile_view.resizeColumnsToContents()
        if choice is None:
            text = (
                "<b>No target yet</b>: no column looks like the answer to predict. Select the "
                "column models should predict and click <b>Set as target</b>."
            )
        elif choice.proposed:
            text = (
                f"<b>Proposed target: {html.escape(choice.column)}</b> ({html.escape(choice.reason)})."
                " Select another column and click <b>Set as target</b> if it is not the answer."
            )
        else:
            text = (
                f"<b>Target: {html.escape(choice.column)}</b>, what this dataset's models predict."
            )
        self.target_label.setText(text)

    def _when_shown(self, kind: str, start: Callable[[], object]) -> None:
        """Start a look now if the pane is in view, else when it is next shown (a newer look of
        the same kind replaces a waiting one)."""
        self.looks_when_shown.pop(kind, None)
        if self.isVisible():
            start()
        else:
            self.looks_when_shown[kind] = start

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        looks, self.looks_when_shown = self.looks_when_shown, {}
        for start in looks.values():
            start()

    def _show_warnings(self, version: DatasetVersion) -> None:
        """List the version's warnings, measured in a thread once the pane is in view (the
        likely target's are computed on the rows)."""
        self.warnings.clear()
        self.prepare_link.hide()
        self.warnings.addItem("Looking for things worth knowing…")
        self.warnings_task = None
        ref = datasets.reference(version)
        self._when_shown("warnings", lambda: self._measure_warnings(ref))

    def _measure_warnings(self, ref: str) -> None:
        workspace = self.state.workspace
        task = self.state.workers.run_in_thread(
            "Checking the data",
            lambda: advice.dataset_warnings(workspace, datasets.get_version(workspace, ref)),
            owner=self,
        )
        task.ask_before_quitting = False  # a look the app takes on its own
        self.warnings_task = task
        task.succeeded.connect(lambda found: task is self.warnings_task and self._list(found))
        task.failed.connect(lambda message: task is self.warnings_task and self._list(message))

    def _list(self, found: list[advice.Advice] | str) -> None:
        """The warnings found (or why they could not be), and a Prepare… link for gaps."""
        self.warnings_task = None
        self.warnings.clear()
        if isinstance(found, str):
            self.warnings.addItem(found)
        else:
            self.warnings.addItems(
                [item.text for item in found]
                or ["No warnings: nothing unusual was found in this data."]
            )
            gappy = len({item.column for item in found if item.kind == "missing"})
            self.prepare_link.setText(
                f"{counted(gappy, 'column')} with missing values: "
                "<a href='prepare'>Prepare…</a> to fill the gaps or leave columns out."
            )
            self.prepare_link.setVisible(gappy > 0)
        self.warnings_shown.emit()

    def set_target(self, column: str | None = None) -> None:
        """Remember ``column`` (by default the selected one) as the dataset's target."""
        version = self.current
        indexes = self.profile_view.selectionModel().selectedRows()
        if column is None and indexes:
            column = self.profile_model.record(indexes[0].row())["name"]
        if version is None or column is None:
            return
        ref = datasets.reference(version)
        try:
            roles.set_target(self.state.workspace, ref, column)
        except Exception as error:
            errors.report_exception(self, error, self.state.workspace.log_path)
            return
        self.state.status_message.emit(f"{column} is now the target of {version.dataset.name}.")
        self._show_version(datasets.get_version(self.state.workspace, ref))
        names = [entry["name"] for entry in self.profile_model.records]
        self.profile_view.selectRow(names.index(column))

    def _show_checks(self, version: DatasetVersion | None) -> None:
        self.checks.show_report(version)
        self.tabs.setTabText(TAB_CHECKS, "Checks ⚠" if self.checks.failed else "Checks")
        self._fit_when_shown(TAB_CHECKS)

    def _checked(self, name: str) -> None:
        """A check stored a new report: show it if its dataset is the one in view."""
        shown = self.current
        if shown is not None and shown.dataset.name == name:
            ref = f"{name}@{shown.version}"
            self._show_version(datasets.get_version(self.state.workspace, ref))

    def _fit_when_shown(self, tab: int) -> None:
        """Size a tab's columns to their contents now if it is in view, else once it is shown
        (measuring every cell of a hidden table would hold up opening a dataset)."""
        self.unfitted_tabs.add(tab)
        self._fit_shown_tab(self.tabs.currentIndex())

    def _fit_shown_tab(self, tab: int) -> None:
        if tab not in self.unfitted_tabs:
            return
        self.unfitted_tabs.discard(tab)
        if tab == TAB_VERSIONS:
            self.versions_view.resizeColumnsToContents()
        elif tab == TAB_CHECKS:
            self.checks.fit()

    def _column_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = self.profile_view.selectionModel().selectedRows()
        if not indexes:
            return
        entry = self.profile_model.record(indexes[0].row())
        self.figure.show_figure(None)
        self._when_shown(
            "chart",
            lambda: self.figure.draw_in_thread(self.state.workers, lambda: _column_chart(entry)),
        )

    # --- actions -------------------------------------------------------------------------------

    def prepare_current(self) -> RecipeDialog | None:
        if self.current is None:
            return None
        dialog = RecipeDialog(self.state, self.current, self)
        dialog.open()
        return dialog

    def export_current(self) -> None:
        version = self.current
        if version is None:
            return
        suggested = f"{version.dataset.name}_v{version.version}.csv"
        chosen, _ = QFileDialog.getSaveFileName(
            self, "Export as CSV", suggested, "CSV files (*.csv)"
        )
        if chosen:
            self.export_to(Path(chosen))

    def export_to(self, output: Path) -> None:
        version = self.current
        assert version is not None
        task = self.state.workers.run_in_workspace(
            f"Exporting {version.dataset.name} version {version.version}",
            self.state.home,
            datasets.export_csv,
            f"{version.dataset.name}@{version.version}",
            output,
        )
        self.export_panel.follow(task)
        task.succeeded.connect(
            lambda result: self.state.status_message.emit(
                f"Exported {result['rows']:,} rows to {result['output']}."
            )
        )
        task.failed.connect(lambda message: errors.show_message(self, message))

    def delete_current(self) -> None:
        version = self.current
        if version is None:
            return
        name = version.dataset.name
        count = self.versions_model.rowCount()
        versions = "its only version" if count == 1 else f"all its {count:,} versions"
        if not errors.confirm(
            self,
            "Delete dataset",
            f"Delete '{name}' and {versions}? Its stored data files are removed too. "
            "This cannot be undone.",
            "Delete",
        ):
            return
        self.rows_model.set_pager(None)  # let go of the data file before it is removed
        try:
            datasets.delete_dataset(self.state.workspace, name)
        except Exception as error:
            errors.report_exception(self, error, self.state.workspace.log_path)
            return
        self.current = None
        self.state.status_message.emit(f"Deleted dataset '{name}'.")
        self.state.datasets_changed.emit("")
