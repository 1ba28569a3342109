"""A team on one store: writer processes and a busy server at once, on PostgreSQL, with SQLite as the
baseline; every record and every logged row accounted for.

    MLOPS_TEST_POSTGRES=postgresql://postgres@127.0.0.1:PORT/postgres \\
        python bench/bench_postgres_concurrency.py [--writers 4] [--seconds 30] [--clients 16]

The workload is ``tests/concurrent_writes.py`` (the test ``test_team_store`` runs it with two
writers for three seconds): ``--writers`` processes each loop, for ``--seconds``, through importing
a new version of its own dataset, training a decision tree on iris, registering the run as the next
version of ONE model all writers share, and moving that version to staging or production; meanwhile
``--clients`` threads keep a serving process (``python -m mlops_desktop serve``) busy with requests
of 1–3 rows, each with its own request id; the server is stopped with SIGTERM at the end.

- ours: that workload on a new PostgreSQL database (``--server``, default ``$MLOPS_TEST_POSTGRES``,
  the address of a server's maintenance database; ``.ci/run`` shows how to start a throwaway one).
- baseline: the same workload on the workspace's own store.db (SQLite in WAL mode), same run.

Goals (issue 17): on PostgreSQL no write fails (no "busy", no lock error), every reported write is
stored (dataset versions, finished runs, model versions 1..n without a gap or a twin, each stage
move, at most one version in production), and every answered row is logged. Printed: the writes of
each kind, writes and answered rows per second, and the ratio to SQLite's.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

import _common

from tests import concurrent_writes
from tests.stores import SERVER_ENV, Databases


def _side(name: str, store: str | None, args: argparse.Namespace) -> concurrent_writes.Outcome:
    home = _common.temp_dir(f"mlops-bench-team-{name}-") / "workspace"
    concurrent_writes.prepare(home, store)
    outcome = concurrent_writes.run(home, store, args.writers, args.seconds, args.clients)
    writes = sum(outcome.writes.values())
    print(
        f"{name}: {writes} writes in {outcome.seconds:.1f} s ({writes / outcome.seconds:.1f}/s: "
        f"{dict(outcome.writes)}); {outcome.requests} requests, {outcome.rows_answered} rows "
        f"answered ({outcome.rows_answered / outcome.seconds:.0f}/s), {outcome.rows_logged} logged; "
        f"{len(outcome.problems)} failures, {len(outcome.missing)} records missing"
    )
    for line in outcome.problems[:5] + outcome.missing[:5]:
        print(f"    {line}")
    return outcome


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--server", default=os.environ.get(SERVER_ENV))
    parser.add_argument("--writers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--json", action="store_true", help="also print both outcomes as JSON")
    args = parser.parse_args()
    if not args.server:
        print(f"error: give --server or {SERVER_ENV} (a PostgreSQL maintenance database's address)")
        return 2
    print(f"{args.writers} writer processes, {args.clients} clients, {args.seconds:.0f} s")
    baseline = _side("sqlite", None, args)
    databases = Databases(args.server)
    try:
        ours = _side("postgresql", databases.new(), args)
    finally:
        databases.close()
    ratios = {
        "writes/s": sum(ours.writes.values())
        / max(sum(baseline.writes.values()), 1)
        * baseline.seconds
        / ours.seconds,
        "rows/s": ours.rows_answered
        / max(baseline.rows_answered, 1)
        * baseline.seconds
        / ours.seconds,
    }
    print(
        "postgresql / sqlite (the baseline): "
        + ", ".join(f"{k} {v:.2f}×" for k, v in ratios.items())
    )
    ok = (
        not ours.problems
        and not ours.missing
        and ours.rows_logged == ours.rows_answered > 0
        and min(ours.writes[k] for k in ("import", "train", "register", "stage")) > 0
    )
    print(f"every write stored, every answered row logged, no failure: {_common.verdict(ok)}")
    if args.json:
        print(json.dumps({"sqlite": baseline.summary(), "postgresql": ours.summary()}, indent=2))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
