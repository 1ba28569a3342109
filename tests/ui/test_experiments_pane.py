"""The Experiments pane and training dialog, driven through their widgets."""

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QCheckBox
from pytestqt.qtbot import QtBot

from mlops_desktop.core import datasets, training
from mlops_desktop.ui.main_window import MainWindow

TRAIN_TIMEOUT = 120_000


def test_empty_pane_says_what_to_do(window: MainWindow) -> None:
    pane = window.experiments_pane
    assert pane.stack.currentWidget() is pane.empty
    assert set(pane.empty.buttons) == {"New training…"}


def test_train_two_algorithms_from_the_dialog_and_see_the_runs(
    qtbot: QtBot, window: MainWindow, iris: datasets.ImportResult
) -> None:
    window.datasets_pane.refresh("iris")
    qtbot.keyClick(window, Qt.Key.Key_T, Qt.KeyboardModifier.ControlModifier)
    pane = window.experiments_pane
    dialog = pane.dialog
    assert dialog is not None and window.current_pane() == "Experiments"
    assert dialog.dataset.currentText() == "iris" and dialog.target.currentText() == "species"
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    assert "Classification" in dialog.explanation.text()
    assert not dialog.algorithm_boxes["linear_regression"].isChecked()  # not for classification
    dialog.try_all.setChecked(False)
    for name, box in dialog.algorithm_boxes.items():
        box.setChecked(name in ("decision_tree", "knn"))
    assert dialog.chosen_algorithms() == ["decision_tree", "knn"]
    with qtbot.waitSignal(dialog.trained, timeout=TRAIN_TIMEOUT) as trained:
        qtbot.mouseClick(dialog.train_button, Qt.MouseButton.LeftButton)
    assert [run["status"] for run in trained.args[0]] == ["finished", "finished"]
    assert pane.stack.currentIndex() == 1 and pane.model.rowCount() == 2
    assert {pane.model.record(r)["algorithm"] for r in range(2)} == {"decision_tree", "knn"}
    assert "accuracy" in pane.details.toPlainText() and "species" in pane.details.toPlainText()
    pane.filter.setText("nearest")  # filters what the table shows: "k-nearest neighbours"
    assert pane.model.rowCount() == 1
    assert "2 finished run(s)" in window.panes["Home"].cards[1].state.text()


def test_a_regression_target_offers_regression_algorithms(
    qtbot: QtBot, window: MainWindow, state
) -> None:
    from tests.conftest import SAMPLES

    datasets.import_file(state.workspace, SAMPLES / "diabetes.csv")
    dialog = window.experiments_pane.open_training_dialog("diabetes")
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    assert dialog.plan.task == "regression"
    checked = {name for name, box in dialog.algorithm_boxes.items() if box.isChecked()}
    assert checked == {n for n, a in training.ALGORITHMS.items() if "regression" in a.tasks}
    assert isinstance(dialog.algorithm_boxes["naive_bayes"], QCheckBox)
    assert not dialog.algorithm_boxes["naive_bayes"].isChecked()
    dialog.reject()
