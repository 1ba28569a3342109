"""The import dialog driven as an analyst would: preview, fix a type, import, cancel, bad files."""

import datetime
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox, QPushButton
from pytestqt.qtbot import QtBot

from mlops_desktop.core.data import datasets
from mlops_desktop.ui.dialogs.import_dialog import ImportDialog
from mlops_desktop.ui.main_window import MainWindow

PREVIEW_TIMEOUT = 10_000
IMPORT_TIMEOUT = 60_000


def _open(qtbot: QtBot, window: MainWindow, path: Path) -> ImportDialog:
    dialog = window.open_import_dialog(path)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=PREVIEW_TIMEOUT)
    return dialog


def _types(dialog: ImportDialog) -> dict[str, str]:
    model = dialog.types_model
    return {
        model.index(row, 0).data(): model.index(row, 1).data() for row in range(model.rowCount())
    }


def test_semicolon_file_with_decimal_commas_is_detected_and_imported(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "ventes.csv"
    path.write_bytes(
        "produit;prix;quantité\nPomme;1,5;3\nPoire;2,25;4\nCafé;3,0;1\n".encode("cp1252")
    )
    dialog = _open(qtbot, window, path)
    assert dialog.preview is not None
    assert dialog.delimiter.currentData() == ";"
    assert dialog.decimal.currentData() == ","
    assert dialog.encoding.currentData() == "cp1252"
    assert dialog.header.isChecked()
    assert "semicolon-separated" in dialog.detected.text()
    assert _types(dialog) == {"produit": "categorical", "prix": "numeric", "quantité": "numeric"}
    assert dialog.rows_view.rows_model.index(2, 0).data() == "Café"

    with qtbot.waitSignal(dialog.imported, timeout=IMPORT_TIMEOUT) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    result = imported.args[0]
    assert (result.name, result.version, result.rows, result.columns) == ("ventes", 1, 3, 3)
    frame = datasets.load_frame(
        window.state.workspace, datasets.get_version(window.state.workspace, "ventes")
    )
    assert frame["prix"].tolist() == [1.5, 2.25, 3.0]
    assert window.current_pane() == "Datasets"
    assert window.datasets_pane.selected_name() == "ventes"


def test_changing_a_column_type_before_import_is_kept(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "codes.csv"
    path.write_text("zip,city\n1000,Brussels\n2000,Antwerp\n1000,Brussels\n9000,Ghent\n")
    dialog = _open(qtbot, window, path)
    assert _types(dialog)["zip"] == "numeric"
    model = dialog.types_model
    assert model.setData(model.index(0, 1), "categorical")
    with qtbot.waitSignal(dialog.imported, timeout=IMPORT_TIMEOUT):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    record = datasets.show(window.state.workspace, "codes")
    assert [c["type"] for c in record["columns"]] == ["categorical", "categorical"]


def test_changing_the_separator_rereads_the_preview(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "pipes.csv"
    path.write_text("a|b\n1|2\n3|4\n")
    dialog = _open(qtbot, window, path)
    assert len(dialog.types_model.guesses) == 2
    dialog.delimiter.setCurrentIndex(dialog.delimiter.findData(","))
    dialog.preview = None
    dialog.delimiter.activated.emit(dialog.delimiter.currentIndex())
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=PREVIEW_TIMEOUT)
    assert [g.name for g in dialog.types_model.guesses] == ["a|b"]


def test_the_detected_encoding_is_shown_and_another_can_be_chosen(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    """A Central European file is previewed in its own encoding, named in the dialog; the user
    may still choose another, which is then read as chosen."""
    path = tmp_path / "mesta.csv"
    path.write_bytes("město,počet\nPlzeň,170000\nÚstí nad Labem,90000\n".encode("cp1250"))
    dialog = _open(qtbot, window, path)
    assert dialog.encoding.currentData() == "cp1250"
    assert dialog.encoding.currentText() == "Windows-1250 / Central European"
    assert "Windows-1250" in dialog.detected.text()
    assert [g.name for g in dialog.types_model.guesses] == ["město", "počet"]
    dialog.encoding.setCurrentIndex(dialog.encoding.findData("cp1252"))
    dialog.preview = None
    dialog.encoding.activated.emit(dialog.encoding.currentIndex())
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=PREVIEW_TIMEOUT)
    assert [g.name for g in dialog.types_model.guesses] == ["mìsto", "poèet"]
    assert dialog.encoding.currentData() == "cp1252"


def test_a_broken_file_says_why_and_cannot_be_imported(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("a,b\n1,2\n3,4,5\n")
    dialog = window.open_import_dialog(path)
    qtbot.waitUntil(lambda: "Line 3" in dialog.detected.text(), timeout=PREVIEW_TIMEOUT)
    assert dialog.detected.text() == (
        "Line 3 of broken.csv has 3 fields but the first row has 2; check for a stray comma or a missing quote."
    )
    assert not dialog.import_button.isEnabled()
    assert dialog.delimiter.isEnabled() and dialog.encoding.isEnabled()  # the user can try others
    assert datasets.list_datasets(window.state.workspace) == []


def test_an_import_that_fails_shows_the_sentence_and_stores_nothing(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    """The preview reads only the start of the file; a bad line further down fails the import."""
    path = tmp_path / "late_error.csv"
    good = "".join(f"{i},{i * 2}\n" for i in range(60_000))
    path.write_text("a,b\n" + good + "1,2,3\n")
    dialog = _open(qtbot, window, path)
    assert dialog.preview is not None
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    task = dialog.import_task
    assert task is not None
    with qtbot.waitSignal(task.failed, timeout=IMPORT_TIMEOUT) as failed:
        pass
    assert failed.args[0].startswith("Line 60002 of late_error.csv has 3 fields")
    box = dialog.findChild(QMessageBox, "messageBox")
    assert box is not None and box.text() == failed.args[0]
    assert dialog.isVisible() and dialog.import_button.isEnabled()
    assert datasets.list_datasets(window.state.workspace) == []
    assert window.state.workspace.store.integrity_ok()


def test_cancel_stops_the_import_and_keeps_nothing(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "big.csv"
    n = 400_000
    pd.DataFrame(
        {
            "x": rng.normal(size=n),
            "y": rng.integers(0, 1000, size=n),
            "label": rng.choice(["red", "green", "blue"], size=n),
            "note": rng.integers(0, 10**9, size=n).astype(str),
        }
    ).to_csv(path, index=False)
    dialog = _open(qtbot, window, path)
    qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    task = dialog.import_task
    assert task is not None and dialog.task_panel.isVisible()
    with qtbot.waitSignal(task.progressed, timeout=IMPORT_TIMEOUT):
        pass
    with qtbot.waitSignal(task.cancelled, timeout=IMPORT_TIMEOUT):
        qtbot.mouseClick(dialog.task_panel.cancel_button, Qt.MouseButton.LeftButton)
    assert "cancelled" in dialog.detected.text()
    assert datasets.list_datasets(window.state.workspace) == []
    artifacts = window.state.workspace.artifacts
    assert [p for p in artifacts.root.rglob("*.parquet")] == []
    assert window.state.workspace.store.integrity_ok()


def test_choosing_an_excel_sheet_previews_and_imports_that_sheet(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "book.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "Summary"
    workbook.active.append(["note"])
    workbook.active.append(["see the other sheet"])
    sales = workbook.create_sheet("Sales")
    sales.append(["day", "region", "amount"])
    for i in range(30):
        sales.append([datetime.date(2024, 1, 1 + i), ["North", "South"][i % 2], 100.5 + i])
    workbook.save(path)
    dialog = _open(qtbot, window, path)
    assert [dialog.sheet.itemText(i) for i in range(dialog.sheet.count())] == ["Summary", "Sales"]
    assert dialog.sheet.isEnabled() and not dialog.delimiter.isEnabled()
    dialog.preview = None
    dialog.sheet.setCurrentIndex(1)
    dialog.sheet.activated.emit(1)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=PREVIEW_TIMEOUT)
    assert _types(dialog) == {"day": "datetime", "region": "categorical", "amount": "numeric"}
    with qtbot.waitSignal(dialog.imported, timeout=IMPORT_TIMEOUT) as imported:
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    assert (imported.args[0].rows, imported.args[0].columns) == (30, 3)


def test_an_unusable_name_disables_import_and_says_why(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "plain.csv"
    path.write_text("a,b\n1,2\n")
    dialog = _open(qtbot, window, path)
    assert dialog.import_button.isEnabled()
    dialog.name_edit.setText("sales@2")
    assert not dialog.import_button.isEnabled()
    assert "cannot contain '@'" in dialog.name_hint.text()
    dialog.name_edit.setText("../sales")
    assert not dialog.import_button.isEnabled()
    assert "cannot contain '/'" in dialog.name_hint.text()
    dialog.name_edit.setText("sales")
    assert dialog.import_button.isEnabled()


def test_values_that_do_not_fit_a_chosen_type_are_reported(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    path = tmp_path / "ages.csv"
    path.write_text("name,age\nann,31\nbob,unknown\ncy,40\n")
    dialog = _open(qtbot, window, path)
    assert _types(dialog)["age"] == "categorical"
    dialog.types_model.setData(dialog.types_model.index(1, 1), "numeric")
    with qtbot.waitSignal(dialog.imported, timeout=IMPORT_TIMEOUT):
        qtbot.mouseClick(dialog.import_button, Qt.MouseButton.LeftButton)
    box = window.findChild(QMessageBox, "messageBox")
    assert box is not None and "1 value of 'age'" in box.text()


def test_choose_opens_the_file_picker_and_previews_the_chosen_file(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "prices.parquet"
    pd.DataFrame({"item": ["tea", "milk"], "price_in_euros_with_tax": [2.5, 1.2]}).to_parquet(path)
    asked: list[str] = []

    def picker(_parent: object, caption: str, _folder: str, file_filter: str) -> tuple[str, str]:
        asked.append(file_filter)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(picker))
    dialog = window.open_import_dialog()
    assert not dialog.import_button.isEnabled()
    choose = next(b for b in dialog.file_field.findChildren(QPushButton) if b.text() == "Choose…")
    qtbot.mouseClick(choose, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: dialog.preview is not None, timeout=PREVIEW_TIMEOUT)
    assert "*.parquet" in asked[0]
    assert dialog.file_field.edit.text() == str(path)
    assert dialog.name_edit.text() == "prices"
    assert _types(dialog) == {"item": "categorical", "price_in_euros_with_tax": "numeric"}
    header = dialog.rows_view.horizontalHeader()
    for column in range(2):  # each column name is shown whole
        assert dialog.rows_view.columnWidth(column) >= header.sectionSizeHint(column)
    assert dialog.import_button.isEnabled()
