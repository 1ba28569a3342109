"""Datasets: import, versioning, profiles, export and deletion.

The CLI and the GUI both import through ``import_file``, so they detect formats and types identically.
A version is immutable: its rows live in a content-addressed Parquet artifact and its record (schema,
profile, changes from the previous version) is written in one transaction after the artifact is
complete, so an interrupted import leaves no half-written version.
"""

import logging
import re
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from datetime import datetime
from functools import cached_property
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from mlops_desktop.core.data import encodings, validation
from mlops_desktop.core.data.column_types import ColumnGuess, convert, guess_types
from mlops_desktop.core.data.profiling import changes_between, content_hash, profile
from mlops_desktop.core.data.reading import (
    FileFormat,
    FormatChoices,
    WrongEncoding,
    detect_format,
    read_sample,
    read_table,
)
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.governance import audit
from mlops_desktop.core.listing import list_datasets as list_datasets
from mlops_desktop.core.names import MAX_NAME_LENGTH, check_name
from mlops_desktop.core.progress import (
    CancelCheck,
    Progress,
    check_cancel,
    never_cancel,
    no_progress,
    sub_progress,
)
from mlops_desktop.core.store.models import Dataset, DatasetVersion, Run
from mlops_desktop.core.vocabulary import COLUMN_TYPES, counted
from mlops_desktop.core.workspace import Workspace

log = logging.getLogger(__name__)

PARQUET = ".parquet"
ROW_GROUP_ROWS = 16_384  # a table view reads one at a time: small enough to read at once
LABEL_TYPES = ("categorical", "boolean")


@dataclass(frozen=True)
class Preview:
    """What the import dialog shows before anything is stored."""

    format: FileFormat
    columns: list[ColumnGuess]
    rows: list[list[str]]


@dataclass(frozen=True)
class ImportResult:
    name: str
    version: int
    rows: int
    columns: int
    content_hash: str
    created: bool
    created_at: datetime
    format: str
    converted_to_missing: dict[str, int] = field(default_factory=dict)

    def message(self) -> str:
        if not self.created:
            return (
                f"'{self.name}' already has this exact content as version {self.version}; "
                "no new version was made."
            )
        return f"Imported '{self.name}' version {self.version}: {self.rows:,} rows, {self.columns} columns."

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "rows": self.rows,
            "columns": self.columns,
            "content_hash": self.content_hash,
            "created": self.created,
            "created_at": self.created_at.isoformat(),
        }


def suggested_name(path: Path) -> str:
    return re.sub(r"\s+", " ", path.stem.replace("_", " ")).strip()[:MAX_NAME_LENGTH] or "data"


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def preview(path: Path, choices: FormatChoices | None = None, n_rows: int = 50) -> Preview:
    """Detect the format and column types from the start of the file; stores nothing."""
    choices = choices or FormatChoices()
    fmt = detect_format(path, choices)
    sample = read_sample(path, fmt)
    guesses = _typed_guesses(sample, choices.column_types, fmt.decimal)
    head = sample.slice(0, n_rows).to_pylist()
    rows = [[_cell_text(record[name]) for name in sample.column_names] for record in head]
    return Preview(format=fmt, columns=guesses, rows=rows)


def _typed_guesses(
    table: pa.Table, overrides: dict[str, str], decimal: str = "."
) -> list[ColumnGuess]:
    unknown = [name for name in overrides if name not in table.column_names]
    if unknown:
        raise UserError(f"The file has no column named '{unknown[0]}'.")
    for name, kind in overrides.items():
        if kind not in COLUMN_TYPES:
            raise UserError(
                f"'{kind}' is not a column type (for '{name}'); use one of {', '.join(COLUMN_TYPES)}."
            )
    return [
        ColumnGuess(guess.name, overrides[guess.name], guess.note)  # type: ignore[arg-type]
        if guess.name in overrides
        else guess
        for guess in guess_types(table, decimal)
    ]


def _apply_types(
    table: pa.Table, guesses: list[ColumnGuess], decimal: str
) -> tuple[pa.Table, dict[str, int]]:
    columns, became_missing = [], {}
    for guess in guesses:
        try:
            column, lost = convert(table.column(guess.name), guess.type, guess.name, decimal)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:  # e.g. nested Parquet values
            raise UserError(
                f"The column '{guess.name}' holds values that cannot be stored as {guess.type} "
                "(such as lists, records, raw bytes or numbers too large); choose another type "
                "for it or leave it out of the file."
            ) from exc
        columns.append(column)
        if lost:
            became_missing[guess.name] = lost
    return pa.Table.from_arrays(columns, names=table.column_names), became_missing


def _find_dataset(session: Session, name: str) -> Dataset | None:
    return session.scalars(select(Dataset).where(Dataset.name == name)).one_or_none()


def import_file(
    workspace: Workspace,
    path: Path,
    name: str | None = None,
    choices: FormatChoices | None = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> ImportResult:
    """Import a file as a new version of dataset ``name`` (default: from the file name)."""
    path = Path(path)
    choices = choices or FormatChoices()
    name = check_name(name if name is not None else suggested_name(path), "dataset")
    progress(0.0, "Looking at the file")
    fmt = detect_format(path, choices)
    try:
        table, source_sha = read_table(path, fmt, sub_progress(progress, 0.0, 0.6), cancel)
    except WrongEncoding:
        if choices.encoding is not None or fmt.encoding != "utf-8":
            raise
        # Accents only past the part sampled for detection: guessed from where they begin.
        fmt = replace(fmt, encoding=encodings.detect_past_sample(path))
        table, source_sha = read_table(path, fmt, sub_progress(progress, 0.0, 0.6), cancel)
    check_cancel(cancel)
    progress(0.6, "Detecting column types")
    guesses = _typed_guesses(table, choices.column_types, fmt.decimal)
    table, became_missing = _apply_types(table, guesses, fmt.decimal)
    check_cancel(cancel)
    source = Source(
        name=path.name,
        sha256=source_sha,
        options={"format": fmt.describe(), **_format_json(fmt)},
    )
    notes = {guess.name: guess.note for guess in guesses if guess.note}
    schema = [{"name": guess.name, "type": guess.type} for guess in guesses]
    result = store_version(
        workspace, name, table, schema, source, notes, sub_progress(progress, 0.7, 1.0), cancel
    )
    return replace(result, converted_to_missing=became_missing)


@dataclass(frozen=True)
class Source:
    """Where a version's rows came from: an imported file, or a parent version and a recipe."""

    name: str  # the file's name, or a description such as "sales@2, prepared"
    sha256: str  # the file's SHA-256, or the parent version's content hash
    options: dict[str, Any]  # how it was read ("format" describes it in words)
    parent_version_id: int | None = None
    recipe: dict[str, Any] | None = None
    target: str | None = None  # a dataset without a target takes this one (a parent's target)


def store_version(
    workspace: Workspace,
    name: str,
    table: pa.Table,
    schema: list[dict[str, str]],
    source: Source,
    notes: dict[str, str] | None = None,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> ImportResult:
    """Record ``table`` as the next version of dataset ``name`` (created if new), unless a version
    of it has exactly this content already. Used by import and by data preparation."""
    types = [column["type"] for column in schema]
    progress(0.0, "Profiling the columns and saving the data")
    # Three independent passes over data already in memory. Arrow, numpy and hashlib release the
    # GIL, so they overlap on several cores. Re-importing identical content wastes the other two,
    # a price paid rarely, to make every new version faster.
    # The new file is safe from a sweep by another process (``upkeep``) until its record is in.
    with workspace.artifacts.new(PARQUET) as data_file:
        with ThreadPoolExecutor(3) as pool:
            hashed = pool.submit(content_hash, table, types)
            profiled = pool.submit(profile, table, types, notes or {})
            written = pool.submit(_write_parquet, table, types, data_file.path)
            digest = hashed.result()
            same = _version_with_content(workspace, name, digest, source)
            if same is not None:
                progress(1.0, "Already there")
                return same
            summary = profiled.result()
            written.result()
        check_cancel(cancel)
        artifact_sha = data_file.add()
        try:
            check_cancel(cancel)
            progress(0.7, "Comparing with the previous version")
            draft = _VersionDraft(name, source, table, schema, summary, digest, artifact_sha)
            result = _record_version(workspace, draft, cancel)
        except BaseException:
            _remove_unreferenced(workspace, artifact_sha)
            raise
        if not result.created:
            _remove_unreferenced(workspace, artifact_sha)
    progress(1.0, "Stored")
    return result


def _write_parquet(table: pa.Table, types: Sequence[str], path: Path) -> None:
    """Snappy-compressed, in row groups a table view reads one at a time. Dictionaries only for
    label columns (text columns gain nothing from them) and no page statistics (nothing reads
    them): together they halve the writing time at the same file size."""
    labels = [n for n, kind in zip(table.column_names, types, strict=True) if kind in LABEL_TYPES]
    pq.write_table(
        table,
        path,
        row_group_size=ROW_GROUP_ROWS,
        compression="snappy",
        use_dictionary=labels,
        write_statistics=False,
    )


def _version_with_content(
    workspace: Workspace, name: str, digest: str, source: Source
) -> ImportResult | None:
    """The existing version of dataset ``name`` with exactly this content, if there is one."""
    with workspace.store.read() as session:
        dataset = _find_dataset(session, name)
        if dataset is None:
            return None
        same = next((v for v in dataset.versions if v.content_hash == digest), None)
        return None if same is None else _result(dataset, same, created=False, source=source)


@dataclass(frozen=True)
class _VersionDraft:
    name: str
    source: Source
    table: pa.Table
    schema: list[dict[str, str]]
    summary: dict[str, Any]
    digest: str
    artifact_sha: str

    @cached_property
    def frame(self) -> pd.DataFrame:
        """The rows as a pandas frame, for the comparison with the previous version."""
        frame: pd.DataFrame = self.table.to_pandas()
        return frame


def _latest_version(workspace: Workspace, name: str) -> DatasetVersion | None:
    with workspace.store.read() as session:
        dataset = _find_dataset(session, name)
        return dataset.versions[-1] if dataset and dataset.versions else None


def _changes_from(
    workspace: Workspace, previous: DatasetVersion | None, draft: _VersionDraft
) -> dict[str, Any] | None:
    if previous is None:
        return None
    old_rows = load_frame(workspace, previous)
    return changes_between(previous.schema, old_rows, draft.schema, draft.frame)


def _validation_of(
    workspace: Workspace, draft: _VersionDraft
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """The rules a new version is checked against (its dataset's, or proposed for it), and the
    version's report. Checked before the write transaction, which stays short."""
    with workspace.store.read() as session:
        dataset = _find_dataset(session, draft.name)
        rules = validation.rules_for_version(session, dataset, draft.schema, draft.summary)
    return rules, validation.check(draft.table, draft.schema, rules, profile=draft.summary)


def _record_version(
    workspace: Workspace, draft: _VersionDraft, cancel: CancelCheck
) -> ImportResult:
    """Record a new version (unless one with the same content got in first), checked against
    its dataset's rules; a dataset without rules first gets those proposed for it. A failed
    check is in the version's report and its audit event; it never stops the version."""
    compared_with = _latest_version(workspace, draft.name)
    changes = _changes_from(workspace, compared_with, draft)
    checked_against, report = _validation_of(workspace, draft)
    check_cancel(cancel)
    with workspace.store.write() as session:
        dataset = _find_dataset(session, draft.name)
        if dataset is None:
            dataset = Dataset(name=draft.name)
            session.add(dataset)
            session.flush()
        if dataset.target is None:
            dataset.target = draft.source.target
        same = next((v for v in dataset.versions if v.content_hash == draft.digest), None)
        if same is not None:  # another import of the same content got in first
            return _result(dataset, same, created=False, source=draft.source)
        previous = dataset.versions[-1] if dataset.versions else None
        if (previous and previous.id) != (compared_with and compared_with.id):
            changes = _changes_from(workspace, previous, draft)  # another import got in first
        rules = validation.keep_rules_for_version(session, dataset, draft.schema, draft.summary)
        if rules != checked_against:  # the rules changed meanwhile
            report = validation.check(draft.table, draft.schema, rules, profile=draft.summary)
        version = DatasetVersion(
            dataset=dataset,
            version=(previous.version + 1) if previous else 1,
            source_name=draft.source.name,
            source_sha256=draft.source.sha256,
            content_hash=draft.digest,
            n_rows=draft.table.num_rows,
            n_columns=draft.table.num_columns,
            schema=draft.schema,
            profile=draft.summary,
            import_options=draft.source.options,
            artifact_sha256=draft.artifact_sha,
            changes=changes,
            validation=report,
            parent_version_id=draft.source.parent_version_id,
            recipe=draft.source.recipe,
        )
        session.add(version)
        session.flush()
        lineage = {"parent": reference(version.parent)} if version.parent else {}
        audit.record(
            session,
            "dataset.prepare" if version.parent else "dataset.import",
            f"dataset:{draft.name}@{version.version}",
            **lineage,
            source=draft.source.name,
            rows=draft.table.num_rows,
            columns=draft.table.num_columns,
            content_hash=draft.digest,
            validation_passed=report["passed"],
        )
        return _result(dataset, version, created=True, source=draft.source)


def _format_json(fmt: FileFormat) -> dict[str, Any]:
    return {
        "kind": fmt.kind,
        "encoding": fmt.encoding,
        "delimiter": fmt.delimiter,
        "decimal": fmt.decimal,
        "header": fmt.header,
        "sheet": fmt.sheet,
    }


def _result(
    dataset: Dataset, version: DatasetVersion, created: bool, source: Source
) -> ImportResult:
    return ImportResult(
        name=dataset.name,
        version=version.version,
        rows=version.n_rows,
        columns=version.n_columns,
        content_hash=version.content_hash,
        created=created,
        created_at=version.created_at,
        format=source.options["format"],
    )


def _remove_unreferenced(workspace: Workspace, artifact_sha: str) -> None:
    with workspace.store.read() as session:
        used = session.scalar(
            select(func.count()).where(DatasetVersion.artifact_sha256 == artifact_sha)
        )
    if not used:
        workspace.artifacts.remove(artifact_sha, PARQUET)


# --- references and queries -------------------------------------------------------------------


def parse_ref(ref: str) -> tuple[str, int | None]:
    """``NAME`` (latest) or ``NAME@3``."""
    name, _, version = ref.partition("@")
    if not version:
        return name.strip(), None
    if not version.isdigit():
        raise UserError(
            f"'{ref}' is not a dataset reference; use NAME or NAME@VERSION, as in sales@2."
        )
    return name.strip(), int(version)


def resolve(session: Session, ref: str) -> DatasetVersion:
    name, number = parse_ref(ref)
    dataset = _find_dataset(session, name)
    if dataset is None or not dataset.versions:
        raise UserError(f"There is no dataset named '{name}'.")
    if number is None:
        return dataset.versions[-1]
    for version in dataset.versions:
        if version.version == number:
            return version
    raise UserError(
        f"Dataset '{name}' has no version {number}; its latest is version {dataset.versions[-1].version}."
    )


def reference(version: DatasetVersion) -> str:
    """``name@3``: how the command line and messages name a version."""
    return f"{version.dataset.name}@{version.version}"


def version_record(version: DatasetVersion) -> dict[str, Any]:
    columns = {entry["name"]: entry for entry in version.profile["columns"]}
    return {
        "name": version.dataset.name,
        "version": version.version,
        "rows": version.n_rows,
        "columns_count": version.n_columns,
        "content_hash": version.content_hash,
        "source": version.source_name,
        "source_sha256": version.source_sha256,
        "created": version.created_at.isoformat(),
        "format": version.import_options.get("format"),
        "changes": version.changes,
        "validation": validation.summary(version.validation),
        "parent": reference(version.parent) if version.parent else None,
        "recipe": (
            {"name": version.recipe["name"], "steps": version.recipe["steps"]}
            if version.recipe
            else None
        ),
        "columns": [
            {k: v for k, v in columns[column["name"]].items() if k != "histogram"}
            for column in version.schema
        ],
    }


def show(workspace: Workspace, ref: str) -> dict[str, Any]:
    with workspace.store.read() as session:
        return version_record(resolve(session, ref))


def versions(workspace: Workspace, name: str) -> list[dict[str, Any]]:
    with workspace.store.read() as session:
        dataset = _find_dataset(session, name)
        if dataset is None:
            raise UserError(f"There is no dataset named '{name}'.")
        return [version_record(version) for version in reversed(dataset.versions)]


def get_version(workspace: Workspace, ref: str) -> DatasetVersion:
    """A detached version record (schema, profile, artifact) for display."""
    with workspace.store.read() as session:
        version = resolve(session, ref)
        _ = version.dataset.name  # load while the session is open
        return version


def parquet_path(workspace: Workspace, version: DatasetVersion) -> Path:
    # Parquet is data, not code: reading it needs no hash check, only the file.
    return workspace.artifacts.existing_path(version.artifact_sha256, PARQUET)


def load_frame(workspace: Workspace, version: DatasetVersion) -> pd.DataFrame:
    frame: pd.DataFrame = pq.read_table(parquet_path(workspace, version)).to_pandas()
    return frame


def export_csv(
    workspace: Workspace,
    ref: str,
    output: Path,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> dict[str, Any]:
    """Write a dataset version to a CSV file (UTF-8, comma-separated, header row)."""
    output = Path(output)
    if output.is_dir():
        raise UserError(f"{output} is a folder; give a file name to export to.")
    if not output.parent.is_dir():
        raise UserError(f"The folder {output.parent} does not exist.")
    version = get_version(workspace, ref)
    source = pq.ParquetFile(parquet_path(workspace, version))
    partial = output.with_name(f".{output.name}.partial")
    try:
        with pacsv.CSVWriter(partial, source.schema_arrow) as writer:
            for index in range(source.num_row_groups):
                check_cancel(cancel)
                writer.write_table(source.read_row_group(index))
                progress((index + 1) / source.num_row_groups, "Writing the CSV file")
        partial.replace(output)
    except PermissionError as exc:
        raise UserError(f"You do not have permission to write to {output}.") from exc
    finally:
        partial.unlink(missing_ok=True)
    with workspace.store.write() as session:
        audit.record(
            session,
            "dataset.export",
            f"dataset:{version.dataset.name}@{version.version}",
            output=str(output),
        )
    return {"rows": version.n_rows, "output": str(output)}


def delete_dataset(workspace: Workspace, name: str) -> None:
    """Delete a dataset with all its versions and their data files."""
    with workspace.store.write() as session:
        dataset = _find_dataset(session, name)
        if dataset is None:
            raise UserError(f"There is no dataset named '{name}'.")
        version_ids = [version.id for version in dataset.versions]
        used_by = session.scalar(
            select(func.count()).select_from(Run).where(Run.dataset_version_id.in_(version_ids))
        )
        if used_by:
            raise UserError(
                f"'{name}' was used to train {counted(used_by, 'run')}; delete those runs before the dataset."
            )
        artifacts = {version.artifact_sha256 for version in dataset.versions}
        session.delete(dataset)
        session.flush()
        still_used = set(
            session.scalars(
                select(DatasetVersion.artifact_sha256).where(
                    DatasetVersion.artifact_sha256.in_(artifacts)
                )
            )
        )
        audit.record(session, "dataset.delete", f"dataset:{name}", versions=len(version_ids))
    for sha in artifacts - still_used:
        workspace.artifacts.remove(sha, PARQUET)


def import_samples(
    workspace: Workspace,
    folder: Path,
    progress: Progress = no_progress,
    cancel: CancelCheck = never_cancel,
) -> list[ImportResult]:
    """Import every bundled sample file in ``folder`` (already-imported ones make no new version)."""
    files = sorted(path for path in folder.iterdir() if path.suffix == ".csv")
    results = []
    for index, path in enumerate(files):
        check_cancel(cancel)
        step = sub_progress(progress, index / len(files), (index + 1) / len(files))
        results.append(import_file(workspace, path, progress=step, cancel=cancel))
    return results
