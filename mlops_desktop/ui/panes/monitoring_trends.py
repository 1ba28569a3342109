"""The Monitoring pane's Trends tab: how the checks of a model version changed day by day, one
chart per question (drift share, columns, predictions, volume, performance), each with a caption
saying how to read it. Charts are drawn when the tab is first shown, not before."""

from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import QLabel, QScrollArea, QVBoxLayout, QWidget

from mlops_desktop.core.monitoring import plots
from mlops_desktop.core.vocabulary import counted
from mlops_desktop.ui.panes.monitoring_text import TREND_CAPTIONS
from mlops_desktop.ui.widgets.figure_canvas import FigureView

CHART_DELAY_MS = 30  # charts are drawn once the table and text have been painted
TREND_HEIGHT = 300


class TrendsView(QScrollArea):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.history: list[dict[str, Any]] = []
        self.compared_with = ""
        self.thresholds: dict[str, Any] = {}
        self.drawn = False
        self.note = QLabel()
        self.note.setObjectName("trendsNote")
        self.note.setWordWrap(True)
        self.views: dict[str, FigureView] = {}
        self.boxes: dict[str, QWidget] = {}
        holder = QWidget()
        layout = QVBoxLayout(holder)
        layout.addWidget(self.note)
        for key, caption in TREND_CAPTIONS.items():
            box = QWidget()
            box_layout = QVBoxLayout(box)
            box_layout.setContentsMargins(0, 8, 0, 8)
            view = FigureView()
            view.setMinimumHeight(TREND_HEIGHT)
            box_layout.addWidget(view)
            caption_label = QLabel(caption)
            caption_label.setWordWrap(True)
            caption_label.setStyleSheet("color: #555;")
            box_layout.addWidget(caption_label)
            layout.addWidget(box)
            self.views[key] = view
            self.boxes[key] = box
        layout.addStretch(1)
        self.setWidget(holder)
        self.setWidgetResizable(True)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(CHART_DELAY_MS)
        self.timer.timeout.connect(self.draw)

    def set_history(
        self, history: list[dict[str, Any]], compared_with: str, thresholds: dict[str, Any]
    ) -> None:
        """The checked days to chart (oldest first), the reference in words, the thresholds."""
        self.history, self.compared_with, self.thresholds = history, compared_with, thresholds
        self.drawn = False
        self._schedule()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._schedule()

    def _schedule(self) -> None:
        if self.isVisible() and not self.drawn:
            self.timer.start()

    def draw(self) -> None:
        self.drawn = True
        if not self.history:
            self.note.setText(
                "No day has been checked yet with this reference and these thresholds. Choose "
                "'Each day of the log' and press Check now (F5)."
            )
            for key, view in self.views.items():
                view.show_figure(None)
                self.boxes[key].hide()
            return
        self.note.setText(
            f"{counted(len(self.history), 'checked day')}, from "
            f"{self.history[0]['window']['name']} to {self.history[-1]['window']['name']}, "
            f"compared with {self.compared_with}."
        )
        figures = plots.trend_figures(self.history, self.thresholds)
        for key, view in self.views.items():
            figure = figures.get(key)
            view.show_figure(figure)
            self.boxes[key].setVisible(figure is not None)
