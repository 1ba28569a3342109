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
from mlops_desktop.core.serving import ServingApp, scoring
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


def test_the_command_line_writes_the_mlflow_directory(flowers: Workspace, tmp_path: Path) -> None:
    from mlops_desktop.cli import main

    def export(out: Path, *extra: str) -> int:
        command = ["models", "export", "flowers", str(out), "--format", "mlflow", *extra]
        return main([*command, "--home", str(flowers.home)])

    out = tmp_path / "served-elsewhere"
    assert export(out) == 0
    assert (out / "MLmodel").is_file() and (out / "model.pkl").is_file()
    assert export(tmp_path / "x", "--with-data") == 1 and not (tmp_path / "x").exists()
    home = ["--home", str(flowers.home)]
    assert main(["models", "import-mlflow", str(out), "--name", "from the cli", *home]) == 0
    assert model_registry.show_model(flowers, "from the cli")["imported_from"]["mlflow_model"]
    assert main(["models", "import-mlflow", str(tmp_path), "--name", "nothing", *home]) == 1


def test_an_mlflow_model_is_imported_served_and_carded_like_any_version(
    flowers: Workspace, tmp_path: Path
) -> None:
    """Issue 17, point 4: a scikit-learn MLflow model (here, one this app wrote) becomes the
    next version of a model; it predicts as the source does on the same rows."""
    folder = Path(mlflow_format.export_mlflow(flowers, "flowers", tmp_path / "model")["output"])
    record = mlflow_format.import_mlflow(flowers, folder, "flowers from mlflow")
    assert record["imported_from"]["mlflow_model"] == str(folder.resolve())
    assert [c["name"] for c in record["inputs"]] == [
        c["name"] for c in model_registry.show_model(flowers, "flowers")["inputs"]
    ]
    body = json.dumps({"dataframe_split": _rows(flowers, 40)}).encode()
    answers = []
    for ref in ("flowers", record["ref"]):
        found, pipeline = model_registry.load(flowers, ref)
        app = ServingApp(found, pipeline, token=None)
        app.start()
        try:
            reply = Client(app).post("/invocations", data=body, content_type="application/json")
            answers.append(reply.json["predictions"])
        finally:
            app.close()
    assert answers[0] == answers[1]
    assert "Imported from the MLflow model" in model_registry.card_html(
        model_registry.model_card(flowers, record["ref"])
    )


def test_what_is_not_a_scikit_learn_mlflow_model_is_refused_in_one_sentence(
    flowers: Workspace, tmp_path: Path
) -> None:
    before = model_registry.list_models(flowers)
    with pytest.raises(UserError, match="has no MLmodel file"):
        mlflow_format.import_mlflow(flowers, tmp_path, "other")
    other = tmp_path / "pytorch"
    other.mkdir()
    (other / "MLmodel").write_text("flavors:\n  pytorch:\n    model_data: data\n")
    with pytest.raises(UserError, match="not a scikit-learn MLflow model"):
        mlflow_format.import_mlflow(flowers, other, "other")
    assert model_registry.list_models(flowers) == before


def test_a_notebook_model_saved_by_mlflow_3_in_skops_is_imported(
    flowers: Workspace, tmp_path: Path
) -> None:
    """MLflow 3 saves scikit-learn models with skops (no pickle) by default: such a directory,
    written here as MLflow writes it, imports and predicts as the notebook's model does."""
    import pandas as pd
    import skops.io
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    frame = pd.read_csv(SAMPLES / "iris.csv")
    inputs, target = frame.drop(columns=["species"]), frame["species"]
    notebook = make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)).fit(inputs, target)
    folder = tmp_path / "nb_model"
    folder.mkdir()
    skops.io.dump(notebook, folder / "model.skops")
    signature = json.dumps([{"type": "double", "name": name, "required": True} for name in inputs])
    (folder / "MLmodel").write_text(
        "flavors:\n  sklearn:\n    pickled_model: model.skops\n    serialization_format: skops\n"
        f"signature:\n  inputs: '{signature}'\n"
    )
    record = mlflow_format.import_mlflow(flowers, folder, "notebook")
    found, pipeline = model_registry.load(flowers, record["ref"])
    predicted, _ = scoring.predict(
        pipeline, found["task"], scoring.prepare(inputs, found["inputs"])
    )
    assert list(predicted) == list(notebook.predict(inputs))
