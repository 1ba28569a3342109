"""The ``monitor``, ``labels`` and ``retrain`` commands."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.common import Commands, command, table
from mlops_desktop.config import MONITORING_SETTINGS, Settings
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.times import parse_time

if TYPE_CHECKING:
    from mlops_desktop.core.workspace import Workspace


def add_commands(commands: Commands) -> None:
    mon = command(
        commands, "monitor", help="check a model version's inputs and predictions for drift"
    )
    mon.add_argument("ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production …")
    mon.add_argument(
        "--reference",
        metavar="DS_REF",
        help="a dataset version to compare with (default: the held-out part of the training data)",
    )
    window = mon.add_mutually_exclusive_group()
    window.add_argument("--current", metavar="DS_REF", help="check this dataset version")
    window.add_argument(
        "--from-log", action="store_true", help="check the logged predictions (the default)"
    )
    mon.add_argument(
        "--since", metavar="T", help="logged from this time on (2026-11-01 or ISO time)"
    )
    mon.add_argument("--until", metavar="T", help="logged before this time")
    mon.set_defaults(handler=_monitor)

    lab = command(commands, "labels", help="import true outcomes for logged predictions")
    label_commands = lab.add_subparsers(dest="labels_command", metavar="COMMAND", required=True)
    lim = command(
        label_commands,
        "import",
        help="join a file of true outcomes to a version's logged predictions",
    )
    lim.add_argument("ref", metavar="REF")
    lim.add_argument("file", type=Path, metavar="FILE", help="CSV, Excel or Parquet")
    lim.add_argument(
        "--key",
        required=True,
        metavar="COL",
        help="the column with request ids (or a model column)",
    )
    lim.add_argument("--label", required=True, metavar="COL", help="the column with the outcome")
    lim.set_defaults(handler=_labels_import)

    ret = command(
        commands,
        "retrain",
        help="train a challenger with a version's recipe on new data and compare the two",
    )
    ret.add_argument("ref", metavar="REF", help="the version whose recipe is trained again")
    ret.add_argument(
        "--dataset",
        metavar="DS_REF",
        help="train on this dataset version (default: the training data plus labelled predictions)",
    )
    ret.set_defaults(handler=_retrain)


def _thresholds() -> Any:
    from mlops_desktop.core.monitoring import drift

    return drift.Thresholds.from_dict(Settings().get(MONITORING_SETTINGS, {}))


def _monitor(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.monitoring import checks
    from mlops_desktop.core.monitoring.html_report import interval_text, left_out_text

    if args.current and (args.since or args.until):
        raise UserError("--since and --until choose logged predictions; drop them with --current.")
    report = checks.check(
        workspace,
        args.ref,
        reference=args.reference,
        current=args.current,
        since=parse_time(args.since) if args.since else None,
        until=parse_time(args.until) if args.until else None,
        thresholds=_thresholds(),
    )
    if args.json:
        return report
    lines = [report["summary"]]
    left_out = left_out_text(report["left_out"])
    if left_out:
        lines.append(left_out)
    rows = [
        [c["name"], c["status"], _number(c["p_value"]), _number(c["effect"]), c["explanation"]]
        for c in report["columns"]
    ]
    lines.append(table(["column", "status", "p-value", "effect", "why"], rows))
    prediction = report.get("prediction_drift")
    if prediction:
        lines.append(f"Predictions: {prediction['status']}. {prediction['explanation']}")
    performance = report.get("performance")
    if performance:
        measured = ", ".join(
            f"{k} {v:.3f}" + (f" (95% interval {interval})" if interval else "")
            for k, v in performance["metrics"].items()
            for interval in [interval_text(performance, k)]
        )
        lines.append(f"Performance on {performance['labelled']:,} labelled rows: {measured}.")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    from mlops_desktop.core import formatting

    return "" if value is None else formatting.score(value)


def _labels_import(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.monitoring import labels

    result = labels.import_labels(workspace, args.ref, args.file, args.key, args.label)
    if args.json:
        return result
    return f"Matched {result['matched']:,} of {result['rows']:,} rows to logged predictions" + (
        f"; {result['unmatched']:,} matched none." if result["unmatched"] else "."
    )


def _retrain(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.monitoring import retraining

    result = retraining.retrain(workspace, args.ref, args.dataset)
    if args.json:
        return result
    return (
        f"Challenger: run {result['challenger']['run_id'][:8]}, trained on {result['dataset']}.\n"
        + result["summary"]
    )
