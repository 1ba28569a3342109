"""Column profiles, plain-language warnings, content hashes and version-to-version changes.

All of it runs on whole Arrow or numpy arrays (never a Python object per value), with kernels that
release the GIL, so the import can run the profile beside its other passes.
"""

import hashlib
import json
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from mlops_desktop.core.vocabulary import counted, share_text

HISTOGRAM_BINS = 20
TOP_CATEGORIES = 10
ID_LIKE_MIN_ROWS = 20
PROFILE_THREADS = 2


def _number(value: Any) -> float | None:
    if value is None:
        return None
    number = float(value)
    return None if np.isnan(number) or np.isinf(number) else number


def _sorted_numbers(column: pa.ChunkedArray) -> np.ndarray[Any, Any]:
    """The present numbers or times (as microseconds) of ``column``, NaN left out, sorted: the one
    sort gives the distinct count, the median and the histogram's counts."""
    values = column.drop_null()
    if pa.types.is_timestamp(values.type):
        values = pc.cast(values, pa.int64())
    array: np.ndarray[Any, Any] = values.to_numpy()
    if array.flags.writeable:  # a copy already (the chunks joined): sorted where it is
        array.sort()
    else:
        array = np.sort(array)
    if array.dtype.kind == "f" and len(array) and np.isnan(array[-1]):
        array = array[: np.searchsorted(array, np.nan)]  # NaN sorts last
    return array


def _distinct_count(ordered: np.ndarray[Any, Any]) -> int:
    """Distinct values of a sorted array (a sort is cheaper than hashing numbers)."""
    if len(ordered) == 0:
        return 0
    return int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1


def _numeric_summary(column: pa.ChunkedArray, ordered: np.ndarray[Any, Any]) -> dict[str, Any]:
    """Min, max, mean and spread from Arrow's kernels over the finite values in row order; median
    and histogram from ``ordered`` (the column's values, sorted)."""
    values = column.drop_null()
    if pa.types.is_floating(values.type):
        values = values.filter(pc.is_finite(values))
        ordered = ordered[
            np.searchsorted(ordered, -np.inf, side="right") : np.searchsorted(ordered, np.inf)
        ]
    if len(values) == 0:
        return {}
    as_float = pc.cast(values, pa.float64(), safe=False)  # IDs beyond 2**53 lose digits, fine here
    minimum, maximum = pc.min_max(as_float).values()
    ordered = ordered.astype(np.float64, copy=False)
    return {
        "min": _number(minimum.as_py()),
        "max": _number(maximum.as_py()),
        "mean": _number(pc.mean(as_float).as_py()),
        "median": _number(_median(ordered)),
        "std": _number(pc.stddev(as_float, ddof=1).as_py()) if len(ordered) > 1 else 0.0,
        "histogram": _histogram(ordered),
    }


def _median(ordered: np.ndarray[Any, Any]) -> float:
    """What ``np.median`` gives, read from sorted values."""
    middle = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[middle])
    return float(np.mean(ordered[middle - 1 : middle + 1]))


def _histogram(ordered: np.ndarray[Any, Any]) -> dict[str, Any]:
    """Counts and edges of equal bins over sorted finite floats, as ``np.histogram`` gives them
    (counted by binary search, since the values are sorted); one bin when the values are too
    close together for distinct float edges (a constant column of large numbers, such as a
    timestamp in milliseconds)."""
    low, high = float(ordered[0]), float(ordered[-1])
    try:
        with np.errstate(over="ignore", invalid="ignore"):  # a range wider than floats can hold
            edges = np.histogram_bin_edges(ordered[[0, -1]], bins=HISTOGRAM_BINS)
            if np.all(edges[1:] > edges[:-1]):
                below = np.searchsorted(ordered, edges[1:-1], side="left")
                counts = np.diff(below, prepend=0, append=len(ordered))
            else:  # edges that float spacing merged: numpy's own rule places the values
                counts, edges = np.histogram(ordered, bins=HISTOGRAM_BINS)
        if not np.isfinite(edges).all():
            raise ValueError("range too wide for equal bins")
    except ValueError:
        pad = max(abs(low), abs(high)) * 1e-9 or 0.5
        edges = (
            np.array([low - pad, high + pad]) if np.isfinite(high - low) else np.array([low, high])
        )
        return {"counts": [len(ordered)], "edges": [float(edge) for edge in edges]}
    return {"counts": [int(count) for count in counts], "edges": [float(edge) for edge in edges]}


def _datetime_summary(column: pa.ChunkedArray, ordered: np.ndarray[Any, Any]) -> dict[str, Any]:
    if len(ordered) == 0:
        return {}
    minimum, maximum = pc.min_max(column).values()
    return {
        "min": minimum.as_py().isoformat(),
        "max": maximum.as_py().isoformat(),
        "histogram": {**_histogram(ordered / 1e6), "epoch": True},  # seconds since 1970
    }


def value_label(value: Any) -> str:
    """A value as the analyst reads it: booleans as yes/no, as everywhere in the app."""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    return str(value)


def _top_categories(column: pa.ChunkedArray) -> tuple[int, list[dict[str, Any]]]:
    """How many distinct present values, and the most frequent ones with their counts.

    Dictionary-encoding once and counting codes is about twice as fast as ``value_counts``, and
    works chunk by chunk without copying the column."""
    encoded = pc.dictionary_encode(column)  # one dictionary shared by every chunk
    if encoded.num_chunks == 0 or len(encoded.chunk(0).dictionary) == 0:
        return 0, []
    dictionary = encoded.chunk(0).dictionary
    codes = pa.chunked_array([chunk.indices for chunk in encoded.chunks]).drop_null().to_numpy()
    counts = np.bincount(codes, minlength=len(dictionary))
    top = np.argsort(-counts, kind="stable")[:TOP_CATEGORIES]
    values = dictionary.take(pa.array(top)).to_pylist()
    return len(dictionary), [
        {"value": value_label(value), "count": int(counts[index])}
        for value, index in zip(values, top, strict=True)
    ]


def missing_warning(entry: dict[str, Any], n_rows: int) -> str | None:
    """ "'Income' is missing in 381 rows (8.6 %)…", for a column with gaps (None without)."""
    if not entry["missing"]:
        return None
    return (
        f"'{entry['name']}' is missing in {counted(entry['missing'], 'row')} "
        f"({share_text(entry['missing'], n_rows)}): fill the gaps or leave the column out."
    )


def column_warnings(entry: dict[str, Any], n_rows: int, id_like_type: bool) -> list[str]:
    """Plain-language warnings about one profiled column (``id_like_type``: it holds whole
    numbers or text, the types an ID is written in)."""
    name, warnings = entry["name"], []
    non_null = n_rows - entry["missing"]
    if non_null == 0:
        return [f"'{name}' is empty: every value is missing."]
    if entry["unique"] == 1:
        warnings.append(f"'{name}' has the same value in every row, so it cannot help a model.")
    missing = missing_warning(entry, n_rows)
    if missing:
        warnings.append(missing)
    if id_like_type and n_rows >= ID_LIKE_MIN_ROWS and entry["unique"] == non_null == n_rows:
        warnings.append(
            f"'{name}' has a different value in every row, like an ID; models usually "
            "should not learn from it."
        )
    if entry.get("note"):
        warnings.append(f"'{name}' has {entry['note']}.")
    return warnings


def _profile_column(
    name: str, column: pa.ChunkedArray, column_type: str, note: str | None, n_rows: int
) -> dict[str, Any]:
    missing = column.null_count
    if pa.types.is_floating(column.type):
        missing += int(pc.sum(pc.is_nan(column)).as_py() or 0)
    entry: dict[str, Any] = {
        "name": name,
        "type": column_type,
        "missing": missing,
        "missing_share": missing / n_rows if n_rows else 0.0,
    }
    if note:
        entry["note"] = note
    if column_type in ("numeric", "datetime"):
        ordered = _sorted_numbers(column)
        entry["unique"] = _distinct_count(ordered)
        summary = _numeric_summary if column_type == "numeric" else _datetime_summary
        entry.update(summary(column, ordered))
    else:
        entry["unique"], entry["top"] = _top_categories(column)
    id_like_type = pa.types.is_integer(column.type) or pa.types.is_string(column.type)
    entry["warnings"] = column_warnings(entry, n_rows, id_like_type)
    return entry


def profile(table: pa.Table, types: Sequence[str], notes: dict[str, str]) -> dict[str, Any]:
    """Per-column statistics, a histogram or top categories, and warnings.

    Columns are profiled side by side on threads: the kernels release the GIL."""
    names = table.column_names
    with ThreadPoolExecutor(PROFILE_THREADS) as pool:
        columns = list(
            pool.map(
                lambda name, kind: _profile_column(
                    name, table.column(name), kind, notes.get(name), table.num_rows
                ),
                names,
                types,
            )
        )
    return {"rows": table.num_rows, "columns": columns}


def _column_digest(digest: "hashlib._Hash", column: pa.ChunkedArray) -> None:
    """Feed one column's validity, string lengths and value bytes to ``digest``.

    Each of the three streams is hashed chunk by chunk on its own, so the result does not depend
    on how the column is split into chunks, and no chunk is copied into one big array."""
    validity, lengths, values = hashlib.sha256(), hashlib.sha256(), hashlib.sha256()
    is_text = pa.types.is_string(column.type) or pa.types.is_large_string(column.type)
    for chunk in column.chunks:
        valid = pc.is_valid(chunk).to_numpy(zero_copy_only=False)
        validity.update(valid)
        if is_text:
            offsets = _offsets(chunk)
            widths = np.diff(offsets)
            if chunk.null_count and widths[~valid].any():  # a missing value's slot holds bytes
                chunk = chunk.fill_null("")
                offsets = _offsets(chunk)
                widths = np.diff(offsets)
            lengths.update(widths.astype(np.int64).data)
            data = chunk.buffers()[2]
            if data is not None:
                values.update(memoryview(data)[int(offsets[0]) : int(offsets[-1])])
            continue
        if pa.types.is_timestamp(chunk.type):
            chunk = pc.cast(chunk, pa.int64())
        if pa.types.is_boolean(chunk.type):
            chunk = pc.cast(chunk, pa.uint8())
        values.update(np.ascontiguousarray(chunk.fill_null(0).to_numpy(zero_copy_only=False)).data)
    for part in (validity, lengths, values):
        digest.update(part.digest())


def _offsets(chunk: pa.Array) -> np.ndarray[Any, Any]:
    """Where each string of a text chunk starts in its data buffer, and where the last ends."""
    width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
    offsets: np.ndarray[Any, Any] = np.frombuffer(chunk.buffers()[1], dtype=width)
    return offsets[chunk.offset : chunk.offset + len(chunk) + 1]


def _canonical(column: pa.ChunkedArray, kind: str) -> pa.ChunkedArray:
    """Numbers hash by value: a float column holding only whole numbers hashes like the same
    integers, so "59" and "59.0" (as one tool or another writes them) are the same content."""
    if kind != "numeric" or not pa.types.is_floating(column.type):
        return column
    values = column.drop_null()
    if (
        len(values)
        and not pc.all(
            pc.and_(pc.equal(pc.floor(values), values), pc.less_equal(pc.abs(values), float(2**53)))
        ).as_py()
    ):
        return column
    return cast(pa.ChunkedArray, pc.cast(column, pa.int64()))


def content_hash(table: pa.Table, types: Sequence[str]) -> str:
    """SHA-256 over the schema (names, types) and every value of every row."""
    digest = hashlib.sha256()
    columns = [
        _canonical(table.column(name), kind)
        for name, kind in zip(table.column_names, types, strict=True)
    ]
    schema = [
        [name, kind, str(column.type)]
        for name, kind, column in zip(table.column_names, types, columns, strict=True)
    ]
    digest.update(json.dumps(schema).encode())
    for column in columns:
        _column_digest(digest, column)
    return digest.hexdigest()


def _row_hashes(frame: pd.DataFrame) -> pd.Series:
    return pd.util.hash_pandas_object(frame, index=False)


def _comparable(old: pd.DataFrame, new: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Give each shared column one dtype in both frames, so equal values hash equal: integers come
    back from Arrow as floats once a value is missing, booleans as objects, 59.0 may have become 59."""
    old, new = old.copy(), new.copy()
    for name in old.columns:
        if old[name].dtype == new[name].dtype:
            continue
        numeric = all(
            pd.api.types.is_numeric_dtype(frame[name])
            and not pd.api.types.is_bool_dtype(frame[name])
            for frame in (old, new)
        )
        dtype: np.dtype[Any] = np.dtype("float64") if numeric else np.dtype(object)
        old[name], new[name] = old[name].astype(dtype), new[name].astype(dtype)
    return old, new


def changes_between(
    old_schema: list[dict[str, str]],
    old_rows: pd.DataFrame,
    new_schema: list[dict[str, str]],
    new_rows: pd.DataFrame,
) -> dict[str, Any]:
    """What changed from one version to the next: rows added/removed, columns added/removed/retyped.

    Rows are compared as multisets on the columns both versions share.
    """
    old_types = {column["name"]: column["type"] for column in old_schema}
    new_types = {column["name"]: column["type"] for column in new_schema}
    shared = [name for name in new_types if name in old_types]
    if shared:
        old_shared, new_shared = _comparable(old_rows[shared], new_rows[shared])
        old_counts = _row_hashes(old_shared).value_counts()
        new_counts = _row_hashes(new_shared).value_counts()
        difference = new_counts.sub(old_counts, fill_value=0)
        added, removed = int(difference.clip(lower=0).sum()), int((-difference).clip(lower=0).sum())
    else:
        added, removed = len(new_rows), len(old_rows)
    return {
        "rows_added": added,
        "rows_removed": removed,
        "columns_added": [name for name in new_types if name not in old_types],
        "columns_removed": [name for name in old_types if name not in new_types],
        "columns_retyped": [
            {"name": name, "from": old_types[name], "to": new_types[name]}
            for name in shared
            if old_types[name] != new_types[name]
        ],
    }


def describe_changes(changes: dict[str, Any] | None) -> str:
    """One line for the versions list, e.g. "120 rows added, 3 removed; new columns: age"."""
    if not changes:
        return "first version"
    parts = []
    added, removed = changes["rows_added"], changes["rows_removed"]
    if added and removed:
        parts.append(f"{counted(added, 'row')} added, {removed:,} removed")
    elif added or removed:
        parts.append(f"{counted(added or removed, 'row')} {'added' if added else 'removed'}")
    if changes["columns_added"]:
        added = changes["columns_added"]
        parts.append(f"new column{'s' if len(added) > 1 else ''}: " + ", ".join(added))
    if changes["columns_removed"]:
        gone = changes["columns_removed"]
        parts.append(f"removed column{'s' if len(gone) > 1 else ''}: " + ", ".join(gone))
    for retyped in changes["columns_retyped"]:
        parts.append(f"'{retyped['name']}' now {retyped['to']} (was {retyped['from']})")
    return "; ".join(parts) or "same rows in a different order"
