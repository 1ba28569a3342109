"""Export to CSV round-trips; deleting a dataset removes its versions and data files; every change is
in the audit log (and failed or no-op operations add nothing to it)."""

import shutil
from pathlib import Path

import pandas as pd
import pytest
from sqlalchemy import func, select

from mlops_desktop.core.data import datasets
from mlops_desktop.core.errors import UserError
from mlops_desktop.core.store.models import AuditEvent, Dataset, DatasetVersion

SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "samples"

MESSY = (
    "id,when,flag,score,label,note\n"
    '1,2024-01-05,true,1.5,a,"hello, world"\n'
    '2,2024-02-06 13:30:00,false,,b,"two\nlines"\n'
    '3,,true,-2.25,,"say ""hi"""\n'
    "4,2024-03-07,,1e-3,a,Zürich\n"
)


def events(workspace, action: str | None = None) -> list[AuditEvent]:
    with workspace.store.read() as session:
        query = select(AuditEvent).order_by(AuditEvent.id)
        if action:
            query = query.where(AuditEvent.action == action)
        return list(session.scalars(query))


@pytest.mark.parametrize("sample", sorted(p.name for p in SAMPLES.glob("*.csv")))
def test_export_of_a_sample_reimports_with_the_same_content_hash(
    tmp_path: Path, workspace, sample: str
) -> None:
    first = datasets.import_file(workspace, SAMPLES / sample, "s")
    out = tmp_path / "export.csv"
    summary = datasets.export_csv(workspace, "s", out)
    assert summary["rows"] == first.rows

    again = datasets.import_file(workspace, out, "s")
    assert again.content_hash == first.content_hash
    assert again.created is False


def test_export_round_trips_missing_values_dates_booleans_and_quoting(
    tmp_path: Path, workspace
) -> None:
    source = tmp_path / "messy.csv"
    source.write_text(MESSY, encoding="utf-8")
    first = datasets.import_file(workspace, source, "messy")
    types = {c["name"]: c["type"] for c in datasets.show(workspace, "messy")["columns"]}
    assert types["when"] == "datetime" and types["flag"] == "boolean"

    out = tmp_path / "out.csv"
    datasets.export_csv(workspace, "messy", out)
    again = datasets.import_file(workspace, out, "messy copy")
    assert again.content_hash == first.content_hash

    original = datasets.load_frame(workspace, datasets.get_version(workspace, "messy"))
    copy = datasets.load_frame(workspace, datasets.get_version(workspace, "messy copy"))
    pd.testing.assert_frame_equal(original, copy)


def test_export_is_plain_utf8_csv_with_a_header(tmp_path: Path, workspace) -> None:
    source = tmp_path / "semi.csv"
    source.write_bytes("city;temp\nZürich;1,5\nKraków;-3,25\n".encode("cp1252"))
    datasets.import_file(workspace, source, "cities")

    out = tmp_path / "out.csv"
    datasets.export_csv(workspace, "cities", out)
    frame = pd.read_csv(out, encoding="utf-8")
    assert frame["city"].tolist() == ["Zürich", "Kraków"]
    assert frame["temp"].tolist() == [1.5, -3.25]


def test_export_a_chosen_version(tmp_path: Path, workspace) -> None:
    source = tmp_path / "d.csv"
    source.write_text("a\n1\n2\n")
    datasets.import_file(workspace, source, "d")
    source.write_text("a\n1\n2\n3\n")
    datasets.import_file(workspace, source, "d")

    out = tmp_path / "v1.csv"
    assert datasets.export_csv(workspace, "d@1", out)["rows"] == 2
    assert pd.read_csv(out)["a"].tolist() == [1, 2]


def test_export_refuses_a_missing_folder_or_a_folder_target(tmp_path: Path, workspace) -> None:
    source = tmp_path / "d.csv"
    source.write_text("a\n1\n")
    datasets.import_file(workspace, source, "d")

    with pytest.raises(UserError, match="does not exist"):
        datasets.export_csv(workspace, "d", tmp_path / "nowhere" / "out.csv")
    with pytest.raises(UserError, match="folder"):
        datasets.export_csv(workspace, "d", tmp_path)
    assert not list(tmp_path.glob(".*partial"))


def test_export_writes_an_audit_event(tmp_path: Path, workspace) -> None:
    source = tmp_path / "d.csv"
    source.write_text("a\n1\n")
    datasets.import_file(workspace, source, "d")
    datasets.export_csv(workspace, "d", tmp_path / "out.csv")
    (event,) = events(workspace, "dataset.export")
    assert event.entity == "dataset:d@1"
    assert event.details["output"] == str(tmp_path / "out.csv")


class TestDelete:
    def test_removes_dataset_versions_and_their_files(
        self, tmp_path: Path, workspace, artifact_files
    ) -> None:
        source = tmp_path / "d.csv"
        source.write_text("a\n1\n2\n")
        datasets.import_file(workspace, source, "d")
        source.write_text("a\n1\n2\n3\n")
        datasets.import_file(workspace, source, "d")
        stored = [datasets.get_version(workspace, f"d@{n}") for n in (1, 2)]
        paths = [datasets.parquet_path(workspace, version) for version in stored]
        assert all(path.is_file() for path in paths)

        datasets.delete_dataset(workspace, "d")

        assert datasets.list_datasets(workspace) == []
        assert not any(path.exists() for path in paths)
        assert artifact_files() == set()
        with workspace.store.read() as session:
            assert session.scalar(select(func.count()).select_from(Dataset)) == 0
            assert session.scalar(select(func.count()).select_from(DatasetVersion)) == 0
        with pytest.raises(UserError, match="no dataset named 'd'"):
            datasets.show(workspace, "d")
        assert workspace.store.integrity_ok()

    def test_writes_an_audit_event(self, tmp_path: Path, workspace) -> None:
        source = tmp_path / "d.csv"
        source.write_text("a\n1\n2\n")
        datasets.import_file(workspace, source, "d")
        source.write_text("a\n1\n")
        datasets.import_file(workspace, source, "d")
        datasets.delete_dataset(workspace, "d")

        (event,) = events(workspace, "dataset.delete")
        assert event.entity == "dataset:d"
        assert event.details["versions"] == 2
        assert event.user
        assert event.created_at.tzinfo is not None
        # the import history is kept: the audit log is append-only
        assert len(events(workspace, "dataset.import")) == 2

    def test_keeps_files_another_dataset_still_uses(self, tmp_path: Path, workspace) -> None:
        """Artifacts are content-addressed: identical data under two names shares one file."""
        source = tmp_path / "d.csv"
        source.write_text("a\n1\n2\n")
        datasets.import_file(workspace, source, "one")
        datasets.import_file(workspace, source, "two")
        shared = datasets.parquet_path(workspace, datasets.get_version(workspace, "two"))

        datasets.delete_dataset(workspace, "one")

        assert shared.is_file()
        assert len(datasets.load_frame(workspace, datasets.get_version(workspace, "two"))) == 2

    def test_unknown_dataset(self, workspace) -> None:
        with pytest.raises(UserError, match="no dataset named 'ghost'"):
            datasets.delete_dataset(workspace, "ghost")
        assert events(workspace) == []


class TestAudit:
    def test_every_import_that_makes_a_version_writes_one_event(
        self, tmp_path: Path, workspace
    ) -> None:
        source = tmp_path / "d.csv"
        source.write_text("a,b\n1,x\n2,y\n")
        datasets.import_file(workspace, source, "d")
        source.write_text("a,b\n1,x\n2,y\n3,z\n")
        result = datasets.import_file(workspace, source, "d")

        imports = events(workspace, "dataset.import")
        assert [e.entity for e in imports] == ["dataset:d@1", "dataset:d@2"]
        last = imports[-1].details
        assert last["source"] == "d.csv"
        assert (last["rows"], last["columns"]) == (3, 2)
        assert last["content_hash"] == result.content_hash

    def test_an_identical_reimport_changes_nothing_and_records_nothing(
        self, tmp_path: Path, workspace
    ) -> None:
        source = tmp_path / "d.csv"
        source.write_text("a\n1\n")
        datasets.import_file(workspace, source, "d")
        datasets.import_file(workspace, source, "d")
        assert len(events(workspace, "dataset.import")) == 1

    def test_a_failed_import_records_nothing_and_stores_nothing(
        self, tmp_path: Path, workspace, artifact_files, staged_files
    ) -> None:
        source = tmp_path / "bad.csv"
        source.write_text("a,b\n1,2\n3\n")
        with pytest.raises(UserError):
            datasets.import_file(workspace, source, "bad")
        assert events(workspace) == []
        assert artifact_files() == set()
        assert staged_files() == set()


def test_a_missing_data_file_is_reported_in_plain_words(tmp_path: Path, workspace) -> None:
    source = tmp_path / "d.csv"
    source.write_text("a\n1\n")
    datasets.import_file(workspace, source, "d")
    version = datasets.get_version(workspace, "d")
    shutil.move(datasets.parquet_path(workspace, version), tmp_path / "moved.parquet")

    with pytest.raises(UserError, match="missing"):
        datasets.export_csv(workspace, "d", tmp_path / "out.csv")
