"""What every command group shares: the global options, the text table and printing a result."""

import argparse
import json
from typing import Any, TypeAlias

# What each group module's add_commands receives: the top-level parser's subcommands.
Commands: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"


def global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=default,
        help="workspace folder (default: your user data folder)",
    )
    parser.add_argument(
        "--store",
        metavar="URL",
        default=default,
        help="keep the records in this PostgreSQL database (postgresql://user@host:port/db) "
        "instead of the folder's store.db (default: MLOPS_DESKTOP_STORE if set)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print one JSON document on stdout",
    )


def table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers] + [[str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def print_result(result: Any, as_json: bool) -> None:
    if result is None:  # already printed (serve prints its address as soon as it listens)
        return
    if as_json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(result)


def command(parent: Commands, name: str, **details: Any) -> argparse.ArgumentParser:
    """A command (or command group) under ``parent``, taking the global options too."""
    parser = parent.add_parser(name, **details)
    global_options(parser, suppress=True)
    return parser
