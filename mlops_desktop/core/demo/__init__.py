"""The demo workspace: a complete, deterministic story of the whole lifecycle for a class or a
demo, built in a new folder in seconds (``building`` builds and resets it, ``story`` tells it,
``traffic`` serves its month, ``applicants`` draws its rows, ``fingerprint`` hashes the result,
``facts`` holds what a newcomer reads about it). This module knows demo folders only, so the panes
that ask "is this a demo?" load none of the training and serving the building needs.

A demo folder holds ``demo.json`` (its seed, and whether its build finished) beside the workspace,
so it can be reset to its start (built again from the same seed, into a sibling folder, then
swapped in) and a cancelled or failed build can be removed; a folder without it is never touched.
The same seed gives the same workspace: ``fingerprint.content_hash`` is equal for two builds.
"""

import json
import shutil
from pathlib import Path
from typing import Any

from mlops_desktop.core.errors import UserError

DEFAULT_SEED = 2026
MARKER = "demo.json"


def read_marker(home: Path) -> dict[str, Any] | None:
    try:
        data = json.loads((home / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) and isinstance(data.get("seed"), int) else None


def write_marker(home: Path, seed: int, complete: bool) -> None:
    (home / MARKER).write_text(json.dumps({"seed": seed, "complete": complete}), encoding="utf-8")


def is_demo(home: Path) -> bool:
    """Whether ``home`` holds a demo whose build finished."""
    marker = read_marker(home.expanduser())
    return marker is not None and marker.get("complete") is True


def start_folder(home: Path, seed: int = DEFAULT_SEED) -> Path:
    """Make the new folder a demo will be built in (refused if it holds anything) and mark it
    as a demo being built; returns it, resolved."""
    home = home.expanduser().resolve()
    if home.exists() and not home.is_dir():
        raise UserError(f"{home} is a file; the demo is built in a new folder.")
    if home.is_dir() and any(home.iterdir()):
        raise UserError(
            f"{home} is not empty; the demo is built in a new folder (a demo already there can "
            "be reset to its start instead)."
        )
    try:
        home.mkdir(parents=True, exist_ok=True)
        write_marker(home, seed, complete=False)
    except OSError as error:
        raise UserError(f"The folder {home} cannot be created ({error.strerror}).") from error
    return home


def discard(home: Path) -> None:
    """Remove a demo folder (one whose build was cancelled or failed); any other folder is left
    as it is."""
    home = home.expanduser()
    if read_marker(home) is not None:
        shutil.rmtree(home, ignore_errors=True)


def rebuild_folder(home: Path) -> Path:
    """Where the demo at ``home`` is built again before it replaces the one there (left over
    from an interrupted reset, it is removed first)."""
    home = home.expanduser().resolve()
    if not is_demo(home):
        raise UserError(f"{home} is not a demo workspace; only a demo can be reset to its start.")
    staging = home.with_name(f".{home.name}.rebuilding")
    discard(staging)
    return staging


def seed_of(home: Path) -> int:
    marker = read_marker(home.expanduser())
    return int(marker["seed"]) if marker else DEFAULT_SEED


def replace(home: Path, built: Path) -> None:
    """Put the demo built in ``built`` in the place of the demo at ``home`` (whose workspace no
    one has open any more), then remove the old one."""
    home = home.expanduser().resolve()
    old = home.with_name(f".{home.name}.old")
    discard(old)
    try:
        home.rename(old)
        try:
            built.rename(home)
        except OSError:
            old.rename(home)
            raise
    except OSError as error:
        raise UserError(
            f"The demo at {home} cannot be replaced ({error.strerror}); close any program "
            "using it and try again."
        ) from error
    discard(old)
