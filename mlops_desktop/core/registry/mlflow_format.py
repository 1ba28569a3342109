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
