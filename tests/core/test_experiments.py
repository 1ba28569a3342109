"""Keeping the run history: delete runs with their files, archive experiments, compare runs,
and train on the rows that have a target."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select, text

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import plots, run_history, training
from mlops_desktop.core.store.models import AuditEvent, ModelVersion, RegisteredModel
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES


@pytest.fixture
def iris(workspace: Workspace) -> Workspace:
    datasets.import_file(workspace, SAMPLES / "iris.csv")
    return workspace


def _train(workspace: Workspace, algorithm: str, **kwargs: object) -> dict:
    recipe = training.Recipe(dataset="iris", target="species", algorithm=algorithm, **kwargs)  # type: ignore[arg-type]
    return training.train(workspace, recipe)[0]


def _audit(workspace: Workspace) -> list[tuple[str, str]]:
    with workspace.store.read() as session:
        return [(e.action, e.entity) for e in session.scalars(select(AuditEvent))]


def test_deleting_runs_removes_their_records_and_model_files_and_is_audited(
    iris: Workspace, artifact_files: Callable[[], set[Path]]
) -> None:
    data_files = artifact_files()
    tree = _train(iris, "decision_tree")
    knn = _train(iris, "knn")
    assert len(artifact_files()) == len(data_files) + 2

    deleted = run_history.delete_runs(iris, [tree["run_id"][:8]])

    assert deleted == [tree["run_id"]]
    assert [run["run_id"] for run in training.list_runs(iris)] == [knn["run_id"]]
    assert artifact_files() == data_files | {
        iris.artifacts.path_for(knn["model_sha256"], training.MODEL_SUFFIX)
    }
    assert ("run.delete", f"run:{tree['run_id']}") in _audit(iris)
    with iris.store.read() as session:
        assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"


def test_a_model_file_shared_by_two_runs_stays_until_both_are_deleted(
    iris: Workspace, artifact_files: Callable[[], set[Path]]
) -> None:
    first = _train(iris, "decision_tree")
    again = training.reproduce(iris, first["run_id"])
    assert again["model_sha256"] == first["model_sha256"]  # same seed, same bytes
    model = iris.artifacts.path_for(first["model_sha256"], training.MODEL_SUFFIX)

    run_history.delete_runs(iris, [first["run_id"]])
    assert model in artifact_files()
    training.load_model(iris, again["run_id"])  # still loads
    run_history.delete_runs(iris, [again["run_id"]])
    assert model not in artifact_files()


def test_a_registered_run_or_an_unknown_id_is_not_deleted_and_nothing_changes(
    iris: Workspace,
) -> None:
    kept = _train(iris, "decision_tree")
    registered = _train(iris, "knn")
    with iris.store.write() as session:
        model = RegisteredModel(name="flowers")
        session.add(model)
        session.flush()
        session.add(
            ModelVersion(model_id=model.id, version=1, run_id=registered["run_id"], input_schema=[])
        )
    before = training.list_runs(iris)

    with pytest.raises(UserError, match="registered as flowers version 1"):
        run_history.delete_runs(iris, [kept["run_id"], registered["run_id"]])
    with pytest.raises(UserError, match="no run with the id 'nope'"):
        run_history.delete_runs(iris, [kept["run_id"], "nope"])

    assert training.list_runs(iris) == before


def test_archiving_an_experiment_hides_its_runs_until_restored_or_trained_again(
    iris: Workspace,
) -> None:
    old = _train(iris, "decision_tree", experiment="First try")
    new = _train(iris, "knn", experiment="Second try")

    run_history.set_archived(iris, "First try", True)

    assert [run["run_id"] for run in training.list_runs(iris)] == [new["run_id"]]
    assert {run["run_id"] for run in training.list_runs(iris, include_archived=True)} == {
        old["run_id"],
        new["run_id"],
    }
    assert [run["run_id"] for run in training.list_runs(iris, "First try")] == [old["run_id"]]
    assert run_history.list_experiments(iris) == [
        {"name": "First try", "archived": True, "runs": 1},
        {"name": "Second try", "archived": False, "runs": 1},
    ]
    run_history.set_archived(iris, "First try", False)
    assert len(training.list_runs(iris)) == 2
    run_history.set_archived(iris, "First try", True)
    _train(iris, "knn", experiment="First try")  # training into it brings it back
    assert len(training.list_runs(iris)) == 3
    actions = [action for action, entity in _audit(iris) if entity == "experiment:First try"]
    assert actions == [
        "experiment.create",
        "experiment.archive",
        "experiment.restore",
        "experiment.archive",
        "experiment.restore",
    ]
    with pytest.raises(UserError, match="no experiment named 'Third'"):
        run_history.set_archived(iris, "Third", True)


def test_comparing_runs_lines_up_settings_and_metrics_and_marks_differences_and_the_best(
    iris: Workspace,
) -> None:
    tree = _train(iris, "decision_tree", experiment="A")
    forest = _train(iris, "random_forest", experiment="B", params={"n_estimators": 10})

    comparison = run_history.compare_runs(iris, [tree["run_id"], forest["run_id"][:10]])

    rows = {row["name"]: row for row in comparison["rows"]}
    assert rows["Experiment"]["values"] == ["A", "B"] and rows["Experiment"]["differs"]
    assert rows["Dataset"]["values"] == ["iris@1", "iris@1"] and not rows["Dataset"]["differs"]
    assert rows["n_estimators"]["values"] == [None, 10]
    assert rows["max_depth"]["values"] == [None, None] and not rows["max_depth"]["differs"]
    accuracies = [tree["metrics"]["accuracy"], forest["metrics"]["accuracy"]]
    assert rows["accuracy"]["values"] == accuracies
    assert rows["accuracy"]["best"] == accuracies.index(max(accuracies))
    losses = [tree["metrics"]["log_loss"], forest["metrics"]["log_loss"]]
    assert rows["log_loss"]["best"] == losses.index(min(losses))  # lower is better
    assert comparison["labels"] == [
        f"Decision tree ({tree['run_id'][:6]})",
        f"Random forest ({forest['run_id'][:6]})",
    ]
    charts = plots.comparison_charts(comparison)
    assert "ROC curves — class setosa" in charts and "Key metrics" in charts
    for name, draw in charts.items():
        figure = draw()
        assert figure.axes, name
        assert figure.axes[0].has_data(), name


def test_compare_refuses_too_few_or_too_many_runs_and_mixed_tasks(iris: Workspace) -> None:
    run = _train(iris, "decision_tree")
    with pytest.raises(UserError, match="between 2 and 10 runs"):
        run_history.compare_runs(iris, [run["run_id"], run["run_id"]])
    datasets.import_file(iris, SAMPLES / "diabetes.csv")
    numbers = training.train(
        iris,
        training.Recipe(dataset="diabetes", target="disease_progression", algorithm="knn"),
    )[0]
    with pytest.raises(UserError, match="compare runs of one kind"):
        run_history.compare_runs(iris, [run["run_id"], numbers["run_id"]])
    with pytest.raises(UserError, match="between 2 and 10"):
        run_history.compare_runs(iris, [f"{i}" for i in range(11)])


def test_rows_without_a_target_can_be_dropped_and_reproduce_drops_them_too(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text(
        "x,y\n"
        + "".join(f"{i % 7},{'' if i % 5 == 0 else ['no', 'yes'][i % 2]}\n" for i in range(60))
    )
    datasets.import_file(workspace, path)  # yes/no with gaps: a boolean column of labels
    assert training.plan_for(workspace, "gaps", "y").target_missing == 12
    recipe = training.Recipe(dataset="gaps", target="y", algorithm="knn")
    with pytest.raises(UserError, match="missing in 12 rows"):
        training.train(workspace, recipe)

    recipe.drop_missing_target = True
    run = training.train(workspace, recipe)[0]

    assert run["status"] == "finished", run["error"]
    assert run["split"]["drop_missing_target"] is True
    assert sum(run["evaluation"]["balance"].values()) == 10  # 20 % of the 48 labelled rows
    assert training.reproduce(workspace, run["run_id"])["identical"]


def test_a_column_the_app_leaves_out_can_be_included_and_reproduce_keeps_it(
    workspace: Workspace, tmp_path: Path
) -> None:
    path = tmp_path / "ids.csv"
    path.write_text(
        "code,x,y\n" + "".join(f"{i * 3},{i % 7},{'ab'[(i // 3) % 2]}\n" for i in range(60))
    )
    datasets.import_file(workspace, path)
    assert [e["name"] for e in training.plan_for(workspace, "ids", "y").excluded] == ["code"]
    recipe = training.Recipe(dataset="ids", target="y", algorithm="knn", include=["code"])
    run = training.train(workspace, recipe)[0]
    assert [f["name"] for f in run["features"]] == ["code", "x"] and run["excluded"] == []
    again = training.reproduce(workspace, run["run_id"])
    assert again["identical"] and [f["name"] for f in again["features"]] == ["code", "x"]
    with pytest.raises(UserError, match=r"needs a value for Neighbours asked \(n_neighbors\)"):
        training.train(
            workspace,
            training.Recipe(dataset="ids", target="y", algorithm="knn", params={"n_neighbors": ""}),
        )


def test_a_copy_of_the_target_is_never_learned_from_even_when_asked(
    workspace: Workspace, tmp_path: Path
) -> None:
    """A model fed the answer scores perfectly and predicts nothing: including it is refused in
    one sentence, as free text is."""
    path = tmp_path / "leak.csv"
    path.write_text("x,y,y_copy\n" + "".join(f"{i % 5},{i % 2},{i % 2}\n" for i in range(40)))
    datasets.import_file(workspace, path)
    excluded = training.plan_for(workspace, "leak", "y").excluded
    assert excluded == [{"name": "y_copy", "reason": training.TARGET_COPY}]
    with pytest.raises(UserError, match=r"^'y_copy' cannot be used: it is the same as the target"):
        training.train(
            workspace,
            training.Recipe(dataset="leak", target="y", algorithm="knn", include=["y_copy"]),
        )


def test_compare_gives_paired_verdicts_and_recommends_the_simplest_of_the_best(
    workspace: Workspace,
) -> None:
    """Breast cancer (569 rows, 114 held out): logistic regression and a forest score nearly
    alike, a one-neighbour classifier worse. Each run carries intervals; the verdicts of each
    pair come from the same held-out rows; the recommendation is the simplest run the data
    cannot tell from the best, with its reason."""
    name = datasets.import_file(workspace, SAMPLES / "breast_cancer.csv").name

    def train(algorithm: str, **params: object) -> dict:
        recipe = training.Recipe(
            dataset=name, target="diagnosis", algorithm=algorithm, params=params
        )
        return training.train(workspace, recipe)[0]

    linear = train("logistic_regression")
    forest = train("random_forest", n_estimators=50)
    tree = train("decision_tree", max_depth=1)  # a single split: clearly worse
    low, high = linear["intervals"]["roc_auc"]
    assert low <= linear["metrics"]["roc_auc"] <= high <= 1.0
    assert training.show_run(workspace, linear["run_id"])["intervals"] == linear["intervals"]

    comparison = run_history.compare_runs(
        workspace, [forest["run_id"], linear["run_id"], tree["run_id"]]
    )
    assert comparison["metric"] == "roc_auc"
    verdicts = {tuple(p["runs"]): p["verdict"] for p in comparison["pairs"]}
    assert verdicts[(forest["run_id"], linear["run_id"])] == "not distinguishable"
    assert verdicts[(forest["run_id"], tree["run_id"])] == "better"
    assert verdicts[(linear["run_id"], tree["run_id"])] == "better"
    for pair in comparison["pairs"]:
        assert pair["interval"][0] <= pair["difference"] <= pair["interval"][1]
    assert comparison["recommended"] == linear["run_id"]
    assert comparison["recommended_reason"].startswith("Logistic regression")


def test_runs_on_other_rows_or_with_a_damaged_model_are_left_out_of_the_verdicts_and_said_so(
    iris: Workspace,
) -> None:
    """Another seed splits other rows: no paired verdict, and the recommendation says so rather
    than calling the best "clearly ahead". A run whose model file was damaged is left out of the
    verdicts with the reason, and the rest are still compared."""
    first = _train(iris, "logistic_regression")
    other_rows = _train(iris, "decision_tree", seed=7)
    comparison = run_history.compare_runs(iris, [first["run_id"], other_rows["run_id"]])
    assert comparison["pairs"] == []
    assert "clearly ahead" not in comparison["recommended_reason"]
    assert "could not be tested against it" in comparison["recommended_reason"]
    with pytest.raises(UserError, match="between 2 and 10 runs"):  # one run, named twice
        run_history.compare_runs(iris, [first["run_id"], first["run_id"][:8]])

    forest = _train(iris, "random_forest", params={"n_estimators": 10})
    model = iris.artifacts.path_for(forest["model_sha256"], training.MODEL_SUFFIX)
    model.write_bytes(model.read_bytes()[:-10])  # damaged behind the app's back
    comparison = run_history.compare_runs(iris, [first["run_id"], forest["run_id"]])
    assert [left["run_id"] for left in comparison["not_compared"]] == [forest["run_id"]]
    assert "changed or damaged" in comparison["not_compared"][0]["why"]
    assert comparison["pairs"] == []
