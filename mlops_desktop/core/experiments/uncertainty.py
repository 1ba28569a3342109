"""How sure a score is: 95 % intervals by bootstrap over the held-out rows, and paired comparisons
of two runs scored on the same rows.

A run's held-out score is measured on one sample of rows; another sample would give another score.
The bootstrap redraws the held-out rows with replacement ``BOOTSTRAP_SAMPLES`` times (fewer for a
run's intervals on many rows, see ``intervals``; seeded with the run's seed, so an interval is
reproduced exactly) and takes the middle 95 % of the scores. Two
runs on the same rows are compared on the *same* redraws, so what both get right or wrong together
cancels out: the difference's interval is far narrower than the two intervals side by side, and a
verdict says "better" or "worse" only when that interval leaves out zero.

Every score of every redraw is computed at once from a matrix of row counts (redraws × rows)
instead of calling scikit-learn's metric a thousand times; ``tests/core/test_uncertainty.py``
checks the numbers against scikit-learn's own metrics on the same redraws. Scores match
``training.metrics_for``: binary precision, recall and F1 of the second class, macro averages over
the classes present otherwise; ROC AUC one-against-the-rest, only on redraws holding every class
(and up to ``MAX_AUC_CLASSES`` classes).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from mlops_desktop.core.vocabulary import LOWER_IS_BETTER

BOOTSTRAP_SAMPLES = 1000
FEWEST_SAMPLES = 200
TRAINING_CELLS = 4_000_000  # redraws × rows a run's intervals may take (1,000 up to 4,000 rows)
CHUNK_CELLS = 4_000_000  # redraw counts held at once (32 MB)
LEVEL = 0.95
UNSCORED = "not distinguishable"  # the verdict when the rows cannot score the measure
MAX_AUC_CLASSES = 20  # beyond, ROC AUC's interval is left out: one curve per class per redraw

FloatArray = np.ndarray[Any, np.dtype[np.float64]]


@dataclass(frozen=True)
class HeldOut:
    """One run's held-out rows as the scores need them: the truth, the predictions and, for a
    classification, the class probabilities (columns in ``classes`` order)."""

    task: str
    truth: np.ndarray[Any, Any]
    predicted: np.ndarray[Any, Any]
    proba: FloatArray | None = None
    classes: np.ndarray[Any, Any] | None = None


def redraws(rows: int, samples: int, seed: int, size: int | None = None) -> Iterator[FloatArray]:
    """The bootstrap's redraws as counts (chunks of redraws × rows): how often each row is drawn
    when ``size`` rows (all of them by default) are drawn with replacement. The same ``seed``
    gives the same redraws (``rng.integers`` row indices, chunk by chunk)."""
    size = rows if size is None else size
    rng = np.random.default_rng(seed)
    most = max(1, CHUNK_CELLS // max(rows, size, 1))
    for start in range(0, samples, most):
        chunk = min(most, samples - start)
        drawn = rng.integers(0, rows, (chunk, size))
        flat = (drawn + rows * np.arange(chunk)[:, None]).ravel()
        yield np.bincount(flat, minlength=chunk * rows).reshape(chunk, rows).astype(np.float64)


def scores(held: HeldOut, counts: FloatArray) -> dict[str, FloatArray]:
    """Every metric of the task on each redraw (NaN where a redraw cannot give it)."""
    if held.task == "regression":
        return _regression(held, counts)
    return _classification(held, counts)


def _regression(held: HeldOut, counts: FloatArray) -> dict[str, FloatArray]:
    truth = held.truth.astype(np.float64)
    error = truth - held.predicted.astype(np.float64)
    n = counts.sum(axis=1)
    mean = counts @ truth / n
    total = counts @ (truth * truth) - n * mean * mean
    squared = counts @ (error * error)
    with np.errstate(divide="ignore", invalid="ignore"):
        r2 = np.where(total > 0, 1 - squared / total, np.nan)
    return {
        "r2": r2,
        "rmse": np.sqrt(squared / n),
        "mae": counts @ np.abs(error) / n,
    }


def _classification(held: HeldOut, counts: FloatArray) -> dict[str, FloatArray]:
    assert held.classes is not None
    classes = list(held.classes)
    k = len(classes)
    index = {label: i for i, label in enumerate(classes)}
    truth = np.array([index.get(label, -1) for label in held.truth])  # -1: a class it never knew
    predicted = np.array([index.get(label, -1) for label in held.predicted])
    n = counts.sum(axis=1)
    # Per redraw and class: rows of the class, rows predicted as it, and both. Sums of counts over
    # one-hot columns, kept sparse so that many classes cost no more memory than the counts do.
    actual = _per_class(counts, truth, k)
    said = _per_class(counts, predicted, k)
    hits = _per_class(counts, np.where(truth == predicted, truth, -1), k)
    right = hits.sum(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(actual > 0, hits / actual, np.nan)
        precision = np.where(said > 0, hits / said, 0.0)
        recall_zero = np.nan_to_num(recall)
        f1 = np.where(
            precision + recall_zero > 0,
            2 * precision * recall_zero / (precision + recall_zero),
            0.0,
        )
    result = {
        "accuracy": right / n,
        "balanced_accuracy": np.nanmean(recall, axis=1),
    }
    if k == 2:
        result.update(precision=precision[:, 1], recall=recall_zero[:, 1], f1=f1[:, 1])
    else:
        present = (actual > 0) | (said > 0)  # scikit-learn averages over the labels it sees
        result.update(
            precision=_mean_over(precision, present),
            recall=_mean_over(recall_zero, present),
            f1=_mean_over(f1, present),
        )
    if held.proba is not None:
        proba = held.proba
        if k == 2:
            result["roc_auc"] = _auc(proba[:, 1], truth == 1, counts)
        elif k <= MAX_AUC_CLASSES:
            every = (actual > 0).all(axis=1)
            auc = np.mean([_auc(proba[:, c], truth == c, counts) for c in range(k)], axis=0)
            result["roc_auc"] = np.where(every, auc, np.nan)
        if (truth >= 0).all():  # a class the model never knew has no probability to score
            eps = np.finfo(proba.dtype).eps
            loss = -np.log(np.clip(proba[np.arange(len(truth)), truth], eps, 1 - eps))
            result["log_loss"] = counts @ loss / n
    return result


def _per_class(counts: FloatArray, labels: np.ndarray[Any, Any], k: int) -> FloatArray:
    """For each redraw, the counts of the rows of each class in ``labels`` (-1: none)."""
    rows = np.flatnonzero(labels >= 0)
    onehot = sparse.csr_matrix((np.ones(len(rows)), (rows, labels[rows])), shape=(len(labels), k))
    return np.asarray((onehot.T @ counts.T).T)


def _mean_over(values: FloatArray, present: np.ndarray[Any, Any]) -> FloatArray:
    return np.asarray((values * present).sum(axis=1) / present.sum(axis=1))


def _auc(score: FloatArray, positive: np.ndarray[Any, Any], counts: FloatArray) -> FloatArray:
    """ROC AUC on each redraw: the chance that a drawn positive row scores above a drawn
    negative one, ties counting half (Mann–Whitney, weighted by the counts). With the rows sorted
    by score, a running sum of the negatives' counts is read, for each positive row, at the start
    and the end of its run of equal scores."""
    order = np.argsort(score, kind="stable")
    ordered, is_positive = score[order], positive[order]
    first = np.concatenate([[True], ordered[1:] != ordered[:-1]])
    start = np.maximum.accumulate(np.where(first, np.arange(len(order)), 0))  # of each one's run
    end = np.concatenate([np.flatnonzero(first)[1:], [len(order)]])[np.cumsum(first) - 1]
    negatives_before = np.concatenate([[0], np.cumsum(~is_positive)])  # negative rows before i
    by_row = np.ascontiguousarray(counts.T)  # rows × redraws
    running = np.cumsum(by_row[order[~is_positive]], axis=0)
    running = np.concatenate([np.zeros((1, len(counts))), running])
    rows = np.flatnonzero(is_positive)
    below = running[negatives_before[start[rows]]]  # negatives scoring lower
    tied = running[negatives_before[end[rows]]] - below  # negatives scoring the same
    drawn = by_row[order[rows]]
    pairs = drawn.sum(axis=0) * running[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(pairs > 0, (drawn * (below + tied / 2)).sum(axis=0) / pairs, np.nan)


def _bounds(values: FloatArray) -> list[float] | None:
    kept = values[np.isfinite(values)]
    if len(kept) < len(values) // 2:  # too few redraws could give this score
        return None
    tail = (1 - LEVEL) / 2 * 100
    low, high = np.percentile(kept, [tail, 100 - tail])
    return [float(low), float(high)]


def resampled(
    held: HeldOut, samples: int, seed: int, size: int | None = None
) -> dict[str, FloatArray]:
    """Every metric on each of ``samples`` redraws of ``size`` rows (all of them by default)."""
    drawn: dict[str, list[FloatArray]] = {}
    for counts in redraws(len(held.truth), samples, seed, size):
        for name, values in scores(held, counts).items():
            drawn.setdefault(name, []).append(values)
    return {name: np.concatenate(chunks) for name, chunks in drawn.items()}


def intervals(held: HeldOut, seed: int, samples: int | None = None) -> dict[str, list[float]]:
    """The 95 % interval of every metric the redraws can give. By default ``BOOTSTRAP_SAMPLES``
    redraws, fewer (down to ``FEWEST_SAMPLES``) for many rows: a run's intervals are computed as
    it trains, and with many rows the intervals are narrow and settle with fewer redraws."""
    if samples is None:
        samples = max(FEWEST_SAMPLES, min(BOOTSTRAP_SAMPLES, TRAINING_CELLS // len(held.truth)))
    result = {}
    for name, values in resampled(held, samples, seed).items():
        bounds = _bounds(values)
        if bounds is not None:
            result[name] = bounds
    return result


def compare(
    first: HeldOut, second: HeldOut, metric: str, seed: int, samples: int = BOOTSTRAP_SAMPLES
) -> dict[str, Any]:
    """``first`` against ``second`` on ``metric``, both scored on the same redraws of the same
    rows: the difference of their scores, its 95 % interval and the verdict ("better", "worse" or
    "not distinguishable", of ``first``; for an error, lower is better). Where the rows cannot
    score the measure (a class missing from most redraws) the difference and interval are None
    and the runs are not distinguishable."""
    differences = []
    for counts in redraws(len(first.truth), samples, seed):
        differences.append(scores(first, counts)[metric] - scores(second, counts)[metric])
    full = np.ones((1, len(first.truth)))
    difference = float(scores(first, full)[metric][0] - scores(second, full)[metric][0])
    bounds = _bounds(np.concatenate(differences))
    lower_better = metric in LOWER_IS_BETTER
    if bounds is None or not np.isfinite(difference):  # too few redraws could score both
        return {"metric": metric, "difference": None, "interval": None, "verdict": UNSCORED}
    if bounds[0] > 0:
        verdict = "worse" if lower_better else "better"
    elif bounds[1] < 0:
        verdict = "better" if lower_better else "worse"
    else:
        verdict = "not distinguishable"
    return {"metric": metric, "difference": difference, "interval": bounds, "verdict": verdict}
