"""HTTP serving of a 100-tree random forest on a 13-column credit table, against a bare WSGI app.

    python bench/bench_serving.py [--quick] [--diagnose] [--rounds 5] [--seconds 4] [--rows 10000]
                                  [--load-requests 20000] [--load-connections 16]

Setup (untimed, in a child): a seeded credit table (``--rows`` rows; 13 input columns: 9 numeric,
two of them with gaps, 3 categorical, one with gaps, a boolean; and a binary target ``risk``,
"good"/"bad") written as CSV, imported with ``datasets.import_file``, trained with
``training.train(Recipe(..., algorithm="random_forest", params={"n_estimators": 100}))`` and
registered with ``model_registry.register(workspace, run_id, "Credit")``. 2,000 real rows of that table
(features only, gaps included) become the request bodies: one row per request,
``{"dataframe_records": [row]}``, ``Content-Type: application/json``.

Servers, each in its own child process, on 127.0.0.1, all with waitress and the same thread count
(``serving.server.THREADS``):

- baseline: a bare WSGI function under ``waitress.create_server``: ``json.loads`` the body, build a
  ``pandas.DataFrame`` of ``dataframe_records``, call ``pipeline.predict`` of the same pipeline
  (``model_registry.load(workspace, "Credit")[1]``) and answer ``{"predictions": [...]}``; no validation,
  no logging.
- ours: the real server, ``python -m mlops_desktop serve Credit --home H --port 0 --json`` (the
  CLI's ``serving.serve``: werkzeug app, schema check, micro-batching predictor, prediction log on).
- ours, log off (``ours-nolog``): ``serve`` has no switch for the log, so this child runs
  ``serving.serve`` itself, as the CLI calls it, with the log writer's ``add`` replaced by a
  no-op: the same serving code and harness as "ours" with nothing logged, so the comparison
  measures the log (it replaces a name in the serving module of this child).

The load client is in this process: N threads, each with its own keep-alive
``http.client.HTTPConnection``, sending rows in turn until a request budget or a time budget is
spent; every status is counted and every latency (request sent → response read) kept. Each
measurement is preceded by a 0.5 s warm-up at the same concurrency. Each round starts a fresh child
per side (one process's luck, such as its memory layout, would otherwise weigh on every round: two
processes of the same server differ by up to ~10 %), warms each up (1 s per concurrency), measures
them in turn (the order rotates per round), stops them with SIGTERM and compares ours' prediction
log with the rows it answered. The throughput ratios judged are the medians of the per-round
ratios (the two sides of a round run seconds apart, so slow changes in the machine's other load
cancel; the ratio of the median throughputs is printed too); latencies are the medians over the
rounds of each side's p50/p99.
``/health`` of ours gives the rows per predict call of each measurement (the micro-batching). The
CPU seconds the server process used (from ``/proc``), the client's own CPU, the rest of the
machine's CPU use (``/proc/stat`` minus those two) and the load average are printed, since on a
2-core machine anything else running shows up.

Goals (issue 4):
1. one client, one row per request, log on: throughput ≥ 0.9 × baseline (1 client);
2. eight concurrent clients: throughput ≥ 3 × baseline (8 clients), p99 ≤ baseline's p99;
3. log on vs log off: throughput ≥ 0.95 × (checked with 1 client and with 8 clients);
4. a bounded load run (``--load-requests`` requests over ``--load-connections`` connections, each
   with its own ``X-Request-ID``) against a fresh "ours" ends with zero 5xx, and after a graceful
   stop (SIGTERM) the prediction log of that deployment holds exactly one row per row answered with
   200: the same count, and the same set of request ids, each once.

``--quick`` runs a short check (smaller table, 1 round of 2 s, 2,000 requests for goal 4; ~1
min). A full run takes ~5 min. ``--diagnose`` (~+1.5 min; informational) adds a fourth server
to the rounds, ``app-waitress``: the same ``ServingApp(record, pipeline)`` without a log writer
(the writer is optional) under ``waitress.create_server`` with the same threads, as the baseline
is run (it tells ``serve``'s harness from plain waitress); and a child that times, without HTTP,
the CPU time of each step of one-row requests on both sides and of the log writer's work (it
calls a few private functions of the serving modules).
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import select
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

GOAL_ONE_CLIENT = 0.9  # ours / baseline, 1 client
GOAL_EIGHT_CLIENTS = 3.0  # ours / baseline, 8 clients
GOAL_LOG = 0.95  # log on / log off
MODEL = "Credit"
DATASET = "credit"
TARGET = "risk"
SEED = 20240801
REQUEST_ROWS = 2000
CATEGORICAL = ["home_ownership", "loan_purpose", "employment_type"]
BOOLEAN = ["has_cosigner"]
CONCURRENCY = (1, 8)
SIDES = ("baseline", "ours", "ours-nolog")
SERVE_NOLOG = "serve-nolog"  # the child of "ours-nolog": serve() with the log writer's add a no-op
APP_WAITRESS = "app-waitress"  # --diagnose: ServingApp without a log under plain waitress
READY_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 90.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# --- data ----------------------------------------------------------------------------------------


def generate_table(rows: int, seed: int) -> Any:
    """A seeded credit-application table: 13 input columns and the target ``risk``."""
    import numpy as np
    import pyarrow as pa

    rng = np.random.default_rng(seed)
    n = rows
    age = rng.integers(19, 76, n)
    income = np.round(rng.lognormal(10.7, 0.5, n), 2)
    amount = np.round(rng.gamma(2.0, 5000.0, n), 2)
    duration = rng.choice(np.array([6, 12, 18, 24, 36, 48, 60]), n)
    rate = np.round(rng.uniform(3.0, 24.0, n), 2)
    score = np.clip(np.round(rng.normal(670.0, 75.0, n)), 300, 850).astype(np.int64)
    dti = np.round(rng.beta(2.0, 5.0, n) * 0.8, 3)
    employed = np.round(rng.exponential(6.0, n), 1)
    late = rng.poisson(0.4, n)
    homes = np.array(["rent", "own", "mortgage", "free"], dtype=object)
    home = rng.choice(len(homes), n, p=[0.4, 0.2, 0.36, 0.04])
    purposes = np.array(
        ["car", "furniture", "radio_tv", "education", "business", "repairs", "vacation"],
        dtype=object,
    )
    purpose = rng.choice(len(purposes), n, p=[0.3, 0.18, 0.2, 0.08, 0.12, 0.07, 0.05])
    jobs = np.array(["skilled", "unskilled", "management", "self_employed", "none"], dtype=object)
    job = rng.choice(len(jobs), n, p=[0.55, 0.2, 0.12, 0.1, 0.03])
    cosigner = rng.random(n) < 0.1
    signal_ = (
        -1.2
        - 0.011 * (score - 670)
        + 3.0 * (dti - 0.23)
        + 0.07 * (rate - 13)
        + 0.45 * late
        + 0.5 * (np.log(amount) - np.log(income) + 1.8)
        - 0.02 * (age - 40)
        - 0.03 * np.minimum(employed, 20)
        + 0.01 * (duration - 24)
        + np.array([0.2, -0.3, -0.1, 0.1])[home]
        + np.array([0.0, 0.1, -0.1, 0.2, 0.4, 0.2, 0.1])[purpose]
        + np.array([-0.1, 0.3, -0.3, 0.2, 0.8])[job]
        - 0.5 * cosigner
    )
    bad = signal_ + rng.logistic(0.0, 1.0, n) > 0
    return pa.table(
        {
            "age": pa.array(age),
            "annual_income": pa.array(income, mask=rng.random(n) < 0.03),
            "loan_amount": pa.array(amount),
            "duration_months": pa.array(duration),
            "interest_rate": pa.array(rate),
            "credit_score": pa.array(score),
            "debt_to_income": pa.array(dti),
            "years_employed": pa.array(employed, mask=rng.random(n) < 0.05),
            "late_payments": pa.array(late),
            "home_ownership": pa.array(homes[home], pa.string()),
            "loan_purpose": pa.array(purposes[purpose], pa.string(), mask=rng.random(n) < 0.02),
            "employment_type": pa.array(jobs[job], pa.string()),
            "has_cosigner": pa.array(cosigner),
            TARGET: pa.array(np.where(bad, "bad", "good").astype(object), pa.string()),
        }
    )


# --- children ------------------------------------------------------------------------------------


def child_setup(home: Path, rows: int, requests_path: Path) -> dict[str, Any]:
    """Generate, import, train and register; write the request rows (features only)."""
    import pyarrow.csv as pacsv

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.serving import server
    from mlops_desktop.core.workspace import Workspace

    table = generate_table(rows, SEED)
    csv_path = home.parent / f"{DATASET}.csv"
    pacsv.write_csv(table, csv_path, write_options=pacsv.WriteOptions(quoting_style="none"))
    workspace = Workspace(home)
    try:
        started = time.perf_counter()
        result = datasets.import_file(workspace, csv_path, DATASET)
        version = datasets.get_version(workspace, f"{result.name}@{result.version}")
        detected = {c["name"]: c["type"] for c in version.schema if c["name"] != TARGET}
        wanted = {
            name: "categorical"
            if name in CATEGORICAL
            else "boolean"
            if name in BOOLEAN
            else "numeric"
            for name in detected
        }
        if detected != wanted or len(detected) != 13:
            raise SystemExit(f"the import detected other columns: {detected} (want {wanted})")
        imported = time.perf_counter()
        recipe = training.Recipe(
            dataset=result.name,
            target=TARGET,
            algorithm="random_forest",
            params={"n_estimators": 100},
        )
        run = training.train(workspace, recipe)[0]
        if run["status"] != "finished":
            raise SystemExit(f"the training did not finish: {run['status']} {run['error']}")
        trained = time.perf_counter()
        record = model_registry.register(workspace, run["run_id"], MODEL)
        frame = datasets.load_frame(workspace, version)
    finally:
        workspace.close()
    features = [name for name in frame.columns if name != TARGET]
    sample = frame[features].sample(n=min(REQUEST_ROWS, len(frame)), random_state=SEED)
    # pandas' JSON writer gives plain JSON values (NaN/None → null, numpy scalars → numbers).
    requests_path.write_text(sample.to_json(orient="records"), encoding="utf-8")
    missing = int(sample.isna().any(axis=1).sum())
    return {
        "import_s": imported - started,
        "train_s": trained - imported,
        "ref": record["ref"],
        "features": len(run["features"]),
        "excluded": run["excluded"],
        "classes": record["classes"],
        "metrics": {k: round(v, 4) for k, v in run["metrics"].items()},
        "threads": server.THREADS,
        "request_rows": len(sample),
        "request_rows_with_gaps": missing,
    }


def _serve_until_term(server: Any, on_stop: Any = None) -> None:
    """Run a waitress server until SIGTERM (waitress's ``run`` ends on SystemExit)."""

    def stop(_signum: int, _frame: Any) -> None:
        raise SystemExit(0)

    signal.signal(signal.SIGTERM, stop)
    print(json.dumps({"url": f"http://127.0.0.1:{server.effective_port}"}), flush=True)
    try:
        server.run()
    finally:
        if on_stop is not None:
            on_stop()


def child_baseline(home: Path, threads: int) -> None:
    """The bare WSGI function: JSON → DataFrame → the same pipeline's predict; nothing else."""
    import logging

    import pandas as pd
    import waitress

    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    pipeline = model_registry.load(workspace, MODEL)[1]
    workspace.close()

    def application(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        records = json.loads(environ["wsgi.input"].read(length))["dataframe_records"]
        predictions = pipeline.predict(pd.DataFrame(records)).tolist()
        body = json.dumps({"predictions": predictions}).encode("utf-8")
        start_response(
            "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
        )
        return [body]

    logging.getLogger("waitress.queue").setLevel(logging.ERROR)  # as serve() does
    server = waitress.create_server(application, host="127.0.0.1", port=0, threads=threads)
    _serve_until_term(server)


def child_nolog(home: Path, threads: int) -> None:
    """Ours without the prediction log: the same ServingApp, no writer, under waitress."""
    import logging

    import waitress

    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.serving import ServingApp
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    record, pipeline = model_registry.load(workspace, MODEL)
    workspace.close()
    app = ServingApp(record, pipeline)
    app.start()
    logging.getLogger("waitress.queue").setLevel(logging.ERROR)
    server = waitress.create_server(
        app, host="127.0.0.1", port=0, threads=max(threads, 8), ident="mlops-desktop"
    )
    _serve_until_term(server, app.close)


def child_diagnose(home: Path, requests_path: Path, count: int) -> dict[str, Any]:
    """Where a one-row request's CPU time goes, in-process (no HTTP): the baseline's steps and the
    steps of ours (the functions the app, the predictor and the log writer call, each timed
    alone), then the whole ServingApp through werkzeug's test client (no waitress) with its
    predictor thread, and the log writer's insert on a copy of the store. CPU time (so other load
    on the machine matters less), median ms over ``count`` rows. Informational."""
    import shutil
    import tempfile

    import pandas as pd
    from sqlalchemy import text
    from werkzeug.test import Client

    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.serving import ServingApp, batching, parsing, scoring
    from mlops_desktop.core.serving import app as app_module
    from mlops_desktop.core.serving.logwriter import PredictionLogWriter
    from mlops_desktop.core.store.db import Store
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    record, pipeline = model_registry.load(workspace, MODEL)
    workspace.close()
    records = json.loads(requests_path.read_text(encoding="utf-8"))[:count]
    bodies = [json.dumps({"dataframe_records": [row]}).encode() for row in records]
    names = [column["name"] for column in record["inputs"]]
    schema, task = record["inputs"], record["task"]
    classes = app_module.classes_of(record, pipeline)
    spent: dict[str, list[float]] = {}
    clock = time.thread_time

    def timed(label: str, function: Any, *args: Any) -> Any:
        began = clock()
        value = function(*args)
        spent.setdefault(label, []).append(clock() - began)
        return value

    # scoring.prepare's per-column converters, timed by kind (this child only).
    for name, label in (("_numbers", "numeric"), ("_booleans", "boolean"), ("_labels", "category")):
        original = getattr(scoring, name)

        def wrapped(*args: Any, _original: Any = original, _label: str = label) -> Any:
            began = clock()
            try:
                return _original(*args)
            finally:
                spent.setdefault(f"  prepare: {_label} columns (per column)", []).append(
                    clock() - began
                )

        setattr(scoring, name, wrapped)

    # The log writer on a copy of the store (its rows need a recorded deployment).
    copy = Path(tempfile.mkdtemp(prefix="mlops-bench-serving-diag-"))
    for suffix in ("", "-wal", "-shm"):
        source = home / f"store.db{suffix}"
        if source.exists():
            shutil.copy2(source, copy / source.name)
    store = Store(copy / "store.db")
    with store.read() as session:
        deployment = session.execute(text("SELECT max(id) FROM deployments")).scalar()
    writer = PredictionLogWriter(store, schema, classes)  # not started: rows built and written here
    writer.deployment_id = deployment
    built: list[dict[str, Any]] = []

    for _ in range(2):  # the first pass warms caches; only the second is kept
        spent.clear()
        built.clear()
        for body in bodies:
            began = clock()
            rows = json.loads(body)["dataframe_records"]
            frame = timed("baseline: pd.DataFrame(records)", pd.DataFrame, rows)
            predicted = timed("baseline: pipeline.predict", pipeline.predict, frame).tolist()
            json.dumps({"predictions": predicted})
            spent.setdefault("baseline: all its steps", []).append(clock() - began)

            began = clock()
            parsed = timed("ours: parsing.parse", parsing.parse, body, "json", None, names)
            prepared = timed(
                "ours: batching.checked (scoring.prepare_values)", batching.checked, parsed, schema
            )
            values, probabilities = timed(
                "ours: scoring.predict (predict_proba + argmax)",
                scoring.predict,
                pipeline,
                task,
                prepared,
            )
            document = {
                "predictions": values,
                "probabilities": [
                    dict(zip(classes or [], row, strict=False)) for row in probabilities or []
                ],
            }
            timed("ours: response JSON", app_module._dumps, document)
            spent.setdefault("ours: sum of these steps", []).append(clock() - began)
            job = batching.Job(parsed, f"diag-{len(built)}", time.perf_counter())
            job.predictions, job.probabilities = values, probabilities
            batch = batching.Batch(
                [job], prepared.to_numpy(dtype=object).tolist(), values, probabilities
            )
            built.extend(timed("log: rows built per request (writer._rows)", writer._rows, batch))

        app = ServingApp(record, pipeline)
        app.start()
        client = Client(app)
        for body in bodies:
            began = time.process_time()  # the predictor thread's CPU too
            response = client.post(
                "/invocations", data=body, headers={"Content-Type": "application/json"}
            )
            assert response.status_code == 200, response.data
            spent.setdefault("ours: ServingApp via werkzeug test client (process CPU)", []).append(
                time.process_time() - began
            )
        app.close()

    # One flush per 0.2 s holds ~6 rows at 30 req/s (1 client) and ~30 at 150 req/s (8 clients).
    flushes: dict[str, Any] = {}
    for size in (1, 6, 30, 200):
        cpu, wall = [], []
        for start in range(0, min(len(built), 20 * size), size):
            began_cpu, began_wall = clock(), time.perf_counter()
            if not writer._write(built[start : start + size]):
                raise SystemExit("the log writer could not write to the copy of the store")
            cpu.append(clock() - began_cpu)
            wall.append(time.perf_counter() - began_wall)
        flushes[f"log: one flush of {size} row(s) (writer._write): CPU / wall"] = (
            statistics.median(cpu) * 1000,
            statistics.median(wall) * 1000,
        )
    store.close()
    shutil.rmtree(copy, ignore_errors=True)
    medians: dict[str, Any] = {
        label: statistics.median(values) * 1000 for label, values in spent.items()
    }
    medians.update(flushes)
    return medians


def child_serve_nolog(home: Path) -> None:
    """``serving.serve`` itself (as the CLI runs it) with the log writer's ``add`` a no-op: the
    same harness as "ours" with nothing logged: "ours, log off" (it replaces a name in the
    serving module of this child)."""
    from mlops_desktop.core.serving import server as server_module
    from mlops_desktop.core.serving.batching import Batch
    from mlops_desktop.core.serving.logwriter import PredictionLogWriter
    from mlops_desktop.core.workspace import Workspace

    class Discarding(PredictionLogWriter):
        def add(self, batch: Batch) -> None:
            pass

    server_module.PredictionLogWriter = Discarding  # type: ignore[misc]
    workspace = Workspace(home)
    try:
        server_module.serve(
            workspace,
            MODEL,
            "127.0.0.1",
            0,
            on_ready=lambda url: print(json.dumps({"url": url}), flush=True),
        )
    finally:
        workspace.close()


# --- servers -------------------------------------------------------------------------------------


_started: list[Server] = []  # every server child, so that none outlives the benchmark


class Server:
    """A server child: started, asked for its URL, stopped with SIGTERM."""

    def __init__(self, name: str, args: list[str], logs: Path) -> None:
        self.name = name
        self.log_path = logs / f"{name}.log"
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, *args],
            env=_common.child_env(),
            stdout=subprocess.PIPE,
            stderr=self._log,
            text=True,
        )
        self.url = ""
        self.answered_200 = 0  # rows answered with 200 (one row per request), warm-ups included
        self._stop_started: float | None = None
        _started.append(self)

    def wait_ready(self) -> str:
        deadline = time.monotonic() + READY_TIMEOUT_S
        assert self.proc.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.proc.stdout], [], [], 0.5)
            if ready:
                line = self.proc.stdout.readline()
                if line.strip().startswith("{"):
                    self.url = json.loads(line)["url"]
                    return self.url
                if not line and self.proc.poll() is not None:
                    break
            elif self.proc.poll() is not None:
                break
        raise RuntimeError(f"{self.name} did not start:\n{self.tail()}")

    def tail(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")[-3000:]

    def cpu_s(self) -> float:
        """User + system CPU seconds of the server process so far."""
        try:
            fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def terminate(self) -> None:
        """Send SIGTERM (once): the graceful stop starts."""
        if self._stop_started is None:
            self._stop_started = time.perf_counter()
            if self.proc.poll() is None:
                self.proc.send_signal(signal.SIGTERM)

    def stop(self) -> tuple[int | None, float]:
        """SIGTERM (unless sent already), then wait; the exit code and the seconds the stop took."""
        self.terminate()
        started = self._stop_started or time.perf_counter()
        if self.proc.poll() is None:
            try:
                self.proc.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()
        return self.proc.returncode, time.perf_counter() - started


def get_json(url: str, path: str) -> dict[str, Any]:
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return json.loads(response.read())
    finally:
        connection.close()


def post_rows(url: str, bodies: list[bytes]) -> list[Any]:
    """Each body's ``predictions[0]``, sent one after another on one connection."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    out = []
    try:
        for body in bodies:
            connection.request("POST", "/invocations", body, {"Content-Type": "application/json"})
            response = connection.getresponse()
            data = response.read()
            if response.status != 200:
                raise RuntimeError(f"{url} answered {response.status}: {data[:300]!r}")
            out.append(json.loads(data)["predictions"][0])
    finally:
        connection.close()
    return out


# --- load client ---------------------------------------------------------------------------------


@dataclass
class LoadResult:
    connections: int
    requests: int
    seconds: float
    statuses: Counter[int]
    latencies: list[float]
    client_cpu_s: float
    server_cpu_s: float
    machine_busy_s: float  # every CPU's busy seconds over the run (/proc/stat)
    ok_ids: list[str] = field(default_factory=list)
    rows_per_call: float | None = None  # ours: rows per predict call (from /health)

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]

    @property
    def errors_5xx(self) -> int:
        return sum(n for status, n in self.statuses.items() if status >= 500)

    @property
    def failed(self) -> int:
        """Requests without a 200: 4xx, 5xx, or no answer (status 0)."""
        return sum(n for status, n in self.statuses.items() if status != 200)

    @property
    def others_cores(self) -> float:
        """CPU used by everything else on the machine meanwhile, in cores."""
        rest = self.machine_busy_s - self.server_cpu_s - self.client_cpu_s
        return max(0.0, rest) / self.seconds if self.seconds else 0.0


def _machine_busy_s() -> float:
    with open("/proc/stat") as handle:
        values = [int(v) for v in handle.readline().split()[1:]]
    idle = values[3] + (values[4] if len(values) > 4 else 0)
    return (sum(values[:8]) - idle) / CLK_TCK


_run_numbers = itertools.count(1)


def run_load(
    server: Server,
    bodies: list[bytes],
    connections: int,
    seconds: float,
    max_requests: int,
    request_ids: bool = False,
) -> LoadResult:
    """``connections`` threads, each a keep-alive connection sending one row per request, until
    ``max_requests`` are sent or ``seconds`` have passed."""
    parts = urlsplit(server.url)
    host, port = parts.hostname, parts.port
    counter = itertools.count()
    run_tag = f"bench{os.getpid()}r{next(_run_numbers)}"
    barrier = threading.Barrier(connections + 1)
    stop_at = [0.0]
    results: list[tuple[Counter[int], list[float], list[str]]] = []
    results_lock = threading.Lock()

    def worker() -> None:
        statuses: Counter[int] = Counter()
        latencies: list[float] = []
        ok_ids: list[str] = []
        connection = http.client.HTTPConnection(host, port, timeout=60)
        barrier.wait()
        perf = time.perf_counter
        deadline = stop_at[0]
        while True:
            index = next(counter)
            if index >= max_requests or perf() >= deadline:
                break
            headers = {"Content-Type": "application/json"}
            if request_ids:
                headers["X-Request-ID"] = f"{run_tag}-{index}"
            body = bodies[index % len(bodies)]
            began = perf()
            try:
                connection.request("POST", "/invocations", body, headers)
                response = connection.getresponse()
                response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                status = 0
                connection.close()
                connection = http.client.HTTPConnection(host, port, timeout=60)
            latencies.append(perf() - began)
            statuses[status] += 1
            if status == 200 and request_ids:
                ok_ids.append(headers["X-Request-ID"])
        connection.close()
        with results_lock:
            results.append((statuses, latencies, ok_ids))

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in threads:
        thread.start()
    cpu_server, cpu_client, busy = server.cpu_s(), time.process_time(), _machine_busy_s()
    started = time.perf_counter()
    stop_at[0] = started + seconds
    barrier.wait()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    statuses: Counter[int] = Counter()
    latencies: list[float] = []
    ok_ids: list[str] = []
    for s, lat, ids in results:
        statuses.update(s)
        latencies.extend(lat)
        ok_ids.extend(ids)
    server.answered_200 += statuses[200]
    return LoadResult(
        connections=connections,
        requests=sum(statuses.values()),
        seconds=elapsed,
        statuses=statuses,
        latencies=latencies,
        client_cpu_s=time.process_time() - cpu_client,
        server_cpu_s=server.cpu_s() - cpu_server,
        machine_busy_s=_machine_busy_s() - busy,
        ok_ids=ok_ids,
    )


# --- reporting -----------------------------------------------------------------------------------


def load_text() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} / {five:.2f} / {fifteen:.2f} (1/5/15 min; 2 cores)"


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms"


def describe(name: str, result: LoadResult, batch: str = "") -> str:
    statuses = ", ".join(f"{k or 'no answer'}×{v}" for k, v in sorted(result.statuses.items()))
    per_request = result.server_cpu_s / result.requests * 1000 if result.requests else 0.0
    return (
        f"  {name:<11} {result.connections:>2} client(s): {result.throughput:7.1f} req/s  "
        f"p50 {ms(result.percentile(0.50)):>9}  p99 {ms(result.percentile(0.99)):>9}  "
        f"n={result.requests:<6} [{statuses}]  server CPU {per_request:.2f} ms/req "
        f"({result.server_cpu_s / result.seconds:.2f} cores), client "
        f"{result.client_cpu_s / result.seconds:.2f} cores, others "
        f"{result.others_cores:.2f} cores{batch}"
    )


def health_delta(server: Server, before: dict[str, Any], result: LoadResult) -> str:
    """Rows per predict call since ``before`` (a /health document), kept in ``result``."""
    now = get_json(server.url, "/health")
    batches = now["batches"] - before["batches"]
    rows = now["predicted_rows"] - before["predicted_rows"]
    text = ""
    if batches:
        result.rows_per_call = rows / batches
        text = f", {result.rows_per_call:.1f} rows/predict call"
    if "log_backlog" in now:
        text += f", log backlog {now['log_backlog']}"
    return text


def verdict_line(label: str, ratio: float, goal: float, ok: bool, detail: str) -> str:
    return f"{label}: {ratio:.2f} × (goal ≥ {goal:g} ×) {detail} → {_common.verdict(ok)}"


# --- main ----------------------------------------------------------------------------------------


def served_rows(home: Path, pid: int) -> int:
    """Rows in the prediction log of the deployment served by process ``pid``."""
    db = sqlite3.connect(f"file:{home / 'store.db'}?mode=ro", uri=True)
    try:
        return int(
            db.execute(
                "SELECT count(*) FROM prediction_logs p JOIN deployments d "
                "ON p.deployment_id = d.id WHERE d.pid = ?",
                (pid,),
            ).fetchone()[0]
        )
    finally:
        db.close()


def measure_rounds(
    specs: dict[str, list[str]],
    home: Path,
    logs: Path,
    bodies: list[bytes],
    rounds: int,
    seconds: float,
    warm_up_s: float,
) -> dict[tuple[str, int], list[LoadResult]]:
    """Each round starts a fresh child per side (so one process's luck, such as its memory
    layout, does not decide every round), warms each up, measures 1 and 8 clients on each in a
    rotating order, then stops them all with SIGTERM and compares ours' log with its 200s."""
    sides = tuple(specs)
    results: dict[tuple[str, int], list[LoadResult]] = {
        (side, c): [] for side in sides for c in CONCURRENCY
    }
    cap = 10**9  # the time budget bounds each measurement; the request budget is not reached
    log_counts: list[tuple[int, int]] = []
    for number in range(rounds):
        shift = number % len(sides)
        order = list(sides[shift:] + sides[:shift])
        servers = {side: Server(f"{side}-r{number + 1}", specs[side], logs) for side in sides}
        for server in servers.values():
            server.wait_ready()
        if number == 0:
            # Same answers: the first 200 rows through the baseline and through each of ours.
            sample = bodies[:200]
            expected = post_rows(servers["baseline"].url, sample)
            for side in sides[1:]:
                got = post_rows(servers[side].url, sample)
                if got != expected:
                    differ = sum(1 for a, b in zip(got, expected, strict=True) if a != b)
                    raise SystemExit(f"{side} predicts {differ} of 200 rows differently")
                servers[side].answered_200 += len(sample)
            print(f"answers: {', '.join(sides)} agree on {len(sample)} rows")
        for server in servers.values():  # warm-up: both concurrencies, untimed
            for connections in CONCURRENCY:
                run_load(server, bodies, connections, warm_up_s, cap)
        print(
            f"round {number + 1}/{rounds} (fresh servers; order: {', '.join(order)}); "
            f"{load_text()}",
            flush=True,
        )
        for connections in CONCURRENCY:
            for side in order:
                server = servers[side]
                run_load(server, bodies, connections, 0.5, cap)  # same concurrency, untimed
                before = get_json(server.url, "/health") if side != "baseline" else None
                result = run_load(server, bodies, connections, seconds, cap)
                batch = health_delta(server, before, result) if before is not None else ""
                print(describe(side, result, batch), flush=True)
                results[(side, connections)].append(result)
        for server in servers.values():
            server.terminate()
        for side, server in servers.items():
            code, _ = server.stop()
            if code != 0:
                raise SystemExit(f"{side} exited with {code} on SIGTERM:\n{server.tail()}")
        ours = servers["ours"]
        log_counts.append((served_rows(home, ours.proc.pid), ours.answered_200))
    same = all(logged == answered for logged, answered in log_counts)
    print(
        "(the measured 'ours' of each round, after its SIGTERM: log rows / rows answered 200, "
        "warm-ups included: "
        + ", ".join(f"{logged:,}/{answered:,}" for logged, answered in log_counts)
        + f" → {'all equal' if same else 'DIFFERENT'})"
    )
    return results


def summarise(results: dict[tuple[str, int], list[LoadResult]]) -> list[tuple[str, bool]]:
    def med(side: str, connections: int, what: str) -> float:
        runs = results[(side, connections)]
        if what == "throughput":
            return statistics.median(r.throughput for r in runs)
        return statistics.median(r.percentile(0.5 if what == "p50" else 0.99) for r in runs)

    def cpu_ms(side: str, connections: int) -> float:
        runs = results[(side, connections)]
        return statistics.median(r.server_cpu_s / r.requests * 1000 for r in runs if r.requests)

    def per_call(side: str, connections: int) -> str:
        values = [r.rows_per_call for r in results[(side, connections)] if r.rows_per_call]
        return f", {statistics.median(values):.1f} rows/predict call" if values else ""

    sides = sorted({side for side, _ in results}, key=[*SIDES, APP_WAITRESS].index)
    print("\nmedians over the rounds (server CPU per request: less sensitive to other load):")
    for connections in CONCURRENCY:
        for side in sides:
            print(
                f"  {side:<11} {connections} client(s): {med(side, connections, 'throughput'):7.1f} "
                f"req/s  p50 {ms(med(side, connections, 'p50')):>9}  "
                f"p99 {ms(med(side, connections, 'p99')):>9}  "
                f"server CPU {cpu_ms(side, connections):6.2f} ms/req"
                f"{per_call(side, connections)}"
            )
    print(
        "  CPU-time ratios (baseline ms/req ÷ ours ms/req; what the throughput ratio would be if "
        "the server were CPU-bound with a core to itself): "
        + ", ".join(
            f"{a} vs {b} at {c}: {cpu_ms(b, c) / cpu_ms(a, c):.2f}"
            for a, b, c in (
                ("ours", "baseline", 1),
                ("ours", "baseline", 8),
                ("ours", "ours-nolog", 1),
                ("ours", "ours-nolog", 8),
            )
        )
    )

    def ratio_of(a: str, b: str, connections: int) -> tuple[float, str]:
        """The median of the per-round ratios a/b (each round's two measurements are seconds
        apart, so slow changes in the other load on the machine cancel), and the details."""
        ratios = [
            x.throughput / y.throughput
            for x, y in zip(results[(a, connections)], results[(b, connections)], strict=True)
        ]
        of_medians = med(a, connections, "throughput") / med(b, connections, "throughput")
        return statistics.median(ratios), (
            f"(median of the per-round ratios {', '.join(f'{r:.2f}' for r in ratios)}; "
            f"ratio of the median throughputs {of_medians:.2f})"
        )

    verdicts = []
    print()
    ratio, detail = ratio_of("ours", "baseline", 1)
    ok = ratio >= GOAL_ONE_CLIENT
    print(
        verdict_line(
            "goal 1, 1 client, log on: ours / baseline throughput",
            ratio,
            GOAL_ONE_CLIENT,
            ok,
            detail,
        )
    )
    verdicts.append(("goal 1", ok))

    ratio, detail = ratio_of("ours", "baseline", 8)
    p99_ours, p99_base = med("ours", 8, "p99"), med("baseline", 8, "p99")
    ok_tp = ratio >= GOAL_EIGHT_CLIENTS
    ok_p99 = p99_ours <= p99_base
    print(
        verdict_line(
            "goal 2, 8 clients: ours / baseline throughput",
            ratio,
            GOAL_EIGHT_CLIENTS,
            ok_tp,
            detail,
        )
    )
    print(
        f"goal 2, 8 clients: p99 ours {ms(p99_ours)} vs baseline {ms(p99_base)} (medians of the "
        f"rounds; goal: no worse) → {_common.verdict(ok_p99)}"
    )
    verdicts.append(("goal 2", ok_tp and ok_p99))

    ok_log = True
    for connections in CONCURRENCY:
        ratio, detail = ratio_of("ours", "ours-nolog", connections)
        ok = ratio >= GOAL_LOG
        ok_log = ok_log and ok
        print(
            verdict_line(
                f"goal 3, {connections} client(s): log on / log off throughput",
                ratio,
                GOAL_LOG,
                ok,
                detail,
            )
        )
    verdicts.append(("goal 3", ok_log))
    if APP_WAITRESS in sides:
        for connections in CONCURRENCY:
            ratio, detail = ratio_of("ours", APP_WAITRESS, connections)
            print(
                f"(diagnosis, {connections} client(s): ours / the same app without a log under "
                f"plain waitress ({APP_WAITRESS}): {ratio:.2f} × {detail})"
            )
    return verdicts


def log_check(home: Path, pid: int, ok_ids: list[str]) -> tuple[bool, str]:
    """Compare the deployment's prediction log (found by the server's pid) with the 200s."""
    db = sqlite3.connect(f"file:{home / 'store.db'}?mode=ro", uri=True)
    try:
        found = db.execute(
            "SELECT id, stopped_at FROM deployments WHERE pid = ? ORDER BY id DESC", (pid,)
        ).fetchone()
        if found is None:
            return False, f"no deployment recorded for pid {pid}"
        deployment, stopped_at = found
        logged = [
            row[0]
            for row in db.execute(
                "SELECT request_id FROM prediction_logs WHERE deployment_id = ?", (deployment,)
            )
        ]
    finally:
        db.close()
    counts = Counter(logged)
    duplicates = sum(1 for n in counts.values() if n > 1)
    sent = set(ok_ids)
    missing = len(sent - counts.keys())
    extra = len(counts.keys() - sent)
    ok = len(logged) == len(ok_ids) and not duplicates and not missing and not extra
    ok = ok and stopped_at is not None
    return ok, (
        f"deployment {deployment}: {len(logged):,} log rows for {len(ok_ids):,} rows answered 200 "
        f"(request ids: {missing} missing, {extra} unexpected, {duplicates} logged twice; "
        f"stopped_at {'set' if stopped_at else 'NOT set'})"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a short check (~1 min)")
    parser.add_argument("--rounds", type=int, help="measurement rounds (default 5; quick 1)")
    parser.add_argument("--seconds", type=float, help="seconds per measurement (default 4)")
    parser.add_argument("--rows", type=int, help="rows of the credit table (default 10,000)")
    parser.add_argument("--load-requests", type=int, help="goal 4's requests (default 20,000)")
    parser.add_argument("--load-connections", type=int, default=16)
    parser.add_argument("--load-seconds", type=float, default=150.0, help="goal 4's time limit")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="also time the steps of one request in-process (no HTTP), ours and baseline",
    )
    parser.add_argument("--child", choices=["setup", "baseline", "nolog", "diagnose", SERVE_NOLOG])
    parser.add_argument("--home", type=Path)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--threads", type=int, default=16)
    args = parser.parse_args()

    if args.child == "setup":
        print(json.dumps(child_setup(args.home, args.rows, args.out)))
        return 0
    if args.child == "baseline":
        child_baseline(args.home, args.threads)
        return 0
    if args.child == "diagnose":
        print(json.dumps(child_diagnose(args.home, args.out, 300)))
        return 0
    if args.child == SERVE_NOLOG:
        child_serve_nolog(args.home)
        return 0
    if args.child == "nolog":
        child_nolog(args.home, args.threads)
        return 0

    rounds = args.rounds or (1 if args.quick else 5)
    seconds = args.seconds or (2.0 if args.quick else 4.0)
    rows = args.rows or (5_000 if args.quick else 10_000)
    load_requests = args.load_requests or (2_000 if args.quick else 20_000)
    script = str(Path(__file__).resolve())
    began = time.perf_counter()
    loads = [os.getloadavg()[0]]
    print(f"bench_serving: {rounds} round(s) × {seconds:g} s per measurement; {load_text()}")

    folder = _common.temp_dir("serving")
    home = folder / "workspace"
    requests_path = folder / "requests.json"
    setup = json.loads(
        _common.run_child(
            [
                script,
                "--child",
                "setup",
                "--home",
                str(home),
                "--rows",
                str(rows),
                "--out",
                str(requests_path),
            ]
        )
    )
    print(
        f"setup: {rows:,}-row credit table (13 input columns + '{TARGET}'), imported in "
        f"{setup['import_s']:.1f} s, random forest (100 trees, {setup['features']} features) "
        f"trained in {setup['train_s']:.1f} s, registered as {setup['ref']}; metrics "
        f"{setup['metrics']}; {setup['request_rows']:,} request rows "
        f"({setup['request_rows_with_gaps']} with a gap); server threads {setup['threads']}"
    )
    if setup["excluded"]:
        print(f"  excluded columns: {setup['excluded']}")
    records = json.loads(requests_path.read_text(encoding="utf-8"))
    bodies = [
        json.dumps({"dataframe_records": [row]}, separators=(",", ":")).encode() for row in records
    ]
    threads = str(setup["threads"])
    logs = folder / "logs"
    logs.mkdir()
    ours_cli = ["-m", "mlops_desktop", "serve", MODEL, "--home", str(home), "--port", "0", "--json"]
    specs = {
        "baseline": [script, "--child", "baseline", "--home", str(home), "--threads", threads],
        "ours": ours_cli,
        "ours-nolog": [script, "--child", SERVE_NOLOG, "--home", str(home)],
    }
    if args.diagnose:
        specs[APP_WAITRESS] = [
            script,
            "--child",
            "nolog",
            "--home",
            str(home),
            "--threads",
            threads,
        ]
    try:
        results = measure_rounds(
            specs, home, logs, bodies, rounds, seconds, 0.5 if args.quick else 1.0
        )
        loads.append(os.getloadavg()[0])
        verdicts = summarise(results)

        # Goal 4 on a fresh "ours": a bounded run, a graceful stop, then the log against the 200s.
        print(
            f"\ngoal 4: fresh 'ours', {load_requests:,} requests over {args.load_connections} "
            f"connections (time limit {args.load_seconds:g} s); {load_text()}"
        )
        fresh = Server("ours-goal4", ours_cli, logs)
        fresh.wait_ready()
        before = get_json(fresh.url, "/health")
        run = run_load(
            fresh, bodies, args.load_connections, args.load_seconds, load_requests, request_ids=True
        )
        print(describe("ours", run, health_delta(fresh, before, run)))
        loads.append(os.getloadavg()[0])
        code, stop_s = fresh.stop()
        ok_log, text = log_check(home, fresh.proc.pid, run.ok_ids)
        ok4 = run.errors_5xx == 0 and ok_log and code == 0
        short = (
            ""
            if run.requests == load_requests
            else " (the time limit ended the run before every request was sent)"
        )
        print(
            f"goal 4: {run.requests:,} of {load_requests:,} requests sent{short}, "
            f"{run.errors_5xx} × 5xx, {run.failed} without a 200; SIGTERM → exit {code} in "
            f"{stop_s:.2f} s; {text} → {_common.verdict(ok4)}"
        )
        verdicts.append(("goal 4", ok4))
    except BaseException:
        for server in _started:
            if server.proc.poll() is None:
                print(f"--- {server.name} log ---\n{server.tail()}", file=sys.stderr)
        raise
    finally:
        for server in _started:
            if server.proc.poll() is None:
                server.stop()

    if args.diagnose:
        steps = json.loads(
            _common.run_child(
                [script, "--child", "diagnose", "--home", str(home), "--out", str(requests_path)]
            )
        )
        print(
            "\ndiagnosis: a one-row request in-process (no HTTP), median CPU ms over 300 rows "
            f"(informational); {load_text()}"
        )
        for label, value in steps.items():
            if isinstance(value, list):
                print(f"  {label:<62} {value[0]:7.3f} ms / {value[1]:.3f} ms")
            else:
                print(f"  {label:<62} {value:7.3f} ms")
        loads.append(os.getloadavg()[0])

    print(
        f"\nload average (1 min) at start / after the rounds / after goal 4 (/ after the diagnosis): "
        f"{' / '.join(f'{v:.2f}' for v in loads)}; {load_text()}"
    )
    print(
        "summary: "
        + ", ".join(f"{name} {_common.verdict(ok)}" for name, ok in verdicts)
        + f"; total {time.perf_counter() - began:.0f} s"
    )
    return 0 if all(ok for _, ok in verdicts) else 1


if __name__ == "__main__":
    sys.exit(main())
