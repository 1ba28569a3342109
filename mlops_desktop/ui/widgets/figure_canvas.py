"""Hosts a matplotlib Figure built in core; the ui never draws plots itself.

matplotlib is not loaded at start-up: a figure is built and its canvas module loaded by whoever
built it (``draw_in_thread`` does both on a worker thread, so the window keeps responding while
matplotlib loads the first time), and only the canvas is made here, on the GUI thread.
"""

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QLabel, QSizePolicy, QVBoxLayout, QWidget

if TYPE_CHECKING:
    from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg
    from matplotlib.figure import Figure

    from mlops_desktop.ui.workers import Task, Workers

DRAWING = "Drawing the chart…"


def _built_with_canvas_module(build: Callable[[], "Figure | None"]) -> "Figure | None":
    import matplotlib.backends.backend_qtagg  # noqa: F401  (so the GUI thread need not load it)

    return build()


class FigureView(QWidget):
    drawn = Signal()  # a figure built by ``draw_in_thread`` is shown (or why it could not be)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self.canvas: FigureCanvasQTAgg | None = None
        self.message = QLabel()
        self.message.setObjectName("figureMessage")
        self.message.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.message.setWordWrap(True)
        self.message.hide()
        self._layout.addWidget(self.message)
        self.drawing: Task | None = None  # the newest figure being built; older ones are dropped

    def show_figure(self, figure: "Figure | None") -> None:
        self.drawing = None
        self.message.hide()
        self._remove_canvas()
        if figure is not None:
            from matplotlib.backends.backend_qtagg import FigureCanvasQTAgg

            self.canvas = FigureCanvasQTAgg(figure)
            self.canvas.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
            self.canvas.setMinimumHeight(220)
            self._layout.addWidget(self.canvas)

    def draw_in_thread(self, workers: "Workers", build: Callable[[], "Figure | None"]) -> "Task":
        """Build a figure on a worker thread and show it when it is ready ("Drawing the chart…"
        meanwhile); if another is asked for before, only the newest is shown."""
        self._remove_canvas()
        self.message.setText(DRAWING)
        self.message.show()
        task = workers.run_in_thread(
            "Drawing a chart", lambda: _built_with_canvas_module(build), owner=self
        )
        task.ask_before_quitting = False  # a look the app takes on its own
        self.drawing = task

        def shown(result: Any) -> None:
            if task is self.drawing:
                if isinstance(result, str):  # why the chart could not be drawn
                    self.show_figure(None)
                    self.message.setText(result)
                    self.message.show()
                else:
                    self.show_figure(result)
                self.drawn.emit()

        task.succeeded.connect(shown)
        task.failed.connect(shown)
        return task

    def _remove_canvas(self) -> None:
        if self.canvas is not None:
            self._layout.removeWidget(self.canvas)
            self.canvas.deleteLater()
            self.canvas = None
