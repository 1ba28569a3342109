"""Predictions from a registered model version, for a file (batch scoring) or a request (serving).

Both check the input against the version's input schema the same way, so a file and a request with
the same rows get the same predictions, and a bad row gets one plain sentence naming the column and
the row.
"""

import math
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
from sklearn.pipeline import Pipeline

from mlops_desktop.core.data.preparation import category_text
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
from mlops_desktop.core.vocabulary import FALSE_WORDS, TRUE_WORDS
from mlops_desktop.core.workspace import Workspace

BATCH_ROWS = 100_000
PREDICTION = "prediction"
_EXACT_INTEGERS = 2**53  # larger integers a number column would round: the general path reads them
# The largest number a model can take: tree models compute in 32-bit floats, which end here.
LARGEST_NUMBER = float(np.finfo(np.float32).max)
ROW = "\x00row\x00"  # where a message names the row, filled in once the row is known


def _first_bad(mask: "pd.Series[bool]", values: pd.Series) -> tuple[int, Any]:
    """The first flagged row (counted from 1 within ``values``) and its value."""
    position = int(np.flatnonzero(mask.to_numpy())[0])
    return position + 1, values.iloc[position]


def _as_numbers(values: pd.Series) -> pd.Series:
    """``values`` as numbers; a value that is not one becomes missing (NaN)."""
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    # A yes/no is no number, though Python counts True as 1: missing like any other wrong type.
    yes_no = values.map(lambda value: isinstance(value, bool | np.bool_)).astype(bool)
    return pd.to_numeric(values.mask(yes_no), errors="coerce").astype("float64")


def _numbers(name: str, values: pd.Series) -> pd.Series:
    converted = _as_numbers(values)
    bad = converted.isna() & values.notna()
    if bad.any():
        row, value = _first_bad(bad, values)
        raise _BadValue(f"'{name}' must be a number, but row {ROW} holds '{value}'.", row)
    return converted


def _as_booleans(values: pd.Series) -> pd.Series:
    """``values`` as 1.0 (yes) and 0.0 (no); a value that is neither becomes missing (NaN)."""
    if pd.api.types.is_bool_dtype(values):
        return values.astype("float64")
    words = values.map(lambda v: str(v).strip().lower(), na_action="ignore")
    result = pd.Series(np.nan, index=values.index, dtype="float64")
    result[words.isin(TRUE_WORDS)] = 1.0
    result[words.isin(FALSE_WORDS)] = 0.0
    return result


def _booleans(name: str, values: pd.Series) -> pd.Series:
    result = _as_booleans(values)
    bad = result.isna() & values.notna()
    if bad.any():
        row, value = _first_bad(bad, values)
        raise _BadValue(
            f"'{name}' must be yes or no (true/false), but row {ROW} holds '{value}'.", row
        )
    return result


def _as_labels(values: pd.Series) -> pd.Series:
    """``values`` as category texts (3 and 3.0 read "3"); a list or an object, which no category
    is, becomes missing (NaN)."""
    nested = values.map(lambda value: isinstance(value, list | dict)).astype(bool)
    labels = values.map(category_text, na_action="ignore").astype(object)
    return labels.where(values.notna() & ~nested, np.nan)


def _labels(name: str, values: pd.Series) -> pd.Series:
    labels = _as_labels(values)
    bad = labels.isna() & values.notna()
    if bad.any():
        row, value = _first_bad(bad, values)
        raise _BadValue(
            f"'{name}' must be a category (a text or a number), but row {ROW} holds '{value}'.",
            row,
        )
    return labels


def prepare(
    frame: pd.DataFrame, schema: list[dict[str, Any]], rows_before: int = 0
) -> pd.DataFrame:
    """The model's input columns from ``frame``, converted to what the pipeline expects.

    Extra columns are ignored; a missing required column, a value of the wrong type, or an empty
    value in a required column is refused with the column and row named (rows counted from 1,
    after ``rows_before`` earlier rows)."""
    try:
        return _prepared(frame, schema)
    except _BadValue as bad:
        raise UserError(bad.message.replace(ROW, str(bad.row + rows_before))) from None


class _BadValue(Exception):
    def __init__(self, message: str, row: int) -> None:
        super().__init__(message)
        self.message, self.row = message, row


def _empty(name: str, row: int) -> _BadValue:
    return _BadValue(f"'{name}' is empty in row {ROW}; the model needs a value there.", row)


def _column_values(frame: pd.DataFrame, name: str) -> pd.Series:
    """``frame``'s column ``name`` indexed from 0; all missing when ``frame`` lacks it."""
    if name in frame.columns:
        return frame[name].reset_index(drop=True)
    return pd.Series([None] * len(frame), dtype=object)


def _prepared(frame: pd.DataFrame, schema: list[dict[str, Any]]) -> pd.DataFrame:
    absent = [c["name"] for c in schema if c["name"] not in frame.columns and c["required"]]
    if absent:
        raise UserError(
            f"The input has no column '{absent[0]}'; the model needs "
            f"{', '.join(c['name'] for c in schema)}."
        )
    columns: dict[str, pd.Series] = {}
    for column in schema:
        name, kind = column["name"], column["type"]
        values = _column_values(frame, name)
        if kind == "numeric":
            converted = _numbers(name, values)
        elif kind == "boolean":
            converted = _booleans(name, values)
        else:
            converted = _labels(name, values)
        if column["required"] and converted.isna().any():
            raise _empty(name, int(np.flatnonzero(converted.isna().to_numpy())[0]) + 1)
        columns[name] = converted
    return pd.DataFrame(columns)


def prepare_leniently(frame: pd.DataFrame, schema: list[dict[str, Any]]) -> pd.DataFrame:
    """``prepare`` that keeps every row, for monitoring (serving and batch scoring refuse
    instead): an absent column, an empty value, or a value that does not convert to its column's
    type becomes missing (NaN), for the checks to count and the pipeline to fill in as it was
    trained to."""
    converters = {"numeric": _as_numbers, "boolean": _as_booleans}
    return pd.DataFrame(
        {
            column["name"]: converters.get(column["type"], _as_labels)(
                _column_values(frame, column["name"])
            )
            for column in schema
        },
        index=pd.RangeIndex(len(frame)),
    )


def _plain_number(value: Any) -> float | None:
    """A JSON number as ``prepare`` converts it; None for anything the general path must read."""
    if value is None:
        return math.nan
    kind = type(value)
    if kind is float:
        return value if abs(value) <= LARGEST_NUMBER or value != value else None
    if kind is int and -_EXACT_INTEGERS <= value <= _EXACT_INTEGERS:
        return float(value)
    return None


def _plain_label(value: Any) -> Any:
    """A category label as ``prepare`` makes it; None for anything the general path must read."""
    kind = type(value)
    if kind is str:
        try:
            value.encode("utf-8")  # a lone surrogate is for the general path to refuse
        except UnicodeEncodeError:
            return None
        return value
    if value is None or (kind is float and math.isnan(value)):
        return math.nan
    if kind is int and -_EXACT_INTEGERS <= value <= _EXACT_INTEGERS:
        return str(value)
    if kind is float:
        return str(int(value)) if value.is_integer() else str(value)
    if kind is bool:
        return str(value)
    return None


def _plain_boolean(value: Any) -> float | None:
    """A yes/no as ``prepare`` converts it; None for anything the general path must read."""
    if value is None:
        return math.nan
    if type(value) is bool:
        return 1.0 if value else 0.0
    return None


_PLAIN_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "numeric": _plain_number,
    "boolean": _plain_boolean,
}


def prepare_values(
    columns: Mapping[str, Sequence[Any]], count: int, schema: list[dict[str, Any]]
) -> pd.DataFrame | None:
    """``prepare`` of a few rows given as plain values (a request's JSON numbers, texts, yes/no
    and nulls), value by value: a one-row request then costs microseconds instead of pandas'
    fixed cost per column. Gives exactly what ``prepare`` gives for the same rows as a frame, and
    the same message for an empty required value; None as soon as a value needs the general
    path (a number sent as text, one beyond ``LARGEST_NUMBER``, …), which then reads them all."""
    if any(c["required"] and c["name"] not in columns for c in schema):
        return None  # the general path names the missing column
    converted: dict[str, list[Any]] = {}
    missing = [None] * count
    for column in schema:
        convert = _PLAIN_CONVERTERS.get(column["type"], _plain_label)
        values = [convert(value) for value in columns.get(column["name"], missing)]
        if None in values:
            return None
        converted[column["name"]] = values
    # Only now, as every value reads (as in the general path, where a frame is built first):
    for column in schema:
        if column["required"]:
            values = converted[column["name"]]
            gaps = [row for row, value in enumerate(values, start=1) if value != value]
            if gaps:
                bad = _empty(column["name"], gaps[0])
                raise UserError(bad.message.replace(ROW, str(bad.row)))
    prepared = {
        column["name"]: (
            pd.Series(np.array(converted[column["name"]], dtype="float64"), copy=False)
            if column["type"] in _PLAIN_CONVERTERS
            else pd.Series(np.array(converted[column["name"]], dtype=object), dtype=object)
        )
        for column in schema
    }
    return pd.DataFrame(prepared, copy=False)


def predict(
    pipeline: Pipeline, task: str, inputs: pd.DataFrame
) -> tuple[list[Any], list[list[float]] | None]:
    """Predictions (plain Python values) and, for a classifier, each row's class probabilities.

    A classifier runs once: each row's class is its most probable one (what scikit-learn's own
    ``predict`` returns for these algorithms, apart from exact ties), which halves the cost of
    a request."""
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
