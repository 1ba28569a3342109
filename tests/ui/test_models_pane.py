"""The Models pane: register a run from Experiments, change stage with a note, read and export
the model card, score a file; driven through the widgets."""

import json
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pandas as pd
import pytest
from PySide6.QtCore import QProcess, Qt, QUrl
from PySide6.QtWidgets import QMessageBox
from pytestqt.qtbot import QtBot
from sqlalchemy import select

from mlops_desktop.core.experiments import training
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.store.models import Deployment, PredictionLog
from mlops_desktop.ui.main_window import MainWindow
from tests.conftest import SAMPLES
from tests.ui.conftest import home_filled, open_window, runs_listed

TASK_TIMEOUT = 120_000


def _train(state, algorithm: str = "decision_tree") -> dict:
    run = training.train(
        state.workspace, training.Recipe(dataset="iris", target="species", algorithm=algorithm)
    )[0]
    state.runs_changed.emit()
    return run


def test_empty_pane_points_to_experiments(window: MainWindow) -> None:
    pane = window.models_pane
    assert pane.stack.currentWidget() is pane.empty
    pane.empty.buttons["Open Experiments"].click()
    assert window.current_pane() == "Experiments"


def test_register_a_run_from_experiments_then_see_its_card(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    run = _train(state)
    experiments = runs_listed(qtbot, window)
    experiments.view.selectRow(0)
    dialog = experiments.register_selected()
    assert dialog is not None and not dialog.accept_button.isEnabled()  # no name yet
    dialog.name.setCurrentText("Flowers")
    dialog.purpose.setText("Tells irises apart")
    with qtbot.waitSignal(state.models_changed):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)

    pane = window.models_pane
    assert pane.stack.currentIndex() == 1 and pane.model.rowCount() == 1
    assert pane.model.record(0)["run_id"] == run["run_id"]
    card = pane.card.toPlainText()
    assert "Flowers — version 1" in card and "Tells irises apart" in card and "iris@1" in card
    assert "1 model, 1 version" in home_filled(qtbot, window).cards[2].state.text()

    html = pane.card.toHtml()
    assert f'href="run:{run["run_id"]}"' in html and 'href="dataset:iris@1"' in html
    pane.card.anchorClicked.emit(QUrl(f"run:{run['run_id']}"))  # the lineage link is followed
    assert window.current_pane() == "Experiments"
    assert experiments.selected is not None and experiments.selected["run_id"] == run["run_id"]
    pane.card.anchorClicked.emit(QUrl("dataset:iris@1"))
    assert window.current_pane() == "Datasets"
    assert window.datasets_pane.selected_name() == "iris"


def test_changing_stage_needs_a_note_and_promoting_archives_the_previous_version(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    model_registry.register(state.workspace, _train(state)["run_id"], "Flowers")
    model_registry.set_stage(state.workspace, "Flowers", 1, "production", "first")
    model_registry.register(state.workspace, _train(state, "knn")["run_id"], "Flowers")
    state.models_changed.emit()
    pane = window.models_pane
    assert [pane.model.record(r)["version"] for r in range(2)] == [2, 1]
    pane.view.selectRow(0)

    pane.change_stage()
    dialog = pane.stage_dialog
    dialog.stage.setCurrentIndex(dialog.stage.findData("production"))
    assert "will be archived" in dialog.warning.text()
    assert not dialog.accept_button.isEnabled()  # a note is required
    dialog.note.setPlainText("better recall on virginica")
    with qtbot.waitSignal(state.models_changed):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)

    stages = {pane.model.record(r)["version"]: pane.model.record(r)["stage"] for r in range(2)}
    assert stages == {2: "production", 1: "archived"}
    assert "better recall on virginica" in pane.card.toPlainText()
    assert "In production: Flowers v2" in home_filled(qtbot, window).cards[2].state.text()


def test_four_eyes_the_asker_cannot_approve_and_another_person_can(
    qtbot: QtBot, window: MainWindow, state, iris, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LOGNAME", "ana")  # the OS user the app sees (getpass)
    model_registry.register(state.workspace, _train(state)["run_id"], "Flowers")
    state.models_changed.emit()
    window.show_pane("Models")
    pane = window.models_pane
    pane.view.selectRow(0)
    with qtbot.waitSignal(state.models_changed):
        pane.four_eyes_box.click()
    pane.view.selectRow(0)
    assert pane.four_eyes_box.isChecked() and pane.selected["four_eyes"]

    pane.change_stage()
    dialog = pane.stage_dialog
    dialog.stage.setCurrentIndex(dialog.stage.findData("production"))
    assert "second person's approval" in dialog.warning.text()
    assert dialog.accept_button.text() == "Ask for approval"
    dialog.note.setPlainText("ready for the pilot")
    with qtbot.waitSignal(state.models_changed):
        qtbot.mouseClick(dialog.accept_button, Qt.MouseButton.LeftButton)
    pane.view.selectRow(0)
    assert pane.model.record(0)["stage"] == "none"
    assert pane.approval_line.isVisible()
    assert "ana asked on" in pane.approval_line.text()
    assert not pane.approve_button.isEnabled()  # not the person who asked

    monkeypatch.setenv("LOGNAME", "ben")
    state.models_changed.emit()
    pane.view.selectRow(0)
    assert pane.approve_button.isEnabled()
    approval = pane.approve()
    assert approval is not None
    approval.setTextValue("checked the card")
    with qtbot.waitSignal(state.models_changed):
        approval.accept()
    pane.view.selectRow(0)
    assert pane.model.record(0)["stage"] == "production"
    last = pane.selected["history"][-1]
    assert (last["user"], last["requested_by"]) == ("ben", "ana")
    assert not pane.approval_line.isVisible()


def test_export_the_card_and_score_a_file_with_progress(
    qtbot: QtBot, window: MainWindow, state, iris, tmp_path: Path
) -> None:
    model_registry.register(state.workspace, _train(state)["run_id"], "Flowers")
    state.models_changed.emit()
    pane = window.models_pane
    pane.write_card(tmp_path / "card.html")
    assert "Flowers — version 1" in (tmp_path / "card.html").read_text(encoding="utf-8")

    output = tmp_path / "scored.csv"
    task = pane.score(SAMPLES / "iris.csv", output)
    assert task is not None and not pane.score_button.isEnabled()
    with qtbot.waitSignal(task.finished, timeout=TASK_TIMEOUT):
        pass
    qtbot.waitUntil(lambda: pane.findChild(QMessageBox, "messageBox") is not None)
    assert "Scored 150 rows" in pane.findChild(QMessageBox, "messageBox").text()
    assert len(pd.read_csv(output)) == 150 and pane.score_button.isEnabled()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


SERVE_TIMEOUT = 60_000
DEAD_PROXY = "http://127.0.0.1:9"  # the discard port: nothing listens there


def test_serve_production_try_it_watch_requests_and_stop(
    qtbot: QtBot, window: MainWindow, state, iris, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With a dead proxy in the environment too: the pane's own requests (Try it, the health
    polling behind the counters) go straight to the loopback. Stop asks through the server's stop
    file, as on Windows, and never has to end the process by force."""
    for variable in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(variable, DEAD_PROXY)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    # urllib builds its default client from the environment once: drop one built earlier.
    monkeypatch.setattr(urllib.request, "_opener", None)
    forced: list[str] = []
    for name in ("terminate", "kill"):  # noted, and still done (a regression fails, not hangs)
        original = getattr(QProcess, name)
        monkeypatch.setattr(
            QProcess,
            name,
            lambda process, name=name, original=original: (forced.append(name), original(process)),
        )
    model_registry.register(state.workspace, _train(state)["run_id"], "Flowers")
    model_registry.set_stage(state.workspace, "Flowers", 1, "production", "approved")
    model_registry.register(state.workspace, _train(state, "knn")["run_id"], "Flowers")
    state.models_changed.emit()
    pane = window.models_pane
    panel = pane.serve_panel
    port = _free_port()
    panel.port.setValue(port)
    assert not panel.stop_button.isEnabled() and not panel.try_button.isEnabled()
    assert "curl -X POST" in panel.example.toPlainText()

    assert pane.selected["version"] == 2  # the newest; production is version 1
    with qtbot.waitSignal(state.serving_changed, timeout=SERVE_TIMEOUT) as ready:
        qtbot.mouseClick(pane.serve_production_button, Qt.MouseButton.LeftButton)

    assert ready.args == [f"http://127.0.0.1:{port}"]
    assert pane.selected["version"] == 1 and pane.tabs.currentWidget() is panel
    assert not pane.serve_production_button.isEnabled()
    assert "Serving Flowers version 1" in panel.status.text()
    assert f"http://127.0.0.1:{port}/invocations" in panel.example.toPlainText()
    assert "Serving at" in home_filled(qtbot, window).cards[3].state.text()
    panel.try_fields["petal_length_cm"].setText("1.4")
    panel.try_fields["petal_width_cm"].setText("0.2")
    task = panel.try_it()
    with qtbot.waitSignal(task.finished, timeout=SERVE_TIMEOUT):
        pass
    assert "Prediction: setosa" in panel.try_result.text()
    qtbot.waitUntil(lambda: panel.recent.rowCount() == 1, timeout=SERVE_TIMEOUT)
    assert panel.recent.record(0)["prediction"] == "setosa"
    assert panel.recent.data(panel.recent.index(0, 2)) == "Try it"  # kept apart from traffic
    assert "1 request," in panel.counters.text()
    panel.try_fields["petal_width_cm"].setText("wide")
    task = panel.try_it()
    with qtbot.waitSignal(task.finished, timeout=SERVE_TIMEOUT):
        pass
    assert "'petal_width_cm' must be a number" in panel.try_result.text()

    with qtbot.waitSignal(state.serving_changed, timeout=SERVE_TIMEOUT) as stopped:
        qtbot.mouseClick(panel.stop_button, Qt.MouseButton.LeftButton)

    assert stopped.args == [""] and panel.serve_button.isEnabled() and forced == []
    assert "Not serving" in panel.status.text()
    with state.workspace.store.read() as session:
        deployments = session.scalars(select(Deployment)).all()
        assert [d.stopped_at is not None for d in deployments] == [True]
        logged = session.scalars(select(PredictionLog).order_by(PredictionLog.id)).all()
        # the refused try is logged as refused, with what was typed
        assert [(row.source, row.inputs["petal_width_cm"]) for row in logged] == [
            ("try_it", 0.2),
            ("refused", "wide"),
        ]


def test_a_port_in_use_and_serving_to_the_network_are_explained(
    qtbot: QtBot, window: MainWindow, state, iris
) -> None:
    model_registry.register(state.workspace, _train(state)["run_id"], "Flowers")
    state.models_changed.emit()
    panel = window.models_pane.serve_panel
    panel.reach.setCurrentIndex(panel.reach.findData("0.0.0.0"))
    assert panel.warning.isVisibleTo(panel) and "token" in panel.warning.text()
    token = panel.token_field.text()
    assert len(token) >= 24 and f"Bearer {token}" in panel.example.toPlainText()
    panel.reach.setCurrentIndex(panel.reach.findData("127.0.0.1"))
    assert not panel.warning.isVisibleTo(panel)

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        panel.port.setValue(taken.getsockname()[1])
        panel.serve_button.click()
        qtbot.waitUntil(
            lambda: panel.findChild(QMessageBox, "messageBox") is not None, timeout=SERVE_TIMEOUT
        )
    assert "already in use" in panel.findChild(QMessageBox, "messageBox").text()
    assert panel.process is None and panel.serve_button.isEnabled()


def test_a_server_left_running_by_an_earlier_session_is_shown_and_can_be_stopped(
    qtbot: QtBot, state, iris
) -> None:
    model_registry.register(state.workspace, _train(state)["run_id"], "Flowers")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mlops_desktop",
            "serve",
            "Flowers",
            "--port",
            "0",
            "--json",
            "--home",
            str(state.home),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        url = json.loads(server.stdout.readline())["url"]  # listening
        window = open_window(qtbot, state)
        panel = window.models_pane.serve_panel
        assert panel.leftover.isVisibleTo(panel)
        assert f"Flowers@1 at {url}" in panel.leftover.text()
        with qtbot.waitSignal(panel.stop_leftovers().succeeded, timeout=SERVE_TIMEOUT) as done:
            pass
        assert done.args == [["stopped"]]  # through its stop file, not by force
        assert server.wait(timeout=30) == 0
        panel.check_leftovers()
        assert not panel.leftover.isVisibleTo(panel)
    finally:
        server.kill()
        server.wait()
