"""Import of a generated 1,000,000 × 25 mixed-type CSV (~400 MB) through the real import path.

    python bench/bench_import.py [--rows N] [--runs 3]

Ours: ``mlops_desktop.core.data.datasets.import_file`` into a fresh workspace (detect format, read, type,
content hash, profile, write Parquet, hash the source, record the version).
Baseline: ``pandas.read_csv(path, engine="pyarrow")`` + ``DataFrame.to_parquet(...)`` of the same file.

Every run is a fresh child process (``python bench/bench_import.py --child ...``), so neither side
benefits from the other's warm imports or allocator state; the runs alternate (B,O / O,B / B,O ...)
with the CSV already in the OS page cache, and the median of the runs is compared. Timings exclude
the interpreter start and module imports on both sides. Each side builds its tables with the Arrow
allocator it gets by itself: pyarrow's default for the baseline, the application's choice
(``core/data/arrow_memory.py``) for ours; both are printed, with the load average before and after,
since on a shared machine the ratio moves with the load. Each child reports its own peak resident
memory (``getrusage(RUSAGE_SELF).ru_maxrss``), compared with the in-memory size of the frame
(``df.memory_usage(deep=True).sum()`` of the baseline's frame).

Goals (issues 2 and 14): time ratio ours/baseline ≤ 1.5; our peak memory ≤ 3 × the frame; profile ≤ 3 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

TIME_GOAL = 1.5
MEMORY_GOAL = 3.0
PROFILE_GOAL_S = 3.0


def _maxrss_bytes() -> int:
    # Linux reports kilobytes, macOS bytes.
    value = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return value if sys.platform == "darwin" else value * 1024


def _allocator() -> str:
    import pyarrow as pa

    return str(pa.default_memory_pool().backend_name)


def _load() -> str:
    one, five, _ = os.getloadavg()
    return f"load average {one:.1f} (1 min), {five:.1f} (5 min) on {os.cpu_count()} cores"


# --- children ------------------------------------------------------------------------------------


def child_baseline(csv: Path, out_dir: Path) -> dict[str, object]:
    import pandas as pd

    base_rss = _maxrss_bytes()
    started = time.perf_counter()
    frame = pd.read_csv(csv, engine="pyarrow")
    read_done = time.perf_counter()
    frame.to_parquet(out_dir / "baseline.parquet")
    finished = time.perf_counter()
    peak = _maxrss_bytes()
    return {
        "seconds": finished - started,
        "read_s": read_done - started,
        "write_s": finished - read_done,
        "peak_rss": peak,
        "base_rss": base_rss,
        "frame_bytes": int(frame.memory_usage(deep=True).sum()),
        "allocator": _allocator(),
        "rows": len(frame),
        "columns": frame.shape[1],
    }


def child_ours(csv: Path, home: Path) -> dict[str, object]:
    import pyarrow.parquet as pq

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.store.artifacts import NewArtifact
    from mlops_desktop.core.workspace import Workspace

    steps: dict[str, float] = {}

    def timed(label: str, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            begun = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                steps[label] = steps.get(label, 0.0) + time.perf_counter() - begun

        return wrapper

    # Time each step of import_file by wrapping the names it calls (this process only; a name the
    # current code no longer uses is skipped).
    for attribute, label in [
        ("detect_format", "detect format"),
        ("read_table", "read CSV (pyarrow)"),
        ("_typed_guesses", "guess types"),
        ("_apply_types", "convert types"),
        ("content_hash", "content hash"),
        ("profile", "profile"),
        ("sha256_of_file", "SHA-256 of source"),
        ("_record_version", "record version (db)"),
    ]:
        if hasattr(datasets, attribute):
            setattr(datasets, attribute, timed(label, getattr(datasets, attribute)))
    pq.write_table = timed("write Parquet", pq.write_table)

    base_rss = _maxrss_bytes()
    opened = time.perf_counter()
    workspace = Workspace(home)
    NewArtifact.add = timed("SHA-256 + move artifact", NewArtifact.add)  # type: ignore[method-assign]
    started = time.perf_counter()
    result = datasets.import_file(workspace, csv, "bench")
    finished = time.perf_counter()
    peak = _maxrss_bytes()
    workspace.close()
    return {
        "seconds": finished - started,
        "workspace_open_s": started - opened,
        "peak_rss": peak,
        "base_rss": base_rss,
        "rows": result.rows,
        "columns": result.columns,
        "steps": steps,
        "allocator": _allocator(),
    }


def child_profile(home: Path, repeats: int) -> dict[str, object]:
    import pyarrow.parquet as pq

    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.data.profiling import profile
    from mlops_desktop.core.workspace import Workspace

    workspace = Workspace(home)
    version = datasets.get_version(workspace, "bench")
    table = pq.read_table(datasets.parquet_path(workspace, version))
    types = [column["type"] for column in version.schema]
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        profile(table, types, {})
        times.append(time.perf_counter() - started)
    per_column: dict[str, float] = {}
    for name, kind in zip(table.column_names, types, strict=True):
        started = time.perf_counter()
        profile(table.select([name]), [kind], {})
        per_column[f"{name} ({kind})"] = time.perf_counter() - started
    workspace.close()
    return {"times": times, "per_column": per_column}


# --- parent --------------------------------------------------------------------------------------


def _child(mode: str, *args: str) -> dict[str, object]:
    out = _common.run_child([__file__, "--child", mode, *args])
    result: dict[str, object] = json.loads(out.strip().splitlines()[-1])
    return result


def _list(values: object) -> str:
    return ", ".join(f"{value:.2f}" for value in values)  # type: ignore[attr-defined]


def _mb(value: float) -> str:
    return f"{value / 1e6:,.0f} MB"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=_common.DEFAULT_ROWS)
    parser.add_argument("--runs", type=int, default=3, help="runs of each side (default 3)")
    parser.add_argument("--child", choices=["baseline", "ours", "profile"], help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--dir", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        if args.child == "baseline":
            result = child_baseline(Path(args.path), Path(args.dir))
        elif args.child == "ours":
            result = child_ours(Path(args.path), Path(args.dir))
        else:
            result = child_profile(Path(args.dir), repeats=3)
        print(json.dumps(result))
        return 0

    csv = _common.generated_csv(args.rows)
    size = csv.stat().st_size
    _common.warm_page_cache(csv)
    print(f"file: {csv} ({_mb(size)}, {args.rows:,} rows × 25 columns)")
    print(
        f"method: each run in a fresh child process, alternating order, {args.runs} runs per side, "
        "file in page cache; medians compared; times exclude interpreter start and imports"
    )
    print(f"before: {_load()}")
    scratch = _common.temp_dir("import")
    baseline_runs, our_runs = [], []
    last_home: Path | None = None
    for run in range(args.runs):
        order = ["baseline", "ours"] if run % 2 == 0 else ["ours", "baseline"]
        for side in order:
            work = scratch / f"{side}-{run}"
            work.mkdir()
            if side == "baseline":
                result = _child("baseline", "--path", str(csv), "--dir", str(work))
                baseline_runs.append(result)
                shutil.rmtree(work, ignore_errors=True)
                print(
                    f"  run {run + 1} baseline: {result['seconds']:.2f} s "
                    f"(read_csv {result['read_s']:.2f} s + to_parquet {result['write_s']:.2f} s), "
                    f"peak RSS {_mb(result['peak_rss'])}",
                    flush=True,
                )
            else:
                home = work / "workspace"
                result = _child("ours", "--path", str(csv), "--dir", str(home))
                our_runs.append(result)
                if last_home is not None:
                    shutil.rmtree(last_home.parent, ignore_errors=True)
                last_home = home
                print(
                    f"  run {run + 1} ours:     {result['seconds']:.2f} s "
                    f"(+ {result['workspace_open_s']:.2f} s to create the workspace), "
                    f"peak RSS {_mb(result['peak_rss'])}",
                    flush=True,
                )

    assert last_home is not None
    profiled = _child("profile", "--dir", str(last_home))
    shutil.rmtree(last_home.parent, ignore_errors=True)

    base_s = _common.median([r["seconds"] for r in baseline_runs])
    ours_s = _common.median([r["seconds"] for r in our_runs])
    ratio = ours_s / base_s
    frame_bytes = baseline_runs[0]["frame_bytes"]
    ours_peak = max(r["peak_rss"] for r in our_runs)
    ours_base = min(r["base_rss"] for r in our_runs)
    base_peak = max(r["peak_rss"] for r in baseline_runs)
    memory_ratio = ours_peak / frame_bytes
    profile_s = min(profiled["times"])
    step_medians = {
        label: _common.median([r["steps"].get(label, 0.0) for r in our_runs])
        for label in our_runs[0]["steps"]
    }

    print()
    print(f"after: {_load()}")
    print(
        f"Arrow allocator: ours {our_runs[0]['allocator']}, baseline {baseline_runs[0]['allocator']}"
    )
    print()
    print("== import ==")
    print(
        f"baseline (pandas read_csv pyarrow + to_parquet): median {base_s:.2f} s "
        f"[{_list(r['seconds'] for r in baseline_runs)}]"
    )
    print(
        f"ours (datasets.import_file):                     median {ours_s:.2f} s "
        f"[{_list(r['seconds'] for r in our_runs)}]"
    )
    print(
        f"ratio ours/baseline: {ratio:.2f}  (goal ≤ {TIME_GOAL})  {_common.verdict(ratio <= TIME_GOAL)}"
    )
    print("our import, median time per step:")
    for label, seconds in sorted(step_medians.items(), key=lambda item: -item[1]):
        print(f"    {label:<26} {seconds:6.2f} s")
    print()
    print("== peak memory ==")
    print(f"frame in memory (df.memory_usage(deep=True).sum()): {_mb(frame_bytes)}")
    print(
        f"ours peak RSS: {_mb(ours_peak)} = {memory_ratio:.2f}× the frame "
        f"(goal ≤ {MEMORY_GOAL}×)  {_common.verdict(memory_ratio <= MEMORY_GOAL)}; "
        f"{_mb(ours_peak - ours_base)} above the {_mb(ours_base)} of the interpreter + imports"
    )
    print(f"baseline peak RSS: {_mb(base_peak)} = {base_peak / frame_bytes:.2f}× the frame")
    print()
    print("== profile ==")
    print(
        f"profile() of the stored {args.rows:,}-row typed table: best {profile_s:.2f} s "
        f"[{_list(profiled['times'])}] (goal ≤ {PROFILE_GOAL_S} s)  "
        f"{_common.verdict(profile_s <= PROFILE_GOAL_S)}"
    )
    print(f"profile step inside import_file: median {step_medians.get('profile', 0.0):.2f} s")
    slowest = sorted(profiled["per_column"].items(), key=lambda item: -item[1])[:5]
    print("slowest columns: " + ", ".join(f"{name} {seconds:.2f} s" for name, seconds in slowest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
