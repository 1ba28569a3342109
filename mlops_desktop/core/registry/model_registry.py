"""The model registry: named models whose versions are registered runs, moved through stages with a
note and a full history, each with a model card.

References: ``NAME`` (the latest version), ``NAME@3``, ``NAME@production``, ``NAME@staging``.
At most one version of a model is in production; promoting one archives the previous one, in the
same transaction.
"""

import html
import math
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.pipeline import Pipeline
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlops_desktop.core.data import datasets, recipes
from mlops_desktop.core.data.column_steps import ColumnSteps
from mlops_desktop.core.data.preparation import describe, travelling_steps
from mlops_desktop.core.data.raw_inputs import RawInputs, feature_schema
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import algorithms, training
from mlops_desktop.core.governance import audit
from mlops_desktop.core.listing import list_models as list_models
from mlops_desktop.core.names import check_name
from mlops_desktop.core.store.models import (
    DatasetVersion,
    ModelVersion,
    RegisteredModel,
    Run,
    StageRequest,
    StageTransition,
)
from mlops_desktop.core.vocabulary import measure_text, measure_title
from mlops_desktop.core.workspace import Workspace
from mlops_desktop.core.writing import write_text

STAGES = ("none", "staging", "production", "archived")
STAGE_LABELS = {
    "none": "not staged",
    "staging": "staging",
    "production": "production",
    "archived": "archived",
}
SMALL_DATA_ROWS = 1000
IMBALANCE_RATIO = 0.2  # the rarest class under a fifth of the commonest
REPLACED_NOTE = "replaced by version {}"  # the note of a version archived by a promotion


def input_schema(workspace: Workspace, run: dict[str, Any]) -> list[dict[str, Any]]:
    """What a request must hold (``training.feature_schema``), as the pipeline's first step knows
    it; a model trained on a prepared version takes the raw columns its recipe starts from."""
    first_step = training.load_model(workspace, run["run_id"]).steps[0][1]
    if isinstance(first_step, RawInputs | ColumnSteps):
        return list(first_step.inputs)
    version = datasets.get_version(workspace, run["dataset"])  # a pipeline saved before RawInputs
    return feature_schema(version, run["features"])


def _plain(value: Any) -> Any:
    """A JSON-friendly copy of a data value (numpy scalars, NaN as null)."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def _example_row(
    workspace: Workspace, run: dict[str, Any], schema: list[dict[str, Any]]
) -> dict[str, Any]:
    """A real row of the training data as the model takes it, complete where possible (for the
    sample request)."""
    version = datasets.get_version(workspace, run["dataset"])
    raw = recipes.raw_rows(workspace, version)
    frame = raw if raw is not None else datasets.load_frame(workspace, version)
    inputs = frame[[column["name"] for column in schema]]
    complete = inputs.dropna()
    row = (complete if len(complete) else inputs).iloc[0]
    return {str(name): _plain(value) for name, value in row.items()}


def register(workspace: Workspace, run_id: str, name: str, description: str = "") -> dict[str, Any]:
    """Register a finished run as the next version of the model ``name`` (created if new)."""
    name = check_name(name, "model")
    run = training.show_run(workspace, run_id)
    if run["status"] != "finished" or not run["model_sha256"]:
        raise UserError(
            f"Run {run['run_id'][:8]} is {run['status']} and has no model; register a finished run."
        )
    schema = input_schema(workspace, run)
    example = _example_row(workspace, run, schema)
    with workspace.store.write() as session:
        number = add_version(session, name, run, description, schema, {"example": example})
    return show_model(workspace, f"{name}@{number}")


def predicts(session: Session, name: str) -> tuple[str, str] | None:
    """The task and target of the model ``name``'s latest version; None for no such model."""
    found = session.execute(
        select(Run.task, Run.target)
        .join(ModelVersion, ModelVersion.run_id == Run.id)
        .join(RegisteredModel, ModelVersion.model_id == RegisteredModel.id)
        .where(RegisteredModel.name == name)
        .order_by(ModelVersion.version.desc())
    ).first()
    return None if found is None else (found[0], found[1])


def add_version(
    session: Session,
    name: str,
    run: dict[str, Any],
    description: str,
    schema: list[dict[str, Any]],
    reference_summary: dict[str, Any],
    imported_from: dict[str, Any] | None = None,
) -> int:
    """Add ``run`` (a run record) as the next version of the model ``name`` (created if new),
    in the caller's transaction; returns the version's number. A model predicts one target."""
    model = session.scalars(
        select(RegisteredModel).where(RegisteredModel.name == name)
    ).one_or_none()
    if model is None:
        model = RegisteredModel(name=name)
        session.add(model)
        session.flush()
        audit.record(session, "model.create", f"model:{name}")
    else:
        other_task = predicts(session, name)
        if other_task is not None and other_task != (run["task"], run["target"]):
            raise UserError(
                f"'{name}' predicts '{other_task[1]}' ({other_task[0]}); this run predicts "
                f"'{run['target']}' ({run['task']}). Register it under another name."
            )
    number = (
        session.scalar(
            select(func.max(ModelVersion.version)).where(ModelVersion.model_id == model.id)
        )
        or 0
    ) + 1
    session.add(
        ModelVersion(
            model_id=model.id,
            version=number,
            run_id=run["run_id"],
            stage="none",
            description=description,
            input_schema=schema,
            reference_summary=reference_summary,
            imported_from=imported_from,
        )
    )
    if imported_from is None:
        audit.record(session, "model.register", f"model:{name}@{number}", run=run["run_id"])
    else:
        audit.record(
            session,
            "model.import",
            f"model:{name}@{number}",
            run=run["run_id"],
            source=imported_from["source"],
            # what it came in: a bundle (its manifest's hash) or an MLflow model (its MLmodel's)
            **{
                key: imported_from[key]
                for key in ("bundle_sha256", "mlmodel_sha256")
                if key in imported_from
            },
        )
    return number


def resolve(session: Session, ref: str) -> tuple[RegisteredModel, ModelVersion]:
    """The model and version a reference names (NAME, NAME@3, NAME@production, NAME@staging)."""
    name, _, which = ref.strip().partition("@")
    model = session.scalars(
        select(RegisteredModel).where(RegisteredModel.name == name.strip())
    ).one_or_none()
    if model is None:
        raise UserError(f"There is no model named '{name.strip()}'.")
    query = select(ModelVersion).where(ModelVersion.model_id == model.id)
    which = which.strip().lower()
    if not which or which == "latest":
        version = session.scalars(query.order_by(ModelVersion.version.desc())).first()
    elif which in ("production", "staging"):
        version = session.scalars(
            query.where(ModelVersion.stage == which).order_by(ModelVersion.version.desc())
        ).first()
        if version is None:
            raise UserError(f"'{model.name}' has no version in {which}.")
    elif which.isdigit():
        version = session.scalars(query.where(ModelVersion.version == int(which))).first()
        if version is None:
            raise UserError(f"'{model.name}' has no version {which}.")
    else:
        raise UserError(
            f"'{ref}' is not a model reference; use NAME, NAME@3, NAME@production or NAME@staging."
        )
    if version is None:
        raise UserError(f"'{model.name}' has no versions.")
    return model, version


def _version_record(
    session: Session, model: RegisteredModel, version: ModelVersion
) -> dict[str, Any]:
    run = training.show_run_in(session, version.run_id)
    transitions = session.scalars(
        select(StageTransition)
        .where(StageTransition.model_version_id == version.id)
        .order_by(StageTransition.id)
    )
    return {
        "name": model.name,
        "version": version.version,
        "ref": f"{model.name}@{version.version}",
        "stage": version.stage,
        "description": version.description,
        "created": version.created_at.isoformat(),
        "run_id": run["run_id"],
        "experiment": run["experiment"],
        "dataset": run["dataset"],
        "target": run["target"],
        "task": run["task"],
        "algorithm": run["algorithm"],
        "params": run["params"],
        "metrics": run["metrics"],
        "model_sha256": run["model_sha256"],
        "inputs": version.input_schema,
        "classes": (run["evaluation"] or {}).get("classes"),
        "example": version.reference_summary.get("example", {}),
        "excluded": run["excluded"],
        "evaluation": run["evaluation"],
        "library_versions": run["library_versions"],
        "seed": run["seed"],
        "split": run["split"],
        "imported_from": version.imported_from,
        "history": [
            {
                "from": t.from_stage,
                "to": t.to_stage,
                "note": t.note,
                "user": t.user,
                "time": t.created_at.isoformat(),
                **({"requested_by": t.requested_by} if t.requested_by else {}),
            }
            for t in transitions
        ],
        "four_eyes": model.four_eyes,
        "pending": _pending_record(_pending(session, version)),
    }


def _pending_record(pending: StageRequest | None) -> dict[str, Any] | None:
    if pending is None:
        return None
    return {
        "to": pending.to_stage,
        "note": pending.note,
        "user": pending.user,
        "time": pending.created_at.isoformat(),
    }


def show_model(workspace: Workspace, ref: str) -> dict[str, Any]:
    """One model version by reference, with its run's details and its stage history."""
    with workspace.store.read() as session:
        model, version = resolve(session, ref)
        return _version_record(session, model, version)


def set_stage(
    workspace: Workspace, name: str, version: int, stage: str, note: str = ""
) -> dict[str, Any]:
    """Move a version to ``stage`` with a note; promoting to production archives the previous
    production version. Both moves are recorded in the history. Under the model's four-eyes rule
    a move to production is only asked for (``pending`` in the record) until another person
    approves it (``approve``)."""
    stage = stage.strip().lower()
    if stage not in STAGES:
        raise UserError(f"'{stage}' is not a stage; choose one of {', '.join(STAGES)}.")
    user = audit.current_user()
    with workspace.store.write() as session:
        model, chosen = resolve(session, f"{name}@{version}")
        if chosen.stage == stage:
            raise UserError(f"{model.name} version {version} is already in {stage}.")
        if stage == "production" and model.four_eyes:
            _ask(session, model, chosen, note.strip(), user)
        else:
            _move(session, model, chosen, stage, note.strip(), user)
    return show_model(workspace, f"{name}@{version}")


def _ask(
    session: Session, model: RegisteredModel, chosen: ModelVersion, note: str, user: str
) -> None:
    pending = _pending(session, chosen)
    if pending is not None:
        raise UserError(
            f"{pending.user} already asked for {model.name} version {chosen.version} to go to "
            "production; it waits for another person's approval."
        )
    session.add(
        StageRequest(model_version_id=chosen.id, to_stage="production", note=note, user=user)
    )
    audit.record(
        session,
        "model.stage.request",
        f"model:{model.name}@{chosen.version}",
        **{"from": chosen.stage, "to": "production", "note": note},
    )


def _move(
    session: Session,
    model: RegisteredModel,
    chosen: ModelVersion,
    stage: str,
    note: str,
    user: str,
    requested_by: str | None = None,
) -> None:
    moves = [(chosen, stage, note)]
    if stage == "production":
        moves += [
            (previous, "archived", REPLACED_NOTE.format(chosen.version))
            for previous in session.scalars(
                select(ModelVersion).where(
                    ModelVersion.model_id == model.id, ModelVersion.stage == "production"
                )
            )
        ]
    pending = _pending(session, chosen)
    if pending is not None:  # moved some other way: the request is moot
        session.delete(pending)
    for moved, to_stage, why in moves:
        asked = requested_by if moved is chosen else None
        session.add(
            StageTransition(
                model_version_id=moved.id,
                from_stage=moved.stage,
                to_stage=to_stage,
                note=why,
                user=user,
                requested_by=asked,
            )
        )
        details = {"from": moved.stage, "to": to_stage, "note": why}
        if asked is not None:
            details["requested_by"] = asked
        audit.record(session, "model.stage", f"model:{model.name}@{moved.version}", **details)
        moved.stage = to_stage


def _pending(session: Session, version: ModelVersion) -> StageRequest | None:
    return session.scalars(
        select(StageRequest).where(StageRequest.model_version_id == version.id)
    ).first()


def approve(workspace: Workspace, name: str, version: int, note: str = "") -> dict[str, Any]:
    """Approve the move to production another person asked for (the four-eyes rule): the
    version moves, and its history says who asked and who approved."""
    user = audit.current_user()
    with workspace.store.write() as session:
        model, chosen = resolve(session, f"{name}@{version}")
        pending = _pending(session, chosen)
        if pending is None:
            raise UserError(
                f"Nobody has asked for {model.name} version {version} to go to production; "
                "there is nothing to approve."
            )
        if pending.user == user:
            raise UserError(
                f"You asked for {model.name} version {version} to go to production yourself; "
                "another person must approve it (the model's four-eyes rule)."
            )
        why = "; ".join(part for part in (pending.note, note.strip()) if part)
        _move(session, model, chosen, pending.to_stage, why, user, requested_by=pending.user)
    return show_model(workspace, f"{name}@{version}")


def withdraw(workspace: Workspace, name: str, version: int) -> dict[str, Any]:
    """Drop a pending move to production (whoever asked, or a reviewer refusing it)."""
    with workspace.store.write() as session:
        model, chosen = resolve(session, f"{name}@{version}")
        pending = _pending(session, chosen)
        if pending is None:
            raise UserError(f"{model.name} version {version} has no move waiting for approval.")
        session.delete(pending)
        audit.record(
            session,
            "model.stage.withdraw",
            f"model:{model.name}@{version}",
            asked_by=pending.user,
        )
    return show_model(workspace, f"{name}@{version}")


def set_four_eyes(workspace: Workspace, name: str, required: bool) -> None:
    """Turn the four-eyes rule on or off for a model: with it on, a move to production needs
    the approval of a person other than the one who asked for it."""
    with workspace.store.write() as session:
        model, _version = resolve(session, name)
        model.four_eyes = required
        audit.record(session, "model.four_eyes", f"model:{model.name}", required=required)


def set_description(workspace: Workspace, name: str, version: int, text: str) -> None:
    """The version's purpose, as written on its model card."""
    with workspace.store.write() as session:
        model, chosen = resolve(session, f"{name}@{version}")
        chosen.description = text.strip()
        audit.record(session, "model.describe", f"model:{model.name}@{version}")


def load(workspace: Workspace, ref: str) -> tuple[dict[str, Any], Pipeline]:
    """A version's record and its pipeline, after checking the file against its SHA-256."""
    record = show_model(workspace, ref)
    return record, training.load_model(workspace, record["run_id"])


def limitations(record: dict[str, Any]) -> list[str]:
    """What the app knows can make this model less reliable, in plain words."""
    notes = []
    balance = (record["evaluation"] or {}).get("balance") or {}
    if balance:
        rarest, commonest = min(balance.values()), max(balance.values())
        if commonest and rarest / commonest < IMBALANCE_RATIO:
            notes.append(
                "The classes are imbalanced (the rarest is under a fifth of the commonest); "
                "accuracy can look good while the rare class is missed. Check recall per class."
            )
    rows = record.get("dataset_rows")
    if rows is not None and rows < SMALL_DATA_ROWS:
        notes.append(
            f"It learned from only {rows:,} rows; scores on so few held-out rows vary a lot."
        )
    if record["excluded"]:
        names = ", ".join(e["name"] for e in record["excluded"])
        notes.append(f"It ignores these columns: {names}.")
    notes.append(
        "It was tested on held-out rows of the same data; data that drifts away from it "
        "(watch the Monitoring pane) can make it wrong without warning."
    )
    return notes


def model_card(workspace: Workspace, ref: str) -> dict[str, Any]:
    """The version's record plus what its card shows: dataset size and limitations."""
    record = show_model(workspace, ref)
    version = datasets.get_version(workspace, record["dataset"])
    origin = record["imported_from"]  # then it learned from a version of the source workspace
    from_bundle = origin is not None and "lineage" in origin  # an MLflow model brings none
    record["dataset_rows"] = (
        origin["lineage"]["datasets"][0]["rows"] if from_bundle else version.n_rows
    )
    record["limitations"] = limitations(record)
    record["prepared"] = _preparation(workspace, version, record["run_id"])
    return record


def _preparation(
    workspace: Workspace, version: DatasetVersion, run_id: str
) -> dict[str, Any] | None:
    """For a model trained on a prepared version: the imported version the preparation started
    from, and the column steps the model applies to each row before predicting."""
    found = recipes.lineage(workspace, version)
    if found is None:
        return None
    features = [feature["name"] for feature in training.show_run(workspace, run_id)["features"]]
    steps, _raw = travelling_steps(found.steps, features)
    return {
        "from": datasets.reference(found.root),
        "steps": [describe(step) for step in steps],
    }


def card_html(card: dict[str, Any], links: bool = False) -> str:
    """A self-contained HTML model card (no scripts, no external files). With ``links`` the run
    and the dataset version are ``run:ID`` and ``dataset:NAME`` links, for the app to follow."""
    e = html.escape
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Model card: {e(card["name"])} version {card["version"]}</title>
<style>body{{font-family:sans-serif;max-width:50em;margin:2em auto;line-height:1.4}}
table{{border-collapse:collapse}}td,th{{border:1px solid #ccc;padding:2px 8px;text-align:left}}
</style></head><body>
<h1>{e(card["name"])} — version {card["version"]}</h1>
{card_sections(card, links)}
</body></html>
"""


def card_sections(card: dict[str, Any], links: bool = False, level: int = 2) -> str:
    """The model card's sections (from its stage to its history), for a page of its own or
    within a longer one (the compliance report), their headings at ``level``."""
    e = html.escape
    h = f"h{level}"

    def link(scheme: str, target: str, text: str) -> str:
        return f'<a href="{scheme}:{e(target)}">{text}</a>' if links else text

    metrics = "".join(
        f"<tr><td>{e(measure_title(k))}</td><td>{measure_text(k, v)}</td></tr>"
        for k, v in card["metrics"].items()
        if not k.startswith("cv_")
    )
    inputs = "".join(
        f"<tr><td>{e(i['name'])}</td><td>{e(i['type'])}</td>"
        f"<td>{'yes' if i['required'] else 'no (gaps are filled in)'}</td>"
        f"<td>{e(', '.join(i.get('categories', [])))}</td></tr>"
        for i in card["inputs"]
    )
    history = "".join(
        f"<li>{e(h['time'][:19].replace('T', ' '))} UTC — {e(h['user'])}: "
        f"{e(STAGE_LABELS[h['from']])} → {e(STAGE_LABELS[h['to']])}"
        + (f" — “{e(h['note'])}”" if h["note"] else "")
        + "</li>"
        for h in card["history"]
    )
    limits = "".join(f"<li>{e(text)}</li>" for text in card["limitations"])
    classes = f"<p>Classes: {e(', '.join(card['classes']))}.</p>" if card.get("classes") else ""
    origin = card.get("imported_from")
    here = link("dataset", card["dataset"], e(card["dataset"]))
    learned_from, held_out_here, imported = f"<b>{here}</b>", "", ""
    if origin and "mlmodel_sha256" in origin:  # an MLflow model: no data, no lineage came along
        imported = (
            f"<p>Imported from the MLflow model <b>{e(origin['mlflow_model'])}</b> (MLmodel "
            f"SHA-256 <code>{e(origin['mlmodel_sha256'])}</code>) on "
            f"{e(origin['imported'][:10])} by {e(origin['user'])}.</p>"
        )
        learned_from = "<b>not known here</b> (an MLflow model does not carry its data)"
        held_out_here = "<p>Choose a dataset in Monitoring to check it against.</p>"
    elif origin:  # a bundle: the data stayed at the source; at most its held-out rows came along
        imported = (
            f"<p>Imported from the bundle <b>{e(origin['file'])}</b> (manifest SHA-256 "
            f"<code>{e(origin['bundle_sha256'])}</code>), exported from {e(origin['source'])}; "
            f"{'with' if origin['with_data'] else 'without'} its held-out rows. "
            f"Imported {e(origin['imported'][:10])} by {e(origin['user'])}.</p>"
            + "".join(f"<p><b>Warning:</b> {e(warning)}</p>" for warning in origin["warnings"])
        )
        learned_from = f"<b>{e(origin['lineage']['datasets'][0]['ref'])}</b> at the source"
        held_out_here = (
            f"<p>Its held-out rows came along: {here}.</p>"
            if origin["with_data"]
            else f"<p>Its rows stayed at the source ({here} has none).</p>"
        )
    prepared = card.get("prepared")
    preparation = (
        f"<p>That version was prepared from <b>{e(prepared['from'])}</b> by a recipe. The model "
        "takes the columns as they were before preparation and first applies, to each row:</p>"
        "<ol>" + "".join(f"<li>{e(step)}</li>" for step in prepared["steps"]) + "</ol>"
        if prepared
        else ""
    )
    return f"""<p>Stage: <b>{e(STAGE_LABELS[card["stage"]])}</b>. Registered {e(card["created"][:10])}.</p>
<{h}>Purpose</{h}><p>{e(card["description"]) or "<i>Not written yet.</i>"}</p>
<{h}>What it predicts</{h}>
<p>{e(card["target"])} ({e(card["task"])}), with {e(algorithms.ALGORITHMS[card["algorithm"]].label)}.</p>
{classes}
<{h}>Data it learned from</{h}>
<p>Dataset version {learned_from}
({card["dataset_rows"]:,} rows);
{card["split"]["test_size"]:.0%} of the rows were held out to score it; seed {card["seed"]}.</p>
{held_out_here}
{preparation}
<{h}>Scores on the held-out rows</{h}><table>{metrics}</table>
<{h}>Inputs</{h}>
<table><tr><th>column</th><th>type</th><th>required</th><th>allowed categories</th></tr>
{inputs}</table>
<{h}>Limitations</{h}><ul>{limits}</ul>
<{h}>Lineage</{h}>
{imported}
<p>Run <code>{link("run", card["run_id"], e(card["run_id"]))}</code> in experiment
{e(card["experiment"])}; model file
SHA-256 <code>{e(card["model_sha256"])}</code>;
{e(", ".join(f"{k} {v}" for k, v in card["library_versions"].items()))}.</p>
<{h}>Stage history</{h}><ul>{history or "<li>No stage changes yet.</li>"}</ul>
"""


def export_card(workspace: Workspace, ref: str, path: Path) -> Path:
    """Write the version's model card as one HTML file."""
    return write_text(path, card_html(model_card(workspace, ref)))
