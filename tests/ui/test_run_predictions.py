"""The Experiments pane's recommended run and a run's Predictions: the mark with its reason, the
lazy table of held-out rows, its errors filter and the confusion matrix's clickable cells."""

from typing import Any

import pytest
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from PySide6.QtCore import QPoint, Qt
from pytestqt.qtbot import QtBot

from mlops_desktop.core.data import datasets
from mlops_desktop.core.experiments import run_history, training
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.models.predictions import WRONG_BRUSH
from mlops_desktop.ui.panes.experiments import RECOMMENDED_MARK, ExperimentsPane
from mlops_desktop.ui.state import AppState
from tests.conftest import SAMPLES
from tests.ui.conftest import run_chart, runs_listed

WORK_MS = 60_000


def _train(state: AppState, dataset: str, target: str, algorithm: str, **params: Any) -> dict:
    recipe = training.Recipe(dataset=dataset, target=target, algorithm=algorithm, params=params)
    return training.train(state.workspace, recipe)[0]


def _wait_for_recommendations(qtbot: QtBot, pane: ExperimentsPane) -> None:
    if pane.recommending is not None:
        with qtbot.waitSignal(pane.recommending.finished, timeout=WORK_MS):
            pass


def test_the_recommended_run_is_marked_with_why_in_its_tooltip(
    qtbot: QtBot, window: MainWindow, state: AppState
) -> None:
    """Breast cancer: logistic regression and a forest alike, a one-split tree clearly worse.
    The mark goes to the simplest of the two the data cannot tell apart, as Compare says, with
    Compare's reason as its tooltip and on its page; the marks are kept, not found again."""
    name = datasets.import_file(state.workspace, SAMPLES / "breast_cancer.csv").name
    linear = _train(state, name, "diagnosis", "logistic_regression")
    forest = _train(state, name, "diagnosis", "random_forest", n_estimators=50)
    tree = _train(state, name, "diagnosis", "decision_tree", max_depth=1)
    pane = runs_listed(qtbot, window)  # built now, it lists the runs and looks for the marks
    assert pane.recommending is not None  # found in a worker
    _wait_for_recommendations(qtbot, pane)

    model, column = pane.model, pane.recommended_column
    assert model.headerData(column, Qt.Orientation.Horizontal) == "Recommended"
    rows = {model.record(r)["run_id"]: r for r in range(model.rowCount())}
    marks = {run_id: model.index(row, column).data() for run_id, row in rows.items()}
    assert marks == {linear["run_id"]: RECOMMENDED_MARK, forest["run_id"]: "", tree["run_id"]: ""}
    reason = run_history.compare_runs(
        state.workspace, [linear["run_id"], forest["run_id"], tree["run_id"]]
    )["recommended_reason"]
    tooltip = model.index(rows[linear["run_id"]], column).data(Qt.ItemDataRole.ToolTipRole)
    assert tooltip == reason and tooltip.startswith("Logistic regression")
    assert model.index(rows[tree["run_id"]], column).data(Qt.ItemDataRole.ToolTipRole) is None
    pane.select_run(linear["run_id"])  # every run listed: selected once they are read
    runs_listed(qtbot, window)
    assert f"{RECOMMENDED_MARK}: {reason}" in pane.details.toPlainText()

    state.runs_changed.emit()  # listed again: the marks are known, nothing is recomputed
    runs_listed(qtbot, window)
    assert pane.recommending is None
    assert model.index(rows[linear["run_id"]], column).data() == RECOMMENDED_MARK

    _train(state, name, "diagnosis", "naive_bayes")
    state.runs_changed.emit()  # a new run: the experiment's recommendation is found again
    runs_listed(qtbot, window)
    assert pane.recommending is not None
    pane.filter.setText("forest")  # what the table shows, not which runs are recommended among
    _wait_for_recommendations(qtbot, pane)
    pane.filter.clear()
    marked = [r for r in range(model.rowCount()) if model.index(r, column).data()]
    assert len(marked) == 1 and model.rowCount() == 4

    _train(state, name, "diagnosis", "knn")
    state.runs_changed.emit()
    runs_listed(qtbot, window)
    assert pane.recommending is not None
    # It keeps nothing: quitting meanwhile cancels it without asking.
    assert not [task for task in state.workers.running if task.ask_before_quitting]
    window.close()
    assert not window.isVisible()


def test_a_recommended_run_opened_from_another_experiment_says_why_it_is_recommended(
    qtbot: QtBot, window: MainWindow, state: AppState
) -> None:
    """Going to a run from another experiment's list (as the Audit pane does): its page says why
    it is recommended at once, from the marks already found."""
    datasets.import_file(state.workspace, SAMPLES / "iris.csv")
    _train(state, "iris", "species", "decision_tree", max_depth=1)
    _train(state, "iris", "species", "logistic_regression")
    recipe = training.Recipe(dataset="iris", target="species", algorithm="knn", experiment="Other")
    training.train(state.workspace, recipe)
    pane = runs_listed(qtbot, window)
    _wait_for_recommendations(qtbot, pane)
    ((recommended, why),) = pane.recommended.items()
    pane.experiment_choice.setCurrentIndex(pane.experiment_choice.findData("Other"))
    runs_listed(qtbot, window)
    assert pane.recommended == {}  # none among the one run listed
    pane.select_run(recommended)
    runs_listed(qtbot, window)
    assert pane.selected["run_id"] == recommended
    assert f"{RECOMMENDED_MARK}: {why}" in pane.details.toPlainText()


def _show_predictions(
    qtbot: QtBot, window: MainWindow, state: AppState, run: dict
) -> ExperimentsPane:
    """Select ``run`` in the Experiments pane and open its Predictions: they are made in a worker
    then, not before."""
    pane = window.experiments_pane
    window.show_pane("Experiments")
    state.runs_changed.emit()
    pane.select_run(run["run_id"])  # once the runs being read are shown
    runs_listed(qtbot, window)
    assert pane.selected is not None and pane.selected["run_id"] == run["run_id"]
    assert pane.predictions.task is None  # nothing is predicted until the table is looked at
    pane.run_tabs.setCurrentWidget(pane.predictions)
    assert pane.predictions.task is not None
    with qtbot.waitSignal(pane.predictions.task.finished, timeout=WORK_MS):
        pass
    return pane


def _iris_tree(qtbot: QtBot, window: MainWindow, state: AppState) -> tuple[ExperimentsPane, dict]:
    """A one-split tree on iris (it tells only two of the three species apart, so a third of the
    held-out rows are wrong), selected in the pane, with its Predictions shown."""
    datasets.import_file(state.workspace, SAMPLES / "iris.csv")
    run = _train(state, "iris", "species", "decision_tree", max_depth=1)
    return _show_predictions(qtbot, window, state, run), run


def test_a_runs_predictions_table_lists_its_held_out_rows_and_filters_to_the_wrong_ones(
    qtbot: QtBot, qtmodeltester: Any, window: MainWindow, state: AppState
) -> None:
    pane, run = _iris_tree(qtbot, window, state)
    panel, model = pane.predictions, pane.predictions.model
    qtmodeltester.check(model)
    assert model.rowCount() == 30
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    assert headers == ["Truth", "Prediction", "Probability"] + [f["name"] for f in run["features"]]
    held = training.run_split(state.workspace, run["run_id"]).held_out
    rows = [model.headerData(r, Qt.Orientation.Vertical) for r in range(model.rowCount())]
    assert rows == [f"{place + 1:,}" for place in held.index]  # each row's place in the data
    confusion = run["evaluation"]["confusion"]
    wrong = sum(sum(row) for row in confusion) - sum(confusion[i][i] for i in range(3))
    assert wrong == 10
    assert "30 held-out rows the model never trained on; 10 wrong predictions" in (
        panel.summary.text()
    )

    qtbot.mouseClick(panel.only_wrong, Qt.MouseButton.LeftButton)
    assert panel.only_wrong.isChecked()
    qtmodeltester.check(model)
    assert model.rowCount() == wrong
    for row in range(model.rowCount()):
        truth, predicted = (model.index(row, c).data() for c in (0, 1))
        assert truth != predicted
        assert model.index(row, 1).data(Qt.ItemDataRole.BackgroundRole) == WRONG_BRUSH
        assert model.index(row, 1).data(Qt.ItemDataRole.ToolTipRole) == (
            f"Wrong: the true class is {truth}"
        )
    assert "Showing the 10 wrong ones." in panel.summary.text()
    qtbot.mouseClick(panel.show_all, Qt.MouseButton.LeftButton)
    assert model.rowCount() == 30 and not panel.only_wrong.isChecked()


def _click_at_data_point(qtbot: QtBot, canvas: FigureCanvasQTAgg, x: float, y: float) -> None:
    """A left click on the canvas where its first axes draw the data point (x, y)."""
    canvas.draw()
    px, py = canvas.figure.axes[0].transData.transform((x, y))  # pixels, from the bottom
    ratio = canvas.device_pixel_ratio
    point = QPoint(round(px / ratio), round((canvas.figure.bbox.height - py) / ratio))
    qtbot.mouseClick(canvas, Qt.MouseButton.LeftButton, pos=point)


def test_clicking_a_confusion_matrix_cell_shows_its_rows(
    qtbot: QtBot, window: MainWindow, state: AppState
) -> None:
    """Orange's Confusion Matrix → Data Table: a click at the centre of the cell (true class i,
    predicted j) shows exactly the rows counted there, in the Predictions tab."""
    pane, run = _iris_tree(qtbot, window, state)
    pane.run_tabs.setCurrentWidget(pane.details)
    pane.chart_choice.setCurrentText("Confusion matrix")
    canvas = run_chart(qtbot, pane)
    assert "Click a cell" in canvas.toolTip()
    classes, confusion = run["evaluation"]["classes"], run["evaluation"]["confusion"]
    truth, predicted = next(
        (i, j) for i in range(3) for j in range(3) if i != j and confusion[i][j]
    )
    _click_at_data_point(qtbot, canvas, predicted, truth)  # column j, row i
    panel, model = pane.predictions, pane.predictions.model
    assert pane.run_tabs.currentWidget() is panel
    assert model.cell == (classes[truth], classes[predicted])
    assert model.rowCount() == confusion[truth][predicted]
    shown = {(model.index(r, 0).data(), model.index(r, 1).data()) for r in range(model.rowCount())}
    assert shown == {(classes[truth], classes[predicted])}
    assert f"of true class {classes[truth]} predicted as {classes[predicted]}" in (
        panel.summary.text()
    )
    pane.run_tabs.setCurrentWidget(pane.details)
    _click_at_data_point(qtbot, canvas, predicted, predicted)  # a diagonal cell: the right ones
    assert model.rowCount() == confusion[predicted][predicted] > 0
    _click_at_data_point(qtbot, canvas, 3.2, 0)  # beside the matrix: nothing changes
    assert model.cell == (classes[predicted], classes[predicted])


def test_a_run_whose_model_file_is_damaged_says_its_predictions_cannot_be_shown(
    qtbot: QtBot, window: MainWindow, state: AppState
) -> None:
    datasets.import_file(state.workspace, SAMPLES / "iris.csv")
    run = _train(state, "iris", "species", "knn")
    path = state.workspace.artifacts.path_for(run["model_sha256"], training.MODEL_SUFFIX)
    path.write_bytes(path.read_bytes()[:-10])
    pane = _show_predictions(qtbot, window, state, run)
    text = pane.predictions.summary.text()
    assert text.startswith("The predictions cannot be shown: ") and "damaged" in text
    assert pane.predictions.model.rowCount() == 0


def test_a_regressions_predictions_show_the_error_and_offer_no_wrong_filter(
    qtbot: QtBot, qtmodeltester: Any, window: MainWindow, state: AppState
) -> None:
    datasets.import_file(state.workspace, SAMPLES / "diabetes.csv")
    run = _train(state, "diabetes", "disease_progression", "linear_regression")
    pane = _show_predictions(qtbot, window, state, run)
    model = pane.predictions.model
    qtmodeltester.check(model)
    assert model.rowCount() == 89  # 20 % of 442 rows
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(3)]
    assert headers == ["Truth", "Prediction", "Error"]
    truth, predicted, error = (float(model.index(0, c).data()) for c in range(3))
    assert error == pytest.approx(truth - predicted, abs=0.01)
    assert not pane.predictions.only_wrong.isEnabled()
    assert "Click a cell" not in pane.predictions.summary.text()
