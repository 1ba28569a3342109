"""Seeded windows of model inputs with the column kinds real data brings, for measuring the drift
check (``bench/bench_drift_power.py`` and the tests of ``core/monitoring/drift.py``).

Ten input columns and the model's prediction:

- ``normal`` N(50, 10); ``lognormal`` exp N(0, 0.75); ``counts`` Poisson(2), heavy ties;
  ``bimodal`` an even mixture of N(-2, 1) and N(2, 1); ``gamma_gaps`` Gamma(2, 3) with 30 % missing;
  ``mostly_zero`` 0 in 99 % of rows, else exp N(1, 0.5);
- ``yes_no`` a boolean, yes in 20 % of rows; ``cat3``, ``cat30`` and ``cat200`` categorical columns
  with 3, 30 and 200 levels, one level at 20 % and the others Zipf-like (1/rank);
- ``prediction``, "approve" or "decline", from ``normal`` and ``bimodal`` plus noise.

One column can change, drawn from the same seed as its quiet version (so the two are paired):

- ``shift``: the mean moves by 0.3 standard deviations (``counts``: Poisson(2 + 0.3·√2), still
  whole numbers);
- ``spread``: 1.5 times the standard deviation, the same mean (``counts``: a negative binomial with
  mean 2 and variance 4.5);
- ``share``: the 20 % level (yes, for ``yes_no``) becomes 30 %, the others shrink in proportion.
"""

import math
from typing import Any

import numpy as np
import pandas as pd

NUMERIC = ("normal", "lognormal", "counts", "bimodal", "gamma_gaps", "mostly_zero")
CATEGORICAL = {"yes_no": 2, "cat3": 3, "cat30": 30, "cat200": 200}
SCHEMA = [{"name": k, "type": "numeric"} for k in NUMERIC] + [
    {"name": k, "type": "boolean" if k == "yes_no" else "categorical"} for k in CATEGORICAL
]
PREDICTION = {"name": "prediction", "type": "categorical", "said": "the predictions"}


def _spread(values: np.ndarray[Any, Any], mean: float) -> np.ndarray[Any, Any]:
    return mean + 1.5 * (values - mean)


def _numeric(kind: str, rng: np.random.Generator, rows: int, change: str | None) -> Any:
    if kind == "normal":
        values = rng.normal(50, 10, rows)
        mean, sd = 50.0, 10.0
    elif kind == "lognormal":
        values = np.exp(rng.normal(0, 0.75, rows))
        mean = math.exp(0.75**2 / 2)
        sd = math.sqrt((math.exp(0.75**2) - 1) * math.exp(0.75**2))
    elif kind == "counts":
        if change == "shift":
            return rng.poisson(2 + 0.3 * math.sqrt(2), rows).astype(float)
        if change == "spread":  # mean r(1-p)/p = 2, variance 2/p = 4.5
            return rng.negative_binomial(1.6, 4 / 9, rows).astype(float)
        return rng.poisson(2, rows).astype(float)
    elif kind == "bimodal":
        values = np.where(rng.random(rows) < 0.5, -2.0, 2.0) + rng.normal(0, 1, rows)
        mean, sd = 0.0, math.sqrt(5)
    elif kind == "gamma_gaps":
        values = rng.gamma(2, 3, rows)
        mean, sd = 6.0, math.sqrt(2) * 3
        gaps = rng.random(rows) < 0.3
        values = _changed(values, change, mean, sd)
        values[gaps] = np.nan
        return values
    else:  # mostly_zero: 0 in 99 % of rows
        nonzero = rng.random(rows) < 0.01
        values = np.where(nonzero, np.exp(rng.normal(1, 0.5, rows)), 0.0)
        second = math.exp(2 + 2 * 0.5**2) * 0.01
        mean = math.exp(1 + 0.5**2 / 2) * 0.01
        sd = math.sqrt(second - mean**2)
    return _changed(values, change, mean, sd)


def _changed(values: Any, change: str | None, mean: float, sd: float) -> Any:
    if change == "shift":
        return values + 0.3 * sd
    if change == "spread":
        return _spread(values, mean)
    return values


def _categorical(kind: str, rng: np.random.Generator, rows: int, change: str | None) -> Any:
    levels = CATEGORICAL[kind]
    moving = 0.3 if change == "share" else 0.2
    rest = 1.0 / np.arange(1, levels)  # Zipf-like shares of the other levels
    shares = np.concatenate([[moving], (1 - moving) * rest / rest.sum()])
    drawn = rng.choice(levels, size=rows, p=shares)
    if kind == "yes_no":
        return (drawn == 0).astype(float)  # yes = the 20 % level
    # object dtype, as scoring.prepare gives (pandas would infer its own string dtype)
    return pd.Series(
        np.array([f"level {i}" for i in range(levels)], dtype=object)[drawn], dtype=object
    )


def _column(kind: str, seed: list[int], rows: int, change: str | None) -> Any:
    rng = np.random.default_rng(seed)
    if kind in CATEGORICAL:
        return _categorical(kind, rng, rows, change)
    return _numeric(kind, rng, rows, change)


def window(seed: list[int], rows: int, changed: tuple[str, str] | None = None) -> pd.DataFrame:
    columns = {}
    for number, spec in enumerate(SCHEMA):
        kind = spec["name"]
        change = changed[1] if changed and changed[0] == kind else None
        columns[kind] = _column(kind, [*seed, number], rows, change)
    frame = pd.DataFrame(columns)
    noise = np.random.default_rng([*seed, 99]).normal(0, 1, rows)
    score = (frame["normal"] - 50) / 10 + 0.5 * frame["bimodal"] / math.sqrt(5) + noise
    frame["prediction"] = pd.Series(
        np.where(score > 0.95, "approve", "decline").astype(object), dtype=object
    )
    return frame
