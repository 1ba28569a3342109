"""A process that appends audit events, for the concurrency test; it imports only the store and
the audit trail, so three of them start quickly."""

from pathlib import Path
from typing import Any

from mlops_desktop.core.governance import audit
from mlops_desktop.core.workspace import Workspace


def append(workspace: Workspace, count: int, writer: str = "test") -> None:
    """``count`` events, each in its own write transaction, as separate changes would be."""
    for number in range(count):
        with workspace.store.write() as session:
            audit.record(session, "recipe.save", f"recipe:{writer}", number=number, writer=writer)


def write_after(home: Path, writer: str, count: int, start: Any) -> None:
    """Open the workspace, wait until every writer has, then append."""
    workspace = Workspace(home)
    start.wait()
    append(workspace, count, writer)
    workspace.close()
