"""The shared preview of a data file: only the newest reading reaches the dialog."""

import threading
from pathlib import Path

import pandas as pd
import shiboken6
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from mlops_desktop.core.data import datasets
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.file_preview import PreviewReader, PreviewTable


def test_only_the_newest_reading_is_shown(qtbot: QtBot, state: AppState, tmp_path: Path) -> None:
    old, new = tmp_path / "old.csv", tmp_path / "new.csv"
    pd.DataFrame({"a": [1, 2]}).to_csv(old, index=False)
    pd.DataFrame({"customer_reference_number": [7], "b": ["x"]}).to_csv(new, index=False)
    release = threading.Event()

    def slow_old() -> datasets.Preview:
        release.wait(10)
        return datasets.preview(old)

    reader = PreviewReader(state.workers, "Reading a preview")
    shown: list[datasets.Preview] = []
    reader.read.connect(shown.append)
    reader.start(slow_old)
    first = reader.task
    reader.start(lambda: datasets.preview(new))
    assert first is not None and first.cancel_requested
    with qtbot.waitSignal(reader.read, timeout=10_000):
        pass
    with qtbot.waitSignal(first.finished, timeout=10_000):
        release.set()  # the older reading ends last, and is dropped
    assert [[c.name for c in p.columns] for p in shown] == [["customer_reference_number", "b"]]

    table = PreviewTable()
    qtbot.addWidget(table)
    table.resize(600, 200)
    table.show()  # already on screen when the rows arrive, as in the dialogs
    qtbot.waitExposed(table)
    table.show_rows(shown[0])
    assert table.rows_model.index(0, 1).data() == "x"
    header = table.horizontalHeader()
    assert table.columnWidth(0) >= header.sectionSizeHint(0)  # the whole name shows
    assert header.length() >= table.viewport().width()  # the last column reaches the edge
    table.clear_rows()
    assert table.rows_model.rowCount() == 0


def test_a_reading_that_ends_after_its_dialog_closed_is_dropped_quietly(
    qtbot: QtBot, state: AppState, tmp_path: Path
) -> None:
    """Closing the import dialog while its preview is read deletes the reader; the answer that
    arrives later must not reach it (pytest-qt fails the test on any error in a slot)."""
    path = tmp_path / "late.csv"
    pd.DataFrame({"a": [1]}).to_csv(path, index=False)
    release = threading.Event()
    dialog = QWidget()
    reader = PreviewReader(state.workers, "Reading a preview", dialog)
    reader.start(lambda: (release.wait(10), datasets.preview(path))[1])
    task = reader.task
    assert task is not None
    dialog.deleteLater()
    qtbot.waitUntil(lambda: not shiboken6.isValid(reader))
    with qtbot.waitSignal(task.finished, timeout=10_000):
        release.set()


def test_every_column_is_sized_when_they_do_not_all_fit(qtbot: QtBot, tmp_path: Path) -> None:
    path = tmp_path / "wide.csv"
    names = [f"measurement_{i}" for i in range(8)] + ["customer_reference_number_long"]
    pd.DataFrame({name: [1] for name in names}).to_csv(path, index=False)
    table = PreviewTable()
    qtbot.addWidget(table)
    table.resize(600, 200)
    table.show()
    qtbot.waitExposed(table)
    table.show_rows(datasets.preview(path))
    header = table.horizontalHeader()
    assert header.length() > table.viewport().width()  # they do not all fit
    assert all(header.sectionSize(c) >= header.sectionSizeHint(c) for c in range(len(names)))
