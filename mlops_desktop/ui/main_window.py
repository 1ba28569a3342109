"""The main window: sidebar of panes, menus, status bar, drag and drop, remembered layout.

The window is built in two steps so that it shows at once: ``MainWindow(settings)`` makes the frame
(sidebar, menus, status bar, remembered geometry) with only Qt loaded; ``attach(state)`` adds the
panes once the workspace is open and the data libraries are loaded (``app.py`` does that on a
thread while the frame is already on screen).
"""

from __future__ import annotations

import base64
import threading
from pathlib import Path
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QByteArray, QEvent, QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDesktopServices,
    QDragEnterEvent,
    QDropEvent,
    QKeySequence,
)
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMainWindow,
    QMessageBox,
    QStackedWidget,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop import __version__
from mlops_desktop.config import Settings, samples_dir
from mlops_desktop.core.registry.bundle_files import SUFFIX as BUNDLE_SUFFIX
from mlops_desktop.ui import errors
from mlops_desktop.ui.widgets.file_field import DATA_SUFFIXES, dropped_file
from mlops_desktop.ui.widgets.task_panel import TaskPanel

if TYPE_CHECKING:
    from mlops_desktop.core.data.datasets import ImportResult
    from mlops_desktop.ui.demo_actions import DemoActions
    from mlops_desktop.ui.dialogs.import_dialog import ImportDialog
    from mlops_desktop.ui.panes.audit import AuditPane
    from mlops_desktop.ui.panes.datasets import DatasetsPane
    from mlops_desktop.ui.panes.experiments import ExperimentsPane
    from mlops_desktop.ui.panes.home import HomePane
    from mlops_desktop.ui.panes.models import ModelsPane
    from mlops_desktop.ui.panes.monitoring import MonitoringPane
    from mlops_desktop.ui.state import AppState
    from mlops_desktop.ui.tour import Tour
    from mlops_desktop.ui.workers import Task

PANES = ["Home", "Datasets", "Experiments", "Models", "Monitoring", "Audit"]
DROPPED_SUFFIXES = {*DATA_SUFFIXES, BUNDLE_SUFFIX}  # data to import, or a model bundle
PANE_ICONS = {
    "Home": QStyle.StandardPixmap.SP_DirHomeIcon,
    "Datasets": QStyle.StandardPixmap.SP_FileDialogDetailedView,
    "Experiments": QStyle.StandardPixmap.SP_MediaPlay,
    "Models": QStyle.StandardPixmap.SP_DriveHDIcon,
    "Monitoring": QStyle.StandardPixmap.SP_ComputerIcon,
    "Audit": QStyle.StandardPixmap.SP_FileDialogContentsView,
}
# The pane an audit event's object opens, by its kind (datasets and runs are also selected there).
STEP_PAUSE_MS = 10  # between the steps of attaching a workspace: the event loop runs in between
OBJECT_PANES = {
    "recipe": "Datasets",
    "experiment": "Experiments",
    "model": "Models",
    "deployment": "Models",
}


def _loading(name: str) -> QLabel:
    """What a pane not built yet shows."""
    label = QLabel(f"Loading the {name} pane…")
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    return label


def _load_other_panes(done: threading.Event) -> None:
    """Load the modules of the panes after Home and Datasets, and what they load (scikit-learn,
    scipy, matplotlib, the demo's building), on a worker thread: the GUI thread then builds a
    pane without waiting for imports. ``done`` is set at the end, whatever happened."""
    try:
        import matplotlib.backends.backend_qtagg  # noqa: F401

        import mlops_desktop.core.demo.building
        import mlops_desktop.ui.panes.audit
        import mlops_desktop.ui.panes.experiments
        import mlops_desktop.ui.panes.models
        import mlops_desktop.ui.panes.monitoring  # noqa: F401
    finally:
        done.set()


class MainWindow(QMainWindow):
    first_painted = Signal()  # the frame is on screen: time to load the rest
    ready = Signal()  # the workspace is attached and the Datasets pane lists its datasets
    panes_ready = Signal()  # then: the other panes' modules are loaded (they build at once)
    data_imported = Signal(str)  # a file was imported (as the named dataset) from the dialog

    state: AppState
    datasets_pane: DatasetsPane
    home_pane: HomePane
    demo: DemoActions

    def __init__(self, settings: Settings) -> None:
        super().__init__()
        self.settings = settings
        self.setObjectName("mainWindow")
        self.setWindowTitle("MLOps Desktop")
        self.setAcceptDrops(True)
        self.import_dialog: ImportDialog | None = None
        self.tour: Tour | None = None
        self.panes: dict[str, QWidget] = {}  # those built so far (none until ``attach``)
        self.is_ready = False  # the Datasets pane lists the datasets (``ready``)
        self.panes_loaded = False  # the other panes' modules are loaded: they build at once
        # Set by the worker thread that loads those modules when it is done (None before it starts).
        self.panes_modules_loaded: threading.Event | None = None

        self.sidebar = QListWidget()
        self.sidebar.setObjectName("sidebar")
        self.sidebar.setIconSize(QSize(20, 20))
        self.sidebar.setFixedWidth(170)
        for number, name in enumerate(PANES, start=1):
            item = QListWidgetItem(self.style().standardIcon(PANE_ICONS[name]), name)
            item.setToolTip(f"{name} (Ctrl+{number})")
            self.sidebar.addItem(item)
        self.sidebar.setEnabled(False)
        self.stack = QStackedWidget()
        opening = QLabel("Opening the workspace…")
        opening.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.stack.addWidget(opening)

        self.task_panel = TaskPanel()
        central = QWidget()
        body = QHBoxLayout()
        body.addWidget(self.sidebar)
        body.addWidget(self.stack, 1)
        layout = QVBoxLayout(central)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addLayout(body, 1)
        layout.addWidget(self.task_panel)
        self.setCentralWidget(central)

        self.workspace_label = QLabel()
        self.statusBar().addPermanentWidget(self.workspace_label)
        self.workspace_actions: list[QAction] = []
        self._build_menus()
        self._restore_geometry()
        self._painted = False

    def event(self, event: QEvent) -> bool:
        handled = super().event(event)
        if event.type() == QEvent.Type.Paint and not self._painted:
            self._painted = True
            QTimer.singleShot(0, self.first_painted.emit)
        return handled

    def attach(self, state: AppState) -> None:
        """Add the panes for an open workspace (the data libraries are loaded by now) in short
        steps, a timer tick apart so that the window keeps answering: the Datasets pane; Home;
        the sidebar; the datasets listed; one opened (``ready``); then Home's figures are read. The other panes are
        built when first shown; their modules, which load scikit-learn, scipy and matplotlib,
        load on a worker thread after ``ready``."""
        self.state = state
        self.attach_steps = [
            self._add_datasets_pane,
            self._add_home_pane,
            self._show_panes,
            lambda: self.datasets_pane.show_list(),
            self._open_dataset,
        ]
        self._next_attach_step()

    def _next_attach_step(self) -> None:
        self.attach_steps.pop(0)()
        if self.attach_steps:
            QTimer.singleShot(STEP_PAUSE_MS, self._next_attach_step)

    def _add_datasets_pane(self) -> None:
        from mlops_desktop.ui.demo_actions import DemoActions
        from mlops_desktop.ui.panes.datasets import DatasetsPane

        self.demo = DemoActions(self)
        self.datasets_pane = DatasetsPane(self.state)
        self.datasets_pane.import_requested.connect(lambda: self.open_import_dialog())
        self.datasets_pane.samples_requested.connect(self.add_samples)
        sizes = self.settings.get("datasets_splitter")
        if sizes:
            self.datasets_pane.splitter.setSizes(sizes)

    def _add_home_pane(self) -> None:
        from mlops_desktop.ui.panes.home import HomePane

        self.home_pane = HomePane(self.state, self.show_pane)
        self.home_pane.demo_requested.connect(self.demo.open_default)
        self.home_pane.demo_reset_requested.connect(self.demo.reset)

    def _show_panes(self) -> None:
        state = self.state
        self.panes = {"Home": self.home_pane, "Datasets": self.datasets_pane}
        while self.stack.count():
            self.stack.removeWidget(self.stack.widget(0))
        for name in PANES:
            self.stack.addWidget(self.panes.get(name) or _loading(name))
        self.sidebar.currentRowChanged.connect(self._pane_chosen)
        self.sidebar.setEnabled(True)
        for action in self.workspace_actions:
            action.setEnabled(True)
        state.status_message.connect(lambda text: self.statusBar().showMessage(text, 10_000))
        state.workspace_changed.connect(self._workspace_changed)
        self._name_workspace()
        last = self.settings.get("last_pane")
        self.sidebar.setCurrentRow(PANES.index(last) if last in PANES else 0)

    def _open_dataset(self) -> None:
        """The last step of start-up: a listed dataset opened; then Home's figures are read and
        the other panes' modules loaded on worker threads."""
        self.datasets_pane.open_listed()
        self.is_ready = True
        self.ready.emit()
        self.home_pane.refresh()  # its cards' figures, read on a worker thread
        QTimer.singleShot(0, self._load_panes)  # once this turn is over

    def _load_panes(self) -> None:
        loaded = self.panes_modules_loaded = threading.Event()
        loading = self.state.workers.run_in_thread(
            "Loading the panes", lambda: _load_other_panes(loaded)
        )
        loading.ask_before_quitting = False
        loading.finished.connect(self._panes_loaded)

    def _panes_loaded(self) -> None:
        self.panes_loaded = True
        self.state.workers.start_server()
        self.panes_ready.emit()
        self._pane_chosen(self.sidebar.currentRow())

    def _pane_chosen(self, row: int) -> None:
        """Show the chosen pane; one not built yet shows that it is loading and is built as soon
        as its modules are (at once, if they already are)."""
        self.stack.setCurrentIndex(row)
        name = PANES[row]
        if name not in self.panes and self.panes_loaded:
            QTimer.singleShot(0, lambda: self.current_pane() == name and self.pane(name))

    def pane(self, name: str) -> QWidget:
        """The pane called ``name``, built now if it was not yet."""
        if name not in self.panes:
            if self.panes_modules_loaded is not None and not self.panes_loaded:
                # Importing beside the thread that loads the same modules could meet a module
                # half loaded: wait for it (it started at ready and takes a second or two).
                self.panes_modules_loaded.wait()
            widget = self._make_pane(name)
            index = PANES.index(name)
            loading = self.stack.widget(index)
            self.stack.insertWidget(index, widget)
            self.stack.removeWidget(loading)
            loading.deleteLater()
            self.panes[name] = widget
            self.stack.setCurrentIndex(self.sidebar.currentRow())
        return self.panes[name]

    def _make_pane(self, name: str) -> QWidget:
        from mlops_desktop.ui.panes.audit import AuditPane
        from mlops_desktop.ui.panes.experiments import ExperimentsPane
        from mlops_desktop.ui.panes.models import ModelsPane
        from mlops_desktop.ui.panes.monitoring import MonitoringPane

        state = self.state
        if name == "Experiments":
            experiments = ExperimentsPane(state)
            experiments.dataset_in_view = self.datasets_pane.selected_name
            return experiments
        if name == "Models":
            models = ModelsPane(state)
            models.register_requested.connect(lambda: self.show_pane("Experiments"))
            models.run_requested.connect(self._show_run)
            models.dataset_requested.connect(self._show_dataset)
            models.open_requested.connect(self._open_record)
            return models
        if name == "Monitoring":
            monitoring = MonitoringPane(state)
            monitoring.models_requested.connect(lambda: self.show_pane("Models"))
            return monitoring
        audit = AuditPane(state)
        audit.object_requested.connect(self.show_object)
        audit.datasets_requested.connect(lambda: self.show_pane("Datasets"))
        return audit

    @property
    def experiments_pane(self) -> ExperimentsPane:
        return cast("ExperimentsPane", self.pane("Experiments"))

    @property
    def models_pane(self) -> ModelsPane:
        return cast("ModelsPane", self.pane("Models"))

    @property
    def monitoring_pane(self) -> MonitoringPane:
        return cast("MonitoringPane", self.pane("Monitoring"))

    @property
    def audit_pane(self) -> AuditPane:
        return cast("AuditPane", self.pane("Audit"))

    # --- menus ---------------------------------------------------------------------------------

    def _action(
        self,
        text: str,
        slot: object,
        shortcut: QKeySequence | str | None = None,
        tip: str = "",
        needs_workspace: bool = True,
    ) -> QAction:
        action = QAction(text, self)
        if needs_workspace:
            action.setEnabled(False)
            self.workspace_actions.append(action)
        if shortcut is not None:
            action.setShortcut(QKeySequence(shortcut))
        if tip:
            action.setStatusTip(tip)
            action.setToolTip(tip)
        action.triggered.connect(slot)
        return action

    def _build_menus(self) -> None:
        file_menu = self.menuBar().addMenu("&File")
        file_menu.addAction(
            self._action(
                "&New Workspace…",
                self.new_workspace,
                QKeySequence.StandardKey.New,
                "Start an empty workspace in a folder you choose",
            )
        )
        file_menu.addAction(
            self._action(
                "&Open Workspace…",
                self.choose_workspace,
                QKeySequence.StandardKey.Open,
                "Open a workspace folder",
            )
        )
        self.recent_menu = file_menu.addMenu("Recent Workspaces")
        self.recent_menu.aboutToShow.connect(self._fill_recent_menu)
        self.open_demo_action = self._action(
            "Open &Demo Workspace…",
            lambda: self.demo.choose(),
            None,
            "Build (or open) the demo: a loan-approval story with every step done",
        )
        self.reset_demo_action = self._action(
            "&Reset Demo Workspace…",
            lambda: self.demo.reset(),
            None,
            "Build the open demo again, as it was at its start (asks first)",
        )
        file_menu.addAction(self.open_demo_action)
        file_menu.addAction(self.reset_demo_action)
        file_menu.addSeparator()
        file_menu.addAction(
            self._action(
                "&Import Data…",
                lambda: self.open_import_dialog(),
                "Ctrl+I",
                "Import a CSV, Excel or Parquet file",
            )
        )
        file_menu.addAction(
            self._action(
                "&Prepare Data…",
                self.open_recipe_dialog,
                "Ctrl+P",
                "Clean the dataset version shown in Datasets and derive columns, step by step",
            )
        )
        file_menu.addAction(
            self._action(
                "New &Training…",
                self.open_training_dialog,
                "Ctrl+T",
                "Train models on a dataset",
            )
        )
        self.samples_action = self._action(
            "Add &Sample Datasets", self.add_samples, None, "Add the bundled teaching datasets"
        )
        file_menu.addAction(self.samples_action)
        file_menu.addAction(
            self._action(
                "&Back Up Workspace…",
                self.choose_backup_file,
                None,
                "Copy the whole workspace into one zip file, safely even while it is in use",
            )
        )
        file_menu.addSeparator()
        file_menu.addAction(
            self._action("&Quit", self.close, QKeySequence.StandardKey.Quit, needs_workspace=False)
        )

        view_menu = self.menuBar().addMenu("&View")
        for number, name in enumerate(PANES, start=1):
            view_menu.addAction(
                self._action(name, lambda _=False, n=name: self.show_pane(n), f"Ctrl+{number}")
            )

        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addAction(
            self._action(
                "&Help",
                self.show_help,
                QKeySequence.StandardKey.HelpContents,
                "How to use MLOps Desktop",
                needs_workspace=False,
            )
        )
        help_menu.addAction(
            self._action(
                "&Tour…",
                self.choose_tour,
                None,
                "A guided tour of the whole lifecycle, step by step on the real screens",
            )
        )
        help_menu.addAction(
            self._action(
                "Open &Log Folder",
                self.open_log_folder,
                None,
                "Where the details of errors are written",
            )
        )
        help_menu.addAction(
            self._action("&About MLOps Desktop", self.show_about, needs_workspace=False)
        )

    def _fill_recent_menu(self) -> None:
        self.recent_menu.clear()
        recent = self.settings.recent_workspaces()
        if not recent:
            self.recent_menu.addAction("No recent workspaces").setEnabled(False)
        for home in recent:
            store = self.settings.workspace_store(home)
            self.recent_menu.addAction(
                str(home) if store is None else f"{home} (team store)",
                lambda h=home, s=store: self.open_workspace(h, s),
            )

    # --- panes ---------------------------------------------------------------------------------

    def show_pane(self, name: str) -> None:
        self.sidebar.setCurrentRow(PANES.index(name))

    def current_pane(self) -> str:
        return PANES[self.sidebar.currentRow()]

    # --- workspaces ----------------------------------------------------------------------------

    def _workspace_changed(self) -> None:
        self._name_workspace()
        self.datasets_pane.refresh()

    def _name_workspace(self) -> None:
        from mlops_desktop.core.demo import is_demo

        self.reset_demo_action.setEnabled(is_demo(self.state.home))
        self.workspace_label.setText(
            f"Workspace: {self.state.home} · Records: {self.state.workspace.store.description}"
        )
        self.setWindowTitle(f"MLOps Desktop — {self.state.home.name}")

    def new_workspace(self) -> None:
        folder = QFileDialog.getExistingDirectory(
            self, "Choose an empty folder for the new workspace"
        )
        if folder:
            self.open_workspace(Path(folder))

    def choose_workspace(self) -> None:
        from mlops_desktop.ui.dialogs.open_workspace_dialog import OpenWorkspaceDialog

        dialog = OpenWorkspaceDialog(self.settings, self.state.home, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.open_workspace(*dialog.chosen()))
        dialog.open()

    def open_workspace(self, home: Path, store: str | None = None) -> Task | None:
        if self.state.workers.busy:
            errors.show_message(
                self,
                "Wait for the running work to finish (or cancel it) before switching workspaces.",
            )
            return None
        from mlops_desktop.core.workspace import Workspace

        def opened(workspace: Workspace) -> None:
            self.state.switch_workspace(workspace)
            self.state.status_message.emit(f"Opened workspace {workspace.home}.")

        # Opening may upgrade and back up an older workspace: off the GUI thread.
        task = self.state.workers.run_in_thread(f"Opening {home}", lambda: Workspace(home, store))
        task.succeeded.connect(opened)
        task.failed.connect(lambda message: errors.show_message(self, message))
        return task

    # --- data ----------------------------------------------------------------------------------

    def open_import_dialog(self, path: Path | None = None) -> ImportDialog:
        from mlops_desktop.ui.dialogs.import_dialog import ImportDialog

        dialog = ImportDialog(self.state, path, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.imported.connect(self._imported)
        dialog.finished.connect(lambda _result: setattr(self, "import_dialog", None))
        self.import_dialog = dialog
        dialog.open()
        return dialog

    def _imported(self, result: ImportResult) -> None:
        self.state.status_message.emit(result.message())
        self.state.datasets_changed.emit(result.name)
        self.show_pane("Datasets")
        self.data_imported.emit(result.name)
        lost = [
            f"{count:,} value{'' if count == 1 else 's'} of '{column}'"
            for column, count in result.converted_to_missing.items()
        ]
        if lost:
            errors.show_message(
                self,
                f"{result.message()} Some values did not fit the column type you chose and are "
                f"now missing: {', '.join(lost)}.",
                QMessageBox.Icon.Information,
            )
        elif not result.created:
            errors.show_message(self, result.message(), QMessageBox.Icon.Information)

    def open_training_dialog(self) -> None:
        self.show_pane("Experiments")
        self.experiments_pane.open_training_dialog(self.datasets_pane.selected_name())

    def open_recipe_dialog(self) -> None:
        self.show_pane("Datasets")
        if self.datasets_pane.prepare_current() is None:
            self.state.status_message.emit("Import a dataset first; then you can prepare it.")

    def add_samples(self) -> None:
        from mlops_desktop.core.data.datasets import import_samples

        task = self.state.workers.run_in_workspace(
            "Adding the sample datasets", self.state.home, import_samples, samples_dir()
        )
        self.task_panel.follow(task)
        # One sample import at a time: two at once would race to add the same versions.
        adders = [self.samples_action, self.datasets_pane.empty.buttons["Add sample datasets"]]
        for adder in adders:
            adder.setEnabled(False)
        task.finished.connect(lambda: [adder.setEnabled(True) for adder in adders])
        task.succeeded.connect(
            lambda results: self.state.datasets_changed.emit(results[0].name if results else "")
        )
        task.succeeded.connect(
            lambda results: self.state.status_message.emit(f"Added {len(results)} sample datasets.")
        )
        task.failed.connect(lambda message: errors.show_message(self, message))

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.panes and dropped_file(event, DROPPED_SUFFIXES) is not None:
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        path = dropped_file(event, DROPPED_SUFFIXES)
        if self.panes and path is not None:
            event.acceptProposedAction()
            if path.suffix.lower() == BUNDLE_SUFFIX:  # a model, not data: the Models pane's
                self.show_pane("Models")
                self.models_pane.import_bundle(path)
            else:
                self.open_import_dialog(path)

    # --- help ----------------------------------------------------------------------------------

    def show_help(self) -> QDialog:
        """The help, at the section of the pane in use (F1)."""
        from mlops_desktop.ui.help import PANE_SECTIONS, show_help

        return show_help(self, PANE_SECTIONS[self.current_pane()] if self.panes else "")

    def choose_tour(self) -> QMessageBox:
        from mlops_desktop.ui import tour

        return tour.choose(self)

    def offer_tour(self) -> QMessageBox | None:
        """Offer the tour on the first start (once: the settings remember it)."""
        from mlops_desktop.ui import tour

        return tour.offer(self)

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.state.workspace.log_path.parent)))

    def show_about(self) -> None:
        QMessageBox.about(
            self,
            "About MLOps Desktop",
            f"<h3>MLOps Desktop {__version__}</h3><p>The whole machine-learning lifecycle on one "
            "workstation, offline: import data, train and compare models, register, serve and "
            "monitor them.</p>"
            + (
                f"<p>Workspace: {self.state.home}<br>Log file: {self.state.workspace.log_path}</p>"
                if self.panes
                else ""
            ),
        )

    # --- layout --------------------------------------------------------------------------------

    def _restore_geometry(self) -> None:
        geometry = self.settings.get("window_geometry")
        if geometry:
            self.restoreGeometry(QByteArray(base64.b64decode(geometry)))
        else:
            self.resize(1280, 800)

    def save_layout(self) -> None:
        settings = self.settings
        settings.set(
            "window_geometry", base64.b64encode(bytes(self.saveGeometry().data())).decode()
        )
        if self.panes:
            settings.set("datasets_splitter", self.datasets_pane.splitter.sizes())
            if "Monitoring" in self.panes:
                self.monitoring_pane.save_layout()
            settings.set("last_pane", self.current_pane())

    def _show_run(self, run_id: str) -> None:
        self.show_pane("Experiments")
        self.experiments_pane.select_run(run_id)

    def _show_dataset(self, ref: str) -> None:
        self.show_pane("Datasets")
        self.datasets_pane.refresh(ref.partition("@")[0])

    def show_object(self, entity: str) -> None:
        """Open the pane of an audit event's object ("dataset:iris@2", "run:…", "model:Loans@1")."""
        kind, _, name = entity.partition(":")
        if kind == "dataset":
            self._show_dataset(name)
        elif kind == "run":
            self._show_run(name)
        elif kind in OBJECT_PANES:
            self.show_pane(OBJECT_PANES[kind])
            if kind == "model" and "@" in name:
                self.models_pane.refresh(name)
        else:
            self.state.status_message.emit(f"{entity} has no pane of its own.")

    def _open_record(self, pane: str, ref: str) -> None:
        """Show a record the lineage view asked for, in its pane."""
        if pane == "Datasets":
            self._show_dataset(ref)
        elif pane == "Experiments":
            self._show_run(ref)
        elif pane == "Models":
            self.show_pane("Models")
            self.models_pane.refresh(select=ref)
        else:
            self.show_pane("Monitoring")
            self.monitoring_pane.select(ref)

    def choose_backup_file(self) -> None:
        suggested = self.state.home.parent / f"{self.state.home.name} backup.zip"
        path, _ = QFileDialog.getSaveFileName(
            self, "Back up the workspace", str(suggested), "Zip file (*.zip)"
        )
        if path:
            self.back_up(Path(path))

    def back_up(self, path: Path) -> Task:
        """Back up the workspace into ``path`` in a worker process, with progress and Cancel."""
        from mlops_desktop.core.governance import backup

        task = self.state.workers.run_in_workspace(
            "Backing up the workspace", self.state.home, backup.backup, path
        )
        self.task_panel.follow(task)
        task.succeeded.connect(
            lambda result: errors.show_message(
                self,
                f"The workspace is backed up in {result['output']}.\n\nIts SHA-256 is "
                f"{result['sha256']}; note it to check the file later. To restore it: "
                "mlops-desktop workspace restore FILE EMPTY_FOLDER.",
                QMessageBox.Icon.Information,
            )
        )
        task.failed.connect(lambda message: errors.show_message(self, message))
        return task

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self.panes:  # closed before the workspace finished opening
            self.save_layout()
            event.accept()
            return
        if self.state.workers.busy and not errors.confirm(
            self,
            "Quit MLOps Desktop",
            "Some work is still running. Quit anyway? It will be cancelled and nothing it started is kept.",
            "Quit",
        ):
            event.ignore()
            return
        self.state.workers.shutdown()
        if "Models" in self.panes:
            self.models_pane.serve_panel.stop(wait=True)
        self.save_layout()
        event.accept()
