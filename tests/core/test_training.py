"""Training runs: metrics equal scikit-learn's, same seed same metrics, data problems refused."""

import os
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as sk
from sklearn.model_selection import train_test_split

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import Cancelled, UserError
from mlops_desktop.core.experiments import algorithms, training
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES
from tests.stores import both_stores


@pytest.fixture
def samples(workspace: Workspace) -> Workspace:
    datasets.import_samples(workspace, SAMPLES)
    return workspace


def _recipe(**kwargs: object) -> training.Recipe:
    return training.Recipe(**kwargs)  # type: ignore[arg-type]


def _held_out(
    workspace: Workspace, dataset: str, target: str, seed: int = 42, stratify: bool = True
):
    frame = datasets.load_frame(workspace, datasets.get_version(workspace, dataset))
    y = frame[target]
    return train_test_split(
        frame.drop(columns=[target]),
        y,
        test_size=0.2,
        random_state=seed,
        stratify=y if stratify else None,
    )


@both_stores
def test_binary_classification_metrics_equal_scikit_learns(samples: Workspace) -> None:
    run = training.train(
        samples,
        _recipe(dataset="breast cancer", target="diagnosis", algorithm="logistic_regression"),
    )[0]
    assert run["status"] == "finished" and run["task"] == "classification"
    _, X_test, _, y_test = _held_out(samples, "breast cancer", "diagnosis")
    model = training.load_model(samples, run["run_id"])
    predicted, proba = model.predict(X_test), model.predict_proba(X_test)
    assert list(model.classes_) == ["benign", "malignant"]
    expected = {
        "accuracy": sk.accuracy_score(y_test, predicted),
        "balanced_accuracy": sk.balanced_accuracy_score(y_test, predicted),
        "precision": sk.precision_score(y_test, predicted, pos_label="malignant"),
        "recall": sk.recall_score(y_test, predicted, pos_label="malignant"),
        "f1": sk.f1_score(y_test, predicted, pos_label="malignant"),
        "roc_auc": sk.roc_auc_score(y_test == "malignant", proba[:, 1]),
        "log_loss": sk.log_loss(y_test, proba, labels=model.classes_),
    }
    assert run["metrics"] == pytest.approx(expected, rel=1e-12)


def test_multiclass_and_regression_metrics_equal_scikit_learns(samples: Workspace) -> None:
    run = training.train(
        samples, _recipe(dataset="wine", target="cultivar", algorithm="random_forest")
    )[0]
    _, X_test, _, y_test = _held_out(samples, "wine", "cultivar")
    model = training.load_model(samples, run["run_id"])
    proba = model.predict_proba(X_test)
    assert run["metrics"]["f1"] == pytest.approx(
        sk.f1_score(y_test, model.predict(X_test), average="macro")
    )
    assert run["metrics"]["roc_auc"] == pytest.approx(
        sk.roc_auc_score(y_test, proba, multi_class="ovr", labels=model.classes_)
    )
    reg = training.train(
        samples,
        _recipe(dataset="diabetes", target="disease_progression", algorithm="linear_regression"),
    )[0]
    assert reg["task"] == "regression"
    _, X_test, _, y_test = _held_out(samples, "diabetes", "disease_progression", stratify=False)
    predicted = training.load_model(samples, reg["run_id"]).predict(X_test)
    assert reg["metrics"] == pytest.approx(
        {
            "r2": sk.r2_score(y_test, predicted),
            "rmse": sk.root_mean_squared_error(y_test, predicted),
            "mae": sk.mean_absolute_error(y_test, predicted),
        }
    )


@pytest.mark.parametrize("algorithm", ["random_forest", "gradient_boosting", "knn"])
def test_the_same_recipe_and_seed_give_identical_metrics_and_reproduce_proves_it(
    samples: Workspace, algorithm: str
) -> None:
    recipe = _recipe(dataset="wine", target="cultivar", algorithm=algorithm, cv=3, seed=7)
    first = training.train(samples, recipe)[0]
    second = training.train(samples, recipe)[0]
    assert first["metrics"] == second["metrics"]
    assert "cv_accuracy_mean" in first["metrics"]
    again = training.reproduce(samples, first["run_id"][:10])
    assert again["identical"] and again["differences"] == {}
    assert again["metrics"] == first["metrics"] and again["run_id"] != first["run_id"]


def test_auto_trains_every_suitable_algorithm_as_its_own_run(samples: Workspace) -> None:
    runs = training.train(
        samples, _recipe(dataset="diabetes", target="disease_progression", algorithm="auto")
    )
    assert {r["algorithm"] for r in runs} == {
        name for name, a in algorithms.ALGORITHMS.items() if "regression" in a.tasks
    }
    assert all(r["status"] == "finished" for r in runs)
    assert len(training.list_runs(samples)) == len(runs)


def test_the_pipeline_predicts_raw_rows_with_unseen_categories_and_refuses_gaps(
    workspace: Workspace, tmp_path: Path
) -> None:
    rng = np.random.default_rng(0)
    n = 300
    frame = pd.DataFrame(
        {
            "customer": [f"c{i}" for i in range(n)],
            "plan": rng.choice(["basic", "plus", "pro"], n),
            "usage": rng.normal(10, 3, n),
            "constant": 1,
            "churned": rng.choice(["yes", "no"], n),
        }
    )
    path = tmp_path / "churn.csv"
    frame.to_csv(path, index=False)
    datasets.import_file(workspace, path)
    run = training.train(
        workspace, _recipe(dataset="churn", target="churned", algorithm="logistic_regression")
    )[0]
    assert {e["name"]: e["reason"] for e in run["excluded"]} == {
        "customer": "it has a different value in every row, like an ID",
        "constant": "it has the same value in every row",
    }
    assert [f["name"] for f in run["features"]] == ["plan", "usage"]
    assert run["features"][0]["categories"] == ["basic", "plus", "pro"]
    model = training.load_model(workspace, run["run_id"])
    raw = pd.DataFrame({"plan": ["enterprise", "basic"], "usage": ["12.5", 12.0]})
    assert len(model.predict(raw)) == 2  # an unseen category; a number written as text
    # A gap where training had none is refused as serving refuses it, naming column and row.
    with pytest.raises(UserError, match="'plan' is empty in row 2"):
        model.predict(pd.DataFrame({"plan": ["basic", None], "usage": [1.0, 2.0]}))


@pytest.mark.parametrize(
    ("content", "target", "message"),
    [
        ("x,y\n" + "".join(f"{i % 7},a\n" for i in range(30)), "y", "only one class"),
        (
            "x,y\n" + "".join(f"{i % 7},{'a' if i % 2 else ''}\n" for i in range(30)),
            "y",
            "missing in 15 rows",
        ),
        (
            "x,y\n" + "".join(f"{i % 7},{'b' if i == 0 else 'a'}\n" for i in range(30)),
            "y",
            "has only 1 row",
        ),
        ("id,y\n" + "".join(f"{i},{i % 2}\n" for i in range(30)), "y", "No column is left"),
        ("x,y\n1,a\n", "z", "no column named 'z'"),
    ],
)
def test_data_problems_are_refused_before_training(
    workspace: Workspace, tmp_path: Path, content: str, target: str, message: str
) -> None:
    path = tmp_path / "problem.csv"
    path.write_text(content)
    datasets.import_file(workspace, path)
    with pytest.raises(UserError, match=message):
        training.train(
            workspace, _recipe(dataset="problem", target=target, algorithm="decision_tree")
        )
    assert training.list_runs(workspace) == []


def test_unknown_algorithm_or_setting_is_refused(samples: Workspace) -> None:
    with pytest.raises(UserError, match="not an algorithm"):
        training.train(samples, _recipe(dataset="iris", target="species", algorithm="svm"))
    with pytest.raises(UserError, match="has no setting 'k'"):
        training.train(
            samples, _recipe(dataset="iris", target="species", algorithm="knn", params={"k": "3"})
        )
    with pytest.raises(UserError, match="cannot do regression"):
        training.train(
            samples,
            _recipe(dataset="diabetes", target="disease_progression", algorithm="naive_bayes"),
        )


def test_a_cancelled_training_is_recorded_and_leaves_no_model(samples: Workspace) -> None:
    calls = []

    def cancel() -> bool:
        calls.append(1)
        return len(calls) > 2

    with pytest.raises(Cancelled):
        training.train(
            samples,
            _recipe(dataset="wine", target="cultivar", algorithm="random_forest", cv=3),
            cancel=cancel,
        )
    [run] = training.list_runs(samples)
    assert run["status"] == "cancelled" and run["model_sha256"] is None
    assert list(samples.artifacts.root.rglob("*.joblib")) == []
    assert samples.store.integrity_ok()


def test_a_tampered_model_file_is_refused(samples: Workspace) -> None:
    run = training.train(
        samples, _recipe(dataset="iris", target="species", algorithm="decision_tree")
    )[0]
    path = samples.artifacts.path_for(run["model_sha256"], training.MODEL_SUFFIX)
    path.write_bytes(path.read_bytes() + b"tampered")
    with pytest.raises(UserError, match="changed or damaged"):
        training.load_model(samples, run["run_id"])


def test_a_run_whose_process_died_is_marked_failed(samples: Workspace) -> None:
    """A training process killed outright cannot record its end; the next look at the runs does."""
    from mlops_desktop.core.store import upkeep
    from mlops_desktop.core.store.models import Run

    run = training.train(
        samples, _recipe(dataset="iris", target="species", algorithm="decision_tree")
    )[0]
    with samples.store.write() as session:
        stored = session.get(Run, run["run_id"])
        stored.status, stored.pid, stored.model_sha256 = "running", 2**22 + 12345, None
    [listed] = training.list_runs(samples)
    assert listed["status"] == "failed" and listed["error"] == upkeep.ABANDONED


def test_a_run_reads_as_running_by_its_lock_not_its_process_id(samples: Workspace) -> None:
    """After a crash and a restart, the dead training's process id may belong to another program;
    the lock its training held (by run id) tells the truth either way."""
    from mlops_desktop.core.store import upkeep
    from mlops_desktop.core.store.models import Run

    run_ids = [
        training.train(samples, _recipe(dataset="iris", target="species", algorithm=name))[0][
            "run_id"
        ]
        for name in ("decision_tree", "naive_bayes")
    ]
    reused, gone = run_ids
    with samples.store.write() as session:
        for run_id, pid in [(reused, os.getpid()), (gone, 2**22 + 12345)]:
            stored = session.get(Run, run_id)
            stored.status, stored.pid, stored.model_sha256 = "running", pid, None
    (samples.artifacts.tmp / f"{reused}.lock").touch()  # left by the killed training, free
    with samples.artifacts.working_on(gone):  # still training, though its old id is gone
        statuses = {run["run_id"]: run["status"] for run in training.list_runs(samples)}
    assert statuses == {reused: "failed", gone: "running"}
    assert training.show_run(samples, reused)["error"] == upkeep.ABANDONED


@both_stores
def test_runs_keep_what_their_charts_need(samples: Workspace) -> None:
    run = training.train(
        samples, _recipe(dataset="wine", target="cultivar", algorithm="decision_tree")
    )[0]
    charts = run["evaluation"]
    _, X_test, _, y_test = _held_out(samples, "wine", "cultivar")
    predicted = training.load_model(samples, run["run_id"]).predict(X_test)
    assert (
        charts["confusion"]
        == sk.confusion_matrix(y_test, predicted, labels=charts["classes"]).tolist()
    )
    assert sum(charts["balance"].values()) == len(y_test)
    assert [c["class"] for c in charts["curves"]] == charts["classes"]  # one-vs-rest per class
    assert set(charts["importance"]) == {f["name"] for f in run["features"]}
    reg = training.train(
        samples, _recipe(dataset="diabetes", target="disease_progression", algorithm="knn")
    )[0]
    assert len(reg["evaluation"]["actual"]) == len(reg["evaluation"]["predicted"]) > 0


def test_importance_is_the_models_own_where_it_has_one_and_permutation_otherwise(
    workspace: Workspace, tmp_path: Path
) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "signal": rng.normal(size=400),
            "noise": rng.normal(size=400),
            "plan": rng.choice(["basic", "plus", "pro"], size=400),
        }
    )
    frame["label"] = np.where(frame["signal"] > 0, "yes", "no")
    frame.to_csv(tmp_path / "signal.csv", index=False)
    datasets.import_file(workspace, tmp_path / "signal.csv")
    found = {}
    for algorithm in ("random_forest", "logistic_regression", "knn"):
        run = training.train(
            workspace, _recipe(dataset="signal", target="label", algorithm=algorithm)
        )[0]
        found[algorithm] = run["evaluation"]
    forest = found["random_forest"]
    assert forest["importance_method"] == "model"
    assert set(forest["importance"]) == {"signal", "noise", "plan"}  # plan's 3 codes added up
    assert sum(forest["importance"].values()) == pytest.approx(1.0)
    for evaluation in found.values():
        ranked = sorted(evaluation["importance"], key=evaluation["importance"].get)
        assert ranked[-1] == "signal", evaluation
    assert found["logistic_regression"]["importance_method"] == "model"
    assert found["knn"]["importance_method"] == "permutation"  # k-NN has no measure of its own


def test_every_chart_of_a_run_draws(samples: Workspace) -> None:
    from mlops_desktop.core.experiments.plots import run_charts

    for recipe in (
        _recipe(dataset="breast cancer", target="diagnosis", algorithm="naive_bayes"),
        _recipe(dataset="diabetes", target="disease_progression", algorithm="linear_regression"),
    ):
        run = training.train(samples, recipe)[0]
        for name, draw in run_charts(run["task"]).items():
            figure = draw(run["evaluation"])
            assert figure.axes and figure.axes[0].get_title(loc="left"), name
