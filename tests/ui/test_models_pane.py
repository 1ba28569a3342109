"""The Models pane: register a run from Experiments, change stage with a note, read and export
the model card, score a file; driven through the widgets."""

from pathlib import Path

import pandas as pd
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from mlops_desktop.core import registry, training
from mlops_desktop.ui.main_window import MainWindow
from tests.conftest import SAMPLES

TASK_TIMEOUT = 120_000


def _train(state, algorithm: str = "decision_tree") -> dict:
    run = training.train(
        state.workspace, training.Recipe(dataset="iris", target="species", algorithm=algorithm)
    )[0]
    state.runs_changed.emit()
    return run


def test_empty_pane_points_to_experiments(window: MainWindow) -> None:
    pane = window.models_pane
    assert pane.stack.currentWidget() is pane.empty
    pane.empty.buttons["Open Experiments"].click()
    assert window.current_pane() == "Experiments"


def test_register_a_run_from_experiments_then_see_its_card(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    run = _train(state)
    experiments = window.experiments_pane
    experiments.view.selectRow(0)
    dialog = experiments.register_selected()
    assert dialog is not None and not dialog.accept_button.isEnabled()  # no name yet
    dialog.name.setCurrentText("Flowers")
    dialog.purpose.setText("Tells irises apart")
    with qtbot.waitSignal(state.models_changed):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)

    pane = window.models_pane
    assert pane.stack.currentIndex() == 1 and pane.model.rowCount() == 1
    assert pane.model.record(0)["run_id"] == run["run_id"]
    card = pane.card.toPlainText()
    assert "Flowers — version 1" in card and "Tells irises apart" in card and "iris@1" in card
    assert "1 model(s), 1 version(s)" in window.panes["Home"].cards[2].state.text()


def test_changing_stage_needs_a_note_and_promoting_archives_the_previous_version(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    registry.register(state.workspace, _train(state)["run_id"], "Flowers")
    registry.set_stage(state.workspace, "Flowers", 1, "production", "first")
    registry.register(state.workspace, _train(state, "knn")["run_id"], "Flowers")
    state.models_changed.emit()
    pane = window.models_pane
    assert [pane.model.record(r)["version"] for r in range(2)] == [2, 1]
    pane.view.selectRow(0)

    pane.change_stage()
    dialog = pane.stage_dialog
    dialog.stage.setCurrentIndex(dialog.stage.findData("production"))
    assert "will be archived" in dialog.warning.text()
    assert not dialog.accept_button.isEnabled()  # a note is required
    dialog.note.setPlainText("better recall on virginica")
    with qtbot.waitSignal(state.models_changed):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)

    stages = {pane.model.record(r)["version"]: pane.model.record(r)["stage"] for r in range(2)}
    assert stages == {2: "production", 1: "archived"}
    assert "better recall on virginica" in pane.card.toPlainText()
    assert "In production: Flowers v2" in window.panes["Home"].cards[2].state.text()


def test_export_the_card_and_score_a_file_with_progress(
    qtbot: QtBot, window: MainWindow, state, iris, tmp_path: Path
) -> None:
    registry.register(state.workspace, _train(state)["run_id"], "Flowers")
    state.models_changed.emit()
    pane = window.models_pane
    pane.write_card(tmp_path / "card.html")
    assert "Flowers — version 1" in (tmp_path / "card.html").read_text(encoding="utf-8")

    output = tmp_path / "scored.csv"
    task = pane.score(SAMPLES / "iris.csv", output)
    assert task is not None and not pane.score_button.isEnabled()
    with qtbot.waitSignal(task.finished, timeout=TASK_TIMEOUT):
        pass
    qtbot.waitUntil(lambda: pane.findChild(QMessageBox, "messageBox") is not None)
    assert "Scored 150 rows" in pane.findChild(QMessageBox, "messageBox").text()
    assert len(pd.read_csv(output)) == 150 and pane.score_button.isEnabled()
