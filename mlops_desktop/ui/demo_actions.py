"""Opening and resetting the demo workspace from the window (File menu, Home): the build runs in a
worker process with progress and Cancel (``workers``), then the window opens the demo.

A reset asks first, builds the demo again beside the open one, and only once that build is done
closes the open workspace, swaps the folders and opens the fresh one, so a cancelled or failed
reset leaves the demo as it was.
"""

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog

from mlops_desktop.config import default_demo_home
from mlops_desktop.core import demo
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.ui import errors
from mlops_desktop.ui.workers import Task

if TYPE_CHECKING:
    from mlops_desktop.ui.main_window import MainWindow

RESET_QUESTION = (
    "Reset the demo workspace {home} to its start? Everything done in it since it was built "
    "(imports, runs, stage changes, labels) is removed, and the demo is built again, as it was "
    "the first time."
)


class DemoActions(QObject):
    """The window's demo commands; ``opened`` carries the demo's folder once it is open."""

    opened = Signal(Path)

    def __init__(self, window: "MainWindow") -> None:
        super().__init__(window)
        self.window = window
        self.task: Task | None = None
        # The core function the worker runs: ``building.build`` unless a test runs a smaller story.
        self.build: Callable[..., Any] | None = None

    @property
    def _state(self) -> Any:
        return self.window.state

    def _busy(self) -> bool:
        if self.task is not None or self._state.workers.busy:
            errors.show_message(
                self.window, "Wait for the running work to finish (or cancel it) first."
            )
            return True
        return False

    def open_default(self) -> Task | None:
        """Home's button: the demo in its usual folder, built there the first time."""
        home = default_demo_home()
        if demo.is_demo(home):
            self._open(home)
            return None
        demo.discard(home)  # a build that was interrupted (the app closed, say) starts again
        if home.exists() and any(home.iterdir()):
            return self.choose()
        return self.build_in(home)

    def choose(self) -> Task | None:
        """File → Open Demo Workspace…: a demo folder is opened, an empty one gets a new demo."""
        folder = QFileDialog.getExistingDirectory(
            self.window, "Choose an empty folder for the demo (or a demo to open)"
        )
        if not folder:
            return None
        if demo.is_demo(Path(folder)):
            self._open(Path(folder))
            return None
        return self.build_in(Path(folder))

    def build_in(self, home: Path) -> Task | None:
        """Build a new demo in ``home`` (new or empty), then open it."""
        if self._busy():
            return None
        try:
            home = demo.start_folder(home)
        except UserError as error:
            errors.show_message(self.window, str(error))
            return None
        task = self._run(
            "Building the demo workspace", home, demo.seed_of(home), lambda: self._open(home)
        )
        task.failed.connect(lambda _message: demo.discard(home))
        task.cancelled.connect(lambda: demo.discard(home))
        return task

    def reset(self) -> Task | None:
        """File → Reset Demo Workspace…: after a confirmation, the open demo as it was built."""
        home = self._state.home
        if not demo.is_demo(home):
            errors.show_message(
                self.window,
                f"{home} is not a demo workspace; only a demo can be reset. Open the demo "
                "first (File → Open Demo Workspace…).",
            )
            return None
        if self._busy():
            return None
        window = self.window
        if "Models" in window.panes and window.models_pane.serve_panel.process is not None:
            errors.show_message(self.window, "Stop serving first; then reset the demo.")
            return None
        question = RESET_QUESTION.format(home=home)
        if not errors.confirm(self.window, "Reset Demo Workspace", question, "Reset"):
            return None
        try:
            staging = demo.start_folder(demo.rebuild_folder(home), demo.seed_of(home))
        except UserError as error:
            errors.show_message(self.window, str(error))
            return None
        task = self._run(
            "Resetting the demo workspace",
            staging,
            demo.seed_of(home),
            lambda: self._swap(home, staging),
        )
        task.failed.connect(lambda _message: demo.discard(staging))
        task.cancelled.connect(lambda: demo.discard(staging))
        return task

    def _run(self, description: str, home: Path, seed: int, then: Callable[[], None]) -> Task:
        """Build in a worker; ``then`` once it succeeded and is no longer running work (opening
        a workspace waits for running work to end)."""
        from mlops_desktop.core.demo import building  # loaded after start-up (the panes' preload)

        task = self._state.workers.run_in_workspace(
            description, home, self.build or building.build, seed
        )
        self.task = task
        self.window.task_panel.follow(task)
        succeeded: list[object] = []
        task.succeeded.connect(succeeded.append)
        task.failed.connect(lambda message: errors.show_message(self.window, message))

        def finished() -> None:
            self.task = None
            if succeeded:
                then()

        task.finished.connect(finished)
        return task

    def _open(self, home: Path) -> None:
        """Open the demo at ``home`` in the window (as File → Open Workspace… does)."""
        task = self.window.open_workspace(home)
        if task is not None:
            task.succeeded.connect(lambda _workspace: self.opened.emit(home))

    def _swap(self, home: Path, built: Path) -> None:
        """The reset's build is done: close the open demo, put the new one in its place, open
        it (the folder's other windows, such as a help window, stay)."""
        state = self._state
        state.workspace.close()
        try:
            demo.replace(home, built)
        except UserError as error:
            demo.discard(built)
            errors.show_message(self.window, str(error))
        state.switch_workspace(Workspace(home))
        state.status_message.emit(f"The demo workspace {home} is back at its start.")
        self.opened.emit(home)
