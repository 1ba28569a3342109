"""The model registry: versions of named models, stages with notes and history, model cards, and
batch scoring that agrees with the model."""

from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import Cancelled, UserError
from mlops_desktop.core.experiments import run_history, training
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.store.models import AuditEvent
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES
from tests.stores import both_stores


@pytest.fixture
def iris(workspace: Workspace) -> Workspace:
    datasets.import_file(workspace, SAMPLES / "iris.csv")
    return workspace


def _run(workspace: Workspace, algorithm: str = "decision_tree", **kwargs: object) -> str:
    recipe = training.Recipe(dataset="iris", target="species", algorithm=algorithm, **kwargs)  # type: ignore[arg-type]
    return str(training.train(workspace, recipe)[0]["run_id"])


@both_stores
def test_registering_runs_makes_numbered_versions_with_their_input_schema(iris: Workspace) -> None:
    first, second = _run(iris), _run(iris, "knn")
    one = model_registry.register(iris, first, "Flowers", "Sorts iris flowers")
    two = model_registry.register(iris, second[:8], "Flowers")

    assert (one["version"], two["version"]) == (1, 2)
    assert one["stage"] == "none" and one["description"] == "Sorts iris flowers"
    assert one["dataset"] == "iris@1" and one["run_id"] == first
    assert [i["name"] for i in one["inputs"]] == [
        "sepal_length_cm",
        "sepal_width_cm",
        "petal_length_cm",
        "petal_width_cm",
    ]
    assert all(i["type"] == "numeric" and i["required"] for i in one["inputs"])
    assert one["classes"] == ["setosa", "versicolor", "virginica"]
    assert set(one["example"]) == {i["name"] for i in one["inputs"]}
    assert model_registry.show_model(iris, "Flowers")["version"] == 2  # NAME is the latest
    assert model_registry.show_model(iris, "Flowers@1")["run_id"] == first
    assert [(m["name"], m["version"], m["dataset"]) for m in model_registry.list_models(iris)] == [
        ("Flowers", 2, "iris@1"),
        ("Flowers", 1, "iris@1"),
    ]
    with pytest.raises(UserError, match="registered as Flowers version 1"):
        run_history.delete_runs(iris, [first])


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("Nope", "no model named 'Nope'"),
        ("Flowers@7", "has no version 7"),
        ("Flowers@production", "has no version in production"),
        ("Flowers@best", "not a model reference"),
    ],
)
def test_unknown_references_are_refused_plainly(iris: Workspace, ref: str, message: str) -> None:
    model_registry.register(iris, _run(iris), "Flowers")
    with pytest.raises(UserError, match=message):
        model_registry.show_model(iris, ref)


def test_only_finished_runs_with_the_same_target_register(iris: Workspace) -> None:
    model_registry.register(iris, _run(iris), "Flowers")
    datasets.import_file(iris, SAMPLES / "wine.csv")
    wine = training.train(
        iris, training.Recipe(dataset="wine", target="cultivar", algorithm="knn")
    )[0]
    with pytest.raises(UserError, match="predicts 'species'"):
        model_registry.register(iris, wine["run_id"], "Flowers")
    with pytest.raises(UserError, match="A model name cannot contain '@'"):
        model_registry.register(iris, wine["run_id"], "wine@2")
    with pytest.raises(UserError, match="A model needs a name"):
        model_registry.register(iris, wine["run_id"], "  ")
    assert [m["version"] for m in model_registry.list_models(iris)] == [1]


@both_stores
def test_promoting_to_production_archives_the_previous_one_and_keeps_the_history(
    iris: Workspace,
) -> None:
    model_registry.register(iris, _run(iris), "Flowers")
    model_registry.register(iris, _run(iris, "knn"), "Flowers")
    model_registry.set_stage(iris, "Flowers", 1, "staging", "looks good")
    model_registry.set_stage(iris, "Flowers", 1, "production", "approved by Ana")
    assert model_registry.show_model(iris, "Flowers@production")["version"] == 1

    two = model_registry.set_stage(iris, "Flowers", 2, "production", "better recall")

    assert two["stage"] == "production"
    one = model_registry.show_model(iris, "Flowers@1")
    assert one["stage"] == "archived"
    assert [(h["from"], h["to"], h["note"]) for h in one["history"]] == [
        ("none", "staging", "looks good"),
        ("staging", "production", "approved by Ana"),
        ("production", "archived", "replaced by version 2"),
    ]
    assert all(h["user"] and h["time"] for h in one["history"])
    assert [m["stage"] for m in model_registry.list_models(iris)] == ["production", "archived"]
    with pytest.raises(UserError, match="not a stage"):
        model_registry.set_stage(iris, "Flowers", 2, "live")
    with pytest.raises(UserError, match="already in production"):
        model_registry.set_stage(iris, "Flowers", 2, "production")
    with iris.store.read() as session:
        stages = [
            e.details
            for e in session.scalars(select(AuditEvent).where(AuditEvent.action == "model.stage"))
        ]
    assert len(stages) == 4 and stages[-1]["note"] == "replaced by version 2"


def test_the_model_card_is_a_self_contained_page_with_purpose_data_inputs_and_limits(
    iris: Workspace, tmp_path: Path
) -> None:
    model_registry.register(iris, _run(iris), "Flowers")
    model_registry.set_description(iris, "Flowers", 1, "Tells the three irises apart <fast>")
    model_registry.set_stage(iris, "Flowers", 1, "staging", "first try")

    path = model_registry.export_card(iris, "Flowers@1", tmp_path / "card.html")

    page = path.read_text(encoding="utf-8")
    assert "Tells the three irises apart &lt;fast&gt;" in page
    assert "iris@1" in page and "150 rows" in page and "petal_width_cm" in page
    assert "only 150 rows" in page  # a limitation the app knows
    assert "first try" in page
    assert "<script" not in page and "http" not in page  # nothing to fetch
    with pytest.raises(UserError, match="Cannot write"):
        model_registry.export_card(iris, "Flowers@1", tmp_path / "missing-folder" / "card.html")


def test_scoring_a_file_gives_the_models_predictions_and_probabilities(
    iris: Workspace, tmp_path: Path
) -> None:
    model_registry.register(
        iris, _run(iris, "random_forest", params={"n_estimators": 10}), "Flowers"
    )
    source = tmp_path / "new.csv"
    frame = pd.read_csv(SAMPLES / "iris.csv").drop(columns=["species"])
    frame.assign(note="x").to_csv(source, index=False)
    output = tmp_path / "scored.csv"

    result = scoring.score_file(iris, "Flowers", source, output)

    scored = pd.read_csv(output)
    _, pipeline = model_registry.load(iris, "Flowers")
    assert result == {"rows": 150, "output": str(output)}
    assert list(scored.columns) == [
        *frame.columns,
        "note",
        "prediction",
        "probability_setosa",
        "probability_versicolor",
        "probability_virginica",
    ]
    assert list(scored["prediction"]) == list(pipeline.predict(frame))
    assert scored.filter(like="probability_").to_numpy() == pytest.approx(
        pipeline.predict_proba(frame)
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("sepal_length_cm,sepal_width_cm,petal_length_cm\n1,2,3\n", "no column 'petal_width_cm'"),
        (
            "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n1,2,3,4\n1,2,x,4\n",
            "'petal_length_cm' must be a number, but row 2 holds 'x'",
        ),
        (
            "sepal_length_cm,sepal_width_cm,petal_length_cm,petal_width_cm\n1,2,3,4\n1,,3,4\n",
            "'sepal_width_cm' is empty in row 2",
        ),
    ],
)
def test_bad_files_are_refused_plainly_and_leave_no_output(
    iris: Workspace, tmp_path: Path, content: str, message: str
) -> None:
    model_registry.register(iris, _run(iris), "Flowers")
    folder = tmp_path / "files"
    folder.mkdir()
    source = folder / "bad.csv"
    source.write_text(content)
    with pytest.raises(UserError, match=message):
        scoring.score_file(iris, "Flowers", source, folder / "out.csv")
    assert [p.name for p in folder.iterdir()] == ["bad.csv"]


def test_a_cancelled_scoring_leaves_no_output(iris: Workspace, tmp_path: Path) -> None:
    model_registry.register(iris, _run(iris), "Flowers")
    calls = iter(range(100))
    folder = tmp_path / "files"
    folder.mkdir()
    with pytest.raises(Cancelled):
        scoring.score_file(
            iris,
            "Flowers",
            SAMPLES / "iris.csv",
            folder / "out.csv",
            cancel=lambda: next(calls) >= 1,
        )
    assert list(folder.iterdir()) == []
