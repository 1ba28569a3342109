"""What the lists and summaries show — datasets, runs and their counts, model versions, the
monitored versions' cards — read from the store alone.

The list commands (``datasets list``, ``runs list``, ``models list``) import this module and not the
ones that compute, so they start without pandas, pyarrow, scikit-learn, scipy or matplotlib: only
SQLAlchemy and the store's tables load; so does the app before it is ready (the Home and Datasets
panes). ``datasets``, ``training`` and ``registry`` re-export the lists for the panes.
"""

import json
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Text, cast, func, select

from mlops_desktop.core.store import upkeep
from mlops_desktop.core.store.json_paths import json_text
from mlops_desktop.core.store.models import (
    Dataset,
    DatasetVersion,
    Deployment,
    Experiment,
    ModelVersion,
    MonitorResult,
    RegisteredModel,
    Run,
)
from mlops_desktop.core.workspace import Workspace


def list_datasets(workspace: Workspace) -> list[dict[str, Any]]:
    """Each dataset with its version count and latest version's size (one query, no profiles)."""
    query = (
        select(
            Dataset.name, DatasetVersion.version, DatasetVersion.n_rows, DatasetVersion.n_columns
        )
        .join(DatasetVersion.dataset)
        .order_by(Dataset.name, DatasetVersion.version)
    )
    listed: dict[str, dict[str, Any]] = {}
    with workspace.store.read() as session:
        for name, version, rows, columns in session.execute(query):
            entry = listed.setdefault(name, {"name": name, "versions": 0})
            entry.update(versions=entry["versions"] + 1, latest=version, rows=rows, columns=columns)
    return list(listed.values())


MAIN_METRIC = {"classification": "roc_auc", "regression": "r2"}


def main_metric_name(task: str, metrics: dict[str, float]) -> str:
    """The measure runs are ranked by: ROC AUC for classes (accuracy when it could not be
    computed), R² for numbers."""
    key = MAIN_METRIC[task]
    return key if key in metrics else "accuracy"


def main_metric(task: str, metrics: dict[str, float]) -> float:
    return metrics.get(main_metric_name(task, metrics), float("-inf"))


def runs_query(*columns: Any) -> Any:
    """The given run columns (or whole runs) with their experiment name and dataset reference."""
    return (
        select(
            *(columns or (Run,)),
            Experiment.name,
            Experiment.archived,
            Dataset.name,
            DatasetVersion.version,
        )
        .join(Experiment, Run.experiment_id == Experiment.id)
        .join(DatasetVersion, Run.dataset_version_id == DatasetVersion.id)
        .join(Dataset, DatasetVersion.dataset_id == Dataset.id)
    )


LISTED = (
    Run.id,
    Run.target,
    Run.task,
    Run.algorithm,
    cast(Run.params, Text),  # JSON as stored, decoded by list_runs for all runs at once
    Run.status,
    cast(Run.metrics, Text),
    Run.duration_s,
    Run.model_sha256,
    Run.error_message,
)


JSON_CHUNK = 500  # stored JSON texts decoded by one call (``json_values``)


def list_runs(
    workspace: Workspace, experiment: str | None = None, include_archived: bool = False
) -> list[dict[str, Any]]:
    """Runs newest first, with what a list shows (``show_run`` has the rest): only a few columns
    are read, so ten thousand runs list in a blink. Archived experiments' runs are left out unless
    asked for, or unless that experiment is named."""
    upkeep.mark_abandoned_runs(workspace.store, workspace.artifacts)
    query = runs_query(*LISTED).order_by(Run.created_at.desc())
    if experiment is not None:
        query = query.where(Experiment.name == experiment)
    elif not include_archived:
        query = query.where(Experiment.archived.is_(False))
    with workspace.store.read() as session:  # plain rows: no ORM loading for a listing
        rows = session.connection().execute(query).all()
    params = json_values(row[4] for row in rows)
    metrics = json_values(row[6] for row in rows)
    return [
        {
            "run_id": run_id,
            "target": target,
            "task": task,
            "algorithm": algorithm,
            "params": run_params,
            "status": status,
            "metrics": run_metrics,
            "duration_s": duration_s,
            "model_sha256": model_sha256,
            "error": error,
            "experiment": experiment_name,
            "archived": archived,
            "dataset": f"{dataset}@{version}",
        }
        for (
            run_id,
            target,
            task,
            algorithm,
            _,
            status,
            _,
            duration_s,
            model_sha256,
            error,
            experiment_name,
            archived,
            dataset,
            version,
        ), run_params, run_metrics in zip(rows, params, metrics, strict=True)
    ]


def count_runs(workspace: Workspace) -> dict[str, int]:
    """How many runs there are of each status (a summary without listing them)."""
    with workspace.store.read() as session:
        query = select(Run.status, func.count()).group_by(Run.status)
        return {status: count for status, count in session.execute(query)}


def json_values(texts: Iterable[str | None]) -> list[Any]:
    """Stored JSON texts decoded ``JSON_CHUNK`` at a time by one ``json.loads`` of them as an
    array, which takes about half the time of a call per text; SQL NULL becomes None, as
    SQLAlchemy's JSON type gives it. One call holds the interpreter lock throughout: for the
    metrics of 10,000 runs, 30-40 ms in which the GUI thread could not paint (the Experiments pane
    lists its runs on a worker thread); a chunk takes a few milliseconds."""
    stored = [text or "null" for text in texts]
    values: list[Any] = []
    for start in range(0, len(stored), JSON_CHUNK):
        values.extend(json.loads("[" + ",".join(stored[start : start + JSON_CHUNK]) + "]"))
    return values


def list_models(workspace: Workspace) -> list[dict[str, Any]]:
    """Every model with each version's stage, main metric and source (for the Models pane)."""
    query = (
        select(
            RegisteredModel.name,
            ModelVersion.version,
            ModelVersion.stage,
            ModelVersion.created_at,
            Run.id,
            Run.algorithm,
            Run.task,
            Run.metrics,
            Dataset.name,
            DatasetVersion.version,
        )
        .join(ModelVersion, ModelVersion.model_id == RegisteredModel.id)
        .join(Run, ModelVersion.run_id == Run.id)
        .join(DatasetVersion, Run.dataset_version_id == DatasetVersion.id)
        .join(Dataset, DatasetVersion.dataset_id == Dataset.id)
        .order_by(RegisteredModel.name, ModelVersion.version.desc())
    )
    with workspace.store.read() as session:
        return [
            {
                "name": name,
                "version": number,
                "stage": stage,
                "created": created.isoformat(),
                "run_id": run_id,
                "algorithm": algorithm,
                "task": task,
                "metrics": metrics,
                "dataset": f"{dataset}@{dataset_version}",
            }
            for (
                name,
                number,
                stage,
                created,
                run_id,
                algorithm,
                task,
                metrics,
                dataset,
                dataset_version,
            ) in session.execute(query)
        ]


def monitoring_overview(workspace: Workspace) -> list[dict[str, Any]]:
    """A status card for each monitored version (served at least once, or checked): status of
    its latest check, rows checked in day windows, when it was last checked, and the
    performance of its newest window with true outcomes."""
    with workspace.store.read() as session:
        served = select(Deployment.model_version_id)
        checked = select(MonitorResult.model_version_id)
        versions = session.execute(
            select(RegisteredModel.name, ModelVersion.version, ModelVersion.stage, ModelVersion.id)
            .join(RegisteredModel, ModelVersion.model_id == RegisteredModel.id)
            .where(ModelVersion.id.in_(served.union(checked)))
            .order_by(RegisteredModel.name, ModelVersion.version.desc())
        ).all()
        cards = []
        for name, number, stage, version_id in versions:
            mine = MonitorResult.model_version_id == version_id
            latest = session.execute(
                select(MonitorResult.status, MonitorResult.computed_at, MonitorResult.drift_share)
                .where(mine)
                .order_by(MonitorResult.computed_at.desc(), MonitorResult.id.desc())
                .limit(1)
            ).first()
            traffic = session.scalar(
                select(func.coalesce(func.sum(MonitorResult.n_current), 0)).where(
                    mine, MonitorResult.kind == "day"
                )
            )
            measured = json_text(MonitorResult.report, "performance")
            performance = session.execute(
                select(measured, json_text(MonitorResult.report, "window", "name"))
                .where(mine, measured.is_not(None))
                .order_by(
                    MonitorResult.window_end.desc().nulls_last(), MonitorResult.computed_at.desc()
                )
                .limit(1)
            ).first()
            cards.append(
                {
                    "ref": f"{name}@{number}",
                    "stage": stage,
                    "status": latest.status if latest else "not checked",
                    "last_check": latest.computed_at.isoformat() if latest else None,
                    "rows": int(traffic or 0),
                    "drift_share": latest.drift_share if latest else None,
                    # the newest window with true outcomes, and which window that is
                    "performance": json.loads(performance[0]) if performance else None,
                    "performance_window": performance[1] if performance else None,
                }
            )
    return cards
