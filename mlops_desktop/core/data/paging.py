"""Lazy, random access to the rows of a stored Parquet file, one column of one row group at a time.

A table view asks for the cells it paints; only the columns on screen of the row groups holding
those rows are read (a few milliseconds each), and the most recent ones are kept, so a million-row
dataset opens at once, scrolls without stalls and memory stays small.
"""

import bisect
import math
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

CACHED_PIECES = 400  # (row group, column) pieces kept: a few screens' worth


class ParquetPager:
    def __init__(self, path: Path) -> None:
        self._file = pq.ParquetFile(path, memory_map=True)
        metadata = self._file.metadata
        self.n_rows: int = metadata.num_rows
        self.columns: list[str] = list(self._file.schema_arrow.names)
        self._starts = [0]
        for index in range(metadata.num_row_groups):
            self._starts.append(self._starts[-1] + metadata.row_group(index).num_rows)
        self._cache: OrderedDict[tuple[int, int], pa.Array] = OrderedDict()

    def _piece(self, group: int, column: int) -> pa.Array:
        key = (group, column)
        piece = self._cache.get(key)
        if piece is None:
            table = self._file.read_row_group(group, columns=[self.columns[column]])
            piece = table.column(0).combine_chunks()
            self._cache[key] = piece
            if len(self._cache) > CACHED_PIECES:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        return piece

    def cell(self, row: int, column: int) -> Any:
        """The stored value, or None when it is missing."""
        group = bisect.bisect_right(self._starts, row) - 1
        value = self._piece(group, column)[row - self._starts[group]].as_py()
        return None if isinstance(value, float) and math.isnan(value) else value

    def close(self) -> None:
        self._cache.clear()
        self._file.close()
