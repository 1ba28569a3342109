"""The read-only list commands from launch to exit, against ``python -c "import sqlalchemy"``.

    python bench/bench_cli_startup.py [--runs 7]

Ours: ``python -m mlops_desktop --home WS datasets list`` (and ``runs list``, ``models list``), each a
fresh interpreter, on a workspace this script builds first, untimed, through the same command line:
the four sample datasets imported, two runs trained on each of two of them, and three model versions
registered (one moved to production). Baseline: ``python -c "import sqlalchemy"``, the least any
command that reads the store must load. Both are timed from launch to exit by this script, so
interpreter start-up counts on both sides. One unmeasured warm-up of each, then the runs alternate
between the baseline and each command; medians are compared.

Goal (issue 14): each command ≤ 2 × the baseline, and none of scikit-learn, scipy or matplotlib
loaded (each command is also run once with ``-X importtime`` to list what it loaded that the
baseline did not, slowest first).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

RATIO_GOAL = 2.0
COMMANDS = (("datasets", "list"), ("runs", "list"), ("models", "list"))
HEAVY = ("sklearn", "scipy", "matplotlib")
BASELINE = ("-c", "import sqlalchemy")


def _cli(home: Path, *words: str) -> str:
    return _common.run_child(["-m", "mlops_desktop", "--home", str(home), *words])


def build_workspace(home: Path) -> None:
    samples = _common.REPO / "resources" / "samples"
    for csv in sorted(samples.glob("*.csv")):
        _cli(home, "datasets", "import", str(csv))
    runs = []
    for dataset, target in (("iris", "species"), ("wine", "cultivar")):
        for algorithm in ("decision_tree", "naive_bayes"):
            trained = _cli(
                home, "train", "--dataset", dataset, "--target", target,
                "--algorithm", algorithm, "--json",
            )  # fmt: skip
            runs.append(json.loads(trained)["run_id"])
    for number, run_id in enumerate(runs[:3]):
        _cli(home, "models", "register", run_id, "--name", "Flowers" if number < 2 else "Wine")
    _cli(home, "models", "stage", "Flowers", "1", "production", "--note", "bench")


def _timed(args: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, *args], env=_common.child_env(), capture_output=True, check=True
    )
    return time.perf_counter() - started


def _imported(args: list[str]) -> dict[str, int]:
    """Module → its own import time in microseconds, from ``-X importtime``."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        env=_common.child_env(),
        capture_output=True,
        text=True,
        check=True,
    )
    times = {}
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "|" in line:
            self_us, _cumulative, name = line.removeprefix("import time:").split("|")
            if self_us.strip().isdigit():
                times[name.strip()] = int(self_us)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    home = _common.temp_dir("cli") / "workspace"
    print("building the workspace (4 datasets, 4 runs, 3 model versions)…", flush=True)
    build_workspace(home)
    commands = {
        " ".join(words): ["-m", "mlops_desktop", "--home", str(home), *words] for words in COMMANDS
    }
    for command in [list(BASELINE), *commands.values()]:
        _timed(command)  # warm-up: page cache, .pyc files
    baseline: list[float] = []
    ours: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(args.runs):
        for name, command in commands.items():
            baseline.append(_timed(list(BASELINE)))
            ours[name].append(_timed(command))
    baseline_s = _common.median(baseline)
    print(f'baseline python -c "import sqlalchemy": median {_common.fmt_s(baseline_s)}')
    baseline_modules = _imported(list(BASELINE))
    all_ok = True
    for name, command in commands.items():
        median_s = _common.median(ours[name])
        ratio = median_s / baseline_s
        modules = _imported(command)
        heavy = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
        loaded = ", ".join(heavy) or "none of " + ", ".join(HEAVY)
        ok = ratio <= RATIO_GOAL and not heavy
        all_ok &= ok
        print(
            f"{name}: median {_common.fmt_s(median_s)} of {args.runs}, ratio {ratio:.2f} "
            f"(goal ≤ {RATIO_GOAL}); loads {loaded}: "
            f"{_common.verdict(ok)}"
        )
        extra = sorted(
            ((us, m) for m, us in modules.items() if m not in baseline_modules), reverse=True
        )
        print(
            f"    beyond the baseline, {len(extra)} modules, "
            f"{sum(us for us, _ in extra) / 1000:.0f} ms of their own import time; slowest: "
            + ", ".join(f"{m} {us / 1000:.0f} ms" for us, m in extra[:6])
        )
    return 0 if all_ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
