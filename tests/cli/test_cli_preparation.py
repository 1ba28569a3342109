"""`datasets prepare` as a black box: the new version's record with its parent, text for a person,
and recipe files refused in one line naming the step, with nothing created."""

import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from mlops_desktop.core.store.models import AuditEvent, DatasetVersion
from mlops_desktop.core.workspace import Workspace
from tests.cli.conftest import Cli, ok_json
from tests.conftest import SAMPLES

RECIPE = [
    {"op": "drop_duplicates"},
    {"op": "filter", "column": "sepal_length_cm", "operator": ">=", "value": 5},
    {"op": "ratio", "numerator": "petal_length_cm", "denominator": "petal_width_cm", "to": "shape"},
    {"op": "bin", "column": "sepal_width_cm", "bins": 3},
    {"op": "rename", "column": "species", "to": "kind"},
]


def _recipe(tmp_path: Path, content: Any, name: str = "recipe.json") -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content), "utf-8")
    return path


def _counts(home: Path) -> tuple[int, int]:
    ws = Workspace(home)
    try:
        with ws.store.read() as session:
            versions = session.scalar(select(func.count()).select_from(DatasetVersion))
            events = session.scalar(select(func.count()).select_from(AuditEvent))
        return int(versions or 0), int(events or 0)
    finally:
        ws.close()


@pytest.fixture
def iris(in_home: Cli) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))


def test_prepare_prints_the_new_versions_record_with_its_parent(
    in_home: Cli, iris: None, tmp_path: Path
) -> None:
    record = ok_json(
        in_home("datasets", "prepare", "iris@1", "--recipe", _recipe(tmp_path, RECIPE), "--json")
    )
    assert (record["name"], record["version"], record["parent"]) == ("iris prepared", 1, "iris@1")
    assert 0 < record["rows"] < 150  # a duplicate and the small flowers left out
    assert record["recipe"]["steps"] == RECIPE
    columns = {c["name"]: c["type"] for c in record["columns"]}
    assert columns["shape"] == "numeric" and columns["sepal_width_cm"] == "categorical"
    assert "kind" in columns and "species" not in columns
    shown = ok_json(in_home("datasets", "show", "iris prepared@1", "--json"))
    assert shown["parent"] == "iris@1"


def test_prepare_in_words_and_into_another_dataset(
    in_home: Cli, iris: None, tmp_path: Path
) -> None:
    outcome = in_home(
        "datasets", "prepare", "iris", "--recipe", _recipe(tmp_path, RECIPE), "--name", "flowers"
    )
    assert outcome.code == 0, outcome.err
    assert outcome.out.startswith("Prepared iris@1 with 5 steps: flowers version 1, ")
    again = in_home(
        "datasets", "prepare", "iris", "--recipe", _recipe(tmp_path, RECIPE), "--name", "flowers"
    )
    assert again.out.strip() == (
        "flowers version 1 already holds exactly this result; no new version was made."
    )


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[{not json", "error: recipe.json is not valid JSON: "),
        ({"op": "drop_duplicates"}, "error: A recipe is a list of steps"),
        ([{"op": "shuffle"}], "error: Step 1 (shuffle): 'shuffle' is not a step"),
        (
            [
                {"op": "drop_duplicates"},
                {"op": "fill_missing", "column": "petals", "strategy": "mean"},
            ],
            "error: Step 2 (fill_missing): there is no column 'petals' at this point of the recipe.",
        ),
        (
            [{"op": "bin", "column": "species", "bins": 3}],
            "error: Step 1 (bin): 'species' holds categorical values; this step needs numeric ones.",
        ),
        ([{"op": "bin", "column": "sepal_width_cm", "bins": "3"}], "error: Step 1 (bin): 'bins'"),
        ([], "error: The recipe has no steps; add at least one."),
    ],
)
def test_a_bad_recipe_is_refused_in_one_line_naming_the_step_and_nothing_is_created(
    in_home: Cli, iris: None, home: Path, tmp_path: Path, content: Any, message: str
) -> None:
    before = _counts(home)
    outcome = in_home("datasets", "prepare", "iris", "--recipe", _recipe(tmp_path, content))
    assert outcome.code == 1
    assert len(outcome.err_lines) == 1 and outcome.err_lines[0].startswith(message), outcome.err
    assert _counts(home) == before


def test_a_missing_recipe_file_or_dataset_is_refused_plainly(
    in_home: Cli, iris: None, tmp_path: Path
) -> None:
    missing = in_home("datasets", "prepare", "iris", "--recipe", tmp_path / "nope.json")
    assert missing.code == 1 and missing.err_lines == [
        f"error: There is no file {tmp_path / 'nope.json'}."
    ]
    unknown = in_home("datasets", "prepare", "roses", "--recipe", _recipe(tmp_path, RECIPE))
    assert unknown.code == 1 and unknown.err_lines == ["error: There is no dataset named 'roses'."]
