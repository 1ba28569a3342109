"""The one worker API: long core functions run off the GUI thread with progress and a real Cancel.

``Workers.run_in_workspace`` runs a core function ``fn(workspace, *args, progress=, cancel=)`` in a
separate process (CPU-heavy work there cannot stall the Qt event loop through the GIL, and Cancel can
stop it for real). ``Workers.run_in_thread`` runs a short function ``fn(*args)`` on a thread, for
quick reads such as an import preview. Both hand back a ``Task`` whose signals report progress and
exactly one outcome, then ``finished``.
"""

import logging
import multiprocessing
import queue
import sys
import threading
from collections.abc import Callable
from multiprocessing import forkserver
from multiprocessing.context import BaseContext
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, QTimer, Signal
from shiboken6 import isValid

from mlops_desktop.core.errors import Cancelled, UserError
from mlops_desktop.worker_process import run_task

log = logging.getLogger(__name__)

POLL_MS = 25
CANCEL_GRACE_MS = 10_000  # long enough for the longest step between two cancel checks


def _context() -> BaseContext:
    if sys.platform != "win32" and "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        # Worker processes fork from a server that has already imported the heavy libraries.
        context.set_forkserver_preload(
            ["mlops_desktop.worker_process", "mlops_desktop.core.data.datasets"]
        )
        return context
    return multiprocessing.get_context("spawn")


class Task(QObject):
    """One running piece of work. Exactly one of succeeded/failed/cancelled, then finished."""

    progressed = Signal(float, str)
    succeeded = Signal(object)
    failed = Signal(str)
    cancelled = Signal()
    finished = Signal()

    def __init__(self, description: str, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.description = description
        self.done = False
        self.cancel_requested = False
        # Work that only finds something to show (no record or file of the user's depends on it
        # finishing) may be cancelled at quitting without asking.
        self.ask_before_quitting = True

    def cancel(self) -> None:
        self.cancel_requested = True

    def _finish(self, kind: str, payload: Any = None) -> None:
        if self.done:
            return
        self.done = True
        if kind == "ok":
            self.succeeded.emit(payload)
        elif kind == "cancelled":
            self.cancelled.emit()
        else:
            self.failed.emit(payload)
        self.finished.emit()


class ProcessTask(Task):
    def __init__(self, context: BaseContext, description: str, parent: QObject | None) -> None:
        super().__init__(description, parent)
        self._queue = context.Queue()  # type: ignore[attr-defined]
        self._cancel_event = context.Event()  # type: ignore[attr-defined]
        self._process: Any = None
        self._starter: threading.Thread | None = None
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)

    def start(self, target_args: tuple[Any, ...], context: BaseContext) -> None:
        self._process = context.Process(  # type: ignore[attr-defined]
            target=run_task, args=(self._queue, self._cancel_event, *target_args), daemon=True
        )
        # Starting can wait for the worker server to finish loading its libraries: not on the GUI
        # thread.
        self._starter = threading.Thread(target=self._process.start, daemon=True)
        self._starter.start()
        self._timer.start()

    def _starting(self) -> bool:
        return self._starter is not None and self._starter.is_alive()

    def cancel(self) -> None:
        if self.done or self.cancel_requested:
            return
        super().cancel()
        self._cancel_event.set()
        QTimer.singleShot(CANCEL_GRACE_MS, self._stop_if_still_running)

    def stop(self, timeout_s: float) -> None:
        """Cancel and wait up to ``timeout_s`` for the process to clean up, then end it."""
        if self._starter is None:
            return
        self._cancel_event.set()
        self._starter.join(timeout_s)
        self._process.join(timeout_s)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(1)

    def _stop_if_still_running(self) -> None:
        if self.done:
            return
        if self._starting():
            QTimer.singleShot(CANCEL_GRACE_MS, self._stop_if_still_running)
        elif self._process.is_alive():
            log.info("Task %r did not stop in time after Cancel; terminating it", self.description)
            self._process.terminate()

    def _poll(self) -> None:
        if self.done:  # only waiting for the process to exit is left (see _close)
            if not self._process.is_alive():  # is_alive() reaps an exited process
                self._timer.stop()
            return
        # Whether it had ended is read before draining, so every message it sent is drained.
        ended = not self._starting() and not self._process.is_alive()
        while True:
            try:
                message = self._queue.get_nowait()
            except queue.Empty:
                break
            if message[0] == "progress":
                self.progressed.emit(message[1], message[2])
            else:
                self._close()
                self._finish(message[0], message[1] if len(message) > 1 else None)
                return
        if ended:
            self._close()
            if self.cancel_requested:
                self._finish("cancelled")
            else:
                self._finish("error", "The background work stopped unexpectedly.")

    def _close(self) -> None:
        """Stop listening to the process. One that sent its result may take a moment more to
        exit (freeing a large model's memory took 50 ms): the timer goes on until it has, so
        the GUI thread never waits on it."""
        if self._process.pid is None or not self._process.is_alive():
            self._timer.stop()


class _ThreadSignals(QObject):
    result = Signal(str, object)


class _Runnable(QRunnable):
    def __init__(self, function: Callable[[], Any], signals: _ThreadSignals) -> None:
        super().__init__()
        self._function = function
        self._signals = signals

    def run(self) -> None:
        try:
            self._signals.result.emit("ok", self._function())
        except Cancelled:
            self._signals.result.emit("cancelled", None)
        except UserError as exc:
            self._signals.result.emit("user_error", str(exc))
        except Exception:
            log.exception("Background work failed")
            self._signals.result.emit("error", "Something went wrong; the details are in the log.")


class Workers(QObject):
    """Starts tasks and keeps them alive until they finish."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._context = _context()
        self._pool = QThreadPool(self)
        self.running: list[Task] = []
        self.store: str | None = None  # the team store of the workspace tasks open (None: store.db)

    def start_server(self) -> None:
        """Start the worker server (it loads the data libraries) on a thread, so that the first
        task starts at once; otherwise the first task starts it. The window asks for it once
        start-up is over, not to compete with it for the CPU."""
        if self._context.get_start_method() == "forkserver":
            threading.Thread(target=forkserver.ensure_running, daemon=True).start()

    def run_in_workspace(
        self,
        description: str,
        home: Path,
        function: Callable[..., Any],
        *args: Any,
        **kwargs: Any,
    ) -> Task:
        task = ProcessTask(self._context, description, self)
        self._track(task)
        task.start((home, self.store, function, args, kwargs), self._context)
        return task

    def run_in_thread(
        self, description: str, function: Callable[[], Any], owner: QObject | None = None
    ) -> Task:
        """Run ``function`` on a thread of the pool. ``owner``, the widget the result is for: if
        it is deleted first (its window closed), the task ends as cancelled, so no handler of the
        result touches what is gone."""
        task = Task(description, self)
        signals = _ThreadSignals(task)

        def finish(kind: str, payload: Any) -> None:
            # A thread cannot be stopped: a result (or a failure) that arrives after Cancel, or
            # after its owner was deleted, is dropped.
            dropped = task.cancel_requested or (owner is not None and not isValid(owner))
            task._finish("cancelled" if dropped else kind, payload)

        signals.result.connect(finish)
        self._track(task)
        self._pool.start(_Runnable(function, signals))
        return task

    @property
    def busy(self) -> bool:
        """Whether work is running whose result would be lost: not only looks the app takes on
        its own (``Task.ask_before_quitting`` False), which never hold up quitting or switching
        workspaces."""
        return any(task.ask_before_quitting for task in self.running)

    def _track(self, task: Task) -> None:
        self.running.append(task)
        task.finished.connect(lambda: self.running.remove(task))

    def shutdown(self, timeout_s: float = 5.0) -> None:
        """At exit: cancel everything, give processes a moment to clean up, then end them."""
        for task in list(self.running):
            task.cancel()
            if isinstance(task, ProcessTask):
                task.stop(timeout_s)
        self._pool.waitForDone()
