"""The ``models lineage`` and ``models report`` commands: what a reviewer asks of a version."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.common import command

if TYPE_CHECKING:
    from mlops_desktop.cli.common import Commands
    from mlops_desktop.core.workspace import Workspace


def add_model_commands(model_commands: "Commands") -> None:
    mli = command(
        model_commands,
        "lineage",
        help="where a version came from and what happened to it since, as nodes and edges",
    )
    mli.add_argument("ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production …")
    mli.set_defaults(handler=_lineage)
    mrp = command(
        model_commands,
        "report",
        help="write a version's compliance report (card, lineage, data, stages, monitoring, "
        "audit) as one HTML file",
    )
    mrp.add_argument("ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production …")
    mrp.add_argument("output", type=Path, metavar="OUT.html")
    mrp.set_defaults(handler=_report)


def _lineage(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.governance import lineage

    graph = lineage.lineage(workspace, args.ref).as_json()
    if args.json:
        return graph
    labels = {node["id"]: node["label"].replace("\n", ", ") for node in graph["nodes"]}
    return "\n".join(
        f"{labels[edge['from']]}  --{edge['kind'].replace('_', ' ')}-->  {labels[edge['to']]}"
        for edge in graph["edges"]
    )


def _report(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.governance import compliance

    result = compliance.export_report(workspace, args.ref, args.output)
    return result if args.json else f"Wrote the compliance report to {result['output']}."
