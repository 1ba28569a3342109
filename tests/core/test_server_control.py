"""Telling a running server by its lock (never by its process id) and stopping one that does not
answer its stop file by force (``core.serving.control``); the graceful stop itself, with its log
counted row for row, is tested with the signals in test_serving.py."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.experiments import training
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import control
from mlops_desktop.core.serving.history import running_servers
from mlops_desktop.core.store.models import Deployment, ModelVersion
from mlops_desktop.core.workspace import Workspace
from tests.conftest import REPO, SAMPLES

TIMEOUT = 60

# Holds deployment 7's lock like a server, but never looks at its stop file and ignores SIGTERM:
# a hung server.
HUNG = """
import signal, sys
from pathlib import Path
from mlops_desktop.core.serving import control
from mlops_desktop.core.workspace import Workspace
signal.signal(signal.SIGTERM, signal.SIG_IGN)
with control.running(Workspace(Path(sys.argv[1])), 7):
    print("holding", flush=True)
    sys.stdin.read()
"""


def _deployment(workspace: Workspace, pid: int) -> int:
    datasets.import_file(workspace, SAMPLES / "iris.csv")
    run = training.train(
        workspace, training.Recipe(dataset="iris", target="species", algorithm="decision_tree")
    )[0]
    model_registry.register(workspace, run["run_id"], "flowers")
    with workspace.store.write() as session:
        version_id = session.scalar(select(ModelVersion.id))
        deployment = Deployment(model_version_id=version_id, host="127.0.0.1", port=8765, pid=pid)
        session.add(deployment)
        session.flush()
        return deployment.id


def test_a_server_counts_as_running_by_its_lock_whatever_its_process_id(
    workspace: Workspace,
) -> None:
    """A deployment whose process id runs (this very process, say after the id was reused) is
    not running without its lock; with the lock held it is, and stopping asks through a file."""
    deployment = _deployment(workspace, os.getpid())
    assert running_servers(workspace) == []
    assert not control.request_stop(workspace, deployment)
    assert control.stop(workspace, deployment, os.getpid()) == "not running"
    with control.running(workspace, deployment):
        [server] = running_servers(workspace)
        assert server["deployment"] == deployment and server["ref"] == "flowers@1"
        assert not control.stop_requested(workspace, deployment)
        assert control.request_stop(workspace, deployment)
        assert control.stop_requested(workspace, deployment)
    assert running_servers(workspace) == []
    assert not control.stop_requested(workspace, deployment)  # the server took its file away


def test_a_server_that_ignores_its_stop_file_is_ended_by_force(tmp_path: Path) -> None:
    home = tmp_path / "ws"
    Workspace(home).close()
    hung = subprocess.Popen(
        [sys.executable, "-c", HUNG, str(home)],
        cwd=REPO,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert hung.stdout is not None and hung.stdout.readline() == "holding\n"
        workspace = Workspace(home)
        try:
            assert control.is_running(workspace, 7)
            assert control.stop(workspace, 7, hung.pid, grace=0.5) == "ended by force"
            assert not control.is_running(workspace, 7)
        finally:
            workspace.close()
        assert hung.wait(TIMEOUT) == -9  # SIGTERM was ignored; SIGKILL was not
    finally:
        hung.kill()
        hung.wait()
