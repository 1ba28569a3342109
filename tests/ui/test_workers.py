"""The workers' thread API: a result whose widget is gone is dropped, not handled."""

import threading

from PySide6.QtWidgets import QLabel
from pytestqt.qtbot import QtBot

from mlops_desktop.ui.workers import Workers


def test_a_result_for_a_widget_deleted_meanwhile_is_dropped(qtbot: QtBot) -> None:
    """A pane reading the store, or a chart being drawn, when its window closes: the handler of
    the result would touch deleted widgets (it did, between two tests: "Internal C++ object
    already deleted"); the task ends as cancelled instead."""
    workers = Workers()
    label = QLabel()
    release = threading.Event()
    task = workers.run_in_thread("Reading", lambda: release.wait(10) and "read", owner=label)
    shown: list[str] = []
    task.succeeded.connect(lambda text: label.setText(text) or shown.append(text))
    with qtbot.waitSignal(label.destroyed):
        label.deleteLater()
    with qtbot.waitSignal(task.cancelled, timeout=10_000):
        release.set()
    assert shown == [] and task.done

    kept = QLabel()  # its widget still there: the result is handled
    task = workers.run_in_thread("Reading", lambda: "read", owner=kept)
    with qtbot.waitSignal(task.succeeded, timeout=10_000) as succeeded:
        pass
    assert succeeded.args == ["read"]
