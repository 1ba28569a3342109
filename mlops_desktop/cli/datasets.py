"""The ``datasets`` commands: import, list, show, export, validate, rules, prepare."""

import argparse
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli.common import Commands, command, table
from mlops_desktop.core.vocabulary import COLUMN_TYPES, counted

if TYPE_CHECKING:
    from mlops_desktop.core.workspace import Workspace


def add_commands(commands: Commands) -> None:
    data = command(commands, "datasets", help="import, list, show and export datasets")
    data_commands = data.add_subparsers(dest="datasets_command", metavar="ACTION", required=True)

    imp = command(data_commands, "import", help="import a CSV, TSV, Excel or Parquet file")
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

    lst = command(data_commands, "list", help="list datasets")
    lst.set_defaults(handler=_datasets_list, brief=True)

    shw = command(data_commands, "show", help="show a dataset version's columns and profile")
    shw.add_argument("ref", metavar="REF", help="NAME (latest version) or NAME@VERSION")
    shw.set_defaults(handler=_datasets_show)

    tgt = command(data_commands, "target", help="show or set the column a dataset's models predict")
    tgt.add_argument("ref", metavar="NAME", help="the dataset (NAME@VERSION names its dataset too)")
    tgt.add_argument("column", nargs="?", metavar="COL", help="the column to remember as target")
    tgt.set_defaults(handler=_datasets_target)

    exp = command(data_commands, "export", help="write a dataset version to a CSV file")
    exp.add_argument("ref", metavar="REF", help="NAME (latest version) or NAME@VERSION")
    exp.add_argument("output", type=Path, metavar="OUT.csv")
    exp.set_defaults(handler=_datasets_export)

    val = command(data_commands, "validate", help="check a dataset version against its rules")
    val.add_argument("ref", metavar="REF", help="NAME (latest version) or NAME@VERSION")
    val.add_argument(
        "--rules",
        type=Path,
        metavar="FILE.json",
        help="check against the rules in this file instead (the dataset's rules stay as they are)",
    )
    val.set_defaults(handler=_datasets_validate)

    rul = command(data_commands, "rules", help="show or replace a dataset's validation rules")
    rul.add_argument("ref", metavar="REF", help="NAME (NAME@VERSION names its dataset too)")
    rul.add_argument(
        "--set",
        type=Path,
        metavar="FILE.json",
        dest="rules_file",
        help="replace the rules with those in this file (a JSON list of rules)",
    )
    rul.set_defaults(handler=_datasets_rules)

    pre = command(
        data_commands, "prepare", help="apply a recipe of cleaning and feature steps: a new version"
    )
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


def _type_override(text: str) -> tuple[str, str]:
    column, sep, kind = text.rpartition("=")
    if not sep or not column or kind not in COLUMN_TYPES:
        raise argparse.ArgumentTypeError(
            f"'{text}' should be COLUMN=TYPE with TYPE one of {', '.join(COLUMN_TYPES)}"
        )
    return column, kind


def _datasets_import(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.data.reading import FormatChoices

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
    from mlops_desktop.core import listing

    rows = listing.list_datasets(workspace)
    if args.json:
        return [
            {k: row[k] for k in ("name", "versions", "latest", "rows", "columns")} for row in rows
        ]
    if not rows:
        return "No datasets yet. Import one with: mlops-desktop datasets import FILE"
    return table(
        ["NAME", "VERSIONS", "LATEST", "ROWS", "COLUMNS"],
        [[r["name"], r["versions"], r["latest"], f"{r['rows']:,}", r["columns"]] for r in rows],
    )


def _datasets_show(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.data import advice, datasets, roles

    found = advice.dataset_warnings(workspace, datasets.get_version(workspace, args.ref))
    record = {
        **datasets.show(workspace, args.ref),
        **roles.roles_record(workspace, args.ref),
        "warnings": [vars(item) for item in found],
    }
    if args.json:
        return record
    header = (
        f"{record['name']} version {record['version']}: {record['rows']:,} rows, "
        f"{record['columns_count']} columns\nsource: {record['source']}\n"
        f"content hash: {record['content_hash']}\n{_target_line(record)}\n"
        + _validation_line(record)
    )
    columns = table(
        ["COLUMN", "TYPE", "MISSING", "UNIQUE", "SUMMARY"],
        [
            [c["name"], c["type"], f"{c['missing']:,}", f"{c['unique']:,}", _summary(c)]
            for c in record["columns"]
        ],
    )
    return (
        header
        + columns
        + ("\n\nWarnings:\n" + "\n".join(f"- {item.text}" for item in found) if found else "")
    )


def _target_line(record: dict[str, Any]) -> str:
    """The dataset's target, or the rule's proposal and why."""
    if record["target"]:
        return f"target: {record['target']}"
    if record["proposed_target"]:
        return (
            f"target: not set; proposed: {record['proposed_target']} ({record['proposed_reason']})"
        )
    return "target: not set, and no column looks like the answer; set one with datasets target"


def _datasets_target(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.data import datasets, roles

    name = datasets.parse_ref(args.ref)[0]
    if args.column is not None:
        roles.set_target(workspace, args.ref, args.column)
    record = {"name": name, **roles.roles_record(workspace, args.ref)}
    if args.json:
        return record
    if args.column is not None:
        return f"The target of {name} is now {args.column}."
    return f"{name}: {_target_line(record)}"


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
    from mlops_desktop.core.data import dataset_rules, validation

    rules = validation.read_rules(args.rules) if args.rules else None
    report = dataset_rules.validate(workspace, args.ref, rules)
    if args.json:
        return report
    against = f"the rules in {args.rules.name}" if args.rules else "its dataset's rules"
    ref = f"{report['name']} version {report['version']}"
    failed = [check for check in report["checks"] if not check["passed"]]
    if not failed:
        return f"{ref} passed all {len(report['checks'])} checks against {against}."
    failures = table(
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
        f"{ref} failed {len(failed)} of {len(report['checks'])} checks against {against}:\n"
        + failures
    )


def _datasets_rules(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.data import dataset_rules, datasets, validation

    name = datasets.parse_ref(args.ref)[0]
    if args.rules_file:
        rules = dataset_rules.set_rules(workspace, args.ref, validation.read_rules(args.rules_file))
        if args.json:
            return rules
        return f"Saved {counted(len(rules), 'rule')} for {name}; new versions are checked against them."
    rules = dataset_rules.rules_of(workspace, args.ref)
    if args.json:
        return rules
    if not rules:
        return (
            f"{name} has no rules. Set some with: mlops-desktop datasets rules {name} "
            "--set RULES.json"
        )
    return f"Rules of {name}; new versions are checked against them:\n" + table(
        ["COLUMN", "RULE", "EXPECTS"],
        [[rule["column"], rule["rule"], validation.describe(rule)] for rule in rules],
    )


def _datasets_prepare(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.data import recipes

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


def _datasets_export(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.data import datasets

    result = datasets.export_csv(workspace, args.ref, args.output)
    return result if args.json else f"Wrote {result['rows']:,} rows to {result['output']}."
