"""`train` and `runs` on the command line: JSON shapes of DESIGN.md, plain errors, reproduction."""

from tests.cli.conftest import ok_json
from tests.conftest import SAMPLES


def test_train_auto_reports_the_best_run_and_every_run(in_home) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))
    result = ok_json(
        in_home("train", "--dataset", "iris", "--target", "species", "--cv", "3", "--json")
    )
    assert {"run_id", "experiment", "task", "algorithm", "status", "metrics"} <= set(result)
    assert result["task"] == "classification" and result["status"] == "finished"
    assert {"accuracy", "roc_auc", "cv_accuracy_mean", "cv_accuracy_std"} <= set(result["metrics"])
    best = max(run["metrics"]["roc_auc"] for run in result["runs"])
    assert result["metrics"]["roc_auc"] == best
    listed = ok_json(in_home("runs", "list", "--json"))
    assert {run["run_id"] for run in listed} == {run["run_id"] for run in result["runs"]}


def test_runs_show_and_reproduce_give_identical_metrics(in_home) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "diabetes.csv", "--json"))
    trained = ok_json(
        in_home(
            "train",
            "--dataset",
            "diabetes",
            "--target",
            "disease_progression",
            "--algorithm",
            "random_forest",
            "--param",
            "n_estimators=20",
            "--seed",
            "3",
            "--json",
        )
    )
    shown = ok_json(in_home("runs", "show", trained["run_id"], "--json"))
    assert shown["params"]["n_estimators"] == 20 and shown["seed"] == 3
    assert set(shown["metrics"]) == {"r2", "rmse", "mae"}
    again = ok_json(in_home("runs", "reproduce", trained["run_id"], "--json"))
    assert again["identical"] is True and again["metrics"] == trained["metrics"]


def test_bad_training_requests_exit_1_with_one_plain_line(in_home) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "wine.csv", "--json"))
    for args, words in [
        (["--target", "nope"], "no column named 'nope'"),
        (["--target", "cultivar", "--algorithm", "svm"], "not an algorithm"),
        (["--target", "alcohol", "--algorithm", "naive_bayes"], "cannot do regression"),
        (["--target", "cultivar", "--algorithm", "knn", "--param", "k=3"], "has no setting 'k'"),
    ]:
        outcome = in_home("train", "--dataset", "wine", *args)
        assert outcome.code == 1
        lines = outcome.err.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: ") and words in lines[0]
    assert ok_json(in_home("runs", "list", "--json")) == []
    assert in_home("runs", "show", "0000000").code == 1


def test_compare_delete_and_archive_from_the_command_line(in_home) -> None:
    ok_json(in_home("datasets", "import", SAMPLES / "iris.csv", "--json"))
    tree = ok_json(
        in_home(
            "train",
            "--dataset",
            "iris",
            "--target",
            "species",
            "--algorithm",
            "decision_tree",
            "--experiment",
            "Trees",
            "--json",
        )
    )
    knn = ok_json(
        in_home("train", "--dataset", "iris", "--target", "species", "--algorithm", "knn", "--json")
    )
    compared = ok_json(in_home("runs", "compare", tree["run_id"], knn["run_id"], "--json"))
    rows = {row["name"]: row for row in compared["rows"]}
    assert rows["Algorithm"]["values"] == ["Decision tree", "k-nearest neighbours"]
    assert rows["Experiment"]["differs"] and not rows["Target"]["differs"]
    text = in_home("runs", "compare", tree["run_id"], knn["run_id"])
    assert text.code == 0 and "* Algorithm" in text.out

    assert ok_json(in_home("experiments", "archive", "Trees", "--json"))["archived"] is True
    listed = ok_json(in_home("runs", "list", "--json"))
    assert [run["run_id"] for run in listed] == [knn["run_id"]]
    assert len(ok_json(in_home("runs", "list", "--all", "--json"))) == 2
    assert ok_json(in_home("experiments", "list", "--json")) == [
        {"name": "Default", "archived": False, "runs": 1},
        {"name": "Trees", "archived": True, "runs": 1},
    ]

    refused = in_home("runs", "delete", knn["run_id"], "unknown-run")
    assert refused.code == 1 and refused.err_lines == [
        "error: There is no run with the id 'unknown-run'."
    ]
    assert len(ok_json(in_home("runs", "list", "--all", "--json"))) == 2
    assert ok_json(in_home("runs", "delete", knn["run_id"], "--json")) == {
        "deleted": [knn["run_id"]]
    }
    assert ok_json(in_home("runs", "list", "--json")) == []


def test_train_can_drop_rows_without_a_target(in_home, tmp_path) -> None:
    path = tmp_path / "gaps.csv"
    path.write_text(
        "x,y\n" + "".join(f"{i % 7},{'' if i % 5 == 0 else 'ab'[i % 2]}\n" for i in range(60))
    )
    ok_json(in_home("datasets", "import", path, "--json"))
    refused = in_home("train", "--dataset", "gaps", "--target", "y", "--algorithm", "knn")
    assert refused.code == 1 and "--drop-missing-target" in refused.err
    run = ok_json(
        in_home(
            "train",
            "--dataset",
            "gaps",
            "--target",
            "y",
            "--algorithm",
            "knn",
            "--drop-missing-target",
            "--json",
        )
    )
    assert run["status"] == "finished"
