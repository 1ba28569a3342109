"""A workspace: one folder holding ``store.db``, ``artifacts/`` and ``logs/``.

A team's workspace keeps its records in a PostgreSQL database instead of ``store.db`` (``store``, a
``postgresql://`` address); its folder, with the artifacts, is then one every member reaches, a
network share included.

Opening one tidies what a crash left behind (``store.upkeep``): files no record refers to and no
running process is writing, and runs still marked running whose process is gone.
"""

import logging
from pathlib import Path
from typing import Any

from mlops_desktop.config import log_path
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.filesystems import network_filesystem
from mlops_desktop.core.store import upkeep
from mlops_desktop.core.store.artifacts import ArtifactStore
from mlops_desktop.core.store.db import Store

log = logging.getLogger(__name__)


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
    def __init__(self, home: Path, store: str | None = None) -> None:
        home = home.expanduser().resolve()
        if home.exists() and not home.is_dir():
            raise UserError(f"{home} is a file, not a workspace folder.")
        if store is None:  # a team store's folder is meant to be shared
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
        self.store = Store(store if store is not None else home / "store.db")
        self.removed_on_opening: list[str] = []
        try:
            self.removed_on_opening = self._tidy()
        except OSError:  # a read-only folder, say: opening still works, ``check`` will say why
            log.warning("The workspace's leftover files could not be tidied", exc_info=True)

    def _tidy(self) -> list[str]:
        """Remove what crashes left behind; returns the removed files, relative to the folder."""
        upkeep.mark_abandoned_runs(self.store, self.artifacts)
        removed = sorted(
            path.relative_to(self.home).as_posix()
            for path in upkeep.remove_unreferenced(self.store, self.artifacts)
        )
        if removed:
            log.info("Removed %d files no record refers to: %s", len(removed), ", ".join(removed))
        return removed

    def check(self) -> dict[str, Any]:
        """The database's own integrity check ("ok" when fine) and the files no record referred to
        that were removed, on opening or now (``workspace check``)."""
        try:
            removed = self.removed_on_opening + self._tidy()
        except OSError as exc:
            raise UserError(
                f"The workspace's leftover files cannot be removed ({exc.strerror or exc})."
            ) from exc
        return {"integrity": self.store.integrity_check(), "removed": sorted(removed)}

    def info(self) -> dict[str, Any]:
        """Where this workspace keeps what (``workspace info``; the status bar)."""
        return {
            "home": str(self.home),
            "store": self.store.description,
            "artifacts": str(self.artifacts.root),
        }

    @property
    def log_path(self) -> Path:
        return log_path(self.home)

    def close(self) -> None:
        self.store.close()
