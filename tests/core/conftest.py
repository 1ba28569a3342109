from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine

from mlops_desktop.core.data import datasets
from mlops_desktop.core.data.reading import FormatChoices
from mlops_desktop.core.store import db
from mlops_desktop.core.workspace import Workspace


def store_at(path: Path, revision: str) -> Engine:
    """A store.db at ``path`` upgraded only as far as ``revision``, as an older app left it."""
    engine = create_engine(f"sqlite:///{path}")
    config = Config()
    config.set_main_option("script_location", str(db.MIGRATIONS_DIR))
    config.attributes["engine"] = engine
    command.upgrade(config, revision)
    return engine


@pytest.fixture
def workspace(home: Path, store_url: str | None) -> Iterator[Workspace]:
    ws = Workspace(home, store_url)
    yield ws
    ws.close()


@dataclass
class Imported:
    """What an analyst sees after an import: the result, the stored rows, types and profile."""

    result: datasets.ImportResult
    frame: pd.DataFrame
    types: dict[str, str]
    record: dict[str, Any]
    profile: dict[str, Any]

    def column(self, name: str) -> dict[str, Any]:
        """The column as ``datasets show`` reports it."""
        return next(c for c in self.record["columns"] if c["name"] == name)

    def profiled(self, name: str) -> dict[str, Any]:
        """The column's full stored profile (with its histogram)."""
        return next(c for c in self.profile["columns"] if c["name"] == name)


ImportAndLoad = Callable[..., Imported]


@pytest.fixture
def import_and_load(workspace: Workspace) -> ImportAndLoad:
    """Import a file through the real import path and read back what was stored."""

    def run(path: Path, name: str = "data", choices: FormatChoices | None = None) -> Imported:
        result = datasets.import_file(workspace, path, name, choices)
        ref = f"{result.name}@{result.version}"
        version = datasets.get_version(workspace, ref)
        return Imported(
            result=result,
            frame=datasets.load_frame(workspace, version),
            types={column["name"]: column["type"] for column in version.schema},
            record=datasets.show(workspace, ref),
            profile=version.profile,
        )

    return run


@pytest.fixture
def artifact_files(workspace: Workspace) -> Callable[[], set[Path]]:
    """Every file at a real content address (files being staged in ``tmp`` excluded)."""

    def files() -> set[Path]:
        root, tmp = workspace.artifacts.root, workspace.artifacts.tmp
        return {p for p in root.rglob("*") if p.is_file() and tmp not in p.parents}

    return files


@pytest.fixture
def staged_files(workspace: Workspace) -> Callable[[], set[Path]]:
    """Files left in the artifact staging folder."""
    return lambda: set(workspace.artifacts.tmp.iterdir())
