"""What every pane shares: the open workspace, the worker API, settings, and change signals."""

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from mlops_desktop.config import Settings, setup_logging
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui.workers import Workers


class AppState(QObject):
    workspace_changed = Signal()
    datasets_changed = Signal(str)  # the dataset name to select, or ""
    runs_changed = Signal()
    models_changed = Signal()
    serving_changed = Signal(str)  # the URL being served, or "" when stopped
    monitoring_changed = Signal()  # a check or a labels import stored new results
    status_message = Signal(str)

    def __init__(
        self, workspace: Workspace, settings: Settings, parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self.workspace = workspace
        self.settings = settings
        self.workers = Workers(self)
        self._opened(workspace)

    @property
    def home(self) -> Path:
        return self.workspace.home

    def switch_workspace(self, workspace: Workspace) -> None:
        self.workspace.close()
        self.workspace = workspace
        self._opened(workspace)
        self.workspace_changed.emit()

    def _opened(self, workspace: Workspace) -> None:
        setup_logging(workspace.home)
        self.workers.store = workspace.store.url  # worker processes open the same store
        self.settings.add_recent_workspace(workspace.home, workspace.store.url)
