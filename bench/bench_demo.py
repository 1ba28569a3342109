"""Building the demo workspace (``core.demo``): the whole story, as Home's button builds it, against
its goal of 30 s on a 2-core machine, with the time of each step of the story.

    python bench/bench_demo.py [--runs 1]

Each build runs in a fresh child process (imports included, as the GUI's worker process has them
preloaded, they are timed apart). The baseline measured in the same run is the part of the build
no demo can skip: the story's six trainings alone (``training.train`` with the same recipes on the
same data), so the ratio says what the rest (serving a month, checking 30 days, retraining) costs
on top. CPU time and the load average are printed too: on a machine shared with other work, wall
time says more about the neighbours than about the build.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

GOAL_S = 30.0
# The story's steps by the share of the build's progress each reports (``story.build_story``).
PHASES = [
    (0.08, "data"),
    (0.40, "trainings"),
    (0.70, "serving the month"),
    (0.72, "labels"),
    (0.88, "30 day windows"),
    (0.90, "the last week"),
    (1.01, "retraining"),
]


def _phase(fraction: float) -> str:
    return next(name for end, name in PHASES if fraction < end)


def _child(kind: str, folder: Path) -> None:
    started = time.perf_counter()
    from mlops_desktop.core import demo
    from mlops_desktop.core.demo import building, story
    from mlops_desktop.core.progress import never_cancel, no_progress

    imported = time.perf_counter()
    steps: dict[str, float] = {}
    last = [imported, ""]

    def progress(fraction: float, message: str) -> None:
        now = time.perf_counter()
        phase = _phase(fraction)
        if phase != last[1]:
            if last[1]:
                steps[last[1]] = steps.get(last[1], 0.0) + now - float(last[0])
            last[0], last[1] = now, phase

    cpu = time.process_time()
    if kind == "demo":
        building.create(folder / "demo", progress=progress)
    else:
        from mlops_desktop.core.workspace import Workspace

        home = demo.start_folder(folder / "trainings")
        workspace = Workspace(home)
        with workspace.artifacts.scratch_folder() as scratch:
            story._data(workspace, demo.DEFAULT_SEED, scratch, no_progress)
        data_done = time.perf_counter()
        story._train(workspace, no_progress, never_cancel)
        steps = {"trainings": time.perf_counter() - data_done}
        imported = data_done
        workspace.close()
    done = time.perf_counter()
    if last[1]:
        steps[last[1]] = steps.get(last[1], 0.0) + done - float(last[0])
    print(
        json.dumps(
            {
                "imports_s": imported - started,
                "build_s": done - imported,
                "cpu_s": time.process_time() - cpu,
                "steps": steps,
            }
        )
    )


def _run(kind: str) -> dict[str, object]:
    folder = _common.temp_dir(kind)
    output = subprocess.run(
        [sys.executable, __file__, "--child", kind, str(folder)],
        env=_common.child_env(),
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    result: dict[str, object] = json.loads(output.strip().splitlines()[-1])
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--child", nargs=2, metavar=("KIND", "FOLDER"))
    args = parser.parse_args()
    if args.child:
        _child(args.child[0], Path(args.child[1]))
        return 0
    builds, baselines = [], []
    for _ in range(args.runs):
        load = os.getloadavg()[0]
        build = _run("demo")
        baseline = _run("trainings")
        builds.append(float(build["build_s"]))  # type: ignore[arg-type]
        baselines.append(float(baseline["build_s"]))  # type: ignore[arg-type]
        print(
            f"load {load:.1f}: demo {build['build_s']:.1f} s (CPU {build['cpu_s']:.1f} s, "
            f"imports {build['imports_s']:.1f} s); its six trainings alone "
            f"{baseline['build_s']:.1f} s"
        )
        steps = build["steps"]
        assert isinstance(steps, dict)
        print("  steps: " + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()))
    ours, base = statistics.median(builds), statistics.median(baselines)
    print(
        f"demo build {ours:.1f} s = {ours / base:.2f}× its trainings alone ({base:.1f} s); "
        f"goal ≤ {GOAL_S:.0f} s: {'PASS' if ours <= GOAL_S else 'FAIL'}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
