"""A model trained on a prepared version takes the raw columns: its recipe's column steps run in
front of its pipeline, in batch scoring, in the server and in monitoring."""

import html
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.pipeline import Pipeline

from mlops_desktop.core.data import dataset_rules, datasets, recipes, validation
from mlops_desktop.core.data.column_steps import ColumnSteps
from mlops_desktop.core.data.preparation import feature_frame
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import checks
from mlops_desktop.core.registry import bundles, model_registry
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.workspace import Workspace
from tests.core.test_serving import Http, start_server

RECIPE = [
    {"op": "drop_duplicates"},
    {"op": "fill_missing", "column": "income", "strategy": "median"},
    {"op": "ratio", "numerator": "debt", "denominator": "income", "to": "debt_ratio"},
    {"op": "date_parts", "column": "signup", "parts": ["year", "month", "dayofweek"]},
    {"op": "group_rare", "column": "region", "min_share": 0.05},
    {"op": "bin", "column": "age", "bins": 4},
    {"op": "remove_outliers", "column": "debt", "method": "iqr"},
    {"op": "rename", "column": "member", "to": "is_member"},
    {"op": "fill_missing", "column": "repaid", "strategy": "most_frequent"},
    {"op": "drop_columns", "columns": ["signup", "note"]},
]


def _loans(rows: int, seed: int) -> pd.DataFrame:
    """Messy loan applications: gaps, dates as text, a rare region, yes/no, repeated rows."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50, 15, rows).round(1)
    income[rng.random(rows) < 0.1] = np.nan
    debt = rng.gamma(2, 5, rows).round(1)
    signup = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 700, rows), unit="D")
    frame = pd.DataFrame(
        {
            "income": income,
            "debt": debt,
            "signup": signup.strftime("%Y-%m-%d"),
            "region": rng.choice(
                ["north", "south", "east", "isle"], rows, p=[0.4, 0.3, 0.28, 0.02]
            ),
            "member": rng.choice(["yes", "no"], rows),
            "age": rng.integers(18, 80, rows),
            "note": [f"application {i}" for i in range(rows)],
            "repaid": np.where(debt / np.nan_to_num(income, nan=50) < 0.2, "yes", "no"),
        }
    )
    return pd.concat([frame, frame.head(15)], ignore_index=True)


@pytest.fixture(scope="module")
def prepared_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("prepared")
    _loans(500, 3).to_csv(folder / "loans.csv", index=False)
    ws = Workspace(folder / "workspace")
    try:
        datasets.import_file(ws, folder / "loans.csv")
        recipes.prepare(ws, "loans", RECIPE)
        run = training.train(
            ws,
            training.Recipe(
                dataset="loans prepared@1",
                target="repaid",
                algorithm="random_forest",
                params={"n_estimators": 25},
            ),
        )[0]
        assert run["status"] == "finished", run
        model_registry.register(ws, run["run_id"], "loans")
    finally:
        ws.close()
    return folder / "workspace"


@pytest.fixture
def ws(prepared_home: Path, tmp_path: Path) -> Iterator[Workspace]:
    home = tmp_path / "copy"
    shutil.copytree(prepared_home, home)
    workspace = Workspace(home)
    yield workspace
    workspace.close()


def _raw_file(tmp_path: Path) -> tuple[Path, pd.DataFrame]:
    """New raw applications as a client has them: no target, a gap, the rare region."""
    rows = _loans(60, 11).drop(columns=["repaid"])
    rows.loc[0, "income"] = np.nan
    rows.loc[1, "region"] = "isle"
    path = tmp_path / "new.csv"
    rows.to_csv(path, index=False)
    return path, rows


def _prepared_and_raw(ws: Workspace) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The prepared version's rows, and the raw rows they were made from (as a CSV file gives
    them to a client: dates and yes/no as text)."""
    version = datasets.get_version(ws, "loans prepared@1")
    raw = recipes.raw_rows(ws, version)
    assert raw is not None
    return datasets.load_frame(ws, version), raw.drop(columns=["repaid"])


def test_the_model_takes_the_raw_columns_its_recipe_starts_from(ws: Workspace) -> None:
    record = model_registry.show_model(ws, "loans")
    inputs = {column["name"]: column for column in record["inputs"]}
    assert list(inputs) == ["income", "debt", "signup", "region", "member", "age"]
    assert inputs["signup"]["type"] == "datetime" and inputs["member"]["type"] == "boolean"
    assert inputs["income"]["required"] is False  # the recipe fills its gaps
    assert "isle" in inputs["region"]["categories"]  # a raw category, grouped by the recipe
    assert set(record["example"]) == set(inputs)  # the sample request is a raw row
    run = training.show_run(ws, record["run_id"])
    features = {feature["name"] for feature in run["features"]}
    assert {"debt_ratio", "signup_year", "is_member"} <= features and "signup" not in features


def test_batch_scoring_raw_rows_gives_the_predictions_of_the_prepared_rows(
    ws: Workspace, tmp_path: Path
) -> None:
    """Every training row: the saved pipeline on its raw form, read from a CSV file, predicts
    what the model learned on the prepared form predicts, in the app and on its own."""
    prepared, raw = _prepared_and_raw(ws)
    raw.to_csv(tmp_path / "raw.csv", index=False)
    scoring.score_file(ws, "loans", tmp_path / "raw.csv", tmp_path / "out.csv")
    scored = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    _record, pipeline = model_registry.load(ws, "loans")
    steps = pipeline.named_steps["recipe"]
    assert isinstance(steps, ColumnSteps)
    inner = Pipeline(pipeline.steps[2:])
    expected = inner.predict_proba(feature_frame(prepared, steps.features))
    columns = [f"probability_{label}" for label in inner.classes_]
    assert len(scored) == len(prepared) > 400
    assert np.array_equal(scored[columns].to_numpy(dtype=float), expected)
    outside = pipeline.predict_proba(pd.read_csv(tmp_path / "raw.csv"))
    assert np.array_equal(outside, expected)


def test_the_server_predicts_from_raw_rows_as_batch_scoring_does(
    ws: Workspace, tmp_path: Path
) -> None:
    path, raw = _raw_file(tmp_path)
    scoring.score_file(ws, "loans", path, tmp_path / "out.csv")
    batch = pd.read_csv(tmp_path / "out.csv", keep_default_na=False)
    records = raw.astype(object).where(raw.notna(), None).to_dict(orient="records")
    running = start_server(ws, "loans")
    client = Http(running.url)
    try:
        one = [
            client("POST", "/invocations", {"dataframe_records": [row]}).json for row in records[:5]
        ]
        many = client("POST", "/invocations", {"dataframe_records": records})
        text = client("POST", "/invocations", path.read_text(), content_type="text/csv")
    finally:
        client.close()
        running.finish()
    assert many.status == 200 and text.status == 200, (many.body, text.body)
    expected = [str(v) for v in batch["prediction"]]
    assert [str(v) for v in many.json["predictions"]] == expected
    assert [str(v) for v in text.json["predictions"]] == expected
    assert [str(reply["predictions"][0]) for reply in one] == expected[:5]
    columns = [c for c in batch.columns if c.startswith("probability_")]
    probabilities = [
        [row[c.removeprefix("probability_")] for c in columns] for row in many.json["probabilities"]
    ]
    assert np.allclose(probabilities, batch[columns].to_numpy(dtype=float))


def test_the_held_out_rows_are_raw_rows_and_give_the_runs_metrics(ws: Workspace) -> None:
    record, pipeline = model_registry.load(ws, "loans")
    split = training.run_split(ws, record["run_id"])
    rows, truth = split.held_out, split.held_out_truth
    assert "signup" in rows and "debt_ratio" not in rows  # as imported
    # Each raw row is the one its prepared row came from: the same debt (no step changes it),
    # and no application both trained on and held out.
    prepared = datasets.load_frame(ws, datasets.get_version(ws, "loans prepared@1"))
    assert len(split.trained) + len(rows) == len(prepared)
    for part in (split.trained, rows):
        assert "signup" in part and "debt_ratio" not in part
        assert part["debt"].tolist() == prepared["debt"].iloc[part.index.to_numpy()].tolist()
    assert not set(split.trained["note"]) & set(rows["note"])
    predicted, _ = scoring.predict(
        pipeline, "classification", scoring.prepare(rows, record["inputs"])
    )
    accuracy = np.mean([str(p) == str(t) for p, t in zip(predicted, truth, strict=True)])
    assert accuracy == pytest.approx(training.show_run(ws, record["run_id"])["metrics"]["accuracy"])


def test_monitoring_a_prepared_model_compares_raw_inputs(ws: Workspace, tmp_path: Path) -> None:
    _loans(400, 5).to_csv(tmp_path / "later.csv", index=False)
    datasets.import_file(ws, tmp_path / "later.csv", name="later")
    report = checks.check(ws, "loans", current="later")
    columns = {column["name"]: column for column in report["columns"]}
    assert {"income", "region", "member"} <= set(columns) and "debt_ratio" not in columns
    assert report["n_current"] == 415
    # Dates always move on: the date the recipe splits into parts is shown, not compared.
    signup = columns["signup"]
    assert signup["status"] == "not computable" and signup["n_current"] == 415
    assert "dates, which are not compared" in signup["explanation"]


def test_requests_are_checked_against_the_rules_of_the_raw_data(ws: Workspace) -> None:
    """The prepared version's own dataset has rules about prepared columns (age as ranges, say);
    a request holds raw columns, so the server checks the imported dataset's rules."""
    record = model_registry.show_model(ws, "loans")
    checker = dataset_rules.model_checker(ws, record)
    assert len(checker) == len(
        [
            rule
            for rule in dataset_rules.rules_of(ws, "loans")
            if rule["column"] in {c["name"] for c in record["inputs"]}
            and rule["rule"] not in validation.NOT_CHECKED_WHEN_SERVING
        ]
    )
    example = [record["example"][column["name"]] for column in record["inputs"]]
    too_old = [*example[:-1], 200.0]  # an age beyond the imported data's range (as served: a float)
    assert checker.check_rows([example, too_old]) == [None, [{"column": "age", "rule": "range"}]]


def test_the_model_card_says_which_steps_the_model_applies(ws: Workspace) -> None:
    card = model_registry.model_card(ws, "loans")
    assert card["prepared"]["from"] == "loans@1"
    steps = card["prepared"]["steps"]
    assert steps[0] == "Fill missing 'income' with the median"
    assert "Drop duplicate rows" not in steps  # a row step stays behind
    assert not any("repaid" in step for step in steps)  # so do steps on the target
    assert f"<li>{html.escape(steps[-1])}</li>" in model_registry.card_html(card)
    assert steps[-1] == "Rename 'member' to 'is_member'"


def test_a_bundle_carries_a_prepared_model_and_its_raw_held_out_rows(
    ws: Workspace, tmp_path: Path
) -> None:
    """The bundle's pipeline holds the recipe's steps, its held-out rows are raw rows, and in
    another workspace it predicts raw rows and is monitored as at its source."""
    path = tmp_path / "loans.mlbundle"
    bundles.export_bundle(ws, "loans", path, with_data=True)
    with zipfile.ZipFile(path) as archive:
        readme = archive.read("README.txt").decode()
    assert "ColumnSteps" in readme and "RawInputs" in readme
    other = Workspace(tmp_path / "other")
    try:
        bundles.import_bundle(other, path)
        raw, _rows = _raw_file(tmp_path)
        there = pd.read_csv(scoring.score_file(ws, "loans", raw, tmp_path / "a.csv")["output"])
        here = pd.read_csv(scoring.score_file(other, "loans", raw, tmp_path / "b.csv")["output"])
        pd.testing.assert_frame_equal(there, here)
        for workspace in (ws, other):
            datasets.import_file(workspace, raw, "new applications")
        source = checks.check(ws, "loans", current="new applications")
        arrived = checks.check(other, "loans", current="new applications")
        assert arrived["n_reference"] == source["n_reference"] > 0
        assert arrived["columns"] == source["columns"]
    finally:
        other.close()
