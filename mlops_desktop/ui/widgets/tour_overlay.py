"""What the guided tour draws over the main window: a frame around the widget to use, the rest
dimmed, and a bubble beside it that says what it is, why it matters and what to do.

Both are children of the window, so they move and resize with it and land in a window grab; the
frame lets every click through to the real widgets underneath.
"""

from PySide6.QtCore import QObject, QRect, Qt, QTimer, Signal
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPaintEvent, QPen
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

FRAME_COLOUR = QColor("#e8730c")
DIM = QColor(0, 0, 0, 60)
MARGIN = 6  # pixels of frame around the target
GAP = 14  # pixels between the frame and the bubble
BUBBLE_WIDTH = 360
FOLLOW_MS = 200  # the frame follows a target that moves (splitters, layouts) at this pace


class Highlight(QWidget):
    """Dims the window except ``target`` and frames it; transparent to the mouse."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setObjectName("tourHighlight")
        self.hole = QRect()

    def paintEvent(self, _event: QPaintEvent) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        outside = QPainterPath()
        outside.addRect(self.rect())
        if not self.hole.isNull():
            inside = QPainterPath()
            inside.addRoundedRect(self.hole, 6, 6)
            outside = outside.subtracted(inside)
        painter.fillPath(outside, DIM)
        if not self.hole.isNull():
            painter.setPen(QPen(FRAME_COLOUR, 3))
            painter.drawRoundedRect(self.hole, 6, 6)


class Bubble(QFrame):
    """The step's words, its number, and Skip step / Close."""

    skip_requested = Signal()
    close_requested = Signal()

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self.setObjectName("tourBubble")
        self.setFixedWidth(BUBBLE_WIDTH)
        self.setStyleSheet(
            "#tourBubble { background: #fffaf2; border: 2px solid #e8730c; border-radius: 8px; }"
            "#tourBubble QLabel { color: #222; background: transparent; border: none; }"
        )
        self.counter = QLabel()
        self.counter.setStyleSheet("color: #8a4a06;")
        self.title = QLabel()
        self.title.setWordWrap(True)
        self.text = QLabel()
        self.text.setObjectName("tourText")
        self.text.setWordWrap(True)
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.skip_button = QPushButton("Skip step")
        self.skip_button.setToolTip("Go on to the next step without doing this one")
        self.skip_button.clicked.connect(self.skip_requested)
        self.close_button = QPushButton("Close")
        self.close_button.setToolTip("Leave the tour (Esc); Help → Tour… resumes it here")
        self.close_button.clicked.connect(self.close_requested)
        buttons = QHBoxLayout()
        buttons.addWidget(self.counter, 1)
        buttons.addWidget(self.skip_button)
        buttons.addWidget(self.close_button)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(14, 10, 14, 10)
        layout.addWidget(self.title)
        layout.addWidget(self.text)
        layout.addLayout(buttons)

    def show_words(self, counter: str, title: str, text: str, last: bool) -> None:
        self.counter.setText(counter)
        self.title.setText(f"<b>{title}</b>")
        self.text.setText(text)
        self.skip_button.setVisible(not last)
        self.close_button.setText("Finish" if last else "Close")
        self.adjustSize()


def bubble_place(area: QRect, target: QRect, size: tuple[int, int]) -> tuple[int, int]:
    """Where the bubble goes: below the target, else above, right, left (never over it when one
    of those fits in ``area``), else the bottom right corner of ``area``."""
    width, height = size
    left = min(max(target.left(), area.left() + GAP), area.right() - width - GAP)
    top = min(max(target.top(), area.top() + GAP), area.bottom() - height - GAP)
    candidates = [
        (left, target.bottom() + GAP),
        (left, target.top() - GAP - height),
        (target.right() + GAP, top),
        (target.left() - GAP - width, top),
    ]
    for x, y in candidates:
        if area.contains(QRect(x, y, width, height)):
            return x, y
    return area.right() - width - GAP, area.bottom() - height - GAP


class TourOverlay(QObject):
    """The frame and the bubble over ``window``, following the widget found by its objectName."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window_widget = window
        self.highlight = Highlight(window)
        self.bubble = Bubble(window)
        self.targets: tuple[str, ...] = ()
        self.timer = QTimer(self)
        self.timer.setInterval(FOLLOW_MS)
        self.timer.timeout.connect(self.place)

    def target(self) -> QWidget | None:
        """The first of the step's widgets that is on screen now (e.g. a list, or the empty
        list's button when there is nothing in it yet)."""
        for name in self.targets:
            found = self.window_widget.findChild(QWidget, name)
            if found is not None and found.isVisible():
                return found
        return None

    def point_at(self, targets: tuple[str, ...]) -> None:
        self.targets = targets
        self.highlight.show()
        self.bubble.show()
        self.place()
        self.timer.start()

    def place(self) -> None:
        area = self.window_widget.rect()
        self.highlight.setGeometry(area)
        target = self.target()
        hole = QRect()
        if target is not None:
            corner = target.mapTo(self.window_widget, target.rect().topLeft())
            hole = QRect(corner, target.size()).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)
        if hole != self.highlight.hole:
            self.highlight.hole = hole
            self.highlight.update()
        size = (self.bubble.width(), self.bubble.sizeHint().height())
        if target is None:  # nothing to point at (yet): at the top, in the middle
            x, y = (area.width() - size[0]) // 2, area.height() // 4
        else:
            x, y = bubble_place(area, hole, size)
        self.bubble.setGeometry(x, y, *size)
        self.highlight.raise_()
        self.bubble.raise_()

    def hide_all(self) -> None:
        self.timer.stop()
        self.highlight.hide()
        self.bubble.hide()
