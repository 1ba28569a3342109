"""Column roles: the stated rule that proposes a target, and the target a dataset remembers."""

from pathlib import Path

import pandas as pd
import pytest

from mlops_desktop.core.data import datasets, recipes, roles
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES


def _import(workspace: Workspace, tmp_path: Path, frame: pd.DataFrame, name: str) -> str:
    path = tmp_path / f"{name}.csv"
    frame.to_csv(path, index=False)
    datasets.import_file(workspace, path, name)
    return name


def _proposed(workspace: Workspace, ref: str) -> str | None:
    choice = roles.target_choice(datasets.get_version(workspace, ref))
    assert choice is None or choice.proposed
    return choice.column if choice else None


def _credit(rows: int = 60) -> pd.DataFrame:
    """Shaped like the credit file of issue 15: the answer first, a number last."""
    return pd.DataFrame(
        {
            "Status": ["good", "bad", "good"] * (rows // 3),
            "Seniority": [i % 7 for i in range(rows)],
            "Home": ["rent", "owner", "parents", "other"] * (rows // 4),
            "Marital": ["married", "single"] * (rows // 2),
            "Price": [1000.5 + 37.25 * i for i in range(rows)],
        }
    )


@pytest.mark.parametrize(
    ("sample", "expected"),
    [
        ("iris", "species"),  # no name says so: the last column of a few labels
        ("wine", "cultivar"),
        ("breast_cancer", "diagnosis"),
        ("diabetes", None),  # numbers only: the analyst chooses; never the last column silently
    ],
)
def test_the_proposal_on_each_sample_dataset(
    workspace: Workspace, sample: str, expected: str | None
) -> None:
    name = datasets.import_file(workspace, SAMPLES / f"{sample}.csv").name
    assert _proposed(workspace, name) == expected


def test_a_file_whose_last_column_is_a_number_gets_the_named_answer(
    workspace: Workspace, tmp_path: Path
) -> None:
    _import(workspace, tmp_path, _credit(), "credit")
    choice = roles.target_choice(datasets.get_version(workspace, "credit"))
    assert choice is not None and choice.column == "Status"
    assert "name" in choice.reason
    plan = training.plan_for(workspace, "credit", choice.column)
    assert roles.task_sentence(plan.task, "Status", plan.classes) == (
        "This will be a classification of Status (bad / good)."
    )


def test_without_a_named_answer_the_last_few_labels_are_proposed_not_the_last_number(
    workspace: Workspace, tmp_path: Path
) -> None:
    frame = _credit().rename(columns={"Status": "Rating"})
    _import(workspace, tmp_path, frame, "credit")
    assert _proposed(workspace, "credit") == "Marital"  # the last column with 2 to 10 labels
    numbers = frame[["Seniority", "Price"]]
    _import(workspace, tmp_path, numbers, "numbers")
    assert _proposed(workspace, "numbers") is None


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["x", "CHURN", "kind"], "CHURN"),  # case does not matter
        (["Label", "x", "Target"], "Target"),  # target before label
        (["y", "x", "status"], "status"),  # status before y
    ],
)
def test_the_name_rule_ignores_case_and_keeps_its_order(
    workspace: Workspace, tmp_path: Path, columns: list[str], expected: str
) -> None:
    frame = pd.DataFrame(
        {name: [i % 3 + 2 * j for i in range(30)] for j, name in enumerate(columns)}
    )
    _import(workspace, tmp_path, frame, "named")
    assert _proposed(workspace, "named") == expected


def test_a_named_column_with_one_value_is_not_proposed(
    workspace: Workspace, tmp_path: Path
) -> None:
    frame = pd.DataFrame({"target": [1] * 30, "kind": ["a", "b", "c"] * 10})
    _import(workspace, tmp_path, frame, "constant")
    assert _proposed(workspace, "constant") == "kind"


def test_many_classes_are_counted_in_the_sentence() -> None:
    classes = [f"c{i}" for i in range(8)]
    assert roles.task_sentence("classification", "kind", classes) == (
        "This will be a classification of kind (8 classes: c0 / c1 / c2 / c3 / c4 / …)."
    )
    assert roles.task_sentence("regression", "Price", ()) == (
        "This will be a regression of Price: the model will predict a number."
    )


def test_a_set_target_is_remembered_for_later_versions(
    workspace: Workspace, tmp_path: Path
) -> None:
    _import(workspace, tmp_path, _credit(), "credit")
    roles.set_target(workspace, "credit", "Price")
    choice = roles.target_choice(datasets.get_version(workspace, "credit"))
    assert choice == roles.TargetChoice("Price", "it is the target chosen for this dataset", False)
    _import(workspace, tmp_path, _credit(96), "credit")  # version 2 keeps the role
    assert roles.roles_record(workspace, "credit@2") == {
        "target": "Price",
        "proposed_target": "Status",
        "proposed_reason": "its name, 'Status', says it is the answer",
    }
    _import(workspace, tmp_path, _credit().drop(columns=["Price"]), "credit")  # version 3 lacks it
    assert _proposed(workspace, "credit@3") == "Status"


def test_an_unknown_column_is_refused_and_nothing_changes(
    workspace: Workspace, tmp_path: Path
) -> None:
    _import(workspace, tmp_path, _credit(), "credit")
    roles.set_target(workspace, "credit", "Status")
    with pytest.raises(UserError, match="has no column named 'Prize'"):
        roles.set_target(workspace, "credit", "Prize")
    assert roles.roles_record(workspace, "credit")["target"] == "Status"


def test_the_first_training_remembers_its_target_and_later_ones_do_not_change_it(
    workspace: Workspace,
) -> None:
    datasets.import_file(workspace, SAMPLES / "diabetes.csv")
    assert roles.roles_record(workspace, "diabetes")["target"] is None
    recipe = training.Recipe("diabetes", "disease_progression", "linear_regression")
    training.train(workspace, recipe)
    assert roles.roles_record(workspace, "diabetes")["target"] == "disease_progression"
    training.train(workspace, training.Recipe("diabetes", "bmi", "linear_regression"))
    assert roles.roles_record(workspace, "diabetes")["target"] == "disease_progression"


def test_a_prepared_dataset_keeps_the_raw_data_s_target(
    workspace: Workspace, tmp_path: Path
) -> None:
    _import(workspace, tmp_path, _credit(), "credit")
    roles.set_target(workspace, "credit", "Price")  # not what the rule would propose
    recipes.prepare(workspace, "credit", [{"op": "drop_duplicates"}])
    assert roles.roles_record(workspace, "credit prepared")["target"] == "Price"
