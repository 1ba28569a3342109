"""What the guided tour draws over the main window: a frame around the widget to use, the rest
dimmed, and a bubble beside it that says what it is, why it matters and what to do.

Both are children of the window, so they move and resize with it and land in a window grab; the
frame lets every click through to the real widgets underneath.
"""

from PySide6.QtCore import QEvent, QObject, QRect, Qt, QTimer, Signal
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


def bubble_place(
    area: QRect, target: QRect, size: tuple[int, int], avoid: list[QRect] | None = None
) -> tuple[int, int]:
    """Where the bubble goes: below the target, else above, right, left, else a corner of
    ``area``: the first place inside ``area`` that covers neither the target nor what the user
    needs to see or use beside it (``avoid``); failing that, the first that spares the target."""
    width, height = size
    left = min(max(target.left(), area.left() + GAP), area.right() - width - GAP)
    top = min(max(target.top(), area.top() + GAP), area.bottom() - height - GAP)
    candidates = [
        (left, target.bottom() + GAP),
        (left, target.top() - GAP - height),
        (target.right() + GAP, top),
        (target.left() - GAP - width, top),
        (area.right() - width - GAP, area.bottom() - height - GAP),
        (area.right() - width - GAP, area.top() + GAP),
    ]
    places = [QRect(x, y, width, height) for x, y in candidates]
    fitting = [place for place in places if area.contains(place) and not place.intersects(target)]
    spared = [p for p in fitting if not any(p.intersects(other) for other in avoid or [])]
    best = (spared or fitting or places[-2:])[0]
    return best.x(), best.y()


class TourOverlay(QObject):
    """The frame and the bubble over ``window``, following the widget found by its objectName."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self.window_widget = window
        self.highlight = Highlight(window)
        self.bubble = Bubble(window)
        self.targets: tuple[str, ...] = ()
        self.avoid: tuple[str, ...] = ()
        self.watched: list[QWidget] = []
        self.timer = QTimer(self)
        self.timer.setInterval(FOLLOW_MS)
        self.timer.timeout.connect(self.place)

    def target(self) -> QWidget | None:
        """The first of the step's widgets that is on screen now (e.g. a list, or the empty
        list's button when there is nothing in it yet)."""
        for name in self.targets:
            found = self._find(name)
            if found is not None and found.isVisible():
                return found
        return None

    def _find(self, name: str) -> QWidget | None:
        found: QWidget | None = self.window_widget.findChild(QWidget, name)
        return found

    def _frame(self, widget: QWidget) -> QRect:
        corner = widget.mapTo(self.window_widget, widget.rect().topLeft())
        return QRect(corner, widget.size()).adjusted(-MARGIN, -MARGIN, MARGIN, MARGIN)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (
            QEvent.Type.Move,
            QEvent.Type.Resize,
            QEvent.Type.Show,
            QEvent.Type.Hide,
        ):
            QTimer.singleShot(0, self.place)
        return False

    def point_at(self, targets: tuple[str, ...], avoid: tuple[str, ...] = ()) -> None:
        self.targets, self.avoid = targets, avoid
        for widget in self.watched:
            widget.removeEventFilter(self)
        self.watched = [w for w in map(self._find, targets) if w is not None]
        for widget in self.watched:  # a layout moving it is followed at once
            widget.installEventFilter(self)
        self.highlight.show()
        self.bubble.show()
        self.place()
        self.timer.start()

    def place(self) -> None:
        area = self.window_widget.rect()
        self.highlight.setGeometry(area)
        target = self.target()
        hole = QRect() if target is None else self._frame(target)
        if hole != self.highlight.hole:
            self.highlight.hole = hole
            self.highlight.update()
        width = self.bubble.width()
        height = self.bubble.heightForWidth(width)  # wrapped words: as tall as they need
        size = (width, height if height > 0 else self.bubble.sizeHint().height())
        if target is None:  # nothing to point at (yet): at the top, in the middle
            x, y = (area.width() - size[0]) // 2, area.height() // 4
        else:
            avoid = [self._frame(w) for w in map(self._find, self.avoid) if w and w.isVisible()]
            x, y = bubble_place(area, hole, size, avoid)
        self.bubble.setGeometry(x, y, *size)
        self.highlight.raise_()
        self.bubble.raise_()

    def hide_all(self) -> None:
        self.timer.stop()
        for widget in self.watched:
            widget.removeEventFilter(self)
        self.watched = []
        self.highlight.hide()
        self.bubble.hide()
