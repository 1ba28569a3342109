"""Serving a model version from the Models pane (filled in below)."""

from typing import Any

from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from mlops_desktop.ui.state import AppState


class ServePanel(QWidget):
    def __init__(self, state: AppState, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.state = state
        layout = QVBoxLayout(self)
        layout.addWidget(QLabel("Serving"))

    def show_version(self, record: dict[str, Any] | None) -> None:
        self.record = record

    def stop(self, wait: bool = False) -> None:
        pass
