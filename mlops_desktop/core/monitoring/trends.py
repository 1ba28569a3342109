"""Day windows: one check per day of a model version's prediction log, for the trends.

Days are checked only when they have log rows newer than the stored ones, never by reading the
whole log again.
"""

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlops_desktop.core.monitoring import drift
from mlops_desktop.core.monitoring.checks import (
    ReferencePerformance,
    result_key,
    store_result,
    window_report,
)
from mlops_desktop.core.monitoring.windows import (
    TRAINING,
    find_version_id,
    log_query,
    log_window,
    open_model,
    reference_for_drift,
    reference_window,
)
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)
from mlops_desktop.core.store.models import (
    MonitorResult,
    PredictionLog,
)
from mlops_desktop.core.vocabulary import (
    counted,
)
from mlops_desktop.core.workspace import Workspace


def _day(moment: datetime | None) -> date:
    """The UTC day of a stored time (never None where this is used)."""
    assert moment is not None
    return moment.astimezone(UTC).date()


def day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _stored_days(
    session: Session, version_id: int, reference: str | None, thresholds: drift.Thresholds
) -> Any:
    suffix = result_key("day", "", reference, thresholds).split("|", 1)[1]
    return select(MonitorResult).where(
        MonitorResult.model_version_id == version_id,
        MonitorResult.kind == "day",
        MonitorResult.key.endswith(suffix),
    )


def update_days(
    workspace: Workspace,
    ref: str,
    reference: str | None = None,
    thresholds: drift.Thresholds | None = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> int:
    """Check each day of the log not checked yet (or whose labels changed), and the days with
    rows logged since they were checked; returns how many days were checked. Only those days'
    rows are read, so a new day costs what that day holds, however long the log."""
    thresholds = thresholds or drift.Thresholds()
    model = open_model(workspace, ref)
    with workspace.store.read() as session:
        stored = session.execute(
            _stored_days(session, model.version_id, reference, thresholds).with_only_columns(
                MonitorResult.window_start, MonitorResult.last_log_id
            )
        ).all()
        stored_days = {_day(start) for start, _ in stored}
        done = max((last for _, last in stored if last is not None), default=None)
        newest = session.scalar(
            log_query(model.version_id).with_only_columns(func.max(PredictionLog.created_at))
        )
        if newest is None:
            return 0
        earliest = log_query(model.version_id).with_only_columns(func.min(PredictionLog.created_at))
        first_logged = session.scalar(earliest)
        first_new = session.scalar(earliest.where(PredictionLog.id > done)) if done else None
    last_day = _day(newest)
    first_day = min(_day(first_logged), last_day)
    changed_from = _day(first_new) if first_new is not None else None
    days = [
        day
        for day in (first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1))
        if day not in stored_days or (changed_from is not None and day >= changed_from)
    ]
    if not days:
        return 0
    progress(0.0, "Preparing the reference")
    reference_rows = reference_window(workspace, model, reference)
    prepared = reference_for_drift(reference_rows, model.record)
    performance = ReferencePerformance(model.record, reference_rows)
    checked = 0
    for index, day in enumerate(days):
        check_cancel(cancel)
        progress(0.1 + 0.9 * index / len(days), f"Checking {day.isoformat()}")
        start = day_start(day)
        end = start + timedelta(days=1)
        window = log_window(workspace, model, start, end, cancel)
        if not window.predictions:
            continue
        report = window_report(
            model, prepared, performance, window, thresholds, no_progress, cancel
        )
        report["window"] = {
            "kind": "day",
            "name": day.isoformat(),
            "reference": reference or TRAINING,
        }
        store_result(
            workspace,
            model,
            result_key("day", day.isoformat(), reference, thresholds),
            "day",
            report,
            start,
            end,
            window.last_log_id,
        )
        checked += 1
    progress(1.0, f"Checked {counted(checked, 'day')}")
    return checked


def history(
    workspace: Workspace,
    ref: str,
    reference: str | None = None,
    thresholds: drift.Thresholds | None = None,
) -> list[dict[str, Any]]:
    """The stored day windows of ``ref``, oldest first: what the trends are drawn from."""
    thresholds = thresholds or drift.Thresholds()
    with workspace.store.read() as session:
        version_id = find_version_id(session, ref)
        query = _stored_days(session, version_id, reference, thresholds)
        rows = session.scalars(
            query.with_only_columns(MonitorResult.report).order_by(MonitorResult.window_start)
        ).all()
    return list(rows)
