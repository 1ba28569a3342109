"""The Monitoring pane as an analyst uses it: a served model's card, Check now through the real
worker, the report's table, chart and sentences, the trends, labels and thresholds; driven
through the widgets on a workspace with a trained, registered and logged model."""

import re
import shutil
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QDate, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from mlops_desktop.config import MONITORING_SETTINGS
from mlops_desktop.core.data import datasets
from mlops_desktop.core.monitoring import checks, drift, trends
from mlops_desktop.ui.dialogs.retrain_dialog import RetrainDialog
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.panes.monitoring import MonitoringPane
from mlops_desktop.ui.panes.monitoring_table import HISTOGRAM_ROLE, SPARKLINE_COLUMN
from mlops_desktop.ui.state import AppState
from tests.core.test_monitoring import (  # the core tests' workspace and traffic
    DAY_1,
    _applicants,
    _log,
    served_home,  # noqa: F401 (a fixture: 'loans' trained on 4,000 applicants and registered)
)
from tests.ui.conftest import drop_file, home_filled, open_window

TASK_TIMEOUT = 120_000
DAY_2 = DAY_1 + timedelta(days=1)


@pytest.fixture
def home(served_home: Path, tmp_path: Path) -> Path:  # noqa: F811 (uses the imported fixture)
    """A copy of the core tests' workspace: 'loans' registered, nothing served yet."""
    copy = tmp_path / "workspace"
    shutil.copytree(served_home, copy)
    return copy


def _two_days(state: AppState) -> tuple[list[str], pd.DataFrame]:
    """A calm day like the training data, then a day with higher incomes and a new region;
    returns the calm day's request ids and rows."""
    calm = _applicants(600, seed=2)
    ids = _log(state.workspace, calm, DAY_1, "calm")
    _log(state.workspace, _applicants(600, seed=3, shift=0.8, new_region=True), DAY_2, "moved")
    return ids, calm


def _pane_with_two_checked_days(qtbot: QtBot, state: AppState) -> MonitoringPane:
    """A pane opened on the two days, already checked."""
    _two_days(state)
    trends.update_days(state.workspace, "loans")
    pane = MonitoringPane(state)
    qtbot.addWidget(pane)
    return pane


def _monitoring(window: MainWindow) -> MonitoringPane:
    window.show_pane("Monitoring")
    pane = window.pane("Monitoring")
    assert isinstance(pane, MonitoringPane)
    return pane


def _row(pane: MonitoringPane, name: str) -> int:
    labels = [
        pane.report_view.table_model.record(r)["_label"]
        for r in range(pane.report_view.table_model.rowCount())
    ]
    return labels.index(name)


def test_a_workspace_with_no_served_model_says_what_to_do(window: MainWindow) -> None:
    pane = _monitoring(window)
    assert pane.stack.currentWidget() is pane.empty
    assert pane.cards == []
    assert not pane.retrain_button.isEnabled() and pane.open_retrain_dialog() is None
    pane.empty.buttons["Open Models"].click()
    assert window.current_pane() == "Models"


def test_the_pane_opens_from_stored_results_without_computing(
    qtbot: QtBot, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_days(state)
    since, until = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)
    for reference in (None, "applicants@1"):  # a time range checked earlier, twice
        checks.check(state.workspace, "loans", reference, since=since, until=until)
    trends.update_days(state.workspace, "loans")  # the latest checks: the days

    def no_computing(*_args: object, **_kwargs: object) -> None:
        raise AssertionError("opening the pane must not check anything")

    monkeypatch.setattr(drift, "check_drift", no_computing)
    started = time.perf_counter()
    pane = MonitoringPane(state)
    opened = time.perf_counter() - started
    qtbot.addWidget(pane)
    assert opened < 1.0
    assert [card.ref for card in pane.cards] == ["loans@1"]
    card = pane.cards[0]
    assert card.status_word == "Drifting"
    assert "1,200 predictions checked day by day" in card.text()  # the range is not counted
    # The stored time range (checked against the training data, the reference chosen) is
    # listed above the days; the newest day is shown.
    kinds = [(r["window"]["kind"], r["window"]["reference"]) for _, r in pane.windows]
    assert kinds == [("range", "training"), ("day", "training"), ("day", "training")]
    assert [r["window"]["name"] for _, r in pane.windows][1:] == ["2026-11-02", "2026-11-01"]
    assert pane.window_shown.itemText(0).startswith("Predictions of 2026-11-01 — 600 rows")
    assert pane.report is not None and pane.report["window"]["name"] == "2026-11-02"
    assert "Dataset drift" in pane.report_view.banner.text()
    assert "Changed (drift)" in pane.report_view.predictions_line.text()
    pane.window_shown.setCurrentIndex(pane.window_shown.count() - 1)  # the calm day
    assert (
        "Healthy" in pane.report_view.banner.text()
        and "No dataset drift" in pane.report_view.banner.text()
    )
    pane.window_shown.setCurrentIndex(0)  # the time range
    assert pane.report is not None and pane.report["window"]["kind"] == "range"
    assert "Predictions of 2026-11-01: 600 rows" in pane.report_view.banner.text()


def test_check_now_fills_the_report_and_the_trends(
    qtbot: QtBot, window: MainWindow, state: AppState
) -> None:
    _two_days(state)
    state.serving_changed.emit("")  # what the Models pane says when a server stops
    pane = _monitoring(window)
    assert pane.stack.currentWidget() is pane.splitter
    assert pane.cards[0].status_word == "Not checked yet"
    assert (
        "No report yet" in pane.report_view.banner.text()
        and pane.report_view.table_model.rowCount() == 0
    )
    assert pane.check_button.isEnabled()

    pane.report_view.table.setFocus()
    with qtbot.waitSignal(state.monitoring_changed, timeout=TASK_TIMEOUT):
        qtbot.keyClick(pane.report_view.table, Qt.Key.Key_F5)  # F5 = Check now
    assert pane.checking is None and pane.check_button.isEnabled()
    assert pane.cards[0].status_word == "Drifting"
    assert pane.report is not None and pane.report["window"]["name"] == "2026-11-02"
    assert "Dataset drift: 2 of 3 columns drifted" in pane.report_view.banner.text()
    income = pane.report_view.table_model.record(_row(pane, "income"))
    assert income["status"] == "drift"
    assert pane.report_view.table_model.index(_row(pane, "income"), 1).data() == "Changed (drift)"
    assert (
        pane.report_view.table_model.record(0)["_label"] == "Predictions"
    )  # the predictions come first

    pane.tabs.setCurrentWidget(pane.trends)
    qtbot.waitUntil(
        lambda: all(view.canvas is not None for view in pane.trends.views.values()), timeout=10_000
    )
    assert "2 checked days, from 2026-11-01 to 2026-11-02" in pane.trends.note.text()


def test_the_drift_table_is_a_sound_sortable_model(
    qtbot: QtBot, qtmodeltester: object, state: AppState
) -> None:
    pane = _pane_with_two_checked_days(qtbot, state)
    model = pane.report_view.table_model
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    histogram = model.index(_row(pane, "income"), SPARKLINE_COLUMN).data(HISTOGRAM_ROLE)
    assert len(histogram["reference"]) == len(histogram["current"]) > 10
    model.sort(4, Qt.SortOrder.DescendingOrder)  # the size of the change, largest first
    effects = [model.record(r)["effect"] for r in range(model.rowCount())]
    assert effects == sorted(effects, reverse=True)
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_selecting_a_column_shows_its_chart_and_what_was_found(
    qtbot: QtBot, state: AppState
) -> None:
    pane = _pane_with_two_checked_days(qtbot, state)
    pane.show()
    pane.report_view.table.selectRow(_row(pane, "region"))
    qtbot.waitUntil(lambda: pane.report_view.distribution.canvas is not None, timeout=10_000)
    assert pane.report_view.distribution.canvas is not None
    title = pane.report_view.distribution.canvas.figure.axes[0].get_title(loc="left")
    assert "region" in title
    text = pane.report_view.details.toPlainText()
    assert "region — changed (drift)" in text
    assert "The mix changed" in text
    assert "never seen in the reference: 'island'" in text
    pane.report_view.table.selectRow(_row(pane, "owner"))
    assert "No data-quality problems" in pane.report_view.details.toPlainText()


def test_labels_imported_through_the_dialog_show_the_performance(
    qtbot: QtBot, window: MainWindow, state: AppState, tmp_path: Path
) -> None:
    ids, calm = _two_days(state)
    trends.update_days(state.workspace, "loans")
    state.monitoring_changed.emit()
    pane = _monitoring(window)
    assert "No true outcomes imported yet" in pane.cards[0].text()
    unrelated = tmp_path / "other model.csv"
    pd.DataFrame({"request_id": ["x-1", "x-2"], "repaid": ["yes", "no"]}).to_csv(unrelated)
    outcomes = tmp_path / "what happened.csv"
    pd.DataFrame({"request_id": ids, "repaid": calm["repaid"]}).to_csv(outcomes, index=False)

    dialog = pane.open_labels_dialog()
    assert dialog is not None and not dialog.import_button.isEnabled()
    assert drop_file(dialog, unrelated)  # a file dropped on the dialog is read
    qtbot.waitUntil(lambda: dialog.import_button.isEnabled(), timeout=10_000)
    task = dialog.start_import()
    assert task is not None
    with qtbot.waitSignal(task.finished, timeout=TASK_TIMEOUT):
        pass
    box = dialog.findChild(QMessageBox, "messageBox")
    assert box is not None and "None of the 2 rows of other model.csv matches" in box.text()
    box.close()

    assert drop_file(dialog, outcomes)
    qtbot.waitUntil(
        lambda: dialog.import_button.isEnabled() and dialog.path == outcomes, timeout=10_000
    )
    assert dialog.key_choice.currentData() == "request_id"
    assert dialog.outcome_choice.currentData() == "repaid"
    with qtbot.waitSignal(dialog.imported, timeout=TASK_TIMEOUT):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    box = pane.findChild(QMessageBox, "messageBox")
    assert box is not None and "Matched 600 of 600 rows of what happened.csv" in box.text()
    box.close()
    checking = pane.checking  # the labelled days are checked again at once
    assert checking is not None
    with qtbot.waitSignal(checking.finished, timeout=TASK_TIMEOUT):
        pass
    # The card: the newest window with true outcomes, and which window that is.
    assert "on 2026-11-01 (600 known outcomes)" in pane.cards[0].text()
    assert "Accuracy " in pane.cards[0].text()
    assert pane.report is not None and pane.report["window"]["name"] == "2026-11-02"
    assert "Newest known: accuracy" in pane.report_view.performance_line.text()  # not a dead end
    pane.window_shown.setCurrentIndex(1)  # the calm, labelled day
    assert "Measured on 600 predictions with a known outcome: accuracy" in (
        pane.report_view.performance_line.text()
    )
    assert re.search(
        r"accuracy 0\.\d{3} \(95% interval 0\.\d{3} to 0\.\d{3}; expected ",
        (pane.report_view.performance_line.text()),
    )


def test_the_pane_remembers_how_it_was_divided(qtbot: QtBot, state: AppState) -> None:
    _two_days(state)
    state.serving_changed.emit("")
    first = open_window(qtbot, state)
    pane = _monitoring(first)
    pane.splitter.setSizes([380, 700])
    pane.report_view.report_splitter.setSizes([150, 450])
    remembered = pane.splitter.sizes(), pane.report_view.report_splitter.sizes()
    first.close()
    second = _monitoring(open_window(qtbot, state))
    assert (second.splitter.sizes(), second.report_view.report_splitter.sizes()) == remembered


def test_the_thresholds_dialog_saves_to_settings(
    qtbot: QtBot, window: MainWindow, state: AppState
) -> None:
    _two_days(state)
    trends.update_days(state.workspace, "loans")
    state.monitoring_changed.emit()
    pane = _monitoring(window)
    assert pane.report is not None
    dialog = pane.open_thresholds_dialog()
    assert dialog.fields["p_value"].toolTip()  # every setting explains itself
    dialog.fields["p_value"].setValue(0.01)
    dialog.fields["drift_share"].setValue(30)  # percent
    dialog.fields["min_rows"].setValue(800)
    assert dialog.fields["warn_rows"].value() == 800  # never below the fewest rows to judge
    with qtbot.waitSignal(dialog.saved):
        qtbot.mouseClick(dialog.save_button, Qt.MouseButton.LeftButton)
    saved = state.settings.get(MONITORING_SETTINGS)
    assert saved == {"p_value": 0.01, "drift_share": 0.3, "min_rows": 800, "warn_rows": 800}
    assert drift.Thresholds.from_dict(saved).drift_share == 0.3
    # Days checked under other thresholds are not this setting's results.
    assert pane.report is None and "No report yet" in pane.report_view.banner.text()

    again = pane.open_thresholds_dialog()
    assert again.fields["p_value"].value() == pytest.approx(0.01)
    qtbot.mouseClick(again.restore_button, Qt.MouseButton.LeftButton)
    assert again.fields["min_rows"].value() == 100
    with qtbot.waitSignal(again.saved):
        qtbot.mouseClick(again.save_button, Qt.MouseButton.LeftButton)
    assert state.settings.get(MONITORING_SETTINGS) == {}
    assert pane.report is not None and pane.report["window"]["name"] == "2026-11-02"


def test_a_time_range_and_a_dataset_can_be_checked(
    qtbot: QtBot, window: MainWindow, state: AppState, tmp_path: Path
) -> None:
    _two_days(state)
    state.serving_changed.emit("")
    pane = _monitoring(window)
    pane.window_mode.setCurrentIndex(pane.window_mode.findData("range"))
    assert pane.range_box.isVisibleTo(pane) and not pane.dataset_choice.isVisibleTo(pane)
    pane.since.setDate(QDate(2026, 11, 1))
    pane.until.setDate(QDate(2026, 11, 1))
    task = pane.check_now()
    assert task is not None
    with qtbot.waitSignal(state.monitoring_changed, timeout=TASK_TIMEOUT):
        pass
    assert pane.report is not None and pane.report["window"]["kind"] == "range"
    assert pane.report["n_current"] == 600 and pane.report["status"] == "healthy"
    assert "Predictions of 2026-11-01: 600 rows" in pane.report_view.banner.text()

    batch = tmp_path / "new applicants.csv"
    _applicants(700, seed=9, shift=1.0).to_csv(batch, index=False)
    datasets.import_file(state.workspace, batch, "new applicants")
    state.datasets_changed.emit("new applicants")
    pane.window_mode.setCurrentIndex(pane.window_mode.findData("dataset"))
    pane.dataset_choice.setCurrentIndex(pane.dataset_choice.findData("new applicants@1"))
    task = pane.check_now()
    assert task is not None
    with qtbot.waitSignal(state.monitoring_changed, timeout=TASK_TIMEOUT):
        pass
    assert pane.report is not None and pane.report["window"]["kind"] == "dataset"
    assert "Dataset new applicants version 1: 700 rows" in pane.report_view.banner.text()
    assert pane.report_view.table_model.record(_row(pane, "income"))["status"] == "drift"
    shown = [pane.window_shown.itemText(i) for i in range(pane.window_shown.count())]
    assert shown[0].startswith("Dataset new applicants version 1")
    assert shown[1].startswith("Predictions of 2026-11-01")


def test_a_week_of_predictions_can_be_checked(qtbot: QtBot, state: AppState) -> None:
    """The week ends on the newest checked day by default; moving its start moves its end."""
    pane = _pane_with_two_checked_days(qtbot, state)
    pane.window_mode.setCurrentIndex(pane.window_mode.findData("week"))
    assert pane.week_box.isVisibleTo(pane) and not pane.range_box.isVisibleTo(pane)
    assert pane.week_start.date() == QDate(2026, 10, 27)
    assert pane.week_end.text() == "to 2026-11-02"
    task = pane.check_now()
    assert task is not None
    with qtbot.waitSignal(state.monitoring_changed, timeout=TASK_TIMEOUT):
        pass
    assert pane.report is not None and pane.report["n_current"] == 1200
    assert "Predictions from 2026-10-27 to 2026-11-02: 1,200 rows" in pane.report_view.banner.text()

    pane.week_start.setDate(QDate(2026, 11, 2))
    assert pane.week_end.text() == "to 2026-11-08"
    task = pane.check_now()
    assert task is not None
    with qtbot.waitSignal(state.monitoring_changed, timeout=TASK_TIMEOUT):
        pass
    assert pane.report is not None and pane.report["n_current"] == 600  # the moved day only
    assert pane.report_view.table_model.record(_row(pane, "income"))["status"] == "drift"
    assert pane.window_shown.currentText().startswith("Predictions from 2026-11-02 to 2026-11-08")


def test_the_report_is_exported_as_one_web_page(
    qtbot: QtBot, state: AppState, tmp_path: Path
) -> None:
    pane = _pane_with_two_checked_days(qtbot, state)
    assert pane.export_button.isEnabled()
    page = tmp_path / "loans report.html"
    task = pane.export_to(page)
    assert task is not None and not pane.export_button.isEnabled()
    with qtbot.waitSignal(task.finished, timeout=TASK_TIMEOUT):
        pass
    text = page.read_text(encoding="utf-8")
    assert "Dataset drift" in text and "income" in text and "<img" in text
    assert pane.export_button.isEnabled()


def test_retrain_opens_the_dialog_for_the_selected_version(
    qtbot: QtBot, window: MainWindow, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    _two_days(state)
    state.serving_changed.emit("")
    pane = _monitoring(window)
    assert pane.selected_ref == "loans@1" and pane.retrain_button.isEnabled()
    assert "challenger" in pane.retrain_button.toolTip()
    qtbot.mouseClick(pane.retrain_button, Qt.MouseButton.LeftButton)
    dialog = pane.retrain_dialog
    assert isinstance(dialog, RetrainDialog) and dialog.ref == "loans@1"
    assert dialog.isVisible() and not dialog.isModal()  # the pane stays usable while it trains
    assert dialog.testAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    offered = [dialog.dataset.itemText(i) for i in range(dialog.dataset.count())]
    assert offered == ["applicants@1"]  # every dataset version, to train on instead
    assert pane.open_retrain_dialog() is dialog  # the same version: the same window

    refreshed: list[bool] = []
    monkeypatch.setattr(pane, "refresh", lambda: refreshed.append(True))
    dialog.promoted.emit("loans@2")  # what promoting a challenger says
    assert refreshed == [True]
    dialog.reject()
    assert pane.retrain_dialog is None


def test_the_home_monitor_step_counts_the_watched_versions_and_opens_the_pane(
    qtbot: QtBot, window: MainWindow, state: AppState
) -> None:
    monitor = home_filled(qtbot, window).cards[4]
    assert "No model watched yet" in monitor.state.text()
    _two_days(state)
    trends.update_days(state.workspace, "loans")
    state.monitoring_changed.emit()
    home_filled(qtbot, window)
    assert monitor.state.text().startswith("⚠ 1 version watched: 1 drifting.")
    assert monitor.button.isEnabled() and monitor.button.text() == "Open Monitoring"
    monitor.button.click()
    assert window.current_pane() == "Monitoring"


def test_try_it_rows_are_left_out_of_the_cards_and_the_banner_says_so(
    qtbot: QtBot, state: AppState
) -> None:
    _two_days(state)
    _log(state.workspace, _applicants(5, seed=4, shift=3.0), DAY_2, "tried", source="try_it")
    trends.update_days(state.workspace, "loans")
    pane = MonitoringPane(state)
    qtbot.addWidget(pane)
    assert pane.report is not None and pane.report["window"]["name"] == "2026-11-02"
    assert "600 rows compared with" in pane.report_view.banner.text()
    assert "5 Try-it rows were left out (not real traffic)." in pane.report_view.banner.text()
    assert "1,200 predictions checked day by day" in pane.cards[0].text()
