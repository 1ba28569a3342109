"""Model bundles in the Models pane: Export bundle and Import bundle run in a worker with
progress; a dropped bundle file is imported; a tampered one is refused in one sentence. Driven
through the widgets."""

import hashlib
import zipfile
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFileDialog, QMessageBox
from pytestqt.qtbot import QtBot

from mlops_desktop.core.data import datasets
from mlops_desktop.core.experiments import training
from mlops_desktop.core.registry import bundles, model_registry
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.main_window import MainWindow
from mlops_desktop.ui.panes.models import ModelsPane
from tests.conftest import SAMPLES
from tests.ui.conftest import drop_file

TASK_TIMEOUT = 120_000


def _message(qtbot: QtBot, pane: ModelsPane) -> QMessageBox:
    qtbot.waitUntil(lambda: pane.findChild(QMessageBox, "messageBox") is not None)
    box = pane.findChild(QMessageBox, "messageBox")
    assert box is not None
    return box


def _finish(qtbot: QtBot, pane: ModelsPane) -> None:
    """Wait for the bundle task the last action started; the buttons wait with it."""
    task = pane.moving
    assert task is not None
    assert not pane.import_bundle_button.isEnabled() and not pane.bundle_button.isEnabled()
    with qtbot.waitSignal(task.finished, timeout=TASK_TIMEOUT):
        pass
    assert pane.import_bundle_button.isEnabled()


def test_export_a_bundle_then_import_it_by_button_and_by_dropping_it(
    qtbot: QtBot,
    window: MainWindow,
    state,
    iris,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    run = training.train(state.workspace, training.Recipe("iris", "species", "decision_tree"))[0]
    model_registry.register(state.workspace, run["run_id"], "Flowers")
    state.models_changed.emit()
    window.show_pane("Models")
    pane = window.models_pane
    path = tmp_path / "flowers.mlbundle"

    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *_a, **_k: (str(path), ""))
    pane.bundle_with_data_action.trigger()
    _finish(qtbot, pane)
    box = _message(qtbot, pane)
    with zipfile.ZipFile(path) as archive:
        assert "held_out.parquet" in archive.namelist()
        manifest_sha = hashlib.sha256(archive.read("manifest.json")).hexdigest()
    assert f"Saved the bundle to {path}" in box.text() and manifest_sha in box.text()
    box.close()

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(path), ""))
    qtbot.mouseClick(pane.import_bundle_button, Qt.MouseButton.LeftButton)
    _finish(qtbot, pane)
    box = _message(qtbot, pane)
    assert box.text().startswith("Imported Flowers@1 as Flowers version 2.")
    assert manifest_sha in box.text()
    box.close()
    assert pane.selected is not None and pane.selected["ref"] == "Flowers@2"
    assert "Imported from the bundle flowers.mlbundle" in pane.card.toPlainText()

    assert drop_file(window, path)
    assert window.current_pane() == "Models"
    _finish(qtbot, pane)
    _message(qtbot, pane).close()
    assert [m["version"] for m in pane.model.records] == [3, 2, 1]


def test_a_tampered_bundle_is_refused_from_the_empty_pane_in_one_sentence(
    qtbot: QtBot, window: MainWindow, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = Workspace(tmp_path / "other")
    datasets.import_file(other, SAMPLES / "iris.csv")
    run = training.train(other, training.Recipe("iris", "species", "decision_tree"))[0]
    model_registry.register(other, run["run_id"], "Flowers")
    good = tmp_path / "good.mlbundle"
    bundles.export_bundle(other, "Flowers", good)
    other.close()
    with zipfile.ZipFile(good) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    tampered = tmp_path / "tampered.mlbundle"
    with zipfile.ZipFile(tampered, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data + b" " if name == "input_schema.json" else data)

    window.show_pane("Models")
    pane = window.models_pane
    assert pane.stack.currentWidget() is pane.empty
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a, **_k: (str(tampered), ""))
    qtbot.mouseClick(pane.empty.buttons["Import bundle…"], Qt.MouseButton.LeftButton)
    _finish(qtbot, pane)
    assert _message(qtbot, pane).text() == (
        "tampered.mlbundle has been altered or damaged: input_schema.json does not match its "
        "manifest; nothing was imported."
    )
    assert pane.stack.currentWidget() is pane.empty and pane.model.rowCount() == 0
