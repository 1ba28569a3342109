"""A progress bar with a message and a Cancel button, bound to one running Task at a time (the most
recent one it was asked to follow)."""

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QPushButton, QWidget

if TYPE_CHECKING:  # the worker module loads the data libraries; the window frame must not wait
    from mlops_desktop.ui.workers import Task

PROGRESS_STEPS = 1000


class TaskPanel(QWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.label = QLabel()
        self.label.setWordWrap(True)  # a long description wraps; it never widens the window
        self.bar = QProgressBar()
        self.bar.setRange(0, PROGRESS_STEPS)
        self.bar.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        self.cancel_button.setToolTip("Stop this work; nothing it started is kept.")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 2)
        layout.addWidget(self.bar, 3)
        layout.addWidget(self.cancel_button)
        self._task: Task | None = None
        self.cancel_button.clicked.connect(self._cancel)
        self.hide()

    def follow(self, task: "Task") -> None:
        self._task = task
        self.label.setText(task.description)
        self.bar.setValue(0)
        self.cancel_button.setEnabled(True)
        self.cancel_button.setText("Cancel")
        task.progressed.connect(
            lambda fraction, text: task is self._task and self._progress(fraction, text)
        )
        task.finished.connect(lambda: task is self._task and self._finished())
        self.show()

    def _progress(self, fraction: float, text: str) -> None:
        self.bar.setValue(int(fraction * PROGRESS_STEPS))
        self.bar.setFormat(f"{text} — {fraction:.0%}")

    def _cancel(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self.cancel_button.setEnabled(False)
            self.cancel_button.setText("Cancelling…")

    def _finished(self) -> None:
        self._task = None
        self.hide()
