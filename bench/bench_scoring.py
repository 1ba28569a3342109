"""Batch scoring of a 1,000,000-row CSV with a registered model, against the same work done by hand.

    python bench/bench_scoring.py [--rows N] [--runs 2] [--algorithm random_forest] [--trees 100]
                                  [--diagnose]

Setup (untimed, in a child): a seeded 20,000-row credit table (14 input columns: 10 numeric, two of
them with gaps, 3 categorical, one with gaps, a boolean; and a learnable binary target
``defaulted``) written as CSV, imported with ``datasets.import_file``, trained with
``training.train(Recipe(..., algorithm="random_forest", params={"n_estimators": 100}))`` and
registered with ``model_registry.register(workspace, run_id, "Bench")``; then a seeded N-row scoring CSV
with the same 14 input columns and no target (drawn from the same distribution, other seed).
The CSVs are generated into a temporary folder (or ``$MLOPS_BENCH_DATA``, where they are kept).

- ours: ``scoring.score_file(workspace, "Bench", scoring_csv, output_csv)``: load the version and its
  pipeline (database + SHA-256 check + ``joblib.load``), detect the format, read the CSV with the
  app's reader, then per 100,000-row batch: ``to_pandas``, ``scoring.prepare`` (check each column
  against the input schema), ``scoring.predict`` (the model's ``predict`` and/or ``predict_proba``;
  the calls made are counted and printed), build the output table and write it with pyarrow's CSV
  writer. Per-step times come from timers wrapped around the names ``score_file`` calls (in the
  child only; no app code is changed).
- baseline: ``joblib.load`` of the same model file, ``pandas.read_csv(path, engine="pyarrow")``,
  ``pipeline.predict(frame)`` + ``pipeline.predict_proba(frame)``, the input columns + ``prediction``
  + ``probability_<class>`` columns written with ``DataFrame.to_csv(index=False)`` (the common way;
  this is the figure the goal uses). A stricter baseline writes the same frame with pyarrow's CSV
  writer (``pa.Table.from_pandas`` + ``pyarrow.csv.write_csv``) instead; it is timed in the same
  child after the first write and printed for information.

Loading the model is timed on both sides (ours cannot skip it: ``score_file`` loads it). Each side
runs in a fresh child process (``python bench/bench_scoring.py --child ...``), alternating order,
with the CSV in the OS page cache; timings exclude the interpreter start and module imports; the
medians are compared. The predictions and probabilities of the two outputs are compared (they must
be identical). ``--diagnose`` adds a child that times, on the same batches, the parts of
``score_file`` and cheaper ways of doing the same (the numbers it prints are informational).

Goal (issue 4): baseline_time / our_time ≥ 0.8 (ours may take up to 1.25 × the baseline).
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

GOAL_RATIO = 0.8  # baseline_time / our_time
TRAIN_ROWS = 20_000
TRAIN_SEED = 20240701
SCORE_SEED = 20240702
DATA_VERSION = 1  # bump when the generated content changes, so cached files are regenerated
DATASET = "bench-credit"
MODEL = "Bench"
TARGET = "defaulted"
CATEGORICAL = ["home_ownership", "loan_purpose", "employment_type"]
BOOLEAN = ["has_cosigner"]


# --- data ----------------------------------------------------------------------------------------


def generate_table(rows: int, seed: int, with_target: bool) -> Any:
    """A seeded credit-application table: 14 input columns (numeric, categorical, a boolean; gaps in
    ``annual_income``, ``years_employed`` and ``loan_purpose``) and, optionally, the 0/1 target."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n = rows
    age = rng.integers(21, 76, n)
    income = np.round(rng.lognormal(10.8, 0.5, n), 2)
    loan = np.round(rng.gamma(2.0, 6000.0, n), 2)
    term = rng.choice(np.array([12, 24, 36, 48, 60]), n, p=[0.1, 0.2, 0.35, 0.15, 0.2])
    rate = np.round(rng.uniform(3.0, 25.0, n), 2)
    credit = np.clip(np.round(rng.normal(680.0, 70.0, n)), 300, 850).astype(np.int64)
    dti = np.round(rng.beta(2.0, 5.0, n) * 0.8, 3)
    accounts = rng.poisson(6.0, n)
    employed = np.round(rng.exponential(6.0, n), 1)
    late = rng.poisson(0.4, n)
    homes = np.array(["rent", "own", "mortgage", "other"], dtype=object)
    home = rng.choice(len(homes), n, p=[0.4, 0.2, 0.37, 0.03])
    purposes = np.array(
        [
            "debt_consolidation",
            "car",
            "home_improvement",
            "education",
            "medical",
            "business",
            "vacation",
            "wedding",
        ],
        dtype=object,
    )
    purpose = rng.choice(len(purposes), n, p=[0.35, 0.15, 0.12, 0.1, 0.08, 0.1, 0.05, 0.05])
    jobs = np.array(
        ["salaried", "self_employed", "contract", "part_time", "retired", "unemployed"],
        dtype=object,
    )
    job = rng.choice(len(jobs), n, p=[0.55, 0.15, 0.1, 0.1, 0.07, 0.03])
    cosigner = rng.random(n) < 0.12
    signal = (
        -2.0
        - 0.012 * (credit - 680)
        + 3.0 * (dti - 0.23)
        + 0.08 * (rate - 14)
        + 0.4 * late
        + 0.5 * (np.log(loan) - np.log(income) + 2.0)
        - 0.02 * (age - 45)
        - 0.03 * np.minimum(employed, 20)
        + np.array([0.2, -0.2, -0.1, 0.3])[home]
        + np.array([0.0, -0.1, -0.2, 0.1, 0.3, 0.5, 0.2, 0.1])[purpose]
        + np.array([-0.2, 0.2, 0.1, 0.3, -0.1, 0.9])[job]
        - 0.5 * cosigner
        + 0.004 * (term - 36)
    )
    columns = {
        "age": pa.array(age),
        "annual_income": pa.array(income, mask=rng.random(n) < 0.03),
        "loan_amount": pa.array(loan),
        "loan_term_months": pa.array(term),
        "interest_rate": pa.array(rate),
        "credit_score": pa.array(credit),
        "debt_to_income": pa.array(dti),
        "open_accounts": pa.array(accounts),
        "years_employed": pa.array(employed, mask=rng.random(n) < 0.05),
        "late_payments": pa.array(late),
        "home_ownership": pa.array(homes[home], pa.string()),
        "loan_purpose": pa.array(purposes[purpose], pa.string(), mask=rng.random(n) < 0.02),
        "employment_type": pa.array(jobs[job], pa.string()),
        "has_cosigner": pa.array(cosigner),
    }
    if with_target:
        columns[TARGET] = pa.array((signal + rng.logistic(0.0, 1.0, n) > 0).astype(np.int64))
    return pa.table(columns)


def column_types(names: list[str]) -> dict[str, str]:
    return {
        name: "categorical" if name in CATEGORICAL else "boolean" if name in BOOLEAN else "numeric"
        for name in names
    }


def data_file(kind: str, rows: int) -> Path:
    """The generated CSV (``train`` with the target, ``score`` without), cached when
    ``$MLOPS_BENCH_DATA`` is set."""
    path = _common.data_dir() / f"bench_scoring_{kind}_{rows}_v{DATA_VERSION}.csv"
    if path.exists():
        return path
    import pyarrow.csv as pacsv

    seed, with_target = (TRAIN_SEED, True) if kind == "train" else (SCORE_SEED, False)
    partial = path.with_suffix(".partial")
    pacsv.write_csv(
        generate_table(rows, seed, with_target),
        partial,
        write_options=pacsv.WriteOptions(quoting_style="none"),
    )
    partial.replace(path)
    return path


def _maxrss_bytes() -> int:
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024


# --- children ------------------------------------------------------------------------------------


def child_setup(home: Path, train_csv: Path, algorithm: str, trees: int) -> dict[str, Any]:
    """Import, train and register (untimed for the goal; the times are printed)."""
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    try:
        started = time.perf_counter()
        result = datasets.import_file(workspace, train_csv, DATASET)
        version = datasets.get_version(workspace, f"{result.name}@{result.version}")
        detected = {column["name"]: column["type"] for column in version.schema}
        wanted = column_types(list(detected))
        if detected != wanted:
            raise SystemExit(f"the import detected other column types: {detected} (want {wanted})")
        imported = time.perf_counter()
        params = {"n_estimators": trees} if algorithm == "random_forest" else {}
        recipe = training.Recipe(
            dataset=result.name, target=TARGET, algorithm=algorithm, params=params
        )
        run = training.train(workspace, recipe)[0]
        if run["status"] != "finished":
            raise SystemExit(f"the training did not finish: {run['status']} {run['error']}")
        trained = time.perf_counter()
        record = model_registry.register(workspace, run["run_id"], MODEL)
        model_path = workspace.artifacts.path_for(run["model_sha256"], training.MODEL_SUFFIX)
        return {
            "import_s": imported - started,
            "train_s": trained - imported,
            "ref": record["ref"],
            "features": [feature["name"] for feature in run["features"]],
            "excluded": run["excluded"],
            "inputs": record["inputs"],
            "classes": record["classes"],
            "metrics": run["metrics"],
            "model_path": str(model_path),
            "model_bytes": model_path.stat().st_size,
        }
    finally:
        workspace.close()


class _Timers:
    """Wraps callables with timers that add up the seconds spent in them, by label."""

    def __init__(self) -> None:
        self.spent: dict[str, float] = defaultdict(float)
        self.calls: dict[str, int] = defaultdict(int)

    def timed(self, label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                self.spent[label] += time.perf_counter() - started
                self.calls[label] += 1

        return wrapper

    def wrap(self, owner: Any, name: str, label: str) -> None:
        setattr(owner, name, self.timed(label, getattr(owner, name)))


def child_ours(home: Path, source: Path, output: Path) -> dict[str, Any]:
    import pyarrow.csv as pacsv

    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.serving import scoring
    from mlops_desktop.core.workspace import Workspace

    timers = _Timers()
    load = model_registry.load

    def timed_load(*args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        record, pipeline = load(*args, **kwargs)
        timers.spent["load model (model_registry.load)"] += time.perf_counter() - started
        # The model's own predict / predict_proba, to tell them from scoring.predict's extra work.
        pipeline.predict = timers.timed("model predict", pipeline.predict)
        pipeline.predict_proba = timers.timed("model predict_proba", pipeline.predict_proba)
        return record, pipeline

    model_registry.load = timed_load
    timers.wrap(scoring, "detect_format", "read CSV (detect + read_table)")
    timers.wrap(scoring, "read_table", "read CSV (detect + read_table)")
    timers.wrap(scoring, "prepare", "prepare (check schema)")
    timers.wrap(scoring, "predict", "scoring.predict")
    timers.wrap(scoring, "_output_table", "output table")

    writer_class = pacsv.CSVWriter

    class TimedWriter(writer_class):  # type: ignore[misc, valid-type]
        def write_table(self, table: Any, *args: Any, **kwargs: Any) -> None:
            started = time.perf_counter()
            super().write_table(table, *args, **kwargs)
            timers.spent["write CSV (pyarrow)"] += time.perf_counter() - started

        def close(self) -> None:
            started = time.perf_counter()
            super().close()
            timers.spent["write CSV (pyarrow)"] += time.perf_counter() - started

    pacsv.CSVWriter = TimedWriter  # this child only

    workspace = Workspace(home)
    try:
        started, cpu_started = time.perf_counter(), time.process_time()
        result = scoring.score_file(workspace, MODEL, source, output)
        total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    finally:
        workspace.close()
    spent = defaultdict(float, timers.spent)  # a name the current code no longer calls: 0 s
    model_calls = [
        f"{name} ×{timers.calls[f'model {name}']}"
        for name in ("predict", "predict_proba")
        if timers.calls[f"model {name}"]
    ]
    model = spent["model predict"] + spent["model predict_proba"]
    steps = {
        "load model (model_registry.load)": spent["load model (model_registry.load)"],
        "read CSV (detect + read_table)": spent["read CSV (detect + read_table)"],
        "prepare (check schema)": spent["prepare (check schema)"],
        "model (" + ", ".join(model_calls) + ")": model,
        "scoring.predict beyond the model": spent["scoring.predict"] - model,
        "output table": spent["output table"],
        "write CSV (pyarrow)": spent["write CSV (pyarrow)"],
    }
    steps["other (to_pandas, slicing)"] = total - sum(steps.values())
    return {
        "seconds": total,
        "cpu_s": cpu,
        "rows": result["rows"],
        "steps": steps,
        "peak_rss": _maxrss_bytes(),
        "output_bytes": output.stat().st_size,
    }


def child_baseline(model_path: Path, source: Path, output: Path) -> dict[str, Any]:
    import joblib
    import pandas as pd
    import pyarrow as pa
    import pyarrow.csv as pacsv

    # What unpickling the pipeline imports, imported before the clock starts (ours has these
    # imported by the app's modules before it starts; timings exclude module imports).
    import sklearn.compose
    import sklearn.ensemble
    import sklearn.impute
    import sklearn.pipeline
    import sklearn.preprocessing
    import sklearn.tree  # noqa: F401

    steps: dict[str, float] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    pipeline = joblib.load(model_path)
    mark = time.perf_counter()
    steps["load model (joblib.load)"] = mark - started

    def step(label: str) -> None:
        nonlocal mark
        now = time.perf_counter()
        steps[label] = now - mark
        mark = now

    frame = pd.read_csv(source, engine="pyarrow")
    step("read CSV (pandas, pyarrow engine)")
    predicted = pipeline.predict(frame)
    step("predict (model)")
    probabilities = pipeline.predict_proba(frame)
    step("predict_proba (model)")
    result = frame.assign(
        prediction=predicted,
        **{
            f"probability_{label}": probabilities[:, index]
            for index, label in enumerate(pipeline.classes_)
        },
    )
    step("output frame (assign)")
    result.to_csv(output, index=False)
    step("write CSV (DataFrame.to_csv)")
    total, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    common = total - steps["write CSV (DataFrame.to_csv)"]

    stricter = output.with_name(output.stem + "-pyarrow.csv")
    begun = time.perf_counter()
    pacsv.write_csv(pa.Table.from_pandas(result, preserve_index=False), stricter)
    pyarrow_write = time.perf_counter() - begun
    stricter.unlink()
    return {
        "seconds": total,
        "cpu_s": cpu,
        "seconds_pyarrow_writer": common + pyarrow_write,
        "pyarrow_write_s": pyarrow_write,
        "rows": len(frame),
        "steps": steps,
        "peak_rss": _maxrss_bytes(),
        "output_bytes": output.stat().st_size,
    }


def child_compare(ours: Path, baseline: Path, classes: list[str]) -> dict[str, Any]:
    """Whether the two outputs hold the same predictions and probabilities."""
    import numpy as np
    import pyarrow.csv as pacsv

    names = ["prediction", *[f"probability_{label}" for label in classes]]
    options = pacsv.ConvertOptions(include_columns=names)
    left = pacsv.read_csv(ours, convert_options=options)
    right = pacsv.read_csv(baseline, convert_options=options)
    differences = {}
    for name in names:
        a = left[name].to_numpy(zero_copy_only=False)
        b = right[name].to_numpy(zero_copy_only=False)
        if name == "prediction":
            differences[name] = int((a.astype(str) != b.astype(str)).sum())
        else:
            differences[name] = float(np.max(np.abs(a.astype(float) - b.astype(float))))
    return {"rows": [left.num_rows, right.num_rows], "differences": differences}


def child_diagnose(home: Path, source: Path, scratch: Path) -> dict[str, Any]:
    """Where ``score_file``'s time goes beyond the model, and cheaper ways to do the same."""
    import numpy as np
    import pyarrow.csv as pacsv

    from mlops_desktop.core.data import reading
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.serving import scoring
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    record, pipeline = model_registry.load(workspace, MODEL)
    workspace.close()
    schema, classes = record["inputs"], record["classes"]
    spent: dict[str, float] = defaultdict(float)

    def clock(label: str, function: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        started = time.perf_counter()
        value = function(*args, **kwargs)
        spent[label] += time.perf_counter() - started
        return value

    def lists(predicted: Any, matrix: Any) -> tuple[list[Any], list[list[float]]]:
        # What scoring.predict does after the model: Python values, then back to NumPy later.
        return [v.item() if isinstance(v, np.generic) else v for v in predicted], matrix.tolist()

    fmt = reading.detect_format(source)
    table, _ = clock(
        "read_table (app reader, SHA-256 while reading)", reading.read_table, source, fmt
    )
    clock(
        "pyarrow read_csv, same options, no SHA-256",
        pacsv.read_csv,
        source,
        read_options=pacsv.ReadOptions(block_size=4 << 20),
        convert_options=pacsv.ConvertOptions(
            null_values=reading.NULL_VALUES,
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,
        ),
    )
    out_a, out_b = scratch / "diag-a.csv", scratch / "diag-b.csv"
    writers: list[Any] = []
    agree = True
    with out_a.open("wb") as handle_a, out_b.open("wb") as handle_b:
        for start in range(0, table.num_rows, scoring.BATCH_ROWS):
            chunk = table.slice(start, scoring.BATCH_ROWS)
            frame = clock("to_pandas", chunk.to_pandas)
            inputs = clock("prepare", scoring.prepare, frame, schema, start)
            predicted = clock("model predict", pipeline.predict, inputs)
            matrix = clock("model predict_proba", pipeline.predict_proba, inputs)
            values, rows = clock(
                "scoring.predict: to Python lists (item, tolist)", lists, predicted, matrix
            )
            result = clock(
                "_output_table (from the lists)",
                scoring._output_table,
                chunk,
                values,
                rows,
                classes,
            )
            clock(
                "output table from the arrays",
                _table_from_arrays,
                chunk,
                predicted,
                matrix,
                classes,
            )
            # For a classifier with predict_proba the label is the class of the highest probability
            # (what a forest's predict computes by calling predict_proba itself).
            argmax = clock("predict as classes_[argmax(proba)]", _argmax_labels, pipeline, matrix)
            agree = agree and bool(np.array_equal(argmax, predicted))
            if not writers:
                writers = [
                    pacsv.CSVWriter(handle_a, result.schema),
                    pacsv.CSVWriter(
                        handle_b,
                        result.schema,
                        write_options=pacsv.WriteOptions(quoting_style="none"),
                    ),
                ]
            clock("write (pyarrow, default quoting)", writers[0].write_table, result)
            clock("write (pyarrow, quoting none)", writers[1].write_table, result)
        for writer in writers:
            writer.close()
    out_a.unlink()
    out_b.unlink()
    return {"spent": dict(spent), "argmax_same": agree}


def _argmax_labels(pipeline: Any, matrix: Any) -> Any:
    import numpy as np

    return pipeline.classes_.take(np.argmax(matrix, axis=1))


def _table_from_arrays(chunk: Any, predicted: Any, matrix: Any, classes: list[str]) -> Any:
    """The same output table as ``scoring._output_table``, built from the NumPy arrays directly."""
    import pyarrow as pa

    table = chunk.append_column("prediction", pa.array(predicted))
    for index, label in enumerate(classes):
        table = table.append_column(f"probability_{label}", pa.array(matrix[:, index]))
    return table


# --- parent --------------------------------------------------------------------------------------


def _child(mode: str, *args: str) -> dict[str, Any]:
    out = _common.run_child([__file__, "--child", mode, *args])
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def _list(values: Any) -> str:
    return ", ".join(f"{value:.2f}" for value in values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=_common.DEFAULT_ROWS, help="rows to score")
    parser.add_argument("--runs", type=int, default=2, help="runs of each side (default 2)")
    parser.add_argument(
        "--algorithm", default="random_forest", help="training algorithm (default random_forest)"
    )
    parser.add_argument("--trees", type=int, default=100, help="n_estimators of the forest")
    parser.add_argument("--diagnose", action="store_true", help="also time score_file's parts")
    parser.add_argument(
        "--child",
        choices=["setup", "ours", "baseline", "compare", "diagnose"],
        help=argparse.SUPPRESS,
    )
    parser.add_argument("--home", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    parser.add_argument("--model", help=argparse.SUPPRESS)
    parser.add_argument("--classes", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "setup":
            result = child_setup(Path(args.home), Path(args.path), args.algorithm, args.trees)
        elif args.child == "ours":
            result = child_ours(Path(args.home), Path(args.path), Path(args.out))
        elif args.child == "baseline":
            result = child_baseline(Path(args.model), Path(args.path), Path(args.out))
        elif args.child == "compare":
            result = child_compare(Path(args.path), Path(args.out), json.loads(args.classes))
        else:
            result = child_diagnose(Path(args.home), Path(args.path), Path(args.out))
        print(json.dumps(result))
        return 0

    begun = time.perf_counter()
    train_csv = data_file("train", TRAIN_ROWS)
    score_csv = data_file("score", args.rows)
    print(
        f"data: training {train_csv.name} ({_mb(train_csv.stat().st_size)}, {TRAIN_ROWS:,} rows), "
        f"scoring {score_csv.name} ({_mb(score_csv.stat().st_size)}, {args.rows:,} rows × 14), "
        f"ready in {time.perf_counter() - begun:.1f} s",
        flush=True,
    )
    scratch = _common.temp_dir("scoring")
    home = scratch / "workspace"
    setup = _child(
        "setup",
        "--home",
        str(home),
        "--path",
        str(train_csv),
        "--algorithm",
        args.algorithm,
        "--trees",
        str(args.trees),
    )
    metrics = ", ".join(
        f"{k} {v:.3f}" for k, v in setup["metrics"].items() if k in ("accuracy", "roc_auc")
    )
    print(
        f"setup (untimed): import {setup['import_s']:.1f} s, train {args.algorithm}"
        f"{f' ({args.trees} trees)' if args.algorithm == 'random_forest' else ''} "
        f"{setup['train_s']:.1f} s ({metrics}), registered {setup['ref']}; model file "
        f"{_mb(setup['model_bytes'])}; {len(setup['features'])} inputs"
        + (f", excluded {[e['name'] for e in setup['excluded']]}" if setup["excluded"] else ""),
        flush=True,
    )
    _common.warm_page_cache(score_csv)
    _common.warm_page_cache(Path(setup["model_path"]))
    print(
        f"method: each run in a fresh child process, alternating order, {args.runs} run(s) per "
        "side, file and model in the page cache; medians compared; times exclude interpreter "
        "start and imports; loading the model is timed on both sides",
        flush=True,
    )

    our_runs: list[dict[str, Any]] = []
    baseline_runs: list[dict[str, Any]] = []
    ours_out, base_out = scratch / "ours.csv", scratch / "baseline.csv"
    for run in range(args.runs):
        order = ["baseline", "ours"] if run % 2 == 0 else ["ours", "baseline"]
        for side in order:
            if side == "baseline":
                base_out.unlink(missing_ok=True)
                result = _child(
                    "baseline",
                    "--model",
                    setup["model_path"],
                    "--path",
                    str(score_csv),
                    "--out",
                    str(base_out),
                )
                baseline_runs.append(result)
                print(
                    f"  run {run + 1} baseline: {result['seconds']:.2f} s with to_csv "
                    f"({result['seconds_pyarrow_writer']:.2f} s with pyarrow's writer), "
                    f"cpu {result['cpu_s']:.2f} s, peak RSS {_mb(result['peak_rss'])}",
                    flush=True,
                )
            else:
                ours_out.unlink(missing_ok=True)
                result = _child(
                    "ours", "--home", str(home), "--path", str(score_csv), "--out", str(ours_out)
                )
                our_runs.append(result)
                print(
                    f"  run {run + 1} ours:     {result['seconds']:.2f} s, cpu {result['cpu_s']:.2f} s, "
                    f"peak RSS {_mb(result['peak_rss'])}",
                    flush=True,
                )

    compared = _child(
        "compare",
        "--path",
        str(ours_out),
        "--out",
        str(base_out),
        "--classes",
        json.dumps(setup["classes"]),
    )
    diagnosed = (
        _child("diagnose", "--home", str(home), "--path", str(score_csv), "--out", str(scratch))
        if args.diagnose
        else None
    )

    base_s = _common.median([r["seconds"] for r in baseline_runs])
    strict_s = _common.median([r["seconds_pyarrow_writer"] for r in baseline_runs])
    ours_s = _common.median([r["seconds"] for r in our_runs])
    ratio = base_s / ours_s
    strict_ratio = strict_s / ours_s

    print()
    print(f"== batch scoring of {args.rows:,} rows ==")
    print(
        f"baseline (joblib.load + read_csv + predict + predict_proba + to_csv): median {base_s:.2f} s "
        f"[{_list(r['seconds'] for r in baseline_runs)}]"
    )
    print(
        f"stricter baseline (same, written with pyarrow.csv.write_csv):        median {strict_s:.2f} s "
        f"[{_list(r['seconds_pyarrow_writer'] for r in baseline_runs)}]"
    )
    print(
        f"ours (scoring.score_file):                                            median {ours_s:.2f} s "
        f"[{_list(r['seconds'] for r in our_runs)}]"
    )
    print(
        f"ratio baseline/ours: {ratio:.2f}  (goal ≥ {GOAL_RATIO}, i.e. ours ≤ "
        f"{1 / GOAL_RATIO:.2f} × baseline)  {_common.verdict(ratio >= GOAL_RATIO)}"
    )
    print(f"against the stricter baseline (information): {strict_ratio:.2f}")
    print("baseline, median time per step:")
    for label in baseline_runs[0]["steps"]:
        print(
            f"    {label:<36} {_common.median([r['steps'][label] for r in baseline_runs]):6.2f} s"
        )
    pyarrow_write = _common.median([r["pyarrow_write_s"] for r in baseline_runs])
    print(f"    {'(write CSV, pyarrow from_pandas+write)':<36} {pyarrow_write:6.2f} s")
    print("ours, median time per step:")
    for label in our_runs[0]["steps"]:
        print(
            f"    {label:<36} {_common.median([r['steps'].get(label, 0.0) for r in our_runs]):6.2f} s"
        )
    differences = compared["differences"]
    same = differences["prediction"] == 0 and all(
        value <= 1e-12 for key, value in differences.items() if key != "prediction"
    )
    print(
        f"outputs: {_mb(our_runs[-1]['output_bytes'])} (ours) vs "
        f"{_mb(baseline_runs[-1]['output_bytes'])} (baseline); predictions differing: "
        f"{differences['prediction']}, largest probability difference: "
        f"{max((v for k, v in differences.items() if k != 'prediction'), default=0.0):.2g} "
        f"({'identical' if same else 'DIFFERENT'})"
    )
    if diagnosed is not None:
        print()
        print("== diagnosis: score_file's parts and alternatives (same batches, one child) ==")
        for label, seconds in diagnosed["spent"].items():
            print(f"    {label:<46} {seconds:6.2f} s")
        print(f"    argmax of predict_proba equals predict: {diagnosed['argmax_same']}")
    print(f"\ntotal wall time of the benchmark: {time.perf_counter() - begun:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
