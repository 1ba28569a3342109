"""The first step of every new model's pipeline: raw rows as a file or a request gives them (texts,
yes/no words, numbers written as text) converted to the typed columns the rest of the pipeline takes.

The conversion lives inside the pipeline so that the pipeline, saved on its own, predicts from raw
rows outside the app exactly as the app does (``joblib.load(path).predict(frame)``). The app itself
converts with the same functions before predicting, to name a bad value's row among all the rows
of a file (``prepare``), to keep every row for monitoring (``prepare_leniently``) or to read a
one-row request in microseconds (``prepare_values``); it then predicts with the pipeline's later
steps (``scoring.predict``). A pipeline saved before this step existed has no such step, and the
app's conversion is all it gets, as before. ``raw_row_steps`` are what training puts in front of a
fitted pipeline: this step, with the input schema ``feature_schema`` describes, and for a version
prepared by a recipe its column steps.
"""

import math
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from mlops_desktop.core.data.column_steps import ColumnSteps
from mlops_desktop.core.data.preparation import category_text
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.store.models import DatasetVersion
from mlops_desktop.core.vocabulary import FALSE_WORDS, TRUE_WORDS

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


class RawInputs(BaseEstimator, TransformerMixin):  # type: ignore[misc]
    """Raw rows to the model's typed input columns (``prepare``): the model's input schema
    (``inputs``) is all it knows, so it learns nothing when the pipeline is fitted. A value that
    does not convert is refused with its column and row named."""

    def __init__(self, inputs: list[dict[str, Any]]) -> None:
        self.inputs = inputs

    def fit(self, X: pd.DataFrame, y: Any = None) -> "RawInputs":
        return self

    def transform(self, X: pd.DataFrame) -> pd.DataFrame:
        return prepare(X, self.inputs)

    def __sklearn_is_fitted__(self) -> bool:
        return True


def feature_schema(version: DatasetVersion, features: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What a request to a model learning ``features`` from ``version`` must hold: each column
    with its type, whether it may be empty (only if the training data had gaps there, which the
    model learned to fill), and its categories."""
    missing = {column["name"]: column["missing"] for column in version.profile["columns"]}
    schema = []
    for feature in features:
        entry: dict[str, Any] = {
            "name": feature["name"],
            "type": feature["type"],
            "required": not missing.get(feature["name"], 0),
        }
        if "categories" in feature:
            entry["categories"] = feature["categories"]
        schema.append(entry)
    return schema


def raw_row_steps(
    version: DatasetVersion, features: list[dict[str, Any]], column_steps: ColumnSteps | None
) -> list[tuple[str, Any]]:
    """The steps that go in front of a fitted pipeline so that it predicts from raw rows: the
    conversion of raw values (``RawInputs``), then, for a version prepared by a recipe, its
    ``column_steps`` (which take the raw columns the recipe starts from)."""
    if column_steps is None:
        return [("inputs", RawInputs(feature_schema(version, features)))]
    return [("inputs", RawInputs(list(column_steps.inputs))), ("recipe", column_steps)]
