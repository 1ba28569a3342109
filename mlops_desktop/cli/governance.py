"""The ``models lineage`` and ``models report`` commands: what a reviewer asks of a version."""

import argparse
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
