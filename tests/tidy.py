"""What a tidy workspace is, after a crash and an opening: exactly the files its records refer to,
each intact, nothing in tmp, a sound database, no run left running."""

from pathlib import Path

from sqlalchemy import select as sql_select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.experiments import training
from mlops_desktop.core.store.artifacts import sha256_of_file
from mlops_desktop.core.store.models import DatasetVersion, Run
from mlops_desktop.core.workspace import Workspace


def referenced_files(workspace: Workspace) -> dict[Path, str]:
    """Every file a record refers to, with the SHA-256 the record holds."""
    with workspace.store.read() as session:
        data = session.scalars(sql_select(DatasetVersion.artifact_sha256)).all()
        models = session.scalars(sql_select(Run.model_sha256)).all()
    paths = {workspace.artifacts.path_for(sha, datasets.PARQUET): sha for sha in data}
    paths.update(
        {workspace.artifacts.path_for(sha, training.MODEL_SUFFIX): sha for sha in models if sha}
    )
    return paths


def open_and_check(home: Path) -> list[str]:
    """Open the workspace as the app does; assert that it holds exactly the files its records
    refer to, each intact, and a sound database with no run left running. Returns what
    opening removed."""
    workspace = Workspace(home)
    try:
        referenced = referenced_files(workspace)
        assert {Path(entry.path) for entry in workspace.artifacts.address_files()} == set(
            referenced
        )
        for path, sha in referenced.items():
            assert sha256_of_file(path) == sha, path
        assert list(workspace.artifacts.tmp.iterdir()) == []
        assert workspace.store.integrity_check() == "ok"
        with workspace.store.read() as session:
            assert session.scalars(sql_select(Run).where(Run.status == "running")).all() == []
        return workspace.removed_on_opening
    finally:
        workspace.close()
