"""Qt start-up: logging, excepthook, workspace, MainWindow. The only place core meets ui.

The window frame shows first; once it is painted, the workspace is opened and the data libraries
(pandas, pyarrow, SQLAlchemy) are loaded on a thread, then the Home and Datasets panes are added; the
other panes' modules (scikit-learn, scipy, matplotlib) load on a thread after that (``MainWindow.attach``).
So the window appears as fast as a bare Qt window, and the event loop keeps running while the rest
loads.
"""

import gc
import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QTimer, Signal
from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication

from mlops_desktop.config import (
    Settings,
    default_home,
    log_path,
    resolve_home,
    resolve_store,
    resources_dir,
)
from mlops_desktop.core.errors import UserError

log = logging.getLogger(__name__)


class WorkspaceOpener(QObject):
    """Opens a workspace on a thread; falls back to the default one (on its own store.db) if it
    cannot be opened."""

    opened = Signal(object, str)  # the Workspace, and a problem to tell the user ("" if none)
    failed = Signal(str)  # neither could be opened: what to tell the user

    def start(self, path: Path, store: str | None = None) -> None:
        threading.Thread(
            target=self._open, args=(path, store), name="open-workspace", daemon=True
        ).start()

    def _open(self, path: Path, store: str | None) -> None:
        import mlops_desktop.ui.demo_actions
        import mlops_desktop.ui.dialogs.import_dialog
        import mlops_desktop.ui.panes.datasets
        import mlops_desktop.ui.panes.home
        import mlops_desktop.ui.state  # noqa: F401  (loads the data libraries off the GUI thread)
        from mlops_desktop.core.workspace import Workspace

        problems = []
        for home, its_store in dict.fromkeys([(path, store), (default_home(), None)]):
            try:
                workspace: Any = Workspace(home, its_store)
                warm_up(workspace)
            except Exception as error:
                log.error("Cannot open the workspace %s", home, exc_info=True)
                problems.append(str(error) if isinstance(error, UserError) else f"{home}: {error}")
                continue
            problem = "" if not problems else f"{problems[0]} Opened {home} instead."
            self.opened.emit(workspace, problem)
            return
        self.failed.emit(" ".join(problems))


def warm_up(workspace: Any) -> None:
    """Read once what the first panes read: SQLAlchemy configures its mappers and compiles each
    statement on first use, tens of milliseconds that would otherwise fall on the GUI thread."""
    from mlops_desktop.core import listing
    from mlops_desktop.core.data import datasets

    listed = listing.list_datasets(workspace)
    listing.count_runs(workspace)
    listing.list_models(workspace)
    listing.monitoring_overview(workspace)
    if listed:
        datasets.versions(workspace, listed[0]["name"])
        datasets.get_version(workspace, listed[0]["name"])


def run_app(home: str | os.PathLike[str] | None = None, store: str | None = None) -> int:
    from mlops_desktop.ui.errors import install_excepthook, show_message
    from mlops_desktop.ui.main_window import MainWindow

    # Start-up makes long-lived objects and hardly any garbage; a collection meanwhile (a tenth
    # of a second, holding the interpreter lock) would stall the window: none until all is
    # loaded (``collect_again``).
    gc.disable()
    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("MLOps Desktop")
    app.setWindowIcon(QIcon(str(resources_dir() / "icons" / "mlops-desktop.png")))
    settings = Settings()
    window = MainWindow(settings)
    path = resolve_home(home)
    store = resolve_store(store) or settings.workspace_store(path.expanduser().resolve())
    first_run = store is None and not (path / "store.db").exists()

    def attach(workspace: Any, problem: str) -> None:
        from mlops_desktop.ui.state import AppState

        state = AppState(workspace, settings)
        window.attach(state)
        window.ready.connect(lambda: started(problem))
        window.panes_ready.connect(collect_again)

    def collect_again() -> None:
        # What start-up loaded (Qt, pandas, scikit-learn, SQLAlchemy, matplotlib: hundreds of
        # thousands of objects) lives as long as the program: kept out of later collections, a
        # full collection takes milliseconds instead of a tenth of a second in whatever made it
        # due (listing many runs, say).
        gc.freeze()
        gc.enable()

    def started(problem: str) -> None:
        log.info("MLOps Desktop started on workspace %s", window.state.home)
        if problem:
            log.error(problem)
            show_message(window, problem)
        else:
            if first_run and home is None:
                window.add_samples()  # a newcomer's default workspace starts with data to explore
            QTimer.singleShot(0, window.offer_tour)  # after the ready window is painted

    def give_up(message: str) -> None:
        box = show_message(window, f"MLOps Desktop cannot start: {message}")
        box.finished.connect(app.quit)

    install_excepthook(lambda: window.state.workspace.log_path if window.panes else log_path(path))
    opener = WorkspaceOpener()
    opener.opened.connect(attach)
    opener.failed.connect(give_up)
    # Loading would compete with the first paint for the CPU: it starts right after it.
    window.first_painted.connect(lambda: opener.start(path, store))
    window.show()
    code = app.exec()
    if window.panes:
        window.state.workspace.close()
    return int(code)
