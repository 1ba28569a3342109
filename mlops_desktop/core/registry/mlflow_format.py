"""A model version written as an MLflow model directory, for the engines a team already runs
(``mlflow models serve``, MLServer, KServe, Seldon), without importing mlflow: the format is
plain files.

``DIR/MLmodel`` names two flavours: ``sklearn`` (the pickled pipeline) and ``python_function``
(MLflow's generic one, which loads it through ``mlflow.sklearn``). The signature comes from the
version's input schema (a column that had gaps in training is optional, as in MLflow's schemas);
``input_example.json`` is one of the training rows; ``requirements.txt`` pins the versions that
trained the model. A pipeline whose steps are the app's own classes (the raw-input conversion,
a recipe's column steps) needs the app's core package at load time: it is copied to ``code/``,
which MLflow puts on the import path.
"""

import hashlib
import json
import pickle
import platform
import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.pipeline import Pipeline

import mlops_desktop
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.registry import model_registry
from mlops_desktop.core.workspace import Workspace

MODEL_FILE = "model.pkl"
CODE_FOLDER = "code"
# The app's column types as MLflow's signature types.
SIGNATURE_TYPES = {
    "numeric": "double",
    "categorical": "string",
    "boolean": "boolean",
    "datetime": "datetime",
    "text": "string",
}
# The pip names of what a pipeline needs, by the names the run recorded its versions under.
REQUIREMENTS = ("scikit-learn", "numpy", "pandas", "scipy", "joblib", "pyarrow")


def _yaml(value: Any, indent: int = 0) -> str:
    """Block YAML for dicts of JSON-able values; scalars written as JSON (which YAML reads)."""
    pad = "  " * indent
    lines = []
    for key, item in value.items():
        if isinstance(item, dict):
            lines.append(f"{pad}{key}:")
            lines.append(_yaml(item, indent + 1))
        else:
            lines.append(f"{pad}{key}: {json.dumps(item)}")
    return "\n".join(lines)


def _signature(record: dict[str, Any]) -> dict[str, str | None]:
    inputs = [
        {
            "type": SIGNATURE_TYPES.get(column["type"], "string"),
            "name": column["name"],
            "required": bool(column.get("required", True)),
        }
        for column in record["inputs"]
    ]
    kind = "double" if record["task"] == "regression" else "string"
    if record["task"] == "classification" and record.get("classes"):
        values = {type(label) for label in record["classes"]}
        kind = "boolean" if values == {bool} else ("long" if values == {int} else "string")
    return {
        "inputs": json.dumps(inputs),
        "outputs": json.dumps([{"type": kind, "required": True}]),
        "params": None,
    }


def _app_classes(pipeline: Pipeline) -> bool:
    """Whether any step is one of the app's own classes (loading it needs the app's code)."""
    return any(type(step).__module__.startswith("mlops_desktop.") for _, step in pipeline.steps)


def _copy_core(target: Path) -> None:
    """The app's pure-Python core (never the ui) under ``target/mlops_desktop``."""
    package = Path(mlops_desktop.__file__).parent
    destination = target / "mlops_desktop"
    destination.mkdir(parents=True)
    shutil.copy2(package / "__init__.py", destination / "__init__.py")
    shutil.copytree(
        package / "core",
        destination / "core",
        ignore=shutil.ignore_patterns("__pycache__", "migrations", "*.pyc"),
    )


def _requirements(versions: dict[str, str]) -> list[str]:
    installed = {name: _installed(name) for name in REQUIREMENTS}
    pinned = {**installed, **{k: v for k, v in versions.items() if k in REQUIREMENTS}}
    return [f"{name}=={version}" for name, version in pinned.items() if version]


def _installed(name: str) -> str:
    from importlib import metadata

    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return ""


def export_mlflow(workspace: Workspace, ref: str, output: Path) -> dict[str, Any]:
    """Write the version ``ref`` as an MLflow model directory at ``output`` (a new or empty
    folder). Returns ``{"output", "sha256"}``: the pickled pipeline's SHA-256."""
    output = Path(output)
    if output.exists() and (not output.is_dir() or any(output.iterdir())):
        raise UserError(f"{output} is not an empty folder; choose a new folder for the model.")
    record, pipeline = model_registry.load(workspace, ref)
    staging = output.with_name(f".{output.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    try:
        with (staging / MODEL_FILE).open("wb") as file:  # MLflow reads it with pickle.load
            pickle.dump(pipeline, file, protocol=4)
        digest = hashlib.sha256((staging / MODEL_FILE).read_bytes()).hexdigest()
        code = _app_classes(pipeline)
        if code:
            _copy_core(staging / CODE_FOLDER)
        versions = record["library_versions"]
        requirements = _requirements(versions)
        (staging / "requirements.txt").write_text("\n".join(["mlflow", *requirements]) + "\n")
        python = versions.get("python", platform.python_version())
        (staging / "python_env.yaml").write_text(
            f"python: {python}\nbuild_dependencies:\n  - pip\ndependencies:\n"
            "  - -r requirements.txt\n"
        )
        names = [column["name"] for column in record["inputs"]]
        example = {"columns": names, "data": [[record["example"].get(name) for name in names]]}
        (staging / "input_example.json").write_text(json.dumps(example))
        (staging / "serving_input_example.json").write_text(
            json.dumps({"dataframe_split": example})
        )
        flavour_code = CODE_FOLDER if code else None
        mlmodel = {
            "flavors": {
                "python_function": {
                    "code": flavour_code,
                    "env": {"virtualenv": "python_env.yaml"},
                    "loader_module": "mlflow.sklearn",
                    "model_path": MODEL_FILE,
                    "predict_fn": "predict",
                    "python_version": python,
                },
                "sklearn": {
                    "code": flavour_code,
                    "pickled_model": MODEL_FILE,
                    "serialization_format": "pickle",
                    "sklearn_version": versions.get("scikit-learn", ""),
                },
            },
            "metadata": {
                "exported_by": f"MLOps Desktop {mlops_desktop.__version__}",
                "source": record["ref"],
                "run_id": record["run_id"],
            },
            "model_uuid": uuid.uuid4().hex,
            "saved_input_example_info": {
                "artifact_path": "input_example.json",
                "type": "dataframe",
                "pandas_orient": "split",
                "serving_input_path": "serving_input_example.json",
            },
            "signature": _signature(record),
            "utc_time_created": datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f"),
        }
        (staging / "MLmodel").write_text(_yaml(mlmodel) + "\n")
        if output.exists():
            output.rmdir()
        staging.rename(output)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return {"output": str(output), "sha256": digest}


# --- import -------------------------------------------------------------------------------------

MLFLOW_TYPES = {  # MLflow's signature types as the app's column types
    "double": "numeric",
    "float": "numeric",
    "long": "numeric",
    "integer": "numeric",
    "boolean": "boolean",
    "string": "categorical",
    "datetime": "datetime",
}
# The estimators the app knows, by their class's name, as its algorithms.
ESTIMATOR_ALGORITHMS = {
    "LogisticRegression": "logistic_regression",
    "LinearRegression": "linear_regression",
    "RandomForestClassifier": "random_forest",
    "RandomForestRegressor": "random_forest",
    "HistGradientBoostingClassifier": "gradient_boosting",
    "HistGradientBoostingRegressor": "gradient_boosting",
    "GradientBoostingClassifier": "gradient_boosting",
    "GradientBoostingRegressor": "gradient_boosting",
    "DecisionTreeClassifier": "decision_tree",
    "DecisionTreeRegressor": "decision_tree",
    "KNeighborsClassifier": "knn",
    "KNeighborsRegressor": "knn",
    "GaussianNB": "naive_bayes",
}
FROM_MLFLOW = " from MLflow"  # the (empty) dataset an imported MLflow model's run points at


def _read_mlmodel(folder: Path) -> dict[str, Any]:
    import yaml

    path = folder / "MLmodel"
    if not folder.is_dir() or not path.is_file():
        raise UserError(f"{folder} is not an MLflow model directory: it has no MLmodel file.")
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError, OSError) as error:
        raise UserError(f"{path} cannot be read as an MLflow MLmodel file ({error}).") from None
    flavour = (
        (document or {}).get("flavors", {}).get("sklearn") if isinstance(document, dict) else None
    )
    if not isinstance(flavour, dict) or not flavour.get("pickled_model"):
        raise UserError(
            f"{folder} is not a scikit-learn MLflow model: its MLmodel names no sklearn flavour."
        )
    return dict(document)


def _schema_from_signature(document: dict[str, Any], folder: Path) -> list[dict[str, Any]]:
    signature = document.get("signature") or {}
    try:
        inputs = json.loads(signature.get("inputs") or "null")
    except (TypeError, ValueError):
        inputs = None
    if (
        not isinstance(inputs, list)
        or not inputs
        or not all(isinstance(column, dict) and column.get("name") for column in inputs)
    ):
        raise UserError(
            f"{folder} has no signature naming its input columns; log the model with a "
            "signature (mlflow.models.infer_signature) and export it again."
        )
    return [
        {
            "name": str(column["name"]),
            "type": MLFLOW_TYPES.get(str(column.get("type")), "categorical"),
            "required": bool(column.get("required", True)),
        }
        for column in inputs
    ]


def _load_pipeline(folder: Path, flavour: dict[str, Any]) -> Any:
    model_path = (folder / str(flavour["pickled_model"])).resolve()
    if folder.resolve() not in model_path.parents or not model_path.is_file():
        raise UserError(f"{folder}'s MLmodel names a model file it does not hold.")
    try:
        if flavour.get("serialization_format") == "skops":  # MLflow 3's default: no pickle
            import skops.io

            untrusted = skops.io.get_untrusted_types(file=model_path)
            if untrusted:
                raise UserError(
                    f"The model in {folder} holds types the app does not load unchecked: "
                    f"{', '.join(untrusted[:5])}."
                )
            return skops.io.load(model_path)
        with model_path.open("rb") as file:
            return pickle.load(file)  # a file the analyst chose: MLflow loads it the same way
    except UserError:
        raise
    except Exception as error:
        raise UserError(
            f"The model in {folder} cannot be loaded here ({type(error).__name__}: "
            f"{str(error)[:120]}); it may need libraries this computer lacks."
        ) from None


def import_mlflow(workspace: Workspace, folder: Path, name: str) -> dict[str, Any]:
    """Register the scikit-learn MLflow model in ``folder`` as the next version of the model
    ``name``: its signature becomes the input schema, its estimator one of the app's algorithms.
    Refused in one sentence, with nothing stored, for anything else."""
    import pandas as pd
    import pyarrow as pa
    from sqlalchemy import select

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.data.profiling import content_hash, profile
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.governance import audit
    from mlops_desktop.core.names import check_name
    from mlops_desktop.core.store.models import Dataset, DatasetVersion, Run

    folder = Path(folder)
    name = check_name(name, "model")
    document = _read_mlmodel(folder)
    schema = _schema_from_signature(document, folder)
    pipeline = _load_pipeline(folder, document["flavors"]["sklearn"])
    estimator = pipeline.steps[-1][1] if hasattr(pipeline, "steps") else pipeline
    algorithm = ESTIMATOR_ALGORITHMS.get(type(estimator).__name__)
    if algorithm is None or not hasattr(pipeline, "predict"):
        known = ", ".join(sorted({label for label in ESTIMATOR_ALGORITHMS}))
        raise UserError(
            f"The model in {folder} is a {type(estimator).__name__}; the app takes scikit-learn "
            f"models of these kinds: {known}."
        )
    task = "classification" if hasattr(estimator, "classes_") else "regression"
    example = {column["name"]: None for column in schema}
    example_file = folder / "input_example.json"
    if example_file.is_file():
        try:
            split = json.loads(example_file.read_text(encoding="utf-8"))
            example = dict(zip(split["columns"], split["data"][0], strict=False))
        except (ValueError, KeyError, IndexError, TypeError):
            pass
    try:  # the example, when the directory has one, must get an answer
        if all(example.get(column["name"]) is not None for column in schema):
            pipeline.predict(pd.DataFrame([{c["name"]: example[c["name"]] for c in schema}]))
    except Exception as error:
        raise UserError(
            f"The model in {folder} cannot predict its own input example ({str(error)[:120]})."
        ) from None
    target = "prediction"
    outputs = (document.get("signature") or {}).get("outputs")
    try:
        named = [o.get("name") for o in json.loads(outputs or "[]") if isinstance(o, dict)]
        target = next((str(n) for n in named if n), target)
    except (TypeError, ValueError):
        pass
    source_sha = hashlib.sha256((folder / "MLmodel").read_bytes()).hexdigest()
    table = pa.table({column["name"]: pa.array([], pa.float64()) for column in schema})
    types = ["numeric"] * len(schema)
    imported_from: dict[str, Any] = {
        "mlflow_model": str(folder.resolve()),
        "mlmodel_sha256": source_sha,
        "source": (document.get("run_id") or document.get("model_uuid") or folder.name),
        "imported": datetime.now(UTC).isoformat(),
        "user": audit.current_user(),
        "with_data": False,
        "warnings": [],
    }
    with (
        workspace.artifacts.new(training.MODEL_SUFFIX) as model_file,
        workspace.artifacts.new(datasets.PARQUET) as data_file,
    ):
        import joblib
        import pyarrow.parquet as pq

        joblib.dump(pipeline, model_file.path)
        pq.write_table(table, data_file.path)
        data_sha, model_sha = data_file.add(), model_file.add()
        with workspace.store.write() as session:
            dataset_name = f"{name}{FROM_MLFLOW}"
            dataset = session.scalars(
                select(Dataset).where(Dataset.name == dataset_name)
            ).one_or_none()
            if dataset is None:
                dataset = Dataset(name=dataset_name)
                session.add(dataset)
                session.flush()
            version = DatasetVersion(
                dataset=dataset,
                version=(dataset.versions[-1].version + 1) if dataset.versions else 1,
                source_name="MLmodel",
                source_sha256=source_sha,
                content_hash=content_hash(table, types),
                n_rows=0,
                n_columns=len(schema),
                schema=[{"name": c["name"], "type": c["type"]} for c in schema],
                profile=profile(table, types, {}),
                import_options={"format": "MLflow model (no rows)"},
                artifact_sha256=data_sha,
            )
            session.add(version)
            session.flush()
            now = datetime.now(UTC)
            run = Run(
                id=uuid.uuid4().hex,
                experiment_id=training.experiment_for_runs(session, "Imported models").id,
                dataset_version_id=version.id,
                target=target,
                features=[{"name": c["name"], "type": c["type"]} for c in schema],
                excluded=[],
                task=task,
                algorithm=algorithm,
                params={},
                seed=0,
                split={"test_size": 0.0, training.HELD_OUT_ONLY: True},
                status="finished",
                metrics={},
                started_at=now,
                finished_at=now,
                duration_s=0.0,
                library_versions=training.library_versions(),
                model_sha256=model_sha,
                evaluation=None,
            )
            session.add(run)
            session.flush()
            audit.record(session, "run.import", f"run:{run.id}", mlflow_model=str(folder))
            number = model_registry.add_version(
                session,
                name,
                {"run_id": run.id, "task": task, "target": target},
                f"Imported from the MLflow model {folder.name}.",
                schema,
                {"example": example},
                imported_from,
            )
    return model_registry.show_model(workspace, f"{name}@{number}")
