"""The five column types an analyst sees, how they are guessed, and how a column is converted.

``numeric``, ``categorical``, ``boolean``, ``datetime`` and ``text`` (free text, too varied to be
categories). Decisions on string columns look at the distinct values of their first rows, so a
million-row column costs little more than a short one.
"""

import re
import warnings
from dataclasses import dataclass
from typing import cast

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pandas.tseries.api import guess_datetime_format

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.vocabulary import COLUMN_TYPES, ColumnType

MAX_CATEGORIES = 1000
MOSTLY_UNIQUE_MIN_ROWS = 20  # below this, too few rows to call a column free text
LONG_TEXT_CHARS = 50
SAMPLE_DISTINCT = 5000
PREFIX_ROWS = 100_000  # rows whose distinct values decide a text column's type
MIXED_SHARE = 0.8
_DATE_LIKE = re.compile(
    r"^\d{1,4}[-/.]\d{1,2}[-/.]\d{1,4}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$"
)
_GROUPED_COMMA_DECIMAL = re.compile(r"^[-+]?\d{1,3}(\.\d{3})+(,\d+)?$")
_TRUE = {"true", "yes", "y", "t", "1"}
_FALSE = {"false", "no", "n", "f", "0"}
# Words that make a text column yes/no when they are all it holds (the reader already turns
# true/false into booleans; 1/0 stay numbers).
_BOOLEAN_WORDS = [{"yes", "no"}, {"y", "n"}, {"true", "false"}, {"t", "f"}]


@dataclass(frozen=True)
class ColumnGuess:
    name: str
    type: ColumnType
    note: str | None = None  # e.g. mixed types, shown as a warning in the profile


def _as_numbers(values: pd.Series, decimal: str) -> pd.Series:
    """The values as numbers written with this decimal mark (NaN where one is not a number). With a
    decimal comma a point may group thousands, as in 1.234,5: Excel saves formatted numbers so."""
    if decimal == ",":
        grouped = values.str.match(_GROUPED_COMMA_DECIMAL)
        values = values.where(~grouped, values.str.replace(".", "", regex=False))
        values = values.where(~values.str.contains(".", regex=False))  # a point is no decimal mark
        values = values.str.replace(",", ".", regex=False)
    return pd.to_numeric(values, errors="coerce")


def _guess_string(name: str, column: pa.ChunkedArray, decimal: str = ".") -> ColumnGuess:
    """Decide from the first rows' distinct values; the whole column is only counted when it may
    be categorical (a column of few labels is cheap to count)."""
    non_null = len(column) - column.null_count
    if non_null == 0:
        return ColumnGuess(name, "categorical")
    prefix = column.slice(0, PREFIX_ROWS).drop_null()
    if len(prefix) == 0:
        prefix = column.drop_null()
    distinct = pc.unique(prefix)
    sample = pd.Series(distinct.slice(0, SAMPLE_DISTINCT).to_pylist(), dtype=object)
    stripped = sample.str.strip()
    words = set(stripped.str.lower())
    if any(words <= pair for pair in _BOOLEAN_WORDS):
        return ColumnGuess(name, "boolean")
    if stripped.str.match(_DATE_LIKE).all() and _parse_dates(stripped).notna().all():
        return ColumnGuess(name, "datetime")
    numbers = _as_numbers(stripped, decimal)
    if decimal == "," and numbers.notna().all():
        return ColumnGuess(name, "numeric")  # e.g. 1.234,5, which the CSV reader leaves as text
    number_share = float(numbers.notna().mean())
    note = None
    if number_share >= MIXED_SHARE:
        examples = ", ".join(f"'{value}'" for value in sample[numbers.isna()][:3])
        note = (
            f"mixed types: mostly numbers ({number_share:.0%} of its distinct values) but also "
            f"text such as {examples}"
        )
    mean_length = pc.mean(pc.utf8_length(prefix)).as_py() or 0
    if len(distinct) > MAX_CATEGORIES or mean_length >= LONG_TEXT_CHARS:
        return ColumnGuess(name, "text", note)
    n_distinct = pc.count_distinct(column).as_py()
    mostly_unique = non_null >= MOSTLY_UNIQUE_MIN_ROWS and n_distinct > non_null / 2
    if n_distinct <= MAX_CATEGORIES and not mostly_unique:
        return ColumnGuess(name, "categorical", note)
    return ColumnGuess(name, "text", note)


def guess_type(name: str, column: pa.ChunkedArray, decimal: str = ".") -> ColumnGuess:
    arrow_type = column.type
    if pa.types.is_boolean(arrow_type):
        return ColumnGuess(name, "boolean")
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return ColumnGuess(name, "numeric")
    if pa.types.is_decimal(arrow_type):
        return ColumnGuess(name, "numeric")
    if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
        return ColumnGuess(name, "datetime")
    if pa.types.is_null(arrow_type):
        return ColumnGuess(name, "categorical")
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return _guess_string(name, column, decimal)
    return ColumnGuess(name, "text")


def guess_types(table: pa.Table, decimal: str = ".") -> list[ColumnGuess]:
    return [guess_type(name, table.column(name), decimal) for name in table.column_names]


def _parse_dates(values: pd.Series) -> pd.Series:
    """Parse date strings; one format guessed from the values is fast, so it is tried first."""
    first_parts = values.str.extract(r"^(\d{1,4})[-/.]", expand=False).dropna().astype(int)
    day_first = bool((first_parts > 12).any() and (first_parts <= 31).all())
    present = values.dropna()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        guessed = (
            guess_datetime_format(present.iloc[0], dayfirst=day_first) if len(present) else None
        )
        if guessed is not None:
            parsed = pd.to_datetime(values, errors="coerce", format=guessed)
            if parsed.notna().sum() == len(present):
                return parsed
        return pd.to_datetime(values, errors="coerce", dayfirst=day_first, format="mixed")


def _strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    if pa.types.is_timestamp(column.type) or pa.types.is_date(column.type):
        return pc.strftime(column, format="%Y-%m-%d %H:%M:%S")
    return pc.cast(column, pa.string())


def convert(
    column: pa.ChunkedArray, target: ColumnType, name: str, decimal: str = "."
) -> tuple[pa.ChunkedArray, int]:
    """Convert ``column`` to the storage of ``target``; returns it and how many values became missing."""
    arrow_type = column.type
    before = column.null_count
    result: pa.ChunkedArray | pa.Array
    if target in ("categorical", "text"):
        result = column if pa.types.is_string(arrow_type) else _strings(column)
    elif target == "numeric":
        if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
            result = column
        elif pa.types.is_decimal(arrow_type):
            result = pc.cast(column, pa.float64())
        elif pa.types.is_boolean(arrow_type) or pa.types.is_null(arrow_type):
            result = pc.cast(column, pa.int64())
        elif pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            values = column.to_pandas().astype(object).str.strip()
            result = pa.array(_as_numbers(values, decimal), pa.float64())
        else:
            raise UserError(f"The column '{name}' holds dates or times; it cannot be made numeric.")
    elif target == "boolean":
        if pa.types.is_boolean(arrow_type):
            result = column
        elif pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
            result = pc.not_equal(column, 0)
        elif pa.types.is_null(arrow_type):
            result = pc.cast(column, pa.bool_())
        else:
            lowered = pc.utf8_lower(pc.utf8_trim_whitespace(_strings(column)))
            true_mask = pc.is_in(lowered, pa.array(sorted(_TRUE)))
            false_mask = pc.is_in(lowered, pa.array(sorted(_FALSE)))
            result = pc.if_else(
                true_mask,
                True,
                pc.if_else(false_mask, pa.scalar(False), pa.scalar(None, pa.bool_())),
            )
    elif target == "datetime":
        if pa.types.is_timestamp(arrow_type) or pa.types.is_date(arrow_type):
            result = column
        elif pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
            parsed = _parse_dates(column.to_pandas().astype(object).str.strip())
            result = pa.array(parsed.dt.tz_localize(None) if parsed.dt.tz else parsed)
        elif pa.types.is_null(arrow_type):
            result = pc.cast(column, pa.timestamp("us"))
        else:
            raise UserError(f"The column '{name}' holds numbers; it cannot be read as dates.")
    else:
        raise UserError(f"'{target}' is not a column type; use one of {', '.join(COLUMN_TYPES)}.")
    if isinstance(result, pa.Array):
        result = pa.chunked_array([result])
    result = _storage(result, target)
    return result, max(result.null_count - before, 0)


def _storage(column: pa.ChunkedArray, target: ColumnType) -> pa.ChunkedArray:
    """One physical type per logical type, so equal content hashes the same however it was read."""
    arrow_type = column.type
    if target == "datetime":
        if pa.types.is_timestamp(arrow_type) and arrow_type.tz is not None:
            column = pc.cast(column, pa.timestamp(arrow_type.unit))
        return cast(pa.ChunkedArray, pc.cast(column, pa.timestamp("us")))
    if target in ("categorical", "text") and not pa.types.is_string(arrow_type):
        return cast(pa.ChunkedArray, pc.cast(column, pa.string()))
    if target == "numeric" and not (
        pa.types.is_int64(arrow_type) or pa.types.is_float64(arrow_type)
    ):
        wanted = pa.int64() if pa.types.is_integer(arrow_type) else pa.float64()
        return cast(pa.ChunkedArray, pc.cast(column, wanted))
    return column
