"""Opening a workspace with many artifacts: the crash tidy-up (``core.store.upkeep``) against opening
without it, in the same run.

    python bench/bench_open.py [--artifacts 10000] [--runs 7]

The workspace holds ``--artifacts`` files at their addresses, half referred to by dataset versions (each
with a profile the size of a real 25-column one) and half by runs (records inserted directly: importing
and training thousands would take an hour), plus one real imported dataset. Ours: ``Workspace(home)`` as every command, the GUI and each worker process
open it (lists ``artifacts/``, reads the referenced SHA-256s, looks for runs left running). Baseline:
what opening did before the tidy-up, ``Store`` + ``ArtifactStore`` alone. Both are timed alternately in
one process after one warm-up each; medians are compared.

Goal (issue 19): the tidy-up adds at most 100 ms at 10,000 artifacts (it hashes nothing).
"""

from __future__ import annotations

import argparse
import hashlib
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common

ADDED_GOAL_S = 0.1
# About the size of a real 25-column profile (histograms and top values): rows this long spill onto
# overflow pages, which a scan for one column after them would have to read.
PROFILE = {"columns": [{"name": f"column {n}", "histogram": list(range(60))} for n in range(25)]}


def _build(home: Path, artifacts: int) -> None:
    from mlops_desktop.core.data import datasets
    from mlops_desktop.core.experiments import training
    from mlops_desktop.core.store.models import DatasetVersion, Experiment, Run
    from mlops_desktop.core.workspace import Workspace

    source = home.parent / "seed.csv"
    source.write_text("a,b\n1,x\n2,y\n", encoding="utf-8")
    workspace = Workspace(home)
    datasets.import_file(workspace, source, "seed")
    first = datasets.get_version(workspace, "seed")
    shas = []
    for number in range(artifacts):
        payload = f"artifact {number}".encode()
        sha = hashlib.sha256(payload).hexdigest()
        suffix = datasets.PARQUET if number % 2 == 0 else training.MODEL_SUFFIX
        path = workspace.artifacts.path_for(sha, suffix)
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(payload)
        shas.append(sha)
    with workspace.store.write() as session:
        experiment = Experiment(name="many")
        session.add(experiment)
        session.flush()
        for number, sha in enumerate(shas):
            if number % 2 == 0:
                session.add(_version(DatasetVersion, first, number, sha))
            else:
                session.add(_run(Run, experiment.id, first.id, number, sha))
    workspace.close()


def _version(model: type, first: object, number: int, sha: str) -> object:
    fields = {
        name: getattr(first, name)
        for name in ("dataset_id", "source_name", "source_sha256", "n_rows", "n_columns")
    }
    fields.update(schema=[], profile=PROFILE, import_options={}, content_hash=sha)
    return model(version=number + 2, artifact_sha256=sha, **fields)


def _run(model: type, experiment_id: int, version_id: int, number: int, sha: str) -> object:
    return model(
        id=f"{number:032x}",
        experiment_id=experiment_id,
        dataset_version_id=version_id,
        target="b",
        features=["a"],
        excluded=[],
        task="classification",
        algorithm="decision_tree",
        params={},
        seed=42,
        split={},
        status="finished",
        model_sha256=sha,
    )


def _open(home: Path) -> float:
    from mlops_desktop.core.workspace import Workspace

    started = time.perf_counter()
    workspace = Workspace(home)
    elapsed = time.perf_counter() - started
    assert workspace.removed_on_opening == []
    workspace.close()
    return elapsed


def _open_without_tidying(home: Path) -> float:
    from mlops_desktop.core.store.artifacts import ArtifactStore
    from mlops_desktop.core.store.db import Store

    started = time.perf_counter()
    ArtifactStore(home / "artifacts")
    store = Store(home / "store.db")
    elapsed = time.perf_counter() - started
    store.close()
    return elapsed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    home = _common.temp_dir("open") / "workspace"
    started = time.perf_counter()
    _build(home, args.artifacts)
    print(
        f"built a workspace with {args.artifacts:,} artifacts in {time.perf_counter() - started:.1f} s"
    )
    ours, baseline = [_open(home)], [_open_without_tidying(home)]  # warm-ups, not counted
    ours.clear(), baseline.clear()
    for _ in range(args.runs):
        ours.append(_open(home))
        baseline.append(_open_without_tidying(home))
    ours_s, baseline_s = statistics.median(ours), statistics.median(baseline)
    added = ours_s - baseline_s
    print(f"opening with the tidy-up:    {ours_s * 1000:7.1f} ms (median of {args.runs})")
    print(f"opening without it:          {baseline_s * 1000:7.1f} ms")
    print(
        f"ratio {ours_s / baseline_s:.2f}; added {added * 1000:.1f} ms (goal ≤ {ADDED_GOAL_S * 1000:.0f} ms)"
    )
    passed = added <= ADDED_GOAL_S
    print("PASS" if passed else "FAIL")
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main())
