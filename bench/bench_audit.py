"""The Audit pane with 100,000 events: time to open it (count, first page, paint) and to filter it
by action, user, object, a month and a search, each against a bare ``SELECT`` in the same run.

    python bench/bench_audit.py [--events 100000] [--runs 5]

Goal (issue 16): opens in ≤ 0.3 s and filters in ≤ 0.1 s. Baselines, with ``sqlite3`` on the same
file: for opening, ``SELECT * FROM audit_events`` (every event, what a table that is not lazy must
read first); for each filter, the bare ``SELECT *`` of the events that filter lets through. Medians
of ``--runs``; the events are inserted directly, chained as the app chains them (a run of
``audit verify`` checks that).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import sqlite3
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

OPEN_GOAL_S = 0.3
FILTER_GOAL_S = 0.1
USERS = ["ana", "bo", "chen", "dara", "eli", "svc-serving"]
START = datetime(2026, 1, 1, tzinfo=UTC)


def fill(workspace: object, events: int) -> None:
    """``events`` chained events over a year: a realistic mix of actions, users and objects."""
    from mlops_desktop.core.governance import audit_log, chain

    assert hasattr(workspace, "store")
    rng = random.Random(16)
    actions = list(audit_log.ACTION_WORDS)
    previous = chain.GENESIS
    rows = []
    step = timedelta(days=365) / events
    for number in range(events):
        action = rng.choice(actions)
        kind = action.split(".")[0].replace("labels", "model")
        name = f"{kind} {rng.randrange(300)}"
        entity = (
            f"{kind}:{name}@{rng.randrange(1, 9)}"
            if kind in ("dataset", "model")
            else f"{kind}:{name}"
        )
        details = {
            "rows": rng.randrange(10**6),
            "note": rng.choice(["weekly refresh", "ok", "fix"]),
        }
        when = START + step * number
        content = chain.Content(when, rng.choice(USERS), action, entity, details)
        previous = chain.link(previous, content)
        rows.append(
            (
                when.strftime("%Y-%m-%d %H:%M:%S.%f"),
                content.user,
                action,
                entity,
                json.dumps(details),
                previous,
            )
        )
    connection = sqlite3.connect(workspace.store.db_path)
    with connection:
        connection.executemany(
            "INSERT INTO audit_events (created_at, user, action, entity, details, hash) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            rows,
        )
    connection.close()


def bare(path: Path, where: str = "", parameters: tuple[object, ...] = ()) -> tuple[float, int]:
    connection = sqlite3.connect(path)
    started = time.perf_counter()
    rows = connection.execute(f"SELECT * FROM audit_events {where}", parameters).fetchall()
    elapsed = time.perf_counter() - started
    connection.close()
    return elapsed, len(rows)


def choose_days(pane: object, first: object, last: object) -> None:
    """Set both ends of the day range (or clear them) and filter once, as one change."""
    for box, edit, day in ((pane.since_on, pane.since, first), (pane.until_on, pane.until, last)):
        for widget in (box, edit):
            widget.blockSignals(True)
        box.setChecked(day is not None)
        if day is not None:
            edit.setDate(day)
        for widget in (box, edit):
            widget.blockSignals(False)
    pane.apply_filters()


def timed(action: Callable[[], object], runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        action()
        times.append(time.perf_counter() - started)
    return _common.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

    from PySide6.QtCore import QDate
    from PySide6.QtWidgets import QApplication

    from mlops_desktop.config import Settings
    from mlops_desktop.core.governance import audit_log
    from mlops_desktop.core.workspace import Workspace
    from mlops_desktop.ui.panes.audit import AuditPane
    from mlops_desktop.ui.state import AppState

    home = _common.temp_dir("audit") / "workspace"
    workspace = Workspace(home)
    fill(workspace, args.events)
    path = workspace.store.db_path
    print(f"workspace with {args.events:,} audit events in {home}")

    app = QApplication.instance() or QApplication([])
    state = AppState(workspace, Settings(home.parent / "settings.json"))
    gc.collect()
    gc.freeze()

    panes: list[AuditPane] = []

    def open_pane() -> None:
        pane = AuditPane(state)
        pane.resize(1200, 800)
        pane.show()  # reads the filter lists, counts, reads the first page
        _common.process_events()
        pane.view.viewport().grab()
        panes.append(pane)

    raw_all = timed(lambda: bare(path), args.runs)
    opened = timed(open_pane, args.runs)
    pane = panes[-1]
    assert pane.model.rowCount() == args.events
    print(
        f"reference: sqlite3 SELECT * FROM audit_events ({args.events:,} rows): {_common.fmt_s(raw_all)}"
    )
    print(
        f"open the Audit pane (lists, count, first page, paint): {_common.fmt_s(opened)}  "
        f"(goal ≤ {OPEN_GOAL_S} s)  {_common.verdict(opened <= OPEN_GOAL_S)}; "
        f"{opened / raw_all:.2f}× the bare SELECT"
    )

    month = (datetime(2026, 6, 1), datetime(2026, 7, 1))  # naive UTC, as stored
    filters: list[tuple[str, Callable[[], None], Callable[[], None], str, tuple[object, ...]]] = [
        (
            "action = model.stage",
            lambda: pane.action.setCurrentIndex(pane.action.findData("model.stage")),
            lambda: pane.action.setCurrentIndex(0),
            "WHERE action = ?",
            ("model.stage",),
        ),
        (
            "user = chen",
            lambda: pane.user.setCurrentIndex(pane.user.findData("chen")),
            lambda: pane.user.setCurrentIndex(0),
            "WHERE user = ?",
            ("chen",),
        ),
        (
            "object = dataset:dataset 7 (all versions)",
            lambda: (pane.object.setText("dataset:dataset 7"), pane.apply_filters()),
            lambda: (pane.object.setText(""), pane.apply_filters()),
            "WHERE entity = ? OR (entity >= ? AND entity < ?)",
            ("dataset:dataset 7", "dataset:dataset 7@", "dataset:dataset 7@\U0010ffff"),
        ),
        (
            "June (a month, 8 % of the events)",
            lambda: choose_days(pane, QDate(2026, 6, 1), QDate(2026, 6, 30)),
            lambda: choose_days(pane, None, None),
            "WHERE created_at >= ? AND created_at < ?",
            tuple(m.strftime("%Y-%m-%d %H:%M:%S.%f") for m in month),
        ),
        (
            "search 'weekly refresh'",
            lambda: (pane.search.setText("weekly refresh"), pane.apply_filters()),
            lambda: (pane.search.setText(""), pane.apply_filters()),
            "WHERE entity LIKE ? OR details LIKE ?",
            ("%weekly refresh%", "%weekly refresh%"),
        ),
        (
            "search 'dataset 7@' (a rare text)",
            lambda: (pane.search.setText("dataset 7@"), pane.apply_filters()),
            lambda: (pane.search.setText(""), pane.apply_filters()),
            "WHERE entity LIKE ? OR details LIKE ?",
            ("%dataset 7@%", "%dataset 7@%"),
        ),
    ]
    print(
        f"filters (goal ≤ {FILTER_GOAL_S} s each; ratio against the bare SELECT of the same rows):"
    )
    for label, apply, undo, where, parameters in filters:
        baseline, matched = (
            _common.median(t)
            for t in zip(*[bare(path, where, parameters) for _ in range(args.runs)], strict=True)
        )
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            apply()
            pane.view.viewport().grab()
            times.append(time.perf_counter() - started)
            shown = pane.model.rowCount()
            undo()
        took = _common.median(times)
        assert shown == matched, (label, shown, matched)
        print(
            f"  {label}: {shown:,} events, {_common.fmt_s(took)}  {_common.verdict(took <= FILTER_GOAL_S)}; "
            f"bare SELECT {_common.fmt_s(baseline)}, {took / baseline:.2f}×"
        )

    started = time.perf_counter()
    result = audit_log.verify(workspace)
    print(
        f"audit verify: {audit_log.verdict(result)} ({_common.fmt_s(time.perf_counter() - started)})"
    )
    for each in panes:
        each.close()
    state.workers.shutdown()
    workspace.close()
    del app
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
