"""The ``train``, ``runs`` and ``experiments`` commands."""

import argparse
import sys
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.common import Commands, command, table
from mlops_desktop.core import formatting
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.vocabulary import ALGORITHM_NAMES, counted, measure_text

if TYPE_CHECKING:
    from mlops_desktop.core.workspace import Workspace


def add_commands(commands: Commands) -> None:
    trn = command(commands, "train", help="train models on a dataset and record them as runs")
    trn.add_argument("--dataset", required=True, metavar="REF", help="NAME or NAME@VERSION")
    trn.add_argument(
        "--target",
        metavar="COL",
        help="the column to predict (default: the dataset's target, else the proposed one; a "
        "proposed regression needs --target to confirm it)",
    )
    trn.add_argument(
        "--algorithm",
        default="auto",
        help=f"one of {', '.join(ALGORITHM_NAMES)}, or auto to try every suitable one (default)",
    )
    trn.add_argument(
        "--param",
        action="append",
        type=_setting,
        default=[],
        metavar="K=V",
        help="an algorithm setting",
    )
    trn.add_argument("--experiment", default="Default", help="experiment to record the runs in")
    trn.add_argument("--test-size", type=float, default=0.2, help="held-out share (default 0.2)")
    trn.add_argument(
        "--cv", type=int, default=0, metavar="K", help="also cross-validate in K folds"
    )
    trn.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    trn.add_argument(
        "--exclude", action="append", default=[], metavar="COL", help="leave a column out"
    )
    trn.add_argument(
        "--include",
        action="append",
        default=[],
        metavar="COL",
        help="use a column the app would leave out (such as one that looks like an ID)",
    )
    trn.add_argument(
        "--drop-missing-target",
        action="store_true",
        help="train on the rows that have a target value (rows without one are left out)",
    )
    trn.set_defaults(handler=_train)

    runs = command(commands, "runs", help="list, show, compare, reproduce and delete runs")
    run_commands = runs.add_subparsers(dest="runs_command", metavar="ACTION", required=True)
    rls = command(run_commands, "list", help="list runs, newest first")
    rls.add_argument("--experiment", help="only this experiment's runs")
    rls.add_argument("--all", action="store_true", help="include archived experiments' runs")
    rls.set_defaults(handler=_runs_list, brief=True)
    rsh = command(run_commands, "show", help="everything recorded about one run")
    rsh.add_argument("run_id", metavar="ID")
    rsh.set_defaults(handler=_runs_show)
    rre = command(run_commands, "reproduce", help="train a run again and compare its metrics")
    rre.add_argument("run_id", metavar="ID")
    rre.set_defaults(handler=_runs_reproduce)
    rco = command(run_commands, "compare", help="2 to 10 runs side by side")
    rco.add_argument("run_ids", nargs="+", metavar="ID")
    rco.set_defaults(handler=_runs_compare)
    rde = command(run_commands, "delete", help="delete runs and their model files")
    rde.add_argument("run_ids", nargs="+", metavar="ID")
    rde.set_defaults(handler=_runs_delete)

    exps = command(commands, "experiments", help="list, archive and restore experiments")
    exp_commands = exps.add_subparsers(dest="experiments_command", metavar="ACTION", required=True)
    els = command(exp_commands, "list", help="every experiment with its number of runs")
    els.set_defaults(handler=_experiments_list)
    for action, text in [
        ("archive", "hide an experiment's runs from lists (they are kept)"),
        ("restore", "bring an archived experiment back"),
    ]:
        sub = command(exp_commands, action, help=text)
        sub.add_argument("name", metavar="NAME")
        sub.set_defaults(handler=_experiments_archive, archived=action == "archive")


def _setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"'{text}' should be NAME=VALUE, as in n_estimators=200")
    return key, value


def _metrics_text(metrics: dict[str, float]) -> str:
    return ", ".join(
        f"{key} {measure_text(key, value)}"
        for key, value in metrics.items()
        if not key.startswith("cv_")
    )


def _train(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.experiments import training

    recipe = training.Recipe(
        dataset=args.dataset,
        target=args.target or _training_target(workspace, args.dataset),
        algorithm=args.algorithm,
        params=dict(args.param),
        experiment=args.experiment,
        test_size=args.test_size,
        cv=args.cv,
        seed=args.seed,
        exclude=args.exclude,
        include=args.include,
        drop_missing_target=args.drop_missing_target,
    )
    runs = training.train(workspace, recipe)
    finished = [run for run in runs if run["status"] == "finished"]
    if not finished:
        raise UserError(runs[0]["error"] or "The training failed.")
    best = max(finished, key=lambda run: training.main_metric(run["task"], run["metrics"]))
    if args.json:
        return {**_run_json(best), "runs": [_run_json(run) for run in runs]}
    lines = [
        f"{run['algorithm']}: {run['status']} ({run['run_id']}) {_metrics_text(run['metrics']) or run['error']}"
        for run in runs
    ]
    if len(runs) > 1:
        lines.append(f"Best: {best['algorithm']} ({best['run_id']}).")
    return "\n".join(lines)


def _training_target(workspace: "Workspace", ref: str) -> str:
    """The dataset's remembered target, or the rule's proposal when it is a classification (a
    proposed regression must be confirmed with --target); said on stderr."""
    from mlops_desktop.core.data import datasets, roles
    from mlops_desktop.core.experiments import training

    choice = roles.target_choice(datasets.get_version(workspace, ref))
    if choice is None:
        raise UserError(
            "Give the column to predict with --target: no target is set for this dataset and no "
            "column looks like the answer."
        )
    if choice.proposed:
        plan = training.plan_for(workspace, ref, choice.column)
        if plan.task == "regression":
            raise UserError(
                f"The proposed target, {choice.column}, would be a regression (a number to "
                f"predict); give --target {choice.column} to confirm it, or another column."
            )
        print(f"Predicting {choice.column}: {choice.reason}.", file=sys.stderr)
    return choice.column


def _run_json(run: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "run_id",
        "experiment",
        "dataset",
        "task",
        "algorithm",
        "params",
        "status",
        "metrics",
        "error",
    )
    return {key: run[key] for key in keys}


def _runs_list(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import listing

    runs = listing.list_runs(workspace, args.experiment, include_archived=args.all)
    if args.json:
        return [_run_json(run) for run in runs]
    if not runs:
        return "No runs yet. Train one with: mlops-desktop train --dataset NAME --target COLUMN"
    return table(
        ["RUN", "EXPERIMENT", "DATASET", "ALGORITHM", "STATUS", "MAIN METRIC"],
        [
            [
                run["run_id"][:12],
                run["experiment"],
                run["dataset"],
                run["algorithm"],
                run["status"],
                formatting.score(listing.main_metric(run["task"], run["metrics"]))
                if run["metrics"]
                else "",
            ]
            for run in runs
        ],
    )


def _runs_show(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.experiments import training

    run = training.show_run(workspace, args.run_id)
    if args.json:
        return run
    return "\n".join(f"{key}: {value}" for key, value in run.items())


def _runs_reproduce(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.experiments import training

    result = training.reproduce(workspace, args.run_id)
    if args.json:
        return {
            **_run_json(result),
            "identical": result["identical"],
            "differences": result["differences"],
        }
    if result["identical"]:
        return f"Reproduced {args.run_id} as {result['run_id']}: identical metrics."
    return (
        f"Reproduced {args.run_id} as {result['run_id']}: metrics differ: {result['differences']}"
    )


def _runs_compare(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.experiments import run_history

    comparison = run_history.compare_runs(workspace, args.run_ids)
    if args.json:
        return {
            "task": comparison["task"],
            "runs": [_run_json(run) for run in comparison["runs"]],
            "rows": comparison["rows"],
            "metric": comparison["metric"],
            "pairs": comparison["pairs"],
            "best": comparison["best"],
            "recommended": comparison["recommended"],
            "recommended_reason": comparison["recommended_reason"],
            "not_compared": comparison["not_compared"],
        }
    labels = dict(
        zip((run["run_id"] for run in comparison["runs"]), comparison["labels"], strict=True)
    )
    verdicts = [run_history.verdict_sentence(pair, labels) for pair in comparison["pairs"]]
    verdicts += [run_history.left_out_sentence(left, labels) for left in comparison["not_compared"]]
    recommended = comparison["recommended"]
    return "\n".join(
        [
            table(
                ["", *comparison["labels"]],
                [
                    [("* " if row["differs"] else "  ") + row["name"], *map(_cell, row["values"])]
                    for row in comparison["rows"]
                ],
            ),
            "(* the runs differ here)",
            *verdicts,
            *(
                [f"Recommended: {labels[recommended]}. {comparison['recommended_reason']}"]
                if recommended
                else []
            ),
        ]
    )


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return formatting.number(value) if isinstance(value, float) else str(value)


def _runs_delete(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.experiments import run_history

    deleted = run_history.delete_runs(workspace, args.run_ids)
    return {"deleted": deleted} if args.json else f"Deleted {counted(len(deleted), 'run')}."


def _experiments_list(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.experiments import run_history

    listed = run_history.list_experiments(workspace)
    if args.json:
        return listed
    if not listed:
        return "No experiments yet; training creates one."
    return table(
        ["EXPERIMENT", "RUNS", "ARCHIVED"],
        [[e["name"], e["runs"], "yes" if e["archived"] else ""] for e in listed],
    )


def _experiments_archive(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.experiments import run_history

    run_history.set_archived(workspace, args.name, args.archived)
    result = {"name": args.name, "archived": args.archived}
    return result if args.json else f"{args.name}: {'archived' if args.archived else 'restored'}."
