"""`monitor` and `labels import` on the command line: the contract's JSON report, windows from the
log or a dataset, labels joined to logged predictions; bad input fails in one line."""

from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.core.workspace import Workspace
from tests.cli.conftest import Cli, ok_json
from tests.core.test_monitoring import _applicants, _log, register_loans

STATUSES = {"ok", "drift", "warning", "not enough data", "not computable"}
COLUMN_KEYS = {
    "name", "type", "status", "test", "p_value", "effect", "psi", "missing_change",
    "new_categories",
}  # fmt: skip


@pytest.fixture
def logged(home: Path, tmp_path: Path) -> list[str]:
    """The model 'loans' trained, registered and serving: 400 calm rows on Nov 1, 400 moved rows
    on Nov 2; returns the calm rows' request ids."""
    ws = Workspace(home)
    try:
        register_loans(ws, _applicants(3000, seed=1), tmp_path / "applicants.csv")
        ids = _log(ws, _applicants(400, seed=2), date(2026, 11, 1), "calm")
        _log(ws, _applicants(400, seed=3, shift=1.0), date(2026, 11, 1) + timedelta(1), "moved")
    finally:
        ws.close()
    return ids


def test_monitor_reports_drift_in_the_contract_shape(in_home: Cli, logged: list[str]) -> None:
    everything = ok_json(in_home("monitor", "loans", "--from-log", "--json"))
    assert {"dataset_drift", "drift_share", "n_reference", "n_current", "columns",
            "prediction_drift", "performance"} <= set(everything)  # fmt: skip
    assert everything["n_current"] == 800 and everything["performance"] is None
    assert everything["left_out"] == {"try_it": 0, "refused": 0}  # the contract's counts
    for column in everything["columns"]:
        assert set(column) >= COLUMN_KEYS and column["status"] in STATUSES
    moved = ok_json(in_home("monitor", "loans", "--since", "2026-11-02", "--json"))
    assert moved["n_current"] == 400
    assert {c["name"]: c["status"] for c in moved["columns"]}["income"] == "drift"
    calm = ok_json(
        in_home("monitor", "loans", "--since", "2026-11-01", "--until", "2026-11-02", "--json")
    )
    assert "drift" not in {c["status"] for c in calm["columns"]}
    text = in_home("monitor", "loans", "--since", "2026-11-02")
    assert text.code == 0 and "income" in text.out and "drift" in text.out


def test_labels_import_then_performance_and_a_dataset_window(
    in_home: Cli, logged: list[str], tmp_path: Path
) -> None:
    outcomes = tmp_path / "outcomes.csv"
    pd.DataFrame({"request": logged, "repaid": _applicants(400, seed=2)["repaid"]}).to_csv(
        outcomes, index=False
    )
    imported = ok_json(
        in_home("labels", "import", "loans", outcomes, "--key", "request", "--label", "repaid",
                "--json")
    )  # fmt: skip
    assert imported == {"rows": 400, "matched": 400, "unmatched": 0}
    report = ok_json(in_home("monitor", "loans", "--until", "2026-11-02", "--json"))
    assert report["performance"]["labelled"] == 400
    assert 0.5 < report["performance"]["metrics"]["accuracy"] <= 1.0
    low, high = report["performance"]["interval"]["accuracy"]
    assert low < report["performance"]["metrics"]["accuracy"] < high
    text = in_home("monitor", "loans", "--until", "2026-11-02").out
    assert f"(95% interval {low:.3f} to {high:.3f})" in text
    march = tmp_path / "march.csv"
    _applicants(500, seed=9).to_csv(march, index=False)
    ok_json(in_home("datasets", "import", march, "--name", "march", "--json"))
    window = ok_json(in_home("monitor", "loans", "--current", "march", "--json"))
    assert window["n_current"] == 500 and window["performance"]["labelled"] == 500


def test_retrain_prints_the_paired_verdict(in_home: Cli, logged: list[str], tmp_path: Path) -> None:
    """Retraining on more applicants like the first: the same sentence the Monitoring pane shows,
    and in JSON the verdict with its interval."""
    newer = tmp_path / "newer.csv"
    _applicants(2000, seed=72).to_csv(newer, index=False)
    ok_json(in_home("datasets", "import", newer, "--name", "newer", "--json"))
    result = ok_json(in_home("retrain", "loans", "--dataset", "newer", "--json"))
    assert result["verdict"] in {"better", "worse", "no real difference"}
    assert result["interval"][0] <= result["difference"] <= result["interval"][1]
    text = in_home("retrain", "loans", "--dataset", "newer")
    assert text.code == 0 and text.out.splitlines()[1] == result["summary"]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["monitor", "nosuch"], "no model named 'nosuch'"),
        (["monitor", "loans", "--since", "yesterday"], "'yesterday' is not a time"),
        (["monitor", "loans", "--current", "nosuch"], "nosuch"),
        (["monitor", "loans", "--current", "applicants", "--since", "2026-11-01"], "--since"),
        (["labels", "import", "loans", "missing.csv", "--key", "a", "--label", "b"], "missing"),
        (["retrain", "loans"], "no labelled predictions"),
    ],
)
def test_bad_monitoring_input_fails_in_one_line(
    in_home: Cli, logged: list[str], args: list[str], says: str
) -> None:
    outcome = in_home(*args)
    assert outcome.code == 1
    assert len(outcome.err_lines) == 1 and outcome.err.startswith("error: ")
    assert says in outcome.err


def test_a_dataset_with_gaps_where_training_had_none_is_reported_not_refused(
    in_home: Cli, logged: list[str], tmp_path: Path
) -> None:
    """'region' and 'owner' had no gaps in training, so a request must hold them; a monitored
    dataset with gaps there (and an unseen region) is a report, exit 0, not an error."""
    march = _applicants(600, seed=9, new_region=True)
    march.loc[march.index % 4 == 0, "region"] = None
    march["owner"] = march["owner"].astype(object)
    march.loc[5, "owner"] = None
    path = tmp_path / "march.csv"
    march.to_csv(path, index=False)
    ok_json(in_home("datasets", "import", path, "--name", "march", "--json"))
    outcome = in_home("monitor", "loans", "--current", "march", "--json")
    assert outcome.code == 0, outcome.err
    report = ok_json(outcome)
    assert report["n_current"] == 600
    region = {c["name"]: c for c in report["columns"]}["region"]
    kinds = {f["kind"] for f in region["findings"]}
    assert {"missing_change", "new_categories"} <= kinds
    assert region["missing_change"] == pytest.approx(0.25, abs=0.01)
    assert report["prediction_drift"]["findings"] == []  # the model imputes: every row scored
    assert report["performance"]["labelled"] == 600


def test_a_classifier_of_whole_numbers_is_monitored_with_its_performance(
    in_home: Cli, tmp_path: Path
) -> None:
    """A target of 1 and 2 with a gap is read as numbers (2.0): the run stores its classes as
    "2.0" while labels and predictions read "2". Monitoring a dataset window with outcomes used
    to fail with "something went wrong"."""
    rng = np.random.default_rng(3)
    x = rng.normal(size=400)
    grade = np.where(x > 0, "2", "1").astype(object)
    grade[5] = ""
    path = tmp_path / "grades.csv"
    pd.DataFrame({"x": x, "noise": rng.normal(size=400), "grade": grade}).to_csv(path, index=False)
    ok_json(in_home("datasets", "import", path, "--name", "grades", "--json"))
    run = ok_json(
        in_home(
            "train",
            "--dataset",
            "grades",
            "--target",
            "grade",
            "--algorithm",
            "knn",
            "--drop-missing-target",
            "--json",
        )
    )
    ok_json(in_home("models", "register", run["run_id"], "--name", "graded", "--json"))
    report = ok_json(in_home("monitor", "graded", "--current", "grades", "--json"))
    assert report["performance"]["metrics"]["accuracy"] > 0.8
