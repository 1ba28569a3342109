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
import pandas as pd
from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor, QFont
from PySide6.QtWidgets import QAbstractItemView, QTableView

from mlops_desktop.core import formatting
from mlops_desktop.core.data.paging import ParquetPager

Index = QModelIndex | QPersistentModelIndex
MISSING_BRUSH = QBrush(QColor("#9a9a9a"))


def format_value(value: Any, group_digits: bool = True) -> str:
    """Display text for a cell: counts get digit grouping, data values are shown as stored."""
    if value is None:
        return "—"
    if isinstance(value, (bool, np.bool_)):
        return "yes" if value else "no"
    if isinstance(value, numbers.Integral):  # a count: grouped (1,419), as formatting writes it
        return formatting.count(int(value)) if group_digits else str(value)
    if isinstance(value, numbers.Real):
        return _decimal_text(float(value), group_digits)
    if isinstance(value, datetime):
        return value.isoformat(sep=" ", timespec="seconds").removesuffix(" 00:00:00")
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)


def local_time(iso_utc: str, seconds: bool = False) -> str:
    """A stored UTC time as the user's local date and time, to the minute (or the second)."""
    moment = datetime.fromisoformat(iso_utc).astimezone()
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


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
    highlighted: Callable[[dict[str, Any]], bool] | None = None  # a tinted background
    bold: Callable[[dict[str, Any]], bool] | None = None
    decimals: int | None = None  # numbers shown grouped with this many decimals: 0.972, 1,240
    shown: Callable[[dict[str, Any]], str] | None = None  # the text, where not the value's own
    cell_tooltip: Callable[[dict[str, Any]], str | None] | None = None  # a cell's own tooltip

    def text(self, record: dict[str, Any]) -> str:
        if self.shown is not None:
            return self.shown(record)
        value = self.value(record)
        if self.decimals is not None and isinstance(value, numbers.Real):
            return f"{float(value):,.{self.decimals}f}"
        return format_value(value)


HIGHLIGHT_BRUSH = QBrush(QColor("#fff3c4"))
LONG_TEXT = 30  # characters; longer cells also show their text as a tooltip
NAME_WIDTH = 200  # pixels at most for a column's name; a longer one is cut, whole in its tooltip


class RecordsModel(QAbstractTableModel):
    """Records shown through column specifications; sorts and filters itself in Python (one key
    function per sort, not a Qt comparison per pair), so ten thousand rows sort in milliseconds."""

    def __init__(self, columns: Sequence[Column], parent: Any = None) -> None:
        super().__init__(parent)
        self._columns = list(columns)
        self._all: list[dict[str, Any]] = []
        self._records: list[dict[str, Any]] = []  # the shown ones, in the shown order
        self._filter = ""
        self._sort: tuple[int, Qt.SortOrder] | None = None

    def set_records(self, records: Sequence[dict[str, Any]]) -> None:
        self.beginResetModel()
        self._all = list(records)
        self._records = self._arranged()
        self.endResetModel()

    def set_filter(self, text: str) -> None:
        """Show only records with ``text`` in any shown cell (case-insensitive)."""
        self.beginResetModel()
        self._filter = text.strip().lower()
        self._records = self._arranged()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sort by a column; a negative column restores the order the records came in."""
        self.layoutAboutToBeChanged.emit()
        self._sort = (column, order) if column >= 0 else None
        self._records = self._arranged()
        self.layoutChanged.emit()

    def _arranged(self) -> list[dict[str, Any]]:
        records = self._all
        if self._filter:
            records = [
                record
                for record in records
                if any(self._filter in c.text(record).lower() for c in self._columns)
            ]
        if self._sort is not None:
            column, order = self._sort
            value = self._columns[column].value

            def key(record: dict[str, Any]) -> tuple[int, float, str]:
                item = value(record)
                if isinstance(item, (int, float)) and not isinstance(item, bool):
                    return (0, float(item), "")  # numbers before text, never compared with it
                return (1, 0.0, str(item).lower())

            # Missing values go last whichever way the column is sorted.
            present = [r for r in records if value(r) is not None]
            missing = [r for r in records if value(r) is None]
            present.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
            records = present + missing
        return list(records)

    def column_changed(self, column: int) -> None:
        """A column's values changed (they are read through its specification): repaint it."""
        if self._records:
            last = len(self._records) - 1
            self.dataChanged.emit(self.index(0, column), self.index(last, column))

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
        column, record = self._columns[index.column()], self._records[index.row()]
        if role == Qt.ItemDataRole.DisplayRole:
            return column.text(record)
        if role == Qt.ItemDataRole.ToolTipRole and column.cell_tooltip:
            return column.cell_tooltip(record)
        if role == Qt.ItemDataRole.ToolTipRole:  # the whole text of a long cell
            text = column.text(record)
            return text if len(text) > LONG_TEXT else None
        if role == Qt.ItemDataRole.TextAlignmentRole and column.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.BackgroundRole and column.highlighted:
            return HIGHLIGHT_BRUSH if column.highlighted(record) else None
        if role == Qt.ItemDataRole.FontRole and column.bold and column.bold(record):
            font = QFont()
            font.setBold(True)
            return font
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


class TippedRecordsModel(RecordsModel):
    """Records whose cells in some columns explain themselves in a tooltip."""

    def __init__(
        self,
        columns: list[Column],
        tips: dict[str, Callable[[dict[str, Any]], str]],
        parent: Any = None,
    ) -> None:
        super().__init__(columns, parent)
        headers = [column.header for column in columns]
        self._tips = {headers.index(header): tip for header, tip in tips.items()}

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        tip = self._tips.get(index.column()) if index.isValid() else None
        if role == Qt.ItemDataRole.ToolTipRole and tip is not None:
            return tip(self.record(index.row()))
        return super().data(index, role)


def table_view(name: str, sortable: bool = True) -> QTableView:
    """A table of records: whole rows selected one at a time, shown in the stored order until a
    header is clicked (when ``sortable``)."""
    view = QTableView()
    view.setObjectName(name)
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)  # stored order
    view.setSortingEnabled(sortable)
    view.verticalHeader().hide()
    view.verticalHeader().setDefaultSectionSize(24)
    view.horizontalHeader().setStretchLastSection(True)
    return view


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


REMOVED_BRUSH = QBrush(QColor("#f8d7da"))


class FrameModel(QAbstractTableModel):
    """A small pandas frame (a preview sample), with chosen columns tinted and chosen rows
    marked as removed."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._frame = pd.DataFrame()
        self._highlighted: set[str] = set()
        self._removed: set[int] = set()

    def set_frame(
        self,
        frame: pd.DataFrame,
        highlighted: Sequence[str] = (),
        removed: Sequence[int] = (),
    ) -> None:
        self.beginResetModel()
        self._frame = frame
        self._highlighted = set(highlighted)
        self._removed = set(removed)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._frame)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._frame.columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ForegroundRole):
            value = self._frame.iat[index.row(), index.column()]
            missing = value is None or (isinstance(value, float) and math.isnan(value))
            missing = missing or value is pd.NaT
            if role == Qt.ItemDataRole.ForegroundRole:
                return MISSING_BRUSH if missing else None
            return "—" if missing else format_value(_plain(value), group_digits=False)
        if role == Qt.ItemDataRole.BackgroundRole:
            if index.row() in self._removed:
                return REMOVED_BRUSH
            if self._frame.columns[index.column()] in self._highlighted:
                return HIGHLIGHT_BRUSH
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if role != Qt.ItemDataRole.DisplayRole:
            return None
        if orientation == Qt.Orientation.Horizontal:
            return str(self._frame.columns[section]) if section < len(self._frame.columns) else None
        if section >= len(self._frame):
            return None
        label = self._frame.index[section]  # the row's number in the sample, counted from 1
        return f"{label + 1:,}" if isinstance(label, int | np.integer) else str(label)


def _plain(value: Any) -> Any:
    """A numpy or pandas scalar as the Python value ``format_value`` knows."""
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, pd.Timestamp):
        return value.to_pydatetime()
    return value


def fit_column_names(view: QTableView, narrowest: int, widest: int = NAME_WIDTH) -> None:
    """Make each column of ``view`` as wide as its header (its name), between ``narrowest``
    and ``widest`` pixels; the data is not measured, so this is instant for any size."""
    header = view.horizontalHeader()
    for column in range(header.count()):
        header.resizeSection(column, min(max(header.sectionSizeHint(column), narrowest), widest))
