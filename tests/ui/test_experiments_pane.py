"""The Experiments pane and training dialog, driven through their widgets."""

import re
import threading

import pytest
from PySide6.QtCore import QItemSelectionModel, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from mlops_desktop.core.data import datasets
from mlops_desktop.core.experiments import training
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.panes import experiments as experiments_pane
from tests.ui.conftest import answer_next_question, home_filled, run_chart, runs_listed

TRAIN_TIMEOUT = 120_000


def test_empty_pane_says_what_to_do(qtbot: QtBot, window: MainWindow) -> None:
    pane = runs_listed(qtbot, window)
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
    runs_listed(qtbot, window)
    assert pane.stack.currentIndex() == 1 and pane.model.rowCount() == 2
    assert {pane.model.record(r)["algorithm"] for r in range(2)} == {"decision_tree", "knn"}
    details = pane.details.toPlainText()
    assert "species" in details
    run = pane.model.record(pane.view.currentIndex().row())
    accuracy = f"{run['metrics']['accuracy']:.3f}"
    shown_run = training.show_run(window.state.workspace, run["run_id"])
    low, high = (f"{bound:.3f}" for bound in shown_run["intervals"]["accuracy"])
    assert f"Accuracy\n{accuracy}\n95 % interval {low} – {high}\nBalanced accuracy\n" in details
    folds = shown_run["folds"]["accuracy"]  # iris's 150 rows: cross-validated by default
    assert (
        f"Accuracy, cross-validation mean\n{run['metrics']['cv_accuracy_mean']:.3f}\n5 folds "
        in (details)
    )
    assert f"5 folds from {min(folds):.3f} to {max(folds):.3f}" in details
    assert "Log loss\n" in details and "Duration " in details
    column = [pane.model.headerData(c, Qt.Orientation.Horizontal) for c in range(12)].index(
        "Accuracy"
    )
    shown = {pane.model.index(r, column).data() for r in range(2)}
    assert shown == {f"{pane.model.record(r)['metrics']['accuracy']:.3f}" for r in range(2)}
    run_chart(qtbot, pane)  # built on a worker thread just after the table is shown
    pane.view.selectRow(1)
    assert pane.chart.canvas is None  # the previous run's chart is never shown for this one
    assert run_chart(qtbot, pane).figure.axes
    pane.filter.setText("nearest")  # filters what the table shows: "k-nearest neighbours"
    assert pane.model.rowCount() == 1
    assert "2 of 2 runs finished" in home_filled(qtbot, window).cards[1].state.text()


def _trained(state, *algorithms: str, experiment: str = "Default") -> list[dict]:
    runs = [
        training.train(
            state.workspace,
            training.Recipe(
                dataset="iris", target="species", algorithm=name, experiment=experiment
            ),
        )[0]
        for name in algorithms
    ]
    state.runs_changed.emit()
    return runs


def _select(pane, run_ids: list[str]) -> None:
    pane.view.clearSelection()
    model = pane.view.selectionModel()
    for row in range(pane.model.rowCount()):
        if pane.model.record(row)["run_id"] in run_ids:
            model.select(
                pane.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows,
            )


class _HeldReadings:
    """The Experiments pane's readings of the runs, each read at once but returned only when
    released: a reading still under way when the user acts, made deterministic."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.read: list[tuple] = []  # what each reading read, in order
        self.released: list[threading.Event] = []
        self.holding = True
        read_runs = experiments_pane._read_runs

        def held(*args: object) -> tuple:
            released = threading.Event()
            if not self.holding:
                released.set()
            self.released.append(released)
            read = read_runs(*args)
            self.read.append(read)
            released.wait(30)
            return read

        monkeypatch.setattr(experiments_pane, "_read_runs", held)

    def hold(self) -> None:
        """The readings from now on wait to return."""
        self.holding = True

    def release_all(self) -> None:
        """The readings waiting return, and those from now on at once."""
        self.holding = False
        for released in self.released:
            released.set()


def test_the_runs_are_read_on_a_worker_thread_and_the_newest_reading_is_shown(
    qtbot: QtBot, window: MainWindow, state, iris, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Thousands of runs take a moment to read: the pane is built and painted first, without
    claiming there are no runs, and a reading overtaken by a newer one is dropped even when it
    ends last."""
    (tree,) = _trained(state, "decision_tree")
    readings = _HeldReadings(monkeypatch)
    pane = window.experiments_pane  # built now
    assert pane.listing is not None and pane.model.rowCount() == 0
    assert pane.stack.currentWidget() is not pane.empty
    first = pane.listing
    qtbot.waitUntil(lambda: len(readings.read) == 1)  # it read one run
    (knn,) = _trained(state, "knn")  # and a second reading starts
    qtbot.waitUntil(lambda: len(readings.read) == 2)
    with qtbot.waitSignal(pane.runs_listed):
        readings.released[1].set()
    assert pane.model.rowCount() == 2 and pane.stack.currentIndex() == 1
    with qtbot.waitSignal(first.finished):  # the first, one run, ends last
        readings.released[0].set()
    assert {pane.model.record(r)["run_id"] for r in range(2)} == {tree["run_id"], knn["run_id"]}
    assert pane.listing is None


def test_rows_of_runs_deleted_or_of_another_workspace_show_nothing_while_runs_are_read(
    qtbot: QtBot, window: MainWindow, state, iris, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    tree, knn = _trained(state, "decision_tree", "knn")
    pane = runs_listed(qtbot, window)
    readings = _HeldReadings(monkeypatch)
    _select(pane, [tree["run_id"]])
    answer_next_question("Delete")
    pane.delete_button.click()  # deleted; the table is being read again
    assert pane.listing is not None and pane.model.rowCount() == 2
    _select(pane, [knn["run_id"]])
    _select(pane, [tree["run_id"]])  # its row is still there for a moment
    assert pane.selected is None and pane.details.toPlainText() == ""
    readings.release_all()
    assert [r["run_id"] for r in runs_listed(qtbot, window).model.records] == [knn["run_id"]]

    readings.hold()
    with qtbot.waitSignal(state.workspace_changed, timeout=30_000):
        window.open_workspace(tmp_path / "other")  # its runs are not the other workspace's
    assert pane.listing is not None and pane.model.rowCount() == 0
    readings.release_all()
    runs_listed(qtbot, window)
    assert pane.model.rowCount() == 0 and pane.stack.currentWidget() is pane.empty


def test_the_experiment_chooser_fits_the_experiments_read_after_it_was_shown(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    _trained(state, "decision_tree", experiment="A long experiment name, to see it whole")
    window.show_pane("Experiments")  # shown before its runs are read
    choice = runs_listed(qtbot, window).experiment_choice
    longest = max(choice.itemText(i) for i in range(choice.count()))
    qtbot.waitUntil(lambda: choice.width() > choice.fontMetrics().horizontalAdvance(longest))


def test_compare_shows_selected_runs_side_by_side_with_differences_and_overlaid_curves(
    qtbot: QtBot, qtmodeltester, window: MainWindow, state, iris
) -> None:
    tree, knn = _trained(state, "decision_tree", "knn")
    pane = runs_listed(qtbot, window)
    _select(pane, [tree["run_id"]])
    assert not pane.compare_button.isEnabled()  # one run: nothing to compare with
    _select(pane, [tree["run_id"], knn["run_id"]])
    assert pane.compare_button.isEnabled()

    qtbot.mouseClick(pane.compare_button, Qt.MouseButton.LeftButton)
    assert not pane.compare_button.isEnabled()  # comparing runs in a worker
    with qtbot.waitSignal(pane.comparing.finished, timeout=60_000):
        pass

    dialog = pane.compare_dialog
    assert dialog is not None and dialog.isVisible()
    assert pane.compare_button.isEnabled()
    verdicts = dialog.verdicts.text()
    assert "<b>Recommended: " in verdicts  # with the reason, then the pair's verdict
    assert " on ROC AUC" in verdicts and "95 % interval" in verdicts
    key_metrics = dialog.charts["Key metrics"]()
    assert key_metrics.axes[0].get_xlim() == (-0.02, 1.02)  # the whole scale, not the dots'
    assert len(key_metrics.axes[0].lines) == 2  # an interval per run
    qtmodeltester.check(dialog.model)
    rows = {dialog.model.record(r)["name"]: r for r in range(dialog.model.rowCount())}
    algorithm = dialog.model.index(rows["Algorithm"], 2)
    target = dialog.model.index(rows["Target"], 2)
    assert dialog.model.data(algorithm, Qt.ItemDataRole.BackgroundRole) is not None
    assert dialog.model.data(target, Qt.ItemDataRole.BackgroundRole) is None
    headers = [dialog.model.headerData(c, Qt.Orientation.Horizontal) for c in (2, 3)]
    labels = {r["run_id"]: f"({r['run_id'][:6]})" for r in (tree, knn)}
    assert all(any(label in h for h in headers) for label in labels.values())
    accuracy = dialog.model.index(rows["accuracy"], 2)
    assert dialog.model.index(rows["accuracy"], 1).data() == "Accuracy"
    assert accuracy.data() == f"{tree['metrics']['accuracy']:.3f}"
    assert dialog.model.index(rows["balanced_accuracy"], 1).data() == "Balanced accuracy"
    assert dialog.model.index(rows["n_neighbors"], 1).data() == "Neighbours asked"
    dialog.only_differences.setChecked(True)
    assert "Target" not in {dialog.model.record(r)["name"] for r in range(dialog.model.rowCount())}
    charts = [dialog.chart_choice.itemText(i) for i in range(dialog.chart_choice.count())]
    assert "ROC curves — class versicolor" in charts
    dialog.chart_choice.setCurrentText("ROC curves — class versicolor")
    assert dialog.chart.canvas is not None
    figure = dialog.chart.canvas.figure
    assert len(figure.axes[0].get_legend().get_texts()) == 3  # 2 + chance


def test_delete_asks_first_then_removes_the_runs_and_their_model_files(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    tree, knn = _trained(state, "decision_tree", "knn")
    model_file = state.workspace.artifacts.path_for(tree["model_sha256"], training.MODEL_SUFFIX)
    pane = runs_listed(qtbot, window)
    _select(pane, [tree["run_id"]])
    answer_next_question("Cancel")
    pane.delete_button.click()
    assert pane.model.rowCount() == 2 and model_file.exists()

    answer_next_question("Delete")
    pane.delete_button.click()

    runs_listed(qtbot, window)
    assert [pane.model.record(r)["run_id"] for r in range(pane.model.rowCount())] == [knn["run_id"]]
    assert not model_file.exists()


def test_archiving_an_experiment_hides_its_runs_until_archived_ones_are_included(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    _trained(state, "decision_tree", experiment="Old idea")
    (new,) = _trained(state, "knn", experiment="New idea")
    pane = runs_listed(qtbot, window)
    assert not pane.archive_button.isEnabled()  # "All experiments": nothing to archive
    pane.experiment_choice.setCurrentIndex(pane.experiment_choice.findData("Old idea"))
    runs_listed(qtbot, window)
    assert pane.model.rowCount() == 1 and pane.archive_button.text() == "Archive experiment"

    pane.archive_button.click()
    runs_listed(qtbot, window)
    assert pane.archive_button.text() == "Restore experiment"
    pane.experiment_choice.setCurrentIndex(0)
    runs_listed(qtbot, window)
    assert [pane.model.record(r)["run_id"] for r in range(pane.model.rowCount())] == [new["run_id"]]
    pane.show_archived.setChecked(True)
    runs_listed(qtbot, window)
    assert pane.model.rowCount() == 2
    assert "archived" in pane.experiment_choice.itemText(
        pane.experiment_choice.findData("Old idea")
    )


def test_reproduce_trains_the_run_again_and_says_the_scores_are_identical(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    (tree,) = _trained(state, "decision_tree")
    pane = runs_listed(qtbot, window)
    _select(pane, [tree["run_id"]])
    assert pane.reproduce_button.isEnabled()
    pane.reproduce_button.click()
    assert pane.reproducing is not None
    with qtbot.waitSignal(pane.reproducing.finished, timeout=TRAIN_TIMEOUT):
        pass
    qtbot.waitUntil(lambda: pane.findChild(QMessageBox, "messageBox") is not None)
    text = pane.findChild(QMessageBox, "messageBox").text()
    assert f"Run {tree['run_id'][:8]} was trained again" in text
    assert "every score is identical" in text
    assert runs_listed(qtbot, window).model.rowCount() == 2


REGIONS = ["north", "south", "east"]


def _gappy_dataset(state, tmp_path, rows: int = 60) -> None:
    path = tmp_path / "accounts.csv"
    lines = ["account,region,usage,churned"]
    for i in range(rows):
        label = "" if i % 10 == 0 else ("yes" if (i * 7) % 3 == 0 else "no")
        lines.append(f"{1000 + i * 3},{REGIONS[i % 3]},{(i * 13) % 17},{label}")
    path.write_text("\n".join(lines) + "\n")
    datasets.import_file(state.workspace, path)


def _dialog_on_gappy_dataset(qtbot: QtBot, window: MainWindow, state, tmp_path):
    _gappy_dataset(state, tmp_path)
    dialog = window.experiments_pane.open_training_dialog("accounts")
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    return dialog


def test_the_dialog_lets_the_user_choose_columns_settings_and_dropping_rows_without_a_target(
    qtbot: QtBot, window: MainWindow, state, tmp_path
) -> None:
    dialog = _dialog_on_gappy_dataset(qtbot, window, state, tmp_path)
    assert not dialog.drop_missing.isHidden() and dialog.drop_missing.isChecked()
    assert "6 rows where 'churned' is empty" in dialog.drop_missing.text()
    items = {
        dialog.columns.item(r).data(Qt.ItemDataRole.UserRole): dialog.columns.item(r)
        for r in range(dialog.columns.count())
    }
    assert items["account"].checkState() == Qt.CheckState.Unchecked
    assert "like an ID" in items["account"].text()
    shown = dialog.columns_count.text()
    items["account"].setCheckState(Qt.CheckState.Checked)  # use it anyway
    items["region"].setCheckState(Qt.CheckState.Unchecked)  # leave it out
    assert dialog.columns_count.text() == shown  # one more, one fewer
    dialog.untick_all.click()
    assert dialog.columns_count.text().startswith("Columns to learn from: 0 of ")
    assert dialog.column_choices()[1] == []
    dialog.tick_all.click()
    assert re.match(
        r"Columns to learn from: (\d+) of \1 columns ticked", dialog.columns_count.text()
    )
    items["region"].setCheckState(Qt.CheckState.Unchecked)
    dialog.try_all.setChecked(False)
    for name, box in dialog.algorithm_boxes.items():
        box.setChecked(name == "knn")
    visible = [
        dialog.settings.tabText(i)
        for i in range(dialog.settings.count())
        if dialog.settings.isTabVisible(i)
    ]
    assert visible == ["k-nearest neighbours"]
    dialog.setting_fields["knn"]["n_neighbors"].setText("three")
    dialog.train_button.click()
    assert dialog.task is None  # refused before starting
    box = dialog.findChild(QMessageBox, "messageBox")
    assert (
        box is not None
        and "'three' is not a valid value for Neighbours asked (n_neighbors)" in box.text()
    )

    dialog.setting_fields["knn"]["n_neighbors"].setText("3")
    with qtbot.waitSignal(dialog.trained, timeout=TRAIN_TIMEOUT) as trained:
        dialog.train_button.click()

    (run,) = trained.args[0]
    assert run["status"] == "finished", run["error"]
    assert [f["name"] for f in run["features"]] == ["account", "usage"]
    assert run["params"] == {"n_neighbors": 3}
    assert run["split"]["drop_missing_target"] is True


def test_cancel_stops_a_training_for_real_and_records_it_as_cancelled(
    qtbot: QtBot, window: MainWindow, state, tmp_path
) -> None:
    _gappy_dataset(state, tmp_path, rows=20_000)
    files_before = set(state.workspace.artifacts.root.rglob("*.joblib"))
    dialog = window.experiments_pane.open_training_dialog("accounts")
    qtbot.waitUntil(lambda: dialog.plan is not None, timeout=10_000)
    dialog.try_all.setChecked(False)
    for name, box in dialog.algorithm_boxes.items():
        box.setChecked(name == "random_forest")
    dialog.setting_fields["random_forest"]["n_estimators"].setText("5000")  # minutes of work
    dialog.train_button.click()
    task = dialog.task
    with qtbot.waitSignal(
        task.progressed,
        check_params_cb=lambda fraction, text: text.startswith("Training Random forest"),
        timeout=TRAIN_TIMEOUT,
    ):
        pass
    with qtbot.waitSignal(task.cancelled, timeout=30_000):
        qtbot.mouseClick(dialog.task_panel.cancel_button, Qt.MouseButton.LeftButton)

    assert "cancelled" in dialog.explanation.text() and dialog.train_button.isEnabled()
    runs = training.list_runs(state.workspace)
    assert [(r["algorithm"], r["status"]) for r in runs] == [("random_forest", "cancelled")]
    assert set(state.workspace.artifacts.root.rglob("*.joblib")) == files_before
    assert not list(state.workspace.artifacts.tmp.iterdir())


def test_an_unsafe_experiment_name_is_refused_before_training(
    qtbot: QtBot, window: MainWindow, state, tmp_path
) -> None:
    dialog = _dialog_on_gappy_dataset(qtbot, window, state, tmp_path)
    dialog.experiment.setText("../evil")
    dialog.train_button.click()
    assert dialog.task is None  # refused before starting
    box = dialog.findChild(QMessageBox, "messageBox")
    assert box is not None and "An experiment name cannot contain '/'" in box.text()
