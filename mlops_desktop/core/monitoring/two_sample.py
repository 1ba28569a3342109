"""The two-sample statistics drift is decided on, each chosen by measurement (``bench/
bench_drift_power.py`` prints the figures behind every choice below).

- Numbers: the Anderson–Darling k-sample statistic (Scholz & Stephens 1987, the midrank version for
  ties; the number ``scipy.stats.anderson_ksamp`` gives). It weighs the tails, so it catches a
  0.3-SD shift or a 1.5× spread in 200 rows more often than Kolmogorov–Smirnov does. Its p-value:
  where values repeat a lot (at most ``PERMUTATION_MAX_DISTINCT`` distinct values, at most half of
  all values distinct: counts, scores, a column that is almost always 0) the asymptotic
  approximation over-rejects, so the p-value comes from ``PERMUTATIONS`` random relabellings of the
  pooled values (seeded: the same data give the same p-value). There the window's mean is tested
  too, on the same relabellings, and the smaller of the two p-values counts, itself calibrated by
  the relabellings (so the level holds exactly): on counts a shift shows in the mean sooner than
  in the distribution functions (Poisson(2) moved by 0.3 SD, in one of ten columns of 200 rows:
  caught in 90 % of the bench's windows, 84.5 % by Anderson–Darling alone). Elsewhere it is the Scholz–Stephens
  approximation, interpolated as scipy does but never clipped: beyond its table the logarithm of p
  is continued along its slope, so a strong change keeps a p-value small enough to survive the
  correction across many columns (scipy stops at 0.001).
- Categories: Pearson's chi-squared test of the 2 × k table (reference row, window row), without
  Yates' correction, after pooling the categories whose expected count is under
  ``MIN_EXPECTED`` into one (the textbook condition for the chi-squared approximation; without it
  a 200-category column gave p < 0.05 in 16.5 % of quiet 100-row windows); with more than two
  categories, combined with each category's own share test (Fisher's exact test, mid-p:
  ``category_p_values``), which spends no
  degrees of freedom on the categories that did not move. The effect is the
  Jensen–Shannon distance (base 2) of the pooled shares, less the part a sample of this size shows
  by chance (``jensen_shannon``).
- How surprising a count is (the data-quality findings): the upper tail of a binomial.
"""

import math
from typing import Any

import numpy as np
from scipy import stats
from scipy.spatial import distance

FloatArray = np.ndarray[Any, np.dtype[np.float64]]
IntArray = np.ndarray[Any, np.dtype[np.int64]]

PERMUTATIONS = 2_000  # the smallest p-value is 1/2001: below 0.05/m for up to 100 columns
PERMUTATION_MAX_DISTINCT = 500  # relabelling costs grow with the distinct values
PERMUTATION_SEED = 20_261_207
MIN_EXPECTED = 5.0
CAUCHY_CEILING = 0.999
# Scholz & Stephens (1987), table 2, for two samples (k - 1 = 1): critical values at these levels.
_AD_LEVELS = np.array([0.25, 0.1, 0.05, 0.025, 0.01, 0.005, 0.001])
_AD_CRITICAL = (
    np.array([0.675, 1.281, 1.645, 1.96, 2.326, 2.573, 3.085])
    + np.array([-0.245, 0.25, 0.678, 1.149, 1.822, 2.364, 3.615])
    + np.array([-0.105, -0.305, -0.362, -0.391, -0.396, -0.345, -0.154])
)
_AD_FIT = np.polyfit(_AD_CRITICAL, np.log(_AD_LEVELS), 2)
_AD_TAIL_SLOPE = float(np.polyval(np.polyder(_AD_FIT), _AD_CRITICAL[-1]))


def _merged(first: FloatArray, second: FloatArray) -> tuple[FloatArray, np.ndarray[Any, Any]]:
    """Two sorted samples merged into one sorted array (``second``'s values after equal ones of
    ``first``), and a mask of the places ``second``'s values took: linear passes, no sort, so a
    large reference costs little for each window."""
    places = np.searchsorted(first, second, side="right") + np.arange(len(second))
    from_second = np.zeros(len(first) + len(second), dtype=bool)
    from_second[places] = True
    merged = np.empty(len(from_second), dtype=np.float64)
    merged[places] = second
    merged[~from_second] = first
    return merged, from_second


def anderson_darling(reference: FloatArray, window: FloatArray) -> tuple[float, float, str]:
    """The standardised Anderson–Darling statistic of two sorted samples (scipy's
    ``anderson_ksamp(...).statistic``), its p-value and how the p-value was found:
    ``"permutation"`` or ``"asymptotic"``."""
    pooled, from_window = _merged(reference, window)
    total, n = len(pooled), len(window)
    starts = np.flatnonzero(np.concatenate([[True], pooled[1:] != pooled[:-1]]))
    multiplicity = np.diff(np.append(starts, total))
    below = starts + multiplicity / 2.0  # B_aj: the midrank count below each distinct value
    weights = multiplicity / (below * (total - below) - total * multiplicity / 4.0)
    in_window = np.add.reduceat(from_window.astype(np.int64), starts)
    scale = (total - 1) / total**2 * (1 / len(reference) + 1 / n)

    def statistic(counts: np.ndarray[Any, Any]) -> np.ndarray[Any, Any]:
        """A2akN for window counts over the distinct values (one row per relabelling)."""
        midrank = np.cumsum(counts, axis=-1) - counts / 2.0
        gap = total * midrank - n * below
        return np.asarray(scale * (gap * gap * weights).sum(axis=-1))  # no BLAS: see wasserstein

    observed = float(statistic(in_window.astype(np.float64)))
    standardised = (observed - 1) / math.sqrt(_variance(total, len(reference), n))
    if len(starts) <= min(PERMUTATION_MAX_DISTINCT, total // 2):
        rng = np.random.default_rng(PERMUTATION_SEED)
        relabelled = rng.multivariate_hypergeometric(
            multiplicity, n, size=PERMUTATIONS, method="marginals"
        ).astype(np.float64)
        counts = np.vstack([in_window.astype(np.float64), relabelled])  # the observed one first
        # The window's mean against the pooled mean, beside the statistic: on values that repeat
        # a lot a shift shows in the mean sooner than in the distribution functions.
        distinct = pooled[starts]
        sums = (counts * (distinct - float(np.mean(pooled)))).sum(axis=-1)  # no BLAS
        p = _smaller_of_two_by_relabelling(statistic(counts), np.abs(sums))
        return standardised, p, "permutation"
    return standardised, _asymptotic_p(standardised), "asymptotic"


def _smaller_of_two_by_relabelling(first: FloatArray, second: FloatArray) -> float:
    """The p-value of the smaller of two tests' p-values, both tests and their combination
    calibrated by the same relabellings. ``first`` and ``second`` hold each test's statistic
    (larger: more extreme) for the observed labelling (index 0) and every relabelling; the
    observed one counts among them, so the p-value holds its level exactly."""
    draws = len(first)

    def p_values(values: FloatArray) -> FloatArray:
        tolerant = values * (1 - 1e-12)  # equal statistics, up to rounding, count as extreme
        at_least = draws - np.searchsorted(np.sort(values), tolerant, side="left")
        return np.asarray(at_least / draws, dtype=np.float64)

    smaller = np.minimum(p_values(first), p_values(second))
    return float(np.sum(smaller <= smaller[0] * (1 + 1e-12)) / draws)


def _variance(total: int, first: int, second: int) -> float:
    """The variance of A2akN for two samples of these sizes when nothing changed (Scholz &
    Stephens, as scipy computes it)."""
    harmonic_inverse = 1 / first + 1 / second
    tail = np.cumsum(1.0 / np.arange(total - 1, 1, -1))
    h = tail[-1] + 1
    g = float((tail / np.arange(2, total)).sum())
    k = 2
    a = (4 * g - 6) * (k - 1) + (10 - 6 * g) * harmonic_inverse
    b = (2 * g - 4) * k**2 + 8 * h * k + (2 * g - 14 * h - 4) * harmonic_inverse - 8 * h + 4 * g - 6
    c = (
        (6 * h + 2 * g - 2) * k**2
        + (4 * h - 4 * g + 6) * k
        + (2 * h - 6) * harmonic_inverse
        + 4 * h
    )
    d = (2 * h + 6) * k**2 - 4 * h * k
    return float(
        (a * total**3 + b * total**2 + c * total + d)
        / ((total - 1.0) * (total - 2.0) * (total - 3.0))
    )


def _asymptotic_p(standardised: float) -> float:
    """Scholz–Stephens' approximation for two samples, as scipy computes it within the table,
    continued beyond it: past p = 0.001 along the slope of log p at the table's end; above
    p = 0.25 along the fitted curve, which reaches 1 and stops there."""
    if standardised > _AD_CRITICAL[-1]:
        log_p = math.log(_AD_LEVELS[-1]) + _AD_TAIL_SLOPE * (standardised - _AD_CRITICAL[-1])
    else:  # the fitted curve falls steadily across and below the table
        log_p = float(np.polyval(_AD_FIT, standardised))
    return min(math.exp(log_p), 1.0)


def pooled_counts(reference: IntArray, window: IntArray) -> tuple[IntArray, IntArray]:
    """The 2 × k table with the categories whose expected count (in the smaller row) is under
    ``MIN_EXPECTED`` pooled into one last column; a pooled column still under it joins the
    smallest of the others. Categories keep their order; zero columns are dropped."""
    both = reference + window
    keep = both > 0
    reference, window, both = reference[keep], window[keep], both[keep]
    smaller = min(int(reference.sum()), int(window.sum()))
    total = int(both.sum())
    if total == 0:
        return reference, window
    expected = both * smaller / total
    sparse = expected < MIN_EXPECTED
    if not sparse.any():
        return reference, window
    kept_reference, kept_window = reference[~sparse], window[~sparse]
    rare_reference, rare_window = int(reference[sparse].sum()), int(window[sparse].sum())
    if (rare_reference + rare_window) * smaller / total < MIN_EXPECTED and len(kept_reference):
        smallest = int(np.argmin(kept_reference + kept_window))
        kept_reference = kept_reference.copy()
        kept_window = kept_window.copy()
        kept_reference[smallest] += rare_reference
        kept_window[smallest] += rare_window
        return kept_reference, kept_window
    return (
        np.append(kept_reference, rare_reference).astype(np.int64),
        np.append(kept_window, rare_window).astype(np.int64),
    )


def chi_squared(reference: IntArray, window: IntArray) -> tuple[float, float]:
    """Pearson's chi-squared statistic of a 2 × k table (no continuity correction) and a p-value
    that also looks at each category alone: with more than two categories, the chi-squared test's
    p-value and the exact tests of each category's share (``category_p_values``, combined with
    each other by ``cauchy_combination``) are combined the same way. The share tests aim at the
    change that matters most often, one category's share moving; the chi-squared test keeps
    catching a change spread over many. With two categories there is one share, and chi-squared
    alone tests it. A table with one column says nothing: statistic 0, p-value 1."""
    if len(reference) < 2:
        return 0.0, 1.0
    tested = stats.chi2_contingency(np.array([reference, window]), correction=False)
    statistic, p = float(tested.statistic), float(tested.pvalue)
    if len(reference) == 2:
        return statistic, p
    each = category_p_values(reference, window)
    return statistic, cauchy_combination([p, cauchy_combination(each.tolist())])


def category_p_values(reference: IntArray, window: IntArray) -> FloatArray:
    """For each category, whether its share in the window differs from the reference: Fisher's
    exact test of its 2 × 2 table (this category or another × reference or window). Given how many
    rows of both hold the category, the window's count is hypergeometric when nothing changed. The
    two-sided mid-p value: twice the smaller tail, counting half the observed count's probability
    (each tail from its own side, so a tiny one keeps its digits). Where a category is expected a few
    times, the two-proportion z-test this replaced flagged 1.6 times as many quiet 200-row windows
    as its level (30 categories, at 0.05 / 11); the exact test's tails hold it, and the mid-p keeps
    the discreteness from making it needlessly strict (twice the smaller plain tail flagged half as
    many as its level at 0.05 and cost 4 to 8 points of power)."""
    m, n = int(reference.sum()), int(window.sum())
    holding = reference + window
    half = stats.hypergeom.pmf(window, m + n, holding, n) / 2
    below = stats.hypergeom.cdf(window, m + n, holding, n) - half
    above = stats.hypergeom.sf(window - 1, m + n, holding, n) - half
    return np.asarray(np.minimum(2 * np.minimum(below, above), 1.0), dtype=np.float64)


def cauchy_combination(p_values: list[float]) -> float:
    """One p-value from several, however they depend on each other (Liu & Xie 2020): the mean of
    tan((0.5 − p)π) is standard Cauchy when every p-value is uniform, exactly if they are
    independent and closely in the small tail that matters whatever their dependence. P-values
    above ``CAUCHY_CEILING`` count as it (at 1 the tangent is infinite and would silence the
    others)."""
    chosen = np.minimum(np.asarray(p_values, dtype=np.float64), CAUCHY_CEILING)
    if chosen.min() <= 0.0:
        return 0.0
    # tan((0.5 − p)π) = 1 / tan(pπ): no rounding of 0.5 − p for tiny p
    mean = float(np.mean(1 / np.tan(chosen * math.pi)))
    return math.atan2(1.0, mean) / math.pi  # the Cauchy upper tail, accurate when tiny


def jensen_shannon(reference: IntArray, window: IntArray) -> tuple[float, float]:
    """The Jensen–Shannon distance (base 2) of the two rows' shares, and the same distance less
    what chance alone gives two samples of these sizes: for small differences the divergence is
    about Σ (p − q)² / (8 ln 2 · m), whose expectation when nothing changed is
    (k − 1)(1/n₁ + 1/n₂) / (8 ln 2); that bias is taken off the divergence before the root."""
    before, now = reference / reference.sum(), window / window.sum()
    raw = float(distance.jensenshannon(before, now, base=2))
    raw = raw if math.isfinite(raw) else 0.0
    chance = (len(reference) - 1) * (1 / reference.sum() + 1 / window.sum()) / (8 * math.log(2))
    return raw, math.sqrt(max(raw * raw - chance, 0.0))


def distances(first: FloatArray, second: FloatArray) -> tuple[float, float]:
    """Two distances of two sorted samples, from their merge (``_merged``: linear, as they arrive
    sorted) with running counts for the empirical distribution functions (within a run of equal
    values these differ from the functions, but there the gap is 0 and no step ends):

    - the Wasserstein distance: the area between the distribution functions, summed over the gaps
      between consecutive values of both (``scipy.stats.wasserstein_distance``'s number, to
      rounding);
    - the Kolmogorov–Smirnov distance: the largest difference between them, the share of rows
      that moved past some value (``scipy.stats.ks_2samp``'s statistic). On a column that is
      almost always one value it says "large" when that value moves, where the area stays small
      beside a spread made of rare values."""
    values, from_second = _merged(first, second)
    below_second = np.cumsum(from_second)[:-1]
    below_first = np.arange(1, len(values)) - below_second
    gaps = np.diff(values)
    difference = np.abs(below_first / len(first) - below_second / len(second))
    # A product summed by numpy, as scipy sums it: BLAS's dot would spin a second thread, which
    # on a busy two-core machine made this ten times slower.
    area = float(np.sum(difference * gaps))
    steps = difference[gaps > 0]
    return area, float(steps.max()) if len(steps) else 0.0


def binomial_tail(count: int, rows: int, share: float) -> float:
    """P(X ≥ count) for X ~ Binomial(rows, share): how often a sample of ``rows`` rows shows at
    least ``count`` of something whose share is ``share``."""
    if count <= 0:
        return 1.0
    return float(stats.binom.sf(count - 1, rows, min(max(share, 0.0), 1.0)))
