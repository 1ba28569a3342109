"""Does the Qt event loop keep running while a 1,000,000-row file is imported?

    python bench/bench_event_loop.py [--rows N] [--runs 1]

A 10 ms QTimer (precise) ticks in the GUI thread of an offscreen QApplication with a shown window; the
longest interval between two ticks while the import runs is the longest stall a user would feel.

- ours: the GUI's worker API, ``Workers().run_in_workspace("Importing", home, datasets.import_file,
  csv, name)`` (a worker process), exactly as the import dialog uses it. Two imports run one after the
  other: the first also starts the worker server (forkserver), the second finds it running.
- baseline: the same ``datasets.import_file`` on a plain ``threading.Thread`` in the GUI process, to
  show what the GIL does to the event loop without a process.

Each side runs in its own fresh child process. Goal (issue 2, DESIGN.md rule 2): never > 50 ms.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import itertools

import _common

TICK_MS = 10
GAP_GOAL_S = 0.050
SETTLE_S = 0.3


class _Ticker:
    """Records the time of every tick of a 10 ms precise QTimer, and what was happening then."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.ticks: list[float] = []
        self.notes: list[tuple[float, str]] = []
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(TICK_MS)
        self.timer.timeout.connect(lambda: self.ticks.append(time.perf_counter()))

    def note(self, text: str) -> None:
        self.notes.append((time.perf_counter(), text))

    def report(self, start: float, end: float) -> dict[str, Any]:
        ticks = [t for t in self.ticks if start <= t <= end]
        # The stall that includes the start or the end of the window counts too.
        before = [t for t in self.ticks if t < start]
        after = [t for t in self.ticks if t > end]
        if before:
            ticks.insert(0, before[-1])
        if after:
            ticks.append(after[0])
        gaps = [(b - a, a) for a, b in itertools.pairwise(ticks)]
        longest, at = max(gaps) if gaps else (0.0, start)
        doing = [text for when, text in self.notes if when <= at + longest]
        over = sorted((gap for gap, _ in gaps if gap > GAP_GOAL_S), reverse=True)
        return {
            "longest": longest,
            "at": at - start,
            "during": doing[-1] if doing else "start",
            "over_goal": len(over),
            "worst": over[:8],
            "ticks": len(ticks),
            "duration": end - start,
        }


def _window() -> Any:
    from PySide6.QtWidgets import QApplication, QLabel, QMainWindow

    app = QApplication.instance() or QApplication([])
    window = QMainWindow()
    window.setCentralWidget(QLabel("importing…"))
    window.resize(800, 600)
    window.show()
    return app, window


def _settle(app: Any) -> None:
    end = time.perf_counter() + SETTLE_S
    while time.perf_counter() < end:
        _common.process_events()
        time.sleep(0.001)


def child_process(csv: Path, home: Path) -> dict[str, Any]:
    from mlops_desktop.core.data import datasets
    from mlops_desktop.ui.workers import Workers

    app, _window_ref = _window()
    ticker = _Ticker()
    ticker.timer.start()
    _settle(app)
    workers = Workers()
    results = []
    for attempt, name in enumerate(["first", "second"]):
        report = gaps_while_in_worker(
            app,
            ticker,
            workers,
            lambda result: {"ok": result.rows},
            f"Importing {name}",
            home,
            datasets.import_file,
            csv,
            f"bench-{name}",
        )
        report.update(warm_server=attempt > 0)
        results.append(report)
    workers.shutdown()
    return {"runs": results}


def gaps_while_in_worker(
    app: Any,
    ticker: Any,
    workers: Any,
    summarise: Callable[[Any], dict[str, Any]],
    description: str,
    home: Path,
    function: Callable[..., Any],
    *args: Any,
) -> dict[str, Any]:
    """Run ``function(*args)`` through the GUI's worker API (``workers.run_in_workspace``) while
    ``ticker`` measures the event loop; the ticker's report with the task's seconds, how long
    starting it blocked the GUI thread, and its outcome (``summarise(result)``, or the error)."""
    from PySide6.QtCore import QEventLoop

    loop = QEventLoop()
    outcome: dict[str, Any] = {}
    started = time.perf_counter()
    task = workers.run_in_workspace(description, home, function, *args)
    start_call = time.perf_counter() - started
    task.progressed.connect(lambda fraction, text: ticker.note(f"{fraction:.0%} {text}"))
    task.succeeded.connect(lambda result: outcome.update(summarise(result)))
    task.failed.connect(lambda message: outcome.update(error=message))
    task.finished.connect(loop.quit)
    loop.exec()
    ended = time.perf_counter()
    _settle(app)  # a stall right after the end (e.g. tearing the task down) counts too
    report: dict[str, Any] = ticker.report(started, ended + SETTLE_S / 2)
    report.update(seconds=ended - started, start_call=start_call, outcome=outcome)
    return report


def gaps_while_on_thread(
    app: Any, ticker: Any, job: Callable[[], dict[str, Any]]
) -> dict[str, Any]:
    """Run ``job`` on a plain thread in this (GUI) process while ``ticker`` measures the event
    loop; the ticker's report with the job's outcome (its result, or the error it raised)."""
    from PySide6.QtCore import QEventLoop, QTimer

    outcome: dict[str, Any] = {}

    def work() -> None:
        try:
            outcome.update(job())
        except Exception as error:  # pragma: no cover - reported, not raised
            outcome["error"] = repr(error)

    loop = QEventLoop()
    thread = threading.Thread(target=work, daemon=True)
    started = time.perf_counter()
    thread.start()
    watcher = QTimer()
    watcher.setInterval(25)
    watcher.timeout.connect(lambda: None if thread.is_alive() else loop.quit())
    watcher.start()
    loop.exec()
    ended = time.perf_counter()
    _settle(app)
    report = ticker.report(started, ended + SETTLE_S / 2)
    report.update(seconds=ended - started, outcome=outcome)
    return {"runs": [report]}


def child_thread(csv: Path, home: Path) -> dict[str, Any]:
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.workspace import Workspace

    app, _window_ref = _window()
    ticker = _Ticker()
    ticker.timer.start()
    _settle(app)

    def job() -> dict[str, Any]:
        workspace = Workspace(home)
        try:
            result = datasets.import_file(
                workspace, csv, "bench-thread", progress=lambda f, t: ticker.note(f"{f:.0%} {t}")
            )
            return {"ok": result.rows}
        finally:
            workspace.close()

    return gaps_while_on_thread(app, ticker, job)


# --- parent --------------------------------------------------------------------------------------


def _child(mode: str, csv: Path, home: Path) -> dict[str, Any]:
    out = _common.run_child([__file__, "--child", mode, "--path", str(csv), "--dir", str(home)])
    result: dict[str, Any] = json.loads(out.strip().splitlines()[-1])
    return result


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def _describe(label: str, run: dict[str, Any]) -> str:
    worst = ", ".join(_ms(gap) for gap in run["worst"]) or "none"
    return (
        f"{label}: longest gap {_ms(run['longest'])} at {run['at']:.2f} s ({run['during']}); "
        f"{run['over_goal']} gaps > {_ms(GAP_GOAL_S)} [{worst}]; import took {run['seconds']:.1f} s, "
        f"{run['ticks']} ticks"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=_common.DEFAULT_ROWS)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child", choices=["process", "thread"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        function = child_process if args.child == "process" else child_thread
        print(json.dumps(function(Path(args.path), Path(args.dir))))
        return 0

    csv = _common.generated_csv(args.rows)
    _common.warm_page_cache(csv)
    scratch = _common.temp_dir("loop")
    print(
        f"file: {csv} ({csv.stat().st_size / 1e6:.0f} MB); a {TICK_MS} ms precise QTimer in the "
        "GUI thread of an offscreen QApplication; each side in a fresh child process"
    )
    ours: list[dict[str, Any]] = []
    threads: list[dict[str, Any]] = []
    for run in range(args.runs):
        home = scratch / f"process-{run}"
        result = _child("process", csv, home)
        shutil.rmtree(home, ignore_errors=True)
        for item in result["runs"]:
            if "ok" not in item["outcome"]:
                raise SystemExit(f"the import failed: {item['outcome']}")
            ours.append(item)
            label = "ours, worker process" + (
                " (worker server already running)" if item["warm_server"] else " (first task)"
            )
            print("  " + _describe(label, item), flush=True)
            print(
                f"    run_in_workspace() itself blocked the GUI thread for {_ms(item['start_call'])}"
            )
        home = scratch / f"thread-{run}"
        result = _child("thread", csv, home)
        shutil.rmtree(home, ignore_errors=True)
        item = result["runs"][0]
        if "ok" not in item["outcome"]:
            raise SystemExit(f"the import failed: {item['outcome']}")
        threads.append(item)
        print("  " + _describe("baseline, plain thread", item), flush=True)

    ours_longest = max(item["longest"] for item in ours)
    warm_longest = max((item["longest"] for item in ours if item["warm_server"]), default=0.0)
    thread_longest = max(item["longest"] for item in threads)
    print()
    print(
        f"longest event-loop gap, ours (worker process): {_ms(ours_longest)} "
        f"(after the first task: {_ms(warm_longest)})  goal ≤ {_ms(GAP_GOAL_S)}  "
        f"{_common.verdict(ours_longest <= GAP_GOAL_S)}"
    )
    print(f"longest event-loop gap, baseline (plain thread): {_ms(thread_longest)}")
    print(f"ratio baseline/ours: {thread_longest / ours_longest:.1f}×")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
