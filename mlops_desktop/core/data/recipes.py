"""Recipes in the workspace: preparing a dataset version makes a new version; recipes saved by
name; and the lineage a model trained on a prepared version needs to predict from raw rows.

A prepared version records its parent version and its recipe (the steps as given, and as fitted
on the parent's rows). Preparing a prepared version again chains recipes: ``lineage`` walks back
to the imported version the chain started from.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd
from sqlalchemy import select
from sqlalchemy.orm import Session

from mlops_desktop.core.data import datasets, preparation
from mlops_desktop.core.data.preparation import Step
from mlops_desktop.core.data.reading import read_json
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import audit
from mlops_desktop.core.names import MAX_NAME_LENGTH, check_name
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.store.models import DatasetVersion, Recipe
from mlops_desktop.core.workspace import Workspace

if TYPE_CHECKING:
    from mlops_desktop.core.data.column_steps import ColumnSteps

PREPARED = " prepared"  # added to a dataset's name for its prepared versions


def prepare(
    workspace: Workspace,
    ref: str,
    steps: Any,
    name: str | None = None,
    recipe_name: str | None = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Apply the recipe ``steps`` (as read from JSON) to the dataset version ``ref`` and store the
    result as the next version of dataset ``name`` (default: ``default_name``). Returns the new
    version's record, with its ``parent``; nothing is stored if a step is refused."""
    progress(0.0, "Reading the data")
    version = datasets.get_version(workspace, ref)
    parent = f"{version.dataset.name}@{version.version}"
    parsed = preparation.parse(steps, version.schema)
    if not parsed:
        raise UserError("The recipe has no steps; add at least one.")
    target = check_name(name if name is not None else default_name(version), "dataset")
    frame = datasets.load_frame(workspace, version)
    check_cancel(cancel)
    progress(0.2, f"Applying {len(parsed)} steps")
    prepared = preparation.run(frame, version.schema, parsed, cancel)
    if prepared.frame.empty:
        raise UserError("The recipe leaves no rows; loosen its filters or row steps.")
    check_cancel(cancel)
    source = datasets.Source(
        name=f"{parent}, prepared",
        sha256=version.content_hash,
        options={"format": f"prepared from {parent} with {_steps_word(len(parsed))}"},
        parent_version_id=version.id,
        recipe={"name": recipe_name, "steps": parsed, "fitted": prepared.fitted},
        target=version.dataset.target if version.dataset.target in prepared.columns else None,
    )
    result = datasets.store_version(
        workspace,
        target,
        preparation.to_table(prepared.frame, prepared.columns),
        [{"name": n, "type": t} for n, t in prepared.columns.items()],
        source,
        progress=sub_progress(progress, 0.5, 1.0),
        cancel=cancel,
    )
    return {
        **datasets.show(workspace, f"{result.name}@{result.version}"),
        "created": result.created,
    }


def default_name(version: DatasetVersion) -> str:
    """Where a prepared version goes unless told: "loans prepared" for a version of "loans", so
    the raw versions and their rules stay apart from the prepared ones; a prepared version
    prepared again stays in its own dataset."""
    if version.parent_version_id is not None:
        return version.dataset.name
    return f"{version.dataset.name[: MAX_NAME_LENGTH - len(PREPARED)]}{PREPARED}"


def read_recipe(path: Path) -> Any:
    """The steps in a recipe file (a JSON list; ``prepare`` checks them)."""
    return read_json(path, "a recipe")


def _steps_word(count: int) -> str:
    return f"{count} step" + ("" if count == 1 else "s")


# --- saved recipes -------------------------------------------------------------------------------


def save(workspace: Workspace, name: str, steps: list[Step]) -> None:
    """Save (or replace) the recipe ``name``; ``steps`` were checked by ``preparation.parse``."""
    name = check_name(name, "recipe")
    if not steps:
        raise UserError("The recipe has no steps; add at least one before saving it.")
    unfitted = [{k: v for k, v in step.items() if k not in preparation.LEARNED} for step in steps]
    with workspace.store.write() as session:
        recipe = session.scalars(select(Recipe).where(Recipe.name == name)).one_or_none()
        if recipe is None:
            session.add(Recipe(name=name, steps=unfitted))
        else:
            recipe.steps, recipe.updated_at = unfitted, datetime.now(UTC)
        audit.record(session, "recipe.save", f"recipe:{name}", steps=len(unfitted))


def saved(workspace: Workspace) -> list[dict[str, Any]]:
    """Every saved recipe: name, steps and when it was last saved, by name."""
    with workspace.store.read() as session:
        return [
            {"name": r.name, "steps": r.steps, "updated": r.updated_at.isoformat()}
            for r in session.scalars(select(Recipe).order_by(Recipe.name))
        ]


def load(workspace: Workspace, name: str) -> list[Step]:
    with workspace.store.read() as session:
        recipe = session.scalars(select(Recipe).where(Recipe.name == name)).one_or_none()
        if recipe is None:
            raise UserError(f"There is no saved recipe named '{name}'.")
        return list(recipe.steps)


def delete(workspace: Workspace, name: str) -> None:
    with workspace.store.write() as session:
        recipe = session.scalars(select(Recipe).where(Recipe.name == name)).one_or_none()
        if recipe is None:
            raise UserError(f"There is no saved recipe named '{name}'.")
        session.delete(recipe)
        audit.record(session, "recipe.delete", f"recipe:{name}")


# --- what a model trained on a prepared version needs ---------------------------------------------


@dataclass(frozen=True)
class Lineage:
    """The imported version a prepared version comes from, and every fitted step in between."""

    root: DatasetVersion
    steps: list[Step]


def preparation_chain(session: Session, version_id: int) -> list[DatasetVersion]:
    """The version and each version it was prepared from, the one the chain started from first
    (a version that was imported, or whose parent was deleted, is a chain of one)."""
    chain: list[DatasetVersion] = []
    current = session.get(DatasetVersion, version_id)
    while current is not None:
        chain.insert(0, current)
        if not (current.recipe and current.parent_version_id):
            break
        current = session.get(DatasetVersion, current.parent_version_id)
    return chain


def lineage(workspace: Workspace, version: DatasetVersion) -> Lineage | None:
    """None for a version that was imported (or whose parent was deleted)."""
    with workspace.store.read() as session:
        chain = preparation_chain(session, version.id)
        steps: list[Step] = [
            step for prepared in chain[1:] if prepared.recipe for step in prepared.recipe["fitted"]
        ]
        if not steps:
            return None
        _ = chain[0].dataset.name  # load while the session is open
        return Lineage(chain[0], steps)


def raw_rows(workspace: Workspace, version: DatasetVersion) -> pd.DataFrame | None:
    """The imported rows each row of a prepared ``version`` came from, in its order (None for
    an imported version). The fitted steps run again from the import to find them."""
    found = lineage(workspace, version)
    if found is None:
        return None
    frame = datasets.load_frame(workspace, found.root)
    positions = preparation.run(frame, found.root.schema, found.steps).positions
    return frame.iloc[positions].reset_index(drop=True)


def column_steps(
    workspace: Workspace, version: DatasetVersion, features: list[dict[str, Any]]
) -> "ColumnSteps | None":
    """The first step of the pipeline of a model trained on ``version`` with ``features``: the
    column steps that make them from the raw columns. None for an imported version."""
    found = lineage(workspace, version)
    if found is None:
        return None
    steps, raw_names = preparation.travelling_steps(found.steps, [f["name"] for f in features])
    frame = datasets.load_frame(workspace, found.root)
    missing = {column["name"]: column["missing"] for column in found.root.profile["columns"]}
    inputs = []
    for column in found.root.schema:
        if column["name"] not in raw_names:
            continue
        entry: dict[str, Any] = {
            "name": column["name"],
            "type": column["type"],
            "required": not missing.get(column["name"], 0),
        }
        if column["type"] == "categorical":
            values = frame[column["name"]].dropna()
            entry["categories"] = sorted(preparation.category_text(v) for v in values.unique())
        inputs.append(entry)
    from mlops_desktop.core.data.column_steps import ColumnSteps  # scikit-learn: only when training

    return ColumnSteps(steps, inputs, features)
