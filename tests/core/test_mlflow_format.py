"""A model version written as an MLflow model directory (issue 17, point 3): the files MLflow
reads, and — where mlflow is installed — ``mlflow models serve`` answering with this app's
predictions on the same rows."""

import json
import os
import shutil
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from werkzeug.test import Client

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.registry import mlflow_format, model_registry
from mlops_desktop.core.serving import ServingApp
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES

MLFLOW_ENV = "MLOPS_DESKTOP_MLFLOW"  # the mlflow command to check against (a venv of its own)
SERVE_SECONDS = 180


@pytest.fixture(scope="module")
def flowers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = Workspace(tmp_path_factory.mktemp("mlflow-format") / "workspace")
    datasets.import_file(ws, SAMPLES / "iris.csv")
    run = training.train(
        ws, training.Recipe(dataset="iris", target="species", algorithm="logistic_regression")
    )[0]
    model_registry.register(ws, run["run_id"], "flowers")
    yield ws
    ws.close()


def _rows(ws: Workspace, count: int) -> dict[str, Any]:
    record = model_registry.show_model(ws, "flowers")
    frame = datasets.load_frame(ws, datasets.get_version(ws, record["dataset"]))
    names = [column["name"] for column in record["inputs"]]
    return {"columns": names, "data": frame[names].head(count).to_numpy().tolist()}


def test_the_directory_holds_what_mlflow_reads(flowers: Workspace, tmp_path: Path) -> None:
    result = mlflow_format.export_mlflow(flowers, "flowers", tmp_path / "model")
    folder = Path(result["output"])
    assert {p.name for p in folder.iterdir()} >= {
        "MLmodel",
        "model.pkl",
        "requirements.txt",
        "python_env.yaml",
        "input_example.json",
    }
    mlmodel = yaml.safe_load((folder / "MLmodel").read_text())
    assert mlmodel["flavors"]["python_function"]["loader_module"] == "mlflow.sklearn"
    assert mlmodel["flavors"]["sklearn"]["serialization_format"] == "pickle"
    inputs = json.loads(mlmodel["signature"]["inputs"])
    record = model_registry.show_model(flowers, "flowers")
    assert [(c["name"], c["type"]) for c in inputs] == [
        (column["name"], "double") for column in record["inputs"]
    ]
    requirements = (folder / "requirements.txt").read_text().split()
    assert f"scikit-learn=={record['library_versions']['scikit-learn']}" in requirements
    example = json.loads((folder / "input_example.json").read_text())
    assert example["columns"] == [column["name"] for column in record["inputs"]]


def test_a_folder_that_is_not_empty_is_refused_and_left_alone(
    flowers: Workspace, tmp_path: Path
) -> None:
    taken = tmp_path / "taken"
    taken.mkdir()
    (taken / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="is not an empty folder"):
        mlflow_format.export_mlflow(flowers, "flowers", taken)
    assert [p.name for p in taken.iterdir()] == ["notes.txt"]


def _mlflow() -> str:
    found = os.environ.get(MLFLOW_ENV) or shutil.which("mlflow")
    if not found:
        pytest.skip(
            f"mlflow is not installed: set {MLFLOW_ENV} to an mlflow command (in a venv of its "
            "own) to check `mlflow models serve` against this app's server"
        )
    return found


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_mlflow_models_serve_answers_with_this_apps_predictions(
    flowers: Workspace, tmp_path: Path
) -> None:
    command = _mlflow()
    folder = Path(mlflow_format.export_mlflow(flowers, "flowers", tmp_path / "model")["output"])
    port = _free_port()
    environment = {
        **os.environ,
        "PATH": f"{Path(command).parent}{os.pathsep}{os.environ.get('PATH', '')}",
    }
    arguments = ["-m", str(folder), "--env-manager", "local", "-p", str(port)]
    server = subprocess.Popen(
        [command, "models", "serve", *arguments, "--host", "127.0.0.1"],
        env=environment,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        deadline = time.monotonic() + SERVE_SECONDS
        while True:
            assert server.poll() is None, server.stderr.read() if server.stderr else ""
            try:
                if opener.open(f"{url}/ping", timeout=2).status == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "mlflow models serve never answered /ping"
            time.sleep(0.5)
        body = json.dumps({"dataframe_split": _rows(flowers, 40)}).encode()
        request = urllib.request.Request(
            f"{url}/invocations", body, {"Content-Type": "application/json"}
        )
        theirs = json.loads(opener.open(request, timeout=30).read())["predictions"]
    finally:
        server.terminate()
        server.wait(timeout=30)
    record, pipeline = model_registry.load(flowers, "flowers")
    app = ServingApp(record, pipeline, token=None)
    app.start()
    try:
        ours = Client(app).post("/invocations", data=body, content_type="application/json").json
    finally:
        app.close()
    assert ours is not None and theirs == ours["predictions"]
