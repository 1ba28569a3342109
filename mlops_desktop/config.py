"""The one place for paths and settings.

- The workspace folder: ``--home DIR``, else ``MLOPS_DESKTOP_HOME``, else the platform's user-data folder.
- Its records: ``--store URL``, else ``MLOPS_DESKTOP_STORE``, else the folder's ``store.db`` (None).
- App settings (recent workspaces, window layout): a JSON file in the platform's user-config folder,
  or in ``MLOPS_DESKTOP_CONFIG_DIR`` when set (tests point it at a temporary folder).
- Bundled resources (sample data, help pages, icons): inside the installed package, or the repository's
  ``resources/`` folder when running from a checkout.
- Logging: a rotating log file inside the workspace.

Only light imports here: the GUI reads settings before the heavy libraries load.
"""

import json
import logging
import logging.handlers
import os
from pathlib import Path
from typing import Any

import platformdirs

APP_NAME = "mlops-desktop"
HOME_ENV = "MLOPS_DESKTOP_HOME"
STORE_ENV = "MLOPS_DESKTOP_STORE"  # a team store's postgresql:// address
CONFIG_ENV = "MLOPS_DESKTOP_CONFIG_DIR"
MAX_RECENT = 8
LOG_FILE_NAME = "mlops-desktop.log"
LOG_BYTES = 2_000_000
LOG_BACKUPS = 3
TOKEN_ENV = "MLOPS_DESKTOP_TOKEN"  # a server's token, passed privately (not on a command line)
MONITORING_SETTINGS = "monitoring_thresholds"  # drift thresholds the user changed (DESIGN defaults)


def default_home() -> Path:
    env = os.environ.get(HOME_ENV)
    if env:
        return Path(env).expanduser()
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False)) / "workspace"


def default_demo_home() -> Path:
    """Where Home's "Open the demo" builds the demo workspace: beside the default workspace."""
    return default_home().parent / "demo"


def resolve_home(home: str | os.PathLike[str] | None) -> Path:
    return Path(home).expanduser() if home else default_home()


def resolve_store(store: str | None) -> str | None:
    """The team store to use: the one given, else ``MLOPS_DESKTOP_STORE``; None for ``store.db``."""
    return store or os.environ.get(STORE_ENV) or None


def resources_dir() -> Path:
    package = Path(__file__).parent
    installed = package / "resources"
    return installed if installed.is_dir() else package.parent / "resources"


def samples_dir() -> Path:
    return resources_dir() / "samples"


def config_dir() -> Path:
    env = os.environ.get(CONFIG_ENV)
    return Path(env) if env else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))


class Settings:
    """Small per-user settings stored as JSON; unreadable files fall back to defaults."""

    def __init__(self, path: Path | None = None) -> None:
        self.path = path or config_dir() / "settings.json"
        try:
            self._values: dict[str, Any] = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            self._values = {}

    def get(self, key: str, default: Any = None) -> Any:
        return self._values.get(key, default)

    def set(self, key: str, value: Any) -> None:
        self._values[key] = value
        self.path.parent.mkdir(parents=True, exist_ok=True)
        partial = self.path.with_suffix(".partial")
        partial.write_text(json.dumps(self._values, indent=2), encoding="utf-8")
        partial.replace(self.path)

    def recent_workspaces(self) -> list[Path]:
        return [Path(p) for p in self.get("recent_workspaces", []) if Path(p).is_dir()]

    def add_recent_workspace(self, home: Path, store: str | None = None) -> None:
        """Remember ``home`` first among the recent workspaces, with its team store (if any)."""
        recent = [str(home)] + [str(p) for p in self.recent_workspaces() if p != home]
        self.set("recent_workspaces", recent[:MAX_RECENT])
        stores = {k: v for k, v in self.get("workspace_stores", {}).items() if k in recent}
        if store:
            stores[str(home)] = store
        else:
            stores.pop(str(home), None)
        self.set("workspace_stores", stores)

    def workspace_store(self, home: Path) -> str | None:
        """The team store this workspace was last opened with; None for its own store.db."""
        store: str | None = self.get("workspace_stores", {}).get(str(home))
        return store


def log_path(home: Path) -> Path:
    """The workspace's log file, where every traceback goes."""
    return home / "logs" / LOG_FILE_NAME


def setup_logging(home: Path, level: int = logging.INFO) -> Path:
    """Send this process's log records to the workspace's rotating log file; returns its path."""
    path = log_path(home)
    path.parent.mkdir(parents=True, exist_ok=True)
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_mlops_desktop", False):
            root.removeHandler(handler)
            handler.close()
    handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=LOG_BYTES, backupCount=LOG_BACKUPS, encoding="utf-8"
    )
    handler.setFormatter(
        logging.Formatter("%(asctime)s %(process)d %(levelname)s %(name)s: %(message)s")
    )
    handler._mlops_desktop = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(level)
    return path
