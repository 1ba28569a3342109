"""The ``demo`` command: a deterministic demo workspace in a new folder, or a demo reset."""

import argparse
from pathlib import Path
from typing import Any

from mlops_desktop.cli.common import Commands, command
from mlops_desktop.config import setup_logging


def add_commands(commands: Commands) -> None:
    dem = command(
        commands,
        "demo",
        help="build the demo workspace (a loan-approval story, every step done) in a new folder",
    )
    dem.add_argument("folder", type=Path, metavar="DIR", help="a new (or empty) folder")
    dem.add_argument(
        "--seed", type=int, metavar="N", help="another story of the same shape (default 2026)"
    )
    dem.add_argument(
        "--reset",
        action="store_true",
        help="build the demo already in DIR again, as it was at its start",
    )
    dem.set_defaults(handler=_demo, makes_workspace=True)


def _demo(_workspace: None, args: argparse.Namespace) -> Any:
    from mlops_desktop.core import demo
    from mlops_desktop.core.demo import building

    if args.reset:
        setup_logging(args.folder.expanduser())
        result = building.reset(args.folder)
    else:
        seed = demo.DEFAULT_SEED if args.seed is None else args.seed
        home = demo.start_folder(args.folder, seed)
        setup_logging(home)
        result = building.build_in(home, seed)
    if args.json:
        return result
    return (
        f"The demo workspace is ready in {result['home']} (seed {result['seed']}).\n"
        f'Open it with: mlops-desktop --home "{result["home"]}"'
    )
