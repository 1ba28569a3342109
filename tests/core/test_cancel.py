"""Cancelling an import at any point leaves nothing behind: no dataset, no version, no data file at a
real address, nothing in staging, nothing in the audit log, and a database that passes its integrity
check. The cancel callback is the same one the GUI's Cancel button drives."""

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import func, select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import Cancelled
from mlops_desktop.core.store.models import AuditEvent, Dataset, DatasetVersion


def _write_table(path: Path, rows: int, extra: str = "") -> Path:
    body = "".join(f"{i},{i * 0.5},{['a', 'b', 'c'][i % 3]}{extra}\n" for i in range(rows))
    path.write_text("n,x,label\n" + body, encoding="utf-8")
    return path


def _progress_reports(workspace, path: Path, name: str) -> int:
    """How many progress reports a complete import of ``path`` makes (in a throwaway dataset)."""
    calls: list[float] = []
    datasets.import_file(workspace, path, name, progress=lambda f, m: calls.append(f))
    datasets.delete_dataset(workspace, name)
    return len(calls)


def _cancel_after(reports: int) -> tuple[Callable[[float, str], None], Callable[[], bool]]:
    seen: list[float] = []

    def progress(fraction: float, message: str) -> None:
        seen.append(fraction)

    def cancel() -> bool:
        return len(seen) >= reports

    return progress, cancel


def _counts(workspace) -> tuple[int, int, int]:
    with workspace.store.read() as session:
        return (
            session.scalar(select(func.count()).select_from(Dataset)) or 0,
            session.scalar(select(func.count()).select_from(DatasetVersion)) or 0,
            session.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


def test_cancel_at_every_step_of_a_first_import_leaves_nothing(
    tmp_path: Path, workspace, artifact_files, staged_files
) -> None:
    path = _write_table(tmp_path / "table.csv", 3000)
    total = _progress_reports(workspace, path, "probe")
    assert total >= 5
    baseline = _counts(workspace)

    # cancel after 1, 2, … progress reports; the last report is "Imported", after which there is
    # nothing left to cancel
    for after in range(1, total):
        progress, cancel = _cancel_after(after)
        with pytest.raises(Cancelled):
            datasets.import_file(workspace, path, "table", progress=progress, cancel=cancel)
        assert datasets.list_datasets(workspace) == [], after
        assert _counts(workspace) == baseline, after
        assert artifact_files() == set(), after
        assert staged_files() == set(), after
        assert workspace.store.integrity_ok(), after

    # and the same file still imports normally afterwards
    assert datasets.import_file(workspace, path, "table").version == 1


def test_cancelling_a_second_version_keeps_the_first_intact(
    tmp_path: Path, workspace, artifact_files, staged_files
) -> None:
    path = _write_table(tmp_path / "table.csv", 2000)
    first = datasets.import_file(workspace, path, "table")
    kept_files = artifact_files()
    before = _counts(workspace)
    _write_table(path, 2500)
    total = _progress_reports(workspace, path, "probe")

    for after in range(1, total):
        progress, cancel = _cancel_after(after)
        with pytest.raises(Cancelled):
            datasets.import_file(workspace, path, "table", progress=progress, cancel=cancel)
        assert datasets.list_datasets(workspace)[0]["versions"] == 1, after
        assert _counts(workspace)[:2] == before[:2], after
        assert artifact_files() == kept_files, after
        assert staged_files() == set(), after
        assert workspace.store.integrity_ok(), after
    assert datasets.show(workspace, "table")["content_hash"] == first.content_hash
    version = datasets.get_version(workspace, "table")
    assert len(datasets.load_frame(workspace, version)) == 2000


def test_cancelling_an_import_whose_data_file_is_shared_keeps_that_file(
    tmp_path: Path, workspace, artifact_files
) -> None:
    """The same rows under another name share one content-addressed file; a cancelled import of the
    second name must not delete the first name's data."""
    path = _write_table(tmp_path / "table.csv", 500)
    datasets.import_file(workspace, path, "original")
    shared = artifact_files()
    total = _progress_reports(workspace, path, "probe")

    for after in range(1, total):
        progress, cancel = _cancel_after(after)
        with pytest.raises(Cancelled):
            datasets.import_file(workspace, path, "copy", progress=progress, cancel=cancel)
        assert artifact_files() == shared, after
    version = datasets.get_version(workspace, "original")
    assert len(datasets.load_frame(workspace, version)) == 500
    assert [d["name"] for d in datasets.list_datasets(workspace)] == ["original"]


def test_cancel_while_reading_a_large_file(tmp_path: Path, workspace, artifact_files) -> None:
    """The read itself checks for cancel as it goes, not only between steps."""
    path = _write_table(tmp_path / "big.csv", 400_000)  # ~7 MB: several 4 MB read blocks
    reads: list[float] = []

    def progress(fraction: float, message: str) -> None:
        if message == "Reading the file":
            reads.append(fraction)

    with pytest.raises(Cancelled):
        datasets.import_file(
            workspace, path, "big", progress=progress, cancel=lambda: len(reads) >= 1
        )
    assert reads and max(reads) < 1.0
    assert datasets.list_datasets(workspace) == []
    assert artifact_files() == set()


def test_progress_rises_from_0_to_1(tmp_path: Path, workspace) -> None:
    path = _write_table(tmp_path / "table.csv", 1000)
    fractions: list[float] = []
    messages: list[str] = []

    def progress(fraction: float, message: str) -> None:
        fractions.append(fraction)
        messages.append(message)

    datasets.import_file(workspace, path, "t", progress=progress)
    assert fractions[0] == 0.0 and fractions[-1] == 1.0
    assert fractions == sorted(fractions)
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert all(m.strip() for m in messages)
