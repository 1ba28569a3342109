from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl, SignalInstance
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication, QMessageBox
from pytestqt.qtbot import QtBot

from mlops_desktop.config import Settings
from mlops_desktop.core.data import datasets
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.panes.experiments import ExperimentsPane
from mlops_desktop.ui.panes.home import HomePane
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.figure_canvas import FigureView
from tests.conftest import SAMPLES


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return Settings(tmp_path / "config" / "settings.json")


@pytest.fixture
def state(home: Path, settings: Settings) -> Iterator[AppState]:
    app_state = AppState(Workspace(home), settings)
    yield app_state
    app_state.workers.shutdown()
    app_state.workspace.close()


def open_window(qtbot: QtBot, state: AppState) -> MainWindow:
    main = MainWindow(state.settings)
    qtbot.addWidget(main)
    main.attach(state)
    # the datasets listed, then the other panes' modules loaded (at once once imported)
    qtbot.waitUntil(lambda: main.panes_loaded, timeout=60_000)
    main.show()
    qtbot.waitExposed(main)
    return main


@pytest.fixture
def window(qtbot: QtBot, state: AppState) -> MainWindow:
    return open_window(qtbot, state)


@pytest.fixture
def iris(state: AppState) -> datasets.ImportResult:
    return datasets.import_file(state.workspace, SAMPLES / "iris.csv")


def answer_next_question(button_text: str) -> None:
    """Click ``button_text`` in the next modal question (``errors.confirm``) as soon as it opens."""

    def answer() -> None:
        box = QApplication.activeModalWidget()
        assert isinstance(box, QMessageBox)
        next(b for b in box.buttons() if b.text() == button_text).click()

    QTimer.singleShot(0, answer)


def drop_file(window: MainWindow, path: Path) -> bool:
    """Offer a file to the window's drag-and-drop handlers; True if it accepted the drag.

    Qt only routes drag events that come from a real drag session, so the handlers are called
    directly with the events a drag would bring."""
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    buttons, modifiers = Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    enter = QDragEnterEvent(
        window.rect().center(), Qt.DropAction.CopyAction, mime, buttons, modifiers
    )
    enter.ignore()
    window.dragEnterEvent(enter)
    if not enter.isAccepted():
        return False
    window.dropEvent(
        QDropEvent(
            QPointF(window.rect().center()), Qt.DropAction.CopyAction, mime, buttons, modifiers
        )
    )
    return True


def drawn(qtbot: QtBot, view: FigureView) -> Any:
    """The view's canvas once the figure being built on a worker thread is shown."""
    if view.drawing is not None:
        with qtbot.waitSignal(view.drawn, timeout=10_000):
            pass
    assert view.canvas is not None, view.message.text()
    return view.canvas


def run_chart(qtbot: QtBot, pane: ExperimentsPane) -> Any:
    """The canvas of the Experiments pane's chart once the selected run's chosen one is shown (it
    is built on a worker thread, a moment after the selection)."""
    chart = pane.chart
    qtbot.waitUntil(
        lambda: (
            not pane.chart_timer.isActive() and chart.drawing is None and chart.canvas is not None
        )
    )
    return chart.canvas


def _after_reading(qtbot: QtBot, reading: object | None, shown: SignalInstance) -> None:
    """Wait for ``shown`` if a pane's ``reading`` of the store (a worker task) is still running."""
    if reading is not None:
        with qtbot.waitSignal(shown, timeout=10_000):
            pass


def runs_listed(qtbot: QtBot, window: MainWindow) -> ExperimentsPane:
    """The Experiments pane once the runs it was reading are shown."""
    pane = window.experiments_pane
    _after_reading(qtbot, pane.listing, pane.runs_listed)
    return pane


def home_filled(qtbot: QtBot, window: MainWindow) -> HomePane:
    """The Home pane once the figures its cards were reading are shown."""
    home = window.home_pane
    _after_reading(qtbot, home.reading, home.filled)
    return home
