"""Data preparation: recipes of cleaning and feature steps, applied to a dataset version.

A recipe is a list of steps, each a small JSON object (``{"op": "fill_missing", "column": "age",
"strategy": "median"}``; the ops and their settings are in ``STEP_SETTINGS``). ``parse`` checks a
recipe against the columns it will meet, step by step, and refuses a bad step with one sentence
that names it. Applying a recipe *fits* each step on the data it meets (the median to fill with,
the edges of the ranges, the categories kept, the outlier bounds), so the same recipe on next
month's file learns from that file, while a step already fitted gives the same result on any row.

Row steps (``ROW_OPS``) shape the training data only. Column steps also run when a model predicts:
a model trained on a prepared version starts its pipeline with ``column_steps.ColumnSteps``, the
fitted column steps from the original import on, so a client sends the raw columns.
"""

import itertools
import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.progress import CancelCheck, check_cancel, never_cancel
from mlops_desktop.core.vocabulary import COLUMN_TYPES, FALSE_WORDS, TRUE_WORDS

ROW_OPS = ("drop_duplicates", "drop_missing", "filter", "remove_outliers")
COLUMN_OPS = (
    "fill_missing",
    "cast",
    "rename",
    "drop_columns",
    "date_parts",
    "bin",
    "ratio",
    "group_rare",
)
# Each op's settings: required ones first, then optional ones (after the "|").
STEP_SETTINGS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "drop_duplicates": ((), ()),
    "drop_missing": (("columns",), ()),
    "filter": (("column", "operator", "value"), ()),
    "remove_outliers": (("column", "method"), ()),
    "fill_missing": (("column", "strategy"), ("value",)),
    "cast": (("column", "type"), ()),
    "rename": (("column", "to"), ()),
    "drop_columns": (("columns",), ()),
    "date_parts": (("column", "parts"), ()),
    "bin": (("column", "bins"), ()),
    "ratio": (("numerator", "denominator", "to"), ()),
    "group_rare": (("column", "min_share"), ()),
}
OP_TITLES = {
    "drop_duplicates": "Drop duplicate rows",
    "drop_missing": "Drop rows with missing values",
    "filter": "Keep rows that match a condition",
    "remove_outliers": "Remove outliers",
    "fill_missing": "Fill missing values",
    "cast": "Change a column's type",
    "rename": "Rename a column",
    "drop_columns": "Drop columns",
    "date_parts": "Date parts from a date",
    "bin": "Group numbers into ranges",
    "ratio": "Ratio of two columns",
    "group_rare": 'Group rare categories into "other"',
}
OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
    "==": operator.eq,
    "!=": operator.ne,
}
ORDERED_TYPES = ("numeric", "datetime")  # the types <, <=, > and >= apply to
FILL_STRATEGIES = ("median", "mean", "most_frequent", "constant")
OUTLIER_METHODS = ("iqr", "zscore")
DATE_PARTS = ("year", "month", "dayofweek", "hour")
_PANDAS_PARTS = {"dayofweek": "day_of_week"}  # pandas' own name, where it differs
IQR_REACH = 1.5  # Tukey's fences: more than 1.5 interquartile ranges beyond the quartiles
Z_LIMIT = 3.0  # more than 3 standard deviations from the mean
MAX_BINS = 50
OTHER = "other"
MAX_NAME = 200

Columns = dict[str, str]  # each column's name and type, in order
Step = dict[str, Any]


# --- checking a recipe ---------------------------------------------------------------------------


def describe(step: Step) -> str:
    """A step in the analyst's words, as the recipe editor lists it."""
    op = step.get("op")
    column = f"'{step.get('column')}'"
    match op:
        case "drop_duplicates":
            return "Drop duplicate rows"
        case "drop_missing":
            return f"Drop rows missing {_names(step.get('columns'))}"
        case "filter":
            return (
                f"Keep rows where {step.get('column')} {step.get('operator')} {step.get('value')!r}"
            )
        case "remove_outliers":
            way = "beyond 1.5 × IQR" if step.get("method") == "iqr" else "more than 3 SD out"
            return f"Remove outliers in {column} ({way})"
        case "fill_missing":
            how = step.get("strategy")
            what = f"{step.get('value')!r}" if how == "constant" else f"the {how}"
            return f"Fill missing {column} with {str(what).replace('_', ' ')}"
        case "cast":
            return f"Make {column} {step.get('type')}"
        case "rename":
            return f"Rename {column} to '{step.get('to')}'"
        case "drop_columns":
            return f"Drop {_names(step.get('columns'))}"
        case "date_parts":
            parts = [
                str(part).replace("dayofweek", "day of week") for part in step.get("parts") or []
            ]
            return f"Date parts of {column}: {', '.join(parts)}"
        case "bin":
            return f"Group {column} into {step.get('bins')} ranges"
        case "ratio":
            return f"'{step.get('to')}' = {step.get('numerator')} ÷ {step.get('denominator')}"
        case "group_rare":
            return f"Group categories of {column} under {_percent(step.get('min_share'))} as other"
    return f"Unknown step '{op}'"


def _names(columns: Any) -> str:
    if not isinstance(columns, list):
        return "?"
    return ", ".join(f"'{name}'" for name in columns)


def _percent(share: Any) -> str:
    return f"{share:.0%}" if isinstance(share, int | float) else "?"


class _StepProblem(Exception):
    """What is wrong with one step; ``parse`` names the step."""


def parse(data: Any, schema: Sequence[dict[str, Any]]) -> list[Step]:
    """The recipe ``data`` (as read from JSON) checked against a version's ``schema``: each
    step's settings, and each column it names as it will exist at that point of the recipe.
    Refuses the first bad step with one sentence naming it."""
    if not isinstance(data, list):
        raise UserError('A recipe is a list of steps, such as [{"op": "drop_duplicates"}].')
    columns: Columns = {column["name"]: column["type"] for column in schema}
    steps = []
    for number, step in enumerate(data, start=1):
        try:
            checked = _check_step(step, columns)
        except _StepProblem as problem:
            raise UserError(f"{_step_label(number, step)}: {problem}") from None
        columns = _columns_after(checked, columns)
        steps.append(checked)
    return steps


def _step_label(number: int, step: Any) -> str:
    """ "Step 3 (fill_missing)": how a message names a step."""
    op = step.get("op") if isinstance(step, dict) else None
    return f"Step {number}" + (f" ({op})" if isinstance(op, str) else "")


def columns_after(steps: Sequence[Step], schema: Sequence[dict[str, Any]]) -> Columns:
    """The columns and their types after ``steps`` (already parsed)."""
    columns: Columns = {column["name"]: column["type"] for column in schema}
    for step in steps:
        columns = _columns_after(step, columns)
    return columns


def _check_step(step: Any, columns: Columns) -> Step:
    if not isinstance(step, dict):
        raise _StepProblem('each step must be an object such as {"op": "drop_duplicates"}.')
    op = step.get("op")
    if op not in STEP_SETTINGS:
        raise _StepProblem(
            f"'{op}' is not a step; use one of {', '.join(STEP_SETTINGS)}."
            if op is not None
            else "it has no 'op' saying what it does."
        )
    required, optional = STEP_SETTINGS[op]
    unknown = sorted(set(step) - {"op", *required, *optional})
    if unknown:
        takes = ", ".join(required + optional) or "no settings"
        raise _StepProblem(f"'{unknown[0]}' is not one of its settings ({takes}).")
    absent = [name for name in required if name not in step]
    if absent:
        raise _StepProblem(f"it needs '{absent[0]}'.")
    checked: Step = {"op": op, **{k: step[k] for k in required + optional if k in step}}
    _CHECKS[op](checked, columns)
    return checked


def _column(step: Step, columns: Columns, key: str = "column", *types: str) -> str:
    name = step[key]
    if not isinstance(name, str) or name not in columns:
        raise _StepProblem(f"there is no column '{name}' at this point of the recipe.")
    if types and columns[name] not in types:
        raise _StepProblem(
            f"'{name}' holds {columns[name]} values; this step needs {' or '.join(types)} ones."
        )
    return name


def _column_list(step: Step, columns: Columns) -> None:
    names = step["columns"]
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _StepProblem("'columns' must be a list of column names.")
    for name in names:
        _column({"column": name}, columns)


def _new_name(name: Any, columns: Columns) -> None:
    if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME:
        raise _StepProblem(f"'{name}' cannot be a column name.")
    if name in columns:
        raise _StepProblem(f"there is already a column '{name}'.")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_value(value: Any, kind: str, what: str) -> None:
    """``value`` is something a column of ``kind`` can hold."""
    if kind == "numeric" and not _is_number(value):
        raise _StepProblem(f"{what} must be a number.")
    if kind == "boolean" and not isinstance(value, bool):
        raise _StepProblem(f"{what} must be true or false.")
    if kind in ("categorical", "text") and not isinstance(value, str):
        raise _StepProblem(f"{what} must be a text in quotes.")
    if kind == "datetime" and (not isinstance(value, str) or pd.isna(_timestamp(value))):
        raise _StepProblem(f'{what} must be a date such as "2024-05-31".')


def _timestamp(value: str) -> Any:
    return pd.to_datetime(value, errors="coerce")


def _check_drop_duplicates(step: Step, columns: Columns) -> None:
    pass


def _check_filter(step: Step, columns: Columns) -> None:
    name = _column(step, columns)
    if step["operator"] not in OPERATORS:
        raise _StepProblem(
            f"'{step['operator']}' is not a comparison; use one of {' '.join(OPERATORS)}."
        )
    if step["operator"] not in ("==", "!=") and columns[name] not in ORDERED_TYPES:
        raise _StepProblem(f"'{name}' holds {columns[name]} values, which only == and != compare.")
    _check_value(step["value"], columns[name], "'value'")


def _check_outliers(step: Step, columns: Columns) -> None:
    _column(step, columns, "column", "numeric")
    if step["method"] not in OUTLIER_METHODS:
        raise _StepProblem('\'method\' must be "iqr" or "zscore".')


def _check_fill(step: Step, columns: Columns) -> None:
    name = _column(step, columns)
    strategy = step["strategy"]
    if strategy not in FILL_STRATEGIES:
        raise _StepProblem(f"'strategy' must be one of {', '.join(FILL_STRATEGIES)}.")
    if strategy in ("median", "mean") and columns[name] != "numeric":
        raise _StepProblem(
            f"the {strategy} of '{name}' does not exist: it holds {columns[name]} values."
        )
    if strategy == "constant":
        if "value" not in step:
            raise _StepProblem("a constant fill needs 'value'.")
        _check_value(step["value"], columns[name], "'value'")
    elif "value" in step:
        raise _StepProblem(f"'value' is only for the constant strategy, not {strategy}.")


def _check_cast(step: Step, columns: Columns) -> None:
    name = _column(step, columns)
    target, now = step["type"], columns[name]
    if target not in COLUMN_TYPES:
        raise _StepProblem(f"'type' must be one of {', '.join(COLUMN_TYPES)}.")
    if (now == "datetime" and target in ("numeric", "boolean")) or (
        target == "datetime" and now in ("numeric", "boolean")
    ):
        raise _StepProblem(f"{now} values cannot become {target} ones.")


def _check_rename(step: Step, columns: Columns) -> None:
    _column(step, columns)
    _new_name(step["to"], columns)


def _check_drop_columns(step: Step, columns: Columns) -> None:
    _column_list(step, columns)
    if not set(columns) - set(step["columns"]):
        raise _StepProblem("it would drop every column.")


def _check_date_parts(step: Step, columns: Columns) -> None:
    name = _column(step, columns, "column", "datetime")
    parts = step["parts"]
    if not isinstance(parts, list) or not parts or not set(parts) <= set(DATE_PARTS):
        raise _StepProblem(f"'parts' must be a list of {', '.join(DATE_PARTS)}.")
    if len(set(parts)) != len(parts):
        raise _StepProblem("'parts' names a part twice.")
    for part in parts:
        _new_name(f"{name}_{part}", columns)


def _check_bin(step: Step, columns: Columns) -> None:
    _column(step, columns, "column", "numeric")
    bins = step["bins"]
    if not isinstance(bins, int) or isinstance(bins, bool) or not 2 <= bins <= MAX_BINS:
        raise _StepProblem(f"'bins' must be a whole number from 2 to {MAX_BINS}.")


def _check_ratio(step: Step, columns: Columns) -> None:
    _column(step, columns, "numerator", "numeric")
    _column(step, columns, "denominator", "numeric")
    _new_name(step["to"], columns)


def _check_group_rare(step: Step, columns: Columns) -> None:
    _column(step, columns, "column", "categorical")
    share = step["min_share"]
    if not _is_number(share) or not 0 < share < 1:
        raise _StepProblem("'min_share' must be a share between 0 and 1, such as 0.01 for 1 %.")


def _check_drop_missing(step: Step, columns: Columns) -> None:
    _column_list(step, columns)


_CHECKS: dict[str, Callable[[Step, Columns], None]] = {
    "drop_duplicates": _check_drop_duplicates,
    "drop_missing": _check_drop_missing,
    "filter": _check_filter,
    "remove_outliers": _check_outliers,
    "fill_missing": _check_fill,
    "cast": _check_cast,
    "rename": _check_rename,
    "drop_columns": _check_drop_columns,
    "date_parts": _check_date_parts,
    "bin": _check_bin,
    "ratio": _check_ratio,
    "group_rare": _check_group_rare,
}


def _columns_after(step: Step, columns: Columns) -> Columns:
    op = step["op"]
    if op == "cast":
        return {**columns, step["column"]: step["type"]}
    if op == "rename":
        return {(step["to"] if n == step["column"] else n): t for n, t in columns.items()}
    if op == "drop_columns":
        return {n: t for n, t in columns.items() if n not in step["columns"]}
    if op == "date_parts":
        return {**columns, **{f"{step['column']}_{part}": "numeric" for part in step["parts"]}}
    if op == "bin":
        return {**columns, step["column"]: "categorical"}
    if op == "ratio":
        return {**columns, step["to"]: "numeric"}
    return columns


# --- running a recipe ----------------------------------------------------------------------------


def stored_form(frame: pd.DataFrame, schema: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """``frame`` with each column in the form a stored version gives it: yes/no as True/False
    (a request's are 1.0/0.0), dates as timestamps (a request's are texts), gaps as NaN. Steps
    run on this form, so they give the same result on a stored version and on a request."""
    converted = {}
    for column in schema:
        name, kind = column["name"], column["type"]
        if name not in frame.columns:
            continue
        values = frame[name]
        if kind == "boolean" and values.dtype != bool:
            values = values.map(_yes_no, na_action="ignore").astype(object)
            converted[name] = values.where(values.notna(), np.nan)
        elif kind == "datetime" and not pd.api.types.is_datetime64_any_dtype(values):
            converted[name] = pd.to_datetime(values, errors="coerce", format="mixed")
        elif kind in ("categorical", "text") and values.dtype == object:
            converted[name] = values.where(values.notna(), np.nan)
    return frame.assign(**converted) if converted else frame


def _yes_no(value: Any) -> Any:
    if _is_yes_no(value):
        return bool(value)
    word = category_text(value).strip().lower()
    return True if word in TRUE_WORDS else False if word in FALSE_WORDS else np.nan


def category_text(value: Any) -> str:
    """A value as a category label: 3.0 read from a number column is the category "3"."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return str(int(value))
    return str(value)


def _as_labels(values: pd.Series) -> pd.Series:
    labels = values.map(category_text, na_action="ignore").astype(object)
    return labels.where(values.notna(), np.nan)


def _fit(step: Step, frame: pd.DataFrame) -> Step:
    """``step`` with what it learns from ``frame``: the value to fill with, the outlier bounds,
    the edges of the ranges, the categories kept."""
    op = step["op"]
    if op == "fill_missing" and step["strategy"] != "constant":
        values = _series(frame, step["column"]).dropna()
        if values.empty:
            strategy = step["strategy"].replace("_", " ")
            raise _StepProblem(f"'{step['column']}' has no values to take the {strategy} of.")
        if step["strategy"] == "most_frequent":
            fill: Any = _plain(values.value_counts(sort=True).index[0])
        else:
            numbers = values.astype("float64").to_numpy()
            fill = float(np.median(numbers) if step["strategy"] == "median" else numbers.mean())
        return {**step, "fill": fill}
    if op == "remove_outliers":
        numbers = _series(frame, step["column"]).dropna().astype("float64").to_numpy()
        if not len(numbers):
            return {**step, "low": None, "high": None}
        if step["method"] == "iqr":
            q1, q3 = (float(q) for q in np.quantile(numbers, [0.25, 0.75]))
            reach = IQR_REACH * (q3 - q1)
            return {**step, "low": q1 - reach, "high": q3 + reach}
        mean, std = float(numbers.mean()), float(numbers.std())
        return {**step, "low": mean - Z_LIMIT * std, "high": mean + Z_LIMIT * std}
    if op == "bin":
        numbers = _series(frame, step["column"]).dropna().astype("float64").to_numpy()
        shares = np.linspace(0, 1, step["bins"] + 1)[1:-1]
        inner = np.quantile(numbers, shares).tolist() if len(numbers) else []
        return {**step, "edges": sorted({float(edge) for edge in inner})}
    if op == "group_rare":
        counts = _series(frame, step["column"]).value_counts(normalize=True)
        kept = counts[counts >= step["min_share"]].index
        return {**step, "keep": sorted(str(category) for category in kept)}
    return step


def _series(frame: pd.DataFrame, name: str) -> "pd.Series[Any]":
    series: pd.Series[Any] = frame[name]
    return series


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a data value."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return value


def _kept(step: Step, frame: pd.DataFrame) -> "pd.Series[bool]":
    """Which rows a (fitted) row step keeps."""
    op = step["op"]
    if op == "drop_duplicates":
        return ~frame.duplicated(keep="first")
    if op == "drop_missing":
        complete: pd.Series[bool] = frame[list(step["columns"])].notna().all(axis=1)
        return complete
    values = _series(frame, step["column"])
    if op == "filter":
        wanted = step["value"]
        if pd.api.types.is_datetime64_any_dtype(values):
            wanted = _timestamp(wanted)
        elif isinstance(wanted, bool):
            values = values.map(_yes_no, na_action="ignore")
        compare = OPERATORS[step["operator"]]
        matches = pd.Series(compare(values, wanted), index=frame.index)
        return matches.fillna(False).astype(bool) & values.notna()
    # remove_outliers: a missing value is no outlier
    if step["low"] is None:
        return pd.Series(True, index=frame.index)
    return values.isna() | values.between(step["low"], step["high"])


def _transformed(step: Step, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` after a (fitted) column step."""
    op = step["op"]
    if op == "rename":
        return frame.rename(columns={step["column"]: step["to"]})
    if op == "drop_columns":
        return frame.drop(columns=step["columns"])
    if op == "ratio":
        numerator = _series(frame, step["numerator"]).astype("float64")
        denominator = _series(frame, step["denominator"]).astype("float64")
        ratio = (numerator / denominator.where(denominator != 0)).astype("float64")
        return frame.assign(**{step["to"]: ratio})
    name = step["column"]
    values = _series(frame, name)
    if op == "date_parts":
        dates = values.dt
        parts = {
            f"{name}_{part}": getattr(dates, _PANDAS_PARTS.get(part, part)).astype("float64")
            for part in step["parts"]
        }
        return frame.assign(**parts)
    if op == "fill_missing":
        fill = step["fill"] if "fill" in step else step["value"]
        if pd.api.types.is_datetime64_any_dtype(values):
            fill = _timestamp(fill)
        if values.dtype == object:
            return frame.assign(**{name: values.where(values.notna(), fill)})
        return frame.assign(**{name: values.fillna(fill)})
    if op == "cast":
        return frame.assign(**{name: _cast(values, step["type"])})
    if op == "bin":
        return frame.assign(**{name: _ranges(values, step["edges"])})
    # group_rare
    rare = values.notna() & ~values.isin(step["keep"])
    return frame.assign(**{name: values.where(~rare, OTHER)})


def _cast(values: pd.Series, kind: str) -> pd.Series:
    """``values`` as ``kind``; a value that does not read as one becomes missing."""
    if kind == "numeric":
        if values.dtype == object and values.dropna().map(_is_yes_no).all():
            return values.map(float, na_action="ignore").astype("float64")
        return pd.to_numeric(values, errors="coerce").astype("float64")
    if kind == "boolean":
        yes_no = values.map(_yes_no, na_action="ignore").astype(object)
        return yes_no.where(yes_no.notna(), np.nan)
    if kind == "datetime":
        return pd.to_datetime(values, errors="coerce", format="mixed")
    if pd.api.types.is_datetime64_any_dtype(values):
        return values.map(lambda v: v.isoformat(), na_action="ignore").astype(object)
    return _as_labels(values)


def _is_yes_no(value: Any) -> bool:
    return isinstance(value, bool | np.bool_)


def _ranges(values: pd.Series, edges: list[float]) -> pd.Series:
    """Each number's range as a label between fitted ``edges``: "≤ 30", "30 – 45" (above 30, up
    to 45, as pandas' ``qcut`` closes ranges), "> 45"."""
    texts = [f"{edge:.6g}" for edge in edges]
    labels = (
        [f"≤ {texts[0]}"]
        + [f"{low} – {high}" for low, high in itertools.pairwise(texts)]
        + [f"> {texts[-1]}"]
        if edges
        else ["all"]
    )
    numbers = values.astype("float64").to_numpy()
    index = np.searchsorted(np.asarray(edges, dtype="float64"), numbers, side="left")
    result = np.asarray(labels, dtype=object)[np.minimum(index, len(labels) - 1)]
    result[np.isnan(numbers)] = np.nan
    return pd.Series(result, index=values.index, dtype=object)


@dataclass(frozen=True)
class Prepared:
    """A recipe's result: the rows and columns, the steps with what they learned, and which rows
    of the input each row came from (counted from 0)."""

    frame: pd.DataFrame
    columns: Columns
    fitted: list[Step]
    positions: np.ndarray


def run(
    frame: pd.DataFrame,
    schema: Sequence[dict[str, Any]],
    steps: Sequence[Step],
    cancel: CancelCheck = never_cancel,
) -> Prepared:
    """Apply parsed ``steps`` to ``frame``, fitting each one that is not fitted yet on the rows
    it meets."""
    frame = stored_form(frame.reset_index(drop=True), schema)
    columns: Columns = {column["name"]: column["type"] for column in schema}
    positions = np.arange(len(frame))
    fitted = []
    for number, step in enumerate(steps, start=1):
        check_cancel(cancel)
        try:
            step = step if _is_fitted(step) else _fit(step, frame)
        except _StepProblem as problem:
            raise UserError(f"{_step_label(number, step)}: {problem}") from None
        if step["op"] in ROW_OPS:
            keep = _kept(step, frame).to_numpy()
            if not keep.all():
                frame, positions = frame[keep], positions[keep]
        else:
            frame = _transformed(step, frame)
        columns = _columns_after(step, columns)
        fitted.append(step)
    return Prepared(frame.reset_index(drop=True), columns, fitted, positions)


_FITTED_KEYS = {
    "fill_missing": "fill",
    "remove_outliers": "low",
    "bin": "edges",
    "group_rare": "keep",
}
LEARNED = frozenset({"fill", "low", "high", "edges", "keep"})  # what fitting adds to a step


def _is_fitted(step: Step) -> bool:
    key = _FITTED_KEYS.get(step["op"])
    if key is None or (step["op"] == "fill_missing" and step["strategy"] == "constant"):
        return True
    return key in step


def to_table(frame: pd.DataFrame, columns: Columns) -> pa.Table:
    """A prepared frame as Arrow, each column in the Arrow type an import gives its type."""
    arrays = []
    for name, kind in columns.items():
        values = frame[name]
        if kind == "numeric":
            array = pa.array(values, from_pandas=True)
            if not pa.types.is_integer(array.type):
                array = array.cast(pa.float64())
        elif kind == "boolean":
            array = pa.array(values.astype(object), type=pa.bool_(), from_pandas=True)
        elif kind == "datetime":
            array = pa.array(values, type=pa.timestamp("us"), from_pandas=True)
        else:
            array = pa.array(values.astype(object), type=pa.string(), from_pandas=True)
        arrays.append(array)
    return pa.Table.from_arrays(arrays, names=list(columns))


# --- column steps at prediction time -------------------------------------------------------------


def travelling_steps(
    fitted: Sequence[Step], features: Sequence[str]
) -> tuple[list[Step], list[str]]:
    """The column steps a model needs to make ``features`` from raw columns, and those raw
    columns, found by walking the steps backwards. Row steps, steps on the target and steps on
    dropped columns stay behind."""
    needed = set(features)
    kept: list[Step] = []
    for step in reversed(fitted):
        op = step["op"]
        if op in ROW_OPS or op == "drop_columns":
            continue
        made = _made_by(step)
        if not needed & set(made):
            continue
        kept.append(step)
        needed = (needed - set(made)) | set(_read_by(step))
    return list(reversed(kept)), sorted(needed)


def _made_by(step: Step) -> list[str]:
    if step["op"] == "rename":
        return [step["to"]]
    if step["op"] == "ratio":
        return [step["to"]]
    if step["op"] == "date_parts":
        return [f"{step['column']}_{part}" for part in step["parts"]]
    return [step["column"]]


def _read_by(step: Step) -> list[str]:
    if step["op"] == "ratio":
        return [step["numerator"], step["denominator"]]
    return [step["column"]]


def feature_frame(frame: pd.DataFrame, features: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The model's input columns in the form its pipeline takes: yes/no as 1.0/0.0, categories
    as texts, gaps as NaN."""
    columns = {}
    for feature in features:
        series = frame[feature["name"]]
        if feature["type"] == "boolean":
            series = series.astype("float64")
        elif feature["type"] == "categorical":
            series = series.astype(object).where(series.notna(), np.nan)
        columns[feature["name"]] = series
    return pd.DataFrame(columns, index=frame.index)


def apply_columns(
    frame: pd.DataFrame, inputs: Sequence[dict[str, Any]], steps: Sequence[Step]
) -> pd.DataFrame:
    """Fitted column ``steps`` applied to raw rows with the columns ``inputs`` (as a request or
    a file gives them)."""
    frame = stored_form(frame, inputs)
    for step in steps:
        frame = _transformed(step, frame)
    return frame


# --- previewing a step ----------------------------------------------------------------------------

PREVIEW_ROWS = 2000  # the sample a step is previewed on


@dataclass(frozen=True)
class StepPreview:
    """What one step does to a sample: the rows before and after it, the columns it changed or
    added (named as after it), which sample rows it removed or changed, and a sentence saying so."""

    before: pd.DataFrame
    after: pd.DataFrame
    affected: list[str]
    removed: list[int]  # positions in ``before``
    summary: str
    changed: list[int] = field(default_factory=list)  # positions of rows with a changed value


def preview(
    sample: pd.DataFrame, schema: Sequence[dict[str, Any]], steps: Sequence[Step], index: int
) -> StepPreview:
    """Step ``index`` of the parsed ``steps`` on ``sample``, each step fitted on the sample."""
    before = run(sample, schema, steps[:index])
    step = steps[index]
    columns_before = [{"name": n, "type": t} for n, t in before.columns.items()]
    after = run(before.frame, columns_before, [step])
    removed = sorted(set(range(len(before.frame))) - set(after.positions.tolist()))
    if step["op"] in ROW_OPS:
        summary = (
            f"Removes {len(removed):,} of the {len(before.frame):,} sample rows."
            if removed
            else f"Removes none of the {len(before.frame):,} sample rows."
        )
        return StepPreview(before.frame, after.frame, [], removed, summary)
    if step["op"] == "drop_columns":
        return StepPreview(before.frame, after.frame, [], [], f"Drops {_names(step['columns'])}.")
    affected = [name for name in _made_by(step) if name in after.frame.columns]
    new = [name for name in affected if name not in before.frame.columns]
    differs = {
        name: _differs(before.frame[name], after.frame[name])
        for name in affected
        if name in before.frame.columns
    }
    changed = {name: int(rows.sum()) for name, rows in differs.items()}
    rows = np.flatnonzero(np.logical_or.reduce([r.to_numpy() for r in differs.values()]))
    if step["op"] == "rename":
        summary = f"Renames '{step['column']}' to '{step['to']}'."
        return StepPreview(before.frame, after.frame, affected, [], summary)
    if step["op"] == "cast":
        name = step["column"]
        was, now = _series(before.frame, name), _series(after.frame, name)
        lost = int((was.notna() & now.isna()).sum())
        summary = f"Makes '{name}' {step['type']}; " + (
            f"{lost:,} sample values did not read as {step['type']} and became missing."
            if lost
            else "every sample value read."
        )
        return StepPreview(before.frame, after.frame, affected, [], summary)
    sentences = [f"Adds {_names(new)}."] if new else []
    for name, count in changed.items():
        sentences.append(
            f"Changes {count:,} of the {len(before.frame):,} sample values of '{name}'."
        )
    if len(rows):
        sentences.append("The rows it changes are shown first.")
    changed_rows = [int(row) for row in rows]
    return StepPreview(before.frame, after.frame, affected, [], " ".join(sentences), changed_rows)


def _differs(old: "pd.Series[Any]", new: "pd.Series[Any]") -> "pd.Series[bool]":
    both_missing = old.isna() & new.isna()
    same = old.astype(object).eq(new.astype(object))
    changed: pd.Series[bool] = ~(same | both_missing)
    return changed
