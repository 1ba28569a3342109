"""A well-behaved client's latency while 500 connections sit idle or send their headers slowly.

    python bench/bench_idle_connections.py [--idle 500] [--requests 300]

Setup (untimed, in a child): the iris sample imported, a 20-tree random forest trained on
``species`` and registered as "flowers". The server is the real one, in a child process:
``python -m mlops_desktop serve flowers --home H --port 0 --json``.

The crowd of idle and slow connections is ``tests/slow_clients.Crowd``. The well-behaved client
is in this process: ``--requests`` times, a fresh connection sends
``GET /ping`` and another a one-row ``POST /invocations`` (``{"dataframe_records": [row]}``), and
each latency (connect → response read) is kept. With the crowd open, requests are sent during
its first 8 s only (the server starts closing it after 10 s).

- baseline: the client alone against the server.
- loaded: the same, with ``--idle`` connections opened first: half of them send nothing, half send
  the start of a request and then one header byte every 0.5 s, never finishing it (a slowloris).
  Afterwards the time until the server has closed each of them is taken (read end-of-file).

Goals (issue 19): with the connections open, p99 of /ping and of /invocations ≤ 1 s; every idle or
slow connection closed by the server within 15 s of being opened. With waitress's defaults
(100 connections, 120 s idle timeout, none for slow headers) the well-behaved client gets no
answer at all while the crowd is open (measured: every request timed out).
"""

from __future__ import annotations

import argparse
import http.client
import json
import select
import subprocess
import sys
import time
from pathlib import Path

import _common

from tests.slow_clients import Crowd

GOAL_P99_S = 1.0
GOAL_CLOSED_S = 15.0
READY_TIMEOUT_S = 120.0
CLIENT_TIMEOUT_S = 30.0
CROWD_OPEN_S = 8.0  # loaded requests are sent this long after the crowd opened, at most
MODEL = "flowers"
ROW = {"sepal_length_cm": 5.1, "sepal_width_cm": 3.5, "petal_length_cm": 1.4, "petal_width_cm": 0.2}


def _setup(home: Path) -> None:
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    try:
        datasets.import_file(workspace, _common.REPO / "resources" / "samples" / "iris.csv")
        run = training.train(
            workspace,
            training.Recipe(
                dataset="iris",
                target="species",
                algorithm="random_forest",
                params={"n_estimators": 20},
            ),
        )[0]
        model_registry.register(workspace, run["run_id"], MODEL)
    finally:
        workspace.close()


def _start(home: Path) -> tuple[subprocess.Popen[str], str, int]:
    args = ["-m", "mlops_desktop", "serve", MODEL, "--home", str(home), "--port", "0", "--json"]
    proc = subprocess.Popen(
        [sys.executable, *args],
        env=_common.child_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + READY_TIMEOUT_S
    while time.monotonic() < deadline:
        if select.select([proc.stdout], [], [], 0.5)[0]:
            line = proc.stdout.readline()
            if line.strip().startswith("{"):
                host, port = json.loads(line)["url"].removeprefix("http://").rsplit(":", 1)
                return proc, host, int(port)
        if proc.poll() is not None:
            break
    proc.kill()
    raise RuntimeError("the server did not start")


def _timed(host: str, port: int, method: str, path: str, body: bytes | None) -> float:
    """Seconds from connecting to the answer read; inf when none came within CLIENT_TIMEOUT_S."""
    began = time.perf_counter()
    connection = http.client.HTTPConnection(host, port, timeout=CLIENT_TIMEOUT_S)
    try:
        headers = {"Content-Type": "application/json"} if body is not None else {}
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        assert response.status == 200, response.status
    except TimeoutError:
        return float("inf")
    finally:
        connection.close()
    return time.perf_counter() - began


def _p99(latencies: list[float]) -> float:
    ordered = sorted(latencies)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def _measure(host: str, port: int, requests: int, until: float = float("inf")) -> dict[str, float]:
    """p99 of each route over ``requests`` pairs of requests, or those sent before ``until``."""
    body = json.dumps({"dataframe_records": [ROW]}).encode()
    pings: list[float] = []
    predictions: list[float] = []
    for _ in range(requests):
        if time.monotonic() > until:
            break
        pings.append(_timed(host, port, "GET", "/ping", None))
        predictions.append(_timed(host, port, "POST", "/invocations", body))
        if pings[-1] == predictions[-1] == float("inf"):
            break  # locked out: more requests would only repeat the timeout
    return {"/ping": _p99(pings), "/invocations": _p99(predictions), "pairs": len(pings)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--idle", type=int, default=500)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--setup", type=Path, help=argparse.SUPPRESS)
    options = parser.parse_args()
    if options.setup:
        _setup(options.setup)
        return
    home = _common.temp_dir("idle") / "workspace"
    _common.run_child([str(Path(__file__).resolve()), "--setup", str(home)])
    proc, host, port = _start(home)
    try:
        _measure(host, port, 20)  # warm-up
        baseline = _measure(host, port, options.requests)
        crowd = Crowd(host, port, options.idle)
        try:
            # Only while the crowd is surely open: the server starts closing it after 10 s.
            loaded = _measure(host, port, options.requests, until=crowd.opened + CROWD_OPEN_S)
            measured_s = time.monotonic() - crowd.opened
            closed_s = crowd.seconds_until_closed(3 * GOAL_CLOSED_S)
        finally:
            crowd.close()
    finally:
        proc.terminate()
        proc.wait(60)
    print(
        f"requests per route, each on a fresh connection: {baseline['pairs']:.0f} baseline, "
        f"{loaded['pairs']:.0f} loaded (in the crowd's first {measured_s:.1f} s)"
    )
    print(f"{'route':<14}{'baseline p99':>14}{f'{options.idle} idle p99':>16}{'ratio':>8}  goal")
    for route in ("/ping", "/invocations"):
        ok = loaded[route] <= GOAL_P99_S
        print(
            f"{route:<14}{_common.fmt_s(baseline[route]):>14}{_common.fmt_s(loaded[route]):>16}"
            f"{loaded[route] / baseline[route]:>8.2f}  ≤ {GOAL_P99_S:g} s {_common.verdict(ok)}"
        )
    print(
        f"every idle or slow connection closed by the server after {closed_s:.1f} s "
        f"(goal ≤ {GOAL_CLOSED_S:g} s) {_common.verdict(closed_s <= GOAL_CLOSED_S)}"
    )


if __name__ == "__main__":
    main()
