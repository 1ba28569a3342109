"""The Monitoring report's table: one row per input column (the predictions first) with its test,
size of change and a sparkline of its recent days."""

from typing import Any

from PySide6.QtCore import (
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
)
from PySide6.QtGui import (
    QColor,
    QPainter,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import (
    QStyledItemDelegate,
    QStyleOptionViewItem,
)

from mlops_desktop.core import formatting
from mlops_desktop.core.monitoring.plots import COLUMN_COLOURS
from mlops_desktop.ui.help import tip as glossary_tip
from mlops_desktop.ui.models.tables import Column, RecordsModel
from mlops_desktop.ui.panes.monitoring_text import missing_change, p_value, verdict_text

Index = QModelIndex | QPersistentModelIndex

# --- the drift table ---------------------------------------------------------------------------

HISTOGRAM_ROLE = int(Qt.ItemDataRole.UserRole) + 1
STATUS_ROLE = HISTOGRAM_ROLE + 1  # a row's status ("drift", "ok", …)

DRIFT_COLUMNS = [
    Column("Column", lambda c: c["_label"], "The model's input column (or its predictions)"),
    Column(
        "Verdict",
        verdict_text,
        "Changed (drift): the change is both certain and large enough to matter. Hover over a "
        "verdict for the reason.",
    ),
    Column("Test", lambda c: c.get("test"), "The statistical test used for this kind of column"),
    Column(
        "p-value",
        lambda c: c.get("p_adjusted"),
        glossary_tip("p-value", "Adjusted for checking several columns at once."),
        True,
    ),
    Column(
        "Change",
        lambda c: c.get("effect"),
        glossary_tip("effect-size"),
        True,
    ),
    Column(
        "PSI",
        lambda c: c.get("psi"),
        glossary_tip("psi"),
        True,
    ),
    Column(
        "Missing",
        lambda c: c.get("missing_change"),
        "How much the share of rows with no value changed, in percentage points",
        True,
    ),
    Column(
        "Rows",
        lambda c: c["n_current"],
        "Values compared: in the reference / in this window",
        True,
    ),
    Column(
        "Distribution",
        lambda c: c.get("effect"),
        "Grey: the reference. Colour: this window. Select a row for the full chart.",
    ),
]
SPARKLINE_COLUMN = len(DRIFT_COLUMNS) - 1
SPARKLINE_WIDTH = 116  # the whole table fits the pane at the usual window size
DISPLAY = {
    3: lambda c: p_value(c.get("p_adjusted")),
    4: lambda c: formatting.score(c.get("effect")),
    5: lambda c: formatting.score(c.get("psi")),
    6: lambda c: missing_change(c.get("missing_change")),
    7: lambda c: f"{c['n_reference']:,} / {c['n_current']:,}",
}


class DriftTableModel(RecordsModel):
    """The checked columns of one report: sortable, each drawn from the stored report."""

    def __init__(self, parent: Any = None) -> None:
        super().__init__(
            [
                Column(
                    c.header,
                    c.value,
                    c.tooltip,
                    c.align_right,
                    highlighted=lambda r: r["status"] == "drift",
                    bold=lambda r: bool(r.get("_prediction")),
                )
                for c in DRIFT_COLUMNS
            ],
            parent,
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        record, column = self.record(index.row()), index.column()
        if role == STATUS_ROLE:
            return record["status"]
        if column == SPARKLINE_COLUMN:
            if role == HISTOGRAM_ROLE:
                return record.get("histogram")
            if role == Qt.ItemDataRole.DisplayRole:
                return None
            if role == Qt.ItemDataRole.ToolTipRole:
                return DRIFT_COLUMNS[SPARKLINE_COLUMN].tooltip
        if role == Qt.ItemDataRole.DisplayRole and column in DISPLAY:
            return DISPLAY[column](record)
        if column == 1:
            if role == Qt.ItemDataRole.ForegroundRole and record["status"] in COLUMN_COLOURS:
                return QColor(COLUMN_COLOURS[record["status"]])
            if role == Qt.ItemDataRole.ToolTipRole:
                return record["explanation"]
        if column == 4 and role == Qt.ItemDataRole.ToolTipRole and record.get("effect_name"):
            return f"Measured as the {record['effect_name']}"
        return super().data(index, role)


class SparklineDelegate(QStyledItemDelegate):
    """A column's distribution in a table cell: the reference as grey bars, this window as a
    coloured line over them (red where the column drifted)."""

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        super().paint(painter, option, index)
        histogram = index.data(HISTOGRAM_ROLE)
        if not histogram or not histogram.get("labels"):
            return
        reference, current = histogram["reference"], histogram["current"]
        tallest = max([*reference, *current, 1e-9])
        drifted = index.data(STATUS_ROLE) == "drift"
        area = QRectF(option.rect).adjusted(4, 3, -4, -3)  # type: ignore[attr-defined]
        step = area.width() / len(reference)

        def top(share: float) -> float:
            return area.bottom() - area.height() * share / tallest

        painter.save()
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        painter.setPen(Qt.PenStyle.NoPen)
        painter.setBrush(QColor("#c4c7cc"))
        for position, share in enumerate(reference):
            left = area.left() + position * step
            painter.drawRect(QRectF(left, top(share), max(step - 1, 1), area.bottom() - top(share)))
        line = QPolygonF()
        for position, share in enumerate(current):
            left = area.left() + position * step
            line.append(QPointF(left, top(share)))
            line.append(QPointF(left + step, top(share)))
        pen = QPen(QColor(COLUMN_COLOURS["drift"] if drifted else "#1f6fb2"))
        pen.setWidthF(1.8)
        painter.setPen(pen)
        painter.drawPolyline(line)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        return QSize(130, 24)
