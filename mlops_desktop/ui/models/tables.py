"""Table models: lazy views over data, never QTableWidget.

``RecordsModel`` shows a short list of records (datasets, versions, profile rows) through column
specifications; ``DatasetRowsModel`` shows a stored dataset's rows, reading only what is painted.
"""

import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from mlops_desktop.core.paging import ParquetPager

Index = QModelIndex | QPersistentModelIndex
MISSING_BRUSH = QBrush(QColor("#9a9a9a"))
SORT_ROLE = Qt.ItemDataRole.UserRole + 1


def format_value(value: Any, group_digits: bool = True) -> str:
    """Display text for a cell: counts get digit grouping, data values are shown as stored."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):
        return f"{value:,}" if group_digits and abs(int(value)) >= 10_000 else str(value)
    if isinstance(value, numbers.Real):
        return _decimal_text(float(value), group_digits)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def _decimal_text(value: float, group_digits: bool) -> str:
    """About six significant digits in plain notation (1,234,567.5 → "1,234,568"; 0.0123456 →
    "0.0123456"); scientific notation only for the very large or very small."""
    if math.isnan(value) or math.isinf(value):
        return str(value)
    magnitude = abs(value)
    if magnitude and not 1e-4 <= magnitude < 1e15:
        return f"{value:.4g}"
    # Digits before the point (negative for 0.0x: leading zeros after it), then what is left of six.
    lead = math.floor(math.log10(magnitude)) + 1 if magnitude else 1
    decimals = max(0, 6 - lead)
    text = f"{value:{',' if group_digits else ''}.{min(decimals, 10)}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class Column:
    header: str
    value: Callable[[dict[str, Any]], Any]
    tooltip: str = ""
    align_right: bool = False


class RecordsModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._records: list[dict[str, Any]] = []

    def set_records(self, records: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._records = list(records)
        self.endResetModel()

    def record(self, row: int) -> dict[str, Any]:
        return self._records[row]

    @property
    def records(self) -> list[dict[str, Any]]:
        return self._records

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._records)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        column = self._columns[index.column()]
        record = self._records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return format_value(column.value(record))
        if role == SORT_ROLE:
            value = column.value(record)
            return value if isinstance(value, (int, float, str)) else format_value(value)
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(self._columns):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._columns[section].header
        if role == Qt.ItemDataRole.ToolTipRole and self._columns[section].tooltip:
            return self._columns[section].tooltip
        return None


class DatasetRowsModel(QAbstractTableModel):
    """A stored dataset version's rows; cells are read from Parquet only when painted."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._pager: ParquetPager | None = None
        self._types: list[str] = []

    def set_pager(self, pager: ParquetPager | None, types: Sequence[str] = ()) -> None:
        self.beginResetModel()
        if self._pager is not None:
            self._pager.close()
        self._pager = pager
        self._types = list(types)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._pager is None else self._pager.n_rows

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() or self._pager is None else len(self._pager.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._pager is None:
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return format_value(self._pager.cell(index.row(), index.column()), group_digits=False)
        if role == Qt.ItemDataRole.ForegroundRole:
            if self._pager.cell(index.row(), index.column()) is None:
                return MISSING_BRUSH
            return None
        if role == Qt.ItemDataRole.TextAlignmentRole and self._types[index.column()] == "numeric":
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if self._pager is None or role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self._pager.columns):
                return f"{self._pager.columns[section]}\n{self._types[section]}"
            return None
        return f"{section + 1:,}"
