"""Preparing a 1,000,000-row dataset with a five-step recipe, against the same pandas written by hand.

    python bench/bench_preparation.py [--rows N] [--runs 3]

Data (seeded, in memory): N rows × 6 columns as a stored version gives them — ``income`` (numbers,
8 % missing), ``debt`` (numbers, 1 % zeros), ``age`` (whole numbers), ``region`` (text labels, 12
categories, 3 of them rare), ``member`` (yes/no), ``note`` (free text); 2 % of the rows repeat an
earlier row.

Recipe (five steps): drop duplicate rows; fill missing ``income`` with its median; ``debt_ratio`` =
debt ÷ income; group ``region`` categories under 1 % as "other"; ``age`` in 5 ranges.

- ours: ``preparation.run(frame, schema, preparation.parse(recipe, schema))`` — what
  ``recipes.prepare`` runs between loading the version and storing the result: checking the
  recipe, the stored-form pass, fitting and applying each step, and tracking which input row
  each output row came from (which the model's lineage needs).
- baseline: the same five operations in plain pandas, the way an analyst writes them:
  ``drop_duplicates()``, ``fillna(median())``, a division with zeros masked, ``value_counts`` +
  ``isin`` + ``where``, and ``pd.qcut(…, duplicates="drop")``.

Both run in this process, alternating, ``--runs`` times each; medians are compared. The two results
must hold the same rows and values (the ranges' labels differ in wording only, so ``age`` is
compared by range number). For information, the whole ``recipes.prepare`` (load, run, profile,
hash, write Parquet, record) is timed once on a workspace in a temporary folder.

Goal (issue 6): our_time / baseline_time ≤ 1.5.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _common
import numpy as np
import pandas as pd

from mlops_desktop.core.data import preparation

GOAL = 1.5
SEED = 20241129
RECIPE = [
    {"op": "drop_duplicates"},
    {"op": "fill_missing", "column": "income", "strategy": "median"},
    {"op": "ratio", "numerator": "debt", "denominator": "income", "to": "debt_ratio"},
    {"op": "group_rare", "column": "region", "min_share": 0.01},
    {"op": "bin", "column": "age", "bins": 5},
]
SCHEMA = [
    {"name": "income", "type": "numeric"},
    {"name": "debt", "type": "numeric"},
    {"name": "age", "type": "numeric"},
    {"name": "region", "type": "categorical"},
    {"name": "member", "type": "boolean"},
    {"name": "note", "type": "text"},
]


def make_frame(rows: int) -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    unique = rows - rows // 50
    income = rng.normal(50_000, 15_000, unique).round(0)
    income[rng.random(unique) < 0.08] = np.nan
    debt = rng.gamma(2, 5_000, unique).round(0)
    debt[rng.random(unique) < 0.01] = 0
    regions = [f"region {i}" for i in range(9)] + ["isle a", "isle b", "isle c"]
    shares = np.array([0.12] * 9 + [0.004, 0.003, 0.001])
    frame = pd.DataFrame(
        {
            "income": income,
            "debt": debt,
            "age": rng.integers(18, 90, unique),
            "region": np.asarray(regions, dtype=object)[
                rng.choice(len(regions), unique, p=shares / shares.sum())
            ],
            "member": rng.random(unique) < 0.4,
            "note": np.char.add("note ", rng.integers(0, 10**9, unique).astype(str)).astype(object),
        }
    )
    repeats = frame.iloc[rng.integers(0, unique, rows - unique)]
    return pd.concat([frame, repeats], ignore_index=True)


def ours(frame: pd.DataFrame) -> pd.DataFrame:
    return preparation.run(frame, SCHEMA, preparation.parse(RECIPE, SCHEMA)).frame


def by_hand(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.drop_duplicates().reset_index(drop=True)
    frame["income"] = frame["income"].fillna(frame["income"].median())
    frame["debt_ratio"] = frame["debt"] / frame["income"].where(frame["income"] != 0)
    shares = frame["region"].value_counts(normalize=True)
    common = shares[shares >= 0.01].index
    frame["region"] = frame["region"].where(
        frame["region"].isin(common) | frame["region"].isna(), "other"
    )
    frame["age"] = pd.qcut(frame["age"], 5, duplicates="drop")
    return frame


def same_result(mine: pd.DataFrame, theirs: pd.DataFrame) -> bool:
    columns = ["income", "debt", "debt_ratio", "region", "member", "note"]
    if len(mine) != len(theirs):
        return False
    if not mine[columns].astype(object).equals(theirs[columns].astype(object)):
        return False
    # The ranges: the same row in the same range, counted in order.
    order = {label: i for i, label in enumerate(sorted(mine["age"].unique(), key=_range_start))}
    return bool((mine["age"].map(order).to_numpy() == theirs["age"].cat.codes.to_numpy()).all())


def _range_start(label: str) -> float:
    if label.startswith("≤"):
        return -np.inf
    return float(label.removeprefix("> ").split(" – ")[0])


def whole_prepare(frame: pd.DataFrame) -> float:
    import pyarrow as pa

    from mlops_desktop.core.data import datasets, recipes
    from mlops_desktop.core.workspace import Workspace

    folder = _common.temp_dir("prepare")
    workspace = Workspace(folder / "workspace")
    table = pa.Table.from_pandas(frame, preserve_index=False)
    source = datasets.Source(name="bench", sha256="0" * 64, options={"format": "bench"})
    datasets.store_version(workspace, "bench", table, SCHEMA, source)
    start = time.perf_counter()
    recipes.prepare(workspace, "bench", RECIPE)
    seconds = time.perf_counter() - start
    workspace.close()
    return seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=_common.DEFAULT_ROWS)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    frame = make_frame(args.rows)
    print(f"{len(frame):,} rows × {len(frame.columns)} columns, recipe of {len(RECIPE)} steps")
    assert same_result(ours(frame), by_hand(frame.copy())), "the two results differ"
    times: dict[str, list[float]] = {"ours": [], "baseline": []}
    for run in range(args.runs):
        for side in ("ours", "baseline") if run % 2 == 0 else ("baseline", "ours"):
            work = frame.copy()
            start = time.perf_counter()
            ours(work) if side == "ours" else by_hand(work)
            times[side].append(time.perf_counter() - start)
    mine, theirs = statistics.median(times["ours"]), statistics.median(times["baseline"])
    ratio = mine / theirs
    print(
        f"ours (preparation.run): {mine:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in times['ours'])})"
    )
    print(
        f"baseline (pandas by hand): {theirs:.3f} s  (runs: {', '.join(f'{t:.3f}' for t in times['baseline'])})"
    )
    print(
        f"ratio ours / baseline: {ratio:.2f}  (goal ≤ {GOAL}) — {'PASS' if ratio <= GOAL else 'FAIL'}"
    )
    print(
        f"for information: the whole recipes.prepare, storing included: {whole_prepare(frame):.2f} s"
    )
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
