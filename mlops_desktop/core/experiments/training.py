"""Training: from a dataset version and a target to tracked runs with metrics and a stored pipeline.

A run is recorded as ``running`` when it starts and finished, failed or cancelled in one transaction
with its model artifact at the end, so no run is left half-written and no artifact is orphaned.
Every pipeline owns its preprocessing (imputation, one-hot encoding, scaling), so it predicts on raw
rows shaped like the dataset, and every estimator is seeded: the same data, recipe and seed give
identical metrics (``reproduce`` proves it).
"""

import logging
import os
import platform
import time
import uuid
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd
import sklearn
from sklearn.compose import ColumnTransformer
from sklearn.impute import SimpleImputer
from sklearn.metrics import (
    accuracy_score,
    balanced_accuracy_score,
    f1_score,
    log_loss,
    mean_absolute_error,
    precision_score,
    r2_score,
    recall_score,
    roc_auc_score,
    root_mean_squared_error,
)
from sklearn.model_selection import KFold, StratifiedKFold, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlops_desktop.core.data import datasets, recipes, roles
from mlops_desktop.core.data.preparation import feature_frame
from mlops_desktop.core.data.profiling import value_label
from mlops_desktop.core.data.raw_inputs import raw_row_steps
from mlops_desktop.core.errors import Cancelled, UserError
from mlops_desktop.core.experiments import evaluation, uncertainty
from mlops_desktop.core.experiments.algorithms import ALGORITHMS, Algorithm, resolve_params
from mlops_desktop.core.governance import audit
from mlops_desktop.core.listing import list_runs as list_runs
from mlops_desktop.core.listing import main_metric as main_metric
from mlops_desktop.core.listing import main_metric_name as main_metric_name
from mlops_desktop.core.listing import runs_query
from mlops_desktop.core.names import check_name
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.store.models import DatasetVersion, Experiment, Run
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.core.workspace import Workspace

MODEL_SUFFIX = ".joblib"
DEFAULT_SEED = 42
DEFAULT_TEST_SIZE = 0.2
DEFAULT_EXPERIMENT = "Default"
DEFAULT_FOLDS = 5  # the training dialog cross-validates by default…
FOLDS_BELOW_ROWS = 50_000  # …data with fewer rows than this (above, one split is informative)
MIN_ROWS_PER_CLASS = 2
CHOSEN_TO_EXCLUDE = "you chose to leave it out"
SKIPPED_TYPES = {"text": "free text is not used yet", "datetime": "dates are not used directly yet"}
TARGET_COPY = "it is the same as the target (it would give the answer away)"
NEVER_USED = {*SKIPPED_TYPES.values(), TARGET_COPY}  # left out even when asked for
# In a run's split: its dataset version holds only its held-out rows (a run imported from a bundle)
HELD_OUT_ONLY = "held_out_only"

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Plan:
    """What a training will use, decided from the data, with the reasons shown to the user."""

    task: str
    task_reason: str
    features: list[dict[str, Any]]  # name, type (and categories) of each input column
    excluded: list[dict[str, str]]  # name and reason of each column left out
    target_missing: int = 0  # rows without a target value (training can drop them)
    classes: tuple[str, ...] = ()  # the target's values, for a classification


def plan(
    frame: pd.DataFrame,
    schema: list[dict[str, str]],
    target: str,
    exclude: list[str],
    include: list[str] | None = None,
) -> Plan:
    """Which columns to learn from: all but the target, ``exclude`` and those that cannot help
    (each with its reason), except that ``include`` keeps a column the app would leave out."""
    types = {column["name"]: column["type"] for column in schema}
    if target not in types:
        raise UserError(f"The dataset has no column named '{target}'.")
    task, reason = roles.detect_task(frame[target], types[target])
    features, excluded = [], []
    for name, kind in types.items():
        if name == target:
            continue
        series = frame[name]
        non_null = series.dropna()
        distinct = non_null.nunique()
        why = None
        if name in exclude:
            why = CHOSEN_TO_EXCLUDE
        elif distinct <= 1:
            why = "it has the same value in every row"
        elif (
            (kind != "numeric" or pd.api.types.is_integer_dtype(series))
            and len(non_null) >= 20
            and distinct == len(frame)
        ):
            why = "it has a different value in every row, like an ID"
        elif kind in SKIPPED_TYPES:
            why = SKIPPED_TYPES[kind]
        if why is None and kind in ("numeric", "boolean") and _same_as(series, frame[target]):
            why = TARGET_COPY
        if why and name in (include or ()) and why != CHOSEN_TO_EXCLUDE:
            if why in NEVER_USED:
                raise UserError(f"'{name}' cannot be used: {why}.")
            why = None
        if why:
            excluded.append({"name": name, "reason": why})
            continue
        feature: dict[str, Any] = {"name": name, "type": kind}
        if kind == "categorical":
            feature["categories"] = sorted(str(v) for v in non_null.unique())
        features.append(feature)
    classes = (
        tuple(sorted(value_label(value) for value in frame[target].dropna().unique()))
        if task == "classification"
        else ()
    )
    return Plan(task, reason, features, excluded, int(frame[target].isna().sum()), classes)


def _same_as(column: pd.Series, target: pd.Series) -> bool:
    try:
        return bool(column.astype(float).equals(target.astype(float)))
    except (TypeError, ValueError):
        return False


def check_data(frame: pd.DataFrame, target: str, the_plan: Plan, test_size: float, cv: int) -> None:
    """Refuse data that cannot give a meaningful model, with the reason in plain words."""
    y = frame[target]
    if y.isna().any():
        raise UserError(
            f"'{target}' is missing in {int(y.isna().sum())} rows; a model cannot learn from "
            "rows without an answer. Choose to drop those rows (on the command line: "
            "--drop-missing-target)."
        )
    if not 0 < test_size < 1:
        raise UserError("The held-out share must be between 0 and 1, such as 0.2 for 20 %.")
    if the_plan.task == "classification":
        counts = y.value_counts()
        if len(counts) < 2:
            raise UserError(
                f"'{target}' has only one class ({counts.index[0]}); there is nothing to tell apart."
            )
        if len(counts) >= 20 and counts.max() == 1:
            raise UserError(
                f"'{target}' has a different value in every row, like an ID; it cannot be predicted."
            )
        needed = max(MIN_ROWS_PER_CLASS, cv)
        rare = counts[counts < needed]
        if len(rare):
            raise UserError(
                f"The class '{rare.index[0]}' of '{target}' has only {counted(int(rare.iloc[0]), 'row')}; "
                f"each class needs at least {needed} for this split."
            )
        test_rows = int(np.ceil(len(y) * test_size))
        if test_rows < len(counts):
            raise UserError(
                f"A held-out share of {test_size:.0%} gives {test_rows} rows, fewer than the "
                f"{len(counts)} classes; hold out more rows."
            )
    if not the_plan.features:
        raise UserError("No column is left to learn from; include at least one more column.")


def build_pipeline(
    algorithm: Algorithm,
    task: str,
    features: list[dict[str, Any]],
    params: dict[str, Any],
    seed: int,
) -> Pipeline:
    numeric = [f["name"] for f in features if f["type"] in ("numeric", "boolean")]
    categorical = [f["name"] for f in features if f["type"] == "categorical"]
    numeric_steps: list[tuple[str, Any]] = [("impute", SimpleImputer(strategy="median"))]
    if algorithm.scales:
        numeric_steps.append(("scale", StandardScaler()))
    transformers = []
    if numeric:
        transformers.append(("numbers", Pipeline(numeric_steps), numeric))
    if categorical:
        transformers.append(
            (
                "labels",
                Pipeline(
                    [
                        ("impute", SimpleImputer(strategy="most_frequent")),
                        ("encode", OneHotEncoder(handle_unknown="ignore", sparse_output=False)),
                    ]
                ),
                categorical,
            )
        )
    prepare = ColumnTransformer(transformers, sparse_threshold=0.0)
    return Pipeline([("prepare", prepare), ("model", algorithm.make(task, params, seed))])


def metrics_for(task: str, y_true: Any, y_pred: Any, proba: Any, classes: Any) -> dict[str, float]:
    """The task's metrics, computed with scikit-learn's own functions."""
    if task == "regression":
        return {
            "r2": float(r2_score(y_true, y_pred)),
            "rmse": float(root_mean_squared_error(y_true, y_pred)),
            "mae": float(mean_absolute_error(y_true, y_pred)),
        }
    binary = len(classes) == 2
    average = "binary" if binary else "macro"
    extra = {"pos_label": classes[1]} if binary else {}
    result = {
        "accuracy": float(accuracy_score(y_true, y_pred)),
        "balanced_accuracy": float(balanced_accuracy_score(y_true, y_pred)),
        "precision": float(
            precision_score(y_true, y_pred, average=average, zero_division=0, **extra)
        ),
        "recall": float(recall_score(y_true, y_pred, average=average, zero_division=0, **extra)),
        "f1": float(f1_score(y_true, y_pred, average=average, zero_division=0, **extra)),
    }
    if proba is not None:
        if binary:
            result["roc_auc"] = float(roc_auc_score(y_true, proba[:, 1]))
        elif len(np.unique(y_true)) == len(classes):
            result["roc_auc"] = float(
                roc_auc_score(y_true, proba, multi_class="ovr", labels=classes)
            )
        result["log_loss"] = float(log_loss(y_true, proba, labels=classes))
    return result


def library_versions() -> dict[str, str]:
    return {
        "python": platform.python_version(),
        "scikit-learn": sklearn.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


@dataclass
class Recipe:
    dataset: str
    target: str
    algorithm: str
    params: dict[str, Any] = field(default_factory=dict)
    experiment: str = DEFAULT_EXPERIMENT
    test_size: float = DEFAULT_TEST_SIZE
    cv: int = 0
    seed: int = DEFAULT_SEED
    exclude: list[str] = field(default_factory=list)
    include: list[str] = field(default_factory=list)  # used even where the app would not
    drop_missing_target: bool = False  # train on the rows that have a target value


def _algorithms_for(recipe: Recipe, task: str) -> list[Algorithm]:
    if recipe.algorithm == "auto":
        return [a for a in ALGORITHMS.values() if task in a.tasks]
    algorithm = ALGORITHMS.get(recipe.algorithm)
    if algorithm is None:
        raise UserError(
            f"'{recipe.algorithm}' is not an algorithm; choose one of {', '.join(ALGORITHMS)} or auto."
        )
    if task not in algorithm.tasks:
        raise UserError(f"{algorithm.label} cannot do {task}; choose another algorithm.")
    return [algorithm]


def train(
    workspace: Workspace,
    recipe: Recipe,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> list[dict[str, Any]]:
    """Train one run per chosen algorithm (``auto``: every suitable one); returns the run records."""
    recipe = replace(recipe, experiment=check_name(recipe.experiment, "experiment"))
    version, frame = _training_frame(workspace, recipe)
    the_plan = plan(frame, version.schema, recipe.target, recipe.exclude, recipe.include)
    check_data(frame, recipe.target, the_plan, recipe.test_size, recipe.cv)
    algorithms = _algorithms_for(recipe, the_plan.task)
    front = raw_row_steps(
        version, the_plan.features, recipes.column_steps(workspace, version, the_plan.features)
    )
    roles.remember_first_target(workspace, version.dataset.name, recipe.target)
    runs = []
    for index, algorithm in enumerate(algorithms):
        check_cancel(cancel)
        step = sub_progress(progress, index / len(algorithms), (index + 1) / len(algorithms))
        runs.append(
            _train_one(
                workspace, recipe, version.id, frame, the_plan, algorithm, front, step, cancel
            )
        )
    return runs


def _training_frame(workspace: Workspace, recipe: Recipe) -> tuple[DatasetVersion, pd.DataFrame]:
    version = datasets.get_version(workspace, recipe.dataset)
    frame = datasets.load_frame(workspace, version)
    if recipe.drop_missing_target and recipe.target in frame:
        kept = frame[frame[recipe.target].notna()]
        # Without its gaps a column of labels may hold plain booleans or numbers again.
        frame = kept.assign(**{recipe.target: kept[recipe.target].infer_objects()})
    return version, frame


def _split(frame: pd.DataFrame, y: pd.Series, task: str, recipe: Recipe) -> list[Any]:
    """Training and held-out parts of ``frame`` and ``y``: the same rows for the same recipe."""
    split: list[Any] = train_test_split(
        frame,
        y,
        test_size=recipe.test_size,
        random_state=recipe.seed,
        stratify=y if task == "classification" else None,
    )
    return split


@dataclass(frozen=True)
class RunSplit:
    """A run's rows split again the way training split them, with all their columns as in the
    dataset version (or as imported, for a prepared version: the rows a model takes)."""

    trained: pd.DataFrame  # the rows it learned from
    held_out: pd.DataFrame  # the rows its metrics were measured on
    held_out_truth: pd.Series  # their targets


def run_split(workspace: Workspace, run_id: str) -> RunSplit:
    """The rows run ``run_id`` trained on and those its metrics were measured on."""
    run = show_run(workspace, run_id)
    recipe = recipe_of(run)
    version, frame = _training_frame(workspace, recipe)
    if run["split"].get(HELD_OUT_ONLY):
        return RunSplit(frame.iloc[:0], frame, frame[recipe.target])
    trained, held, _y_train, truth = _split(frame, frame[recipe.target], run["task"], recipe)
    raw = recipes.raw_rows(workspace, version)
    if raw is not None:  # a prepared version: the raw rows they came from, as a model takes them
        trained, held = (
            raw.iloc[part.index.to_numpy()].set_axis(part.index) for part in (trained, held)
        )
    return RunSplit(trained, held, truth)


def _experiment_id(workspace: Workspace, name: str) -> int:
    with workspace.store.write() as session:
        return experiment_for_runs(session, name).id


def experiment_for_runs(session: Session, name: str) -> Experiment:
    """The experiment ``name`` to add runs to, in the caller's transaction: created if new,
    brought back into view if archived."""
    experiment = session.scalars(select(Experiment).where(Experiment.name == name)).one_or_none()
    if experiment is None:
        experiment = Experiment(name=name)
        session.add(experiment)
        session.flush()
        audit.record(session, "experiment.create", f"experiment:{name}")
    elif experiment.archived:  # new runs belong in view
        experiment.archived = False
        audit.record(session, "experiment.restore", f"experiment:{name}", reason="trained")
    return experiment


def _train_one(
    workspace: Workspace,
    recipe: Recipe,
    version_id: int,
    frame: pd.DataFrame,
    the_plan: Plan,
    algorithm: Algorithm,
    front: list[tuple[str, Any]],
    progress: Progress,
    cancel: CancelCheck,
) -> dict[str, Any]:
    """Train, score and save one run. It is learned and scored on typed columns (a version
    prepared by a recipe as it is); the ``front`` steps (``raw_row_steps``) then go in front of
    the saved pipeline, so it predicts from raw rows."""
    params = resolve_params(algorithm, recipe.params if recipe.algorithm != "auto" else {})
    run_id = uuid.uuid4().hex
    # Held while it trains: how other processes tell a running run from one whose process died.
    with workspace.artifacts.working_on(run_id):
        started = datetime.now(UTC)
        experiment_id = _experiment_id(workspace, recipe.experiment)
        with workspace.store.write() as session:
            session.add(
                Run(
                    id=run_id,
                    experiment_id=experiment_id,
                    dataset_version_id=version_id,
                    target=recipe.target,
                    features=the_plan.features,
                    excluded=the_plan.excluded,
                    task=the_plan.task,
                    algorithm=algorithm.name,
                    params=params,
                    seed=recipe.seed,
                    split={
                        "test_size": recipe.test_size,
                        "cv": recipe.cv,
                        "drop_missing_target": recipe.drop_missing_target,
                    },
                    status="running",
                    pid=os.getpid(),
                    started_at=started,
                    library_versions=library_versions(),
                )
            )
        clock = time.perf_counter()
        try:
            progress(0.05, f"Training {algorithm.label}")
            metrics, charts, pipeline = _fit_and_score(
                recipe, frame, the_plan, algorithm, params, cancel
            )
            progress(0.9, "Saving the model")
            pipeline = Pipeline([*front, *pipeline.steps])
            with workspace.artifacts.new(MODEL_SUFFIX) as model_file:
                joblib.dump(pipeline, model_file.path)
                model_sha = model_file.add()
                _finish_run(
                    workspace,
                    run_id,
                    "finished",
                    metrics,
                    time.perf_counter() - clock,
                    model_sha,
                    charts=charts,
                )
        except Cancelled:
            _finish_run(workspace, run_id, "cancelled", {}, time.perf_counter() - clock, None)
            raise
        except UserError as error:
            _finish_run(
                workspace, run_id, "failed", {}, time.perf_counter() - clock, None, str(error)
            )
        except Exception as error:
            _finish_run(
                workspace,
                run_id,
                "failed",
                {},
                time.perf_counter() - clock,
                None,
                f"The training failed: {error}",
            )
        progress(1.0, f"{algorithm.label} done")
        return show_run(workspace, run_id)


def _fit_and_score(
    recipe: Recipe,
    frame: pd.DataFrame,
    the_plan: Plan,
    algorithm: Algorithm,
    params: dict[str, Any],
    cancel: CancelCheck,
) -> tuple[dict[str, float], dict[str, Any], Pipeline]:
    X = feature_frame(frame, the_plan.features)
    X_train, X_test, y_train, y_test = _split(X, frame[recipe.target], the_plan.task, recipe)
    metrics: dict[str, float] = {}
    fold_scores: dict[str, list[float]] = {}  # each fold's score of each metric
    if recipe.cv >= 2:
        splitter = (
            StratifiedKFold(recipe.cv, shuffle=True, random_state=recipe.seed)
            if the_plan.task == "classification"
            else KFold(recipe.cv, shuffle=True, random_state=recipe.seed)
        )
        folds: list[dict[str, float]] = []
        for train_index, test_index in splitter.split(X_train, y_train):
            check_cancel(cancel)
            fold = build_pipeline(algorithm, the_plan.task, the_plan.features, params, recipe.seed)
            fold.fit(X_train.iloc[train_index], y_train.iloc[train_index])
            held_out = _predictions(fold, the_plan.task, X_train.iloc[test_index])
            folds.append(_evaluate(fold, the_plan.task, y_train.iloc[test_index], *held_out))
        for key in folds[0]:
            values = [fold_metrics[key] for fold_metrics in folds if key in fold_metrics]
            metrics[f"cv_{key}_mean"] = float(np.mean(values))
            metrics[f"cv_{key}_std"] = float(np.std(values))
            fold_scores[key] = values
    check_cancel(cancel)
    pipeline = build_pipeline(algorithm, the_plan.task, the_plan.features, params, recipe.seed)
    pipeline.fit(X_train, y_train)
    check_cancel(cancel)
    predicted, proba = _predictions(pipeline, the_plan.task, X_test)  # once, for both below
    metrics.update(_evaluate(pipeline, the_plan.task, y_test, predicted, proba))
    check_cancel(cancel)
    charts = evaluation.summarize(
        pipeline, the_plan.task, X_test, y_test, recipe.seed, predicted, proba
    )
    if fold_scores:
        charts["folds"] = fold_scores
    check_cancel(cancel)
    classes = pipeline.classes_ if the_plan.task == "classification" else None
    held = uncertainty.HeldOut(the_plan.task, np.asarray(y_test), predicted, proba, classes)
    try:  # the intervals inform; a model that trained well is never lost over them
        charts["intervals"] = uncertainty.intervals(held, recipe.seed)
    except (MemoryError, ValueError):
        log.exception("The run's intervals could not be computed; it is kept without them")
    return metrics, charts, pipeline


def _predictions(pipeline: Pipeline, task: str, X: pd.DataFrame) -> tuple[Any, Any]:
    """The predicted values and, for a classification, the class probabilities."""
    proba = pipeline.predict_proba(X) if task == "classification" else None
    return pipeline.predict(X), proba


def _evaluate(
    pipeline: Pipeline, task: str, y: pd.Series, predicted: Any, proba: Any
) -> dict[str, float]:
    classes = pipeline.classes_ if task == "classification" else None
    return metrics_for(task, y, predicted, proba, classes)


def _finish_run(
    workspace: Workspace,
    run_id: str,
    status: str,
    metrics: dict[str, float],
    duration: float,
    model_sha: str | None,
    error: str | None = None,
    charts: dict[str, Any] | None = None,
) -> None:
    with workspace.store.write() as session:
        run = session.get(Run, run_id)
        assert run is not None
        run.status = status
        run.metrics = metrics
        run.finished_at = datetime.now(UTC)
        run.duration_s = duration
        run.model_sha256 = model_sha
        run.error_message = error
        run.evaluation = charts
        audit.record(session, f"run.{status}", f"run:{run_id}", algorithm=run.algorithm)


def _record(run: Run, experiment: str, dataset: str) -> dict[str, Any]:
    return {
        "run_id": run.id,
        "experiment": experiment,
        "dataset": dataset,
        "target": run.target,
        "task": run.task,
        "algorithm": run.algorithm,
        "params": run.params,
        "seed": run.seed,
        "split": run.split,
        "status": run.status,
        "metrics": run.metrics,
        "features": run.features,
        "excluded": run.excluded,
        "duration_s": run.duration_s,
        "started": run.started_at.isoformat() if run.started_at else None,
        "library_versions": run.library_versions,
        "model_sha256": run.model_sha256,
        "error": run.error_message,
        "evaluation": run.evaluation,
        # 95 % bootstrap intervals of the held-out metrics (none for runs trained before them)
        "intervals": (run.evaluation or {}).get("intervals", {}),
        # each cross-validation fold's score of each metric (the fold spread; none without folds)
        "folds": (run.evaluation or {}).get("folds", {}),
    }


def show_run(workspace: Workspace, run_id: str) -> dict[str, Any]:
    """One run by its id or the start of its id (as the runs list shows it)."""
    with workspace.store.read() as session:
        return show_run_in(session, run_id)


def show_run_in(session: Session, run_id: str) -> dict[str, Any]:
    """``show_run`` inside an open session."""
    # Matched in a subquery, the prefix is looked for in the id index, not in every stored run.
    matching = select(Run.id).where(Run.id.startswith(run_id.strip()))
    rows = session.execute(runs_query().where(Run.id.in_(matching))).all()
    if len(rows) != 1 or not run_id.strip():
        problem = "is no run" if not rows else "are several runs"
        raise UserError(f"There {problem} with the id '{run_id}'.")
    run, exp, _archived, name, number = rows[0]
    return _record(run, exp, f"{name}@{number}")


def load_model(workspace: Workspace, run_id: str) -> Pipeline:
    """The run's fitted pipeline, after checking the file against its recorded SHA-256."""
    record = show_run(workspace, run_id)
    if not record["model_sha256"]:
        raise UserError(f"Run {run_id} has no model (its status is {record['status']}).")
    path: Path = workspace.artifacts.verified_path(record["model_sha256"], MODEL_SUFFIX)
    model: Pipeline = joblib.load(path)
    return model


def recipe_of(run: dict[str, Any]) -> Recipe:
    """The recipe that trains ``run`` (a run record) again: the same data, columns and settings."""
    return Recipe(
        dataset=run["dataset"],
        target=run["target"],
        algorithm=run["algorithm"],
        params=run["params"],
        experiment=run["experiment"],
        test_size=run["split"]["test_size"],
        cv=run["split"]["cv"],
        seed=run["seed"],
        exclude=[e["name"] for e in run["excluded"] if e["reason"] == CHOSEN_TO_EXCLUDE],
        include=[f["name"] for f in run["features"]],
        drop_missing_target=run["split"].get("drop_missing_target", False),
    )


def reproduce(
    workspace: Workspace,
    run_id: str,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Train the run's exact recipe again and say whether the metrics are identical."""
    original = show_run(workspace, run_id)
    if original["split"].get(HELD_OUT_ONLY):
        raise UserError(
            f"Run {original['run_id'][:8]} came from a model bundle; the rows it trained on are "
            "not in this workspace, so it cannot be trained again here."
        )
    again = train(workspace, recipe_of(original), progress, cancel)[0]
    differences = {
        key: {"original": original["metrics"].get(key), "again": again["metrics"].get(key)}
        for key in sorted(set(original["metrics"]) | set(again["metrics"]))
        if original["metrics"].get(key) != again["metrics"].get(key)
    }
    return {**again, "reproduces": run_id, "identical": not differences, "differences": differences}


def train_each(
    workspace: Workspace,
    recipes: list[Recipe],
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> list[dict[str, Any]]:
    """Several recipes one after another (the GUI's chosen algorithms); all their run records."""
    runs: list[dict[str, Any]] = []
    for index, recipe in enumerate(recipes):
        step = sub_progress(progress, index / len(recipes), (index + 1) / len(recipes))
        runs.extend(train(workspace, recipe, step, cancel))
    return runs


def default_folds(rows: int) -> int:
    """The cross-validation folds the training dialog starts with for data of ``rows`` rows."""
    return DEFAULT_FOLDS if rows < FOLDS_BELOW_ROWS else 0


def plan_for(workspace: Workspace, dataset: str, target: str) -> Plan:
    """What training on ``dataset`` to predict ``target`` would use (for the training dialog)."""
    version = datasets.get_version(workspace, dataset)
    return plan(datasets.load_frame(workspace, version), version.schema, target, [])
