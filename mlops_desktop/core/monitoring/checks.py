"""Checking a window of a model version's inputs and predictions against a reference: drift and
data quality, performance once true outcomes (labels) arrive, and the window's status.

Every window's report is stored (``MonitorResult``), so the Monitoring pane opens from history.
"""

import hashlib
import json
import math
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import delete, select

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training, uncertainty
from mlops_desktop.core.monitoring import drift, drift_reference
from mlops_desktop.core.monitoring.windows import (
    TRAINING,
    MonitoredModel,
    Window,
    checked_frame,
    class_names,
    class_text,
    dataset_window,
    find_version_id,
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
    sub_progress,
)
from mlops_desktop.core.store.models import (
    MonitorResult,
)
from mlops_desktop.core.times import as_utc
from mlops_desktop.core.vocabulary import (
    LOWER_IS_BETTER,
    counted,
)
from mlops_desktop.core.workspace import Workspace

PERFORMANCE_BAND_SIGMAS = 3.0
MIN_CHUNK_ROWS = 30  # reference samples for the performance band hold at least this many rows
BAND_SAMPLES = 200  # reference samples measured for each band
INTERVAL_SAMPLES = 200  # resamples of a window's labelled rows for its measures' 95 % intervals
INTERVAL_SEED = 13  # the same window gets the same interval
# What each followed measure can take: a band never reaches past it.
MEASURE_RANGES = {
    "accuracy": (0.0, 1.0),
    "f1": (0.0, 1.0),
    "roc_auc": (0.0, 1.0),
    "mae": (0.0, math.inf),
    "rmse": (0.0, math.inf),
    "r2": (-math.inf, 1.0),
}

# --- performance ---------------------------------------------------------------------------------


def window_metrics(record: dict[str, Any], window: Window, rows: np.ndarray) -> dict[str, float]:
    truth = [window.truth[i] for i in rows]
    predicted = [window.predictions[i] for i in rows]
    if record["task"] == "classification":
        predicted = [class_text(value, False) for value in predicted]
    proba = None
    if window.probabilities is not None:
        proba = np.asarray([window.probabilities[i] for i in rows])
    if record["task"] == "classification":
        # Only the measures the issue names; each needs both classes seen, else it is left out.
        classes = np.asarray(class_names(record) or sorted({*truth, *predicted}), dtype=object)
        full = training.metrics_for("classification", truth, predicted, proba, classes)
        wanted = ("accuracy", "f1", "roc_auc")
    else:
        full = training.metrics_for("regression", truth, predicted, None, None)
        wanted = ("mae", "rmse", "r2")
    return {k: float(full[k]) for k in wanted if k in full and math.isfinite(full[k])}


def _labelled(window: Window) -> np.ndarray:
    """The rows with a true outcome and a prediction."""
    return np.asarray(
        [
            i
            for i, (value, predicted) in enumerate(
                zip(window.truth, window.predictions, strict=True)
            )
            if value is not None and predicted is not None
        ],
        dtype=int,
    )


def _rounded(size: int) -> int:
    """``size`` to two significant digits, so nearby window sizes share one band."""
    return int(float(f"{size:.2g}"))


def held_out_of(record: dict[str, Any], window: Window, rows: np.ndarray) -> uncertainty.HeldOut:
    """The labelled and predicted ``rows`` of ``window`` as the scores take them."""
    truth = [window.truth[i] for i in rows]
    predicted = [window.predictions[i] for i in rows]
    if record["task"] != "classification":
        return uncertainty.HeldOut("regression", np.asarray(truth), np.asarray(predicted))
    classes = class_names(record) or sorted({*truth, *map(str, predicted)})
    probabilities = None
    if window.probabilities is not None:
        probabilities = np.asarray([window.probabilities[i] for i in rows], dtype="float64")
    return uncertainty.HeldOut(
        "classification",
        np.asarray(truth, dtype=object),
        np.asarray([class_text(value, False) for value in predicted], dtype=object),
        probabilities,
        np.asarray(classes, dtype=object),
    )


class ReferencePerformance:
    """The reference's measured performance, and how much it varies over samples of a given
    size: the band a window's performance is judged against."""

    def __init__(self, record: dict[str, Any], window: Window) -> None:
        self.record, self.window = record, window
        self.known = _labelled(window)
        self.expected = window_metrics(record, window, self.known) if self.known.size else {}
        self._bands: dict[int, dict[str, list[float]]] = {}

    def bands(self, size: int) -> dict[str, list[float]]:
        """±3 standard deviations of each measure over reference samples of about ``size``
        rows, drawn with replacement (so a reference smaller than the window still gives one),
        within what the measure can take."""
        size = _rounded(max(size, MIN_CHUNK_ROWS))
        if size not in self._bands:
            bands: dict[str, list[float]] = {}
            if self.known.size >= MIN_CHUNK_ROWS:
                # seeded by the size: the same band whatever was computed before
                held = held_out_of(self.record, self.window, self.known)
                samples = uncertainty.resampled(held, BAND_SAMPLES, seed=size, size=size)
                for name, value in self.expected.items():
                    values = samples.get(name, np.empty(0))
                    values = values[np.isfinite(values)]
                    if len(values) >= 2:
                        spread = PERFORMANCE_BAND_SIGMAS * float(np.std(values, ddof=1))
                        lowest, highest = MEASURE_RANGES[name]
                        bands[name] = [max(value - spread, lowest), min(value + spread, highest)]
            self._bands[size] = bands
        return self._bands[size]


def _intervals(
    record: dict[str, Any], window: Window, rows: np.ndarray, measured: dict[str, float]
) -> dict[str, list[float]]:
    """A 95 % bootstrap interval of each measure of ``window`` over its labelled ``rows``
    (``uncertainty.intervals``, seeded)."""
    held = held_out_of(record, window, rows)
    every = uncertainty.intervals(held, INTERVAL_SEED, INTERVAL_SAMPLES)
    return {name: every[name] for name in measured if name in every}


def window_performance(reference: ReferencePerformance, current: Window) -> dict[str, Any] | None:
    """The current window's measured performance, with its 95 % interval, against the
    reference's and its band."""
    labelled = _labelled(current)
    if labelled.size == 0:
        return None
    measured = window_metrics(reference.record, current, labelled)
    bands = reference.bands(int(labelled.size))
    outside = [
        name
        for name, value in measured.items()
        if name in bands
        and (value > bands[name][1] if name in LOWER_IS_BETTER else value < bands[name][0])
    ]
    return {
        "labelled": int(labelled.size),
        "metrics": measured,
        "interval": _intervals(reference.record, current, labelled, measured),
        "reference": reference.expected,
        "band": bands,
        "worse": outside,
    }


# --- reports -------------------------------------------------------------------------------------


def _status(report: dict[str, Any], thresholds: drift.Thresholds) -> str:
    if report["n_current"] < thresholds.min_rows:
        return "not enough data"
    prediction = report.get("prediction_drift") or {}
    if report["dataset_drift"] or prediction.get("status") == "drift":
        return "drift"
    columns = report["columns"]
    performance = report.get("performance") or {}
    if (
        any(c["status"] == "drift" or c["findings"] for c in columns)
        or performance.get("worse")
        or prediction.get("findings")
    ):
        return "watch"
    return "healthy"


def window_report(
    model: MonitoredModel,
    reference: drift_reference.Reference,
    reference_performance: ReferencePerformance,
    current: Window,
    thresholds: drift.Thresholds,
    progress: Progress,
    cancel: CancelCheck,
) -> dict[str, Any]:
    report = drift.check_drift(
        reference, checked_frame(current, model.record), thresholds, progress, cancel
    )
    prediction = report["prediction_drift"]
    if prediction is not None:
        # The predictions' gaps are the rows the model could not score: one finding names them.
        prediction["findings"] = [
            finding for finding in prediction["findings"] if finding["kind"] != "missing_change"
        ] + _unscored_findings(current)
    report["performance"] = window_performance(reference_performance, current)
    report["violations"] = current.violations  # None for a dataset window
    report["left_out"] = current.left_out
    report["status"] = _status(report, thresholds)
    report["model"] = model.record["ref"]
    return report


def _unscored_findings(window: Window) -> list[dict[str, str]]:
    """One finding naming the rows the model could not score, if any."""
    if not window.unscored:
        return []
    shown = [f"{row + 1:,}" for row in window.unscored[:5]]
    more = len(window.unscored) - len(shown)
    rows = ", ".join(shown) + (f" and {more:,} more" if more else "")
    return [
        {
            "kind": "not_scored",
            "message": f"The model could not score {counted(len(window.unscored), 'row')} "
            f"(row{'s' if len(window.unscored) > 1 else ''} {rows} of the window), so "
            "they have no prediction; their inputs are still checked.",
        }
    ]


def result_key(kind: str, window: str, reference: str | None, thresholds: drift.Thresholds) -> str:
    digest = hashlib.sha256(
        json.dumps(thresholds.as_dict(), sort_keys=True).encode("utf-8")
    ).hexdigest()[:12]
    return f"{kind}:{window}|reference:{reference or TRAINING}|thresholds:{digest}"


def store_result(
    workspace: Workspace,
    model: MonitoredModel,
    key: str,
    kind: str,
    report: dict[str, Any],
    start: datetime | None = None,
    end: datetime | None = None,
    last_log_id: int | None = None,
) -> None:
    with workspace.store.write() as session:
        session.execute(
            delete(MonitorResult).where(
                MonitorResult.model_version_id == model.version_id, MonitorResult.key == key
            )
        )
        session.add(
            MonitorResult(
                model_version_id=model.version_id,
                key=key,
                kind=kind,
                window_start=start,
                window_end=end,
                last_log_id=last_log_id,
                n_current=report["n_current"],
                drift_share=report["drift_share"],
                status=report["status"],
                report=report,
            )
        )


def check(
    workspace: Workspace,
    ref: str,
    reference: str | None = None,
    current: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    thresholds: drift.Thresholds | None = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Check one window of ``ref``: the dataset version ``current``, or else the prediction log
    between ``since`` and ``until`` (either open), against ``reference`` (a dataset version;
    None: the held-out part of the training data). The report is stored and returned."""
    thresholds = thresholds or drift.Thresholds()
    since, until = as_utc(since), as_utc(until)
    if since is not None and until is not None and since >= until:
        raise UserError("The window's start must come before its end.")
    progress(0.0, "Loading the model")
    model = open_model(workspace, ref)
    progress(0.05, "Preparing the reference")
    reference_rows = reference_window(workspace, model, reference)
    check_cancel(cancel)
    prepared = reference_for_drift(reference_rows, model.record)
    performance = ReferencePerformance(model.record, reference_rows)
    progress(0.25, "Reading the window")
    if current is not None:
        window = dataset_window(workspace, model, current)
        kind, name = "dataset", current
    else:
        window = log_window(workspace, model, since, until, cancel)
        kind = "range"
        name = f"{since.isoformat() if since else ''}/{until.isoformat() if until else ''}"
    check_cancel(cancel)
    report = window_report(
        model,
        prepared,
        performance,
        window,
        thresholds,
        sub_progress(progress, 0.4, 0.95),
        cancel,
    )
    report["window"] = {"kind": kind, "name": name, "reference": reference or TRAINING}
    store_result(
        workspace,
        model,
        result_key(kind, name, reference, thresholds),
        kind,
        report,
        since,
        until,
        window.last_log_id,
    )
    progress(1.0, "Checked")
    return report


def results(workspace: Workspace, ref: str) -> list[dict[str, Any]]:
    """The stored checks of ``ref`` that are not day windows (time ranges and datasets), newest
    first."""
    with workspace.store.read() as session:
        version_id = find_version_id(session, ref)
        reports = session.scalars(
            select(MonitorResult.report)
            .where(MonitorResult.model_version_id == version_id, MonitorResult.kind != "day")
            .order_by(MonitorResult.computed_at.desc(), MonitorResult.id.desc())
        ).all()
    return list(reports)
