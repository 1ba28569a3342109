"""Keeping the run history tidy and readable: experiments (listed, archived, restored), deleting
runs with their model files, and comparing runs side by side."""

import json
from typing import Any

from sqlalchemy import func, select

from mlops_desktop.core import audit, training
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.store import upkeep
from mlops_desktop.core.store.models import Experiment, ModelVersion, RegisteredModel, Run
from mlops_desktop.core.vocabulary import LOWER_IS_BETTER
from mlops_desktop.core.workspace import Workspace

MIN_COMPARED, MAX_COMPARED = 2, 10


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
    return ids


def run_label(run: dict[str, Any]) -> str:
    """How a run is named in a comparison: its algorithm and the start of its id."""
    return f"{training.ALGORITHMS[run['algorithm']].label} ({run['run_id'][:6]})"


def _row(section: str, name: str, values: list[Any], best: int | None = None) -> dict[str, Any]:
    differs = len({json.dumps(value, sort_keys=True, default=str) for value in values}) > 1
    return {"section": section, "name": name, "values": values, "differs": differs, "best": best}


def _best(name: str, values: list[Any]) -> int | None:
    scored = [(value, index) for index, value in enumerate(values) if value is not None]
    if len(scored) < 2 or name.endswith("_std"):
        return None
    lower = name.removeprefix("cv_").removesuffix("_mean") in LOWER_IS_BETTER
    return (min(scored) if lower else max(scored))[1]


def compare_runs(workspace: Workspace, run_ids: list[str]) -> dict[str, Any]:
    """2–10 runs side by side: one row per setting, parameter and metric, with whether the runs
    differ there and (for metrics) which run is best. Runs may come from different experiments,
    but must all classify or all predict numbers."""
    unique = list(dict.fromkeys(run_ids))
    if not MIN_COMPARED <= len(unique) <= MAX_COMPARED:
        raise UserError(
            f"Choose between {MIN_COMPARED} and {MAX_COMPARED} runs to compare "
            f"({len(unique)} chosen)."
        )
    runs = [training.show_run(workspace, run_id) for run_id in unique]
    if len({run["task"] for run in runs}) > 1:
        raise UserError(
            "Runs that sort rows into classes and runs that predict numbers score differently; "
            "compare runs of one kind."
        )
    rows = [
        _row("Run", "Experiment", [run["experiment"] for run in runs]),
        _row("Run", "Dataset", [run["dataset"] for run in runs]),
        _row("Run", "Target", [run["target"] for run in runs]),
        _row("Run", "Algorithm", [training.ALGORITHMS[run["algorithm"]].label for run in runs]),
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
    rows.append(_row("Run", "Seconds", [run["duration_s"] for run in runs]))
    return {
        "task": runs[0]["task"],
        "runs": runs,
        "labels": [run_label(run) for run in runs],
        "rows": rows,
    }
