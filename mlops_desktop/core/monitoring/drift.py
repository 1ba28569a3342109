"""Drift and data-quality statistics: how a window of model inputs differs from the reference.

Pure functions of frames in the form the model sees (what ``scoring.prepare`` returns): a numeric
column is float64 with NaN for missing, a boolean column float64 1.0/0.0/NaN (compared as the two
categories "yes" and "no"), a categorical column object dtype holding str or NaN. Anything else
is read as well as it can be: a value that is not a number in a numeric column counts as missing.

A column drifts only when its change is both significant and large (DESIGN.md, "Monitoring
defaults"):

- numeric: Anderson–Darling (``two_sample.anderson_darling``: scipy's statistic, its p-value by
  relabelling where values repeat a lot, there together with the window's mean, else
  Scholz–Stephens' approximation, unclipped) and the
  size of the change: the Wasserstein distance (``two_sample.distances``) divided by the reference
  standard deviation (ddof=1, the sample standard deviation), or the Kolmogorov–Smirnov distance
  (the largest gap between the distribution functions) when that is larger: on a column that is
  almost always one value, moving that value moves nearly every row while the Wasserstein
  distance, beside a spread made of rare large values, stays small. For smooth shapes the
  Kolmogorov–Smirnov distance is well under the Wasserstein one (0.12 for a 0.3-SD shift of a
  normal column), so it changes nothing there;
- categorical and boolean: Pearson's chi-squared homogeneity test of the 2 × k table of counts
  (with more than two categories combined with each category's own share test, Fisher's exact
  test: ``two_sample.chi_squared``)
  (reference row, current row, the categories seen in either; sparse categories pooled,
  ``two_sample.pooled_counts``) *without* Yates' continuity correction, so a two-category column is
  tested exactly like one with more categories (Yates' correction makes the 2 × 2 test needlessly
  conservative); and the Jensen–Shannon distance (base 2) of the pooled shares beyond what chance
  gives samples of these sizes (``two_sample.jensen_shannon``);
- the p-values of the input columns and of the prediction are adjusted together with
  Benjamini–Hochberg, so a quiet window's predictions raise an alarm no more often than a column;
- a data-quality finding is raised only when a window drawn from the reference would rarely show
  it (``FINDINGS_PER_COLUMN``): so "watch" means something happened.

Decided choices, beyond the thresholds:

- Missing: NaN. Infinite numbers are kept out of every statistic (one would make the Wasserstein
  distance and the spread infinite); in the current window they count as values outside the
  reference range. A column absent from the current frame is all missing.
- Counts: "not enough data" (under ``min_rows``) and "warning" (under ``warn_rows``) look at the
  non-missing (finite) values of each side; the shares of new categories and of out-of-range
  values are of all the window's rows.
- "not computable": a column with no values in the reference or in the window (or only infinite
  ones, or values so large that their spread overflows); a numeric column
  whose reference holds a single value (its spread is zero, so no change can be measured against
  it; values elsewhere then show as out-of-range findings); a categorical column with one category
  in both. A window with a single value where the reference varies is compared (and gets a
  "constant" finding when so little variety is unlikely). The order of verdicts: empty, then too few values ("not enough data"), then
  single-valued.
- PSI (shown, not decided on): numeric over the bins between the reference's 10 %, 20 %, …, 90 %
  quantiles (duplicate edges dropped, open-ended outer bins), categorical over the categories; both
  shares clipped below at 1e-4 (not renormalised) so an empty bin adds a large but finite term.
- Missing-share change: a finding when it moves by at least ``missing_change`` (either way) and
  Fisher's exact test of the 2 × 2 table (missing / present × reference / window) gives a p-value
  under the findings' level (``FINDINGS_PER_COLUMN``): exact at every window size.
- Values outside the reference's range (at least ``out_of_range_share`` of rows) are a finding when
  that many is unlikely for a sample of the reference (each new value falls outside its m values
  with chance 2 / (m + 1)); unseen categories (at least ``new_category_share``) likewise, with the
  chance of an unseen category estimated by Good–Turing (the share of categories seen once); one
  value in every row when the reference's shares make it unlikely; an empty window when the
  reference's missing share does.
- Histograms: numeric, 20 equal-width bins over the reference's 1st–99th percentile range (its
  min–max when those coincide; one bin when the reference holds one value), with a "below" and an
  "above" bin when any reference or window value falls outside; categorical, the 20 categories most
  frequent in reference and window together, then "other". Shares are of the non-missing values.
  Numeric histograms also carry their finite ``edges``.
- Beyond the issue's keys, each column has ``statistic`` (Anderson–Darling's standardised
  statistic or chi-squared's), ``p_method`` for numbers (``"permutation"`` or ``"asymptotic"``),
  ``wasserstein`` and ``kolmogorov_smirnov`` for numbers (the two sizes the effect is the larger of),
  and for categories ``jensen_shannon`` (the plain distance) and ``pooled_categories``.
- Jensen–Shannon distances that rounding makes NaN (identical shares) are 0.
"""

import itertools
import math
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from mlops_desktop.core.errors import UserError
from mlops_desktop.core.monitoring import two_sample
from mlops_desktop.core.monitoring.drift_reference import (
    CategoricalReference,
    ColumnReference,
    FloatArray,
    IntArray,
    NumericReference,
    Reference,
    as_numbers,
    bin_counts,
    category_counts,
    column_values,
    histogram_edges_of,
    shares_of,
)
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
)

AD_TEST = "Anderson–Darling"
CHI2_TEST = "chi-squared"
NUMERIC_EFFECT = "Wasserstein distance ÷ reference spread, or Kolmogorov–Smirnov distance if larger"
CATEGORICAL_EFFECT = "Jensen–Shannon distance beyond chance"
PSI_FLOOR = 1e-4
HISTOGRAM_CATEGORIES = 20
MAX_NEW_CATEGORIES = 10
# Each column (and the predictions) can raise up to three findings: its missing share, values
# outside the reference's range or categories it never held, one value in every row (or none).
# The card says "watch" for a drifted column or any finding. With no change, Benjamini–Hochberg
# flags a column in at most p_value of windows (all hypotheses true: it is Simes' test of the
# window); the findings get a tenth of that on top: each is raised only when the reference makes it
# unlikely at p_value × FINDINGS_BUDGET / (3 × columns) (Bonferroni), so a window drawn from the
# reference itself says "watch" at most 1.1 × p_value of the time.
FINDINGS_PER_COLUMN = 3
FINDINGS_BUDGET = 0.1
_TOLERANCE = 1e-12  # 0.15 - 0.10 is 0.04999…: a change of exactly the threshold still counts


@dataclass(frozen=True)
class Thresholds:
    """When a change counts (DESIGN defaults); the app stores a user's overrides as a dict."""

    p_value: float = 0.05  # after Benjamini–Hochberg across the input columns
    numeric_effect: float = 0.1  # Wasserstein distance / reference standard deviation
    # Jensen–Shannon distance (base 2) beyond chance: a share going 20 % → 30 % is 0.098, one
    # going 20 % → 27 % is 0.07, so a 200-row window that shows a 20 → 30 % change as 20 → 28 %
    # (as one in three do) still counts it as large
    categorical_effect: float = 0.07
    drift_share: float = 0.5  # dataset drift when this share of columns drift
    min_rows: int = 100  # fewer non-missing values (window or reference): "not enough data"
    warn_rows: int = 500  # fewer: status "warning" unless drifted
    missing_change: float = 0.05  # a missing-share change of ≥ 5 points (and significant)
    new_category_share: float = 0.01  # unseen categories covering ≥ 1 % of current rows
    out_of_range_share: float = 0.01  # numeric values outside the reference min..max

    def as_dict(self) -> dict[str, float]:
        return dict(asdict(self))

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> "Thresholds":
        """The defaults with ``values`` applied; unknown keys are ignored, a value of the wrong
        type or outside its range is refused with one sentence."""
        chosen: dict[str, Any] = {}
        for item in fields(cls):
            if item.name not in values:
                continue
            value = values[item.name]
            if item.type is int or item.type == "int":
                chosen[item.name] = _whole_number(item.name, value)
            elif item.name == "numeric_effect":  # in standard deviations: may exceed 1
                chosen[item.name] = _share(item.name, value, upper=math.inf)
            else:
                chosen[item.name] = _share(item.name, value)
        thresholds = cls(**chosen)
        if thresholds.warn_rows < thresholds.min_rows:
            raise UserError(
                f"The drift setting 'warn_rows' ({thresholds.warn_rows}) must not be below "
                f"'min_rows' ({thresholds.min_rows})."
            )
        return thresholds


def _whole_number(name: str, value: Any) -> int:
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise UserError(f"The drift setting '{name}' must be a whole number of rows, at least 1.")
    return value


def _share(name: str, value: Any, upper: float = 1.0) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not 0.0 <= float(value) <= upper
        or not math.isfinite(value)
    ):
        within = "between 0 and 1" if upper == 1.0 else "of 0 or more"
        raise UserError(f"The drift setting '{name}' must be a number {within}.")
    return float(value)


DEFAULT_THRESHOLDS = Thresholds()


# --- the comparison ------------------------------------------------------------------------------


@dataclass
class _Outcome:
    """One column's statistics before the verdict (which needs every column's p-value)."""

    report: dict[str, Any]
    effect_threshold: float
    status: str | None = None  # decided already (not computable, not enough data)
    explanation: str = ""
    describe_drift: str = ""  # what moved, for a drifted column


def check_drift(
    reference: Reference,
    current: pd.DataFrame,
    thresholds: Thresholds = DEFAULT_THRESHOLDS,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Compare ``current`` (a window of model inputs, and the prediction column if the reference
    has one) with the reference: per column a verdict, its statistics, data-quality findings and a
    histogram; the dataset verdict; one summary sentence. A JSON-serialisable dict."""
    check_cancel(cancel)
    rows = len(current)
    every = [*reference.columns, *([reference.prediction] if reference.prediction else [])]
    unlikely = thresholds.p_value * FINDINGS_BUDGET / (FINDINGS_PER_COLUMN * max(len(every), 1))
    outcomes: list[_Outcome] = []
    for number, column in enumerate(every):
        check_cancel(cancel)
        progress(number / max(len(every), 1), f"Comparing '{column.name}'")
        series = column_values(current, column.name, rows)
        if isinstance(column, NumericReference):
            outcomes.append(_compare_numeric(column, series, rows, thresholds, unlikely))
        elif column.dates:
            outcomes.append(_dates_not_compared(column, series))
        else:
            outcomes.append(_compare_categorical(column, series, rows, thresholds, unlikely))
    check_cancel(cancel)
    inputs = outcomes[: len(reference.columns)]
    predicted = outcomes[len(reference.columns) :]
    tested = [o for o in outcomes if o.status is None]  # the predictions under the same control
    if tested:
        adjusted = stats.false_discovery_control([o.report["p_value"] for o in tested], method="bh")
        for outcome, p in zip(tested, np.atleast_1d(adjusted).tolist(), strict=True):
            outcome.report["p_adjusted"] = min(float(p), 1.0)
    for outcome in outcomes:
        _decide(outcome, thresholds)
    columns = [o.report for o in inputs]
    judged = [c for c in columns if c["status"] in ("ok", "drift", "warning")]
    drifted = [c for c in judged if c["status"] == "drift"]
    share = len(drifted) / len(judged) if judged else 0.0
    dataset_drift = bool(judged) and share >= thresholds.drift_share
    prediction = predicted[0].report if predicted else None
    progress(1.0, "Drift checked")
    return {
        "dataset_drift": dataset_drift,
        "drift_share": share,
        "n_reference": reference.rows,
        "n_current": rows,
        "columns": columns,
        "prediction_drift": prediction,
        "thresholds": thresholds.as_dict(),
        "summary": _summary(
            len(judged), len(drifted), share, dataset_drift, prediction, thresholds
        ),
    }


def _base_report(
    column: ColumnReference, kind: str, count: int, missing_change: float | None
) -> dict[str, Any]:
    numeric = kind == "numeric"
    return {
        "name": column.name,
        "type": kind,
        "status": "",
        "test": AD_TEST if numeric else CHI2_TEST,
        "p_method": None,
        "statistic": None,
        "p_value": None,
        "p_adjusted": None,
        "effect": None,
        "effect_name": NUMERIC_EFFECT if numeric else CATEGORICAL_EFFECT,
        "psi": None,
        "missing_change": missing_change,
        "new_categories": None if numeric else [],
        "out_of_range_share": None,
        "n_reference": column.count,
        "n_current": count,
        "findings": [],
        "explanation": "",
        "histogram": {"labels": [], "reference": [], "current": []},
    }


def _missing_finding(
    column: ColumnReference, missing: int, rows: int, thresholds: Thresholds, unlikely: float
) -> tuple[float | None, dict[str, str] | None]:
    """The change in the missing share, and a finding when it is large and unlikely by chance
    (Fisher's exact test below ``unlikely``)."""
    if rows == 0 or column.rows == 0:
        return None, None
    before, now = column.missing / column.rows, missing / rows
    change = now - before
    if abs(change) < thresholds.missing_change - _TOLERANCE:
        return change, None
    table = [[column.missing, column.rows - column.missing], [missing, rows - missing]]
    p = float(stats.fisher_exact(table).pvalue)
    if not p < unlikely:
        return change, None
    return change, {
        "kind": "missing_change",
        "message": f"'{column.name}' is missing in {_percent(now)} of rows, against "
        f"{_percent(before)} in the reference.",
    }


def _empty_or_short(
    outcome: _Outcome,
    column: ColumnReference,
    count: int,
    rows: int,
    thresholds: Thresholds,
    unlikely: float,
) -> bool:
    """Decide the verdict of a column that cannot be tested (empty, too few values); True when
    decided. An empty window is a finding unless the reference's gaps make it likely."""
    said = column.said
    missing_share = column.missing / column.rows if column.rows else 1.0
    if count == 0 and rows and missing_share**rows < unlikely:
        outcome.report["findings"].append(
            {"kind": "empty", "message": f"{said} is empty in this window."}
        )
    if count == 0 or column.count == 0:
        outcome.status = "not computable"
        if column.count == 0:
            where = "the reference and in this window" if count == 0 else "the reference"
            outcome.explanation = f"{said} is empty in {where}."
        else:
            outcome.explanation = (
                f"{said} is empty in this window." if rows else "This window has no rows."
            )
        return True
    if count < thresholds.min_rows or column.count < thresholds.min_rows:
        outcome.status = "not enough data"
        few, where = (
            (count, "this window")
            if count < thresholds.min_rows
            else (column.count, "the reference")
        )
        outcome.explanation = (
            f"Only {few:,} value{'s' if few != 1 else ''} in {where}; at least "
            f"{thresholds.min_rows:,} are needed."
        )
        return True
    return False


def _dates_not_compared(column: CategoricalReference, series: "pd.Series[Any]") -> _Outcome:
    """A date input (a model trained on a prepared version takes the date its recipe splits
    into parts): a window's dates come after the reference's by nature, so comparing them would
    always say "drift"; the report says so instead."""
    report = _base_report(column, "datetime", int(series.notna().sum()), None)
    report["test"] = None
    report["new_categories"] = None
    return _Outcome(
        report,
        effect_threshold=0.0,
        status="not computable",
        explanation=f"{column.said} holds dates, which are not compared: a window's dates "
        "always come after the training data's.",
    )


def _compare_numeric(
    column: NumericReference,
    series: "pd.Series[Any]",
    rows: int,
    thresholds: Thresholds,
    unlikely: float,
) -> _Outcome:
    numbers = as_numbers(series)
    nan = np.isnan(numbers)
    finite_mask = np.isfinite(numbers)
    values = np.sort(numbers[finite_mask])
    infinite = int(len(numbers) - nan.sum() - finite_mask.sum())
    count = len(values)
    change, missing_finding = _missing_finding(column, int(nan.sum()), rows, thresholds, unlikely)
    report = _base_report(column, "numeric", count, change)
    outcome = _Outcome(report, thresholds.numeric_effect)
    said = column.said
    findings: list[dict[str, str]] = report["findings"]
    if missing_finding:
        findings.append(missing_finding)
    if column.count and rows:
        low, high = float(column.values[0]), float(column.values[-1])
        outside = (
            int(np.searchsorted(values, low, side="left"))
            + count
            - int(np.searchsorted(values, high, side="right"))
            + infinite
        )
        report["out_of_range_share"] = outside / rows
        # A new value from the reference's distribution falls outside the range of its m values
        # with chance 2 / (m + 1) (less where values repeat).
        chance = 2 / (column.count + 1)
        if (
            outside / rows >= thresholds.out_of_range_share - _TOLERANCE
            and two_sample.binomial_tail(outside, count + infinite, chance) < unlikely
        ):
            findings.append(
                {
                    "kind": "out_of_range",
                    "message": f"{_percent(outside / rows)} of the rows hold a value of {said} "
                    f"outside the reference range {_number(low)} to {_number(high)}.",
                }
            )
    if (
        count > 1
        and values[0] == values[-1]
        and float(np.sum(column.common_shares**count)) < unlikely
    ):
        findings.append(
            {
                "kind": "constant",
                "message": f"{said} holds the same value ({_number(values[0])}) in every row "
                "of this window.",
            }
        )
    report["histogram"] = _numeric_histogram(column, values)
    only_infinite = [
        where
        for where, finite, infinities in (
            ("the reference", column.count, column.infinite),
            ("this window", count, infinite),
        )
        if infinities and not finite
    ]
    if only_infinite:
        outcome.status = "not computable"
        outcome.explanation = f"{said} holds only infinite values in {only_infinite[0]}."
        return outcome
    if _empty_or_short(outcome, column, count, rows, thresholds, unlikely):
        return outcome
    with np.errstate(all="ignore"):  # values near the float limit give infinities, not warnings
        return _test_numeric(outcome, column, values)


def _test_numeric(outcome: _Outcome, column: NumericReference, values: FloatArray) -> _Outcome:
    said, report = column.said, outcome.report
    std = column.std
    if std is not None and not math.isfinite(std):
        outcome.status = "not computable"
        outcome.explanation = f"The values of {said} are too large to compare."
        return outcome
    if std is None or not std > 0:
        outcome.status = "not computable"
        single = _number(column.values[0])
        outcome.explanation = (
            f"{said} holds one value only ({single}) in the reference and in this window; "
            "there is nothing to compare."
            if values[0] == values[-1] == column.values[0]
            else f"{said} held one value only ({single}) in the reference, so a change cannot "
            "be measured against its spread; see the findings."
        )
        return outcome
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        statistic, p, method = two_sample.anderson_darling(column.values, values)
        area, moved = two_sample.distances(column.values, values)
        wasserstein = area / std
        effect = max(wasserstein, moved)
    if not (math.isfinite(effect) and math.isfinite(p) and math.isfinite(statistic)):
        outcome.status = "not computable"
        outcome.explanation = f"The values of {said} are too large to compare."
        return outcome
    report.update(
        statistic=statistic,
        p_value=min(max(p, 0.0), 1.0),
        p_method=method,
        effect=effect,
        wasserstein=wasserstein,
        kolmogorov_smirnov=moved,
        psi=_psi(column.psi_shares, shares_of(bin_counts(values, column.psi_edges))),
    )
    shift = (float(np.mean(values)) - float(np.mean(column.values))) / std
    spread = float(np.std(values, ddof=1)) / std if len(values) > 1 else 0.0
    if abs(shift) >= wasserstein / 2 and abs(shift) >= abs(spread - 1):  # more moved than spread
        outcome.describe_drift = (
            f"The values moved: {said} is typically {wasserstein:.2f} standard deviations "
            f"{'higher' if shift > 0 else 'lower'} than in the reference"
        )
    elif spread >= 1.2 or spread <= 1 / 1.2:
        outcome.describe_drift = (
            f"The spread changed: {said} varies {spread:.2f} times as much as in the reference"
        )
    elif wasserstein >= moved:
        outcome.describe_drift = (
            f"The shape changed: the values of {said} differ from the reference by "
            f"{wasserstein:.2f} standard deviations on average"
        )
    else:
        outcome.describe_drift = (
            f"The values moved past a point: {_percent(moved)} more of the rows of {said} lie on "
            "one side of some value than in the reference"
        )
    return outcome


def _compare_categorical(
    column: CategoricalReference,
    series: "pd.Series[Any]",
    rows: int,
    thresholds: Thresholds,
    unlikely: float,
) -> _Outcome:
    labels, found, missing = category_counts(series, column.boolean)
    kind = "boolean" if column.boolean else "categorical"
    count = int(found.sum())
    change, missing_finding = _missing_finding(column, missing, rows, thresholds, unlikely)
    report = _base_report(column, kind, count, change)
    outcome = _Outcome(report, thresholds.categorical_effect)
    said = column.said
    findings: list[dict[str, str]] = report["findings"]
    if missing_finding:
        findings.append(missing_finding)
    # Align: the reference's categories first, then the ones never seen there.
    known = len(column.categories)
    current = np.zeros(known, dtype=np.int64)
    unseen: list[tuple[str, int]] = []
    for label, number in zip(labels, found.tolist(), strict=True):
        position = column.index.get(label)
        if position is None:
            unseen.append((label, number))
        else:
            current[position] = number
    unseen.sort(key=lambda item: (-item[1], item[0]))
    categories = column.categories + [label for label, _ in unseen]
    reference_counts = np.concatenate([column.counts, np.zeros(len(unseen), dtype=np.int64)])
    current_counts = np.concatenate([current, np.array([n for _, n in unseen], dtype=np.int64)])
    report["new_categories"] = [label for label, _ in unseen[:MAX_NEW_CATEGORIES]]
    unseen_rows = sum(n for _, n in unseen)
    # The chance that a new row holds a category the reference never held: Good–Turing's
    # estimate, the share of the reference's categories seen once (at least 1 / (m + 1)).
    chance = max(int(np.sum(column.counts == 1)), 1) / (column.count + 1)
    if (
        rows
        and column.count
        and unseen_rows / rows >= thresholds.new_category_share - _TOLERANCE
        and two_sample.binomial_tail(unseen_rows, count, chance) < unlikely
    ):
        shown = ", ".join(f"'{label}'" for label, _ in unseen[:3])
        more = f" and {len(unseen) - 3} more" if len(unseen) > 3 else ""
        findings.append(
            {
                "kind": "new_categories",
                "message": f"{_percent(unseen_rows / rows)} of the rows hold "
                f"{'a category' if len(unseen) == 1 else f'{len(unseen)} categories'} of "
                f"{said} never seen in the reference: {shown}{more}.",
            }
        )
    present = np.flatnonzero(current_counts)
    shares = column.counts / column.count if column.count else np.empty(0)
    if count > 1 and len(present) == 1 and float(np.sum(shares**count)) < unlikely:
        findings.append(
            {
                "kind": "constant",
                "message": f"{said} holds the same value ('{categories[present[0]]}') in every "
                "row of this window.",
            }
        )
    report["histogram"] = _categorical_histogram(categories, reference_counts, current_counts)
    if _empty_or_short(outcome, column, count, rows, thresholds, unlikely):
        return outcome
    if len(categories) < 2:
        outcome.status = "not computable"
        outcome.explanation = (
            f"{said} holds one category only ('{categories[0]}') in the reference and in this "
            "window; there is nothing to compare."
        )
        return outcome
    before, now = reference_counts / column.count, current_counts / count
    pooled_reference, pooled_current = two_sample.pooled_counts(reference_counts, current_counts)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)
        statistic, p = two_sample.chi_squared(pooled_reference, pooled_current)
        distance, effect = two_sample.jensen_shannon(pooled_reference, pooled_current)
    if not math.isfinite(p):
        outcome.status = "not computable"
        outcome.explanation = f"The categories of {said} could not be compared."
        return outcome
    report.update(
        statistic=statistic,
        p_value=min(max(p, 0.0), 1.0),
        effect=effect,
        jensen_shannon=distance,
        pooled_categories=len(pooled_reference),
        psi=_psi(before, now),
    )
    moved = int(np.argmax(np.abs(now - before)))
    outcome.describe_drift = (
        f"The mix changed: '{categories[moved]}' is now {_percent(float(now[moved]))} of "
        f"{said}, against {_percent(float(before[moved]))} in the reference"
    )
    return outcome


def _psi(before: FloatArray, now: FloatArray) -> float:
    if len(before) < 2:
        return 0.0
    a, b = np.maximum(before, PSI_FLOOR), np.maximum(now, PSI_FLOOR)
    return float(np.sum((b - a) * np.log(b / a)))


def _decide(outcome: _Outcome, thresholds: Thresholds) -> None:
    report = outcome.report
    if outcome.status is not None:
        report["status"], report["explanation"] = outcome.status, outcome.explanation
        return
    p, effect = report["p_adjusted"], report["effect"]
    significant = p < thresholds.p_value
    large = effect >= outcome.effect_threshold
    numeric = report["type"] == "numeric"
    if significant and large:
        report["status"] = "drift"
        report["explanation"] = f"{outcome.describe_drift} ({_p(p)})."
        return
    if significant:
        amount = _below(effect, outcome.effect_threshold)
        size = f"{amount} standard deviations" if numeric else f"Jensen–Shannon distance {amount}"
        sentence = (
            f"No meaningful change: the difference is clear but small ({size}, below "
            f"{_number(outcome.effect_threshold)})"
        )
    else:
        sentence = "No meaningful change"
    short = [
        (count, where)
        for count, where in (
            (report["n_current"], "this window"),
            (report["n_reference"], "the reference"),
        )
        if count < thresholds.warn_rows
    ]
    if short:
        count, where = short[0]
        report["status"] = "warning"
        report["explanation"] = (
            f"{sentence}, but only {count:,} values in {where}; {thresholds.warn_rows:,} or more "
            "give a surer answer."
        )
    else:
        report["status"] = "ok"
        report["explanation"] = f"{sentence}."


def _summary(
    judged: int,
    drifted: int,
    share: float,
    dataset_drift: bool,
    prediction: dict[str, Any] | None,
    thresholds: Thresholds,
) -> str:
    predictions = ""
    if prediction is not None and prediction["status"] == "drift":
        predictions = "; the predictions drifted too" if drifted else "; the predictions drifted"
    if not judged:
        return f"No column could be compared in this window{predictions}."
    columns = (
        f"{drifted} of {judged} column{'s' if judged != 1 else ''} drifted ({_percent(share)})"
    )
    if dataset_drift:
        return (
            f"Dataset drift: {columns}, at or above the {_percent(thresholds.drift_share)} that "
            f"counts{predictions}."
        )
    return (
        f"No dataset drift: {columns}, below the {_percent(thresholds.drift_share)} that "
        f"counts{predictions}."
    )


# --- histograms ----------------------------------------------------------------------------------


def _numeric_histogram(column: NumericReference, values: FloatArray) -> dict[str, Any]:
    edges = column.histogram_edges
    if len(edges) == 0:
        edges = histogram_edges_of(values)
    if len(edges) == 0:
        return {"labels": [], "reference": [], "current": [], "edges": []}

    def counts(data: FloatArray) -> IntArray:
        positions = np.concatenate(
            [
                np.searchsorted(data, edges[:-1], side="left"),
                np.searchsorted(data, edges[-1:], side="right"),
            ]
        )
        return np.concatenate([positions[:1], np.diff(positions), [len(data) - positions[-1]]])

    before, now = counts(column.values), counts(values)
    if edges[0] == edges[-1]:
        low = high = _number(float(edges[0]))
        labels = [low]
    else:
        step = float(edges[1]) - float(edges[0])
        if math.isfinite(step) and step > 0:
            decimals = min(max(math.ceil(-math.log10(step)) + 1, 0), 12)
            text = [_fixed(edge, decimals) for edge in edges.tolist()]
        else:
            text = [_number(edge) for edge in edges.tolist()]
        labels = [f"{a} to {b}" for a, b in itertools.pairwise(text)]
        low, high = text[0], text[-1]
    keep = slice(0 if before[0] or now[0] else 1, None if before[-1] or now[-1] else -1)
    labels = [f"below {low}", *labels, f"above {high}"][keep]
    return {
        "labels": labels,
        "reference": _share_list(before)[keep],
        "current": _share_list(now)[keep],
        "edges": [float(edge) for edge in edges],
    }


def _categorical_histogram(
    categories: Sequence[str], before: IntArray, now: IntArray
) -> dict[str, Any]:
    if not len(categories):
        return {"labels": [], "reference": [], "current": []}
    weight = shares_of(before) + shares_of(now)
    order = np.argsort(-weight, kind="stable")
    top, rest = order[:HISTOGRAM_CATEGORIES], order[HISTOGRAM_CATEGORIES:]
    labels = [categories[i] for i in top]
    shown_before, shown_now = before[top], now[top]
    if len(rest):
        labels.append("other" if "other" not in labels else "(all others)")
        shown_before = np.append(shown_before, before[rest].sum())
        shown_now = np.append(shown_now, now[rest].sum())
    return {
        "labels": labels,
        "reference": _share_list(shown_before, int(before.sum())),
        "current": _share_list(shown_now, int(now.sum())),
    }


def _share_list(counts: IntArray, total: int | None = None) -> list[float]:
    whole = int(counts.sum()) if total is None else total
    return [float(c) / whole if whole else 0.0 for c in counts.tolist()]


# --- words ---------------------------------------------------------------------------------------


def _percent(share: float) -> str:
    if share != 0 and abs(share) < 0.1:
        return f"{share:.1%}"
    return f"{share:.0%}"


def _below(effect: float, threshold: float) -> str:
    """``effect`` (under ``threshold``) with enough decimals not to read as the threshold."""
    for decimals in range(2, 7):
        text = f"{effect:.{decimals}f}"
        if float(text) < threshold:
            return text
    return f"{effect:.6g}"


def _p(p: float) -> str:
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def _number(value: float) -> str:
    """A number for a sentence: four significant digits, thousands separated, no "-0"."""
    return _unsigned_zero(f"{float(value):,.4g}")


def _fixed(value: float, decimals: int) -> str:
    return _unsigned_zero(f"{value:,.{decimals}f}")


def _unsigned_zero(text: str) -> str:
    if text.startswith("-") and not any(c in "123456789" for c in text):
        return text[1:]
    return text
