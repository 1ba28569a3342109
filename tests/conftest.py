"""Shared fixtures. Every test gets its own workspace and settings folder; nothing touches the
user's real workspace or configuration, and nothing touches the network."""

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

REPO = Path(__file__).resolve().parent.parent
SAMPLES = REPO / "resources" / "samples"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(tmp_path / "default-home"))
    monkeypatch.setenv("MLOPS_DESKTOP_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "workspace"
