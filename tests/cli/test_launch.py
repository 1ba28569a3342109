"""How the app starts a child of itself (the model server), from a Python install and frozen."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from mlops_desktop import __version__
from mlops_desktop.launch import own_command

REPO = Path(__file__).resolve().parents[2]


def test_from_a_python_install_the_child_runs_the_package_with_this_python() -> None:
    command = own_command("--version")
    assert command == [sys.executable, "-m", "mlops_desktop", "--version"]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]),
    }
    result = subprocess.run(
        command, capture_output=True, text=True, env=env, check=False, timeout=60
    )
    assert result.returncode == 0
    assert result.stdout.strip() == f"mlops-desktop {__version__}"


def test_frozen_the_child_is_the_app_itself_with_the_cli_words(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    app = "/opt/mlops-desktop/mlops-desktop"
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", app)
    assert own_command("serve", "churn@production", "--port", "8765") == [
        app,
        "serve",
        "churn@production",
        "--port",
        "8765",
    ]
