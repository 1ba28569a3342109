"""The Monitoring pane with 1,000,000 logged predictions across 90 days: how fast it opens from the
stored day results, and what checking one new day costs against checking everything again.

    python bench/bench_monitoring_pane.py [--rows 1000000] [--days 90] [--quick]

Setup (untimed): a seeded table of 5,000 loan applicants (income, amount, age, region, plan, a
yes/no; target ``repaid``) imported, a logistic regression trained and registered as ``loans``;
``--rows`` prediction-log rows spread evenly over ``--days`` consecutive days written straight
into the store (as the server's log writer writes them: inputs, prediction, probabilities), the
last third of the days with a shifted income and an unseen region. Then every day is checked
once with ``trends.update_days`` (timed and printed: the one-off cost of a first check).

Measured, each in this process:

1. Opening the pane: the Monitoring pane of a shown ``MainWindow`` reloading its stored results
   (``refresh``: cards, the selected version's days and latest report) and being switched to
   and painted (Qt offscreen). Goal: ≤ 1 s. Also printed: ``trends.overview`` +
   ``trends.history`` alone (the stored reads the pane makes), and the whole app from
   opening the workspace to this pane shown, every pane built as at start-up.
2. A new day: one more day of rows (``--rows`` / ``--days``) is logged, then ``update_days``
   checks what is new. Baseline in the same run: checking every day again from scratch
   (``update_days`` after the stored day results are deleted), i.e. a rescan. Printed: both
   times, the ratio, and the number of day windows each one read (goal: the new day alone).
"""

from __future__ import annotations

import argparse
import json
import os
import sqlite3
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

OPEN_GOAL_S = 1.0
FIRST_DAY = datetime(2026, 6, 1, tzinfo=UTC)
CLASSES = ["False", "True"]


def applicants(n: int, seed: int, shift: float = 0.0, new_region: bool = False) -> Any:
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    income = rng.normal(50.0 + 10.0 * shift, 10.0, n).round(2)
    amount = rng.gamma(2.0, 5.0, n).round(2)
    age = rng.integers(19, 75, n)
    regions = ["north", "south", "east", "west"] + (["harbour"] if new_region else [])
    region = rng.choice(regions, n)
    plan = rng.choice(["basic", "plus", "premium"], n, p=[0.5, 0.3, 0.2])
    owner = rng.random(n) < 0.4
    score = (income - 50) / 10 - (amount - 10) / 8 + (region == "north") * 0.8 + rng.normal(0, 1, n)
    return pd.DataFrame(
        {
            "income": income,
            "amount": amount,
            "age": age,
            "region": region,
            "plan": plan,
            "owner": owner,
            "repaid": score > 0,
        }
    )


def setup(home: Path, scratch: Path) -> None:
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.workspace import Workspace

    csv = scratch / "applicants.csv"
    applicants(5000, seed=1).to_csv(csv, index=False)
    workspace = Workspace(home)
    try:
        datasets.import_file(workspace, csv, "applicants")
        run = training.train(
            workspace,
            training.Recipe(dataset="applicants", target="repaid", algorithm="logistic_regression"),
        )[0]
        model_registry.register(workspace, run["run_id"], "loans")
    finally:
        workspace.close()


def log_days(home: Path, rows: int, first: int, days: int, total_days: int, seed: int) -> None:
    """Write days ``first`` .. ``first + days - 1`` of a log of ``rows`` rows over ``total_days``
    days straight into the store, with the model's real predictions; the last third of the days
    (and any day after) are shifted."""

    from mlops_desktop.core.registry import model_registry
    from mlops_desktop.core.serving import scoring
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    record, pipeline = model_registry.load(workspace, "loans")
    workspace.close()
    db = sqlite3.connect(home / "store.db")
    try:
        (version_id,) = db.execute("SELECT id FROM model_versions").fetchone()
        found = db.execute("SELECT id FROM deployments").fetchone()
        if found is None:
            db.execute(
                "INSERT INTO deployments (model_version_id, host, port, started_at) "
                "VALUES (?, '127.0.0.1', 8765, ?)",
                (version_id, FIRST_DAY.replace(tzinfo=None).isoformat(sep=" ")),
            )
            found = db.execute("SELECT id FROM deployments").fetchone()
        deployment = found[0]
        per_day = rows // total_days
        names = [c["name"] for c in record["inputs"]]
        for day in range(first, first + days):
            moved = day >= total_days * 2 // 3
            frame = applicants(per_day, seed + day, shift=0.8 if moved else 0.0, new_region=moved)
            inputs = scoring.prepare(frame, record["inputs"])
            predicted, probabilities = scoring.predict(pipeline, record["task"], inputs)
            start = FIRST_DAY + timedelta(days=day)
            step = 86_000.0 / per_day
            values = inputs.to_numpy(dtype=object).tolist()
            batch = []
            for i, row in enumerate(values):
                logged = dict(zip(names, row, strict=True))
                logged["owner"] = bool(logged["owner"] == 1.0)
                batch.append(
                    (
                        deployment,
                        f"d{day}-{i}",
                        (start + timedelta(seconds=i * step))
                        .replace(tzinfo=None)
                        .isoformat(sep=" "),
                        json.dumps(logged),
                        json.dumps(predicted[i]),
                        json.dumps(dict(zip(CLASSES, probabilities[i], strict=True))),
                        4.0,
                    )
                )
            db.executemany(
                "INSERT INTO prediction_logs (deployment_id, request_id, created_at, inputs, "
                "prediction, probabilities, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
                batch,
            )
            db.commit()
    finally:
        db.close()


def counting_windows() -> list[Any]:
    """Count the day windows ``update_days`` reads (a wrapper around the log reader)."""
    from mlops_desktop.core.monitoring import trends

    read: list[Any] = []
    original = trends.log_window

    def spy(*args: Any, **kwargs: Any) -> Any:
        read.append(args[2])
        return original(*args, **kwargs)

    trends.log_window = spy  # type: ignore[assignment]
    return read


def open_pane(home: Path, scratch: Path) -> dict[str, float]:
    """Seconds for: the stored reads alone (overview + history); the Monitoring pane loading
    from them and showing (``refresh``, then switching to it and painting); and the whole app
    from opening the workspace to that pane shown (every pane built, as at start-up)."""
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.config import Settings
    from mlops_desktop.core import listing
    from mlops_desktop.core.monitoring import trends
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.main_window import MainWindow
    from mlops_desktop.ui.state import AppState

    _app = QApplication.instance() or QApplication(sys.argv)  # kept alive while measuring
    times: dict[str, float] = {}
    began = time.perf_counter()
    workspace = Workspace(home)
    ref = listing.monitoring_overview(workspace)[0]["ref"]
    assert trends.history(workspace, ref), "no stored days"
    times["reads"] = time.perf_counter() - began
    workspace.close()

    began = time.perf_counter()
    state = AppState(Workspace(home), Settings(scratch / "settings.json"))
    window = MainWindow(state.settings)
    window.attach(state)  # builds every pane; the Monitoring pane loads its stored results
    window.show()
    window.show_pane("Monitoring")
    pane = window.pane("Monitoring")
    _common.process_events()
    assert pane.history and pane.card(ref) is not None
    times["app"] = time.perf_counter() - began

    window.show_pane("Home")
    _common.process_events()
    began = time.perf_counter()
    pane.refresh()  # what opening the pane on a changed workspace costs
    window.show_pane("Monitoring")
    _common.process_events()
    times["pane"] = time.perf_counter() - began
    window.close()
    state.workers.shutdown()
    state.workspace.close()
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--quick", action="store_true", help="100,000 rows over 30 days")
    args = parser.parse_args()
    rows, days = (100_000, 30) if args.quick else (args.rows, args.days)

    from mlops_desktop.core.monitoring import trends
    from mlops_desktop.core.store.models import MonitorResult
    from mlops_desktop.core.workspace import Workspace

    scratch = _common.temp_dir("monitoring")
    home = scratch / "workspace"
    print(f"bench_monitoring_pane: {rows:,} logged predictions over {days} days")
    began = time.perf_counter()
    setup(home, scratch)
    log_days(home, rows, 0, days, days, seed=100)
    print(f"setup (train, register, write the log): {_common.fmt_s(time.perf_counter() - began)}")
    read = counting_windows()
    workspace = Workspace(home)
    began = time.perf_counter()
    checked = trends.update_days(workspace, "loans")
    first = time.perf_counter() - began
    workspace.close()
    print(f"first check of every day: {checked} days in {_common.fmt_s(first)}")

    times = open_pane(home, scratch)
    ok_open = times["pane"] <= OPEN_GOAL_S
    print(
        f"1. the Monitoring pane loading its stored results and showing: "
        f"{_common.fmt_s(times['pane'])} (goal ≤ {OPEN_GOAL_S:.0f} s) {_common.verdict(ok_open)}; "
        f"the stored reads alone {_common.fmt_s(times['reads'])}; the whole app from opening the "
        f"workspace to this pane shown (every pane built) {_common.fmt_s(times['app'])}"
    )

    log_days(home, rows, days, 1, days, seed=100)
    workspace = Workspace(home)
    read.clear()
    began = time.perf_counter()
    new = trends.update_days(workspace, "loans")
    incremental = time.perf_counter() - began
    incremental_windows = len(read)
    with workspace.store.write() as session:
        session.query(MonitorResult).delete()
    read.clear()
    began = time.perf_counter()
    again = trends.update_days(workspace, "loans")
    rescan = time.perf_counter() - began
    workspace.close()
    ok_new = new == 1 and incremental_windows == 1
    print(
        f"2. a new day: {new} day checked, {incremental_windows} day window(s) read, "
        f"{_common.fmt_s(incremental)}; baseline, every day checked again: {again} days, "
        f"{len(read)} windows read, {_common.fmt_s(rescan)}; ratio {incremental / rescan:.3f} "
        f"{_common.verdict(ok_new)}"
    )
    return 0 if ok_open and ok_new else 1


if __name__ == "__main__":
    sys.exit(main())
