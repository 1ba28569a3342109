"""The Monitoring pane's status cards: one per watched model version, with its status, newest
window and performance; clicking or pressing Enter chooses it."""

import html
from typing import Any

from PySide6.QtCore import (
    Qt,
    Signal,
)
from PySide6.QtGui import (
    QMouseEvent,
)
from PySide6.QtWidgets import (
    QFrame,
    QLabel,
    QVBoxLayout,
    QWidget,
)

from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.vocabulary import status_word, version_words
from mlops_desktop.ui.models.tables import local_time
from mlops_desktop.ui.panes.monitoring_text import STATUS_MEANINGS, card_performance, status_colours


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
        stage = model_registry.STAGE_LABELS.get(card["stage"], card["stage"])
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
            f"Last checked {local_time(card['last_check'])}"
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
