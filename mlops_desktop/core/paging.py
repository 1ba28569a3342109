"""Lazy, random access to the rows of a stored Parquet file, one row group at a time.

A table view asks for the cells it paints; only the row groups holding those rows are read, and the
few most recent are kept, so a million-row dataset opens at once and memory stays small.
"""

import bisect
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq

CACHED_GROUPS = 6


class ParquetPager:
    def __init__(self, path: Path) -> None:
        self._file = pq.ParquetFile(path, memory_map=True)
        metadata = self._file.metadata
        self.n_rows: int = metadata.num_rows
        self.columns: list[str] = list(self._file.schema_arrow.names)
        self._starts = [0]
        for index in range(metadata.num_row_groups):
            self._starts.append(self._starts[-1] + metadata.row_group(index).num_rows)
        self._cache: OrderedDict[int, pd.DataFrame] = OrderedDict()

    def _group(self, index: int) -> pd.DataFrame:
        frame = self._cache.get(index)
        if frame is None:
            frame = self._file.read_row_group(index).to_pandas()
            self._cache[index] = frame
            if len(self._cache) > CACHED_GROUPS:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(index)
        return frame

    def cell(self, row: int, column: int) -> Any:
        group = bisect.bisect_right(self._starts, row) - 1
        value: Any = self._group(group).iat[row - self._starts[group], column]
        return None if value is None or (not isinstance(value, str) and pd.isna(value)) else value

    def close(self) -> None:
        self._cache.clear()
        self._file.close()
