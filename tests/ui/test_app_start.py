"""Starting the app as the README's first command does: a default workspace with the samples."""

import os
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
