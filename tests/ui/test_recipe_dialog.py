"""The recipe editor: steps added from the menu through their forms, previewed live on a sample,
reordered and removed; a bad order named; Apply stores a new version; recipes saved and loaded."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtWidgets import QComboBox, QLineEdit, QListWidget
from pytestqt.qtbot import QtBot

from mlops_desktop.core.data import datasets, recipes
from mlops_desktop.ui.dialogs.recipe_dialog import RecipeDialog, StepDialog
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.models.tables import HIGHLIGHT_BRUSH, REMOVED_BRUSH, FrameModel
from mlops_desktop.ui.state import AppState


@pytest.fixture
def loans(state: AppState, tmp_path: Path) -> str:
    frame = pd.DataFrame(
        {
            "income": [10.0, np.nan, 30.0, 40.0, 1000.0, 10.0],
            "debt": [1.0, 2.0, 3.0, 4.0, 5.0, 1.0],
            "region": ["north", "south", "north", "isle", None, "north"],
        }
    )
    frame.to_csv(tmp_path / "loans.csv", index=False)
    datasets.import_file(state.workspace, tmp_path / "loans.csv", name="loans")
    return "loans"


@pytest.fixture
def dialog(window: MainWindow, loans: str, qtbot: QtBot) -> RecipeDialog:
    window.state.datasets_changed.emit(loans)
    window.show_pane("Datasets")
    opened = window.datasets_pane.prepare_current()
    assert opened is not None
    qtbot.addWidget(opened)
    return opened


def _fill_form(step_dialog: StepDialog, **values: object) -> None:
    for name, value in values.items():
        widget = step_dialog.fields[name]
        if isinstance(widget, QComboBox):
            widget.setCurrentIndex(widget.findData(value))
        elif isinstance(widget, QLineEdit):
            widget.setText(str(value))
        elif isinstance(widget, QListWidget):
            for row in range(widget.count()):
                item = widget.item(row)
                ticked = item.data(Qt.ItemDataRole.UserRole) in value  # type: ignore[operator]
                item.setCheckState(Qt.CheckState.Checked if ticked else Qt.CheckState.Unchecked)


def _add(dialog: RecipeDialog, op: str, **values: object) -> StepDialog:
    step_dialog = dialog.add_step(op)
    _fill_form(step_dialog, **values)
    step_dialog.accept()
    return step_dialog


def test_the_editor_starts_empty_and_says_what_to_do(dialog: RecipeDialog) -> None:
    assert dialog.windowTitle() == "Prepare loans@1"
    assert "Add step" in dialog.summary.text()
    assert not dialog.apply_button.isEnabled()
    assert dialog.before_model.rowCount() == 6  # the sample, before any step


def test_adding_steps_previews_each_on_the_sample(
    dialog: RecipeDialog, qtmodeltester: object
) -> None:
    _add(dialog, "drop_duplicates")
    assert dialog.list.count() == 1
    assert "Removes 1 of the 6 sample rows" in dialog.summary.text()
    before = dialog.before_model
    assert dialog.before_title.text() == "<b>Sample rows this step removes (1)</b>"
    assert before.rowCount() == 1 and before.headerData(0, Qt.Orientation.Vertical) == "6"
    assert before.data(before.index(0, 0), Qt.ItemDataRole.BackgroundRole) == REMOVED_BRUSH
    assert dialog.after_model.rowCount() == 5

    _add(dialog, "fill_missing", column="income", strategy="median")
    assert dialog.list.currentRow() == 1
    assert dialog.list.item(1).text() == "2. Fill missing 'income' with the median"
    assert "Changes 1 of the 5 sample values of 'income'" in dialog.summary.text()
    after = dialog.after_model
    assert after.data(after.index(0, 0)) == "35"  # the median of 10, 30, 40 and 1000
    assert after.data(after.index(0, 0), Qt.ItemDataRole.BackgroundRole) == HIGHLIGHT_BRUSH
    assert dialog.apply_button.isEnabled()
    qtmodeltester.check(after)  # type: ignore[attr-defined]
    _add(dialog, "ratio", numerator="debt", denominator="income", to="debt_to_income_ratio")
    header = dialog.views["afterTable"].horizontalHeader()
    assert all(  # the new column's long name shows whole, as every other
        header.sectionSize(c) >= header.sectionSizeHint(c) for c in range(header.count())
    )


def test_fill_missing_offers_the_gappy_columns_first_and_never_the_target(
    dialog: RecipeDialog,
) -> None:
    step_dialog = dialog.add_step("fill_missing")
    column = step_dialog.fields["column"]
    assert isinstance(column, QComboBox)
    assert [column.itemText(i) for i in range(column.count())] == [
        "income (numeric) — 1 gap",
        "debt (numeric)",
        "region (categorical) — 1 gap — the column to predict",  # the proposed target: last
    ]
    assert column.currentData() == "income"
    step_dialog.reject()


def test_the_preview_brings_the_changed_rows_into_view_first(
    dialog: RecipeDialog, state: AppState, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"x": [float(i) for i in range(300)], "kind": ["a", "b", "c"] * 100})
    frame.loc[[250, 299], "x"] = np.nan  # gaps far below the first rows on screen
    frame.to_csv(tmp_path / "late.csv", index=False)
    datasets.import_file(state.workspace, tmp_path / "late.csv", name="late")
    late = RecipeDialog(state, datasets.get_version(state.workspace, "late"), dialog)
    _add(late, "fill_missing", column="x", strategy="constant", value=-1)
    assert "The rows it changes are shown first." in late.summary.text()
    for model in (late.before_model, late.after_model):
        rows = [model.headerData(r, Qt.Orientation.Vertical) for r in range(3)]
        assert rows == ["251", "300", "1"]  # sample rows 251 and 300, then the rest in order
    assert [late.after_model.index(r, 0).data() for r in range(2)] == ["-1", "-1"]
    assert late.before_model.index(0, 0).data() == "—"  # the gap it fills, in view


def test_a_step_that_does_not_fit_is_refused_in_its_form(dialog: RecipeDialog) -> None:
    step_dialog = dialog.add_step("rename")
    _fill_form(step_dialog, column="income", to="debt")
    step_dialog.accept()
    assert step_dialog.isVisible() and not step_dialog.error.isHidden()
    assert step_dialog.error.text() == "there is already a column 'debt'."
    assert dialog.list.count() == 0
    step_dialog.reject()


def test_moving_a_step_before_what_it_needs_names_the_problem(dialog: RecipeDialog) -> None:
    _add(dialog, "ratio", numerator="debt", denominator="income", to="share")
    _add(dialog, "fill_missing", column="share", strategy="mean")
    dialog.move_step(-1)  # the fill now comes before the column it fills exists
    assert dialog.list.item(0).text().startswith("1. Fill missing 'share'")
    assert dialog.problem_label.text() == (
        "Step 1 (fill_missing): there is no column 'share' at this point of the recipe."
    )
    assert not dialog.apply_button.isEnabled()
    dialog.move_step(1)
    assert dialog.problem is None and dialog.apply_button.isEnabled()
    dialog.list.setCurrentRow(1)
    dialog.remove_step()
    assert [step["op"] for step in dialog.steps] == ["ratio"]


def test_dragging_a_step_moves_it(dialog: RecipeDialog) -> None:
    _add(dialog, "drop_duplicates")
    _add(dialog, "drop_missing", columns=["region"])
    model = dialog.list.model()
    assert model.moveRow(QModelIndex(), 1, QModelIndex(), 0)  # what a drop does
    assert [step["op"] for step in dialog.steps] == ["drop_missing", "drop_duplicates"]
    assert dialog.list.item(0).text() == "1. Drop rows missing 'region'"


def test_apply_stores_a_new_version_with_its_parent(
    dialog: RecipeDialog, state: AppState, qtbot: QtBot, window: MainWindow
) -> None:
    _add(dialog, "drop_duplicates")
    _add(dialog, "drop_missing", columns=["region"])
    with qtbot.waitSignal(state.datasets_changed, timeout=60_000):
        task = dialog.apply()
        assert task is not None
    assert dialog.target_name.text() == "loans prepared"
    record = datasets.show(state.workspace, "loans prepared@1")
    assert record["parent"] == "loans@1" and record["rows"] == 4
    versions = window.datasets_pane.versions_model
    assert versions.data(versions.index(0, 2)) == "loans@1 with recipe (2 steps)"


def test_recipes_are_saved_by_name_and_loaded_for_another_version(
    dialog: RecipeDialog, state: AppState, tmp_path: Path
) -> None:
    _add(dialog, "group_rare", column="region")
    dialog.save_recipe("regions")
    assert [r["name"] for r in recipes.saved(state.workspace)] == ["regions"]
    dialog.set_steps([])
    dialog._fill_saved_menu()
    load = next(a for a in dialog.saved_menu.actions() if a.text().startswith("regions"))
    load.trigger()
    assert [step["op"] for step in dialog.steps] == ["group_rare"]

    dialog.save_file(tmp_path / "recipe.json")
    assert json.loads((tmp_path / "recipe.json").read_text())[0]["min_share"] == 0.01
    (tmp_path / "broken.json").write_text("{not json")
    dialog.open_file(tmp_path / "broken.json")
    assert [step["op"] for step in dialog.steps] == ["group_rare"]  # unchanged


def test_frame_model_passes_the_model_tester(qtmodeltester: object) -> None:
    model = FrameModel()
    model.set_frame(
        pd.DataFrame(
            {"a": [1.0, np.nan], "b": ["x", None], "c": pd.to_datetime(["2024-01-01", None])}
        ),
        highlighted=["a"],
        removed=[1],
    )
    qtmodeltester.check(model)  # type: ignore[attr-defined]
    assert model.data(model.index(1, 0)) == "—"
    assert model.data(model.index(0, 2)) == "2024-01-01"
