"""How often the drift check raises a false alarm, and how often it catches a real change (issue 13).

    python bench/bench_drift_power.py [--windows 200] [--sizes 100,200,500,2000,20000]
        [--changes counts:shift,cat3:share] [--seed 2] [--jobs 1]

Seeded simulations: windows of ten input columns of the kinds real data brings and the model's
prediction, one column changed at a time (``mlops_desktop/tools/drift_simulation.py`` describes
them: a 0.3-SD ``shift``, a 1.5× ``spread``, a 20 % → 30 % ``share``).

References of 5,000, 10,000, 15,000 and 20,000 rows (a quarter of the windows each, so the figures do
not rest on one drawn reference); windows of each size in ``--sizes``; ``--windows`` windows per
cell; ``--changes`` picks the changed cells (``kind:change``, ``none`` for the quiet rows alone; all
of them when left out); the quiet rows are always measured (each changed window is paired with its
quiet one). ``--seed`` picks another family of windows (the references stay), to see how much a
figure owes to the windows drawn. ``--jobs`` processes run one window size each.

Printed per kind and window size: the share of quiet windows in which the column is flagged as
drifted; per window size, the share of quiet windows whose card would say "watch" (a drifted column
or any data-quality finding; no labels here) and "drift" (dataset drift or prediction drift); per
change, the share of windows in which the changed column is flagged. Each for **ours** (the current
``drift.check_drift``) and for the **baseline**: the rule before issue 13 (Kolmogorov–Smirnov and
chi-squared, Benjamini–Hochberg across the inputs, the prediction tested alone, Jensen–Shannon ≥ 0.1
and unconditional findings): ``drift.py`` as it stood at commit ``BASELINE_COMMIT``, read with
``git show`` and run in the same process on the same windows. Categorical columns also show the
alternative effect gate measured for the choice: the plain Jensen–Shannon distance of the pooled
table ≥ ``ALTERNATIVE_GATE`` (the column ``plain JS``) instead of ours, the distance beyond chance
≥ the configured gate.

Two rows say how much any rule could do, for the cells at their goal's edge: **told which moved**,
the best test for the change when it is told which column (and which category) moved and the
reference's true mean, standard deviation or share (a z-test of the window's mean or of that
category's share), at the level the correction across the eleven tested columns leaves the one
that moved (p < 0.05 / 11, where Benjamini–Hochberg puts the smallest p-value); and for the share
changes **gate passes**, how often the change is large enough for ours (the distance beyond chance
≥ the gate), whatever its p-value: where ours catches less than the gate passes, the test's power
is what is missing, not the gate.

Goals (issue 13): quiet flags ≤ 5 % for every kind and size; "watch" ≤ 5 % at 200 rows and ≤ 10 % at
100; "drift" from the predictions ≤ 1 %; shift ≥ 90 % and spread ≥ 90 % at 200 rows; share ≥ 90 % from
2,000 rows and ≥ 70 % at 200.
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # rates, not timings: no spinning BLAS threads

import argparse
import dataclasses
import importlib.util
import multiprocessing
import subprocess
import sys
import time
import types
from collections import defaultdict
from typing import Any

from _common import REPO
from scipy import stats

from mlops_desktop.core.monitoring import drift
from mlops_desktop.tools.drift_simulation import CATEGORICAL, NUMERIC, PREDICTION, SCHEMA, window

BASELINE_COMMIT = "bb643ab"
TOLD_LEVEL = 0.05 / 11  # the level Benjamini–Hochberg asks of the smallest of eleven p-values
ALTERNATIVE_GATE = 0.08
REFERENCE_SIZES = (5_000, 10_000, 15_000, 20_000)
CHANGES = [(kind, "shift") for kind in NUMERIC] + [(kind, "spread") for kind in NUMERIC]
CHANGES += [(kind, "share") for kind in CATEGORICAL]


def _baseline_module() -> types.ModuleType:
    """``drift.py`` as it stood before issue 13, loaded as a module of its own."""
    source = subprocess.run(
        ["git", "show", f"{BASELINE_COMMIT}:mlops_desktop/core/drift.py"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    spec = importlib.util.spec_from_loader("baseline_drift", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    exec(compile(source, "baseline_drift.py", "exec"), module.__dict__)
    return module


_REMEMBERED: dict[tuple[Any, ...], Any] = {}


def _fingerprint(series: Any) -> int:
    values = series.to_numpy()
    return hash(values.tobytes()) if values.dtype != object else hash(tuple(values.tolist()))


def _remember_columns(module: types.ModuleType) -> None:
    """Per-column comparisons remembered within one window (``_REMEMBERED`` is emptied for each):
    a changed window differs from the quiet one in one input (and maybe the prediction), so each
    change costs one column's comparison and the correction. The comparisons are deterministic
    (the permutations are seeded), so every figure is the one uncached calls give."""
    for name in ("_compare_numeric", "_compare_categorical"):
        original = getattr(module, name)

        def remembered(column: Any, series: Any, *rest: Any, _original: Any = original) -> Any:
            key = (module.__name__, _original.__name__, id(column), _fingerprint(series), rest[0])
            if key not in _REMEMBERED:
                _REMEMBERED[key] = _original(column, series, *rest)
            remembered = _REMEMBERED[key]  # a fresh report: the correction and verdict fill it
            return dataclasses.replace(remembered, report=dict(remembered.report))

        setattr(module, name, remembered)


def _verdicts(report: dict[str, Any]) -> tuple[bool, bool, set[str], set[str]]:
    """The card's "watch" (a drifted column or any finding; labels are not simulated) and
    "drift" (dataset or prediction drift) of a report; the drifted columns; and the categorical
    columns the alternative gate would flag."""
    prediction = report.get("prediction_drift") or {}
    columns = report["columns"]
    drifted = {c["name"] for c in columns if c["status"] == "drift"}
    alarm = bool(report["dataset_drift"] or prediction.get("status") == "drift")
    watch = alarm or bool(drifted) or any(c["findings"] for c in [*columns, prediction])
    alternative = {
        c["name"]
        for c in columns
        if c.get("jensen_shannon") is not None
        and c["p_adjusted"] is not None
        and c["p_adjusted"] < 0.05
        and c["jensen_shannon"] >= ALTERNATIVE_GATE
    }
    return watch, alarm, drifted, alternative


# The true parameters of the columns the "told which moved" test knows: mean and standard deviation
# for a shift, the moved category's share for a share change (drift_simulation's generators).
TRUE_MEAN_SD = {"normal": (50.0, 10.0), "counts": (2.0, 2**0.5)}
TRUE_SHARE = 0.2


def _told_which_moved(frame: Any, kind: str, change: str) -> bool | None:
    """Whether the best test for this change, told which column and category moved and the
    reference's true parameters, catches it at ``TOLD_LEVEL``; None where it is not defined."""
    if change == "shift" and kind in TRUE_MEAN_SD:
        mean, sd = TRUE_MEAN_SD[kind]
        values = frame[kind].to_numpy(dtype=float)
        z = (values.mean() - mean) / (sd / len(values) ** 0.5)
    elif change == "share":
        column = frame[kind]
        moved = column == (1.0 if kind == "yes_no" else "level 0")
        n = len(column)
        z = (moved.mean() - TRUE_SHARE) / (TRUE_SHARE * (1 - TRUE_SHARE) / n) ** 0.5
    else:
        return None
    return bool(2 * stats.norm.sf(abs(z)) < TOLD_LEVEL)


def _gate_passes(report: dict[str, Any], kind: str) -> bool:
    column = next(c for c in report["columns"] if c["name"] == kind)
    effect = column["effect"]
    return effect is not None and effect >= report["thresholds"]["categorical_effect"]


def _percent(count: int, total: int) -> str:
    return f"{100 * count / total:5.1f}" if total else "    -"


def _run_size(
    size: int, windows: int, changes: list[tuple[str, str]], family: int
) -> dict[str, dict[str, int]]:
    """The tallies of ``windows`` windows of ``size`` rows, for both rules: what was flagged,
    per rule and per what was counted."""
    baseline = _baseline_module()
    for module in (drift, baseline):
        _remember_columns(module)
    rules = {"ours": drift, "baseline": baseline}
    references = {
        name: [
            module.Reference.of(window([1, number], rows), SCHEMA, prediction=PREDICTION)
            for number, rows in enumerate(REFERENCE_SIZES)
        ]
        for name, module in rules.items()
    }
    tallies: dict[str, dict[str, int]] = {rule: defaultdict(int) for rule in rules}
    for number in range(windows):
        which = number % len(REFERENCE_SIZES)
        seed = [family, size, number]
        _REMEMBERED.clear()
        for changed in [None, *changes]:
            frame = window(seed, size, changed)
            for rule, module in rules.items():
                report = module.check_drift(references[rule][which], frame)
                watch, alarm, drifted, alternative = _verdicts(report)
                tally = tallies[rule]
                if changed is None:
                    tally["watch"] += watch
                    tally["alarm"] += alarm
                    prediction = report["prediction_drift"] or {}
                    tally["prediction"] += prediction.get("status") == "drift"
                    for kind in drifted:
                        tally[f"quiet {kind}"] += 1
                    for kind in alternative:
                        tally[f"quiet plain JS {kind}"] += 1
                else:
                    kind, change = changed
                    tally[f"{change} {kind}"] += kind in drifted
                    tally[f"{change} plain JS {kind}"] += kind in alternative
                    if change == "share":
                        tally[f"{change} gate {kind}"] += _gate_passes(report, kind)
                    told = _told_which_moved(frame, kind, change) if rule == "ours" else None
                    if told is not None:
                        tally[f"{change} told {kind}"] += told
    return {rule: dict(tally) for rule, tally in tallies.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--windows", type=int, default=200, help="windows per cell (200)")
    parser.add_argument("--sizes", default="100,200,500,2000,20000")
    parser.add_argument(
        "--changes", default="", help="kind:change cells, comma-separated (all); none: quiet only"
    )
    parser.add_argument("--seed", type=int, default=2, help="the family of windows (2)")
    parser.add_argument("--jobs", type=int, default=1, help="processes, one window size each")
    args = parser.parse_args()
    sizes = [int(size) for size in args.sizes.split(",")]
    changes = _chosen_changes(args.changes)
    started = time.perf_counter()
    with multiprocessing.Pool(args.jobs) as pool:
        results = pool.starmap(
            _run_size, [(size, args.windows, changes, args.seed) for size in sizes]
        )
    print(f"{len(sizes)} window sizes checked in {time.perf_counter() - started:.0f} s")
    counts = {
        rule: {
            size: defaultdict(int, result[rule])
            for size, result in zip(sizes, results, strict=True)
        }
        for rule in ("ours", "baseline")
    }
    _print(counts, sizes, args.windows, changes)


def _chosen_changes(text: str) -> list[tuple[str, str]]:
    if not text:
        return CHANGES
    if text == "none":
        return []
    chosen = [tuple(cell.split(":", 1)) for cell in text.split(",")]
    unknown = [cell for cell in chosen if cell not in CHANGES]
    if unknown:
        raise SystemExit(f"unknown cells {unknown}; known: {CHANGES}")
    return [(kind, change) for kind, change in chosen]


def _print(
    counts: dict[str, dict[int, Any]],
    sizes: list[int],
    windows: int,
    changes: list[tuple[str, str]],
) -> None:
    header = "".join(f" | {size:>6,} rows  " for size in sizes)
    line = "".join(" | ours  base " for _ in sizes)
    print(f"\n{windows} windows per cell; % of windows. ours = issue 13's rule, base = before it.")

    def row(title: str, key: str, rules: tuple[str, str] = ("ours", "baseline")) -> None:
        cells = "".join(
            f" | {_percent(counts[rules[0]][s][key], windows)} "
            f"{_percent(counts[rules[1]][s][key], windows)}"
            for s in sizes
        )
        print(f"{title:<28}{cells}")

    print(f"\n{'quiet windows':<28}{header}\n{'':<28}{line}")
    for kind in [*NUMERIC, *CATEGORICAL]:
        row(f"flagged: {kind}", f"quiet {kind}")
    row("card says watch", "watch")
    row("card says drift", "alarm")
    row("prediction drift", "prediction")
    for change in ("shift", "spread", "share"):
        kinds = [kind for kind, measured in changes if measured == change]
        if not kinds:
            continue
        print(f"\n{change + ' caught':<28}{header}\n{'':<28}{line}")
        for kind in kinds:
            row(kind, f"{change} {kind}")
        for kind in kinds:
            if f"{change} told {kind}" in counts["ours"][sizes[0]]:
                cells = "".join(
                    f" | {_percent(counts['ours'][s][f'{change} told {kind}'], windows)}      "
                    for s in sizes
                )
                print(f"{'  told which moved: ' + kind:<28}{cells}")
        if change == "share":
            for kind in kinds:
                row(f"  gate passes: {kind}", f"share gate {kind}")
    print(
        f"\nthe alternative gate, plain Jensen–Shannon of the pooled table >= {ALTERNATIVE_GATE}: "
        "quiet windows flagged | 20 % -> 30 % caught"
    )
    for kind in [kind for kind, change in changes if change == "share"]:
        cells = "".join(
            f" | {_percent(counts['ours'][s][f'quiet plain JS {kind}'], windows)} "
            f"{_percent(counts['ours'][s][f'share plain JS {kind}'], windows)}"
            for s in sizes
        )
        print(f"{'quiet / share ' + kind:<28}{cells}")


if __name__ == "__main__":
    sys.exit(main())
