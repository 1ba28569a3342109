"""The ``audit`` commands: ``list`` the audit trail, filtered, and ``verify`` its hash chain."""

import argparse
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.common import Commands, command, table

if TYPE_CHECKING:
    from mlops_desktop.core.workspace import Workspace


def add_commands(commands: Commands) -> None:
    aud = command(commands, "audit", help="read the record of every change, and check it")
    audit_commands = aud.add_subparsers(dest="audit_command", metavar="ACTION", required=True)
    als = command(audit_commands, "list", help="every recorded change, oldest first, with its hash")
    als.add_argument("--since", metavar="T", help="from this time on (2026-11-01 or ISO time, UTC)")
    als.add_argument("--until", metavar="T", help="before this time")
    als.add_argument(
        "--object",
        metavar="REF",
        help="only changes to this: dataset:iris (all its versions), iris@2, "
        "model:Loans@1, run:3f2a (the start of a run id), or a name of any kind",
    )
    als.add_argument(
        "--action", metavar="A", help="only this action (model.stage) or group (model)"
    )
    als.set_defaults(handler=_list, brief=True)
    ave = command(
        audit_commands,
        "verify",
        help="check that no recorded change was edited, removed or added outside the app",
    )
    ave.set_defaults(handler=_verify, brief=True)


def _list(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.governance import audit_log
    from mlops_desktop.core.times import parse_time

    audit_filter = audit_log.AuditFilter(
        since=parse_time(args.since) if args.since else None,
        until=parse_time(args.until) if args.until else None,
        entity=args.object or "",
        action=args.action or "",
    )
    listed = list(audit_log.events(workspace, audit_filter))
    if args.json:
        return listed
    if not listed:
        return "No recorded changes match."
    rows = [
        [
            event["time"][:19].replace("T", " "),
            event["user"],
            event["action"],
            event["object"],
            audit_log.details_text(event["details"]),
        ]
        for event in listed
    ]
    return table(["time (UTC)", "user", "action", "object", "details"], rows)


def _verify(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.governance import audit_log

    result = audit_log.verify(workspace)
    return result if args.json else audit_log.verdict(result)
