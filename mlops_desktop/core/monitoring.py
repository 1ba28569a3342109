"""Monitoring a model version: drift and data quality of its inputs and predictions, and its
performance once true outcomes (labels) arrive.

A *window* is the data checked: a time range of the version's prediction log, one day of it (the
trends), or an imported dataset version. It is checked against a *reference*: by default the
held-out part of the version's training data (the rows its metrics were measured on, split again
the way training split them), or any dataset version. Every window's report is stored
(``MonitorResult``), so the Monitoring pane opens from history; day windows are computed only for
days with log rows newer than the stored ones, never by reading the whole log again.
"""

import dataclasses
import hashlib
import json
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from mlops_desktop.core import (
    audit,
    datasets,
    drift,
    registry,
    scoring,
    training,
    uncertainty,
    validation,
)
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.reading import detect_format, read_table
from mlops_desktop.core.store.json_paths import json_text
from mlops_desktop.core.store.models import (
    REFUSED,
    TRAFFIC,
    TRY_IT,
    Deployment,
    Label,
    ModelVersion,
    MonitorResult,
    PredictionLog,
    RegisteredModel,
)
from mlops_desktop.core.vocabulary import (
    FALSE_WORDS,
    LOWER_IS_BETTER,
    TRUE_WORDS,
    counted,
    version_words,
)
from mlops_desktop.core.workspace import Workspace

PREDICTION = "prediction"  # the predictions' column in checked frames and in sentences about it
TRAINING = "training"  # the default reference: the held-out part of the training data
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
READ_LOG_ROWS = 50_000  # log rows read per query
WHOLE_NUMBER_TEXT = re.compile(r"-?\d+\.0")
LEFT_OUT = {TRY_IT: "try_it", REFUSED: "refused"}  # logged rows no window holds, by source


@dataclass
class _Model:
    record: dict[str, Any]
    pipeline: Pipeline
    version_id: int


@dataclass
class _Window:
    """Rows to check: the model's inputs as it saw them, its predictions and probabilities, and
    true outcomes where known (None where not); for logged predictions, the dataset's validation
    rules they broke (``validation.tally``) and the rows of the window's time left out, by
    source (not real traffic); the rows the model could not score (their predictions are
    None), counted from 0."""

    inputs: pd.DataFrame
    predictions: list[Any]
    probabilities: list[list[float]] | None
    truth: list[Any]
    last_log_id: int | None = None
    violations: dict[str, Any] | None = None
    unscored: list[int] = dataclasses.field(default_factory=list)
    left_out: dict[str, int] = dataclasses.field(default_factory=lambda: dict.fromkeys(LEFT_OUT, 0))


def _model(workspace: Workspace, ref: str) -> _Model:
    record, pipeline = registry.load(workspace, ref)
    with workspace.store.read() as session:
        version_id = _version_id(session, record["ref"])
    return _Model(record, pipeline, version_id)


def _version_id(session: Session, ref: str) -> int:
    _registered, version = registry.resolve(session, ref)
    return version.id


def _prediction_name(record: dict[str, Any]) -> str:
    """What the predictions' column is called: "prediction", unless an input has that name."""
    taken = {column["name"] for column in record["inputs"]}
    return PREDICTION if PREDICTION not in taken else "the model's prediction"


def _prediction_kind(record: dict[str, Any]) -> str:
    return "categorical" if record["task"] == "classification" else "numeric"


def _scored(model: _Model, rows: pd.DataFrame, truth: list[Any]) -> _Window:
    """``rows`` (raw columns) prepared and predicted by the model. Every row stays: a gap or a
    value that does not convert is a missing value for the checks to report, and a row the
    model cannot score has no prediction (``_Window.unscored``)."""
    inputs = scoring.prepare_leniently(rows, model.record["inputs"])
    predictions, probabilities, unscored = scoring.predict_scorable(
        model.pipeline, model.record["task"], inputs
    )
    return _Window(inputs, predictions, probabilities, truth, unscored=unscored)


def _class_text(value: Any, yes_no: bool) -> str:
    """A class as the model's classes name it: "True"/"False" for a yes/no target (whatever
    word the file uses), "3" for the number 3.0, else the text itself."""
    if yes_no and not isinstance(value, bool):
        word = str(value).strip().lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            value = word in TRUE_WORDS
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _class_names(record: dict[str, Any]) -> list[str]:
    """The model's classes as ``_class_text`` writes truth and predictions: a run stores a class
    2.0 as "2.0", which its predictions and labels read as "2"."""
    return [
        _class_text(float(name), False) if WHOLE_NUMBER_TEXT.fullmatch(name) else name
        for name in record["classes"] or []
    ]


def _yes_no(record: dict[str, Any]) -> bool:
    return bool(record["task"] == "classification" and record["classes"] == ["False", "True"])


def _truth_values(values: Iterable[Any], record: dict[str, Any]) -> list[Any]:
    """True outcomes in the form the checks compare: class names, or numbers."""
    yes_no = _yes_no(record)
    result: list[Any] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            result.append(None)
        elif record["task"] == "classification":
            result.append(_class_text(value, yes_no))
        else:
            try:
                result.append(float(value))
            except (TypeError, ValueError):
                result.append(None)
    return result


def _reference_window(workspace: Workspace, model: _Model, reference: str | None) -> _Window:
    target = model.record["target"]
    if reference is None:
        split = training.run_split(workspace, model.record["run_id"])
        rows, truth = split.held_out, _truth_values(split.held_out_truth.tolist(), model.record)
    else:
        rows = datasets.load_frame(workspace, datasets.get_version(workspace, reference))
        values = rows[target].tolist() if target in rows else [None] * len(rows)
        truth = _truth_values(values, model.record)
    return _scored(model, rows.reset_index(drop=True), truth)


def _dataset_window(workspace: Workspace, model: _Model, ref: str) -> _Window:
    rows = datasets.load_frame(workspace, datasets.get_version(workspace, ref))
    target = model.record["target"]
    values = rows[target].tolist() if target in rows else [None] * len(rows)
    return _scored(model, rows, _truth_values(values, model.record))


def _log_query(version_id: int) -> Any:
    """The version's logged real traffic (Try-it rows and refused requests left out)."""
    return (
        select(PredictionLog.id)
        .join(Deployment, PredictionLog.deployment_id == Deployment.id)
        .where(Deployment.model_version_id == version_id, PredictionLog.source == TRAFFIC)
    )


def _in_time(query: Any, since: datetime | None, until: datetime | None) -> Any:
    if since is not None:
        query = query.where(PredictionLog.created_at >= since)
    if until is not None:
        query = query.where(PredictionLog.created_at < until)
    return query


def _left_out(
    session: Session, version_id: int, since: datetime | None, until: datetime | None
) -> dict[str, int]:
    """How many rows of the version's log in [since, until) are not real traffic, by source."""
    query = _in_time(
        select(PredictionLog.source, func.count())
        .join(Deployment, PredictionLog.deployment_id == Deployment.id)
        .where(Deployment.model_version_id == version_id, PredictionLog.source != TRAFFIC)
        .group_by(PredictionLog.source),
        since,
        until,
    )
    counts = {source: count for source, count in session.execute(query)}
    return {key: int(counts.get(source, 0)) for source, key in LEFT_OUT.items()}


def _log_window(
    workspace: Workspace,
    model: _Model,
    since: datetime | None,
    until: datetime | None,
    cancel: CancelCheck = never_cancel,
) -> _Window:
    """The logged predictions of ``model`` made in [since, until), with their labels: real
    traffic only (``_Window.left_out`` counts the rest)."""
    query = _in_time(
        select(
            PredictionLog.id,
            PredictionLog.inputs,
            PredictionLog.prediction,
            PredictionLog.probabilities,
            PredictionLog.violations,
            Label.value,
        )
        .join(Deployment, PredictionLog.deployment_id == Deployment.id)
        .outerjoin(Label, Label.prediction_log_id == PredictionLog.id)
        .where(Deployment.model_version_id == model.version_id, PredictionLog.source == TRAFFIC)
        .order_by(PredictionLog.id),
        since,
        until,
    )
    records: list[dict[str, Any]] = []
    predictions: list[Any] = []
    probabilities: list[list[float]] = []
    labels: list[Any] = []
    violations: list[list[dict[str, str]] | None] = []
    last_id: int | None = None
    classes = model.record["classes"] or []
    with workspace.store.read() as session:
        for row_id, inputs, prediction, probability, broken, label in session.execute(
            query
        ).yield_per(READ_LOG_ROWS):
            if len(records) % READ_LOG_ROWS == 0:
                check_cancel(cancel)
            records.append(inputs)
            predictions.append(prediction)
            if probability is not None:
                probabilities.append([float(probability.get(c, 0.0)) for c in classes])
            labels.append(label)
            violations.append(broken)
            last_id = row_id
        left_out = _left_out(session, model.version_id, since, until)
    schema = model.record["inputs"]
    frame = pd.DataFrame.from_records(records, columns=[c["name"] for c in schema])
    inputs = scoring.prepare_leniently(frame, schema) if records else _empty_inputs(schema)
    has_probabilities = bool(classes) and len(probabilities) == len(predictions)
    return _Window(
        inputs,
        predictions,
        probabilities if has_probabilities else None,
        _truth_values(labels, model.record),
        last_id,
        validation.tally(violations),
        left_out=left_out,
    )


def _empty_inputs(schema: list[dict[str, Any]]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            c["name"]: pd.Series(dtype="float64" if c["type"] != "categorical" else object)
            for c in schema
        }
    )


def _checked_frame(window: _Window, record: dict[str, Any]) -> pd.DataFrame:
    values = window.predictions
    if record["task"] == "classification":
        column = pd.Series(
            [None if v is None else _class_text(v, False) for v in values], dtype=object
        )
        column = column.where(column.notna(), np.nan)
    else:
        column = pd.Series(values, dtype="float64")
    return window.inputs.reset_index(drop=True).assign(**{_prediction_name(record): column})


def _reference_for_drift(window: _Window, record: dict[str, Any]) -> drift.Reference:
    return drift.Reference.of(
        _checked_frame(window, record),
        record["inputs"],
        prediction={
            "name": _prediction_name(record),
            "type": _prediction_kind(record),
            "said": "the predictions"
            if record["task"] == "classification"
            else "the predicted value",
        },
    )


# --- performance ---------------------------------------------------------------------------------


def _metrics(record: dict[str, Any], window: _Window, rows: np.ndarray) -> dict[str, float]:
    truth = [window.truth[i] for i in rows]
    predicted = [window.predictions[i] for i in rows]
    if record["task"] == "classification":
        predicted = [_class_text(value, False) for value in predicted]
    proba = None
    if window.probabilities is not None:
        proba = np.asarray([window.probabilities[i] for i in rows])
    if record["task"] == "classification":
        # Only the measures the issue names; each needs both classes seen, else it is left out.
        classes = np.asarray(_class_names(record) or sorted({*truth, *predicted}), dtype=object)
        full = training.metrics_for("classification", truth, predicted, proba, classes)
        wanted = ("accuracy", "f1", "roc_auc")
    else:
        full = training.metrics_for("regression", truth, predicted, None, None)
        wanted = ("mae", "rmse", "r2")
    return {k: float(full[k]) for k in wanted if k in full and math.isfinite(full[k])}


def _labelled(window: _Window) -> np.ndarray:
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


def _held_out(record: dict[str, Any], window: _Window, rows: np.ndarray) -> uncertainty.HeldOut:
    """The labelled and predicted ``rows`` of ``window`` as the scores take them."""
    truth = [window.truth[i] for i in rows]
    predicted = [window.predictions[i] for i in rows]
    if record["task"] != "classification":
        return uncertainty.HeldOut("regression", np.asarray(truth), np.asarray(predicted))
    classes = _class_names(record) or sorted({*truth, *map(str, predicted)})
    probabilities = None
    if window.probabilities is not None:
        probabilities = np.asarray([window.probabilities[i] for i in rows], dtype="float64")
    return uncertainty.HeldOut(
        "classification",
        np.asarray(truth, dtype=object),
        np.asarray([_class_text(value, False) for value in predicted], dtype=object),
        probabilities,
        np.asarray(classes, dtype=object),
    )


class _ReferencePerformance:
    """The reference's measured performance, and how much it varies over samples of a given
    size: the band a window's performance is judged against."""

    def __init__(self, record: dict[str, Any], window: _Window) -> None:
        self.record, self.window = record, window
        self.known = _labelled(window)
        self.expected = _metrics(record, window, self.known) if self.known.size else {}
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
                held = _held_out(self.record, self.window, self.known)
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
    record: dict[str, Any], window: _Window, rows: np.ndarray, measured: dict[str, float]
) -> dict[str, list[float]]:
    """A 95 % bootstrap interval of each measure of ``window`` over its labelled ``rows``
    (``uncertainty.intervals``, seeded)."""
    held = _held_out(record, window, rows)
    every = uncertainty.intervals(held, INTERVAL_SEED, INTERVAL_SAMPLES)
    return {name: every[name] for name in measured if name in every}


def _performance(reference: _ReferencePerformance, current: _Window) -> dict[str, Any] | None:
    """The current window's measured performance, with its 95 % interval, against the
    reference's and its band."""
    labelled = _labelled(current)
    if labelled.size == 0:
        return None
    measured = _metrics(reference.record, current, labelled)
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


def _report(
    model: _Model,
    reference: drift.Reference,
    reference_performance: _ReferencePerformance,
    current: _Window,
    thresholds: drift.Thresholds,
    progress: Progress,
    cancel: CancelCheck,
) -> dict[str, Any]:
    report = drift.check_drift(
        reference, _checked_frame(current, model.record), thresholds, progress, cancel
    )
    prediction = report["prediction_drift"]
    if prediction is not None:
        # The predictions' gaps are the rows the model could not score: one finding names them.
        prediction["findings"] = [
            finding for finding in prediction["findings"] if finding["kind"] != "missing_change"
        ] + _unscored_findings(current)
    report["performance"] = _performance(reference_performance, current)
    report["violations"] = current.violations  # None for a dataset window
    report["left_out"] = current.left_out
    report["status"] = _status(report, thresholds)
    report["model"] = model.record["ref"]
    return report


def _unscored_findings(window: _Window) -> list[dict[str, str]]:
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


def _key(kind: str, window: str, reference: str | None, thresholds: drift.Thresholds) -> str:
    digest = hashlib.sha256(
        json.dumps(thresholds.as_dict(), sort_keys=True).encode("utf-8")
    ).hexdigest()[:12]
    return f"{kind}:{window}|reference:{reference or TRAINING}|thresholds:{digest}"


def _store(
    workspace: Workspace,
    model: _Model,
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


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_time(text: str) -> datetime:
    """A time given on the command line: ISO 8601 (a date alone means its midnight, UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise UserError(
            f"'{text}' is not a time; write it as 2026-11-29 or 2026-11-29T14:30."
        ) from None
    result = _as_utc(moment)
    assert result is not None
    return result


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
    since, until = _as_utc(since), _as_utc(until)
    if since is not None and until is not None and since >= until:
        raise UserError("The window's start must come before its end.")
    progress(0.0, "Loading the model")
    model = _model(workspace, ref)
    progress(0.05, "Preparing the reference")
    reference_window = _reference_window(workspace, model, reference)
    check_cancel(cancel)
    prepared = _reference_for_drift(reference_window, model.record)
    performance = _ReferencePerformance(model.record, reference_window)
    progress(0.25, "Reading the window")
    if current is not None:
        window = _dataset_window(workspace, model, current)
        kind, name = "dataset", current
    else:
        window = _log_window(workspace, model, since, until, cancel)
        kind = "range"
        name = f"{since.isoformat() if since else ''}/{until.isoformat() if until else ''}"
    check_cancel(cancel)
    report = _report(
        model,
        prepared,
        performance,
        window,
        thresholds,
        sub_progress(progress, 0.4, 0.95),
        cancel,
    )
    report["window"] = {"kind": kind, "name": name, "reference": reference or TRAINING}
    _store(
        workspace,
        model,
        _key(kind, name, reference, thresholds),
        kind,
        report,
        since,
        until,
        window.last_log_id,
    )
    progress(1.0, "Checked")
    return report


# --- day windows (trends) --------------------------------------------------------------------------


def results(workspace: Workspace, ref: str) -> list[dict[str, Any]]:
    """The stored checks of ``ref`` that are not day windows (time ranges and datasets), newest
    first."""
    with workspace.store.read() as session:
        version_id = _version_id(session, ref)
        reports = session.scalars(
            select(MonitorResult.report)
            .where(MonitorResult.model_version_id == version_id, MonitorResult.kind != "day")
            .order_by(MonitorResult.computed_at.desc(), MonitorResult.id.desc())
        ).all()
    return list(reports)


def _day(moment: datetime | None) -> date:
    """The UTC day of a stored time (never None where this is used)."""
    assert moment is not None
    return moment.astimezone(UTC).date()


def _day_start(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _stored_days(
    session: Session, version_id: int, reference: str | None, thresholds: drift.Thresholds
) -> Any:
    suffix = _key("day", "", reference, thresholds).split("|", 1)[1]
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
    model = _model(workspace, ref)
    with workspace.store.read() as session:
        stored = session.execute(
            _stored_days(session, model.version_id, reference, thresholds).with_only_columns(
                MonitorResult.window_start, MonitorResult.last_log_id
            )
        ).all()
        stored_days = {_day(start) for start, _ in stored}
        done = max((last for _, last in stored if last is not None), default=None)
        newest = session.scalar(
            _log_query(model.version_id).with_only_columns(func.max(PredictionLog.created_at))
        )
        if newest is None:
            return 0
        earliest = _log_query(model.version_id).with_only_columns(
            func.min(PredictionLog.created_at)
        )
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
    reference_window = _reference_window(workspace, model, reference)
    prepared = _reference_for_drift(reference_window, model.record)
    performance = _ReferencePerformance(model.record, reference_window)
    checked = 0
    for index, day in enumerate(days):
        check_cancel(cancel)
        progress(0.1 + 0.9 * index / len(days), f"Checking {day.isoformat()}")
        start = _day_start(day)
        end = start + timedelta(days=1)
        window = _log_window(workspace, model, start, end, cancel)
        if not window.predictions:
            continue
        report = _report(model, prepared, performance, window, thresholds, no_progress, cancel)
        report["window"] = {
            "kind": "day",
            "name": day.isoformat(),
            "reference": reference or TRAINING,
        }
        _store(
            workspace,
            model,
            _key("day", day.isoformat(), reference, thresholds),
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
        version_id = _version_id(session, ref)
        query = _stored_days(session, version_id, reference, thresholds)
        rows = session.scalars(
            query.with_only_columns(MonitorResult.report).order_by(MonitorResult.window_start)
        ).all()
    return list(rows)


def overview(workspace: Workspace) -> list[dict[str, Any]]:
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


# --- labels ------------------------------------------------------------------------------------


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
    rows with its id in order. Earlier labels of the same predictions are replaced."""
    progress(0.0, f"Reading {path.name}")
    table, _ = read_table(path, detect_format(path), sub_progress(progress, 0.0, 0.4), cancel)
    for column in (key, label):
        if column not in table.column_names:
            raise UserError(
                f"{path.name} has no column '{column}'; its columns are "
                f"{', '.join(table.column_names)}."
            )
    model = _model(workspace, ref)
    keys = [None if v is None else str(v) for v in table.column(key).to_pylist()]
    outcomes = _truth_values(table.column(label).to_pylist(), model.record)
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
        starts = {_day_start(days[i]) for i in matched}
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


# --- retraining --------------------------------------------------------------------------------


def _labelled_rows(workspace: Workspace, model: _Model, original: pd.DataFrame) -> pd.DataFrame:
    """The logged predictions that have a true outcome, as rows of the training data: their
    inputs, and the outcome written the way the training data writes its target."""
    target = model.record["target"]
    query = (
        select(PredictionLog.inputs, Label.value)
        .join(Deployment, PredictionLog.deployment_id == Deployment.id)
        .join(Label, Label.prediction_log_id == PredictionLog.id)
        .where(Deployment.model_version_id == model.version_id)
        .order_by(PredictionLog.id)
    )
    with workspace.store.read() as session:
        rows = session.execute(query).all()
    truth = _truth_values([value for _inputs, value in rows], model.record)
    if model.record["task"] == "classification":
        as_written = {_class_text(v, False): v for v in original[target].dropna().unique()}
        truth = [as_written.get(value) for value in truth]
    schema = model.record["inputs"]
    logged = pd.DataFrame.from_records(
        [inputs for inputs, _value in rows], columns=[c["name"] for c in schema]
    )
    # As the model saw them, then typed as the training data types them (yes/no as booleans,
    # labels of a numeric-coded column as numbers), so the two stack into one table.
    frame = scoring.prepare(logged, schema)
    for column in schema:
        name = column["name"]
        if column["type"] == "boolean":
            frame[name] = frame[name].map({1.0: True, 0.0: False}).astype("boolean")
        elif column["type"] == "categorical" and pd.api.types.is_numeric_dtype(original[name]):
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame.assign(**{target: truth}).dropna(subset=[target])


def _production_version(workspace: Workspace, model: _Model) -> _Model | None:
    """The model's version in production, if it is another version than ``model``. Loaded
    before any training, so a damaged model file stops the retraining first."""
    name = model.record["name"]
    try:
        with workspace.store.read() as session:
            _registered, production = registry.resolve(session, f"{name}@production")
            number = production.version
    except UserError:  # no version in production
        return None
    return None if number == model.record["version"] else _model(workspace, f"{name}@{number}")


def _why_not_comparable(
    version: _Model, challenger: dict[str, Any], rows: pd.DataFrame
) -> str | None:
    """Why ``version`` cannot be scored beside the challenger on ``rows``, or None: it
    predicts other classes, or it cannot read the rows."""
    theirs, ours = version.record["classes"], challenger["classes"]
    if theirs != ours:
        return (
            f"predicts other classes ({', '.join(theirs or [])}) than the new data has "
            f"({', '.join(ours or [])})"
        )
    try:
        scoring.prepare(rows, version.record["inputs"])
    except UserError as error:
        problem = str(error).split(";")[0]
        return f"cannot read the new rows ({problem[:1].lower()}{problem[1:]})"
    return None


def _seen(workspace: Workspace, model: _Model, inputs: pd.DataFrame) -> "pd.Series[bool]":
    """Which rows of ``inputs`` (as ``scoring.prepare`` gives them for ``model``) the version
    trained on: those equal to one of its training rows, read the same way."""
    trained = training.run_split(workspace, model.record["run_id"]).trained
    seen = pd.util.hash_pandas_object(scoring.prepare(trained, model.record["inputs"]), index=False)
    return pd.util.hash_pandas_object(inputs, index=False).isin(set(seen.tolist()))


def retrain(
    workspace: Workspace,
    ref: str,
    dataset: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Train a challenger for ``ref`` with the same recipe (algorithm, settings, columns, seed)
    on new data, and compare it with the version in production on the same held-out rows, which
    neither trained on. It is compared with ``ref`` itself when no other version is in production,
    or when that one answers another question or cannot read the new rows (``passed_over`` says
    why).

    The new data is the dataset version ``dataset`` when given; otherwise ``ref``'s training
    data plus its labelled predictions, saved as a new version of that dataset (so the challenger
    is reproducible like any run). Returns the challenger's run, both versions' metrics on the
    challenger's held-out rows less those whose inputs the compared version trained on, and
    whether the challenger is better on the main metric."""
    progress(0.0, "Gathering the new training data")
    model = _model(workspace, ref)
    rival = _production_version(workspace, model)
    run = training.show_run(workspace, model.record["run_id"])
    recipe = training.recipe_of(run)
    original_name = datasets.parse_ref(run["dataset"])[0]
    if dataset is None:
        original = datasets.load_frame(workspace, datasets.get_version(workspace, run["dataset"]))
        added = _labelled_rows(workspace, model, original)
        if added.empty:
            raise UserError(
                f"{ref} has no labelled predictions yet; import labels first, or retrain on a "
                "newer dataset version."
            )
        combined = pd.concat([original, added], ignore_index=True)
        with workspace.artifacts.scratch_folder() as folder:
            # The file's name is what the new version's lineage shows as its source.
            path = folder / f"{original_name}-with-{len(added)}-labelled-predictions.parquet"
            combined.to_parquet(path, index=False)
            imported = datasets.import_file(
                workspace, path, original_name, progress=sub_progress(progress, 0.0, 0.3)
            )
        dataset = f"{imported.name}@{imported.version}"
    check_cancel(cancel)
    progress(0.3, "Training the challenger")
    challenger = training.train(
        workspace,
        dataclasses.replace(recipe, dataset=dataset, algorithm=run["algorithm"]),
        sub_progress(progress, 0.3, 0.9),
        cancel,
    )[0]
    if challenger["status"] != "finished":
        raise UserError(f"The challenger could not be trained: {challenger['error']}")
    progress(0.9, "Comparing on the same held-out rows")
    split = training.run_split(workspace, challenger["run_id"])
    challenger_record = {
        **model.record,
        "inputs": registry.input_schema(workspace, challenger),
        "classes": (challenger["evaluation"] or {}).get("classes"),
    }
    passed_over = ""
    if rival is not None:
        problem = _why_not_comparable(rival, challenger_record, split.held_out)
        if problem:
            passed_over = f"{version_words(rival.record['ref'])}, in production, {problem}"
            rival = None
    compared = rival or model
    problem = _why_not_comparable(compared, challenger_record, split.held_out)
    if problem:
        raise UserError(
            f"{version_words(compared.record['ref'])} {problem}, so it cannot be compared with "
            f"the challenger; the challenger is kept as run {challenger['run_id'][:8]} in "
            "Experiments, to register from there if its scores suit you."
        )
    unseen = ~_seen(
        workspace, compared, scoring.prepare(split.held_out, compared.record["inputs"])
    ).to_numpy()
    rows, y = split.held_out[unseen], split.held_out_truth[unseen]
    if rows.empty:
        raise UserError(
            f"{version_words(compared.record['ref'])} trained on every row held out from "
            f"{challenger['dataset']}, so the "
            "two cannot be compared fairly; retrain on data with new rows."
        )
    scores = {}
    for side, record, pipeline in (
        ("current", compared.record, compared.pipeline),
        ("challenger", challenger_record, training.load_model(workspace, challenger["run_id"])),
    ):
        truth = _truth_values(y.tolist(), record)
        inputs = scoring.prepare(rows, record["inputs"])
        predictions, probabilities = scoring.predict(pipeline, record["task"], inputs)
        window = _Window(inputs, predictions, probabilities, truth)
        scores[side] = _metrics(record, window, np.arange(len(truth)))
    main = "accuracy" if model.record["task"] == "classification" else "rmse"
    current, new = scores["current"].get(main), scores["challenger"].get(main)
    better = (
        current is not None
        and new is not None
        and (new < current if main in LOWER_IS_BETTER else new > current)
    )
    progress(1.0, "Compared")
    return {
        "challenger": challenger,
        "retrained_from": model.record["ref"],
        "current": compared.record["ref"],
        "current_stage": compared.record["stage"],
        "passed_over": passed_over,
        "dataset": dataset,
        "held_out_rows": len(rows),
        "metrics": scores,
        "main_metric": main,
        "better": better,
    }
