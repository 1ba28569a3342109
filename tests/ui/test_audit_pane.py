"""The Audit pane: every change, newest first, read a page at a time; filters, search, CSV export
and the chain check, driven through the widgets; double-click opens what a change was made to."""

import csv
import sqlite3
from pathlib import Path

import pytest
from PySide6.QtCore import QDate, Qt
from pytestqt.qtbot import QtBot

from mlops_desktop.core.experiments import training
from mlops_desktop.core.governance import audit, audit_log
from mlops_desktop.core.registry import model_registry
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.models.audit_events import AuditEventsModel
from mlops_desktop.ui.panes.audit import AuditPane
from mlops_desktop.ui.state import AppState
from tests.ui.conftest import runs_listed

TASK_TIMEOUT = 120_000


def _record(state: AppState, count: int, action: str = "recipe.save", user: str = "") -> None:
    """``count`` changes, in one transaction; as another account when ``user`` is given."""
    with state.workspace.store.write() as session:
        for number in range(count):
            audit.record(session, action, f"recipe:r{number}", number=number)
    if user:
        connection = sqlite3.connect(state.workspace.store.db_path)
        with connection:  # an account name is not part of what this test changes: set it so
            connection.execute("UPDATE audit_events SET user = ? WHERE action = ?", (user, action))
        connection.close()


def _shown(pane: AuditPane) -> list[dict]:
    return [pane.model.event(row) for row in range(pane.model.rowCount())]


def _audit_pane(qtbot: QtBot, window: MainWindow) -> AuditPane:
    with qtbot.waitSignal(window.audit_pane.filtered):
        window.show_pane("Audit")
    return window.audit_pane


def test_an_empty_trail_says_what_will_appear_here(qtbot: QtBot, window: MainWindow) -> None:
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)
    pane = window.audit_pane
    assert window.current_pane() == "Audit"
    assert pane.stack.currentWidget() is pane.empty
    text = " ".join(label.text() for label in pane.empty.findChildren(type(pane.count_label)))
    assert "No changes recorded yet" in text and "importing" in text
    pane.empty.buttons["Open Datasets"].click()
    assert window.current_pane() == "Datasets"


def test_the_table_reads_only_the_pages_it_shows(
    qtbot: QtBot, qtmodeltester: object, state: AppState, monkeypatch: pytest.MonkeyPatch
) -> None:
    _record(state, 1_000)
    read: list[int] = []
    real_page = audit_log.Matches.page

    def page(matches: audit_log.Matches, number: int) -> list[dict]:
        read.append(number)
        return real_page(matches, number)

    monkeypatch.setattr(audit_log.Matches, "page", page)
    model = AuditEventsModel()
    model.show(state.workspace, audit_log.AuditFilter())
    assert model.rowCount() == 1_000 and read == []  # counted; only the first page read yet
    assert model.event(0)["details"] == {"number": 999}  # newest first
    assert model.event(999)["details"] == {"number": 0}
    assert read == [0, 4]  # the first and the last page of 200, nothing between
    _record(state, 5)  # appended while the table is read: it keeps the events it counted
    assert model.rowCount() == 1_000 and model.event(0)["details"] == {"number": 999}
    assert model.event(400)["details"] == {"number": 599}  # a page read after them
    model.show(state.workspace, audit_log.AuditFilter(text="recipe:r99"))  # a search
    assert model.rowCount() == 11  # r99 and r990 … r999 (the five appended are r0 … r4)
    assert [model.event(row)["details"]["number"] for row in (0, 10)] == [999, 99]
    qtmodeltester.check(model)  # type: ignore[attr-defined]


def test_rows_show_when_who_what_object_and_details_in_words(
    qtbot: QtBot, window: MainWindow, state: AppState, iris
) -> None:
    pane = _audit_pane(qtbot, window)
    assert pane.stack.currentWidget() is not pane.empty
    model = pane.model
    newest = [model.data(model.index(0, column)) for column in range(5)]
    assert newest[1:4] == [audit.current_user(), "Imported a dataset version", "dataset:iris@1"]
    assert "source: iris.csv; rows: 150; columns: 5" in newest[4]
    assert "validation passed: yes" in newest[4]
    assert model.data(model.index(0, 2), Qt.ItemDataRole.ToolTipRole) == "dataset.import"
    assert model.data(model.index(0, 0), Qt.ItemDataRole.ToolTipRole).endswith(" UTC")
    assert all(
        model.headerData(c, Qt.Orientation.Horizontal, Qt.ItemDataRole.ToolTipRole)
        for c in range(5)
    )
    assert pane.count_label.text() == "2 events"


def test_filters_by_action_user_object_day_and_search(
    qtbot: QtBot, window: MainWindow, state: AppState, iris
) -> None:
    _record(state, 3, "recipe.save", user="ana")
    _record(state, 2, "recipe.delete")
    pane = _audit_pane(qtbot, window)
    assert pane.count_label.text() == "7 events"

    with qtbot.waitSignal(pane.filtered):
        pane.action.setCurrentIndex(pane.action.findData("recipe.delete"))
    assert {e["action"] for e in _shown(pane)} == {"recipe.delete"} and len(_shown(pane)) == 2
    assert pane.count_label.text() == "2 of 7 events match the filters"
    with qtbot.waitSignal(pane.filtered):
        pane.action.setCurrentIndex(0)

    with qtbot.waitSignal(pane.filtered):
        pane.user.setCurrentIndex(pane.user.findData("ana"))
    assert [e["user"] for e in _shown(pane)] == ["ana"] * 3
    with qtbot.waitSignal(pane.filtered):
        pane.user.setCurrentIndex(0)

    with qtbot.waitSignal(pane.filtered, timeout=5_000):  # after a pause in the typing
        qtbot.keyClicks(pane.object, "dataset:iris")
    assert {e["object"] for e in _shown(pane)} == {"dataset:iris", "dataset:iris@1"}
    with qtbot.waitSignal(pane.filtered):
        pane.clear_filters()
    assert pane.object.text() == "" and len(_shown(pane)) == 7

    with qtbot.waitSignal(pane.filtered, timeout=5_000):
        qtbot.keyClicks(pane.search, "IRIS.CSV")  # in the details, in any case
    assert [e["action"] for e in _shown(pane)] == ["dataset.import"]
    pane.clear_filters()

    yesterday = QDate.currentDate().addDays(-1)
    pane.until.setDate(yesterday)
    with qtbot.waitSignal(pane.filtered):
        pane.until_on.setChecked(True)
    assert _shown(pane) == []
    assert "None of the 7 events match the filters" in pane.count_label.text()
    assert pane.stack.currentWidget() is not pane.empty  # the filters hide them, not an empty trail
    pane.since.setDate(yesterday)
    pane.until.setDate(QDate.currentDate())
    with qtbot.waitSignal(pane.filtered):
        pane.since_on.setChecked(True)
    assert len(_shown(pane)) == 7


def test_double_click_opens_the_object_of_a_change(
    qtbot: QtBot, window: MainWindow, state: AppState, iris
) -> None:
    run = training.train(
        state.workspace,
        training.Recipe(dataset="iris", target="species", algorithm="decision_tree"),
    )[0]
    model_registry.register(state.workspace, run["run_id"], "Flowers")
    state.runs_changed.emit()
    state.models_changed.emit()
    pane = _audit_pane(qtbot, window)
    objects = [e["object"] for e in _shown(pane)]

    def double_click(entity: str) -> None:
        index = pane.model.index(objects.index(entity), 3)
        pane.view.scrollTo(index)
        centre = pane.view.visualRect(index).center()
        qtbot.mouseClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=centre)
        qtbot.mouseDClick(pane.view.viewport(), Qt.MouseButton.LeftButton, pos=centre)

    double_click("dataset:iris@1")
    assert window.current_pane() == "Datasets" and window.datasets_pane.selected_name() == "iris"
    window.show_pane("Audit")
    double_click(f"run:{run['run_id']}")
    assert window.current_pane() == "Experiments"
    assert runs_listed(qtbot, window).selected["run_id"] == run["run_id"]
    window.show_pane("Audit")
    double_click("model:Flowers@1")
    assert window.current_pane() == "Models" and window.models_pane.selected["ref"] == "Flowers@1"


def test_verify_in_the_background_then_name_an_edited_change(
    qtbot: QtBot, window: MainWindow, state: AppState, iris
) -> None:
    _record(state, 3)
    pane = _audit_pane(qtbot, window)
    with qtbot.waitSignal(pane.verify().finished, timeout=TASK_TIMEOUT):
        assert not pane.verify_button.isEnabled()
    assert pane.verdict.text().endswith(
        "5 events, chain intact: none was edited, removed or added outside the app."
    )
    connection = sqlite3.connect(state.workspace.store.db_path)
    with connection:
        connection.execute("UPDATE audit_events SET details = '{\"number\": 7}' WHERE id = 4")
    connection.close()
    with qtbot.waitSignal(pane.verify().finished, timeout=TASK_TIMEOUT):
        pass
    assert "broken at event 4" in pane.verdict.text() and "recipe:r1" in pane.verdict.text()
    assert pane.verify_button.isEnabled()


def test_export_writes_the_filtered_changes_oldest_first(
    qtbot: QtBot, window: MainWindow, state: AppState, iris, tmp_path: Path
) -> None:
    _record(state, 450)
    pane = _audit_pane(qtbot, window)
    with qtbot.waitSignal(pane.filtered):
        pane.action.setCurrentIndex(pane.action.findData("recipe.save"))
    output = tmp_path / "audit.csv"
    with qtbot.waitSignal(state.status_message, timeout=TASK_TIMEOUT) as saved:
        pane.export_to(output)
    assert saved.args == [f"Saved 450 events to {output}."]
    with output.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [row["object"] for row in rows[:2]] == ["recipe:r0", "recipe:r1"]
    assert len(rows) == 450 and {row["action"] for row in rows} == {"recipe.save"}
    assert list(rows[0]) == ["time", "user", "action", "object", "details", "hash"]
    assert not list(tmp_path.glob(".*partial"))
