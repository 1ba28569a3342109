"""A run's held-out predictions (the Predictions table) and the recommended run of each set of
runs scored on the same rows (the runs table's mark)."""

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from sklearn.metrics import r2_score

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import predictions, run_history, training
from mlops_desktop.core.experiments.predictions import (
    ERROR,
    PREDICTION,
    PROBABILITY,
    ROW,
    TRUTH,
)
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES


def _train(workspace: Workspace, dataset: str, target: str, algorithm: str, **kw: object) -> dict:
    recipe = training.Recipe(dataset=dataset, target=target, algorithm=algorithm, **kw)  # type: ignore[arg-type]
    return training.train(workspace, recipe)[0]


def test_a_runs_predictions_are_its_held_out_rows_as_its_scores_and_charts_counted_them(
    workspace: Workspace,
) -> None:
    """Iris (150 rows, 30 held out): the file holds each held-out row's place in the data, truth,
    prediction, the probability of the predicted class and of each class, then the model's
    inputs; its accuracy and confusion matrix are the run's own. It is made once and goes with
    the run."""
    datasets.import_file(workspace, SAMPLES / "iris.csv")
    run = _train(workspace, "iris", "species", "logistic_regression")
    path = predictions.predictions_file(workspace, run["run_id"])
    frame = pd.read_parquet(path)
    assert len(frame) == 30
    features = [f["name"] for f in run["features"]]
    assert predictions.input_columns(list(frame.columns)) == features
    classes = run["evaluation"]["classes"]
    assert predictions.class_names(list(frame.columns)) == classes
    held = training.run_split(workspace, run["run_id"]).held_out
    assert frame[ROW].tolist() == held.index.tolist()
    assert frame[features].to_numpy() == pytest.approx(held[features].to_numpy())
    assert (frame[TRUTH] == frame[PREDICTION]).mean() == pytest.approx(run["metrics"]["accuracy"])
    confusion = pd.crosstab(frame[TRUTH], frame[PREDICTION]).reindex(
        index=classes, columns=classes, fill_value=0
    )
    assert confusion.to_numpy().tolist() == run["evaluation"]["confusion"]
    each = frame[[f"mlops:probability:{c}" for c in classes]].to_numpy()
    assert frame[PROBABILITY].to_numpy() == pytest.approx(each.max(axis=1))
    assert each.sum(axis=1) == pytest.approx(np.ones(30))

    made = path.stat().st_mtime_ns
    assert predictions.predictions_file(workspace, run["run_id"]) == path
    assert path.stat().st_mtime_ns == made  # read again, not made again
    run_history.delete_runs(workspace, [run["run_id"]])
    assert not path.exists()


def test_a_regressions_predictions_carry_the_error_and_a_damaged_model_gives_none(
    workspace: Workspace,
) -> None:
    datasets.import_file(workspace, SAMPLES / "diabetes.csv")
    run = _train(workspace, "diabetes", "disease_progression", "linear_regression")
    frame = pd.read_parquet(predictions.predictions_file(workspace, run["run_id"]))
    assert frame[ERROR].to_numpy() == pytest.approx((frame[TRUTH] - frame[PREDICTION]).to_numpy())
    assert r2_score(frame[TRUTH], frame[PREDICTION]) == pytest.approx(run["metrics"]["r2"])
    assert PROBABILITY not in frame

    other = _train(workspace, "diabetes", "disease_progression", "knn")
    model = workspace.artifacts.path_for(other["model_sha256"], training.MODEL_SUFFIX)
    model.write_bytes(model.read_bytes()[:-10])  # damaged behind the app's back
    with pytest.raises(UserError, match="changed or damaged"):
        predictions.predictions_file(workspace, other["run_id"])


def test_the_recommended_run_is_compares_among_each_set_of_runs_scored_on_the_same_rows(
    workspace: Workspace,
) -> None:
    """Breast cancer: logistic regression and a forest alike, a one-split tree worse, and a run
    with another seed (other held-out rows) on its own. The three scored on the same rows get the
    run Compare recommends, with the same reason; the lone run gets none."""
    name = datasets.import_file(workspace, SAMPLES / "breast_cancer.csv").name
    linear = _train(workspace, name, "diagnosis", "logistic_regression")
    forest = _train(workspace, name, "diagnosis", "random_forest", params={"n_estimators": 50})
    tree = _train(workspace, name, "diagnosis", "decision_tree", params={"max_depth": 1})
    lone = _train(workspace, name, "diagnosis", "knn", seed=7)
    ids = [linear["run_id"], forest["run_id"], tree["run_id"], lone["run_id"]]

    found = run_history.recommendations(workspace, ids)
    compared = run_history.compare_runs(workspace, ids[:3])
    assert found == [
        {
            "experiment": "Default",
            "runs": ids[:3],
            "metric": "roc_auc",
            "recommended": linear["run_id"],
            "reason": compared["recommended_reason"],
        }
    ]
    assert compared["recommended"] == linear["run_id"]
    assert "cannot be told apart" in found[0]["reason"]


def test_predictions_files_are_written_whole(workspace: Workspace) -> None:
    """A predictions file is a complete Parquet file with no temporary file left beside it."""
    datasets.import_file(workspace, SAMPLES / "iris.csv")
    run = _train(workspace, "iris", "species", "knn")
    path = predictions.predictions_file(workspace, run["run_id"])
    assert pq.ParquetFile(path).metadata.num_rows == 30
    assert [p.name for p in path.parent.iterdir()] == [path.name]
