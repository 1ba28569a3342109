"""Shared fixtures. Every test gets its own workspace and settings folder; nothing touches the
user's real workspace or configuration, and nothing touches the network."""

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
# Offscreen Qt with a desktop-sized screen (its default is 800×600, smaller than the main window).
os.environ.setdefault(
    "QT_QPA_PLATFORM", f"offscreen:configfile={REPO / 'tests' / 'offscreen-screen.json'}"
)
SAMPLES = REPO / "resources" / "samples"


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MLOPS_DESKTOP_HOME", str(tmp_path / "default-home"))
    monkeypatch.setenv("MLOPS_DESKTOP_CONFIG_DIR", str(tmp_path / "config"))


@pytest.fixture
def home(tmp_path: Path) -> Path:
    return tmp_path / "workspace"
