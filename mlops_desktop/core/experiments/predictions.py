"""A run's held-out rows beside its predictions: the Predictions table of a run, and what Compare
and the recommended run test runs on.

They are made again from the run's stored model and its split (the same data and seed give the
same rows, as ``runs reproduce`` proves) rather than stored when it trains: that costs training
nothing, and runs trained before this existed get them too. Made once, they are kept as a Parquet
file in the workspace's ``cache/predictions`` folder, named by the run and its model's SHA-256;
the table reads it a page at a time, and a run's files go when the run is deleted. Removing the
folder loses nothing: the next look makes the file again.

Columns: the row's position in its dataset version, the truth, the prediction, then for a
classification the probability of the predicted class and of each class (in the model's order),
for a regression the error (true − predicted); then the model's input columns as it took them.
"""

import contextlib
import os
import uuid
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training, uncertainty
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.workspace import Workspace

CACHE_FOLDER = Path("cache") / "predictions"
# Names no dataset column takes, so the model's inputs keep theirs beside them.
ROW, TRUTH, PREDICTION = "mlops:row", "mlops:truth", "mlops:prediction"
PROBABILITY, ERROR = "mlops:probability", "mlops:error"
CLASS_PROBABILITY = "mlops:probability:"  # + the class
OUTCOMES = 4  # ROW, TRUTH, PREDICTION, then PROBABILITY or ERROR: the columns before the inputs


def _path(workspace: Workspace, run: dict[str, Any]) -> Path:
    if not run["model_sha256"]:
        raise UserError(
            f"Run {run['run_id'][:8]} has no model (its status is {run['status']}), so it has "
            "no predictions to show."
        )
    return workspace.home / CACHE_FOLDER / f"{run['run_id']}-{run['model_sha256'][:16]}.parquet"


def predictions_file(
    workspace: Workspace,
    run_id: str,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> Path:
    """The Parquet file of run ``run_id``'s held-out rows and predictions, made if not yet there.
    Its data or model file missing or damaged is one sentence (``UserError``)."""
    run = training.show_run(workspace, run_id)
    path = _path(workspace, run)
    if path.exists():
        return path
    progress(0.1, "Splitting the run's data again")
    split = training.run_split(workspace, run["run_id"])
    check_cancel(cancel)
    progress(0.5, "Predicting the held-out rows")
    inputs = scoring.prepare_leniently(split.held_out, model_registry.input_schema(workspace, run))
    pipeline = training.load_model(workspace, run["run_id"])
    predicted, proba = scoring.predict(pipeline, run["task"], inputs)
    check_cancel(cancel)
    outcomes: dict[str, Any] = {ROW: split.held_out.index.to_numpy(np.int64)}
    if run["task"] == "classification":  # classes as texts, as the run's charts name them
        matrix = np.asarray(proba, dtype=np.float64)
        classes = [str(label) for label in pipeline.classes_]
        outcomes.update(
            {
                TRUTH: [str(value) for value in split.held_out_truth],
                PREDICTION: [str(value) for value in predicted],
                PROBABILITY: matrix.max(axis=1),
                **{CLASS_PROBABILITY + c: matrix[:, i] for i, c in enumerate(classes)},
            }
        )
    else:
        truth = split.held_out_truth.to_numpy(np.float64)
        values = np.asarray(predicted, dtype=np.float64)
        outcomes.update({TRUTH: truth, PREDICTION: values, ERROR: truth - values})
    frame = pd.concat([pd.DataFrame(outcomes), inputs.reset_index(drop=True)], axis=1)
    _write(frame, path)
    progress(1.0, "Predicted the held-out rows")
    return path


def _write(frame: pd.DataFrame, path: Path) -> None:
    """Whole or not at all: through a file of its own name, so two processes making the same
    predictions at once each replace it with the same content."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f"{path.stem}.{uuid.uuid4().hex}.part")
    try:
        frame.to_parquet(temporary, index=False, row_group_size=10_000)
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)


def class_names(columns: list[str]) -> list[str]:
    """The classes, in the model's order, of a predictions file's ``columns``."""
    return [c.removeprefix(CLASS_PROBABILITY) for c in columns if c.startswith(CLASS_PROBABILITY)]


def input_columns(columns: list[str]) -> list[str]:
    """The model's input columns among a predictions file's ``columns``."""
    return [c for c in columns if not c.startswith("mlops:")]


def held_out(
    workspace: Workspace,
    run: dict[str, Any],
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> tuple[Any, uncertainty.HeldOut]:
    """The rows run ``run`` (a run record) was scored on (a key equal for runs scored on the same
    rows) and its predictions there, as the paired comparisons take them."""
    path = predictions_file(workspace, run["run_id"], progress, cancel)
    names = pq.read_schema(path).names
    classes = class_names(names)
    table = pq.read_table(
        path, columns=[ROW, TRUTH, PREDICTION, *map(CLASS_PROBABILITY.__add__, classes)]
    )
    rows = (run["dataset"], run["target"], tuple(table.column(ROW).to_pylist()))
    if run["task"] == "classification":
        held = uncertainty.HeldOut(
            "classification",
            np.asarray(table.column(TRUTH).to_pylist(), dtype=object),
            np.asarray(table.column(PREDICTION).to_pylist(), dtype=object),
            np.column_stack(
                [table.column(CLASS_PROBABILITY + c).to_numpy() for c in classes]
            ).astype(np.float64),
            np.asarray(classes, dtype=object),
        )
    else:
        held = uncertainty.HeldOut(
            "regression",
            table.column(TRUTH).to_numpy().astype(np.float64),
            table.column(PREDICTION).to_numpy().astype(np.float64),
        )
    return rows, held


def forget(workspace: Workspace, run_ids: list[str]) -> None:
    """Remove the predictions files of deleted runs."""
    folder = workspace.home / CACHE_FOLDER
    for run_id in run_ids:
        for path in folder.glob(f"{run_id}-*.parquet"):
            with contextlib.suppress(OSError):
                path.unlink()
