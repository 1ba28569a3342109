"""The training dialog's target (issue 15, point 3) and cross-validation default (point 2):
never the last column silently, what Train will do said beside it, a proposed regression
confirmed before anything trains."""

from pathlib import Path

import pandas as pd
from pytestqt.qtbot import QtBot

from mlops_desktop.core import listing
from mlops_desktop.core.data import datasets, roles
from mlops_desktop.core.experiments import algorithms
from mlops_desktop.ui.dialogs.training_dialog import TrainingDialog
from mlops_desktop.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import answer_next_question

PLAN_TIMEOUT = 10_000
TRAIN_TIMEOUT = 120_000


def _import(state, tmp_path: Path, frame: pd.DataFrame, name: str) -> None:
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    datasets.import_file(state.workspace, path, name)


def _planned(qtbot: QtBot, window: MainWindow, dataset: str) -> TrainingDialog:
    dialog = window.experiments_pane.open_training_dialog(dataset)
    assert dialog is not None
    with qtbot.waitSignal(dialog.planned, timeout=PLAN_TIMEOUT):
        pass
    return dialog


def _credit(rows: int = 60) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "Status": ["good", "bad", "good"] * (rows // 3),
            "Seniority": [i % 7 for i in range(rows)],
            "Home": ["rent", "owner", "parents", "other"] * (rows // 4),
            "Price": [1000.5 + 37.25 * i for i in range(rows)],
        }
    )


def test_a_file_whose_last_column_is_a_number_proposes_the_named_answer(
    qtbot: QtBot, window: MainWindow, state, tmp_path: Path
) -> None:
    _import(state, tmp_path, _credit(), "credit")
    dialog = _planned(qtbot, window, "credit")
    assert dialog.target.currentText() == "Status"  # not Price, the last column
    sentence = dialog.task_sentence.text()
    assert "This will be a classification of Status (bad / good)." in sentence
    assert "Proposed because its name, 'Status', says it is the answer" in sentence
    assert dialog.task_sentence.isVisible() and dialog.cv.value() == 5  # 60 rows: 5 folds


def test_a_dataset_without_a_likely_answer_waits_for_a_choice_then_offers_its_algorithms(
    qtbot: QtBot, window: MainWindow, state
) -> None:
    datasets.import_file(state.workspace, SAMPLES / "diabetes.csv")
    dialog = window.experiments_pane.open_training_dialog("diabetes")
    assert dialog is not None
    assert dialog.target.currentIndex() == -1 and not dialog.train_button.isEnabled()
    assert "Choose the column to predict" in dialog.task_sentence.text()
    with qtbot.waitSignal(dialog.planned, timeout=PLAN_TIMEOUT):
        dialog.target.setCurrentText("disease_progression")
    assert "This will be a regression of disease_progression" in dialog.task_sentence.text()
    assert dialog.train_button.isEnabled()
    checked = {name for name, box in dialog.algorithm_boxes.items() if box.isChecked()}
    assert checked == {n for n, a in algorithms.ALGORITHMS.items() if "regression" in a.tasks}
    assert not dialog.algorithm_boxes["naive_bayes"].isChecked()  # no regression


def test_a_proposed_regression_is_confirmed_before_training(
    qtbot: QtBot, window: MainWindow, state, tmp_path: Path
) -> None:
    frame = pd.DataFrame(
        {"x": [(i * 7) % 11 for i in range(40)], "y": [i * 1.5 + 0.25 for i in range(40)]}
    )
    _import(state, tmp_path, frame, "sales")
    dialog = _planned(qtbot, window, "sales")
    assert dialog.target.currentText() == "y" and dialog.plan is not None
    assert dialog.plan.task == "regression"
    answer_next_question("Cancel")
    dialog.train_button.click()
    assert dialog.task is None and listing.count_runs(state.workspace) == {}
    answer_next_question("Predict y")
    with qtbot.waitSignal(dialog.trained, timeout=TRAIN_TIMEOUT) as trained:
        dialog.train_button.click()
    assert {run["status"] for run in trained.args[0]} == {"finished"}
    assert roles.roles_record(state.workspace, "sales")["target"] == "y"  # remembered


def test_the_dataset_s_target_is_where_the_dialog_starts(
    qtbot: QtBot, window: MainWindow, state, tmp_path: Path
) -> None:
    _import(state, tmp_path, _credit(), "credit")
    roles.set_target(state.workspace, "credit", "Home")
    dialog = _planned(qtbot, window, "credit")
    assert dialog.target.currentText() == "Home"
    assert "Home is this dataset's target." in dialog.task_sentence.text()


def test_many_rows_are_not_cross_validated_by_default(
    qtbot: QtBot, window: MainWindow, state, tmp_path: Path
) -> None:
    _import(state, tmp_path, _credit(51_000), "big")
    dialog = _planned(qtbot, window, "big")
    assert dialog.cv.value() == 0
