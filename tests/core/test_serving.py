"""Serving a model version over HTTP: the contract in DESIGN.md ("HTTP serving contract").

Servers are real waitress servers on an ephemeral 127.0.0.1 port, started in a thread (or, for
signals, in a child process). The fuzz tests call the WSGI app directly through werkzeug's test
client, without the network.
"""

import http.client
import io
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from unittest import mock

import numpy as np
import pandas as pd
import pytest
import waitress
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, text
from sqlalchemy import select as sql_select
from werkzeug.test import Client

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import (
    ServingApp,
    batching,
    check_address,
    control,
    parsing,
    scoring,
    serve,
)
from mlops_desktop.core.serving import server as server_module
from mlops_desktop.core.serving.app import MAX_BODY_BYTES, SOURCE_HEADER
from mlops_desktop.core.serving.batching import Job, Predictor
from mlops_desktop.core.serving.history import running_servers
from mlops_desktop.core.store.models import AuditEvent, Deployment, PredictionLog
from mlops_desktop.core.workspace import Workspace
from tests.conftest import REPO, SAMPLES

TIMEOUT = 60.0
# The reliability run in the issue is 20,000 requests; the suite runs a tenth (set this to run it all).
STRESS_REQUESTS = int(os.environ.get("MLOPS_SERVING_STRESS_REQUESTS", "2000"))


# ---------------------------------------------------------------------------------------------
# A workspace with three registered models, trained once for the module


def _shop_csv(path: Path) -> Path:
    """Mixed input types: numeric, categorical, yes/no, and a numeric column with gaps."""
    rng = np.random.default_rng(7)
    n = 240
    size = rng.normal(10, 3, n).round(2)
    color = rng.choice(["red", "green", "blue"], n)
    member = rng.choice(["yes", "no"], n)
    visits = rng.integers(0, 20, n).astype(float)
    visits[rng.random(n) < 0.1] = np.nan
    label = np.where((size > 10) ^ (color == "red"), "buy", "skip")
    frame = pd.DataFrame(
        {"size": size, "color": color, "member": member, "visits": visits, "label": label}
    )
    frame.to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def models_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("serving") / "workspace"
    ws = Workspace(home)
    try:
        datasets.import_file(ws, SAMPLES / "iris.csv")
        datasets.import_file(ws, SAMPLES / "diabetes.csv")
        datasets.import_file(ws, _shop_csv(home.parent / "shop.csv"))
        for name, dataset, target, algorithm in (
            ("flowers", "iris", "species", "random_forest"),
            ("progress", "diabetes", "disease_progression", "linear_regression"),
            ("shop", "shop", "label", "logistic_regression"),
        ):
            run = training.train(
                ws,
                training.Recipe(
                    dataset=dataset,
                    target=target,
                    algorithm=algorithm,
                    params={"n_estimators": 20} if algorithm == "random_forest" else {},
                ),
            )[0]
            model_registry.register(ws, run["run_id"], name)
    finally:
        ws.close()
    shutil.copytree(home, home.parent / "pristine")  # for tests that need a copy of their own
    return home


@pytest.fixture
def fresh_home(models_home: Path, tmp_path: Path) -> Path:
    """A copy of the workspace as trained: no deployments, nothing logged."""
    home = tmp_path / "copy"
    shutil.copytree(models_home.parent / "pristine", home)
    return home


@pytest.fixture(scope="module")
def models(models_home: Path) -> Iterator[Workspace]:
    ws = Workspace(models_home)
    yield ws
    ws.close()


# ---------------------------------------------------------------------------------------------
# Running a server in a thread, and talking to it


@dataclass
class Running:
    url: str
    stop: threading.Event
    thread: threading.Thread
    summary: dict[str, Any] = field(default_factory=dict)
    error: list[BaseException] = field(default_factory=list)

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def finish(self) -> dict[str, Any]:
        self.stop.set()
        self.thread.join(TIMEOUT)
        assert not self.thread.is_alive(), "the server did not stop"
        assert not self.error, self.error
        return self.summary


def start_server(ws: Workspace, ref: str, **options: Any) -> Running:
    ready = threading.Event()
    urls: list[str] = []
    stop = threading.Event()
    running = Running("", stop, threading.Thread())

    def run() -> None:
        try:
            running.summary.update(
                serve(
                    ws,
                    ref,
                    port=0,
                    on_ready=lambda url: (urls.append(url), ready.set()),
                    stop=stop,
                    **options,
                )
            )
        except BaseException as error:
            running.error.append(error)
            ready.set()

    running.thread = threading.Thread(target=run, daemon=True)
    running.thread.start()
    assert ready.wait(TIMEOUT), "the server never became ready"
    if running.error:
        raise running.error[0]
    running.url = urls[0]
    return running


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body)


class Http:
    """One keep-alive connection to a server."""

    def __init__(self, url: str) -> None:
        host, port = url.removeprefix("http://").rsplit(":", 1)
        self.connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)

    def __call__(
        self,
        method: str,
        path: str,
        body: bytes | str | dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        content_type: str | None = "application/json",
    ) -> Reply:
        sent = dict(headers or {})
        if isinstance(body, dict):
            body = json.dumps(body)
        if isinstance(body, str):
            body = body.encode("utf-8")
        if body is not None and content_type is not None:
            sent.setdefault("Content-Type", content_type)
        self.connection.request(method, path, body=body, headers=sent)
        response = self.connection.getresponse()
        return Reply(response.status, response.headers, response.read())

    def close(self) -> None:
        self.connection.close()


@pytest.fixture(scope="module")
def flowers_server(models: Workspace) -> Iterator[Running]:
    running = start_server(models, "flowers")
    yield running
    running.finish()


@pytest.fixture
def client(flowers_server: Running) -> Iterator[Http]:
    http_client = Http(flowers_server.url)
    yield http_client
    http_client.close()


def _rows(ws: Workspace, ref: str, count: int) -> pd.DataFrame:
    """Real rows of the version's training data (its input columns only)."""
    record = model_registry.show_model(ws, ref)
    frame = datasets.load_frame(ws, datasets.get_version(ws, record["dataset"]))
    return frame[[column["name"] for column in record["inputs"]]].head(count)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and np.isnan(value):
        return None
    return value


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    return [{k: _plain(v) for k, v in row.items()} for row in frame.to_dict("records")]


def _expected(ws: Workspace, ref: str, frame: pd.DataFrame) -> tuple[list[Any], Any]:
    record, pipeline = model_registry.load(ws, ref)
    return scoring.predict(pipeline, record["task"], scoring.prepare(frame, record["inputs"]))


def _logged(ws: Workspace, deployment: int | None = None) -> list[PredictionLog]:
    with ws.store.read() as session:
        query = sql_select(PredictionLog).order_by(PredictionLog.id)
        if deployment is not None:
            query = query.where(PredictionLog.deployment_id == deployment)
        return list(session.scalars(query))


def _wait_for(condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.05)
    raise AssertionError("timed out waiting for a condition")


def _assert_error(reply: Reply, status: int) -> dict[str, Any]:
    assert reply.status == status, reply.body
    assert reply.headers["Content-Type"] == "application/json"
    assert reply.headers["X-Request-ID"]
    body = reply.json
    assert set(body) == {"error_code", "message"}
    assert body["message"] and "Traceback" not in body["message"]
    assert isinstance(body["error_code"], str) and body["error_code"]
    return body


# ---------------------------------------------------------------------------------------------
# The read-only routes


def test_health_ping_version_metadata_and_openapi(client: Http, models: Workspace) -> None:
    health = client("GET", "/health")
    assert health.status == 200
    assert health.json["status"] == "ok"
    assert (health.json["model"], health.json["version"]) == ("flowers", 1)
    for counter in ("requests", "errors", "predicted_rows", "started"):
        assert counter in health.json

    assert client("GET", "/ping").status == 200
    assert client("GET", "/version").status == 200  # their bodies: test_serving_mlflow.py

    record = model_registry.show_model(models, "flowers")
    meta = client("GET", "/metadata").json
    assert meta["model"] == "flowers" and meta["version"] == 1
    assert (meta["task"], meta["target"]) == ("classification", "species")
    assert meta["inputs"] == record["inputs"]
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]

    document = client("GET", "/openapi.json").json
    assert document["openapi"].startswith("3.")
    assert set(document["paths"]) == {
        "/health",
        "/ping",
        "/version",
        "/metadata",
        "/openapi.json",
        "/invocations",
        "/predict",
    }
    assert "post" in document["paths"]["/invocations"]
    properties = document["paths"]["/invocations"]["post"]["requestBody"]["content"]
    assert {"application/json", "text/csv"} <= set(properties)

    head = client("HEAD", "/health")
    assert head.status == 200 and head.body == b"" and head.headers["X-Request-ID"]


def test_metadata_of_a_regressor_and_of_mixed_inputs(models: Workspace) -> None:
    for ref, classes in (("progress", None), ("shop", ["buy", "skip"])):
        running = start_server(models, ref)
        try:
            http_client = Http(running.url)
            meta = http_client("GET", "/metadata").json
            http_client.close()
        finally:
            running.finish()
        assert meta.get("classes") == classes
        assert meta["inputs"] == model_registry.show_model(models, ref)["inputs"]
    shop = {i["name"]: i for i in model_registry.show_model(models, "shop")["inputs"]}
    assert shop["color"]["categories"] == ["blue", "green", "red"]
    assert shop["member"]["type"] == "boolean" and not shop["visits"]["required"]


# ---------------------------------------------------------------------------------------------
# Predictions: MLflow's four JSON forms and CSV, each identical to scoring the rows directly


def _bodies(frame: pd.DataFrame) -> dict[str, tuple[bytes, str | None]]:
    records = _records(frame)
    columns = list(frame.columns)
    json_forms = {
        "dataframe_split": {
            "columns": columns,
            "data": [[row[c] for c in columns] for row in records],
        },
        "dataframe_records": records,
        "instances": records,
        "inputs": {c: [row[c] for row in records] for c in columns},
    }
    bodies = {
        form: (json.dumps({form: value}).encode(), "application/json")
        for form, value in json_forms.items()
    }
    buffer = io.StringIO()
    frame.to_csv(buffer, index=False)
    bodies["csv"] = (buffer.getvalue().encode(), "text/csv")
    bodies["no content type"] = (json.dumps({"dataframe_records": records}).encode(), None)
    return bodies


@pytest.mark.parametrize("ref", ["flowers", "shop", "progress"])
def test_every_form_gives_the_predictions_of_scoring_the_same_rows(
    models: Workspace, ref: str
) -> None:
    frame = _rows(models, ref, 12)
    if ref == "shop":  # a gap in the optional column, and yes/no written as words
        frame = frame.astype({"visits": "float64", "member": "object"})
        frame.loc[3, "visits"] = np.nan
        frame["member"] = frame["member"].map({True: "yes", False: "no"})
    predictions, probabilities = _expected(models, ref, frame)
    running = start_server(models, ref)
    http_client = Http(running.url)
    try:
        for form, (body, content_type) in _bodies(frame).items():
            for path in ("/invocations", "/predict"):
                reply = http_client("POST", path, body, content_type=content_type)
                assert reply.status == 200, (form, reply.body)
                assert reply.json["predictions"] == predictions, form
                if probabilities is None:
                    assert "probabilities" not in reply.json
                else:
                    classes = model_registry.show_model(models, ref)["classes"]
                    got = [[row[c] for c in classes] for row in reply.json["probabilities"]]
                    assert np.allclose(got, probabilities, rtol=0, atol=1e-12), form
    finally:
        http_client.close()
        running.finish()
    if ref == "shop":  # the log keeps each row's inputs as the model saw them, gaps as null
        logged = [row.inputs for row in _logged(models, running.summary["deployment"])]
        assert len(logged) == 12 * 2 * len(_bodies(frame))
        assert logged[:12] == [
            {
                "size": float(row.size),
                "color": row.color,
                "member": row.member == "yes",
                "visits": None if np.isnan(row.visits) else float(row.visits),
            }
            for row in frame.itertuples()
        ]


def test_positional_instances_and_a_single_row_of_inputs(client: Http, models: Workspace) -> None:
    frame = _rows(models, "flowers", 2)
    expected, _ = _expected(models, "flowers", frame)
    rows = frame.to_numpy().tolist()
    assert client("POST", "/invocations", {"instances": rows}).json["predictions"] == expected
    one = _records(frame.head(1))[0]
    reply = client("POST", "/invocations", {"inputs": one})
    assert reply.json["predictions"] == expected[:1]
    split = {"dataframe_split": {"data": rows}}  # columns left out: the model's order
    assert client("POST", "/invocations", split).json["predictions"] == expected


# ---------------------------------------------------------------------------------------------
# Errors


EXAMPLE = {
    "sepal_length_cm": 5.1,
    "sepal_width_cm": 3.5,
    "petal_length_cm": 1.4,
    "petal_width_cm": 0.2,
}


@pytest.mark.parametrize(
    ("method", "path", "body", "content_type", "status", "words"),
    [
        ("GET", "/nothing-here", None, None, 404, "openapi"),
        ("GET", "/invocations/", None, None, 404, ""),
        ("GET", "/invocations", None, None, 405, "POST"),
        ("POST", "/health", b"{}", "application/json", 405, "GET"),
        ("DELETE", "/predict", None, None, 405, "POST"),
        ("POST", "/invocations", b"a,b\n1,2", "text/plain", 415, "text/csv"),
        ("POST", "/invocations", b"x=1", "application/x-www-form-urlencoded", 415, ""),
        ("POST", "/invocations", b"{}", "application/json; charset=klingon", 415, "UTF-8"),
        ("POST", "/invocations", b"{not json", "application/json", 400, "not valid JSON"),
        ("POST", "/invocations", b"", "application/json", 400, "empty"),
        ("POST", "/invocations", b"\xff\xfe\xfa", "application/json", 400, "UTF-8"),
        ("POST", "/invocations", b"[1, 2]", "application/json", 400, "dataframe_split"),
        ("POST", "/invocations", {"rows": [EXAMPLE]}, "application/json", 400, "exactly one"),
        (
            "POST",
            "/invocations",
            {"instances": [EXAMPLE], "inputs": [EXAMPLE]},
            "application/json",
            400,
            "exactly one",
        ),
        ("POST", "/invocations", {"instances": []}, "application/json", 400, "no rows"),
        (
            "POST",
            "/invocations",
            {"dataframe_records": [{"sepal_length_cm": 5.1}]},
            "application/json",
            400,
            "no column 'sepal_width_cm'",
        ),
        (
            "POST",
            "/invocations",
            {"dataframe_records": [EXAMPLE, {**EXAMPLE, "petal_width_cm": "wide"}]},
            "application/json",
            400,
            "'petal_width_cm' must be a number, but row 2 holds 'wide'",
        ),
        (
            "POST",
            "/invocations",
            {"dataframe_records": [EXAMPLE, EXAMPLE, {**EXAMPLE, "sepal_width_cm": None}]},
            "application/json",
            400,
            "'sepal_width_cm' is empty in row 3",
        ),
        (
            "POST",
            "/invocations",
            {"dataframe_records": [{**EXAMPLE, "sepal_width_cm": [1, 2]}]},
            "application/json",
            400,
            "one value per cell",
        ),
        (
            "POST",
            "/invocations",
            b'{"dataframe_records": [{"sepal_length_cm": Infinity}]}',
            "application/json",
            400,
            "Infinity",
        ),
        (
            "POST",
            "/invocations",
            {"dataframe_records": [{**EXAMPLE, "sepal_width_cm": "1e999"}]},
            "application/json",
            400,
            "finite",
        ),
        (
            "POST",
            "/invocations",
            {"dataframe_records": [{**EXAMPLE, "sepal_width_cm": 10**400}]},
            "application/json",
            400,
            "",
        ),
        (
            "POST",
            "/invocations",
            b'{"instances": [{"sepal_length_cm": "\\ud800", "sepal_width_cm": 1,'
            b' "petal_length_cm": 1, "petal_width_cm": 1}]}',
            "application/json",
            400,
            "could not be read",
        ),
        (
            "POST",
            "/invocations",
            {"dataframe_split": {"columns": ["a", "a"], "data": [[1, 2]]}},
            "application/json",
            400,
            "twice",
        ),
        (
            "POST",
            "/invocations",
            {"dataframe_split": {"columns": ["sepal_length_cm"], "data": [[1, 2]]}},
            "application/json",
            400,
            "Row 1",
        ),
        ("POST", "/invocations", b"[" * 100_000, "application/json", 400, ""),
        ("POST", "/invocations", b"a,b\n1,2,3\n", "text/csv", 400, "CSV"),
        ("POST", "/invocations", b"", "text/csv", 400, "empty"),
    ],
)
def test_bad_requests_get_the_contract_error_never_a_5xx(
    client: Http,
    method: str,
    path: str,
    body: Any,
    content_type: str | None,
    status: int,
    words: str,
) -> None:
    reply = client(method, path, body, content_type=content_type)
    error = _assert_error(reply, status)
    assert words in error["message"]
    if status == 405:
        assert reply.headers["Allow"]
    # The connection stays usable after an error.
    assert client("GET", "/ping").status == 200


def test_a_body_over_the_limit_is_413(client: Http) -> None:
    body = b'{"instances": [' + b" " * MAX_BODY_BYTES + b"]}"
    _assert_error(client("POST", "/invocations", body), 413)


def test_a_small_limit_and_a_missing_body_through_the_wsgi_app(models: Workspace) -> None:
    record, pipeline = model_registry.load(models, "flowers")
    app = ServingApp(record, pipeline, max_body_bytes=100)
    app.start()
    try:
        wsgi = Client(app)
        response = wsgi.post("/invocations", data=json.dumps({"instances": [EXAMPLE] * 5}))
        assert response.status_code == 413
        assert response.json is not None and response.json["error_code"]
        response = wsgi.post("/invocations")
        assert response.status_code == 400
    finally:
        app.close()


# ---------------------------------------------------------------------------------------------
# Request ids, counters, the token, addresses and ports


def test_every_response_carries_a_request_id_and_a_sane_one_is_kept(
    client: Http, flowers_server: Running, models: Workspace
) -> None:
    mine = "order-42.a:b_c"
    sent_at = datetime.now(UTC)
    reply = client(
        "POST", "/invocations", {"instances": [EXAMPLE, EXAMPLE]}, {"X-Request-ID": mine}
    )
    assert reply.status == 200 and reply.headers["X-Request-ID"] == mine
    for insane in ("has space", "x" * 65, "<script>", "ünï"):
        kept = client("GET", "/ping", headers={"X-Request-ID": insane}).headers["X-Request-ID"]
        assert kept != insane and len(kept) == 32
    ids = {client("GET", "/nowhere").headers["X-Request-ID"] for _ in range(3)}
    assert len(ids) == 3
    # The prediction log keeps the request's id, one row per predicted row.
    rows = _wait_for(lambda: [row for row in _logged(models) if row.request_id == mine])
    assert len(rows) == 2
    assert rows[0].inputs == EXAMPLE
    assert rows[0].prediction == "setosa"
    assert set(rows[0].probabilities) == {"setosa", "versicolor", "virginica"}
    assert rows[0].latency_ms > 0
    assert sent_at <= rows[0].created_at <= datetime.now(UTC)  # stored and read back as UTC


def test_health_counts_requests_errors_and_rows(models: Workspace) -> None:
    running = start_server(models, "flowers")
    http_client = Http(running.url)
    try:
        http_client("POST", "/invocations", {"instances": [EXAMPLE] * 3})
        http_client("POST", "/invocations", b"nonsense")
        http_client("GET", "/missing")
        health = http_client("GET", "/health").json
    finally:
        http_client.close()
        summary = running.finish()
    # Prediction requests only: the 404 and the /health calls are not counted.
    assert (health["requests"], health["errors"], health["predicted_rows"]) == (2, 1, 3)
    assert health["batches"] == 1 and health["log_failed_writes"] == 0
    assert summary["predicted_rows"] == 3
    assert summary["logged_rows"] == 4  # the refused request is logged too, as refused


def test_with_a_token_every_route_but_ping_needs_it(models: Workspace) -> None:
    token = "s3cret-t0ken"
    running = start_server(models, "flowers", token=token)
    http_client = Http(running.url)
    try:
        assert http_client("GET", "/ping").status == 200
        for path in ("/health", "/metadata", "/version", "/openapi.json"):
            reply = http_client("GET", path)
            _assert_error(reply, 401)
            assert reply.headers["WWW-Authenticate"].startswith("Bearer")
        for wrong in ("Bearer nope", f"Basic {token}", "Bearer", f"Bearer {token}x"):
            reply = http_client("GET", "/health", headers={"Authorization": wrong})
            _assert_error(reply, 401)
        denied = http_client("POST", "/invocations", {"instances": [EXAMPLE]})
        _assert_error(denied, 401)
        right = {"Authorization": f"Bearer {token}"}
        assert http_client("GET", "/health", headers=right).status == 200
        reply = http_client("POST", "/invocations", {"instances": [EXAMPLE]}, right)
        assert reply.status == 200 and reply.json["predictions"] == ["setosa"]
        document = http_client("GET", "/openapi.json", headers=right).json
        assert document["components"]["securitySchemes"]["token"]["scheme"] == "bearer"
    finally:
        http_client.close()
        summary = running.finish()
    assert summary["predicted_rows"] == 1  # refused requests predicted nothing


def _deployments(ws: Workspace) -> int:
    with ws.store.read() as session:
        return int(session.scalar(sql_select(func.count()).select_from(Deployment)) or 0)


def test_another_host_needs_a_token_and_bad_addresses_are_refused(models: Workspace) -> None:
    before = _deployments(models)
    with pytest.raises(UserError, match=r"other machines.*token"):
        serve(models, "flowers", host="0.0.0.0", port=0)
    with pytest.raises(UserError, match="token"):
        check_address("192.168.1.20", 8765, None)
    assert check_address("0.0.0.0", 8765, "long-enough-token") == "0.0.0.0"
    assert check_address("localhost", 8765, None) == "127.0.0.1"
    assert check_address("::1", 8765, None) == "::1"
    with pytest.raises(UserError, match="at least 8"):
        check_address("0.0.0.0", 8765, "short")
    with pytest.raises(UserError, match="not an IP address"):
        check_address("example.org", 8765, None)
    with pytest.raises(UserError, match="not a port"):
        check_address("127.0.0.1", 70000, None)
    assert _deployments(models) == before


def test_a_port_in_use_gives_a_plain_message_and_records_nothing(models: Workspace) -> None:
    before = _deployments(models)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(UserError) as raised:
            serve(models, "flowers", port=port)
    assert str(raised.value) == f"Port {port} is already in use; choose another port."
    assert _deployments(models) == before


def test_a_tampered_model_file_is_refused_at_start(fresh_home: Path) -> None:
    home = fresh_home
    ws = Workspace(home)
    try:
        digest = model_registry.show_model(ws, "flowers")["model_sha256"]
        [model_file] = [p for p in (home / "artifacts").rglob(f"{digest}*") if p.is_file()]
        model_file.write_bytes(model_file.read_bytes() + b"tampered")
        with pytest.raises(UserError, match="has been changed or damaged and will not be loaded"):
            serve(ws, "flowers", port=0)
        assert _deployments(ws) == 0
        with pytest.raises(UserError, match="no model named"):
            serve(ws, "nothing", port=0)
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------
# Micro-batching


class _SlowPipeline:
    """Stands in for a pipeline: blocks its first call until released; counts calls."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.entered = threading.Event()
        self.calls: list[int] = []

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        self.entered.set()
        assert self.release.wait(TIMEOUT)
        self.calls.append(len(frame))
        return frame["x"].to_numpy() * 2

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:  # pragma: no cover - regression
        raise AssertionError


def _job(values: list[Any]) -> Job:
    return Job(parsing.Rows({"x": values}, len(values)), "id", time.perf_counter())


def test_requests_waiting_together_are_predicted_in_one_call() -> None:
    pipeline = _SlowPipeline()
    schema = [{"name": "x", "type": "numeric", "required": True}]
    predictor = Predictor(pipeline, "regression", schema)  # type: ignore[arg-type]
    predictor.start()
    try:
        first = _job([1])
        predictor.submit(first)
        assert pipeline.entered.wait(TIMEOUT)  # the predictor is busy with the first request
        waiting = [_job([10, 20]), _job(["oops"]), _job([3]), _job([4, "5", 6.5])]
        for job in waiting:
            predictor.submit(job)
        pipeline.release.set()
        for job in [first, *waiting]:
            assert job.wait(TIMEOUT)
    finally:
        predictor.stop()
    assert pipeline.calls == [1, 6]  # the four waiting requests: one call for the good rows
    assert first.predictions == [2.0]
    assert waiting[0].predictions == [20.0, 40.0]
    assert waiting[1].error == "'x' must be a number, but row 1 holds 'oops'."
    assert waiting[2].predictions == [6.0]
    assert waiting[3].predictions == [8.0, 10.0, 13.0]
    assert predictor.batches == 2


def test_concurrent_clients_are_coalesced_through_the_real_server(models: Workspace) -> None:
    running = start_server(models, "flowers")
    results: list[int] = []
    lock = threading.Lock()

    def client_loop() -> None:
        http_client = Http(running.url)
        try:
            statuses = [
                http_client("POST", "/invocations", {"instances": [EXAMPLE]}).status
                for _ in range(40)
            ]
        finally:
            http_client.close()
        with lock:
            results.extend(statuses)

    threads = [threading.Thread(target=client_loop) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT)
    health = Http(running.url)("GET", "/health").json
    running.finish()
    assert results == [200] * 320
    assert health["predicted_rows"] == 320
    assert health["batches"] < 320 * 0.75, health  # most predict calls served several requests


# ---------------------------------------------------------------------------------------------
# The prediction log, graceful stops, and sharing the workspace


def _writer_in_the_gui(home: Path, stop: threading.Event, errors: list[BaseException]) -> int:
    """Stands in for the GUI or CLI: its own store, writing while the server logs."""
    ws = Workspace(home)
    writes = 0
    try:
        while not stop.is_set():
            model_registry.set_description(ws, "shop", 1, f"edited {writes}")
            writes += 1
            stop.wait(0.005)  # pacing, like a person clicking fast
    except BaseException as error:
        errors.append(error)
    finally:
        ws.close()
    return writes


def _hammer(
    url: str,
    requests: int,
    rows_of: Callable[[int], int],
    sent: dict[str, int],
    problems: list[str],
    lock: threading.Lock,
    stop_early: threading.Event | None = None,
) -> None:
    """Send ``requests`` predictions on one keep-alive connection; note each 200's request id
    and rows. Connection errors after a stop end the loop; a 5xx is a problem."""
    http_client = Http(url)
    try:
        for number in range(requests):
            count = rows_of(number)
            request_id = f"{threading.get_ident():x}-{number}"
            try:
                reply = http_client(
                    "POST",
                    "/invocations",
                    {"dataframe_records": [EXAMPLE] * count},
                    {"X-Request-ID": request_id},
                )
            except (OSError, http.client.HTTPException):
                if stop_early is not None and stop_early.is_set():
                    return
                raise
            if reply.status != 200:
                with lock:
                    problems.append(f"{reply.status} {reply.body[:200]!r}")
                continue
            with lock:
                sent[request_id] = count
    finally:
        http_client.close()


def _check_log(ws: Workspace, deployment: int, sent: dict[str, int]) -> None:
    rows = _logged(ws, deployment)
    per_request: dict[str, int] = {}
    for row in rows:
        per_request[row.request_id] = per_request.get(row.request_id, 0) + 1
    missing = {k: v for k, v in sent.items() if per_request.get(k) != v}
    assert not missing, f"{len(missing)} answered requests not logged row for row"
    assert rows[0].inputs == EXAMPLE and rows[0].prediction == "setosa"


def test_many_clients_then_a_graceful_stop_log_exactly_one_row_per_predicted_row(
    models: Workspace, models_home: Path
) -> None:
    running = start_server(models, "flowers")
    sent: dict[str, int] = {}
    problems: list[str] = []
    lock = threading.Lock()
    gui_stop = threading.Event()
    gui_errors: list[BaseException] = []
    gui = threading.Thread(target=_writer_in_the_gui, args=(models_home, gui_stop, gui_errors))
    gui.start()
    connections = 16
    threads = [
        threading.Thread(
            target=_hammer,
            args=(
                running.url,
                STRESS_REQUESTS // connections,
                lambda n: 1 + n % 3,
                sent,
                problems,
                lock,
            ),
        )
        for _ in range(connections)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT * 2)
    gui_stop.set()
    gui.join(TIMEOUT)
    summary = running.finish()
    assert not problems, problems[:5]
    assert not gui_errors, gui_errors  # no "database is locked" for the GUI either
    assert len(sent) == STRESS_REQUESTS // connections * connections
    assert summary["predicted_rows"] == summary["logged_rows"] == sum(sent.values())
    assert len(_logged(models, summary["deployment"])) == sum(sent.values())
    _check_log(models, summary["deployment"], sent)
    with models.store.read() as session:
        deployment = session.get(Deployment, summary["deployment"])
        assert deployment is not None
        assert deployment.stopped_at is not None and deployment.pid == os.getpid()
        assert (deployment.host, deployment.port) == ("127.0.0.1", running.port)
        actions = set(
            session.scalars(
                sql_select(AuditEvent.action).where(AuditEvent.action.like("deployment.%"))
            )
        )
    assert actions == {"deployment.start", "deployment.stop"}


def test_a_stop_while_clients_keep_sending_loses_no_answered_row(models: Workspace) -> None:
    running = start_server(models, "flowers")
    sent: dict[str, int] = {}
    problems: list[str] = []
    lock = threading.Lock()
    stopping = threading.Event()
    threads = [
        threading.Thread(
            target=_hammer,
            args=(running.url, 10_000, lambda n: 1 + n % 2, sent, problems, lock, stopping),
        )
        for _ in range(8)
    ]
    for thread in threads:
        thread.start()
    _wait_for(lambda: len(sent) >= 100)
    stopping.set()
    summary = running.finish()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive()
    assert not problems, problems[:5]
    logged = _logged(models, summary["deployment"])
    assert summary["predicted_rows"] == summary["logged_rows"] == len(logged)
    _check_log(models, summary["deployment"], sent)


def test_waking_an_event_loop_that_has_already_closed_its_files_is_harmless() -> None:
    """A stop can come just as the loop ends (it saw the stop flag first): waking it then must
    not write to its closed wake-up pipe (EBADF, or another file that reused the number)."""
    sock = server_module._listening_socket("127.0.0.1", 0)
    loop = server_module._Loop(waitress.create_server(lambda *_: [], sockets=[sock]))
    loop.start()
    loop.drain()
    loop.thread.join(TIMEOUT)
    assert not loop.thread.is_alive()
    loop.drain()  # once more, after the loop closed its files


def test_a_row_breaking_the_dataset_rules_is_still_predicted_and_its_violations_logged(
    models: Workspace,
) -> None:
    """The rules proposed from the training data (a range for each number, the labels seen for
    each category) are checked on every predicted row; the row is predicted all the same."""
    clean = _records(_rows(models, "shop", 1))[0]
    odd = {**clean, "size": 1000.0, "color": "purple"}
    running = start_server(models, "shop")
    http_client = Http(running.url)
    try:
        reply = http_client("POST", "/invocations", {"dataframe_records": [clean, odd]})
    finally:
        http_client.close()
        summary = running.finish()
    assert reply.status == 200, reply.body
    expected, _ = _expected(models, "shop", pd.DataFrame([clean, odd]))
    assert reply.json["predictions"] == expected
    logged = _logged(models, summary["deployment"])
    assert [row.violations for row in logged] == [
        None,
        [{"column": "size", "rule": "range"}, {"column": "color", "rule": "allowed"}],
    ]
    with models.store.read() as session:
        stored_null = session.scalar(
            sql_select(func.count()).where(
                PredictionLog.deployment_id == summary["deployment"],
                PredictionLog.violations.is_(None),
            )
        )
        started = session.scalars(
            sql_select(AuditEvent.details)
            .where(AuditEvent.action == "deployment.start")
            .order_by(AuditEvent.id.desc())
        ).first()
    assert stored_null == 1  # a clean row's violations are SQL NULL, not the text 'null'
    assert started is not None and started["rules"] > 0


def test_try_it_rows_and_refused_requests_are_logged_with_their_source(
    models: Workspace,
) -> None:
    """The Serve tab's Try-it form marks its requests; a request refused for its values or its
    body is logged too, with what could be read of it and no prediction, so monitoring can
    leave both out of its windows."""
    first, second = _records(_rows(models, "shop", 2))
    wrong = {**first, "size": "big"}
    running = start_server(models, "shop")
    http_client = Http(running.url)
    try:
        replies = [
            http_client("POST", "/invocations", {"dataframe_records": [first]}),
            http_client(
                "POST",
                "/invocations",
                {"dataframe_records": [second]},
                headers={SOURCE_HEADER: "Try-It"},
            ),
            http_client("POST", "/invocations", {"dataframe_records": [wrong, first]}),
            http_client("POST", "/invocations", b"{not json"),
            http_client("POST", "/invocations", b"{}", headers={"Authorization": "x"}),
        ]
    finally:
        http_client.close()
        summary = running.finish()
    assert [reply.status for reply in replies] == [200, 200, 400, 400, 400]
    logged = _logged(models, summary["deployment"])
    assert [(row.request_id, row.source) for row in logged] == [
        (replies[0].headers["X-Request-ID"], "traffic"),
        (replies[1].headers["X-Request-ID"], "try_it"),
        *[(replies[2].headers["X-Request-ID"], "refused")] * 2,  # both rows of the request
        (replies[3].headers["X-Request-ID"], "refused"),
        (replies[4].headers["X-Request-ID"], "refused"),
    ]
    assert logged[1].prediction == replies[1].json["predictions"][0]
    assert [row.inputs for row in logged[2:4]] == [wrong, first]  # as sent
    assert [row.inputs for row in logged[4:]] == [{}, {}]  # nothing could be read
    assert {row.prediction for row in logged[2:]} == {None}
    assert summary["logged_rows"] == 6


# ---------------------------------------------------------------------------------------------
# Signals and the stop file, in a child process as the CLI and GUI run it

CHILD = """
import sys
from pathlib import Path
from mlops_desktop.core.serving import serve
from mlops_desktop.core.workspace import Workspace
summary = serve(Workspace(Path(sys.argv[1])), sys.argv[2], port=0,
                on_ready=lambda url: print(url, flush=True))
print("stopped", summary["predicted_rows"], summary["logged_rows"], flush=True)
"""


def _child(home: Path, ref: str) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(home), ref],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], TIMEOUT)
    line = process.stdout.readline().strip() if ready else ""
    if not line.startswith("http://"):
        process.kill()
        raise AssertionError(f"the server did not start: {line} {process.communicate()[1]}")
    return process, line


def _request_stop_by_file(home: Path, pid: int) -> None:
    """What the GUI and ``servers stop`` do on every platform (Windows has no SIGTERM)."""
    ws = Workspace(home)
    try:
        [server] = running_servers(ws)
        assert server["pid"] == pid
        assert control.request_stop(ws, server["deployment"])
    finally:
        ws.close()


@pytest.mark.parametrize("stop_by", [signal.SIGTERM, signal.SIGINT, "stop file"])
def test_a_signal_or_the_stop_file_stops_a_serving_process_gracefully_with_the_gui_writing(
    fresh_home: Path, stop_by: int | str
) -> None:
    home = fresh_home
    process, url = _child(home, "flowers")
    sent: dict[str, int] = {}
    problems: list[str] = []
    lock = threading.Lock()
    gui_stop = threading.Event()
    gui_errors: list[BaseException] = []
    gui = threading.Thread(target=_writer_in_the_gui, args=(home, gui_stop, gui_errors))
    gui.start()
    clients = [
        threading.Thread(target=_hammer, args=(url, 60, lambda n: 1 + n % 4, sent, problems, lock))
        for _ in range(4)
    ]
    for thread in clients:
        thread.start()
    for thread in clients:
        thread.join(TIMEOUT)
    gui_stop.set()
    gui.join(TIMEOUT)
    if isinstance(stop_by, str):
        _request_stop_by_file(home, process.pid)
    else:
        process.send_signal(stop_by)
    out, err = process.communicate(timeout=TIMEOUT)
    assert process.returncode == 0, err
    assert not problems and not gui_errors, (problems[:5], gui_errors)
    total = sum(sent.values())
    assert out.split() == ["stopped", str(total), str(total)]
    assert "Traceback" not in err
    ws = Workspace(home)
    try:
        with ws.store.read() as session:
            [deployment] = session.scalars(sql_select(Deployment))
            assert deployment.stopped_at is not None and deployment.pid == process.pid
        assert len(_logged(ws)) == total
        _check_log(ws, deployment.id, sent)
        assert ws.store.integrity_ok()
    finally:
        ws.close()


def test_sigkill_while_logging_leaves_the_store_intact(fresh_home: Path) -> None:
    home = fresh_home
    process, url = _child(home, "flowers")
    sent: dict[str, int] = {}
    problems: list[str] = []
    lock = threading.Lock()
    killed = threading.Event()
    clients = [
        threading.Thread(
            target=_hammer,
            args=(url, 100_000, lambda n: 1 + n % 5, sent, problems, lock, killed),
        )
        for _ in range(6)
    ]
    for thread in clients:
        thread.start()
    ws = Workspace(home)
    try:
        _wait_for(lambda: len(_logged(ws)) > 50)  # the log writer is busy
        process.kill()
        killed.set()
        process.wait(TIMEOUT)
        for thread in clients:
            thread.join(TIMEOUT)
        assert not problems, problems[:5]
        with ws.store.read() as session:
            assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            [deployment] = session.scalars(sql_select(Deployment))
            assert deployment.stopped_at is None and deployment.pid == process.pid
        assert ws.store.integrity_ok()
        model_registry.set_description(ws, "flowers", 1, "still writable")  # nothing left locked
    finally:
        ws.close()


# ---------------------------------------------------------------------------------------------
# Fuzzing the parser and the app: no input gets a 5xx


NAMES = ["sepal_length_cm", "sepal_width_cm", "petal_length_cm", "petal_width_cm"]
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.sampled_from(["5.1", "yes", "", "inf", "nan", "1e999", "-0", "\ud800", "\x00"]),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from([*NAMES, "x", "columns", "data"]) | st.text(max_size=5),
            children,
            max_size=5,
        )
    ),
    max_leaves=20,
)
rows = st.lists(
    st.dictionaries(st.sampled_from([*NAMES, "other"]), scalars, max_size=6)
    | st.fixed_dictionaries({name: scalars for name in NAMES}),  # complete rows reach the model
    max_size=4,
)
documents = st.one_of(
    json_values,
    st.fixed_dictionaries({}, optional={form: json_values for form in parsing.FORMS}),
    st.builds(lambda r: {"dataframe_records": r}, rows),
    st.builds(lambda r: {"instances": r}, rows),
    st.builds(
        lambda r, columns: {"dataframe_split": {"columns": columns, "data": r}},
        st.lists(st.lists(scalars, max_size=5), max_size=4),
        st.lists(st.sampled_from(NAMES), max_size=5),
    ),
    st.builds(
        lambda r: {"inputs": r},
        st.dictionaries(st.sampled_from(NAMES), st.lists(scalars, max_size=3) | scalars),
    ),
)


plausible = st.one_of(
    st.floats(min_value=-1e3, max_value=1e3),
    st.integers(min_value=-1000, max_value=1000),
    st.floats(min_value=-1e3, max_value=1e3).map(str),
    scalars,
)
complete_rows = st.lists(st.fixed_dictionaries({name: plausible for name in NAMES}), min_size=1)
nearly_right = st.one_of(
    complete_rows.map(lambda r: {"dataframe_records": r}),
    complete_rows.map(lambda r: {"instances": r}),
    complete_rows.map(lambda r: {"inputs": {n: [row[n] for row in r] for n in NAMES}}),
    complete_rows.map(
        lambda r: {"dataframe_split": {"columns": NAMES, "data": [list(row.values()) for row in r]}}
    ),
)


def _encoded(document: Any) -> bytes:
    return json.dumps(document, allow_nan=True).encode()


bodies = st.one_of(
    st.binary(max_size=200),
    documents.map(_encoded),
    nearly_right.map(_encoded),
    st.lists(st.lists(scalars.map(str), min_size=1, max_size=5), max_size=5).map(
        lambda lines: "\n".join(",".join(line) for line in lines).encode("utf-8", "surrogatepass")
    ),
    st.just(b"sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n5.1,3.5,1.4,0.2\n"),
)


@settings(max_examples=400, deadline=None)
@given(
    body=bodies,
    kind=st.sampled_from(["json", "csv"]),
    charset=st.sampled_from([None, "utf-8", "latin-1", "utf-16", "nope"]),
)
def test_the_parser_only_ever_refuses_with_a_message(
    body: bytes, kind: str, charset: str | None
) -> None:
    try:
        parsed = parsing.parse(body, kind, charset, NAMES)
    except (parsing.BadBody, parsing.UnsupportedCharset) as error:
        assert error.message
        return
    assert set(parsed.columns) <= set(NAMES)
    assert all(len(values) == parsed.count for values in parsed.columns.values())


@pytest.fixture(scope="module")
def wsgi(models: Workspace) -> Iterator[Client]:
    record, pipeline = model_registry.load(models, "flowers")
    app = ServingApp(record, pipeline, token=None)
    app.start()
    yield Client(app)
    app.close()


content_types = st.one_of(
    st.none(),
    st.sampled_from(
        [
            "application/json",
            "text/csv",
            "application/json; charset=utf-16",
            "text/csv; charset=latin-1",
            "application/json; charset=bogus",
            "multipart/form-data; boundary=x",
            "application/x-www-form-urlencoded",
            "application/vnd.api+json",
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=30),
)
header_texts = st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=255), max_size=70)


def _check_answer(response: Any, method: str) -> None:
    event(f"status {response.status_code}")
    assert response.status_code < 500, response.get_data()
    assert response.headers.get("X-Request-ID")
    if response.mimetype == "text/plain":  # /ping and /version answer as MLflow's do
        assert response.status_code == 200
    elif method != "HEAD":
        document = json.loads(response.get_data())
        if response.status_code >= 400:
            assert set(document) == {"error_code", "message"}
            assert "Traceback" not in document["message"]
        elif response.status_code == 200 and "predictions" in document:
            assert document["predictions"] and "probabilities" in document


# Huge numbers overflow the float32 a forest computes in; the app must still answer (a 200 or a 400).
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@settings(
    max_examples=500, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    path=st.sampled_from(["/invocations", "/predict"]),
    content_type=st.one_of(
        st.sampled_from([None, "application/json", "text/csv", "application/json; charset=utf-8"]),
        content_types,
    ),
    body=bodies,
)
def test_any_body_posted_for_prediction_gets_predictions_or_a_4xx(
    wsgi: Client, path: str, content_type: str | None, body: bytes
) -> None:
    headers = {} if content_type is None else {"Content-Type": content_type}
    _check_answer(wsgi.post(path, data=body, headers=headers), "POST")


# Huge numbers overflow the float32 a forest computes in; the app must still answer (a 200 or a 400).
@pytest.mark.filterwarnings("ignore:overflow encountered in cast:RuntimeWarning")
@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS", "BREW"]),
    path=st.one_of(
        st.sampled_from(
            ["/invocations", "/predict", "/health", "/ping", "/metadata", "/openapi.json", "/"]
        ),
        st.text(
            alphabet=st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="?#"),
            max_size=20,
        ).map(lambda t: "/" + t.lstrip("/")),  # "//[" would be a host to the test client
    ),
    content_type=content_types,
    body=st.binary(max_size=50) | documents.map(_encoded),
    request_id=st.none() | header_texts,
    authorization=st.none() | header_texts,
)
def test_any_method_path_and_headers_get_an_answer_never_a_5xx(
    wsgi: Client,
    method: str,
    path: str,
    content_type: str | None,
    body: bytes,
    request_id: str | None,
    authorization: str | None,
) -> None:
    headers = {}
    if content_type is not None:
        headers["Content-Type"] = content_type
    if request_id is not None:
        headers["X-Request-ID"] = request_id
    if authorization is not None:
        headers["Authorization"] = authorization
    _check_answer(wsgi.open(path, method=method, data=body, headers=headers), method)


plain_values = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**60), max_value=2**60),
    st.sampled_from([0, 1, 2**53, 2**53 + 1, -(2**53) - 1]),
    st.floats(allow_nan=False, allow_infinity=True),
    st.sampled_from([0.0, -0.0, 1.0, 2.5, 1e20, 1e300]),
    st.text(max_size=4),
    st.sampled_from(["yes", "no", "1", "2.5", " 3 ", "", "\ud800"]),
)


@settings(max_examples=600, deadline=None)
@given(
    data=st.data(),
    kinds=st.lists(
        st.tuples(st.sampled_from(["numeric", "boolean", "categorical"]), st.booleans()),
        min_size=1,
        max_size=4,
    ),
    count=st.integers(min_value=1, max_value=6),
)
def test_a_few_plain_rows_are_prepared_exactly_as_pandas_prepares_them(
    data: st.DataObject, kinds: list[tuple[str, bool]], count: int
) -> None:
    """A request's rows go value by value (fast) unless a value needs pandas; either way the
    model gets the very same frame, or the request the very same message."""
    schema = [
        {"name": f"c{index}", "type": kind, "required": required}
        for index, (kind, required) in enumerate(kinds)
    ]
    typical = {
        "numeric": st.one_of(st.none(), st.integers(-1000, 1000), st.floats(-1e6, 1e6)),
        "boolean": st.one_of(st.none(), st.booleans()),
        "categorical": st.one_of(st.none(), st.sampled_from(["a", "b", "ü"]), st.integers(0, 3)),
    }
    columns = {
        column["name"]: data.draw(
            st.lists(
                st.one_of(typical[column["type"]], plain_values)
                if data.draw(st.booleans())
                else typical[column["type"]],
                min_size=count,
                max_size=count,
            )
        )
        for column in schema
        if data.draw(st.integers(0, 9)) > 0  # now and then a column is left out
    }
    rows = parsing.Rows(columns, count)
    outcomes: list[pd.DataFrame | str] = []
    for plain_rows in (batching.PLAIN_ROWS, 0):  # 0: pandas reads every column
        with mock.patch.object(batching, "PLAIN_ROWS", plain_rows):
            try:
                outcomes.append(batching.checked(rows, schema))
            except UserError as error:
                outcomes.append(error.message)
    fast, general = outcomes
    try:
        event("pandas" if scoring.prepare_values(columns, count, schema) is None else "values")
    except UserError:
        event("values")
    if isinstance(general, str):
        assert fast == general
    else:
        assert isinstance(fast, pd.DataFrame)
        pd.testing.assert_frame_equal(fast, general, check_exact=True)
