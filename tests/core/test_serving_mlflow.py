"""The model server answers MLflow's clients as MLflow's own scoring server would: /ping and
/version, MLflow's error code names, and Parquet bodies (issue 17, point 5)."""

import io
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from werkzeug.test import Client

from mlops_desktop import __version__
from mlops_desktop.core.data import datasets
from mlops_desktop.core.experiments import training
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import ServingApp, scoring
from mlops_desktop.core.serving.parsing import PARQUET_UNPACKED_FACTOR
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES

PARQUET = "application/vnd.apache.parquet"


@pytest.fixture(scope="module")
def flowers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Workspace, Client]]:
    ws = Workspace(tmp_path_factory.mktemp("mlflow") / "workspace")
    datasets.import_file(ws, SAMPLES / "iris.csv")
    run = training.train(
        ws, training.Recipe(dataset="iris", target="species", algorithm="logistic_regression")
    )[0]
    model_registry.register(ws, run["run_id"], "flowers")
    record, pipeline = model_registry.load(ws, "flowers")
    app = ServingApp(record, pipeline, token=None)
    app.start()
    yield ws, Client(app)
    app.close()
    ws.close()


def _inputs(ws: Workspace, rows: int) -> pd.DataFrame:
    record = model_registry.show_model(ws, "flowers")
    frame = datasets.load_frame(ws, datasets.get_version(ws, record["dataset"]))
    return frame[[column["name"] for column in record["inputs"]]].head(rows)


def _parquet(table: pa.Table, compression: str = "snappy") -> bytes:
    sink = io.BytesIO()
    pq.write_table(table, sink, compression=compression)
    return sink.getvalue()


def test_ping_and_version_answer_as_mlflow(flowers: tuple[Workspace, Client]) -> None:
    _ws, client = flowers
    ping = client.get("/ping")
    assert ping.status_code == 200 and ping.data == b"\n"
    version = client.get("/version")
    assert version.status_code == 200 and version.data.decode() == __version__
    health = client.get("/health").json  # the richer document stays
    assert health is not None and (health["model"], health["version"]) == ("flowers", 1)


def test_errors_carry_mlflow_code_names(flowers: tuple[Workspace, Client]) -> None:
    _ws, client = flowers
    missing = client.get("/no-such-route")
    assert missing.status_code == 404 and missing.json["error_code"] == "ENDPOINT_NOT_FOUND"
    broken = client.post("/invocations", data=b"{", content_type="application/json")
    assert broken.status_code == 400 and broken.json["error_code"] == "MALFORMED_REQUEST"
    wrong = client.post(
        "/invocations",
        json={"dataframe_records": [{"sepal_length_cm": "long"}]},
    )
    assert wrong.status_code == 400 and wrong.json["error_code"] == "INVALID_PARAMETER_VALUE"


def test_a_parquet_body_is_predicted_like_the_same_rows_as_json(
    flowers: tuple[Workspace, Client],
) -> None:
    ws, client = flowers
    rows = _inputs(ws, 25)
    extra = rows.assign(comment="not an input")  # columns the model does not use are ignored
    reply = client.post(
        "/invocations",
        data=_parquet(pa.Table.from_pandas(extra, preserve_index=False)),
        content_type=PARQUET,
    )
    assert reply.status_code == 200, reply.data
    record, pipeline = model_registry.load(ws, "flowers")
    expected, _ = scoring.predict(pipeline, record["task"], scoring.prepare(rows, record["inputs"]))
    assert reply.json["predictions"] == list(expected)
    as_json = client.post("/invocations", json={"dataframe_split": rows.to_dict("split")})
    assert as_json.json["predictions"] == reply.json["predictions"]


def test_a_parquet_body_that_is_no_parquet_is_one_sentence(
    flowers: tuple[Workspace, Client],
) -> None:
    _ws, client = flowers
    reply = client.post("/invocations", data=b"PAR1 this is not parquet", content_type=PARQUET)
    assert reply.status_code == 400
    assert reply.json["error_code"] == "MALFORMED_REQUEST"
    assert reply.json["message"].startswith("The body is not a readable Parquet file")


def test_a_parquet_body_that_unpacks_to_far_more_than_it_weighs_is_refused(
    flowers: tuple[Workspace, Client],
) -> None:
    ws, client = flowers
    column = _inputs(ws, 1).columns[0]
    rows = 200_000
    bomb = _parquet(pa.table({column: pa.array([1.0] * rows)}), compression="zstd")
    assert rows * 8 > PARQUET_UNPACKED_FACTOR * len(bomb)  # the premise: it packs that well
    reply = client.post("/invocations", data=bomb, content_type=PARQUET)
    assert reply.status_code == 400
    assert "unpacks to far more than it weighs" in reply.json["message"]


def test_nested_parquet_values_are_refused(
    flowers: tuple[Workspace, Client], tmp_path: Path
) -> None:
    ws, client = flowers
    column = _inputs(ws, 1).columns[0]
    nested = _parquet(pa.table({column: pa.array([[1.0, 2.0], [3.0]])}))
    reply = client.post("/invocations", data=nested, content_type=PARQUET)
    assert reply.status_code == 400
    assert reply.json["error_code"] == "INVALID_PARAMETER_VALUE"
    assert f"'{column}' holds lists or records" in reply.json["message"]


def test_the_openapi_document_names_parquet_and_the_plain_text_routes(
    flowers: tuple[Workspace, Client],
) -> None:
    _ws, client = flowers
    document = client.get("/openapi.json").json
    assert PARQUET in document["paths"]["/invocations"]["post"]["requestBody"]["content"]
    for path in ("/ping", "/version"):
        assert set(document["paths"][path]["get"]["responses"]["200"]["content"]) == {"text/plain"}
