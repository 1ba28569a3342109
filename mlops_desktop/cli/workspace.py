"""The ``workspace`` commands: ``info`` and ``check`` (backup and restore belong here too)."""

import argparse
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.common import Commands, command
from mlops_desktop.core.vocabulary import counted

if TYPE_CHECKING:
    from mlops_desktop.core.workspace import Workspace


def add_commands(commands: Commands) -> None:
    wsp = command(commands, "workspace", help="look after the workspace folder itself")
    workspace_commands = wsp.add_subparsers(
        dest="workspace_command", metavar="ACTION", required=True
    )
    winfo = command(
        workspace_commands,
        "info",
        help="say where the workspace keeps its records (SQLite or PostgreSQL) and its files",
    )
    winfo.set_defaults(handler=_info)
    wch = command(
        workspace_commands,
        "check",
        help="check the database and remove files no record refers to (a crash's leftovers)",
    )
    wch.set_defaults(handler=_check)


def _info(workspace: "Workspace", args: argparse.Namespace) -> Any:
    info = workspace.info()
    if args.json:
        return info
    return f"Workspace: {info['home']}\nRecords: {info['store']}\nFiles: {info['artifacts']}"


def _check(workspace: "Workspace", args: argparse.Namespace) -> Any:
    report = workspace.check()
    if args.json:
        return report
    if report["integrity"] == "ok":
        database = "The database is intact."
    else:
        database = f"The database is damaged: {report['integrity']}"
    removed = report["removed"]
    if not removed:
        return f"{database}\nEvery stored file belongs to a record; nothing was removed."
    listing = "\n".join(f"  {path}" for path in removed)
    return (
        f"{database}\nRemoved {counted(len(removed), 'file')} no record referred to "
        f"(left behind by an interrupted import or training):\n{listing}"
    )
