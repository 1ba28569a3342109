"""Training overhead: the app's whole train path against the same pipeline written by hand.

    python bench/bench_training.py [--rows N] [--task classification|regression]
                                   [--algorithm A ...] [--cv K] [--runs 1] [--diagnose]

Data: a seeded 100,000 × 20 table (14 numeric columns, three of them with missing values, a boolean,
four categorical columns, one with missing values, and a learnable target: a binary class
``converted`` or, with ``--task regression``, a number ``spend_next_year``), written as Parquet to a
temporary folder (or ``$MLOPS_BENCH_DATA``) and imported into a fresh workspace with
``datasets.import_file``; the import is not timed.

- ours: ``training.train(workspace, Recipe(dataset, target, algorithm, cv=K))`` — load the stored
  version, plan, check, split, fit, evaluate, chart summary (column importance: the model's own
  measure where it has one, else permutation importance), save the model artifact, record the run. A breakdown is taken by wrapping the core functions with timers inside
  the child (``datasets.load_frame``, ``training.plan``/``check_data``, ``training._evaluate``,
  ``evaluation.summarize``/``_importance``, ``joblib.dump``, ``ArtifactStore.add``); the wrappers
  cost microseconds and no app code is changed.
- baseline: what a user writes by hand with scikit-learn: ``pandas.read_parquet`` of the same file,
  ``train_test_split`` with the same seed and stratification, the same pipeline
  (``training.build_pipeline`` with the plan the app makes, computed untimed), ``fit``, then
  ``predict`` + ``predict_proba`` and the same metric functions. With ``--cv K`` the baseline adds
  ``cross_validate`` (same folds, same metrics) on the training part before the final fit.

Each side runs in a fresh child process, timings exclude the interpreter start and module imports on
both sides, and the metrics of the two sides are compared (they are identical when the pipelines
are). Wall and CPU time are both printed (CPU time is steadier when other work shares the machine).
``--diagnose`` also times, in another child, where permutation importance spends its time and
three ways of computing the very same numbers (checked against scikit-learn's) faster.

The default run (classification, 100,000 rows) takes ~1.5 min on 2 cores (+~30 s with
``--diagnose``). A regression random forest grows much larger trees: ~20 s per side at 20,000 rows
already, so start with ``--rows 20000`` there. Goal (issue 3): ours/baseline ≤ 1.2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

GOAL_RATIO = 1.2
DEFAULT_ROWS = 100_000
DATA_SEED = 20240601
DATA_VERSION = 1  # bump when the generated content changes, so cached files are regenerated
DATASET = "bench-training"
TARGETS = {"classification": "converted", "regression": "spend_next_year"}
DEFAULT_ALGORITHMS = {
    "classification": ["random_forest", "logistic_regression"],
    "regression": ["random_forest", "linear_regression"],
}
CATEGORICAL = ["region", "channel", "device", "plan"]
BOOLEAN = ["has_app"]


# --- data ----------------------------------------------------------------------------------------


def generate_table(rows: int, task: str) -> Any:
    """The seeded rows × 20 table: 19 input columns (numeric, boolean, categorical, some missing
    values) and a target that depends on them (non-linearly, with noise)."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(DATA_SEED)
    n = rows
    age = rng.integers(18, 81, n)
    tenure = rng.integers(0, 121, n)
    visits = rng.poisson(5.0, n)
    income = rng.lognormal(10.5, 0.5, n)
    balance = rng.normal(1000.0, 400.0, n)
    spend = rng.gamma(2.0, 30.0, n)
    discount = rng.uniform(0.0, 0.5, n)
    satisfaction = np.round(rng.uniform(1.0, 5.0, n), 1)
    calls = rng.poisson(1.0, n)
    session = rng.gamma(3.0, 8.0, n)
    pages = rng.lognormal(1.0, 0.4, n)
    distance = rng.exponential(15.0, n)
    devices = rng.integers(1, 6, n)
    score = rng.normal(0.0, 1.0, n)
    has_app = rng.random(n) < 0.45
    regions = np.array(["north", "south", "east", "west", "central", "islands"], dtype=object)
    region = rng.integers(0, len(regions), n)
    channels = np.array(["web", "store", "phone", "partner"], dtype=object)
    channel = rng.choice(len(channels), n, p=[0.5, 0.25, 0.15, 0.1])
    systems = np.array(["android", "ios", "windows", "mac", "linux"], dtype=object)
    device = rng.choice(len(systems), n, p=[0.35, 0.3, 0.2, 0.1, 0.05])
    plans = np.array(["basic", "plus", "pro"], dtype=object)
    plan = rng.choice(len(plans), n, p=[0.6, 0.3, 0.1])
    signal = (
        -0.03 * (age - 45)
        - 0.02 * (tenure - 60)
        + 0.8 * (np.log(income) - 10.5)
        + 0.35 * calls
        - 0.5 * (satisfaction - 3)
        + 2.0 * (discount - 0.25)
        - 0.01 * (session - 24)
        + np.array([0.4, -0.3, 0.1, 0.0, -0.2, 0.6])[region]
        + np.array([0.0, 0.3, -0.2, 0.5])[channel]
        + np.array([-0.4, 0.2, 0.6])[plan]
        + 0.4 * has_app
        + 0.8 * np.sin(2 * score)
        + 0.3 * score * (balance - 1000) / 400
    )
    if task == "classification":
        target = ((signal + rng.logistic(0.0, 1.0, n)) > 0.4).astype(np.int64)
    else:
        target = np.round(500 + 80 * signal + rng.normal(0.0, 60.0, n), 2)

    def missing(values: Any, share: float) -> Any:
        return pa.array(values, mask=rng.random(n) < share)

    def labels(names: Any, index: Any, share: float = 0.0) -> Any:
        mask = rng.random(n) < share if share else None
        return pa.array(names[index], pa.string(), mask=mask)

    return pa.table(
        {
            "age": pa.array(age),
            "tenure_months": pa.array(tenure),
            "visits": pa.array(visits),
            "income": missing(np.round(income, 2), 0.03),
            "balance": pa.array(np.round(balance, 2)),
            "spend_last_month": pa.array(np.round(spend, 2)),
            "discount_rate": missing(np.round(discount, 3), 0.05),
            "satisfaction": pa.array(satisfaction),
            "support_calls": pa.array(calls),
            "session_minutes": missing(np.round(session, 1), 0.02),
            "pages_per_visit": pa.array(np.round(pages, 2)),
            "distance_km": pa.array(np.round(distance, 2)),
            "devices": pa.array(devices),
            "score": pa.array(score),
            "has_app": pa.array(has_app),
            "region": labels(regions, region, 0.01),
            "channel": labels(channels, channel),
            "device": labels(systems, device),
            "plan": labels(plans, plan),
            TARGETS[task]: pa.array(target),
        }
    )


def column_types(names: list[str]) -> dict[str, str]:
    """The type each generated column is meant to have (the import must detect exactly these)."""
    return {
        name: "categorical" if name in CATEGORICAL else "boolean" if name in BOOLEAN else "numeric"
        for name in names
    }


def dataset_file(rows: int, task: str) -> Path:
    """The generated Parquet file, cached in ``$MLOPS_BENCH_DATA`` when that is set."""
    path = _common.data_dir() / f"bench_training_{rows}x20_{task}_v{DATA_VERSION}.parquet"
    if not path.exists():
        import pyarrow.parquet as pq

        partial = path.with_suffix(".partial")
        pq.write_table(generate_table(rows, task), partial)
        partial.replace(path)
    return path


def import_dataset(home: Path, path: Path) -> str:
    """Import the file into the workspace at ``home`` (untimed); checks the detected types."""
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    try:
        result = datasets.import_file(workspace, path, DATASET)
        version = datasets.get_version(workspace, f"{result.name}@{result.version}")
        detected = {column["name"]: column["type"] for column in version.schema}
    finally:
        workspace.close()
    wanted = column_types(list(detected))
    if detected != wanted:
        raise SystemExit(f"the import detected other column types: {detected} (wanted {wanted})")
    return result.name


# --- children ------------------------------------------------------------------------------------


class _Timers:
    """Wraps functions with timers that add up the seconds spent in them, by label."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)

    def wrap(self, owner: Any, name: str, label: str) -> None:
        original: Callable[..., Any] | None = getattr(owner, name, None)
        if original is None:  # renamed in the app: that part is then counted in its caller
            return

        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - started

        setattr(owner, name, timed)


def child_app(home: Path, target: str, algorithm: str, cv: int) -> dict[str, Any]:
    import joblib

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import evaluation, training
    from mlops_desktop.core.store.artifacts import ArtifactStore
    from mlops_desktop.core.workspace import Workspace

    timers = _Timers()
    timers.wrap(datasets, "get_version", "load")
    timers.wrap(datasets, "load_frame", "load")
    timers.wrap(training, "plan", "plan")
    timers.wrap(training, "check_data", "plan")
    timers.wrap(training, "_fit_and_score", "fit_and_score")
    timers.wrap(training, "_predictions", "evaluate")  # predict + predict_proba, where separate
    timers.wrap(training, "_evaluate", "evaluate")
    timers.wrap(evaluation, "summarize", "summarize")
    timers.wrap(evaluation, "_importance", "importance")
    timers.wrap(joblib, "dump", "dump")
    timers.wrap(ArtifactStore, "add", "add")

    started = time.perf_counter()
    workspace = Workspace(home)
    opened = time.perf_counter() - started
    recipe = training.Recipe(dataset=DATASET, target=target, algorithm=algorithm, cv=cv)
    started, cpu_started = time.perf_counter(), time.process_time()
    run = training.train(workspace, recipe)[0]
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    workspace.close()
    if run["status"] != "finished":
        raise SystemExit(f"the training did not finish: {run['status']} {run['error']}")
    model = workspace.artifacts.path_for(run["model_sha256"], training.MODEL_SUFFIX)
    model_bytes = model.stat().st_size
    spent = defaultdict(float, timers.spent)
    parts = {
        "load": spent["load"],
        "plan": spent["plan"],
        "fit": spent["fit_and_score"] - spent["evaluate"] - spent["summarize"],
        "evaluate": spent["evaluate"],
        "importance": spent["importance"],
        "charts": spent["summarize"] - spent["importance"],
        "save model": spent["dump"] + spent["add"],
    }
    parts["records"] = total - sum(parts.values())
    return {
        "seconds": total,
        "cpu_seconds": cpu,
        "open_workspace": opened,
        "parts": parts,
        "dump": spent["dump"],
        "hash_and_move": spent["add"],
        "model_bytes": model_bytes,
        "importance_method": (run.get("evaluation") or {}).get("importance_method", "permutation"),
        "metrics": run["metrics"],
        "features": [feature["name"] for feature in run["features"]],
        "task": run["task"],
    }


def _scorers(task: str) -> dict[str, str]:
    """``cross_validate`` scoring names for the app's metrics (negated errors are turned back)."""
    if task == "regression":
        return {"r2": "r2", "rmse": "neg_root_mean_squared_error", "mae": "neg_mean_absolute_error"}
    return {
        "accuracy": "accuracy",
        "balanced_accuracy": "balanced_accuracy",
        "precision": "precision",
        "recall": "recall",
        "f1": "f1",
        "roc_auc": "roc_auc",
        "log_loss": "neg_log_loss",
    }


def _score_by_hand(pipeline: Any, task: str, X: Any, y: Any) -> dict[str, float]:
    """predict + predict_proba and scikit-learn's metric functions, as a user would write them."""
    from sklearn import metrics as m

    predicted = pipeline.predict(X)
    if task == "regression":
        return {
            "r2": float(m.r2_score(y, predicted)),
            "rmse": float(m.root_mean_squared_error(y, predicted)),
            "mae": float(m.mean_absolute_error(y, predicted)),
        }
    proba = pipeline.predict_proba(X)
    positive = pipeline.classes_[1]  # the generated target is binary
    return {
        "accuracy": float(m.accuracy_score(y, predicted)),
        "balanced_accuracy": float(m.balanced_accuracy_score(y, predicted)),
        "precision": float(m.precision_score(y, predicted, pos_label=positive, zero_division=0)),
        "recall": float(m.recall_score(y, predicted, pos_label=positive, zero_division=0)),
        "f1": float(m.f1_score(y, predicted, pos_label=positive, zero_division=0)),
        "roc_auc": float(m.roc_auc_score(y, proba[:, 1])),
        "log_loss": float(m.log_loss(y, proba, labels=pipeline.classes_)),
    }


def child_baseline(path: Path, target: str, algorithm: str, cv: int) -> dict[str, Any]:
    import numpy as np
    import pandas as pd
    from sklearn.model_selection import KFold, StratifiedKFold, cross_validate, train_test_split

    from mlops_desktop.core.experiments import algorithms, training

    cpu_started = time.process_time()
    started = time.perf_counter()
    frame = pd.read_parquet(path)
    load = time.perf_counter() - started
    cpu = time.process_time() - cpu_started

    # The columns and the task the app would choose, so both sides build the same pipeline. A
    # user would type the column lists; this is not timed.
    schema = [{"name": name, "type": kind} for name, kind in column_types(list(frame)).items()]
    the_plan = training.plan(frame, schema, target, [])
    features = [feature["name"] for feature in the_plan.features]
    chosen = algorithms.ALGORITHMS[algorithm]
    params = algorithms.resolve_params(chosen, {})
    seed, test_size, task = training.DEFAULT_SEED, training.DEFAULT_TEST_SIZE, the_plan.task

    cpu_started = time.process_time()
    started = time.perf_counter()
    X, y = frame[features], frame[target]
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=test_size,
        random_state=seed,
        stratify=y if task == "classification" else None,
    )
    split = time.perf_counter() - started

    metrics: dict[str, float] = {}
    cross = 0.0
    if cv >= 2:
        started = time.perf_counter()
        folds = (StratifiedKFold if task == "classification" else KFold)(
            cv, shuffle=True, random_state=seed
        )
        scorers = _scorers(task)
        scores = cross_validate(
            training.build_pipeline(chosen, task, the_plan.features, params, seed),
            X_train,
            y_train,
            cv=folds,
            scoring=list(scorers.values()),
        )
        cross = time.perf_counter() - started
        for key, scorer in scorers.items():
            values = scores[f"test_{scorer}"] * (-1 if scorer.startswith("neg_") else 1)
            metrics[f"cv_{key}_mean"] = float(np.mean(values))
            metrics[f"cv_{key}_std"] = float(np.std(values))

    started = time.perf_counter()
    pipeline = training.build_pipeline(chosen, task, the_plan.features, params, seed)
    pipeline.fit(X_train, y_train)
    fit = time.perf_counter() - started
    started = time.perf_counter()
    metrics.update(_score_by_hand(pipeline, task, X_test, y_test))
    score = time.perf_counter() - started
    cpu += time.process_time() - cpu_started
    parts = {"load": load, "split": split, **({"cross_validate": cross} if cv >= 2 else {})}
    parts.update(fit=fit, score=score)
    return {
        "seconds": sum(parts.values()),
        "cpu_seconds": cpu,
        "parts": parts,
        "metrics": metrics,
        "features": features,
        "task": task,
    }


def _batched_importance(pipeline: Any, X: Any, y: Any, task: str, seed: int) -> dict[str, float]:
    """The same numbers as the app's permutation importance (same rows, same shuffles as
    scikit-learn's ``permutation_importance``), but every permuted copy is scored in ONE predict
    call."""
    import numpy as np
    import pandas as pd
    from sklearn.metrics import accuracy_score, r2_score

    from mlops_desktop.core.experiments import evaluation

    rows, repeats = evaluation.IMPORTANCE_ROWS, evaluation.IMPORTANCE_REPEATS
    if len(X) > rows:
        X = X.sample(rows, random_state=seed)
        y = y.loc[X.index]
    # permutation_importance draws one seed, then shuffles each column with a fresh generator from
    # it, repeat after repeat on the same (already shuffled) column.
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    copies = [X]
    for column in X.columns:
        generator = np.random.RandomState(column_seed)
        order = np.arange(len(X))
        permuted = X.copy()
        for _ in range(repeats):
            generator.shuffle(order)
            permuted[column] = permuted[column].to_numpy()[order]
            copies.append(permuted.copy())
    predicted = pipeline.predict(pd.concat(copies, ignore_index=True))
    score = accuracy_score if task == "classification" else r2_score
    n = len(X)
    scores = [score(y, predicted[i * n : (i + 1) * n]) for i in range(len(copies))]
    return {
        column: float(
            np.mean([scores[0] - s for s in scores[1 + c * repeats : 1 + (c + 1) * repeats]])
        )
        for c, column in enumerate(X.columns)
    }


def _encoded_importance(pipeline: Any, X: Any, y: Any, task: str, seed: int) -> dict[str, float]:
    """The same numbers again, but the rows are prepared (imputed, encoded, scaled) once and the
    encoded columns of each input column are shuffled instead: every preparing step works row by
    row once fitted, so the model sees exactly the same rows. One predict call of the model."""
    import numpy as np
    from sklearn.metrics import r2_score

    from mlops_desktop.core.experiments import evaluation

    rows, repeats = evaluation.IMPORTANCE_ROWS, evaluation.IMPORTANCE_REPEATS
    if len(X) > rows:
        X = X.sample(rows, random_state=seed)
        y = y.loc[X.index]
    prepare = pipeline.named_steps["prepare"]
    encoded = np.asarray(prepare.transform(X))
    outputs: dict[str, list[int]] = {}
    for name, step, columns in prepare.transformers_:
        if name == "remainder":
            continue
        start = prepare.output_indices_[name].start
        widths = (
            [len(c) for c in step.named_steps["encode"].categories_]
            if "encode" in step.named_steps
            else [1] * len(columns)
        )
        for column, width in zip(columns, widths, strict=True):
            outputs[column] = list(range(start, start + width))
            start += width
    column_seed = np.random.RandomState(seed).randint(np.iinfo(np.int32).max + 1)
    copies = [encoded]
    for column in X.columns:
        generator = np.random.RandomState(column_seed)
        order = np.arange(len(X))
        permuted = encoded.copy()
        for _ in range(repeats):
            generator.shuffle(order)
            permuted[:, outputs[column]] = permuted[order][:, outputs[column]]
            copies.append(permuted.copy())
    predicted = pipeline.named_steps["model"].predict(np.vstack(copies))
    # accuracy_score's checks cost about a millisecond per call; its value is this mean.
    score = (
        (lambda a, b: float(np.mean(np.asarray(a) == b))) if task == "classification" else r2_score
    )
    n = len(X)
    scores = [score(y, predicted[i * n : (i + 1) * n]) for i in range(len(copies))]
    return {
        column: float(
            np.mean([scores[0] - s for s in scores[1 + c * repeats : 1 + (c + 1) * repeats]])
        )
        for c, column in enumerate(X.columns)
    }


def child_diagnose(home: Path, target: str, algorithm: str) -> dict[str, Any]:
    """Where permutation importance spends its time, and the same numbers computed faster."""
    import joblib
    import numpy as np
    from sklearn.inspection import permutation_importance
    from sklearn.model_selection import train_test_split

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.data.preparation import feature_frame
    from mlops_desktop.core.experiments import algorithms, evaluation, training
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    version = datasets.get_version(workspace, DATASET)
    frame = datasets.load_frame(workspace, version)
    workspace.close()
    the_plan = training.plan(frame, version.schema, target, [])
    chosen = algorithms.ALGORITHMS[algorithm]
    seed, task = training.DEFAULT_SEED, the_plan.task
    X = feature_frame(frame, the_plan.features)
    y = frame[target]
    X_train, X_test, y_train, y_test = train_test_split(
        X,
        y,
        test_size=training.DEFAULT_TEST_SIZE,
        random_state=seed,
        stratify=y if task == "classification" else None,
    )
    pipeline = training.build_pipeline(
        chosen, task, the_plan.features, algorithms.resolve_params(chosen, {}), seed
    )
    pipeline.fit(X_train, y_train)

    def timed(function: Callable[[], Any], repeat: int = 1) -> tuple[float, Any]:
        best, result = float("inf"), None
        for _ in range(repeat):
            started = time.perf_counter()
            result = function()
            best = min(best, time.perf_counter() - started)
        return best, result

    rows = min(evaluation.IMPORTANCE_ROWS, len(X_test))
    sample = X_test.sample(rows, random_state=seed)
    calls = 1 + len(X.columns) * evaluation.IMPORTANCE_REPEATS
    predict_s, _ = timed(lambda: pipeline.predict(sample), 3)
    prepare_s, _ = timed(lambda: pipeline[:-1].transform(sample), 3)
    test_predict_s, _ = timed(lambda: pipeline.predict(X_test))
    test_proba_s, _ = timed(
        lambda: pipeline.predict_proba(X_test) if task == "classification" else None
    )
    scoring = "accuracy" if task == "classification" else "r2"

    def app_permutation() -> dict[str, float]:
        # As evaluation._importance computes it for a model without a measure of its own.
        y_sample = y_test.loc[sample.index]
        values = permutation_importance(
            pipeline,
            sample,
            y_sample,
            scoring=scoring,
            n_repeats=evaluation.IMPORTANCE_REPEATS,
            random_state=seed,
        ).importances_mean
        return dict(zip(sample.columns, map(float, values), strict=True))

    as_is_s, as_is = timed(app_permutation)
    batched_s, batched = timed(lambda: _batched_importance(pipeline, X_test, y_test, task, seed))
    encoded_s, encoded = timed(lambda: _encoded_importance(pipeline, X_test, y_test, task, seed))

    def threaded() -> Any:
        y_sample = y_test.loc[sample.index]
        with joblib.parallel_backend("threading", n_jobs=2):
            return permutation_importance(
                pipeline,
                sample,
                y_sample,
                scoring=scoring,
                n_repeats=evaluation.IMPORTANCE_REPEATS,
                random_state=seed,
                n_jobs=2,
            ).importances_mean

    threaded_s, threaded_values = timed(threaded)
    return {
        "rows": rows,
        "calls": calls,
        "predict_call": predict_s,
        "prepare_call": prepare_s,
        "test_rows": len(X_test),
        "test_predict": test_predict_s,
        "test_proba": test_proba_s,
        "as_is": as_is_s,
        "batched": batched_s,
        "batched_max_diff": max(abs(batched[k] - as_is[k]) for k in as_is),
        "encoded": encoded_s,
        "encoded_max_diff": max(abs(encoded[k] - as_is[k]) for k in as_is),
        "threaded": threaded_s,
        "threaded_max_diff": float(
            np.max(np.abs(threaded_values - np.array(list(as_is.values()))))
        ),
        "cpus": os.cpu_count(),
    }


# --- parent --------------------------------------------------------------------------------------


def _child(*args: str) -> dict[str, Any]:
    out = _common.run_child([__file__, "--child", *args], timeout=3600)
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _parts(parts: dict[str, float]) -> str:
    return " + ".join(f"{name} {seconds:.2f}" for name, seconds in parts.items())


def _metrics_match(ours: dict[str, float], theirs: dict[str, float]) -> str:
    keys = sorted(set(ours) & set(theirs))
    missing = sorted(set(ours) ^ set(theirs))
    worst = max((abs(ours[k] - theirs[k]) for k in keys), default=0.0)
    main = next((k for k in ("roc_auc", "r2") if k in ours), keys[0] if keys else "")
    text = f"{main} {ours.get(main, float('nan')):.4f}; " if main else ""
    if worst == 0 and not missing:
        return text + "all metrics identical on both sides"
    return (
        text
        + f"largest metric difference {worst:.2g}"
        + (f"; only one side: {missing}" if missing else "")
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=DEFAULT_ROWS)
    parser.add_argument("--task", choices=sorted(TARGETS), default="classification")
    parser.add_argument(
        "--algorithm", action="append", help="repeat to choose several (default: two per task)"
    )
    parser.add_argument("--cv", type=int, default=0, help="K-fold cross-validation (0: none)")
    parser.add_argument("--runs", type=int, default=1, help="runs per side; medians are compared")
    parser.add_argument(
        "--diagnose", action="store_true", help="also time where permutation importance goes"
    )
    parser.add_argument("--child", choices=["app", "baseline", "diagnose"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()
    target = TARGETS[args.task]
    algorithms = args.algorithm or DEFAULT_ALGORITHMS[args.task]

    if args.child:
        algorithm = algorithms[0]
        if args.child == "app":
            result = child_app(Path(args.dir), target, algorithm, args.cv)
        elif args.child == "baseline":
            result = child_baseline(Path(args.path), target, algorithm, args.cv)
        else:
            result = child_diagnose(Path(args.dir), target, algorithm)
        print(json.dumps(result))
        return 0

    started = time.perf_counter()
    path = dataset_file(args.rows, args.task)
    home = _common.temp_dir("training") / "workspace"
    import_dataset(home, path)
    print(
        f"data: {path.name} ({args.rows:,} rows × 20 columns, target '{target}', "
        f"{path.stat().st_size / 1e6:.1f} MB Parquet) imported into {home} in "
        f"{time.perf_counter() - started:.1f} s (not timed); held-out share 20 %"
        + (f", {args.cv}-fold cross-validation" if args.cv >= 2 else "")
        + "; each side in a fresh child process, imports not timed",
        flush=True,
    )
    common = ["--rows", str(args.rows), "--task", args.task, "--cv", str(args.cv)]
    summary = []
    for algorithm in algorithms:
        chosen = ["--algorithm", algorithm, *common]
        ours: list[dict[str, Any]] = []
        theirs: list[dict[str, Any]] = []
        print(f"\n{algorithm}:", flush=True)
        for _ in range(args.runs):
            theirs.append(_child("baseline", "--path", str(path), *chosen))
            item = theirs[-1]
            print(
                f"  baseline, scikit-learn by hand: {_common.fmt_s(item['seconds'])} "
                f"(CPU {item['cpu_seconds']:.2f} s) = {_parts(item['parts'])}",
                flush=True,
            )
            ours.append(_child("app", "--dir", str(home), *chosen))
            item = ours[-1]
            print(
                f"  ours, training.train():         {_common.fmt_s(item['seconds'])} "
                f"(CPU {item['cpu_seconds']:.2f} s) = {_parts(item['parts'])}",
                flush=True,
            )
            print(
                f"    save model: joblib.dump {item['dump']:.2f} s + hash and move "
                f"{item['hash_and_move']:.2f} s for {item['model_bytes'] / 1e6:.0f} MB; "
                f"opening the workspace (not counted) {item['open_workspace']:.2f} s"
            )
            if item["features"] != theirs[-1]["features"] or item["task"] != theirs[-1]["task"]:
                raise SystemExit("the two sides did not use the same columns or task")
        app_s = _common.median([item["seconds"] for item in ours])
        base_s = _common.median([item["seconds"] for item in theirs])
        cpu_ratio = _common.median([item["cpu_seconds"] for item in ours]) / _common.median(
            [item["cpu_seconds"] for item in theirs]
        )
        ratio = app_s / base_s
        parts = {
            key: _common.median([item["parts"][key] for item in ours]) for key in ours[0]["parts"]
        }
        method = ours[-1]["importance_method"]
        extra = {
            f"column importance ({method})": parts["importance"],
            "other chart data": parts["charts"],
            "saving the model": parts["save model"],
            "plan and run records": parts["plan"] + parts["records"],
        }
        print(f"  {_metrics_match(ours[-1]['metrics'], theirs[-1]['metrics'])}")
        print(
            f"  ratio ours/baseline: {ratio:.2f} (CPU time: {cpu_ratio:.2f})  goal ≤ {GOAL_RATIO}  "
            f"{_common.verdict(ratio <= GOAL_RATIO)}; overhead {app_s - base_s:.2f} s",
            flush=True,
        )
        print(
            f"  steps the baseline does not have: {sum(extra.values()):.2f} s = "
            + " + ".join(f"{name} {seconds:.2f}" for name, seconds in extra.items())
            + f"; with equal shared steps they alone give a ratio of "
            f"{1 + sum(extra.values()) / base_s:.2f}, the importance step alone "
            f"{1 + parts['importance'] / base_s:.2f}"
        )
        summary.append((algorithm, app_s, base_s, ratio, parts))
        if args.diagnose:
            report = _child("diagnose", "--dir", str(home), *chosen)
            _print_diagnosis(report, parts, method, app_s, base_s)

    print(f"\nsummary ({'median of ' + str(args.runs) + ' runs' if args.runs > 1 else 'one run'}):")
    for algorithm, app_s, base_s, ratio, parts in summary:
        without = (app_s - parts["importance"]) / base_s
        print(
            f"  {algorithm:<20} ours {_common.fmt_s(app_s):>9}  baseline {_common.fmt_s(base_s):>9}"
            f"  ratio {ratio:.2f}  {_common.verdict(ratio <= GOAL_RATIO)}"
            f"  (without the column-importance step: {without:.2f})"
        )
    return 0


def _print_diagnosis(
    d: dict[str, Any], parts: dict[str, float], method: str, app_s: float, base_s: float
) -> None:
    print(
        f"  diagnosis: the run's column importance ({method}) took {parts['importance']:.2f} s. "
        f"Permutation importance, which the app computes for models without a measure of their "
        f"own, is {d['calls']} predict calls on {d['rows']:,} rows each; one such call takes "
        f"{d['predict_call'] * 1000:.0f} ms ({d['prepare_call'] * 1000:.0f} ms of it the "
        f"preprocessing), while predicting all {d['test_rows']:,} held-out rows at once takes "
        f"{d['test_predict']:.2f} s"
    )
    print(
        f"    the same permutation importances: as the app computes them {d['as_is']:.2f} s; on "
        f"2 threads {d['threaded']:.2f} s (largest difference {d['threaded_max_diff']:.1g}); all "
        f"permuted copies in one pipeline.predict {d['batched']:.2f} s (largest difference "
        f"{d['batched_max_diff']:.1g}); rows prepared once, encoded columns shuffled, one "
        f"model.predict {d['encoded']:.2f} s (largest difference {d['encoded_max_diff']:.1g})"
    )
    duplicate = d["test_predict"] + d["test_proba"]
    predicts_again = parts["charts"] >= duplicate / 2
    if not predicts_again and method != "permutation":
        return
    importance = min(d["batched"], d["encoded"]) if method == "permutation" else parts["importance"]
    saved = duplicate if predicts_again else 0.0
    projected = app_s - parts["importance"] + importance - min(saved, parts["charts"])
    changes = []
    if predicts_again:
        print(
            f"    the chart summary predicts the held-out rows again (predict + predict_proba "
            f"{duplicate:.2f} s; other chart data {parts['charts']:.2f} s in this run) although "
            "the evaluation has just done so"
        )
        changes.append("reusing those predictions")
    if method == "permutation":
        changes.append("the faster permutation importance")
    print(
        f"    {' and '.join(changes)} would make ours ≈ {_common.fmt_s(projected)}, ratio ≈ "
        f"{projected / base_s:.2f}"
    )


if __name__ == "__main__":
    raise SystemExit(main())
