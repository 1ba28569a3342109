"""The Datasets pane: profile, data, versions, export and delete, on real stored datasets."""

from pathlib import Path

import pandas as pd
import pytest
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.store.models import AuditEvent
from mlops_desktop.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import answer_next_question, drawn


@pytest.fixture
def pane_with_iris(window: MainWindow, iris: datasets.ImportResult) -> MainWindow:
    window.state.datasets_changed.emit("iris")
    window.show_pane("Datasets")
    return window


def shown_warnings(qtbot: QtBot, pane) -> list[str]:
    """The pane's warnings, once the thread measuring them has finished."""
    if pane.warnings_task is not None:
        with qtbot.waitSignal(pane.warnings_shown, timeout=10_000):
            pass
    return [pane.warnings.item(i).text() for i in range(pane.warnings.count())]


def test_selecting_a_dataset_shows_its_profile_chart_and_rows(
    qtbot: QtBot, pane_with_iris: MainWindow
) -> None:
    pane = pane_with_iris.datasets_pane
    assert pane.selected_name() == "iris"
    assert "150 rows × 5 columns" in pane.title.text()
    profile = pane.profile_model
    assert [profile.record(r)["name"] for r in range(profile.rowCount())] == [
        "sepal_length_cm",
        "sepal_width_cm",
        "petal_length_cm",
        "petal_width_cm",
        "species",
    ]
    frame = pd.read_csv(SAMPLES / "iris.csv")
    sepal = profile.record(0)
    assert sepal["mean"] == pytest.approx(frame["sepal_length_cm"].mean())
    assert drawn(qtbot, pane.figure) is not None
    assert pane.rows_model.rowCount() == 150 and pane.rows_model.columnCount() == 5
    assert pane.rows_model.index(0, 4).data() == "setosa"
    assert pane.rows_model.index(149, 0).data() == str(frame["sepal_length_cm"].iloc[-1])
    header = pane.rows_view.horizontalHeader()
    for column in range(5):  # every column's name shows whole
        assert header.sectionSize(column) >= header.sectionSizeHint(column)
    assert shown_warnings(qtbot, pane) == ["No warnings: nothing unusual was found in this data."]


def test_selecting_a_categorical_column_draws_its_bar_chart(
    qtbot: QtBot, pane_with_iris: MainWindow
) -> None:
    pane = pane_with_iris.datasets_pane
    model = pane.profile_view.model()
    species_row = next(r for r in range(model.rowCount()) if model.index(r, 0).data() == "species")
    pane.profile_view.selectRow(species_row)
    figure = drawn(qtbot, pane.figure).figure
    assert figure.axes[0].get_title(loc="left") == "species (categorical)"
    labels = {label.get_text() for label in figure.axes[0].get_yticklabels()}
    assert labels == {"setosa", "versicolor", "virginica"}


def test_a_new_version_is_listed_with_its_changes(
    pane_with_iris: MainWindow, tmp_path: Path
) -> None:
    state = pane_with_iris.state
    changed = tmp_path / "iris.csv"
    frame = pd.read_csv(SAMPLES / "iris.csv").iloc[:140]
    frame["petal_area"] = frame["petal_length_cm"] * frame["petal_width_cm"]
    frame.to_csv(changed, index=False)
    datasets.import_file(state.workspace, changed, "iris")
    state.datasets_changed.emit("iris")
    pane = pane_with_iris.datasets_pane
    versions = pane.versions_model
    assert versions.rowCount() == 2
    newest = versions.index(0, 5).data()
    assert "10 rows removed" in newest and "new column: petal_area" in newest
    assert versions.index(1, 5).data() == "first version"
    assert [pane.version_combo.itemData(i) for i in range(pane.version_combo.count())] == [2, 1]
    pane.version_combo.setCurrentIndex(1)
    pane.version_combo.activated.emit(1)
    assert pane.current is not None and pane.current.version == 1
    assert pane.rows_model.rowCount() == 150


def test_export_writes_the_version_to_csv(
    qtbot: QtBot, pane_with_iris: MainWindow, tmp_path: Path
) -> None:
    pane = pane_with_iris.datasets_pane
    output = tmp_path / "out" / "iris_export.csv"
    output.parent.mkdir()
    pane.export_to(output)
    task = pane_with_iris.state.workers.running[-1]
    with qtbot.waitSignal(task.succeeded, timeout=60_000):
        pass
    exported = pd.read_csv(output)
    pd.testing.assert_frame_equal(exported, pd.read_csv(SAMPLES / "iris.csv"))


def test_delete_asks_first_and_cancel_keeps_the_dataset(pane_with_iris: MainWindow) -> None:
    pane = pane_with_iris.datasets_pane
    answer_next_question("Cancel")
    pane.delete_button.click()
    assert [r["name"] for r in datasets.list_datasets(pane_with_iris.state.workspace)] == ["iris"]


def test_delete_removes_the_dataset_and_its_files_and_is_audited(
    pane_with_iris: MainWindow,
) -> None:
    state = pane_with_iris.state
    pane = pane_with_iris.datasets_pane
    artifact = datasets.parquet_path(state.workspace, datasets.get_version(state.workspace, "iris"))
    answer_next_question("Delete")
    pane.delete_button.click()
    assert datasets.list_datasets(state.workspace) == []
    assert not artifact.exists()
    assert pane.stack.currentWidget() is pane.empty
    with state.workspace.store.read() as session:
        actions = [
            (e.action, e.entity)
            for e in session.scalars(select(AuditEvent).order_by(AuditEvent.id))
        ]
    assert actions[-1] == ("dataset.delete", "dataset:iris")
