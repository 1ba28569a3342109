"""Retraining from the GUI: a challenger trained in a worker on the training data plus labelled
predictions, compared with the version in service, then promoted with a note."""

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from mlops_desktop.config import Settings
from mlops_desktop.core.data import datasets
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import labels
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.dialogs.retrain_dialog import RetrainDialog
from mlops_desktop.ui.state import AppState
from tests.core.test_monitoring import _applicants, _log, register_version

TIMEOUT_MS = 120_000


@pytest.fixture
def labelled_state(home: Path, settings: Settings, tmp_path: Path) -> Iterator[AppState]:
    csv = tmp_path / "applicants.csv"
    _applicants(3000, seed=1).to_csv(csv, index=False)
    ws = Workspace(home)
    moved = _applicants(1200, seed=5, shift=1.5, new_region=True)
    datasets.import_file(ws, csv, "applicants")
    run = training.train(
        ws, training.Recipe(dataset="applicants", target="repaid", algorithm="logistic_regression")
    )[0]
    model_registry.register(ws, run["run_id"], "loans")
    model_registry.set_stage(ws, "loans", 1, "production", "first")
    ids = _log(ws, moved, date(2026, 11, 1), "m")
    outcomes_file = tmp_path / "labels.csv"
    pd.DataFrame({"request": ids, "outcome": moved["repaid"]}).to_csv(outcomes_file, index=False)
    labels.import_labels(ws, "loans", outcomes_file, key="request", label="outcome")
    state = AppState(ws, settings)
    yield state
    state.workers.shutdown()
    ws.close()


def test_a_challenger_is_trained_compared_and_promoted_with_a_note(
    qtbot: QtBot, labelled_state: AppState
) -> None:
    dialog = RetrainDialog(labelled_state, "loans@production", ["applicants@1"])
    qtbot.addWidget(dialog)
    dialog.show()
    assert not dialog.promote_button.isEnabled()  # nothing to promote yet
    dialog.train_button.click()
    task = dialog.task
    assert task is not None and not dialog.train_button.isEnabled()  # one training at a time
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        pass
    assert dialog.result is not None and dialog.train_button.isEnabled()
    measures = [dialog.model.index(r, 0).data() for r in range(dialog.model.rowCount())]
    assert measures == ["Accuracy", "F1 score", "ROC AUC"]  # the main measure first
    verdict = dialog.verdict.text()
    assert "rows neither model trained on" in verdict
    assert "loans version 1 (production)" in verdict
    assert dialog.model.headerData(1, Qt.Orientation.Horizontal) == "Current version"
    assert ("is better" in verdict) == dialog.result["better"]
    dialog.note.setPlainText("better on November's applicants")
    assert dialog.promote_button.isEnabled()
    with qtbot.waitSignal(dialog.promoted, timeout=5000) as promoted:
        dialog.promote_button.click()
    assert promoted.args == ["loans@2"]
    ws = labelled_state.workspace
    assert model_registry.show_model(ws, "loans@production")["version"] == 2
    assert model_registry.show_model(ws, "loans@1")["stage"] == "archived"
    assert model_registry.show_model(ws, "loans@2")["description"].startswith(
        "Retrained from loans@1 on"
    )
    history = model_registry.show_model(ws, "loans@2")["history"]
    assert history[-1]["note"] == "better on November's applicants"


def test_closing_the_dialog_stops_its_training(qtbot: QtBot, labelled_state: AppState) -> None:
    dialog = RetrainDialog(labelled_state, "loans@production", ["applicants@1"])
    qtbot.addWidget(dialog)
    dialog.show()
    task = dialog.train()
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        dialog.reject()
    assert task.cancel_requested
    assert model_registry.show_model(labelled_state.workspace, "loans")["version"] == 1


def test_the_verdict_names_a_production_version_it_could_not_compare_with(
    qtbot: QtBot, labelled_state: AppState, tmp_path: Path
) -> None:
    """Retraining a staging version whose classes differ from production's: the challenger is
    compared with the staging version, the verdict says why, and the promoted version says what
    it was retrained from."""
    ws = labelled_state.workspace
    three = _applicants(1500, seed=8)
    three.loc[three.index % 5 == 0, "repaid"] = "maybe"
    register_version(ws, tmp_path, three, "three", "staging")
    dialog = RetrainDialog(labelled_state, "loans@2", ["three@1"])
    qtbot.addWidget(dialog)
    dialog.with_dataset.setChecked(True)
    task = dialog.train()
    with qtbot.waitSignal(task.finished, timeout=TIMEOUT_MS):
        pass
    assert dialog.result is not None
    assert dialog.verdict.text().endswith(
        "It is compared with loans version 2 because loans version 1, in production, predicts "
        "other classes (False, True) than the new data has (maybe, no, yes)."
    )
    dialog.note.setPlainText("three outcomes now")
    with qtbot.waitSignal(dialog.promoted, timeout=5000):
        dialog.promote_button.click()
    assert (
        model_registry.show_model(ws, "loans@3")["description"]
        == "Retrained from loans@2 on three@1."
    )
