"""True outcomes (labels) for logged predictions, imported from a file and matched to the log by
request id."""

from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select

from mlops_desktop.core.data.reading import detect_format, read_table
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import audit
from mlops_desktop.core.monitoring.trends import day_start
from mlops_desktop.core.monitoring.windows import READ_LOG_ROWS, open_model, truth_values
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.store.models import (
    REFUSED,
    Deployment,
    Label,
    MonitorResult,
    PredictionLog,
)
from mlops_desktop.core.workspace import Workspace


def import_labels(
    workspace: Workspace,
    ref: str,
    path: Path,
    key: str,
    label: str,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Join the true outcomes in ``path`` to ``ref``'s logged predictions. ``key`` is the file's
    column holding each prediction's request id, or a model input column whose logged value
    identifies the row; ``label`` holds the outcome. A request with several rows takes the file's
    rows with its id in order. A model column that does not tell the predictions apart (the same
    value logged for several of them) is refused, with the count of the file's rows it leaves
    ambiguous. Earlier labels of the same predictions are replaced."""
    progress(0.0, f"Reading {path.name}")
    table, _ = read_table(path, detect_format(path), sub_progress(progress, 0.0, 0.4), cancel)
    for column in (key, label):
        if column not in table.column_names:
            raise UserError(
                f"{path.name} has no column '{column}'; its columns are "
                f"{', '.join(table.column_names)}."
            )
    model = open_model(workspace, ref)
    keys = [None if v is None else str(v) for v in table.column(key).to_pylist()]
    outcomes = truth_values(table.column(label).to_pylist(), model.record)
    by_input = key in {c["name"] for c in model.record["inputs"]}
    with workspace.store.read() as session:
        query = (
            select(
                PredictionLog.id,
                PredictionLog.request_id,
                PredictionLog.inputs,
                PredictionLog.created_at,
            )
            .join(Deployment, PredictionLog.deployment_id == Deployment.id)
            .where(Deployment.model_version_id == model.version_id, PredictionLog.source != REFUSED)
            .order_by(PredictionLog.id)
        )
        logged: dict[str, list[int]] = {}
        days: dict[int, date] = {}
        progress(0.4, "Finding the predictions")
        for count, (row_id, request_id, inputs, created) in enumerate(
            session.execute(query).yield_per(READ_LOG_ROWS)
        ):
            if count % READ_LOG_ROWS == 0:
                check_cancel(cancel)
            identity = _input_key(inputs.get(key)) if by_input else request_id
            if identity is not None:
                logged.setdefault(identity, []).append(row_id)
                days[row_id] = created.date()
    if by_input:
        ambiguous = sum(len(logged.get(identity or "", [])) > 1 for identity in keys)
        if ambiguous:
            raise UserError(
                f"'{key}' does not tell the predictions apart: {ambiguous:,} of the file's "
                f"{len(keys):,} rows match more than one logged prediction with the same "
                f"'{key}'; use the request id the server sent back with each answer "
                "(X-Request-ID) instead."
            )
    matched: dict[int, Any] = {}
    unmatched = 0
    taken: dict[str, int] = {}
    for identity, outcome in zip(keys, outcomes, strict=True):
        ids = logged.get(identity or "", [])
        position = taken.get(identity or "", 0)
        if outcome is None or position >= len(ids):
            unmatched += 1
            continue
        taken[identity or ""] = position + 1
        matched[ids[position]] = outcome
    if not matched:
        raise UserError(
            f"None of the {len(keys):,} rows of {path.name} matches a prediction of {ref}; "
            f"check that '{key}' holds request ids (X-Request-ID) or a model column."
        )
    check_cancel(cancel)
    progress(0.9, f"Saving {len(matched):,} outcomes")
    with workspace.store.write() as session:
        session.execute(delete(Label).where(Label.prediction_log_id.in_(list(matched))))
        session.add_all(Label(prediction_log_id=i, value=v) for i, v in matched.items())
        audit.record(
            session,
            "labels.import",
            f"model:{model.record['ref']}",
            file=path.name,
            matched=len(matched),
            unmatched=unmatched,
        )
        # The windows holding these predictions measure their performance again when next
        # checked: their days, and every time range (cheap to check again).
        starts = {day_start(days[i]) for i in matched}
        session.execute(
            delete(MonitorResult).where(
                MonitorResult.model_version_id == model.version_id,
                (MonitorResult.kind == "range")
                | ((MonitorResult.kind == "day") & MonitorResult.window_start.in_(starts)),
            )
        )
    return {"rows": len(keys), "matched": len(matched), "unmatched": unmatched}


def _input_key(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)
