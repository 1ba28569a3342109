"""Starting the app as the README's first command does: a default workspace with the samples."""

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication
from pytestqt.qtbot import QtBot

from mlops_desktop.app import WorkspaceOpener, run_app
from mlops_desktop.config import Settings
from mlops_desktop.core.data import datasets
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.main_window import MainWindow


def _run_until(condition: Callable[[MainWindow], bool], deadline_s: float) -> int:
    """Run the app until ``condition`` holds for its main window (or the deadline), then close it."""
    started = time.monotonic()
    timer = QTimer()

    def check() -> None:
        windows = [w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow)]
        if windows and (condition(windows[0]) or time.monotonic() - started > deadline_s):
            timer.stop()
            windows[0].close()

    timer.timeout.connect(check)
    timer.start(100)
    return run_app()


def test_first_start_opens_the_default_workspace_with_the_sample_datasets(qtbot: QtBot) -> None:
    home = Path(os.environ["MLOPS_DESKTOP_HOME"])
    assert not home.exists()
    shown: list[str] = []

    def samples_listed(window: MainWindow) -> bool:
        if not window.panes:  # still opening the workspace
            return False
        shown[:] = [r["name"] for r in window.datasets_pane.list_model.records]
        return len(shown) == 4

    assert _run_until(samples_listed, deadline_s=60) == 0
    assert sorted(shown) == ["breast cancer", "diabetes", "iris", "wine"]
    assert Settings().get("tour_offered") is True  # the tour was offered, once
    workspace = Workspace(home)
    assert len(datasets.list_datasets(workspace)) == 4
    assert workspace.store.integrity_ok()
    workspace.close()


def test_a_workspace_on_a_network_drive_is_refused_and_the_default_one_opens(
    qtbot: QtBot, on_nfs: Path
) -> None:
    opener = WorkspaceOpener()
    with qtbot.waitSignal(opener.opened, timeout=60_000) as opened:
        opener.start(on_nfs / "workspace")
    workspace, problem = opened.args
    default = Path(os.environ["MLOPS_DESKTOP_HOME"]).resolve()
    assert workspace.home == default
    assert problem.startswith(f"The workspace {on_nfs / 'workspace'} is on a network drive (nfs4)")
    assert problem.endswith(f"Opened {os.environ['MLOPS_DESKTOP_HOME']} instead.")
    workspace.close()


LOADED = (
    "import json, sys\n"
    "import {modules}\n"
    "print(json.dumps(sorted(m for m in {heavy!r} if m in sys.modules)))\n"
)


def _loaded_by(modules: list[str], heavy: tuple[str, ...]) -> list[str]:
    """Which of ``heavy`` importing ``modules`` loads, in a fresh interpreter."""
    code = LOADED.format(modules=", ".join(modules), heavy=heavy)
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(done.stdout)
    return loaded


def test_the_window_frame_shows_before_any_data_library_loads() -> None:
    frame = ["mlops_desktop.cli", "mlops_desktop.app", "mlops_desktop.ui.main_window"]
    heavy = ("numpy", "pandas", "pyarrow", "sqlalchemy", "sklearn", "scipy", "matplotlib")
    assert _loaded_by(frame, heavy) == []


def test_what_start_up_loads_before_ready_holds_no_scikit_learn_scipy_or_matplotlib() -> None:
    # What the opening thread imports (app.WorkspaceOpener) and what the first two panes use;
    # the other panes' modules load after ready (MainWindow.attach).
    first = [
        "mlops_desktop.ui.demo_actions",
        "mlops_desktop.ui.dialogs.import_dialog",
        "mlops_desktop.ui.panes.datasets",
        "mlops_desktop.ui.panes.home",
        "mlops_desktop.ui.state",
        "mlops_desktop.ui.tour",
        "mlops_desktop.core.workspace",
    ]
    assert _loaded_by(first, ("sklearn", "scipy", "matplotlib")) == []
