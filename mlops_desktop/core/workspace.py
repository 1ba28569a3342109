"""A workspace: one folder holding ``store.db``, ``artifacts/`` and ``logs/``."""

from pathlib import Path

from mlops_desktop.config import log_path
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.filesystems import network_filesystem
from mlops_desktop.core.store.artifacts import ArtifactStore
from mlops_desktop.core.store.db import Store


def refuse_network_drive(home: Path) -> None:
    """SQLite's write-ahead log cannot work on a network drive (its shared memory and locks are
    not shared between computers), so a workspace there could be damaged: refused before anything
    is written."""
    kind = network_filesystem(home)
    if kind is not None:
        raise UserError(
            f"The workspace {home} is on a network drive ({kind}), where its database cannot "
            "be kept safely; choose a folder on this computer (File → Open Workspace…, --home "
            "DIR or MLOPS_DESKTOP_HOME)."
        )


class Workspace:
    def __init__(self, home: Path) -> None:
        home = home.expanduser().resolve()
        if home.exists() and not home.is_dir():
            raise UserError(f"{home} is a file, not a workspace folder.")
        refuse_network_drive(home)
        try:
            (home / "logs").mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise UserError(
                f"The workspace folder {home} cannot be created ({exc.strerror})."
            ) from exc
        self.home = home
        try:
            self.artifacts = ArtifactStore(home / "artifacts")
        except OSError as exc:
            raise UserError(
                f"The folder {home} cannot be used as a workspace ({exc.strerror or exc})."
            ) from exc
        self.store = Store(home / "store.db")

    @property
    def log_path(self) -> Path:
        return log_path(self.home)

    def close(self) -> None:
        self.store.close()
