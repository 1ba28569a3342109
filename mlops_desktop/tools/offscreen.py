"""Driving the real window offscreen for the screenshot tools: let it settle, wait for a signal
or a condition, find a free port for a server."""

import os
import socket
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mlops_desktop.config import Settings
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.main_window import MainWindow

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SIZE = (1280, 800)
SETTLE_PAUSE_S = 0.02  # longer than the pane's deferred chart drawing, over a few rounds


def settle(rounds: int = 5) -> None:
    """Let the window finish what it has scheduled (layouts, deferred charts) before a grab."""
    from PySide6.QtWidgets import QApplication

    for _ in range(rounds):
        QApplication.processEvents()
        time.sleep(SETTLE_PAUSE_S)
    QApplication.processEvents()


def free_port() -> int:
    with socket.socket() as probe:  # a free port, so a running app elsewhere is no problem
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait(done: Callable[[], bool], seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not done() and time.monotonic() < deadline:
        settle(1)
        time.sleep(0.05)


def wait_for(signal: Any, start: Callable[[], object] | None = None, seconds: float = 600) -> None:
    """Call ``start`` (if given), then run the event loop until ``signal`` is emitted. The
    signal is connected first, so one that ``start`` emits at once is not missed."""
    from PySide6.QtCore import QEventLoop, QTimer

    loop = QEventLoop()
    emitted: list[object] = []

    def done(*args: object) -> None:
        emitted.append(args)
        loop.quit()

    signal.connect(done)
    timer = QTimer(singleShot=True, interval=int(seconds * 1000))
    timer.timeout.connect(loop.quit)
    timer.start()
    if start is not None:
        start()
    if not emitted:
        loop.exec()
    timer.stop()
    signal.disconnect(done)
    if not emitted:
        raise RuntimeError(f"Gave up waiting after {seconds:.0f} s.")


def show_window(workspace: "Workspace", settings: "Settings") -> "MainWindow":
    """The main window on ``workspace``, at the screenshots' size, on screen and settled."""
    from mlops_desktop.ui.main_window import MainWindow
    from mlops_desktop.ui.state import AppState

    window = MainWindow(settings)
    window.attach(AppState(workspace, settings))
    window.resize(*SIZE)
    window.show()
    while not window.panes_loaded:  # the panes after Datasets are built from modules loaded then
        settle(1)
    settle()
    return window


def grabber(window: "MainWindow", out_dir: Path, written: list[Path]) -> Callable[..., None]:
    """``grab(name, widget=window)``: save the settled widget as OUT_DIR/name.png."""

    def grab(name: str, widget: Any = window) -> None:
        settle()
        path = out_dir / f"{name}.png"
        widget.grab().save(str(path))
        written.append(path)

    return grab
