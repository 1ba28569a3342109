"""An empty list's stand-in: what will be here, and what to do next, with buttons for it."""

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)


class EmptyState(QWidget):
    def __init__(
        self,
        title: str,
        text: str,
        actions: list[tuple[str, Callable[[], None]]] = [],  # noqa: B006 (never mutated)
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        heading = QLabel(f"<h2>{title}</h2>")
        heading.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body = QLabel(text)
        body.setWordWrap(True)
        body.setAlignment(Qt.AlignmentFlag.AlignCenter)
        body.setFixedWidth(520)
        body.setMinimumHeight(body.heightForWidth(520))
        layout.addWidget(heading)
        layout.addWidget(body, 0, Qt.AlignmentFlag.AlignHCenter)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.buttons: dict[str, QPushButton] = {}
        for label, callback in actions:
            button = QPushButton(label)
            button.clicked.connect(callback)
            buttons.addWidget(button)
            self.buttons[label] = button
        buttons.addStretch(1)
        layout.addLayout(buttons)
        layout.addStretch(2)


def pane_layout(
    pane: QWidget, empty: EmptyState, content: QWidget, title: str = ""
) -> QStackedWidget:
    """Lay a pane out as its title over a stack that shows ``empty`` or ``content``."""
    stack = QStackedWidget()
    stack.addWidget(empty)
    stack.addWidget(content)
    layout = QVBoxLayout(pane)
    layout.setContentsMargins(8, 8, 8, 8)
    if title:
        layout.addWidget(QLabel(f"<b>{title}</b>"))
    layout.addWidget(stack, 1)
    return stack
