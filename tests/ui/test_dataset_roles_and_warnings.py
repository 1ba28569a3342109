"""The Datasets pane's roles (issue 15, point 3) and novice warnings (point 5): the target is
set once there, gaps are counted with a Prepare… link, the likely target's problems are named."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from mlops_desktop.core.data import datasets, roles
from mlops_desktop.core.store.models import AuditEvent
from mlops_desktop.ui.dialogs.recipe_dialog import RecipeDialog
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.panes.datasets import DatasetsPane
from tests.ui.test_datasets_pane import shown_warnings

ROWS = 400


@pytest.fixture
def pane(window: MainWindow, state, tmp_path: Path) -> DatasetsPane:
    """The Datasets pane showing a credit file: Status good / bad (a quarter bad), gaps in
    Income, Price last."""
    _credit(state, tmp_path)
    state.datasets_changed.emit("credit")
    window.show_pane("Datasets")
    return window.datasets_pane


def _credit(state, tmp_path: Path) -> None:
    rng = np.random.default_rng(5)
    status = np.where(rng.random(ROWS) < 0.25, "bad", "good")
    income = rng.normal(130, 40, ROWS).round(1)
    income[:31] = np.nan
    frame = pd.DataFrame(
        {
            "Status": status,
            "Seniority": rng.integers(0, 30, ROWS),
            "Income": income,
            "Price": rng.normal(1400, 600, ROWS).round(2),
        }
    )
    path = tmp_path / "credit.csv"
    frame.to_csv(path, index=False)
    datasets.import_file(state.workspace, path, "credit")


def _roles(pane) -> dict[str, str]:
    model = pane.profile_model
    role = [
        model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
    ].index("Role")
    return {model.record(r)["name"]: model.index(r, role).data() for r in range(model.rowCount())}


def test_the_proposed_target_is_shown_and_a_chosen_one_is_remembered(
    qtbot: QtBot, pane: DatasetsPane, state
) -> None:
    assert _roles(pane) == {"Status": "proposed target", "Seniority": "", "Income": "", "Price": ""}
    assert "Proposed target: Status" in pane.target_label.text()
    shown_warnings(qtbot, pane)
    pane.profile_view.selectRow(3)  # Price
    pane.set_target_button.click()
    assert _roles(pane)["Price"] == "target" and _roles(pane)["Status"] == ""
    assert "Target: Price" in pane.target_label.text()
    assert roles.roles_record(state.workspace, "credit")["target"] == "Price"
    with state.workspace.store.read() as session:
        actions = session.scalars(select(AuditEvent.action)).all()
    assert "dataset.target" in actions
    assert shown_warnings(qtbot, pane)  # the warnings follow the new target


def test_gaps_are_counted_with_a_prepare_link_and_the_minority_class_is_named(
    qtbot: QtBot, pane: DatasetsPane
) -> None:
    warnings = shown_warnings(qtbot, pane)
    bad = warnings[0]
    assert bad.startswith("The class 'bad' is only ") and "of 'Status'" in bad
    assert "'Income' is missing in 31 rows (7.8 %): fill the gaps or leave the column out." in (
        warnings
    )
    model = pane.profile_model
    share = [
        model.headerData(c, Qt.Orientation.Horizontal) for c in range(model.columnCount())
    ].index("Missing %")
    assert model.index(2, share).data() == "7.8 %"
    assert pane.prepare_link.isVisible() and "1 column with missing values" in (
        pane.prepare_link.text()
    )
    pane.prepare_link.linkActivated.emit("prepare")
    dialog = pane.findChild(RecipeDialog)
    assert dialog is not None and dialog.isVisible()
    dialog.reject()


def test_measuring_the_warnings_never_holds_up_quitting_or_switching(
    qtbot: QtBot, pane: DatasetsPane, window: MainWindow
) -> None:
    window.state.datasets_changed.emit("credit")  # shown again: measured again
    assert pane.warnings_task is not None  # still measuring…
    assert not window.state.workers.busy  # …yet closing the window asks nothing
    shown_warnings(qtbot, pane)
