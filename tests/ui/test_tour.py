"""The guided tour, walked by clicking the real widgets: each step is checked not to advance
before its action is done and to advance once it is; the tour is left and resumed in a new
window; the own-data tour starts from an import."""

import socket
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, QRect, Qt
from PySide6.QtWidgets import QAbstractItemView, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from mlops_desktop.config import Settings
from mlops_desktop.core.data import datasets
from mlops_desktop.ui import tour as tours
from mlops_desktop.ui.dialogs.model_dialogs import RegisterDialog
from mlops_desktop.ui.main_window import PANES, MainWindow
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.tour import Tour
from tests.conftest import SAMPLES
from tests.ui.conftest import drawn, drop_file, open_window, runs_listed

TASK_TIMEOUT = 120_000


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _click(qtbot: QtBot, widget: QWidget) -> None:
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def _click_cell(qtbot: QtBot, view: QAbstractItemView, row: int, column: int = 0) -> None:
    rect = view.visualRect(view.model().index(row, column))
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())


def _points_at(tour: Tour, widget: QWidget) -> None:
    """The step's frame is around ``widget`` and its bubble beside it, not over it."""
    tour.overlay.place()
    assert tour.overlay.target() is widget
    corner = widget.mapTo(tour.widget, widget.rect().topLeft())
    hole = tour.overlay.highlight.hole
    assert hole.contains(QRect(corner, widget.size()))
    assert tour.overlay.bubble.isVisible()
    assert not tour.overlay.bubble.geometry().intersects(hole)


def _open(qtbot: QtBot, window: MainWindow, tour: Tour, pane: str) -> None:
    """A step on another pane first points at the sidebar; opening the pane is not the step."""
    before = tour.index
    _points_at(tour, window.sidebar)
    assert f"Open <b>{pane}</b>" in tour.overlay.bubble.text.text()
    item = window.sidebar.item(PANES.index(pane))
    rect = window.sidebar.visualItemRect(item)
    qtbot.mouseClick(window.sidebar.viewport(), Qt.MouseButton.LeftButton, pos=rect.center())
    assert window.current_pane() == pane and tour.index == before


def _advances(
    qtbot: QtBot, tour: Tour, action: Callable[[], object], timeout: int = 10_000
) -> None:
    """``action`` (the step's own thing) moves the tour on by exactly one step."""
    before = tour.index
    with qtbot.waitSignal(tour.advanced, timeout=timeout) as moved:
        action()
    assert moved.args == [before + 1] and tour.index == before + 1


def _train_two(qtbot: QtBot, window: MainWindow, tour: Tour) -> None:
    """Step "Train models": opening the dialog is not enough; a finished training is."""
    runs_listed(qtbot, window)  # the pane has read that there are no runs: the tour follows
    new_training = window.findChild(QWidget, "emptyNewTrainingButton")  # no runs yet
    _points_at(tour, new_training)
    _click(qtbot, new_training)
    dialog = window.experiments_pane.dialog
    assert dialog is not None
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    assert tour.index == 2  # the dialog is open, nothing is trained yet
    assert dialog.dataset.currentText() == tour.dataset  # the one looked at in Datasets
    dialog.try_all.setChecked(False)
    for name, box in dialog.algorithm_boxes.items():
        box.setChecked(name in ("decision_tree", "naive_bayes"))
    _advances(qtbot, tour, lambda: _click(qtbot, dialog.train_button), TASK_TIMEOUT)


def test_walk_the_whole_tour_by_clicking_the_real_widgets(
    qtbot: QtBot, window: MainWindow, state: AppState, iris: datasets.ImportResult
) -> None:
    datasets.import_file(state.workspace, SAMPLES / "wine.csv")
    state.datasets_changed.emit("")
    tour = tours.start(window, tours.SAMPLE)

    # 1. a dataset: the pane selecting one by itself is not the user clicking one
    assert tour.index == 0 and window.current_pane() == "Home"
    _open(qtbot, window, tour, "Datasets")
    pane = window.datasets_pane
    _points_at(tour, pane.list_view)
    state.datasets_changed.emit("iris")
    assert tour.index == 0 and pane.selected_name() == "iris"
    names = [record["name"] for record in pane.list_model.records]
    _advances(qtbot, tour, lambda: _click_cell(qtbot, pane.list_view, names.index("wine")))
    assert tour.dataset == "wine"

    # 2. its profile: a column clicked
    _points_at(tour, pane.profile_view)
    _advances(qtbot, tour, lambda: _click_cell(qtbot, pane.profile_view, 0))
    assert drawn(qtbot, pane.figure) is not None  # the histogram the step promised, big enough
    assert pane.figure.width() >= 300

    # 3. train: on the tour's dataset
    assert window.current_pane() == "Datasets" and pane.figure.canvas is not None  # still shown
    _open(qtbot, window, tour, "Experiments")
    bubble_text = tour.overlay.bubble.text.text()
    assert "‘wine’" in bubble_text
    _train_two(qtbot, window, tour)

    # 4. compare: one run selected cannot be compared; two can
    experiments = runs_listed(qtbot, window)
    _points_at(tour, experiments.compare_button)
    experiments.view.selectRow(0)
    _click(qtbot, experiments.compare_button)  # disabled: one run
    assert tour.index == 3
    experiments.view.selectionModel().select(
        experiments.model.index(1, 0),
        QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
    )
    _advances(qtbot, tour, lambda: _click(qtbot, experiments.compare_button))
    with qtbot.waitSignal(experiments.comparing.finished, timeout=TASK_TIMEOUT):
        pass
    experiments.compare_dialog.close()

    # 5. register: the dialog open is not yet a registered model
    _points_at(tour, experiments.register_button)
    experiments.view.selectRow(0)
    _click(qtbot, experiments.register_button)
    dialog = experiments.findChild(RegisterDialog)
    assert tour.index == 4
    dialog.name.setCurrentText("Flowers")
    _advances(qtbot, tour, lambda: _click(qtbot, dialog.accept_button))

    # 6. approve: staging is a change of stage, but the step asks for production
    models = window.models_pane
    _open(qtbot, window, tour, "Models")
    _points_at(tour, models.stage_button)

    def move_to(stage: str) -> None:
        _click(qtbot, models.stage_button)
        stage_dialog = models.stage_dialog
        stage_dialog.stage.setCurrentIndex(stage_dialog.stage.findData(stage))
        stage_dialog.note.setPlainText(f"tour: to {stage}")
        _click(qtbot, stage_dialog.accept_button)

    with qtbot.waitSignal(state.models_changed):
        move_to("staging")
    assert tour.index == 5
    _advances(qtbot, tour, lambda: move_to("production"))

    # 7. serve
    _points_at(tour, models.serve_production_button)
    models.serve_panel.port.setValue(_free_port())
    _advances(qtbot, tour, lambda: _click(qtbot, models.serve_production_button), 60_000)

    # 8. try it
    panel = models.serve_panel
    _points_at(tour, panel.try_button)
    _advances(qtbot, tour, lambda: _click(qtbot, panel.try_button))
    qtbot.waitUntil(lambda: "Prediction:" in panel.try_result.text(), timeout=60_000)

    # 9. check now: the served model is watched; a finished check moves on
    monitoring = window.monitoring_pane
    _open(qtbot, window, tour, "Monitoring")
    _points_at(tour, monitoring.check_button)
    assert tour.index == 8
    _advances(qtbot, tour, lambda: _click(qtbot, monitoring.check_button), TASK_TIMEOUT)

    # 10. retrain
    _points_at(tour, monitoring.retrain_button)
    _advances(qtbot, tour, lambda: _click(qtbot, monitoring.retrain_button))
    assert monitoring.retrain_dialog is not None
    monitoring.retrain_dialog.close()

    assert tour.index == len(tour.steps) == 10
    assert "whole tour" in tour.overlay.bubble.title.text()
    assert state.settings.get("tour")["finished"] is True
    _click(qtbot, tour.overlay.bubble.close_button)
    assert not tour.overlay.bubble.isVisible() and not tour.overlay.highlight.isVisible()
    with qtbot.waitSignal(state.serving_changed, timeout=60_000):
        panel.stop()


def _answer(box: QMessageBox, starting: str) -> None:
    next(b for b in box.buttons() if b.text().startswith(starting)).click()


def test_leave_with_escape_and_resume_at_the_same_step_in_a_new_window(
    qtbot: QtBot, window: MainWindow, state: AppState, iris: datasets.ImportResult
) -> None:
    state.datasets_changed.emit("iris")
    box = window.choose_tour()
    assert {b.text() for b in box.buttons()} == {"Take the tour", "Tour with my own data", "Cancel"}
    _answer(box, "Take the tour")
    tour = window.tour
    assert tour is not None and tour.index == 0
    pane = window.datasets_pane
    _open(qtbot, window, tour, "Datasets")
    _advances(qtbot, tour, lambda: _click_cell(qtbot, pane.list_view, 0))
    with qtbot.waitSignal(tour.left):
        qtbot.keyClick(window, Qt.Key.Key_Escape)
    assert not tour.overlay.bubble.isVisible()
    _click_cell(qtbot, pane.profile_view, 0)  # a left tour no longer listens
    assert tour.index == 1
    assert state.settings.get("tour") == {
        "kind": "sample",
        "step": 1,
        "dataset": "iris",
        "finished": False,
    }

    again = open_window(qtbot, AppState(state.workspace, Settings(state.settings.path)))
    box = again.choose_tour()
    assert {b.text() for b in box.buttons()} == {
        "Resume at step 2",
        "Start over",
        "Tour with my own data",
        "Cancel",
    }
    _answer(box, "Resume at step 2")
    resumed = again.tour
    assert resumed is not None and (resumed.index, resumed.dataset) == (1, "iris")
    _open(qtbot, again, resumed, "Datasets")
    _points_at(resumed, again.datasets_pane.profile_view)
    _advances(qtbot, resumed, lambda: _click_cell(qtbot, again.datasets_pane.profile_view, 0))
    _answer(again.choose_tour(), "Start over")
    assert again.tour is not resumed and again.tour.index == 0
    assert not resumed.overlay.bubble.isVisible()  # only one tour at a time


def test_the_first_start_offers_the_tour_once(window: MainWindow, state: AppState) -> None:
    box = window.offer_tour()
    assert box is not None and "New here?" in box.text()
    assert "Not now" in [b.text() for b in box.buttons()]
    _answer(box, "Not now")
    assert window.tour is None and state.settings.get("tour_offered") is True
    assert window.offer_tour() is None
    assert Settings(state.settings.path).get("tour_offered") is True


def test_own_data_tour_starts_with_an_import_and_follows_that_dataset(
    qtbot: QtBot, window: MainWindow, state: AppState, tmp_path: Path
) -> None:
    _answer(window.choose_tour(), "Tour with my own data")
    tour = window.tour
    assert tour is not None and tour.kind == tours.OWN_DATA and tour.index == 0
    _open(qtbot, window, tour, "Datasets")
    empty_import = window.findChild(QWidget, "emptyImportButton")
    _points_at(tour, empty_import)  # an empty workspace: the empty list's Import… button
    own = tmp_path / "my flowers.csv"
    own.write_text((SAMPLES / "iris.csv").read_text(encoding="utf-8"), encoding="utf-8")

    _click(qtbot, empty_import)
    dialog = window.import_dialog
    assert dialog is not None and tour.index == 0  # the dialog is open, nothing imported
    dialog.close()
    datasets.import_file(state.workspace, SAMPLES / "wine.csv")  # not through the tour's dialog
    state.datasets_changed.emit("wine")
    assert tour.index == 0

    assert drop_file(window, own)  # dropping the file on the window opens the import
    dialog = window.import_dialog
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=10_000)
    _advances(qtbot, tour, lambda: _click(qtbot, dialog.import_button), 60_000)
    assert tour.dataset == "my flowers"
    assert window.datasets_pane.selected_name() == "my flowers"

    def trained_on(name: str) -> None:
        """A decision tree trained on ``name`` (its suggested target) with the pane's dialog."""
        dialog = window.experiments_pane.open_training_dialog(name)
        assert dialog is not None
        qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
        dialog.try_all.setChecked(False)
        for algorithm, box in dialog.algorithm_boxes.items():
            box.setChecked(algorithm == "decision_tree")
        with qtbot.waitSignal(dialog.trained, timeout=TASK_TIMEOUT):
            _click(qtbot, dialog.train_button)

    trained_on("my flowers")  # before the training step: an earlier training does not count
    pane = window.datasets_pane
    _points_at(tour, pane.profile_view)
    _advances(qtbot, tour, lambda: _click_cell(qtbot, pane.profile_view, 0))
    _open(qtbot, window, tour, "Experiments")
    assert "‘my flowers’" in tour.overlay.bubble.text.text()
    trained_on("wine")  # a training, but on other data than the tour's
    assert tour.index == 2
    _advances(qtbot, tour, lambda: trained_on("my flowers"), TASK_TIMEOUT)
    assert state.settings.get("tour")["dataset"] == "my flowers"


def test_every_step_names_a_real_widget_and_signal(window: MainWindow) -> None:
    for kind, steps in tours.TOURS.items():
        tour = Tour(window, kind)
        for step in steps:
            window.pane(step.pane)  # a pane is built when first shown
            assert any(window.findChild(QWidget, name) for name in step.targets), step.targets
            assert tour.signal(step.done) is not None
        assert 9 <= len(steps) <= 11


def test_skip_step_moves_on_without_the_action(
    qtbot: QtBot, window: MainWindow, state: AppState, iris: datasets.ImportResult
) -> None:
    state.datasets_changed.emit("iris")
    tour = tours.start(window, tours.SAMPLE)
    _open(qtbot, window, tour, "Datasets")
    _advances(qtbot, tour, lambda: _click(qtbot, tour.overlay.bubble.skip_button))
    assert tour.dataset is None  # never chosen: training on any dataset will do
    _points_at(tour, window.datasets_pane.profile_view)
