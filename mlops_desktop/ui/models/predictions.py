"""The Predictions table of a run: its held-out rows with truth, prediction and probability (or
error) first, then the model's inputs, read from the run's predictions file (``core.experiments.
predictions``) a page at a time as the view paints. Filters — only the wrong predictions, or one
cell of the confusion matrix — keep a list of the file's rows, so they cost one comparison of two
columns, never a copy of the rows."""

import numbers
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow.parquet as pq
from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtGui import QBrush, QColor

from mlops_desktop.core.data.paging import ParquetPager
from mlops_desktop.core.experiments.predictions import (
    ERROR,
    PREDICTION,
    PROBABILITY,
    ROW,
    TRUTH,
    input_columns,
)
from mlops_desktop.core.formatting import SCORE_DECIMALS
from mlops_desktop.ui.models.tables import MISSING_BRUSH, Index, format_value

WRONG_BRUSH = QBrush(QColor("#f8d7da"))
OUTCOME_HEADERS = {
    TRUTH: ("Truth", "The true value of the held-out row"),
    PREDICTION: ("Prediction", "What the model predicted (tinted when wrong)"),
    PROBABILITY: ("Probability", "How sure the model was of its prediction (0 to 1)"),
    ERROR: ("Error", "The true value minus the prediction"),
}


class PredictionsModel(QAbstractTableModel):
    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self._pager: ParquetPager | None = None
        self._columns: list[int] = []  # the file's columns, in the order shown
        self._headers: list[str] = []
        self._places = np.zeros(0, dtype=np.int64)  # each file row's place in the dataset version
        self._truth = np.zeros(0, dtype=object)
        self._predicted = np.zeros(0, dtype=object)
        self._wrong = np.zeros(0, dtype=bool)
        self._rows = np.zeros(0, dtype=np.int64)  # the file rows shown, in order
        self.classification = False
        self.only_wrong = False
        self.cell: tuple[str, str] | None = None  # (true class, predicted class)

    def set_file(self, path: Path | None, task: str = "") -> None:
        """Show the predictions file at ``path`` (None: nothing), with no filter."""
        self.beginResetModel()
        if self._pager is not None:
            self._pager.close()
        self._pager = None if path is None else ParquetPager(path)
        self.classification = task == "classification"
        self.only_wrong, self.cell = False, None
        if self._pager is None or path is None:
            self._columns, self._headers = [], []
            self._places = np.zeros(0, dtype=np.int64)
            self._truth = self._predicted = np.zeros(0, dtype=object)
        else:
            names = self._pager.columns
            outcomes = [TRUTH, PREDICTION, PROBABILITY if self.classification else ERROR]
            shown = outcomes + input_columns(names)
            self._columns = [names.index(name) for name in shown]
            self._headers = [OUTCOME_HEADERS[n][0] for n in outcomes] + shown[len(outcomes) :]
            table = pq.read_table(path, columns=[ROW, TRUTH, PREDICTION])
            self._places = table.column(ROW).to_numpy()
            self._truth = np.asarray(table.column(TRUTH).to_pylist(), dtype=object)
            self._predicted = np.asarray(table.column(PREDICTION).to_pylist(), dtype=object)
        self._wrong = (
            self._truth != self._predicted
            if self.classification
            else np.zeros(len(self._truth), dtype=bool)
        )
        self._rows = self._chosen()
        self.endResetModel()

    def set_only_wrong(self, only: bool) -> None:
        """Show only the rows whose predicted class is not the true one."""
        self._refilter(only and self.classification, self.cell)

    def set_cell(self, cell: tuple[str, str] | None) -> None:
        """Show only the rows of true class ``cell[0]`` predicted as ``cell[1]`` (None: all)."""
        self._refilter(self.only_wrong, cell)

    def _refilter(self, only_wrong: bool, cell: tuple[str, str] | None) -> None:
        self.beginResetModel()
        self.only_wrong, self.cell = only_wrong, cell
        self._rows = self._chosen()
        self.endResetModel()

    def _chosen(self) -> np.ndarray:
        keep = np.ones(len(self._truth), dtype=bool)
        if self.only_wrong:
            keep &= self._wrong
        if self.cell is not None:
            keep &= (self._truth == self.cell[0]) & (self._predicted == self.cell[1])
        return np.flatnonzero(keep)

    @property
    def total(self) -> int:
        """How many held-out rows the run has (whatever is shown)."""
        return len(self._truth)

    @property
    def wrong(self) -> int:
        return int(self._wrong.sum())

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._columns)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or self._pager is None:
            return None
        row, column = int(self._rows[index.row()]), index.column()
        if role in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ForegroundRole,
            Qt.ItemDataRole.TextAlignmentRole,
        ):
            value = self._pager.cell(row, self._columns[column])
            if role == Qt.ItemDataRole.ForegroundRole:
                return MISSING_BRUSH if value is None else None
            if role == Qt.ItemDataRole.TextAlignmentRole:
                if isinstance(value, numbers.Real) and not isinstance(value, bool):
                    return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                return None
            if column == 2 and value is not None and self.classification:
                return f"{value:.{SCORE_DECIMALS}f}"
            return format_value(value, group_digits=False)
        wrong = column == 1 and bool(self._wrong[row])
        if role == Qt.ItemDataRole.BackgroundRole and wrong:
            return WRONG_BRUSH
        if role == Qt.ItemDataRole.ToolTipRole and wrong:
            return f"Wrong: the true class is {self._truth[row]}"
        return None

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation == Qt.Orientation.Vertical:
            if role != Qt.ItemDataRole.DisplayRole or not 0 <= section < len(self._rows):
                return None
            return f"{int(self._places[self._rows[section]]) + 1:,}"  # its row in the dataset
        if not 0 <= section < len(self._headers):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self._headers[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            if section < 3:
                name = (TRUTH, PREDICTION, PROBABILITY if self.classification else ERROR)[section]
                return OUTCOME_HEADERS[name][1]
            return "An input column, as the model took it"
        return None
