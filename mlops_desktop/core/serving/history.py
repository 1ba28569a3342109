"""What servers answered, read back from the prediction log (for the Models pane's live view)."""

from typing import Any

from sqlalchemy import select

from mlops_desktop.core.serving import control
from mlops_desktop.core.store.models import (
    Deployment,
    ModelVersion,
    PredictionLog,
    RegisteredModel,
)
from mlops_desktop.core.store.upkeep import this_computer
from mlops_desktop.core.workspace import Workspace


def recent_predictions(workspace: Workspace, ref: str, limit: int = 20) -> list[dict[str, Any]]:
    """The newest logged predictions of the model version ``ref`` (NAME@VERSION), newest first."""
    name, _, version = ref.partition("@")
    query = (
        select(PredictionLog)
        .join(Deployment, PredictionLog.deployment_id == Deployment.id)
        .join(ModelVersion, Deployment.model_version_id == ModelVersion.id)
        .join(RegisteredModel, ModelVersion.model_id == RegisteredModel.id)
        .where(RegisteredModel.name == name, ModelVersion.version == int(version))
        .order_by(PredictionLog.id.desc())
        .limit(limit)
    )
    with workspace.store.read() as session:
        return [
            {
                "time": entry.created_at.isoformat(),
                "request_id": entry.request_id,
                "inputs": entry.inputs,
                "prediction": entry.prediction,
                "probabilities": entry.probabilities,
                "latency_ms": entry.latency_ms,
                "source": entry.source,
            }
            for entry in session.scalars(query)
        ]


def running_servers(workspace: Workspace) -> list[dict[str, Any]]:
    """Servers of this workspace still running on this computer (say, started by an app that has
    since closed or crashed), told by their locks (``control``): their deployment, model version,
    address and process id. A team store's servers on other computers are left out: their
    process ids mean nothing here."""
    query = (
        select(Deployment, RegisteredModel.name, ModelVersion.version)
        .join(ModelVersion, Deployment.model_version_id == ModelVersion.id)
        .join(RegisteredModel, ModelVersion.model_id == RegisteredModel.id)
        .where(
            Deployment.stopped_at.is_(None),
            Deployment.computer.is_(None) | (Deployment.computer == this_computer()),
        )
        .order_by(Deployment.id)
    )
    with workspace.store.read() as session:
        return [
            {
                "deployment": deployment.id,
                "ref": f"{name}@{version}",
                "url": f"http://{deployment.host}:{deployment.port}",
                "pid": deployment.pid,
                "started": deployment.started_at.isoformat(),
            }
            for deployment, name, version in session.execute(query)
            if deployment.pid is not None and control.is_running(workspace, deployment.id)
        ]
