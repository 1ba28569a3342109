"""Serve a model version with one click: the server runs in its own process (``mlops-desktop serve``)
so neither the window nor the server can freeze or crash the other. While it runs, this panel shows
its address, live request and error counts and the latest requests, a ready-to-copy example
request built from a real training row, and a "Try it" form generated from the input schema."""

import json
import secrets
import shlex
import socket
import urllib.error
import urllib.request
from typing import Any

from PySide6.QtCore import QProcess, QProcessEnvironment, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.config import STORE_ENV, TOKEN_ENV
from mlops_desktop.core.serving import control
from mlops_desktop.core.serving.app import SOURCE_HEADER, TRY_IT_SOURCE
from mlops_desktop.core.serving.history import recent_predictions, running_servers
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.launch import own_command
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.models.tables import Column, RecordsModel
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.workers import Task

DEFAULT_PORT = 8765
POLL_MS = 1000
STOP_GRACE_MS = int(control.GRACE_SECONDS * 1000)  # then the process is ended by force
FORCE_MS = int(control.FORCE_SECONDS * 1000)
LOCAL, NETWORK = "127.0.0.1", "0.0.0.0"
NETWORK_WARNING = (
    "Other computers on your network will be able to send data to this model and read its "
    "answers. Only requests that carry the token below are answered; share it only with people "
    "who should use the model, and serve to the network only on a network you trust."
)
SOURCE_WORDS = {"traffic": "request", "try_it": "Try it", "refused": "refused"}
RECENT_COLUMNS = [
    Column("Time (UTC)", lambda r: r["time"][11:19]),
    Column("Request", lambda r: r["request_id"][:12], "The X-Request-ID of the request"),
    Column(
        "From",
        lambda r: SOURCE_WORDS.get(r["source"], r["source"]),
        "A client's request, a row tried in the form, or a refused request (no prediction); "
        "monitoring counts only requests",
    ),
    Column("Prediction", lambda r: "—" if r["prediction"] is None else r["prediction"]),
    Column("Milliseconds", lambda r: round(r["latency_ms"], 1), "", True),
    Column("Inputs", lambda r: json.dumps(r["inputs"])),
]


# The server is on this computer: a proxy from the environment (HTTP_PROXY, ALL_PROXY …) or the
# system's settings must not carry the pane's own requests away from the loopback.
_LOCAL_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def _call(
    url: str, token: str, body: bytes | None = None, try_it: bool = False
) -> tuple[int, dict[str, Any]]:
    """One request to the local server (off the GUI thread), never through a proxy; the status
    and the JSON answer. ``try_it``: rows from the Try-it form, which the log keeps apart from
    real traffic."""
    request = urllib.request.Request(url, data=body, method="POST" if body else "GET")
    request.add_header("Content-Type", "application/json")
    if try_it:
        request.add_header(SOURCE_HEADER, TRY_IT_SOURCE)
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with _LOCAL_OPENER.open(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


class ServePanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.record: dict[str, Any] | None = None  # the version selected in the pane
        self.serving: dict[str, Any] | None = None  # the version the server answers for
        self.url = ""  # where others reach it
        self.local_url = ""  # where this computer reaches it
        self.token = ""
        self.process: QProcess | None = None
        self._output = ""
        self._poll_task: Task | None = None

        self.reach = QComboBox()
        self.reach.addItem("Only this computer", LOCAL)
        self.reach.addItem("Other computers on the network (needs a token)", NETWORK)
        self.reach.setToolTip("Who can send requests to the model")
        self.reach.currentIndexChanged.connect(self._reach_changed)
        self.port = QSpinBox()
        self.port.setRange(1024, 65535)
        self.port.setValue(int(state.settings.get("serve_port") or DEFAULT_PORT))
        self.port.setToolTip("The port number in the address; change it if another program uses it")
        self.token_field = QLineEdit()
        self.token_field.setReadOnly(True)
        self.token_field.setToolTip("Requests must send 'Authorization: Bearer <this token>'")
        self.warning = QLabel(NETWORK_WARNING)
        self.warning.setWordWrap(True)
        self.warning.setStyleSheet("color: #8a5a00")
        self.serve_button = QPushButton("Serve this version")
        self.serve_button.setToolTip("Start answering prediction requests over HTTP")
        self.serve_button.clicked.connect(self.start)
        self.stop_button = QPushButton("Stop")
        self.stop_button.setToolTip("Stop the server; requests already received are answered first")
        self.stop_button.clicked.connect(lambda: self.stop())
        self.status = QLabel("Not serving.")
        self.status.setObjectName("serveStatus")
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.status.setWordWrap(True)
        self.counters = QLabel()
        self.leftover = QLabel()
        self.leftover.setObjectName("leftoverServer")
        self.leftover.setWordWrap(True)
        self.leftover_stop = QPushButton("Stop that server")
        self.leftover_stop.setToolTip("Ask the server started earlier to finish and exit")
        self.leftover_stop.clicked.connect(self.stop_leftovers)
        self.leftovers: list[dict[str, Any]] = []

        self.settings_form = settings = QFormLayout()
        settings.addRow("Reachable from:", self.reach)
        settings.addRow("Port:", self.port)
        settings.addRow("Token:", self.token_field)
        buttons = QHBoxLayout()
        buttons.addWidget(self.serve_button)
        buttons.addWidget(self.stop_button)
        buttons.addStretch(1)
        leftover_row = QHBoxLayout()
        leftover_row.addWidget(self.leftover, 1)
        leftover_row.addWidget(self.leftover_stop)
        controls = QVBoxLayout()
        controls.addLayout(leftover_row)
        controls.addLayout(settings)
        controls.addWidget(self.warning)
        controls.addLayout(buttons)
        controls.addWidget(self.status)
        controls.addWidget(self.counters)

        self.example = QPlainTextEdit()
        self.example.setObjectName("curlExample")
        self.example.setReadOnly(True)
        self.example.setFixedHeight(90)
        copy = QPushButton("Copy")
        copy.setToolTip("Copy the example request, to paste into a terminal")
        copy.clicked.connect(
            lambda: QGuiApplication.clipboard().setText(self.example.toPlainText())
        )
        example_box = QGroupBox("Example request (a real row of the training data)")
        example_layout = QHBoxLayout(example_box)
        example_layout.addWidget(self.example, 1)
        example_layout.addWidget(copy, 0, Qt.AlignmentFlag.AlignTop)

        self.try_fields: dict[str, QComboBox | QLineEdit] = {}
        self.try_form = QFormLayout()
        form_holder = QWidget()
        form_holder.setLayout(self.try_form)
        scroll = QScrollArea()
        scroll.setObjectName("tryForm")
        scroll.setWidget(form_holder)
        scroll.setWidgetResizable(True)
        self.try_button = QPushButton("Predict")
        self.try_button.setObjectName("tryButton")
        self.try_button.setToolTip("Send these values to the running server")
        self.try_button.clicked.connect(self.try_it)
        self.try_result = QLabel()
        self.try_result.setObjectName("tryResult")
        self.try_result.setWordWrap(True)
        try_box = QGroupBox("Try it")
        try_layout = QVBoxLayout(try_box)
        try_note = QLabel("Rows tried here are logged as Try it and left out of monitoring.")
        try_note.setWordWrap(True)
        try_note.setStyleSheet("color: #555;")
        try_layout.addWidget(try_note)
        try_layout.addWidget(scroll, 1)
        try_layout.addWidget(self.try_button)
        try_layout.addWidget(self.try_result)

        self.recent = RecordsModel(RECENT_COLUMNS, self)
        recent_view = QTableView()
        recent_view.setObjectName("recentRequests")
        recent_view.setModel(self.recent)
        recent_view.verticalHeader().hide()
        recent_view.horizontalHeader().setStretchLastSection(True)
        recent_box = QGroupBox("Latest requests")
        QVBoxLayout(recent_box).addWidget(recent_view)

        left = QVBoxLayout()
        left.addLayout(controls)
        left.addWidget(example_box)
        left.addWidget(recent_box, 1)
        layout = QHBoxLayout(self)
        layout.addLayout(left, 3)
        layout.addWidget(try_box, 2)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self._poll)
        self._reach_changed()
        self._update()
        state.workspace_changed.connect(self.check_leftovers)
        self.check_leftovers()

    # -- what is shown ------------------------------------------------------------------------

    def show_version(self, record: dict[str, Any] | None) -> None:
        """The version selected in the Models pane: its example and Try-it form."""
        self.record = record
        while self.try_form.rowCount():
            self.try_form.removeRow(0)
        self.try_fields = {}
        for column in record["inputs"] if record else []:
            value = record["example"].get(column["name"]) if record else None
            field: QComboBox | QLineEdit
            if column["type"] == "categorical" or column["type"] == "boolean":
                field = QComboBox()
                field.setEditable(True)
                field.addItems(column.get("categories") or ["yes", "no"])
                field.setCurrentText("" if value is None else str(value))
            else:
                field = QLineEdit("" if value is None else str(value))
            field.setToolTip(
                f"{column['type']}; " + ("required" if column["required"] else "may be left empty")
            )
            self.try_fields[column["name"]] = field
            self.try_form.addRow(f"{column['name']}:", field)
        self._update()

    def _reach_changed(self) -> None:
        network = self.reach.currentData() == NETWORK
        if network and not self.token_field.text():
            self.token_field.setText(secrets.token_urlsafe(24))
        self.settings_form.setRowVisible(self.token_field, network)
        self.warning.setVisible(network)
        self._update()

    def _update(self) -> None:
        running = self.process is not None
        selected = self.record is not None
        same = (
            running
            and selected
            and self.serving is not None
            and self.record is not None
            and (self.serving["ref"] == self.record["ref"])
        )
        self.serve_button.setEnabled(selected and not running)
        self.stop_button.setEnabled(running)
        self.reach.setEnabled(not running)
        self.port.setEnabled(not running)
        self.try_button.setEnabled(bool(same and self.url))
        if not running:
            self.status.setText(
                "Not serving. Choose who may reach it and press Serve this version."
                if selected
                else "Select a version above to serve it."
            )
            self.counters.setText("")
        self.example.setPlainText(self._curl() if selected else "")

    def _curl(self) -> str:
        assert self.record is not None
        url = (
            self.url
            if self.serving and self.serving["ref"] == self.record["ref"]
            else (
                f"http://{LOCAL if self.reach.currentData() == LOCAL else socket.gethostname()}:"
                f"{self.port.value()}"
            )
        )
        body = json.dumps({"dataframe_records": [self.record["example"]]})
        token = self.token_field.text() if self.reach.currentData() == NETWORK else ""
        auth = f" -H {shlex.quote('Authorization: Bearer ' + token)}" if token else ""
        return (
            f"curl -X POST {url}/invocations -H 'Content-Type: application/json'{auth} "
            f"-d {shlex.quote(body)}"
        )

    # -- the server process ---------------------------------------------------------------------

    def start(self) -> None:
        if self.record is None or self.process is not None:
            return
        host = self.reach.currentData()
        self.token = self.token_field.text() if host == NETWORK else ""
        self.serving = self.record
        self._output = ""
        process = QProcess(self)
        command = own_command(
            "serve",
            self.record["ref"],
            "--home",
            str(self.state.home),
            "--host",
            host,
            "--port",
            str(self.port.value()),
            "--json",
        )
        process.setProgram(command[0])
        process.setArguments(command[1:])
        environment = QProcessEnvironment.systemEnvironment()
        if self.token:
            environment.insert(TOKEN_ENV, self.token)
        else:
            environment.remove(TOKEN_ENV)
        store = self.state.workspace.store.url  # in the environment: it may hold a password
        if store:
            environment.insert(STORE_ENV, store)
        else:
            environment.remove(STORE_ENV)
        process.setProcessEnvironment(environment)
        process.readyReadStandardOutput.connect(self._read_output)
        process.finished.connect(self._finished)
        self.process = process
        self.state.settings.set("serve_port", self.port.value())
        process.start()
        self.status.setText(
            f"Starting the server for {self.record['name']} version {self.record['version']}…"
        )
        self._update()

    def _read_output(self) -> None:
        if self.process is None:
            return
        self._output += bytes(self.process.readAllStandardOutput().data()).decode(
            "utf-8", "replace"
        )
        if self.url or "\n" not in self._output:
            return
        line = self._output.split("\n", 1)[0]
        try:
            ready = json.loads(line)
        except json.JSONDecodeError:
            return
        port = int(ready["url"].rsplit(":", 1)[1].rstrip("/"))
        self.local_url = f"http://{LOCAL}:{port}"
        host = self.reach.currentData()
        self.url = self.local_url if host == LOCAL else f"http://{socket.gethostname()}:{port}"
        assert self.serving is not None
        self.status.setText(
            f"<b>Serving {self.serving['name']} version {self.serving['version']}</b> at "
            f"<code>{self.url}</code> — send requests to "
            f'<code style="white-space: nowrap">{self.url}/invocations</code>.'
        )
        self.state.serving_changed.emit(self.url)
        self.timer.start()
        self._update()

    def _finished(self, exit_code: int, _status: QProcess.ExitStatus) -> None:
        process, self.process = self.process, None
        self.timer.stop()
        was_ready = bool(self.url)
        self.url = self.local_url = ""
        self.serving = None
        message = ""
        if process is not None:
            errors = bytes(process.readAllStandardError().data()).decode("utf-8", "replace")
            lines = [line for line in errors.splitlines() if line.startswith("error: ")]
            message = lines[-1].removeprefix("error: ") if lines else ""
            process.deleteLater()
        self._update()
        if was_ready:
            self.state.serving_changed.emit("")
            self.state.status_message.emit("The server stopped.")
        if exit_code != 0 and not was_ready:
            show_message(
                self, message or "The server could not start; the log file has the details."
            )

    def stop(self, wait: bool = False) -> None:
        """Stop the server gracefully through its stop file (``core.serving.control``, which works
        on Windows too): it answers what it has received, writes its log, then exits. Only a server
        that has not stopped within STOP_GRACE_MS (or has not started serving) is terminated, then
        killed."""
        process = self.process
        if process is None:
            return
        self.status.setText("Stopping…")
        self.stop_button.setEnabled(False)
        own = [s for s in running_servers(self.state.workspace) if s["pid"] == process.processId()]
        if not (own and control.request_stop(self.state.workspace, own[0]["deployment"])):
            process.terminate()  # still starting: it has logged nothing yet
        if wait:
            if not process.waitForFinished(STOP_GRACE_MS):
                process.terminate()
                if not process.waitForFinished(FORCE_MS):
                    process.kill()
                    process.waitForFinished(FORCE_MS)
            return

        def end_by_force() -> None:
            if self.process is process:
                process.terminate()
                QTimer.singleShot(FORCE_MS, lambda: self.process is process and process.kill())

        QTimer.singleShot(STOP_GRACE_MS, end_by_force)

    def check_leftovers(self) -> None:
        """Show servers of this workspace still running from earlier (say, after a crash)."""
        own = self.process.processId() if self.process is not None else None
        self.leftovers = [
            server for server in running_servers(self.state.workspace) if server["pid"] != own
        ]
        self.leftover.setText(
            "A server started earlier is still running: "
            + "; ".join(f"{s['ref']} at {s['url']}" for s in self.leftovers)
            + "."
        )
        self.leftover.setVisible(bool(self.leftovers))
        self.leftover_stop.setVisible(bool(self.leftovers))

    def stop_leftovers(self) -> Task:
        """Stop the servers started earlier, each through its stop file (off the GUI thread: each
        may take its grace period)."""
        workspace, servers = self.state.workspace, self.leftovers

        def stop_all() -> list[str]:
            return [control.stop(workspace, s["deployment"], s["pid"]) for s in servers]

        task = self.state.workers.run_in_thread("Stopping the earlier server", stop_all, owner=self)
        self.leftover.setText("Stopping the earlier server…")
        self.leftover_stop.setVisible(False)
        task.finished.connect(self.check_leftovers)
        return task

    # -- live view and Try it ---------------------------------------------------------------------

    def _poll(self) -> None:
        if self._poll_task is not None or not self.local_url or self.serving is None:
            return
        url, token, ref, workspace = (
            self.local_url,
            self.token,
            self.serving["ref"],
            self.state.workspace,
        )

        def fetch() -> tuple[dict[str, Any], list[dict[str, Any]]]:
            _status, health = _call(f"{url}/health", token)
            return health, recent_predictions(workspace, ref)

        task = self.state.workers.run_in_thread("Server status", fetch, owner=self)
        self._poll_task = task
        task.succeeded.connect(self._show_status)
        task.finished.connect(lambda: setattr(self, "_poll_task", None))

    def _show_status(self, result: tuple[dict[str, Any], list[dict[str, Any]]]) -> None:
        health, recent = result
        if not self.url:
            return
        self.counters.setText(
            f"{counted(health.get('requests', 0), 'request')}, {health.get('errors', 0):,} refused, "
            f"{counted(health.get('predicted_rows', 0), 'row')} predicted."
        )
        self.recent.set_records(recent)

    def try_values(self) -> dict[str, Any]:
        row: dict[str, Any] = {}
        for name, field in self.try_fields.items():
            text = (field.currentText() if isinstance(field, QComboBox) else field.text()).strip()
            row[name] = text or None
        return row

    def try_it(self) -> Task | None:
        if not self.local_url:
            return None
        body = json.dumps({"dataframe_records": [self.try_values()]}).encode()
        url, token = f"{self.local_url}/invocations", self.token
        task = self.state.workers.run_in_thread(
            "Trying the model", lambda: _call(url, token, body, try_it=True), owner=self
        )
        self.try_result.setText("Asking the model…")
        task.succeeded.connect(self._tried)
        task.failed.connect(self.try_result.setText)
        return task

    def _tried(self, answer: tuple[int, dict[str, Any]]) -> None:
        status, document = answer
        if status != 200:
            self.try_result.setText(f"Refused: {document.get('message', status)}")
            return
        text = f"<b>Prediction: {document['predictions'][0]}</b>"
        probabilities = document.get("probabilities")
        if probabilities:  # one {class: probability} per row
            shares = ", ".join(f"{label} {share:.0%}" for label, share in probabilities[0].items())
            text += f"<br>Probabilities: {shares}"
        self.try_result.setText(text)
