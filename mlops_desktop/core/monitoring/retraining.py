"""Retraining a model version on its training data and the logged predictions that have true
outcomes, and the verdict on the challenger against the version in production."""

import dataclasses
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.experiments import training
from mlops_desktop.core.governance import audit
from mlops_desktop.core.monitoring import retrain_verdict
from mlops_desktop.core.monitoring.checks import held_out_of, window_metrics
from mlops_desktop.core.monitoring.windows import (
    MonitoredModel,
    Window,
    class_text,
    open_model,
    truth_values,
)
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.serving import scoring
from mlops_desktop.core.store.models import (
    Deployment,
    Label,
    PredictionLog,
)
from mlops_desktop.core.vocabulary import (
    version_words,
)
from mlops_desktop.core.workspace import Workspace

RETRAIN_ACTION = "model.retrain"  # the audit event of a retraining: the challenger and the verdict


def _labelled_rows(
    workspace: Workspace, model: MonitoredModel, original: pd.DataFrame
) -> pd.DataFrame:
    """The logged predictions that have a true outcome, as rows of the training data: their
    inputs, and the outcome written the way the training data writes its target."""
    target = model.record["target"]
    query = (
        select(PredictionLog.inputs, Label.value)
        .join(Deployment, PredictionLog.deployment_id == Deployment.id)
        .join(Label, Label.prediction_log_id == PredictionLog.id)
        .where(Deployment.model_version_id == model.version_id)
        .order_by(PredictionLog.id)
    )
    with workspace.store.read() as session:
        rows = session.execute(query).all()
    truth = truth_values([value for _inputs, value in rows], model.record)
    if model.record["task"] == "classification":
        as_written = {class_text(v, False): v for v in original[target].dropna().unique()}
        truth = [as_written.get(value) for value in truth]
    schema = model.record["inputs"]
    logged = pd.DataFrame.from_records(
        [inputs for inputs, _value in rows], columns=[c["name"] for c in schema]
    )
    # As the model saw them, then typed as the training data types them (yes/no as booleans,
    # labels of a numeric-coded column as numbers), so the two stack into one table.
    frame = scoring.prepare(logged, schema)
    for column in schema:
        name = column["name"]
        if column["type"] == "boolean":
            frame[name] = frame[name].map({1.0: True, 0.0: False}).astype("boolean")
        elif column["type"] == "categorical" and pd.api.types.is_numeric_dtype(original[name]):
            frame[name] = pd.to_numeric(frame[name], errors="coerce")
    return frame.assign(**{target: truth}).dropna(subset=[target])


def _production_version(workspace: Workspace, model: MonitoredModel) -> MonitoredModel | None:
    """The model's version in production, if it is another version than ``model``. Loaded
    before any training, so a damaged model file stops the retraining first."""
    name = model.record["name"]
    try:
        with workspace.store.read() as session:
            _registered, production = model_registry.resolve(session, f"{name}@production")
            number = production.version
    except UserError:  # no version in production
        return None
    return None if number == model.record["version"] else open_model(workspace, f"{name}@{number}")


def _why_not_comparable(
    version: MonitoredModel, challenger: dict[str, Any], rows: pd.DataFrame
) -> str | None:
    """Why ``version`` cannot be scored beside the challenger on ``rows``, or None: it
    predicts other classes, or it cannot read the rows."""
    theirs, ours = version.record["classes"], challenger["classes"]
    if theirs != ours:
        return (
            f"predicts other classes ({', '.join(theirs or [])}) than the new data has "
            f"({', '.join(ours or [])})"
        )
    try:
        scoring.prepare(rows, version.record["inputs"])
    except UserError as error:
        problem = str(error).split(";")[0]
        return f"cannot read the new rows ({problem[:1].lower()}{problem[1:]})"
    return None


def _seen(workspace: Workspace, model: MonitoredModel, inputs: pd.DataFrame) -> "pd.Series[bool]":
    """Which rows of ``inputs`` (as ``scoring.prepare`` gives them for ``model``) the version
    trained on: those equal to one of its training rows, read the same way."""
    trained = training.run_split(workspace, model.record["run_id"]).trained
    seen = pd.util.hash_pandas_object(scoring.prepare(trained, model.record["inputs"]), index=False)
    return pd.util.hash_pandas_object(inputs, index=False).isin(set(seen.tolist()))


def retrain(
    workspace: Workspace,
    ref: str,
    dataset: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Train a challenger for ``ref`` with the same recipe (algorithm, settings, columns, seed)
    on new data, and compare it with the version in production on the same held-out rows, which
    neither trained on. It is compared with ``ref`` itself when no other version is in production,
    or when that one answers another question or cannot read the new rows (``passed_over`` says
    why).

    The new data is the dataset version ``dataset`` when given; otherwise ``ref``'s training
    data plus its labelled predictions, saved as a new version of that dataset (so the challenger
    is reproducible like any run). Returns the challenger's run, both versions' metrics on the
    challenger's held-out rows less those whose inputs the compared version trained on, and
    the paired verdict on the main metric (``retrain_verdict``) with its sentence (``summary``)."""
    progress(0.0, "Gathering the new training data")
    model = open_model(workspace, ref)
    rival = _production_version(workspace, model)
    run = training.show_run(workspace, model.record["run_id"])
    recipe = training.recipe_of(run)
    original_name = datasets.parse_ref(run["dataset"])[0]
    if dataset is None:
        original = datasets.load_frame(workspace, datasets.get_version(workspace, run["dataset"]))
        added = _labelled_rows(workspace, model, original)
        if added.empty:
            raise UserError(
                f"{ref} has no labelled predictions yet; import labels first, or retrain on a "
                "newer dataset version."
            )
        combined = pd.concat([original, added], ignore_index=True)
        with workspace.artifacts.scratch_folder() as folder:
            # The file's name is what the new version's lineage shows as its source.
            path = folder / f"{original_name}-with-{len(added)}-labelled-predictions.parquet"
            combined.to_parquet(path, index=False)
            imported = datasets.import_file(
                workspace, path, original_name, progress=sub_progress(progress, 0.0, 0.3)
            )
        dataset = f"{imported.name}@{imported.version}"
    check_cancel(cancel)
    progress(0.3, "Training the challenger")
    challenger = training.train(
        workspace,
        dataclasses.replace(recipe, dataset=dataset, algorithm=run["algorithm"]),
        sub_progress(progress, 0.3, 0.9),
        cancel,
    )[0]
    if challenger["status"] != "finished":
        raise UserError(f"The challenger could not be trained: {challenger['error']}")
    progress(0.9, "Comparing on the same held-out rows")
    split = training.run_split(workspace, challenger["run_id"])
    challenger_record = {
        **model.record,
        "inputs": model_registry.input_schema(workspace, challenger),
        "classes": (challenger["evaluation"] or {}).get("classes"),
    }
    passed_over = ""
    if rival is not None:
        problem = _why_not_comparable(rival, challenger_record, split.held_out)
        if problem:
            passed_over = f"{version_words(rival.record['ref'])}, in production, {problem}"
            rival = None
    compared = rival or model
    problem = _why_not_comparable(compared, challenger_record, split.held_out)
    if problem:
        raise UserError(
            f"{version_words(compared.record['ref'])} {problem}, so it cannot be compared with "
            f"the challenger; the challenger is kept as run {challenger['run_id'][:8]} in "
            "Experiments, to register from there if its scores suit you."
        )
    unseen = ~_seen(
        workspace, compared, scoring.prepare(split.held_out, compared.record["inputs"])
    ).to_numpy()
    rows, y = split.held_out[unseen], split.held_out_truth[unseen]
    if rows.empty:
        raise UserError(
            f"{version_words(compared.record['ref'])} trained on every row held out from "
            f"{challenger['dataset']}, so the "
            "two cannot be compared fairly; retrain on data with new rows."
        )
    scores = {}
    held = {}
    for side, record, pipeline in (
        ("current", compared.record, compared.pipeline),
        ("challenger", challenger_record, training.load_model(workspace, challenger["run_id"])),
    ):
        truth = truth_values(y.tolist(), record)
        inputs = scoring.prepare(rows, record["inputs"])
        predictions, probabilities = scoring.predict(pipeline, record["task"], inputs)
        window = Window(inputs, predictions, probabilities, truth)
        scores[side] = window_metrics(record, window, np.arange(len(truth)))
        held[side] = held_out_of(record, window, np.arange(len(truth)))
    main = "accuracy" if model.record["task"] == "classification" else "rmse"
    current, new = scores["current"].get(main), scores["challenger"].get(main)
    verdict = retrain_verdict.paired_verdict(
        held["challenger"], held["current"], main, challenger["seed"]
    )
    better = verdict["verdict"] == "better"
    with workspace.store.write() as session:  # the decision, for lineage and the audit trail
        audit.record(
            session,
            RETRAIN_ACTION,
            f"model:{model.record['ref']}",
            challenger=challenger["run_id"],
            dataset=dataset,
            compared=compared.record["ref"],
            metric=main,
            current_score=current,
            challenger_score=new,
            better=better,
        )
    progress(1.0, "Compared")
    result = {
        "challenger": challenger,
        "retrained_from": model.record["ref"],
        "current": compared.record["ref"],
        "current_stage": compared.record["stage"],
        "passed_over": passed_over,
        "dataset": dataset,
        "held_out_rows": len(rows),
        "metrics": scores,
        "main_metric": main,
        "better": better,
        **verdict,
    }
    return {**result, "summary": retrain_verdict.verdict_sentence(result)}
