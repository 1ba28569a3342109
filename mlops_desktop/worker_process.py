"""What runs inside a worker process: opens the workspace, runs one core function, reports back.

The ui's worker API (``mlops_desktop.ui.workers``) starts a process with ``run_task`` as its target.
Messages on the queue: ``("progress", fraction, text)``, then exactly one of ``("ok", result)``,
``("cancelled",)``, ``("user_error", sentence)`` or ``("error", sentence)``. Tracebacks go to the
workspace log, never to the user. No Qt here: a worker process must start fast and stay small.
"""

import logging
import signal
import time
from collections.abc import Callable
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any, Protocol

from mlops_desktop.config import log_path, setup_logging
from mlops_desktop.core.errors import Cancelled, UserError
from mlops_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 0.05


class MessageQueue(Protocol):
    def put(self, item: Any) -> None: ...


def _exit_on_terminate(signum: int, frame: object) -> None:
    raise Cancelled("Stopped.")


def run_task(
    queue: MessageQueue,
    cancel_event: Event,
    home: Path,
    store: str | None,
    function: Callable[..., Any],
    args: tuple[Any, ...],
    kwargs: dict[str, Any],
) -> None:
    setup_logging(home)
    # Ended from outside (Cancel that took too long, quitting): unwind like an exception, so the
    # task's own clean-up (staged files, unreferenced artifacts) still runs.
    signal.signal(signal.SIGTERM, _exit_on_terminate)
    last_report = 0.0

    def progress(fraction: float, text: str) -> None:
        nonlocal last_report
        now = time.monotonic()
        if now - last_report >= PROGRESS_INTERVAL_S or fraction >= 1.0:
            last_report = now
            queue.put(("progress", fraction, text))

    try:
        workspace = Workspace(home, store)
        try:
            result = function(
                workspace, *args, progress=progress, cancel=cancel_event.is_set, **kwargs
            )
        finally:
            workspace.close()
        queue.put(("ok", result))
    except Cancelled:
        queue.put(("cancelled",))
    except UserError as exc:
        queue.put(("user_error", str(exc)))
    except BaseException:
        log.exception("Background task %s failed", getattr(function, "__name__", function))
        queue.put(("error", f"Something went wrong; the details are in {log_path(home)}."))
