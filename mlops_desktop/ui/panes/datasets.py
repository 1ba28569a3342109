"""The Datasets pane: the list of datasets, and for the selected one its data, profile and versions."""

import html
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QItemSelection, Qt, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
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

from mlops_desktop.core import datasets
from mlops_desktop.core.paging import ParquetPager
from mlops_desktop.core.plots import column_figure
from mlops_desktop.core.profiling import describe_changes
from mlops_desktop.core.store.models import DatasetVersion
from mlops_desktop.ui import errors
from mlops_desktop.ui.models.tables import Column, DatasetRowsModel, RecordsModel
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.empty_state import EmptyState, pane_layout
from mlops_desktop.ui.widgets.figure_canvas import FigureView
from mlops_desktop.ui.widgets.task_panel import TaskPanel

DATASET_COLUMNS = [
    Column("Dataset", lambda r: r["name"]),
    Column(
        "Versions", lambda r: r["versions"], "How many versions were imported", align_right=True
    ),
    Column("Rows", lambda r: r["rows"], "Rows in the latest version", align_right=True),
]
PROFILE_COLUMNS = [
    Column("Column", lambda r: r["name"]),
    Column("Type", lambda r: r["type"]),
    Column("Missing", lambda r: r["missing"], "Rows with no value", align_right=True),
    Column("Missing %", lambda r: round(100 * r["missing_share"], 1), align_right=True),
    Column("Unique", lambda r: r["unique"], "Distinct values", align_right=True),
    Column("Min", lambda r: r.get("min"), align_right=True),
    Column("Max", lambda r: r.get("max"), align_right=True),
    Column("Mean", lambda r: r.get("mean"), align_right=True),
    Column("Median", lambda r: r.get("median"), align_right=True),
    Column(
        "Std", lambda r: r.get("std"), "Standard deviation: how spread out the numbers are", True
    ),
    Column(
        "Most common",
        lambda r: ", ".join(f"{t['value']} ({t['count']:,})" for t in r.get("top", [])[:3]),
    ),
]
VERSION_COLUMNS = [
    Column("Version", lambda r: r["version"], align_right=True),
    Column("Imported", lambda r: _local_time(r["created"])),
    Column("Source file", lambda r: r["source"]),
    Column("Rows", lambda r: r["rows"], align_right=True),
    Column("Columns", lambda r: r["columns_count"], align_right=True),
    Column("Changes from the previous version", lambda r: describe_changes(r["changes"])),
    Column("Content hash", lambda r: r["content_hash"][:12], "A fingerprint of every value"),
]


def _local_time(iso_utc: str) -> str:
    """A stored UTC time as the user's local date and time."""
    return datetime.fromisoformat(iso_utc).astimezone().strftime("%Y-%m-%d %H:%M")


def _table_view(name: str, sortable: bool = True) -> QTableView:
    view = QTableView()
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # stored order
    view.setSortingEnabled(sortable)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.horizontalHeader().setStretchLastSection(True)
    return view


class DatasetsPane(QWidget):
    import_requested = Signal()
    samples_requested = Signal()

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.current: DatasetVersion | None = None

        self.list_model = RecordsModel(DATASET_COLUMNS, self)
        self.list_view = _table_view("datasetList", sortable=False)
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
        header.addWidget(self.export_button)
        header.addWidget(self.delete_button)

        self.profile_model = RecordsModel(PROFILE_COLUMNS, self)
        self.profile_view = _table_view("profileTable")
        self.profile_view.setModel(self.profile_model)
        self.profile_view.selectionModel().selectionChanged.connect(self._column_selected)
        self.figure = FigureView()
        self.warnings = QListWidget()
        self.warnings.setObjectName("warnings")
        self.warnings.setWordWrap(True)
        self.warnings.setToolTip("Things worth knowing about this data before training a model")
        warnings_box = QWidget()
        warnings_layout = QVBoxLayout(warnings_box)
        warnings_layout.setContentsMargins(0, 0, 0, 0)
        warnings_layout.addWidget(QLabel("<b>Warnings</b>"))
        warnings_layout.addWidget(self.warnings, 1)
        bottom = QSplitter(Qt.Orientation.Horizontal)
        bottom.addWidget(self.figure)
        bottom.addWidget(warnings_box)
        bottom.setStretchFactor(0, 3)
        bottom.setStretchFactor(1, 2)
        profile_tab = QSplitter(Qt.Orientation.Vertical)
        profile_tab.addWidget(self.profile_view)
        profile_tab.addWidget(bottom)
        profile_tab.setStretchFactor(0, 1)
        profile_tab.setStretchFactor(1, 1)

        self.rows_model = DatasetRowsModel(self)
        self.rows_view = QTableView()
        self.rows_view.setObjectName("dataTable")
        self.rows_view.setModel(self.rows_model)
        self.rows_view.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.rows_view.verticalHeader().setDefaultSectionSize(22)
        self.rows_view.horizontalHeader().setDefaultSectionSize(110)

        self.versions_model = RecordsModel(VERSION_COLUMNS, self)
        self.versions_view = _table_view("versionsTable", sortable=False)
        self.versions_view.setModel(self.versions_model)
        self.versions_view.doubleClicked.connect(self._version_double_clicked)

        self.tabs = QTabWidget()
        self.tabs.addTab(profile_tab, "Profile")
        self.tabs.addTab(self.rows_view, "Data")
        self.tabs.addTab(self.versions_view, "Versions")

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
        self.stack = pane_layout(self, self.empty, self.splitter)

        state.datasets_changed.connect(self.refresh)
        state.workspace_changed.connect(lambda: self.refresh(""))

    # --- list ----------------------------------------------------------------------------------

    def refresh(self, select: str = "") -> None:
        previous = select or (self.current.dataset.name if self.current is not None else "")
        rows = datasets.list_datasets(self.state.workspace)
        self.list_model.set_records(rows)
        self.stack.setCurrentWidget(self.splitter if rows else self.empty)
        if not rows:
            self._show_version(None)
            return
        names = [row["name"] for row in rows]
        self.list_view.selectRow(names.index(previous) if previous in names else 0)

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
        for widget in (self.export_button, self.delete_button, self.version_combo):
            widget.setEnabled(version is not None)
        if version is None:
            self.title.clear()
            self.profile_model.set_records([])
            self.rows_model.set_pager(None)
            self.versions_model.set_records([])
            self.warnings.clear()
            self.figure.show_figure(None)
            return
        name = version.dataset.name
        self.title.setText(
            f"<b>{html.escape(name)}</b> — version {version.version}: {version.n_rows:,} rows × {version.n_columns} "
            f"columns, from {html.escape(version.source_name)}"
        )
        history = datasets.versions(self.state.workspace, name)
        self.versions_model.set_records(history)
        self.versions_view.resizeColumnsToContents()
        self.version_combo.clear()
        for record in history:
            self.version_combo.addItem(f"{record['version']}", record["version"])
        self.version_combo.setCurrentIndex(self.version_combo.findData(version.version))
        self.profile_model.set_records(version.profile["columns"])
        self.profile_view.resizeColumnsToContents()
        self.warnings.clear()
        all_warnings = [w for column in version.profile["columns"] for w in column["warnings"]]
        self.warnings.addItems(
            all_warnings or ["No warnings: nothing unusual was found in this data."]
        )
        self.rows_model.set_pager(
            ParquetPager(datasets.parquet_path(self.state.workspace, version)),
            [column["type"] for column in version.schema],
        )
        self.profile_view.selectRow(0)

    def _column_selected(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        indexes = self.profile_view.selectionModel().selectedRows()
        if not indexes:
            return
        entry = self.profile_model.record(indexes[0].row())
        self.figure.show_figure(column_figure(entry))

    # --- actions -------------------------------------------------------------------------------

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
        if not errors.confirm(
            self,
            "Delete dataset",
            f"Delete '{name}' and all its {count} version(s)? Its stored data files are removed too. "
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
