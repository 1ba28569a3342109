"""The ``models``, ``predict``, ``serve`` and ``servers`` commands."""

import argparse
import json
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mlops_desktop.cli import governance
from mlops_desktop.cli.common import Commands, command, table
from mlops_desktop.config import TOKEN_ENV
from mlops_desktop.core.vocabulary import counted

if TYPE_CHECKING:
    from mlops_desktop.core.workspace import Workspace


def add_commands(commands: Commands) -> None:
    mdl = command(commands, "models", help="register runs as model versions and stage them")
    model_commands = mdl.add_subparsers(dest="models_command", metavar="ACTION", required=True)
    mre = command(model_commands, "register", help="register a run as a new model version")
    mre.add_argument("run_id", metavar="RUN_ID")
    mre.add_argument("--name", required=True, help="the model's name (new or existing)")
    mre.add_argument("--description", default="", help="what the model is for")
    mre.set_defaults(handler=_models_register)
    mls = command(model_commands, "list", help="every model version with its stage")
    mls.set_defaults(handler=_models_list, brief=True)
    msh = command(model_commands, "show", help="one model version, with its stage history")
    msh.add_argument(
        "ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production or NAME@staging"
    )
    msh.set_defaults(handler=_models_show)
    mst = command(model_commands, "stage", help="move a version to another stage, with a note")
    mst.add_argument("name", metavar="NAME")
    mst.add_argument("version", type=int, metavar="VERSION")
    mst.add_argument("stage", metavar="STAGE", help="none, staging, production or archived")
    mst.add_argument("--note", default="", help="why (kept in the stage history)")
    mst.set_defaults(handler=_models_stage)
    mfe = command(
        model_commands,
        "four-eyes",
        help="require (on) or not (off) that a move to production is approved by another person",
    )
    mfe.add_argument("name", metavar="NAME")
    mfe.add_argument("setting", choices=("on", "off"), metavar="on|off")
    mfe.set_defaults(handler=_models_four_eyes)
    map_ = command(
        model_commands, "approve", help="approve the move to production another person asked for"
    )
    map_.add_argument("name", metavar="NAME")
    map_.add_argument("version", type=int, metavar="VERSION")
    map_.add_argument("--note", default="", help="why (kept in the stage history)")
    map_.set_defaults(handler=_models_approve)
    mwd = command(model_commands, "withdraw", help="drop a move to production waiting for approval")
    mwd.add_argument("name", metavar="NAME")
    mwd.add_argument("version", type=int, metavar="VERSION")
    mwd.set_defaults(handler=_models_withdraw)
    mca = command(model_commands, "card", help="write a version's model card as an HTML file")
    mca.add_argument("ref", metavar="REF")
    mca.add_argument("output", type=Path, metavar="OUT.html")
    mca.set_defaults(handler=_models_card)
    governance.add_model_commands(model_commands)

    mex = command(
        model_commands,
        "export",
        help="write a version as one verified bundle file, to move it to another workspace",
    )
    mex.add_argument("ref", metavar="REF")
    mex.add_argument("output", type=Path, metavar="OUT.mlbundle|DIR")
    mex.add_argument(
        "--with-data",
        action="store_true",
        help="add the held-out rows (with the target), so monitoring works on arrival",
    )
    mex.add_argument(
        "--format",
        choices=("bundle", "mlflow"),
        default="bundle",
        help="bundle (default): one verified file for another workspace; mlflow: an MLflow "
        "model directory for mlflow models serve, MLServer, KServe or Seldon",
    )
    mex.set_defaults(handler=_models_export)
    mim = command(
        model_commands,
        "import",
        help="check a bundle file and register its model as a new version",
    )
    mim.add_argument("bundle", type=Path, metavar="FILE")
    mim.add_argument("--name", help="the model's name here (default: the source's)")
    mim.set_defaults(handler=_models_import)
    mif = command(
        model_commands,
        "import-mlflow",
        help="register a scikit-learn MLflow model directory as a new version",
    )
    mif.add_argument("folder", type=Path, metavar="DIR")
    mif.add_argument("--name", required=True, help="the model's name here")
    mif.set_defaults(handler=_models_import_mlflow)

    prd = command(commands, "predict", help="score a file with a model version")
    prd.add_argument("ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production …")
    prd.add_argument("input", type=Path, metavar="INPUT_FILE", help="CSV, Excel or Parquet")
    prd.add_argument("--output", required=True, type=Path, metavar="OUT.csv")
    prd.set_defaults(handler=_predict)

    srv = command(
        commands, "serve", help="answer prediction requests over HTTP until stopped (Ctrl+C)"
    )
    srv.add_argument("ref", metavar="REF", help="NAME, NAME@VERSION, NAME@production …")
    srv.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    srv.add_argument(
        "--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)"
    )
    secret = srv.add_mutually_exclusive_group()
    secret.add_argument(
        "--token",
        default=os.environ.get(TOKEN_ENV) or None,
        help=f"require 'Authorization: Bearer TOKEN' (needed for any host but 127.0.0.1; "
        f"also read from ${TOKEN_ENV}); other users can see it in the process list, so prefer "
        f"--token-file or ${TOKEN_ENV}",
    )
    secret.add_argument(
        "--token-file",
        type=Path,
        metavar="FILE",
        help="read the token from this file (its whole text, without surrounding spaces)",
    )
    srv.set_defaults(handler=_serve)

    svs = command(commands, "servers", help="list or stop the servers running for this workspace")
    server_commands = svs.add_subparsers(dest="servers_command", metavar="ACTION", required=True)
    sls = command(server_commands, "list", help="the servers of this workspace still running")
    sls.set_defaults(handler=_servers_list)
    sst = command(
        server_commands,
        "stop",
        help="stop servers gracefully: each answers what it received and writes its log first",
    )
    which = sst.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "deployments", nargs="*", type=int, default=[], metavar="DEPLOYMENT", help="as listed"
    )
    which.add_argument("--all", action="store_true", help="every running server")
    sst.set_defaults(handler=_servers_stop)


def _model_json(record: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in record.items() if key != "evaluation"}


def _models_register(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import model_registry

    record = model_registry.register(workspace, args.run_id, args.name, args.description)
    if args.json:
        return _model_json(record)
    return (
        f"Registered run {record['run_id'][:12]} as {record['name']} version {record['version']}."
    )


def _models_list(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import formatting, listing

    listed = listing.list_models(workspace)
    if args.json:
        return listed
    if not listed:
        return (
            "No models yet. Register a run with: mlops-desktop models register RUN_ID --name NAME"
        )
    return table(
        ["MODEL", "VERSION", "STAGE", "ALGORITHM", "MAIN METRIC", "RUN"],
        [
            [
                m["name"],
                m["version"],
                m["stage"],
                m["algorithm"],
                formatting.score(listing.main_metric(m["task"], m["metrics"])),
                m["run_id"][:12],
            ]
            for m in listed
        ],
    )


def _models_show(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import model_registry

    record = _model_json(model_registry.show_model(workspace, args.ref))
    if args.json:
        return record
    history = record.pop("history")
    lines = [f"{key}: {value}" for key, value in record.items()]
    lines += [
        f"  {h['time'][:19]} {h['user']}: {h['from']} -> {h['to']} {h['note']}"
        + (f" (asked for by {h['requested_by']})" if h.get("requested_by") else "")
        for h in history
    ]
    return "\n".join(lines)


def _models_stage(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import model_registry

    record = model_registry.set_stage(workspace, args.name, args.version, args.stage, args.note)
    if args.json:
        return _model_json(record)
    return _stage_sentence(record)


def _stage_sentence(record: dict[str, Any]) -> str:
    if record["pending"] is not None:
        return (
            f"Asked for {record['name']} version {record['version']} to go to production; under "
            "the model's four-eyes rule another person approves it with 'models approve "
            f"{record['name']} {record['version']}'."
        )
    return f"{record['name']} version {record['version']} is now in {record['stage']}."


def _models_four_eyes(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import model_registry

    model_registry.set_four_eyes(workspace, args.name, args.setting == "on")
    if args.json:
        return {"name": args.name, "four_eyes": args.setting == "on"}
    if args.setting == "on":
        return f"A move of {args.name} to production now needs another person's approval."
    return f"{args.name} moves to production without a second person's approval."


def _models_approve(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import model_registry

    record = model_registry.approve(workspace, args.name, args.version, args.note)
    return _model_json(record) if args.json else _stage_sentence(record)


def _models_withdraw(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import model_registry

    record = model_registry.withdraw(workspace, args.name, args.version)
    if args.json:
        return _model_json(record)
    return f"{record['name']} version {record['version']} no longer waits for approval."


def _models_card(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import model_registry

    path = model_registry.export_card(workspace, args.ref, args.output)
    return {"output": str(path)} if args.json else f"Wrote the model card to {path}."


def _models_export(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.errors import UserError
    from mlops_desktop.core.registry import bundles, mlflow_format

    if args.format == "mlflow":
        if args.with_data:
            raise UserError("--with-data is for bundles; an MLflow model directory holds no rows.")
        result = mlflow_format.export_mlflow(workspace, args.ref, args.output)
        if args.json:
            return result
        return (
            f"Wrote the MLflow model {result['output']} (serve it with: mlflow models serve -m "
            f"{result['output']}).\nIts pipeline's SHA-256: {result['sha256']}"
        )
    result = bundles.export_bundle(workspace, args.ref, args.output, args.with_data)
    if args.json:
        return result
    return (
        f"Wrote {result['output']}.\nIts manifest's SHA-256 (check it on arrival): "
        f"{result['sha256']}"
    )


def _models_import(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import bundles

    record = bundles.import_bundle(workspace, args.bundle, args.name)
    for warning in record["imported_from"]["warnings"]:
        print(f"warning: {warning}", file=sys.stderr)
    if args.json:
        return _model_json(record)
    return (
        f"Imported {record['imported_from']['source']} as {record['name']} version "
        f"{record['version']} (bundle SHA-256 {record['imported_from']['bundle_sha256']})."
    )


def _models_import_mlflow(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.registry import mlflow_format

    record = mlflow_format.import_mlflow(workspace, args.folder, args.name)
    if args.json:
        return _model_json(record)
    return (
        f"Imported the MLflow model {args.folder} as {record['name']} version {record['version']}."
    )


def _predict(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.serving import scoring

    result = scoring.score_file(workspace, args.ref, args.input, args.output)
    return result if args.json else f"Scored {result['rows']:,} rows into {result['output']}."


def _token_from_file(path: Path) -> str:
    """The token kept in ``path``, or one sentence saying why it cannot be had."""
    from mlops_desktop.core.errors import UserError

    try:
        token = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise UserError(f"There is no token file at {path}.") from None
    except IsADirectoryError:
        raise UserError(
            f"{path} is a folder; --token-file needs the file holding the token."
        ) from None
    except UnicodeDecodeError:
        raise UserError(f"The token file {path} is not a text file.") from None
    except OSError as error:
        raise UserError(f"The token file {path} cannot be read ({error.strerror}).") from None
    if not token:
        raise UserError(f"The token file {path} is empty; write the token in it.")
    return token


def _serve(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core import serving

    def ready(url: str) -> None:
        if args.json:
            print(json.dumps({"url": url, "ref": args.ref}), flush=True)
        else:
            print(
                f"Serving {args.ref} at {url} (Ctrl+C or 'mlops-desktop servers stop' stops it).",
                flush=True,
            )

    token = _token_from_file(args.token_file) if args.token_file else args.token
    summary = serving.serve(workspace, args.ref, args.host, args.port, token, on_ready=ready)
    if args.json:
        return None
    return (
        f"Stopped: {counted(summary['requests'], 'request')}, "
        f"{counted(summary['predicted_rows'], 'row')} "
        "predicted and logged."
    )


def _servers_list(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.serving.history import running_servers

    servers = running_servers(workspace)
    if args.json:
        return servers
    if not servers:
        return "No server is running for this workspace."
    return table(
        ["DEPLOYMENT", "MODEL", "URL", "STARTED"],
        [[s["deployment"], s["ref"], s["url"], s["started"][:19]] for s in servers],
    )


def _servers_stop(workspace: "Workspace", args: argparse.Namespace) -> Any:
    from mlops_desktop.core.errors import UserError
    from mlops_desktop.core.serving import control
    from mlops_desktop.core.serving.history import running_servers

    servers = {s["deployment"]: s for s in running_servers(workspace)}
    if not args.all:
        unknown = [str(d) for d in args.deployments if d not in servers]
        if unknown:
            raise UserError(
                f"No server of deployment {', '.join(unknown)} is running; "
                "'mlops-desktop servers list' shows those that are."
            )
        servers = {d: servers[d] for d in args.deployments}
    stopped = [
        {**server, "result": control.stop(workspace, deployment, server["pid"])}
        for deployment, server in servers.items()
    ]
    if args.json:
        return stopped
    if not stopped:
        return "No server is running for this workspace."
    return "\n".join(f"{s['ref']} at {s['url']}: {s['result']}." for s in stopped)
