"""The ``workspace`` commands: ``info``, ``check``, ``backup`` and ``restore``."""

import argparse
from pathlib import Path
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
    wba = command(
        workspace_commands,
        "backup",
        help="copy the workspace into one zip file, safely even while it is in use",
    )
    wba.add_argument("output", type=Path, metavar="OUT.zip")
    wba.set_defaults(handler=_backup)
    wre = command(
        workspace_commands,
        "restore",
        help="check a backup file and restore it into an empty folder",
    )
    wre.add_argument("file", type=Path, metavar="FILE", help="a backup made by 'workspace backup'")
    wre.add_argument("folder", type=Path, metavar="DIR", help="an empty or new folder")
    # No workspace is opened (one opened at --home DIR would make DIR not empty).
    wre.set_defaults(handler=_restore, makes_workspace=True)


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


def _backup(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.governance import backup

    result = backup.backup(workspace, args.output)
    if args.json:
        return result
    return f"Backed up the workspace to {result['output']}\nSHA-256 {result['sha256']}"


def _restore(_workspace: None, args: argparse.Namespace) -> Any:
    from mlops_desktop.core.governance import backup

    result = backup.restore(args.file, args.folder)
    if args.json:
        return result
    return (
        f"Restored {counted(result['verified'], 'file')}, each matching its recorded SHA-256, "
        f"into {result['home']}. Open it with --home {result['home']}."
    )
