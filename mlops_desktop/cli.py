"""The command line: parses arguments, calls the same core services as the GUI, prints text or JSON.

Exit codes: 0 success; 1 with one ``error: …`` line on stderr for bad input or a failed operation;
2 for bad usage. ``--home`` and ``--json`` may stand before or after the command words.
"""

import argparse
import json
import logging
import os
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop import __version__
from mlops_desktop.config import (
    MONITORING_SETTINGS,
    TOKEN_ENV,
    Settings,
    log_path,
    resolve_home,
    setup_logging,
)
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.vocabulary import ALGORITHM_NAMES, COLUMN_TYPES, counted

if TYPE_CHECKING:  # the data libraries load only for commands: the app must open fast
    from mlops_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)

Handler = Callable[["Workspace", argparse.Namespace], Any]


def _global_options(parser: argparse.ArgumentParser, suppress: bool) -> None:
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--home",
        metavar="DIR",
        default=default,
        help="workspace folder (default: your user data folder)",
    )
    parser.add_argument(
        "--json",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print one JSON document on stdout",
    )


def _type_override(text: str) -> tuple[str, str]:
    column, sep, kind = text.rpartition("=")
    if not sep or not column or kind not in COLUMN_TYPES:
        raise argparse.ArgumentTypeError(
            f"'{text}' should be COLUMN=TYPE with TYPE one of {', '.join(COLUMN_TYPES)}"
        )
    return column, kind


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mlops-desktop",
        description="MLOps Desktop: import data, train, register, serve and monitor models offline. "
        "With no command, opens the app.",
    )
    parser.add_argument("--version", action="version", version=f"mlops-desktop {__version__}")
    _global_options(parser, suppress=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    data = commands.add_parser("datasets", help="import, list, show and export datasets")
    _global_options(data, suppress=True)
    data_commands = data.add_subparsers(dest="datasets_command", metavar="ACTION", required=True)

    imp = data_commands.add_parser("import", help="import a CSV, TSV, Excel or Parquet file")
    _global_options(imp, suppress=True)
    imp.add_argument("file", type=Path)
    imp.add_argument("--name", help="dataset name (default: from the file name)")
    imp.add_argument("--sheet", help="Excel sheet to import (default: the first)")
    imp.add_argument("--delimiter", help="field separator (default: detected)")
    imp.add_argument(
        "--encoding", help="text encoding, e.g. utf-8, utf-16, cp1252 (default: detected)"
    )
    imp.add_argument("--decimal", choices=[".", ","], help="decimal separator (default: detected)")
    imp.add_argument(
        "--no-header", action="store_true", help="the first row is data, not column names"
    )
    imp.add_argument(
        "--type",
        action="append",
        type=_type_override,
        default=[],
        metavar="COLUMN=TYPE",
        help=f"set a column's type ({', '.join(COLUMN_TYPES)})",
    )
    imp.set_defaults(handler=_datasets_import)

    lst = data_commands.add_parser("list", help="list datasets")
    _global_options(lst, suppress=True)
    lst.set_defaults(handler=_datasets_list)

    shw = data_commands.add_parser("show", help="show a dataset version's columns and profile")
    _global_options(shw, suppress=True)
    shw.add_argument("ref", metavar="REF", help="NAME (latest version) or NAME@VERSION")
    shw.set_defaults(handler=_datasets_show)

    exp = data_commands.add_parser("export", help="write a dataset version to a CSV file")
    _global_options(exp, suppress=True)
    exp.add_argument("ref", metavar="REF", help="NAME (latest version) or NAME@VERSION")
    exp.add_argument("output", type=Path, metavar="OUT.csv")
    exp.set_defaults(handler=_datasets_export)

    val = data_commands.add_parser("validate", help="check a dataset version against its rules")
    _global_options(val, suppress=True)
    val.add_argument("ref", metavar="REF", help="NAME (latest version) or NAME@VERSION")
    val.add_argument(
        "--rules",
        type=Path,
        metavar="FILE.json",
        help="check against the rules in this file instead (the dataset's rules stay as they are)",
    )
    val.set_defaults(handler=_datasets_validate)

    rul = data_commands.add_parser("rules", help="show or replace a dataset's validation rules")
    _global_options(rul, suppress=True)
    rul.add_argument("ref", metavar="REF", help="NAME (NAME@VERSION names its dataset too)")
    rul.add_argument(
        "--set",
        type=Path,
        metavar="FILE.json",
        dest="rules_file",
        help="replace the rules with those in this file (a JSON list of rules)",
    )
    rul.set_defaults(handler=_datasets_rules)

    pre = data_commands.add_parser(
        "prepare", help="apply a recipe of cleaning and feature steps: a new version"
    )
    _global_options(pre, suppress=True)
    pre.add_argument("ref", metavar="REF", help="NAME (latest version) or NAME@VERSION")
    pre.add_argument(
        "--recipe", required=True, type=Path, metavar="FILE.json", help="the steps, as JSON"
    )
    pre.add_argument(
        "--name",
        help="store the result as a version of this dataset (default: 'NAME prepared', or the "
        "same dataset for a version that was itself prepared)",
    )
    pre.set_defaults(handler=_datasets_prepare)

    trn = commands.add_parser("train", help="train models on a dataset and record them as runs")
    _global_options(trn, suppress=True)
    trn.add_argument("--dataset", required=True, metavar="REF", help="NAME or NAME@VERSION")
    trn.add_argument("--target", required=True, metavar="COL", help="the column to predict")
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

    runs = commands.add_parser("runs", help="list, show, compare, reproduce and delete runs")
    _global_options(runs, suppress=True)
    run_commands = runs.add_subparsers(dest="runs_command", metavar="ACTION", required=True)
    rls = run_commands.add_parser("list", help="list runs, newest first")
    _global_options(rls, suppress=True)
    rls.add_argument("--experiment", help="only this experiment's runs")
    rls.add_argument("--all", action="store_true", help="include archived experiments' runs")
    rls.set_defaults(handler=_runs_list)
    rsh = run_commands.add_parser("show", help="everything recorded about one run")
    _global_options(rsh, suppress=True)
    rsh.add_argument("run_id", metavar="ID")
    rsh.set_defaults(handler=_runs_show)
    rre = run_commands.add_parser("reproduce", help="train a run again and compare its metrics")
    _global_options(rre, suppress=True)
    rre.add_argument("run_id", metavar="ID")
    rre.set_defaults(handler=_runs_reproduce)
    rco = run_commands.add_parser("compare", help="2 to 10 runs side by side")
    _global_options(rco, suppress=True)
    rco.add_argument("run_ids", nargs="+", metavar="ID")
    rco.set_defaults(handler=_runs_compare)
    rde = run_commands.add_parser("delete", help="delete runs and their model files")
    _global_options(rde, suppress=True)
    rde.add_argument("run_ids", nargs="+", metavar="ID")
    rde.set_defaults(handler=_runs_delete)

    exps = commands.add_parser("experiments", help="list, archive and restore experiments")
    _global_options(exps, suppress=True)
    exp_commands = exps.add_subparsers(dest="experiments_command", metavar="ACTION", required=True)
    els = exp_commands.add_parser("list", help="every experiment with its number of runs")
    _global_options(els, suppress=True)
    els.set_defaults(handler=_experiments_list)
    for action, text in [
        ("archive", "hide an experiment's runs from lists (they are kept)"),
        ("restore", "bring an archived experiment back"),
    ]:
        sub = exp_commands.add_parser(action, help=text)
        _global_options(sub, suppress=True)
        sub.add_argument("name", metavar="NAME")
        sub.set_defaults(handler=_experiments_archive, archived=action == "archive")
    mdl = commands.add_parser("models", help="register runs as model versions and stage them")
    _global_options(mdl, suppress=True)
    model_commands = mdl.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    mre = model_commands.add_parser("register", help="register a run as a new model version")
    _global_options(mre, suppress=True)
    mre.add_argument("run_id", metavar="RUN_ID")
    mre.add_argument("--name", required=True, help="the model's name (new or existing)")
    mre.add_argument("--description", default="", help="what the model is for")
    mre.set_defaults(handler=_models_register)
    mls = model_commands.add_parser("list", help="every model version with its stage")
    _global_options(mls, suppress=True)
    mls.set_defaults(handler=_models_list)
    msh = model_commands.add_parser("show", help="one model version, with its stage history")
    _global_options(msh, suppress=True)
    msh.add_argument(
        "ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production or NAME@staging"
    )
    msh.set_defaults(handler=_models_show)
    mst = model_commands.add_parser("stage", help="move a version to another stage, with a note")
    _global_options(mst, suppress=True)
    mst.add_argument("name", metavar="NAME")
    mst.add_argument("version", type=int, metavar="VERSION")
    mst.add_argument("stage", metavar="STAGE", help="none, staging, production or archived")
    mst.add_argument("--note", default="", help="why (kept in the stage history)")
    mst.set_defaults(handler=_models_stage)
    mca = model_commands.add_parser("card", help="write a version's model card as an HTML file")
    _global_options(mca, suppress=True)
    mca.add_argument("ref", metavar="REF")
    mca.add_argument("output", type=Path, metavar="OUT.html")
    mca.set_defaults(handler=_models_card)

    prd = commands.add_parser("predict", help="score a file with a model version")
    _global_options(prd, suppress=True)
    prd.add_argument("ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production …")
    prd.add_argument("input", type=Path, metavar="INPUT_FILE", help="CSV, Excel or Parquet")
    prd.add_argument("--output", required=True, type=Path, metavar="OUT.csv")
    prd.set_defaults(handler=_predict)

    srv = commands.add_parser(
        "serve", help="answer prediction requests over HTTP until stopped (Ctrl+C)"
    )
    _global_options(srv, suppress=True)
    srv.add_argument("ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production …")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument(
        "--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)"
    )
    srv.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV) or None,
        help=f"require 'Authorization: Bearer TOKEN' (needed for any host but 127.0.0.1; "
        f"also read from ${TOKEN_ENV})",
    )
    srv.set_defaults(handler=_serve)

    mon = commands.add_parser(
        "monitor", help="check a model version's inputs and predictions for drift"
    )
    _global_options(mon, suppress=True)
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

    lab = commands.add_parser("labels", help="import true outcomes for logged predictions")
    label_commands = lab.add_subparsers(dest="labels_command", metavar="COMMAND", required=True)
    lim = label_commands.add_parser(
        "import", help="join a file of true outcomes to a version's logged predictions"
    )
    _global_options(lim, suppress=True)
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
    return parser


def _datasets_import(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import datasets
    from mlops_desktop.core.reading import FormatChoices

    choices = FormatChoices(
        encoding=args.encoding,
        delimiter=args.delimiter.replace("\\t", "\t") if args.delimiter else None,
        decimal=args.decimal,
        header=False if args.no_header else None,
        sheet=args.sheet,
        column_types=dict(args.type),
    )
    result = datasets.import_file(workspace, args.file, args.name, choices)
    if args.json:
        return result.to_json()
    lines = [result.message(), f"Read as: {result.format}."]
    for column, count in result.converted_to_missing.items():
        values = "value" if count == 1 else "values"
        lines.append(
            f"{count:,} {values} of '{column}' could not be converted and are now missing."
        )
    return "\n".join(lines)


def _datasets_list(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import datasets

    rows = datasets.list_datasets(workspace)
    if args.json:
        return [
            {k: row[k] for k in ("name", "versions", "latest", "rows", "columns")} for row in rows
        ]
    if not rows:
        return "No datasets yet. Import one with: mlops-desktop datasets import FILE"
    return _table(
        ["NAME", "VERSIONS", "LATEST", "ROWS", "COLUMNS"],
        [[r["name"], r["versions"], r["latest"], f"{r['rows']:,}", r["columns"]] for r in rows],
    )


def _datasets_show(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import datasets

    record = datasets.show(workspace, args.ref)
    if args.json:
        return record
    header = (
        f"{record['name']} version {record['version']}: {record['rows']:,} rows, "
        f"{record['columns_count']} columns\nsource: {record['source']}\n"
        f"content hash: {record['content_hash']}\n" + _validation_line(record)
    )
    table = _table(
        ["COLUMN", "TYPE", "MISSING", "UNIQUE", "SUMMARY"],
        [
            [c["name"], c["type"], f"{c['missing']:,}", f"{c['unique']:,}", _summary(c)]
            for c in record["columns"]
        ],
    )
    warnings = [w for c in record["columns"] for w in c.get("warnings", [])]
    return (
        header
        + table
        + ("\n\nWarnings:\n" + "\n".join(f"- {w}" for w in warnings) if warnings else "")
    )


def _validation_line(record: dict[str, Any]) -> str:
    """How the version fared against its dataset's rules when it was recorded (nothing for a
    version recorded before rules existed)."""
    checked = record.get("validation")
    if checked is None:
        return ""
    if checked["passed"]:
        return "rules: every check passed\n"
    ref = f"{record['name']}@{record['version']}"
    return (
        f"rules: {counted(checked['failed_checks'], 'check')} failed; see mlops-desktop datasets "
        f"validate {ref}\n"
    )


def _datasets_validate(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import validation

    rules = validation.read_rules(args.rules) if args.rules else None
    report = validation.validate(workspace, args.ref, rules)
    if args.json:
        return report
    against = f"the rules in {args.rules.name}" if args.rules else "its dataset's rules"
    ref = f"{report['name']} version {report['version']}"
    failed = [check for check in report["checks"] if not check["passed"]]
    if not failed:
        return f"{ref} passed all {len(report['checks'])} checks against {against}."
    table = _table(
        ["COLUMN", "RULE", "ROWS", "WHY", "EXAMPLES"],
        [
            [
                check["column"],
                check["rule"],
                f"{check['failures']:,}",
                check["explanation"],
                "; ".join(
                    f"row {e['row']}: {'(empty)' if e['value'] is None else e['value']}"
                    for e in check["examples"]
                ),
            ]
            for check in failed
        ],
    )
    return (
        f"{ref} failed {len(failed)} of {len(report['checks'])} checks against {against}:\n" + table
    )


def _datasets_rules(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import datasets, validation

    name = datasets.parse_ref(args.ref)[0]
    if args.rules_file:
        rules = validation.set_rules(workspace, args.ref, validation.read_rules(args.rules_file))
        if args.json:
            return rules
        return f"Saved {counted(len(rules), 'rule')} for {name}; new versions are checked against them."
    rules = validation.rules_of(workspace, args.ref)
    if args.json:
        return rules
    if not rules:
        return (
            f"{name} has no rules. Set some with: mlops-desktop datasets rules {name} "
            "--set RULES.json"
        )
    return f"Rules of {name}; new versions are checked against them:\n" + _table(
        ["COLUMN", "RULE", "EXPECTS"],
        [[rule["column"], rule["rule"], validation.describe(rule)] for rule in rules],
    )


def _datasets_prepare(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import recipes

    record = recipes.prepare(workspace, args.ref, recipes.read_recipe(args.recipe), args.name)
    if args.json:
        return record
    where = f"{record['name']} version {record['version']}"
    if not record["created"]:
        return f"{where} already holds exactly this result; no new version was made."
    return (
        f"Prepared {record['parent']} with {counted(len(record['recipe']['steps']), 'step')}: "
        f"{where}, "
        f"{record['rows']:,} rows, {record['columns_count']} columns.\n" + _validation_line(record)
    ).rstrip()


def _summary(column: dict[str, Any]) -> str:
    if column["type"] == "numeric" and column.get("mean") is not None:
        return f"min {column['min']:.4g}, mean {column['mean']:.4g}, max {column['max']:.4g}"
    if column["type"] == "datetime" and column.get("min"):
        return f"{column['min']} … {column['max']}"
    top = column.get("top") or []
    return ", ".join(f"{t['value']} ({t['count']:,})" for t in top[:3])


def _setting(text: str) -> tuple[str, str]:
    key, sep, value = text.partition("=")
    if not sep or not key:
        raise argparse.ArgumentTypeError(f"'{text}' should be NAME=VALUE, as in n_estimators=200")
    return key, value


def _metrics_text(metrics: dict[str, float]) -> str:
    return ", ".join(
        f"{key} {value:.4f}" for key, value in metrics.items() if not key.startswith("cv_")
    )


def _train(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import training

    recipe = training.Recipe(
        dataset=args.dataset,
        target=args.target,
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
    from mlops_desktop.core import training

    runs = training.list_runs(workspace, args.experiment, include_archived=args.all)
    if args.json:
        return [_run_json(run) for run in runs]
    if not runs:
        return "No runs yet. Train one with: mlops-desktop train --dataset NAME --target COLUMN"
    return _table(
        ["RUN", "EXPERIMENT", "DATASET", "ALGORITHM", "STATUS", "MAIN METRIC"],
        [
            [
                run["run_id"][:12],
                run["experiment"],
                run["dataset"],
                run["algorithm"],
                run["status"],
                f"{training.main_metric(run['task'], run['metrics']):.4f}"
                if run["metrics"]
                else "",
            ]
            for run in runs
        ],
    )


def _runs_show(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import training

    run = training.show_run(workspace, args.run_id)
    if args.json:
        return run
    return "\n".join(f"{key}: {value}" for key, value in run.items())


def _runs_reproduce(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import training

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
    from mlops_desktop.core import experiments

    comparison = experiments.compare_runs(workspace, args.run_ids)
    if args.json:
        return {
            "task": comparison["task"],
            "runs": [_run_json(run) for run in comparison["runs"]],
            "rows": comparison["rows"],
        }
    return (
        _table(
            ["", *comparison["labels"]],
            [
                [("* " if row["differs"] else "  ") + row["name"], *map(_cell, row["values"])]
                for row in comparison["rows"]
            ],
        )
        + "\n(* the runs differ here)"
    )


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _runs_delete(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import experiments

    deleted = experiments.delete_runs(workspace, args.run_ids)
    return {"deleted": deleted} if args.json else f"Deleted {counted(len(deleted), 'run')}."


def _experiments_list(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import experiments

    listed = experiments.list_experiments(workspace)
    if args.json:
        return listed
    if not listed:
        return "No experiments yet; training creates one."
    return _table(
        ["EXPERIMENT", "RUNS", "ARCHIVED"],
        [[e["name"], e["runs"], "yes" if e["archived"] else ""] for e in listed],
    )


def _experiments_archive(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import experiments

    experiments.set_archived(workspace, args.name, args.archived)
    result = {"name": args.name, "archived": args.archived}
    return result if args.json else f"{args.name}: {'archived' if args.archived else 'restored'}."


def _model_json(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "evaluation"}


def _models_register(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import registry

    record = registry.register(workspace, args.run_id, args.name, args.description)
    if args.json:
        return _model_json(record)
    return (
        f"Registered run {record['run_id'][:12]} as {record['name']} version {record['version']}."
    )


def _models_list(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import registry, training

    listed = registry.list_models(workspace)
    if args.json:
        return listed
    if not listed:
        return (
            "No models yet. Register a run with: mlops-desktop models register RUN_ID --name NAME"
        )
    return _table(
        ["MODEL", "VERSION", "STAGE", "ALGORITHM", "MAIN METRIC", "RUN"],
        [
            [
                m["name"],
                m["version"],
                m["stage"],
                m["algorithm"],
                f"{training.main_metric(m['task'], m['metrics']):.4f}",
                m["run_id"][:12],
            ]
            for m in listed
        ],
    )


def _models_show(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import registry

    record = _model_json(registry.show_model(workspace, args.ref))
    if args.json:
        return record
    history = record.pop("history")
    lines = [f"{key}: {value}" for key, value in record.items()]
    lines += [
        f"  {h['time'][:19]} {h['user']}: {h['from']} -> {h['to']} {h['note']}" for h in history
    ]
    return "\n".join(lines)


def _models_stage(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import registry

    record = registry.set_stage(workspace, args.name, args.version, args.stage, args.note)
    if args.json:
        return _model_json(record)
    return f"{record['name']} version {record['version']} is now in {record['stage']}."


def _models_card(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import registry

    path = registry.export_card(workspace, args.ref, args.output)
    return {"output": str(path)} if args.json else f"Wrote the model card to {path}."


def _predict(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import scoring

    result = scoring.score_file(workspace, args.ref, args.input, args.output)
    return result if args.json else f"Scored {result['rows']:,} rows into {result['output']}."


def _serve(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import serving

    def ready(url: str) -> None:
        if args.json:
            print(json.dumps({"url": url, "ref": args.ref}), flush=True)
        else:
            print(f"Serving {args.ref} at {url} (Ctrl+C stops it).", flush=True)

    summary = serving.serve(workspace, args.ref, args.host, args.port, args.token, on_ready=ready)
    if args.json:
        return None
    return (
        f"Stopped: {counted(summary['requests'], 'request')}, "
        f"{counted(summary['predicted_rows'], 'row')} "
        "predicted and logged."
    )


def _thresholds() -> Any:
    from mlops_desktop.core import drift

    return drift.Thresholds.from_dict(Settings().get(MONITORING_SETTINGS, {}))


def _monitor(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import monitoring

    if args.current and (args.since or args.until):
        raise UserError("--since and --until choose logged predictions; drop them with --current.")
    report = monitoring.check(
        workspace,
        args.ref,
        reference=args.reference,
        current=args.current,
        since=monitoring.parse_time(args.since) if args.since else None,
        until=monitoring.parse_time(args.until) if args.until else None,
        thresholds=_thresholds(),
    )
    if args.json:
        return report
    lines = [report["summary"]]
    rows = [
        [c["name"], c["status"], _number(c["p_value"]), _number(c["effect"]), c["explanation"]]
        for c in report["columns"]
    ]
    lines.append(_table(["column", "status", "p-value", "effect", "why"], rows))
    prediction = report.get("prediction_drift")
    if prediction:
        lines.append(f"Predictions: {prediction['status']}. {prediction['explanation']}")
    performance = report.get("performance")
    if performance:
        measured = ", ".join(f"{k} {v:.3f}" for k, v in performance["metrics"].items())
        lines.append(f"Performance on {performance['labelled']:,} labelled rows: {measured}.")
    return "\n".join(lines)


def _number(value: float | None) -> str:
    return "" if value is None else f"{value:.3g}"


def _labels_import(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import monitoring

    result = monitoring.import_labels(workspace, args.ref, args.file, args.key, args.label)
    if args.json:
        return result
    return f"Matched {result['matched']:,} of {result['rows']:,} rows to logged predictions" + (
        f"; {result['unmatched']:,} matched none." if result["unmatched"] else "."
    )


def _datasets_export(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import datasets

    result = datasets.export_csv(workspace, args.ref, args.output)
    return result if args.json else f"Wrote {result['rows']:,} rows to {result['output']}."


def _table(headers: list[str], rows: list[list[Any]]) -> str:
    cells = [headers] + [[str(value) for value in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    return "\n".join(
        "  ".join(v.ljust(w) for v, w in zip(row, widths, strict=True)).rstrip() for row in cells
    )


def _print(result: Any, as_json: bool) -> None:
    if result is None:  # already printed (serve prints its address as soon as it listens)
        return
    if as_json:
        print(json.dumps(result, indent=2, default=str))
    else:
        print(result)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        from mlops_desktop.app import run_app

        return run_app(home=args.home)
    from mlops_desktop.core.workspace import Workspace

    home = resolve_home(args.home)
    try:
        with suppress(OSError):  # a home that is not a folder: Workspace says so plainly
            setup_logging(home)
        workspace = Workspace(home)
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
        log.exception("Command failed: %s", list(argv) if argv is not None else sys.argv[1:])
        print(f"error: something went wrong; the details are in {log_path(home)}", file=sys.stderr)
        return 1
    _print(result, args.json)
    return 0
