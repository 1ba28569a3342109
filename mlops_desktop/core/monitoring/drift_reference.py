"""The reference a window is compared with, summarised once per column: for a number, its sorted
values, spread, PSI bins and histogram; for a category, its counts, shares and common values. A
``Reference`` is built once and serves every window checked against it (``drift.check_drift``).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]
PSI_BINS = 10
HISTOGRAM_BINS = 20
COMMON_VALUES = 50  # how many of a column's values the chance of a one-value window looks at
BOOLEAN_LABELS = {1.0: "yes", 0.0: "no"}


@dataclass(frozen=True)
class NumericReference:
    name: str
    said: str  # how sentences name it: 'income', or "the predictions"
    rows: int
    missing: int  # NaN
    infinite: int
    values: FloatArray  # the finite values, sorted
    std: float | None  # ddof=1; None under two values
    psi_edges: FloatArray  # inner edges of the PSI bins
    psi_shares: FloatArray
    histogram_edges: FloatArray  # equal-width edges (two equal edges: one value)
    common_shares: FloatArray  # the shares of the most common values (the constant finding)

    @property
    def count(self) -> int:
        return len(self.values)


@dataclass(frozen=True)
class CategoricalReference:
    name: str
    said: str
    rows: int
    missing: int
    boolean: bool
    categories: list[str]  # most frequent first
    counts: IntArray
    index: dict[str, int] = field(repr=False)
    dates: bool = False  # a date column: not compared (``_dates_not_compared``)

    @property
    def count(self) -> int:
        return int(self.counts.sum())


ColumnReference = NumericReference | CategoricalReference


class Reference:
    """A reference sample prepared once (sorted numeric values, category counts, missing shares,
    spread, quantile bins, histogram bins) and reused for many current windows."""

    def __init__(
        self,
        rows: int,
        columns: list[ColumnReference],
        prediction: ColumnReference | None = None,
    ) -> None:
        self.rows = rows
        self.columns = columns
        self.prediction = prediction

    @classmethod
    def of(
        cls,
        frame: pd.DataFrame,
        schema: list[dict[str, Any]],
        prediction: dict[str, Any] | None = None,
    ) -> "Reference":
        """Prepare ``frame`` (the model's inputs, as ``scoring.prepare`` gives them) for the
        columns of ``schema``; ``prediction`` names a column of ``frame`` holding the model's
        predictions (``{"name": ..., "type": "numeric" | "categorical"}``, and optionally
        ``"said"``: how sentences name it, such as "the predictions"; else the quoted name)."""
        rows = len(frame)
        columns = [_reference_column(frame, spec, rows) for spec in schema]
        predicted = _reference_column(frame, prediction, rows) if prediction else None
        return cls(rows, columns, predicted)


def _reference_column(frame: pd.DataFrame, spec: Mapping[str, Any], rows: int) -> ColumnReference:
    name = str(spec["name"])
    kind = str(spec.get("type", "categorical"))
    said = str(spec.get("said", f"'{name}'"))
    series = column_values(frame, name, rows)
    if kind == "numeric":
        numbers = as_numbers(series)
        missing = int(np.isnan(numbers).sum())
        values = np.sort(numbers[np.isfinite(numbers)])
        with np.errstate(all="ignore"):  # values near the float limit: an infinite spread
            std = float(np.std(values, ddof=1)) if len(values) > 1 else None
            psi_edges = _psi_edges(values)
            histogram_edges = histogram_edges_of(values)
        return NumericReference(
            name=name,
            said=said,
            rows=rows,
            missing=missing,
            infinite=len(numbers) - missing - len(values),
            values=values,
            std=std,
            psi_edges=psi_edges,
            psi_shares=shares_of(bin_counts(values, psi_edges)),
            histogram_edges=histogram_edges,
            common_shares=_common_shares(np.unique(values, return_counts=True)[1]),
        )
    if kind == "datetime":  # not compared; only its values are counted, for the report
        present = int(series.notna().sum())
        return CategoricalReference(
            name, said, rows, rows - present, False, [], np.array([present]), {}, dates=True
        )
    labels, counts, missing = category_counts(series, boolean=kind == "boolean")
    order = np.argsort(-counts, kind="stable")
    categories = [labels[i] for i in order]
    return CategoricalReference(
        name=name,
        said=said,
        rows=rows,
        missing=missing,
        boolean=kind == "boolean",
        categories=categories,
        counts=counts[order],
        index={label: i for i, label in enumerate(categories)},
    )


def column_values(frame: pd.DataFrame, name: str, rows: int) -> "pd.Series[Any]":
    if name in frame.columns:
        column = frame[name]
        if isinstance(column, pd.DataFrame):  # a repeated column name: the first one
            column = column.iloc[:, 0]
        return column
    return pd.Series(np.full(rows, np.nan), dtype="float64")


def as_numbers(series: "pd.Series[Any]") -> FloatArray:
    if pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        try:
            return np.asarray(series.to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError):
            pass
    converted = pd.to_numeric(series, errors="coerce")
    return np.asarray(converted.to_numpy(dtype=np.float64, na_value=np.nan))


def _label(value: Any, boolean: bool) -> str:
    if boolean and isinstance(value, int | float) and value in BOOLEAN_LABELS:
        return BOOLEAN_LABELS[float(value)]
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # 3.0 read from a number column is the category "3"
    return str(value)


def category_counts(series: "pd.Series[Any]", boolean: bool) -> tuple[list[str], IntArray, int]:
    """The labels, their counts and the number of missing values."""
    try:
        counted = series.value_counts(dropna=True, sort=False)
    except TypeError:  # unhashable values: count their text
        counted = series.map(str, na_action="ignore").value_counts(dropna=True, sort=False)
    missing = len(series) - int(counted.sum())
    merged: dict[str, int] = {}
    for key, count in zip(counted.index.tolist(), counted.to_numpy().tolist(), strict=True):
        if count:
            label = _label(key, boolean)
            merged[label] = merged.get(label, 0) + int(count)
    return list(merged), np.array(list(merged.values()), dtype=np.int64), missing


def _common_shares(counts: IntArray) -> FloatArray:
    """The shares of the ``COMMON_VALUES`` most common values among ``counts``."""
    total = counts.sum()
    if not total:
        return np.empty(0)
    return np.asarray(np.sort(counts)[::-1][:COMMON_VALUES] / total, dtype=np.float64)


def _psi_edges(values: FloatArray) -> FloatArray:
    if len(values) == 0:
        return np.empty(0)
    quantiles = np.quantile(values, np.arange(1, PSI_BINS) / PSI_BINS)
    return np.asarray(np.unique(quantiles), dtype=np.float64)


def bin_counts(values: FloatArray, inner_edges: FloatArray) -> IntArray:
    """Counts of sorted ``values`` in (-inf, e1], (e1, e2], …, (ek, inf)."""
    cumulative = np.searchsorted(values, inner_edges, side="right")
    return np.diff(np.concatenate([[0], cumulative, [len(values)]])).astype(np.int64)


def shares_of(counts: IntArray) -> FloatArray:
    total = counts.sum()
    return counts / total if total else np.zeros(len(counts))


def histogram_edges_of(values: FloatArray) -> FloatArray:
    if len(values) == 0:
        return np.empty(0)
    low, high = (float(v) for v in np.quantile(values, [0.01, 0.99]))
    if not high > low:
        low, high = float(values[0]), float(values[-1])
    if not high > low:
        return np.array([low, low])
    with np.errstate(over="ignore", invalid="ignore"):
        edges = np.linspace(low, high, HISTOGRAM_BINS + 1)
    return edges if np.isfinite(edges).all() else np.array([low, high])
