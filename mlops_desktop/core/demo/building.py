"""Building a demo workspace: its story told into a new folder, or told again from its seed to
reset a demo to its start (nothing is left of a build that fails or is cancelled)."""

from pathlib import Path
from typing import Any

from mlops_desktop.core.demo import (
    DEFAULT_SEED,
    discard,
    read_marker,
    rebuild_folder,
    replace,
    seed_of,
    start_folder,
    write_marker,
)
from mlops_desktop.core.demo.story import build_story
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.listing import count_runs, list_datasets, list_models
from mlops_desktop.core.progress import CancelCheck, Progress, never_cancel, no_progress
from mlops_desktop.core.workspace import Workspace


def build(
    workspace: Workspace,
    seed: int = DEFAULT_SEED,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Build the demo's story into the new, empty ``workspace`` (its folder made by
    ``start_folder``); returns ``{"home", "seed"}``."""
    home = workspace.home
    marker = read_marker(home)
    if marker is None or marker.get("complete") is not False:
        raise UserError(f"{home} was not made for a demo; the demo is built in a new folder.")
    if list_datasets(workspace) or list_models(workspace) or count_runs(workspace):
        raise UserError(f"{home} already holds a workspace; the demo is built in a new folder.")
    build_story(workspace, seed, progress, cancel)
    write_marker(home, seed, complete=True)
    progress(1.0, "The demo is ready")
    return {"home": str(home), "seed": seed}


def build_in(
    home: Path,
    seed: int = DEFAULT_SEED,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Build a demo in ``home``, made by ``start_folder``; nothing is left of it if the build
    fails or is cancelled."""
    try:
        workspace = Workspace(home)
        try:
            return build(workspace, seed, progress, cancel)
        finally:
            workspace.close()
    except BaseException:
        discard(home)
        raise


def create(
    home: Path,
    seed: int = DEFAULT_SEED,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Build a demo in the new folder ``home``."""
    return build_in(start_folder(home, seed), seed, progress, cancel)


def reset(
    home: Path, progress: Progress = no_progress, cancel: CancelCheck = never_cancel
) -> dict[str, Any]:
    """Build the demo at ``home`` again from its seed, as it was when first built."""
    staging = rebuild_folder(home)
    seed = seed_of(home)
    create(staging, seed, progress, cancel)
    replace(home, staging)
    return {"home": str(home.expanduser().resolve()), "seed": seed}
