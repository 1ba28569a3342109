"""Governance in the window: the Lineage view opened from Models (a click says what a box is, a
double-click opens it), the compliance report button, and File → Back Up Workspace…"""

import shutil
import zipfile
from pathlib import Path

import pytest
from matplotlib.patches import FancyBboxPatch
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot

from mlops_desktop.core.governance import backup, lineage
from mlops_desktop.core.store.artifacts import sha256_of_file
from mlops_desktop.ui.main_window import MainWindow
from tests.governed import DATASET, MARKUP, MODEL

TASK_TIMEOUT = 120_000


@pytest.fixture
def home(governed_home: Path, tmp_path: Path) -> Path:
    """This test's own copy of the governed workspace."""
    copy = tmp_path / "workspace"
    shutil.copytree(governed_home, copy)
    return copy


def test_the_lineage_view_draws_every_box_and_opens_what_is_double_clicked(
    qtbot: QtBot, window: MainWindow
) -> None:
    window.show_pane("Models")
    pane = window.models_pane
    pane.refresh(select=f"{MODEL}@1")
    assert pane.lineage_button.isEnabled()
    qtbot.mouseClick(pane.lineage_button, Qt.MouseButton.LeftButton)
    dialog = pane.lineage_dialog
    assert dialog is not None
    with qtbot.waitSignal(dialog.shown, timeout=TASK_TIMEOUT):
        pass
    assert dialog.layout_ is not None and dialog.canvas is not None
    boxes = [p for p in dialog.canvas.figure.axes[0].patches if isinstance(p, FancyBboxPatch)]
    assert len(boxes) == len(dialog.layout_.placed) == 14

    dataset = f"dataset:{DATASET}@1"
    x, y = dialog.box_centre(dataset)
    qtbot.mouseClick(dialog.canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert dialog.details.text().startswith(f"dataset {DATASET}@1 · 600 rows")
    assert "Double-click to open it in Datasets." in dialog.details.text()
    with qtbot.waitSignal(dialog.open_requested) as opened:
        qtbot.mouseDClick(dialog.canvas, Qt.MouseButton.LeftButton, pos=QPoint(x, y))
    assert opened.args == ["Datasets", f"{DATASET}@1"]
    assert window.current_pane() == "Datasets"

    stage = next(i for i, p in dialog.layout_.placed.items() if p.node.kind == lineage.STAGE)
    dialog.open_node(stage)  # a stage change opens the version it belongs to
    assert window.current_pane() == "Models" and pane.selected is not None
    assert pane.selected["ref"] == f"{MODEL}@1"
    window_box = next(i for i, p in dialog.layout_.placed.items() if p.node.kind == lineage.WINDOW)
    dialog.open_node(window_box)
    assert window.current_pane() == "Monitoring"
    assert window.monitoring_pane.selected_ref == f"{MODEL}@1"
    source = next(i for i, p in dialog.layout_.placed.items() if p.node.kind == lineage.SOURCE)
    dialog.open_node(source)  # nothing to open: its name and full SHA-256 are shown
    assert "SHA-256 " in dialog.details.text() and len(dialog.details.text()) > 64


def test_the_compliance_report_button_writes_the_page(
    qtbot: QtBot, window: MainWindow, tmp_path: Path
) -> None:
    window.show_pane("Models")
    pane = window.models_pane
    pane.refresh(select=f"{MODEL}@1")
    output = tmp_path / "report.html"
    task = pane.write_report(output)
    assert task is not None and not pane.report_button.isEnabled()  # one at a time
    with qtbot.waitSignal(task.finished, timeout=TASK_TIMEOUT):
        pass
    page = output.read_text(encoding="utf-8")
    assert "Compliance report: loans version 1" in page and MARKUP not in page
    assert pane.report_button.isEnabled()
    assert str(output) in window.statusBar().currentMessage()


def test_backing_up_from_the_file_menu(qtbot: QtBot, window: MainWindow, tmp_path: Path) -> None:
    action = next(
        a for a in window.menuBar().actions()[0].menu().actions() if "Back Up" in a.text()
    )
    assert action.isEnabled()
    output = tmp_path / "backup.zip"
    task = window.back_up(output)
    with qtbot.waitSignal(task.finished, timeout=TASK_TIMEOUT):
        pass
    box = next(b for b in window.findChildren(QMessageBox) if b.isVisible())
    assert sha256_of_file(output) in box.text() and str(output) in box.text()
    box.close()
    assert backup.MANIFEST in zipfile.ZipFile(output).namelist()
    assert backup.restore(output, tmp_path / "restored")["verified"] > 1
