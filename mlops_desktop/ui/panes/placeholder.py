"""Panes whose features arrive later: an empty state saying what will be there."""

from PySide6.QtWidgets import QVBoxLayout, QWidget

from mlops_desktop.ui.widgets.empty_state import EmptyState

COMING = {
    "Monitoring": (
        "Watch models in service",
        "Here you will see whether the data a served model receives is drifting away from its "
        "training data, how accurate it stays, and retrain it when needed.",
    ),
}


class PlaceholderPane(QWidget):
    def __init__(self, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        title, text = COMING[name]
        layout = QVBoxLayout(self)
        layout.addWidget(EmptyState(title, text + " (Not available in this version yet.)"))
