"""Predictions from a registered model version, for a file (batch scoring) or a request (serving).

Both check and convert the input against the version's input schema the same way (``raw_inputs``,
the conversion every new pipeline also holds as its first step), so a file, a request and the saved
pipeline used outside the app give the same rows the same predictions, and a bad row gets one plain
sentence naming the column and the row.
"""

import math
import os
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sklearn.pipeline import Pipeline

from mlops_desktop.core.data.raw_inputs import LARGEST_NUMBER as LARGEST_NUMBER
from mlops_desktop.core.data.raw_inputs import RawInputs
from mlops_desktop.core.data.raw_inputs import prepare as prepare
from mlops_desktop.core.data.raw_inputs import prepare_leniently as prepare_leniently
from mlops_desktop.core.data.raw_inputs import prepare_values as prepare_values
from mlops_desktop.core.data.reading import detect_format, read_table
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.workspace import Workspace

BATCH_ROWS = 100_000
PREDICTION = "prediction"


def typed_part(pipeline: Pipeline) -> Pipeline:
    """The steps of ``pipeline`` that take typed columns (``prepare``'s output): all but its first
    step when that is the conversion of raw rows (``RawInputs``), which the app has done already
    with the same functions; the whole pipeline when it predates that step."""
    if isinstance(pipeline, Pipeline) and isinstance(pipeline.steps[0][1], RawInputs):
        return pipeline[1:]
    return pipeline


def predict(
    pipeline: Pipeline, task: str, inputs: pd.DataFrame
) -> tuple[list[Any], list[list[float]] | None]:
    """Predictions (plain Python values) and, for a classifier, each row's class probabilities.

    A classifier runs once: each row's class is its most probable one (what scikit-learn's own
    ``predict`` returns for these algorithms, apart from exact ties), which halves the cost of
    a request. ``inputs`` are typed (``prepare``'s output)."""
    pipeline = typed_part(pipeline)
    if task != "classification":
        return [
            v.item() if isinstance(v, np.generic) else v for v in pipeline.predict(inputs)
        ], None
    matrix = pipeline.predict_proba(inputs)
    labels = pipeline.classes_[np.argmax(matrix, axis=1)]
    values = [v.item() if isinstance(v, np.generic) else v for v in labels]
    probabilities: list[list[float]] = matrix.tolist()
    return values, probabilities


def predict_scorable(
    pipeline: Pipeline, task: str, inputs: pd.DataFrame
) -> tuple[list[Any], list[list[float]] | None, list[int]]:
    """``predict`` of every row the pipeline can score, for monitoring: a row it cannot score
    (an infinite number, a value a preparation step refuses) gets the prediction None and NaN
    probabilities, and its position (from 0) is listed last. A failing call is halved until the
    failing rows are found, so a few bad rows cost a few more calls, not one call a row."""
    count = len(inputs)
    predictions: list[Any] = [None] * count
    probabilities: list[list[float]] | None = None
    unscored: list[int] = []
    numbers = inputs.select_dtypes("number").to_numpy(dtype="float64")
    with np.errstate(invalid="ignore"):  # NaN compares False: a gap is scored (imputed)
        too_large = (
            (np.abs(numbers) > LARGEST_NUMBER).any(axis=1)
            if numbers.size
            else np.zeros(count, dtype=bool)
        )
    # No model takes an infinite number or one past LARGEST_NUMBER (serving refuses both): left
    # out before any call, so a window full of them costs no halving.
    unscored.extend(np.flatnonzero(too_large).tolist())
    scorable = np.flatnonzero(~too_large)

    def score(rows: np.ndarray) -> None:
        nonlocal probabilities
        try:
            values, shares = predict(pipeline, task, inputs.iloc[rows])
        except Exception:
            if len(rows) == 1:
                unscored.append(int(rows[0]))
                return
            middle = len(rows) // 2
            score(rows[:middle])
            score(rows[middle:])
            return
        for position, value in zip(rows.tolist(), values, strict=True):
            predictions[position] = value
        if shares is not None:
            if probabilities is None:
                probabilities = [[math.nan] * len(shares[0])] * count
            for position, share in zip(rows.tolist(), shares, strict=True):
                probabilities[position] = share

    if scorable.size:
        score(scorable)
    return predictions, probabilities, sorted(unscored)


def _output_table(
    raw: pa.Table,
    predicted: list[Any],
    probabilities: list[list[float]] | None,
    classes: list[str] | None,
) -> pa.Table:
    table = raw.append_column(PREDICTION, pa.array(predicted))
    if probabilities is not None and classes:
        matrix = np.asarray(probabilities)
        for index, label in enumerate(classes):
            table = table.append_column(f"probability_{label}", pa.array(matrix[:, index]))
    return table


def score_file(
    workspace: Workspace,
    ref: str,
    source: Path,
    output: Path,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Predict every row of ``source`` (CSV, Excel or Parquet) with the model version ``ref`` and
    write ``output`` as CSV: the input columns, ``prediction`` and ``probability_<class>``.

    The output appears only when complete; a cancelled or failed scoring leaves no file."""
    record, pipeline = model_registry.load(workspace, ref)
    fmt = detect_format(source)
    progress(0.0, f"Reading {source.name}")
    table, _ = read_table(source, fmt, sub_progress(progress, 0.0, 0.3), cancel)
    if table.num_rows == 0:
        raise UserError(f"{source.name} has no rows to score.")
    temporary = output.with_name(f".{output.name}.{os.getpid()}.part")
    try:
        with temporary.open("wb") as handle:
            writer: pacsv.CSVWriter | None = None
            for start in range(0, table.num_rows, BATCH_ROWS):
                check_cancel(cancel)
                chunk = table.slice(start, BATCH_ROWS)
                inputs = prepare(chunk.to_pandas(), record["inputs"], rows_before=start)
                predicted, probabilities = predict(pipeline, record["task"], inputs)
                result = _output_table(chunk, predicted, probabilities, record["classes"])
                if writer is None:
                    writer = pacsv.CSVWriter(handle, result.schema)
                writer.write_table(result)
                done = min(start + BATCH_ROWS, table.num_rows)
                progress(0.3 + 0.7 * done / table.num_rows, f"Scored {done:,} rows")
            if writer is not None:
                writer.close()
        check_cancel(cancel)
        temporary.replace(output)
    except OSError as error:
        raise UserError(f"Cannot write {output}: {error.strerror or error}.") from None
    finally:
        temporary.unlink(missing_ok=True)
    return {"rows": table.num_rows, "output": str(output)}
