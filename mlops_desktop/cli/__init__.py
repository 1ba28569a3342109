"""The command line: parses arguments, calls the same core services as the GUI, prints text or JSON.

Exit codes: 0 success; 1 with one ``error: …`` line on stderr for bad input or a failed operation;
2 for bad usage; 141 (as for a program stopped by SIGPIPE), quietly, when the reader of its output
closes it early (``… --json | head -1``). ``--home``, ``--store`` and ``--json`` may stand before or after the command words. Each command
group's words and handlers live in a module of their own, in the order of the README's table.
"""

import argparse
import gc
import logging
import os
import sys
from collections.abc import Sequence
from contextlib import suppress

from mlops_desktop import __version__
from mlops_desktop.cli import audit, datasets, demo, experiments, models, monitoring, workspace
from mlops_desktop.cli.common import global_options, print_result
from mlops_desktop.config import log_path, resolve_home, resolve_store, setup_logging
from mlops_desktop.core.errors import UserError

log = logging.getLogger(__name__)

OUTPUT_CLOSED = 141  # 128 + SIGPIPE, what a shell reports for a program stopped by a closed pipe


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlops-desktop",
        description="MLOps Desktop: import data, train, register, serve and monitor models offline. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"mlops-desktop {__version__}")
    global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in (datasets, experiments, models, monitoring, audit, workspace, demo):
        group.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _run(argv)
    except BrokenPipeError:  # the reader went away: stop quietly, as other command-line tools do
        _discard_stdout()
        return OUTPUT_CLOSED


def _discard_stdout() -> None:
    """Point stdout at the null device, so the interpreter's last flush of what is still buffered
    for the closed pipe does not print a complaint on the way out."""
    with suppress(OSError, ValueError):  # stdout is not a file (say, captured in a test)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)


def _run(argv: Sequence[str] | None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from mlops_desktop.system_libraries import check_window_libraries

        problem = check_window_libraries()  # before anything loads Qt, which would abort
        if problem:
            print(f"error: {problem}", file=sys.stderr)
            return 1
        from mlops_desktop.app import run_app

        return run_app(home=args.home, store=args.store)
    if not getattr(args, "brief", False):
        return _run_command(args, argv)
    # A list reads a few rows: its time is start-up (imports, opening the store), which makes about
    # 100,000 objects and no garbage; collecting while they are made took a fifth of its time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        return _run_command(args, argv)
    finally:
        if collecting:
            gc.enable()


def _run_command(args: argparse.Namespace, argv: Sequence[str] | None) -> int:
    """Open the workspace, run the command's handler on it, print its result or its error."""
    from mlops_desktop.core.workspace import Workspace

    # ``demo`` and ``workspace restore`` fill a folder of their own: no workspace is opened.
    makes_workspace = getattr(args, "makes_workspace", False)
    home = args.folder.expanduser() if makes_workspace else resolve_home(args.home)
    try:
        if makes_workspace:
            result = args.handler(None, args)
        else:
            with suppress(OSError):  # a home that is not a folder: Workspace says so plainly
                setup_logging(home)
            workspace = Workspace(home, resolve_store(args.store))
            try:
                result = args.handler(workspace, args)
            finally:
                workspace.close()
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 1
    except Exception:
        with suppress(OSError):
            setup_logging(home)
        log.exception("Command failed: %s", list(argv) if argv is not None else sys.argv[1:])
        print(f"error: something went wrong; the details are in {log_path(home)}", file=sys.stderr)
        return 1
    print_result(result, args.json)
    sys.stdout.flush()  # a closed pipe is found here, not in the interpreter's last flush
    return 0
