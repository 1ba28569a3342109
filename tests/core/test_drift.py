"""Drift and data-quality statistics (issue 5), checked by seeded simulations.

Every window is drawn with a seeded numpy generator from a known distribution (the reference's, or
a shifted one), so the rates below are what the rule does on that kind of data, not on a few
hand-picked examples. The reference has 20,000 rows: the held-out fifth of a 100,000-row training
set. Unless a test says otherwise, the report has the six columns of ``_draw`` (three numeric,
one boolean, two categorical, one of them with 50 categories), so Benjamini–Hochberg adjusts over
six p-values.
"""

import json
import math
import re
import warnings
from collections import Counter
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.spatial import distance

from mlops_desktop.core.errors import Cancelled, UserError
from mlops_desktop.core.monitoring.drift import Reference, Thresholds, check_drift

REFERENCE_ROWS = 20_000
WINDOWS = [50, 100, 200, 500, 1000, 5000, 20_000]
SCHEMA = [
    {"name": "income", "type": "numeric", "required": True},
    {"name": "debt", "type": "numeric", "required": False},
    {"name": "visits", "type": "numeric", "required": True},
    {"name": "online", "type": "boolean", "required": False},
    {"name": "plan", "type": "categorical", "required": False},
    {"name": "city", "type": "categorical", "required": True},
]
PLANS = np.array(["basic", "plus", "pro", "team", "enterprise"], dtype=object)
PLAN_SHARES = np.array([0.4, 0.25, 0.15, 0.12, 0.08])
CITIES = np.array([f"city {i:02d}" for i in range(50)], dtype=object)
CITY_SHARES = 1 / np.arange(1, 51) / (1 / np.arange(1, 51)).sum()  # Zipf: a long tail of rare ones


def _draw(rng: np.random.Generator, rows: int, shift: float = 0.0) -> pd.DataFrame:
    """Rows in the form the model sees (``scoring.prepare``): ``income`` is normal with mean
    ``shift`` standard deviations, ``debt`` skewed with 10 % missing, ``visits`` a count (many
    ties), ``online`` yes/no with 5 % missing, ``plan`` 5 unequal categories with 3 % missing,
    ``city`` 50 categories with Zipf shares."""

    def gaps(values: np.ndarray[Any, Any], share: float) -> np.ndarray[Any, Any]:
        values = values.copy()
        values[rng.random(rows) < share] = np.nan
        return values

    return pd.DataFrame(
        {
            "income": rng.normal(shift, 1.0, rows),
            "debt": gaps(rng.lognormal(0.0, 0.7, rows), 0.10),
            "visits": rng.poisson(3.0, rows).astype("float64"),
            "online": gaps((rng.random(rows) < 0.3).astype("float64"), 0.05),
            # object dtype, as prepare() gives (pandas would infer its own string dtype)
            "plan": pd.Series(gaps(PLANS[rng.choice(5, rows, p=PLAN_SHARES)], 0.03), dtype=object),
            "city": pd.Series(CITIES[rng.choice(50, rows, p=CITY_SHARES)], dtype=object),
        }
    )


@pytest.fixture(scope="module")
def reference() -> Reference:
    return Reference.of(_draw(np.random.default_rng(20240501), REFERENCE_ROWS), SCHEMA)


def _column(report: dict[str, Any], name: str) -> dict[str, Any]:
    return next(c for c in report["columns"] if c["name"] == name)


# --- 1. no drift ---------------------------------------------------------------------------------


def test_windows_from_the_reference_distribution_are_flagged_at_most_7_percent(
    reference: Reference,
) -> None:
    """40 windows of each size from 50 to 20,000 rows, six columns each (1,680 column-windows).
    Per window size, the share of column-windows flagged "drift" stays within 5 % ± 2. So does
    the share that would be flagged if each column were alone in the report (its unadjusted
    p-value and effect), which checks that the tests themselves hold their 5 % (the chi-squared
    approximation with 50 categories and 100 rows included), not just Benjamini–Hochberg."""
    rng = np.random.default_rng(1)
    thresholds = Thresholds()
    alone: dict[str, list[bool]] = {c["name"]: [] for c in SCHEMA}
    for rows in WINDOWS:
        flagged, judged = 0, 0
        for _ in range(40):
            report = check_drift(reference, _draw(rng, rows))
            for column in report["columns"]:
                if rows < 100:
                    assert column["status"] == "not enough data", column
                if column["p_value"] is None:  # under 100 values (gaps in a 100-row window)
                    continue
                judged += 1
                flagged += column["status"] == "drift"
                threshold = (
                    thresholds.numeric_effect
                    if column["type"] == "numeric"
                    else thresholds.categorical_effect
                )
                alone[column["name"]].append(
                    column["p_value"] < 0.05 and column["effect"] >= threshold
                )
        assert flagged <= 0.07 * judged, (rows, flagged, judged)
    every = [hit for hits in alone.values() for hit in hits]
    assert sum(every) / len(every) <= 0.07, {n: sum(h) / len(h) for n, h in alone.items()}
    for name, hits in alone.items():  # about 240 windows per column: 5 % + 3 standard errors
        assert sum(hits) / len(hits) <= 0.05 + 3 * math.sqrt(0.05 * 0.95 / len(hits)), name


# --- 2. a shift ----------------------------------------------------------------------------------

# Issue 5 asked for >= 90 % at 200 rows; Kolmogorov–Smirnov gave 85.5 % here among six columns.
# Issue 13's Anderson–Darling test meets it with the correction across the columns in place.


def _shift_rate(schema: list[dict[str, Any]], rows: int, shift: float, windows: int) -> float:
    rng = np.random.default_rng(rows)
    reference = Reference.of(
        _draw(np.random.default_rng(7), REFERENCE_ROWS)[[c["name"] for c in schema]], schema
    )
    flagged = 0
    for _ in range(windows):
        report = check_drift(reference, _draw(rng, rows, shift))
        flagged += _column(report, "income")["status"] == "drift"
    return flagged / windows


@pytest.mark.parametrize("rows", [200, 500, 1000, 5000, 20_000])
def test_a_0_3_sd_shift_alone_in_the_report_is_flagged_in_90_percent_of_windows(
    rows: int,
) -> None:
    """A report of one column, 'income', whose mean moved by 0.3 reference standard deviations."""
    windows = 200 if rows == 200 else 40 if rows <= 1000 else 20
    assert _shift_rate(SCHEMA[:1], rows, 0.3, windows) >= 0.9


@pytest.mark.parametrize("rows", [200, 500, 1000, 5000, 20_000])
def test_a_0_3_sd_shift_among_six_columns_is_flagged_in_90_percent_of_windows(rows: int) -> None:
    """The realistic report: six columns, only 'income' shifted by 0.3 standard deviations, so
    Benjamini–Hochberg weighs its p-value against five unchanged ones."""
    windows = 200 if rows == 200 else 40 if rows <= 1000 else 20
    assert _shift_rate(SCHEMA, rows, 0.3, windows) >= 0.9


def test_a_0_05_sd_shift_in_20000_rows_is_significant_but_too_small_to_flag(
    reference: Reference,
) -> None:
    """Six-column report, 20 windows of 20,000 rows: the KS test notices the shift in most of
    them, but the Wasserstein distance is about 0.05 reference SD, under the 0.1 that counts."""
    rng = np.random.default_rng(5)
    significant = 0
    for _ in range(20):
        column = _column(check_drift(reference, _draw(rng, 20_000, 0.05)), "income")
        assert column["status"] == "ok", column
        assert 0.02 < column["effect"] < 0.1
        significant += column["p_adjusted"] < 0.05
        if column["p_adjusted"] < 0.05:
            assert "clear but small" in column["explanation"]
    assert significant >= 15


def test_a_drifted_column_explains_what_moved(reference: Reference) -> None:
    report = check_drift(reference, _draw(np.random.default_rng(3), 2000, shift=-0.5))
    income = _column(report, "income")
    assert income["status"] == "drift"
    assert re.fullmatch(
        r"The values moved: 'income' is typically 0\.[45]\d standard deviations lower than in "
        r"the reference \(p < 0\.001\)\.",
        income["explanation"],
    ), income["explanation"]
    assert report["drift_share"] == pytest.approx(1 / 6)
    assert report["dataset_drift"] is False
    assert report["summary"] == (
        "No dataset drift: 1 of 6 columns drifted (17%), below the 50% that counts."
    )


def test_the_dataset_drifts_when_the_configured_share_of_columns_drifts(
    reference: Reference,
) -> None:
    rng = np.random.default_rng(11)
    window = _draw(rng, 3000, shift=1.0)
    window["visits"] = rng.poisson(6.0, 3000).astype("float64")
    window["plan"] = PLANS[rng.choice(5, 3000, p=PLAN_SHARES[::-1])]
    report = check_drift(reference, window)
    assert [c["status"] for c in report["columns"]].count("drift") == 3
    assert report["drift_share"] == 0.5 and report["dataset_drift"] is True
    lenient = check_drift(reference, window, Thresholds(drift_share=0.6))
    assert lenient["dataset_drift"] is False
    assert _column(report, "plan")["explanation"].startswith("The mix changed: ")


def test_prediction_drift_is_reported_apart_and_not_counted_in_the_share() -> None:
    rng = np.random.default_rng(12)
    schema = SCHEMA[:2]
    frame = _draw(rng, 5000)[["income", "debt"]]
    frame["prediction"] = np.where(rng.random(5000) < 0.2, "churn", "stay").astype(object)
    reference = Reference.of(frame, schema, {"name": "prediction", "type": "categorical"})
    window = _draw(rng, 1000)[["income", "debt"]]
    window["prediction"] = np.where(rng.random(1000) < 0.6, "churn", "stay").astype(object)
    report = check_drift(reference, window)
    assert [c["name"] for c in report["columns"]] == ["income", "debt"]
    prediction = report["prediction_drift"]
    assert prediction["status"] == "drift"
    # Under the same correction as the inputs: Benjamini–Hochberg over all three p-values.
    tested = [*report["columns"], prediction]
    adjusted = stats.false_discovery_control([c["p_value"] for c in tested], method="bh")
    np.testing.assert_allclose([c["p_adjusted"] for c in tested], adjusted, rtol=1e-12)
    assert report["drift_share"] == 0.0
    assert report["summary"].endswith("; the predictions drifted.")


# --- 3. data quality and the verdicts that are not a test ----------------------------------------


def test_more_missing_values_and_a_new_category_raise_findings(reference: Reference) -> None:
    rng = np.random.default_rng(21)
    window = _draw(rng, 2000)
    window.loc[rng.random(2000) < 0.15, "debt"] = np.nan  # 10 % → about 23 % missing
    window.loc[rng.random(2000) < 0.03, "city"] = "Atlantis"  # never seen in the reference
    report = check_drift(reference, window)
    debt, city = _column(report, "debt"), _column(report, "city")
    assert [f["kind"] for f in debt["findings"]] == ["missing_change"]
    assert 0.1 < debt["missing_change"] < 0.17
    assert debt["findings"][0]["message"].startswith("'debt' is missing in 2")
    assert debt["findings"][0]["message"].endswith("in the reference.")
    assert city["new_categories"] == ["Atlantis"]
    assert [f["kind"] for f in city["findings"]] == ["new_categories"]
    assert "never seen in the reference: 'Atlantis'" in city["findings"][0]["message"]
    others = [c for c in report["columns"] if c["name"] not in ("debt", "city")]
    assert all(c["findings"] == [] for c in others), others


def test_small_quality_changes_raise_no_finding(reference: Reference) -> None:
    """A missing share 3 points higher (significant at 20,000 rows, but under 5 points) and an
    unseen category in 0.5 % of rows (under 1 %) are not findings; nor is a window from the
    reference distribution."""
    rng = np.random.default_rng(22)
    window = _draw(rng, 20_000)
    window.loc[rng.random(20_000) < 0.033, "debt"] = np.nan
    window.loc[rng.random(20_000) < 0.005, "plan"] = "legacy"
    report = check_drift(reference, window)
    assert all(c["findings"] == [] for c in report["columns"]), report["columns"]
    assert _column(report, "plan")["new_categories"] == ["legacy"]
    assert 0.02 < _column(report, "debt")["missing_change"] < 0.04


def test_values_outside_the_reference_range_raise_a_finding(reference: Reference) -> None:
    rng = np.random.default_rng(23)
    window = _draw(rng, 1000)
    window.loc[:19, "income"] = 50.0  # 2 % far above anything in the reference
    window.loc[20, "income"] = -np.inf  # an infinite value is outside too
    income = _column(check_drift(reference, window), "income")
    assert income["out_of_range_share"] == pytest.approx(0.021)
    assert [f["kind"] for f in income["findings"]] == ["out_of_range"]
    assert income["findings"][0]["message"].startswith("2.1% of the rows hold a value of 'income'")
    assert income["n_current"] == 999  # the infinite value is kept out of the test


@pytest.mark.parametrize("rows", [0, 5, 60, 99])
def test_fewer_than_100_values_is_not_enough_data(reference: Reference, rows: int) -> None:
    report = check_drift(reference, _draw(np.random.default_rng(rows), rows, shift=2.0))
    expected = "not computable" if rows == 0 else "not enough data"
    assert {c["status"] for c in report["columns"]} == {expected}
    assert report["drift_share"] == 0.0 and report["dataset_drift"] is False
    if rows:
        income = _column(report, "income")
        assert income["explanation"] == (
            f"Only {rows} values in this window; at least 100 are needed."
        )
        assert income["p_value"] is None and income["histogram"]["labels"]
    assert report["summary"] == "No column could be compared in this window."


def test_a_short_reference_is_not_enough_data_and_under_500_a_warning() -> None:
    rng = np.random.default_rng(24)
    short = Reference.of(_draw(rng, 80), SCHEMA)
    assert {c["status"] for c in check_drift(short, _draw(rng, 5000))["columns"]} == {
        "not enough data"
    }
    assert _column(check_drift(short, _draw(rng, 5000)), "city")["explanation"] == (
        "Only 80 values in the reference; at least 100 are needed."
    )
    middling = Reference.of(_draw(rng, 400), SCHEMA)
    report = check_drift(middling, _draw(rng, 5000))
    assert {c["status"] for c in report["columns"]} == {"warning"}
    assert _column(report, "income")["explanation"] == (
        "No meaningful change, but only 400 values in the reference; 500 or more give a surer "
        "answer."
    )


def test_empty_and_constant_columns_are_not_computable_never_an_error() -> None:
    rng = np.random.default_rng(25)
    schema = [
        {"name": "empty", "type": "numeric"},
        {"name": "absent", "type": "categorical"},
        {"name": "fixed", "type": "numeric"},
        {"name": "single", "type": "categorical"},
        {"name": "flag", "type": "boolean"},
        {"name": "stuck", "type": "numeric"},
        {"name": "emptied", "type": "categorical"},
    ]

    def frame(rows: int, stuck: np.ndarray[Any, Any]) -> pd.DataFrame:
        return pd.DataFrame(
            {
                "empty": np.full(rows, np.nan),
                "fixed": np.full(rows, 7.0),
                "single": np.full(rows, "only", dtype=object),
                "flag": np.ones(rows),
                "stuck": stuck,
                "emptied": PLANS[rng.integers(0, 5, rows)],
            }
        )

    reference = Reference.of(frame(3000, rng.normal(size=3000)), schema)
    window = frame(1000, np.full(1000, 0.25))
    window["emptied"] = np.nan
    report = check_drift(reference, window)
    status = {c["name"]: c["status"] for c in report["columns"]}
    assert status == {
        "empty": "not computable",
        "absent": "not computable",
        "fixed": "not computable",
        "single": "not computable",
        "flag": "not computable",
        "stuck": "drift",  # a varied reference, a constant window: compared, and it moved
        "emptied": "not computable",
    }
    kinds = {c["name"]: [f["kind"] for f in c["findings"]] for c in report["columns"]}
    assert kinds["emptied"] == ["missing_change", "empty"]
    assert kinds["stuck"] == ["constant"]  # unlikely: the reference never repeats a value
    assert kinds["fixed"] == []  # the reference held 7 in every row: a constant window is expected
    assert _column(report, "empty")["explanation"] == (
        "'empty' is empty in the reference and in this window."
    )
    assert _column(report, "fixed")["explanation"] == (
        "'fixed' holds one value only (7) in the reference and in this window; there is nothing "
        "to compare."
    )
    assert _column(report, "flag")["explanation"].startswith(
        "'flag' holds one category only ('yes')"
    )
    # A single-valued reference and a window with other values: out-of-range, not an error.
    moved = frame(1000, rng.normal(size=1000))
    moved["fixed"] = rng.normal(7.0, 1.0, 1000)
    fixed = _column(check_drift(reference, moved), "fixed")
    assert fixed["status"] == "not computable"
    assert [f["kind"] for f in fixed["findings"]] == ["out_of_range"]
    assert fixed["out_of_range_share"] == 1.0


# --- 4. the same numbers as scipy ----------------------------------------------------------------


def _two_by_k(reference: "pd.Series[Any]", current: "pd.Series[Any]") -> np.ndarray[Any, Any]:
    before, now = Counter(reference.dropna()), Counter(current.dropna())
    categories = sorted(set(before) | set(now))
    return np.array([[before[c] for c in categories], [now[c] for c in categories]])


def _pooled(table: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
    """The rule as the module's docstring states it, written out again: the categories whose
    expected count in the smaller row is under 5 become one; if that one is still under 5, it
    joins the smallest other category."""
    smaller, total = table.sum(axis=1).min(), table.sum()
    expected = table.sum(axis=0) * smaller / total
    kept, sparse = table[:, expected >= 5], table[:, expected < 5]
    if sparse.shape[1] == 0:
        return table
    rare = sparse.sum(axis=1, keepdims=True)
    if rare.sum() * smaller / total < 5:
        kept = kept.copy()
        kept[:, np.argmin(kept.sum(axis=0))] += rare[:, 0]
        return kept
    return np.hstack([kept, rare])


def _cauchy(p_values: list[float]) -> float:
    """Liu & Xie's combination by its textbook formula."""
    mean = np.mean(np.tan((0.5 - np.minimum(p_values, 0.999)) * np.pi))
    return float(0.5 - np.arctan(mean) / np.pi)


@pytest.mark.parametrize(
    ("reference_rows", "rows"),
    [(2000, 150), (2000, 1500), (2000, 2000), (20_000, 800), (20_000, 12_000)],
)
def test_p_values_and_distances_equal_scipy_on_the_same_samples(
    reference_rows: int, rows: int
) -> None:
    """Anderson–Darling's statistic is scipy's ``anderson_ksamp``; its asymptotic p-value too
    wherever scipy does not clip it to [0.001, 0.25]; the effect is the larger of scipy's
    Wasserstein distance ÷ the reference spread and its Kolmogorov–Smirnov distance. Chi-squared,
    Jensen–Shannon and PSI are scipy's on the pooled table; the p-value combines chi-squared's with
    each category's 2 × 2 test (Fisher's, mid-p; Cauchy); the effect is the distance less its chance part."""
    rng = np.random.default_rng(reference_rows + rows)
    before, now = _draw(rng, reference_rows), _draw(rng, rows, shift=0.1)
    now.loc[now.index[:5], "city"] = "new town"
    report = check_drift(Reference.of(before, SCHEMA), now)
    tested = []
    for spec in SCHEMA:
        name, column = spec["name"], _column(report, spec["name"])
        if spec["type"] == "numeric":
            a, b = before[name].dropna().to_numpy(), now[name].dropna().to_numpy()
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # scipy's "p-value capped"
                ad = stats.anderson_ksamp([a, b])
            wasserstein = stats.wasserstein_distance(a, b) / np.std(a, ddof=1)
            moved = stats.ks_2samp(a, b).statistic
            assert column["test"] == "Anderson–Darling"
            np.testing.assert_allclose(column["statistic"], ad.statistic, rtol=1e-12)
            if column["p_method"] == "asymptotic" and 0.001 < ad.pvalue < 0.25:
                np.testing.assert_allclose(column["p_value"], ad.pvalue, rtol=1e-12)
            np.testing.assert_allclose(column["wasserstein"], wasserstein, rtol=1e-12)
            np.testing.assert_allclose(column["kolmogorov_smirnov"], moved, rtol=1e-12)
            assert column["effect"] == max(column["wasserstein"], column["kolmogorov_smirnov"])
            # 'visits' (Poisson counts) repeats its values: a permutation p-value
            assert column["p_method"] == ("permutation" if name == "visits" else "asymptotic")
        else:
            table = _pooled(_two_by_k(before[name], now[name]))
            chi2 = stats.chi2_contingency(table, correction=False)
            shares = table / table.sum(axis=1, keepdims=True)
            plain = distance.jensenshannon(shares[0], shares[1], base=2)
            chance = (table.shape[1] - 1) * (1 / table[0].sum() + 1 / table[1].sum()) / 8
            effect = math.sqrt(max(plain**2 - chance / math.log(2), 0.0))
            full = _two_by_k(before[name], now[name])
            full_shares = full / full.sum(axis=1, keepdims=True)
            psi = np.sum(
                (np.maximum(full_shares[1], 1e-4) - np.maximum(full_shares[0], 1e-4))
                * np.log(np.maximum(full_shares[1], 1e-4) / np.maximum(full_shares[0], 1e-4))
            )
            assert column["test"] == "chi-squared"
            assert column["pooled_categories"] == table.shape[1]
            np.testing.assert_allclose(column["statistic"], chi2.statistic, rtol=1e-12)
            p = chi2.pvalue
            if table.shape[1] > 2:  # each category against the rest, then all together
                each = []  # Fisher's exact test, two-sided mid-p (its mid tails add up to 1)
                for r, w in table.T:
                    two_by_two = [[w, table[1].sum() - w], [r, table[0].sum() - r]]
                    at_most = stats.fisher_exact(two_by_two, alternative="less").pvalue
                    at_least = stats.fisher_exact(two_by_two, alternative="greater").pvalue
                    each.append(1 - abs(at_most - at_least))
                p = _cauchy([p, _cauchy(each)])
            np.testing.assert_allclose(column["p_value"], p, rtol=1e-9)
            np.testing.assert_allclose(column["jensen_shannon"], plain, rtol=1e-12)
            np.testing.assert_allclose(column["effect"], effect, rtol=1e-12, atol=1e-15)
            np.testing.assert_allclose(column["psi"], psi, rtol=1e-12)
        tested.append(column)
    adjusted = stats.false_discovery_control([c["p_value"] for c in tested], method="bh")
    np.testing.assert_allclose([c["p_adjusted"] for c in tested], adjusted, rtol=1e-12)
    missing = _column(report, "debt")["missing_change"]
    assert missing == pytest.approx(now["debt"].isna().mean() - before["debt"].isna().mean())
    if rows <= 800:  # the rare cities (and the new town) were pooled
        assert _column(report, "city")["pooled_categories"] < 40


# --- 5. always JSON ------------------------------------------------------------------------------


def _plain(value: Any) -> bool:
    """Only what ``json`` writes without help: no numpy scalars, no tuples."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    return value is None or type(value) in (bool, int, float, str)


def _odd_frames() -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    rng = np.random.default_rng(31)
    usual = _draw(rng, 600)
    infinite = _draw(rng, 600)
    infinite.loc[::3, "income"] = np.inf
    infinite.loc[1::3, "debt"] = -np.inf
    all_infinite = _draw(rng, 600)
    all_infinite["income"] = np.inf
    all_nan = _draw(rng, 600)
    all_nan[:] = np.nan
    huge = _draw(rng, 600)
    huge["income"] = rng.choice([-1.7e308, 1.7e308], 600)
    wrong_types = _draw(rng, 600).astype(object)
    wrong_types.loc[::2, "income"] = "n/a"
    wrong_types.loc[::3, "plan"] = 4
    wrong_types.loc[::5, "city"] = None
    return {
        "empty reference": (usual.iloc[:0], usual),
        "empty window": (usual, usual.iloc[:0]),
        "window without columns": (usual, pd.DataFrame()),
        "both empty": (pd.DataFrame(), pd.DataFrame()),
        "all missing": (all_nan, all_nan),
        "all missing reference": (all_nan, usual),
        "infinite values": (infinite, infinite),
        "only infinite values": (usual, all_infinite),
        "infinite reference": (all_infinite, usual),
        "huge values": (huge, usual),
        "wrong types": (wrong_types, usual),
    }


@pytest.mark.parametrize("case", list(_odd_frames()))
def test_the_report_is_plain_json_whatever_the_input(case: str) -> None:
    before, now = _odd_frames()[case]
    prediction = {"name": "income", "type": "numeric"}
    report = check_drift(Reference.of(before, SCHEMA, prediction), now)
    json.dumps(report, allow_nan=False)
    assert _plain(report)
    for column in [*report["columns"], report["prediction_drift"]]:
        assert column["status"] in {"ok", "drift", "warning", "not enough data", "not computable"}
        assert column["explanation"].endswith(".")
        histogram = column["histogram"]
        assert len(histogram["labels"]) == len(histogram["reference"]) == len(histogram["current"])


def test_histograms_hold_shares_for_both_sides(reference: Reference) -> None:
    report = check_drift(reference, _draw(np.random.default_rng(41), 3000))
    income, city, online = (_column(report, n)["histogram"] for n in ("income", "city", "online"))
    assert len(income["labels"]) == 22  # 20 equal bins over the 1st–99th percentile, below, above
    assert income["labels"][0].startswith("below ") and income["labels"][-1].startswith("above ")
    assert len(income["edges"]) == 21
    assert len(city["labels"]) == 21 and city["labels"][-1] == "other"
    assert online["labels"] == ["no", "yes"]
    for histogram in (income, city, online):
        assert sum(histogram["reference"]) == pytest.approx(1.0)
        assert sum(histogram["current"]) == pytest.approx(1.0)


# --- 6. cancel and progress ----------------------------------------------------------------------


def test_cancel_stops_between_columns(reference: Reference) -> None:
    window = _draw(np.random.default_rng(51), 1000)
    with pytest.raises(Cancelled):
        check_drift(reference, window, cancel=lambda: True)
    asked: list[int] = []

    def cancel_at_the_third_column() -> bool:
        asked.append(1)
        return len(asked) >= 4

    reports: list[tuple[float, str]] = []
    with pytest.raises(Cancelled):
        check_drift(
            reference,
            window,
            progress=lambda f, t: reports.append((f, t)),
            cancel=cancel_at_the_third_column,
        )
    assert [t for _, t in reports] == ["Comparing 'income'", "Comparing 'debt'"]


def test_progress_is_reported_per_column(reference: Reference) -> None:
    reports: list[tuple[float, str]] = []
    check_drift(
        reference,
        _draw(np.random.default_rng(52), 500),
        progress=lambda f, t: reports.append((f, t)),
    )
    assert [t for _, t in reports] == [f"Comparing '{c['name']}'" for c in SCHEMA] + [
        "Drift checked"
    ]
    fractions = [f for f, _ in reports]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0


# --- thresholds ----------------------------------------------------------------------------------


def test_thresholds_round_trip_through_a_dict_and_refuse_wrong_types() -> None:
    assert Thresholds.from_dict(Thresholds().as_dict()) == Thresholds()
    assert Thresholds.from_dict({"p_value": 0.01, "min_rows": 50, "colour": "red"}) == Thresholds(
        p_value=0.01, min_rows=50
    )
    assert Thresholds().as_dict()["warn_rows"] == 500
    assert Thresholds.from_dict({"numeric_effect": 1.5}).numeric_effect == 1.5
    for bad in (
        {"p_value": "0.05"},
        {"p_value": 1.5},
        {"categorical_effect": 1.5},
        {"drift_share": -0.1},
        {"numeric_effect": float("nan")},
        {"min_rows": 10.5},
        {"min_rows": True},
        {"warn_rows": 50},
    ):
        with pytest.raises(UserError) as refused:
            Thresholds.from_dict(bad)
        assert str(refused.value).endswith(".") and "\n" not in str(refused.value)


def test_text_columns_read_the_same_in_pandas_string_dtype(reference: Reference) -> None:
    """prepare() gives object columns; a frame built by pandas itself may hold its str dtype."""
    window = _draw(np.random.default_rng(61), 800, shift=0.2)
    as_strings = window.astype({"plan": "str", "city": "str"})
    assert as_strings["plan"].dtype != object
    assert check_drift(reference, as_strings) == check_drift(reference, window)
