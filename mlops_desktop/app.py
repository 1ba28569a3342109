"""Qt start-up: logging, excepthook, workspace, MainWindow. The only place core meets ui."""

import logging
import os
import sys

from mlops_desktop.config import Settings, default_home, resolve_home
from mlops_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)


def run_app(home: str | os.PathLike[str] | None = None) -> int:
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.ui.errors import install_excepthook, show_message
    from mlops_desktop.ui.main_window import MainWindow
    from mlops_desktop.ui.state import AppState

    app = QApplication.instance() or QApplication(sys.argv)
    app.setApplicationName("MLOps Desktop")
    path = resolve_home(home)
    first_run = not (path / "store.db").exists()
    problem = None
    try:
        workspace = Workspace(path)
    except Exception as error:
        problem = (
            f"The workspace {path} could not be opened ({error}); opened {default_home()} instead."
        )
        workspace = Workspace(default_home())
    state = AppState(workspace, Settings())
    if problem:
        log.error(problem)
    install_excepthook(lambda: state.workspace.log_path)
    window = MainWindow(state)
    window.show()
    if problem:
        show_message(window, problem)
    elif first_run and home is None:
        window.add_samples()  # a newcomer's default workspace starts with data to explore
    log.info("MLOps Desktop started on workspace %s", state.home)
    code = app.exec()
    state.workspace.close()
    return int(code)
