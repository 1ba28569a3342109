"""Whether a server still runs, and asking it to stop gracefully, the same way on every platform.

Liveness: a server holds the lock ``artifacts/tmp/<token>.lock`` of its deployment (``store.locks``,
the mechanism trainings use) from before its record is committed until it has stopped. The operating
system drops the lock when the process ends in any way, so a held lock means a running server even
after a crash gave its old process id to another program, and nothing sends a signal to find out
(``os.kill(pid, 0)`` would interrupt a whole console process group on Windows).

Stopping: the client creates ``tmp/<token>.stop``; the server's main loop, which wakes every 0.2 s
anyway, sees it and stops as on SIGTERM: no new connections, requests already received answered,
the prediction log flushed, the deployment marked stopped, then the process exits 0. A file rather
than a stop request over HTTP, because:
- Windows has no SIGTERM: ``QProcess.terminate`` sends a console program nothing it can catch, and
  ``TerminateProcess`` loses the log rows still queued;
- it needs no new route (a leaked token would let any machine the server is reachable from stop
  it) and no secret to keep: whoever may write the workspace may already change its records;
- it reaches a server bound to one network address only (not on the loopback), one behind a
  proxy setting or a firewall prompt, and one whose request threads are all busy.
A server that has not stopped within the grace period (hung, or an older version that does not
watch the file) is ended by force: SIGTERM, then SIGKILL on POSIX; ``TerminateProcess`` on Windows.
Everything in ``tmp`` is named by a token, so a sweep removes a stop file its server never read.
"""

import os
import signal
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from mlops_desktop.core.workspace import Workspace

STOP_SUFFIX = ".stop"
GRACE_SECONDS = 15.0  # a graceful stop drains for up to 10 s (server.DRAIN_SECONDS), then flushes
FORCE_SECONDS = 5.0  # after SIGTERM, before SIGKILL
POLL_SECONDS = 0.1
# Deployment ids become lock tokens (32 hex digits, as the sweep expects) in a namespace of their own.
_DEPLOYMENTS = uuid.UUID("6f1c2a3e-5b7d-4e8f-9a0b-1c2d3e4f5a6b")


def token_of(deployment_id: int) -> str:
    """The token naming a deployment's lock and stop files."""
    return uuid.uuid5(_DEPLOYMENTS, str(deployment_id)).hex


def _stop_file(workspace: Workspace, deployment_id: int) -> Path:
    return workspace.artifacts.tmp / f"{token_of(deployment_id)}{STOP_SUFFIX}"


@contextmanager
def running(workspace: Workspace, deployment_id: int) -> Iterator[None]:
    """Held by the server for as long as it serves ``deployment_id``."""
    with workspace.artifacts.working_on(token_of(deployment_id)):
        try:
            yield
        finally:
            _stop_file(workspace, deployment_id).unlink(missing_ok=True)


def is_running(workspace: Workspace, deployment_id: int) -> bool:
    """Whether the server of ``deployment_id`` still runs (by its lock, not its process id)."""
    return workspace.artifacts.still_working(token_of(deployment_id)) is True


def stop_requested(workspace: Workspace, deployment_id: int) -> bool:
    return _stop_file(workspace, deployment_id).exists()


def request_stop(workspace: Workspace, deployment_id: int) -> bool:
    """Ask the server of ``deployment_id`` to stop gracefully; returns at once, False if it was
    not running."""
    if not is_running(workspace, deployment_id):
        return False
    _stop_file(workspace, deployment_id).touch()
    return True


def wait_stopped(workspace: Workspace, deployment_id: int, timeout: float) -> bool:
    """Whether the server of ``deployment_id`` has stopped within ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while is_running(workspace, deployment_id):
        if time.monotonic() >= deadline:
            return False
        time.sleep(POLL_SECONDS)
    return True


def stop(workspace: Workspace, deployment_id: int, pid: int, grace: float = GRACE_SECONDS) -> str:
    """Stop the server of ``deployment_id`` and wait for it: ``"stopped"`` (gracefully, its log
    complete), ``"ended by force"`` (it did not stop within ``grace`` seconds) or
    ``"not running"``."""
    if not request_stop(workspace, deployment_id):
        return "not running"
    if wait_stopped(workspace, deployment_id, grace):
        return "stopped"
    # Still holding its lock, so ``pid`` is still the server's (a reused id would be free).
    with suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)  # Windows: TerminateProcess
        if os.name != "nt" and not wait_stopped(workspace, deployment_id, FORCE_SECONDS):
            os.kill(pid, signal.SIGKILL)
    wait_stopped(workspace, deployment_id, FORCE_SECONDS)
    return "ended by force"
