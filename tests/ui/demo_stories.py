"""Small stand-ins for the demo's story, run by the GUI's worker process in the demo tests (the
whole story is tested in tests/core/test_demo.py): the window's part is the same whatever the
story holds. Kept free of Qt, as the worker process is."""

import time
from typing import Any

from mlops_desktop.core.data import datasets
from mlops_desktop.core.demo import building
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.core.workspace import Workspace
from tests.conftest import SAMPLES

SMALL_DATASET = "demo flowers"


def _one_dataset(workspace: Workspace, seed: int, progress: Any, cancel: Any) -> None:
    progress(0.5, "Importing the flowers")
    datasets.import_file(workspace, SAMPLES / "iris.csv", SMALL_DATASET)


def _until_cancelled(workspace: Workspace, seed: int, progress: Any, cancel: Any) -> None:
    progress(0.1, "Waiting for Cancel")
    while not cancel():  # in the worker process: the test itself waits on signals
        time.sleep(0.01)
    raise Cancelled()


def small_demo(workspace: Workspace, seed: int, progress: Any, cancel: Any) -> dict[str, Any]:
    """``building.build`` with a one-dataset story (patched in this worker process only)."""
    building.build_story = _one_dataset  # type: ignore[assignment]
    return building.build(workspace, seed, progress=progress, cancel=cancel)


def demo_until_cancelled(
    workspace: Workspace, seed: int, progress: Any, cancel: Any
) -> dict[str, Any]:
    """``building.build`` with a story that runs until Cancel is pressed."""
    building.build_story = _until_cancelled  # type: ignore[assignment]
    return building.build(workspace, seed, progress=progress, cancel=cancel)
