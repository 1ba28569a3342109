"""Warnings that matter before training, in the order a newcomer should read them.

Each column's own warnings come from its stored profile (missing values with their count and
share, one value only, an ID); those about the likely target (the dataset's target, else the
proposed one, see ``roles``) are measured now, since the target may change after the import:

- a minority class: a class holding under 30 % of the rows for two classes, or under 60 % of an
  even share for more (0.6 / k: 20 % for three classes), so a model that mostly says the common
  class still scores well on accuracy;
- a leak: a column that predicts the target almost perfectly on its own. Kept cheap: on a seeded
  sample of at most ``LEAK_SAMPLE_ROWS`` rows, each column is cut into at most ``LEAK_GROUPS``
  groups (its labels, or ranges of equal row counts for a number; missing values a group of
  their own); each group's answer (its commonest class, or mean for a number) is learned on one
  half of the sample and scored on the other. A classification's leak scores a balanced accuracy
  of at least ``LEAK_SCORE``, a regression's an R² of at least ``LEAK_SCORE`` (for a number, the
  better of its ranges and a straight line through it).
"""

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mlops_desktop.core.data import datasets, roles
from mlops_desktop.core.data.profiling import column_warnings, missing_warning
from mlops_desktop.core.store.models import DatasetVersion
from mlops_desktop.core.vocabulary import counted, share_text
from mlops_desktop.core.workspace import Workspace

MINORITY_SHARE = 0.3  # of the rows, for two classes; 0.6 / k of them for k classes
LEAK_SAMPLE_ROWS = 5000
LEAK_GROUPS = 20
LEAK_SCORE = 0.98
SAMPLE_SEED = 0


@dataclass(frozen=True)
class Advice:
    """One warning: its sentence, what it is about (``missing``, ``minority``, ``leak`` or
    ``column`` for a column's other warnings) and the column it names."""

    text: str
    kind: str
    column: str


def dataset_warnings(workspace: Workspace, version: DatasetVersion) -> list[Advice]:
    """Every warning about ``version``: the likely target's first, then each column's."""
    frame = datasets.load_frame(workspace, version)
    choice = roles.target_choice(version)
    found = target_warnings(frame, version.schema, choice.column) if choice else []
    for entry in version.profile["columns"]:
        name = entry["name"]
        id_like_type = pd.api.types.is_integer_dtype(frame[name]) or entry["type"] in (
            "categorical",
            "text",
        )
        missing = missing_warning(entry, version.n_rows)
        for text in column_warnings(entry, version.n_rows, id_like_type):
            kind = "missing" if text == missing else "column"
            found.append(Advice(text, kind, name))
    return found


def target_warnings(frame: pd.DataFrame, schema: list[dict[str, str]], target: str) -> list[Advice]:
    """A minority class of ``target`` and the columns that leak it."""
    types = {column["name"]: column["type"] for column in schema}
    y = frame[target]
    if y.notna().sum() < 2:
        return []
    task, _reason = roles.detect_task(y, types[target])
    found = _minority(y) if task == "classification" else []
    sample = frame[frame[target].notna()]
    if len(sample) > LEAK_SAMPLE_ROWS:
        sample = sample.sample(LEAK_SAMPLE_ROWS, random_state=SAMPLE_SEED)
    for name, kind in types.items():
        if name == target or kind in ("text", "datetime"):
            continue
        score = _alone_score(sample[name], sample[target], task, kind)
        if score is not None and score >= LEAK_SCORE:
            measure = "balanced accuracy" if task == "classification" else "R²"
            found.append(
                Advice(
                    f"'{name}' alone predicts '{target}' almost perfectly ({measure} "
                    f"{score:.3f} on a sample): it may hold the answer (a leak, such as a column "
                    "filled in after the outcome). Leave it out unless it is known when "
                    "predicting.",
                    "leak",
                    name,
                )
            )
    return found


def _minority(y: "pd.Series[Any]") -> list[Advice]:
    counts = y.value_counts()
    if len(counts) < 2:
        return []
    smallest, rows = counts.index[-1], int(counts.iloc[-1])
    if rows / counts.sum() >= MINORITY_SHARE * 2 / len(counts):
        return []
    return [
        Advice(
            f"The class '{smallest}' is only {share_text(rows, int(counts.sum()))} of "
            f"'{y.name}' ({rows:,} of {counted(int(counts.sum()), 'row')}): a "
            f"model can look accurate by mostly saying '{counts.index[0]}'; judge it by balanced "
            "accuracy or ROC AUC.",
            "minority",
            str(y.name),
        )
    ]


def _groups(column: "pd.Series[Any]", kind: str) -> "pd.Series[Any] | None":
    """Each row's group: its label, or its range of a number; None when there are too many
    labels to tell a leak from a column that names each row."""
    if kind == "numeric" and column.nunique() > LEAK_GROUPS:
        ranges = pd.qcut(column, LEAK_GROUPS, labels=False, duplicates="drop")
        return ranges.astype("float64").fillna(-1)
    if column.nunique() > LEAK_GROUPS:
        return None
    return column.astype(object).where(column.notna(), "(missing)").astype(str)


def _alone_score(
    column: "pd.Series[Any]", y: "pd.Series[Any]", task: str, kind: str
) -> float | None:
    """How well ``column``'s groups alone predict ``y`` on the half of the rows they were not
    learned on (None when it cannot be measured)."""
    groups = _groups(column, kind)
    if groups is None or groups.nunique() < 2 or len(y) < 20:
        return None
    group, _labels = pd.factorize(groups)
    learn = np.random.default_rng(SAMPLE_SEED).random(len(y)) < 0.5
    if task == "classification":
        answer, classes = pd.factorize(y)
        counts = np.zeros((group.max() + 1, len(classes)))
        np.add.at(counts, (group[learn], answer[learn]), 1)
        seen = counts.sum(axis=1) > 0
        commonest = np.where(seen, counts.argmax(axis=1), np.bincount(answer[learn]).argmax())
        right = commonest[group[~learn]] == answer[~learn]
        truth = answer[~learn]
        return float(np.mean([right[truth == label].mean() for label in np.unique(truth)]))
    numbers = y.to_numpy(dtype=float)
    sums = np.bincount(group[learn], numbers[learn], minlength=group.max() + 1)
    sizes = np.bincount(group[learn], minlength=group.max() + 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        means = np.where(sizes > 0, sums / sizes, numbers[learn].mean())
    truth = numbers[~learn]
    total = float(((truth - truth.mean()) ** 2).sum())
    if total == 0:
        return None
    binned = 1 - float(((truth - means[group[~learn]]) ** 2).sum()) / total
    return (
        max(binned, _straight_line_score(column, numbers, learn)) if kind == "numeric" else binned
    )


def _straight_line_score(
    column: "pd.Series[Any]", numbers: np.ndarray[Any, Any], learn: np.ndarray[Any, Any]
) -> float:
    """R² of a straight line through ``column`` learned on one half, scored on the other (ranges
    alone miss a copy of a bell-shaped number: their outer ranges are wide)."""
    x = column.to_numpy(dtype=float)
    present = ~np.isnan(x)
    fit, score = learn & present, ~learn & present
    if fit.sum() < 2 or score.sum() < 2 or np.ptp(x[fit]) == 0:
        return 0.0
    slope, intercept = np.polyfit(x[fit], numbers[fit], 1)
    truth = numbers[score]
    total = float(((truth - truth.mean()) ** 2).sum())
    if total == 0:
        return 0.0
    return 1 - float(((truth - slope * x[score] - intercept) ** 2).sum()) / total
