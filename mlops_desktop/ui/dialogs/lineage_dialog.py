"""The Lineage view of a model version: the graph core draws, in a scrolling canvas. Clicking a box
says what it is; double-clicking opens it where the app shows such records (a dataset version in
Datasets, a run in Experiments, a version, its stage changes and serving sessions in Models, its
monitoring windows in Monitoring)."""

from typing import Any

from matplotlib.backend_bases import PickEvent
from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
from matplotlib.figure import Figure
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.governance import lineage, lineage_layout
from mlops_desktop.core.governance.lineage_layout import Layout, Placed
from mlops_desktop.core.governance.plots import lineage_figure, lineage_title
from mlops_desktop.ui.errors import show_message
from mlops_desktop.ui.state import AppState

HINT = "Click a box to read what it is; double-click it to open it."
# Where each kind of box opens: the pane, and the reference it is given.
OPENS_IN = {
    lineage.DATASET: "Datasets",
    lineage.RUN: "Experiments",
    lineage.CHALLENGER: "Experiments",
    lineage.MODEL: "Models",
    lineage.STAGE: "Models",
    lineage.DEPLOYMENT: "Models",
    lineage.WINDOW: "Monitoring",
}


def _drawn(workspace: Any, ref: str) -> tuple[Layout, Figure]:
    """The laid-out lineage and its figure (built off the GUI thread)."""
    placed = lineage_layout.layout(lineage.lineage(workspace, ref))
    return placed, lineage_figure(placed, lineage_title(ref))


class LineageDialog(QDialog):
    shown = Signal()  # the graph is drawn
    open_requested = Signal(str, str)  # a pane's name and the reference to show in it

    def __init__(self, state: AppState, ref: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        self.ref = ref
        self.layout_: Layout | None = None
        self.canvas: FigureCanvasQTAgg | None = None
        self.setObjectName("lineageDialog")
        self.setWindowTitle(f"Lineage — {ref.replace('@', ' version ')}")
        self.resize(1100, 560)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(False)
        self.scroll.setWidget(QLabel("Reading the lineage…"))
        self.details = QLabel(HINT)
        self.details.setObjectName("lineageDetails")
        self.details.setWordWrap(True)
        self.details.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.scroll, 1)
        layout.addWidget(self.details)
        layout.addWidget(buttons)
        task = state.workers.run_in_thread(
            f"Reading the lineage of {ref}", lambda: _drawn(state.workspace, ref), owner=self
        )
        task.succeeded.connect(self._show)
        task.failed.connect(lambda message: show_message(self, message))

    def _show(self, drawn: tuple[Layout, Figure]) -> None:
        self.layout_, figure = drawn
        self.canvas = FigureCanvasQTAgg(figure)
        width, height = figure.get_size_inches() * figure.dpi
        self.canvas.setFixedSize(int(width), int(height))
        self.canvas.mpl_connect("pick_event", self._picked)
        self.scroll.setWidget(self.canvas)
        self.shown.emit()

    def _picked(self, event: PickEvent) -> None:
        node_id = str(event.artist.get_gid())
        if event.mouseevent.dblclick:
            self.open_node(node_id)
        else:
            self.describe_node(node_id)

    def describe_node(self, node_id: str) -> None:
        placed = self._placed(node_id)
        words = placed.node.label.replace("\n", " · ")
        pane = OPENS_IN.get(placed.node.kind)
        where = f" Double-click to open it in {pane}." if pane else ""
        sha = placed.node.details.get("sha256")
        self.details.setText(words + (f" · SHA-256 {sha}" if sha else "") + where)

    def open_node(self, node_id: str) -> None:
        """Ask for the pane that shows this box's record (a collapsed box: its first one's)."""
        placed = self._placed(node_id)
        pane = OPENS_IN.get(placed.node.kind)
        if pane is None:  # a source file: there is nothing to open, but its details
            self.describe_node(node_id)
            return
        ref = placed.node.details.get("ref")
        if pane in ("Models", "Monitoring") and placed.node.kind != lineage.MODEL:
            ref = self.ref  # the version's own stage changes, serving and monitoring
        self.open_requested.emit(pane, str(ref or self.ref))

    def _placed(self, node_id: str) -> Placed:
        assert self.layout_ is not None
        return self.layout_.placed[node_id]

    def box_centre(self, node_id: str) -> tuple[int, int]:
        """Where a box is on the canvas, in the canvas's own coordinates (for clicking it)."""
        assert self.canvas is not None
        placed = self._placed(node_id)
        axes = self.canvas.figure.axes[0]
        x, y = axes.transData.transform((placed.layer, placed.row))
        ratio = self.canvas.device_pixel_ratio
        return int(x / ratio), int(self.canvas.height() - y / ratio)
