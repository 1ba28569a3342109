"""The GUI end of the one error channel, and confirmations.

A ``UserError`` sentence is shown as it is; anything else is logged with its traceback and the user
sees "something went wrong" with the log file's path. Message boxes open window-modal without blocking
the event loop.
"""

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from types import TracebackType

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from mlops_desktop.core.errors import UserError

log = logging.getLogger(__name__)
TITLE = "MLOps Desktop"
ERROR_STYLE = "color: #a4262c; font-weight: bold;"  # a refusal shown in a form, in red


def show_message(
    parent: QWidget | None, text: str, icon: QMessageBox.Icon = QMessageBox.Icon.Warning
) -> QMessageBox:
    """Open a message box without blocking; it deletes itself when closed."""
    box = QMessageBox(icon, TITLE, text, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("messageBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


def unexpected_error_text(log_file: Path) -> str:
    return f"Something went wrong. The details were written to the log file:\n{log_file}"


def report_exception(parent: QWidget | None, error: BaseException, log_file: Path) -> QMessageBox:
    if isinstance(error, UserError):
        return show_message(parent, str(error))
    log.error("Unexpected error", exc_info=(type(error), error, error.__traceback__))
    return show_message(parent, unexpected_error_text(log_file), QMessageBox.Icon.Critical)


def install_excepthook(log_file: Callable[[], Path]) -> None:
    """Route uncaught exceptions (including those in Qt slots) to the log and a plain message."""

    def hook(kind: type[BaseException], error: BaseException, trace: TracebackType | None) -> None:
        if issubclass(kind, KeyboardInterrupt):
            QApplication.quit()
            return
        error.__traceback__ = trace
        report_exception(QApplication.activeWindow(), error, log_file())

    sys.excepthook = hook


def confirm(parent: QWidget | None, title: str, text: str, action: str) -> bool:
    """Ask before anything destructive; the default button is the safe one."""
    box = QMessageBox(
        QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, parent
    )
    do_it = box.addButton(action, QMessageBox.ButtonRole.DestructiveRole)
    box.setDefaultButton(QMessageBox.StandardButton.Cancel)
    box.exec()
    return box.clickedButton() is do_it
