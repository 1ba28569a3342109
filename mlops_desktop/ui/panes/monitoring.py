"""The Monitoring pane: is each served model still seeing the kind of data it learned from, and is
it still right?

Left, a status card per watched version. Right, for the chosen one: which window to check (each
day of the prediction log, a time range, or a dataset) against which reference, and the report of
a checked window: a verdict, the predictions first, then every input column with its test, size
of change and distribution; and the trends over the checked days. Opening the pane only reads
stored results; checking runs in a worker process with progress and Cancel.
"""

import html
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QDate,
    QItemSelection,
    QModelIndex,
    QPersistentModelIndex,
    QPointF,
    QRectF,
    QSize,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPen,
    QPolygonF,
    QShortcut,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QSplitter,
    QStyledItemDelegate,
    QStyleOptionViewItem,
    QTableView,
    QTabWidget,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core import datasets, monitoring, monitoring_plots, monitoring_report, registry
from mlops_desktop.core.monitoring_plots import COLUMN_COLOURS, STATUS_COLOURS, STATUS_WORDS
from mlops_desktop.core.vocabulary import MEASURE_WORDS, counted, measure_title, version_words
from mlops_desktop.ui.dialogs.labels_dialog import LabelsDialog, matched_text
from mlops_desktop.ui.dialogs.retrain_dialog import RetrainDialog
from mlops_desktop.ui.dialogs.thresholds_dialog import ThresholdsDialog, saved_thresholds
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.help import tip as glossary_tip
from mlops_desktop.ui.models.tables import Column, RecordsModel
from mlops_desktop.ui.state import AppState
from mlops_desktop.ui.widgets.empty_state import EmptyState, pane_layout
from mlops_desktop.ui.widgets.figure_canvas import FigureView
from mlops_desktop.ui.widgets.task_panel import TaskPanel
from mlops_desktop.ui.workers import Task

Index = QModelIndex | QPersistentModelIndex
CHART_DELAY_MS = 30  # charts are drawn once the table and text have been painted
SPLITTER_SETTINGS = "monitoring_splitters"
TREND_HEIGHT = 300
DAY, WEEK, RANGE, DATASET = "day", "week", "range", "dataset"
WEEK_DAYS = 7
TRAINING = None  # the default reference: the held-out part of the training data

NOT_CHECKED = "not checked"  # a card's status before its first check
STATUS_MEANINGS = {
    "healthy": "The latest check found no meaningful change in the inputs or predictions.",
    "watch": "Something changed a little: a column drifted, a data-quality problem appeared, or "
    "performance fell outside its expected range.",
    "drift": "The inputs (or the predictions) have changed clearly since training: the model may "
    "no longer be reliable. Look at the report; consider retraining (Retrain…).",
    "not enough data": "The latest window held too few rows to judge.",
    NOT_CHECKED: "Its predictions have not been checked yet: press Check now (F5).",
}
BACKGROUNDS = {  # a light background under each status colour (banners)
    "healthy": "#e7f4e8",
    "watch": "#fff3dc",
    "drift": "#fdeceb",
}
GREY = STATUS_COLOURS["not enough data"]
GREY_BACKGROUND = "#eeeeee"
TREND_CAPTIONS = {
    "drift_share": "Each dot is one day of predictions, coloured by that day's verdict. At or "
    "above the dashed red line, enough columns changed to count as dataset drift. A hollow dot: "
    "too few rows that day to judge.",
    "columns": "One row per input column (the predictions on top), one square per day. Blue: "
    "little change; red: a change large enough to count (1 is the threshold). ✕ marks the days "
    "a column drifted; grey: not compared.",
    "predictions": "How the model's answers were spread each day, against the dashed lines of "
    "the training data. A sudden change often shows that the world changed, before any true "
    "outcome is known.",
    "volume": "How many predictions were checked each day. Below the dashed line a day has too "
    "few rows to judge.",
    "performance": "How well the model did on the days whose true outcomes you imported (Import "
    "labels…), with the range expected from the training data for that many outcomes. A red dot "
    "is worse than normal.",
}


def _local_time(iso_utc: str) -> str:
    return datetime.fromisoformat(iso_utc).astimezone().strftime("%Y-%m-%d %H:%M")


def status_word(status: str) -> str:
    """A window's or a card's status in the analyst's words (those of the charts)."""
    return STATUS_WORDS.get(status, "Not checked yet" if status == NOT_CHECKED else status)


def status_colours(status: str) -> tuple[str, str]:
    """A status's colour, and the light background it is shown on."""
    return STATUS_COLOURS.get(status, GREY), BACKGROUNDS.get(status, GREY_BACKGROUND)


def verdict_text(column: dict[str, Any]) -> str:
    """A column's verdict (or the predictions'), as a table cell or a sentence starts it."""
    verdict = monitoring_plots.column_verdict(column)
    return verdict[:1].upper() + verdict[1:]


def _sentence_case(text: str) -> str:
    return text[:1].lower() + text[1:]


def _dataset_words(ref: str) -> str:
    name, _, number = ref.rpartition("@")
    return f"dataset {name} version {number}" if name else f"dataset {ref}"


def _reference_words(reference: str | None) -> str:
    if reference in (None, monitoring.TRAINING):
        return "the training data (the part held out)"
    return _dataset_words(reference)


def _number(value: float | None, decimals: int = 2) -> str:
    if value is None or not math.isfinite(value):
        return "—"
    return f"{value:,.{decimals}f}"


def _p_value(value: float | None) -> str:
    if value is None:
        return "—"
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _missing_change(value: float | None) -> str:
    if value is None:
        return "—"
    points = 100 * value
    return "0" if abs(points) < 0.05 else f"{points:+.1f} points"


def _window_words(kind: str | None, name: str) -> str:
    if kind == DAY:
        return f"Day {name}"
    if kind == DATASET:
        return "D" + _dataset_words(name)[1:]  # "Dataset …", the name as written
    since, _, until = name.partition("/")
    start = since[:10] if since else "the first prediction"
    if until:
        end = datetime.fromisoformat(until)
        last = (end - timedelta(days=1)).date() if end.time() == datetime.min.time() else end
        end_day = str(last)[:10]
        return (
            f"Predictions of {start}"
            if end_day == start
            else f"Predictions from {start} to {end_day}"
        )
    return f"Predictions from {start} on"


def window_title(report: dict[str, Any]) -> str:
    """Which rows a report checked, in a few words."""
    window = report.get("window") or {}
    return _window_words(window.get("kind"), str(window.get("name", "")))


def window_name_words(name: str) -> str:
    """A window known only by its stored name (a card's): an ISO day, a dataset version
    "name@N", or a time range "start/end"."""
    _dataset, at, number = name.rpartition("@")
    if at and number.isdigit():
        return _sentence_case(_window_words(DATASET, name))
    if "/" in name:
        return _sentence_case(_window_words(RANGE, name))
    return name


def window_key(report: dict[str, Any]) -> str:
    """What tells a checked window from the others in "Report on:"."""
    window = report.get("window") or {}
    return f"{window.get('kind')}:{window.get('name')}|{window.get('reference')}"


def performance_text(performance: dict[str, Any] | None) -> str:
    """The measured performance of a window, with what the training data leads one to expect."""
    if not performance:
        return ""
    parts = []
    for name, value in performance["metrics"].items():
        text = f"{MEASURE_WORDS.get(name, name)} {value:.3f}"
        interval = monitoring_report.interval_text(performance, name)
        expected = performance["reference"].get(name)
        band = performance["band"].get(name)
        said = [f"95% interval {interval}"] if interval else []
        if expected is not None and band:
            said.append(f"expected {band[0]:.3f} to {band[1]:.3f}")
        elif expected is not None:
            said.append(f"on the training data {expected:.3f}")
        if said:
            text += f" ({'; '.join(said)})"
        parts.append(text)
    worse = [MEASURE_WORDS.get(name, name) for name in performance["worse"]]
    sentence = (
        f"Measured on {performance['labelled']:,} predictions with a known outcome: "
        + "; ".join(parts)
        + "."
    )
    if worse:
        sentence += f" Worse than expected: {', '.join(worse)}."
    return sentence


def card_performance(card: dict[str, Any]) -> str:
    """A card's performance line: the main measure of the newest window with true outcomes."""
    performance = card.get("performance")
    if not performance or not performance["metrics"]:
        return "No true outcomes imported yet"
    metrics = performance["metrics"]
    name = next((m for m in monitoring_plots.MAIN_METRICS if m in metrics), next(iter(metrics)))
    value = f"{metrics[name]:.0%}" if name == "accuracy" else f"{metrics[name]:,.3f}"
    window = window_name_words(str(card.get("performance_window") or ""))
    return f"{measure_title(name)} {value} on {window} ({counted(performance['labelled'], 'known outcome')})"


def column_html(column: dict[str, Any]) -> str:
    """What a column's check found, as plain sentences."""
    escape = html.escape
    verdict = monitoring_plots.column_verdict(column)
    findings = "".join(f"<li>{escape(f['message'])}</li>" for f in column["findings"])
    quality = (
        f"<p><b>Data quality</b></p><ul>{findings}</ul>"
        if findings
        else "<p>No data-quality problems: no unusual missing values, unseen categories or "
        "values outside the reference range.</p>"
    )
    numbers = (
        f"Compared {column['n_reference']:,} values of the reference with "
        f"{column['n_current']:,} of this window."
    )
    if column.get("p_adjusted") is not None:
        numbers += (
            f" Test: {escape(column['test'])}, p-value {escape(_p_value(column['p_adjusted']))} "
            f"(adjusted for checking several columns); size of the change "
            f"{_number(column['effect'])} ({escape(column['effect_name'])}); PSI "
            f"{_number(column.get('psi'))} (shown for comparison with other tools, not used "
            "to decide)."
        )
    return (
        f"<h3>{escape(column['_label'])} — {escape(verdict)}</h3>"
        f"<p>{escape(column['explanation'])}</p>{quality}"
        f"<p><small>{numbers}</small></p>"
    )


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
    3: lambda c: _p_value(c.get("p_adjusted")),
    4: lambda c: _number(c.get("effect")),
    5: lambda c: _number(c.get("psi")),
    6: lambda c: _missing_change(c.get("missing_change")),
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


# --- status cards ----------------------------------------------------------------------------------


class StatusCard(QFrame):
    """One watched version: its status as a colour and a word, traffic, last check, performance."""

    clicked = Signal(str)

    def __init__(self, card: dict[str, Any], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.card = card
        self.ref: str = card["ref"]
        self.setObjectName("statusCard")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        status = card["status"]
        strong, _light = status_colours(status)
        self.status_word = status_word(status)
        stage = registry.STAGE_LABELS.get(card["stage"], card["stage"])
        title = QLabel(f"<b>{html.escape(version_words(self.ref))}</b>")
        title.setWordWrap(True)
        badge = QLabel(f"● {self.status_word}")
        badge.setObjectName("statusBadge")
        badge.setStyleSheet(f"color: {strong}; font-weight: bold;")
        rows = (
            f"{card['rows']:,} predictions checked day by day"
            if card["rows"]
            else "No day of predictions checked yet"
        )
        checked = (
            f"Last checked {_local_time(card['last_check'])}"
            if card["last_check"]
            else "Never checked"
        )
        details = QLabel(f"Stage: {html.escape(stage)}<br>{rows}<br>{checked}")
        details.setWordWrap(True)
        details.setStyleSheet("color: #444;")
        details.setToolTip(
            "The predictions counted are those of the days checked one by one (Each day of the "
            "log); time ranges and datasets you check are not added to them."
        )
        self.performance = QLabel(card_performance(card))
        self.performance.setObjectName("cardPerformance")
        self.performance.setWordWrap(True)
        self.performance.setStyleSheet("color: #444;")
        self.performance.setToolTip(
            "How well the model did on the newest checked window whose true outcomes you "
            "imported (Import labels…)"
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 8, 8, 8)
        layout.setSpacing(3)
        layout.addWidget(title)
        layout.addWidget(badge)
        layout.addWidget(details)
        layout.addWidget(self.performance)
        self.setToolTip(STATUS_MEANINGS.get(status, ""))
        self._strong = strong
        self.set_selected(False)

    def text(self) -> str:
        """Everything the card says, as plain text."""
        return "\n".join(label.text() for label in self.findChildren(QLabel))

    def set_selected(self, selected: bool) -> None:
        self.selected = selected
        background = "#e8f0fe" if selected else "palette(base)"
        border = "#1a73e8" if selected else "#d0d0d0"
        self.setStyleSheet(
            f"QFrame#statusCard {{ background: {background}; border: 1px solid {border}; "
            f"border-left: 6px solid {self._strong}; border-radius: 4px; }}"
        )

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.clicked.emit(self.ref)
        super().mousePressEvent(event)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter, Qt.Key.Key_Space):
            self.clicked.emit(self.ref)
            return
        super().keyPressEvent(event)


def _button(text: str, tooltip: str) -> QPushButton:
    button = QPushButton(text)
    button.setToolTip(tooltip)
    return button


class MonitoringPane(QWidget):
    models_requested = Signal()  # the empty state's "open Models"

    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.cards: list[StatusCard] = []
        self.selected_ref: str | None = None
        self.record: dict[str, Any] | None = None  # the selected version's registry record
        self.history: list[dict[str, Any]] = []
        self.report: dict[str, Any] | None = None
        self.windows: list[tuple[str, dict[str, Any]]] = []  # (key, report) the user can show
        self.dataset_refs: list[str] = []  # every dataset version, "name@N", newest first
        self.checking: Task | None = None
        self.exporting: Task | None = None
        self.labels_dialog: LabelsDialog | None = None
        self.thresholds_dialog: ThresholdsDialog | None = None
        self.retrain_dialog: RetrainDialog | None = None
        self._wanted_window: str | None = None
        self._trends_drawn = False

        # --- left: the cards
        self.cards_layout = QVBoxLayout()
        self.cards_layout.setContentsMargins(0, 0, 4, 0)
        self.cards_layout.setSpacing(6)
        holder = QWidget()
        holder_layout = QVBoxLayout(holder)
        holder_layout.setContentsMargins(0, 0, 0, 0)
        holder_layout.addLayout(self.cards_layout)
        holder_layout.addStretch(1)
        cards_scroll = QScrollArea()
        cards_scroll.setWidget(holder)
        cards_scroll.setWidgetResizable(True)
        cards_scroll.setFrameShape(QFrame.Shape.NoFrame)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        heading = QLabel("<b>Watched models</b>")
        heading.setToolTip("Every model version that has been served or checked")
        left_layout.addWidget(heading)
        left_layout.addWidget(cards_scroll, 1)

        # --- right: what to check
        self.title = QLabel()
        self.title.setObjectName("monitoringTitle")
        self.title.setWordWrap(True)
        self.window_mode = QComboBox()
        self.window_mode.addItem("Each day of the log", DAY)
        self.window_mode.addItem("A week…", WEEK)
        self.window_mode.addItem("A time range…", RANGE)
        self.window_mode.addItem("A dataset…", DATASET)
        self.window_mode.setToolTip(
            "What to check. Each day of the log: every day of predictions the server made, day "
            "by day (this feeds the trends). A week: all predictions of the seven days from a "
            "date. A time range: all predictions between two dates. A dataset: the rows of an "
            "imported dataset, e.g. a new batch before scoring it."
        )
        self.window_mode.currentIndexChanged.connect(lambda _index: self._mode_changed())
        today = QDate.currentDate()
        self.since = QDateEdit(today.addDays(-6))
        self.until = QDateEdit(today)
        self.week_start = QDateEdit(today.addDays(1 - WEEK_DAYS))
        for edit, tip in (
            (self.since, "The first day of predictions to check"),
            (self.until, "The last day of predictions to check (included)"),
            (self.week_start, "The first of the seven days of predictions to check"),
        ):
            edit.setCalendarPopup(True)
            edit.setDisplayFormat("yyyy-MM-dd")
            edit.setToolTip(tip)
        self.range_box = QWidget()
        range_layout = QHBoxLayout(self.range_box)
        range_layout.setContentsMargins(0, 0, 0, 0)
        range_layout.addWidget(QLabel("from"))
        range_layout.addWidget(self.since)
        range_layout.addWidget(QLabel("to"))
        range_layout.addWidget(self.until)
        self.week_end = QLabel()
        self.week_start.dateChanged.connect(lambda _date: self._week_changed())
        self._week_changed()
        self.week_box = QWidget()
        week_layout = QHBoxLayout(self.week_box)
        week_layout.setContentsMargins(0, 0, 0, 0)
        week_layout.addWidget(QLabel("from"))
        week_layout.addWidget(self.week_start)
        week_layout.addWidget(self.week_end)
        self.dataset_choice = QComboBox()
        self.dataset_choice.setToolTip(
            "The dataset version whose rows to check; it needs the model's input columns"
        )
        self.dataset_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.reference_choice = QComboBox()
        self.reference_choice.setToolTip(
            "What 'normal' looks like. By default the rows of the training data the model was "
            "tested on (held out from its training); or choose a dataset version."
        )
        self.reference_choice.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.reference_choice.activated.connect(lambda _index: self._reference_changed())
        choose = QHBoxLayout()
        choose.addWidget(QLabel("Check:"))
        choose.addWidget(self.window_mode)
        for chooser in (self.week_box, self.range_box, self.dataset_choice):
            chooser.hide()  # until its kind of window is chosen, so it never widens the pane
            choose.addWidget(chooser)
        choose.addSpacing(12)
        choose.addWidget(QLabel("Compare with:"))
        choose.addWidget(self.reference_choice)
        choose.addStretch(1)

        self.check_button = _button(
            "Check now",
            "Compare the chosen window with the reference now (F5). Each day of the log: only "
            "days not checked yet are read.",
        )
        self.check_button.clicked.connect(lambda: self.check_now())
        self.labels_button = _button(
            "Import labels…",
            "Bring in what really happened for past predictions, to measure how often the model "
            "was right",
        )
        self.labels_button.clicked.connect(lambda: self.open_labels_dialog())
        self.thresholds_button = _button(
            "Thresholds…", "Decide when a change counts as drift (for every model)"
        )
        self.thresholds_button.clicked.connect(lambda: self.open_thresholds_dialog())
        self.export_button = _button(
            "Export report…", "Save the report shown, with its charts and trends, as one web page"
        )
        self.export_button.clicked.connect(self.choose_export_file)
        self.retrain_button = _button(
            "Retrain…",
            "Train a challenger on newer data with the same recipe and compare it with this "
            "version",
        )
        self.retrain_button.clicked.connect(lambda: self.open_retrain_dialog())
        self.task_panel = TaskPanel()
        self.actions = actions = QHBoxLayout()
        for button in (
            self.check_button,
            self.labels_button,
            self.thresholds_button,
            self.export_button,
            self.retrain_button,
        ):
            actions.addWidget(button)
        actions.addWidget(self.task_panel, 1)
        actions.addStretch(0)
        shortcut = QShortcut(QKeySequence(Qt.Key.Key_F5), self)
        shortcut.setContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        shortcut.activated.connect(lambda: self.check_now())

        # --- the report tab
        self.window_shown = QComboBox()
        self.window_shown.setObjectName("windowShown")
        self.window_shown.setToolTip(
            "Which checked window the report describes: the time ranges and datasets checked "
            "(newest first), then each checked day (newest first). Only checks made against the "
            "chosen reference, under the current thresholds, are listed."
        )
        self.window_shown.currentIndexChanged.connect(self._window_chosen)
        shown_row = QHBoxLayout()
        shown_row.addWidget(QLabel("Report on:"))
        shown_row.addWidget(self.window_shown, 1)
        self.banner = QLabel()
        self.banner.setObjectName("verdictBanner")
        self.banner.setWordWrap(True)
        self.banner.setTextFormat(Qt.TextFormat.RichText)
        self.banner.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.predictions_line = QLabel()
        self.predictions_line.setObjectName("predictionsLine")
        self.predictions_line.setWordWrap(True)
        self.predictions_line.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )
        self.predictions_line.setToolTip(
            "Whether the model's answers changed: often the first sign that the world changed"
        )
        self.performance_line = QLabel()
        self.performance_line.setObjectName("performanceLine")
        self.performance_line.setWordWrap(True)
        self.performance_line.setSizePolicy(
            QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred
        )

        self.rules_line = QLabel()
        self.rules_line.setObjectName("rulesLine")
        self.rules_line.setWordWrap(True)
        self.rules_line.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.rules_line.setToolTip(
            "The server checks each request against the validation rules of the dataset the "
            "model learned from (Datasets pane, Checks tab, Edit rules…): no empty values where "
            "none are allowed, numbers within their range, only known labels. A request that "
            "breaks a rule is still answered; it is counted here."
        )
        self.rules_line.hide()

        self.table_model = DriftTableModel(self)
        self.table = QTableView()
        self.table.setObjectName("driftTable")
        self.table.setModel(self.table_model)
        self.table.setItemDelegateForColumn(SPARKLINE_COLUMN, SparklineDelegate(self.table))
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._column_selected)
        self.distribution = FigureView()
        self.distribution.setObjectName("distributionChart")
        self.details = QTextBrowser()
        self.details.setObjectName("columnDetails")
        self.chart_timer = QTimer(self)
        self.chart_timer.setSingleShot(True)
        self.chart_timer.setInterval(CHART_DELAY_MS)
        self.chart_timer.timeout.connect(self._draw_distribution)
        self.detail_splitter = QSplitter(Qt.Orientation.Horizontal)
        self.detail_splitter.addWidget(self.distribution)
        self.detail_splitter.addWidget(self.details)
        self.detail_splitter.setSizes([560, 380])
        self.report_splitter = QSplitter(Qt.Orientation.Vertical)
        self.report_splitter.addWidget(self.table)
        self.report_splitter.addWidget(self.detail_splitter)
        self.report_splitter.setSizes([260, 340])
        report_tab = QWidget()
        report_layout = QVBoxLayout(report_tab)
        report_layout.addLayout(shown_row)
        report_layout.addWidget(self.banner)
        report_layout.addWidget(self.predictions_line)
        report_layout.addWidget(self.performance_line)
        report_layout.addWidget(self.rules_line)
        report_layout.addWidget(self.report_splitter, 1)

        # --- the trends tab
        self.trends_note = QLabel()
        self.trends_note.setObjectName("trendsNote")
        self.trends_note.setWordWrap(True)
        self.trend_views: dict[str, FigureView] = {}
        self.trend_boxes: dict[str, QWidget] = {}
        trends_holder = QWidget()
        trends_layout = QVBoxLayout(trends_holder)
        trends_layout.addWidget(self.trends_note)
        for key, caption in TREND_CAPTIONS.items():
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 8, 0, 8)
            view = FigureView()
            view.setMinimumHeight(TREND_HEIGHT)
            box_layout.addWidget(view)
            note = QLabel(caption)
            note.setWordWrap(True)
            note.setStyleSheet("color: #555;")
            box_layout.addWidget(note)
            trends_layout.addWidget(box)
            self.trend_views[key] = view
            self.trend_boxes[key] = box
        trends_layout.addStretch(1)
        self.trends_scroll = QScrollArea()
        self.trends_scroll.setWidget(trends_holder)
        self.trends_scroll.setWidgetResizable(True)
        self.trends_timer = QTimer(self)
        self.trends_timer.setSingleShot(True)
        self.trends_timer.setInterval(CHART_DELAY_MS)
        self.trends_timer.timeout.connect(self._draw_trends)

        self.tabs = QTabWidget()
        self.tabs.addTab(report_tab, "Report")
        self.tabs.addTab(self.trends_scroll, "Trends")
        self.tabs.setTabToolTip(0, "What the check of one window found")
        self.tabs.setTabToolTip(1, "How the checks changed day by day")
        self.tabs.currentChanged.connect(lambda _index: self._schedule_trends())

        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(4, 0, 0, 0)
        right_layout.addWidget(self.title)
        right_layout.addLayout(choose)
        right_layout.addLayout(actions)
        right_layout.addWidget(self.tabs, 1)

        self.splitter = QSplitter(Qt.Orientation.Horizontal)
        self.splitter.setObjectName("monitoringSplitter")
        self.splitter.addWidget(left)
        self.splitter.addWidget(right)
        self.splitter.setStretchFactor(1, 4)
        self.splitter.setSizes([230, 1000])
        self.empty = EmptyState(
            "No model is being watched yet",
            "Serve a model from the Models pane; its predictions show up here.",
            [("Open Models", self.models_requested.emit)],
        )
        self.stack = pane_layout(self, self.empty, self.splitter, "Monitoring")
        self.restore_layout()

        state.monitoring_changed.connect(self.refresh)
        state.models_changed.connect(self.refresh)
        state.serving_changed.connect(lambda _url: self.refresh())
        state.datasets_changed.connect(lambda _name: self._fill_dataset_choices())
        state.workspace_changed.connect(self._workspace_changed)
        self._fill_dataset_choices()
        self._mode_changed()
        self.refresh()

    # --- layout ------------------------------------------------------------------------------------

    def restore_layout(self) -> None:
        sizes = self.state.settings.get(SPLITTER_SETTINGS) or {}
        for key, splitter in self._splitters().items():
            if sizes.get(key):
                splitter.setSizes(sizes[key])

    def save_layout(self) -> None:
        self.state.settings.set(
            SPLITTER_SETTINGS, {key: s.sizes() for key, s in self._splitters().items()}
        )

    def _splitters(self) -> dict[str, QSplitter]:
        return {
            "cards": self.splitter,
            "report": self.report_splitter,
            "details": self.detail_splitter,
        }

    # --- cards -------------------------------------------------------------------------------------

    def _workspace_changed(self) -> None:
        self.selected_ref = None
        self._fill_dataset_choices()
        self.refresh()

    def refresh(self) -> None:
        """Reload the cards from stored results (nothing is computed), keeping the selection."""
        listed = monitoring.overview(self.state.workspace)
        for card in self.cards:
            self.cards_layout.removeWidget(card)
            card.hide()
            card.deleteLater()
        self.cards = []
        for entry in listed:
            card = StatusCard(entry)
            card.clicked.connect(self.select)
            self.cards_layout.addWidget(card)
            self.cards.append(card)
        self.stack.setCurrentWidget(self.splitter if listed else self.empty)
        refs = [card.ref for card in self.cards]
        if not refs:
            self.selected_ref = None
            self._show_version()
            return
        self.select(self.selected_ref if self.selected_ref in refs else refs[0], force=True)

    def card(self, ref: str) -> StatusCard | None:
        return next((card for card in self.cards if card.ref == ref), None)

    def select(self, ref: str, force: bool = False) -> None:
        """Show ``ref``'s stored results."""
        if ref == self.selected_ref and not force:
            return
        changed = ref != self.selected_ref
        self.selected_ref = ref
        for card in self.cards:
            card.set_selected(card.ref == ref)
        if changed or self.record is None:
            self.record = registry.show_model(self.state.workspace, ref)
        self._show_version(reset_dates=changed)

    # --- what to check -------------------------------------------------------------------------

    def _fill_dataset_choices(self) -> None:
        refs = [
            (f"{row['name']}@{number}", f"{row['name']} version {number}")
            for row in datasets.list_datasets(self.state.workspace)
            for number in range(row["latest"], 0, -1)
        ]
        self.dataset_refs = [ref for ref, _label in refs]
        for combo, first in (
            (self.reference_choice, "Training data (held out)"),
            (self.dataset_choice, None),
        ):
            kept = combo.currentData()
            combo.blockSignals(True)
            combo.clear()
            if first:
                combo.addItem(first, TRAINING)
            for ref, label in refs:
                combo.addItem(label, ref)
            combo.setCurrentIndex(max(combo.findData(kept), 0))
            combo.blockSignals(False)
        self._update_buttons()

    def mode(self) -> str:
        return str(self.window_mode.currentData())

    def reference(self) -> str | None:
        value = self.reference_choice.currentData()
        return str(value) if value else None

    def _mode_changed(self) -> None:
        mode = self.mode()
        self.week_box.setVisible(mode == WEEK)
        self.range_box.setVisible(mode == RANGE)
        self.dataset_choice.setVisible(mode == DATASET)
        self._update_buttons()

    def _days(self) -> tuple[date, date]:
        """The first and last day (included) of the week or time range to check."""
        if self.mode() == WEEK:
            start = self.week_start.date()
            return start.toPython(), start.addDays(WEEK_DAYS - 1).toPython()
        return self.since.date().toPython(), self.until.date().toPython()

    def _week_changed(self) -> None:
        last = self.week_start.date().addDays(WEEK_DAYS - 1)
        self.week_end.setText(f"to {last.toString('yyyy-MM-dd')}")

    def _reference_changed(self) -> None:
        """Stored day results belong to one reference: show the ones for the chosen one."""
        if self.selected_ref is not None:
            self._show_version()

    def _update_buttons(self) -> None:
        selected = self.selected_ref is not None
        can_check = selected and self.checking is None
        if self.mode() == DATASET:
            can_check = can_check and self.dataset_choice.count() > 0
        self.check_button.setEnabled(can_check)
        self.labels_button.setEnabled(selected)
        self.retrain_button.setEnabled(selected)
        self.export_button.setEnabled(self.report is not None and self.exporting is None)
        self.window_mode.setEnabled(self.checking is None)
        self.reference_choice.setEnabled(self.checking is None)
        if self.mode() == DATASET and not self.dataset_choice.count():
            self.check_button.setToolTip("Import a dataset first (Datasets pane) to check it here")
        else:
            self.check_button.setToolTip(
                "Compare the chosen window with the reference now (F5). Each day of the log: "
                "only days not checked yet are read."
            )

    # --- what is shown -----------------------------------------------------------------------------

    def _show_version(self, reset_dates: bool = False) -> None:
        """Show the selected version's stored checks (its days, time ranges and datasets)."""
        ref = self.selected_ref
        if ref is None or self.record is None:
            self.title.clear()
            self.history = []
            self._fill_windows()
            self._update_buttons()
            return
        card = self.card(ref)
        status = card.card["status"] if card else NOT_CHECKED
        self.title.setText(
            f"<b>{html.escape(version_words(ref))}</b> predicts "
            f"<b>{html.escape(self.record['target'])}</b> from "
            f"{len(self.record['inputs'])} columns. Latest status: "
            f"<b>{status_word(status)}</b>."
        )
        self.title.setToolTip(STATUS_MEANINGS.get(status, ""))
        thresholds = saved_thresholds(self.state.settings)
        self.history = monitoring.history(self.state.workspace, ref, self.reference(), thresholds)
        if self.history and reset_dates:  # the dates the user picks stay until another version
            first = date.fromisoformat(self.history[0]["window"]["name"])
            last = date.fromisoformat(self.history[-1]["window"]["name"])
            self.since.setDate(QDate(first.year, first.month, first.day))
            self.until.setDate(QDate(last.year, last.month, last.day))
            self.week_start.setDate(self.until.date().addDays(1 - WEEK_DAYS))
        self._fill_windows()
        self._trends_drawn = False
        self._schedule_trends()
        self._update_buttons()

    def _fill_windows(self) -> None:
        """List the stored checks of the selected version made against the chosen reference
        under the current thresholds: time ranges and datasets first, then the days. The newest
        day is shown unless another window was asked for (the one just checked)."""
        reference = self.reference() or monitoring.TRAINING
        thresholds = saved_thresholds(self.state.settings).as_dict()
        ref = self.selected_ref
        stored = monitoring.results(self.state.workspace, ref) if ref is not None else []
        others = [
            (window_key(report), report)
            for report in stored
            if (report.get("window") or {}).get("reference") == reference
            and report.get("thresholds") == thresholds
        ]
        days = [(window_key(report), report) for report in reversed(self.history)]
        self.windows = others + days
        wanted, self._wanted_window = self._wanted_window, None
        keys = [key for key, _ in self.windows]
        newest_day = days[0][0] if days else None
        if wanted not in keys:
            wanted = newest_day or (keys[0] if keys else None)
        self.window_shown.blockSignals(True)
        self.window_shown.clear()
        for key, report in self.windows:
            if others and key == newest_day:  # the days, below the other checks
                self.window_shown.insertSeparator(self.window_shown.count())
            self.window_shown.addItem(
                f"{window_title(report)} — {report['n_current']:,} rows — "
                f"{status_word(report['status'])}",
                key,
            )
        self.window_shown.setCurrentIndex(max(self.window_shown.findData(wanted), 0))
        self.window_shown.blockSignals(False)
        self.window_shown.setEnabled(bool(self.windows))
        self._window_chosen(self.window_shown.currentIndex())

    def _window_chosen(self, index: int) -> None:
        key = self.window_shown.itemData(index)
        self.show_report(next((report for k, report in self.windows if k == key), None))

    def show_report(self, report: dict[str, Any] | None) -> None:
        self.report = report
        self._update_buttons()
        if report is None:
            self._show_no_report()
            return
        status = report["status"]
        strong, light = status_colours(status)
        self.banner.setStyleSheet(
            f"QLabel#verdictBanner {{ background: {light}; color: {strong}; "
            f"border: 1px solid {strong}; border-radius: 4px; padding: 8px; }}"
        )
        self.banner.setText(
            f"<span style='font-size: 13pt'><b>{status_word(status)}</b> — "
            f"{html.escape(report['summary'])}</span><br>"
            f"<span style='color: #333'>{html.escape(window_title(report))}: "
            f"{report['n_current']:,} rows compared with {report['n_reference']:,} rows of "
            f"{html.escape(_reference_words((report.get('window') or {}).get('reference')))}. "
            f"{html.escape(monitoring_report.left_out_text(report.get('left_out')))}</span>"
        )
        self.banner.setToolTip(STATUS_MEANINGS.get(status, ""))
        predicted = report.get("prediction_drift")
        if predicted:
            verdict = verdict_text(predicted)
            colour = COLUMN_COLOURS.get(predicted["status"], "#444")
            self.predictions_line.setText(
                f"<b>Predictions:</b> <span style='color: {colour}'><b>{verdict}</b></span>. "
                f"{html.escape(predicted['explanation'])}"
            )
        else:
            self.predictions_line.setText("<b>Predictions:</b> not compared in this window.")
        self.performance_line.setText(f"<b>Performance:</b> {html.escape(self._performance())}")
        broken = monitoring_report.violations_text(report.get("violations"), report["n_current"])
        self.rules_line.setText(f"<b>Rules:</b> {html.escape(broken)}")
        self.rules_line.setVisible(bool(broken))
        rows = []
        if predicted:
            rows.append({**predicted, "_label": "Predictions", "_prediction": True})
        inputs = [{**column, "_label": column["name"]} for column in report["columns"]]
        inputs.sort(key=lambda c: (c["status"] != "drift", not c["findings"]))
        rows.extend(inputs)
        self.table_model.set_records(rows)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.resizeColumnsToContents()
        self.table.setColumnWidth(SPARKLINE_COLUMN, SPARKLINE_WIDTH)
        first = next((i for i, row in enumerate(rows) if row["status"] == "drift"), 0)
        if rows:
            self.table.selectRow(first)

    def _performance(self) -> str:
        """How well the model did on the window shown; else where that is known."""
        measured = performance_text((self.report or {}).get("performance"))
        if measured:
            return measured
        card = self.card(self.selected_ref) if self.selected_ref else None
        if card is not None and card.card.get("performance"):
            return (
                "not known yet for these predictions (no true outcomes imported for them). "
                f"Newest known: {_sentence_case(card_performance(card.card))}."
            )
        return (
            "not known yet: no true outcome of these predictions was imported. Use Import "
            "labels… once you know what really happened."
        )

    def _show_no_report(self) -> None:
        strong, light = status_colours(NOT_CHECKED)
        self.banner.setStyleSheet(
            f"QLabel#verdictBanner {{ background: {light}; color: #333; "
            f"border: 1px solid {strong}; border-radius: 4px; padding: 8px; }}"
        )
        if self.selected_ref is None:
            self.banner.setText("")
        else:
            self.banner.setText(
                f"<b>No report yet</b> for {html.escape(version_words(self.selected_ref))} "
                f"compared with {html.escape(_reference_words(self.reference()))} under the "
                "current thresholds. Press <b>Check now</b> (F5) to check its predictions day "
                "by day."
            )
        self.banner.setToolTip("")
        self.predictions_line.clear()
        self.performance_line.clear()
        self.rules_line.hide()
        self.table_model.set_records([])
        self.details.clear()
        self.distribution.show_figure(None)

    def selected_column(self) -> dict[str, Any] | None:
        rows = self.table.selectionModel().selectedRows()
        return self.table_model.record(rows[0].row()) if rows else None

    def _column_selected(self, *_selection: QItemSelection) -> None:
        column = self.selected_column()
        self.details.setHtml(column_html(column) if column else "")
        self.distribution.show_figure(None)  # never the previous column's chart
        self.chart_timer.start()

    def _draw_distribution(self) -> None:
        column = self.selected_column()
        if column is None or not (column.get("histogram") or {}).get("labels"):
            self.distribution.show_figure(None)
            return
        shown = {**column, "name": column["_label"]}
        self.distribution.show_figure(monitoring_plots.distribution_figure(shown))

    def _schedule_trends(self) -> None:
        if self.tabs.currentWidget() is self.trends_scroll and not self._trends_drawn:
            self.trends_timer.start()

    def _draw_trends(self) -> None:
        self._trends_drawn = True
        if not self.history:
            self.trends_note.setText(
                "No day has been checked yet with this reference and these thresholds. Choose "
                "'Each day of the log' and press Check now (F5)."
            )
            for key, view in self.trend_views.items():
                view.show_figure(None)
                self.trend_boxes[key].hide()
            return
        days = len(self.history)
        self.trends_note.setText(
            f"{counted(days, 'checked day')}, from {self.history[0]['window']['name']} to "
            f"{self.history[-1]['window']['name']}, compared with "
            f"{_reference_words(self.reference())}."
        )
        thresholds = saved_thresholds(self.state.settings).as_dict()
        figures = monitoring_plots.trend_figures(self.history, thresholds)
        for key, view in self.trend_views.items():
            figure = figures.get(key)
            view.show_figure(figure)
            self.trend_boxes[key].setVisible(figure is not None)

    # --- actions -----------------------------------------------------------------------------------

    def check_now(self) -> Task | None:
        """Check the chosen window of the selected version in a worker process."""
        ref = self.selected_ref
        if ref is None or self.checking is not None:
            return None
        mode, reference = self.mode(), self.reference()
        thresholds = saved_thresholds(self.state.settings)
        workers, home = self.state.workers, self.state.home
        if mode == DAY:
            task = workers.run_in_workspace(
                f"Checking each day of {version_words(ref)}",
                home,
                monitoring.update_days,
                ref,
                reference=reference,
                thresholds=thresholds,
            )
        elif mode in (WEEK, RANGE):
            start, end = self._days()
            since = datetime(start.year, start.month, start.day, tzinfo=UTC)
            until = datetime(end.year, end.month, end.day, tzinfo=UTC) + timedelta(days=1)
            task = workers.run_in_workspace(
                f"Checking {version_words(ref)} from {start} to {end}",
                home,
                monitoring.check,
                ref,
                reference=reference,
                since=since,
                until=until,
                thresholds=thresholds,
            )
        else:
            current = self.dataset_choice.currentData()
            if current is None:
                return None
            task = workers.run_in_workspace(
                f"Checking {_dataset_words(current)}",
                home,
                monitoring.check,
                ref,
                reference=reference,
                current=current,
                thresholds=thresholds,
            )
        self.checking = task
        self.task_panel.follow(task)
        self._update_buttons()
        task.succeeded.connect(lambda result: self._checked(ref, mode, result))
        task.failed.connect(lambda message: show_message(self, message))
        task.cancelled.connect(
            lambda: self.state.status_message.emit("Check cancelled; nothing new was kept.")
        )
        task.finished.connect(self._check_finished)
        return task

    def _checked(self, ref: str, mode: str, result: Any) -> None:
        if mode == DAY:
            self._wanted_window = None  # the newest day
            self.state.status_message.emit(
                f"Checked {counted(result, 'new day')} of {version_words(ref)}."
                if result
                else f"Every day of {version_words(ref)}'s predictions was already checked."
            )
            return
        self._wanted_window = window_key(result)  # shown once the stored checks are read again
        self.state.status_message.emit(f"Checked {_sentence_case(window_title(result))}.")

    def _check_finished(self) -> None:
        self.checking = None
        self._update_buttons()
        self.state.monitoring_changed.emit()

    def _keep_open(self, dialog: QDialog, attribute: str) -> None:
        """Show ``dialog`` as ``self.<attribute>`` until it closes (then it is deleted)."""
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def closed(_result: int) -> None:
            if getattr(self, attribute) is dialog:  # not a newer one of the same kind
                setattr(self, attribute, None)

        dialog.finished.connect(closed)
        setattr(self, attribute, dialog)

    def open_labels_dialog(self, path: Path | None = None) -> LabelsDialog | None:
        if self.record is None:
            return None
        dialog = LabelsDialog(self.state, self.record, path, self)
        dialog.imported.connect(lambda result: self._labels_imported(dialog, result))
        self._keep_open(dialog, "labels_dialog")
        dialog.open()
        return dialog

    def _labels_imported(self, dialog: LabelsDialog, result: dict[str, Any]) -> None:
        name = dialog.path.name if dialog.path else "the file"
        show_message(
            self,
            matched_text(result, name)
            + " The days they belong to are being checked again to measure how often the model "
            "was right.",
            QMessageBox.Icon.Information,
        )
        self.state.monitoring_changed.emit()
        self.check_now()

    def open_thresholds_dialog(self) -> ThresholdsDialog:
        dialog = ThresholdsDialog(self.state.settings, self)
        dialog.saved.connect(self._thresholds_saved)
        self._keep_open(dialog, "thresholds_dialog")
        dialog.open()
        return dialog

    def open_retrain_dialog(self) -> RetrainDialog | None:
        """Retrain the selected version in a window of its own (training can take a while, so
        the pane stays usable); the cards are read again once a challenger is promoted."""
        ref = self.selected_ref
        if ref is None:
            return None
        if self.retrain_dialog is not None and self.retrain_dialog.ref == ref:
            self.retrain_dialog.raise_()
            self.retrain_dialog.activateWindow()
            return self.retrain_dialog
        trained_on = datasets.parse_ref(self.record["dataset"])[0] if self.record else None
        refs = sorted(  # the versions of its training data first: the likeliest newer data
            self.dataset_refs, key=lambda r: datasets.parse_ref(r)[0] != trained_on
        )
        dialog = RetrainDialog(self.state, ref, refs, self)
        dialog.promoted.connect(lambda _new_ref: self.refresh())
        self._keep_open(dialog, "retrain_dialog")
        dialog.show()
        return dialog

    def _thresholds_saved(self) -> None:
        self.state.status_message.emit(
            "Saved the thresholds. Press Check now (F5) to check with them."
        )
        if self.selected_ref is not None:
            self._show_version()

    def choose_export_file(self) -> None:
        if self.report is None or self.selected_ref is None:
            return
        name = f"{version_words(self.selected_ref)} {window_title(self.report)} report.html"
        path, _ = QFileDialog.getSaveFileName(
            self, "Export the report", str(Path.home() / name), "Web page (*.html)"
        )
        if path:
            self.export_to(Path(path))

    def export_to(self, path: Path) -> Task | None:
        """Write the report shown (with the trends, for a day) as one HTML file, off the GUI
        thread."""
        report = self.report
        if report is None or self.exporting is not None:
            return None
        history = self.history if (report.get("window") or {}).get("kind") == DAY else None
        task = self.state.workers.run_in_thread(
            "Exporting the report",
            lambda: monitoring_report.export_report(report, path, history=history),
        )
        self.exporting = task
        self._update_buttons()
        task.succeeded.connect(
            lambda written: self.state.status_message.emit(f"Saved the report to {written}.")
        )
        task.failed.connect(lambda message: show_message(self, message))
        task.finished.connect(self._export_finished)
        return task

    def _export_finished(self) -> None:
        self.exporting = None
        self._update_buttons()
