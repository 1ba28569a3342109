"""A workspace's content hash: what two builds of the demo from one seed must share.

Every record of every table (read through the store's models, so a table added later is covered
without a change here) and the name of every stored artifact file (each named by its content's
SHA-256). Left out are the fields only the wall clock or the machine decides: when a record was
made or checked, how long something took, who did it, which process and port; and run ids, which
are random, are replaced by their order. The demo's story times (the prediction log, the
deployment's month, the day windows) are not wall-clock fields and are kept.
"""

import hashlib
import json
from typing import Any

from sqlalchemy import select

from mlops_desktop.core.store.models import Base, Deployment, PredictionLog, Run
from mlops_desktop.core.workspace import Workspace

WALL_CLOCK_FIELDS = frozenset(
    {
        "created_at",
        "updated_at",
        "computed_at",
        "started_at",
        "finished_at",
        "stopped_at",
        "duration_s",
        "pid",
        "user",
        "latency_ms",
        "port",
        "url",
        "hash",  # an audit event's seal: it covers the event's time
    }
)
# Times the demo's story sets (the server's clock), not the wall clock.
STORY_TIMES = {PredictionLog: {"created_at"}, Deployment: {"started_at", "stopped_at"}}


def _without_wall_clock(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            key: _without_wall_clock(item)
            for key, item in value.items()
            if key not in WALL_CLOCK_FIELDS
        }
    if isinstance(value, list):
        return [_without_wall_clock(item) for item in value]
    return value


def _records(workspace: Workspace) -> dict[str, list[dict[str, Any]]]:
    tables: dict[str, list[dict[str, Any]]] = {}
    with workspace.store.read() as session:
        for mapper in sorted(Base.registry.mappers, key=lambda m: m.class_.__name__):
            model = mapper.class_
            kept = STORY_TIMES.get(model, set())
            names = [
                attribute.key
                for attribute in mapper.column_attrs
                if attribute.key not in WALL_CLOCK_FIELDS or attribute.key in kept
            ]
            order = model.created_at if model is Run else mapper.primary_key[0]
            rows = session.scalars(select(model).order_by(order)).all()
            tables[model.__tablename__] = [
                {name: _without_wall_clock(getattr(row, name)) for name in names} for row in rows
            ]
    return tables


def content_hash(workspace: Workspace) -> str:
    """The SHA-256 of the workspace's records and artifact names, wall-clock fields left out."""
    tables = _records(workspace)
    text = json.dumps(tables, sort_keys=True, default=str)
    for number, row in enumerate(tables[Run.__tablename__], start=1):
        run_id = str(row["id"])
        text = text.replace(run_id, f"run-{number}").replace(run_id[:8], f"run-{number}")
    artifacts = sorted(
        path.relative_to(workspace.artifacts.root).as_posix()
        for path in workspace.artifacts.root.rglob("*")
        if path.is_file() and workspace.artifacts.tmp not in path.parents
    )
    digest = hashlib.sha256(text.encode())
    digest.update("\n".join(artifacts).encode())
    return digest.hexdigest()
