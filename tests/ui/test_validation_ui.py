"""Validation rules in the GUI: a version's check report in the Datasets pane's Checks tab and
its Versions list, the rules editor (edit, add, remove, propose, refuse), Check again through
the real worker, and the rule violations of served requests in the Monitoring pane."""

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from mlops_desktop.config import Settings
from mlops_desktop.core.data import dataset_rules, datasets, validation
from mlops_desktop.core.monitoring import checks, trends
from mlops_desktop.core.store.models import AuditEvent, DatasetVersion
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.dialogs.rules_dialog import KIND, MAX, MIN, RulesDialog
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.models.tables import HIGHLIGHT_BRUSH
from mlops_desktop.ui.panes.datasets import TAB_CHECKS, DatasetsPane
from mlops_desktop.ui.panes.monitoring import MonitoringPane
from mlops_desktop.ui.state import AppState
from tests.core.test_monitoring import (  # the core tests' served model and its traffic
    DAY_1,
    _applicants,
    _check_logged_rows,
    _log,
    served_home,  # noqa: F401 (a fixture: 'loans' trained on 4,000 applicants and registered)
)
from tests.ui.conftest import answer_next_question

TASK_TIMEOUT = 60_000
FIRST = pd.DataFrame(
    {
        "age": [25, 40, 33, 58, 61, 47],
        "region": ["north", "south", "north", "east", "south", "east"],
        "income": [30.5, 42.0, 55.25, 61.0, 38.0, 47.5],
    }
)
# Row 2 is too old, from a region never seen and without an income; row 4 is too young.
SECOND = pd.DataFrame(
    {
        "age": [30, 150, 45, 12, 50, 41],
        "region": ["north", "island", "south", "east", "north", "south"],
        "income": [40.0, None, 50.0, 45.0, 52.0, 48.0],
    }
)


@pytest.fixture
def borrowers(state: AppState, tmp_path: Path) -> str:
    """A dataset whose second version breaks three of the rules proposed from its first."""
    source = tmp_path / "borrowers.csv"
    for frame in (FIRST, SECOND):
        frame.to_csv(source, index=False)
        datasets.import_file(state.workspace, source, "borrowers")
    return "borrowers"


@pytest.fixture
def pane(window: MainWindow, borrowers: str) -> DatasetsPane:
    window.state.datasets_changed.emit(borrowers)
    window.show_pane("Datasets")
    window.datasets_pane.tabs.setCurrentIndex(TAB_CHECKS)
    return window.datasets_pane


def _rows(pane: DatasetsPane) -> list[tuple[str, str]]:
    model = pane.checks.model
    return [(model.record(r)["column"], model.record(r)["rule"]) for r in range(model.rowCount())]


def _checks_column(pane: DatasetsPane) -> int:
    model = pane.versions_model
    headers = [model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())]
    return headers.index("Checks")


def _cells(model: object, row: int) -> list[str]:
    return [model.index(row, c).data() for c in range(model.columnCount())]  # type: ignore[attr-defined]


def _rule_row(dialog: RulesDialog, column: str, kind: str) -> int:
    return next(
        i for i, r in enumerate(dialog.model.rules) if (r["column"], r["rule"]) == (column, kind)
    )


def _open_rules(pane: DatasetsPane, qtbot: QtBot) -> RulesDialog:
    dialog = pane.checks.edit_rules()
    assert dialog is not None
    qtbot.addWidget(dialog)
    return dialog


def test_the_checks_tab_shows_a_failing_versions_report(
    pane: DatasetsPane, qtmodeltester: object
) -> None:
    qtmodeltester.check(pane.checks.model)  # type: ignore[attr-defined]
    assert pane.tabs.tabText(TAB_CHECKS) == "Checks ⚠"
    verdict = pane.checks.verdict.text()
    assert "3 of 9 checks failed" in verdict and "on 6 rows" in verdict
    assert "still imported" in verdict
    # The failed checks first, in the order of the rules; then those that passed.
    assert _rows(pane)[:3] == [("age", "range"), ("region", "allowed"), ("income", "not_null")]
    model = pane.checks.model
    assert _cells(model, 0) == [
        "age",
        "In a range",
        "no",
        "2",
        "2 values of 'age' are outside 25 to 61.",
        "row 2: 150; row 4: 12",
    ]
    assert _cells(model, 2)[5] == "row 2: empty"
    assert model.index(0, 2).data(Qt.ItemDataRole.BackgroundRole) == HIGHLIGHT_BRUSH
    assert model.index(3, 2).data(Qt.ItemDataRole.BackgroundRole) is None
    assert "every number is at least Min" in model.index(0, 1).data(Qt.ItemDataRole.ToolTipRole)

    versions = pane.versions_model
    assert [versions.record(r)["version"] for r in range(2)] == [2, 1]
    failed, passed = (
        versions.index(0, _checks_column(pane)),
        versions.index(1, _checks_column(pane)),
    )
    assert (failed.data(), passed.data()) == ("3 failed", "passed")
    assert failed.data(Qt.ItemDataRole.BackgroundRole) == HIGHLIGHT_BRUSH
    assert "'income' is empty in 1 row of 6." in failed.data(Qt.ItemDataRole.ToolTipRole)

    pane.version_combo.setCurrentIndex(pane.version_combo.findData(1))
    pane._version_chosen(0)
    assert pane.tabs.tabText(TAB_CHECKS) == "Checks"
    assert "All 9 checks passed" in pane.checks.verdict.text()


def test_editing_a_range_and_saving_stores_the_rules_with_an_audit_event(
    pane: DatasetsPane, state: AppState, qtbot: QtBot, qtmodeltester: object
) -> None:
    dialog = _open_rules(pane, qtbot)
    qtmodeltester.check(dialog.model)  # type: ignore[attr-defined]
    assert dialog.windowTitle() == "Rules for borrowers"
    row = _rule_row(dialog, "age", "range")
    assert dialog.model.index(row, MAX).data() == "61"
    assert dialog.model.index(row, MAX).flags() & Qt.ItemFlag.ItemIsEditable
    not_null = _rule_row(dialog, "age", "not_null")
    assert not dialog.model.index(not_null, MAX).flags() & Qt.ItemFlag.ItemIsEditable
    assert "every row has a value" in dialog.model.index(not_null, KIND).data(
        Qt.ItemDataRole.ToolTipRole
    )

    dialog.model.setData(dialog.model.index(row, MIN), "18")
    dialog.model.setData(dialog.model.index(row, MAX), "")  # no upper limit
    assert dialog.model.index(row, dialog.model.columnCount() - 1).data() == "at least 18"
    dialog.save_button.click()

    assert dialog.result() == RulesDialog.DialogCode.Accepted
    stored = dataset_rules.rules_of(state.workspace, "borrowers")
    assert {"column": "age", "rule": "range", "min": 18} in stored
    with state.workspace.store.read() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity == "dataset:borrowers")
        ).all()
    assert "dataset.rules" in actions


def test_rules_are_added_and_removed_from_the_table(
    pane: DatasetsPane, state: AppState, qtbot: QtBot
) -> None:
    dialog = _open_rules(pane, qtbot)
    before = len(dialog.model.rules)
    dialog.add_rule("age", "range")  # it has one: selected, not added twice
    assert len(dialog.model.rules) == before
    assert dialog.selected_row() == _rule_row(dialog, "age", "range")
    assert dialog.error.text() == "'age' already has this rule (In a range); it is selected."

    dialog.add_rule("region", "unique")
    row = _rule_row(dialog, "region", "unique")
    assert row == _rule_row(dialog, "region", "allowed") + 1  # next to its column's rules
    assert dialog.selected_row() == row

    dialog.view.selectRow(_rule_row(dialog, "income", "not_null"))
    dialog.activateWindow()
    qtbot.waitUntil(dialog.isActiveWindow)
    dialog.view.setFocus()
    qtbot.keyClick(dialog.view, Qt.Key.Key_Delete)
    kinds = {(r["column"], r["rule"]) for r in dialog.model.rules}
    assert ("income", "not_null") not in kinds and ("region", "unique") in kinds
    dialog.save_button.click()
    stored = {
        (r["column"], r["rule"]) for r in dataset_rules.rules_of(state.workspace, "borrowers")
    }
    assert stored == kinds


@pytest.mark.parametrize(
    ("setting", "text", "sentence"),
    [
        (MIN, "70", "Rule 3 (range on 'age') has a 'min' above its 'max'."),
        (MAX, "sixty", "Rule 3 (range on 'age') needs a number for 'max'."),
    ],
)
def test_a_bad_rule_is_refused_inline_and_nothing_is_saved(
    pane: DatasetsPane, state: AppState, qtbot: QtBot, setting: int, text: str, sentence: str
) -> None:
    before = dataset_rules.rules_of(state.workspace, "borrowers")
    dialog = _open_rules(pane, qtbot)
    row = _rule_row(dialog, "age", "range")
    assert dialog.model.headerData(row, Qt.Orientation.Vertical) == "3"  # as the sentence says
    dialog.model.setData(dialog.model.index(row, setting), text)
    assert dialog.model.index(row, dialog.model.columnCount() - 1).data() == "—"
    dialog.save_button.click()

    assert dialog.error.isVisible() and dialog.error.text() == sentence
    assert dialog.isVisible() and dialog.result() != RulesDialog.DialogCode.Accepted
    assert dataset_rules.rules_of(state.workspace, "borrowers") == before


def test_propose_from_data_asks_before_replacing_the_rules(
    pane: DatasetsPane, state: AppState, qtbot: QtBot
) -> None:
    dialog = _open_rules(pane, qtbot)
    dialog.view.selectRow(0)
    dialog.remove_rule()
    edited = list(dialog.model.rules)

    answer_next_question("Cancel")
    dialog.propose_button.click()
    assert dialog.model.rules == edited

    answer_next_question("Replace")
    dialog.propose_button.click()
    latest = datasets.get_version(state.workspace, "borrowers")
    assert dialog.model.rules == validation.propose(latest.schema, latest.profile)
    assert latest.version == 2  # proposed from the latest version: ages 12 to 150 are fine
    assert {"column": "age", "rule": "range", "min": 12, "max": 150} in dialog.model.rules


def test_check_again_runs_in_the_worker_and_refreshes_the_tab(
    pane: DatasetsPane, state: AppState, qtbot: QtBot
) -> None:
    rules = [
        r for r in dataset_rules.rules_of(state.workspace, "borrowers") if r["rule"] != "range"
    ]
    dataset_rules.set_rules(state.workspace, "borrowers", rules)
    assert "3 of 9 checks failed" in pane.checks.verdict.text()  # stored reports stay as made

    task = pane.checks.check_current()
    assert task is not None and not pane.checks.check_button.isEnabled()
    assert pane.checks.panel.isVisible()
    with qtbot.waitSignal(task.finished, timeout=TASK_TIMEOUT):
        pass
    assert "2 of 7 checks failed" in pane.checks.verdict.text()
    assert _rows(pane)[:2] == [("region", "allowed"), ("income", "not_null")]
    assert pane.versions_model.record(0)["validation"]["failed_checks"] == 2
    assert pane.checks.check_button.isEnabled()


def test_a_version_made_before_rules_existed_can_be_checked_now(
    pane: DatasetsPane, state: AppState, qtbot: QtBot
) -> None:
    with state.workspace.store.write() as session:
        for version in session.scalars(select(DatasetVersion)):
            version.validation = None
    state.datasets_changed.emit("borrowers")
    assert "has no check report" in pane.checks.verdict.text()
    assert pane.checks.check_button.text() == "Check now"
    assert pane.checks.model.rowCount() == 0
    assert pane.versions_model.index(0, _checks_column(pane)).data() == "not checked"

    with qtbot.waitSignal(state.status_message, timeout=TASK_TIMEOUT) as said:
        pane.checks.check_button.click()
    assert said.args == ["Checked borrowers version 2: 3 of 9 checks failed."]
    assert pane.checks.check_button.text() == "Check again"
    assert "3 of 9 checks failed" in pane.checks.verdict.text()


# --- Monitoring ----------------------------------------------------------------------------------


@pytest.fixture
def served_state(served_home: Path, tmp_path: Path, settings: Settings) -> Iterator[AppState]:  # noqa: F811
    """The app on a copy of the core tests' workspace: 'loans' trained on 'applicants'."""
    copy = tmp_path / "served"
    shutil.copytree(served_home, copy)
    app_state = AppState(Workspace(copy), settings)
    yield app_state
    app_state.workers.shutdown()
    app_state.workspace.close()


def test_the_monitoring_report_counts_requests_that_broke_the_rules(
    qtbot: QtBot, served_state: AppState
) -> None:
    workspace = served_state.workspace
    trained_on = _applicants(4000, seed=1).head(300)  # rows of the training data: within its rules
    _log(workspace, trained_on, DAY_1, "calm")
    moved = _applicants(300, seed=3, shift=2.0, new_region=True)
    _log(workspace, moved, DAY_1 + timedelta(days=1), "moved")
    _check_logged_rows(workspace)  # the violations the server logs with each row
    trends.update_days(workspace, "loans")
    broken = checks.check(workspace, "loans", since=datetime(2026, 11, 2, tzinfo=UTC))
    counts = {entry["rule"]: entry["rows"] for entry in broken["violations"]["by_rule"]}

    pane = MonitoringPane(served_state)
    qtbot.addWidget(pane)
    pane.show()
    day_two = next(k for k, report in pane.windows if report["window"]["name"] == "2026-11-02")
    pane.window_shown.setCurrentIndex(pane.window_shown.findData(day_two))
    assert pane.report_view.rules_line.isVisible()
    words = {
        "range": f"income was outside its range ({counts['range']:,} rows)",
        "allowed": f"region had a label not allowed ({counts['allowed']:,} rows)",
    }
    listed = ", ".join(words[entry["rule"]] for entry in broken["violations"]["by_rule"])
    assert pane.report_view.rules_line.text() == (
        f"<b>Rules:</b> {broken['violations']['rows']:,} of 300 predicted rows broke the rules "
        f"of the training data: {listed}. The model still answered them."
    )

    day_one = next(k for k, report in pane.windows if report["window"]["name"] == "2026-11-01")
    pane.window_shown.setCurrentIndex(pane.window_shown.findData(day_one))
    assert not pane.report_view.rules_line.isVisible()  # no request broke a rule that day


def test_every_explanation_can_be_read_whole(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    """Long column names make long explanations: each is shown whole, wrapped onto more lines
    where needed, with no sideways scrolling."""
    name = "measurement_of_the_{}_th_quantity_in_millimetres_at_the_second_site"
    source = tmp_path / "lab.csv"
    pd.DataFrame({name.format(i): [0.01938 * i, 0.3454] for i in range(12)}).to_csv(
        source, index=False
    )
    datasets.import_file(window.state.workspace, source, "lab")
    window.resize(1280, 800)
    window.state.datasets_changed.emit("lab")
    window.show_pane("Datasets")
    pane = window.datasets_pane
    pane.tabs.setCurrentIndex(TAB_CHECKS)
    qtbot.waitUntil(lambda: not pane.checks.fit_timer.isActive())
    view, model = pane.checks.view, pane.checks.model
    assert view.horizontalHeader().length() <= view.viewport().width()
    wrapped = 0
    for row in range(model.rowCount()):  # tall enough for its text at the column's width
        assert view.rowHeight(row) >= view.sizeHintForRow(row), model.record(row)
        wrapped += view.rowHeight(row) > view.verticalHeader().minimumSectionSize()
    assert wrapped  # the long ones did need a second line
    assert model.index(0, 0).data(Qt.ItemDataRole.ToolTipRole) == name.format(0)
