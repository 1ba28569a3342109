"""Column roles: the column a dataset's models predict (its target), remembered once chosen, and
the one stated rule that proposes a target while none is chosen.

The rule, used by the training dialog, the Datasets pane and the command line alike (the first
step that finds a column wins):

1. a column named target, label, class, outcome, status, y or churn (case and spaces around it
   ignored; in that order when several are), if it holds at least two different values;
2. else the last categorical or yes/no column holding 2 to 10 different values: labels to sort
   rows into, and a table's answer is usually written after its inputs;
3. else no proposal: the analyst chooses. The last column is never taken silently, since it is as
   often a number among the inputs (a price) as the answer.

A dataset's target is chosen in the Datasets pane ("Set as target", ``datasets target NAME COL``)
or, when it has none, by its first training; it holds for every version that has the column.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import audit
from mlops_desktop.core.store.models import Dataset, DatasetVersion
from mlops_desktop.core.workspace import Workspace

TARGET_NAMES = ("target", "label", "class", "outcome", "status", "y", "churn")
FEWEST_LEVELS, MOST_LEVELS = 2, 10
MAX_CLASSES_FOR_INTEGERS = 20  # a numeric target with at most this many whole values: classes
CLASSES_NAMED = 5  # a task sentence names up to this many classes


@dataclass(frozen=True)
class TargetChoice:
    """The column a training would predict and why: remembered for the dataset, or proposed by
    the rule (``proposed`` True: the analyst has not confirmed it yet)."""

    column: str
    reason: str
    proposed: bool


def propose_target(columns: Sequence[dict[str, Any]]) -> TargetChoice | None:
    """The rule's target among profiled ``columns`` (name, type, unique), or None."""
    usable = [column for column in columns if column.get("unique", 0) >= FEWEST_LEVELS]
    by_name = {str(column["name"]).strip().lower(): column for column in usable}
    for word in TARGET_NAMES:
        if word in by_name:
            name = by_name[word]["name"]
            return TargetChoice(name, f"its name, '{name}', says it is the answer", True)
    labels = [
        column
        for column in usable
        if column["type"] in datasets.LABEL_TYPES and column["unique"] <= MOST_LEVELS
    ]
    if labels:
        chosen = labels[-1]
        return TargetChoice(
            chosen["name"],
            f"no column is named like an answer, and '{chosen['name']}' is the last column "
            f"holding a few labels ({chosen['unique']})",
            True,
        )
    return None


def target_choice(version: DatasetVersion) -> TargetChoice | None:
    """What a training on ``version`` predicts unless told otherwise: the dataset's remembered
    target when this version has that column, else the rule's proposal (or None)."""
    remembered = version.dataset.target
    if remembered is not None and remembered in _names(version):
        return TargetChoice(remembered, "it is the target chosen for this dataset", False)
    return propose_target(version.profile["columns"])


def _names(version: DatasetVersion) -> list[str]:
    return [column["name"] for column in version.schema]


def set_target(workspace: Workspace, ref: str, column: str) -> str:
    """Remember ``column`` as the target of the dataset ``ref`` names (which must have it in the
    version ``ref`` names); returns the column."""
    with workspace.store.write() as session:
        version = datasets.resolve(session, ref)
        if column not in _names(version):
            raise UserError(
                f"{datasets.reference(version)} has no column named '{column}'; its columns are "
                + ", ".join(_names(version))
                + "."
            )
        dataset = version.dataset
        if dataset.target != column:
            audit.record(
                session,
                "dataset.target",
                f"dataset:{dataset.name}",
                target=column,
                previous=dataset.target,
            )
            dataset.target = column
    return column


def remember_first_target(workspace: Workspace, name: str, column: str) -> None:
    """Remember ``column`` as the dataset's target if it has none yet (its first training)."""
    with workspace.store.write() as session:
        dataset = session.scalars(select(Dataset).where(Dataset.name == name)).one_or_none()
        if dataset is not None and dataset.target is None:
            dataset.target = column
            audit.record(session, "dataset.target", f"dataset:{name}", target=column, previous=None)


def roles_record(workspace: Workspace, ref: str) -> dict[str, Any]:
    """``{"target", "proposed_target", "proposed_reason"}`` of the version ``ref`` names: the
    remembered target (None when unset, or when this version lacks the column) and the rule's
    proposal."""
    version = datasets.get_version(workspace, ref)
    remembered = version.dataset.target
    proposal = propose_target(version.profile["columns"])
    return {
        "target": remembered if remembered in _names(version) else None,
        "proposed_target": proposal.column if proposal else None,
        "proposed_reason": proposal.reason if proposal else None,
    }


def task_sentence(task: str, target: str, classes: Sequence[str]) -> str:
    """ "This will be a classification of Status (good / bad)", or a regression of a number."""
    if task == "regression":
        return f"This will be a regression of {target}: the model will predict a number."
    named = " / ".join(classes[:CLASSES_NAMED])
    if len(classes) > CLASSES_NAMED:
        named = f"{len(classes):,} classes: {named} / …"
    return f"This will be a classification of {target} ({named})."


def detect_task(target: pd.Series, target_type: str) -> tuple[str, str]:
    """Classification or regression for this target column, and why, in a sentence."""
    values = target.dropna()
    if target_type != "numeric":
        return (
            "classification",
            f"'{target.name}' holds labels, so the model will sort rows into classes.",
        )
    distinct = values.nunique()
    whole = bool(np.all(np.mod(values.to_numpy(dtype=float), 1) == 0))
    if whole and distinct <= MAX_CLASSES_FOR_INTEGERS:
        return (
            "classification",
            f"'{target.name}' holds {distinct} whole-number values, so each is treated as a class.",
        )
    return "regression", f"'{target.name}' holds numbers, so the model will predict a number."
