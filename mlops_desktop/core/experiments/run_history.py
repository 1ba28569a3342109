"""Keeping the run history tidy and readable: experiments (listed, archived, restored), deleting
runs with their model files, and comparing runs side by side."""

import itertools
import json
from functools import partial
from typing import Any

import numpy as np
from sqlalchemy import func, select

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import algorithms, predictions, training, uncertainty
from mlops_desktop.core.governance import audit
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.store import upkeep
from mlops_desktop.core.store.models import Experiment, ModelVersion, RegisteredModel, Run
from mlops_desktop.core.vocabulary import LOWER_IS_BETTER, counted, measure_title
from mlops_desktop.core.workspace import Workspace

MIN_COMPARED, MAX_COMPARED = 2, 10
# Simplest first: what a recommendation prefers among runs the data cannot tell apart.
SIMPLICITY = (
    "linear_regression",
    "logistic_regression",
    "naive_bayes",
    "decision_tree",
    "knn",
    "random_forest",
    "gradient_boosting",
)

TRAINING_TIME = "Training time"  # the compare row of each run's seconds


def list_experiments(workspace: Workspace) -> list[dict[str, Any]]:
    """Every experiment with its number of runs, archived ones included, by name."""
    query = (  # counting Run.experiment_id reads only its index, not every stored run
        select(Experiment.name, Experiment.archived, func.count(Run.experiment_id))
        .outerjoin(Run, Run.experiment_id == Experiment.id)
        .group_by(Experiment.id)
        .order_by(Experiment.name)
    )
    with workspace.store.read() as session:
        return [
            {"name": name, "archived": archived, "runs": runs}
            for name, archived, runs in session.execute(query)
        ]


def set_archived(workspace: Workspace, name: str, archived: bool) -> None:
    """Archive an experiment (its runs leave the lists but are kept) or bring it back."""
    with workspace.store.write() as session:
        experiment = session.scalars(
            select(Experiment).where(Experiment.name == name)
        ).one_or_none()
        if experiment is None:
            raise UserError(f"There is no experiment named '{name}'.")
        if experiment.archived == archived:
            return
        experiment.archived = archived
        action = "experiment.archive" if archived else "experiment.restore"
        audit.record(session, action, f"experiment:{name}")


def delete_runs(workspace: Workspace, run_ids: list[str]) -> list[str]:
    """Delete runs and the model files no other run shares; returns the full ids deleted.

    Nothing is deleted if any of them is still training or is a registered model version."""
    upkeep.mark_abandoned_runs(workspace.store, workspace.artifacts)
    runs = [training.show_run(workspace, run_id) for run_id in run_ids]
    ids = list(dict.fromkeys(run["run_id"] for run in runs))
    with workspace.store.write() as session:
        for run in runs:
            if run["status"] == "running":
                raise UserError(
                    f"Run {run['run_id'][:8]} is still training; stop it before deleting it."
                )
        registered = session.execute(
            select(ModelVersion.run_id, RegisteredModel.name, ModelVersion.version)
            .join(RegisteredModel, ModelVersion.model_id == RegisteredModel.id)
            .where(ModelVersion.run_id.in_(ids))
        ).first()
        if registered is not None:
            run_id, model, version = registered
            raise UserError(
                f"Run {run_id[:8]} is registered as {model} version {version}; "
                "a registered model keeps its run."
            )
        models = {run["model_sha256"] for run in runs if run["model_sha256"]}
        for run in runs:
            stored = session.get(Run, run["run_id"])
            if stored is None:  # listed twice
                continue
            session.delete(stored)
            audit.record(
                session,
                "run.delete",
                f"run:{run['run_id']}",
                experiment=run["experiment"],
                algorithm=run["algorithm"],
                status=run["status"],
            )
        session.flush()
        shared = set(session.scalars(select(Run.model_sha256).where(Run.model_sha256.in_(models))))
    for sha in models - shared:
        workspace.artifacts.remove(sha, training.MODEL_SUFFIX)
    predictions.forget(workspace, ids)
    return ids


def run_label(run: dict[str, Any]) -> str:
    """How a run is named in a comparison: its algorithm and the start of its id."""
    return f"{algorithms.ALGORITHMS[run['algorithm']].label} ({run['run_id'][:6]})"


def _row(section: str, name: str, values: list[Any], best: int | None = None) -> dict[str, Any]:
    differs = len({json.dumps(value, sort_keys=True, default=str) for value in values}) > 1
    return {"section": section, "name": name, "values": values, "differs": differs, "best": best}


def _best(name: str, values: list[Any]) -> int | None:
    scored = [(value, index) for index, value in enumerate(values) if value is not None]
    if len(scored) < 2 or name.endswith("_std"):
        return None
    lower = name.removeprefix("cv_").removesuffix("_mean") in LOWER_IS_BETTER
    return (min(scored) if lower else max(scored))[1]


def compare_runs(
    workspace: Workspace,
    run_ids: list[str],
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """2–10 runs side by side: one row per setting, parameter and metric, with whether the runs
    differ there and (for metrics) which run is best. Runs may come from different experiments,
    but must all classify or all predict numbers."""
    named = list(dict.fromkeys(run_ids))
    runs = (  # a run named twice (by two prefixes of its id) counts once
        list(
            {
                run["run_id"]: run for run in map(partial(training.show_run, workspace), named)
            }.values()
        )
        if len(named) <= MAX_COMPARED
        else []
    )
    count = len(runs) if runs else len(named)
    if not MIN_COMPARED <= count <= MAX_COMPARED:
        raise UserError(
            f"Choose between {MIN_COMPARED} and {MAX_COMPARED} runs to compare ({count} chosen)."
        )
    if len({run["task"] for run in runs}) > 1:
        raise UserError(
            "Runs that sort rows into classes and runs that predict numbers score differently; "
            "compare runs of one kind."
        )
    rows = [
        _row("Run", "Experiment", [run["experiment"] for run in runs]),
        _row("Run", "Dataset", [run["dataset"] for run in runs]),
        _row("Run", "Target", [run["target"] for run in runs]),
        _row("Run", "Algorithm", [algorithms.ALGORITHMS[run["algorithm"]].label for run in runs]),
        _row("Run", "Status", [run["status"] for run in runs]),
        _row("Run", "Seed", [run["seed"] for run in runs]),
        _row("Run", "Held-out share", [run["split"]["test_size"] for run in runs]),
        _row("Run", "Cross-validation folds", [run["split"]["cv"] or None for run in runs]),
        _row(
            "Run", "Columns used", [", ".join(f["name"] for f in run["features"]) for run in runs]
        ),
    ]
    params = dict.fromkeys(name for run in runs for name in run["params"])
    rows += [_row("Setting", name, [run["params"].get(name) for run in runs]) for name in params]
    metrics = sorted(
        dict.fromkeys(name for run in runs for name in run["metrics"]),
        key=lambda name: name.startswith("cv_"),
    )
    for name in metrics:
        values = [run["metrics"].get(name) for run in runs]
        rows.append(_row("Metric", name, values, _best(name, values)))
    rows.append(_row("Run", TRAINING_TIME, [run["duration_s"] for run in runs]))
    finished = [run for run in runs if run["status"] == "finished" and run["metrics"]]
    metric = training.main_metric_name(runs[0]["task"], finished[0]["metrics"]) if finished else ""
    pairs, not_compared = (
        _pairs(workspace, finished, metric, progress, cancel) if finished else ([], [])
    )
    best, recommended, reason = _recommended(finished, metric, pairs)
    return {
        "task": runs[0]["task"],
        "runs": runs,
        "labels": [run_label(run) for run in runs],
        "rows": rows,
        "metric": metric,
        "pairs": pairs,
        "best": best,
        "recommended": recommended,
        "recommended_reason": reason,
        "not_compared": not_compared,
    }


def _scored(
    workspace: Workspace, runs: list[dict[str, Any]], progress: Progress, cancel: CancelCheck
) -> tuple[dict[str, tuple[Any, uncertainty.HeldOut]], list[dict[str, str]]]:
    """Each run's held-out rows and predictions there (``predictions.held_out``), by run id; and
    the runs that could not be scored again, each with why."""
    scored, not_compared = {}, []
    for number, run in enumerate(runs):
        check_cancel(cancel)
        progress(number / len(runs), f"Predicting the held-out rows of {run_label(run)}")
        try:
            scored[run["run_id"]] = predictions.held_out(workspace, run, cancel=cancel)
        except UserError as problem:  # its model or data file is missing or damaged
            not_compared.append({"run_id": run["run_id"], "why": str(problem)})
    return scored, not_compared


def _pair(
    scored: dict[str, tuple[Any, uncertainty.HeldOut]],
    first: dict[str, Any],
    second: dict[str, Any],
    metric: str,
) -> dict[str, Any] | None:
    """``first`` against ``second`` on ``metric`` with the paired bootstrap
    (``uncertainty.compare``), or None when they were scored on other rows."""
    (rows, held), (other_rows, other) = scored[first["run_id"]], scored[second["run_id"]]
    if rows != other_rows:
        return None
    compared = uncertainty.compare(held, other, metric, seed=first["seed"])
    return {"runs": [first["run_id"], second["run_id"]], **compared}


def _pairs(
    workspace: Workspace,
    runs: list[dict[str, Any]],
    metric: str,
    progress: Progress,
    cancel: CancelCheck,
) -> tuple[list[dict[str, Any]], list[dict[str, str]]]:
    """Each pair of runs scored on the same rows, compared on ``metric``: the verdict of the
    first against the second; and the runs that could not be scored again, each with why."""
    scored, not_compared = _scored(workspace, runs, sub_progress(progress, 0.0, 0.7), cancel)
    pairs = []
    combinations = list(itertools.combinations([r for r in runs if r["run_id"] in scored], 2))
    for number, (first, second) in enumerate(combinations):
        check_cancel(cancel)
        progress(0.7 + 0.3 * number / len(combinations), "Comparing runs on the same rows")
        pair = _pair(scored, first, second, metric)
        if pair is not None:
            pairs.append(pair)
    return pairs, not_compared


def _best_run(runs: list[dict[str, Any]], metric: str) -> dict[str, Any] | None:
    """The run with the best ``metric`` (None when no run has it)."""
    scored = [run for run in runs if np.isfinite(run["metrics"].get(metric, np.nan))]
    if not scored:
        return None
    lower = metric in LOWER_IS_BETTER
    return (min if lower else max)(scored, key=lambda run: run["metrics"][metric])


def _scored_on(run: dict[str, Any]) -> tuple[Any, ...]:
    """What decides the rows a run was scored on, with its experiment: runs alike in it are
    recommended among together."""
    split = run["split"]
    return (
        run["experiment"],
        run["dataset"],
        run["target"],
        run["task"],
        split["test_size"],
        split.get("drop_missing_target", False),
        run["seed"],
    )


def recommendations(
    workspace: Workspace,
    run_ids: list[str],
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> list[dict[str, Any]]:
    """The recommended run of each set of ``run_ids`` scored on the same rows (one experiment,
    dataset version, target, held-out share and seed) that has two or more finished runs, chosen
    as Compare chooses (``_recommended``), each run tested against the best only: a list of
    ``{"experiment", "runs", "metric", "recommended", "reason"}``."""
    runs = [training.show_run(workspace, run_id) for run_id in dict.fromkeys(run_ids)]
    sets: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for run in runs:
        if run["status"] == "finished" and run["metrics"]:
            sets.setdefault(_scored_on(run), []).append(run)
    groups = [group for group in sets.values() if len(group) >= MIN_COMPARED]
    found = []
    for number, group in enumerate(groups):
        step = sub_progress(progress, number / len(groups), (number + 1) / len(groups))
        metric = training.main_metric_name(group[0]["task"], group[0]["metrics"])
        best = _best_run(group, metric)
        scored, _not_compared = _scored(workspace, group, step, cancel)
        pairs = [
            pair
            for run in group
            if best is not None
            and run is not best
            and {run["run_id"], best["run_id"]} <= scored.keys()
            for pair in [_pair(scored, run, best, metric)]
            if pair is not None
        ]
        _best, recommended, reason = _recommended(group, metric, pairs)
        if recommended is not None:
            found.append(
                {
                    "experiment": group[0]["experiment"],
                    "runs": [run["run_id"] for run in group],
                    "metric": metric,
                    "recommended": recommended,
                    "reason": reason,
                }
            )
    return found


def _recommended(
    runs: list[dict[str, Any]], metric: str, pairs: list[dict[str, Any]]
) -> tuple[str | None, str | None, str]:
    """The best run on ``metric``, and the simplest, then fastest, of the runs the data cannot
    tell from it, with the reason in a sentence."""
    best = _best_run(runs, metric)
    if best is None:
        return None, None, ""
    scored = [run for run in runs if np.isfinite(run["metrics"].get(metric, np.nan))]
    against_best = {}  # each other run's verdict against the best
    flipped = {"better": "worse", "worse": "better"}
    for pair in pairs:
        first, second = pair["runs"]
        if second == best["run_id"]:
            against_best[first] = pair["verdict"]
        elif first == best["run_id"]:
            against_best[second] = flipped.get(pair["verdict"], pair["verdict"])
    others = [run for run in scored if run is not best]
    tied = [run for run in others if against_best.get(run["run_id"]) == "not distinguishable"]
    unpaired = [run for run in others if run["run_id"] not in against_best]
    chosen = min(
        [best, *tied],
        key=lambda run: (SIMPLICITY.index(run["algorithm"]), run["duration_s"] or 0.0),
    )
    name = algorithms.ALGORITHMS[chosen["algorithm"]].label
    measure = measure_title(metric)
    if chosen is not best:
        reason = (
            f"{name} cannot be told apart from the best run "
            f"({algorithms.ALGORITHMS[best['algorithm']].label}) on {measure} on this data, and "
            "it is simpler or faster."
        )
    elif tied:
        reason = (
            f"{name} has the best {measure}; {counted(len(tied), 'other run')} cannot be told "
            "apart from it on this data, and none is simpler."
        )
    elif others and not unpaired:
        reason = f"{name} has the best {measure}, clearly ahead of the others on this data."
    else:
        reason = f"{name} has the best {measure}."
    if unpaired:
        reason += (
            f" {counted(len(unpaired), 'run')} scored on other rows (another dataset, split or "
            "seed) could not be tested against it."
        )
    return best["run_id"], chosen["run_id"], reason


def verdict_sentence(pair: dict[str, Any], labels: dict[str, str]) -> str:
    """A pair's verdict in one sentence, such as "Logistic regression (3f2a9c) and Random forest
    (81d0e7) are not distinguishable on ROC AUC on this data: difference 0.004 (95 % interval
    -0.021 to +0.029)." ``labels`` names each run by its id."""
    first, second = (labels[run_id] for run_id in pair["runs"])
    measure = measure_title(pair["metric"])
    if pair["interval"] is None:
        return (
            f"{first} and {second} cannot be compared on {measure}: too few of their held-out "
            "rows give it."
        )
    low, high = pair["interval"]
    numbers = f"difference {pair['difference']:+.3f} (95 % interval {low:+.3f} to {high:+.3f})"
    if pair["verdict"] == "not distinguishable":
        return f"{first} and {second} are not distinguishable on {measure} on this data: {numbers}."
    return f"{first} is {pair['verdict']} than {second} on {measure}: {numbers}."


def left_out_sentence(left: dict[str, str], labels: dict[str, str]) -> str:
    """Why a run has no verdicts (its model or data could not be read again), in a sentence."""
    return f"{labels[left['run_id']]} was left out of the verdicts: {left['why']}"
