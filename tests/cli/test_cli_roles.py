"""`datasets target`, the target in `datasets show`, and `train` without --target."""

from tests.cli.conftest import ok_json
from tests.conftest import SAMPLES


def test_datasets_target_shows_the_proposal_then_remembers_a_choice(in_home) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))
    shown = ok_json(in_home("datasets", "show", "iris", "--json"))
    assert shown["target"] is None and shown["proposed_target"] == "species"
    assert in_home("datasets", "target", "iris").out.startswith("iris: target: not set; proposed")
    assert ok_json(in_home("datasets", "target", "iris", "petal_width_cm", "--json"))["target"] == (
        "petal_width_cm"
    )
    assert ok_json(in_home("datasets", "show", "iris", "--json"))["target"] == "petal_width_cm"
    refused = in_home("datasets", "target", "iris", "colour")
    assert refused.code == 1 and refused.err_lines == [
        "error: iris@1 has no column named 'colour'; its columns are sepal_length_cm, "
        "sepal_width_cm, petal_length_cm, petal_width_cm, species."
    ]


def test_train_without_a_target_takes_a_proposed_classification(in_home) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))
    outcome = in_home("train", "--dataset", "iris", "--algorithm", "decision_tree", "--json")
    assert ok_json(outcome)["task"] == "classification"
    assert "Predicting species: " in outcome.err
    assert ok_json(in_home("datasets", "show", "iris", "--json"))["target"] == "species"


def test_train_without_a_target_refuses_to_guess_a_regression(in_home) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "diabetes.csv", "--json"))
    nothing = in_home("train", "--dataset", "diabetes")
    assert nothing.code == 1 and nothing.err_lines == [
        "error: Give the column to predict with --target: no target is set for this dataset and "
        "no column looks like the answer."
    ]
    ok_json(in_home("datasets", "target", "diabetes", "bmi", "--json"))  # a chosen regression
    trained = in_home(
        "train", "--dataset", "diabetes", "--algorithm", "linear_regression", "--json"
    )
    assert ok_json(trained)["task"] == "regression" and trained.err == ""


def test_a_proposed_regression_must_be_confirmed_with_target(in_home, tmp_path) -> None:
    data = tmp_path / "sales.csv"
    data.write_text("x,y\n" + "".join(f"{(i * 7) % 11},{i * 1.5 + 0.25}\n" for i in range(40)))
    ok_json(in_home("datasets", "import", data, "--json"))
    refused = in_home("train", "--dataset", "sales")
    assert refused.code == 1 and refused.err_lines == [
        "error: The proposed target, y, would be a regression (a number to predict); give "
        "--target y to confirm it, or another column."
    ]
    assert ok_json(in_home("runs", "list", "--json")) == []
