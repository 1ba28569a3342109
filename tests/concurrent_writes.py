"""A team at work on one store: writer processes importing, training, registering and staging, all at
once, while a serving process logs the predictions of many clients; then every record is accounted for.
The store is a team store's address, or None for the workspace's own store.db.

Each writer process opens the workspace as a command would and loops until its deadline through
four writes: import a new version of its own dataset, train a run, register that run as the next
version of the ONE model all writers share (version numbers are "highest plus one": two writers
must never take the same one), and move that version to staging or production (at most one
production version may remain). Each reports what it did; the store must hold exactly that.
Meanwhile ``clients`` threads send requests of 1–3 rows with their own request ids to ``serve`` in
another process, which is stopped with SIGTERM at the end; every answered row must be in the log.

Used by ``tests/core/test_team_store.py`` (two writers, a few seconds) and
``bench/bench_postgres_concurrency.py`` (four writers, 30 seconds, 16 clients). Loopback only.
"""

import http.client
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

SHARED_MODEL = "shared"
SERVED_MODEL = "served"
ROW = {"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}
REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 60


@dataclass
class Outcome:
    """What the workload did, as its writers and clients report it, and what the store holds."""

    seconds: float
    writes: Counter[str] = field(default_factory=Counter)  # import/train/register/stage
    problems: list[str] = field(default_factory=list)  # anything that failed, writer or client
    requests: int = 0
    rows_answered: int = 0
    rows_logged: int = 0
    missing: list[str] = field(default_factory=list)  # what was reported but is not stored

    def summary(self) -> dict[str, Any]:
        return {
            "seconds": round(self.seconds, 1),
            "writes": dict(self.writes),
            "requests": self.requests,
            "rows_answered": self.rows_answered,
            "rows_logged": self.rows_logged,
            "problems": self.problems[:5],
            "missing": self.missing[:5],
        }


def prepare(home: Path, store: str | None) -> None:
    """The workspace the writers and the server share: iris, and a model to serve."""
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home, store)
    try:
        datasets.import_file(workspace, REPO / "resources" / "samples" / "iris.csv")
        recipe = training.Recipe(dataset="iris", target="species", algorithm="decision_tree")
        run = training.train(workspace, recipe)[0]
        model_registry.register(workspace, run["run_id"], SERVED_MODEL)
    finally:
        workspace.close()


def _writer(
    home: Path, store: str | None, number: int, seconds: float, start: Any, results: Any
) -> None:
    """One writer process: the four writes in turn from ``start`` (a barrier all writers and the
    clients pass together, once loaded) until ``seconds`` have passed."""
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.workspace import Workspace

    done: dict[str, list[Any]] = {"import": [], "train": [], "register": [], "stage": []}
    problems: list[str] = []
    workspace = Workspace(home, store)
    start.wait(TIMEOUT * 5)
    deadline = time.monotonic() + seconds
    step = 0
    try:
        while time.monotonic() < deadline:
            step += 1
            try:
                csv = home.parent / f"writer{number}-{step}.csv"
                csv.write_text(f"x,y\n{number},{step}\n{step},{number}\n", encoding="utf-8")
                imported = datasets.import_file(workspace, csv, f"writer {number}")
                done["import"].append([imported.name, imported.version])
                recipe = training.Recipe(
                    dataset="iris",
                    target="species",
                    algorithm="decision_tree",
                    experiment=f"writer {number}",
                    seed=step,
                )
                run_id = training.train(workspace, recipe)[0]["run_id"]
                done["train"].append(run_id)
                version = model_registry.register(workspace, run_id, SHARED_MODEL)["version"]
                done["register"].append(version)
                stage = "production" if step % 2 else "staging"
                model_registry.set_stage(
                    workspace, SHARED_MODEL, version, stage, f"writer {number}"
                )
                done["stage"].append([version, stage])
            except Exception as error:  # reported, not raised: the check says what failed
                problems.append(f"writer {number}: {type(error).__name__}: {error}")
    finally:
        workspace.close()
    results.put({"done": done, "problems": problems})


def _client(url: str, deadline: float, sent: dict[str, int], problems: list[str]) -> None:
    """Requests of 1–3 rows, each with its own request id, until the deadline."""
    host, port = url.removeprefix("http://").rsplit(":", 1)
    connection = http.client.HTTPConnection(host, int(port), timeout=TIMEOUT)
    n = 0
    try:
        while time.monotonic() < deadline:
            n += 1
            rows = 1 + n % 3
            request_id = uuid.uuid4().hex
            body = json.dumps({"dataframe_records": [ROW] * rows})
            headers = {"Content-Type": "application/json", "X-Request-ID": request_id}
            connection.request("POST", "/invocations", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status != 200:
                problems.append(f"client: HTTP {response.status}")
                continue
            sent[request_id] = rows
    except OSError as error:
        problems.append(f"client: {error}")
    finally:
        connection.close()


def _start_server(home: Path, store: str | None) -> tuple[subprocess.Popen[str], str]:
    environment = {k: v for k, v in os.environ.items() if k != "MLOPS_DESKTOP_STORE"}
    if store is not None:
        environment["MLOPS_DESKTOP_STORE"] = store
    command = ["-m", "mlops_desktop", "serve", SERVED_MODEL, "--home", str(home), "--port", "0"]
    server = subprocess.Popen(
        [sys.executable, *command, "--json"],
        stdout=subprocess.PIPE,
        text=True,
        env=environment,
    )
    assert server.stdout is not None
    line = server.stdout.readline()
    if not line:
        server.wait(TIMEOUT)
        raise RuntimeError(f"the server did not start (exit {server.returncode})")
    return server, json.loads(line)["url"]


def run(home: Path, store: str | None, writers: int, seconds: float, clients: int) -> Outcome:
    """The whole workload on a prepared workspace; returns what was done and what is missing."""
    outcome = Outcome(seconds)
    server, url = _start_server(home, store)
    context = multiprocessing.get_context("spawn")
    results = context.Queue()
    start = context.Barrier(writers + 1)
    processes = [
        context.Process(target=_writer, args=(home, store, number, seconds, start, results))
        for number in range(1, writers + 1)
    ]
    for process in processes:
        process.start()
    start.wait(TIMEOUT * 5)
    started = time.monotonic()
    sent: dict[str, int] = {}
    deadline = time.monotonic() + seconds
    threads = [
        threading.Thread(target=_client, args=(url, deadline, sent, outcome.problems))
        for _ in range(clients)
    ]
    for thread in threads:
        thread.start()
    reports = [results.get(timeout=seconds + 10 * TIMEOUT) for _ in processes]
    for thread in threads:
        thread.join(TIMEOUT)
    for process in processes:
        process.join(TIMEOUT)
    server.send_signal(signal.SIGTERM)
    if server.wait(TIMEOUT) != 0:
        outcome.problems.append(f"server: exit {server.returncode}")
    outcome.seconds = time.monotonic() - started
    outcome.requests, outcome.rows_answered = len(sent), sum(sent.values())
    for report in reports:
        outcome.problems.extend(report["problems"])
        for kind, items in report["done"].items():
            outcome.writes[kind] += len(items)
    _account(home, store, reports, sent, outcome)
    return outcome


def _account(
    home: Path,
    store: str | None,
    reports: list[dict[str, Any]],
    sent: dict[str, int],
    outcome: Outcome,
) -> None:
    """Compare what was reported with what the store holds; fill ``outcome.missing``."""
    from mlops_desktop.core.store.models import (
        Dataset,
        DatasetVersion,
        ModelVersion,
        PredictionLog,
        RegisteredModel,
        Run,
        StageTransition,
    )
    from mlops_desktop.core.workspace import Workspace

    done = {
        kind: [item for r in reports for item in r["done"][kind]] for kind in reports[0]["done"]
    }
    workspace = Workspace(home, store)
    try:
        with workspace.store.read() as session:
            versions = set(
                session.execute(
                    select(Dataset.name, DatasetVersion.version).join(DatasetVersion.dataset)
                ).all()
            )
            outcome.missing += [
                f"dataset {n}@{v}" for n, v in done["import"] if (n, v) not in versions
            ]
            finished = set(session.scalars(select(Run.id).where(Run.status == "finished")))
            outcome.missing += [f"run {r}" for r in done["train"] if r not in finished]
            shared = (
                select(ModelVersion)
                .join(RegisteredModel, ModelVersion.model_id == RegisteredModel.id)
                .where(RegisteredModel.name == SHARED_MODEL)
            )
            numbers = sorted(v.version for v in session.scalars(shared))
            if sorted(done["register"]) != numbers or numbers != list(range(1, len(numbers) + 1)):
                outcome.missing.append(f"model versions {numbers} != registered {done['register']}")
            in_production = [v.version for v in session.scalars(shared) if v.stage == "production"]
            if len(in_production) > 1:
                outcome.missing.append(f"{len(in_production)} versions in production")
            moves = session.scalar(  # the writers' own moves (archiving the previous is extra)
                select(func.count()).where(StageTransition.note.like("writer %"))
            )
            if moves != len(done["stage"]):
                outcome.missing.append(f"{moves} stage changes recorded, {len(done['stage'])} made")
            logged = Counter(
                session.scalars(
                    select(PredictionLog.request_id).where(PredictionLog.request_id.in_(list(sent)))
                )
            )
        outcome.rows_logged = sum(logged.values())
        outcome.missing += [
            f"request {request_id}: {rows} rows answered, {logged[request_id]} logged"
            for request_id, rows in sent.items()
            if logged[request_id] != rows
        ]
    finally:
        workspace.close()
