"""Monitoring a served model: windows of its prediction log or a dataset checked against the
held-out part of its training data, stored day by day, and labels turned into performance."""

import json
import math
import shutil
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from sqlalchemy import func, select

from mlops_desktop.core import listing
from mlops_desktop.core.data import dataset_rules, datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import checks, html_report, labels, retraining, trends, windows
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.store.models import Deployment, Label, MonitorResult, PredictionLog
from mlops_desktop.core.workspace import Workspace
from tests.stores import POSTGRESQL, Databases, both_stores

DAY_1 = date(2026, 11, 1)


def _applicants(n: int, seed: int, shift: float = 0.0, new_region: bool = False) -> pd.DataFrame:
    """Loan applicants: income (shifted by ``shift`` standard deviations), region, a yes/no, and
    whether they repaid (depends on income and region)."""
    rng = np.random.default_rng(seed)
    income = rng.normal(50.0 + 10.0 * shift, 10.0, n).round(2)
    regions = ["north", "south", "east", "west"]
    region = rng.choice(regions + (["island"] if new_region else []), n)
    owner = rng.random(n) < 0.4
    score = (income - 50.0) / 10.0 + (region == "north") * 0.8 + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "income": income,
            "region": region,
            "owner": owner,
            "repaid": np.where(score > 0, "yes", "no"),
        }
    )


def _train_loans(home: Path, store: str | None) -> None:
    """A workspace with the model 'loans' trained on 4,000 applicants and registered."""
    csv = home.parent / "applicants.csv"
    _applicants(4000, seed=1).to_csv(csv, index=False)
    ws = Workspace(home, store)
    try:
        datasets.import_file(ws, csv, "applicants")
        run = training.train(
            ws,
            training.Recipe(dataset="applicants", target="repaid", algorithm="logistic_regression"),
        )[0]
        model_registry.register(ws, run["run_id"], "loans")
    finally:
        ws.close()


@pytest.fixture(scope="module")
def served_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("monitoring") / "workspace"
    _train_loans(home, None)
    return home


@pytest.fixture(scope="module")
def served_on_postgres(
    tmp_path_factory: pytest.TempPathFactory, postgres_databases: Databases
) -> tuple[Path, str]:
    """The same workspace with its records in PostgreSQL: its folder and its database."""
    home = tmp_path_factory.mktemp("monitoring-postgresql") / "workspace"
    store = postgres_databases.new()
    _train_loans(home, store)
    return home, store


@pytest.fixture
def ws(store_kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Workspace]:
    """A copy of the trained workspace (folder, and on PostgreSQL its database too)."""
    store = None
    if store_kind == POSTGRESQL:
        served, template = request.getfixturevalue("served_on_postgres")
        store = request.getfixturevalue("postgres_databases").new(copy_of=template)
    else:
        served = request.getfixturevalue("served_home")
    home = tmp_path / "workspace"
    shutil.copytree(served, home)
    workspace = Workspace(home, store)
    yield workspace
    assert workspace.store.integrity_ok()
    workspace.close()


def register_loans(ws: Workspace, frame: pd.DataFrame, csv: Path) -> None:
    """``frame`` imported from ``csv`` and a naive Bayes model of 'repaid' on it registered as
    'loans'."""
    frame.to_csv(csv, index=False)
    datasets.import_file(ws, csv, csv.stem)
    run = training.train(
        ws, training.Recipe(dataset=csv.stem, target="repaid", algorithm="naive_bayes")
    )[0]
    model_registry.register(ws, run["run_id"], "loans")


def _log(
    ws: Workspace,
    frame: pd.DataFrame,
    day: date,
    prefix: str,
    yes_no_as_words: bool = False,
    source: str = "traffic",
) -> list[str]:
    """Log the model's predictions of ``frame``'s rows as the server does, spread over ``day``
    (``yes_no_as_words``: the yes/no column as the words a client sent, as an older log might;
    ``source``: where the rows came from, as ``PredictionLog.source``); returns the request ids
    (one row per request)."""
    record, pipeline = model_registry.load(ws, "loans")
    from mlops_desktop.core.serving import scoring

    inputs = scoring.prepare(frame, record["inputs"])
    predicted, probabilities = scoring.predict(pipeline, record["task"], inputs)
    start = datetime(day.year, day.month, day.day, tzinfo=UTC)
    ids = [f"{prefix}-{i}" for i in range(len(frame))]
    with ws.store.write() as session:
        deployment = session.scalar(select(Deployment.id).limit(1))
        if deployment is None:
            version = model_registry.resolve(session, "loans")[1]
            added = Deployment(model_version_id=version.id, host="127.0.0.1", port=8765)
            session.add(added)
            session.flush()
            deployment = added.id
        for i, row in enumerate(inputs.itertuples(index=False)):
            session.add(
                PredictionLog(
                    deployment_id=deployment,
                    request_id=ids[i],
                    created_at=start + timedelta(seconds=i * 86_000 / len(frame)),
                    inputs={
                        "income": row.income,
                        "region": row.region,
                        "owner": ("yes" if row.owner == 1.0 else "no")
                        if yes_no_as_words
                        else bool(row.owner == 1.0),
                    },
                    prediction=predicted[i],
                    probabilities=dict(zip(record["classes"], probabilities[i], strict=True))
                    if probabilities
                    else None,
                    latency_ms=5.0,
                    source=source,
                )
            )
    return ids


def test_a_window_like_the_training_data_is_healthy_and_a_shifted_one_drifts(
    ws: Workspace,
) -> None:
    _log(ws, _applicants(600, seed=2), DAY_1, "calm")
    _log(ws, _applicants(600, seed=3, shift=0.8, new_region=True), DAY_1 + timedelta(1), "moved")
    calm = checks.check(
        ws,
        "loans",
        since=datetime(2026, 11, 1, tzinfo=UTC),
        until=datetime(2026, 11, 2, tzinfo=UTC),
    )
    assert calm["n_current"] == 600
    assert calm["status"] == "healthy", calm["summary"]
    assert calm["n_reference"] == 800  # the 20 % held out of 4,000 rows
    moved = checks.check(ws, "loans", since=datetime(2026, 11, 2, tzinfo=UTC))
    income = next(c for c in moved["columns"] if c["name"] == "income")
    region = next(c for c in moved["columns"] if c["name"] == "region")
    assert income["status"] == "drift"
    assert "island" in region["new_categories"]
    assert any(f["kind"] == "new_categories" for f in region["findings"])
    assert moved["prediction_drift"]["name"] == "prediction"
    assert "of the predictions" in moved["prediction_drift"]["explanation"]  # words, not a name
    assert moved["status"] == "drift"
    json.dumps(moved, allow_nan=False)  # what the CLI prints and the store keeps
    with ws.store.read() as session:
        assert session.scalar(select(func.count()).select_from(MonitorResult)) == 2


@both_stores
def test_days_are_checked_once_and_a_new_day_alone_is_read(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    for offset in range(3):
        _log(ws, _applicants(300, seed=10 + offset), DAY_1 + timedelta(offset), f"d{offset}")
    assert trends.update_days(ws, "loans") == 3
    assert trends.update_days(ws, "loans") == 0  # nothing new: nothing read again
    days = trends.history(ws, "loans")
    assert [d["window"]["name"] for d in days] == ["2026-11-01", "2026-11-02", "2026-11-03"]
    assert all(d["n_current"] == 300 for d in days)

    read: list[tuple[Any, Any]] = []
    original = windows.log_window

    def spy(workspace: Workspace, model: Any, since: Any, until: Any, cancel: Any) -> Any:
        read.append((since, until))
        return original(workspace, model, since, until, cancel)

    monkeypatch.setattr(trends, "log_window", spy)
    _log(ws, _applicants(300, seed=20, shift=1.0), DAY_1 + timedelta(3), "d3")
    assert trends.update_days(ws, "loans") == 1
    assert read == [(datetime(2026, 11, 4, tzinfo=UTC), datetime(2026, 11, 5, tzinfo=UTC))]
    days = trends.history(ws, "loans")
    assert [d["status"] for d in days][-1] == "drift"
    cards = listing.monitoring_overview(ws)
    assert cards[0]["ref"] == "loans@1" and cards[0]["rows"] == 1200


def _check_logged_rows(ws: Workspace) -> None:
    """Give each logged row the violations the server logs: its inputs as the model saw them,
    checked against the rules of the dataset the model learned from."""
    record = model_registry.show_model(ws, "loans")
    checker = dataset_rules.model_checker(ws, record)
    with ws.store.write() as session:
        rows = session.scalars(select(PredictionLog).order_by(PredictionLog.id)).all()
        frame = pd.DataFrame.from_records([row.inputs for row in rows])
        prepared = scoring.prepare(frame, record["inputs"]).to_numpy(dtype=object).tolist()
        for row, broken in zip(rows, checker.check_rows(prepared), strict=True):
            row.violations = broken


def test_a_log_window_reports_the_rule_violations_of_its_rows(ws: Workspace) -> None:
    calm, moved = _applicants(300, seed=2), _applicants(300, seed=3, shift=2.0, new_region=True)
    _log(ws, calm, DAY_1, "calm")
    _log(ws, moved, DAY_1 + timedelta(1), "moved")
    _check_logged_rows(ws)
    rules = {(r["column"], r["rule"]): r for r in dataset_rules.rules_of(ws, "applicants")}
    income = rules["income", "range"]
    high = moved["income"] > income["max"]
    island = moved["region"] == "island"
    assert high.any() and island.any()

    report = checks.check(ws, "loans", since=datetime(2026, 11, 2, tzinfo=UTC))
    assert report["violations"] == {
        "rows": int((high | island).sum()),
        "by_rule": sorted(
            [
                {"column": "income", "rule": "range", "rows": int(high.sum())},
                {"column": "region", "rule": "allowed", "rows": int(island.sum())},
            ],
            key=lambda entry: -entry["rows"],
        ),
    }
    assert trends.update_days(ws, "loans") == 2
    first, second = trends.history(ws, "loans")
    assert first["violations"]["rows"] == int(
        ((calm["income"] < income["min"]) | (calm["income"] > income["max"])).sum()
    )
    assert second["violations"] == report["violations"]
    dataset_window = checks.check(ws, "loans", current="applicants")
    assert dataset_window["violations"] is None  # rows of a dataset are checked on import


@both_stores
def test_labels_joined_by_request_id_give_performance_against_the_reference_band(
    ws: Workspace, tmp_path: Path
) -> None:
    frame = _applicants(400, seed=30)
    ids = _log(ws, frame, DAY_1, "r")
    assert trends.update_days(ws, "loans") == 1
    assert trends.history(ws, "loans")[0]["performance"] is None
    outcomes_file = tmp_path / "outcomes.csv"
    pd.DataFrame({"request": ids[:300], "outcome": frame["repaid"][:300]}).to_csv(
        outcomes_file, index=False
    )
    result = labels.import_labels(ws, "loans", outcomes_file, key="request", label="outcome")
    assert result == {"rows": 300, "matched": 300, "unmatched": 0}
    assert trends.update_days(ws, "loans") == 1  # that day measures its performance again
    performance = trends.history(ws, "loans")[0]["performance"]
    assert performance["labelled"] == 300
    assert set(performance["metrics"]) == {"accuracy", "f1", "roc_auc"}
    low, high = performance["band"]["accuracy"]
    assert low < performance["reference"]["accuracy"] < high
    assert low <= performance["metrics"]["accuracy"] <= high  # same population: inside the band
    assert not performance["worse"]
    for name, value in performance["metrics"].items():  # each figure with its 95 % interval
        low, high = performance["interval"][name]
        assert 0.0 <= low < value < high <= 1.0
        assert high - low < 0.2  # 300 outcomes pin accuracy to within about ±0.05


def test_bad_label_files_are_refused_with_a_sentence_and_store_nothing(
    ws: Workspace, tmp_path: Path
) -> None:
    _log(ws, _applicants(50, seed=40), DAY_1, "b")
    wrong_column = tmp_path / "wrong.csv"
    pd.DataFrame({"id": ["b-1"], "outcome": ["yes"]}).to_csv(wrong_column, index=False)
    with pytest.raises(UserError, match="has no column 'request'"):
        labels.import_labels(ws, "loans", wrong_column, key="request", label="outcome")
    unknown = tmp_path / "unknown.csv"
    pd.DataFrame({"request": ["nope-1", "nope-2"], "outcome": ["yes", "no"]}).to_csv(
        unknown, index=False
    )
    with pytest.raises(UserError, match="None of the 2 rows"):
        labels.import_labels(ws, "loans", unknown, key="request", label="outcome")
    with ws.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Label)) == 0


def test_a_model_column_that_does_not_tell_predictions_apart_is_refused_with_a_count(
    ws: Workspace, tmp_path: Path
) -> None:
    """Issue 15, point 7: joined by 'region' (four values over 50 logged rows) every row of the
    file matches several predictions; joined by 'income' (one value each) they match."""
    logged = _applicants(50, seed=41)
    _log(ws, logged, DAY_1, "k")
    by_region = tmp_path / "by_region.csv"
    logged[["region", "repaid"]].head(10).to_csv(by_region, index=False)
    with pytest.raises(UserError, match="'region' does not tell the predictions apart: 10 of"):
        labels.import_labels(ws, "loans", by_region, key="region", label="repaid")
    with ws.store.read() as session:
        assert session.scalar(select(func.count()).select_from(Label)) == 0
    by_income = tmp_path / "by_income.csv"
    logged[["income", "repaid"]].head(10).to_csv(by_income, index=False)
    result = labels.import_labels(ws, "loans", by_income, key="income", label="repaid")
    assert result["matched"] == 10


def test_a_dataset_window_with_outcomes_and_too_few_rows(ws: Workspace, tmp_path: Path) -> None:
    later = tmp_path / "applicants_march.csv"
    _applicants(1000, seed=50, shift=0.5).to_csv(later, index=False)
    datasets.import_file(ws, later, "march")
    report = checks.check(ws, "loans", current="march")
    assert report["n_current"] == 1000
    assert next(c for c in report["columns"] if c["name"] == "income")["status"] == "drift"
    assert report["performance"]["labelled"] == 1000  # the file has the outcome column
    few = tmp_path / "few.csv"
    _applicants(60, seed=51).to_csv(few, index=False)
    datasets.import_file(ws, few, "few")
    assert checks.check(ws, "loans", current="few")["status"] == "not enough data"
    with pytest.raises(UserError):
        checks.check(ws, "loans", since=datetime(2026, 11, 3, tzinfo=UTC),
                         until=datetime(2026, 11, 2, tzinfo=UTC))  # fmt: skip


def test_retraining_on_labelled_predictions_gives_a_challenger_compared_on_unseen_rows(
    ws: Workspace, tmp_path: Path
) -> None:
    moved = _applicants(1500, seed=60, shift=1.5, new_region=True)
    ids = _log(ws, moved, DAY_1, "m")
    older = _applicants(200, seed=61)
    ids += _log(ws, older, DAY_1 - timedelta(1), "o", yes_no_as_words=True)
    moved = pd.concat([moved, older], ignore_index=True)
    outcomes_file = tmp_path / "outcomes.csv"
    pd.DataFrame({"request": ids, "outcome": moved["repaid"]}).to_csv(outcomes_file, index=False)
    labels.import_labels(ws, "loans", outcomes_file, key="request", label="outcome")
    result = retraining.retrain(ws, "loans")
    challenger = result["challenger"]
    assert challenger["status"] == "finished"
    assert challenger["algorithm"] == "logistic_regression"
    assert result["dataset"] == "applicants@2"  # the training data plus 1,700 labelled rows
    assert datasets.show(ws, "applicants@2")["rows"] == 4000 + 1700
    types = [(c["name"], c["type"]) for c in datasets.show(ws, "applicants@2")["columns"]]
    assert types == [(c["name"], c["type"]) for c in datasets.show(ws, "applicants@1")["columns"]]
    assert challenger["dataset"] == "applicants@2"
    assert list(ws.artifacts.tmp.iterdir()) == []  # its scratch folder is gone
    # Held-out rows of the new data that the current model never trained on, for both models.
    assert result["held_out_rows"] == len(_unseen(ws, result)) > 0
    assert (result["current"], result["retrained_from"]) == ("loans@1", "loans@1")
    assert set(result["metrics"]) == {"current", "challenger"}
    assert result["main_metric"] == "accuracy"
    # 0.829 against 0.828: a gap the paired test on these rows cannot tell from chance.
    assert result["verdict"] == "no real difference" and not result["better"]
    # Nothing changes in the registry until someone promotes it.
    assert model_registry.show_model(ws, "loans")["version"] == 1


def test_retraining_needs_labels_or_a_dataset(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no labelled predictions"):
        retraining.retrain(ws, "loans")
    newer = tmp_path / "newer.csv"
    _applicants(2000, seed=70, shift=0.5).to_csv(newer, index=False)
    datasets.import_file(ws, newer, "newer")
    result = retraining.retrain(ws, "loans", dataset="newer")
    assert result["challenger"]["dataset"] == "newer@1"
    assert (result["current"], result["retrained_from"]) == (
        "loans@1",
        "loans@1",
    )  # none in production
    assert result["held_out_rows"] == len(_unseen(ws, result))
    assert 300 < result["held_out_rows"] < 400  # a few new applicants look exactly like old ones


def test_a_retrained_model_the_rows_cannot_tell_apart_is_no_real_difference(
    ws: Workspace, tmp_path: Path
) -> None:
    """New applicants like the old ones: the challenger learns nearly the same model, so the
    paired test on the same rows finds no real difference, however the point scores fall, and
    the sentence says to keep the current version."""
    newer = tmp_path / "newer.csv"
    _applicants(2000, seed=72).to_csv(newer, index=False)
    datasets.import_file(ws, newer, "newer")
    result = retraining.retrain(ws, "loans", dataset="newer")
    low, high = result["interval"]
    assert low <= 0 <= high and low <= result["difference"] <= high
    assert result["verdict"] == "no real difference" and not result["better"]
    assert result["summary"].startswith("No real difference on accuracy: ")
    assert result["summary"].endswith("Keep the current version.")


def test_a_clearly_better_challenger_is_better_by_the_paired_test(
    ws: Workspace, tmp_path: Path
) -> None:
    """The version in production learned from scrambled outcomes (a coin toss); the challenger,
    from real ones, is better on the same rows and the sentence says by how much."""
    scrambled = _applicants(1500, seed=94)
    scrambled["repaid"] = np.random.default_rng(94).permutation(scrambled["repaid"].to_numpy())
    register_version(ws, tmp_path, scrambled, "scrambled", "production")
    newer = tmp_path / "newer.csv"
    _applicants(2000, seed=95).to_csv(newer, index=False)
    datasets.import_file(ws, newer, "newer")
    result = retraining.retrain(ws, "loans@1", dataset="newer")
    assert result["current"] == "loans@2"
    assert result["verdict"] == "better" and result["better"]
    assert result["interval"][0] > 0
    assert result["summary"].startswith("The challenger is better on accuracy: ")
    assert "for loans version 2 (production)" in result["summary"]


INPUTS = ["income", "region", "owner"]


def _unseen(ws: Workspace, result: dict[str, Any]) -> pd.DataFrame:
    """The challenger's held-out rows whose inputs match none of the rows the compared version
    trained on, found with a plain pandas merge."""
    held = training.run_split(ws, result["challenger"]["run_id"]).held_out
    run_id = model_registry.show_model(ws, result["current"])["run_id"]
    trained = training.run_split(ws, run_id).trained[INPUTS].drop_duplicates()
    merged = held.merge(trained, on=INPUTS, how="left", indicator=True)
    return held[(merged["_merge"] == "left_only").to_numpy()]


def test_a_challenger_is_compared_with_the_version_in_production(
    ws: Workspace, tmp_path: Path
) -> None:
    """Retrained from a staging version, the challenger must beat the production version, on rows
    that version never trained on; the production version's scores are its own predictions."""
    later = tmp_path / "later.csv"
    _applicants(1500, seed=3).to_csv(later, index=False)
    datasets.import_file(ws, later, "later")
    forest = training.train(
        ws,
        training.Recipe(dataset="later", target="repaid", algorithm="random_forest"),
    )[0]
    model_registry.register(ws, forest["run_id"], "loans")  # version 2, trained on other rows
    model_registry.set_stage(ws, "loans", 1, "production", "first approved")
    model_registry.set_stage(ws, "loans", 2, "staging", "trying a forest")
    newer = tmp_path / "newer.csv"
    _applicants(2000, seed=71, shift=0.3).to_csv(newer, index=False)
    datasets.import_file(ws, newer, "newer")

    result = retraining.retrain(ws, "loans@2", dataset="newer")
    assert (result["retrained_from"], result["current"]) == ("loans@2", "loans@1")
    assert result["current_stage"] == "production"
    assert result["challenger"]["algorithm"] == "random_forest"  # the recipe retrained from
    unseen = _unseen(ws, result)
    assert result["held_out_rows"] == len(unseen)
    record, pipeline = model_registry.load(ws, "loans@1")
    predicted, _ = scoring.predict(
        pipeline, "classification", scoring.prepare(unseen, record["inputs"])
    )
    accuracy = np.mean([str(p) == str(t) for p, t in zip(predicted, unseen["repaid"], strict=True)])
    assert result["metrics"]["current"]["accuracy"] == pytest.approx(accuracy)


def register_version(
    ws: Workspace, tmp_path: Path, frame: pd.DataFrame, dataset: str, stage: str
) -> None:
    """Import ``frame`` as ``dataset`` and register a logistic regression trained on it to
    predict 'repaid' as the next version of 'loans', in ``stage``."""
    path = tmp_path / f"{dataset}.csv"
    frame.to_csv(path, index=False)
    datasets.import_file(ws, path, dataset)
    run = training.train(
        ws, training.Recipe(dataset=dataset, target="repaid", algorithm="logistic_regression")
    )[0]
    version = model_registry.register(ws, run["run_id"], "loans")["version"]
    model_registry.set_stage(ws, "loans", version, stage, f"trained on {dataset}")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        ("a column", "loans version 2, in production, cannot read the new rows (the input has "
                     "no column 'debt')"),
        ("the classes", "loans version 2, in production, predicts other classes (maybe, no, "
                        "yes) than the new data has (False, True)"),
    ],
)  # fmt: skip
def test_a_production_version_that_cannot_be_compared_is_passed_over_and_named(
    ws: Workspace, tmp_path: Path, change: str, why: str
) -> None:
    frame = _applicants(1500, seed=90)
    if change == "a column":
        frame["debt"] = np.random.default_rng(90).gamma(2.0, 5.0, len(frame)).round(1)
    else:
        frame.loc[frame.index % 7 == 0, "repaid"] = "maybe"
    register_version(ws, tmp_path, frame, "other", "production")
    newer = tmp_path / "newer.csv"
    _applicants(1000, seed=91, shift=0.3).to_csv(newer, index=False)
    datasets.import_file(ws, newer, "newer")

    result = retraining.retrain(ws, "loans@1", dataset="newer")
    assert result["current"] == "loans@1" and result["current_stage"] == "none"
    assert result["passed_over"] == why
    assert result["held_out_rows"] == len(_unseen(ws, result))


def test_a_challenger_whose_held_out_rows_the_production_version_all_trained_on_is_refused(
    ws: Workspace, tmp_path: Path
) -> None:
    """New data made only of rows the version in production trained on leaves nothing fair to
    compare on: one sentence, and the registry unchanged."""
    run_id = model_registry.show_model(ws, "loans@1")["run_id"]
    seen = tmp_path / "seen.csv"
    training.run_split(ws, run_id).trained.to_csv(seen, index=False)
    datasets.import_file(ws, seen, "seen")
    with pytest.raises(
        UserError, match=r"^loans version 1 trained on every row held out from seen@1"
    ):
        retraining.retrain(ws, "loans@1", dataset="seen")
    assert model_registry.show_model(ws, "loans")["version"] == 1


def test_new_data_with_a_class_no_version_knows_keeps_the_challenger_and_says_why(
    ws: Workspace, tmp_path: Path
) -> None:
    """Production and the retrained version know yes and no; the new data adds "maybe". Neither
    can be scored beside a challenger that predicts three classes: one sentence, and the
    challenger stays in Experiments."""
    register_version(ws, tmp_path, _applicants(1500, seed=92), "other", "staging")
    model_registry.set_stage(ws, "loans", 1, "production", "approved")
    three = _applicants(1500, seed=93)
    three.loc[three.index % 6 == 0, "repaid"] = "maybe"
    three.to_csv(tmp_path / "three.csv", index=False)
    datasets.import_file(ws, tmp_path / "three.csv", "three")
    runs = len(training.list_runs(ws))
    with pytest.raises(UserError) as refused:
        retraining.retrain(ws, "loans@2", dataset="three")
    assert str(refused.value).startswith(
        "loans version 2 predicts other classes (False, True) than the new data has "
        "(maybe, no, yes), so it cannot be compared with the challenger; the challenger is kept "
        "as run "
    )
    assert len(training.list_runs(ws)) == runs + 1
    assert model_registry.show_model(ws, "loans")["version"] == 2


@both_stores
def test_overview_keeps_the_newest_performance_and_results_lists_ranges_and_datasets(
    ws: Workspace, tmp_path: Path
) -> None:
    frame = _applicants(300, seed=80)
    ids = _log(ws, frame, DAY_1, "p")
    _log(ws, _applicants(300, seed=81), DAY_1 + timedelta(1), "q")  # no outcomes for this day
    outcomes_file = tmp_path / "outcomes.csv"
    pd.DataFrame({"request": ids, "outcome": frame["repaid"]}).to_csv(outcomes_file, index=False)
    labels.import_labels(ws, "loans", outcomes_file, key="request", label="outcome")
    assert trends.update_days(ws, "loans") == 2
    card = listing.monitoring_overview(ws)[0]
    assert card["performance"]["labelled"] == 300  # from Nov 1, though Nov 2 is newer
    assert card["performance_window"] == "2026-11-01"
    assert card["performance"]["band"]["accuracy"]  # 300 labelled, 800 held out: a band
    checks.check(ws, "loans", since=datetime(2026, 11, 2, tzinfo=UTC))
    listed = checks.results(ws, "loans")
    assert [r["window"]["kind"] for r in listed] == ["range"]
    assert listed[0]["n_current"] == 300


def test_a_reference_with_gaps_in_a_required_column_and_unscorable_rows_is_still_checked(
    tmp_path: Path,
) -> None:
    """The held-out training rows have gaps in 'income' though the model's schema requires a
    value there (serving refuses such a row); a window with an infinite income. Neither is
    refused: the gaps are missing values, and the rows the model cannot score are one finding."""
    gappy = _applicants(1500, seed=4)
    gappy.loc[gappy.index % 10 == 0, "income"] = np.nan
    ws = Workspace(tmp_path / "workspace")
    try:
        register_loans(ws, gappy, tmp_path / "gappy.csv")
        with ws.store.write() as session:
            version = model_registry.resolve(session, "loans")[1]
            version.input_schema = [{**column, "required": True} for column in version.input_schema]
        with pytest.raises(UserError, match="'income' is empty"):
            scoring.prepare(gappy, model_registry.load(ws, "loans")[0]["inputs"])  # serving refuses
        window = _applicants(300, seed=5)
        window["income"] = window["income"].astype(object)
        window.loc[[3, 7], "income"] = ["inf", "-inf"]
        window.to_csv(tmp_path / "window.csv", index=False)
        datasets.import_file(ws, tmp_path / "window.csv", "window")
        report = checks.check(ws, "loans", current="window")
    finally:
        ws.close()
    income = next(c for c in report["columns"] if c["name"] == "income")
    assert income["missing_change"] == pytest.approx(-0.1, abs=0.03)  # gaps in the reference
    findings = report["prediction_drift"]["findings"]
    assert [f["kind"] for f in findings] == ["not_scored"]
    assert "could not score 2 rows (rows 4, 8 of the window)" in findings[0]["message"]
    assert report["n_current"] == 300 and report["status"] == "watch"
    assert report["performance"]["labelled"] == 298  # the unscored rows are left out


@pytest.mark.parametrize(
    ("task", "truth", "predicted", "ranges"),
    [
        (
            "classification",
            ["yes"] * 196 + ["no"] * 4,
            ["yes"] * 199 + ["no"],  # nearly perfect: a ±3 SD band would pass 1
            {"accuracy": (0.0, 1.0), "f1": (0.0, 1.0), "roc_auc": (0.0, 1.0)},
        ),
        (
            "regression",
            list(np.linspace(0.0, 10.0, 200)),
            list(np.linspace(0.0, 10.0, 200) + (np.arange(200) < 2)),  # two misses: MAE 0.01
            {"mae": (0.0, math.inf), "rmse": (0.0, math.inf), "r2": (-math.inf, 1.0)},
        ),
    ],
)
def test_bands_and_intervals_stay_within_what_each_measure_can_take(
    task: str, truth: list[Any], predicted: list[Any], ranges: dict[str, tuple[float, float]]
) -> None:
    """ "ROC AUC 0.823 (expected 0.633 to 1.078)" was a band past the measure's range."""
    record = {"task": task, "classes": ["no", "yes"] if task == "classification" else None}
    probabilities = None
    if task == "classification":
        probabilities = [[0.1, 0.9] if p == "yes" else [0.8, 0.2] for p in predicted]
    window = windows.Window(pd.DataFrame(), predicted, probabilities, truth)
    reference = checks.ReferencePerformance(record, window)
    performance = checks.window_performance(reference, window)
    assert performance is not None
    assert performance == checks.window_performance(reference, window)  # seeded: the same again
    for name, (lowest, highest) in ranges.items():
        value = performance["metrics"][name]
        for low, high in (performance["band"][name], performance["interval"][name]):
            assert lowest <= low <= value <= high <= highest
    clipped = performance["band"]["accuracy"][1] if task == "classification" else None
    assert clipped in (1.0, None) and performance["band"].get("mae", [0.0])[0] == 0.0


def test_try_it_rows_and_refused_requests_are_left_out_of_every_window_and_counted(
    ws: Workspace, tmp_path: Path
) -> None:
    """Rows typed into the Try-it form and refused requests were counted as traffic: here they
    are far off the training data, and would make the windows drift."""
    calm = _applicants(300, seed=2)
    ids = _log(ws, calm, DAY_1, "calm")
    odd = _applicants(120, seed=3, shift=3.0, new_region=True)
    _log(ws, odd.head(12), DAY_1, "tried", source="try_it")
    _log(ws, odd.tail(3), DAY_1, "refused", source="refused")
    _log(ws, odd, DAY_1 + timedelta(1), "tried-later", source="try_it")  # a day of Try-it only
    window = checks.check(ws, "loans", until=datetime(2026, 11, 2, tzinfo=UTC))
    assert window["n_current"] == 300 and window["status"] == "healthy", window["summary"]
    assert window["left_out"] == {"try_it": 12, "refused": 3}
    assert checks.check(ws, "loans")["left_out"] == {"try_it": 132, "refused": 3}
    assert trends.update_days(ws, "loans") == 1  # the Try-it day is no window
    (day,) = trends.history(ws, "loans")
    assert day["n_current"] == 300 and day["left_out"] == {"try_it": 12, "refused": 3}
    assert listing.monitoring_overview(ws)[0]["rows"] == 300  # the card's traffic
    assert html_report.left_out_text(day["left_out"]) == (
        "12 Try-it rows and 3 refused rows were left out (not real traffic)."
    )
    outcomes = tmp_path / "outcomes.csv"  # a refused request made no prediction to label
    pd.DataFrame({"request": ["refused-0", ids[0]], "repaid": ["yes", "no"]}).to_csv(
        outcomes, index=False
    )
    assert labels.import_labels(ws, "loans", outcomes, "request", "repaid")["matched"] == 1
    dataset = checks.check(ws, "loans", current="applicants")
    assert dataset["left_out"] == {"try_it": 0, "refused": 0}


def test_a_log_window_with_gaps_and_unreadable_values_is_reported_not_refused(
    ws: Workspace,
) -> None:
    """Logged rows with a gap in a column the model requires, or a value an older server logged
    as sent (text in a number column), are missing values of the window, not an error."""
    _log(ws, _applicants(300, seed=2), DAY_1, "calm")
    with ws.store.write() as session:
        rows = session.scalars(select(PredictionLog).order_by(PredictionLog.id)).all()
        for row in rows[::3]:
            row.inputs = {**row.inputs, "region": None, "income": "n/a"}
    report = checks.check(ws, "loans", since=datetime(2026, 11, 1, tzinfo=UTC))
    assert report["n_current"] == 300
    columns = {c["name"]: c for c in report["columns"]}
    for name in ("region", "income"):
        assert columns[name]["missing_change"] == pytest.approx(1 / 3, abs=0.01)
        assert [f["kind"] for f in columns[name]["findings"]] == ["missing_change"]
    assert report["status"] == "watch"
