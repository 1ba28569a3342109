"""Drift you can trust on dirty data (issue 13), at fixed seeds.

Windows come from ``tools/drift_simulation.py``: ten input columns of the kinds real data brings
(normal, lognormal, Poisson counts with heavy ties, a bimodal mixture, gamma with 30 % gaps, a column
that is 0 in 99 % of rows, a boolean, categoricals with 3, 30 and 200 levels) and a prediction, one
column changed at a time. ``bench/bench_drift_power.py`` runs the same simulations with 200 windows
a cell at five window sizes and prints today's rule beside the one before; these tests hold the
rule to the issue's goals on fewer windows, with a margin of three standard errors where a rate
must stay low.
"""

import math
import warnings
from typing import Any

import numpy as np
import pandas as pd
import pytest

from mlops_desktop.core.monitoring import two_sample
from mlops_desktop.core.monitoring.drift import DEFAULT_THRESHOLDS, Reference, check_drift
from mlops_desktop.tools.drift_simulation import CATEGORICAL, NUMERIC, PREDICTION, SCHEMA, window

REFERENCE_ROWS = 5_000


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference.of(window([1, 0], REFERENCE_ROWS), SCHEMA, prediction=PREDICTION)


def _column(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in report["columns"] if c["name"] == name)


def _at_most(count: int, total: int, rate: float) -> bool:
    """``count`` of ``total`` is within ``rate`` plus three standard errors."""
    return count / total <= rate + 3 * math.sqrt(rate * (1 - rate) / total)


def _watch(report: dict[str, Any]) -> bool:
    """What the card would say "watch" for (``monitoring``'s status, without labels)."""
    columns = [*report["columns"], report["prediction_drift"]]
    return any(c["status"] == "drift" or c["findings"] for c in columns)


@pytest.mark.parametrize(("rows", "windows", "watch_rate"), [(100, 120, 0.10), (200, 120, 0.05)])
def test_quiet_windows_flag_few_columns_and_rarely_say_watch_or_drift(
    reference: Reference, rows: int, windows: int, watch_rate: float
) -> None:
    """Windows drawn like the reference: each kind of column is flagged in at most 5 % of them
    (ties, gaps and a 200-level column included), the card says "watch" in at most 10 % of
    100-row and 5 % of 200-row windows, and "drift" from the predictions in at most 1 %."""
    flagged = dict.fromkeys([*NUMERIC, *CATEGORICAL], 0)
    watched = alarms = 0
    for number in range(windows):
        report = check_drift(reference, window([2, rows, number], rows))
        for column in report["columns"]:
            flagged[column["name"]] += column["status"] == "drift"
        watched += _watch(report)
        alarms += report["prediction_drift"]["status"] == "drift" or report["dataset_drift"]
    assert all(_at_most(count, windows, 0.05) for count in flagged.values()), flagged
    assert _at_most(watched, windows, watch_rate), watched
    assert _at_most(alarms, windows, 0.01), alarms


@pytest.mark.parametrize("change", ["shift", "spread"])
def test_a_numeric_change_in_one_of_ten_columns_is_caught_in_90_percent_of_200_row_windows(
    reference: Reference, change: str
) -> None:
    """A 0.3-SD shift, or 1.5 times the spread, in 'normal' while the other nine columns (and the
    prediction) are quiet: Benjamini–Hochberg weighs its p-value against ten others."""
    caught = sum(
        _column(check_drift(reference, window([3, n], 200, ("normal", change))), "normal")["status"]
        == "drift"
        for n in range(120)
    )
    assert caught >= 0.9 * 120, caught


@pytest.mark.parametrize(("kind", "caught_at_200"), [("yes_no", 0.6), ("cat3", 0.45)])
def test_a_category_going_from_20_to_30_percent_is_large_enough_and_caught_from_2000_rows(
    reference: Reference, kind: str, caught_at_200: float
) -> None:
    """Its Jensen–Shannon distance is 0.098: under the 0.1 of before, which caught it in about
    half the windows whatever their size; the gate is now 0.07 on the distance beyond chance. It
    lets the change through in at least 70 % of 200-row windows and the whole rule catches it in
    at least 90 % from 2,000 rows. At 200 rows the test's power decides how many are caught: the
    bench measures 70 % (yes/no) and 59 % (3 categories) over 2,000 windows, about what a test
    told which category moved catches (68-72 %); below ``caught_at_200`` here is a loss."""
    windows = 40
    small = [
        _column(check_drift(reference, window([4, 200, n], 200, (kind, "share"))), kind)
        for n in range(windows)
    ]
    large = [
        _column(check_drift(reference, window([4, 2000, n], 2000, (kind, "share"))), kind)
        for n in range(windows)
    ]
    gate = DEFAULT_THRESHOLDS.categorical_effect
    assert sum(c["effect"] >= gate for c in small) >= 0.7 * windows
    assert sum(c["status"] == "drift" for c in small) >= caught_at_200 * windows
    assert sum(c["status"] == "drift" for c in large) >= 0.9 * windows


def test_chi_squared_holds_its_level_on_200_categories_in_100_row_windows() -> None:
    """Before pooling, p < 0.05 in 16.5 % of quiet 100-row windows of a 200-level column; with
    the sparse levels pooled, in at most 5 %."""
    schema = [{"name": "cat200", "type": "categorical"}]
    reference = Reference.of(window([1, 1], REFERENCE_ROWS)[["cat200"]], schema)
    windows = 200
    significant = sum(
        check_drift(reference, window([5, n], 100)[["cat200"]])["columns"][0]["p_value"] < 0.05
        for n in range(windows)
    )
    assert _at_most(significant, windows, 0.05), significant


def test_each_category_s_share_test_holds_its_level_where_it_is_expected_five_times() -> None:
    """Forty categories expected five times each in a 200-row window: the normal approximation of
    the two-proportion test gives p < 0.001 for 0.2 % of them; Fisher's exact test (mid-p), which
    ``chi_squared`` combines, for at most 0.1 % plus three standard errors."""
    rng = np.random.default_rng(5)
    reference = np.full(40, 125, dtype=np.int64)  # 5,000 rows
    p_values = np.concatenate(
        [
            two_sample.category_p_values(reference, rng.multinomial(200, np.full(40, 1 / 40)))
            for _ in range(500)
        ]
    )
    assert _at_most(int(np.sum(p_values < 0.001)), len(p_values), 0.001)
    assert np.all((p_values > 0) & (p_values <= 1))


@pytest.mark.parametrize("kind", ["counts", "mostly_zero"])
def test_tied_values_get_permutation_p_values_that_hold_their_level(kind: str) -> None:
    schema = [{"name": kind, "type": "numeric"}]
    reference = Reference.of(window([1, 2], REFERENCE_ROWS)[[kind]], schema)
    windows = 150
    reports = [check_drift(reference, window([6, n], 200)[[kind]]) for n in range(windows)]
    columns = [report["columns"][0] for report in reports]
    tested = [c for c in columns if c["p_value"] is not None]
    assert {c["p_method"] for c in tested} == {"permutation"}
    significant = sum(c["p_value"] < 0.05 for c in tested)
    assert _at_most(significant, len(tested), 0.05), significant


def test_the_permutation_p_value_is_the_share_of_relabellings_at_least_as_extreme() -> None:
    """On tied data, relabelling the pooled values by hand (seeded, the module's count) and
    recomputing scipy's statistic gives the same p-value as the module's vectorised relabelling,
    up to the chance of the two random draws (three standard errors of 2,000 draws)."""
    from scipy import stats

    rng = np.random.default_rng(7)
    before = np.sort(rng.poisson(2.0, 300).astype(float))
    after = np.sort(rng.poisson(2.35, 80).astype(float))
    statistic, p, method = two_sample.anderson_darling(before, after)
    assert method == "permutation"
    pooled = np.concatenate([before, after])
    extreme = 0
    draws = 400
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # scipy's capped p-values, unused here
        for _ in range(draws):
            shuffled = rng.permutation(pooled)
            result = stats.anderson_ksamp([shuffled[: len(before)], shuffled[len(before) :]])
            extreme += result.statistic >= statistic - 1e-9
    by_hand = (1 + extreme) / (draws + 1)
    assert abs(p - by_hand) <= 3 * math.sqrt(max(p * (1 - p), 1e-4) / draws), (p, by_hand)


# --- findings only for what the reference makes unlikely ----------------------------------------


def _one_column(values: Any, kind: str = "numeric") -> pd.DataFrame:
    return pd.DataFrame({"x": pd.Series(values, dtype=object if kind != "numeric" else float)})


def test_a_constant_window_is_a_finding_only_when_the_reference_makes_it_unlikely() -> None:
    rng = np.random.default_rng(8)
    schema = [{"name": "x", "type": "numeric"}]
    mostly_zero = Reference.of(
        _one_column(np.where(rng.random(5000) < 0.99, 0.0, 1.0 + rng.random(5000))), schema
    )
    # 0.99^100 = 37 %: an all-zero 100-row window is ordinary; 0.99^2000 is not.
    for rows, expected in [(100, []), (2000, ["constant"])]:
        kinds = [
            f["kind"]
            for f in check_drift(mostly_zero, _one_column(np.zeros(rows)))["columns"][0]["findings"]
        ]
        assert kinds == expected, rows
    varied = Reference.of(_one_column(rng.normal(size=5000)), schema)
    kinds = [
        f["kind"]
        for f in check_drift(varied, _one_column(np.full(150, 0.2)))["columns"][0]["findings"]
    ]
    assert kinds == ["constant"]


def test_values_outside_the_range_and_new_categories_are_findings_only_beyond_chance() -> None:
    rng = np.random.default_rng(9)
    numbers = Reference.of(_one_column(rng.normal(size=200)), [{"name": "x", "type": "numeric"}])
    # A 200-row reference: a new value falls outside its range with chance 2/201 = 1 %. In a
    # 1,000-row window 1.2 % outside is within chance (it was a finding before); 4 % is not.
    for outside, expected in [(12, []), (40, ["out_of_range"])]:
        values = rng.normal(size=1000).clip(-1, 1)
        values[:outside] = 10.0
        kinds = [
            f["kind"] for f in check_drift(numbers, _one_column(values))["columns"][0]["findings"]
        ]
        assert kinds == expected, outside
    # A long tail of categories seen once: unseen ones are expected now and then.
    labels = np.array([f"c{i}" for i in rng.zipf(1.6, 3000)], dtype=object)
    categories = Reference.of(
        _one_column(labels, "categorical"), [{"name": "x", "type": "categorical"}]
    )
    seen_once = sum(1 for count in pd.Series(labels).value_counts() if count == 1) / 3001
    window_labels = labels[rng.integers(0, 3000, 300)].copy()
    ordinary = round(300 * seen_once)  # as many unseen as the reference's singletons predict
    window_labels[:ordinary] = [f"new {i}" for i in range(ordinary)]
    report = check_drift(categories, _one_column(window_labels, "categorical"))
    assert "new_categories" not in [f["kind"] for f in report["columns"][0]["findings"]]
    window_labels[: 4 * ordinary + 10] = "brand new"
    report = check_drift(categories, _one_column(window_labels, "categorical"))
    assert "new_categories" in [f["kind"] for f in report["columns"][0]["findings"]]


# --- the shortfalls left by the first pass (issue 13, second session) ---------------------------


def test_a_shift_in_counts_with_heavy_ties_is_caught_in_most_200_row_windows(
    reference: Reference,
) -> None:
    """Poisson(2) counts moving by 0.3 standard deviations while nine columns and the prediction
    stay quiet. At the level Benjamini–Hochberg asks of one column in eleven even the z-test of
    the mean, which knows the change is a shift, catches it in about 83 % of windows (its mean
    moves 3.8 standard errors). Anderson–Darling's p-value alone is below 0.05 / 11 in 39 of
    these 60 windows; with the window's mean beside it (the smaller p-value, calibrated by the
    same relabellings) in 43, and the column is flagged in at least 75 %."""
    windows = 60
    caught = sum(
        _column(check_drift(reference, window([3, n], 200, ("counts", "shift"))), "counts")[
            "status"
        ]
        == "drift"
        for n in range(windows)
    )
    assert caught >= 0.75 * windows, caught


def test_the_smaller_of_two_relabelled_p_values_holds_its_level() -> None:
    """Counts drawn alike on both sides: the combined permutation p-value is below 0.05 in at most
    5 % of pairs (plus three standard errors) and below 0.01 in at most 1 %."""
    rng = np.random.default_rng(11)
    pairs = 300
    p_values = [
        two_sample.anderson_darling(
            np.sort(rng.poisson(2.0, 2000).astype(float)),
            np.sort(rng.poisson(2.0, 150).astype(float)),
        )[1]
        for _ in range(pairs)
    ]
    assert _at_most(sum(p < 0.05 for p in p_values), pairs, 0.05)
    assert _at_most(sum(p < 0.01 for p in p_values), pairs, 0.01)


@pytest.mark.parametrize("rows", [2000, 20_000])
def test_spreading_a_mostly_zero_column_is_a_large_change(rows: int) -> None:
    """×1.5 the spread of a column that is 0 in 99 % of rows moves every 0 to about −0.015: the
    Wasserstein distance stays near 0.09 standard deviations (under the 0.1 gate, so it was caught
    in about half the windows), but nearly every row crossed a value (the Kolmogorov–Smirnov
    distance is near 1). Quiet windows of the same column stay quiet."""
    schema = [{"name": "mostly_zero", "type": "numeric"}]
    reference = Reference.of(window([1, 3], 20_000)[["mostly_zero"]], schema)
    under_the_gate = 0
    for n in range(6):
        spread = check_drift(reference, window([7, rows, n], rows, ("mostly_zero", "spread")))
        column = spread["columns"][0]
        assert column["status"] == "drift", column["explanation"]
        assert column["effect"] == column["kolmogorov_smirnov"] > 0.9
        assert (
            "spread changed" in column["explanation"]
            or "moved past a point" in column["explanation"]
        )
        under_the_gate += column["wasserstein"] < 0.1
        quiet = check_drift(reference, window([7, rows, n], rows))["columns"][0]
        assert quiet["status"] != "drift"
        assert quiet["kolmogorov_smirnov"] < 0.05
    assert under_the_gate >= 2  # windows the Wasserstein gate alone let pass as small


@pytest.mark.parametrize("kind", ["cat30", "cat200"])
def test_one_category_s_share_moving_is_caught_more_often_than_by_chi_squared_alone(
    reference: Reference, kind: str
) -> None:
    """With 30 or 200 categories, chi-squared spreads its power over many degrees of freedom;
    each category's own share test (combined with it) catches a 20 % → 30 % share in 500 rows at
    the level Benjamini–Hochberg asks of one column in eleven (0.05 / 11) more often (measured
    over 600 windows: 90 % against 66 % with 30 categories, 92 % against 78 % with 200; at 200
    rows the exact share tests gain less, 42 % against 32 % and 45 % against 39 %)."""
    from scipy import stats

    windows, level = 60, 0.05 / 11
    ours = alone = 0
    for n in range(windows):
        frame = window([4, 500, n], 500, (kind, "share"))
        column = _column(check_drift(reference, frame), kind)
        ours += column["p_value"] < level
        alone += stats.chi2.sf(column["statistic"], column["pooled_categories"] - 1) < level
    assert ours >= alone + 0.1 * windows, (ours, alone)


def test_quiet_windows_raise_findings_in_at_most_a_tenth_of_the_level(
    reference: Reference,
) -> None:
    """Findings get a tenth of the window's error budget (``FINDINGS_BUDGET``), so "watch" on a
    quiet window comes from a flagged column (at most the 5 % of Benjamini–Hochberg) and hardly
    ever from a finding: at most 0.5 % of quiet 100-row windows (plus three standard errors)."""
    windows = 60
    with_findings = 0
    for n in range(windows):
        report = check_drift(reference, window([2, 100, n], 100))
        with_findings += any(
            c["findings"] for c in [*report["columns"], report["prediction_drift"]]
        )
    assert _at_most(with_findings, windows, 0.005), with_findings
