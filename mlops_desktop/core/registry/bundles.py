"""Moving a model version to another workspace (an air-gapped machine, say) as one verified file.

``export_bundle`` writes the version's pipeline with everything a reviewer or the other workspace
needs to trust and use it (``bundle_files`` lists the members): its input schema, model card,
lineage as far as this store knows it, recipe, validation rules, monitoring reference summary and
library versions, and, asked for, its held-out rows. ``import_bundle`` checks every member against
the manifest before the pipeline is unpickled, loads it and predicts the sample row before anything
is stored, then records in one transaction: a dataset version of the held-out rows (no rows without
them), a finished run carrying the source run's settings and scores, and the model version, whose
``imported_from`` says which bundle and which source it came from. The pipeline's bytes are stored
unchanged, so the imported version predicts exactly as its source does.
"""

import io
import re
import textwrap
import uuid
import warnings
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import joblib
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from sklearn.exceptions import InconsistentVersionWarning
from sklearn.pipeline import Pipeline
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlops_desktop import __version__
from mlops_desktop.core.data import dataset_rules, datasets, validation
from mlops_desktop.core.data.profiling import content_hash, profile
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.governance import audit
from mlops_desktop.core.names import MAX_NAME_LENGTH, check_name
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)
from mlops_desktop.core.registry import bundle_files, model_registry
from mlops_desktop.core.registry.bundle_files import (
    CARD,
    HELD_OUT,
    INPUT_SCHEMA,
    LIBRARIES,
    LINEAGE,
    MODEL,
    PIPELINE,
    README,
    RECIPE,
    REFERENCE,
    RULES,
    canonical_json,
)
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.store.models import (
    Dataset,
    DatasetRules,
    DatasetVersion,
    Run,
)
from mlops_desktop.core.workspace import Workspace

IMPORTED_EXPERIMENT = "Imported models"
FROM_BUNDLE = " from bundle"  # what the dataset of an imported version's held-out rows is called
# The libraries whose release can change what a stored pipeline predicts, and how much of the
# version number counts: a different major or minor release (1.5 → 1.6) can; a patch rarely does.
PREDICTION_LIBRARIES = ("scikit-learn", "numpy", "pandas")
_RELEASE = re.compile(r"(\d+)\.(\d+)")
# What the held-out rows' columns hold in Parquet when there are none (a bundle without data).
_EMPTY_COLUMN_TYPES = {"numeric": pa.float64(), "boolean": pa.bool_()}


# --- export -----------------------------------------------------------------------------------


def export_bundle(
    workspace: Workspace,
    ref: str,
    output: Path,
    with_data: bool = False,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Write the model version ``ref`` as one bundle file at ``output``; ``with_data`` adds its
    held-out rows (with their target), so monitoring works on the other machine from day one.
    Returns the file and its manifest's SHA-256, for checking the bundle out of band."""
    progress(0.0, "Reading the model version")
    card = model_registry.model_card(workspace, ref)
    run = training.show_run(workspace, card["run_id"])
    pipeline_path = workspace.artifacts.verified_path(card["model_sha256"], training.MODEL_SUFFIX)
    pipeline: Pipeline = joblib.load(pipeline_path)
    check_cancel(cancel)
    with workspace.store.read() as session:
        _model, version = model_registry.resolve(session, card["ref"])
        reference_summary = dict(version.reference_summary)
        chain = _dataset_chain(session, card["dataset"])
    members: dict[str, bytes] = {
        PIPELINE: pipeline_path.read_bytes(),
        MODEL: canonical_json(_model_json(card, run, chain[0]["schema"])),
        INPUT_SCHEMA: canonical_json(card["inputs"]),
        CARD: model_registry.card_html(card).encode(),
        LINEAGE: canonical_json(_lineage(card, run, chain)),
        RECIPE: canonical_json(
            {
                "training": asdict(training.recipe_of(run)),
                "preparation": [
                    {"dataset": entry["ref"], "recipe": entry["recipe"]}
                    for entry in chain
                    if entry["recipe"]
                ],
            }
        ),
        RULES: canonical_json(dataset_rules.model_rules(workspace, card)),
        REFERENCE: canonical_json(reference_summary),
        LIBRARIES: canonical_json(
            {"trained_with": run["library_versions"], "exported_with": training.library_versions()}
        ),
        README: _readme(card, pipeline, with_data).encode(),
    }
    if with_data:
        progress(0.3, "Taking the held-out rows")
        members[HELD_OUT] = _held_out_rows(workspace, card)
    check_cancel(cancel)
    progress(0.7, f"Writing {output.name}")
    sha256 = bundle_files.write_bundle(output, members)
    with workspace.store.write() as session:
        audit.record(
            session,
            "model.export",
            f"model:{card['ref']}",
            file=output.name,
            bundle_sha256=sha256,
            with_data=with_data,
        )
    progress(1.0, "Exported")
    return {"output": str(output), "sha256": sha256}


def _dataset_chain(session: Session, ref: str) -> list[dict[str, Any]]:
    """The dataset version ``ref`` and each version it was prepared from, with their hashes."""
    chain = []
    version: DatasetVersion | None = datasets.resolve(session, ref)
    while version is not None:
        chain.append(
            {
                "ref": datasets.reference(version),
                "content_hash": version.content_hash,
                "source_name": version.source_name,
                "source_sha256": version.source_sha256,
                "rows": version.n_rows,
                "columns": version.n_columns,
                "created": version.created_at.isoformat(),
                "schema": version.schema,
                "recipe": version.recipe,
            }
        )
        version = version.parent
    return chain


def _model_json(
    card: dict[str, Any], run: dict[str, Any], schema: list[dict[str, str]]
) -> dict[str, Any]:
    """What the other workspace records for the version: the run's settings and scores, and the
    type of the target (to store the held-out rows with it)."""
    target_type = next((c["type"] for c in schema if c["name"] == card["target"]), "categorical")
    return {
        "name": card["name"],
        "version": card["version"],
        "description": card["description"],
        "target": card["target"],
        "target_type": target_type,
        "task": card["task"],
        "algorithm": card["algorithm"],
        "params": card["params"],
        "metrics": card["metrics"],
        "seed": card["seed"],
        "split": card["split"],
        "features": run["features"],
        "excluded": run["excluded"],
        "evaluation": run["evaluation"],
        "duration_s": run["duration_s"],
        "model_sha256": card["model_sha256"],
    }


def _lineage(
    card: dict[str, Any], run: dict[str, Any], chain: list[dict[str, Any]]
) -> dict[str, Any]:
    """Where the version came from, as far as this workspace knows: the dataset versions with
    their hashes (the one trained on first), the run, its stage history, and where it was
    imported from if it was."""
    return {
        "exported": {
            "time": datetime.now(UTC).isoformat(),
            "user": audit.current_user(),
            "app_version": __version__,
        },
        "model": {"ref": card["ref"], "stage": card["stage"], "registered": card["created"]},
        "datasets": [{k: v for k, v in entry.items() if k != "schema"} for entry in chain],
        "run": {
            "run_id": run["run_id"],
            "experiment": run["experiment"],
            "algorithm": run["algorithm"],
            "params": run["params"],
            "seed": run["seed"],
            "split": run["split"],
            "metrics": run["metrics"],
            "started": run["started"],
            "library_versions": run["library_versions"],
        },
        "stage_history": card["history"],
        "imported_from": card["imported_from"],
    }


def _held_out_rows(workspace: Workspace, card: dict[str, Any]) -> bytes:
    """The version's held-out rows as Parquet: its input columns, raw, and the target."""
    split = training.run_split(workspace, card["run_id"])
    rows = split.held_out[[column["name"] for column in card["inputs"]]].reset_index(drop=True)
    rows[card["target"]] = split.held_out_truth.to_numpy()
    buffer = io.BytesIO()
    pq.write_table(pa.Table.from_pandas(rows, preserve_index=False), buffer)
    return buffer.getvalue()


def _readme(card: dict[str, Any], pipeline: Pipeline, with_data: bool) -> str:
    app_steps = sorted(
        {
            f"{type(step).__module__}.{type(step).__name__}"
            for _name, step in pipeline.steps
            if type(step).__module__.startswith("mlops_desktop")
        }
    )
    needs_app = textwrap.fill(
        (
            f"It uses {'classes' if len(app_steps) > 1 else 'a class'} of MLOps Desktop ("
            + ", ".join(app_steps)
            + "), so loading it needs the mlops_desktop package importable: install MLOps "
            f"Desktop {__version__} or later in that Python. Everything else is scikit-learn."
        )
        if app_steps
        else "It holds only scikit-learn classes: scikit-learn is all that loading it needs.",
        96,
    )
    columns = ", ".join(column["name"] for column in card["inputs"])
    return f"""MLOps Desktop model bundle: {card["name"]} version {card["version"]}
Predicts '{card["target"]}' ({card["task"]}) from: {columns}.

CHECKING IT
manifest.json lists the SHA-256 and size of every other file in this bundle. The SHA-256 of
manifest.json itself was printed when the bundle was made: compare it with the sender's before
trusting the bundle. "mlops-desktop models import FILE" checks every file against the manifest
before it loads anything, and refuses a bundle that does not match.

CONTENTS
pipeline.joblib          the fitted scikit-learn pipeline (a pickle: load only a checked bundle)
input_schema.json        the columns it takes, their types, whether they may be empty
model_card.html          the model card
lineage.json             the dataset versions (with hashes), run, settings and stage history
recipe.json              the training settings and any data preparation recipe
validation_rules.json    what valid input data looks like
reference_summary.json   the monitoring reference summary (a sample row)
library_versions.json    the library versions it was trained with
{"held_out.parquet         the rows its scores were measured on, with the target" if with_data else ""}

USING THE PIPELINE OUTSIDE THE APP
It predicts from raw rows as a file gives them (yes/no words, numbers, category texts):

    import joblib, pandas as pd
    pipeline = joblib.load("pipeline.joblib")
    pipeline.predict(pd.read_csv("rows.csv"))

{needs_app}
Use the library versions in library_versions.json: other releases of scikit-learn, numpy or
pandas can change its predictions.
"""


# --- import -----------------------------------------------------------------------------------


def import_bundle(
    workspace: Workspace,
    path: Path,
    name: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Register the model in the bundle at ``path`` as the next version of the model ``name``
    (by default the source's name). Refused in one sentence, with nothing stored, unless every
    member matches the manifest and the pipeline loads and predicts here. The version record has
    ``imported_from``, with ``warnings`` when this computer's libraries differ from those the
    model was trained with in a way that can change its predictions."""
    path = Path(path)
    progress(0.0, f"Checking {path.name}")
    bundle = bundle_files.read_verified(path)
    check_cancel(cancel)
    model, schema = bundle.json(MODEL), bundle.json(INPUT_SCHEMA)
    lineage, reference = bundle.json(LINEAGE), bundle.json(REFERENCE)
    rules, libraries = bundle.json(RULES), bundle.json(LIBRARIES)
    _check_readable(bundle.file_name, model, lineage, libraries)
    name = check_name(name if name is not None else model["name"], "model")
    _check_model_name(workspace, name, model)
    held_out = _held_out_table(bundle, schema, model["target"], model["target_type"])
    imported_from = {
        "bundle_sha256": bundle.manifest_sha256,
        "file": bundle.file_name,
        "source": lineage["model"]["ref"],
        "imported": datetime.now(UTC).isoformat(),
        "user": audit.current_user(),
        "with_data": HELD_OUT in bundle.members,
        "warnings": library_differences(libraries["trained_with"]),
        "lineage": lineage,
    }
    progress(0.2, "Loading the model")
    with (
        workspace.artifacts.new(training.MODEL_SUFFIX) as model_file,
        workspace.artifacts.new(datasets.PARQUET) as data_file,
    ):
        model_file.path.write_bytes(bundle.members[PIPELINE])
        _check_loads(model_file.path, bundle.file_name, model["task"], schema, reference)
        check_cancel(cancel)
        progress(0.6, "Storing the held-out rows")
        pq.write_table(held_out, data_file.path)
        data_schema = _data_schema(schema, model)
        types = [column["type"] for column in data_schema]
        summary = profile(held_out, types, {})
        data = {
            "table": held_out,
            "digest": content_hash(held_out, types),
            "summary": summary,
            "report": validation.check(held_out, data_schema, rules, profile=summary),
        }
        check_cancel(cancel)
        progress(0.9, "Registering the version")
        data["artifact"] = data_file.add()
        model_sha = model_file.add()
        with workspace.store.write() as session:
            arrival = _Arrival(
                name, model, schema, rules, reference, imported_from, data, model_sha
            )
            number = _record_import(session, arrival)
    progress(1.0, "Imported")
    return model_registry.show_model(workspace, f"{name}@{number}")


_MODEL_KEYS = [
    "name",
    "description",
    "target",
    "target_type",
    "task",
    "algorithm",
    "params",
    "metrics",
    "seed",
    "split",
    "features",
    "excluded",
    "evaluation",
    "duration_s",
]


def _check_readable(file_name: str, model: Any, lineage: Any, libraries: Any) -> None:
    """Refuse a bundle whose records lack what the import reads (one made by a future version
    of the app, say), before anything is stored."""
    try:
        readable = (
            all(key in model for key in _MODEL_KEYS)
            and isinstance(model["split"], dict)
            and isinstance(lineage["model"]["ref"], str)
            and isinstance(lineage["datasets"][0]["ref"], str)
            and isinstance(lineage["run"]["run_id"], str)
            and isinstance(lineage["run"]["library_versions"], dict)
            and isinstance(libraries["trained_with"], dict)
        )
    except (KeyError, IndexError, TypeError):
        readable = False
    if not readable:
        raise UserError(
            f"{file_name} was made by a version of the app whose records this one cannot read; "
            "nothing was imported."
        )


def library_differences(trained_with: dict[str, str]) -> list[str]:
    """A sentence for each library installed here in another release than the model was trained
    with (``PREDICTION_LIBRARIES``): its predictions may then differ from the source's."""
    installed = training.library_versions()
    found = []
    for library in PREDICTION_LIBRARIES:
        theirs, ours = trained_with.get(library), installed[library]
        if theirs is not None and _release(theirs) != _release(ours):
            found.append(
                f"The model was trained with {library} {theirs} and this computer has {ours}, "
                "which can change its predictions: compare a few with the source's before "
                "relying on it."
            )
    return found


def _release(version: str) -> str:
    match = _RELEASE.match(version)
    return ".".join(match.groups()) if match else version


def _check_model_name(workspace: Workspace, name: str, model: dict[str, Any]) -> None:
    """Refuse, before anything is stored, a name whose model predicts something else."""
    with workspace.store.read() as session:
        found = model_registry.predicts(session, name)
    if found is not None and found != (model["task"], model["target"]):
        raise UserError(
            f"'{name}' predicts '{found[1]}' ({found[0]}); the bundle's model predicts "
            f"'{model['target']}' ({model['task']}). Import it under another name."
        )


def _check_loads(
    path: Path,
    file_name: str,
    task: str,
    schema: list[dict[str, Any]],
    reference: dict[str, Any],
) -> None:
    """Unpickle the verified pipeline and predict the sample row, as serving will: a model that
    cannot run here is refused before anything is stored."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", InconsistentVersionWarning)  # said once, plainly
            pipeline = joblib.load(path)
        rows = pd.DataFrame([reference.get("example", {})])
        scoring.predict(pipeline, task, scoring.prepare(rows, schema))
    except Exception as error:
        raise UserError(
            f"The model in {file_name} cannot run on this computer ({type(error).__name__}: "
            f"{str(error)[:200]}); nothing was imported."
        ) from None


def _data_schema(schema: list[dict[str, Any]], model: dict[str, Any]) -> list[dict[str, str]]:
    """The held-out rows' columns: the model's inputs and its target."""
    inputs = [{"name": column["name"], "type": column["type"]} for column in schema]
    return [*inputs, {"name": model["target"], "type": model["target_type"]}]


def _held_out_table(
    bundle: bundle_files.Bundle, schema: list[dict[str, Any]], target: str, target_type: str
) -> pa.Table:
    """The bundle's held-out rows (none when it was made without them), in the column order of
    the data schema."""
    names = [column["name"] for column in schema] + [target]
    if HELD_OUT not in bundle.members:
        kinds = [column["type"] for column in schema] + [target_type]
        return pa.table(
            {
                name: pa.array([], _EMPTY_COLUMN_TYPES.get(kind, pa.string()))
                for name, kind in zip(names, kinds, strict=True)
            }
        )
    try:
        table = pq.read_table(io.BytesIO(bundle.members[HELD_OUT]))
        return table.select(names)
    except (pa.ArrowException, KeyError, OSError):
        raise UserError(
            f"{bundle.file_name} holds held-out rows that cannot be read; nothing was imported."
        ) from None


@dataclass(frozen=True)
class _Arrival:
    """What an import records, read from a verified bundle and its stored files."""

    name: str  # the model's name here
    model: dict[str, Any]  # the bundle's model.json
    schema: list[dict[str, Any]]
    rules: list[Any]
    reference: dict[str, Any]
    imported_from: dict[str, Any]
    data: dict[str, Any]  # the held-out rows: table, digest, summary, report, artifact
    model_sha: str


def _record_import(session: Session, arrival: _Arrival) -> int:
    """The held-out rows' dataset version, the run and the model version, in one transaction."""
    model, imported_from = arrival.model, arrival.imported_from
    version = _held_out_version(session, arrival)
    experiment = training.experiment_for_runs(session, IMPORTED_EXPERIMENT)
    now = datetime.now(UTC)
    run = Run(
        id=uuid.uuid4().hex,
        experiment_id=experiment.id,
        dataset_version_id=version.id,
        target=model["target"],
        features=model["features"],
        excluded=model["excluded"],
        task=model["task"],
        algorithm=model["algorithm"],
        params=model["params"],
        seed=model["seed"],
        # Its dataset version holds only the held-out rows: training.run_split knows.
        split={**model["split"], training.HELD_OUT_ONLY: True},
        status="finished",
        metrics=model["metrics"],
        started_at=now,
        finished_at=now,
        duration_s=model["duration_s"],
        library_versions=imported_from["lineage"]["run"]["library_versions"],
        model_sha256=arrival.model_sha,
        evaluation=model["evaluation"],
    )
    session.add(run)
    session.flush()
    audit.record(
        session,
        "run.import",
        f"run:{run.id}",
        source_run=imported_from["lineage"]["run"]["run_id"],
        bundle_sha256=imported_from["bundle_sha256"],
    )
    run_record = {"run_id": run.id, "task": run.task, "target": run.target}
    return model_registry.add_version(
        session,
        arrival.name,
        run_record,
        model["description"],
        arrival.schema,
        arrival.reference,
        imported_from,
    )


def _held_out_version(session: Session, arrival: _Arrival) -> DatasetVersion:
    """The dataset version of the bundle's held-out rows, in a dataset "<source dataset> from
    bundle" whose rules are the bundle's; the version already there if one holds the same rows."""
    imported_from, data, rules = arrival.imported_from, arrival.data, arrival.rules
    source_ref = imported_from["lineage"]["datasets"][0]["ref"]
    # A bundle of a version imported before names "<source dataset> from bundle" already.
    source_dataset = datasets.parse_ref(source_ref)[0].removesuffix(FROM_BUNDLE)
    dataset_name = f"{source_dataset[: MAX_NAME_LENGTH - len(FROM_BUNDLE)]}{FROM_BUNDLE}"
    dataset = session.scalars(select(Dataset).where(Dataset.name == dataset_name)).one_or_none()
    if dataset is None:
        dataset = Dataset(name=dataset_name)
        session.add(dataset)
        session.flush()
    stored_rules = session.scalars(
        select(DatasetRules).where(DatasetRules.dataset_id == dataset.id)
    ).one_or_none()
    if stored_rules is None:
        session.add(DatasetRules(dataset_id=dataset.id, rules=rules))
    else:
        stored_rules.rules = rules
    audit.record(session, "dataset.rules", f"dataset:{dataset_name}", rules=len(rules))
    same = next((v for v in dataset.versions if v.content_hash == data["digest"]), None)
    if same is not None:
        return same
    table: pa.Table = data["table"]
    version = DatasetVersion(
        dataset=dataset,
        version=(dataset.versions[-1].version + 1) if dataset.versions else 1,
        source_name=imported_from["file"],
        source_sha256=imported_from["bundle_sha256"],
        content_hash=data["digest"],
        n_rows=table.num_rows,
        n_columns=table.num_columns,
        schema=_data_schema(arrival.schema, arrival.model),
        profile=data["summary"],
        import_options={
            "format": "model bundle (held-out rows)",
            "held_out_of": imported_from["source"],
        },
        artifact_sha256=data["artifact"],
        validation=data["report"],
    )
    session.add(version)
    session.flush()
    audit.record(
        session,
        "dataset.import",
        f"dataset:{dataset_name}@{version.version}",
        source=imported_from["file"],
        rows=table.num_rows,
        columns=table.num_columns,
        content_hash=data["digest"],
        bundle_sha256=imported_from["bundle_sha256"],
    )
    return version
