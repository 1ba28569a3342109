"""The windows monitoring checks, and the model they are checked for.

A *window* is the data checked: a time range of a version's prediction log, one day of it, or an
imported dataset version; its rows as the model saw them, its predictions, and true outcomes where
known. The *reference* it is checked against is by default the held-out part of the version's
training data (the rows its metrics were measured on, split again the way training split them),
or any dataset version.
"""

import dataclasses
import math
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sklearn.pipeline import Pipeline
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlops_desktop.core.data import datasets, validation
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.monitoring import drift_reference
from mlops_desktop.core.progress import (
    CancelCheck,
    check_cancel,
    never_cancel,
)
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.store.models import (
    REFUSED,
    TRAFFIC,
    TRY_IT,
    Deployment,
    Label,
    PredictionLog,
)
from mlops_desktop.core.vocabulary import (
    FALSE_WORDS,
    TRUE_WORDS,
)
from mlops_desktop.core.workspace import Workspace

PREDICTION = "prediction"  # the predictions' column in checked frames and in sentences about it
TRAINING = "training"  # the default reference: the held-out part of the training data
READ_LOG_ROWS = 50_000  # log rows read per query
WHOLE_NUMBER_TEXT = re.compile(r"-?\d+\.0")
LEFT_OUT = {TRY_IT: "try_it", REFUSED: "refused"}  # logged rows no window holds, by source


@dataclass
class MonitoredModel:
    record: dict[str, Any]
    pipeline: Pipeline
    version_id: int


@dataclass
class Window:
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


def open_model(workspace: Workspace, ref: str) -> MonitoredModel:
    record, pipeline = model_registry.load(workspace, ref)
    with workspace.store.read() as session:
        version_id = find_version_id(session, record["ref"])
    return MonitoredModel(record, pipeline, version_id)


def find_version_id(session: Session, ref: str) -> int:
    _registered, version = model_registry.resolve(session, ref)
    return version.id


def _prediction_name(record: dict[str, Any]) -> str:
    """What the predictions' column is called: "prediction", unless an input has that name."""
    taken = {column["name"] for column in record["inputs"]}
    return PREDICTION if PREDICTION not in taken else "the model's prediction"


def _prediction_kind(record: dict[str, Any]) -> str:
    return "categorical" if record["task"] == "classification" else "numeric"


def _scored(model: MonitoredModel, rows: pd.DataFrame, truth: list[Any]) -> Window:
    """``rows`` (raw columns) prepared and predicted by the model. Every row stays: a gap or a
    value that does not convert is a missing value for the checks to report, and a row the
    model cannot score has no prediction (``Window.unscored``)."""
    inputs = scoring.prepare_leniently(rows, model.record["inputs"])
    predictions, probabilities, unscored = scoring.predict_scorable(
        model.pipeline, model.record["task"], inputs
    )
    return Window(inputs, predictions, probabilities, truth, unscored=unscored)


def class_text(value: Any, yes_no: bool) -> str:
    """A class as the model's classes name it: "True"/"False" for a yes/no target (whatever
    word the file uses), "3" for the number 3.0, else the text itself."""
    if yes_no and not isinstance(value, bool):
        word = str(value).strip().lower()
        if word in TRUE_WORDS or word in FALSE_WORDS:
            value = word in TRUE_WORDS
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def class_names(record: dict[str, Any]) -> list[str]:
    """The model's classes as ``class_text`` writes truth and predictions: a run stores a class
    2.0 as "2.0", which its predictions and labels read as "2"."""
    return [
        class_text(float(name), False) if WHOLE_NUMBER_TEXT.fullmatch(name) else name
        for name in record["classes"] or []
    ]


def _yes_no(record: dict[str, Any]) -> bool:
    return bool(record["task"] == "classification" and record["classes"] == ["False", "True"])


def truth_values(values: Iterable[Any], record: dict[str, Any]) -> list[Any]:
    """True outcomes in the form the checks compare: class names, or numbers."""
    yes_no = _yes_no(record)
    result: list[Any] = []
    for value in values:
        if value is None or (isinstance(value, float) and math.isnan(value)):
            result.append(None)
        elif record["task"] == "classification":
            result.append(class_text(value, yes_no))
        else:
            try:
                result.append(float(value))
            except (TypeError, ValueError):
                result.append(None)
    return result


def reference_window(workspace: Workspace, model: MonitoredModel, reference: str | None) -> Window:
    target = model.record["target"]
    if reference is None:
        split = training.run_split(workspace, model.record["run_id"])
        if split.held_out.empty:  # imported from a bundle made without its held-out rows
            raise UserError(
                f"{model.record['ref']} came without the rows it was tested on; choose a dataset "
                "to compare with, or import a bundle exported with its held-out rows."
            )
        rows, truth = split.held_out, truth_values(split.held_out_truth.tolist(), model.record)
    else:
        rows = datasets.load_frame(workspace, datasets.get_version(workspace, reference))
        values = rows[target].tolist() if target in rows else [None] * len(rows)
        truth = truth_values(values, model.record)
    return _scored(model, rows.reset_index(drop=True), truth)


def dataset_window(workspace: Workspace, model: MonitoredModel, ref: str) -> Window:
    rows = datasets.load_frame(workspace, datasets.get_version(workspace, ref))
    target = model.record["target"]
    values = rows[target].tolist() if target in rows else [None] * len(rows)
    return _scored(model, rows, truth_values(values, model.record))


def log_query(version_id: int) -> Any:
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


def log_window(
    workspace: Workspace,
    model: MonitoredModel,
    since: datetime | None,
    until: datetime | None,
    cancel: CancelCheck = never_cancel,
) -> Window:
    """The logged predictions of ``model`` made in [since, until), with their labels: real
    traffic only (``Window.left_out`` counts the rest)."""
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
    return Window(
        inputs,
        predictions,
        probabilities if has_probabilities else None,
        truth_values(labels, model.record),
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


def checked_frame(window: Window, record: dict[str, Any]) -> pd.DataFrame:
    values = window.predictions
    if record["task"] == "classification":
        column = pd.Series(
            [None if v is None else class_text(v, False) for v in values], dtype=object
        )
        column = column.where(column.notna(), np.nan)
    else:
        column = pd.Series(values, dtype="float64")
    return window.inputs.reset_index(drop=True).assign(**{_prediction_name(record): column})


def reference_for_drift(window: Window, record: dict[str, Any]) -> drift_reference.Reference:
    return drift_reference.Reference.of(
        checked_frame(window, record),
        record["inputs"],
        prediction={
            "name": _prediction_name(record),
            "type": _prediction_kind(record),
            "said": "the predictions"
            if record["task"] == "classification"
            else "the predicted value",
        },
    )
