"""The demo from the window: File → Open Demo Workspace…, Home's button, and the reset that asks
first. The worker runs a small stand-in story (``demo_stories``); the real story is tested in
tests/core/test_demo.py."""

from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from mlops_desktop.config import default_demo_home
from mlops_desktop.core import demo
from mlops_desktop.core.data import datasets
from mlops_desktop.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui import demo_stories
from tests.ui.conftest import answer_next_question, home_filled

BUILD_MS = 120_000


@pytest.fixture
def window_with_small_demo(window: MainWindow) -> MainWindow:
    window.demo.build = demo_stories.small_demo
    return window


def _names(window: MainWindow) -> set[str]:
    return {row["name"] for row in datasets.list_datasets(window.state.workspace)}


def _open_demo_from_menu(
    qtbot: QtBot, window: MainWindow, folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *_a, **_k: str(folder))
    with qtbot.waitSignal(window.demo.opened, timeout=BUILD_MS):
        window.open_demo_action.trigger()


def test_file_menu_builds_the_demo_in_a_new_folder_and_opens_it(
    qtbot: QtBot,
    window_with_small_demo: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    window = window_with_small_demo
    assert not window.reset_demo_action.isEnabled()  # the open workspace is no demo
    folder = tmp_path / "class demo"
    _open_demo_from_menu(qtbot, window, folder, monkeypatch)
    assert window.state.home == folder.resolve()
    assert demo.is_demo(folder)
    assert _names(window) == {demo_stories.SMALL_DATASET}
    assert window.reset_demo_action.isEnabled()
    home = home_filled(qtbot, window)
    assert home.reset_button.isVisibleTo(window)
    assert home.demo_guide.isVisibleTo(window)  # what the demo holds, where to look


def test_home_builds_the_demo_in_its_usual_folder_over_an_interrupted_build_then_opens_it(
    qtbot: QtBot, window_with_small_demo: MainWindow
) -> None:
    window = window_with_small_demo
    interrupted = demo.start_folder(default_demo_home())  # a build the app closed on
    (interrupted / "store.db").write_bytes(b"half written")
    window.show_pane("Home")
    button = window.panes["Home"].demo_button
    with qtbot.waitSignal(window.demo.opened, timeout=BUILD_MS) as opened:
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    assert opened.args == [default_demo_home()]
    assert demo.is_demo(default_demo_home())
    with qtbot.waitSignal(window.state.workspace_changed, timeout=BUILD_MS):
        window.open_workspace(Path(window.state.home).parent / "elsewhere")
    with qtbot.waitSignal(window.demo.opened, timeout=BUILD_MS):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)  # built already: opened at once
    assert window.demo.task is None
    assert window.state.home == default_demo_home().resolve()


def test_cancel_stops_the_build_and_leaves_no_folder(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.demo.build = demo_stories.demo_until_cancelled
    folder = tmp_path / "cancelled demo"
    task = window.demo.build_in(folder)
    assert task is not None
    qtbot.waitSignal(task.progressed, timeout=BUILD_MS).wait()
    with qtbot.waitSignal(task.cancelled, timeout=BUILD_MS):
        qtbot.mouseClick(window.task_panel.cancel_button, Qt.MouseButton.LeftButton)
    assert not folder.exists()
    assert window.state.home != folder.resolve()


@pytest.fixture
def demo_after_class(
    qtbot: QtBot,
    window_with_small_demo: MainWindow,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> MainWindow:
    """The small demo, opened from the File menu in "class demo", with a student's import."""
    window = window_with_small_demo
    _open_demo_from_menu(qtbot, window, tmp_path / "class demo", monkeypatch)
    datasets.import_file(window.state.workspace, SAMPLES / "wine.csv", "a student's import")
    return window


def test_reset_asks_first_and_cancel_keeps_the_class_work(demo_after_class: MainWindow) -> None:
    window = demo_after_class
    answer_next_question("Cancel")
    assert window.demo.reset() is None
    assert _names(window) == {demo_stories.SMALL_DATASET, "a student's import"}


def test_reset_rebuilds_the_demo_as_it_was_at_its_start(
    qtbot: QtBot, demo_after_class: MainWindow, tmp_path: Path
) -> None:
    window = demo_after_class
    folder = tmp_path / "class demo"
    answer_next_question("Reset")
    with qtbot.waitSignal(window.demo.opened, timeout=BUILD_MS):
        window.reset_demo_action.trigger()
    assert window.state.home == folder.resolve()
    assert _names(window) == {demo_stories.SMALL_DATASET}
    assert sorted(p.name for p in tmp_path.iterdir() if "demo" in p.name) == ["class demo"]
    assert window.datasets_pane.list_model.rowCount() == 1  # the panes show the fresh demo


def test_reset_is_refused_outside_a_demo(qtbot: QtBot, window: MainWindow) -> None:
    assert not window.reset_demo_action.isEnabled()
    assert not home_filled(qtbot, window).reset_button.isVisibleTo(window)
    assert not window.home_pane.demo_guide.isVisibleTo(window)
    assert window.demo.reset() is None
    box = window.findChild(QMessageBox, "messageBox")
    assert "is not a demo workspace" in box.text()
    assert (window.state.home / "store.db").exists()
